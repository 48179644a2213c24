/* The route table: method + pattern → responder. Order matters only for
 * patterns that could match the same path; the first wins. */
#include "responders.h"
#include "route.h"
#include <stddef.h>

const struct route ROUTES[] = {
	{"GET", "/", page_index},
	{"GET", "/api/projects", api_projects},
	{"GET", "/healthz", api_healthz},
	{"GET", "/static/{file}", static_file},
	{"GET", "/api/runs/{id}/logs", api_run_logs},
	{"GET", "/api/runs/{id}/logs/raw", api_run_logs_raw},
	{"GET", "/api/attempts/{id}/logs", api_attempt_logs},
	{"GET", "/api/runs/{id}/steps/{step}/output", api_step_output},
	{"GET", "/api/projects/{name}/workflows", api_workflows},
	{"GET", "/api/projects/{name}/workflows/{workflow}/steps/{step}/content", api_step_content},
	{"GET", "/projects/{name}", page_project},
	{"GET", "/api/projects/{name}/info", api_project_info},
	{"GET", "/api/projects/{name}/info/prompt-diff", api_prompt_diff},
	{"GET", "/api/projects/{name}/tasks", api_project_tasks},
	{"GET", "/api/usage", api_usage},
	{"GET", "/api/projects/{name}/usage", api_project_usage},
	{"GET", "/usage", page_usage},
	{"POST", "/cloche.v1.ClocheService/GetUsage", api_connect_usage},
	{"GET", "/runs", page_runs},
	{"GET", "/projects/{name}/runs", page_project_runs},
	{"GET", "/runs/{id}", page_run},
	{"GET", "/tasks/{taskID}", page_task},
	{"GET", "/failed-tasks", page_failed_tasks},
	{"GET", "/api/runs", api_runs},
	{"GET", "/api/projects/{name}/runs", api_project_runs},
	{"GET", "/api/runs/{id}", api_run},
	{"GET", "/api/tasks", api_tasks},
	{"GET", "/api/failed-tasks", api_failed_tasks},
	{"POST", "/api/runs/{id}/stop", act_run_stop},
	{"DELETE", "/api/runs/{id}/container", act_run_container},
	{"DELETE", "/api/projects/{name}/containers", act_project_containers},
	{"DELETE", "/api/containers", act_all_containers},
	{"POST", "/api/projects/{name}/trigger", act_trigger},
	{"POST", "/api/projects/{name}/loop/stop", act_loop_stop},
	{"GET", "/api/projects/{name}/loop/status", api_loop_status},
	{"POST", "/api/projects/{name}/tasks/{taskId}/release", act_release},
	{NULL, NULL, NULL},
};

/* Answers that read .cloche files or git (see route.h). */
const responder_fn FILE_ROUTES[] = {
	page_project,
	api_project_info,
	api_prompt_diff,
	api_workflows,
	api_step_content,
	NULL,
};
