/* Browser streams: start, write, pump from the file, end. A client only
 * ever has about PUMP_HIGH bytes waiting in its socket buffer from the
 * file path: we read the log only when the client has drained, so a slow
 * reader costs no memory, falls behind, and is cut after --stall seconds. */
#include "sse.h"
#include "json.h"
#include "lineread.h"
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PUMP_HIGH (64 * 1024)

struct client *g_clients;
int g_nclients;

static void on_close(struct evhttp_connection *con, void *arg);

static void client_free(struct client *c)
{
	feed_detach(c);
	live_detach(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		g_clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g_nclients--;
	free(c->st);
	free(c);
}

struct client *client_new(struct evhttp_request *req, const char *addr)
{
	struct client *c = calloc(1, sizeof *c);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct buf b = {0};

	if (!c)
		return NULL;
	c->req = req;
	c->skip_off = -1;
	c->con = evhttp_request_get_connection(req);
	/* The connection keeps its bufferevent (and its output queue) for
	 * its whole life, and we are told before it goes (on_close). */
	c->wq = bufferevent_get_output(evhttp_connection_get_bufferevent(c->con));
	c->fd = bufferevent_getfd(evhttp_connection_get_bufferevent(c->con));
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->next = g_clients;
	if (g_clients)
		g_clients->prev = c;
	g_clients = c;
	g_nclients++;
	evhttp_connection_set_closecb(c->con, on_close, c);
	/* Events are small and must not wait for an ACK (Nagle). */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "Connection", "keep-alive");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	/* evhttp frames chunks only for HTTP/1.1 peers; send_now must agree. */
	c->chunked = evhttp_find_header(h, "Transfer-Encoding") != NULL;
	buf_puts(&b, "retry: ");
	buf_putll(&b, g_opt.retry_ms);
	buf_puts(&b, "\n\n");
	client_send(c, &b);
	buf_free(&b);
	return c;
}

/* The browser went away. When libevent has already detached our request
 * from the connection (a failed read or write while we were streaming),
 * it is ours to free, which evhttp_send_reply_end does for a request
 * without a connection; otherwise the connection frees it right after. */
static void on_close(struct evhttp_connection *con, void *arg)
{
	struct client *c = arg;

	(void)con;
	if (!evhttp_request_get_connection(c->req))
		evhttp_send_reply_end(c->req);
	client_free(c);
}

size_t client_queued(const struct client *c)
{
	return evbuffer_get_length(c->wq);
}

/* Writes an event straight to the socket when nothing is queued before
 * it: one send() instead of queueing it for the next loop turn, where
 * libevent would arm EV_WRITE (epoll_ctl), writev, and disarm it again
 * (epoll_ctl): with 1,000 viewers of a line that was most of the helper's
 * time and of the latency. iov holds the bytes as they go on the wire
 * (chunk framing included). 1 = all written or the rest queued; 0 =
 * nothing written (the caller queues it as usual). */
