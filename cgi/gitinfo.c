/* libgit2 readers for the project page. The history walk reproduces
 * `git log --follow -- <path>` with git's default history simplification:
 * a merge that leaves the file as one parent had it is skipped and only
 * that parent is followed; otherwise every parent is (merges themselves
 * are never listed, as with git's --follow). One walk, newest commit
 * first, serves all prompt files; it loads only the commits on their
 * simplified histories, and settles most of them by comparing tree ids
 * (whole tree, then the file's directory) without diffing. */
#include "gitinfo.h"
#include "gitrepo.h"
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMO 64

/* Tree entries already looked up, keyed by commit and path: the parent
 * of one commit is usually the next commit walked. */
struct memo {
	git_oid commit, oid;
	unsigned mode;
	int found, used;
	char dir[256];        /* a directory or file path */
};

/* Commits waiting to be visited, latest commit time first. */
struct qent {
	git_commit *c;        /* a reference of its own: read once, kept until visited */
	git_time_t time;
};

struct walk {
	git_repository *repo;
	struct memo memo[MEMO];
	unsigned next;
	struct qent *heap;
	size_t nheap, capheap;
	git_oid base_id;      /* an earlier HEAD whose histories are known */
	int has_base;
};

/* One followed file. front holds the commits of its simplified history
 * that the walk has not reached yet. */
struct follow {
	char *path;                 /* repo-relative; a rename changes it */
	char *start;                /* the name at HEAD */
	git_oid *front;
	size_t nfront, capfront;
	struct git_history *out;
	size_t cap;
	const struct git_history *base; /* history at w->base_id, to reuse */
};

