/* Every responder, one per route family; the file is named after the
 * route (docs/architecture.md has the table). */
#ifndef CLOCHE_RESPONDERS_H
#define CLOCHE_RESPONDERS_H
#include "req.h"

void page_index(struct req *r);          /* page_index.c   GET / */
void api_projects(struct req *r);        /* api_projects.c GET /api/projects */
void api_healthz(struct req *r);         /* api_healthz.c GET /healthz */
void static_file(struct req *r);         /* static_file.c  GET /static/{file} */
void api_run_logs(struct req *r);        /* api_run_logs.c GET /api/runs/{id}/logs */
void api_run_logs_raw(struct req *r);    /* api_run_logs_raw.c GET /api/runs/{id}/logs/raw */
void api_attempt_logs(struct req *r);    /* api_attempt_logs.c GET /api/attempts/{id}/logs */
void api_step_output(struct req *r);     /* api_step_output.c GET /api/runs/{id}/steps/{step}/output */
void api_workflows(struct req *r);       /* api_workflows.c GET /api/projects/{name}/workflows */
void api_step_content(struct req *r);    /* api_step_content.c GET .../workflows/{workflow}/steps/{step}/content */
void page_project(struct req *r);        /* page_project.c GET /projects/{name} */
void api_project_info(struct req *r);    /* api_project_info.c GET /api/projects/{name}/info */
void api_prompt_diff(struct req *r);     /* api_prompt_diff.c GET /api/projects/{name}/info/prompt-diff */
void api_project_tasks(struct req *r);   /* api_project_tasks.c GET /api/projects/{name}/tasks */
void api_usage(struct req *r);           /* api_usage.c GET /api/usage */
void api_project_usage(struct req *r);   /* api_project_usage.c GET /api/projects/{name}/usage */
void page_usage(struct req *r);          /* page_usage.c GET /usage */
void api_connect_usage(struct req *r);   /* api_connect_usage.c POST /cloche.v1.ClocheService/GetUsage */
void page_runs(struct req *r);           /* page_runs.c GET /runs */
void page_project_runs(struct req *r);   /* page_runs.c GET /projects/{name}/runs */
void page_run(struct req *r);            /* page_run.c GET /runs/{id} */
void page_task(struct req *r);           /* page_task.c GET /tasks/{taskID} */
void page_failed_tasks(struct req *r);   /* page_failed_tasks.c GET /failed-tasks */
void api_runs(struct req *r);            /* api_runs.c GET /api/runs */
void api_project_runs(struct req *r);    /* api_runs.c GET /api/projects/{name}/runs */
void api_run(struct req *r);             /* api_run.c GET /api/runs/{id} */
void api_tasks(struct req *r);           /* api_tasks.c GET /api/tasks */
void api_failed_tasks(struct req *r);    /* api_failed_tasks.c GET /api/failed-tasks */
void act_run_stop(struct req *r);           /* act_run_stop.c POST /api/runs/{id}/stop */
void act_run_container(struct req *r);      /* act_run_container.c DELETE /api/runs/{id}/container */
void act_project_containers(struct req *r); /* act_containers.c DELETE /api/projects/{name}/containers */
void act_all_containers(struct req *r);     /* act_containers.c DELETE /api/containers */
void act_trigger(struct req *r);            /* act_trigger.c POST /api/projects/{name}/trigger */
void act_loop_stop(struct req *r);          /* act_loop_stop.c POST /api/projects/{name}/loop/stop */
void api_loop_status(struct req *r);        /* api_loop_status.c GET /api/projects/{name}/loop/status */
void act_release(struct req *r);            /* act_release.c POST .../tasks/{taskId}/release */
#endif
