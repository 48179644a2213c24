/* Prompt history and prompt diffs read with libgit2 (never by running
 * git): the equivalent of `git log --follow -- <path>` for several files in
 * one walk, and of `git diff <sha>^..<sha> -- <path>` (store.md 3.4). */
#ifndef CLOCHE_GITINFO_H
#define CLOCHE_GITINFO_H
#include "buf.h"
#include <stddef.h>

struct git_entry {
	char sha[8];          /* first 7 hex digits */
	char date[11];        /* YYYY-MM-DD of the author date in the author's offset */
	char *message;        /* subject line (owned) */
	char *path;           /* repo-relative name of the file in this commit (owned) */
	char *old_path;       /* its name before, when this commit renamed it, else NULL */
};

struct git_history {
	struct git_entry *v;  /* newest first (owned) */
	size_t n;
};

/* Histories of n project-relative paths, all found in one walk from HEAD.
 * out[] must hold n zeroed histories; the caller frees each with
 * git_history_free. Returns 0, or -1 when dir is not in a git work tree or
 * has no commit (histories stay empty). */
int git_histories(const char *dir, const char *const *paths, size_t n, struct git_history *out);
/* The same, reusing base[] (the histories of the same paths at the
 * earlier HEAD base_head) when HEAD simply descends from it. */
int git_histories_from(const char *dir, const char *const *paths, size_t n, const char *base_head,
		       const struct git_history *base, struct git_history *out);
void git_history_free(struct git_history *h);

/* HEAD's commit id as 40 hex digits; -1 when dir is not in a repository
 * or HEAD is unborn. */
int git_head_id(const char *dir, char out[41]);

/* Unified diff of commit sha (a 4..40 digit hex prefix) against its first
 * parent, limited to the project-relative path, or, when the commit is in
 * hist (the file's history, may be NULL), to the name the file had then
 * (a rename shows as one). Appends to out and returns 0; -1 when
 * unavailable (not a repository, unknown or ambiguous sha, not a commit,
 * root commit). */
int git_prompt_diff(const char *dir, const char *sha, const char *path,
		    const struct git_history *hist, struct buf *out);

#endif
