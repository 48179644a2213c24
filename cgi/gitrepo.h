/* Shared by gitinfo.c and gitdiff.c: opening the repository that holds a
 * project directory, as `git` run in that directory would find it. */
#ifndef CLOCHE_GITREPO_H
#define CLOCHE_GITREPO_H
#include <git2.h>

/* NULL when dir is not inside a work tree. *prefix (caller frees) is dir
 * below the work tree: "" or "sub/". Caller frees the repository. */
git_repository *git_open_project(const char *dir, char **prefix);
/* a + b, newly allocated. */
char *git_join(const char *a, const char *b);

#endif
