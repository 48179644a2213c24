/* ANSI SGR → HTML spans; nothing in a log line may become markup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "ansi.h"

static char *render(const char *s)
{
	static struct req r;

	buf_free(&r.body);
	memset(&r, 0, sizeof r);
	ansi_html(&r, s, strlen(s));
	return (char *)buf_str(&r.body);
}

static void t_plain(void **u)
{
	(void)u;
	assert_string_equal(render("hello"), "hello");
	assert_string_equal(render(""), "");
}

static void t_colours(void **u)
{
	(void)u;
	assert_string_equal(render("\x1b[31mred\x1b[0m plain"),
			    "<span class=\"ansi ansi-fg1\">red</span> plain");
	assert_string_equal(render("\x1b[1;32mbold green\x1b[m"),
			    "<span class=\"ansi ansi-b ansi-fg2\">bold green</span>");
	assert_string_equal(render("\x1b[94;41mx"), "<span class=\"ansi ansi-fg12 ansi-bg1\">x</span>");
	assert_string_equal(render("\x1b[38;5;196mx"), "<span class=\"ansi ansi-fg9\">x</span>");
	assert_string_equal(render("\x1b[38;2;0;0;250mx"), "<span class=\"ansi ansi-fg4\">x</span>");
	assert_string_equal(render("\x1b[1mb\x1b[22mn"), "<span class=\"ansi ansi-b\">b</span>n");
	assert_string_equal(render("\x1b[4;3mu\x1b[39m"), "<span class=\"ansi ansi-i ansi-u\">u</span>");
}

static void t_malformed(void **u)
{
	(void)u;
	/* non-SGR CSI and OSC are removed; a lone ESC is dropped */
	assert_string_equal(render("a\x1b[2Kb\x1b]0;title\x07" "c"), "abc");
	assert_string_equal(render("a\x1b"), "a");
	assert_string_equal(render("a\x1b[31"), "a[31");
	assert_string_equal(render("\x1b[38;5mx"), "x");
	assert_string_equal(render("\x1b[38;5;999mx"), "x");
	assert_string_equal(render("\x1b[99999999999999999999mx"), "x");
	/* progress bars: a terminal shows what follows the last CR */
	assert_string_equal(render("10%\r50%\r100%"), "100%");
}

static void t_injection(void **u)
{
	(void)u;
	assert_string_equal(render("\x1b[31m<script>alert(1)</script>"),
			    "<span class=\"ansi ansi-fg1\">&lt;script&gt;alert(1)&lt;/script&gt;</span>");
	assert_string_equal(render("\x1b]8;;javascript:alert(1)\x1b\\link\x1b]8;;\x1b\\"), "link");
	/* '"' is an intermediate byte, 'o' then ends the (non-SGR) sequence */
	assert_string_equal(render("\x1b[31;\"onmouseover=alert(1) m\"x"), "nmouseover=alert(1) m&quot;x");
	assert_null(strstr(render("\x1b[\"><img src=x>m"), "<img"));
	assert_string_equal(render("a\x01\x7f" "b"), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_plain), cmocka_unit_test(t_colours),
		cmocka_unit_test(t_malformed), cmocka_unit_test(t_injection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
