#include "logpath.h"
#include "buf.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An ID used as one or more path components: no '.'/'..' component, no
 * backslash, not empty. '/' is allowed (the daemon writes such paths). */
static int id_ok(const char *s)
{
	const char *p = s, *e;
	size_t n;

	if (!*s || strchr(s, '\\'))
		return 0;
	for (;;) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!e)
			return 1;
		p = e + 1;
	}
}

int logpath_step_ok(const char *step)
{
	return *step && !strchr(step, '/') && !strchr(step, '\\') && strcmp(step, ".") != 0 &&
	       strcmp(step, "..") != 0;
}

static char *legacy_dir(const struct run *run)
{
	struct buf b = {0};

	if (run->project_dir[0] != '/' || !id_ok(run->id))
		return NULL;
	buf_puts(&b, run->project_dir);
	buf_puts(&b, "/.cloche/");
	buf_puts(&b, run->id);
	buf_puts(&b, "/output/");
	return buf_detach(&b);
}

char *logpath_dir(const struct run *run)
{
	struct buf b = {0};

	if (!run->project_dir[0] || run->project_dir[0] != '/')
		return NULL;
	buf_puts(&b, run->project_dir);
	if (run->attempt_id[0] && run->task_id[0]) {
		if (!id_ok(run->task_id) || !id_ok(run->attempt_id))
			return buf_free(&b), NULL;
		buf_puts(&b, "/.cloche/logs/");
		buf_puts(&b, run->task_id);
		buf_putc(&b, '/');
		buf_puts(&b, run->attempt_id);
		buf_putc(&b, '/');
		return buf_detach(&b);
	}
	buf_free(&b);
	return legacy_dir(run);
}

char *logpath_confine(const struct run *run, const char *path)
{
	struct buf root = {0};
	char rroot[PATH_MAX], *real;
	struct stat sb;
	size_t n;

	buf_puts(&root, run->project_dir);
	buf_puts(&root, "/.cloche");
	if (!realpath(buf_str(&root), rroot)) {
		buf_free(&root);
		return NULL;
	}
	buf_free(&root);
	real = realpath(path, NULL);
	n = strlen(rroot);
	if (!real || strncmp(real, rroot, n) != 0 || real[n] != '/' ||
	    stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		free(real);
		return NULL;
	}
	return real;
}

char *logpath_full(const struct run *run)
{
	char *dir = logpath_dir(run), *real;
	struct buf p = {0};

	if (!dir)
		return NULL;
	buf_puts(&p, dir);
	buf_puts(&p, "full.log");
	real = logpath_confine(run, buf_str(&p));
	buf_free(&p);
	free(dir);
	return real;
}

static char *readable(const struct run *run, const char *path, int need_data)
{
	char *real = logpath_confine(run, path);
	struct stat sb;

	if (real && (access(real, R_OK) != 0 || (need_data && (stat(real, &sb) != 0 || sb.st_size == 0)))) {
		free(real);
		return NULL;
	}
	return real;
}

static char *from_index(struct store *s, const struct run *run, const char *step, const char *type)
{
	sqlite3_stmt *st;
	char *hit = NULL;

	if (!store_has(s, F_LOG_FILES))
		return NULL;
	st = store_prepare(s, type ? "SELECT file_path FROM log_files WHERE run_id = ? AND step_name = ? AND file_type = ? ORDER BY id"
				   : "SELECT file_path FROM log_files WHERE run_id = ? AND step_name = ? ORDER BY id");
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, run->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, step, -1, SQLITE_TRANSIENT);
	if (type)
		sqlite3_bind_text(st, 3, type, -1, SQLITE_TRANSIENT);
	while (!hit && sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_text(st, 0))
			hit = readable(run, (const char *)sqlite3_column_text(st, 0), 1);
	store_done(st);
	return hit;
}

/* <dir><prefix>llm-<step>.log (type=llm only), then <dir><prefix><step>.log. */
static char *in_dir(const struct run *run, const char *dir, const char *prefix, const char *step,
		    const char *type)
{
	struct buf p = {0};
	char *hit = NULL;
	int llm;

	for (llm = type && strcmp(type, "llm") == 0; llm >= 0 && !hit; llm--) {
		buf_reset(&p);
		buf_puts(&p, dir);
		buf_puts(&p, prefix);
		buf_puts(&p, llm ? "llm-" : "");
		buf_puts(&p, step);
		buf_puts(&p, ".log");
		hit = readable(run, buf_str(&p), 0);
	}
	buf_free(&p);
	return hit;
}

char *logpath_step(struct store *s, const struct run *run, const char *step, const char *type)
{
	char *hit = from_index(s, run, step, type), *dir;
	struct buf pre = {0};

	if (hit)
		return hit;
	if (run->attempt_id[0] && run->task_id[0] && (dir = logpath_dir(run))) {
		buf_puts(&pre, run->workflow);
		buf_putc(&pre, '-');
		if (!strchr(run->workflow, '/'))
			hit = in_dir(run, dir, buf_str(&pre), step, type);
		if (!hit)
			hit = in_dir(run, dir, "", step, type);
		free(dir);
	}
	if (!hit && (dir = legacy_dir(run))) {
		hit = in_dir(run, dir, "", step, type);
		free(dir);
	}
	buf_free(&pre);
	return hit;
}

int attempt_host_run(struct store *s, const char *attempt, struct run *out)
{
	char sql[1600];
	sqlite3_stmt *st;
	struct run r;
	int rc, found = 0;

	if (!store_has(s, F_ATTEMPT_ID))
		return 0;
	snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE attempt_id = ? "
		 "ORDER BY (state <> 'running'), started_at DESC", s->run_cols);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	sqlite3_bind_text(st, 1, attempt, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		run_from_stmt(&r, st);
		if (!found++) {
			*out = r;
		} else if (!r.parent_run_id[0] && out->parent_run_id[0]) {
			run_free(out);
			*out = r;
		} else {
			run_free(&r);
		}
		if (!out->parent_run_id[0])
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		if (found)
			run_free(out);
		return store_fail(s, rc);
	}
	return found ? 1 : 0;
}
