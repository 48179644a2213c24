/* gRPC calls over one HTTP/2 cleartext connection each (h2c with prior
 * knowledge, as the daemon's grpc-go server expects). libnghttp2 does the
 * HTTP/2 framing in memory (mem_send/mem_recv); this file owns the socket
 * and the poll() loop, so every wait is bounded by a deadline. */
#include "grpc.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct grpc_stream {
	int fd;
	nghttp2_session *ng;
	int32_t sid;
	uint8_t *frame;           /* framed request, owned */
	size_t frame_len, frame_off;
	uint8_t *wbuf;            /* bytes nghttp2 produced, not yet written (owned) */
	size_t wlen, woff;
	int http_status, got_headers, closed, eof, reset;
	int got_settings;         /* the peer spoke HTTP/2 at least once */
	size_t rx_bytes;
	uint32_t rst_code;
	int code;                 /* grpc-status, -1 until seen */
	char msg[600];
	int ctype_ok;
	char shown[300];          /* host:port for messages */
	const char *method;
	struct grpc_deframer df;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(struct grpc_status *st, int code, int http, const char *fmt, const char *a, const char *b)
{
	st->code = code;
	st->http = http;
	snprintf(st->msg, sizeof st->msg, fmt, a, b);
}

/* ---- nghttp2 callbacks ------------------------------------------------ */

static int on_header(nghttp2_session *ng, const nghttp2_frame *fr, const uint8_t *name, size_t nl,
		     const uint8_t *val, size_t vl, uint8_t flags, void *ud)
{
	struct grpc_stream *s = ud;
	char v[16];

	(void)ng; (void)flags;
	if (fr->hd.stream_id != s->sid)
		return 0;
	if (nl == 7 && memcmp(name, ":status", 7) == 0) {
		snprintf(v, sizeof v, "%.*s", (int)(vl < 15 ? vl : 15), (const char *)val);
		s->http_status = atoi(v);
	} else if (nl == 11 && memcmp(name, "grpc-status", 11) == 0) {
		snprintf(v, sizeof v, "%.*s", (int)(vl < 15 ? vl : 15), (const char *)val);
		s->code = atoi(v);
	} else if (nl == 12 && memcmp(name, "grpc-message", 12) == 0) {
		grpc_pct_decode((const char *)val, vl, s->msg, sizeof s->msg);
	} else if (nl == 12 && memcmp(name, "content-type", 12) == 0) {
		s->ctype_ok = vl >= 16 && memcmp(val, "application/grpc", 16) == 0;
	}
	return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *fr, void *ud)
{
	struct grpc_stream *s = ud;

	(void)ng;
	if (fr->hd.type == NGHTTP2_HEADERS && fr->hd.stream_id == s->sid)
		s->got_headers = 1;
	if (fr->hd.type == NGHTTP2_SETTINGS)
		s->got_settings = 1;
	return 0;
}

/* Stop buffering once the message at the front is over the limit, or the
 * reader has fallen far behind: memory stays bounded whatever is sent. */
static int over_limit(const struct grpc_deframer *d)
{
	const uint8_t *h = d->p + d->off;
	size_t avail = d->len - d->off;

	if (avail > 8 * (size_t)GRPC_MAX_MSG)
		return 1;
	return avail >= 5 && ((uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4]) > GRPC_MAX_MSG;
}

