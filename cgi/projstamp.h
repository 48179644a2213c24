/* A cheap validator for the project routes' cached answers. Their output
 * depends on files (the .cloche entries, prompts, Dockerfile, version) and on the
 * git HEAD as well as on the store, and those change without the store
 * changing. The stamp is a hash of a handful of stat() results and of the
 * HEAD and branch ref files: computed before each cache lookup, it goes
 * into the cache key, so a cached answer is reused only while none of
 * them changed. */
#ifndef CLOCHE_PROJSTAMP_H
#define CLOCHE_PROJSTAMP_H
#include "req.h"

/* The stamp of a project directory: the .cloche directory, its workflow
 * files, Dockerfile, version and the entries of prompts/ and scripts/,
 * and the git HEAD of the repository holding dir. Never 0. */
unsigned long long projstamp(const char *dir);

/* The directories projstamp() reads, for projwatch.c to watch, each with
 * the entries of it that matter: PW_ROOT ".cloche" and ".git", PW_CLOCHE
 * those projstamp_watched() names, PW_GIT HEAD, commondir and
 * packed-refs, PW_NAME the one in name, PW_ALL every entry. */
#include <limits.h>
enum pw_kind { PW_ALL, PW_ROOT, PW_CLOCHE, PW_GIT, PW_NAME };
#define PW_MAX 12
struct pw_dirs {
	struct {
		char path[PATH_MAX];
		char name[256];
		enum pw_kind kind;
	} d[PW_MAX];
	int n;
	int unsure;   /* some read could not be tied to a directory seen */
};
/* projstamp(dir), listing the directories read in *out (when not NULL). */
unsigned long long projstamp_dirs(const char *dir, struct pw_dirs *out);
/* Is this entry of .cloche part of the stamp? */
int projstamp_watched(const char *name);

/* projstamp(dir), recomputed only when inotify reports a change in one of
 * the directories it read (after projwatch_enable(); without it, or when
 * a directory cannot be watched, every call recomputes). For long-lived
 * processes: a watched stamp costs one read() of the inotify descriptor. */
void projwatch_enable(void);
unsigned long long projwatch_stamp(const char *dir);
/* Stamps computed so far (for tests: a cached stamp is not recomputed). */
long projwatch_computed(void);

/* For a request routed to a project-file route (route_uses_files), with
 * the store s already read for this request (its version is current): appends
 * "#<stamp>" to the cache key k. Matches the route itself (r->param is
 * filled, the responder's own match redoes it). Nothing is appended for
 * other routes or unknown projects (those answers depend on the store
 * only). */
struct store;
void projstamp_key(struct req *r, struct store *s, struct buf *k);

#endif
