/* Log files being followed. A feed is one stream key (run or attempt ID):
 * its full.log, an inotify watch on the log's directory (so the creation
 * of the file is seen too), and the viewers reading it. Every feed shares
 * the helper's single inotify descriptor; two feeds on one directory get
 * the same watch from the kernel, so a watch is removed with its last feed. */
#include "sse.h"
#include "lineread.h"
#include "logpath.h"
#include "runs.h"
#include "store.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

int g_inotify_fd = -1;
static struct feed *feeds;

static void feed_watch(struct feed *f)
{
	if (f->wd >= 0 || !f->dir || g_inotify_fd < 0)
		return;
	f->wd = inotify_add_watch(g_inotify_fd, f->dir,
				  IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
}

/* Opens full.log once it exists and resolves inside <project>/.cloche. */
int feed_open(struct feed *f)
{
	struct run r = {0};
	struct stat sb;
	char *real;

	if (f->fd >= 0 || !f->path)
		return f->fd >= 0;
	r.project_dir = f->project;
	real = logpath_confine(&r, f->path);
	if (!real)
		return 0;
	f->fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(real);
	if (f->fd >= 0 && fstat(f->fd, &sb) == 0)
		f->size = sb.st_size;
	return f->fd >= 0;
}

struct feed *feed_get(enum sse_kind kind, const char *id, const char *project,
		      const char *dir, const char *state, int terminal)
{
	struct feed *f;

	for (f = feeds; f; f = f->next)
		if (f->kind == kind && strcmp(f->id, id) == 0)
			return f;
	f = calloc(1, sizeof *f);
	f->kind = kind;
	f->id = strdup(id);
	f->project = strdup(project);
	f->fd = f->wd = -1;
	if (dir) {
		f->dir = strdup(dir);
		f->path = malloc(strlen(dir) + 9);
		strcpy(f->path, dir);
		strcat(f->path, "full.log");
	}
	snprintf(f->state, sizeof f->state, "%s", state);
	f->final = terminal;
	if (!terminal)
		feed_watch(f);
	feed_open(f);
	f->next = feeds;
	feeds = f;
	return f;
}

void feed_attach(struct feed *f, struct client *c)
{
	c->feed = f;
	c->fnext = f->viewers;
	if (f->viewers)
		f->viewers->fprev = c;
	f->viewers = c;
	f->nviewers++;
}

static void feed_free(struct feed *f)
{
	struct feed **pp, *o;
	int shared = 0;

	for (pp = &feeds; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	for (o = feeds; o; o = o->next)
		shared |= f->wd >= 0 && o->wd == f->wd;
	if (f->wd >= 0 && !shared)
		inotify_rm_watch(g_inotify_fd, f->wd);
	if (f->fd >= 0)
		close(f->fd);
	free(f->id);
	free(f->dir);
	free(f->path);
	free(f->project);
	free(f);
}

void feed_detach(struct client *c)
{
	struct feed *f = c->feed;

	if (!f)
		return;
	if (c->fprev)
		c->fprev->fnext = c->fnext;
	else
		f->viewers = c->fnext;
	if (c->fnext)
		c->fnext->fprev = c->fprev;
	c->feed = NULL;
	c->fprev = c->fnext = NULL;
	if (--f->nviewers == 0)
		feed_free(f);
}

/* Wakes every viewer; each reads what it has not seen yet. A viewer may
 * end (and be freed) inside client_pump, so the next one is taken first. */
static void feed_wake(struct feed *f)
{
	struct client *c, *nx;
	struct batch b;

	memset(&b, 0, sizeof b);
	f->nviewers++; /* keep the feed alive while its viewers end */
	for (c = f->viewers; c; c = nx) {
		nx = c->fnext;
		client_pump_batch(c, &b);
	}
	wire_free(&b.out);
	if (--f->nviewers == 0)
		feed_free(f);
}

void feed_inotify_read(void)
{
	char evbuf[16384] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct feed *f, *nx;
	ssize_t n;
	char *p;
	int i, nwd = 0, wds[64];

	while ((n = read(g_inotify_fd, evbuf, sizeof evbuf)) > 0) {
		for (p = evbuf; p < evbuf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_IGNORED) {
				for (f = feeds; f; f = f->next)
					if (f->wd == ev->wd)
						f->wd = -1;
				continue;
			}
			if (ev->len && strcmp(ev->name, "full.log") != 0)
				continue;
			for (i = 0; i < nwd && wds[i] != ev->wd; i++)
				;
			if (i == nwd && nwd < 64)
				wds[nwd++] = ev->wd;
		}
	}
	/* One wake per directory for the whole batch of events. */
	for (i = 0; i < nwd; i++)
		for (f = feeds; f; f = nx) {
			nx = f->next;
			if (f->wd != wds[i])
				continue;
			feed_open(f);
			feed_wake(f);
		}
}

/* 1 with *state filled when every run of the attempt is terminal. */
int sse_attempt_over(struct store *s, const char *attempt, char *state, size_t cap)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT state FROM runs WHERE attempt_id = ?");
	struct run host;
	int active = 0, rc;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, attempt, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		active |= !run_is_terminal((const char *)sqlite3_column_text(st, 0) ?
					   (const char *)sqlite3_column_text(st, 0) : "");
	store_done(st);
	if (active || rc != SQLITE_DONE || attempt_host_run(s, attempt, &host) != 1)
		return 0;
	snprintf(state, cap, "%s", host.state);
	run_free(&host);
	return 1;
}

static void feed_recheck(struct store *s, struct feed *f)
{
	struct run r;

	if (f->kind == SSE_RUN) {
		if (run_by_id(s, f->id, &r) != 1)
			return;
		if (run_is_terminal(r.state)) {
			snprintf(f->state, sizeof f->state, "%s", r.state);
			f->final = 1;
		}
		run_free(&r);
	} else {
		f->final = sse_attempt_over(s, f->id, f->state, sizeof f->state);
	}
}

/* Periodic: late directories and files, growth inotify could not report
 * (a replaced file), and the end of runs (the store changed). */
void feeds_check(int store_changed)
{
	struct store *s = store_changed ? store_get() : NULL;
	struct feed *f, *nx;
	struct stat sb;
	int wake;

	if (s && s->state != STORE_OK)
		s = NULL;
	for (f = feeds; f; f = nx) {
		nx = f->next;
		wake = 0;
		if (!f->final)
			feed_watch(f);
		if (f->fd < 0)
			wake |= feed_open(f);
		if (f->fd >= 0 && fstat(f->fd, &sb) == 0 && sb.st_size != f->size) {
			f->size = sb.st_size;
			wake = 1;
		}
		if (s && !f->final) {
			feed_recheck(s, f);
			wake |= f->final;
		}
		if (wake)
			feed_wake(f);
	}
}
