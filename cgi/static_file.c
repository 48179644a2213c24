/* GET /static/{file} — the stylesheet and scripts from public/, for
 * deployments where the web server does not serve public/ itself (plain
 * CGI) and for the daemon's /static/style.css URL (http.md 8). */
#include "config.h"
#include "resp.h"
#include "responders.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STATIC (4 << 20)

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return NULL;
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return NULL;
}

/* Only plain names of files directly in public/: no dot files, no '/'. */
static int name_ok(const char *s)
{
	if (!*s || *s == '.')
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s))
			return 0;
	return 1;
}

void static_file(struct req *r)
{
	const char *dir = cfg_get_req(r, "CLOCHE_DASH_PUBLIC");
	const char *type = type_of(r->param[0]);
	char path[4096], *data;
	struct stat st;
	ssize_t got;
	int fd;

	if (!dir)
		dir = CLOCHE_DEFAULT_PUBLIC;
	if (!type || !name_ok(r->param[0])) {
		resp_text(r, 404, "404 page not found");
		return;
	}
	snprintf(path, sizeof path, "%s/%s", dir, r->param[0]);
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_STATIC) {
		if (fd >= 0)
			close(fd);
		resp_text(r, 404, "404 page not found");
		return;
	}
	data = malloc((size_t)st.st_size + 1);
	got = read(fd, data, (size_t)st.st_size);
	close(fd);
	resp_plain_bytes(r, 200, data, got > 0 ? (size_t)got : 0);
	r->ctype = type;
	r->cacheable = 1; /* an ETag for revalidation, and the response cache */
	free(data);
	resp_header(r, "Cache-Control", r->query && strncmp(r->query, "v=", 2) == 0 ?
		    "public, max-age=31536000, immutable" : "no-cache");
}
