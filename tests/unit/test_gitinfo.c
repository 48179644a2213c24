/* libgit2 prompt history and diffs against the git CLI on a repository the
 * test builds (renames, merges, a binary file, author offsets), plus the
 * Dockerfile/version rules of store.md 3.4 and the task helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "gitinfo.h"
#include "projinfo.h"
#include "tasks_fetch.h"
#include "tasks_inprogress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char repo[256];
static int tick;

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof cmd, "cd '%s' && ", repo);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* A commit with its own author date (and offset) and a later committer
 * date, so that the walk order is fixed. */
static void commit(const char *msg, const char *author_date)
{
	tick++;
	sh("GIT_AUTHOR_DATE='%s' GIT_COMMITTER_DATE='2026-01-01T00:%02d:00Z' "
	   "git commit -q --allow-empty-message -m '%s'", author_date, tick, msg);
}

static void put(const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof full, "%s/%s", repo, path);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *run(const char *fmt, ...)
{
	char cmd[4096];
	struct buf b = {0};
	char tmp[4096];
	va_list ap;
	size_t k;
	FILE *p;
	int n;

	n = snprintf(cmd, sizeof cmd, "cd '%s' && ", repo);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((k = fread(tmp, 1, sizeof tmp, p)) > 0)
		buf_put(&b, tmp, k);
	pclose(p);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

/* Our history rendered like `git log --follow --format='%h %ad %s'`. */
static char *ours(const char *path)
{
	struct git_history h = {0};
	const char *paths[1] = {path};
	struct buf b = {0};
	size_t i;

	assert_int_equal(git_histories(repo, paths, 1, &h), 0);
	for (i = 0; i < h.n; i++) {
		buf_puts(&b, h.v[i].sha);
		buf_putc(&b, ' ');
		buf_puts(&b, h.v[i].date);
		buf_putc(&b, ' ');
		buf_puts(&b, h.v[i].message);
		buf_putc(&b, '\n');
	}
	git_history_free(&h);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static char *theirs(const char *path)
{
	return run("git log --follow --abbrev=7 --format='%%h %%ad %%s' --date=short -- '%s'", path);
}

static int setup_repo(void **state)
{
	(void)state;
	snprintf(repo, sizeof repo, "/tmp/test_gitinfo.XXXXXX");
	assert_non_null(mkdtemp(repo));
	setenv("GIT_AUTHOR_NAME", "T", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "T", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("HOME", repo, 1);
	sh("git init -q -b main . && mkdir -p .cloche/prompts src");
	put(".cloche/prompts/old.md", "line one\nline two\nline three\nline four\nline five\n");
	put("src/x.txt", "x\n");
	sh("git add -A");
	commit("Add old prompt", "2026-01-01T10:00:00+00:00");
	put(".cloche/prompts/old.md", "line one\nline 2\nline three\nline four\nline five\n");
	sh("git add -A");
	/* 20:30 UTC on the 1st is the 2nd in the author's +05:00. */
	commit("Tune old prompt", "2026-01-02T01:30:00+05:00");
	put("src/x.txt", "y\n");
	sh("git add -A");
	commit("Unrelated change", "2026-01-03T10:00:00-08:00");
	sh("git mv .cloche/prompts/old.md .cloche/prompts/impl.md");
	commit("Rename prompt", "2026-01-04T10:00:00+00:00");
	/* A side branch changes the prompt; main changes another file; the
	 * merge takes the side's version (TREESAME to the second parent). */
	sh("git checkout -q -b side");
	put(".cloche/prompts/impl.md", "line one\nline 2\nline three\nline four\nline 5\n");
	sh("git add -A");
	commit("Side edit", "2026-01-05T10:00:00+00:00");
	sh("git checkout -q main");
	put("src/x.txt", "z\n");
	sh("git add -A");
	commit("Main edit", "2026-01-06T10:00:00+00:00");
	tick++;
	sh("GIT_AUTHOR_DATE=2026-01-07T10:00:00Z GIT_COMMITTER_DATE='2026-01-01T00:%02d:00Z' "
	   "git merge -q --no-ff -m 'Merge side' side", tick);
	/* Both branches change the prompt: the merge differs from both parents. */
	sh("git checkout -q -b side2");
	put(".cloche/prompts/impl.md", "line 1\nline 2\nline three\nline four\nline 5\n");
	sh("git add -A");
	commit("Side2 edit", "2026-01-08T10:00:00+00:00");
	sh("git checkout -q main");
	put(".cloche/prompts/impl.md", "line one\nline 2\nline three\nline four\nline 5\nline six\n");
	sh("git add -A");
	commit("Main prompt edit", "2026-01-09T10:00:00+00:00");
	tick++;
	sh("GIT_AUTHOR_DATE=2026-01-10T10:00:00Z GIT_COMMITTER_DATE='2026-01-01T00:%02d:00Z' "
	   "git merge -q --no-ff -m 'Merge side2' side2", tick);
	sh("printf 'a\\000b' > .cloche/prompts/bin.dat && git add -A");
	commit("Add binary", "2026-01-11T10:00:00+00:00");
	sh("printf 'a\\000c' > .cloche/prompts/bin.dat && git add -A");
	commit("Change binary", "2026-01-12T10:00:00+00:00");
	return 0;
}

static int teardown_repo(void **state)
{
	(void)state;
	sh("cd / && rm -rf '%s'", repo);
	return 0;
}

static void test_history_matches_git(void **state)
{
	const char *files[] = {".cloche/prompts/impl.md", ".cloche/prompts/bin.dat", "src/x.txt",
			       ".cloche/prompts/missing.md"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof files / sizeof *files; i++) {
		char *a = ours(files[i]), *b = theirs(files[i]);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

static void test_history_details(void **state)
{
	const char *paths[2] = {".cloche/prompts/impl.md", ".cloche/prompts/bin.dat"};
	struct git_history h[2];
	char *s = ours(paths[0]);

	(void)state;
	memset(h, 0, sizeof h);
	/* The rename is followed back to the first commit; merges are not
	 * listed (git log --follow prints no merge), but the commits of both
	 * branches behind a merge that mixed them are. */
	assert_non_null(strstr(s, " Add old prompt\n"));
	assert_non_null(strstr(s, " 2026-01-02 Tune old prompt\n"));
	assert_non_null(strstr(s, " Rename prompt\n"));
	assert_non_null(strstr(s, " Side edit\n"));
	assert_null(strstr(s, "Merge side\n"));
	assert_null(strstr(s, "Merge side2\n"));
	assert_non_null(strstr(s, " Side2 edit\n"));
	assert_non_null(strstr(s, " Main prompt edit\n"));
	assert_null(strstr(s, "Unrelated"));
	free(s);
	/* Both files in one walk give the same as one at a time. */
	assert_int_equal(git_histories(repo, paths, 2, h), 0);
	assert_int_equal(h[1].n, 2);
	assert_string_equal(h[1].v[0].message, "Change binary");
	assert_int_equal(strlen(h[0].v[0].sha), 7);
	git_history_free(&h[0]);
	git_history_free(&h[1]);
	/* A project below the work tree's root: paths are relative to it. */
	{
		char sub[300], *want = theirs("src/x.txt");
		const char *rel[1] = {"x.txt"};
		struct git_history hs = {0};
		struct buf b = {0};
		size_t i;

		snprintf(sub, sizeof sub, "%s/src", repo);
		assert_int_equal(git_histories(sub, rel, 1, &hs), 0);
		for (i = 0; i < hs.n; i++) {
			buf_puts(&b, hs.v[i].sha);
			buf_putc(&b, ' ');
			buf_puts(&b, hs.v[i].date);
			buf_putc(&b, ' ');
			buf_puts(&b, hs.v[i].message);
			buf_putc(&b, '\n');
		}
		buf_putc(&b, '\0');
		assert_string_equal(b.p, want);
		assert_int_equal(hs.n, 3);
		buf_reset(&b);
		assert_int_equal(git_prompt_diff(sub, hs.v[0].sha, "x.txt", NULL, &b), 0);
		buf_putc(&b, '\0');
		assert_non_null(strstr(b.p, "+++ b/src/x.txt\n"));
		buf_free(&b);
		git_history_free(&hs);
		free(want);
	}
	/* Not a repository: -1 and nothing recorded. */
	assert_int_equal(git_histories("/", paths, 1, h), -1);
	assert_int_equal(h[0].n, 0);
}

static void test_diff_matches_git(void **state)
{
	char *sha = run("git log -1 --format=%%h --grep='^Tune'"), *want, *head;
	struct buf out = {0};

	(void)state;
	sha[strcspn(sha, "\n")] = '\0';
	want = run("git diff %s^..%s -- .cloche/prompts/old.md", sha, sha);
	assert_int_equal(git_prompt_diff(repo, sha, ".cloche/prompts/old.md", NULL, &out), 0);
	buf_putc(&out, '\0');
	assert_string_equal(out.p, want);
	assert_non_null(strstr(out.p, "\n-line two\n+line 2\n"));
	buf_reset(&out);
	free(want);
	free(sha);
	/* Binary files: git's one-line notice. */
	sha = run("git log -1 --format=%%H --grep='^Change binary'");
	sha[strcspn(sha, "\n")] = '\0';
	assert_int_equal(git_prompt_diff(repo, sha, ".cloche/prompts/bin.dat", NULL, &out), 0);
	buf_putc(&out, '\0');
	assert_non_null(strstr(out.p, "Binary files a/.cloche/prompts/bin.dat and b/.cloche/prompts/bin.dat differ"));
	buf_reset(&out);
	free(sha);
	/* Root commit, unknown, too short, not a commit (a blob): unavailable. */
	sha = run("git rev-list --max-parents=0 HEAD");
	sha[strcspn(sha, "\n")] = '\0';
	assert_int_equal(git_prompt_diff(repo, sha, ".cloche/prompts/old.md", NULL, &out), -1);
	free(sha);
	assert_int_equal(git_prompt_diff(repo, "0000000", ".cloche/prompts/old.md", NULL, &out), -1);
	assert_int_equal(git_prompt_diff(repo, "abc", ".cloche/prompts/old.md", NULL, &out), -1);
	sha = run("git rev-parse HEAD:src/x.txt");
	sha[strcspn(sha, "\n")] = '\0';
	assert_int_equal(git_prompt_diff(repo, sha, "src/x.txt", NULL, &out), -1);
	free(sha);
	/* With the history, an old commit is shown under the name it had then,
	 * and the rename as a rename (git diff -M). */
	{
		const char *paths[1] = {".cloche/prompts/impl.md"};
		struct git_history h = {0};
		size_t i;

		assert_int_equal(git_histories(repo, paths, 1, &h), 0);
		for (i = 0; i < h.n && strcmp(h.v[i].message, "Tune old prompt") != 0; i++)
			;
		assert_true(i < h.n);
		assert_string_equal(h.v[i].path, ".cloche/prompts/old.md");
		buf_reset(&out);
		assert_int_equal(git_prompt_diff(repo, h.v[i].sha, paths[0], &h, &out), 0);
		buf_putc(&out, '\0');
		assert_non_null(strstr(out.p, "\n-line two\n+line 2\n"));
		for (i = 0; i < h.n && strcmp(h.v[i].message, "Rename prompt") != 0; i++)
			;
		assert_true(i < h.n);
		assert_string_equal(h.v[i].old_path, ".cloche/prompts/old.md");
		buf_reset(&out);
		assert_int_equal(git_prompt_diff(repo, h.v[i].sha, paths[0], &h, &out), 0);
		buf_putc(&out, '\0');
		assert_non_null(strstr(out.p, "rename from .cloche/prompts/old.md\nrename to .cloche/prompts/impl.md\n"));
		buf_reset(&out);
		git_history_free(&h);
	}
	/* A glob is a literal name: nothing matches, an empty diff. */
	head = run("git rev-parse HEAD");
	head[strcspn(head, "\n")] = '\0';
	assert_int_equal(git_prompt_diff(repo, head, ".cloche/prompts/*", NULL, &out), 0);
	assert_int_equal(out.len, 0);
	free(head);
	buf_free(&out);
}

static void test_prompts_get_and_content(void **state)
{
	const struct prompt_set *s;
	size_t len;
	int trunc;
	char *c;

	(void)state;
	sh("ln -s /etc/passwd .cloche/prompts/zz-link && mkdir .cloche/prompts/subdir");
	s = prompts_get(repo);
	assert_int_equal(s->n, 3);
	assert_true(s->git);
	assert_string_equal(s->v[0].path, ".cloche/prompts/bin.dat");
	assert_string_equal(s->v[1].path, ".cloche/prompts/impl.md");
	assert_string_equal(s->v[2].path, ".cloche/prompts/zz-link");
	assert_true(s->v[1].hist.n >= 5);
	assert_true(prompt_listed(s, ".cloche/prompts/impl.md"));
	assert_false(prompt_listed(s, ".cloche/prompts/subdir"));
	assert_false(prompt_listed(s, "../../etc/passwd"));
	/* The symlink leaves the project: listed, but never read. */
	assert_null(prompt_content(repo, ".cloche/prompts/zz-link", 1024, &len, &trunc));
	c = prompt_content(repo, ".cloche/prompts/impl.md", 5, &len, &trunc);
	assert_non_null(c);
	assert_int_equal(len, 5);
	assert_true(trunc);
	free(c);
	/* Same HEAD and directory: the cached set comes back. */
	assert_ptr_equal(prompts_get(repo), s);
	sh("rm .cloche/prompts/zz-link && rmdir .cloche/prompts/subdir");
}

/* A commit on top of a cached HEAD: only the new commits are walked and
 * the result equals a full walk (and git's). */
static void test_incremental(void **state)
{
	const char *paths[2] = {".cloche/prompts/impl.md", ".cloche/prompts/bin.dat"};
	struct git_history base[2], inc[2], full[2];
	char *h0 = run("git rev-parse HEAD"), *want, *got;
	const struct prompt_set *s;
	size_t i, j;

	(void)state;
	memset(base, 0, sizeof base);
	memset(inc, 0, sizeof inc);
	memset(full, 0, sizeof full);
	h0[strcspn(h0, "\n")] = '\0';
	assert_int_equal(git_histories(repo, paths, 2, base), 0);
	s = prompts_get(repo);
	put(".cloche/prompts/impl.md", "new text\n");
	sh("git add -A");
	commit("After cache", "2026-01-13T10:00:00+00:00");
	assert_int_equal(git_histories_from(repo, paths, 2, h0, base, inc), 0);
	assert_int_equal(git_histories(repo, paths, 2, full), 0);
	for (j = 0; j < 2; j++) {
		assert_int_equal(inc[j].n, full[j].n);
		for (i = 0; i < full[j].n; i++) {
			assert_string_equal(inc[j].v[i].sha, full[j].v[i].sha);
			assert_string_equal(inc[j].v[i].path, full[j].v[i].path);
		}
	}
	assert_int_equal(inc[0].n, base[0].n + 1);
	assert_string_equal(inc[0].v[0].message, "After cache");
	/* Through the cache: the set for the new HEAD matches git. */
	s = prompts_get(repo);
	assert_string_equal(s->v[1].path, paths[0]);
	assert_int_equal(s->v[1].hist.n, full[0].n);
	want = theirs(paths[0]);
	got = ours(paths[0]);
	assert_string_equal(got, want);
	free(want);
	free(got);
	for (j = 0; j < 2; j++) {
		git_history_free(&base[j]);
		git_history_free(&inc[j]);
		git_history_free(&full[j]);
	}
	free(h0);
}

static void check_image(const char *text, const char *want)
{
	char *got = docker_image_from_text(text, strlen(text));

	assert_string_equal(got, want);
	free(got);
}

static void test_docker_image_rule(void **state)
{
	(void)state;
	check_image("FROM golang:1.25-bookworm\nRUN make\n", "golang:1.25-bookworm");
	check_image("FROM --platform=linux/amd64 img\n", "--platform=linux/amd64");
	check_image("FROM img AS build\n", "img");
	check_image("FROM\timg\n", "");
	check_image("FROM a\nRUN x\nfrom b AS c\n", "b");
	check_image("   FROM  spaced  \r\n", "spaced");
	check_image("FROMX img\n", "");
	check_image("FROM \n", "");
	check_image("# FROM commented\n", "");
	check_image("", "");
	check_image("FROM first\nFROM\tsecond\n", "first");
}

static void test_version_rule(void **state)
{
	static const struct { const char *text; long long want; } cases[] = {
		{"1\n", 1}, {"  42  ", 42}, {"+7", 7}, {"-3\n", -3}, {"1.5", 0}, {"x", 0},
		{"", 0}, {"99999999999999999999", 0}, {"1 2", 0}, {"+", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		put(".cloche/version", cases[i].text);
		assert_int_equal(projinfo_version(repo), cases[i].want);
	}
	sh("rm -f .cloche/version");
	assert_int_equal(projinfo_version(repo), 0);
}

static void test_rfc3339_seconds(void **state)
{
	char out[32];

	(void)state;
	rfc3339_seconds(out, "2026-03-03T10:00:00.123456+01:00");
	assert_string_equal(out, "2026-03-03T10:00:00+01:00");
	rfc3339_seconds(out, "2026-03-03T10:00:00Z");
	assert_string_equal(out, "2026-03-03T10:00:00Z");
	rfc3339_seconds(out, "");
	assert_string_equal(out, "");
	rfc3339_seconds(out, "garbage");
	assert_string_equal(out, "");
}

static void test_dechunk(void **state)
{
	char a[] = "4\r\n[1,2\r\n3;ext=1\r\n,3]\r\n0\r\n\r\n";
	char b[] = "ff\r\nshort\r\n0\r\n\r\n";
	char c[] = "zz\r\n";

	(void)state;
	assert_int_equal(http_dechunk(a, strlen(a)), 7);
	assert_memory_equal(a, "[1,2,3]", 7);
	assert_int_equal(http_dechunk(b, strlen(b)), -1);
	assert_int_equal(http_dechunk(c, strlen(c)), -1);
}

static void test_daemon_fetch_unreachable(void **state)
{
	char err[256] = "";

	(void)state;
	/* Port 9 on loopback: refused at once, no hang. */
	assert_null(daemon_tasks_fetch("127.0.0.1:9", "api", err, sizeof err));
	assert_non_null(strstr(err, "cannot connect"));
	assert_null(daemon_tasks_fetch("", "api", err, sizeof err));
}

/* A stand-in for the daemon's web server: one canned answer per
 * connection, in order; a request for another path gets 400. */
static const char *const ANSWERS[] = {
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	"f\r\n[{\"id\":\"a\",\"sta\r\n"
	"2b\r\ntus\":\"open\",\"title\":\"A\",\"assigned\":false}]\n\r\n0\r\n\r\n",
	"HTTP/1.1 404 Not Found\r\nContent-Length: 31\r\n\r\n{\"error\":\"project not found\"}\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}\n",
	NULL, /* accept and say nothing: the 3 s budget must end it */
};

#define WANT_LINE "GET /api/projects/ws%2Fapi/tasks HTTP/1.1\r\n"

static pid_t server_pid;

/* The child never outlives the test: an alarm ends it, and it lets go
 * of the test's output so that a harness reading it does not wait. */
static void serve(int ls)
{
	char req[2048];
	size_t i;
	ssize_t k;
	int c;

	alarm(8);
	freopen("/dev/null", "w", stdout);
	freopen("/dev/null", "w", stderr);
	for (c = 3; c < 1024; c++)
		if (c != ls)
			close(c);

	for (i = 0; i < sizeof ANSWERS / sizeof *ANSWERS; i++) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			_exit(1);
		k = recv(c, req, sizeof req - 1, 0);
		req[k > 0 ? k : 0] = '\0';
		if (!ANSWERS[i]) {
			sleep(5);
			_exit(0);
		}
		if (strncmp(req, WANT_LINE, strlen(WANT_LINE)) != 0)
			send(c, "HTTP/1.1 400 Bad\r\n\r\n", 21, 0);
		else
			send(c, ANSWERS[i], strlen(ANSWERS[i]), 0);
		close(c);
	}
	_exit(0);
}

static void test_daemon_fetch_passthrough(void **state)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	struct json_object *o;
	char addr[64], err[256];
	struct timespec t0, t1;
	pid_t pid;
	int ls;

	(void)state;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
	snprintf(addr, sizeof addr, "http://127.0.0.1:%d", ntohs(a.sin_port));
	pid = server_pid = fork();
	if (pid == 0)
		serve(ls);
	close(ls);
	o = daemon_tasks_fetch(addr, "ws/api", err, sizeof err);
	if (!o)
		fail_msg("%s", err);
	assert_int_equal(json_object_array_length(o), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(o, 0), "status")), "open");
	json_object_put(o);
	assert_null(daemon_tasks_fetch(addr, "ws/api", err, sizeof err));
	assert_non_null(strstr(err, "HTTP 404"));
	assert_null(daemon_tasks_fetch(addr, "ws/api", err, sizeof err));
	assert_non_null(strstr(err, "not a JSON array"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_null(daemon_tasks_fetch(addr, "ws/api", err, sizeof err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec <= 4);
	assert_non_null(strstr(err, "within 3 s"));
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_matches_git),
		cmocka_unit_test(test_history_details),
		cmocka_unit_test(test_diff_matches_git),
		cmocka_unit_test(test_prompts_get_and_content),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_docker_image_rule),
		cmocka_unit_test(test_version_rule),
		cmocka_unit_test(test_rfc3339_seconds),
		cmocka_unit_test(test_dechunk),
		cmocka_unit_test(test_daemon_fetch_unreachable),
		cmocka_unit_test_teardown(test_daemon_fetch_passthrough, stop_server),
	};

	return cmocka_run_group_tests(tests, setup_repo, teardown_repo);
}
