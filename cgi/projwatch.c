/* See projstamp.h: projwatch_stamp(). A project stamp costs some thirty
 * system calls (directory listings, stats, HEAD and ref reads); a FastCGI
 * responder answers a cached project route in less time than that. Here
 * each stamp is kept until inotify reports a change in a directory it
 * read, so a cached answer costs one non-blocking read(). inotify events
 * are queued before the writer's system call returns, so a request made
 * after a change always sees it. An edit that keeps a file's size and
 * mtime (same clock tick) is seen here too, where stat() cannot. */
#include "projstamp.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | \
	      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* A project with a directory that cannot be watched (a branch only in
 * packed-refs with no refs/heads directory for it, no inotify watches
 * left) is stamped on every call; watching is tried again now and then. */
#define RETRY 100

struct pwatch {
	int wd;
	enum pw_kind kind;
	char name[256];
};

/* One project directory; owned by the table below, never freed (one per
 * project, for the life of the process). */
struct pentry {
	char *dir;
	unsigned long long stamp;
	unsigned long long gen;   /* changes reported so far */
	int valid;
	int plain;      /* calls left before trying to watch again (0: watched) */
	int nw;
	struct pwatch w[PW_MAX];
};

static int ifd = -1;
static struct pentry *ents;
static int nents, capents;
static long computed;

void projwatch_enable(void)
{
	if (ifd < 0)
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

long projwatch_computed(void)
{
	return computed;
}

/* Does an event on entry `name` of a watched directory change the stamp?
 * Events on the directory itself (no name) always do. */
static int matters(const struct pwatch *w, const char *name)
{
	if (!*name)
		return 1;
	switch (w->kind) {
	case PW_ALL:
		return 1;
	case PW_ROOT:
		return strcmp(name, ".cloche") == 0 || strcmp(name, ".git") == 0;
	case PW_CLOCHE:
		return projstamp_watched(name);
	case PW_GIT:
		return strcmp(name, "HEAD") == 0 || strcmp(name, "packed-refs") == 0 ||
		       strcmp(name, "commondir") == 0;
	case PW_NAME:
		return strcmp(name, w->name) == 0;
	}
	return 1;
}

/* Several projects may watch one directory (a shared git dir): inotify
 * gives them the same descriptor. */
static void expire(int wd, const char *name)
{
	int i, k;

	for (i = 0; i < nents; i++)
		for (k = 0; k < ents[i].nw && ents[i].valid; k++)
			if (ents[i].w[k].wd == wd && matters(&ents[i].w[k], name))
				ents[i].valid = 0;
}

static void expire_all(void)
{
	int i;

	for (i = 0; i < nents; i++)
		ents[i].valid = 0;
}

static void drain(void)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	char *p;

	while ((n = read(ifd, buf, sizeof buf)) > 0) {
		for (p = buf; p < buf + n; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				expire_all();
			else
				expire(ev->wd, ev->len ? ev->name : "");
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		expire_all();
}

static struct pentry *entry(const char *dir)
{
	struct pentry *e;
	int i;

	for (i = 0; i < nents; i++)
		if (strcmp(ents[i].dir, dir) == 0)
			return &ents[i];
	if (nents == capents) {
		int cap = capents ? capents * 2 : 16;
		struct pentry *n = realloc(ents, (size_t)cap * sizeof *n);

		if (!n)
			return NULL;
		ents = n;
		capents = cap;
	}
	e = &ents[nents];
	memset(e, 0, sizeof *e);
	e->dir = strdup(dir);
	if (!e->dir)
		return NULL;
	nents++;
	return e;
}

/* Watches first, then the stamp: a change after the watches are in place
 * expires it, one before is in the stamp. */
static void refresh(struct pentry *e)
{
	struct pw_dirs *ds = malloc(sizeof *ds);
	int i, ok;

	if (!ds) {
		e->stamp = projstamp(e->dir);
		return;
	}
	projstamp_dirs(e->dir, ds);
	ok = !ds->unsure;
	e->nw = 0;
	for (i = 0; i < ds->n; i++) {
		int wd = inotify_add_watch(ifd, ds->d[i].path, MASK);

		if (wd < 0) {
			ok = 0;
			continue;
		}
		e->w[e->nw].wd = wd;
		e->w[e->nw].kind = ds->d[i].kind;
		memcpy(e->w[e->nw].name, ds->d[i].name, sizeof e->w[e->nw].name);
		e->nw++;
	}
	free(ds);
	/* A reported change must give a new stamp even when every stat() and
	 * ref reads the same as before (an edit within one clock tick). */
	e->stamp = projstamp(e->dir) + 0x9e3779b97f4a7c15ULL * ++e->gen;
	if (!e->stamp)
		e->stamp = 1;
	computed++;
	e->valid = ok;
	e->plain = ok ? 0 : RETRY;
}

unsigned long long projwatch_stamp(const char *dir)
{
	struct pentry *e;

	if (ifd < 0) {
		computed++;
		return projstamp(dir);
	}
	drain();
	e = entry(dir);
	if (!e) {
		computed++;
		return projstamp(dir);
	}
	if (e->plain && --e->plain) {
		computed++;
		return projstamp(dir);
	}
	if (!e->valid)
		refresh(e);
	return e->stamp;
}
