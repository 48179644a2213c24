/* Configuration: environment first (FastCGI bin-environment, systemd, CGI
 * SetEnv), then the dashboard's config file (CLOCHE_DASH_CONFIG, default
 * /etc/cloche-dash.conf): KEY=VALUE lines, # comments. */
#ifndef CLOCHE_CONFIG_H
#define CLOCHE_CONFIG_H
#include "req.h"

const char *cfg_get(const char *key);
const char *cfg_get_req(const struct req *r, const char *key);
int cfg_store_path(char *out, size_t cap, const char **source);

#endif
