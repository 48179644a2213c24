/* Token usage: aggregation (each step once, T4), windows by instant with
 * mixed offsets and fractions (T5), the '' agent, large totals, number
 * formats (T13), the CLI block and Tokens: line byte for byte, the
 * incremental refresh, and the in-memory answer against the SQL one.
 * Fixtures use the daemon's final schema (tests/demo/schema.py
 * "current": column order as the migrations leave it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "json.h"
#include "pricing.h"
#include "store.h"
#include "timefmt.h"
#include "usage.h"
#include "usage_int.h"
#include "daemon_schema.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S(x) ((long long)(x) * NS_PER_S)

static char SCHEMA[4096]; /* DAEMON_STEPS_SQL and DAEMON_RUNS_SQL, set in main() */

static const char *LEGACY =
	"CREATE TABLE runs (id TEXT PRIMARY KEY, workflow_name TEXT NOT NULL, state TEXT NOT NULL,"
	" active_steps TEXT, started_at TEXT, completed_at TEXT, project_dir TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE step_executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,"
	" step_name TEXT NOT NULL, result TEXT, started_at TEXT NOT NULL, completed_at TEXT, logs TEXT,"
	" git_ref TEXT);";

static char DB[256];
static sqlite3 *W;        /* the writer, in WAL mode like the daemon */
static long long NOW;     /* whole second, so window edges are exact */

static void drop_files(void)
{
	drop_store_files(DB);
}

