/* Unit tests for the daemon link: gRPC message framing, grpc-message
 * decoding, status mapping, the daemon address, transport failures
 * against local sockets (refused, silent, not HTTP/2), the TOML check
 * and where a form post returns to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "action.h"
#include "daemon.h"
#include "grpc.h"
#include "req.h"
#include "toml_check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void test_frame_roundtrip(void **state)
{
	struct grpc_deframer d = {0};
	uint8_t hdr[5], two[5 + 3 + 5 + 0];
	const uint8_t *msg;
	size_t len;
	char err[200];
	int i;

	(void)state;
	grpc_frame_header(hdr, 0x01020304);
	assert_memory_equal(hdr, "\x00\x01\x02\x03\x04", 5);
	/* "abc" then an empty message, fed one byte at a time */
	grpc_frame_header(two, 3);
	memcpy(two + 5, "abc", 3);
	grpc_frame_header(two + 8, 0);
	for (i = 0; i < 7; i++) {
		grpc_deframe_feed(&d, two + i, 1);
		assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), 0);
	}
	grpc_deframe_feed(&d, two + 7, 1);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(msg, "abc", 3);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), 0);
	grpc_deframe_feed(&d, two + 8, 5);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), 1);
	assert_int_equal(len, 0);
	assert_int_equal(grpc_deframe_pending(&d), 0);
	grpc_deframe_free(&d);
}

static void test_frame_limits(void **state)
{
	struct grpc_deframer d = {0};
	uint8_t hdr[5];
	const uint8_t *msg;
	size_t len;
	char err[200];

	(void)state;
	grpc_frame_header(hdr, GRPC_MAX_MSG + 1);
	grpc_deframe_feed(&d, hdr, 5);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than max (4194305 vs. 4194304)"));
	grpc_deframe_free(&d);
	/* exactly the limit is fine (only the header is checked here) */
	grpc_frame_header(hdr, GRPC_MAX_MSG);
	grpc_deframe_feed(&d, hdr, 5);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), 0);
	grpc_deframe_free(&d);
	/* compressed flag without negotiation */
	grpc_frame_header(hdr, 1);
	hdr[0] = 1;
	grpc_deframe_feed(&d, hdr, 5);
	assert_int_equal(grpc_deframe_next(&d, &msg, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "compressed"));
	grpc_deframe_free(&d);
}

static void test_pct_decode_message(void **state)
{
	char out[64];
	const char *in;

	(void)state;
	in = "task %22x%22 has no active runs";
	grpc_pct_decode(in, strlen(in), out, sizeof out);
	assert_string_equal(out, "task \"x\" has no active runs");
	in = "100%25 %E2%9C%93";
	grpc_pct_decode(in, strlen(in), out, sizeof out);
	assert_string_equal(out, "100% \xE2\x9C\x93");
	in = "bad %zz and %4 and %";   /* kept literally, as grpc-go does */
	grpc_pct_decode(in, strlen(in), out, sizeof out);
	assert_string_equal(out, "bad %zz and %4 and %");
	grpc_pct_decode("abcdef", 6, out, 4);
	assert_string_equal(out, "abc");
	grpc_pct_decode("%41", 2, out, sizeof out);   /* length cuts the escape */
	assert_string_equal(out, "%4");
}

static void test_code_mapping(void **state)
{
	(void)state;
	assert_int_equal(grpc_code_to_http(GRPC_OK), 0);
	assert_int_equal(grpc_code_to_http(GRPC_UNAVAILABLE), 503);
	assert_int_equal(grpc_code_to_http(GRPC_DEADLINE_EXCEEDED), 504);
	assert_int_equal(grpc_code_to_http(GRPC_UNKNOWN), 502);
	assert_int_equal(grpc_code_to_http(GRPC_UNIMPLEMENTED), 502);
	assert_string_equal(grpc_code_name(12), "UNIMPLEMENTED");
	assert_string_equal(grpc_code_name(99), "UNKNOWN");
}

static void addr(const char *v, const char *host, const char *port, const char *shown)
{
	char h[64], p[16], s[96];

	setenv("CLOCHE_ADDR", v, 1);
	grpc_daemon_addr(h, sizeof h, p, sizeof p, s, sizeof s);
	assert_string_equal(h, host);
	assert_string_equal(p, port);
	assert_string_equal(s, shown);
}

static void test_daemon_addr(void **state)
{
	(void)state;
	unsetenv("CLOCHE_DASH_DAEMON_ADDR");
	addr("0.0.0.0:50051", "127.0.0.1", "50051", "127.0.0.1:50051");
	addr(":7000", "127.0.0.1", "7000", "127.0.0.1:7000");
	addr("[::]:7000", "::1", "7000", "[::1]:7000");
	addr("[::1]:7001", "::1", "7001", "[::1]:7001");
	addr("daemon.local:9", "daemon.local", "9", "daemon.local:9");
	setenv("CLOCHE_DASH_DAEMON_ADDR", "127.0.0.2:1234", 1);
	addr("0.0.0.0:50051", "127.0.0.2", "1234", "127.0.0.2:1234");
	unsetenv("CLOCHE_DASH_DAEMON_ADDR");
}

/* A loopback listener on a free port; the port goes into CLOCHE_ADDR. */
static int listener(void)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof sa;
	char a[32];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	snprintf(a, sizeof a, "127.0.0.1:%d", ntohs(sa.sin_port));
	setenv("CLOCHE_ADDR", a, 1);
	return fd;
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_refused(void **state)
{
	struct daemon_err e;
	char v[32];
	int fd = listener();

	(void)state;
	close(fd);   /* nothing listens on that port any more */
	assert_int_equal(daemon_get_version(v, sizeof v, 2000, &e), -1);
	assert_int_equal(e.http, 503);
	assert_non_null(strstr(e.msg, "connection refused"));
}

