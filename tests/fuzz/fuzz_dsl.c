/* libFuzzer: the .cloche parser, the workflows JSON, the DAG layout and its
 * SVG. Any input must parse or fail cleanly (no crash, leak, UB or deep
 * recursion), and the SVG may only contain tags we write ourselves. */
#include "dag.h"
#include "dsl.h"
#include "json.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const TAGS[] = {
	"<svg ", "</svg>", "<defs>", "</defs>", "<marker ", "</marker>", "<polygon ", "<path ",
	"<circle ", "<text ", "</text>", "<a ", "</a>", "<title>", "</title>", "<rect ", "<g ",
	"</g>", NULL,
};

static void check_markup(const struct buf *b)
{
	const char *p, *end = b->p ? b->p + b->len : NULL;
	int i;

	for (p = b->p; p && p < end; p++) {
		if (*p != '<')
			continue;
		for (i = 0; TAGS[i]; i++)
			if ((size_t)(end - p) >= strlen(TAGS[i]) && !strncmp(p, TAGS[i], strlen(TAGS[i])))
				break;
		if (!TAGS[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsl_file f;
	char err[512];
	size_t i;

	if (dsl_parse((const char *)data, size, &f, err, sizeof err) == 0) {
		for (i = 0; i < f.n; i++) {
			struct json_object *o = dsl_workflow_json(&f.wf[i], ".cloche/fuzz.cloche");
			struct buf j = {0};
			struct dag d;
			struct req r;

			json_emit(&j, o);
			json_object_put(o);
			buf_free(&j);
			memset(&r, 0, sizeof r);
			dag_layout(&f.wf[i], &d, i & 1 ? DAG_EXACT : 0);
			dag_svg(&r, &d, &f.wf[i], "proj<&\"", (int)i);
			check_markup(&r.body);
			buf_free(&r.body);
			dag_free(&d);
		}
	} else if (!err[0]) {
		abort();   /* a failure always says why */
	}
	dsl_free(&f);
	return 0;
}
