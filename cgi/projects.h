/* Projects, labels and health (store.md 5 and 6): built in one scan of
 * runs (projects_scan.c), then followed incrementally as the store changes
 * (projects_live.c). */
#ifndef CLOCHE_PROJECTS_H
#define CLOCHE_PROJECTS_H
#include "store.h"
#include <stddef.h>

#define HEALTH_WINDOW 10
/* Runs kept per project in list order: more than the health window, so
 * that a run moving down the order (it finished) can be followed after a
 * store change without a rescan (projects_live.c). */
#define PROJ_DEPTH 32

struct run_dot {
	char *id, *state, *started;  /* one allocation, owned through id */
	long long pk;
};

struct project {
	char *dir, *label;
	int passed, failed, total, active, kept;
	const char *health;
	struct run_dot dots[PROJ_DEPTH]; /* its first nwin runs, list order */
	int ndots;                       /* shown: min(nwin, HEALTH_WINDOW) */
	int nwin;
	long long nruns;                 /* all its runs */
};

/* A run that is not terminal yet: the daemon may still change its row.
 * A few thousand of them on a busy store, so no strings: a signature of
 * its state and start tells whether the row changed. */
struct open_run {
	long long pk;
	const char *dir;        /* its project's (not owned) */
	unsigned long long sig; /* proj_sig(state, started_at) when last read */
	int active, final;      /* pending/running; terminal now */
};

struct projects {
	struct project *v;    /* in directory text order (ListProjects) */
	size_t n;
	long long version;
	long long kept_version; /* the store version the kept counts are for */
	struct open_run *open;  /* pk order */
	size_t nopen, capopen;
	long long maxpk;
	char *maxid;            /* id of the row at maxpk */
	long long nrows;        /* every runs row read, listed or not */
};

/* The current list; NULL when the store cannot be read (s->err says why).
 * kept counts are only filled by projects_get_kept: a container deleted
 * through the daemon changes a finished run's row, which only a scan of
 * every run can see, so only the pages that show the counts pay for it. */
const struct projects *projects_get(struct store *s);
const struct projects *projects_get_kept(struct store *s);
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
