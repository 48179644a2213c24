/* Parser for .cloche files (daemon.md 3.2-3.5, error texts of 3.7). One
 * token of lookahead, as the daemon's parser; the only recursion is nested
 * step blocks, bounded by DSL_MAX_DEPTH. */
#include "dsl.h"
#include "dsl_int.h"
#include "esc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dsl_next(struct parser *p)
{
	p->cur = p->peek;
	p->peek = lex_next(&p->lx);
}

int dsl_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_puts(&p->err, tmp);
	return -1;
}

/* "line L col C: <text> <quoted literal>" style messages. */
int dsl_fail_q(struct parser *p, const struct tok *t, const char *pre, const char *lit, const char *post)
{
	dsl_fail(p, "line %d col %d: %s", t->line, t->col, pre);
	go_quote(&p->err, lit);
	buf_puts(&p->err, post);
	return -1;
}

/* Prefixes the error already recorded: "expected step name: <inner>". */
int dsl_wrap(struct parser *p, const char *prefix)
{
	struct buf b = {0};

	buf_puts(&b, prefix);
	buf_put(&b, p->err.p, p->err.len);
	buf_free(&p->err);
	p->err = b;
	return -1;
}

int dsl_expect(struct parser *p, enum tok_type t, struct tok *out)
{
	if (p->cur.type != t) {
		dsl_fail(p, "line %d col %d: expected %s, got %s (", p->cur.line, p->cur.col,
		     tok_name(t), tok_name(p->cur.type));
		go_quote(&p->err, p->cur.lit);
		buf_putc(&p->err, ')');
		return -1;
	}
	if (out)
		*out = p->cur;
	dsl_next(p);
	return 0;
}

int dsl_is_kw(const struct tok *t, const char *kw)
{
	return t->type == T_IDENT && strcmp(t->lit, kw) == 0;
}

const char *dsl_cat3(struct parser *p, const char *a, const char *sep, const char *b)
{
	size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
	char *s = arena_alloc(p->a, na + ns + nb + 1);

	memcpy(s, a, na);
	memcpy(s + na, sep, ns);
	memcpy(s + na + ns, b, nb + 1);
	return s;
}

/* Map semantics: a key set twice keeps its last value. */
void dsl_kv_set(struct parser *p, struct dsl_kv **v, size_t *n, size_t *cap,
		   const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].key, key) == 0) {
			(*v)[i].val = val;
			return;
		}
	*v = arena_push(p->a, *v, n, cap, sizeof **v);
	(*v)[*n - 1].key = key;
	(*v)[*n - 1].val = val;
}

static void add_wire(struct parser *p, struct wf_build *wb, const char *from, const char *result,
		     const char *to, int implicit)
{
	struct dsl_workflow *w = wb->w;

	w->wires = arena_push(p->a, w->wires, &w->nwires, &wb->cap_wires, sizeof *w->wires);
	w->wires[w->nwires - 1] = (struct dsl_wire){from, result, to, implicit};
}

/* from ':' result '->' to — exactly one target. */
static int parse_wire(struct parser *p, struct wf_build *wb)
{
	struct tok from = p->cur, res, to;

	dsl_next(p);
	if (dsl_expect(p, T_COLON, NULL) || dsl_expect(p, T_IDENT, &res) || dsl_expect(p, T_ARROW, NULL) ||
	    dsl_expect(p, T_IDENT, &to))
		return -1;
	add_wire(p, wb, from.lit, res.lit, to.lit, 0);
	return 0;
}

/* result '->' target: stored as workflow config "_wire.<result>". */
static int parse_global_wire(struct parser *p, struct wf_build *wb)
{
	struct tok res = p->cur, to;

	dsl_next(p);
	if (dsl_expect(p, T_ARROW, NULL) || dsl_expect(p, T_IDENT, &to))
		return -1;
	dsl_kv_set(p, &wb->w->cfg, &wb->w->ncfg, &wb->cap_cfg, dsl_cat3(p, "_wire.", "", res.lit), to.lit);
	return 0;
}

/* 'collect' ('all'|'any') '(' step ':' result (','? ...)* ')' '->' IDENT.
 * Checked and dropped: the JSON does not carry collects. */
static int parse_collect(struct parser *p)
{
	struct tok mode;

	dsl_next(p);
	if (dsl_expect(p, T_IDENT, &mode))
		return dsl_wrap(p, "expected 'all' or 'any': ");
	if (strcmp(mode.lit, "all") != 0 && strcmp(mode.lit, "any") != 0)
		return dsl_fail_q(p, &mode, "expected 'all' or 'any', got ", mode.lit, "");
	if (dsl_expect(p, T_LPAREN, NULL))
		return -1;
	while (p->cur.type != T_RPAREN && p->cur.type != T_EOF) {
		if (dsl_expect(p, T_IDENT, NULL))
			return dsl_wrap(p, "expected step name in collect: ");
		if (dsl_expect(p, T_COLON, NULL))
			return -1;
		if (dsl_expect(p, T_IDENT, NULL))
			return dsl_wrap(p, "expected result name in collect: ");
		if (p->cur.type == T_COMMA)
			dsl_next(p);
	}
	if (dsl_expect(p, T_RPAREN, NULL) || dsl_expect(p, T_ARROW, NULL))
		return -1;
	if (dsl_expect(p, T_IDENT, NULL))
		return dsl_wrap(p, "expected target step: ");
	return 0;
}