static int on_data(nghttp2_session *ng, uint8_t flags, int32_t sid, const uint8_t *p, size_t n, void *ud)
{
	struct grpc_stream *s = ud;

	(void)ng; (void)flags;
	if (sid != s->sid || over_limit(&s->df))
		return 0;   /* take_message reports the oversized message */
	if (grpc_deframe_feed(&s->df, p, n) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int on_close(nghttp2_session *ng, int32_t sid, uint32_t err, void *ud)
{
	struct grpc_stream *s = ud;

	(void)ng;
	if (sid == s->sid) {
		s->closed = 1;
		s->rst_code = err;
		s->reset = err != NGHTTP2_NO_ERROR;
	}
	return 0;
}

static ssize_t read_body(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
			 uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct grpc_stream *s = ud;
	size_t n = s->frame_len - s->frame_off;

	(void)ng; (void)sid; (void)src;
	if (n > len)
		n = len;
	memcpy(buf, s->frame + s->frame_off, n);
	s->frame_off += n;
	if (s->frame_off == s->frame_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* ---- socket ----------------------------------------------------------- */

static int dial(struct grpc_stream *s, long long deadline, struct grpc_status *st)
{
	char host[256], port[32];
	struct addrinfo hints = {0}, *ai, *a;
	int rc, err = 0, timed_out = 0;

	grpc_daemon_addr(host, sizeof host, port, sizeof port, s->shown, sizeof s->shown);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fail(st, GRPC_UNAVAILABLE, 502, "daemon address %s cannot be resolved: %s", s->shown, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		struct pollfd pfd;
		socklen_t el = sizeof err;
		long long left;
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			s->fd = fd;
			break;
		}
		err = errno;
		if (err == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			left = deadline - now_ms();
			if (left > 0 && poll(&pfd, 1, (int)left) == 1) {
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err == 0) {
					s->fd = fd;
					break;
				}
			} else {
				timed_out = 1;
			}
		}
		close(fd);
	}
	freeaddrinfo(ai);
	if (s->fd >= 0)
		return 0;
	if (timed_out)
		fail(st, GRPC_DEADLINE_EXCEEDED, 504, "daemon at %s did not accept the connection in time%s", s->shown, "");
	else if (err == ECONNREFUSED)
		fail(st, GRPC_UNAVAILABLE, 503, "daemon not reachable at %s: connection refused (is cloched running? %s)",
		     s->shown, "set CLOCHE_ADDR or CLOCHE_DASH_DAEMON_ADDR");
	else
		fail(st, GRPC_UNAVAILABLE, 502, "daemon not reachable at %s: %s", s->shown, strerror(err));
	return -1;
}

/* Hand nghttp2's pending output to the socket, as far as it will take it. */
static int flush_out(struct grpc_stream *s)
{
	for (;;) {
		if (s->woff == s->wlen) {
			const uint8_t *data;
			ssize_t n = nghttp2_session_mem_send(s->ng, &data);

			if (n < 0)
				return -1;
			if (n == 0)
				return 0;
			free(s->wbuf);
			s->wbuf = malloc((size_t)n);
			memcpy(s->wbuf, data, (size_t)n);
			s->wlen = (size_t)n;
			s->woff = 0;
		}
		while (s->woff < s->wlen) {
			ssize_t w = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff, MSG_NOSIGNAL);

			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			if (w < 0)
				return errno == EINTR ? 0 : -1;
			s->woff += (size_t)w;
		}
	}
}

/* One round of I/O: write what we can, wait up to wait_ms for the
 * socket, read what arrived. -1 on a transport or protocol error. */
static int io_round(struct grpc_stream *s, int wait_ms, struct grpc_status *st)
{
	struct pollfd pfd;
	uint8_t buf[16384];
	ssize_t n;

	if (flush_out(s) != 0) {
		fail(st, GRPC_UNAVAILABLE, 502, "lost the connection to the daemon at %s: %s", s->shown, strerror(errno));
		return -1;
	}
	pfd.fd = s->fd;
	pfd.events = POLLIN | (s->woff < s->wlen ? POLLOUT : 0);
	pfd.revents = 0;
	if (poll(&pfd, 1, wait_ms < 0 ? 0 : wait_ms) <= 0)
		return 0;
	if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = recv(s->fd, buf, sizeof buf, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		s->eof = 1;
		return 0;
	}
	s->rx_bytes += (size_t)n;
	if (nghttp2_session_mem_recv(s->ng, buf, (size_t)n) < 0 || (!s->got_settings && s->rx_bytes >= 9 &&
	    !nghttp2_session_want_read(s->ng))) {
		fail(st, GRPC_INTERNAL, 502, "daemon at %s does not speak gRPC over HTTP/2 (is it the daemon's port?)%s",
		     s->shown, "");
		return -1;
	}
	return 0;
}

typedef int (*ready_fn)(const struct grpc_stream *s);

/* Rounds of I/O until ready(s), the stream or connection ends, or the
 * deadline. 0 ready or ended, 1 deadline, -1 error (st filled). */
static int pump(struct grpc_stream *s, ready_fn ready, long long deadline, struct grpc_status *st)
{
	for (;;) {
		long long left = deadline - now_ms();

		if (ready(s) || s->closed || s->eof)
			return 0;
		if (left <= 0)
			return 1;
		if (io_round(s, (int)(left > 1000 ? 1000 : left), st) != 0)
			return -1;
	}
}

static int is_closed(const struct grpc_stream *s) { return s->closed; }
static int has_headers(const struct grpc_stream *s) { return s->got_headers; }

/* ---- calls ------------------------------------------------------------ */

static void free_stream(struct grpc_stream *s)
{
	if (!s)
		return;
	if (s->ng)
		nghttp2_session_del(s->ng);
	if (s->fd >= 0)
		close(s->fd);
	free(s->frame);
	free(s->wbuf);
	grpc_deframe_free(&s->df);
	free(s);
}

static nghttp2_session *new_session(struct grpc_stream *s)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *ng = NULL;
	nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24},
	};

	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	nghttp2_session_client_new(&ng, cb, s);
	nghttp2_session_callbacks_del(cb);
	nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, iv, 2);
	nghttp2_session_set_local_window_size(ng, NGHTTP2_FLAG_NONE, 0, 1 << 24);
	return ng;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

