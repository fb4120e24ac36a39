/*
 * ceiling - the Ed25519 verification ceiling for `make bench`: how many
 * signatures per second cl_ed25519_verify (the exact call chemledger and
 * chemverify make for every record) checks on one core and on all online
 * cores.  No ledger can check records faster than this, so the bench
 * reports ingest and audit as fractions of it.
 *
 *   ceiling [SECONDS]      (default 3 per measurement)
 *
 * Verifies a pool of 512 distinct (key, message, signature) triples over and
 * over, the messages the size of a typical signing input (a sale, ~250
 * bytes), first on one thread, then on one thread per online CPU, each for
 * SECONDS.  Prints one JSON object:
 *   {"threads":2,"seconds":3.0,"one_core":9100.0,"all_cores":18000.0}
 * Exit status: 0, or 2 if a signature failed to verify or a thread could
 * not start.
 */
#include <blake2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cl_crypto.h"

#define POOL 512
#define MSG_LEN 250
#define MAX_THREADS 256

struct triple {
	uint8_t pub[32];
	uint8_t msg[MSG_LEN];
	uint8_t sig[64];
};

static struct triple pool[POOL];
static double seconds = 3.0;
static atomic_bool failed;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deterministic keys and messages; the signatures are made once, here. */
static int make_pool(void)
{
	for (unsigned i = 0; i < POOL; i++) {
		struct triple *t = &pool[i];
		uint8_t seed[32], in[8] = {'c', 'e', 'i', 'l', (uint8_t)(i >> 24), (uint8_t)(i >> 16),
					   (uint8_t)(i >> 8), (uint8_t)i};
		size_t n = 32, siglen = 64;
		EVP_PKEY *key;
		EVP_MD_CTX *md;
		int ok;

		blake2b(seed, in, NULL, sizeof(seed), sizeof(in), 0);
		for (unsigned j = 0; j < MSG_LEN; j++)
			t->msg[j] = (uint8_t)(seed[j % 32] + j);
		key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
		md = EVP_MD_CTX_new();
		ok = key && md && EVP_PKEY_get_raw_public_key(key, t->pub, &n) == 1 &&
		     EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestSign(md, t->sig, &siglen, t->msg, MSG_LEN) == 1;
		EVP_MD_CTX_free(md);
		EVP_PKEY_free(key);
		if (!ok)
			return -1;
	}
	return 0;
}

struct worker {
	pthread_t tid;
	unsigned first;
	pthread_barrier_t *start;
	uint64_t count;
	double began, ended;
};

static void *verify_loop(void *arg)
{
	struct worker *w = arg;
	unsigned i = w->first;
	double end;

	pthread_barrier_wait(w->start);
	w->began = now();
	end = w->began + seconds;
	for (;;) {
		for (int k = 0; k < 64; k++) {
			struct triple *t = &pool[i];
			if (!cl_ed25519_verify(t->pub, t->msg, MSG_LEN, t->sig))
				atomic_store(&failed, true);
			i = (i + 1) % POOL;
		}
		w->count += 64;
		if ((w->ended = now()) >= end)
			break;
	}
	return NULL;
}

/* Verifications per second over `threads` threads. */
static double measure(unsigned threads)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	double first = 0, last = 0;
	uint64_t total = 0;

	pthread_barrier_init(&start, NULL, threads);
	for (unsigned t = 0; t < threads; t++) {
		w[t] = (struct worker){.first = t * (POOL / threads), .start = &start};
		if (pthread_create(&w[t].tid, NULL, verify_loop, &w[t])) {
			fprintf(stderr, "ceiling: cannot start a thread\n");
			exit(2);
		}
	}
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(w[t].tid, NULL);
		total += w[t].count;
		if (t == 0 || w[t].began < first)
			first = w[t].began;
		if (w[t].ended > last)
			last = w[t].ended;
	}
	pthread_barrier_destroy(&start);
	return (double)total / (last - first);
}

int main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;
	double one, all;

	if (argc > 2 || (argc == 2 && (seconds = atof(argv[1])) <= 0)) {
		fprintf(stderr, "usage: ceiling [SECONDS]\n");
		return 2;
	}
	if (make_pool()) {
		fprintf(stderr, "ceiling: cannot make the Ed25519 test signatures\n");
		return 2;
	}
	one = measure(1);
	all = measure(threads);
	if (atomic_load(&failed)) {
		fprintf(stderr, "ceiling: a valid signature did not verify\n");
		return 2;
	}
	printf("{\"threads\":%u,\"seconds\":%.1f,\"one_core\":%.1f,\"all_cores\":%.1f}\n", threads, seconds, one, all);
	return 0;
}
