#include "livepos.h"
#include "lineread.h"
#include "logpath.h"
#include "runs.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void livepos_init(struct livepos *p, const char *project, const char *path)
{
	memset(p, 0, sizeof *p);
	p->project = strdup(project ? project : "");
	p->path = path ? strdup(path) : NULL;
}

/* The file, once it exists and resolves inside <project>/.cloche. */
int livepos_open(const struct livepos *p)
{
	struct run r = {0};
	char *real;
	int fd;

	if (!p->path)
		return -1;
	r.project_dir = p->project;
	real = logpath_confine(&r, p->path);
	if (!real)
		return -1;
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(real);
	return fd;
}

void livepos_free(struct livepos *p)
{
	free(p->project);
	free(p->path);
	free(p->outer);
	free(p->closing);
	memset(p, 0, sizeof *p);
}

/* "[ts] [status] <text>": the text, or NULL for any other line. */
static const char *status_text(const char *s, size_t n, size_t *tn)
{
	const char *e = memchr(s, ']', n);

	if (n < 2 || s[0] != '[' || !e || (size_t)(e - s) + 11 > n || memcmp(e, "] [status] ", 11) != 0)
		return NULL;
	*tn = n - (size_t)(e + 11 - s);
	return e + 11;
}

/* From *from on, the first status line "<verb>: <step>" followed by end
 * of text or " ": 1 with *at (its offset) and *after; 0 not (yet) there. */
static int find_status(int fd, long long from, const char *verb, const char *step, long long *at,
		       long long *after)
{
	struct lread r;
	const char *s, *t;
	size_t n, tn, vl = strlen(verb), sl = strlen(step);
	long long full, next, off = from;
	int rc, found = 0;

	lread_init(&r, fd);
	while (!found && (rc = lread_line(&r, off, 0, &s, &n, &full, &next)) > 0) {
		t = status_text(s, n, &tn);
		if (t && tn >= vl + 2 + sl && memcmp(t, verb, vl) == 0 && memcmp(t + vl, ": ", 2) == 0 &&
		    memcmp(t + vl + 2, step, sl) == 0 && (tn == vl + 2 + sl || t[vl + 2 + sl] == ' ')) {
			*at = off;
			*after = next;
			found = 1;
		}
		off = next;
	}
	if (!found)
		*at = *after = off; /* the end of the complete lines */
	lread_done(&r);
	return found;
}

/* A new outer step: its block is the first "step_started: <step>" after
 * the previous block, or, not written yet (the daemon writes a block when
 * the step completes), the end of the file, where it will be written. */
static void outer_start(struct livepos *p, const char *step)
{
	int fd = livepos_open(p);
	long long at, after;

	if (fd >= 0) {
		if (p->closing && find_status(fd, p->cursor, "step_completed", p->closing, &at, &after))
			p->cursor = after;
		else if (p->closing)
			p->cursor = at;
		find_status(fd, p->cursor, "step_started", step, &at, &after);
		p->b = p->cursor = at;
		close(fd);
	} else {
		p->b = p->cursor = 0; /* no file yet: the block will start it */
	}
	free(p->closing);
	p->closing = NULL;
	free(p->outer);
	p->outer = strdup(step);
	p->depth = 0;
	p->s = 1;
	p->t = 0;
}

/* The step name after "<verb>: ", up to " -> " (or the end). */
static char *step_of(const char *msg, size_t vl)
{
	const char *s = msg + vl + 2, *e = strstr(s, " -> ");

	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

void livepos_entry(struct livepos *p, const char *msg)
{
	const char *c;
	char *step;
	long long lines = 1;

	if (!strncmp(msg, "step_started: ", 14)) {
		step = step_of(msg, 12);
		if (!p->outer)
			outer_start(p, step);
		else
			p->depth++;
		free(step);
		return;
	}
	if (!strncmp(msg, "step_completed: ", 16) || !strncmp(msg, "step_skipped: ", 14)) {
		step = step_of(msg, msg[5] == 'c' ? 14 : 12);
		if (p->outer && p->depth > 0 && msg[5] == 'c') {
			p->depth--;
		} else if (p->outer && p->depth == 0 && strcmp(step, p->outer) == 0) {
			p->s++;
			p->closing = p->outer;
			p->outer = NULL;
		} else if (!p->outer) {
			p->s++; /* a skipped outer step: one status line */
		}
		free(step);
		return;
	}
	/* A message is written one line per physical line, trailing
	 * newlines dropped (store.md 3.6). */
	for (c = msg + strlen(msg); c > msg && c[-1] == '\n'; c--)
		;
	for (const char *q = msg; q < c; q++)
		lines += *q == '\n';
	p->t += lines;
}

long long livepos_offset(int fd, const struct sse_pos *pos, int at_eof_ok)
{
	struct lread r;
	const char *s;
	size_t n, tn;
	long long full, next, off = pos->b, st = pos->s, tx = pos->t;

	lread_init(&r, fd);
	while (lread_line(&r, off, at_eof_ok, &s, &n, &full, &next) > 0) {
		if (status_text(s, n, &tn) ? st-- <= 0 : tx-- <= 0)
			break;
		off = next;
	}
	lread_done(&r);
	return off;
}

int livepos_covered(int fd, const struct sse_pos *pos, long long upto)
{
	struct lread r;
	const char *s;
	size_t n, tn;
	long long full, next, off = pos->b, st = pos->s, tx = pos->t;
	int stop = 0, status;

	if (fd < 0 || pos->b >= upto)
		return 0;
	lread_init(&r, fd);
	while (off < upto && lread_line(&r, off, 0, &s, &n, &full, &next) > 0) {
		status = status_text(s, n, &tn) != NULL;
		if (status ? st <= 0 : tx <= 0) {
			stop = 1; /* a line past the event: the event ends here */
			break;
		}
		if (status)
			st--;
		else
			tx--;
		off = next;
	}
	lread_done(&r);
	return (stop || (st <= 0 && tx <= 0)) && off <= upto;
}