static int submit(struct grpc_stream *s, const char *method, const ProtobufCMessage *req,
		  const struct grpc_md *md, int nmd, int timeout_ms)
{
	char path[128], timeout[24];
	nghttp2_nv nv[24];
	nghttp2_data_provider dp;
	size_t n = protobuf_c_message_get_packed_size(req);
	int i, k = 0;

	s->frame = malloc(n + 5);
	grpc_frame_header(s->frame, (uint32_t)n);
	protobuf_c_message_pack(req, s->frame + 5);
	s->frame_len = n + 5;
	snprintf(path, sizeof path, "/cloche.v1.ClocheService/%s", method);
	snprintf(timeout, sizeof timeout, "%dm", timeout_ms);
	nv[k++] = (nghttp2_nv)NV(":method", "POST");
	nv[k++] = (nghttp2_nv)NV(":scheme", "http");
	nv[k++] = (nghttp2_nv)NV(":path", path);
	nv[k++] = (nghttp2_nv)NV(":authority", s->shown);
	nv[k++] = (nghttp2_nv)NV("content-type", "application/grpc");
	nv[k++] = (nghttp2_nv)NV("te", "trailers");
	nv[k++] = (nghttp2_nv)NV("user-agent", "cloche-dash/" DASH_VERSION " (nghttp2)");
	if (timeout_ms > 0)
		nv[k++] = (nghttp2_nv)NV("grpc-timeout", timeout);
	for (i = 0; i < nmd && k < 24; i++)
		nv[k++] = (nghttp2_nv)NV(md[i].name, md[i].value);
	dp.source.ptr = NULL;
	dp.read_callback = read_body;
	s->sid = nghttp2_submit_request(s->ng, NULL, nv, (size_t)k, &dp, NULL);
	return s->sid < 0 ? -1 : 0;
}

static struct grpc_stream *start(const char *method, const ProtobufCMessage *req, const struct grpc_md *md,
				 int nmd, int timeout_ms, long long deadline, struct grpc_status *st)
{
	struct grpc_stream *s = calloc(1, sizeof *s);

	s->fd = -1;
	s->code = -1;
	s->method = method;
	if (dial(s, deadline, st) != 0) {
		free_stream(s);
		return NULL;
	}
	s->ng = new_session(s);
	if (submit(s, method, req, md, nmd, timeout_ms) != 0) {
		fail(st, GRPC_INTERNAL, 502, "could not send %s to the daemon at %s", method, s->shown);
		free_stream(s);
		return NULL;
	}
	return s;
}

static void deadline_status(struct grpc_stream *s, int timeout_ms, struct grpc_status *st)
{
	st->code = GRPC_DEADLINE_EXCEEDED;
	st->http = 504;
	snprintf(st->msg, sizeof st->msg, "daemon at %s did not answer %s within %d ms", s->shown, s->method, timeout_ms);
}

/* The final status once the stream is over (or the connection is gone). */
static void final_status(struct grpc_stream *s, struct grpc_status *st)
{
	if (s->http_status && s->http_status != 200) {
		st->code = s->http_status == 404 ? GRPC_UNIMPLEMENTED :
			   (s->http_status >= 502 && s->http_status <= 504) || s->http_status == 429 ?
			   GRPC_UNAVAILABLE : GRPC_UNKNOWN;
		snprintf(st->msg, sizeof st->msg, "daemon at %s answered HTTP %d to %s (is it the daemon's gRPC port?)",
			 s->shown, s->http_status, s->method);
	} else if (s->code == GRPC_DEADLINE_EXCEEDED) {
		/* Our grpc-timeout ran out on the daemon's side first: the same
		 * outcome as our own deadline, told the same way. */
		st->code = s->code;
		snprintf(st->msg, sizeof st->msg, "daemon at %s did not answer %s within the deadline (%s)",
			 s->shown, s->method, *s->msg ? s->msg : "Deadline Exceeded");
	} else if (s->code >= 0) {
		st->code = s->code;
		snprintf(st->msg, sizeof st->msg, "%s", *s->msg ? s->msg : grpc_code_name(s->code));
	} else if (s->reset) {
		st->code = s->rst_code == NGHTTP2_REFUSED_STREAM ? GRPC_UNAVAILABLE : GRPC_INTERNAL;
		snprintf(st->msg, sizeof st->msg, "daemon reset the %s call (HTTP/2 error %u)", s->method, s->rst_code);
	} else if (s->closed) {
		st->code = GRPC_INTERNAL;
		snprintf(st->msg, sizeof st->msg, "daemon ended the %s call without a grpc-status", s->method);
	} else if (s->rx_bytes && !s->got_settings) {
		st->code = GRPC_INTERNAL;
		snprintf(st->msg, sizeof st->msg, "%s does not speak gRPC over HTTP/2 (is it the daemon's port?)",
			 s->shown);
	} else {
		st->code = GRPC_UNAVAILABLE;
		snprintf(st->msg, sizeof st->msg, "daemon at %s closed the connection during %s", s->shown, s->method);
	}
	if (st->code == GRPC_OK && !s->ctype_ok) {
		st->code = GRPC_UNKNOWN;
		snprintf(st->msg, sizeof st->msg, "daemon answered %s without content-type application/grpc", s->method);
	}
	st->http = grpc_code_to_http(st->code);
}

