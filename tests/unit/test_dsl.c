/* The .cloche parser against daemon.md 3.8 (the three worked examples in
 * tests/unit/dsl/), the error texts of 3.7, and our own edge cases.
 * Run from the repository root (make unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "dsl.h"
#include "json.h"

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long k;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	k = ftell(f);
	rewind(f);
	p = malloc((size_t)k + 1);
	*n = fread(p, 1, (size_t)k, f);
	p[*n] = '\0';
	fclose(f);
	return p;
}

static void parse_file(const char *path, struct dsl_file *f)
{
	size_t n;
	char err[512], *src = slurp(path, &n);
	int rc = dsl_parse(src, n, f, err, sizeof err);

	if (rc)
		fail_msg("%s: %s", path, err);
	free(src);
}

/* "name type results config" in one line: results joined by ',', config
 * as k=v joined by '|'. */
static void check_step(const struct dsl_workflow *w, const char *name, const char *type,
		       const char *results, const char *cfg)
{
	const struct dsl_step *s = dsl_step(w, name);
	struct buf b = {0};
	size_t i;

	assert_non_null(s);
	assert_string_equal(s->type, type);
	for (i = 0; i < s->nresults; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, s->results[i]);
	}
	assert_string_equal(buf_str(&b), results);
	buf_reset(&b);
	for (i = 0; i < s->ncfg; i++) {
		if (i)
			buf_putc(&b, '|');
		buf_puts(&b, s->cfg[i].key);
		buf_putc(&b, '=');
		buf_puts(&b, s->cfg[i].val);
	}
	assert_string_equal(buf_str(&b), cfg);
	buf_free(&b);
}

/* "from:result->to" separated by spaces; implicit wires end in '*'. */
static void check_wires(const struct dsl_workflow *w, const char *want)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < w->nwires; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, w->wires[i].from);
		buf_putc(&b, ':');
		buf_puts(&b, w->wires[i].result);
		buf_puts(&b, "->");
		buf_puts(&b, w->wires[i].to);
		if (w->wires[i].implicit)
			buf_putc(&b, '*');
	}
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void example_a(void **state)
{
	struct dsl_file f;
	const struct dsl_workflow *w;

	(void)state;
	parse_file("tests/unit/dsl/build.cloche", &f);
	assert_int_equal(f.n, 1);
	w = &f.wf[0];
	assert_string_equal(w->name, "build-feature");
	assert_int_equal(w->host, 0);
	assert_string_equal(w->entry, "draft");
	assert_int_equal(w->nsteps, 4);
	check_step(w, "draft", "agent", "success,fail,timeout,token-limit",
		   "agent=quick|max_attempts=2|prompt=file(\".cloche/prompts/draft.md\")|timeout=40m|"
		   "token-limit=200000|usage_command=cat /tmp/usage.json");
	check_step(w, "fix", "agent", "success,fail,give-up,timeout,token-limit",
		   "max_attempts=3|prompt=Repair the failing checks.\nKeep changes small.");
	check_step(w, "lint", "script", "success,fail,timeout,token-limit",
		   "run=echo \"lint\"\tstart && make lint\\n");
	check_step(w, "unit", "script", "success,fail,timeout,token-limit",
		   "container.network_allow=pypi.org,github.com|run=make test");
	check_wires(w, "draft:success->unit draft:success->lint draft:fail->abort draft:timeout->fix "
		       "unit:fail->fix lint:fail->fix fix:success->unit fix:fail->abort fix:give-up->abort "
		       "unit:timeout->abort* lint:timeout->abort* fix:timeout->abort* "
		       "draft:token-limit->abort* unit:token-limit->abort* lint:token-limit->abort* "
		       "fix:token-limit->abort*");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "container.image"), "myproj-agent:dev");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "repos"), "app,docs");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "token-limit"), "800000");
	dsl_free(&f);
}

