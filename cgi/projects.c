#include "projects_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

	for (i = 0; i < p->nwin; i++)
		proj_free_dot(&p->dots[i]);
	free(p->dir);
	free(p->label);
}

void projects_free(struct projects *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free_project(&p->v[i]);
	free(p->v);
	proj_open_free(p);
	free(p->maxid);
	memset(p, 0, sizeof *p);
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct project *)a)->dir, ((const struct project *)b)->dir);
}

void projects_sort(struct projects *p)
{
	qsort(p->v, p->n, sizeof *p->v, cmp_dir);
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
