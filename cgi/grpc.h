/* A small gRPC client for the daemon's control API (docs/daemon-link.md):
 * HTTP/2 in cleartext with prior knowledge through libnghttp2, messages
 * packed and unpacked by protobuf-c. One TCP connection per call; every
 * wait is a poll() bounded by the call's deadline, so nothing hangs. */
#ifndef CLOCHE_GRPC_H
#define CLOCHE_GRPC_H
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define GRPC_MAX_MSG (4u * 1024 * 1024)   /* the daemon's default limit */
#define GRPC_DEFAULT_TIMEOUT_MS 10000

/* gRPC status codes we name. */
enum {
	GRPC_OK = 0, GRPC_CANCELLED = 1, GRPC_UNKNOWN = 2, GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4, GRPC_RESOURCE_EXHAUSTED = 8, GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13, GRPC_UNAVAILABLE = 14,
};

/* The outcome of a call: code is the gRPC status (transport failures are
 * mapped to UNAVAILABLE / DEADLINE_EXCEEDED / INTERNAL like grpc-go does),
 * http the status an action should answer (0 when code is OK), msg the
 * daemon's grpc-message (percent-decoded) or our own explanation. */
struct grpc_status {
	int code;
	int http;
	char msg[600];
};

struct grpc_md {
	const char *name;   /* lowercase, e.g. "x-cloche-follow" */
	const char *value;
};

/* Where the daemon listens: CLOCHE_DASH_DAEMON_ADDR, else CLOCHE_ADDR (as
 * the CLI), else 0.0.0.0:50051; a wildcard host means this machine. */
void grpc_daemon_addr(char *host, size_t hcap, char *port, size_t pcap, char *shown, size_t scap);
int grpc_default_timeout_ms(void);

/* One request, one response. On success *resp is the unpacked message
 * (caller frees with protobuf_c_message_free_unpacked) and 0 is returned;
 * otherwise -1, *resp NULL and st says why. */
int grpc_unary(const char *method, const ProtobufCMessage *req,
	       const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
	       const struct grpc_md *md, int nmd, int timeout_ms, struct grpc_status *st);

/* Server streaming. open sends the request and waits (up to timeout_ms)
 * for the response headers; next returns 1 with a message in *out,
 * 0 at the end of the stream (st holds the final status, http 0 if OK),
 * 2 when timeout_ms passed without a message (0 = just poll), -1 on error.
 * fd lets an event loop poll the socket; close frees everything. */
struct grpc_stream;
struct grpc_stream *grpc_stream_open(const char *method, const ProtobufCMessage *req,
				     const struct grpc_md *md, int nmd, int timeout_ms,
				     struct grpc_status *st);
int grpc_stream_next(struct grpc_stream *s, const ProtobufCMessageDescriptor *desc,
		     ProtobufCMessage **out, int timeout_ms, struct grpc_status *st);
int grpc_stream_fd(const struct grpc_stream *s);
void grpc_stream_close(struct grpc_stream *s);

/* Length-prefixed message framing (5-byte header), exposed for tests and
 * the fuzzer. The deframer owns a growing buffer of received bytes. */
void grpc_frame_header(uint8_t hdr[5], uint32_t len);
struct grpc_deframer {
	uint8_t *p;
	size_t len, cap, off;
};
int grpc_deframe_feed(struct grpc_deframer *d, const uint8_t *p, size_t n);
/* 1: *msg and *len point at one message inside the buffer, valid until the
 * next feed/next call; 0: need more bytes; -1: compressed or too large. */
int grpc_deframe_next(struct grpc_deframer *d, const uint8_t **msg, size_t *len, char *err, size_t ecap);
size_t grpc_deframe_pending(const struct grpc_deframer *d);
void grpc_deframe_free(struct grpc_deframer *d);

/* grpc-message is percent-encoded (RFC 3986 style, %XX); bad escapes are
 * kept literally, as grpc-go does. out always NUL-terminated. */
void grpc_pct_decode(const char *in, size_t n, char *out, size_t cap);
int grpc_code_to_http(int code);
const char *grpc_code_name(int code);

#endif
