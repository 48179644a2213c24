/* Connect protocol (unary, JSON and binary) and gRPC-Web framing for the
 * endpoints we answer as the daemon's ClocheService (connect.c). */
#ifndef CLOCHE_CONNECT_H
#define CLOCHE_CONNECT_H
#include "buf.h"
#include "req.h"
#include <stddef.h>

enum rpc_proto { RPC_CONNECT_JSON, RPC_CONNECT_PROTO, RPC_GRPC_WEB, RPC_GRPC_WEB_TEXT,
		 RPC_GRPC_WEB_JSON, RPC_NONE };
/* Is the message proto3 JSON (else binary protobuf)? */
int rpc_is_json(enum rpc_proto p);

/* gRPC status codes and their Connect names. */
enum { GRPC_OK = 0, GRPC_INVALID_ARGUMENT = 3, GRPC_UNIMPLEMENTED = 12, GRPC_INTERNAL = 13,
       GRPC_UNAVAILABLE = 14 };

/* From Content-Type; RPC_NONE when it is none of ours. */
enum rpc_proto rpc_detect(const struct req *r);
/* The request message bytes: the body itself for Connect, the single
 * data frame for gRPC-Web (after base64 for -text). Owned by *msg
 * (malloc); -1 with *why set on malformed input. */
int rpc_request_message(const struct req *r, enum rpc_proto p, unsigned char **msg,
			size_t *n, const char **why);
/* Writes a success (msg of n bytes) or an error (code != 0) response. */
void rpc_reply(struct req *r, enum rpc_proto p, const unsigned char *msg, size_t n);
void rpc_error(struct req *r, enum rpc_proto p, int code, const char *message);

void b64_encode(struct buf *b, const unsigned char *p, size_t n);
/* Standard alphabet, padding optional, concatenated chunks allowed;
 * malloc'd result, -1 on bad input. */
int b64_decode(const char *s, size_t n, unsigned char **out, size_t *outn);

#endif
