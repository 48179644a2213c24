/* Internals shared by the .cloche lexer (dsl_lex.c) and parser (dsl.c).
 * Not for use outside the DSL module. */
#ifndef CLOCHE_DSL_INT_H
#define CLOCHE_DSL_INT_H
#include "buf.h"
#include "dsl.h"
#include <stddef.h>

/* A bump allocator: everything of one parsed file, freed at once. */
void *arena_alloc(struct dsl_arena **a, size_t n);
char *arena_strndup(struct dsl_arena **a, const char *s, size_t n);
void arena_free(struct dsl_arena *a);
/* Appends one element to a growable array living in the arena. */
void *arena_push(struct dsl_arena **a, void *base, size_t *n, size_t *cap, size_t elem);

enum tok_type {
	T_EOF, T_ILLEGAL, T_IDENT, T_INT, T_STRING, T_LBRACE, T_RBRACE, T_LBRACKET,
	T_RBRACKET, T_LPAREN, T_RPAREN, T_COMMA, T_EQUALS, T_ARROW, T_COLON, T_DOT
};

struct tok {
	enum tok_type type;
	const char *lit;        /* arena-owned or static; "" for EOF */
	int line, col;
};

struct lexer {
	const char *s;          /* valid UTF-8 without NUL (see dsl.h) */
	size_t n, pos;
	int line, col;
	struct dsl_arena **a;
};

void lex_init(struct lexer *lx, const char *s, size_t n, struct dsl_arena **a);
struct tok lex_next(struct lexer *lx);
const char *tok_name(enum tok_type t);
/* Go's %q of a string: what the daemon's error messages contain. */
void go_quote(struct buf *b, const char *s);

/* 0 when s is a valid Go duration ("5m", "1h30m"); otherwise -1 and, if err
 * is given, Go's time.ParseDuration message appended to it. */
int dsl_go_duration(const char *s, struct buf *err);

/* ---- parser state and primitives (dsl.c), used by dsl_step.c ---- */
struct parser {
	struct lexer lx;
	struct tok cur, peek;
	struct dsl_arena **a;
	struct buf err;
	int depth;
};

/* A workflow or step being built: arrays with their capacities. */
struct wf_build {
	struct dsl_workflow *w;
	size_t cap_steps, cap_wires, cap_cfg;
	int has_host, has_container;
};

struct dsl_workflow;
void dsl_next(struct parser *p);
int dsl_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "line L col C: <pre><Go-quoted lit><post>" */
int dsl_fail_q(struct parser *p, const struct tok *t, const char *pre, const char *lit, const char *post);
int dsl_wrap(struct parser *p, const char *prefix);          /* prefixes the recorded error */
int dsl_expect(struct parser *p, enum tok_type t, struct tok *out);
int dsl_is_kw(const struct tok *t, const char *kw);
const char *dsl_cat3(struct parser *p, const char *a, const char *sep, const char *b);
void dsl_kv_set(struct parser *p, struct dsl_kv **v, size_t *n, size_t *cap,
		const char *key, const char *val);

/* ---- values and steps (dsl_step.c) ---- */
int dsl_value(struct parser *p, const char **out);
int dsl_list(struct parser *p, enum tok_type item, const char ***items, size_t *n);
const char *dsl_join(struct parser *p, const char **items, size_t n);
int dsl_token_limit(struct parser *p, const char **out);
int dsl_parse_step(struct parser *p, struct wf_build *wb);

#endif
