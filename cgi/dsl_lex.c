/* Lexer for .cloche files (daemon.md 3.1), the arena that owns a parsed
 * file, and Go-style quoting for error messages. Columns count characters
 * (runes), as the daemon's do, not bytes. */
#include "dsl.h"
#include "dsl_int.h"
#include "esc.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dsl_arena {
	struct dsl_arena *next;
	size_t used, cap;
	max_align_t data[];
};

#define ARENA_BLOCK 16384

void *arena_alloc(struct dsl_arena **a, size_t n)
{
	struct dsl_arena *b = *a;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = malloc(sizeof *b + cap);
		if (!b)
			abort();
		b->next = *a;
		b->used = 0;
		b->cap = cap;
		*a = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct dsl_arena **a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct dsl_arena *a)
{
	while (a) {
		struct dsl_arena *next = a->next;

		free(a);
		a = next;
	}
}

/* Doubling growth; the old copy stays in the arena until the file is freed,
 * which at most doubles the memory of the arrays. */
void *arena_push(struct dsl_arena **a, void *base, size_t *n, size_t *cap, size_t elem)
{
	char *p = base;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		char *q = arena_alloc(a, nc * elem);

		if (*n)
			memcpy(q, p, *n * elem);
		p = q;
		*cap = nc;
	}
	memset(p + *n * elem, 0, elem);
	(*n)++;
	return p;
}

void lex_init(struct lexer *lx, const char *s, size_t n, struct dsl_arena **a)
{
	lx->s = s;
	lx->n = n;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
	lx->a = a;
}

static int at(const struct lexer *lx, size_t off)
{
	return lx->pos + off < lx->n ? (unsigned char)lx->s[lx->pos + off] : 0;
}

