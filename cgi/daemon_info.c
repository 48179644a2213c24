/* The footer's daemon version. GetVersion with a short deadline, and the
 * answer (or the failure) kept for 30 s in this process, so pages stay
 * fast when the daemon is down or slow. */
#include "daemon_info.h"
#include "daemon.h"
#include "html.h"
#include <time.h>

#define FOOTER_TIMEOUT_MS 300
#define FOOTER_CACHE_S 30

static char version[128];
static int reachable;
static time_t asked;

static void refresh(void)
{
	struct daemon_err e;
	time_t now = time(NULL);

	if (asked && now - asked < FOOTER_CACHE_S && now >= asked)
		return;
	reachable = daemon_get_version(version, sizeof version, FOOTER_TIMEOUT_MS, &e) == 0;
	asked = now;
}

void daemon_footer(struct req *r)
{
	refresh();
	H(r, "cloche-dash " DASH_VERSION " · ");
	if (reachable) {
		H(r, "daemon ");
		h_text(r, version);
	} else {
		H(r, "daemon not reachable");
	}
}
