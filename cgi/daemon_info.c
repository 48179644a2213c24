#include "daemon_info.h"
#include "html.h"

void daemon_footer(struct req *r)
{
	H(r, "cloche-dash " DASH_VERSION " · daemon link not built yet");
}
