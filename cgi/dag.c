/* Layout of a workflow graph, step by step as pages.md section 3 describes
 * the daemon's page script: explicit wires only; layers by Kahn's sort,
 * then breadth-first for cycles; four rounds of barycentre ordering; fixed
 * coordinates; wires into terminals gathered in vertical columns. One
 * deliberate change (3.8): labels that would land on the same point are
 * moved down a line. */
#include "dag.h"
#include <stdlib.h>
#include <string.h>

#define LAYER_H (DAG_NODE_H + DAG_GAP_Y)
#define SLOT_W (DAG_NODE_W + DAG_GAP_X)
#define STRAIGHT_MAX 60     /* 2 x round(180/6): centres this close get a straight line */
#define COL_GAP 40
#define LABEL_LINE 12

static const char GREEN[] = "#4caf50", RED[] = "#e53935";
static const char *const PALETTE[] = {"#2196f3", "#ffc107", "#e040fb", "#00bcd4", "#ff9800"};

enum { G_NORMAL, G_TERM_SUCCESS, G_WIRE_COL, G_SUCCESS_COL };

struct edge {
	int from, to;          /* node indexes; from is always a step */
	const char *result, *color;
	int success, group;
};

struct work {
	const struct dsl_workflow *w;
	struct dag *d;
	int *wfrom, *wto;      /* per explicit wire: node index or -1 */
	size_t nw;             /* explicit wires */
	const struct dsl_wire **wire;
	struct edge *e;        /* drawn edges, in wire order */
	size_t ne;
	int *order;            /* steps, topological */
	int **row;             /* nodes of each layer, in drawing order */
	size_t *rowlen;
	int *pos;              /* index of a node within its row */
	const char **custom;   /* results that took palette colours */
	size_t ncustom;
	int stampgen;          /* marks "parent already counted" per visit */
	unsigned flags;
};

static int in_set(const char *r, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(r, *set) == 0)
			return 1;
	return 0;
}

static int is_success(const char *r)
{
	static const char *const set[] = {"success", "ok", "done", "pass", NULL};

	return in_set(r, set);
}

static const char *color_of(struct work *k, const char *r)
{
	static const char *const fail[] = {"failed", "fail", "error", NULL};
	size_t i;

	if (is_success(r))
		return GREEN;
	if (in_set(r, fail))
		return RED;
	for (i = 0; i < k->ncustom; i++)
		if (strcmp(k->custom[i], r) == 0)
			return PALETTE[i % 5];
	k->custom[k->ncustom++] = r;
	return PALETTE[i % 5];
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct dag_node *)a)->name, ((const struct dag_node *)b)->name);
}

static int step_index(const struct dag *d, const char *name)
{
	size_t lo = 0, hi = d->nsteps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->nodes[mid].name, name);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int node_index(const struct dag *d, const char *name)
{
	int i = step_index(d, name);
	size_t t;

	for (t = d->nsteps; i < 0 && t < d->nnodes; t++)
		if (strcmp(d->nodes[t].name, name) == 0)
			i = (int)t;
	return i;
}

/* Steps in name order, then done/abort in the order of their first
 * explicit wire; then every explicit wire resolved to node indexes. */
static void build_nodes(struct work *k)
{
	const struct dsl_workflow *w = k->w;
	struct dag *d = k->d;
	size_t i;

	d->nodes = calloc(w->nsteps + 2, sizeof *d->nodes);
	for (i = 0; i < w->nsteps; i++) {
		d->nodes[i].name = w->steps[i].name;
		d->nodes[i].type = w->steps[i].type;
		d->nodes[i].step = &w->steps[i];
	}
	d->nsteps = d->nnodes = w->nsteps;
	qsort(d->nodes, d->nsteps, sizeof *d->nodes, cmp_node);
	for (i = 0; i < k->nw; i++) {
		const char *to = k->wire[i]->to;

		if ((!strcmp(to, "done") || !strcmp(to, "abort")) && node_index(d, to) < 0)
			d->nodes[d->nnodes++].name = to;
	}
	k->wfrom = malloc((k->nw + 1) * sizeof *k->wfrom);
	k->wto = malloc((k->nw + 1) * sizeof *k->wto);
	k->e = calloc(k->nw + 1, sizeof *k->e);
	k->custom = calloc(k->nw + 1, sizeof *k->custom);
	for (i = 0; i < k->nw; i++) {
		const struct dsl_wire *x = k->wire[i];
		const char *c = color_of(k, x->result);

		k->wfrom[i] = step_index(d, x->from);
		k->wto[i] = node_index(d, x->to);
		if (k->wfrom[i] >= 0 && k->wto[i] >= 0)
			k->e[k->ne++] = (struct edge){k->wfrom[i], k->wto[i], x->result, c,
						      is_success(x->result), 0};
	}
}

