/* The route table: method + pattern → responder. Order matters only for
 * patterns that could match the same path; the first wins. */
#include "responders.h"
#include "route.h"
#include <stddef.h>

const struct route ROUTES[] = {
	{"GET", "/", page_index},
	{"GET", "/api/projects", api_projects},
	{"GET", "/static/{file}", static_file},
	{NULL, NULL, NULL},
};
