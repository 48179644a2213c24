/* DAG layout against the worked examples of pages.md 3.9, plus cycles,
 * an empty workflow and a big graph. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "dag.h"
#include "dsl.h"

static const char DEVELOP[] =
	"workflow develop {\n"
	"  step implement { prompt = \"i\" results = [success, fail] }\n"
	"  step lint { run = \"l\" results = [success, fail] }\n"
	"  step test { run = \"t\" max_attempts = 3 results = [success, fail, give-up] }\n"
	"  step fix { prompt = \"f\" results = [success, fail] }\n"
	"  implement:success -> lint\n"
	"  implement:fail -> abort\n"
	"  lint:success -> test\n"
	"  lint:fail -> fix\n"
	"  test:success -> done\n"
	"  test:fail -> fix\n"
	"  test:give-up -> abort\n"
	"  fix:success -> test\n"
	"  fix:fail -> abort\n"
	"}\n";

static const char CHAIN[] =
	"workflow chain {\n"
	"  step a { run = \"a\" results = [success, fail] }\n"
	"  step b { run = \"b\" results = [success, fail] }\n"
	"  step c { run = \"c\" results = [success, fail] }\n"
	"  a:success -> b\n  b:success -> c\n  c:success -> done\n"
	"  a:fail -> abort\n  b:fail -> abort\n  c:fail -> abort\n"
	"}\n";

static void layout_flags(const char *src, struct dsl_file *f, struct dag *d, unsigned flags)
{
	char err[256];

	if (dsl_parse(src, strlen(src), f, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(dag_layout(&f->wf[0], d, flags), 0);
}

static void layout(const char *src, struct dsl_file *f, struct dag *d)
{
	layout_flags(src, f, d, 0);
}

static const struct dag_node *node(const struct dag *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nnodes; i++)
		if (strcmp(d->nodes[i].name, name) == 0)
			return &d->nodes[i];
	fail_msg("no node %s", name);
	return NULL;
}

static void at(const struct dag *d, const char *name, int x, int y, int layer)
{
	const struct dag_node *n = node(d, name);

	if (n->x != x || n->y != y || n->layer != layer)
		fail_msg("%s at (%d,%d) layer %d, want (%d,%d) layer %d", name, n->x, n->y, n->layer,
			 x, y, layer);
}

/* A path written "x,y x,y ..." with '>' at the end when it has an arrow. */
static int has_path(const struct dag *d, const char *want, const char *color)
{
	size_t i;
	int j;

	for (i = 0; i < d->npaths; i++) {
		struct buf b = {0};
		int same;

		for (j = 0; j < d->paths[i].np; j++) {
			char t[32];

			snprintf(t, sizeof t, "%s%d,%d", j ? " " : "", d->paths[i].p[j].x, d->paths[i].p[j].y);
			buf_puts(&b, t);
		}
		if (d->paths[i].arrow)
			buf_putc(&b, '>');
		same = strcmp(buf_str(&b), want) == 0 && strcmp(d->paths[i].color, color) == 0;
		buf_free(&b);
		if (same)
			return 1;
	}
	return 0;
}

#define PATH(d, s, c) do { if (!has_path(d, s, c)) fail_msg("missing path %s %s", s, c); } while (0)

static void worked_example(void **state)
{
	struct dsl_file f;
	struct dag d;

	(void)state;
	layout_flags(DEVELOP, &f, &d, DAG_EXACT);
	assert_int_equal(d.nsteps, 4);
	assert_int_equal(d.nnodes, 6);
	assert_int_equal(d.nlayers, 5);
	assert_int_equal(d.total_w, 400);
	assert_int_equal(d.width, 630);
	assert_int_equal(d.height, 620);
	at(&d, "implement", 140, 30, 0);
	at(&d, "lint", 140, 158, 1);
	at(&d, "test", 140, 286, 2);
	at(&d, "fix", 140, 414, 3);
	at(&d, "done", 250, 542, 4);
	at(&d, "abort", 410, 542, 4);
	/* normal edges, vertical at x = 230 */
	PATH(&d, "230,78 230,158>", "#4caf50");
	PATH(&d, "230,206 230,286>", "#4caf50");
	PATH(&d, "230,206 230,414>", "#e53935");
	PATH(&d, "230,334 230,414>", "#e53935");
	PATH(&d, "230,462 230,286>", "#4caf50");
	/* wire columns */
	assert_int_equal(d.ncols, 3);
	assert_int_equal(d.cols[0].x, 480);
	assert_string_equal(d.cols[0].result, "fail");
	assert_int_equal(d.cols[1].x, 520);
	assert_string_equal(d.cols[1].result, "give-up");
	assert_string_equal(d.cols[1].color, "#2196f3");
	assert_int_equal(d.cols[2].x, 580);
	assert_int_equal(d.cols[2].success, 1);
	PATH(&d, "320,54 480,54", "#e53935");
	PATH(&d, "320,438 480,438", "#e53935");
	PATH(&d, "480,54 480,542>", "#e53935");
	PATH(&d, "320,310 520,310", "#2196f3");
	PATH(&d, "520,310 520,542>", "#2196f3");
	PATH(&d, "320,310 580,310", "#4caf50");
	PATH(&d, "580,310 580,542 340,542>", "#4caf50");
	/* markers */
	assert_int_equal(d.ncolors, 3);
	assert_string_equal(d.colors[0], "#4caf50");
	assert_string_equal(d.colors[1], "#e53935");
	assert_string_equal(d.colors[2], "#2196f3");
	dag_free(&d);
	dsl_free(&f);
}