static void fixture(const char *schema)
{
	if (W)
		sqlite3_close(W);
	store_close();
	udb_reset();
	drop_files();
	assert_int_equal(sqlite3_open(DB, &W), SQLITE_OK);
	assert_int_equal(sqlite3_exec(W, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(W, schema, NULL, NULL, NULL), SQLITE_OK);
}

static void run(const char *id, const char *attempt, const char *project, const char *task)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(W, "INSERT INTO runs (id, workflow_name, state, started_at, "
		"completed_at, project_dir, task_id, attempt_id) VALUES (?, 'main', 'succeeded', '', '', ?, ?, ?)",
		-1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, attempt, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A completion row (and, with started != NULL, its start row first). */
static void step(const char *run_id, const char *agent, long long in, long long out,
		 const char *completed)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(W, "INSERT INTO step_executions (run_id, step_name, result, "
		"started_at, completed_at, logs, git_ref, input_tokens, output_tokens, agent_name) "
		"VALUES (?, 's', ?, ?, ?, '', '', ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, *completed ? "success" : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, *completed ? "" : "2026-01-01T00:00:00Z", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, completed, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, in);
	sqlite3_bind_int64(st, 6, out);
	sqlite3_bind_text(st, 7, agent, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* RFC3339 of NOW + delta in a zone of off_min minutes; digits < 0 gives
 * Go's RFC3339Nano (trailing zeros trimmed, no fraction when zero). */
static const char *at(long long delta_ns, int off_min, int digits)
{
	static char bufs[8][64];
	static int k;
	char *o = bufs[k++ % 8], frac[16] = "";
	long long t = NOW + delta_ns, sec = t / NS_PER_S, ns = t % NS_PER_S;
	time_t local = (time_t)(sec + off_min * 60);
	struct tm tm;
	int n;

	gmtime_r(&local, &tm);
	if (digits < 0 && ns) {
		snprintf(frac, sizeof frac, ".%09lld", ns);
		for (n = (int)strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	} else if (digits > 0) {
		snprintf(frac, sizeof frac, ".%09lld", ns);
		frac[digits + 1] = '\0';
	}
	n = (int)strftime(o, 64, "%Y-%m-%dT%H:%M:%S", &tm);
	if (off_min == 0)
		snprintf(o + n, 64 - (size_t)n, "%sZ", frac);
	else
		snprintf(o + n, 64 - (size_t)n, "%s%c%02d:%02d", frac, off_min < 0 ? '-' : '+',
			 abs(off_min) / 60, abs(off_min) % 60);
	return o;
}

static struct usage_list L;

static void get(const char *proj, const char *agent, long long w)
{
	usage_list_free(&L);
	assert_int_equal(usage_get(store_get(), proj, agent, w, NOW, &L), 0);
}

static const struct usage_sum *agent_row(const char *agent)
{
	size_t i;

	for (i = 0; i < L.n; i++)
		if (strcmp(L.v[i].agent, agent) == 0)
			return &L.v[i];
	return NULL;
}

static long long total_of(const char *agent)
{
	const struct usage_sum *u = agent_row(agent);

	return u ? u->total : -1;
}

/* runs sharing an ID (legacy bare names, release-task): each step once */
static void test_shared_run_ids(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("develop", "a1", "/p/one", "t1");
	run("develop", "a2", "/p/one", "t2");
	run("develop", "a3", "/p/two", "t3");
	run("solo", "a4", "/p/one", "t1");
	step("develop", "claude", 100, 50, at(-S(60), 0, -1));
	step("solo", "claude", 1, 2, at(-S(60), 0, -1));
	get("/p/one", "", 0);
	assert_int_equal(total_of("claude"), 153);   /* the daemon says 453 */
	get("/p/two", "", 0);
	assert_int_equal(total_of("claude"), 150);
	get("", "", 0);
	assert_int_equal(total_of("claude"), 153);   /* once, not per project */
	get("", "", 3600);
	assert_int_equal(total_of("claude"), 153);
	usage_list_free(&L);
	assert_int_equal(usage_for_task(store_get(), "t1", &L), 0);
	assert_int_equal(total_of("claude"), 153);
	usage_list_free(&L);
	assert_int_equal(usage_for_task(store_get(), "t3", &L), 0);
	assert_int_equal(total_of("claude"), 150);
	usage_list_free(&L);
	assert_int_equal(usage_for_run(store_get(), "develop", &L), 0);
	assert_int_equal(total_of("claude"), 150);
	usage_list_free(&L);
}

/* rows written in different zones around the window's lower edge: text
 * comparison would take the +02:00 row and drop the -05:00 one */
static void test_offsets_at_edge(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "claude", 1, 0, at(-S(3601), 120, -1));     /* out, text looks newer */
	step("r", "claude", 10, 0, at(-S(3599), -300, -1));   /* in, text looks older */
	step("r", "claude", 100, 0, at(-S(3600), 0, -1));     /* exactly on the edge: in */
	step("r", "claude", 1000, 0, at(-S(3600) - 1, 0, 9)); /* 1 ns before: out */
	step("r", "claude", 10000, 0, at(S(1), 0, -1));        /* after now: out */
	step("r", "claude", 100000, 0, at(0, 330, 9));         /* exactly now, +05:30: in */
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), 100110);
	assert_int_equal(L.window_s, 3600);
}

/* 9-digit and trimmed fractions: ".5Z" sorts before "Z" as text (T5) */
static void test_fractions(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "x", 1, 0, at(-S(3600) + 500000000, 0, -1));  /* lo + .5 s as ".5Z" */
	step("r", "x", 2, 0, at(-S(3600) - 500000000, 0, -1));  /* lo - .5 s */
	step("r", "x", 4, 0, at(-S(3600) + 1, 0, -1));          /* lo + 1 ns, 9 digits */
	step("r", "x", 8, 0, at(-S(3600) + 120000000, 60, 2));  /* ".12+01:00" */
	get("", "", 3600);
	assert_int_equal(total_of("x"), 13);
}

/* start rows have no completion instant: all time only, with 0 tokens */
static void test_start_rows_and_unknown_agent(void **state)
{
	struct buf b = {0};

	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "", 0, 0, "");                       /* a start row */
	get("/p", "", 3600);
	assert_int_equal(L.n, 0);
	get("/p", "", 0);
	assert_int_equal(L.n, 1);                      /* the daemon's '' row with 0 */
	assert_string_equal(L.v[0].agent, "");
	assert_int_equal(L.v[0].total, 0);
	usage_cli_block(&b, &L);
	assert_int_equal(b.len, 0);                    /* omitted when all zero */
	usage_tokens_line(&b, &L);
	assert_int_equal(b.len, 0);
	step("r", "", 5, 7, at(-S(10), 0, -1));        /* container usage: agent '' */
	step("r", "claude", 1, 1, at(-S(10), 0, -1));
	get("/p", "", 3600);
	assert_int_equal(L.n, 2);
	assert_string_equal(L.v[0].agent, "");         /* '' first, as SQLite orders */
	usage_cli_block(&b, &L);
	assert_string_equal(buf_str(&b), "Token usage (last 1h):\n"
			    "             5 in / 7 out   12 total   ~12/hr\n"
			    "  claude     1 in / 1 out   2 total   ~2/hr\n");
	buf_free(&b);
}

