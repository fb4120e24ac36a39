/*
 * stats.h - the latency summary the bench tools print (bench/clock.c,
 * bench/trailq.c): nearest-rank percentiles of a sample of durations.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile (0 < p <= 100) of n > 0 values, nearest rank: the
 * smallest value with at least p % of the sample at or below it.  Sorts v. */
static inline double bench_percentile(double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[rank < 1 ? 0 : rank > n ? n - 1 : rank - 1];
}

/* The non-empty lines of a file (batch names), each malloc'd; *n set.
 * NULL only when the file cannot be opened (or memory runs out at once). */
static inline char **bench_read_names(const char *path, size_t *n)
{
	char line[512], **names = NULL, **more;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if ((more = realloc(names, (*n + 1) * sizeof(*names))) == NULL ||
		    (more[*n] = strdup(line)) == NULL) {
			names = more ? more : names;
			break;
		}
		names = more;
		(*n)++;
	}
	fclose(f);
	return names ? names : calloc(1, sizeof(*names)); /* an empty list is not a failure */
}

#endif
