/* Typed calls to the daemon (cloche.v1.ClocheService) over grpc.c.
 * Each returns 0 on success, -1 with e filled (e->http is what an action
 * should answer: 502 daemon error, 503 unreachable, 504 too slow).
 * Returned messages are owned by the caller: free with daemon_free(). */
#ifndef CLOCHE_DAEMON_H
#define CLOCHE_DAEMON_H
#include "cloche.pb-c.h"
#include "grpc.h"
#include <stddef.h>

struct daemon_err {
	int http;      /* 0 when the call succeeded */
	int code;      /* gRPC status code */
	char msg[600]; /* the daemon's grpc-message, or why it could not be asked */
};

int daemon_get_version(char *out, size_t cap, int timeout_ms, struct daemon_err *e);
int daemon_stop_run(const char *task_id, struct daemon_err *e);
int daemon_delete_container(const char *run_id, struct daemon_err *e);
int daemon_enable_loop(const char *project_dir, struct daemon_err *e);
int daemon_disable_loop(const char *project_dir, struct daemon_err *e);
Cloche__V1__GetProjectInfoResponse *daemon_get_project_info(const char *project_dir, struct daemon_err *e);
/* run_id receives the new run's ID; attempt_id (may be NULL) goes out as
 * x-cloche-attempt-id metadata. */
int daemon_run_workflow(const char *workflow, const char *project_dir, const char *issue_id,
			const char *attempt_id, char *run_id, size_t cap, struct daemon_err *e);
Cloche__V1__GetStatusResponse *daemon_get_status(const char *run_id, struct daemon_err *e);
Cloche__V1__GetUsageResponse *daemon_get_usage(const char *project_dir, const char *agent,
					       long long window_seconds, struct daemon_err *e);

/* StreamLogs for a run: follow sends x-cloche-follow: true, limit > 0
 * x-cloche-limit. next: 1 entry in *out, 0 end (e->http 0 if the stream
 * ended cleanly), 2 nothing within timeout_ms, -1 error. */
struct grpc_stream *daemon_stream_logs(const char *run_id, int follow, int limit, struct daemon_err *e);
int daemon_stream_next(struct grpc_stream *s, Cloche__V1__LogEntry **out, int timeout_ms, struct daemon_err *e);
void daemon_stream_close(struct grpc_stream *s);

void daemon_free(void *msg);

#endif
