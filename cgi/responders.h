/* Every responder, one per route family; the file is named after the
 * route (docs/architecture.md has the table). */
#ifndef CLOCHE_RESPONDERS_H
#define CLOCHE_RESPONDERS_H
#include "req.h"

void page_index(struct req *r);          /* page_index.c   GET / */
void api_projects(struct req *r);        /* api_projects.c GET /api/projects */
void static_file(struct req *r);         /* static_file.c  GET /static/{file} */

#endif
