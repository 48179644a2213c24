/* The price table: parsed once per process from the configuration. */
#include "pricing.h"
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PRICES 64

struct price {
	char agent[128];
	double in, out;       /* USD per million tokens */
};

static struct price tab[MAX_PRICES];
static int ntab = -1;

/* "agent = in, out" (spaces optional); malformed entries are skipped. */
static void parse_entry(const char *e, size_t n)
{
	char tmp[256], *eq, *name, *end;
	double in, out;

	if (n == 0 || n >= sizeof tmp || ntab >= MAX_PRICES)
		return;
	memcpy(tmp, e, n);
	tmp[n] = '\0';
	eq = strrchr(tmp, '=');
	if (!eq || tmp[strspn(tmp, " \t")] == '#')
		return;
	*eq = '\0';
	in = strtod(eq + 1, &end);
	if (end == eq + 1 || *end != ',')
		return;
	out = strtod(end + 1, &end);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end || in < 0 || out < 0)
		return;
	name = tmp + strspn(tmp, " \t");
	for (end = name + strlen(name); end > name && (end[-1] == ' ' || end[-1] == '\t'); end--)
		*--end = '\0';
	snprintf(tab[ntab].agent, sizeof tab[ntab].agent, "%s", name);
	tab[ntab].in = in;
	tab[ntab].out = out;
	ntab++;
}

static void parse_list(const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, ";\n");

		parse_entry(s, n);
		s += n;
		if (*s)
			s++;
	}
}

static void load(void)
{
	const char *inline_list = cfg_get("CLOCHE_DASH_PRICES");
	const char *path = cfg_get("CLOCHE_DASH_PRICE_FILE");
	char buf[8192];
	size_t n;
	FILE *f;

	ntab = 0;
	if (path && (f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		parse_list(buf);
	}
	parse_list(inline_list);
}

int pricing_enabled(void)
{
	if (ntab < 0)
		load();
	return ntab > 0;
}

static const struct price *find(const char *name)
{
	int i;

	for (i = 0; i < ntab; i++)
		if (strcmp(tab[i].agent, name) == 0)
			return &tab[i];
	return NULL;
}

int pricing_cost(const char *agent, long long in, long long out, double *usd)
{
	const struct price *p;
	const char *base;

	*usd = 0;
	if (!pricing_enabled())
		return 0;
	base = strrchr(agent, '/');
	p = find(*agent ? agent : "(unknown)");
	if (!p && base && base[1])
		p = find(base + 1);
	if (!p)
		p = find("*");
	if (!p)
		return 0;
	*usd = ((double)in * p->in + (double)out * p->out) / 1e6;
	return 1;
}

void pricing_fmt(char *out, size_t cap, double usd)
{
	if (usd == 0)
		snprintf(out, cap, "$0");
	else if (usd < 0.0001)
		snprintf(out, cap, "<$0.0001");
	else if (usd < 0.01)
		snprintf(out, cap, "$%.2g", usd);
	else
		snprintf(out, cap, "$%.2f", usd);
}

void tokcost_add(struct tokcost *t, const char *agent, long long in, long long out)
{
	double usd;

	t->in += in;
	t->out += out;
	if (pricing_cost(agent, in, out, &usd))
		t->usd += usd;
	else if (in || out)
		t->unpriced = 1;
}

int tokcost_fmt(const struct tokcost *t, char *out, size_t cap)
{
	*out = '\0';
	if (!pricing_enabled() || t->unpriced || t->in + t->out == 0)
		return 0;
	pricing_fmt(out, cap, t->usd);
	return 1;
}

void pricing_reset(void)
{
	ntab = -1;
}
