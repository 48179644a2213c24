/* Reading files inside one project directory without ever leaving it.
 *
 * A path is always given relative to the project root ("root"): it must
 * not be empty or absolute and must not contain a ".." component
 * (pf_path_ok). It is then opened with openat2(RESOLVE_BENEATH), so a
 * symlink may point anywhere inside the project but never outside it, and
 * no "/proc" magic link is followed. On kernels without openat2 the path
 * is resolved with realpath and must stay under realpath(root).
 *
 * Every function returns PF_OK / a file descriptor, or one of the negative
 * PF_E* codes; pf_strerror names it. Nothing here writes to disk.
 *
 *   char *data; size_t n;
 *   if (pf_read(p->dir, ".cloche/prompts/a.md", PF_MAX_READ, &data, &n) == PF_OK) {
 *           ... use data[0..n) (NUL-terminated too) ...
 *           free(data);
 *   }
 */
#ifndef CLOCHE_PROJFILES_H
#define CLOCHE_PROJFILES_H
#include <stddef.h>

#define PF_MAX_READ (1L << 20)   /* the default cap: 1 MiB */
#define PF_TEXT_SNIFF 8192       /* text = no NUL byte in this many first bytes */

enum {
	PF_OK = 0,
	PF_EBADPATH = -1,  /* empty, absolute, "..", NUL, too long */
	PF_ENOENT = -2,    /* missing, or not readable */
	PF_EESCAPE = -3,   /* resolves outside the project (symlink) */
	PF_ENOTREG = -4,   /* a directory, FIFO, device... */
	PF_ETOOBIG = -5,   /* larger than the cap given */
	PF_EIO = -6,
};

int pf_path_ok(const char *rel);
/* An fd opened read-only (o_flags may add O_DIRECTORY); caller closes. */
int pf_open(const char *root, const char *rel, int o_flags);
/* A whole regular file of at most max bytes into *data (caller frees;
 * NUL-terminated for convenience), its length in *len. */
int pf_read(const char *root, const char *rel, long max, char **data, size_t *len);
int pf_is_text(const char *data, size_t len);
const char *pf_strerror(int code);

#endif
