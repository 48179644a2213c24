#include "runhtml.h"
#include "esc.h"
#include "html.h"
#include "runjson.h"
#include "timefmt.h"
#include <string.h>

void h_badge(struct req *r, const char *state, const char *text)
{
	H(r, "<span class=\"badge badge-");
	h_attr(r, state);
	H(r, "\">");
	h_text(r, text ? text : state);
	H(r, "</span>");
}

void h_excerpt(struct req *r, const char *s, size_t max)
{
	size_t n = strlen(s), cut = 0, k;

	if (n <= max) {
		h_text(r, s);
		return;
	}
	while (cut < max) {
		k = utf8_seq((const unsigned char *)s + cut, n - cut);
		if (!k)
			k = 1;
		if (cut + k > max)
			break;
		cut += k;
	}
	h_textn(r, s, cut);
	H(r, "...");
}

void h_time(struct req *r, const char *ts)
{
	char d[20];

	ts_display(d, ts);
	h_text(r, d);
}

void h_timing(struct req *r, const struct run *run, long long now)
{
	struct buf b = {0};

	fmt_timing(&b, run->state, run->started_at, run->completed_at, now);
	h_text(r, buf_str(&b));
	buf_free(&b);
}

void h_run_link(struct req *r, const char *id)
{
	H(r, "<a href=\"");
	H_URL(r, "/runs/", id, "");
	H(r, "\">");
	h_text(r, id);
	H(r, "</a>");
}

void h_run_cells(struct req *r, const struct run *run, const struct projects *p,
		 long long now, int child)
{
	struct buf b = {0};

	H(r, "<td class=\"run-id\">");
	if (child)
		H(r, "<span class=\"tree-mark\" aria-hidden=\"true\">└\u00a0</span>");
	h_run_link(r, run->id);
	H(r, "</td><td>");
	h_text(r, project_label(p, run->project_dir));
	H(r, "</td><td>");
	h_text(r, run->workflow);
	H(r, "</td><td>");
	if (run->is_host)
		H(r, "host");
	else
		H(r, "container");
	H(r, "</td><td>");
	h_badge(r, run->state, NULL);
	H(r, "</td><td class=\"mono\">");
	run_current_step(&b, run);
	h_text(r, buf_str(&b));
	H(r, "</td><td>");
	h_timing(r, run, now);
	H(r, "</td><td class=\"mono\">");
	h_textn(r, run->container_id, strnlen(run->container_id, 12));
	H(r, "</td><td class=\"error-cell\">");
	h_excerpt(r, run->error_message, 80);
	H(r, "</td>");
	buf_free(&b);
}