/* a DST change inside the window: +02:00 rows then +01:00 rows */
static void test_dst_in_window(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "claude", 1, 0, at(-S(23 * 3600), 120, -1));  /* summer time */
	step("r", "claude", 2, 0, at(-S(2 * 3600), 60, -1));    /* winter time */
	step("r", "claude", 4, 0, at(-S(25 * 3600), 120, -1));  /* before the window */
	step("r", "claude", 8, 0, at(-S(30 * 60), 60, -1));     /* wall clock repeats */
	get("/p", "", 86400);
	assert_int_equal(total_of("claude"), 11);
	assert_true(agent_row("claude")->burn == 11.0 / 24);
}

static void test_large_totals(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "claude", 3000000000LL, 2500000000LL, at(-S(5), 0, -1));
	step("r", "claude", 3000000000LL, 0, at(-S(6), 0, -1));
	get("/p", "claude", 3600);
	assert_true(agent_row("claude")->in == 6000000000LL);
	assert_true(agent_row("claude")->total == 8500000000LL);
	assert_true(agent_row("claude")->burn == 8500000000.0);
	get("/p", "nobody", 3600);
	assert_int_equal(L.n, 0);
	get("/nowhere", "", 0);
	assert_int_equal(L.n, 0);
}

static void json_is(const struct usage_list *l, const char *want)
{
	struct json_object *a = usage_list_json(l);
	struct buf b = {0};

	json_emit(&b, a);
	json_object_put(a);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_json_numbers(void **state)
{
	struct usage_sum v[] = {
		{"a", 12000, 6234, 18234, 18234},
		{"b", 12000, 6234, 18234, 18234.0 / 24},
		{"c", 5, 5, 10, 10 / 24.0},
		{"d", 1000, 0, 1000, 1000 / 3.0},
		{"e", 1, 0, 1, 1 / 1e7},
		{"f", 0, 0, 0, 1e21},
	};
	struct usage_list l = {v, 1, 3600};
	static const char *want[] = {"18234", "759.75", "0.4166666666666667", "333.3333333333333",
				     "1e-7", "1e+21"};
	char exp[256];
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		l.v = &v[i];
		snprintf(exp, sizeof exp, "[{\"agent_name\":\"%s\",\"input_tokens\":%lld,\"output_tokens\":%lld,"
			 "\"total_tokens\":%lld,\"burn_rate\":%s}]", v[i].agent, v[i].in, v[i].out,
			 v[i].total, want[i]);
		json_is(&l, exp);
	}
}

/* burn rates through the real windows: 1 h burn = total, 24 h = total/24 */
static void test_burn_rates(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r", "a", "/p", "");
	step("r", "claude", 12000, 6234, at(-S(100), 0, -1));
	get("/p", "", 3600);
	assert_true(agent_row("claude")->burn == 18234);
	get("/p", "", 86400);
	assert_true(agent_row("claude")->burn == 759.75);
	get("/p", "", 3 * 3600);
	assert_true(agent_row("claude")->burn == 18234 / 3.0);
	get("/p", "", 0);
	assert_true(agent_row("claude")->burn == 0);
	assert_int_equal(L.window_s, 0);
}

