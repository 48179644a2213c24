/* GET /api/runs/{id}/steps/{step}/output?type=&format= — one step's output
 * file (http.md 4.14, store.md 3.7), with the path traversal of D1 fixed:
 * {step} may not contain '/' or '\\' or be '.'/'..', and the file must
 * resolve inside the project's .cloche. */
#include "guard.h"
#include "logapi.h"
#include "logparse.h"
#include "logpath.h"
#include "resp.h"
#include "responders.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STEPOUT_MAX (32u << 20) /* bytes of a step file we read */

static int slurp(const char *path, struct buf *b, int *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	*cut = 0;
	if (fd < 0)
		return -1;
	while (b->len < STEPOUT_MAX) {
		buf_grow(b, 65536);
		got = read(fd, b->p + b->len, b->cap - b->len - 1 < STEPOUT_MAX - b->len
					      ? b->cap - b->len - 1 : STEPOUT_MAX - b->len);
		if (got <= 0)
			break;
		b->len += (size_t)got;
	}
	*cut = b->len >= STEPOUT_MAX;
	close(fd);
	return 0;
}

void api_step_output(struct req *r)
{
	struct run run;
	struct buf raw = {0}, out = {0};
	char *type, *format, *path;
	int cut;

	if (!logs_run(r, &run))
		return;
	if (!logpath_step_ok(r->param[1])) {
		resp_json_error(r, 400, "step name must not contain '/' or '\\' or be '.' or '..'");
		run_free(&run);
		return;
	}
	type = req_query(r, "type");
	format = req_query(r, "format");
	path = logpath_step(store_get(), &run, r->param[1], type && *type ? type : NULL);
	if (!path || slurp(path, &raw, &cut) != 0) {
		resp_text(r, 404, "step output not found");
	} else {
		if (format && strcmp(format, "raw") == 0)
			buf_put(&out, raw.p, raw.len);
		else
			stepout_convert(raw.p ? raw.p : "", raw.len, &out);
		if (cut)
			buf_puts(&out, "\n[output cut at 32 MiB]\n");
		resp_plain_bytes(r, 200, out.p ? out.p : "", out.len);
	}
	buf_free(&raw);
	buf_free(&out);
	free(path);
	free(type);
	free(format);
	run_free(&run);
}
