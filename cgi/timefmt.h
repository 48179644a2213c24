/* Store timestamps (store.md 2.1) and the daemon's display rules (store.md
 * 7, 2.5). Times are compared as instants, never as text (trap T5). */
#ifndef CLOCHE_TIMEFMT_H
#define CLOCHE_TIMEFMT_H
#include "buf.h"

/* RFC3339 with optional fraction and Z/±hh:mm. Returns 0 and the instant in
 * nanoseconds since the epoch, or -1 for '', NULL, year 0001 or garbage. */
int ts_parse(const char *s, long long *ns);
/* "YYYY-MM-DD HH:MM:SS" as stored (same offset), '' when unset. */
void ts_display(char out[20], const char *s);
long long now_ns(void);
/* D(): 45s, 20m, 1h20m, 3h. */
void fmt_span(struct buf *b, long long ns);
/* R(): <1m ago, 5m ago, 2 hours ago, 1 day ago. */
void fmt_ago(struct buf *b, long long ns);
/* Run "timing" (store.md 7) for state/started/completed at now. */
void fmt_timing(struct buf *b, const char *state, const char *started, const char *completed,
		long long now);
/* Step duration: 350ms, 4.0s, 125m10s; '' if either end is unset. */
void fmt_step_duration(struct buf *b, const char *started, const char *completed);

#endif
