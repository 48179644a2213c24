#include "daemon.h"
#include <stdio.h>
#include <string.h>

static void copy_err(struct daemon_err *e, const struct grpc_status *st)
{
	e->http = st->http;
	e->code = st->code;
	snprintf(e->msg, sizeof e->msg, "%s", st->msg);
}

/* A unary call whose answer we only need to see succeed. */
static int call(const char *method, const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rd,
		ProtobufCMessage **resp, const struct grpc_md *md, int nmd, int timeout_ms, struct daemon_err *e)
{
	struct grpc_status st;
	int rc = grpc_unary(method, req, rd, resp, md, nmd, timeout_ms, &st);

	copy_err(e, &st);
	return rc;
}

static int call_empty(const char *method, const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rd,
		      struct daemon_err *e)
{
	ProtobufCMessage *resp;

	if (call(method, req, rd, &resp, NULL, 0, 0, e) != 0)
		return -1;
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

/* protobuf-c wants char * for strings it will only read. */
#define RO(s) ((char *)(s))

int daemon_get_version(char *out, size_t cap, int timeout_ms, struct daemon_err *e)
{
	Cloche__V1__GetVersionRequest req = CLOCHE__V1__GET_VERSION_REQUEST__INIT;
	ProtobufCMessage *resp;

	if (call("GetVersion", &req.base, &cloche__v1__get_version_response__descriptor, &resp, NULL, 0,
		 timeout_ms, e) != 0)
		return -1;
	snprintf(out, cap, "%s", ((Cloche__V1__GetVersionResponse *)resp)->version);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

int daemon_stop_run(const char *task_id, struct daemon_err *e)
{
	Cloche__V1__StopRunRequest req = CLOCHE__V1__STOP_RUN_REQUEST__INIT;

	req.task_id = RO(task_id);
	return call_empty("StopRun", &req.base, &cloche__v1__stop_run_response__descriptor, e);
}

int daemon_delete_container(const char *run_id, struct daemon_err *e)
{
	Cloche__V1__DeleteContainerRequest req = CLOCHE__V1__DELETE_CONTAINER_REQUEST__INIT;

	req.id = RO(run_id);
	return call_empty("DeleteContainer", &req.base, &cloche__v1__delete_container_response__descriptor, e);
}

int daemon_enable_loop(const char *project_dir, struct daemon_err *e)
{
	Cloche__V1__EnableLoopRequest req = CLOCHE__V1__ENABLE_LOOP_REQUEST__INIT;

	req.project_dir = RO(project_dir);
	req.max_concurrent = 0;   /* as the daemon's own trigger: config decides */
	return call_empty("EnableLoop", &req.base, &cloche__v1__enable_loop_response__descriptor, e);
}

int daemon_disable_loop(const char *project_dir, struct daemon_err *e)
{
	Cloche__V1__DisableLoopRequest req = CLOCHE__V1__DISABLE_LOOP_REQUEST__INIT;

	req.project_dir = RO(project_dir);
	return call_empty("DisableLoop", &req.base, &cloche__v1__disable_loop_response__descriptor, e);
}

Cloche__V1__GetProjectInfoResponse *daemon_get_project_info(const char *project_dir, struct daemon_err *e)
{
	Cloche__V1__GetProjectInfoRequest req = CLOCHE__V1__GET_PROJECT_INFO_REQUEST__INIT;
	ProtobufCMessage *resp;

	req.project_dir = RO(project_dir);
	if (call("GetProjectInfo", &req.base, &cloche__v1__get_project_info_response__descriptor, &resp,
		 NULL, 0, 0, e) != 0)
		return NULL;
	return (Cloche__V1__GetProjectInfoResponse *)resp;
}

int daemon_run_workflow(const char *workflow, const char *project_dir, const char *issue_id,
			const char *attempt_id, char *run_id, size_t cap, struct daemon_err *e)
{
	Cloche__V1__RunWorkflowRequest req = CLOCHE__V1__RUN_WORKFLOW_REQUEST__INIT;
	struct grpc_md md[1] = {{"x-cloche-attempt-id", attempt_id}};
	ProtobufCMessage *resp;

	req.workflow_name = RO(workflow);
	req.project_dir = RO(project_dir);
	req.issue_id = RO(issue_id ? issue_id : "");
	if (call("RunWorkflow", &req.base, &cloche__v1__run_workflow_response__descriptor, &resp, md,
		 attempt_id ? 1 : 0, 0, e) != 0)
		return -1;
	snprintf(run_id, cap, "%s", ((Cloche__V1__RunWorkflowResponse *)resp)->run_id);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

Cloche__V1__GetStatusResponse *daemon_get_status(const char *run_id, struct daemon_err *e)
{
	Cloche__V1__GetStatusRequest req = CLOCHE__V1__GET_STATUS_REQUEST__INIT;
	ProtobufCMessage *resp;

	req.run_id = RO(run_id);
	if (call("GetStatus", &req.base, &cloche__v1__get_status_response__descriptor, &resp, NULL, 0, 0, e) != 0)
		return NULL;
	return (Cloche__V1__GetStatusResponse *)resp;
}

Cloche__V1__GetUsageResponse *daemon_get_usage(const char *project_dir, const char *agent,
					       long long window_seconds, struct daemon_err *e)
{
	Cloche__V1__GetUsageRequest req = CLOCHE__V1__GET_USAGE_REQUEST__INIT;
	ProtobufCMessage *resp;

	req.project_dir = RO(project_dir ? project_dir : "");
	req.agent_name = RO(agent ? agent : "");
	req.window_seconds = window_seconds;
	if (call("GetUsage", &req.base, &cloche__v1__get_usage_response__descriptor, &resp, NULL, 0, 0, e) != 0)
		return NULL;
	return (Cloche__V1__GetUsageResponse *)resp;
}

/* The daemon ignores the request's follow/limit fields (daemon.md 1.4):
 * only the metadata counts, but we fill both. */
struct grpc_stream *daemon_stream_logs(const char *run_id, int follow, int limit, struct daemon_err *e)
{
	Cloche__V1__StreamLogsRequest req = CLOCHE__V1__STREAM_LOGS_REQUEST__INIT;
	struct grpc_md md[2];
	struct grpc_status st;
	struct grpc_stream *s;
	char lim[24];
	int n = 0;

	req.run_id = RO(run_id);
	req.follow = follow != 0;
	req.limit = limit > 0 ? limit : 0;
	if (follow)
		md[n++] = (struct grpc_md){"x-cloche-follow", "true"};
	if (limit > 0) {
		snprintf(lim, sizeof lim, "%d", limit);
		md[n++] = (struct grpc_md){"x-cloche-limit", lim};
	}
	s = grpc_stream_open("StreamLogs", &req.base, md, n, 0, &st);
	copy_err(e, &st);
	return s;
}

int daemon_stream_next(struct grpc_stream *s, Cloche__V1__LogEntry **out, int timeout_ms, struct daemon_err *e)
{
	struct grpc_status st;
	ProtobufCMessage *m = NULL;
	int rc = grpc_stream_next(s, &cloche__v1__log_entry__descriptor, &m, timeout_ms, &st);

	copy_err(e, &st);
	*out = (Cloche__V1__LogEntry *)m;
	return rc;
}

void daemon_stream_close(struct grpc_stream *s)
{
	grpc_stream_close(s);
}

void daemon_free(void *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}
