/* The workflows of a project as the daemon serves them (daemon.md 3.6,
 * http.md 4.10): load every .cloche file of <project>/.cloche through
 * projfiles (contained, size-capped), parse it, and build the JSON. */
#include "dsl.h"
#include "json.h"
#include "projfiles.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_step_ptr(const void *a, const void *b)
{
	const struct dsl_step *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static struct json_object *step_json(const struct dsl_step *s)
{
	struct json_object *o = json_object_new_object(), *res = json_object_new_array(),
			   *cfg = json_object_new_object();
	size_t i;

	jadd_str(o, "name", s->name);
	jadd_str(o, "type", s->type);
	for (i = 0; i < s->nresults; i++)
		json_object_array_add(res, jstr(s->results[i]));
	jadd(o, "results", res);
	for (i = 0; i < s->ncfg; i++)   /* already sorted by key */
		jadd_str(cfg, s->cfg[i].key, s->cfg[i].val);
	jadd(o, "config", cfg);
	return o;
}

static struct json_object *wire_json(const struct dsl_wire *w)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "from", w->from);
	jadd_str(o, "result", w->result);
	jadd_str(o, "to", w->to);
	if (w->implicit)
		jadd_bool(o, "implicit", 1);
	return o;
}

struct json_object *dsl_workflow_json(const struct dsl_workflow *w, const char *file)
{
	struct json_object *o = json_object_new_object(), *steps = json_object_new_array(),
			   *wires = json_object_new_array();
	const struct dsl_step **sorted = calloc(w->nsteps + 1, sizeof *sorted);
	size_t i;

	jadd_str(o, "name", w->name);
	jadd_str(o, "file", file);
	jadd_str(o, "location", w->host ? "host" : "container");
	for (i = 0; i < w->nsteps; i++)
		sorted[i] = &w->steps[i];
	qsort(sorted, w->nsteps, sizeof *sorted, cmp_step_ptr);
	for (i = 0; i < w->nsteps; i++)
		json_object_array_add(steps, step_json(sorted[i]));
	free(sorted);
	jadd(o, "steps", steps);
	for (i = 0; i < w->nwires; i++)
		json_object_array_add(wires, wire_json(&w->wires[i]));
	jadd(o, "wires", wires);
	jadd_str(o, "entry_step", w->entry);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_cloche_name(const char *n)
{
	size_t k = strlen(n);

	return k >= 7 && strcmp(n + k - 7, ".cloche") == 0;
}

/* Names of the non-directory entries of .cloche, sorted; NULL if the
 * directory cannot be read. Caller frees each name and the array. */
static char **list_names(const char *root, size_t *n)
{
	int fd = pf_open(root, ".cloche", O_DIRECTORY);
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((e = readdir(d))) {
		if (e->d_type == DT_DIR || !is_cloche_name(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			v = realloc(v, cap * sizeof *v);
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (!v)
		v = calloc(1, sizeof *v);
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void load_one(const char *root, struct dsl_dir_file *f)
{
	char rel[512], err[512], *data;
	size_t len;
	int rc;

	snprintf(rel, sizeof rel, ".cloche/%s", f->name);
	rc = pf_read(root, rel, DSL_MAX_FILE, &data, &len);
	if (rc != PF_OK) {
		f->err = strdup(pf_strerror(rc));
		return;
	}
	if (dsl_parse(data, len, &f->f, err, sizeof err) != 0)
		f->err = strdup(err);
	free(data);
}

int dsl_load_dir(const char *project_dir, struct dsl_dir *out)
{
	char **names;
	size_t n, i;

	memset(out, 0, sizeof *out);
	names = list_names(project_dir, &n);
	if (!names) {
		out->unreadable = 1;
		return -1;
	}
	out->v = calloc(n + 1, sizeof *out->v);
	for (i = 0; i < n; i++) {
		out->v[i].name = names[i];   /* ownership moves to out */
		load_one(project_dir, &out->v[i]);
	}
	out->n = n;
	free(names);
	return 0;
}

void dsl_dir_free(struct dsl_dir *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].err);
		dsl_free(&d->v[i].f);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

struct json_object *dsl_dir_json(const struct dsl_dir *d)
{
	struct json_object *a;
	char file[512];
	size_t i, j;

	if (d->unreadable)
		return json_object_new_array();
	a = json_object_new_array();
	for (i = 0; i < d->n; i++) {
		if (d->v[i].err)
			continue;
		snprintf(file, sizeof file, ".cloche/%s", d->v[i].name);
		for (j = 0; j < d->v[i].f.n; j++)
			json_object_array_add(a, dsl_workflow_json(&d->v[i].f.wf[j], file));
	}
	if (json_object_array_length(a) == 0) {
		json_object_put(a);
		return NULL;   /* serialises as the literal null */
	}
	return a;
}

const struct dsl_workflow *dsl_dir_find(const struct dsl_dir *d, const char *wf)
{
	const struct dsl_workflow *w;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!d->v[i].err && (w = dsl_workflow(&d->v[i].f, wf)))
			return w;
	return NULL;
}
