/* Connect unary and gRPC-Web on top of our request layer.
 *
 * Connect (connectrpc.com/docs/protocol): the body is the message,
 * application/json (proto3 JSON) or application/proto; errors are JSON
 * {"code","message"} with the HTTP status of the code.
 * gRPC-Web: 5-byte frames (flag, big-endian length); the response is a
 * data frame and a trailer frame (flag 0x80) holding grpc-status and a
 * percent-encoded grpc-message; -text variants base64 the whole body. */
#include "connect.h"
#include "json.h"
#include "resp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int ct_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum rpc_proto rpc_detect(const struct req *r)
{
	const char *ct = req_env(r, "CONTENT_TYPE");

	if (ct_is(ct, "application/json"))
		return RPC_CONNECT_JSON;
	if (ct_is(ct, "application/proto"))
		return RPC_CONNECT_PROTO;
	if (ct_is(ct, "application/grpc-web") || ct_is(ct, "application/grpc-web+proto"))
		return RPC_GRPC_WEB;
	if (ct_is(ct, "application/grpc-web-text") || ct_is(ct, "application/grpc-web-text+proto"))
		return RPC_GRPC_WEB_TEXT;
	if (ct_is(ct, "application/grpc-web+json"))
		return RPC_GRPC_WEB_JSON;
	return RPC_NONE;
}