static void cli_is(const struct usage_sum *v, size_t n, const char *want)
{
	struct usage_list l = {(struct usage_sum *)v, n, 3600};
	struct buf b = {0};

	usage_cli_block(&b, &l);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_cli_block_bytes(void **state)
{
	struct usage_sum ex[] = {{"claude", 12000, 6234, 18234, 18234}, {"codex", 300, 150, 450, 450}};
	struct usage_sum pad[] = {{"\xc3\xbc" "ber", 1234567, 0, 1234567, 999.5},
				  {"a-very-long-agent", 0, 2, 2, 2.5}, {"z", 0, 0, 0, 0}};
	struct usage_sum bad[] = {{"\xff\xfe", 1, 0, 1, 18250}, {"w", 1, 0, 1, 1050}};

	(void)state;
	cli_is(ex, 2, "Token usage (last 1h):\n"
		      "  claude     12,000 in / 6,234 out   18,234 total   ~18.2k/hr\n"
		      "  codex      300 in / 150 out   450 total   ~450/hr\n");
	/* padded by code points, never truncated; ties half to even */
	cli_is(pad, 3, "Token usage (last 1h):\n"
		       "  \xc3\xbc" "ber       1,234,567 in / 0 out   1,234,567 total   ~1000/hr\n"
		       "  a-very-long-agent 0 in / 2 out   2 total   ~2/hr\n");
	cli_is(bad, 2, "Token usage (last 1h):\n"
		       "  \xff\xfe         1 in / 0 out   1 total   ~18.2k/hr\n"
		       "  w          1 in / 0 out   1 total   ~1.1k/hr\n");
	cli_is(pad + 2, 1, "");
}

static void test_formats(void **state)
{
	char t[64];

	(void)state;
	usage_fmt_thousands(t, sizeof t, 0);
	assert_string_equal(t, "0");
	usage_fmt_thousands(t, sizeof t, 999);
	assert_string_equal(t, "999");
	usage_fmt_thousands(t, sizeof t, 1000);
	assert_string_equal(t, "1,000");
	usage_fmt_thousands(t, sizeof t, 1234567);
	assert_string_equal(t, "1,234,567");
	usage_fmt_thousands(t, sizeof t, -123);
	assert_string_equal(t, "-,123");
	usage_fmt_web(t, sizeof t, 18250);
	assert_string_equal(t, "18.3k");              /* JS toFixed: ties up */
	usage_fmt_web(t, sizeof t, 999999);
	assert_string_equal(t, "1000.0k");
	usage_fmt_web(t, sizeof t, 1250000);
	assert_string_equal(t, "1.3M");
	usage_fmt_web(t, sizeof t, 999);
	assert_string_equal(t, "999");
	usage_fmt_rate_web(t, sizeof t, 0);
	assert_string_equal(t, "-");
	usage_fmt_rate_web(t, sizeof t, 18234);
	assert_string_equal(t, "~18.2k/hr");
	usage_fmt_rate_web(t, sizeof t, 759.5);
	assert_string_equal(t, "~760/hr");            /* Math.round */
	usage_fmt_burn_cli(t, sizeof t, 18250);
	assert_string_equal(t, "~18.2k/hr");
}

/* cloche status <task>: that task's own steps, agents sorted */
static void test_tokens_line(void **state)
{
	struct buf b = {0};

	(void)state;
	fixture(SCHEMA);
	run("a1-main", "a1", "/p", "task-1");
	run("a2-main", "a2", "/p", "task-2");
	step("a1-main", "codex", 1000, 234, at(-S(10), 0, -1));
	step("a1-main", "claude", 17000, 0, at(-S(10), 0, -1));
	step("a1-main", "", 0, 0, "");
	step("a2-main", "claude", 5, 5, at(-S(10), 0, -1));
	usage_list_free(&L);
	assert_int_equal(usage_for_task(store_get(), "task-1", &L), 0);
	usage_tokens_line(&b, &L);
	assert_string_equal(buf_str(&b), "Tokens:  18,234 (: 0 / claude: 17,000 / codex: 1,234)\n");
	buf_reset(&b);
	usage_list_free(&L);
	assert_int_equal(usage_for_task(store_get(), "no-such-task", &L), 0);
	usage_tokens_line(&b, &L);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void same_as_sql(const char *proj, long long w)
{
	struct usage_list q;
	size_t i;

	get(proj, "", w);
	assert_int_equal(usage_get_sql(store_get(), proj, "", w, NOW, &q), 0);
	assert_int_equal(q.n, L.n);
	for (i = 0; i < q.n; i++) {
		assert_string_equal(q.v[i].agent, L.v[i].agent);
		assert_true(q.v[i].in == L.v[i].in && q.v[i].out == L.v[i].out);
		assert_true(q.v[i].burn == L.v[i].burn);
	}
	usage_list_free(&q);
}

/* the aggregate is refreshed from new rows only; a new runs row giving a
 * counted run ID another project forces a rebuild; both stay right */
static void test_incremental_and_reference(void **state)
{
	int i;
	char id[32];

	(void)state;
	fixture(SCHEMA);
	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof id, "r%d", i);
		run(id, "a", i % 3 ? "/p/a" : "/p/b", "t");
		step(id, i % 4 ? "claude" : "", i, 2 * i, at(-S(i * 1800 + 7), i % 5 * 60 - 120, -1));
		step(id, "", 0, 0, "");
	}
	same_as_sql("", 7200);
	same_as_sql("/p/a", 86400);
	same_as_sql("/p/b", 0);
	step("r1", "codex", 1000, 0, at(-S(100), 0, -1));
	same_as_sql("/p/a", 7200);
	get("/p/a", "codex", 7200);
	assert_int_equal(total_of("codex"), 1000);
	run("r1", "b", "/p/b", "t");      /* r1 now also belongs to /p/b */
	get("/p/b", "codex", 7200);
	assert_int_equal(total_of("codex"), 1000);
	same_as_sql("/p/b", 0);
	same_as_sql("", 0);
	usage_list_free(&L);
}

