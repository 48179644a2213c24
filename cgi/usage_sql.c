/* GetUsage as one SQL statement: the reference for the in-memory
 * aggregate, and the answer for windows longer than its horizon.
 * Each step row counts once (run_id IN the set of matching run IDs,
 * rather than the daemon's join, T4); the window compares julianday()
 * instants, which honour every stored offset and fraction (T5), to
 * about 50 microseconds. */
#include "usage.h"
#include "usage_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

int usage_get_sql(struct store *s, const char *project_dir, const char *agent,
		  long long window_s, long long now, struct usage_list *out)
{
	char sql[900];
	sqlite3_stmt *st;
	size_t cap = 0;
	double hi = (double)(now / NS_PER_S) + (double)(now % NS_PER_S) / 1e9;
	int tok = store_has(s, F_TOKENS), rc;

	memset(out, 0, sizeof *out);
	out->window_s = window_s > 0 ? window_s : 0;
	snprintf(sql, sizeof sql,
		 "SELECT %s, SUM(%s), SUM(%s), COUNT(*) FROM step_executions se "
		 "WHERE se.run_id IN (SELECT id FROM runs WHERE ?1 = '' OR %s = ?1) "
		 "AND (?2 = '' OR %s = ?2) "
		 "AND (?3 = 0 OR julianday(se.completed_at) BETWEEN ?4 AND ?5) "
		 "GROUP BY 1 ORDER BY 1",
		 tok ? "COALESCE(se.agent_name,'')" : "''",
		 tok ? "COALESCE(se.input_tokens,0)" : "0",
		 tok ? "COALESCE(se.output_tokens,0)" : "0",
		 store_has(s, F_PROJECT_DIR) ? "project_dir" : "''",
		 tok ? "se.agent_name" : "''");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, sqlite3_errcode(s->db));
	sqlite3_bind_text(st, 1, project_dir, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, agent, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, window_s > 0);
	sqlite3_bind_double(st, 4, (hi - (double)out->window_s) / 86400.0 + 2440587.5);
	sqlite3_bind_double(st, 5, hi / 86400.0 + 2440587.5);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct usage_sum *u;

		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = realloc(out->v, cap * sizeof *out->v);
		}
		u = &out->v[out->n++];
		u->agent = strdup(col(st, 0));
		u->in = sqlite3_column_int64(st, 1);
		u->out = sqlite3_column_int64(st, 2);
		u->total = u->in + u->out;
		u->burn = out->window_s ? (double)u->total / ((double)out->window_s / 3600.0) : 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		usage_list_free(out);
		return store_fail(s, rc);
	}
	return 0;
}