static void example_b(void **state)
{
	struct dsl_file f;
	const struct dsl_workflow *w;

	(void)state;
	parse_file("tests/unit/dsl/host.cloche", &f);
	assert_int_equal(f.n, 3);
	w = &f.wf[0];
	assert_string_equal(w->name, "list-tasks");
	assert_int_equal(w->host, 1);
	assert_string_equal(w->entry, "ready");
	check_step(w, "ready", "script", "success,fail,timeout,token-limit",
		   "run=bash .cloche/scripts/ready.sh");
	check_wires(w, "ready:success->done ready:fail->abort ready:timeout->abort* ready:token-limit->abort*");

	w = &f.wf[1];
	assert_string_equal(w->name, "main");
	assert_int_equal(w->host, 1);
	assert_string_equal(w->entry, "claim");
	assert_int_equal(w->nsteps, 5);
	check_step(w, "await-review", "human", "approved,changes,fail,timeout,token-limit",
		   "interval=5m|poll=bash .cloche/scripts/pr-state.sh|timeout=48h");
	check_step(w, "claim", "script", "success,fail,timeout,token-limit",
		   "run=bash .cloche/scripts/claim.sh|skip=test -f .cloche/no-claim");
	check_step(w, "develop", "workflow", "success,fail,timeout,token-limit",
		   "prompt_step=claim|timeout=2h|workflow_name=build-feature");
	check_step(w, "land", "script", "success,fail,timeout,token-limit",
		   "repository=app|run=bash .cloche/scripts/land.sh");
	check_step(w, "wrap-up", "agent", "success,fail,timeout,token-limit",
		   "prompt=file(\".cloche/prompts/wrap-up.md\")|token-limit=-1");
	check_wires(w, "claim:success->develop claim:fail->abort develop:success->await-review "
		       "develop:fail->wrap-up await-review:approved->land await-review:changes->develop "
		       "await-review:fail->wrap-up await-review:timeout->wrap-up land:success->done "
		       "land:fail->wrap-up wrap-up:success->done wrap-up:fail->abort "
		       "claim:timeout->abort* develop:timeout->abort* land:timeout->abort* "
		       "wrap-up:timeout->abort* claim:token-limit->wrap-up* develop:token-limit->wrap-up* "
		       "await-review:token-limit->wrap-up* land:token-limit->wrap-up* "
		       "wrap-up:token-limit->wrap-up*");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "host.agent_command"), "claude,codex");

	w = &f.wf[2];
	assert_string_equal(w->name, "release-task");
	assert_int_equal(w->host, 1);
	check_wires(w, "reopen:success->done reopen:fail->abort reopen:timeout->abort* reopen:token-limit->abort*");
	dsl_free(&f);
}

static void example_c(void **state)
{
	struct dsl_file f;
	const struct dsl_workflow *w;

	(void)state;
	parse_file("tests/unit/dsl/docs.cloche", &f);
	assert_int_equal(f.n, 2);
	w = &f.wf[0];
	assert_string_equal(w->name, "nightly-docs");
	assert_int_equal(w->host, 0);
	assert_string_equal(w->entry, "gen");
	check_step(w, "gen", "script", "ok,partial,fail,timeout,token-limit",
		   "host.memory=1g|mode=plain.text.v2|retries=4|"
		   "run=python3 tools/gen.py --out \"docs/api\" --re '\\d+'");
	check_step(w, "notify", "workflow", "success,fail,timeout,token-limit", "workflow_name=post-summary");
	check_step(w, "orphan", "script", "success,timeout,token-limit", "run=true");
	check_wires(w, "gen:ok->done gen:partial->notify gen:partial->publish gen:fail->abort "
		       "notify:success->done notify:fail->abort orphan:success->done "
		       "gen:timeout->abort* notify:timeout->abort* orphan:timeout->abort* "
		       "gen:token-limit->abort* notify:token-limit->abort* orphan:token-limit->abort*");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "_wire.timeout"), "notify");
	w = &f.wf[1];
	assert_string_equal(w->name, "post-summary");
	assert_int_equal(w->host, 0);
	assert_string_equal(w->entry, "say");
	check_wires(w, "say:success->done say:fail->abort say:timeout->abort* say:token-limit->abort*");
	dsl_free(&f);
}

