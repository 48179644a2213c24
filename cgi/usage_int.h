/* The in-memory usage aggregate shared by usage_db.c (building it) and
 * usage.c (answering queries). Not for other modules: use usage.h. */
#ifndef CLOCHE_USAGE_INT_H
#define CLOCHE_USAGE_INT_H
#include "store.h"
#include <stddef.h>

/* Interned strings: index <-> text. */
struct smap {
	char **s;
	int n, cap;
	int *slot;            /* open addressing, -1 empty */
	unsigned *hash;       /* per slot: low bits of the hash, to skip strcmp */
	size_t nslot;
};

/* 64-bit key -> int. */
struct imap {
	unsigned long long *k;
	int *v;
	size_t cap, n;        /* cap is a power of two; key 0 is never used */
};

struct uacc {
	long long in, out, rows;
};

/* One distinct run ID and the projects/tasks of the runs rows that carry
 * it (usually one each; more when IDs are shared, T4). */
struct urun {
	int np, nt;
	int p1, t1;           /* first project / task */
	int *px, *tx;         /* the others (np-1 / nt-1), owned */
	int na;               /* agents with rows in a[] (more go to accmap) */
	int ag[3];
	struct uacc a[3];     /* inline: a run rarely has more than three agents */
};

/* A completion row with an instant inside the recent horizon. */
struct urec {
	long long t, in, out;
	int run, agent;
};

enum { K_ALL, K_PROJ, K_RUN, K_TASK };

struct udb {
	long long version, gen, built_ns, horizon_ns;
	long long last_step, last_run;   /* highest step id / runs pk read */
	char chk_step[128], chk_run[128];/* run_id / id of those rows: same file? */
	int has_tokens;
	struct smap proj, agent, task, run;
	struct urun *runs;               /* parallel to run.s */
	int runs_cap;
	int last_hit;                    /* 1 + the run slot found last */
	struct imap accmap;              /* (kind, entity, agent) -> acc index */
	struct uacc *acc;                /* all/project totals, run overflow */
	size_t nacc, capacc;
	struct imap taskmap;             /* (task, agent) -> tacc index, */
	struct uacc *tacc;               /* built on demand (udb_tasks) */
	size_t ntacc, captacc;
	long long task_version;
	struct urec *rec;                /* sorted by t */
	size_t nrec, caprec;
};

/* The aggregate for the store's current version; NULL when the store
 * cannot be read. Owned by usage_db.c, valid until the next call. */
struct udb *udb_get(struct store *s);
const struct uacc *udb_acc(const struct udb *d, int kind, int ent, int agent);
/* Per-task totals (K_TASK in udb_acc) are summed from the runs on demand. */
void udb_tasks(struct udb *d);
int udb_run_in_proj(const struct udb *d, int run, int proj);
/* proj -1: any project (some runs row has the ID, as the daemon's join). */
int udb_run_matches(const struct udb *d, int run, int proj);
/* Index of the first record with t >= lo. */
size_t udb_first_at(const struct udb *d, long long lo);
int smap_find(const struct smap *m, const char *s);
unsigned long long udb_hash(const char *s);
void udb_reset(void);
/* GetUsage by one SQL scan (instants via julianday, steps once via IN):
 * windows beyond the horizon, and the reference the tests compare with. */
struct usage_list;
int usage_get_sql(struct store *s, const char *project_dir, const char *agent,
		  long long window_s, long long now_ns, struct usage_list *out);

#endif