/* Next complete message from the deframer, unpacked. 1 got one, 0 none
 * yet, -1 malformed (st filled). */
static int take_message(struct grpc_stream *s, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out,
			struct grpc_status *st)
{
	const uint8_t *p;
	size_t n;
	int rc = grpc_deframe_next(&s->df, &p, &n, st->msg, sizeof st->msg);

	if (rc <= 0) {
		if (rc < 0) {
			st->code = GRPC_RESOURCE_EXHAUSTED;
			st->http = 502;
		}
		return rc;
	}
	*out = protobuf_c_message_unpack(desc, NULL, n, p);
	if (!*out) {
		st->code = GRPC_INTERNAL;
		st->http = 502;
		snprintf(st->msg, sizeof st->msg, "daemon sent a %s message that does not decode as %s",
			 s->method, desc->name);
		return -1;
	}
	return 1;
}

/* Connects, sends the request and pumps until ready(s) or the deadline.
 * NULL with st filled when that failed; the stream otherwise. */
static struct grpc_stream *call(const char *method, const ProtobufCMessage *req, const struct grpc_md *md,
				int nmd, int timeout_ms, int send_timeout, ready_fn ready, struct grpc_status *st)
{
	long long deadline;
	struct grpc_stream *s;
	int rc;

	memset(st, 0, sizeof *st);
	if (timeout_ms <= 0)
		timeout_ms = grpc_default_timeout_ms();
	deadline = now_ms() + timeout_ms;
	s = start(method, req, md, nmd, send_timeout ? timeout_ms : 0, deadline, st);
	if (!s)
		return NULL;
	rc = pump(s, ready, deadline, st);
	if (rc == 1)
		deadline_status(s, timeout_ms, st);
	if (rc != 0) {
		free_stream(s);
		return NULL;
	}
	return s;
}

int grpc_unary(const char *method, const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
	       ProtobufCMessage **resp, const struct grpc_md *md, int nmd, int timeout_ms, struct grpc_status *st)
{
	struct grpc_stream *s = call(method, req, md, nmd, timeout_ms, 1, is_closed, st);

	*resp = NULL;
	if (!s)
		return -1;
	final_status(s, st);
	if (st->code == GRPC_OK && take_message(s, resp_desc, resp, st) == 0) {
		st->code = GRPC_INTERNAL;
		st->http = 502;
		snprintf(st->msg, sizeof st->msg, "daemon answered %s with status OK but no message", method);
	}
	free_stream(s);
	return st->code == GRPC_OK ? 0 : -1;
}

/* No grpc-timeout header: a followed log stream lives as long as the run. */
struct grpc_stream *grpc_stream_open(const char *method, const ProtobufCMessage *req, const struct grpc_md *md,
				     int nmd, int timeout_ms, struct grpc_status *st)
{
	struct grpc_stream *s = call(method, req, md, nmd, timeout_ms, 0, has_headers, st);

	/* A trailers-only answer (an error), or the connection gone early. */
	if (s && (s->closed || s->eof || !s->got_headers))
		final_status(s, st);
	if (s && st->code != GRPC_OK) {
		free_stream(s);
		return NULL;
	}
	return s;
}

int grpc_stream_next(struct grpc_stream *s, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out,
		     int timeout_ms, struct grpc_status *st)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int rc, waited = 0;

	*out = NULL;
	memset(st, 0, sizeof *st);
	for (;;) {
		rc = take_message(s, desc, out, st);
		if (rc != 0)
			return rc;
		if (s->closed || s->eof) {
			final_status(s, st);
			if (st->code == GRPC_OK && grpc_deframe_pending(&s->df)) {
				st->code = GRPC_INTERNAL;
				st->http = 502;
				snprintf(st->msg, sizeof st->msg, "daemon ended %s in the middle of a message", s->method);
			}
			return 0;
		}
		if (waited && now_ms() >= deadline)
			return 2;
		if (io_round(s, (int)(deadline - now_ms()), st) != 0)
			return -1;
		waited = 1;
	}
}

int grpc_stream_fd(const struct grpc_stream *s)
{
	return s->fd;
}

void grpc_stream_close(struct grpc_stream *s)
{
	free_stream(s);
}