/* For each node, the indexes of the items keyed to it, in item order
 * (a stable counting sort), so walks stay linear in the graph size. */
struct csr {
	int *start, *list;
};

static void csr_build(struct csr *c, size_t nnodes, const int *key, size_t nitems)
{
	size_t i;
	int *fill = calloc(nnodes + 1, sizeof *fill);

	c->start = calloc(nnodes + 1, sizeof *c->start);
	c->list = malloc((nitems + 1) * sizeof *c->list);
	for (i = 0; i < nitems; i++)
		if (key[i] >= 0)
			c->start[key[i] + 1]++;
	for (i = 0; i < nnodes; i++)
		c->start[i + 1] += c->start[i];
	for (i = 0; i < nitems; i++)
		if (key[i] >= 0)
			c->list[c->start[key[i]] + fill[key[i]]++] = (int)i;
	free(fill);
}

static void csr_free(struct csr *c)
{
	free(c->start);
	free(c->list);
}

/* Kahn's sort over the steps; leftovers (cycles) breadth-first from the
 * ordered list along outgoing wires; the rest in name order. */
static void topo_order(struct work *k)
{
	size_t n = k->d->nsteps, i, head, tail = 0;
	int *indeg = calloc(n + 1, sizeof *indeg), *seen = calloc(n + 1, sizeof *seen), j, pass;
	struct csr out;

	csr_build(&out, k->d->nnodes, k->wfrom, k->nw);
	k->order = malloc((n + 1) * sizeof *k->order);
	for (i = 0; i < k->nw; i++)
		if (k->wto[i] >= 0 && (size_t)k->wto[i] < n)
			indeg[k->wto[i]]++;
	for (i = 0; i < n; i++)
		if (!indeg[i]) {
			k->order[tail++] = (int)i;
			seen[i] = 1;
		}
	/* pass 0: Kahn (a target joins when its in-degree drops to 0);
	 * pass 1: breadth-first over what is left. */
	for (pass = 0; pass < 2; pass++)
		for (head = 0; head < tail; head++) {
			int u = k->order[head];

			for (j = out.start[u]; j < out.start[u + 1]; j++) {
				int t = k->wto[out.list[j]];

				if (t < 0 || (size_t)t >= n || seen[t])
					continue;
				if (pass == 0 && --indeg[t] > 0)
					continue;
				k->order[tail++] = t;
				seen[t] = 1;
			}
		}
	for (i = 0; i < n; i++)
		if (!seen[i])
			k->order[tail++] = (int)i;
	csr_free(&out);
	free(indeg);
	free(seen);
}

/* Longest path over already-layered parents; terminals one layer below. */
static void assign_layers(struct work *k)
{
	struct dag *d = k->d;
	size_t i;
	int max = -1, *to = malloc((k->ne + 1) * sizeof *to), j;
	struct csr in;

	for (i = 0; i < k->ne; i++)
		to[i] = k->e[i].to;
	csr_build(&in, d->nnodes, to, k->ne);
	for (i = 0; i < d->nnodes; i++)
		d->nodes[i].layer = -1;
	for (i = 0; i < d->nsteps; i++) {
		int v = k->order[i], l = 0;

		for (j = in.start[v]; j < in.start[v + 1]; j++) {
			int pl = d->nodes[k->e[in.list[j]].from].layer;

			if (pl >= 0 && pl + 1 > l)
				l = pl + 1;
		}
		d->nodes[v].layer = l;
		if (l > max)
			max = l;
	}
	for (i = d->nsteps; i < d->nnodes; i++)
		d->nodes[i].layer = max + 1;
	d->nlayers = max + 1 + (d->nnodes > d->nsteps);
	csr_free(&in);
	free(to);
}

static void build_rows(struct work *k)
{
	struct dag *d = k->d;
	size_t nl = (size_t)d->nlayers, i, *fill = calloc(nl + 1, sizeof *fill);

	k->row = calloc(nl + 1, sizeof *k->row);
	k->rowlen = calloc(nl + 1, sizeof *k->rowlen);
	k->pos = calloc(d->nnodes + 1, sizeof *k->pos);
	for (i = 0; i < d->nnodes; i++)
		k->rowlen[d->nodes[i].layer]++;
	for (i = 0; i < nl; i++)
		k->row[i] = malloc((k->rowlen[i] + 1) * sizeof **k->row);
	/* initial order: topological for steps, first wire for terminals */
	for (i = 0; i < d->nnodes; i++) {
		int v = i < d->nsteps ? k->order[i] : (int)i, l = d->nodes[v].layer;

		k->pos[v] = (int)fill[l];
		k->row[l][fill[l]++] = v;
	}
	free(fill);
}

