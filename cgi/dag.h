/* The workflow graph drawn on the server (pages.md section 3): layout of
 * one parsed workflow into boxes, paths, labels and columns (dag.c), and
 * its SVG written through the output layer (dag_svg.c).
 *
 * Ownership: dag_layout allocates the arrays of struct dag, dag_free
 * releases them. Names and results are borrowed from the dsl_workflow,
 * which must outlive the dag. Colours are static strings. */
#ifndef CLOCHE_DAG_H
#define CLOCHE_DAG_H
#include "dsl.h"
#include "req.h"
#include <stddef.h>

enum { DAG_NODE_W = 180, DAG_NODE_H = 48, DAG_GAP_Y = 80, DAG_GAP_X = 40, DAG_PAD = 30 };

struct dag_node {
	const char *name, *type;  /* type NULL for the terminals done/abort */
	const struct dsl_step *step;
	int layer, x, y;
};

struct dag_pt {
	int x, y;
};

struct dag_path {               /* a polyline, maybe with an arrowhead at its end */
	struct dag_pt p[4];
	int np, arrow;
	const char *color;
};

struct dag_label {
	int x, y;
	const char *text, *color;
};

struct dag_dot {                /* junction of a source line and a column */
	int x, y;
	const char *color;
};

struct dag_col {                /* a wire column (terminal, result) or a success column */
	int x, dest;            /* dest: node index */
	const char *result, *color;
	int success;
};

struct dag {
	struct dag_node *nodes;  /* steps in name order, then terminals */
	size_t nnodes, nsteps;
	struct dag_path *paths;  /* in drawing order */
	size_t npaths;
	struct dag_label *labels;
	size_t nlabels;
	struct dag_dot *dots;
	size_t ndots;
	struct dag_col *cols;    /* wire columns, then success columns */
	size_t ncols;
	const char *colors[8];   /* distinct colours used, for the markers */
	size_t ncolors;
	int width, height, total_w, nlayers;
};

/* 0 on success; a workflow without steps gives an empty dag (nnodes 0).
 * flags 0 draws our way; DAG_EXACT keeps the daemon's geometry where we
 * deliberately differ (a moved abort may overlap done, pages.md 3.9). */
enum { DAG_EXACT = 1 };
int dag_layout(const struct dsl_workflow *w, struct dag *d, unsigned flags);
void dag_free(struct dag *d);

/* The <svg> of one workflow. uid makes marker ids unique on the page; the
 * project label builds each step's link to its content route, which JS
 * turns into the drawer. */
void dag_svg(struct req *r, const struct dag *d, const struct dsl_workflow *w,
	     const char *project_label, int uid);

#endif