/* Writes another store beside DB and renames it over DB (no WAL). Its rows
 * are stamped half an hour before the real clock, inside the 1 h window
 * ending at NOW however slowly (ASan, a loaded machine) the tests run. */
static void replace_store(void)
{
	char tmp[300];
	sqlite3 *w;

	snprintf(tmp, sizeof tmp, "%s.new", DB);
	unlink(tmp);
	assert_int_equal(sqlite3_open(tmp, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, SCHEMA, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "INSERT INTO runs (id, workflow_name, state, project_dir, attempt_id) "
		"VALUES ('other', 'main', 'succeeded', '/p', 'a');"
		"INSERT INTO step_executions (run_id, step_name, result, started_at, completed_at, "
		"input_tokens, output_tokens, agent_name) VALUES ('other', 's', 'success', '', "
		"strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1800 seconds'), 7, 0, 'codex');"
		"INSERT INTO step_executions (run_id, step_name, result, started_at, completed_at, "
		"input_tokens, output_tokens, agent_name) VALUES ('other', 's', 'success', '', "
		"strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1800 seconds'), 7, 0, 'codex');", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(w);
	snprintf(tmp, sizeof tmp, "%s-wal", DB);
	unlink(tmp);
	snprintf(tmp, sizeof tmp, "%s-shm", DB);
	unlink(tmp);
	snprintf(tmp, sizeof tmp, "%s.new", DB);
	assert_int_equal(rename(tmp, DB), 0);
}

/* the daemon stopping and starting reopens the store: the aggregate is
 * kept when it is the same file, rebuilt when the file was replaced */
static void test_reopen_and_replace(void **state)
{
	(void)state;
	fixture(SCHEMA);
	run("r1", "a", "/p", "");
	step("r1", "claude", 10, 0, at(-S(10), 0, -1));
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), 10);
	sqlite3_close(W);                         /* daemon stops: -wal goes away */
	W = NULL;
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), 10);
	assert_int_equal(sqlite3_open(DB, &W), SQLITE_OK);   /* and starts again */
	step("r1", "claude", 5, 0, at(-S(5), 0, -1));
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), 15);
	sqlite3_close(W);                         /* stopped again, then the file is */
	W = NULL;                                 /* replaced by another store */
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), 15);
	replace_store();
	store_close();    /* our reader still holds the old file open: reopen it */
	get("/p", "", 3600);
	assert_int_equal(total_of("claude"), -1);
	assert_int_equal(total_of("codex"), 14);
	usage_list_free(&L);
}

