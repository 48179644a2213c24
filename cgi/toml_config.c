/* Reads a project's .cloche/config.toml for toml_check (toml_check.h). */
#include "toml_check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int project_config_check(const char *project_dir, char *why, size_t cap)
{
	char path[4200], *text;
	struct stat sb;
	FILE *f;
	size_t n;
	int rc;

	snprintf(path, sizeof path, "%s/.cloche/config.toml", project_dir);
	if (stat(path, &sb) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : (snprintf(why, cap, "cannot read %s: %s", path, strerror(errno)), -1);
	if (!S_ISREG(sb.st_mode) || sb.st_size > 4 * 1024 * 1024) {
		snprintf(why, cap, "%s is not a regular file of reasonable size", path);
		return -1;
	}
	f = fopen(path, "rb");
	if (!f) {
		snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc((size_t)sb.st_size + 1);
	n = fread(text, 1, (size_t)sb.st_size, f);
	fclose(f);
	text[n] = '\0';
	rc = toml_check(text, n, why, cap);
	free(text);
	return rc;
}