/* One character forward: a whole UTF-8 sequence (the input is valid). */
static void advance(struct lexer *lx)
{
	if (lx->pos >= lx->n)
		return;
	if (lx->s[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
	while (lx->pos < lx->n && ((unsigned char)lx->s[lx->pos] & 0xC0) == 0x80)
		lx->pos++;
}

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_part(int c)
{
	return is_ident_start(c) || is_digit(c);
}

static void skip_space(struct lexer *lx)
{
	int c;

	while ((c = at(lx, 0))) {
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			advance(lx);
		} else if (c == '/' && at(lx, 1) == '/') {
			while (at(lx, 0) && at(lx, 0) != '\n')
				advance(lx);
		} else {
			break;
		}
	}
}

/* `give-up` is one identifier: '-' continues it when followed by an
 * identifier character (which excludes '>', so `a->b` is three tokens). */
static const char *read_ident(struct lexer *lx)
{
	size_t start = lx->pos;

	for (;;) {
		int c = at(lx, 0);

		if (is_ident_part(c) || (c == '-' && is_ident_part(at(lx, 1))))
			advance(lx);
		else
			break;
	}
	return arena_strndup(lx->a, lx->s + start, lx->pos - start);
}

static const char *read_int(struct lexer *lx)
{
	size_t start = lx->pos;

	while (is_digit(at(lx, 0)))
		advance(lx);
	return arena_strndup(lx->a, lx->s + start, lx->pos - start);
}

/* \" \\ \n \t are escapes; any other pair is kept as written. An
 * unterminated string runs to the end of the input. */
static const char *read_string(struct lexer *lx)
{
	struct buf b = {0};
	const char *out;

	advance(lx);
	while (lx->pos < lx->n && at(lx, 0) != '"') {
		int c = at(lx, 0);

		if (c == '\\' && lx->pos + 1 < lx->n) {
			int e = at(lx, 1);

			if (e == '"' || e == '\\' || e == 'n' || e == 't') {
				buf_putc(&b, e == 'n' ? '\n' : e == 't' ? '\t' : e);
				advance(lx);
				advance(lx);
				continue;
			}
		}
		{
			size_t p0 = lx->pos;

			advance(lx);
			buf_put(&b, lx->s + p0, lx->pos - p0);
		}
	}
	if (lx->pos < lx->n)
		advance(lx);
	out = arena_strndup(lx->a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

static const char *PUNCT[] = {
	['{'] = "{", ['}'] = "}", ['['] = "[", [']'] = "]", ['('] = "(", [')'] = ")",
	[','] = ",", ['='] = "=", [':'] = ":", ['.'] = ".",
};

static enum tok_type punct_type(int c)
{
	switch (c) {
	case '{': return T_LBRACE;
	case '}': return T_RBRACE;
	case '[': return T_LBRACKET;
	case ']': return T_RBRACKET;
	case '(': return T_LPAREN;
	case ')': return T_RPAREN;
	case ',': return T_COMMA;
	case '=': return T_EQUALS;
	case ':': return T_COLON;
	case '.': return T_DOT;
	}
	return T_ILLEGAL;
}

struct tok lex_next(struct lexer *lx)
{
	struct tok t;
	int c;

	skip_space(lx);
	t.line = lx->line;
	t.col = lx->col;
	t.lit = "";
	if (lx->pos >= lx->n) {
		t.type = T_EOF;
		return t;
	}
	c = at(lx, 0);
	t.type = punct_type(c);
	if (t.type != T_ILLEGAL) {
		t.lit = PUNCT[c];
		advance(lx);
	} else if (c == '-' && at(lx, 1) == '>') {
		t.type = T_ARROW;
		t.lit = "->";
		advance(lx);
		advance(lx);
	} else if (c == '"') {
		t.type = T_STRING;
		t.lit = read_string(lx);
	} else if (is_ident_start(c)) {
		t.type = T_IDENT;
		t.lit = read_ident(lx);
	} else if (is_digit(c)) {
		t.type = T_INT;
		t.lit = read_int(lx);
	} else {
		size_t p0 = lx->pos;

		advance(lx);
		t.lit = arena_strndup(lx->a, lx->s + p0, lx->pos - p0);
	}
	return t;
}

const char *tok_name(enum tok_type t)
{
	static const char *names[] = {
		"EOF", "ILLEGAL", "IDENT", "INT", "STRING", "LBRACE", "RBRACE", "LBRACKET",
		"RBRACKET", "LPAREN", "RPAREN", "COMMA", "EQUALS", "ARROW", "COLON", "DOT",
	};

	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "UNKNOWN";
}

static uint32_t decode(const unsigned char *s, size_t *len)
{
	uint32_t c = s[0];

	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if (c < 0xE0) {
		*len = 2;
		return ((c & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (c < 0xF0) {
		*len = 3;
		return ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	}
	*len = 4;
	return ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* Go's unicode.IsPrint, approximated by the ranges that matter: controls,
 * non-ASCII spaces, format characters and non-characters are escaped. */
static int go_printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA1) || c == 0xAD)
		return 0;
	if ((c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
	    (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
	    (c >= 0xFFF9 && c <= 0xFFFB) || (c & 0xFFFE) == 0xFFFE ||
	    (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000)
		return 0;
	return 1;
}

void go_quote(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	char tmp[16];

	buf_putc(b, '"');
	while (*u) {
		size_t len = utf8_seq(u, strlen((const char *)u));
		uint32_t c;

		if (!len) {   /* Go writes an invalid byte as \xNN */
			snprintf(tmp, sizeof tmp, "\\x%02x", *u++);
			buf_puts(b, tmp);
			continue;
		}
		c = decode(u, &len);

		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\a': buf_puts(b, "\\a"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\v': buf_puts(b, "\\v"); break;
		default:
			if (go_printable(c)) {
				buf_put(b, u, len);
			} else {
				if (c < 0x20 || c == 0x7F)
					snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)c);
				else if (c < 0x10000)
					snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)c);
				else
					snprintf(tmp, sizeof tmp, "\\U%08x", (unsigned)c);
				buf_puts(b, tmp);
			}
		}
		u += len;
	}
	buf_putc(b, '"');
}

static int dur_fail(struct buf *err, const char *what, const char *unit, const char *orig)
{
	if (!err)
		return -1;
	buf_puts(err, "time: ");
	buf_puts(err, what);
	if (unit) {
		go_quote(err, unit);
		buf_puts(err, " in duration ");
	}
	go_quote(err, orig);
	return -1;
}

static int dur_unit(const char *u, size_t n)
{
	static const char *units[] = {"ns", "us", "\xC2\xB5s", "\xCE\xBCs", "ms", "s", "m", "h"};
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i]) == n && memcmp(units[i], u, n) == 0)
			return 1;
	return 0;
}

/* time.ParseDuration's grammar: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or "0". */
int dsl_go_duration(const char *orig, struct buf *err)
{
	const char *s = orig;
	double total = 0;

	if (*s == '-' || *s == '+')
		s++;
	if (strcmp(s, "0") == 0)
		return 0;
	if (!*s)
		return dur_fail(err, "invalid duration ", NULL, orig);
	while (*s) {
		const char *u;
		double v = 0;
		int digits = 0;

		if (*s != '.' && !is_digit(*s))
			return dur_fail(err, "invalid duration ", NULL, orig);
		for (; is_digit(*s); s++, digits++)
			v = v * 10 + (*s - '0');
		if (*s == '.')
			for (s++; is_digit(*s); s++)
				digits++;
		if (!digits || v > 9.3e18)
			return dur_fail(err, "invalid duration ", NULL, orig);
		for (u = s; *s && *s != '.' && !is_digit(*s); s++)
			;
		if (s == u)
			return dur_fail(err, "missing unit in duration ", NULL, orig);
		if (!dur_unit(u, (size_t)(s - u))) {
			char *unit = strndup(u, (size_t)(s - u));
			int rc = dur_fail(err, "unknown unit ", unit, orig);

			free(unit);
			return rc;
		}
		total += v * (*u == 'h' ? 3.6e12 : 1);
	}
	if (total > 9.3e18)
		return dur_fail(err, "invalid duration ", NULL, orig);
	return 0;
}
