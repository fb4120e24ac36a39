/*
 * clock - times processes for `make bench`: wall time from fork to exit
 * (CLOCK_MONOTONIC) and the child's peak resident set (wait4 rusage, what
 * GNU time -f %M reports).
 *
 *   clock once OUT.json CMD [ARG...]
 *       runs CMD once, stdin/stdout/stderr inherited; writes
 *       {"seconds":s,"cpu_seconds":c,"peak_rss_kib":k,"exit":e} to OUT.json
 *       (c: user + system CPU time of CMD and its threads) and exits with
 *       CMD's status (128+signal if it was killed).
 *   clock each NAMES ROUNDS CMD [ARG...]
 *       for each of ROUNDS rounds, for each line of the file NAMES, runs CMD
 *       with every argument "{}" replaced by that line, stdout to /dev/null;
 *       prints {"samples":n,"p50_ms":a,"p99_ms":b,"max_ms":c,"failures":f}
 *       (failures: runs that exited non-zero).  The times include process
 *       start and exit, as a user at a terminal sees them.
 *
 * Exit status of `each`: 0 when it could run everything (failures are
 * reported, not fatal), 2 on usage or I/O errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of the last child run() waited for. */
static double child_cpu;

/* Runs argv; stdout to /dev/null when quiet.  Returns the exit status (128+sig
 * when killed, -1 when it could not start) and sets seconds and peak RSS. */
static int run(char **argv, int quiet, double *seconds, long *rss_kib)
{
	struct rusage ru;
	double t0 = now();
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(127);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "clock: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*seconds = now() - t0;
	*rss_kib = ru.ru_maxrss; /* kilobytes on Linux */
	child_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		    (double)ru.ru_stime.tv_usec / 1e6;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int once(const char *out, char **argv)
{
	double s;
	long rss;
	int rc = run(argv, 0, &s, &rss);
	FILE *f;

	if (rc < 0) {
		fprintf(stderr, "clock: cannot run %s\n", argv[0]);
		return 2;
	}
	f = fopen(out, "w");
	if (f == NULL ||
	    fprintf(f, "{\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"peak_rss_kib\":%ld,\"exit\":%d}\n", s, child_cpu,
		    rss, rc) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "clock: cannot write %s\n", out);
		return 2;
	}
	return rc;
}

static int each(const char *names_file, long rounds, int argc, char **argv)
{
	char **names, **args;
	size_t n_names = 0, n = 0, failures = 0;
	double *ms;

	names = bench_read_names(names_file, &n_names);
	if (names == NULL) {
		fprintf(stderr, "clock: cannot read %s\n", names_file);
		return 2;
	}
	ms = calloc(n_names * (size_t)rounds + 1, sizeof(*ms));
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (n_names == 0 || ms == NULL || args == NULL) {
		fprintf(stderr, "clock: no names in %s\n", names_file);
		return 2;
	}
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n_names; i++) {
			double s;
			long rss;
			int rc;
			for (int a = 0; a < argc; a++)
				args[a] = strcmp(argv[a], "{}") == 0 ? names[i] : argv[a];
			rc = run(args, 1, &s, &rss);
			if (rc < 0) {
				fprintf(stderr, "clock: cannot run %s\n", args[0]);
				return 2;
			}
			failures += rc != 0;
			ms[n++] = s * 1000.0;
		}
	}
	printf("{\"samples\":%zu,\"p50_ms\":%.3f,", n, bench_percentile(ms, n, 50));
	printf("\"p99_ms\":%.3f,\"max_ms\":%.3f,\"failures\":%zu}\n", bench_percentile(ms, n, 99), ms[n - 1],
	       failures);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(ms);
	free(args);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "once") == 0)
		return once(argv[2], argv + 3);
	if (argc >= 5 && strcmp(argv[1], "each") == 0 && atol(argv[3]) > 0)
		return each(argv[2], atol(argv[3]), argc - 4, argv + 4);
	fprintf(stderr, "usage: clock once OUT.json CMD [ARG...]\n"
			"       clock each NAMES ROUNDS CMD [ARG...]   (\"{}\" in ARGs: each name)\n");
	return 2;
}
