/* libFuzzer: ANSI escape parsing and HTML rendering. The output must never
 * contain a '<' that we did not write ourselves (only <span and </span). */
#include "ansi.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	const char *p, *end;

	memset(&r, 0, sizeof r);
	ansi_html(&r, (const char *)data, size);
	end = r.body.p ? r.body.p + r.body.len : NULL;
	for (p = r.body.p; p && p < end; p++)
		if (*p == '<' && strncmp(p, "<span class=\"ansi", 17) != 0 && strncmp(p, "</span>", 7) != 0)
			abort();
	buf_free(&r.body);
	return 0;
}
