/* What the footer says about the daemon (GetVersion over the daemon link). */
#ifndef CLOCHE_DAEMON_INFO_H
#define CLOCHE_DAEMON_INFO_H
#include "req.h"

void daemon_footer(struct req *r);

#endif
