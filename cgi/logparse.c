#include "logparse.h"
#include "esc.h"
#include "json.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_uspace(const unsigned char *s, size_t n, size_t *len)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return *len = 1, 1;
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return *len = 2, 1;
	if (n < 3)
		return 0;
	*len = 3;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 1;
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	    (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return s[2] >= 0x80;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 1;
	return s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80;
}

void utrim(const char **s, size_t *n)
{
	const unsigned char *u = (const unsigned char *)*s;
	size_t k, back;

	while (*n && is_uspace(u, *n, &k))
		u += k, *n -= k;
	while (*n) {
		for (back = 1; back <= 3 && back <= *n; back++)
			if (is_uspace(u + *n - back, back, &k) && k == back)
				break;
		if (back > 3 || back > *n)
			break;
		*n -= back;
	}
	*s = (const char *)u;
}

static const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Which input key names the call, and its byte limit (0 = none). */
static const char *tool_key(const char *name, int *limit)
{
	static const struct { const char *tool, *key; int limit; } t[] = {
		{"Bash", "command", 80}, {"Read", "file_path", 0}, {"Edit", "file_path", 0},
		{"Write", "file_path", 0}, {"Glob", "pattern", 0}, {"Grep", "pattern", 80},
		{"Agent", "description", 80}, {"WebFetch", "url", 0}, {"WebSearch", "query", 80},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(name, t[i].tool) == 0)
			return *limit = t[i].limit, t[i].key;
	return NULL;
}

/* Name('value'), store.md 3.7; the cut is by bytes, as in Go. */
static void tool_call(struct buf *out, struct json_object *block)
{
	static const char *const any[] = {"command", "file_path", "pattern", "query", "description"};
	const char *name = jget_str(block, "name"), *key, *val;
	struct json_object *in = jget(block, "input"), *v = NULL;
	int limit = 80;
	size_t i, len;

	name = name ? name : "";
	key = tool_key(name, &limit);
	if (key)
		v = jget(in, key);
	else
		for (i = 0; i < 5 && !v; i++)
			v = jget(in, any[i]);
	buf_puts(out, name);
	if (!v || !json_object_is_type(v, json_type_string))
		return;
	val = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	buf_puts(out, "('");
	if (limit && len > (size_t)limit) {
		buf_put(out, val, (size_t)limit);
		buf_puts(out, "...");
	} else {
		buf_put(out, val, len);
	}
	buf_puts(out, "')");
}

static void assistant(struct buf *out, struct json_object *o)
{
	struct json_object *c = jget(jget(o, "message"), "content"), *b;
	size_t i, n, tl;
	const char *type, *text;
	int pieces = 0;

	if (!c || !json_object_is_type(c, json_type_array))
		return;
	n = json_object_array_length(c);
	for (i = 0; i < n; i++) {
		b = json_object_array_get_idx(c, i);
		type = jget_str(b, "type");
		if (!type)
			continue;
		if (strcmp(type, "text") == 0 && (text = jget_str(b, "text"))) {
			tl = (size_t)json_object_get_string_len(jget(b, "text"));
			utrim(&text, &tl);
			if (!tl)
				continue;
			if (pieces++)
				buf_putc(out, '\n');
			buf_put(out, text, tl);
		} else if (strcmp(type, "tool_use") == 0) {
			if (pieces++)
				buf_putc(out, '\n');
			buf_puts(out, "\n--- Tool: ");
			tool_call(out, b);
			buf_puts(out, " ---");
		}
	}
	if (pieces)
		buf_putc(out, '\n');
}