struct keyed {
	double key;
	int node, idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx - y->idx;   /* stable */
}

/* One layer re-sorted by the mean position of its neighbours in layer
 * `other` (999 with none): parents counted once, children once per wire. */
static void sort_layer(struct work *k, int l, int other, const struct csr *adj, int use_to,
		       int *stamp, struct keyed *tmp)
{
	size_t i, n = k->rowlen[l];
	int j;

	for (i = 0; i < n; i++) {
		int v = k->row[l][i], cnt = 0, mark = ++k->stampgen;
		double sum = 0;

		for (j = adj->start[v]; j < adj->start[v + 1]; j++) {
			const struct edge *e = &k->e[adj->list[j]];
			int u = use_to ? e->to : e->from;

			if (k->d->nodes[u].layer != other)
				continue;
			if (!use_to) {   /* parents: distinct */
				if (stamp[u] == mark)
					continue;
				stamp[u] = mark;
			}
			sum += k->pos[u];
			cnt++;
		}
		tmp[i] = (struct keyed){cnt ? sum / cnt : 999, v, (int)i};
	}
	qsort(tmp, n, sizeof *tmp, cmp_keyed);
	for (i = 0; i < n; i++) {
		k->row[l][i] = tmp[i].node;
		k->pos[tmp[i].node] = (int)i;
	}
}

static void reduce_crossings(struct work *k)
{
	int nl = k->d->nlayers, l, round, *from = malloc((k->ne + 1) * sizeof *from),
	    *to = malloc((k->ne + 1) * sizeof *to), *stamp = calloc(k->d->nnodes + 1, sizeof *stamp);
	struct keyed *tmp = malloc((k->d->nnodes + 1) * sizeof *tmp);
	struct csr in, out;
	size_t i;

	for (i = 0; i < k->ne; i++) {
		from[i] = k->e[i].from;
		to[i] = k->e[i].to;
	}
	csr_build(&in, k->d->nnodes, to, k->ne);
	csr_build(&out, k->d->nnodes, from, k->ne);
	for (round = 0; round < 4; round++) {
		for (l = 1; l < nl; l++)
			sort_layer(k, l, l - 1, &in, 0, stamp, tmp);
		for (l = nl - 2; l >= 0; l--)
			sort_layer(k, l, l + 1, &out, 1, stamp, tmp);
	}
	csr_free(&in);
	csr_free(&out);
	free(from);
	free(to);
	free(stamp);
	free(tmp);
}

static void place_nodes(struct work *k)
{
	struct dag *d = k->d;
	size_t l, i, max = 0;

	for (l = 0; l < (size_t)d->nlayers; l++)
		if (k->rowlen[l] > max)
			max = k->rowlen[l];
	d->total_w = (int)max * DAG_NODE_W + ((int)max - 1) * DAG_GAP_X;
	for (l = 0; l < (size_t)d->nlayers; l++) {
		int n = (int)k->rowlen[l], roww = n * DAG_NODE_W + (n - 1) * DAG_GAP_X;

		for (i = 0; i < k->rowlen[l]; i++) {
			struct dag_node *v = &d->nodes[k->row[l][i]];

			v->x = DAG_PAD + (d->total_w - roww) / 2 + (int)i * SLOT_W;
			v->y = DAG_PAD + (int)l * LAYER_H;
		}
	}
	d->height = 2 * DAG_PAD + d->nlayers * DAG_NODE_H + (d->nlayers - 1) * DAG_GAP_Y;
}

static void classify(struct work *k)
{
	size_t i;

	for (i = 0; i < k->ne; i++) {
		struct edge *e = &k->e[i];
		int fl = k->d->nodes[e->from].layer, tl = k->d->nodes[e->to].layer;
		int term = (size_t)e->to >= k->d->nsteps;

		if (e->success && tl > fl + 1)
			e->group = G_SUCCESS_COL;
		else if (!term)
			e->group = G_NORMAL;
		else
			e->group = e->success ? G_TERM_SUCCESS : G_WIRE_COL;
	}
}

