/* gzip.c: which Accept-Encoding values allow gzip (RFC 9110 12.5.3:
 * tokens are case-insensitive, q=0 means "not acceptable", "*" matches
 * any coding not listed), and that a compressed body inflates back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>
#include "gzip.h"

static void accepted(void **state)
{
	(void)state;
	assert_true(gz_accepted("gzip"));
	assert_true(gz_accepted("gzip, deflate, br"));
	assert_true(gz_accepted("br;q=1.0, GZIP;q=0.8"));
	assert_true(gz_accepted("deflate,gzip"));
	assert_true(gz_accepted("*"));
	assert_true(gz_accepted("gzip;q=0.5"));
	assert_true(gz_accepted(" gzip ; q=0.01"));
}

static void refused(void **state)
{
	(void)state;
	assert_false(gz_accepted(NULL));
	assert_false(gz_accepted(""));
	assert_false(gz_accepted("identity"));
	assert_false(gz_accepted("br, deflate"));
	assert_false(gz_accepted("gzip;q=0"));
	assert_false(gz_accepted("gzip; q=0.000"));
	assert_false(gz_accepted("*;q=0"));
	assert_false(gz_accepted("x-gzip2"));
	assert_false(gz_accepted("gzipx"));
}

static void worth(void **state)
{
	(void)state;
	assert_true(gz_worth("text/html; charset=utf-8", 5000));
	assert_true(gz_worth("application/json", 1024));
	assert_false(gz_worth("application/json", 1023));
	assert_false(gz_worth("image/png", 100000));
	assert_false(gz_worth(NULL, 100000));
}

static void round_trip(void **state)
{
	struct buf b = {0};
	char plain[20000], back[20000];
	uLongf n = sizeof back;
	z_stream z;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof plain; i++)
		plain[i] = "{\"sha\":\"abc\",\"date\":\"2026-01-01\"}\n"[i % 34];
	buf_put(&b, plain, sizeof plain);
	assert_int_equal(gz_body(&b), 0);
	assert_true(b.len < sizeof plain / 4);
	assert_int_equal((unsigned char)b.p[0], 0x1f); /* the gzip magic */
	assert_int_equal((unsigned char)b.p[1], 0x8b);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)b.p;
	z.avail_in = (uInt)b.len;
	z.next_out = (unsigned char *)back;
	z.avail_out = (uInt)n;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, sizeof plain);
	inflateEnd(&z);
	assert_memory_equal(back, plain, sizeof plain);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(refused),
		cmocka_unit_test(worth),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