static int send_now(struct client *c, struct iovec *iov, int k)
{
	struct msghdr mh = {0};
	size_t total = 0, skip;
	ssize_t n;
	int i;

	if (evbuffer_get_length(c->wq) != 0)
		return 0;
	if (k == 1) {
		n = send(c->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)k;
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	if (n <= 0)
		return 0;
	for (i = 0; i < k; i++) {
		skip = (size_t)n - total < iov[i].iov_len ? (size_t)n - total : iov[i].iov_len;
		if (skip < iov[i].iov_len)
			evbuffer_add(c->wq, (char *)iov[i].iov_base + skip, iov[i].iov_len - skip);
		total += skip;
	}
	return 1;
}

/* The reply's bytes before any framing went to evhttp's queue, which
 * adds the chunk framing itself. */
static void queue_raw(struct client *c, const char *p, size_t n)
{
	struct evbuffer *eb = evbuffer_new();

	evbuffer_add(eb, p, n);
	evhttp_send_reply_chunk(c->req, eb);
	evbuffer_free(eb);
}

void client_send(struct client *c, const struct buf *b)
{
	char hdr[24];
	struct iovec iov[3];
	int k = 0;

	if (!b->len || c->ending)
		return;
	if (c->chunked)
		iov[k++] = (struct iovec){hdr, (size_t)snprintf(hdr, sizeof hdr, "%zx\r\n", b->len)};
	iov[k++] = (struct iovec){b->p, b->len};
	if (c->chunked)
		iov[k++] = (struct iovec){(char *)"\r\n", 2};
	if (!send_now(c, iov, k))
		queue_raw(c, b->p, b->len);
}

void client_send_wire(struct client *c, struct wire *w)
{
	struct iovec iov;
	char hdr[24];

	if (!w->raw.len || c->ending)
		return;
	if (c->chunked && !w->chunk.len) {
		snprintf(hdr, sizeof hdr, "%zx\r\n", w->raw.len);
		buf_puts(&w->chunk, hdr);
		buf_put(&w->chunk, w->raw.p, w->raw.len);
		buf_puts(&w->chunk, "\r\n");
	}
	iov = c->chunked ? (struct iovec){w->chunk.p, w->chunk.len} : (struct iovec){w->raw.p, w->raw.len};
	if (!send_now(c, &iov, 1))
		queue_raw(c, w->raw.p, w->raw.len);
}

void wire_free(struct wire *w)
{
	buf_free(&w->raw);
	buf_free(&w->chunk);
}

/* The last event went out: finish the chunked reply. The connection may
 * live on (keep-alive), so it must no longer point at us. */
void client_end(struct client *c)
{
	c->ending = 1;
	evhttp_connection_set_closecb(c->con, NULL, NULL);
	evhttp_send_reply_end(c->req);
	client_free(c);
}

int client_count_addr(const char *addr)
{
	struct client *c;
	int n = 0;

	for (c = g_clients; c; c = c->next)
		n += strcmp(c->addr, addr) == 0;
	return n;
}

static void on_drained(struct evhttp_connection *con, void *arg)
{
	struct client *c = arg;

	(void)con;
	c->draining = 0;
	client_pump(c);
}

/* Appends one visible line as an event whose ID is the offset after it. */
static void put_line(struct buf *out, struct logline *l, long long next)
{
	struct json_object *o = logline_json(l, 0);
	struct buf j = {0};

	json_emit(&j, o);
	json_object_put(o);
	sse_frame(out, NULL, next, j.p ? j.p : "", j.len);
	buf_free(&j);
}

static void send_done(struct client *c, const char *state, long long id)
{
	struct buf b = {0};

	sse_frame(&b, "done", id, state, strlen(state));
	client_send(c, &b);
	buf_free(&b);
	client_end(c);
}

/* Viewers that are level with the batch's start take its events as they
 * are: one read and one JSON encoding per new line however many viewers
 * follow the run (they share a position, so they share the parser state). */
static int take_batch(struct client *c, struct batch *b)
{
	if (!b || !b->valid || c->pos != b->from || client_queued(c) + b->out.raw.len >= PUMP_HIGH)
		return 0;
	client_send_wire(c, &b->out);
	c->pos = b->to;
	*c->st = b->st;
	if (c->feed->final)
		send_done(c, c->feed->state, c->pos);
	return 1;
}

/* Reads lines from c->pos while the client keeps up. When the run is over
 * and the client has everything, sends done and ends the stream. A pump
 * that reached the end of the file is remembered in b (may be NULL) for
 * the next viewers at the same position. */
void client_pump_batch(struct client *c, struct batch *b)
{
	struct feed *f = c->feed;
	struct lread r;
	struct logline l = {0};
	struct buf out = {0};
	struct evbuffer *eb;
	const char *s;
	size_t n;
	long long full, next, from = c->pos;
	int rc = 0;

	if (!f || c->draining || c->ending || take_batch(c, b))
		return;
	if (f->fd >= 0) {
		lread_init(&r, f->fd);
		while (client_queued(c) + out.len < PUMP_HIGH &&
		       (rc = lread_line(&r, c->pos, f->final, &s, &n, &full, &next)) > 0) {
			l.off = c->pos;
			if (log_parse(c->st, s, n, full, &l))
				put_line(&out, &l, next);
			c->pos = next;
		}
		lread_done(&r);
		logline_free(&l);
	}
	if (rc > 0) {
		/* More to read: continue once the socket has drained. */
		c->draining = 1;
		c->drain_since = time(NULL);
		if (!out.len)
			buf_puts(&out, ": wait\n\n");
		eb = evbuffer_new();
		evbuffer_add(eb, out.p, out.len);
		evhttp_send_reply_chunk_with_cb(c->req, eb, on_drained, c);
		evbuffer_free(eb);
	} else {
		if (b && !b->valid && rc == 0) {
			b->valid = 1;
			b->from = from;
			b->to = c->pos;
			b->st = *c->st;
			if (out.len)
				buf_put(&b->out.raw, out.p, out.len);
		}
		client_send(c, &out);
		if (f->final)
			send_done(c, f->state, c->pos);
	}
	buf_free(&out);
}

void client_pump(struct client *c)
{
	client_pump_batch(c, NULL);
}

void clients_heartbeat(void)
{
	struct wire ka = {0};
	struct client *c;

	buf_puts(&ka.raw, ": keepalive\n\n");
	for (c = g_clients; c; c = c->next)
		if (!c->draining)
			client_send_wire(c, &ka);
	wire_free(&ka);
}

/* A client whose socket stayed full for --stall seconds is cut: its
 * buffer is at the limit and it does not read. It resumes by ID. */
void clients_cut_stalled(void)
{
	struct client *c, *nx;
	time_t now = time(NULL);

	for (c = g_clients; c; c = nx) {
		nx = c->next;
		if (c->draining && now - c->drain_since >= g_opt.stall_s)
			evhttp_connection_free(c->con);
	}
}

/* SIGTERM: every stream gets a short retry and is closed, so browsers
 * come back (with their Last-Event-ID) to the next helper. */
void clients_shutdown(void)
{
	struct buf bye = {0};

	buf_puts(&bye, "retry: 500\n: helper restarting, reconnect\n\n");
	while (g_clients) {
		struct client *c = g_clients;

		c->draining = 0;
		client_send(c, &bye);
		client_end(c);
	}
	buf_free(&bye);
}