/* The sample body of http.md 4.10, byte for byte. */
static void json_sample(void **state)
{
	static const char src[] =
		"workflow develop {\n  step implement {\n    prompt = file(\".cloche/prompts/implement.md\")\n"
		"    results = [success, fail]\n  }\n  implement:success -> done\n  implement:fail -> abort\n}\n";
	static const char want[] =
		"{\"name\":\"develop\",\"file\":\".cloche/develop.cloche\",\"location\":\"container\",\"steps\":[{\"name\":\"implement\",\"type\":\"agent\",\"results\":[\"success\",\"fail\",\"timeout\",\"token-limit\"],\"config\":{\"prompt\":\"file(\\\".cloche/prompts/implement.md\\\")\"}}],\"wires\":[{\"from\":\"implement\",\"result\":\"success\",\"to\":\"done\"},{\"from\":\"implement\",\"result\":\"fail\",\"to\":\"abort\"},{\"from\":\"implement\",\"result\":\"timeout\",\"to\":\"abort\",\"implicit\":true},{\"from\":\"implement\",\"result\":\"token-limit\",\"to\":\"abort\",\"implicit\":true}],\"entry_step\":\"implement\"}";
	struct dsl_file f;
	struct json_object *o;
	struct buf b = {0};
	char err[256];

	(void)state;
	assert_int_equal(dsl_parse(src, sizeof src - 1, &f, err, sizeof err), 0);
	o = dsl_workflow_json(&f.wf[0], ".cloche/develop.cloche");
	json_emit(&b, o);
	assert_string_equal(buf_str(&b), want);
	json_object_put(o);
	buf_free(&b);
	dsl_free(&f);
}

/* Go escapes <>& in JSON; a step config value shows it. */
static void json_escapes(void **state)
{
	static const char src[] = "workflow w { step s { run = \"a && b <c>\" } }";
	struct dsl_file f;
	struct json_object *o;
	struct buf b = {0};

	(void)state;
	assert_int_equal(dsl_parse(src, sizeof src - 1, &f, NULL, 0), 0);
	o = dsl_workflow_json(&f.wf[0], ".cloche/x.cloche");
	json_emit(&b, o);
	assert_non_null(strstr(buf_str(&b), "\"run\":\"a \\u0026\\u0026 b \\u003cc\\u003e\""));
	assert_non_null(strstr(buf_str(&b), "\"results\":[\"timeout\",\"token-limit\"]"));
	json_object_put(o);
	buf_free(&b);
	dsl_free(&f);
}

static void expect_error(const char *src, const char *want)
{
	struct dsl_file f;
	char err[512];

	if (dsl_parse(src, strlen(src), &f, err, sizeof err) == 0)
		fail_msg("parsed, wanted error %s", want);
	assert_string_equal(err, want);
	assert_int_equal(f.n, 0);
	dsl_free(&f);
}

static void errors_of_3_7(void **state)
{
	(void)state;
	expect_error("workflow \"q\" { }",
		     "expected workflow name: line 1 col 10: expected IDENT, got STRING (\"q\")");
	expect_error("workflow w {\n  # c\n}", "line 2 col 3: unexpected token \"#\"");
	expect_error("workflow w {\n step a { run = \"x\" prompt = \"y\" }\n}",
		     "step \"a\" has multiple of 'prompt', 'run', 'workflow_name', 'poll'; must have exactly one");
	expect_error("workflow w { step a { poll = \"x\" } }",
		     "step \"a\": poll step requires an 'interval' field");
	expect_error("workflow w {\n step a {\n  run = \"x\"\n  max_attempts = \"2\"\n }\n}",
		     "max_attempts must be a numeric value, not a string (line 4, col 18)");
	expect_error("workflow w {\n step a { run = \"x\" }\n a:success -> b, c\n}",
		     "line 3 col 16: unexpected token \",\"");
	expect_error("workflow w {\n step a { run = \"x\" }\n a:* -> done\n}",
		     "line 3 col 4: expected IDENT, got ILLEGAL (\"*\")");
	expect_error("", "no workflows found");
	expect_error("  // only a comment\n", "no workflows found");
}

