#include "tasks_fetch.h"
#include "buf.h"
#include "config.h"
#include "esc.h"
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_MS 3000
#define MAX_RESPONSE (4 << 20)

const char *daemon_http_addr(const struct req *r)
{
	const char *a = cfg_get_req(r, DAEMON_HTTP_KEY);

	if (a && strncmp(a, "http://", 7) == 0)
		a += 7;
	return a && *a ? a : NULL;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, long long deadline)
{
	long long left = deadline - mono_ms();
	struct pollfd p = {fd, ev, 0};

	return left > 0 && poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

/* "host:port", "[v6]:port" or "host" (port 80); anything after a '/' is
 * ignored. hostport receives the Host header value. */
static int split_addr(const char *addr, char *host, char *port, char *hostport)
{
	const char *colon, *h;
	size_t n, hn;

	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	h = addr;
	n = strcspn(addr, "/");

	if (n == 0 || n >= 256)
		return -1;
	snprintf(hostport, 256, "%.*s", (int)n, addr);
	if (*addr == '[') {
		const char *rb = memchr(addr, ']', n);

		if (!rb)
			return -1;
		h = addr + 1;
		hn = (size_t)(rb - h);
		colon = rb + 1 < addr + n && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memrchr(addr, ':', n);
		hn = colon ? (size_t)(colon - addr) : n;
	}
	snprintf(host, 256, "%.*s", (int)hn, h);
	snprintf(port, 16, "%.*s", colon ? (int)(addr + n - colon - 1) : 2, colon ? colon + 1 : "80");
	return *host && *port ? 0 : -1;
}

static int connect_to(const char *host, const char *port, long long deadline)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, e;
	socklen_t l;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = 1;
		l = sizeof e;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	ssize_t k;

	while (n) {
		k = send(fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EINTR) {
			continue;
		} else if (k < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) != 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Reads until the server closes (we sent Connection: close). */
static int recv_all(int fd, struct buf *b, long long deadline)
{
	char tmp[16384];
	ssize_t k;

	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) != 0)
			return -1;
		k = recv(fd, tmp, sizeof tmp, 0);
		if (k == 0)
			return 0;
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (b->len + (size_t)k > MAX_RESPONSE)
			return -1;
		buf_put(b, tmp, (size_t)k);
	}
}

long http_dechunk(char *p, size_t n)
{
	size_t in = 0, out = 0, ls, sz;
	char *end;

	for (;;) {
		ls = in;
		while (in < n && p[in] != '\n')
			in++;
		if (in >= n || !((p[ls] >= '0' && p[ls] <= '9') || (p[ls] >= 'a' && p[ls] <= 'f') ||
				 (p[ls] >= 'A' && p[ls] <= 'F')))
			return -1;
		sz = strtoul(p + ls, &end, 16);
		if (end > p + in)
			return -1;
		in++;
		if (sz == 0)
			return (long)out;
		if (sz > n - in)
			return -1;
		memmove(p + out, p + in, sz);
		out += sz;
		in += sz;
		if (in < n && p[in] == '\r')
			in++;
		if (in >= n || p[in] != '\n')
			return -1;
		in++;
	}
}

static int is_chunked(const char *head, size_t n)
{
	const char *p = head, *end = head + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if ((size_t)(nl - p) > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0 &&
		    memmem(p, (size_t)(nl - p), "chunked", 7))
			return 1;
		p = nl + 1;
	}
	return 0;
}

/* Status and body of a whole response; the body is NUL-terminated in place. */
static struct json_object *parse_response(struct buf *b, char *err, size_t errcap)
{
	char *sep, *body;
	struct json_tokener *tok;
	struct json_object *o;
	int status = 0;
	long n;

	buf_putc(b, '\0');
	b->len--;
	sep = strstr(b->p, "\r\n\r\n");
	if (sscanf(b->p, "HTTP/%*d.%*d %d", &status) != 1 || !sep) {
		snprintf(err, errcap, "the daemon's answer is not HTTP");
		return NULL;
	}
	if (status != 200) {
		snprintf(err, errcap, "the daemon answered HTTP %d", status);
		return NULL;
	}
	body = sep + 4;
	n = (long)(b->p + b->len - body);
	if (is_chunked(b->p, (size_t)(sep - b->p)))
		n = http_dechunk(body, (size_t)n);
	if (n < 0) {
		snprintf(err, errcap, "the daemon's answer has a broken chunked body");
		return NULL;
	}
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, body, (int)n);
	if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		o = NULL;
		snprintf(err, errcap, "the daemon's answer is not a JSON array");
	}
	json_tokener_free(tok);
	return o;
}

struct json_object *daemon_tasks_fetch(const char *addr, const char *label, char *err, size_t errcap)
{
	long long deadline = mono_ms() + BUDGET_MS;
	char host[256], port[16], hostport[256];
	struct buf q = {0}, resp = {0};
	struct json_object *o = NULL;
	int fd;

	if (split_addr(addr, host, port, hostport) != 0) {
		snprintf(err, errcap, "%s is not host:port", DAEMON_HTTP_KEY);
		return NULL;
	}
	fd = connect_to(host, port, deadline);
	if (fd < 0) {
		snprintf(err, errcap, "cannot connect to the daemon at %s", hostport);
		return NULL;
	}
	buf_puts(&q, "GET /api/projects/");
	esc_url_seg(&q, label, strlen(label));
	buf_puts(&q, "/tasks HTTP/1.1\r\nHost: ");
	buf_puts(&q, hostport);
	buf_puts(&q, "\r\nUser-Agent: cloche-dash\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
	if (send_all(fd, q.p, q.len, deadline) != 0 || recv_all(fd, &resp, deadline) != 0)
		snprintf(err, errcap, "no complete answer from the daemon at %s within 3 s", hostport);
	else
		o = parse_response(&resp, err, errcap);
	close(fd);
	buf_free(&q);
	buf_free(&resp);
	return o;
}