static void put_jstr(struct buf *out, struct json_object *v)
{
	if (v && json_object_is_type(v, json_type_string))
		buf_put(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

static void convert(struct buf *out, struct json_object *o)
{
	const char *type = jget_str(o, "type");
	struct json_object *d, *cb;

	if (!type)
		return;
	if (strcmp(type, "assistant") == 0) {
		assistant(out, o);
	} else if (strcmp(type, "result") == 0) {
		put_jstr(out, jget(o, "result"));
	} else if (strcmp(type, "content_block_delta") == 0) {
		d = jget(o, "delta");
		if (d && jget_str(d, "type") && strcmp(jget_str(d, "type"), "text_delta") == 0)
			put_jstr(out, jget(d, "text"));
	} else if (strcmp(type, "content_block_start") == 0) {
		cb = jget(o, "content_block");
		if (cb && jget_str(cb, "type") && strcmp(jget_str(cb, "type"), "tool_use") == 0) {
			buf_puts(out, "\n--- Tool: ");
			tool_call(out, cb);
			buf_puts(out, " ---\n");
		}
	}
}

int llm_rewrite(const char *s, size_t n, struct buf *out)
{
	struct json_tokener *tok;
	struct json_object *o;
	int ok;

	if (!n || s[0] != '{' || n > 0x7fffffff)
		return 0;
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	     (size_t)json_tokener_get_parse_end(tok) == n && json_object_is_type(o, json_type_object);
	json_tokener_free(tok);
	if (ok) {
		buf_reset(out);
		convert(out, o);
	}
	json_object_put(o);
	return ok;
}

/* A line too long to hold: guess its event type from the first bytes, so
 * that huge tool-result ("user") events are dropped as they would be. */
static int big_llm_kept(const char *s, size_t n)
{
	const char *p = memmem(s, n < 512 ? n : 512, "\"type\":\"", 8), *e;
	size_t k;

	if (!p)
		return 0;
	p += 8;
	e = memchr(p, '"', (size_t)(s + n - p));
	if (!e)
		return 0;
	k = (size_t)(e - p);
	return (k == 9 && !memcmp(p, "assistant", 9)) || (k == 6 && !memcmp(p, "result", 6)) ||
	       (k == 19 && !memcmp(p, "content_block_delta", 19)) ||
	       (k == 19 && !memcmp(p, "content_block_start", 19));
}

/* `[ts] [type] content`: both brackets non-empty, no ']' inside. */
static int split_marker(const char *s, size_t n, size_t *te, size_t *ys, size_t *ye)
{
	const char *p;

	if (n < 7 || s[0] != '[')
		return 0;
	p = memchr(s + 1, ']', n - 1);
	if (!p || p == s + 1)
		return 0;
	*te = (size_t)(p - s);
	if (*te + 3 >= n || s[*te + 1] != ' ' || s[*te + 2] != '[')
		return 0;
	*ys = *te + 3;
	p = memchr(s + *ys, ']', n - *ys);
	if (!p || (size_t)(p - s) == *ys)
		return 0;
	*ye = (size_t)(p - s);
	return *ye + 1 < n && s[*ye + 1] == ' ';
}

static void now_ts(char out[64])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 64, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_step(char *dst, const char *s, size_t n)
{
	if (n > LOG_STEPMAX)
		n = LOG_STEPMAX;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Step attribution from the raw status text (store.md 3.7 step 4). */
static void attribute(struct logstate *st, struct logline *l, const char *c, size_t n)
{
	const char *arrow;

	buf_reset(&l->step);
	if (l->type.len == 6 && !memcmp(l->type.p, "status", 6)) {
		if (n >= 14 && !memcmp(c, "step_started: ", 14)) {
			set_step(st->step, c + 14, n - 14);
		} else if (n >= 16 && !memcmp(c, "step_completed: ", 16)) {
			arrow = memmem(c + 16, n - 16, " -> ", 4);
			set_step(st->step, c + 16, arrow ? (size_t)(arrow - c - 16) : n - 16);
			buf_puts(&l->step, st->step);
			st->step[0] = '\0';
			return;
		}
	}
	buf_puts(&l->step, st->step);
}

/* Cut at a character boundary at or before max bytes. */
static size_t cut_utf8(const char *s, size_t n, size_t max)
{
	size_t k = n < max ? n : max;

	while (k && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

static int llm_content(struct logline *l, const char *c, size_t n, int held_all)
{
	struct buf tmp = {0};
	int json;

	utrim(&c, &n);
	if (!n)
		return 0;
	if (!held_all && c[0] == '{') {
		if (!big_llm_kept(c, n))
			return 0;
		buf_put(&l->content, c, n);
		return 1;
	}
	json = llm_rewrite(c, n, &tmp);
	if (!json)
		buf_put(&l->content, c, n);
	else if (tmp.len)
		buf_put(&l->content, tmp.p, tmp.len);
	buf_free(&tmp);
	return l->content.len > 0;
}

int log_parse(struct logstate *st, const char *raw, size_t n, long long full, struct logline *l)
{
	size_t te, ys, ye, k;
	const char *c;

	buf_reset(&l->ts);
	buf_reset(&l->type);
	buf_reset(&l->content);
	l->len = full;
	l->truncated = 0;
	if (split_marker(raw, n, &te, &ys, &ye)) {
		buf_put(&l->ts, raw + 1, te - 1);
		set_step(st->ts, raw + 1, te - 1 < 63 ? te - 1 : 63);
		buf_put(&l->type, raw + ys, ye - ys);
		c = raw + ye + 2;
	} else {
		if (!st->ts[0])
			now_ts(st->ts);
		buf_puts(&l->ts, st->ts);
		buf_puts(&l->type, "script");
		c = raw;
	}
	k = n - (size_t)(c - raw);
	attribute(st, l, c, k);
	if (l->type.len == 3 && !memcmp(l->type.p, "llm", 3)) {
		if (!llm_content(l, c, k, (long long)n == full))
			return 0;
	} else if (k) {
		buf_put(&l->content, c, k);
	}
	if (full >= LOG_BIG && l->content.len > LOG_SHOW) {
		l->content.len = cut_utf8(l->content.p, l->content.len, LOG_SHOW);
		l->truncated = 1;
	} else if ((long long)n < full) {
		l->truncated = 1;
	}
	if (l->truncated) {
		char note[96];

		snprintf(note, sizeof note, " \xE2\x80\xA6 [line truncated: %lld bytes in full.log]", full);
		buf_puts(&l->content, note);
	}
	return 1;
}

struct json_object *logline_json(const struct logline *l, int with_off)
{
	struct json_object *o = json_object_new_object();

	jadd(o, "timestamp", jstrn(l->ts.p, l->ts.len));
	jadd(o, "type", jstrn(l->type.p, l->type.len));
	jadd(o, "content", jstrn(l->content.p, l->content.len));
	if (l->step.len)
		jadd(o, "step_name", jstrn(l->step.p, l->step.len));
	if (with_off || l->truncated)
		jadd_int(o, "offset", l->off);
	if (l->truncated) {
		jadd_bool(o, "truncated", 1);
		jadd_int(o, "bytes", l->len);
	}
	return o;
}

void logline_free(struct logline *l)
{
	buf_free(&l->ts);
	buf_free(&l->type);
	buf_free(&l->content);
	buf_free(&l->step);
}

/* Per-step output (store.md 3.7): each trimmed non-blank line, JSON lines
 * converted with no separator, others copied with "\n"; a file with no
 * JSON line at all comes back byte for byte. */
void stepout_convert(const char *s, size_t n, struct buf *out)
{
	struct buf tmp = {0}, res = {0};
	const char *p = s, *e, *line;
	size_t len;
	int any_json = 0;

	while (p < s + n) {
		e = memchr(p, '\n', (size_t)(s + n - p));
		line = p;
		len = e ? (size_t)(e - p) : (size_t)(s + n - p);
		p = e ? e + 1 : s + n;
		utrim(&line, &len);
		if (!len)
			continue;
		if (llm_rewrite(line, len, &tmp)) {
			any_json = 1;
			if (tmp.len)
				buf_put(&res, tmp.p, tmp.len);
		} else {
			buf_put(&res, line, len);
			buf_putc(&res, '\n');
		}
	}
	if (any_json && res.len)
		buf_put(out, res.p, res.len);
	else
		buf_put(out, s, n);
	buf_free(&tmp);
	buf_free(&res);
}