/* 'agent' IDENT '{' (('command'|'args') '=' value)* '}' — 'command' required. */
static int parse_agent(struct parser *p, struct wf_build *wb)
{
	struct tok name, key;
	const char *val, *cmd = NULL;

	dsl_next(p);
	if (dsl_expect(p, T_IDENT, &name))
		return dsl_wrap(p, "expected agent name: ");
	if (dsl_expect(p, T_LBRACE, NULL))
		return -1;
	while (p->cur.type != T_RBRACE && p->cur.type != T_EOF) {
		if (dsl_expect(p, T_IDENT, &key))
			return dsl_wrap(p, "expected field name in agent block: ");
		if (dsl_expect(p, T_EQUALS, NULL) || dsl_value(p, &val))
			return -1;
		if (strcmp(key.lit, "command") == 0)
			cmd = val;
		else if (strcmp(key.lit, "args") != 0)
			return dsl_fail_q(p, &key, "unknown agent field ", key.lit,
				      " (expected \"command\" or \"args\")");
	}
	if (dsl_expect(p, T_RBRACE, NULL))
		return -1;
	if (!cmd || !*cmd)
		return dsl_fail(p, "agent \"%s\": \"command\" is required", name.lit);
	if (dsl_cfg(wb->w->cfg, wb->w->ncfg, dsl_cat3(p, "_agent.", "", name.lit)))
		return dsl_fail(p, "line %d: duplicate agent declaration \"%s\"", p->cur.line, name.lit);
	dsl_kv_set(p, &wb->w->cfg, &wb->w->ncfg, &wb->cap_cfg, dsl_cat3(p, "_agent.", "", name.lit), cmd);
	return 0;
}

/* IDENT '{' (IDENT '=' value)* '}' at workflow level: "<block>.<key>". A
 * host block, even empty, makes the workflow a host workflow. */
static int parse_block(struct parser *p, struct wf_build *wb)
{
	struct tok pre = p->cur, key;
	struct dsl_workflow *w = wb->w;
	int host = strcmp(pre.lit, "host") == 0, cont = strcmp(pre.lit, "container") == 0;
	const char *val;

	dsl_next(p);
	if ((host && wb->has_container) || (cont && wb->has_host))
		return dsl_fail(p, "line %d col %d: workflow \"%s\" has both \"host\" and \"container\" blocks",
			    pre.line, pre.col, w->name);
	wb->has_host |= host;
	wb->has_container |= cont;
	w->host |= host;
	if (dsl_expect(p, T_LBRACE, NULL))
		return -1;
	while (p->cur.type != T_RBRACE && p->cur.type != T_EOF) {
		if (dsl_expect(p, T_IDENT, &key))
			return dsl_wrap(p, "expected field name: ");
		if (dsl_expect(p, T_EQUALS, NULL) || dsl_value(p, &val))
			return -1;
		dsl_kv_set(p, &w->cfg, &w->ncfg, &wb->cap_cfg, dsl_cat3(p, pre.lit, ".", key.lit), val);
	}
	return dsl_expect(p, T_RBRACE, NULL);
}

/* Only `repos = [...]` and `token-limit = N` are workflow-level fields. */
static int parse_wf_field(struct parser *p, struct wf_build *wb)
{
	struct tok k = p->cur;
	struct dsl_workflow *w = wb->w;
	const char *val, **items = NULL;
	size_t n = 0;

	if (strcmp(k.lit, "repos") == 0) {
		dsl_next(p);
		dsl_next(p);
		if (dsl_list(p, T_STRING, &items, &n))
			return -1;
		val = dsl_join(p, items, n);
	} else if (strcmp(k.lit, "token-limit") == 0) {
		dsl_next(p);
		dsl_next(p);
		if (dsl_token_limit(p, &val))
			return -1;
	} else {
		return dsl_fail_q(p, &k, "unknown workflow field ", k.lit, "");
	}
	dsl_kv_set(p, &w->cfg, &w->ncfg, &wb->cap_cfg, k.lit, val);
	return 0;
}

/* daemon.md 3.4, in declaration order (the daemon's order is random). */
static void implicit_pass(struct parser *p, struct wf_build *wb, const char *result, const char *to)
{
	struct dsl_workflow *w = wb->w;
	size_t i, j, cap;

	for (i = 0; i < w->nsteps; i++) {
		struct dsl_step *s = &w->steps[i];
		int have = 0;

		for (j = 0; j < s->nresults; j++)
			have |= strcmp(s->results[j], result) == 0;
		if (!have) {
			cap = s->nresults;
			s->results = arena_push(p->a, (void *)s->results, &s->nresults, &cap, sizeof *s->results);
			s->results[s->nresults - 1] = result;
		}
		have = 0;
		for (j = 0; j < w->nwires; j++)
			have |= strcmp(w->wires[j].from, s->name) == 0 &&
				strcmp(w->wires[j].result, result) == 0;
		if (!have)
			add_wire(p, wb, s->name, result, to, 1);
	}
}

