/* libFuzzer: the full.log line parser, the stream-json rewrite, the step
 * output converter and LogLine JSON. Input = a log file's bytes. */
#include "json.h"
#include "logparse.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *p = s, *e;
	struct logstate st = {0};
	struct logline l = {0};
	struct buf out = {0};
	size_t n;

	while (p < s + size) {
		e = memchr(p, '\n', (size_t)(s + size - p));
		n = e ? (size_t)(e - p) : (size_t)(s + size - p);
		if (log_parse(&st, p, n, (long long)n + (n & 1) * LOG_BIG, &l)) {
			struct json_object *o = logline_json(&l, 1);

			json_emit(&out, o);
			json_object_put(o);
			buf_reset(&out);
		}
		p = e ? e + 1 : s + size;
	}
	stepout_convert(s, size, &out);
	logline_free(&l);
	buf_free(&out);
	return 0;
}
