/* Steps of a .cloche workflow (daemon.md 3.2-3.3): fields, nested blocks
 * (the only recursion, bounded by DSL_MAX_DEPTH), values, lists and the
 * step type. Part of the parser in dsl.c. */
#include "dsl.h"
#include "dsl_int.h"
#include <stdlib.h>
#include <string.h>

struct step_build {
	struct dsl_step *s;
	size_t cap_results, cap_cfg;
};

/* value := STRING | INT | IDENT ( '(' tokens ')' )? ( '.' IDENT )* */
int dsl_value(struct parser *p, const char **out)
{
	struct buf b = {0};

	if (p->cur.type == T_STRING || p->cur.type == T_INT) {
		*out = p->cur.lit;
		dsl_next(p);
		return 0;
	}
	if (p->cur.type != T_IDENT)
		return dsl_fail_q(p, &p->cur, "expected value, got ", p->cur.lit, "");
	buf_puts(&b, p->cur.lit);
	dsl_next(p);
	if (p->cur.type == T_LPAREN) {
		buf_putc(&b, '(');
		dsl_next(p);
		while (p->cur.type != T_RPAREN && p->cur.type != T_EOF) {
			if (p->cur.type == T_STRING)
				buf_putc(&b, '"');
			buf_puts(&b, p->cur.lit);
			if (p->cur.type == T_STRING)
				buf_putc(&b, '"');
			dsl_next(p);
		}
		buf_putc(&b, ')');
		dsl_next(p);
	}
	while (p->cur.type == T_DOT) {
		buf_putc(&b, '.');
		dsl_next(p);
		if (p->cur.type == T_IDENT) {
			buf_puts(&b, p->cur.lit);
			dsl_next(p);
		}
	}
	*out = arena_strndup(p->a, b.p, b.len);
	buf_free(&b);
	return 0;
}

/* '[' ITEM (','? ITEM)* ']' of one token type, joined with ",". */
int dsl_list(struct parser *p, enum tok_type item, const char ***items, size_t *n)
{
	size_t cap = 0;
	struct tok t;

	if (dsl_expect(p, T_LBRACKET, NULL))
		return -1;
	while (p->cur.type != T_RBRACKET && p->cur.type != T_EOF) {
		if (dsl_expect(p, item, &t))
			return -1;
		*items = arena_push(p->a, (void *)*items, n, &cap, sizeof **items);
		(*items)[*n - 1] = t.lit;
		if (p->cur.type == T_COMMA)
			dsl_next(p);
	}
	return dsl_expect(p, T_RBRACKET, NULL);
}

const char *dsl_join(struct parser *p, const char **items, size_t n)
{
	struct buf b = {0};
	const char *s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, items[i]);
	}
	s = arena_strndup(p->a, b.p ? b.p : "", b.len);
	buf_free(&b);
	return s;
}

/* 'token-limit' '=' '-'? INT, at workflow or step level: must be >= -1. */
int dsl_token_limit(struct parser *p, const char **out)
{
	struct tok at = p->cur, t;
	const char *digits;
	int neg = 0;

	if (p->cur.type == T_ILLEGAL && strcmp(p->cur.lit, "-") == 0 && p->peek.type == T_INT) {
		neg = 1;
		dsl_next(p);
	}
	if (dsl_expect(p, T_INT, &t))
		return -1;
	digits = t.lit + strspn(t.lit, "0");
	if (neg && *digits && strcmp(digits, "1") != 0)
		return dsl_fail(p, "line %d col %d: token-limit must be -1 or greater, got -%s",
			    at.line, at.col, t.lit);
	*out = neg ? dsl_cat3(p, "-", "", t.lit) : t.lit;
	return 0;
}

static int parse_field(struct parser *p, struct step_build *sb, const char *prefix);

/* IDENT '{' field* '}' inside a step: keys become "<outer>.<inner>". */
static int parse_nested(struct parser *p, struct step_build *sb, const char *key, const struct tok *kt)
{
	int rc = 0;

	if (p->depth >= DSL_MAX_DEPTH)
		return dsl_fail(p, "line %d col %d: blocks nested deeper than %d levels",
			    kt->line, kt->col, DSL_MAX_DEPTH);
	p->depth++;
	dsl_next(p);
	while (!rc && p->cur.type != T_RBRACE && p->cur.type != T_EOF)
		rc = parse_field(p, sb, key);
	p->depth--;
	if (!rc)
		dsl_next(p);
	return rc;
}

