/* GET /api/projects/{name}/loop/status — {"running":bool} from
 * GetProjectInfo.loop_running (http.md 4.13). When the daemon cannot be
 * asked (down, slow, or a config.toml that would crash it) we answer from
 * the files and say so: "source":"flag-file", with the daemon's auto-start
 * rule (active = true, .cloche/host.cloche, no .loop-stopped) as the guess. */
#include "daemon.h"
#include "guard.h"
#include "json.h"
#include "resp.h"
#include "responders.h"
#include "toml_check.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int has_file(const char *dir, const char *name)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/.cloche/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* `active = true` before the first table header (store.md 3.2). */
static int config_active(const char *dir)
{
	char path[4200], line[512];
	FILE *f;
	int on = 0;

	snprintf(path, sizeof path, "%s/.cloche/config.toml", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *s = line + strspn(line, " \t");

		if (*s == '[')
			break;
		if (strncmp(s, "active", 6) == 0) {
			s += 6 + strspn(s + 6, " \t");
			if (*s == '=') {
				s++;
				s += strspn(s, " \t");
				on = strncmp(s, "true", 4) == 0;
			}
		}
	}
	fclose(f);
	return on;
}

static void fallback(struct req *r, const struct project *p, const char *why, int config_ok)
{
	struct json_object *o = json_object_new_object();
	int stopped = has_file(p->dir, ".loop-stopped");

	jadd_str(o, "error", why);
	jadd_bool(o, "loop_stopped_flag", stopped);
	/* Without the daemon nobody knows whether a loop runs; the daemon's
	 * safest answer is false (http.md 4.13). What the files do say: the
	 * operator stopped it, or the daemon would start it at its next start. */
	jadd_bool(o, "running", 0);
	jadd_bool(o, "would_autostart", !stopped && config_ok && config_active(p->dir) && has_file(p->dir, "host.cloche"));
	jadd_str(o, "source", "flag-file");
	resp_json(r, 200, o);
}

void api_loop_status(struct req *r)
{
	const struct project *p = need_project(r, r->param[0]);
	Cloche__V1__GetProjectInfoResponse *info;
	struct daemon_err e;
	struct json_object *o;
	char why[300], msg[700];

	if (!p)
		return;
	if (project_config_check(p->dir, why, sizeof why) != 0) {
		snprintf(msg, sizeof msg, "daemon not asked: .cloche/config.toml does not parse (%s)", why);
		fallback(r, p, msg, 0);
		return;
	}
	info = daemon_get_project_info(p->dir, &e);
	if (!info) {
		fallback(r, p, e.msg, 1);
		return;
	}
	o = json_object_new_object();
	jadd_bool(o, "running", info->loop_running);
	daemon_free(info);
	resp_json(r, 200, o);
}
