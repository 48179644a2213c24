/* Step pairing (http.md 3.6, store.md 2.5, T7) with the D10 fixes, usage
 * attachment, and the step JSON object's omitempty rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "json.h"
#include "runjson.h"
#include "steps.h"
#include <stdlib.h>
#include <string.h>

static struct steprow S(long long id, const char *name, const char *result, const char *started,
			const char *completed, long long in, long long out, const char *agent)
{
	struct steprow r = {id, name, result, started, completed, agent, in, out};

	return r;
}

#define T(x) "2026-03-03T10:00:" x "Z"

static void test_pairs_and_order(void **state)
{
	struct steprow rows[] = {
		S(1, "claim", "", T("00"), "", 0, 0, ""),
		S(2, "develop", "", T("03"), "", 0, 0, ""),
		S(3, "claim", "success", "", T("03.9"), 0, 0, ""),
		S(4, "implement", "", T("20"), "", 0, 0, ""),
		S(5, "implement", "success", "", T("41"), 12000, 6234, ""),
		S(6, "develop", "fail", "", T("50"), 0, 0, ""),
		S(7, "review", "", T("51"), "", 0, 0, ""),
	};
	struct steps l = {0};

	(void)state;
	steps_pair(rows, 7, "r1", &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].name, "claim");
	assert_string_equal(l.v[0].started, T("00"));     /* from the start row */
	assert_string_equal(l.v[0].completed, T("03.9"));
	assert_string_equal(l.v[1].name, "implement");
	assert_true(l.v[1].has_usage);
	assert_int_equal(l.v[1].in, 12000);
	assert_false(l.v[0].has_usage);
	assert_string_equal(l.v[2].name, "develop");      /* completion order */
	assert_string_equal(l.v[2].result, "fail");
	assert_string_equal(l.v[3].name, "review");       /* unfinished last */
	assert_string_equal(l.v[3].result, "");
	assert_true(l.v[3].open);
	assert_string_equal(l.v[3].run_id, "r1");
	steps_free(&l);
}

/* D10a: a step run again after an earlier execution completed shows the
 * latest start time, not the first one. */
static void test_rerun_takes_latest_start(void **state)
{
	struct steprow rows[] = {
		S(1, "test", "", T("00"), "", 0, 0, ""),
		S(2, "test", "fail", "", T("10"), 0, 0, ""),
		S(3, "test", "", T("20"), "", 0, 0, ""),
	};
	struct steps l = {0};

	(void)state;
	steps_pair(rows, 3, "r", &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].started, T("00"));
	assert_string_equal(l.v[1].started, T("20"));
	assert_true(l.v[1].open);
	steps_free(&l);
}

/* An errored step keeps only its start row (T7); a repeated start without
 * completion replaces the earlier one; D10c: a completion with an empty
 * result is still a completion because completed_at is set. */
static void test_errored_and_empty_result(void **state)
{
	struct steprow rows[] = {
		S(1, "a", "", T("00"), "", 0, 0, ""),
		S(2, "a", "", T("05"), "", 0, 0, ""),
		S(3, "b", "", T("06"), "", 0, 0, ""),
		S(4, "b", "", "", T("09"), 0, 0, "claude"),
		S(5, "skipped", "success", "", T("10"), 0, 0, ""),
	};
	struct steps l = {0};

	(void)state;
	steps_pair(rows, 5, "r", &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].name, "b");
	assert_false(l.v[0].open);
	assert_string_equal(l.v[0].started, T("06"));
	assert_true(l.v[0].has_usage);                    /* agent alone counts */
	assert_string_equal(l.v[1].name, "skipped");
	assert_string_equal(l.v[1].started, "");          /* no start row */
	assert_string_equal(l.v[2].name, "a");
	assert_string_equal(l.v[2].started, T("05"));
	assert_true(l.v[2].open);
	steps_free(&l);
}

static char *emit(struct json_object *o)
{
	struct buf b = {0};

	json_emit(&b, o);
	json_object_put(o);
	return buf_detach(&b);
}

static void test_step_json(void **state)
{
	struct steprow rows[] = {
		S(1, "implement", "", "2026-03-03T10:00:20Z", "", 0, 0, ""),
		S(2, "implement", "success", "", "2026-03-03T10:06:41Z", 12000, 6234, ""),
		S(3, "plain", "success", "", "2026-03-03T10:07:00Z", 0, 0, ""),
	};
	struct steps l = {0};
	char *a, *b;

	(void)state;
	steps_pair(rows, 3, "k3v9-main", &l);
	l.v[0].index = 0;
	l.v[1].index = 1;
	a = emit(step_json(&l.v[0]));
	b = emit(step_json(&l.v[1]));
	assert_string_equal(a, "{\"step_name\":\"implement\",\"result\":\"success\",\"started_at\":\"2026-03-03 10:00:20\","
			       "\"completed_at\":\"2026-03-03 10:06:41\",\"duration\":\"6m21s\",\"input_tokens\":12000,"
			       "\"output_tokens\":6234,\"has_usage\":true,\"index\":0,\"run_id\":\"k3v9-main\",\"depth\":0,"
			       "\"parent_index\":-1}");
	assert_string_equal(b, "{\"step_name\":\"plain\",\"result\":\"success\",\"started_at\":\"\","
			       "\"completed_at\":\"2026-03-03 10:07:00\",\"duration\":\"\",\"index\":1,"
			       "\"run_id\":\"k3v9-main\",\"depth\":0,\"parent_index\":-1}");
	free(a);
	free(b);
	steps_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_and_order),
		cmocka_unit_test(test_rerun_takes_latest_start),
		cmocka_unit_test(test_errored_and_empty_result),
		cmocka_unit_test(test_step_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
