/* A recursive-descent TOML 1.0 validator: it builds nothing but the list
 * of defined key paths, which is what duplicate detection needs. */
#include "toml_check.h"
#include "esc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATHS 1024
#define MAX_PATH_LEN 512

enum kind { K_VALUE, K_TABLE_IMPLICIT, K_TABLE, K_ARRAY_TABLE };
enum vtype { V_STRING, V_INT, V_FLOAT, V_BOOL, V_DATE, V_ARRAY, V_TABLE };

struct tc {
	const char *p, *end;
	int line;
	char err[200];
	char cur[MAX_PATH_LEN];      /* current table path, keys joined by '\x1f' */
	struct def { char path[MAX_PATH_LEN]; enum kind kind; } *defs;   /* grown on demand, owned */
	int ndefs, cap;
	int depth;
};

static int bad(struct tc *t, const char *msg)
{
	if (!*t->err)
		snprintf(t->err, sizeof t->err, "line %d: %s", t->line, msg);
	return -1;
}

static int at_end(const struct tc *t) { return t->p >= t->end; }
static int peek(const struct tc *t) { return t->p < t->end ? (unsigned char)*t->p : -1; }
static int starts(const struct tc *t, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(t->end - t->p) >= n && memcmp(t->p, s, n) == 0;
}