static void test_top(void **state)
{
	struct usage_top_list t;

	(void)state;
	fixture(SCHEMA);
	run("a1-main", "a1", "/p/a", "task-1");
	run("a2-main", "a2", "/p/b", "task-2");
	run("a3-main", "a3", "/p/a", "task-1");
	step("a1-main", "claude", 10, 0, at(-S(7200), 0, -1));
	step("a2-main", "claude", 20, 0, at(-S(10), 0, -1));
	step("a3-main", "claude", 15, 0, at(-S(10), 0, -1));
	assert_int_equal(usage_top(store_get(), "", 0, NOW, 10, &t, NULL), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].id, "a2-main");
	assert_string_equal(t.v[1].id, "a3-main");
	assert_int_equal(t.v[0].usd_known, 0);
	usage_top_free(&t);
	assert_int_equal(usage_top(store_get(), "", NOW - S(3600), NOW, 10, NULL, &t), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].id, "task-2");
	assert_true(t.v[1].in == 15);
	usage_top_free(&t);
	assert_int_equal(usage_top(store_get(), "/p/a", 0, NOW, 10, NULL, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(t.v[0].in == 25);
	assert_string_equal(t.v[0].project, "/p/a");
	usage_top_free(&t);
}

static void test_pricing(void **state)
{
	double usd;
	char t[32];

	(void)state;
	unsetenv("CLOCHE_DASH_PRICES");
	pricing_reset();
	assert_int_equal(pricing_enabled(), 0);
	assert_int_equal(pricing_cost("claude", 1000000, 0, &usd), 0);
	setenv("CLOCHE_DASH_PRICES", "claude=3,15; (unknown)=1,2;bad entry;x=1", 1);
	pricing_reset();
	assert_int_equal(pricing_enabled(), 1);
	assert_int_equal(pricing_cost("claude", 1000000, 2000000, &usd), 1);
	assert_true(usd == 33.0);
	assert_int_equal(pricing_cost("/usr/local/bin/claude", 1000000, 0, &usd), 1);
	assert_true(usd == 3.0);
	assert_int_equal(pricing_cost("", 1000000, 1000000, &usd), 1);
	assert_true(usd == 3.0);
	assert_int_equal(pricing_cost("codex", 1, 1, &usd), 0);
	assert_int_equal(pricing_cost("x", 1, 1, &usd), 0);
	setenv("CLOCHE_DASH_PRICES", "*=1,1", 1);
	pricing_reset();
	assert_int_equal(pricing_cost("codex", 500000, 0, &usd), 1);
	pricing_fmt(t, sizeof t, usd);
	assert_string_equal(t, "$0.50");
	pricing_fmt(t, sizeof t, 0.0042);
	assert_string_equal(t, "$0.0042");
	unsetenv("CLOCHE_DASH_PRICES");
	pricing_reset();
}

/* the runs lists' per-ID table: shared IDs once, new rows followed,
 * money only when every agent with tokens has a price */
static void test_run_tokens(void **state)
{
	struct tokcost t = {0};
	char c[32];

	(void)state;
	unsetenv("CLOCHE_DASH_PRICES");
	pricing_reset();
	fixture(SCHEMA);
	usage_runs_reset();
	run("develop", "a1", "/p/one", "t1");
	run("develop", "a2", "/p/two", "t2");
	run("solo", "a3", "/p/one", "t1");
	step("develop", "claude", 1000000, 50000, at(-S(60), 0, -1));
	step("develop", "", 0, 0, "");
	step("solo", "mystery", 10, 20, at(-S(60), 0, -1));
	assert_int_equal(usage_run_tokens(store_get(), "develop", &t), 0);
	assert_true(t.in == 1000000 && t.out == 50000);   /* once, not per runs row */
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 0);  /* no table, no money */
	assert_string_equal(c, "");
	step("develop", "codex", 1000000, 0, at(-S(30), 0, -1));
	step("develop", "claude", 0, 50000, at(-S(20), 0, -1));
	assert_int_equal(usage_run_tokens(store_get(), "develop", &t), 0);
	assert_true(t.in == 2000000 && t.out == 100000);  /* only the new rows read */
	assert_int_equal(usage_run_tokens(store_get(), "nope", &t), 0);
	assert_true(t.in == 0 && t.out == 0 && !t.unpriced);

	setenv("CLOCHE_DASH_PRICES", "claude=3,15;codex=1,2", 1);
	pricing_reset();
	usage_runs_reset();
	assert_int_equal(usage_run_tokens(store_get(), "develop", &t), 0);
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 1);
	assert_string_equal(c, "$5.50");                  /* 3 + 1.5 + 1 */
	assert_int_equal(usage_run_tokens(store_get(), "solo", &t), 0);
	assert_int_equal(t.unpriced, 1);
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 0);

	memset(&t, 0, sizeof t);                          /* tokcost by hand */
	tokcost_add(&t, "mystery", 0, 0);                 /* no tokens: no harm */
	tokcost_add(&t, "/usr/bin/claude", 1000000, 0);
	assert_int_equal(t.unpriced, 0);
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 1);
	assert_string_equal(c, "$3.00");
	tokcost_add(&t, "mystery", 1, 0);
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 0);
	memset(&t, 0, sizeof t);
	assert_int_equal(tokcost_fmt(&t, c, sizeof c), 0);  /* nothing to price */
	unsetenv("CLOCHE_DASH_PRICES");
	pricing_reset();
	usage_runs_reset();
}