static void errors_own(void **state)
{
	(void)state;
	expect_error("workflow w { step a { } }",
		     "step \"a\" has none of 'prompt', 'run', 'workflow_name', or 'poll'; must have exactly one");
	expect_error("workflow w { step a { run = \"x\" } }\nworkflow w { step b { run = \"y\" } }",
		     "duplicate workflow name \"w\"");
	expect_error("workflow w {\n host {}\n container { image = \"x\" }\n}",
		     "line 3 col 2: workflow \"w\" has both \"host\" and \"container\" blocks");
	/* unterminated string runs to the end: the error is at EOF */
	expect_error("workflow w { step a { run = \"x } }\n",
		     "line 2 col 1: expected RBRACE, got EOF (\"\")");
	expect_error("workflow w { step a { run = \"x\" token-limit = -2 } }",
		     "line 1 col 47: token-limit must be -1 or greater, got -2");
	expect_error("workflow w { foo = 1 }", "line 1 col 14: unknown workflow field \"foo\"");
	expect_error("workflow w { step a { run = \"x\" interval = \"5m\" poll = \"p\" } }",
		     "step \"a\" has multiple of 'prompt', 'run', 'workflow_name', 'poll'; must have exactly one");
	expect_error("workflow w { step a { poll = \"p\" interval = \"5 minutes\" } }",
		     "step \"a\": invalid interval \"5 minutes\": time: unknown unit \" minutes\" in duration \"5 minutes\"");
	expect_error("workflow w { step a { poll = \"p\" interval = \"x\" } }",
		     "step \"a\": invalid interval \"x\": time: invalid duration \"x\"");
	expect_error("workflow w { agent a { args = \"x\" } }", "agent \"a\": \"command\" is required");
	expect_error("workflow w { agent a { cmd = \"x\" } }",
		     "line 1 col 24: unknown agent field \"cmd\" (expected \"command\" or \"args\")");
	expect_error("workflow w { host { l = [\"a\"] } }", "line 1 col 25: expected value, got \"[\"");
	expect_error("work w {}", "line 1 col 1: expected \"workflow\", got \"work\"");
	expect_error("workflow w { step a { run = \"x\" }", "line 1 col 34: expected RBRACE, got EOF (\"\")");
	expect_error("workflow w { collect some(a:b) -> done }",
		     "line 1 col 22: expected 'all' or 'any', got \"some\"");
	expect_error("workflow w { step a { run = \"x\" } a:ok -> b [x] }", "line 1 col 45: unexpected token \"[\"");
	expect_error("workflow w { a - b }", "line 1 col 14: unexpected token \"a\"");
	expect_error("workflow w { \xc3\xa9 }", "line 1 col 14: unexpected token \"\xc3\xa9\"");
	expect_error("workflow w { \x01 }", "line 1 col 14: unexpected token \"\\x01\"");
}

/* A long unit with multibyte characters (found by fuzz_dsl: the message
 * once cut a UTF-8 sequence and read past it). */
static void long_interval_unit(void **state)
{
	struct buf b = {0};
	struct dsl_file f;
	char err[2048];
	int i;

	(void)state;
	buf_puts(&b, "workflow w { step a { poll = \"p\" interval = \"5");
	for (i = 0; i < 40; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\" } }");
	assert_int_equal(dsl_parse(b.p, b.len, &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "time: unknown unit \"\xc3\xa9\xc3\xa9"));
	assert_int_equal(strlen(strstr(err, "unknown unit")), strlen("unknown unit \"\" in duration \"5\"") + 160);
	buf_free(&b);
}

