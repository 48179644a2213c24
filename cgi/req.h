/* One request and its response. The request layer fills struct req from
 * CGI/FastCGI parameters; a responder reads it and writes only through the
 * output layer (html.h for pages, resp.h for JSON/text). */
#ifndef CLOCHE_REQ_H
#define CLOCHE_REQ_H
#include "buf.h"

#define MAX_PARAMS 4
#define MAX_PARAM_LEN 512
#define MAX_HEADERS 16

struct store;

struct req {
	char **env;             /* CGI parameters, borrowed */
	const char *method;     /* GET, HEAD, POST, DELETE, ... */
	char *base;             /* mount point, "" or "/tools/cloche" (owned) */
	char *path;             /* raw path below base, query removed (owned) */
	const char *query;      /* raw query string, borrowed */
	char *param[MAX_PARAMS];/* decoded path parameters (owned) */
	int nparam;
	int is_api;             /* error style: JSON for /api, HTML for pages */
	int form;               /* an HTML form posted this: answer with a redirect + flash */
	char *in;               /* request body (POST), NUL-terminated, owned */
	size_t in_len;
	long long started_us;
	char reqid[48];
	char nonce[24];

	/* response */
	int status;
	const char *ctype;      /* static string */
	char *hdr[MAX_HEADERS]; /* extra "Name: value" lines (owned) */
	int nhdr;
	struct buf body;
	int cacheable;          /* response may be reused while the store is unchanged */
	int cache_ttl;          /* seconds a cached copy stays fresh (0 = until change) */
};

const char *req_env(const struct req *r, const char *name);
char *req_query(const struct req *r, const char *name); /* decoded, caller frees; NULL if absent */
int req_query_int(const struct req *r, const char *name, long long def, long long min,
		  long long max, long long *out);
void req_init(struct req *r, char **env);
int req_parse(struct req *r); /* -1: malformed query (400) */
void req_free(struct req *r);
void resp_header(struct req *r, const char *name, const char *value);

#endif
