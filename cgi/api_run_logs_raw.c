/* GET /api/runs/{id}/logs/raw — the run's full.log as it is on disk, as a
 * download; ?offset=O gives the one physical line starting at byte O (how
 * the viewer shows a line it had to truncate, D3). Files larger than what
 * we buffer are handed to the web server with X-Sendfile (lighttpd) or
 * X-Accel-Redirect (nginx) when CLOCHE_DASH_SENDFILE says so. */
#include "config.h"
#include "logapi.h"
#include "logpath.h"
#include "logread.h"
#include "resp.h"
#include "responders.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAW_MAX (64LL << 20)

static void one_line(struct req *r, const char *path, const char *off_s)
{
	struct buf line = {0};
	char *end;
	long long off = strtoll(off_s, &end, 10), full;

	if (!*off_s || *end || off < 0) {
		resp_json_error(r, 400, "offset must be a byte offset");
		return;
	}
	if (log_line_at(path, off, (size_t)RAW_MAX, &line, &full) != 0) {
		resp_json_error(r, 404, "no line starts at this offset");
		return;
	}
	resp_plain_bytes(r, 200, line.p ? line.p : "", line.len);
	buf_free(&line);
}

/* Large files go through the web server when it is configured to. */
static int hand_off(struct req *r, const char *path)
{
	const char *mode = cfg_get_req(r, "CLOCHE_DASH_SENDFILE");
	struct buf h = {0};

	if (!mode || !*mode)
		return 0;
	resp_plain_bytes(r, 200, "", 0);
	if (strcmp(mode, "x-sendfile") == 0) {
		resp_header(r, "X-Sendfile", path);
	} else {
		buf_puts(&h, mode); /* an nginx internal location aliased to / */
		buf_puts(&h, path);
		resp_header(r, "X-Accel-Redirect", buf_str(&h));
		buf_free(&h);
	}
	return 1;
}

static void whole(struct req *r, const char *path)
{
	struct stat sb;
	struct buf b = {0};
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		resp_json_error(r, 404, "no log file for this run");
		return;
	}
	if (sb.st_size > RAW_MAX && hand_off(r, path)) {
		resp_header(r, "Content-Disposition", "attachment; filename=\"full.log\"");
		close(fd);
		return;
	}
	if (sb.st_size > RAW_MAX) {
		close(fd);
		resp_json_error(r, 413, "log larger than 64 MiB: set CLOCHE_DASH_SENDFILE so the web server sends it (docs/compatibility.md)");
		return;
	}
	buf_grow(&b, (size_t)sb.st_size + 1);
	while (b.len < (size_t)sb.st_size && (got = read(fd, b.p + b.len, (size_t)sb.st_size - b.len)) > 0)
		b.len += (size_t)got;
	close(fd);
	resp_plain_bytes(r, 200, b.p, b.len);
	resp_header(r, "Content-Disposition", "attachment; filename=\"full.log\"");
	buf_free(&b);
}

void api_run_logs_raw(struct req *r)
{
	struct run run;
	char *path, *off;

	if (!logs_run(r, &run))
		return;
	path = logpath_full(&run);
	off = req_query(r, "offset");
	if (!path)
		resp_json_error(r, 404, "no log file for this run");
	else if (off)
		one_line(r, path, off);
	else
		whole(r, path);
	free(off);
	free(path);
	run_free(&run);
}