/* a store without token columns (legacy): no usage, no error */
static void test_legacy_store(void **state)
{
	(void)state;
	fixture(LEGACY);
	assert_int_equal(sqlite3_exec(W, "INSERT INTO runs VALUES ('r','main','succeeded','','','','/p');"
		"INSERT INTO step_executions (run_id, step_name, result, started_at, completed_at) "
		"VALUES ('r','s','success','','2026-01-01T00:00:00Z')", NULL, NULL, NULL), SQLITE_OK);
	get("/p", "", 0);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.v[0].total, 0);
	get("/p", "", 3600);
	assert_int_equal(L.n, 0);
	usage_list_free(&L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_run_ids),
		cmocka_unit_test(test_offsets_at_edge),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_start_rows_and_unknown_agent),
		cmocka_unit_test(test_dst_in_window),
		cmocka_unit_test(test_large_totals),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_burn_rates),
		cmocka_unit_test(test_cli_block_bytes),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_tokens_line),
		cmocka_unit_test(test_incremental_and_reference),
		cmocka_unit_test(test_reopen_and_replace),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_pricing),
		cmocka_unit_test(test_run_tokens),
		cmocka_unit_test(test_legacy_store),
	};
	int rc;

	snprintf(SCHEMA, sizeof SCHEMA, "%s%s", DAEMON_STEPS_SQL, DAEMON_RUNS_SQL);
	snprintf(DB, sizeof DB, "/tmp/test_usage_%d.db", (int)getpid());
	setenv("CLOCHE_DB", DB, 1);
	NOW = now_ns() / NS_PER_S * NS_PER_S;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	usage_list_free(&L);
	if (W)
		sqlite3_close(W);
	store_close();
	udb_reset();
	drop_files();
	return rc;
}
