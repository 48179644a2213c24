#include "projects.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct projects P;

/* LIKE '%/.gitworktrees/%' is ASCII case-insensitive (store.md 5.1). */
int is_worktree_dir(const char *dir)
{
	const char *needle = "/.gitworktrees/";
	size_t n = strlen(needle);
	const char *p;

	for (p = dir; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return 0;
}

/* Base name after stripping trailing slashes; "/" stays "/". */
char *label_base(const char *dir)
{
	size_t n = strlen(dir);
	const char *s;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return strdup("/");
	for (s = dir + n; s > dir && s[-1] != '/'; s--)
		;
	return strndup(s, (size_t)(dir + n - s));
}

char *label_parent_base(const char *dir)
{
	size_t n = strlen(dir);
	char *parent, *b;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (n > 0 && dir[n - 1] != '/')
		n--;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0)
		return strdup(".");
	parent = strndup(dir, n);
	b = label_base(parent);
	free(parent);
	return b;
}

/* "<parent base>/<base>" for a base name that several projects share. */
static char *parent_label(const char *dir, const char *base)
{
	char *par = label_parent_base(dir);
	size_t n = strlen(par) + strlen(base) + 2;
	char *l = malloc(n);

	snprintf(l, n, "%s/%s", par, base);
	free(par);
	return l;
}

void projects_assign_labels(struct projects *p)
{
	size_t i, j;
	char **base = calloc(p->n + 1, sizeof *base);
	char *shared = calloc(p->n + 1, 1);

	for (i = 0; i < p->n; i++)
		base[i] = label_base(p->v[i].dir);
	for (i = 0; i < p->n; i++)
		for (j = 0; j < p->n && !shared[i]; j++)
			shared[i] = j != i && strcmp(base[i], base[j]) == 0;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].label);
		p->v[i].label = shared[i] ? parent_label(p->v[i].dir, base[i]) : strdup(base[i]);
	}
	for (i = 0; i < p->n; i++)
		free(base[i]);
	free(base);
	free(shared);
}

const char *health_status(int passed, int failed, int total)
{
	if (total == 0)
		return "grey";
	if (passed + failed == 0)
		return "blue";
	if (failed == 0)
		return "green";
	if (passed == 0)
		return "red";
	return "yellow";
}

static void free_project(struct project *p)
{
	int i;

	for (i = 0; i < p->ndots; i++) {
		free(p->dots[i].id);
		free(p->dots[i].state);
		free(p->dots[i].started);
	}
	free(p->dir);
	free(p->label);
}

void projects_free(struct projects *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free_project(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof *p);
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct project *)a)->dir, ((const struct project *)b)->dir);
}

const struct project *project_by_dir(const struct projects *p, const char *dir)
{
	struct project key;

	if (!p || !p->n)
		return NULL;
	key.dir = (char *)dir;
	return bsearch(&key, p->v, p->n, sizeof *p->v, cmp_dir);
}

const char *project_label(const struct projects *p, const char *dir)
{
	const struct project *pr = project_by_dir(p, dir);

	return pr ? pr->label : "";
}

/* Duplicate labels resolve to the first directory in text order, not to a
 * random one as in the daemon (http.md D6). */
const struct project *project_by_label(const struct projects *p, const char *label)
{
	size_t i;

	for (i = 0; p && i < p->n; i++)
		if (strcmp(p->v[i].label, label) == 0)
			return &p->v[i];
	return NULL;
}

/* Does run a come before run b in the daemon's list order? */
static int before(const char *sa, const char *ta, const char *sb, const char *tb)
{
	int ra = strcmp(sa, "running") == 0, rb = strcmp(sb, "running") == 0;

	if (ra != rb)
		return ra;
	return strcmp(ta, tb) > 0;
}

static void add_dot(struct project *p, const char *id, const char *state, const char *started)
{
	int pos = p->ndots, i;

	while (pos > 0 && before(state, started, p->dots[pos - 1].state, p->dots[pos - 1].started))
		pos--;
	if (pos >= HEALTH_WINDOW)
		return;
	if (p->ndots == HEALTH_WINDOW) {
		free(p->dots[HEALTH_WINDOW - 1].id);
		free(p->dots[HEALTH_WINDOW - 1].state);
		free(p->dots[HEALTH_WINDOW - 1].started);
		p->ndots--;
	}
	for (i = p->ndots; i > pos; i--)
		p->dots[i] = p->dots[i - 1];
	p->dots[pos].id = strdup(id);
	p->dots[pos].state = strdup(state);
	p->dots[pos].started = strdup(started);
	p->ndots++;
}

