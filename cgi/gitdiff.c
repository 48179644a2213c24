/* `git diff <sha>^..<sha> -- <path>` with libgit2, for the prompt diff
 * route (http.md 4.9), in git's unified format. */
#include "gitinfo.h"
#include "gitrepo.h"
#include <git2.h>
#include <stdlib.h>
#include <string.h>

static int print_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l,
		      void *payload)
{
	struct buf *b = payload;

	(void)d;
	(void)h;
	if (l->origin == GIT_DIFF_LINE_CONTEXT || l->origin == GIT_DIFF_LINE_ADDITION ||
	    l->origin == GIT_DIFF_LINE_DELETION)
		buf_putc(b, l->origin);
	buf_put(b, l->content, l->content_len);
	return 0;
}

/* The commit named by a hex prefix, peeled as `<sha>^` would. */
static git_commit *commit_by_prefix(git_repository *repo, const char *sha)
{
	size_t len = strlen(sha);
	git_object *obj = NULL, *peeled = NULL;
	git_oid oid;

	if (len < GIT_OID_MINPREFIXLEN || len > GIT_OID_HEXSZ || git_oid_fromstrn(&oid, sha, len) ||
	    git_object_lookup_prefix(&obj, repo, &oid, len, GIT_OBJECT_ANY))
		return NULL;
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0)
		peeled = NULL;
	git_object_free(obj);
	return (git_commit *)peeled;
}

/* The history entry of commit c, if the file's history has it. */
static const struct git_entry *entry_of(const struct git_history *h, const git_commit *c)
{
	char sha[8];
	size_t i;

	if (!h)
		return NULL;
	git_oid_tostr(sha, sizeof sha, git_commit_id(c));
	for (i = 0; i < h->n; i++)
		if (strcmp(h->v[i].sha, sha) == 0)
			return &h->v[i];
	return NULL;
}

static int print_diff(git_repository *repo, git_tree *ta, git_tree *tb, char **paths, size_t n,
		      struct buf *out)
{
	git_diff_options o;
	git_diff_find_options fo;
	git_diff *d = NULL;
	int rc = -1;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	/* Exact paths, never globs: a file named "*.md" is just that file. */
	o.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	o.pathspec.strings = paths;
	o.pathspec.count = n;
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&d, repo, ta, tb, &o) == 0 &&
	    (n < 2 || git_diff_find_similar(d, &fo) == 0) &&
	    git_diff_print(d, GIT_DIFF_FORMAT_PATCH, print_line, out) == 0)
		rc = 0;
	git_diff_free(d);
	return rc;
}

int git_prompt_diff(const char *dir, const char *sha, const char *path,
		    const struct git_history *hist, struct buf *out)
{
	const struct git_entry *e;
	git_repository *repo;
	git_commit *c = NULL, *p = NULL;
	git_tree *ta = NULL, *tb = NULL;
	char *prefix = NULL, *paths[2] = {NULL, NULL};
	int rc = -1;

	repo = git_open_project(dir, &prefix);
	if (!repo)
		return -1;
	c = commit_by_prefix(repo, sha);
	if (!c || git_commit_parentcount(c) == 0 || git_commit_parent(&p, c, 0) ||
	    git_commit_tree(&ta, p) || git_commit_tree(&tb, c))
		goto out;
	e = entry_of(hist, c);
	paths[0] = e ? strdup(e->path) : git_join(prefix, path);
	if (e && e->old_path)
		paths[1] = strdup(e->old_path);
	rc = print_diff(repo, ta, tb, paths, paths[1] ? 2 : 1, out);
out:
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(p);
	git_commit_free(c);
	git_repository_free(repo);
	free(paths[0]);
	free(paths[1]);
	free(prefix);
	return rc;
}
