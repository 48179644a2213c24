/* The .cloche workflow language (daemon.md section 3): lexer and parser
 * for a whole file, implicit results and wires, and the DAG JSON of 3.6.
 *
 * Ownership: dsl_parse fills a struct dsl_file whose every string and array
 * lives in one arena owned by the file; dsl_free releases all of it at once.
 * Pointers into a parsed file stay valid until dsl_free.
 *
 * Safety: any byte sequence is accepted as input. Invalid UTF-8 bytes and
 * NUL become U+FFFD first (Go reads the file as runes the same way, except
 * that it keeps NUL). The only recursion is nested step blocks, capped at
 * DSL_MAX_DEPTH; deeper nesting is a parse error, never a stack overflow.
 *
 * Determinism: the daemon adds implicit wires while iterating a Go map, so
 * its order is random. We add them in step declaration order (all timeout
 * wires first, then all token-limit wires), and keep workflows in source
 * order within a file. */
#ifndef CLOCHE_DSL_H
#define CLOCHE_DSL_H
#include <json-c/json.h>
#include <stddef.h>

#define DSL_MAX_DEPTH 32          /* nested `x { y { ... } }` blocks in a step */
#define DSL_MAX_FILE (1L << 20)   /* larger .cloche files are not read */

struct dsl_arena;

struct dsl_kv {
	const char *key, *val;
};

struct dsl_step {
	const char *name;
	const char *type;             /* "agent", "script", "workflow", "human" */
	const char **results;         /* declared, then implicit timeout/token-limit */
	size_t nresults;
	struct dsl_kv *cfg;           /* sorted by key (bytewise), unique keys */
	size_t ncfg;
};

struct dsl_wire {
	const char *from, *result, *to;
	int implicit;
};

struct dsl_workflow {
	const char *name;
	int host;                     /* a workflow-level host { } block */
	const char *entry;            /* first declared step, "" if none */
	struct dsl_step *steps;       /* declaration order */
	size_t nsteps;
	struct dsl_wire *wires;       /* explicit in source order, then implicit */
	size_t nwires;
	struct dsl_kv *cfg;           /* workflow config: container.x, _wire.r, repos, ... */
	size_t ncfg;
	int line;                     /* of the `workflow` keyword */
};

struct dsl_file {
	struct dsl_workflow *wf;      /* source order */
	size_t n;
	struct dsl_arena *mem;
};

/* Parses a whole file. 0 on success; -1 with the daemon's error text in err
 * (always NUL-terminated) and *out emptied. Call dsl_free either way. */
int dsl_parse(const char *src, size_t len, struct dsl_file *out, char *err, size_t errcap);
void dsl_free(struct dsl_file *f);

const struct dsl_workflow *dsl_workflow(const struct dsl_file *f, const char *name);
const struct dsl_step *dsl_step(const struct dsl_workflow *w, const char *name);
const char *dsl_cfg(const struct dsl_kv *kv, size_t n, const char *key);

/* dsl_json.c: one workflow object of daemon.md 3.6 (caller owns it). */
struct json_object *dsl_workflow_json(const struct dsl_workflow *w, const char *file);

/* Every *.cloche file directly in <dir>/.cloche, in name order. Files that
 * do not parse are kept with their error so pages can show it; the JSON
 * route drops them as the daemon does. Caller frees with dsl_dir_free. */
struct dsl_dir_file {
	char *name;                   /* "build.cloche" */
	struct dsl_file f;
	char *err;                    /* NULL when parsed */
};
struct dsl_dir {
	struct dsl_dir_file *v;
	size_t n;
	int unreadable;               /* .cloche could not be opened */
};
int dsl_load_dir(const char *project_dir, struct dsl_dir *out);
void dsl_dir_free(struct dsl_dir *d);
/* The JSON body of GET /api/projects/{name}/workflows: [] / null / array. */
struct json_object *dsl_dir_json(const struct dsl_dir *d);
/* First parsed file (name order) defining this workflow, as http.md 4.11. */
const struct dsl_workflow *dsl_dir_find(const struct dsl_dir *d, const char *wf);

#endif
