/* Live lines from the daemon: StreamLogs with x-cloche-follow (http.md
 * 6.9). One upstream subscription per run, shared by all its viewers; the
 * encoded events are kept (the daemon keeps the run's history the same
 * way), so a viewer that joins late or resumes gets them from its ID on.
 * Event IDs are SSE_LIVE_BASE + the number of daemon entries up to and
 * including the line: the daemon replays a broadcast from its start, so the
 * numbering is the same for a restarted helper. */
#include "sse.h"
#include "daemon.h"
#include "json.h"
#include "livepos.h"
#include "logpath.h"
#include "lineread.h"
#include "runs.h"
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPEN_MS 1500   /* longest the loop may wait for the daemon's answer */
#define FIRST_MS 1000  /* and for the first entry, which tells live from not */
#define DOWN_S 3       /* after a failure, do not ask again for this long */

struct frame {
	long long id;
	size_t off, len;   /* in upstream.frames */
	struct sse_pos pos; /* where it ends in full.log too */
};

struct upstream {
	struct upstream *next;
	char *run_id;
	struct grpc_stream *gs;
	struct event *ev;
	long long entries;          /* daemon entries read */
	struct buf frames;          /* every event so far, encoded */
	struct frame *fv;
	size_t nf, capf;
	struct client *viewers;
	int nviewers;
	int busy;                   /* inside on_upstream: viewers may go, u stays */
	struct livepos pos;         /* the same position in full.log */
};

static struct upstream *ups;
static time_t down_until;

