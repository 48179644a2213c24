/* Pieces of usage markup shared by the /usage page and the project
 * page's token panel. */
#ifndef CLOCHE_USAGE_VIEW_H
#define CLOCHE_USAGE_VIEW_H
#include "req.h"
#include "store.h"
#include "usage.h"

/* Stacked bars of the last `hours` hours (UTC hours) or `days` days (UTC
 * days) per agent; dir '' = all projects. */
void usage_view_hourly(struct req *r, struct store *s, const char *dir, int hours,
		       long long now, const char *title);
void usage_view_daily(struct req *r, struct store *s, const char *dir, int days,
		      long long now, const char *title);
/* "(unknown)" for the '' agent. */
void usage_view_agent(struct req *r, const char *agent);
/* An agent's cost, "" when unpriced. */
void usage_view_cost_one(struct req *r, const char *agent, long long in, long long out);
void usage_view_num(struct req *r, long long n); /* 12.3k */
/* " <span class="token-cost">$0.05</span>" when the money is to be shown
 * (tokcost_fmt), else nothing. */
struct tokcost;
void usage_view_money(struct req *r, const struct tokcost *t);
/* A runs-list cell: the total as 12.3k with the exact input/output in
 * data-in/data-out and the title, and the money; empty without tokens. */
void usage_view_tokens_cell(struct req *r, const struct tokcost *t);

#endif