/* Directory → project number (-1: a worktree directory, not listed), so a
 * scan of 100,000 runs costs one hash probe per row. Owned by scan(). */
struct dirmap {
	char **key;
	int *val;
	size_t cap, used;
};

static size_t dm_slot(const struct dirmap *m, const char *k)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *c;
	size_t i;

	for (c = k; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	for (i = (size_t)h & (m->cap - 1); m->key[i] && strcmp(m->key[i], k) != 0; i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static void dm_grow(struct dirmap *m)
{
	struct dirmap old = *m;
	size_t i, j;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->key = calloc(m->cap, sizeof *m->key);
	m->val = calloc(m->cap, sizeof *m->val);
	for (i = 0; i < old.cap; i++) {
		if (!old.key[i])
			continue;
		j = dm_slot(m, old.key[i]);
		m->key[j] = old.key[i];
		m->val[j] = old.val[i];
	}
	free(old.key);
	free(old.val);
}

/* Keys of listed projects belong to the projects; worktree keys to us. */
static void dm_free(struct dirmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->key[i] && m->val[i] < 0)
			free(m->key[i]);
	free(m->key);
	free(m->val);
}

/* The project of a run's directory, added on first sight; NULL for
 * directories that are not listed (worktrees). */
static struct project *find_or_add(struct projects *p, size_t *cap, struct dirmap *m, const char *dir)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap)
		dm_grow(m);
	i = dm_slot(m, dir);
	if (m->key[i])
		return m->val[i] < 0 ? NULL : &p->v[m->val[i]];
	if (is_worktree_dir(dir)) {
		m->val[i] = -1;
		m->key[i] = strdup(dir);
		m->used++;
		return NULL;
	}
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p->v = realloc(p->v, *cap * sizeof *p->v);
	}
	memset(&p->v[p->n], 0, sizeof p->v[0]);
	p->v[p->n].dir = strdup(dir);
	m->key[i] = p->v[p->n].dir;
	m->val[i] = (int)p->n;
	m->used++;
	return &p->v[p->n++];
}

static void finish_health(struct project *pr)
{
	int i;

	pr->total = pr->ndots;
	for (i = 0; i < pr->ndots; i++) {
		const char *st = pr->dots[i].state;

		if (strcmp(st, "succeeded") == 0)
			pr->passed++;
		else if (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0)
			pr->failed++;
	}
	pr->health = health_status(pr->passed, pr->failed, pr->total);
}

static int scan(struct store *s, struct projects *out)
{
	static char sql[512];
	sqlite3_stmt *st;
	struct dirmap m = {0};
	size_t cap = 0, i;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s, COALESCE(id,''), COALESCE(state,''), COALESCE(started_at,''), %s FROM runs",
		 store_has(s, F_PROJECT_DIR) ? "COALESCE(project_dir,'')" : "''",
		 store_has(s, F_CONTAINER_KEPT) ? "COALESCE(container_kept,0)" : "0");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *dir = (const char *)sqlite3_column_text(st, 0);
		const char *state = (const char *)sqlite3_column_text(st, 2);
		struct project *pr;

		if (!*dir || !(pr = find_or_add(out, &cap, &m, dir)))
			continue;
		add_dot(pr, (const char *)sqlite3_column_text(st, 1), state,
			(const char *)sqlite3_column_text(st, 3));
		if (strcmp(state, "pending") == 0 || strcmp(state, "running") == 0)
			pr->active++;
		if (sqlite3_column_int(st, 4) == 1)
			pr->kept++;
	}
	sqlite3_finalize(st);
	dm_free(&m);
	if (rc != SQLITE_DONE) {
		projects_free(out);
		return store_fail(s, rc);
	}
	qsort(out->v, out->n, sizeof *out->v, cmp_dir);
	for (i = 0; i < out->n; i++)
		finish_health(&out->v[i]);
	projects_assign_labels(out);
	return 0;
}

const struct projects *projects_get(struct store *s)
{
	struct projects fresh = {0};

	if (s->state != STORE_OK)
		return NULL;
	if (P.version == store_version(s) && P.version)
		return &P;
	if (scan(s, &fresh) != 0)
		return NULL;
	projects_free(&P);
	P = fresh;
	P.version = store_version(s);
	return &P;
}
