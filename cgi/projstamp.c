/* See projstamp.h. Everything here is stat() and a few tiny reads: the
 * stamp is computed on every request to a project route, cached or not. */
#include "projstamp.h"
#include "projects.h"
#include "route.h"
#include "store.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRIES 256   /* per directory: a bound, not a limit anyone meets */

struct hash {
	unsigned long long h;
	struct pw_dirs *seen;   /* when not NULL: the directories read go here */
};

/* Records a directory the stamp read, with which entries of it matter. */
static void seen(struct hash *h, const char *path, enum pw_kind kind, const char *name)
{
	struct pw_dirs *c = h->seen;
	struct stat st;

	if (!c)
		return;
	if (c->n == PW_MAX || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		c->unsure = 1;   /* a change there could go unnoticed */
		return;
	}
	snprintf(c->d[c->n].path, sizeof c->d[c->n].path, "%s", path);
	snprintf(c->d[c->n].name, sizeof c->d[c->n].name, "%s", name ? name : "");
	c->d[c->n++].kind = kind;
}

static void mix(struct hash *h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		h->h = (h->h ^ c[i]) * 1099511628211ULL;
}

/* What changes when a file is rewritten, replaced, renamed or removed. */
static void mix_stat(struct hash *h, const char *path)
{
	struct stat st;
	long long v[5] = {-1, 0, 0, 0, 0};

	if (stat(path, &st) == 0) {
		v[0] = (long long)st.st_ino;
		v[1] = (long long)st.st_size;
		v[2] = (long long)st.st_mtim.tv_sec;
		v[3] = st.st_mtim.tv_nsec;
		v[4] = (long long)st.st_mode;
	}
	mix(h, v, sizeof v);
	mix(h, path, strlen(path));
}

/* A small file's bytes (HEAD, a ref); n is 0 when missing. */
static size_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t k;

	buf[0] = '\0';
	if (fd < 0)
		return 0;
	k = read(fd, buf, cap - 1);
	close(fd);
	if (k < 0)
		k = 0;
	buf[k] = '\0';
	return (size_t)k;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Does the project page read this entry of .cloche? Workflow files, the
 * Dockerfile and version, and the prompts and scripts directories. Logs,
 * activity.log and run output are left out: the daemon writes them all
 * the time, and nothing cached here shows them. */
int projstamp_watched(const char *name)
{
	return ends_with(name, ".cloche") || strcmp(name, "Dockerfile") == 0 ||
	       strcmp(name, "version") == 0 || strcmp(name, "prompts") == 0 ||
	       strcmp(name, "scripts") == 0;
}

/* The directory's own stat covers additions and removals; the entries'
 * cover edits in place. With all == 0 only watched() entries count, and
 * directories among them are entered (one level, all entries). */