static void git_init_once(void)
{
	static int done;

	if (done)
		return;
	git_libgit2_init();
	/* The web server's user rarely owns the projects, and we only read. */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/* The walk keeps what it needs (struct memo); libgit2's object cache
	 * only grows the heap and costs a third of the walk's time. */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	/* Nor re-hash every object read: git log does not either. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	done = 1;
}

char *git_join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);

	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* The repository whose work tree contains dir, as `git` run in dir finds
 * it. *prefix (caller frees) is dir below the work tree: "" or "sub/". */
git_repository *git_open_project(const char *dir, char **prefix)
{
	git_repository *repo = NULL;
	char real[PATH_MAX], wt[PATH_MAX];
	const char *w;
	size_t n;

	git_init_once();
	if (!realpath(dir, real) || git_repository_open_ext(&repo, real, 0, NULL) != 0)
		return NULL;
	w = git_repository_workdir(repo);
	if (!w || !realpath(w, wt))
		goto fail;
	n = strcmp(wt, "/") == 0 ? 0 : strlen(wt);
	if (strncmp(real, wt, n) != 0 || (real[n] != '/' && real[n] != '\0'))
		goto fail;
	*prefix = real[n] && real[n + 1] ? git_join(real + n + 1, "/") : strdup("");
	return repo;
fail:
	git_repository_free(repo);
	return NULL;
}

/* Id of the tree entry at path[0..len) in commit c: 1 found, 0 absent. */
static int entry_at(const git_commit *c, const char *path, size_t len, git_oid *out,
		    unsigned *mode)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	char p[4096];
	int found = 0;

	if (len == 0) {
		git_oid_cpy(out, git_commit_tree_id(c));
		*mode = 040000;
		return 1;
	}
	if (len >= sizeof p || git_commit_tree(&t, c) != 0)
		return 0;
	memcpy(p, path, len);
	p[len] = '\0';
	if (git_tree_entry_bypath(&e, t, p) == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		*mode = git_tree_entry_filemode(e);
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return found;
}

static struct memo *memo_find(struct walk *w, const git_commit *c, const char *path, size_t len)
{
	struct memo *m;
	unsigned i;

	for (i = 0; i < MEMO; i++) {
		m = &w->memo[i];
		if (m->used && git_oid_equal(&m->commit, git_commit_id(c)) &&
		    strlen(m->dir) == len && memcmp(m->dir, path, len) == 0)
			return m;
	}
	return NULL;
}

static struct memo *memo_new(struct walk *w, const git_commit *c, const char *path, size_t len)
{
	struct memo *m = &w->memo[w->next++ % MEMO];

	m->used = len < sizeof m->dir;
	if (m->used) {
		git_oid_cpy(&m->commit, git_commit_id(c));
		memcpy(m->dir, path, len);
		m->dir[len] = '\0';
	}
	return m;
}

static int memo_out(const struct memo *m, git_oid *out, unsigned *mode)
{
	git_oid_cpy(out, &m->oid);
	*mode = m->mode;
	return m->found;
}

/* entry_at through the memo: each (commit, path) is read once even
 * though a commit is looked at as a child and again as a parent. */
static int memo_at(struct walk *w, const git_commit *c, const char *path, size_t len,
		   git_oid *out, unsigned *mode)
{
	struct memo *m = memo_find(w, c, path, len);

	if (!m) {
		m = memo_new(w, c, path, len);
		m->found = entry_at(c, path, len, &m->oid, &m->mode);
	}
	return memo_out(m, out, mode);
}

/* The file's entry in commit c, read from its directory tree (dir, an id
 * already known) rather than from the root again. */
static int memo_file(struct walk *w, const git_commit *c, const git_oid *dir, const char *path,
		     git_oid *out, unsigned *mode)
{
	size_t len = strlen(path);
	const char *name = strrchr(path, '/') + 1;
	const git_tree_entry *e;
	struct memo *m = memo_find(w, c, path, len);
	git_tree *t = NULL;

	if (!m) {
		m = memo_new(w, c, path, len);
		m->found = 0;
		if (git_tree_lookup(&t, w->repo, dir) == 0 && (e = git_tree_entry_byname(t, name))) {
			git_oid_cpy(&m->oid, git_tree_entry_id(e));
			m->mode = git_tree_entry_filemode(e);
			m->found = 1;
		}
		git_tree_free(t);
	}
	return memo_out(m, out, mode);
}

/* Does path have the same content and mode in a and b (TREESAME)?
 * *in_a / *in_b tell whether the file exists there, when it was looked
 * up; they stay 1 when the answer came from a tree or directory id. */
static int same_path(struct walk *w, const git_commit *a, const git_commit *b, const char *path,
		     int *in_a, int *in_b)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	git_oid x, y, dx, dy;
	unsigned mx = 0, my = 0;
	int fx, fy;

	*in_a = *in_b = 1;
	if (git_oid_equal(git_commit_tree_id(a), git_commit_tree_id(b)))
		return 1;
	if (dlen) {
		fx = memo_at(w, a, path, dlen, &dx, &mx);
		fy = memo_at(w, b, path, dlen, &dy, &my);
		if ((!fx && !fy) || (fx && fy && git_oid_equal(&dx, &dy)))
			return 1;
		*in_a = fx = fx && mx == 040000 && memo_file(w, a, &dx, path, &x, &mx);
		*in_b = fy = fy && my == 040000 && memo_file(w, b, &dy, path, &y, &my);
	} else {
		*in_a = fx = memo_at(w, a, path, strlen(path), &x, &mx);
		*in_b = fy = memo_at(w, b, path, strlen(path), &y, &my);
	}
	return fx == fy && (!fx || (git_oid_equal(&x, &y) && mx == my));
}

static void heap_push(struct walk *w, const git_commit *c)
{
	size_t i, up;
	struct qent e;

	if (w->nheap == w->capheap) {
		w->capheap = w->capheap ? w->capheap * 2 : 64;
		w->heap = realloc(w->heap, w->capheap * sizeof *w->heap);
	}
	if (git_commit_dup(&e.c, (git_commit *)c) != 0)
		return;
	e.time = git_commit_time(c);
	for (i = w->nheap++; i > 0 && w->heap[up = (i - 1) / 2].time < e.time; i = up)
		w->heap[i] = w->heap[up];
	w->heap[i] = e;
}

