/* Optional price table (docs/usage.md): USD per million input and output
 * tokens per agent, from CLOCHE_DASH_PRICES ("claude=3,15;codex=1.25,10;
 * *=3,15") and/or the file named by CLOCHE_DASH_PRICE_FILE (same entries,
 * one per line, # comments). With no table, no money is shown anywhere. */
#ifndef CLOCHE_PRICING_H
#define CLOCHE_PRICING_H
#include <stddef.h>

/* 1 when a table is configured at all. */
int pricing_enabled(void);
/* Cost of in/out tokens of one agent: 1 and *usd when the agent has a
 * price (its exact name, its base name after the last '/', "(unknown)"
 * for '', or the "*" default); 0 otherwise (and *usd = 0). */
int pricing_cost(const char *agent, long long in, long long out, double *usd);
/* "$12.34", "$0.0042" (two significant digits below a cent), "$0". */
void pricing_fmt(char *out, size_t cap, double usd);
/* Tokens summed over agents with their estimated cost. The cost is known
 * only while every agent that brought tokens has a price: a partial sum
 * would look like a real figure. Start from {0}. */
struct tokcost {
	long long in, out;
	double usd;
	int unpriced;         /* some tokens came from an agent without a price */
};
void tokcost_add(struct tokcost *t, const char *agent, long long in, long long out);
/* 1 and the money text ("$0.05") when it is to be shown: a table is
 * configured, there are tokens, and all of them are priced; else 0, "". */
int tokcost_fmt(const struct tokcost *t, char *out, size_t cap);
/* Forget the parsed table (tests change the environment). */
void pricing_reset(void);

#endif