static void mix_dir(struct hash *h, const char *dir, int all)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	int n = 0;

	mix_stat(h, dir);
	if (!dp)
		return;
	seen(h, dir, all ? PW_ALL : PW_CLOCHE, NULL);
	while ((d = readdir(dp)) && n++ < MAX_ENTRIES) {
		if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
			continue;
		if (!all && !projstamp_watched(d->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (!all && stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !ends_with(d->d_name, ".cloche"))
			mix_dir(h, path, 1);
		else
			mix_stat(h, path);
	}
	closedir(dp);
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* p relative to base unless absolute, into out. */
static void resolve(char *out, size_t cap, const char *base, const char *p)
{
	if (*p == '/')
		snprintf(out, cap, "%s", p);
	else
		snprintf(out, cap, "%s/%s", base, p);
}

/* The git directory of the repository holding dir, as git finds it: the
 * nearest ".git" upwards, a directory or a "gitdir: <path>" file (linked
 * work trees, submodules). 0 when there is none. */
static int find_gitdir(const char *dir, char *out, size_t cap)
{
	char cur[PATH_MAX], dotgit[PATH_MAX + 8], line[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(cur, sizeof cur, "%s", dir);
	for (;;) {
		snprintf(dotgit, sizeof dotgit, "%s/.git", cur);
		if (stat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				snprintf(out, cap, "%s", dotgit);
				return 1;
			}
			read_small(dotgit, line, sizeof line);
			chomp(line);
			if (strncmp(line, "gitdir: ", 8) != 0)
				return 0;
			resolve(out, cap, cur, line + 8);
			return 1;
		}
		slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			return 0;
		*slash = '\0';
	}
}

/* A loose ref file: its directory, where a commit renames the new one in. */
static void seen_ref(struct hash *h, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (!h->seen)
		return;
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	seen(h, dir, PW_NAME, slash + 1);
}

/* HEAD, and the branch it names: loose ref (in the work tree's git dir or
 * the common one) or packed-refs. A commit rewrites the loose ref through
 * a rename, so its bytes change; a checkout rewrites HEAD. */
static void mix_git(struct hash *h, const char *dir)
{
	char gitdir[PATH_MAX], common[PATH_MAX], path[PATH_MAX * 2], buf[PATH_MAX];
	size_t n;

	if (!find_gitdir(dir, gitdir, sizeof gitdir)) {
		mix(h, "nogit", 5);
		return;
	}
	seen(h, gitdir, PW_GIT, NULL);
	snprintf(common, sizeof common, "%s", gitdir);
	snprintf(path, sizeof path, "%s/commondir", gitdir);
	if (read_small(path, buf, sizeof buf)) {
		chomp(buf);
		resolve(common, sizeof common, gitdir, buf);
	}
	snprintf(path, sizeof path, "%s/HEAD", gitdir);
	n = read_small(path, buf, sizeof buf);
	mix(h, buf, n);
	chomp(buf);
	if (strncmp(buf, "ref: ", 5) == 0 && !strstr(buf, "..")) {
		char ref[PATH_MAX];

		snprintf(ref, sizeof ref, "%s", buf + 5);
		snprintf(path, sizeof path, "%s/%s", gitdir, ref);
		mix(h, buf, read_small(path, buf, sizeof buf));
		seen_ref(h, path);
		if (strcmp(common, gitdir) != 0) {
			snprintf(path, sizeof path, "%s/%s", common, ref);
			mix(h, buf, read_small(path, buf, sizeof buf));
			seen_ref(h, path);
		}
	}
	snprintf(path, sizeof path, "%s/packed-refs", common);
	mix_stat(h, path);
	if (strcmp(common, gitdir) != 0)
		seen(h, common, PW_GIT, NULL);
}

unsigned long long projstamp_dirs(const char *dir, struct pw_dirs *out)
{
	struct hash h = {1469598103934665603ULL, out};
	char path[PATH_MAX];

	if (out) {
		out->n = out->unsure = 0;
		seen(&h, dir, PW_ROOT, NULL);
	}
	snprintf(path, sizeof path, "%s/.cloche", dir);
	mix_dir(&h, path, 0);
	mix_git(&h, dir);
	return h.h ? h.h : 1;
}

unsigned long long projstamp(const char *dir)
{
	return projstamp_dirs(dir, NULL);
}

int route_uses_files(const struct route *t)
{
	const responder_fn *f;

	for (f = FILE_ROUTES; *f; f++)
		if (*f == t->fn)
			return 1;
	return 0;
}

void projstamp_key(struct req *r, struct store *s, struct buf *k)
{
	const struct route *hit = NULL;
	const struct projects *ps;
	const struct project *p;
	char allow[64], stamp[24];

	if (route_match(ROUTES, r->method, r, &hit, allow, sizeof allow) != ROUTE_OK ||
	    !route_uses_files(hit) || r->nparam < 1)
		return;
	ps = projects_get(s);
	p = ps ? project_by_label(ps, r->param[0]) : NULL;
	if (!p)
		return;
	snprintf(stamp, sizeof stamp, "#%016llx", projwatch_stamp(p->dir));
	buf_puts(k, stamp);
}
