/* What the project page reads from <project>/.cloche besides workflows
 * and logs (store.md 3.4): the image of the Dockerfile, the version file
 * and the prompt files with their git history. */
#ifndef CLOCHE_PROJINFO_H
#define CLOCHE_PROJINFO_H
#include "gitinfo.h"
#include <stddef.h>

#define PROMPT_DIR ".cloche/prompts"

/* Second field of the last line whose upper-cased, trimmed form starts
 * with "FROM " (a space, not a tab). Caller frees; "" when none. */
char *docker_image_from_text(const char *text, size_t n);
char *projinfo_docker_image(const char *dir);
/* .cloche/version as a decimal int (optional sign); 0 if missing/invalid. */
long long projinfo_version(const char *dir);

struct prompt_file {
	char *path;               /* ".cloche/prompts/<name>" */
	struct git_history hist;  /* n == 0: no commit touched it */
};

struct prompt_set {
	struct prompt_file *v;    /* non-directory entries, in name order */
	size_t n;
	int git;                  /* the project is in a git work tree */
};

/* The prompt files of dir with their histories, computed once per
 * (dir, HEAD, prompt directory mtime) and kept in process memory. The
 * set belongs to the cache and stays valid until the next call. */
const struct prompt_set *prompts_get(const char *dir);
/* Is path exactly one of the listed prompt paths? */
int prompt_listed(const struct prompt_set *s, const char *path);
/* The bytes of a listed prompt file, at most cap of them, read only if it
 * resolves inside dir (symlinks may not leave the project). Caller frees;
 * NULL when unreadable. *trunc is set when the file was longer. */
char *prompt_content(const char *dir, const char *path, size_t cap, size_t *len, int *trunc);

#endif