static void up_free(struct upstream *u)
{
	struct upstream **pp;

	for (pp = &ups; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	if (u->ev)
		event_free(u->ev);
	if (u->gs)
		daemon_stream_close(u->gs);
	buf_free(&u->frames);
	livepos_free(&u->pos);
	free(u->fv);
	free(u->run_id);
	free(u);
}

/* status / llm / script, as http.md 6.9 suggests; 0 = drop the line. */
static int rebuild(const Cloche__V1__LogEntry *e, struct buf *line)
{
	const char *m = e->message ? e->message : "", *type = "script";
	struct json_object *o = json_object_new_object();
	struct buf conv = {0};
	size_t n = strlen(m);

	if (!strncmp(m, "step_started: ", 14) || !strncmp(m, "step_completed: ", 16) ||
	    !strncmp(m, "step_skipped: ", 14)) {
		type = "status";
	} else if (m[0] == '{' && llm_rewrite(m, n, &conv)) {
		type = "llm";
		if (!conv.len) {
			buf_free(&conv);
			json_object_put(o);
			return 0;
		}
		m = conv.p;
		n = conv.len;
	}
	jadd_str(o, "timestamp", e->timestamp ? e->timestamp : "");
	jadd_str(o, "type", type);
	jadd(o, "content", jstrn(m, n));
	jadd_str_nonempty(o, "step_name", e->step_name ? e->step_name : "");
	json_emit(line, o);
	json_object_put(o);
	buf_free(&conv);
	return 1;
}

/* The ID of the event that ends here: live entry count and file position. */
static struct sse_pos up_pos(const struct upstream *u)
{
	return (struct sse_pos){SSE_LIVE_BASE + u->entries, u->pos.b, u->pos.s, u->pos.t};
}

/* A viewer that came with a file offset (c->skip_off) skips the events
 * already in those bytes of full.log; *fd opened on first need (-2 = not
 * yet). 1 = skip this one. */
static int skip(struct upstream *u, struct client *c, const struct frame *f, int *fd)
{
	if (c->skip_off <= 0)
		return 0;
	if (*fd == -2)
		*fd = livepos_open(&u->pos);
	if (livepos_covered(*fd, &f->pos, c->skip_off))
		return 1;
	c->skip_off = -1; /* from here on everything is new to it */
	return 0;
}

static void up_push(struct upstream *u, const char *event, const char *data, size_t n)
{
	struct wire one = {0};
	struct client *c, *nx;
	struct sse_pos at = up_pos(u);
	int fd = -2;

	sse_frame_pos(&one.raw, event, &at, data, n);
	if (u->nf == u->capf) {
		u->capf = u->capf ? 2 * u->capf : 64;
		u->fv = realloc(u->fv, u->capf * sizeof *u->fv);
	}
	u->fv[u->nf++] = (struct frame){SSE_LIVE_BASE + u->entries, u->frames.len, one.raw.len, at};
	buf_put(&u->frames, one.raw.p, one.raw.len);
	for (c = u->viewers; c; c = nx) {
		nx = c->fnext;
		if (skip(u, c, &u->fv[u->nf - 1], &fd))
			continue;
		if (client_queued(c) > g_opt.client_buf)
			evhttp_connection_free(c->con); /* too slow: it resumes by ID */
		else
			client_send_wire(c, &one);
	}
	if (fd >= 0)
		close(fd);
	wire_free(&one);
}

/* Every viewer gets done and its stream ends; the upstream goes with the
 * last of them (live_detach). */
static void up_finish(struct upstream *u, const char *event, const char *data)
{
	struct buf last = {0};
	struct sse_pos at = up_pos(u);

	u->nviewers++; /* keep u while its viewers end */
	sse_frame_pos(&last, event, &at, data, strlen(data));
	while (u->viewers) {
		struct client *c = u->viewers;

		client_send(c, &last);
		if (strcmp(event, "done") != 0) {
			struct buf hint = {0};

			buf_puts(&hint, "retry: 500\n\n");
			client_send(c, &hint);
			buf_free(&hint);
		}
		client_end(c);
	}
	buf_free(&last);
	up_free(u);
}

/* 1 = go on, 0 = the upstream ended (and is freed). */
static int up_entry(struct upstream *u, Cloche__V1__LogEntry *e)
{
	struct buf line = {0};
	const char *type = e->type ? e->type : "";

	u->entries++;
	if (!strcmp(type, "log")) {
		livepos_entry(&u->pos, e->message ? e->message : "");
		if (rebuild(e, &line))
			up_push(u, NULL, line.p, line.len);
		buf_free(&line);
	} else if (!strcmp(type, "run_completed")) {
		daemon_free(e);
		up_finish(u, "done", "completed");
		return 0;
	}
	daemon_free(e);
	return 1;
}

static void on_upstream(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *u = arg;
	Cloche__V1__LogEntry *e;
	struct daemon_err err;
	int rc;

	(void)fd, (void)what;
	u->busy = 1;
	while ((rc = daemon_stream_next(u->gs, &e, 0, &err)) == 1)
		if (!up_entry(u, e))
			return;
	u->busy = 0;
	if (rc == 2) {
		if (u->nviewers == 0) /* all cut as too slow */
			up_free(u);
		return;
	}
	/* The daemon went away mid-run: tell the viewers, let them come back
	 * (their next stream falls back to the files). */
	down_until = time(NULL) + DOWN_S;
	up_finish(u, "unavailable", "the daemon stopped answering: live output unavailable, showing completed steps");
}

/* The first of the upstream's events that a viewer holding full.log up
 * to byte off does not have. Events are in file order, so the covered
 * ones are a prefix: a binary search, each probe a walk of one block. */
static size_t first_new(struct upstream *u, long long off)
{
	size_t lo = 0, hi = u->nf, mid;
	int fd = livepos_open(&u->pos);

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (livepos_covered(fd, &u->fv[mid].pos, off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (fd >= 0)
		close(fd);
	return lo;
}

/* resume: a live ID's entry count, or -1; off: a file offset the viewer
 * has read up to, or -1. */
static void attach(struct upstream *u, struct client *c, long long resume, long long off)
{
	struct buf hist = {0};
	size_t i = 0;

	c->up = u;
	c->fnext = u->viewers;
	if (u->viewers)
		u->viewers->fprev = c;
	u->viewers = c;
	u->nviewers++;
	if (off > 0) {
		i = first_new(u, off);
		/* All covered so far: the history still arriving is checked too. */
		c->skip_off = i < u->nf ? -1 : off;
	}
	for (; i < u->nf; i++)
		if (u->fv[i].id > resume)
			buf_put(&hist, u->frames.p + u->fv[i].off, u->fv[i].len);
	client_send(c, &hist);
	buf_free(&hist);
}

/* Opens StreamLogs; NULL when the daemon cannot be asked. */
static struct grpc_stream *open_logs(const char *run_id)
{
	Cloche__V1__StreamLogsRequest req = CLOCHE__V1__STREAM_LOGS_REQUEST__INIT;
	struct grpc_md md = {"x-cloche-follow", "true"};
	struct grpc_status st;

	req.run_id = (char *)run_id;
	req.follow = 1;
	return grpc_stream_open("StreamLogs", &req.base, &md, 1, OPEN_MS, &st);
}

/* The position tracker of a run: its full.log, as the file path finds it. */
static void pos_init(struct livepos *p, const struct run *r)
{
	char *dir = logpath_dir(r), *path = NULL;

	if (dir) {
		path = malloc(strlen(dir) + 9);
		strcpy(path, dir);
		strcat(path, "full.log");
	}
	livepos_init(p, r->project_dir, path);
	free(path);
	free(dir);
}

/* A file offset that is not a line start in the run's log is ignored, as
 * on the file path: the viewer starts as a new one. */
static long long usable_off(const struct run *r, long long off)
{
	struct livepos p;
	int fd, ok;

	if (off <= 0)
		return -1;
	pos_init(&p, r);
	fd = livepos_open(&p);
	ok = lread_line_start(fd, off);
	if (fd >= 0)
		close(fd);
	livepos_free(&p);
	return ok ? off : -1;
}

int live_try(struct client *c, const struct run *r, long long resume, long long off)
{
	const char *run_id = r->id;
	struct upstream *u;
	struct grpc_stream *gs;
	Cloche__V1__LogEntry *e = NULL;
	struct daemon_err err;
	int rc;

	off = usable_off(r, off);
	for (u = ups; u; u = u->next)
		if (!strcmp(u->run_id, run_id)) {
			attach(u, c, resume, off);
			return 1;
		}
	if (time(NULL) < down_until)
		return -1;
	gs = open_logs(run_id);
	if (!gs) {
		down_until = time(NULL) + DOWN_S;
		return -1;
	}
	rc = daemon_stream_next(gs, &e, FIRST_MS, &err);
	if (rc != 1 || strcmp(e->type ? e->type : "", "log") != 0) {
		/* Not broadcasting (file chunks, step list, or nothing): the
		 * daemon's own web page would replay the file too. */
		daemon_free(e);
		daemon_stream_close(gs);
		return rc == -1 ? -1 : 0;
	}
	u = calloc(1, sizeof *u);
	u->run_id = strdup(run_id);
	u->gs = gs;
	pos_init(&u->pos, r);
	u->next = ups;
	ups = u;
	attach(u, c, resume, off);
	u->busy = 1;
	if (!up_entry(u, e))
		return 1;
	u->busy = 0;
	u->ev = event_new(g_base, grpc_stream_fd(gs), EV_READ | EV_PERSIST, on_upstream, u);
	event_add(u->ev, NULL);
	on_upstream(-1, 0, u); /* whatever came with the first entry */
	return 1;
}

void live_detach(struct client *c)
{
	struct upstream *u = c->up;

	if (!u)
		return;
	if (c->fprev)
		c->fprev->fnext = c->fnext;
	else
		u->viewers = c->fnext;
	if (c->fnext)
		c->fnext->fprev = c->fprev;
	c->up = NULL;
	c->fprev = c->fnext = NULL;
	if (--u->nviewers == 0 && !u->busy)
		up_free(u);
}
