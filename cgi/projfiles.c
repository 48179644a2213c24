/* Contained file access inside a project (see projfiles.h). The kernel
 * does the containment (openat2 RESOLVE_BENEATH); the lexical check first
 * turns obvious attempts into PF_EBADPATH so callers can answer 400. */
#include "projfiles.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int pf_path_ok(const char *rel)
{
	const char *c;
	size_t n;

	if (!rel || !*rel || *rel == '/' || strlen(rel) >= PATH_MAX)
		return 0;
	for (c = rel; *c; c += n) {
		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return 0;
	}
	return 1;
}

static int code_of(int err)
{
	switch (err) {
	case ENOENT: case EACCES: case ENOTDIR: case ELOOP: case EPERM:
		return PF_ENOENT;
	case EXDEV:
		return PF_EESCAPE;   /* RESOLVE_BENEATH refused a jump out */
	case ENAMETOOLONG:
		return PF_EBADPATH;
	}
	return PF_EIO;
}

/* Fallback for kernels before 5.6: resolve, then require the prefix. */
static int open_realpath(const char *root, const char *rel, int flags)
{
	char rroot[PATH_MAX], full[PATH_MAX * 2], rfull[PATH_MAX];
	size_t n;
	int fd;

	if (!realpath(root, rroot))
		return code_of(errno);
	snprintf(full, sizeof full, "%s/%s", rroot, rel);
	if (!realpath(full, rfull))
		return code_of(errno);
	n = strlen(rroot);
	if (strncmp(rfull, rroot, n) != 0 || (rfull[n] != '/' && rfull[n] != '\0' && n > 1))
		return PF_EESCAPE;
	fd = open(rfull, flags | O_NOFOLLOW);
	return fd >= 0 ? fd : code_of(errno);
}

int pf_open(const char *root, const char *rel, int o_flags)
{
	struct open_how how;
	int dfd, fd, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | o_flags;

	if (!root || !*root || !pf_path_ok(rel))
		return PF_EBADPATH;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return code_of(errno);
	memset(&how, 0, sizeof how);
	how.flags = (unsigned long long)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof how);
	if (fd < 0 && errno == ENOSYS)
		fd = open_realpath(root, rel, flags);
	else if (fd < 0)
		fd = code_of(errno);
	close(dfd);
	if (fd >= 0 && !(o_flags & O_DIRECTORY)) {
		/* O_NONBLOCK only served to not hang on a FIFO while opening. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	return fd;
}

int pf_read(const char *root, const char *rel, long max, char **data, size_t *len)
{
	struct stat st;
	char *p;
	size_t got = 0;
	ssize_t k;
	int fd = pf_open(root, rel, 0);

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return PF_ENOTREG;
	}
	if (st.st_size > max) {
		close(fd);
		return PF_ETOOBIG;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		close(fd);
		return PF_EIO;
	}
	/* The file may grow meanwhile: read at most what fstat promised. */
	while (got < (size_t)st.st_size && (k = read(fd, p + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)k;
	close(fd);
	p[got] = '\0';
	*data = p;
	*len = got;
	return PF_OK;
}

int pf_is_text(const char *data, size_t len)
{
	return memchr(data, '\0', len < PF_TEXT_SNIFF ? len : PF_TEXT_SNIFF) == NULL;
}

const char *pf_strerror(int code)
{
	switch (code) {
	case PF_OK: return "ok";
	case PF_EBADPATH: return "path must be relative to the project, without '..'";
	case PF_ENOENT: return "no such file";
	case PF_EESCAPE: return "path leaves the project directory";
	case PF_ENOTREG: return "not a regular file";
	case PF_ETOOBIG: return "file too large";
	}
	return "read error";
}
