/* GET /api/projects/{name}/info — image, version and prompt files with
 * their git history (http.md 4.8, store.md 3.4). Unlike the daemon we list
 * the prompt files outside a git repository too, with history null (D27). */
#include "guard.h"
#include "json.h"
#include "projinfo.h"
#include "resp.h"
#include "responders.h"
#include <stdlib.h>

#define CONTENT_CAP (1 << 20)

static struct json_object *history_json(const struct git_history *h)
{
	struct json_object *a, *e;
	size_t i;

	if (h->n == 0)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < h->n; i++) {
		e = json_object_new_object();
		jadd_str(e, "sha", h->v[i].sha);
		jadd_str(e, "date", h->v[i].date);
		jadd_str(e, "message", h->v[i].message);
		json_object_array_add(a, e);
	}
	return a;
}

static struct json_object *prompt_json(const char *dir, const struct prompt_file *f)
{
	struct json_object *o = json_object_new_object();
	size_t len = 0;
	int trunc;
	char *text = prompt_content(dir, f->path, CONTENT_CAP, &len, &trunc);

	jadd_str(o, "path", f->path);
	jadd(o, "content", jstrn(text ? text : "", text ? len : 0));
	jadd(o, "history", history_json(&f->hist));
	free(text);
	return o;
}

void api_project_info(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	const struct prompt_set *set;
	struct json_object *o, *files = NULL;
	char *img;
	size_t i;

	if (!p)
		return;
	set = prompts_get(p->dir);
	if (set->n)
		files = json_object_new_array();
	for (i = 0; i < set->n; i++)
		json_object_array_add(files, prompt_json(p->dir, &set->v[i]));
	o = json_object_new_object();
	img = projinfo_docker_image(p->dir);
	jadd_str(o, "docker_image", img);
	jadd(o, "prompt_files", files);
	jadd_int(o, "version", projinfo_version(p->dir));
	free(img);
	resp_json(r, 200, o);
	/* Files and git are in the cache key too (projstamp.h). */
	r->cacheable = 1;
}
