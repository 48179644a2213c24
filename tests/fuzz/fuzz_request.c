/* libFuzzer target for the request layer: raw URI → base/path split,
 * query parsing, percent decoding, route matching and escaping. */
#include "esc.h"
#include "pct.h"
#include "req.h"
#include "route.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void exercise_query(struct req *r)
{
	static const char *names[] = {"end", "limit", "project", "q", "flash", "_method"};
	long long v;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *s = req_query(r, names[i]);

		free(s);
		req_query_int(r, names[i], 0, -1000, 1000, &v);
	}
}

static void exercise_escapes(const char *s, size_t n)
{
	struct buf b = {0};
	char *out = malloc(n + 1);

	esc_html(&b, s, n);
	esc_url_seg(&b, s, n);
	esc_json_str(&b, s, n);
	esc_utf8(&b, s, n);
	pct_decode(s, n, out, 1);
	free(out);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Input: METHOD \n URI \n SCRIPT_NAME */
	char *copy = malloc(size + 1), *uri, *sn, *env[5];
	char e0[64], *e1, *e2;
	const struct route *hit;
	char allow[64];
	struct req r;

	memcpy(copy, data, size);
	copy[size] = '\0';
	uri = strchr(copy, '\n');
	if (uri)
		*uri++ = '\0';
	else
		uri = "/";
	sn = strchr(uri, '\n');
	if (sn)
		*sn++ = '\0';
	else
		sn = "";
	snprintf(e0, sizeof e0, "REQUEST_METHOD=%.40s", copy);
	e1 = malloc(strlen(uri) + 16);
	sprintf(e1, "REQUEST_URI=%s", uri);
	e2 = malloc(strlen(sn) + 16);
	sprintf(e2, "SCRIPT_NAME=%s", sn);
	env[0] = e0, env[1] = e1, env[2] = e2, env[3] = NULL;
	req_init(&r, env);
	if (req_parse(&r) == 0) {
		route_match(ROUTES, r.method, &r, &hit, allow, sizeof allow);
		exercise_query(&r);
	}
	exercise_escapes((const char *)data, size);
	req_free(&r);
	free(e1);
	free(e2);
	free(copy);
	return 0;
}
