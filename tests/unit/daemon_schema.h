/* The daemon's tables as its migrations leave them (tests/demo/schema.py
 * "current": same column order), for the unit tests' fixture stores. */
#ifndef CLOCHE_TEST_DAEMON_SCHEMA_H
#define CLOCHE_TEST_DAEMON_SCHEMA_H
#include <stdio.h>
#include <unistd.h>

static const char DAEMON_STEPS_SQL[] =
	"CREATE TABLE step_executions (\n"
	"\t\t\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"\t\t\trun_id TEXT NOT NULL,\n"
	"\t\t\tstep_name TEXT NOT NULL,\n"
	"\t\t\tresult TEXT,\n"
	"\t\t\tstarted_at TEXT NOT NULL,\n"
	"\t\t\tcompleted_at TEXT,\n"
	"\t\t\tlogs TEXT,\n"
	"\t\t\tgit_ref TEXT, prompt_text TEXT, agent_output TEXT, attempt_number INTEGER DEFAULT 0, "
	"input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0, agent_name TEXT DEFAULT '',\n"
	"\t\t\tFOREIGN KEY (run_id) REFERENCES runs(id)\n"
	"\t\t);\n";

static const char DAEMON_RUNS_SQL[] =
	"CREATE TABLE IF NOT EXISTS \"runs\" (\n"
	"\t\t\tpk INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, workflow_name TEXT NOT NULL,\n"
	"\t\t\tstate TEXT NOT NULL, active_steps TEXT, started_at TEXT, completed_at TEXT,\n"
	"\t\t\tproject_dir TEXT NOT NULL DEFAULT '', error_message TEXT, container_id TEXT, base_sha TEXT,\n"
	"\t\t\tcontainer_kept INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT '',\n"
	"\t\t\tis_host INTEGER NOT NULL DEFAULT 0, parent_run_id TEXT NOT NULL DEFAULT '',\n"
	"\t\t\ttask_id TEXT NOT NULL DEFAULT '', task_title TEXT NOT NULL DEFAULT '',\n"
	"\t\t\tattempt_id TEXT NOT NULL DEFAULT '', parent_step_name TEXT,\n"
	"\t\t\tUNIQUE(attempt_id, id)\n"
	"\t\t);\n";

/* v2's tables with v4's column (store.md 1.2). */
static const char DAEMON_TASKS_SQL[] =
	"CREATE TABLE IF NOT EXISTS tasks (\n"
	"\t\tid TEXT PRIMARY KEY,\n"
	"\t\ttitle TEXT NOT NULL DEFAULT '',\n"
	"\t\tsource TEXT NOT NULL DEFAULT 'external',\n"
	"\t\tproject_dir TEXT NOT NULL DEFAULT '',\n"
	"\t\tcreated_at TEXT NOT NULL DEFAULT ''\n"
	"\t);\n"
	"CREATE TABLE IF NOT EXISTS attempts (\n"
	"\t\tid TEXT PRIMARY KEY,\n"
	"\t\ttask_id TEXT NOT NULL REFERENCES tasks(id),\n"
	"\t\tstarted_at TEXT NOT NULL DEFAULT '',\n"
	"\t\tended_at TEXT,\n"
	"\t\tresult TEXT NOT NULL DEFAULT 'running',\n"
	"\t\tproject_dir TEXT NOT NULL DEFAULT ''\n"
	"\t);\n"
	"ALTER TABLE attempts ADD COLUMN previous_attempt_id TEXT NOT NULL DEFAULT '';\n";

/* Removes a fixture store with its -wal and -shm files. */
static void drop_store_files(const char *db)
{
	char p[300];

	unlink(db);
	snprintf(p, sizeof p, "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db);
	unlink(p);
}

#endif