static int parse_field(struct parser *p, struct step_build *sb, const char *prefix)
{
	struct tok kt;
	const char *key, *val, **items = NULL;
	size_t n = 0;

	if (dsl_expect(p, T_IDENT, &kt))
		return dsl_wrap(p, "expected field name: ");
	key = prefix ? dsl_cat3(p, prefix, ".", kt.lit) : kt.lit;
	if (p->cur.type == T_LBRACE)
		return parse_nested(p, sb, key, &kt);
	if (dsl_expect(p, T_EQUALS, NULL))
		return -1;
	if (strcmp(key, "results") == 0) {
		if (dsl_list(p, T_IDENT, &items, &n))
			return -1;
		sb->s->results = items;
		sb->s->nresults = n;
		sb->cap_results = n;
		return 0;
	}
	if (strcmp(key, "token-limit") == 0) {
		if (dsl_token_limit(p, &val))
			return -1;
	} else if (p->cur.type == T_LBRACKET) {
		if (dsl_list(p, T_STRING, &items, &n))
			return -1;
		val = dsl_join(p, items, n);
	} else {
		if (strcmp(key, "max_attempts") == 0 && p->cur.type != T_INT)
			return dsl_fail(p, "max_attempts must be a numeric value, not a string (line %d, col %d)",
				    p->cur.line, p->cur.col);
		if (dsl_value(p, &val))
			return -1;
	}
	dsl_kv_set(p, &sb->s->cfg, &sb->s->ncfg, &sb->cap_cfg, key, val);
	return 0;
}

static int step_type(struct parser *p, struct dsl_step *s)
{
	static const char *keys[] = {"prompt", "run", "workflow_name", "poll"};
	static const char *types[] = {"agent", "script", "workflow", "human"};
	int i, count = 0, which = -1;
	const char *iv;

	for (i = 0; i < 4; i++)
		if (dsl_cfg(s->cfg, s->ncfg, keys[i])) {
			count++;
			if (which < 0)
				which = i;
		}
	if (count > 1)
		return dsl_fail(p, "step \"%s\" has multiple of 'prompt', 'run', 'workflow_name', 'poll'; must have exactly one", s->name);
	if (count == 0)
		return dsl_fail(p, "step \"%s\" has none of 'prompt', 'run', 'workflow_name', or 'poll'; must have exactly one", s->name);
	s->type = types[which];
	if (which != 3)
		return 0;
	iv = dsl_cfg(s->cfg, s->ncfg, "interval");
	if (!iv)
		return dsl_fail(p, "step \"%s\": poll step requires an 'interval' field", s->name);
	if (dsl_go_duration(iv, NULL) == 0)
		return 0;
	dsl_fail(p, "step \"%s\": invalid interval ", s->name);
	go_quote(&p->err, iv);
	buf_puts(&p->err, ": ");
	dsl_go_duration(iv, &p->err);
	return -1;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct dsl_kv *)a)->key, ((const struct dsl_kv *)b)->key);
}

int dsl_parse_step(struct parser *p, struct wf_build *wb)
{
	struct dsl_step st = {0};
	struct step_build sb = {&st, 0, 0};
	struct dsl_workflow *w = wb->w;
	struct tok nt;
	size_t i;

	dsl_next(p);
	if (dsl_expect(p, T_IDENT, &nt))
		return dsl_wrap(p, "expected step name: ");
	st.name = nt.lit;
	if (dsl_expect(p, T_LBRACE, NULL))
		return -1;
	while (p->cur.type != T_RBRACE && p->cur.type != T_EOF)
		if (parse_field(p, &sb, NULL))
			return -1;
	if (dsl_expect(p, T_RBRACE, NULL) || step_type(p, &st))
		return -1;
	if (st.ncfg)
		qsort(st.cfg, st.ncfg, sizeof *st.cfg, cmp_kv);
	if (!*w->entry)
		w->entry = st.name;
	for (i = 0; i < w->nsteps; i++)
		if (strcmp(w->steps[i].name, st.name) == 0) {
			w->steps[i] = st;   /* a Go map: the later step wins */
			return 0;
		}
	w->steps = arena_push(p->a, w->steps, &w->nsteps, &wb->cap_steps, sizeof *w->steps);
	w->steps[w->nsteps - 1] = st;
	return 0;
}
