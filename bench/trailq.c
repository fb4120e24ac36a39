/*
 * trailq - the trail query alone, without process start: opens a ledger
 * once (read-only) and times cl_ledger_scan_batch over each named batch,
 * decoding every entry (cl_entry_decode) as `chemledger trail` does before
 * it prints.  The figure `make bench` compares with the 1 ms target; the
 * same query through the command line is timed by bench/clock.
 *
 *   trailq DIR NAMES ROUNDS
 *
 * NAMES is a file of batch ids, one a line.  Prints
 * {"samples":n,"entries":e,"p50_ms":a,"p99_ms":b,"max_ms":c}
 * (entries: the total decoded, so the caller can check each batch had all
 * its entries).  Exit status: 0, or 2 on a ledger error or unknown batch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_entry.h"
#include "cl_ledger.h"
#include "stats.h"

struct ctx {
	struct cl_entry *e;
	uint64_t entries;
};

static int decode_one(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	struct ctx *c = arg;
	struct cl_error err;
	(void)seq;
	if (cl_entry_decode(c->e, bytes, len, &err))
		return -1;
	c->entries++;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ctx c = {.e = malloc(sizeof(struct cl_entry))};
	char **names;
	size_t n_names = 0, n = 0;
	struct cl_ledger *l;
	struct cl_error err;
	double *ms;
	long rounds;

	if (argc != 4 || (rounds = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: trailq DIR NAMES ROUNDS\n");
		return 2;
	}
	names = bench_read_names(argv[2], &n_names);
	if (names == NULL || c.e == NULL) {
		fprintf(stderr, "trailq: cannot read %s\n", argv[2]);
		return 2;
	}
	ms = calloc(n_names * (size_t)rounds + 1, sizeof(*ms));
	if (n_names == 0 || ms == NULL) {
		fprintf(stderr, "trailq: no batch names in %s\n", argv[2]);
		return 2;
	}
	if (cl_ledger_open(&l, argv[1], CL_LEDGER_READ, &err)) {
		fprintf(stderr, "trailq: %s\n", err.msg);
		return 2;
	}
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n_names; i++) {
			double t0 = now();
			err.msg[0] = '\0';
			if (cl_ledger_scan_batch(l, names[i], decode_one, &c, &err)) {
				fprintf(stderr, "trailq: %s: %s\n", names[i], err.msg[0] ? err.msg : "an entry does not decode");
				return 2;
			}
			ms[n++] = (now() - t0) * 1000.0;
		}
	}
	cl_ledger_close(l);
	printf("{\"samples\":%zu,\"entries\":%" PRIu64 ",\"p50_ms\":%.4f,", n, c.entries, bench_percentile(ms, n, 50));
	printf("\"p99_ms\":%.4f,\"max_ms\":%.4f}\n", bench_percentile(ms, n, 99), ms[n - 1]);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(ms);
	free(c.e);
	return 0;
}
