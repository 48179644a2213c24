/* The latest attempt of each task of one project (store.md 2.7: attempts
 * in started_at text order, then insertion; the last is the latest), kept
 * per process and followed through store changes (attempts_latest.c). */
#ifndef CLOCHE_ATTEMPTS_LATEST_H
#define CLOCHE_ATTEMPTS_LATEST_H
#include "store.h"
#include <stddef.h>

struct alatest {
	char *task, *id, *started;  /* one allocation, owned through task */
	long long rowid;
	int running;                /* result = 'running' */
};

struct alist {
	char *dir;
	long long version, gen, maxrowid, used;
	struct alatest *v;          /* sorted by task */
	size_t n, cap;
};

/* The list of the project in dir at the store's current version; NULL on
 * a store error (s->err says why). Owned by attempts_latest.c, valid
 * until the next call. The caller checks that the store has attempts. */
const struct alist *attempts_latest(struct store *s, const char *dir);
/* Forgets every list (tests: the next call builds from the store). */
void attempts_latest_reset(void);
long attempts_latest_builds(void);  /* full builds so far (tests) */

#endif
