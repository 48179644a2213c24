/* The stream helper's shared state (docs/sse.md). One process, one thread,
 * one libevent loop (epoll): an HTTP/1.1 server (evhttp) for the streams,
 * one inotify descriptor for every watched log directory, and at most one
 * daemon StreamLogs subscription per live run. */
#ifndef SSE_H
#define SSE_H
#include "frame.h"
#include "logparse.h"
#include "store.h"
#include <event2/event.h>
#include <event2/http.h>

struct feed;
struct upstream;

/* One browser stream. Owned by the global list; freed by client_free when
 * the connection closes or the stream ends. */
struct client {
	struct evhttp_request *req;
	struct evhttp_connection *con;
	struct evbuffer *wq;               /* the connection's output queue */
	int fd;                            /* the connection's socket */
	struct client *prev, *next;        /* all clients */
	struct client *fprev, *fnext;      /* viewers of the same feed/upstream */
	struct feed *feed;                 /* file mode, or NULL */
	struct upstream *up;               /* live mode, or NULL */
	long long pos;                     /* file: next byte to read */
	long long seq;                     /* live: next entry to send */
	long long skip_off;                /* live: skip events already in full.log up to here; -1 none */
	struct logstate *st;               /* file: parser state at pos (owned) */
	char addr[64];                     /* client address for the limits */
	int draining;                      /* waiting for the socket to drain */
	long long drain_since;             /* when it started waiting (s) */
	int ending;                        /* done sent, reply ending */
	int chunked;                       /* reply uses chunked framing */
};

/* Where lines come from for one stream key ("r:<run id>" or "a:<attempt>"):
 * the log file and, while the run is live, the daemon. */
struct feed {
	struct feed *next;
	enum sse_kind kind;
	char *id;            /* run or attempt ID (owned) */
	char *dir;           /* log directory, unresolved, ends in '/' (owned) */
	char *path;          /* dir + "full.log" (owned) */
	char *project;       /* project dir, for confinement (owned) */
	int fd;              /* -1 until the file exists and is confined */
	int wd;              /* inotify watch on dir, -1 if none yet */
	long long size;      /* last size seen */
	int final;           /* run finished: flush everything, then done */
	char state[32];      /* state sent in done */
	struct client *viewers;
	int nviewers;
};

struct sse_opts {
	int max_streams, max_per_addr;
	int heartbeat_s, retry_ms;
	size_t client_buf;   /* bytes queued for one client before we cut it */
	int check_ms;        /* store re-check period */
	int stall_s;         /* a client that drains nothing this long is cut */
	int daemon;          /* 0 = never ask the daemon */
};

extern struct sse_opts g_opt;
extern struct event_base *g_base;
extern struct client *g_clients;
extern int g_nclients;
extern int g_inotify_fd;

/* Bytes sent to many clients (one line to all its viewers): the events
 * and, built once on first need, the same bytes framed as one chunk of a
 * chunked reply, so no client costs a formatting step or an allocation. */
struct wire {
	struct buf raw;
	struct buf chunk;
};

/* client.c */
struct client *client_new(struct evhttp_request *req, const char *addr);
void client_send(struct client *c, const struct buf *b);   /* b's bytes are copied */
void client_send_wire(struct client *c, struct wire *w);   /* w's bytes are copied */
void wire_free(struct wire *w);
void client_end(struct client *c);
size_t client_queued(const struct client *c);
int client_count_addr(const char *addr);
void client_pump(struct client *c);
/* What one viewer's pump produced, reused by the others (feed_wake). */
struct batch {
	int valid;
	long long from, to;
	struct wire out;
	struct logstate st;
};
void client_pump_batch(struct client *c, struct batch *b);
void clients_heartbeat(void);
void clients_cut_stalled(void);
void clients_shutdown(void);

/* feed.c */
struct feed *feed_get(enum sse_kind kind, const char *id, const char *project,
		      const char *dir, const char *state, int terminal);
void feed_attach(struct feed *f, struct client *c);
void feed_detach(struct client *c);
void feed_inotify_read(void);
void feeds_check(int store_changed);
int feed_open(struct feed *f);
int sse_attempt_over(struct store *s, const char *attempt, char *state, size_t cap);

/* serve.c */
void serve_init(struct evhttp *http);

/* live.c */
struct run;
/* 1 = the viewer follows the daemon's broadcast (from live ID resume's
 * entry, or past file offset off; -1 = neither), 0 = not broadcasting,
 * -1 = daemon unavailable (both: the caller follows the file). */
int live_try(struct client *c, const struct run *r, long long resume, long long off);
void live_detach(struct client *c);

#endif