static void ws(struct tc *t)
{
	while (!at_end(t) && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static int comment(struct tc *t)
{
	if (peek(t) != '#')
		return 0;
	for (t->p++; !at_end(t) && *t->p != '\n'; t->p++) {
		unsigned char c = (unsigned char)*t->p;

		if ((c < 0x20 && c != '\t' && !(c == '\r' && t->p + 1 < t->end && t->p[1] == '\n')) || c == 0x7f)
			return bad(t, "control character in a comment");
	}
	return 0;
}

static int newline(struct tc *t)
{
	if (starts(t, "\r\n"))
		t->p += 2;
	else if (peek(t) == '\n')
		t->p++;
	else
		return 0;
	t->line++;
	return 1;
}

/* Whitespace, comments and newlines, as allowed inside arrays. */
static int ws_nl(struct tc *t)
{
	for (;;) {
		ws(t);
		if (comment(t) < 0)
			return -1;
		if (!newline(t))
			return 0;
	}
}

/* ---- strings ---------------------------------------------------------- */

static int hexdigits(struct tc *t, int n)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < n; i++, t->p++) {
		int c = peek(t);

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return bad(t, "bad \\u escape");
		v = v * 16 + (unsigned long)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return bad(t, "\\u escape is not a Unicode scalar value");
	return 0;
}

static int escape(struct tc *t, int multiline)
{
	int c;

	t->p++;   /* the backslash */
	c = peek(t);
	if (c >= 0 && strchr("btnfr\"\\", c) && c) {
		t->p++;
		return 0;
	}
	if (c == 'u' || c == 'U') {
		t->p++;
		return hexdigits(t, c == 'u' ? 4 : 8);
	}
	if (multiline) {   /* line-ending backslash */
		const char *save = t->p;

		ws(t);
		if (newline(t)) {
			while (ws(t), newline(t))
				;
			return 0;
		}
		t->p = save;
	}
	return bad(t, "invalid escape sequence in a string");
}

static int str_char_ok(int c, int multiline)
{
	if (c == '\t')
		return 1;
	if (multiline && (c == '\n' || c == '\r'))
		return 1;
	return !(c < 0x20 || c == 0x7f);
}

static int string(struct tc *t)
{
	char q = *t->p;
	int ml = q == '"' ? starts(t, "\"\"\"") : starts(t, "'''");

	t->p += ml ? 3 : 1;
	if (ml)
		newline(t);   /* a newline right after the opening quotes is trimmed */
	for (;;) {
		int c = peek(t);

		if (c < 0)
			return bad(t, "unterminated string");
		if (ml && c == q && starts(t, q == '"' ? "\"\"\"" : "'''")) {
			t->p += 3;
			/* up to two more quotes belong to the content */
			if (peek(t) == q)
				t->p++;
			if (peek(t) == q)
				t->p++;
			return 0;
		}
		if (!ml && c == q) {
			t->p++;
			return 0;
		}
		if (q == '"' && c == '\\') {
			if (escape(t, ml) < 0)
				return -1;
			continue;
		}
		if (c == '\r' && ml && !starts(t, "\r\n"))
			return bad(t, "bare carriage return in a string");
		if (!str_char_ok(c, ml))
			return bad(t, c == '\n' ? "newline in a single-line string" : "control character in a string");
		if (c == '\n')
			t->line++;
		t->p++;
	}
}

/* ---- keys and paths ----------------------------------------------------- */

static int bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A possibly dotted key appended to path (components joined by \x1f). */
static int key(struct tc *t, char *path, size_t cap, int *parts)
{
	*parts = 0;
	for (;;) {
		size_t n = strlen(path);
		const char *s;

		ws(t);
		s = t->p;
		if (peek(t) == '"' || peek(t) == '\'') {
			if (starts(t, "\"\"\"") || starts(t, "'''"))
				return bad(t, "multi-line strings cannot be keys");
			if (string(t) < 0)
				return -1;
		} else {
			while (bare_char(peek(t)))
				t->p++;
			if (t->p == s)
				return bad(t, "expected a key");
		}
		if (n + (size_t)(t->p - s) + 2 >= cap)
			return bad(t, "key too long");
		snprintf(path + n, cap - n, "%s%.*s", n ? "\x1f" : "", (int)(t->p - s), s);
		(*parts)++;
		ws(t);
		if (peek(t) != '.')
			return 0;
		t->p++;
	}
}

static int find(const struct tc *t, const char *path)
{
	int i;

	for (i = 0; i < t->ndefs; i++)
		if (strcmp(t->defs[i].path, path) == 0)
			return i;
	return -1;
}

static int define(struct tc *t, const char *path, enum kind k)
{
	if (t->ndefs == MAX_PATHS)
		return bad(t, "too many keys");
	if (t->ndefs == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->defs = realloc(t->defs, (size_t)t->cap * sizeof *t->defs);
	}
	snprintf(t->defs[t->ndefs].path, MAX_PATH_LEN, "%s", path);
	t->defs[t->ndefs++].kind = k;
	return 0;
}

/* Every proper prefix of path becomes an implicit table, unless it is a
 * value already (then path cannot be defined). */
static int prefixes(struct tc *t, const char *path)
{
	char tmp[MAX_PATH_LEN];
	const char *s;

	for (s = strchr(path, '\x1f'); s; s = strchr(s + 1, '\x1f')) {
		int i;

		snprintf(tmp, sizeof tmp, "%.*s", (int)(s - path), path);
		i = find(t, tmp);
		if (i >= 0 && t->defs[i].kind == K_VALUE)
			return bad(t, "key is already defined as a value, not a table");
		if (i < 0 && define(t, tmp, K_TABLE_IMPLICIT) < 0)
			return -1;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------- */

static int value(struct tc *t, enum vtype *vt);

static int digits(struct tc *t, int (*ok)(int))
{
	const char *s = t->p;

	for (;;) {
		if (!ok(peek(t)))
			return bad(t, "invalid number");
		while (ok(peek(t)))
			t->p++;
		if (peek(t) != '_')
			break;
		t->p++;
	}
	return t->p > s ? 0 : -1;
}

static int is_dec(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_oct(int c) { return c >= '0' && c <= '7'; }
static int is_bin(int c) { return c == '0' || c == '1'; }

static int two(struct tc *t, int max)
{
	int v;

	if (!is_dec(peek(t)) || t->p + 1 >= t->end || !is_dec((unsigned char)t->p[1]))
		return bad(t, "invalid date or time");
	v = (t->p[0] - '0') * 10 + (t->p[1] - '0');
	t->p += 2;
	return v <= max ? 0 : bad(t, "date or time field out of range");
}

static int time_part(struct tc *t)
{
	if (two(t, 23) < 0 || peek(t) != ':' || (t->p++, two(t, 59)) < 0 || peek(t) != ':' ||
	    (t->p++, two(t, 60)) < 0)
		return bad(t, "invalid time");
	if (peek(t) == '.') {
		t->p++;
		if (!is_dec(peek(t)))
			return bad(t, "invalid fraction of a second");
		while (is_dec(peek(t)))
			t->p++;
	}
	return 0;
}

static int datetime(struct tc *t, enum vtype *vt)
{
	*vt = V_DATE;
	if (t->p + 2 < t->end && t->p[2] == ':')
		return time_part(t);   /* local time */
	t->p += 4;   /* the year: four digits, checked by the caller */
	if (peek(t) != '-' || (t->p++, two(t, 12)) < 0 || peek(t) != '-' || (t->p++, two(t, 31)) < 0)
		return bad(t, "invalid date");
	if ((peek(t) == 'T' || peek(t) == 't' || (peek(t) == ' ' && t->p + 1 < t->end && is_dec((unsigned char)t->p[1])))) {
		t->p++;
		if (time_part(t) < 0)
			return -1;
		if (peek(t) == 'Z' || peek(t) == 'z') {
			t->p++;
		} else if (peek(t) == '+' || peek(t) == '-') {
			t->p++;
			if (two(t, 23) < 0 || peek(t) != ':' || (t->p++, two(t, 59)) < 0)
				return bad(t, "invalid time offset");
		}
	}
	return 0;
}

static int number(struct tc *t, enum vtype *vt)
{
	const char *s = t->p;
	int sign = peek(t) == '+' || peek(t) == '-';

	*vt = V_INT;
	if (sign)
		t->p++;
	if (starts(t, "inf") || starts(t, "nan")) {
		t->p += 3;
		*vt = V_FLOAT;
		return 0;
	}
	if (!sign && peek(t) == '0' && t->p + 1 < t->end && strchr("xob", t->p[1]) && t->p[1]) {
		char b = t->p[1];

		t->p += 2;
		return digits(t, b == 'x' ? is_hex : b == 'o' ? is_oct : is_bin);
	}
	if (!is_dec(peek(t)))
		return bad(t, "invalid value");
	if (peek(t) == '0' && t->p + 1 < t->end && is_dec((unsigned char)t->p[1]))
		return bad(t, "leading zeros are not allowed");
	if (digits(t, is_dec) < 0)
		return -1;
	if (peek(t) == '.') {
		t->p++;
		*vt = V_FLOAT;
		if (digits(t, is_dec) < 0)
			return -1;
	}
	if (peek(t) == 'e' || peek(t) == 'E') {
		t->p++;
		*vt = V_FLOAT;
		if (peek(t) == '+' || peek(t) == '-')
			t->p++;
		if (digits(t, is_dec) < 0)
			return -1;
	}
	(void)s;
	return 0;
}

static int array(struct tc *t)
{
	enum vtype vt;

	t->p++;
	for (;;) {
		if (ws_nl(t) < 0)
			return -1;
		if (peek(t) == ']') {
			t->p++;
			return 0;
		}
		if (value(t, &vt) < 0 || ws_nl(t) < 0)
			return -1;
		if (peek(t) == ',') {
			t->p++;
			continue;
		}
		if (peek(t) != ']')
			return bad(t, "expected ',' or ']' in an array");
	}
}

static int keyval(struct tc *t, const char *table, int in_inline);

/* Inline tables are checked with a private set of definitions: they are
 * self-contained and cannot be extended afterwards. */
static int inline_table(struct tc *t)
{
	int save = t->ndefs;
	char save_cur[MAX_PATH_LEN];
	int first = 1;

	memcpy(save_cur, t->cur, sizeof save_cur);
	snprintf(t->cur, sizeof t->cur, "\x1e%d", t->depth);
	t->p++;
	for (;;) {
		ws(t);
		if (peek(t) == '}' && first) {
			t->p++;
			break;
		}
		if (keyval(t, t->cur, 1) < 0)
			return -1;
		ws(t);
		first = 0;
		if (peek(t) == ',') {
			t->p++;
			continue;
		}
		if (peek(t) != '}')
			return bad(t, "expected ',' or '}' in an inline table");
		t->p++;
		break;
	}
	t->ndefs = save;
	memcpy(t->cur, save_cur, sizeof save_cur);
	return 0;
}

static int value(struct tc *t, enum vtype *vt)
{
	int c = peek(t), rc;

	if (++t->depth > 64)
		return bad(t, "values nested too deeply");
	if (c == '"' || c == '\'') {
		*vt = V_STRING;
		rc = string(t);
	} else if (c == '[') {
		*vt = V_ARRAY;
		rc = array(t);
	} else if (c == '{') {
		*vt = V_TABLE;
		rc = inline_table(t);
	} else if (starts(t, "true") || starts(t, "false")) {
		*vt = V_BOOL;
		t->p += c == 't' ? 4 : 5;
		rc = 0;
	} else if (t->end - t->p >= 5 && is_dec(c) && is_dec((unsigned char)t->p[1]) &&
		   ((is_dec((unsigned char)t->p[2]) && is_dec((unsigned char)t->p[3]) && t->p[4] == '-') ||
		    t->p[2] == ':')) {
		rc = datetime(t, vt);
	} else {
		rc = number(t, vt);
	}
	t->depth--;
	if (rc == 0 && bare_char(peek(t)))
		return bad(t, "invalid value");
	return rc;
}

/* ---- what the daemon decodes (store.md 3.2) ------------------------------- */

static const struct { const char *path; int types; } KNOWN[] = {
	{"active", 1 << V_BOOL},
	{"daemon\x1fimage", 1 << V_STRING},
	{"orchestration\x1f" "concurrency", 1 << V_INT},
	{"orchestration\x1fstagger_seconds", 1 << V_FLOAT | 1 << V_INT},
	{"orchestration\x1f" "dedup_seconds", 1 << V_FLOAT | 1 << V_INT},
	{"orchestration\x1fstop_on_error", 1 << V_BOOL},
	{"orchestration\x1fmax_consecutive_failures", 1 << V_INT},
	{"orchestration\x1flist_tasks_command", 1 << V_STRING},
	{"evolution\x1f" "enabled", 1 << V_BOOL},
	{"agent\x1fmode", 1 << V_STRING},
	{"git\x1fname", 1 << V_STRING},
	{"git\x1f" "email", 1 << V_STRING},
	{"git\x1fssh_key", 1 << V_STRING},
};

static const char *TABLES[] = {"daemon", "orchestration", "evolution", "agent", "git", "agents"};

static int type_ok(struct tc *t, const char *path, enum vtype vt)
{
	size_t i;

	for (i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
		if (strcmp(KNOWN[i].path, path) == 0 && !(KNOWN[i].types & (1 << vt)))
			return bad(t, "value has the wrong type for the daemon's config");
	for (i = 0; i < sizeof TABLES / sizeof TABLES[0]; i++)
		if (strcmp(TABLES[i], path) == 0 && vt != V_TABLE)
			return bad(t, "must be a table in the daemon's config");
	if (strcmp(path, "repositories") == 0 && vt != V_ARRAY)
		return bad(t, "repositories must be an array of tables");
	return 0;
}

static int keyval(struct tc *t, const char *table, int in_inline)
{
	char path[MAX_PATH_LEN];
	enum vtype vt;
	int parts;

	snprintf(path, sizeof path, "%s", table);
	if (key(t, path, sizeof path, &parts) < 0)
		return -1;
	if (peek(t) != '=')
		return bad(t, "expected '=' after a key");
	t->p++;
	ws(t);
	if (find(t, path) >= 0)
		return bad(t, "duplicate key");
	if (prefixes(t, path) < 0 || define(t, path, K_VALUE) < 0)
		return -1;
	if (value(t, &vt) < 0)
		return -1;
	return in_inline ? 0 : type_ok(t, path, vt);
}

static int header(struct tc *t)
{
	int arr = starts(t, "[["), parts, i;
	char path[MAX_PATH_LEN] = "";

	t->p += arr ? 2 : 1;
	if (key(t, path, sizeof path, &parts) < 0)
		return -1;
	if (arr ? !starts(t, "]]") : peek(t) != ']')
		return bad(t, "unterminated table header");
	t->p += arr ? 2 : 1;
	if (prefixes(t, path) < 0)
		return -1;
	i = find(t, path);
	if (arr) {
		if (i >= 0 && t->defs[i].kind != K_ARRAY_TABLE)
			return bad(t, "array of tables redefines a key or table");
		if (i < 0 && define(t, path, K_ARRAY_TABLE) < 0)
			return -1;
		/* each element is a fresh table: a unique path suffix */
		snprintf(t->cur, sizeof t->cur, "%s\x1f#%d", path, t->ndefs);
		return 0;
	}
	if (i >= 0 && t->defs[i].kind != K_TABLE_IMPLICIT)
		return bad(t, "table defined twice");
	if (i >= 0)
		t->defs[i].kind = K_TABLE;
	else if (define(t, path, K_TABLE) < 0)
		return -1;
	snprintf(t->cur, sizeof t->cur, "%s", path);
	return 0;
}

static int valid_utf8(const char *s, size_t n, int *line)
{
	size_t i = 0;

	*line = 1;
	while (i < n) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);

		if (!k)
			return 0;
		if (s[i] == '\n')
			(*line)++;
		i += k;
	}
	return 1;
}

int toml_check(const char *text, size_t n, char *why, size_t cap)
{
	struct tc *t = calloc(1, sizeof *t);
	int rc = 0, line;

	if (!valid_utf8(text, n, &line)) {
		snprintf(why, cap, "line %d: not valid UTF-8", line);
		free(t);
		return -1;
	}
	t->p = text;
	t->end = text + n;
	t->line = 1;
	while (rc == 0 && !at_end(t)) {
		ws(t);
		if (peek(t) == '[')
			rc = header(t);
		else if (peek(t) != '#' && peek(t) != '\n' && peek(t) != '\r' && !at_end(t))
			rc = keyval(t, t->cur, 0);
		if (rc == 0) {
			ws(t);
			rc = comment(t);
		}
		if (rc == 0 && !at_end(t) && !newline(t))
			rc = bad(t, "expected the end of the line");
	}
	if (rc != 0)
		snprintf(why, cap, "%s", t->err);
	free(t->defs);
	free(t);
	return rc;
}