static int parse_item(struct parser *p, struct wf_build *wb)
{
	const struct tok *c = &p->cur;
	enum tok_type pk = p->peek.type;

	if (c->type != T_IDENT)
		return dsl_fail_q(p, c, "unexpected token ", c->lit, "");
	if (dsl_is_kw(c, "agent") && pk == T_IDENT)
		return parse_agent(p, wb);
	if (dsl_is_kw(c, "step"))
		return dsl_parse_step(p, wb);
	if (dsl_is_kw(c, "collect"))
		return parse_collect(p);
	if (pk == T_LBRACE)
		return parse_block(p, wb);
	if (pk == T_COLON)
		return parse_wire(p, wb);
	if (pk == T_ARROW)
		return parse_global_wire(p, wb);
	if (pk == T_EQUALS)
		return parse_wf_field(p, wb);
	return dsl_fail_q(p, c, "unexpected token ", c->lit, "");
}

static int parse_workflow(struct parser *p, struct dsl_workflow *w)
{
	struct wf_build wb = {w, 0, 0, 0, 0, 0};
	struct tok name;
	const char *tl;

	if (!dsl_is_kw(&p->cur, "workflow"))
		return dsl_fail_q(p, &p->cur, "expected \"workflow\", got ", p->cur.lit, "");
	w->line = p->cur.line;
	w->entry = "";
	dsl_next(p);
	if (dsl_expect(p, T_IDENT, &name))
		return dsl_wrap(p, "expected workflow name: ");
	w->name = name.lit;
	if (dsl_expect(p, T_LBRACE, NULL))
		return -1;
	while (p->cur.type != T_RBRACE && p->cur.type != T_EOF)
		if (parse_item(p, &wb))
			return -1;
	if (dsl_expect(p, T_RBRACE, NULL))
		return -1;
	implicit_pass(p, &wb, "timeout", "abort");
	tl = dsl_cfg(w->cfg, w->ncfg, "_wire.token-limit");
	implicit_pass(p, &wb, "token-limit", tl ? tl : "abort");
	return 0;
}

/* Go reads the file as runes: each invalid byte becomes U+FFFD. NUL also
 * does here, so that every string stays a C string. */
static void sanitize(struct buf *b, const char *src, size_t len)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t i = 0, k;

	buf_grow(b, len + 1);
	while (i < len) {
		k = u[i] ? utf8_seq(u + i, len - i) : 0;
		if (k) {
			buf_put(b, src + i, k);
			i += k;
		} else {
			buf_puts(b, "\xEF\xBF\xBD");
			i++;
		}
	}
}

static int parse_file(struct parser *p, struct dsl_file *out)
{
	size_t cap = 0, i;

	while (p->cur.type != T_EOF) {
		struct dsl_workflow *w;

		out->wf = arena_push(p->a, out->wf, &out->n, &cap, sizeof *out->wf);
		w = &out->wf[out->n - 1];
		if (parse_workflow(p, w))
			return -1;
		for (i = 0; i + 1 < out->n; i++)
			if (strcmp(out->wf[i].name, w->name) == 0) {
				dsl_fail(p, "duplicate workflow name ");
				go_quote(&p->err, w->name);
				return -1;
			}
	}
	if (out->n == 0)
		return dsl_fail(p, "no workflows found");
	return 0;
}

int dsl_parse(const char *src, size_t len, struct dsl_file *out, char *err, size_t errcap)
{
	struct parser p;
	struct buf clean = {0};
	int rc;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	sanitize(&clean, src ? src : "", src ? len : 0);
	p.a = &out->mem;
	lex_init(&p.lx, clean.p ? clean.p : "", clean.len, &out->mem);
	dsl_next(&p);
	dsl_next(&p);
	rc = parse_file(&p, out);
	if (err && errcap)
		snprintf(err, errcap, "%s", rc ? buf_str(&p.err) : "");
	if (rc) {
		arena_free(out->mem);
		memset(out, 0, sizeof *out);
	}
	buf_free(&p.err);
	buf_free(&clean);
	return rc;
}

void dsl_free(struct dsl_file *f)
{
	if (!f)
		return;
	arena_free(f->mem);
	memset(f, 0, sizeof *f);
}

const char *dsl_cfg(const struct dsl_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return NULL;
}

const struct dsl_workflow *dsl_workflow(const struct dsl_file *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->wf[i].name, name) == 0)
			return &f->wf[i];
	return NULL;
}

const struct dsl_step *dsl_step(const struct dsl_workflow *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nsteps; i++)
		if (strcmp(w->steps[i].name, name) == 0)
			return &w->steps[i];
	return NULL;
}
