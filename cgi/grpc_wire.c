/* The parts of gRPC that are not HTTP/2: message framing, grpc-message
 * decoding, status mapping and the daemon's address. Pure functions, so
 * they are unit-tested and fuzzed on their own. */
#include "grpc.h"
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void grpc_frame_header(uint8_t hdr[5], uint32_t len)
{
	hdr[0] = 0;   /* not compressed: we never negotiate grpc-encoding */
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
}

/* Consumed bytes are dropped lazily, when the buffer must grow. */
int grpc_deframe_feed(struct grpc_deframer *d, const uint8_t *p, size_t n)
{
	if (d->off && d->len + n > d->cap) {
		memmove(d->p, d->p + d->off, d->len - d->off);
		d->len -= d->off;
		d->off = 0;
	}
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		uint8_t *np;

		while (cap < d->len + n)
			cap *= 2;
		np = realloc(d->p, cap);
		if (!np)
			return -1;
		d->p = np;
		d->cap = cap;
	}
	if (n)
		memcpy(d->p + d->len, p, n);
	d->len += n;
	return 0;
}

int grpc_deframe_next(struct grpc_deframer *d, const uint8_t **msg, size_t *len, char *err, size_t ecap)
{
	size_t avail = d->len - d->off;
	const uint8_t *h = d->p + d->off;
	uint32_t n;

	if (avail < 5)
		return 0;
	n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	if (h[0] != 0) {
		snprintf(err, ecap, "daemon sent a compressed message (flag %u) we did not ask for", h[0]);
		return -1;
	}
	if (n > GRPC_MAX_MSG) {
		snprintf(err, ecap, "received message larger than max (%u vs. %u)", n, GRPC_MAX_MSG);
		return -1;
	}
	if (avail - 5 < n)
		return 0;
	*msg = h + 5;
	*len = n;
	d->off += 5 + (size_t)n;
	return 1;
}

size_t grpc_deframe_pending(const struct grpc_deframer *d)
{
	return d->len - d->off;
}

void grpc_deframe_free(struct grpc_deframer *d)
{
	free(d->p);
	memset(d, 0, sizeof *d);
}

/* 0-15, or -1 when c is not a hex digit. */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void grpc_pct_decode(const char *in, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	int hi, lo;

	if (!cap)
		return;
	for (i = 0; i < n && o + 1 < cap; i++) {
		if (in[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)in[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		out[o++] = in[i];
	}
	out[o] = '\0';
}

const char *grpc_code_name(int code)
{
	static const char *names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
		"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};

	return code >= 0 && code <= 16 ? names[code] : "UNKNOWN";
}

/* What an action answers for a failed call: the daemon is down (503),
 * too slow (504), or answered with an error of its own (502). */
int grpc_code_to_http(int code)
{
	switch (code) {
	case GRPC_OK: return 0;
	case GRPC_UNAVAILABLE: return 503;
	case GRPC_DEADLINE_EXCEEDED: return 504;
	default: return 502;
	}
}

/* Go's dialer accepts ":50051" and wildcard hosts; for us they all mean
 * this machine. "[v6]:port" keeps its brackets only in the shown text. */
void grpc_daemon_addr(char *host, size_t hcap, char *port, size_t pcap, char *shown, size_t scap)
{
	const char *a = cfg_get("CLOCHE_DASH_DAEMON_ADDR");
	const char *colon;
	char h[256];

	if (!a)
		a = cfg_get("CLOCHE_ADDR");
	if (!a)
		a = "0.0.0.0:50051";
	colon = strrchr(a, ':');
	if (!colon || colon[1] == '\0') {
		snprintf(h, sizeof h, "%s", a);
		snprintf(port, pcap, "50051");
	} else {
		snprintf(h, sizeof h, "%.*s", (int)(colon - a), a);
		snprintf(port, pcap, "%s", colon + 1);
	}
	if (h[0] == '[') {
		size_t n = strlen(h);

		if (n >= 2 && h[n - 1] == ']')
			h[n - 1] = '\0';
		memmove(h, h + 1, strlen(h + 1) + 1);
	}
	if (!*h || strcmp(h, "0.0.0.0") == 0)
		snprintf(h, sizeof h, "127.0.0.1");
	else if (strcmp(h, "::") == 0)
		snprintf(h, sizeof h, "::1");
	snprintf(host, hcap, "%s", h);
	snprintf(shown, scap, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, port);
}

int grpc_default_timeout_ms(void)
{
	const char *v = cfg_get("CLOCHE_DASH_DAEMON_TIMEOUT_MS");
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 && n <= 600000 ? (int)n : GRPC_DEFAULT_TIMEOUT_MS;
}
