/* GET <base>/api/runs/{id}/stream and <base>/api/attempts/{id}/stream:
 * everything that can fail is decided before the 200 goes out (400, 404,
 * 429, 503), then the stream starts from the file or from the daemon. */
#include "sse.h"
#include "lineread.h"
#include "livepos.h"
#include "logpath.h"
#include "runs.h"
#include "store.h"
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPLAY_MAX 1000 /* lines of the first replay, as the daemon */

static void plain(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Content-Type-Options", "nosniff");
	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* The browser's address. Behind our own web server every peer is the
 * loopback proxy, which names the real client in X-Forwarded-For (last
 * entry: the one the proxy itself added). */
static void client_addr(struct evhttp_request *req, char *out, size_t cap)
{
	const char *xff = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Forwarded-For");
	const char *last, *peer = "";
	ev_uint16_t port;
	size_t n;

	evhttp_connection_get_peer(evhttp_request_get_connection(req), (char **)&peer, &port);
	snprintf(out, cap, "%s", peer ? peer : "");
	/* A unix socket peer (no address) is the local web server too. */
	if (!xff || !(!out[0] || strcmp(out, "127.0.0.1") == 0 || strcmp(out, "::1") == 0 ||
		      strncmp(out, "::ffff:127.", 11) == 0))
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	n = strcspn(last, " ");
	if (n && n < cap) {
		memcpy(out, last, n);
		out[n] = '\0';
	}
}

/* File mode: the daemon's replay (last 1000 lines, meta when more) for a
 * new stream, or everything after the Last-Event-ID for a resumed one. */
static void unavailable(struct client *c, long long id);

/* Where a reconnecting client stands: a file offset, a live entry count,
 * or a live event's ID, which carries both (frame.h). -1 = not given. */
struct resume {
	long long off, seq;
	struct sse_pos pos;
	int has_pos;
};

/* unavail: tell the browser first that only the files are followed. */
static void start_file(struct client *c, struct feed *f, const struct resume *rs, int unavail)
{
	long long total = 0, start = 0, end = 0, resume = rs->off;
	struct buf b = {0};
	char meta[96];

	c->st = calloc(1, sizeof *c->st);
	feed_attach(f, c);
	/* A live ID after the run left the daemon: the same position in the
	 * file, so nothing is lost or sent twice. */
	if (rs->has_pos && f->fd >= 0)
		resume = livepos_offset(f->fd, &rs->pos, f->final);
	if (resume >= 0 && lread_line_start(f->fd, resume)) {
		c->pos = resume;
	} else if (f->fd >= 0 && lread_tail(f->fd, f->final, REPLAY_MAX, &total, &start, &end) == 0) {
		c->pos = start;
		if (total > REPLAY_MAX) {
			snprintf(meta, sizeof meta, "{\"skipped\":%lld,\"total_lines\":%lld}",
				 total - REPLAY_MAX, total);
			sse_frame(&b, "meta", start, meta, strlen(meta));
			client_send(c, &b);
		}
	}
	if (c->pos > 0 && f->fd >= 0)
		lread_state(f->fd, c->pos, c->st);
	buf_free(&b);
	if (unavail)
		unavailable(c, c->pos);
	client_pump(c);
}

static void unavailable(struct client *c, long long id)
{
	static const char why[] = "live output unavailable, showing completed steps (from the log files)";
	struct buf b = {0};

	sse_frame(&b, "unavailable", id, why, sizeof why - 1);
	client_send(c, &b);
	buf_free(&b);
}

static int parse_resume(const char *v, size_t n, struct resume *rs)
{
	long long id;

	if (sse_parse_pos(v, n, &rs->pos)) {
		rs->has_pos = 1;
		rs->seq = rs->pos.seq;
		return 1;
	}
	if (!sse_parse_id(v, n, &id))
		return 0;
	if (id >= SSE_LIVE_BASE)
		rs->seq = id;  /* a live ID from before positions were added */
	else
		rs->off = id;
	return 1;
}

static void resume_id(struct evhttp_request *req, struct resume *rs)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Last-Event-ID");
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)), *from;
	size_t n;

	memset(rs, 0, sizeof *rs);
	rs->off = rs->seq = -1;
	if (h && parse_resume(h, strlen(h), rs))
		return;
	if (q && (from = sse_query_from(q, &n)))
		parse_resume(from, n, rs);
}

/* Looks the stream up; 1 found (r filled), 0 answered already. */
static int lookup(struct evhttp_request *req, enum sse_kind kind, const char *id, struct run *r,
		  int *terminal)
{
	struct store *s = store_get();
	char state[32];
	int rc;

	if (s->state != STORE_OK) {
		plain(req, 503, "Service Unavailable", s->err[0] ? s->err : "store unavailable\n");
		return 0;
	}
	rc = kind == SSE_RUN ? run_by_id(s, id, r) : attempt_host_run(s, id, r);
	if (rc < 0) {
		plain(req, 503, "Service Unavailable", "store unavailable\n");
		return 0;
	}
	if (rc == 0) {
		plain(req, 404, "Not Found", kind == SSE_RUN ? "run not found\n" : "attempt not found\n");
		return 0;
	}
	/* An attempt is over when none of its runs is active; done then
	 * carries the host run's state (http.md 6.7). */
	*terminal = kind == SSE_RUN ? run_is_terminal(r->state) : sse_attempt_over(s, id, state, sizeof state);
	return 1;
}

static void on_stream(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req), *q;
	char id[SSE_ID_MAX + 1], addr[64], msg[160], *dir;
	enum sse_kind kind;
	struct client *c;
	struct feed *f;
	struct run r;
	struct resume rs;
	int rc, terminal, live;

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		plain(req, 405, "Method Not Allowed", "method not allowed\n");
		return;
	}
	q = strchr(uri, '?');
	rc = sse_parse_path(uri, q ? (size_t)(q - uri) : strlen(uri), &kind, id);
	if (rc == -1) {
		plain(req, 404, "Not Found", "404 page not found\n");
		return;
	}
	if (rc == -2) {
		plain(req, 400, "Bad Request", kind == SSE_RUN ? "bad run id\n" : "bad attempt id\n");
		return;
	}
	client_addr(req, addr, sizeof addr);
	if (g_nclients >= g_opt.max_streams) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "10");
		plain(req, 503, "Service Unavailable", "too many log streams open on this server; try again later\n");
		return;
	}
	if (client_count_addr(addr) >= g_opt.max_per_addr) {
		snprintf(msg, sizeof msg, "too many log streams from your address (limit %d); close some tabs\n",
			 g_opt.max_per_addr);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "10");
		plain(req, 429, "Too Many Requests", msg);
		return;
	}
	if (!lookup(req, kind, id, &r, &terminal))
		return;
	resume_id(req, &rs);
	c = client_new(req, addr);
	if (!c) {
		run_free(&r);
		return;
	}
	/* A file offset (the page's ?from=, or a stream that was on the file)
	 * goes live too while the run broadcasts, from the same place. */
	live = 0;
	if (!terminal && g_opt.daemon)
		live = live_try(c, &r, rs.seq, rs.off);
	if (live == 1) {
		run_free(&r);
		return;
	}
	dir = logpath_dir(&r);
	f = feed_get(kind, id, r.project_dir, dir, r.state, terminal);
	free(dir);
	run_free(&r);
	start_file(c, f, &rs, live < 0);
}

void serve_init(struct evhttp *http)
{
	evhttp_set_gencb(http, on_stream, NULL);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(http, 16384);
	evhttp_set_max_body_size(http, 0);
}
