#include "projinfo.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCACHE 8
#define SMALL_FILE (64 * 1024)

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* One line of the Dockerfile rule; returns the image (caller frees) or NULL. */
static char *from_line(const char *s, size_t n)
{
	const char *e = s + n, *f;

	while (s < e && is_ws((unsigned char)*s))
		s++;
	while (e > s && is_ws((unsigned char)e[-1]))
		e--;
	if (e - s < 5 || strncasecmp(s, "FROM ", 5) != 0)
		return NULL;
	s += 5;
	while (s < e && is_ws((unsigned char)*s))
		s++;
	for (f = s; f < e && !is_ws((unsigned char)*f); f++)
		;
	return f > s ? strndup(s, (size_t)(f - s)) : NULL;
}

char *docker_image_from_text(const char *text, size_t n)
{
	const char *p = text, *end = text + n, *nl;
	char *best = NULL, *img;

	while (p <= end && n) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		img = from_line(p, (size_t)(nl - p));
		if (img) {
			free(best);
			best = img;
		}
		p = nl + 1;
	}
	return best ? best : strdup("");
}

/* A small regular file read whole; NULL if missing or larger than cap. */
static char *slurp(const char *path, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t k;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	buf = malloc(cap + 1);
	while (got < cap && (k = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)k;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static char *cloche_file(const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/.cloche/%s", dir, name);
	return slurp(path, SMALL_FILE, len);
}

char *projinfo_docker_image(const char *dir)
{
	size_t n = 0;
	char *text = cloche_file(dir, "Dockerfile", &n), *img;

	img = docker_image_from_text(text ? text : "", n);
	free(text);
	return img;
}

long long projinfo_version(const char *dir)
{
	size_t n = 0;
	char *text = cloche_file(dir, "version", &n), *s, *e, *end;
	long long v = 0;

	if (!text)
		return 0;
	for (s = text; is_ws((unsigned char)*s); s++)
		;
	for (e = text + n; e > s && is_ws((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	errno = 0;
	/* Go's Atoi: optional sign and decimal digits only, no blanks inside. */
	if (*s && !is_ws((unsigned char)*s) && ((*s != '+' && *s != '-') || s[1])) {
		v = strtoll(s, &end, 10);
		if (*end || errno || is_ws((unsigned char)s[1]))
			v = 0;
	}
	free(text);
	return v;
}

/* ---- prompt files and the history cache ---- */

struct centry {
	char *dir;
	char head[41];
	long long mtime_ns;
	struct prompt_set set;
	unsigned long long used;
};

static struct centry cache[NCACHE];
static unsigned long long tick;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int entry_is_dir(const char *pdir, const struct dirent *d)
{
	char path[PATH_MAX];
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	snprintf(path, sizeof path, "%s/%s", pdir, d->d_name);
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Non-directory entries of <dir>/.cloche/prompts, sorted (os.ReadDir). */
static char **list_names(const char *dir, size_t *n)
{
	char pdir[PATH_MAX];
	char **v = NULL;
	size_t cap = 0;
	struct dirent *d;
	DIR *dp;

	*n = 0;
	snprintf(pdir, sizeof pdir, "%s/" PROMPT_DIR, dir);
	dp = opendir(pdir);
	if (!dp)
		return NULL;
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 || entry_is_dir(pdir, d))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			v = realloc(v, cap * sizeof *v);
		}
		v[(*n)++] = strdup(d->d_name);
	}
	closedir(dp);
	if (*n)
		qsort(v, *n, sizeof *v, by_name);
	return v;
}

static void set_free(struct prompt_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].path);
		git_history_free(&s->v[i].hist);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The previous set's histories, when it lists the same files. */
static struct git_history *reusable(const struct prompt_set *old, char **paths, size_t n)
{
	struct git_history *base;
	size_t i;

	if (!old || !old->git || old->n != n || n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(old->v[i].path, paths[i]) != 0)
			return NULL;
	base = calloc(n, sizeof *base);
	for (i = 0; i < n; i++)
		base[i] = old->v[i].hist;     /* borrowed: old outlives the walk */
	return base;
}

static void build_set(const char *dir, struct prompt_set *s, const struct prompt_set *old,
		      const char *old_head)
{
	char **names, **paths;
	struct git_history *h, *base;
	size_t n, i;

	names = list_names(dir, &n);
	s->v = calloc(n ? n : 1, sizeof *s->v);
	s->n = n;
	paths = calloc(n ? n : 1, sizeof *paths);
	h = calloc(n ? n : 1, sizeof *h);
	for (i = 0; i < n; i++) {
		size_t len = strlen(PROMPT_DIR) + strlen(names[i]) + 2;

		paths[i] = malloc(len);
		snprintf(paths[i], len, PROMPT_DIR "/%s", names[i]);
	}
	base = reusable(old, paths, n);
	s->git = git_histories_from(dir, (const char *const *)paths, n, old_head, base, h) == 0;
	free(base);
	for (i = 0; i < n; i++) {
		s->v[i].path = paths[i];
		s->v[i].hist = h[i];
		free(names[i]);
	}
	free(names);
	free(paths);
	free(h);
}

static long long prompt_dir_mtime(const char *dir)
{
	char pdir[PATH_MAX];
	struct stat st;

	snprintf(pdir, sizeof pdir, "%s/" PROMPT_DIR, dir);
	if (stat(pdir, &st) != 0)
		return -1;
	return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

const struct prompt_set *prompts_get(const char *dir)
{
	char head[41] = "";
	long long mt = prompt_dir_mtime(dir);
	struct centry *e, *victim = &cache[0];
	struct prompt_set fresh = {0};
	static const struct prompt_set none;
	int i, same_dir = 0;

	/* No prompt directory: nothing to list, no need to open git. */
	if (mt < 0)
		return &none;
	git_head_id(dir, head);
	for (i = 0; i < NCACHE; i++) {
		e = &cache[i];
		if (e->dir && strcmp(e->dir, dir) == 0) {
			if (strcmp(e->head, head) == 0 && e->mtime_ns == mt) {
				e->used = ++tick;
				return &e->set;
			}
			victim = e;
			same_dir = 1;
			break;
		}
		if (e->used < victim->used)
			victim = e;
	}
	/* A new commit on top of the cached HEAD only walks the new commits. */
	build_set(dir, &fresh, same_dir ? &victim->set : NULL, same_dir ? victim->head : NULL);
	free(victim->dir);
	set_free(&victim->set);
	victim->dir = strdup(dir);
	snprintf(victim->head, sizeof victim->head, "%s", head);
	victim->mtime_ns = mt;
	victim->used = ++tick;
	victim->set = fresh;
	return &victim->set;
}

int prompt_listed(const struct prompt_set *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return 1;
	return 0;
}

char *prompt_content(const char *dir, const char *path, size_t cap, size_t *len, int *trunc)
{
	char root[PATH_MAX], file[PATH_MAX], real[PATH_MAX];
	size_t n;
	char *text;
	struct stat st;

	*trunc = 0;
	snprintf(file, sizeof file, "%s/%s", dir, path);
	if (!realpath(dir, root) || !realpath(file, real))
		return NULL;
	n = strlen(root);
	if (strncmp(real, root, n) != 0 || real[n] != '/')
		return NULL;
	text = slurp(real, cap, len);
	if (text && stat(real, &st) == 0 && (size_t)st.st_size > *len)
		*trunc = 1;
	return text;
}