/* The daemon puts the labels of test->fix and fix->test both at (236,374);
 * we move the second one down a line. */
static void labels_do_not_overlap(void **state)
{
	struct dsl_file f;
	struct dag d;
	size_t i, j;

	(void)state;
	layout(DEVELOP, &f, &d);
	for (i = 0; i < d.nlabels; i++)
		for (j = i + 1; j < d.nlabels; j++)
			if (d.labels[i].x == d.labels[j].x && d.labels[i].y == d.labels[j].y)
				fail_msg("labels %zu and %zu overlap", i, j);
	for (i = 0; i < d.nlabels; i++)
		if (d.labels[i].x == 236 && d.labels[i].y == 374)
			break;
	assert_true(i < d.nlabels);
	dag_free(&d);
	dsl_free(&f);
}

/* Ours: abort no longer overlaps done; it moves right of it and its
 * columns end along its top edge. */
static void terminals_do_not_overlap(void **state)
{
	struct dsl_file f;
	struct dag d;

	(void)state;
	layout(DEVELOP, &f, &d);
	at(&d, "done", 250, 542, 4);
	at(&d, "abort", 470, 542, 4);
	at(&d, "fix", 140, 414, 3);
	PATH(&d, "480,54 480,542 560,542>", "#e53935");
	assert_int_equal(d.width, 690);
	dag_free(&d);
	dsl_free(&f);
}

static void chain_example(void **state)
{
	struct dsl_file f;
	struct dag d;

	(void)state;
	layout_flags(CHAIN, &f, &d, DAG_EXACT);
	at(&d, "a", 140, 30, 0);
	at(&d, "b", 140, 158, 1);
	at(&d, "c", 140, 286, 2);
	at(&d, "done", 30, 414, 3);
	at(&d, "abort", 390, 414, 3);
	assert_int_equal(d.width, 610);
	assert_int_equal(d.height, 492);
	assert_int_equal(d.ncols, 1);
	assert_int_equal(d.cols[0].x, 480);
	PATH(&d, "230,334 230,374 120,374 120,414>", "#4caf50");   /* elbow into done */
	dag_free(&d);
	dsl_free(&f);
}

/* Only explicit wires are drawn, no terminal without an explicit wire,
 * wires to undeclared steps are dropped. */
static void filtering(void **state)
{
	static const char src[] =
		"workflow w {\n step a { run = \"a\" results = [ok, partial] }\n"
		" a:ok -> nowhere\n a:partial -> a\n collect all(a:ok) -> done\n}\n";
	struct dsl_file f;
	struct dag d;

	(void)state;
	layout(src, &f, &d);
	assert_int_equal(d.nnodes, 1);     /* no done, no abort */
	assert_int_equal(d.nlayers, 1);
	assert_int_equal(d.npaths, 1);     /* the self-loop */
	assert_string_equal(d.paths[0].color, "#2196f3");
	assert_int_equal(d.height, 108);
	dag_free(&d);
	dsl_free(&f);
}

static void empty_workflow(void **state)
{
	static const char src[] = "workflow w { }";
	struct dsl_file f;
	struct dag d;

	(void)state;
	layout(src, &f, &d);
	assert_int_equal(d.nnodes, 0);
	dag_free(&d);
	dsl_free(&f);
}

/* 2000 steps in a ring with fan-out: must stay fast (linear-ish). */
static void big_graph(void **state)
{
	struct buf b = {0};
	struct dsl_file f;
	struct dag d;
	char line[128];
	int i;

	(void)state;
	buf_puts(&b, "workflow big {\n");
	for (i = 0; i < 2000; i++) {
		snprintf(line, sizeof line, "step s%d { run = \"x\" }\n s%d:success -> s%d\n s%d:fail -> abort\n s%d:x%d -> s%d\n",
			 i, i, (i + 1) % 2000, i, i, i % 7, (i * 7) % 2000);
		buf_puts(&b, line);
	}
	buf_puts(&b, "}\n");
	layout(b.p, &f, &d);
	assert_int_equal(d.nsteps, 2000);
	assert_true(d.width > 0 && d.height > 0);
	dag_free(&d);
	dsl_free(&f);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worked_example),
		cmocka_unit_test(labels_do_not_overlap),
		cmocka_unit_test(terminals_do_not_overlap),
		cmocka_unit_test(chain_example),
		cmocka_unit_test(filtering),
		cmocka_unit_test(empty_workflow),
		cmocka_unit_test(big_graph),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