static void values(void **state)
{
	static const char src[] =
		"workflow w {\n"
		"  token-limit = -01\n"
		"  token-limit -> s\n"
		"  agent q { command = \"c\" args = \"-x\" }\n"
		"  step s {\n"
		"    prompt = file(\"a\\\"b\", x . y 3)\n"
		"    esc = \"t\\tn\\nq\\\"b\\\\d\\dz\"\n"
		"    dotted = a.b.c\n"
		"    num = 42\n"
		"    token-limit = 0\n"
		"    list = [\"a\" \"b\", \"c\"]\n"
		"    host { deep { deeper { k = v } } }\n"
		"    results = [give-up, ok_2]\n"
		"    max_attempts = 2\n"
		"    max_attempts = 5\n"
		"  }\n"
		"  s:give-up -> done\n"
		"}\n";
	struct dsl_file f;
	char err[256];
	const struct dsl_workflow *w;

	(void)state;
	if (dsl_parse(src, sizeof src - 1, &f, err, sizeof err))
		fail_msg("%s", err);
	w = &f.wf[0];
	check_step(w, "s", "agent", "give-up,ok_2,timeout,token-limit",
		   "dotted=a.b.c|esc=t\tn\nq\"b\\d\\dz|host.deep.deeper.k=v|list=a,b,c|max_attempts=5|"
		   "num=42|prompt=file(\"a\"b\",x.y3)|token-limit=0");
	check_wires(w, "s:give-up->done s:timeout->abort* s:token-limit->s*");
	assert_string_equal(dsl_cfg(w->cfg, w->ncfg, "token-limit"), "-01");
	dsl_free(&f);
}

static void odd_bytes(void **state)
{
	static const char src[] = "workflow w { step s { run = \"a\xff\0b\" } }";
	struct dsl_file f;

	(void)state;
	assert_int_equal(dsl_parse(src, sizeof src - 1, &f, NULL, 0), 0);
	assert_string_equal(dsl_cfg(f.wf[0].steps[0].cfg, f.wf[0].steps[0].ncfg, "run"),
			    "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
	dsl_free(&f);
}

static void deep_nesting(void **state)
{
	struct buf b = {0};
	struct dsl_file f;
	char err[256];
	int i;

	(void)state;
	buf_puts(&b, "workflow w { step s { run = \"x\"\n");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "a { ");
	assert_int_equal(dsl_parse(b.p, b.len, &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "nested deeper than 32 levels"));
	buf_free(&b);
	/* exactly at the limit parses */
	buf_puts(&b, "workflow w { step s { run = \"x\"\n");
	for (i = 0; i < DSL_MAX_DEPTH; i++)
		buf_puts(&b, "a { ");
	buf_puts(&b, "k = v ");
	for (i = 0; i < DSL_MAX_DEPTH; i++)
		buf_puts(&b, "} ");
	buf_puts(&b, "} }");
	if (dsl_parse(b.p, b.len, &f, err, sizeof err))
		fail_msg("%s", err);
	dsl_free(&f);
	buf_free(&b);
}

static void later_step_wins(void **state)
{
	static const char src[] = "workflow w { step a { run = \"1\" } step b { run = \"2\" } step a { prompt = \"p\" } }";
	struct dsl_file f;

	(void)state;
	assert_int_equal(dsl_parse(src, sizeof src - 1, &f, NULL, 0), 0);
	assert_int_equal(f.wf[0].nsteps, 2);
	assert_string_equal(f.wf[0].entry, "a");
	check_step(&f.wf[0], "a", "agent", "timeout,token-limit", "prompt=p");
	dsl_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_a),
		cmocka_unit_test(example_b),
		cmocka_unit_test(example_c),
		cmocka_unit_test(json_sample),
		cmocka_unit_test(json_escapes),
		cmocka_unit_test(errors_of_3_7),
		cmocka_unit_test(errors_own),
		cmocka_unit_test(long_interval_unit),
		cmocka_unit_test(values),
		cmocka_unit_test(odd_bytes),
		cmocka_unit_test(deep_nesting),
		cmocka_unit_test(later_step_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