static void test_silent_daemon_times_out(void **state)
{
	struct daemon_err e;
	long long t;
	char v[32];
	int fd = listener();

	(void)state;
	t = ms_now();
	assert_int_equal(daemon_get_version(v, sizeof v, 300, &e), -1);
	t = ms_now() - t;
	assert_int_equal(e.http, 504);
	assert_non_null(strstr(e.msg, "did not answer GetVersion within 300 ms"));
	assert_true(t >= 290 && t < 1500);
	close(fd);
}

static void *http1_server(void *arg)
{
	int fd = *(int *)arg, c = accept(fd, NULL, NULL);
	static const char ans[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	char buf[512];
	struct pollfd p = {c, POLLIN, 0};

	poll(&p, 1, 2000);
	if (read(c, buf, sizeof buf) > 0 && write(c, ans, sizeof ans - 1) < 0)
		perror("write");
	close(c);
	return NULL;
}

static void test_not_http2(void **state)
{
	struct daemon_err e;
	pthread_t th;
	char v[32];
	int fd = listener();

	(void)state;
	pthread_create(&th, NULL, http1_server, &fd);
	assert_int_equal(daemon_get_version(v, sizeof v, 2000, &e), -1);
	assert_int_equal(e.http, 502);
	pthread_join(th, NULL);
	close(fd);
}

static int toml_ok(const char *s)
{
	char why[200];

	return toml_check(s, strlen(s), why, sizeof why) == 0;
}

static void test_toml(void **state)
{
	char why[200];
	const char *broken = "active = true\n[orchestration\nconcurrency = = 2\n";

	(void)state;
	assert_true(toml_ok("active = true\n\n[orchestration]\nconcurrency = 2\nstagger_seconds = 1.5\n"
			    "[[repositories]]\nname = \"app\"\npath = \".\"\n[[repositories]]\nname = \"d\"\n"));
	assert_true(toml_ok("a = [1, 2,\n  # c\n  3,]\nb = {x = 1, y = {z = 'q'}}\nd = 1979-05-27T07:32:00Z\n"
			    "s = \"\"\"\nline\\\n  more\"\"\"\nh = 0xff\nf = -1.5e3\n"));
	assert_int_equal(toml_check(broken, strlen(broken), why, sizeof why), -1);
	assert_string_equal(why, "line 2: unterminated table header");
	assert_false(toml_ok("a = 1\na = 2\n"));
	assert_false(toml_ok("[a]\n[a]\n"));
	assert_false(toml_ok("a = 01\n"));
	assert_false(toml_ok("a = \"x\\q\"\n"));
	assert_false(toml_ok("a = {x = 1,}\n"));
	assert_false(toml_ok("x = 1 y = 2\n"));
	assert_false(toml_ok("a = \"\xff\"\n"));
	/* valid TOML the daemon cannot decode: it would crash all the same */
	assert_false(toml_ok("active = \"yes\"\n"));
	assert_false(toml_ok("[orchestration]\nconcurrency = \"two\"\n"));
}

static void test_return_path(void **state)
{
	char *env[] = {"HTTP_HOST=dash.example", "HTTP_REFERER=http://dash.example/tools/runs/x?flash=old&page=2",
		       NULL};
	struct req r;
	char *p;

	(void)state;
	memset(&r, 0, sizeof r);
	r.env = env;
	r.base = "/tools";
	r.in = "next=%2Ftools%2Fprojects%2Fa%3Fflash%3Dx%26tab%3D1";
	p = action_return_path(&r);
	assert_string_equal(p, "/tools/projects/a?tab=1");
	free(p);
	r.in = "next=%2F%2Fevil.example%2Fx";   /* foreign: falls back to the Referer */
	p = action_return_path(&r);
	assert_string_equal(p, "/tools/runs/x?page=2");
	free(p);
	env[1] = "HTTP_REFERER=http://evil.example/tools/x";
	r.in = "next=%2Fother%2Fx";             /* outside the mount point */
	p = action_return_path(&r);
	assert_string_equal(p, "/tools/");
	free(p);
}

static int allowed(const char *users, const char *user)
{
	char u[128], v[128];
	char *env[] = {u, v, "REQUEST_URI=/api/containers", NULL};
	struct req r;
	int ok;

	snprintf(u, sizeof u, "CLOCHE_DASH_ACTION_USERS=%s", users);
	snprintf(v, sizeof v, "REMOTE_USER=%s", user);
	req_init(&r, env);
	req_parse(&r);
	ok = action_allowed(&r);
	assert_int_equal(r.status, ok ? 200 : 403);
	req_free(&r);
	return ok;
}

static void test_allow_list(void **state)
{
	(void)state;
	assert_true(allowed("", "anyone"));
	assert_true(allowed("alice, bob", "bob"));
	assert_true(allowed("alice,bob", "alice"));
	assert_false(allowed("alice,bob", "carol"));
	assert_false(allowed("alice,bob", "ali"));
	assert_false(allowed("alice,bob", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_roundtrip),
		cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_pct_decode_message),
		cmocka_unit_test(test_code_mapping),
		cmocka_unit_test(test_daemon_addr),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_silent_daemon_times_out),
		cmocka_unit_test(test_not_http2),
		cmocka_unit_test(test_toml),
		cmocka_unit_test(test_return_path),
		cmocka_unit_test(test_allow_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
