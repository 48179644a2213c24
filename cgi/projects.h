/* Projects, labels and health (store.md 5 and 6), computed in one scan of
 * runs and kept until the store changes. */
#ifndef CLOCHE_PROJECTS_H
#define CLOCHE_PROJECTS_H
#include "store.h"
#include <stddef.h>

#define HEALTH_WINDOW 10

struct run_dot {
	char *id, *state, *started;
};

struct project {
	char *dir, *label;
	int passed, failed, total, active, kept;
	const char *health;
	struct run_dot dots[HEALTH_WINDOW];
	int ndots;
};

struct projects {
	struct project *v;    /* in directory text order (ListProjects) */
	size_t n;
	long long version;
};

/* The current list; NULL when the store cannot be read (s->err says why). */
const struct projects *projects_get(struct store *s);
const char *project_label(const struct projects *p, const char *dir);
const struct project *project_by_label(const struct projects *p, const char *label);
const struct project *project_by_dir(const struct projects *p, const char *dir);
int is_worktree_dir(const char *dir);
char *label_base(const char *dir);
char *label_parent_base(const char *dir);
void projects_assign_labels(struct projects *p);
const char *health_status(int passed, int failed, int total);
void projects_free(struct projects *p);

#endif