static int find_col(const struct dag *d, size_t from, int dest, const char *result)
{
	size_t i;

	for (i = from; i < d->ncols; i++)
		if (d->cols[i].dest == dest && (!result || strcmp(d->cols[i].result, result) == 0))
			return (int)i;
	return -1;
}

/* Wire columns: one per (terminal, result), terminals in first-seen order
 * and results in first-seen order within each; then one success column
 * per destination. */
static void make_columns(struct work *k)
{
	struct dag *d = k->d;
	struct dag_col *raw = calloc(k->ne + 1, sizeof *raw);
	size_t i, j, nraw = 0, nwire;
	int start = DAG_PAD + d->total_w + 50, sx;

	d->cols = calloc(k->ne + 1, sizeof *d->cols);
	for (i = 0; i < k->ne; i++) {
		const struct edge *e = &k->e[i];

		if (e->group != G_WIRE_COL || find_col(d, 0, e->to, e->result) >= 0)
			continue;
		d->cols[d->ncols++] = (struct dag_col){0, e->to, e->result, e->color, 0};
	}
	/* stable regroup by terminal */
	for (i = 0; i < d->ncols; i++) {
		if (find_col(d, 0, d->cols[i].dest, NULL) != (int)i)
			continue;
		for (j = i; j < d->ncols; j++)
			if (d->cols[j].dest == d->cols[i].dest)
				raw[nraw++] = d->cols[j];
	}
	memcpy(d->cols, raw, nraw * sizeof *raw);
	free(raw);
	nwire = d->ncols;
	for (i = 0; i < nwire; i++)
		d->cols[i].x = start + (int)i * COL_GAP;
	sx = start + (int)nwire * COL_GAP + (nwire ? 20 : 0);
	for (i = 0; i < k->ne; i++) {
		const struct edge *e = &k->e[i];

		if (e->group != G_SUCCESS_COL || find_col(d, nwire, e->to, NULL) >= 0)
			continue;
		d->cols[d->ncols] = (struct dag_col){sx + (int)(d->ncols - nwire) * COL_GAP, e->to,
						     e->result, e->color, 1};
		d->ncols++;
	}
}

/* A terminal no success wire reaches (usually abort) sits under the
 * middle of its wire columns. The daemon lets it land on top of done; we
 * push it right of the other terminal instead (not with DAG_EXACT). */
static void move_terminals(struct work *k)
{
	struct dag *d = k->d;
	size_t t, i;

	for (t = d->nsteps; t < d->nnodes; t++) {
		int succ = 0, sum = 0, n = 0;

		for (i = 0; i < k->ne; i++)
			succ |= k->e[i].to == (int)t && k->e[i].success;
		for (i = 0; i < d->ncols; i++)
			if (d->cols[i].dest == (int)t && !d->cols[i].success) {
				sum += d->cols[i].x;
				n++;
			}
		if (!succ && n)
			d->nodes[t].x = sum / n - DAG_NODE_W / 2;
		for (i = d->nsteps; !succ && n && !(k->flags & DAG_EXACT) && i < d->nnodes; i++)
			if (i != t && abs(d->nodes[i].x - d->nodes[t].x) < SLOT_W)
				d->nodes[t].x = d->nodes[i].x + SLOT_W;
	}
}

static void add_path(struct dag *d, int arrow, const char *color, int np, const struct dag_pt *p)
{
	struct dag_path *x = &d->paths[d->npaths++];
	size_t i;

	x->np = np;
	x->arrow = arrow;
	x->color = color;
	memcpy(x->p, p, (size_t)np * sizeof *p);
	if (!arrow)
		return;
	for (i = 0; i < d->ncolors; i++)
		if (d->colors[i] == color)
			return;
	if (d->ncolors < sizeof d->colors / sizeof d->colors[0])
		d->colors[d->ncolors++] = color;
}

/* Labels that would sit on the same point move down a line (the daemon
 * draws them on top of each other, pages.md 3.8). */
static void add_label(struct dag *d, int x, int y, const char *text, const char *color)
{
	size_t i;

again:
	for (i = 0; i < d->nlabels; i++)
		if (d->labels[i].x == x && d->labels[i].y == y) {
			y += LABEL_LINE;
			goto again;
		}
	d->labels[d->nlabels++] = (struct dag_label){x, y, text, color};
}

