#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 64

static struct { char *key, *val; } kv[MAX_KEYS];
static int nkv = -1;

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void load_file(void)
{
	const char *path = getenv("CLOCHE_DASH_CONFIG");
	char line[1024], *eq;
	FILE *f;

	nkv = 0;
	if (!path || !*path)
		path = CLOCHE_DEFAULT_CONFIG;
	f = fopen(path, "r");
	if (!f)
		return;
	while (nkv < MAX_KEYS && fgets(line, sizeof line, f)) {
		char *s = trim(line);

		if (*s == '#' || !(eq = strchr(s, '=')))
			continue;
		*eq = '\0';
		kv[nkv].key = strdup(trim(s));
		kv[nkv].val = strdup(trim(eq + 1));
		nkv++;
	}
	fclose(f);
}

const char *cfg_get(const char *key)
{
	const char *v = getenv(key);
	int i;

	if (v && *v)
		return v;
	if (nkv < 0)
		load_file();
	for (i = 0; i < nkv; i++)
		if (strcmp(kv[i].key, key) == 0 && *kv[i].val)
			return kv[i].val;
	return NULL;
}

/* Parameters set by the web server's configuration win over the process
 * environment; HTTP headers arrive as HTTP_* and can never match. */
const char *cfg_get_req(const struct req *r, const char *key)
{
	const char *v = r ? req_env(r, key) : NULL;

	return v && *v ? v : cfg_get(key);
}

/* `db = "..."` in the [daemon] table of the daemon's global config. */
static int daemon_config_db(const char *home, char *out, size_t cap)
{
	char path[4096], line[4096], *s, *q;
	int in_daemon = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/.config/cloche/config", home);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		s = trim(line);
		if (*s == '[') {
			in_daemon = strncmp(s, "[daemon]", 8) == 0;
			continue;
		}
		if (!in_daemon || strncmp(s, "db", 2) != 0)
			continue;
		s = trim(s + 2);
		if (*s != '=')
			continue;
		s = trim(s + 1);
		if ((*s != '"' && *s != '\'') || !(q = strchr(s + 1, *s)))
			continue;
		*q = '\0';
		snprintf(out, cap, "%s", s + 1);
		fclose(f);
		return *out != '\0';
	}
	fclose(f);
	return 0;
}

/* store.md 1.1, read as the daemon's user would: CLOCHE_DB, then [daemon]
 * db, then ~/.config/cloche/cloche.db ($TMPDIR/cloche when HOME is unset).
 * CLOCHE_HOME names the daemon user's home when we run as someone else. */
int cfg_store_path(char *out, size_t cap, const char **source)
{
	const char *v = cfg_get("CLOCHE_DB");
	const char *home = cfg_get("CLOCHE_HOME");

	if (v) {
		*source = "CLOCHE_DB";
		snprintf(out, cap, "%s", v);
		return 0;
	}
	if (!home)
		home = getenv("HOME");
	if (home && *home) {
		if (daemon_config_db(home, out, cap)) {
			*source = "[daemon] db in ~/.config/cloche/config";
			return 0;
		}
		*source = "default ~/.config/cloche/cloche.db";
		snprintf(out, cap, "%s/.config/cloche/cloche.db", home);
		return 0;
	}
	v = getenv("TMPDIR");
	*source = "default $TMPDIR/cloche/cloche.db (HOME unset)";
	snprintf(out, cap, "%s/cloche/cloche.db", v && *v ? v : "/tmp");
	return 0;
}
