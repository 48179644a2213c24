/* Does a project's .cloche/config.toml load in the daemon? A file that
 * exists but fails to parse or decode makes GetProjectInfo and EnableLoop
 * dereference nil and kill the daemon (daemon.md 1.1), so the dashboard
 * checks first. Debian has no TOML library for C, hence this strict
 * validator of TOML 1.0 (syntax, duplicate keys and tables) plus the
 * types of the keys the daemon decodes (store.md 3.2). */
#ifndef CLOCHE_TOML_CHECK_H
#define CLOCHE_TOML_CHECK_H
#include <stddef.h>

/* 0 valid; -1 with why = "line N: what is wrong". */
int toml_check(const char *text, size_t n, char *why, size_t cap);

/* 0 when <project_dir>/.cloche/config.toml is absent or valid; -1 when it
 * exists but cannot be read or does not parse (why says which). */
int project_config_check(const char *project_dir, char *why, size_t cap);

#endif