static void route_normal(struct work *k, const struct edge *e)
{
	struct dag *d = k->d;
	const struct dag_node *a = &d->nodes[e->from], *b = &d->nodes[e->to];
	int sx = a->x + DAG_NODE_W / 2, sy = a->y + DAG_NODE_H, tx = b->x + DAG_NODE_W / 2, ty = b->y;
	int my = (sy + ty) / 2, mx = (sx + tx) / 2;

	if (abs(sx - tx) <= STRAIGHT_MAX) {
		struct dag_pt p[2] = {{mx, sy}, {mx, ty}};

		add_path(d, 1, e->color, 2, p);
	} else {
		struct dag_pt p[4] = {{sx, sy}, {sx, my}, {tx, my}, {tx, ty}};

		add_path(d, 1, e->color, 4, p);
	}
	add_label(d, mx + 6, my, e->result, e->color);
}

/* One column: a line from each source's right edge, a dot at the
 * junction, and one arrow down into the destination's top edge. */
static void route_column(struct work *k, const struct dag_col *c)
{
	struct dag *d = k->d;
	const struct dag_node *t = &d->nodes[c->dest];
	int top = -1, centre = t->x + DAG_NODE_W / 2;
	struct dag_pt v[3];
	size_t i;

	for (i = 0; i < k->ne; i++) {
		const struct edge *e = &k->e[i];
		const struct dag_node *s = &d->nodes[e->from];
		int y = s->y + DAG_NODE_H / 2;
		struct dag_pt h[2] = {{s->x + DAG_NODE_W, y}, {c->x, y}};

		if (e->to != c->dest || e->group != (c->success ? G_SUCCESS_COL : G_WIRE_COL) ||
		    (!c->success && strcmp(e->result, c->result) != 0))
			continue;
		add_path(d, 0, c->color, 2, h);
		d->dots[d->ndots++] = (struct dag_dot){c->x, y, c->color};
		add_label(d, s->x + DAG_NODE_W + 6, y - 6, e->result, c->color);
		if (top < 0 || y < top)
			top = y;
	}
	v[0] = (struct dag_pt){c->x, top};
	v[1] = (struct dag_pt){c->x, t->y};
	v[2] = (struct dag_pt){centre, t->y};
	add_path(d, 1, c->color, abs(c->x - centre) > DAG_NODE_W / 6 ? 3 : 2, v);
}

static void route(struct work *k)
{
	struct dag *d = k->d;
	size_t i;
	int g, max = DAG_PAD + d->total_w;

	d->paths = calloc(2 * k->ne + d->ncols + 1, sizeof *d->paths);
	d->labels = calloc(k->ne + 1, sizeof *d->labels);
	d->dots = calloc(k->ne + 1, sizeof *d->dots);
	for (g = G_NORMAL; g <= G_TERM_SUCCESS; g++)
		for (i = 0; i < k->ne; i++)
			if (k->e[i].group == g)
				route_normal(k, &k->e[i]);
	for (i = 0; i < d->ncols; i++) {
		route_column(k, &d->cols[i]);
		if (d->cols[i].x + 20 > max)
			max = d->cols[i].x + 20;
	}
	for (i = d->nsteps; i < d->nnodes; i++)
		if (d->nodes[i].x + DAG_NODE_W + 10 > max)
			max = d->nodes[i].x + DAG_NODE_W + 10;
	d->width = max + DAG_PAD;
}

int dag_layout(const struct dsl_workflow *w, struct dag *d, unsigned flags)
{
	struct work k;
	size_t i;

	memset(d, 0, sizeof *d);
	memset(&k, 0, sizeof k);
	if (!w->nsteps)
		return 0;
	k.w = w;
	k.d = d;
	k.flags = flags;
	k.wire = malloc((w->nwires + 1) * sizeof *k.wire);
	for (i = 0; i < w->nwires; i++)
		if (!w->wires[i].implicit)
			k.wire[k.nw++] = &w->wires[i];
	build_nodes(&k);
	topo_order(&k);
	assign_layers(&k);
	build_rows(&k);
	reduce_crossings(&k);
	place_nodes(&k);
	classify(&k);
	make_columns(&k);
	move_terminals(&k);
	route(&k);
	for (i = 0; i < (size_t)d->nlayers; i++)
		free(k.row[i]);
	free(k.row);
	free(k.rowlen);
	free(k.pos);
	free(k.order);
	free(k.wfrom);
	free(k.wto);
	free(k.e);
	free(k.custom);
	free(k.wire);
	return 0;
}

void dag_free(struct dag *d)
{
	free(d->nodes);
	free(d->paths);
	free(d->labels);
	free(d->dots);
	free(d->cols);
	memset(d, 0, sizeof *d);
}