int rpc_is_json(enum rpc_proto p)
{
	return p == RPC_CONNECT_JSON || p == RPC_GRPC_WEB_JSON;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		buf_putc(b, B64[p[i] >> 2]);
		buf_putc(b, B64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_putc(b, B64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
		buf_putc(b, B64[p[i + 2] & 63]);
	}
	if (n - i == 1) {
		buf_putc(b, B64[p[i] >> 2]);
		buf_putc(b, B64[(p[i] & 3) << 4]);
		buf_puts(b, "==");
	} else if (n - i == 2) {
		buf_putc(b, B64[p[i] >> 2]);
		buf_putc(b, B64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_putc(b, B64[(p[i + 1] & 15) << 2]);
		buf_putc(b, '=');
	}
}

/* Decodes groups of four; '=' ends a group early, so base64 chunks that
 * were encoded separately and concatenated decode too. */
int b64_decode(const char *s, size_t n, unsigned char **out, size_t *outn)
{
	unsigned char *o = malloc(n / 4 * 3 + 4);
	unsigned v = 0;
	size_t i, k = 0;
	int bits = 0;

	for (i = 0; i < n; i++) {
		const char *c = strchr(B64, s[i]);

		if (s[i] == '=' || s[i] == '\r' || s[i] == '\n') {
			bits = 0;
			v = 0;
			continue;
		}
		if (!c || !s[i]) {
			free(o);
			return -1;
		}
		v = (v << 6) | (unsigned)(c - B64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[k++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	*out = o;
	*outn = k;
	return 0;
}

static int grpc_web_frame(const unsigned char *p, size_t n, unsigned char **msg, size_t *len,
			  const char **why)
{
	size_t m;

	if (n < 5) {
		*why = "gRPC-Web body shorter than a frame header";
		return -1;
	}
	if (p[0] & 1) {
		*why = "compressed gRPC-Web messages are not supported";
		return -1;
	}
	m = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
	if (m > n - 5) {
		*why = "gRPC-Web frame longer than the body";
		return -1;
	}
	*msg = malloc(m + 1);
	memcpy(*msg, p + 5, m);
	*len = m;
	return 0;
}

int rpc_request_message(const struct req *r, enum rpc_proto p, unsigned char **msg,
			size_t *n, const char **why)
{
	const char *enc = req_env(r, p >= RPC_GRPC_WEB ? "HTTP_GRPC_ENCODING" : "HTTP_CONTENT_ENCODING");
	unsigned char *raw;
	size_t rn;
	int rc;

	*msg = NULL;
	*n = 0;
	if (enc && *enc && strcmp(enc, "identity") != 0) {
		*why = "compressed requests are not supported (use identity)";
		return -1;
	}
	if (p == RPC_CONNECT_JSON || p == RPC_CONNECT_PROTO) {
		*msg = malloc(r->in_len + 1);
		if (r->in_len)
			memcpy(*msg, r->in, r->in_len);
		(*msg)[r->in_len] = '\0';
		*n = r->in_len;
		return 0;
	}
	if (p == RPC_GRPC_WEB || p == RPC_GRPC_WEB_JSON)
		return grpc_web_frame((const unsigned char *)(r->in ? r->in : ""), r->in_len, msg, n, why);
	if (b64_decode(r->in ? r->in : "", r->in_len, &raw, &rn) != 0) {
		*why = "gRPC-Web-Text body is not base64";
		return -1;
	}
	rc = grpc_web_frame(raw, rn, msg, n, why);
	free(raw);
	return rc;
}

static const char *code_name(int code)
{
	switch (code) {
	case GRPC_INVALID_ARGUMENT: return "invalid_argument";
	case GRPC_UNIMPLEMENTED: return "unimplemented";
	case GRPC_UNAVAILABLE: return "unavailable";
	default: return "internal";
	}
}

static int code_http(int code)
{
	switch (code) {
	case GRPC_INVALID_ARGUMENT: return 400;
	case GRPC_UNIMPLEMENTED: return 501;
	case GRPC_UNAVAILABLE: return 503;
	default: return 500;
	}
}

static void frame(struct buf *b, int flag, const void *p, size_t n)
{
	unsigned char h[5] = {(unsigned char)flag, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			      (unsigned char)(n >> 8), (unsigned char)n};

	buf_put(b, h, 5);
	buf_put(b, p, n);
}

/* grpc-message is percent-encoded (gRPC HTTP/2 spec). */
static void trailers(struct buf *t, int code, const char *message)
{
	const unsigned char *m = (const unsigned char *)(message ? message : "");
	char hex[4];

	buf_puts(t, "grpc-status:");
	buf_putll(t, code);
	buf_puts(t, "\r\ngrpc-message:");
	for (; *m; m++) {
		if (*m < 0x20 || *m > 0x7e || *m == '%') {
			snprintf(hex, sizeof hex, "%%%02X", *m);
			buf_puts(t, hex);
		} else
			buf_putc(t, *m);
	}
	buf_puts(t, "\r\n");
}

static void grpc_web_reply(struct req *r, enum rpc_proto p, const unsigned char *msg, size_t n,
			   int code, const char *message)
{
	struct buf body = {0}, t = {0}, text = {0};

	if (code == GRPC_OK)
		frame(&body, 0, msg, n);
	trailers(&t, code, message);
	frame(&body, 0x80, t.p, t.len);
	if (p == RPC_GRPC_WEB_TEXT) {
		b64_encode(&text, (const unsigned char *)body.p, body.len);
		resp_plain_bytes(r, 200, text.p ? text.p : "", text.len);
		r->ctype = "application/grpc-web-text+proto";
	} else {
		resp_plain_bytes(r, 200, body.p, body.len);
		r->ctype = p == RPC_GRPC_WEB_JSON ? "application/grpc-web+json" : "application/grpc-web+proto";
	}
	buf_free(&body);
	buf_free(&t);
	buf_free(&text);
}

void rpc_reply(struct req *r, enum rpc_proto p, const unsigned char *msg, size_t n)
{
	if (p >= RPC_GRPC_WEB) {
		grpc_web_reply(r, p, msg, n, GRPC_OK, "");
		return;
	}
	resp_plain_bytes(r, 200, (const char *)msg, n);
	r->ctype = p == RPC_CONNECT_JSON ? "application/json" : "application/proto";
}

void rpc_error(struct req *r, enum rpc_proto p, int code, const char *message)
{
	struct json_object *o;

	r->cacheable = 0;
	if (p >= RPC_GRPC_WEB && p != RPC_NONE) {
		grpc_web_reply(r, p, NULL, 0, code, message);
		return;
	}
	o = json_object_new_object();
	jadd_str(o, "code", code_name(code));
	jadd_str(o, "message", message);
	resp_json(r, code_http(code), o);
}