/* The latest commit; the caller owns the reference. */
static int heap_pop(struct walk *w, git_commit **out)
{
	struct qent last;
	size_t i = 0, c;

	if (w->nheap == 0)
		return -1;
	*out = w->heap[0].c;
	last = w->heap[--w->nheap];
	while ((c = 2 * i + 1) < w->nheap) {
		if (c + 1 < w->nheap && w->heap[c + 1].time > w->heap[c].time)
			c++;
		if (w->heap[c].time <= last.time)
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	w->heap[i] = last;
	return 0;
}

/* c joins f's simplified history, to be visited when the walk gets there. */
static void front_add(struct walk *w, struct follow *f, const git_commit *c)
{
	const git_oid *id = git_commit_id(c);
	size_t i;

	for (i = 0; i < f->nfront; i++)
		if (git_oid_equal(&f->front[i], id))
			return;
	if (f->nfront == f->capfront) {
		f->capfront = f->capfront ? f->capfront * 2 : 4;
		f->front = realloc(f->front, f->capfront * sizeof *f->front);
	}
	git_oid_cpy(&f->front[f->nfront++], id);
	heap_push(w, c);
}

static int front_take(struct follow *f, const git_oid *id)
{
	size_t i;

	for (i = 0; i < f->nfront; i++)
		if (git_oid_equal(&f->front[i], id)) {
			f->front[i] = f->front[--f->nfront];
			return 1;
		}
	return 0;
}

static void record(struct follow *f, git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	const char *subject = git_commit_summary(c);
	struct git_entry *e;
	time_t t;
	struct tm tm;

	if (f->out->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->out->v = realloc(f->out->v, f->cap * sizeof *f->out->v);
	}
	e = &f->out->v[f->out->n++];
	git_oid_tostr(e->sha, sizeof e->sha, git_commit_id(c));
	t = (time_t)(a->when.time + (git_time_t)a->when.offset * 60);
	gmtime_r(&t, &tm);
	strftime(e->date, sizeof e->date, "%Y-%m-%d", &tm);
	e->message = strdup(subject ? subject : "");
	e->path = strdup(f->path);
	e->old_path = NULL;
}

/* The file appeared in c: if c renamed it from another path (git's
 * rename detection, 50 % similarity), follow the old name from now on,
 * for every branch, as `git log --follow` does. */
static void follow_rename(struct walk *w, struct follow *f, git_commit *parent, git_commit *c)
{
	git_diff_find_options fo;
	git_tree *a = NULL, *b = NULL;
	git_diff *d = NULL;
	size_t i, n;

	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (git_commit_tree(&a, parent) || git_commit_tree(&b, c) ||
	    git_diff_tree_to_tree(&d, w->repo, a, b, NULL) || git_diff_find_similar(d, &fo))
		goto out;
	n = git_diff_num_deltas(d);
	for (i = 0; i < n; i++) {
		const git_diff_delta *dd = git_diff_get_delta(d, i);

		if (dd->status == GIT_DELTA_RENAMED && strcmp(dd->new_file.path, f->path) == 0) {
			free(f->path);
			f->path = strdup(dd->old_file.path);
			f->out->v[f->out->n - 1].old_path = strdup(f->path);
			break;
		}
	}
out:
	git_diff_free(d);
	git_tree_free(a);
	git_tree_free(b);
}

static void visit_merge(struct walk *w, struct follow *f, git_commit *c, unsigned np)
{
	git_commit *p;
	unsigned i;
	int in_c, in_p;

	for (i = 0; i < np; i++) {
		if (git_commit_parent(&p, c, i) != 0)
			continue;
		if (same_path(w, c, p, f->path, &in_c, &in_p)) {
			front_add(w, f, p);
			git_commit_free(p);
			return;
		}
		git_commit_free(p);
	}
	/* Not listed: with --follow git log prints a commit only when its
	 * diff is non-empty, and it does not diff merges. */
	for (i = 0; i < np; i++)
		if (git_commit_parent(&p, c, i) == 0) {
			front_add(w, f, p);
			git_commit_free(p);
		}
}

/* The walk reached the earlier HEAD under the same name: everything
 * older is that HEAD's known history. */
static int splice_base(struct walk *w, struct follow *f, git_commit *c)
{
	const struct git_entry *e;
	size_t i;

	if (!w->has_base || !f->base || !git_oid_equal(git_commit_id(c), &w->base_id) ||
	    strcmp(f->path, f->start) != 0)
		return 0;
	for (i = 0; i < f->base->n; i++) {
		e = &f->base->v[i];
		if (f->out->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 8;
			f->out->v = realloc(f->out->v, f->cap * sizeof *f->out->v);
		}
		f->out->v[f->out->n] = *e;
		f->out->v[f->out->n].message = strdup(e->message);
		f->out->v[f->out->n].path = strdup(e->path);
		f->out->v[f->out->n].old_path = e->old_path ? strdup(e->old_path) : NULL;
		f->out->n++;
	}
	return 1;
}

static void visit(struct walk *w, struct follow *f, git_commit *c)
{
	unsigned np = git_commit_parentcount(c);
	git_commit *p;
	git_oid x;
	unsigned m;
	int in_c, in_p;

	if (splice_base(w, f, c))
		return;
	if (np == 0) {
		if (entry_at(c, f->path, strlen(f->path), &x, &m))
			record(f, c);
		return;
	}
	if (np > 1) {
		visit_merge(w, f, c, np);
		return;
	}
	if (git_commit_parent(&p, c, 0) != 0)
		return;
	if (!same_path(w, c, p, f->path, &in_c, &in_p)) {
		record(f, c);
		if (in_c && !in_p)
			follow_rename(w, f, p, c);
	}
	front_add(w, f, p);
	git_commit_free(p);
}

/* Pops commits newest first; a commit queued for several files (or twice
 * through two children) is visited once per file that still wants it. */
static void walk_all(struct walk *w, struct follow *f, size_t n)
{
	git_commit *c;
	size_t i;

	while (heap_pop(w, &c) == 0) {
		for (i = 0; i < n; i++)
			if (front_take(&f[i], git_commit_id(c)))
				visit(w, &f[i], c);
		git_commit_free(c);
	}
}

/* Reuse is safe only when HEAD descends from the earlier HEAD by a short
 * chain of single-parent commits: then no commit older than it can be
 * reached except through it. */
static int linear_to(const git_commit *head, const git_oid *base)
{
	const git_commit *c = head;
	git_commit *p = NULL, *prev = NULL;
	int i, ok = 0;

	for (i = 0; i < 1000; i++) {
		if (git_oid_equal(git_commit_id(c), base)) {
			ok = 1;
			break;
		}
		if (git_commit_parentcount(c) != 1 || git_commit_parent(&p, c, 0) != 0)
			break;
		git_commit_free(prev);
		c = prev = p;
	}
	git_commit_free(prev);
	return ok;
}

int git_histories_from(const char *dir, const char *const *paths, size_t n, const char *base_head,
		       const struct git_history *base, struct git_history *out)
{
	struct walk *w;
	struct follow *f;
	git_commit *head = NULL;
	git_oid id;
	char *prefix = NULL;
	size_t i;
	int rc = -1;

	w = calloc(1, sizeof *w);
	w->repo = git_open_project(dir, &prefix);
	if (!w->repo || git_reference_name_to_id(&id, w->repo, "HEAD") != 0 ||
	    git_commit_lookup(&head, w->repo, &id) != 0)
		goto out;
	w->has_base = base && base_head && git_oid_fromstr(&w->base_id, base_head) == 0 &&
		      linear_to(head, &w->base_id);
	f = calloc(n ? n : 1, sizeof *f);
	for (i = 0; i < n; i++) {
		f[i].path = git_join(prefix, paths[i]);
		f[i].start = strdup(f[i].path);
		f[i].out = &out[i];
		f[i].base = base ? &base[i] : NULL;
		front_add(w, &f[i], head);
	}
	walk_all(w, f, n);
	for (i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].start);
		free(f[i].front);
	}
	free(f);
	rc = 0;
out:
	git_commit_free(head);
	while (w->nheap)
		git_commit_free(w->heap[--w->nheap].c);
	git_repository_free(w->repo);
	free(w->heap);
	free(w);
	free(prefix);
	return rc;
}

int git_histories(const char *dir, const char *const *paths, size_t n, struct git_history *out)
{
	return git_histories_from(dir, paths, n, NULL, NULL, out);
}

void git_history_free(struct git_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].message);
		free(h->v[i].path);
		free(h->v[i].old_path);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

int git_head_id(const char *dir, char out[41])
{
	char *prefix = NULL;
	git_repository *repo = git_open_project(dir, &prefix);
	git_oid head;
	int rc = -1;

	if (repo && git_reference_name_to_id(&head, repo, "HEAD") == 0) {
		git_oid_tostr(out, 41, &head);
		rc = 0;
	}
	git_repository_free(repo);
	free(prefix);
	return rc;
}
