/* An in-process index of every run: just what sorting, grouping and
 * filtering need (docs/architecture.md, "Run lists and the run index").
 * Pages and APIs walk it to decide which runs to show, then fetch only
 * those rows by pk. It follows the store version: after a change it is
 * updated incrementally (new pks, re-read of the non-terminal runs) or
 * rebuilt. One process-wide instance, owned by runindex.c. */
#ifndef CLOCHE_RUNINDEX_H
#define CLOCHE_RUNINDEX_H
#include "store.h"
#include <stddef.h>
#include <stdint.h>

#define IX_NONE 0xFFFFFFFFu

enum rstate { RS_OTHER, RS_PENDING, RS_RUNNING, RS_WAITING, RS_SUCCEEDED, RS_FAILED,
	      RS_CANCELLED, RS_PARKED, RS_NSTATES };

/* Flags of one run. */
enum { IXF_LISTTASKS = 1, IXF_PARENT = 2, IXF_HOST = 4 };

/* 28 bytes per run. Strings are offsets into the pool (0 = ""). Titles
 * are not kept: they are long, and only shown for the runs on a page. */
struct ixrun {
	uint32_t pk;        /* runs.pk, or rowid on stores without pk */
	uint32_t id;        /* runs.id */
	uint32_t parent;    /* parent_run_id */
	uint32_t task;      /* task number, IX_NONE when task_id is '' */
	uint32_t wf, proj;  /* workflow_name, project_dir */
	uint32_t sec;       /* started_at as an instant: seconds since 1970, 0 = unset */
	uint16_t ms;        /* and its milliseconds */
	uint8_t state;      /* enum rstate */
	uint8_t flags;
};

struct ixtask {
	uint32_t id;        /* task_id */
	uint32_t title_run; /* newest run with a non-empty task_title, IX_NONE */
};

/* Child runs: one pair per run whose parent_run_id names an indexed run,
 * sorted by the parent's id string offset, then store order. */
struct ixkid {
	uint32_t parent_id; /* pool offset of the parent's id */
	uint32_t run;       /* index of the child */
};

struct runindex {
	struct ixrun *v;  size_t n, cap;
	struct ixtask *t; size_t nt, tcap;
	uint32_t *order;  /* run indexes: running first, then newest start (3.1) */
	size_t norder;
	struct ixkid *kids; size_t nkids;
	char *pool; size_t plen, pcap;
	uint32_t *hash; size_t hcap, hused; /* pool offsets, open addressing */
	uint32_t *tmap; size_t tmcap;   /* task id offset -> task number */
	uint32_t maxpk;
	long long version;
	/* Step rows by run: [lo, hi] step_executions.id range of each run id
	 * (indexed by run index of the id's newest row); built on second use. */
	uint32_t *step_lo, *step_hi; size_t nsteps_runs;
	long long step_max;
	int step_uses, step_ready;
};

/* The index for the current store version; NULL on a store error. */
struct runindex *runindex_get(struct store *s);
const char *ix_str(const struct runindex *ix, uint32_t off);
/* Run index of the newest row (highest pk) with this id, or IX_NONE. */
uint32_t ix_find_id(const struct runindex *ix, const char *id);
/* The same for an id already in the pool (e.g. a parent_run_id offset). */
uint32_t ix_run_of(const struct runindex *ix, uint32_t id_off);
/* Offset of an interned string or 0 if the pool does not hold it. */
uint32_t ix_lookup(const struct runindex *ix, const char *s);
uint32_t ix_by_pk(const struct runindex *ix, long long pk);
uint32_t ix_task_find(const struct runindex *ix, const char *task_id);
int ix_state_code(const char *state);
const char *ix_state_name(int code);
/* Instant order used everywhere: 1 if a started after b. */
int ix_newer(const struct ixrun *a, const struct ixrun *b);
/* Children of the run with id offset parent_id: [*first, *first + count). */
size_t ix_kids(const struct runindex *ix, uint32_t parent_id, size_t *first);
/* Step id range of a run id: 1 = known, 0 = unknown (use a full scan). */
int ix_step_range(struct store *s, struct runindex *ix, const char *run_id,
		  long long *lo, long long *hi);

/* For tests and the builder: start empty, add rows, then finish (sort,
 * children). Strings are copied; task_title only counts as set or not. */
void ix_reset(struct runindex *ix);
void ix_add(struct runindex *ix, long long pk, const char *id, const char *wf, const char *state,
	    const char *started, const char *proj, const char *parent, const char *task,
	    const char *task_title, int is_host);
void ix_finish(struct runindex *ix);
/* After an update of a few runs (the changed list, new ones included):
 * moves them to their place in the order without a full sort. */
void ix_refresh(struct runindex *ix, const uint32_t *changed, size_t n);
/* Sizes the arrays for about n runs / gives back what a build left over. */
void ix_reserve(struct runindex *ix, size_t n);
void ix_compact(struct runindex *ix);
void ix_free(struct runindex *ix);
size_t ix_bytes(const struct runindex *ix);

#endif
