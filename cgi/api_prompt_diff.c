/* GET /api/projects/{name}/info/prompt-diff?file=&sha= — one prompt
 * commit against its first parent, in git's unified format (http.md 4.9).
 * file must be one of the listed prompt paths, so nothing outside the
 * project's prompt directory can be named; the diff comes from libgit2. */
#include "gitinfo.h"
#include "guard.h"
#include "projinfo.h"
#include "resp.h"
#include "responders.h"
#include <stdlib.h>
#include <string.h>

static int all_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return 0;
	return 1;
}

static void answer(struct req *r, const struct project *p, const char *file, const char *sha)
{
	const struct prompt_set *set;
	struct buf out = {0};
	size_t i;

	if (!*file || !*sha) {
		resp_text(r, 400, "file and sha required");
		return;
	}
	if (!all_hex(sha)) {
		resp_text(r, 400, "invalid sha");
		return;
	}
	set = prompts_get(p->dir);
	for (i = 0; i < set->n && strcmp(set->v[i].path, file) != 0; i++)
		;
	if (i == set->n) {
		resp_text(r, 400, "file is not one of the project's prompt files (.cloche/prompts/<name>)");
		return;
	}
	if (git_prompt_diff(p->dir, sha, file, &set->v[i].hist, &out) != 0) {
		resp_text(r, 404, "diff not available");
	} else {
		resp_plain_bytes(r, 200, out.p ? out.p : "", out.len);
		r->cacheable = 1; /* files and HEAD are in the key */
	}
	buf_free(&out);
}

void api_prompt_diff(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	char *file, *sha;

	if (!p)
		return;
	file = req_query(r, "file");
	sha = req_query(r, "sha");
	answer(r, p, file ? file : "", sha ? sha : "");
	free(file);
	free(sha);
}
