/*
 * chemverify - replays a chemledger chain from its raw entries and reports
 * every broken link, forged record and quantity that does not add up
 * (SPEC §5, §6; docs/RULES.md; chemverify(1)).
 *
 * Reads either the ledger's LMDB environment (read-only, the "entries"
 * database only, one read transaction: a consistent snapshot even while
 * chemledger submit appends) or an export stream.  The judging is all in
 * cl_verify.c; this file only reads, prints and picks the exit status:
 * 0 clean, 1 findings of severity error or alert (or an unknown --batch),
 * 2 usage or I/O errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "cl_export.h"
#include "cl_text.h"
#include "cl_verify.h"

#define MAX_OPEN_DAYS 3650000u
#define MAX_HOLDINGS_SHOWN 4096

static const char usage_text[] =
	"usage: chemverify (-d DIR | --export FILE) [--batch BATCH] [--as-of TIME]\n"
	"                  [--open-days N] [--json] [--jobs N]\n"
	"\n"
	"Replays a chemledger chain from its raw entries: re-hashes every link,\n"
	"re-checks every signature against the keys registered in the chain, redoes\n"
	"the quantity book-keeping and the licence rules, and reports every finding.\n"
	"\n"
	"  -d, --ledger DIR    the ledger's LMDB directory (or $CHEMLEDGER_DIR),\n"
	"                      opened read-only\n"
	"  -e, --export FILE   an export stream (chemledger export); - for stdin\n"
	"  -b, --batch BATCH   check one batch: its trail, the signatures it depends\n"
	"                      on and its balances; report only its findings\n"
	"      --as-of TIME    RFC 3339 time OPEN_SALE is judged at\n"
	"                      (default: the latest record time in the chain)\n"
	"      --open-days N   a sale with no handoff after N days is an OPEN_SALE\n"
	"                      (default 30)\n"
	"      --json          one JSON object: {\"entries\",\"head\",\"findings\"}\n"
	"  -j, --jobs N        signature-checking threads (default: online CPUs)\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 no finding of severity error or alert; 1 such findings, or\n"
	"no such batch; 2 usage or I/O errors.  See chemverify(1) and docs/RULES.md.\n";

__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("chemverify: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* ---- options ------------------------------------------------------------- */

struct opts {
	const char *dir, *export_file, *batch, *as_of;
	const char *open_days, *jobs;
	int json, help;
};

/* A whole decimal number in [min, max]. */
static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = n;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"ledger", required_argument, NULL, 'd'}, {"export", required_argument, NULL, 'e'},
		{"batch", required_argument, NULL, 'b'},  {"as-of", required_argument, NULL, 'A'},
		{"open-days", required_argument, NULL, 'O'}, {"json", no_argument, NULL, 'J'},
		{"jobs", required_argument, NULL, 'j'},   {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:e:b:j:h", longs, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'e': o->export_file = optarg; break;
		case 'b': o->batch = optarg; break;
		case 'A': o->as_of = optarg; break;
		case 'O': o->open_days = optarg; break;
		case 'J': o->json = 1; break;
		case 'j': o->jobs = optarg; break;
		case 'h': o->help = 1; break;
		case ':': return fail(2, "option %s needs a value (see chemverify --help)", argv[optind - 1]);
		default: return fail(2, "unknown option %s (see chemverify --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(2, "unexpected argument %s (see chemverify --help)", argv[optind]);
	return 0;
}

/* Turns the options into engine options.  0 or exit status 2. */
static int engine_options(const struct opts *o, struct cl_verify_options *vo)
{
	char why[CL_WHY_MAX];
	unsigned long n;

	cl_verify_options_default(vo);
	if (o->batch) {
		if (!cl_text_id_valid(o->batch, strlen(o->batch), why))
			return fail(2, "--batch: %s", why);
		vo->batch = o->batch;
	}
	if (o->as_of) {
		if (!cl_time_parse(o->as_of, strlen(o->as_of), &vo->as_of, why))
			return fail(2, "--as-of: %s", why);
		vo->has_as_of = true;
	}
	if (o->open_days) {
		if (!parse_uint(o->open_days, 0, MAX_OPEN_DAYS, &n))
			return fail(2, "--open-days: must be a whole number of days from 0 to %u, got \"%s\"",
				    MAX_OPEN_DAYS, o->open_days);
		vo->open_days = (uint32_t)n;
	}
	if (o->jobs) {
		if (!parse_uint(o->jobs, 1, CL_VERIFY_MAX_JOBS, &n))
			return fail(2, "--jobs: must be a whole number from 1 to %d, got \"%s\"", CL_VERIFY_MAX_JOBS,
				    o->jobs);
		vo->jobs = (unsigned)n;
	} else {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		vo->jobs = cpus < 1 ? 1 : cpus > CL_VERIFY_MAX_JOBS ? CL_VERIFY_MAX_JOBS : (unsigned)cpus;
	}
	return 0;
}

/* ---- progress (stderr, only on a terminal) -------------------------------- */

struct progress {
	bool on;
	uint64_t done;
	uint64_t total;          /* entries, or 0 when unknown */
	uint64_t bytes, size;    /* export: bytes read of size (0: unknown) */
	int64_t start_ms, last_ms;
	bool shown;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_init(struct progress *p)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO) == 1;
	p->start_ms = p->last_ms = now_ms();
}

/* Called once per entry; redraws at most 5 times a second, and only for a
 * replay that runs longer than a second. */
static void progress_tick(struct progress *p)
{
	int64_t t, elapsed;
	uint64_t rate, left_s = 0;
	bool eta = false;

	p->done++;
	if (!p->on || (p->done & 255) != 0)
		return;
	t = now_ms();
	elapsed = t - p->start_ms;
	if (elapsed < 1000 || t - p->last_ms < 200)
		return;
	p->last_ms = t;
	rate = p->done * 1000 / (uint64_t)elapsed;
	if (p->total > p->done && rate) {
		left_s = (p->total - p->done) / rate;
		eta = true;
	} else if (p->size > p->bytes && p->bytes) {
		/* the remaining bytes at the rate bytes went so far */
		uint64_t byte_rate = p->bytes * 1000 / (uint64_t)elapsed;
		if (byte_rate) {
			left_s = (p->size - p->bytes) / byte_rate;
			eta = true;
		}
	}
	if (p->total)
		fprintf(stderr, "\rchemverify: %" PRIu64 "/%" PRIu64 " entries, %" PRIu64 "/s", p->done, p->total, rate);
	else
		fprintf(stderr, "\rchemverify: %" PRIu64 " entries, %" PRIu64 "/s", p->done, rate);
	if (eta)
		fprintf(stderr, ", ETA %" PRIu64 ":%02u:%02u", left_s / 3600, (unsigned)(left_s / 60 % 60),
			(unsigned)(left_s % 60));
	fputs("\033[K", stderr);
	p->shown = true;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

/* ---- reading ------------------------------------------------------------- */

/* A read-only environment on dir and a read transaction on its newest
 * commit.  0, or exit status 2 with the message printed (*env and *txn
 * are then whatever the caller must still close: NULL or open). */
static int open_snapshot(const char *dir, MDB_env **env, MDB_txn **txn)
{
	int rc = mdb_env_create(env);

	if (rc == 0) {
		mdb_env_set_maxdbs(*env, 16);
		rc = mdb_env_open(*env, dir, MDB_RDONLY, 0600);
	}
	if (rc)
		return fail(2, "opening ledger %s read-only: %s", dir, mdb_strerror(rc));
	rc = mdb_txn_begin(*env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) { /* a writer grew the map since we opened */
		mdb_env_set_mapsize(*env, 0);
		rc = mdb_txn_begin(*env, NULL, MDB_RDONLY, txn);
	}
	if (rc) {
		*txn = NULL;
		return fail(2, "reading ledger %s: %s", dir, mdb_strerror(rc));
	}
	return 0;
}

/* Entry seq of the entries database (its key is seq, 8 bytes BE). */
static int get_entry(MDB_txn *txn, MDB_dbi entries, uint64_t seq, MDB_val *val)
{
	uint8_t k[8];
	MDB_val key = {8, k};
	for (int b = 0; b < 8; b++)
		k[b] = (uint8_t)(seq >> (56 - 8 * b));
	return mdb_get(txn, entries, &key, val);
}

/*
 * Feeds every entry of the LMDB ledger in dir to v, in key order, from one
 * read-only transaction.  Only the "entries" database is read.  0 or exit
 * status 2 (message printed).
 */
static int read_ledger(const char *dir, struct cl_verify *v, struct progress *pg)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint64_t fed = 0;
	uintptr_t lo = 0, hi = 0;
	MDB_dbi dbi;
	MDB_stat st;
	MDB_val key, val;
	struct cl_error err;
	struct stat sb;
	char path[4200];
	int rc, status = 2;

	if (stat(dir, &sb) != 0)
		return fail(2, "ledger directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return fail(2, "%s is not a directory", dir);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) != 0)
		return fail(2, "%s is not a chemledger ledger (no data.mdb)", dir);
	if (open_snapshot(dir, &env, &txn))
		goto done;
	rc = mdb_dbi_open(txn, "entries", 0, &dbi);
	if (rc == MDB_NOTFOUND) {
		fail(2, "%s is not a chemledger ledger (no \"entries\" database)", dir);
		goto done;
	}
	if (rc || (rc = mdb_stat(txn, dbi, &st)) || (rc = mdb_cursor_open(txn, dbi, &cur))) {
		fail(2, "reading ledger %s: %s", dir, mdb_strerror(rc));
		goto done;
	}
	pg->total = st.ms_entries;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != 8) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the entries database holds a key of %zu bytes, not 8", key.mv_size);
			if (cl_verify_stream_error(v, msg, &err)) {
				fail(2, "%s", err.msg);
				goto done;
			}
		}
		if (cl_verify_feed(v, val.mv_data, val.mv_size, &err)) {
			fail(2, "%s", err.msg);
			goto done;
		}
		progress_tick(pg);
		/* The map is read once, front to back: every 4096 entries, hand the
		 * pages those entries lay in back to the page cache, so that memory
		 * stays flat with a ledger of any size (entry pages are not in file
		 * order, so the range spans more than those entries: keep it
		 * short).  The range lies inside the map (both ends are entry
		 * bytes); a page needed again faults in. */
		lo = lo == 0 || (uintptr_t)val.mv_data < lo ? (uintptr_t)val.mv_data : lo;
		hi = (uintptr_t)val.mv_data + val.mv_size > hi ? (uintptr_t)val.mv_data + val.mv_size : hi;
		if (++fed % 4096 == 0) {
			uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
			uintptr_t from = lo & ~(page - 1), to = hi & ~(page - 1);
			if (to > from)
				madvise((void *)from, to - from, MADV_DONTNEED);
			lo = hi = 0;
		}
	}
	if (rc != MDB_NOTFOUND) {
		fail(2, "reading ledger %s: %s", dir, mdb_strerror(rc));
		goto done;
	}
	if (cl_verify_finish(v, NULL, &err)) {
		fail(2, "%s", err.msg);
		goto done;
	}
	status = 0;
done:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return status;
}

/*
 * Feeds every entry of an export stream to v and checks its trailer.  A
 * cut or malformed stream is a finding; a file that cannot be read, or is
 * not an export stream at all, is exit status 2.
 */
static int read_export(const char *file, struct cl_verify *v, struct progress *pg)
{
	struct cl_export_reader r;
	struct cl_verify_trailer trailer;
	struct cl_error err;
	struct stat sb;
	const uint8_t *bytes;
	size_t len;
	FILE *f;
	int rc, status = 2;
	bool is_stdin = strcmp(file, "-") == 0;

	f = is_stdin ? stdin : fopen(file, "rb");
	if (f == NULL)
		return fail(2, "cannot open %s: %s", file, strerror(errno));
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode))
		pg->size = (uint64_t)sb.st_size;
	if ((rc = cl_export_reader_init(&r, f, &err))) {
		fail(2, "%s: %s", is_stdin ? "stdin" : file, err.msg);
		goto done;
	}
	while ((rc = cl_export_reader_next(&r, &bytes, &len, &err)) == 1) {
		if (cl_verify_feed(v, bytes, len, &err)) {
			fail(2, "%s", err.msg);
			goto done;
		}
		pg->bytes = r.offset;
		progress_tick(pg);
	}
	if (rc == CL_E_MALFORMED_ENTRY) {
		char msg[CL_ERROR_MSG_MAX + 32];
		snprintf(msg, sizeof(msg), "export stream: %s", err.msg);
		if (cl_verify_stream_error(v, msg, &err) || cl_verify_finish(v, NULL, &err)) {
			fail(2, "%s", err.msg);
			goto done;
		}
	} else if (rc) {
		fail(2, "%s: %s", is_stdin ? "stdin" : file, err.msg);
		goto done;
	} else {
		trailer.count = r.trailer_count;
		memcpy(trailer.head, r.trailer_head, 32);
		if (cl_verify_finish(v, &trailer, &err)) {
			fail(2, "%s", err.msg);
			goto done;
		}
	}
	status = 0;
done:
	cl_export_reader_free(&r);
	if (!is_stdin)
		fclose(f);
	return status;
}

/* What a sparse --batch check reports of the chain it did not read whole. */
static struct {
	bool on;
	uint64_t entries;  /* the chain's, not the number read */
	uint8_t head[32];  /* the hash of the chain's newest entry */
	uint64_t read;     /* entries read */
} chain;

static uint64_t chain_entries(const struct cl_verify *v)
{
	return chain.on ? chain.entries : cl_verify_entries(v);
}

static void chain_head(const struct cl_verify *v, uint8_t head[32])
{
	if (chain.on)
		memcpy(head, chain.head, 32);
	else
		cl_verify_head(v, head);
}

/* ---- report -------------------------------------------------------------- */

static int print_json(const struct cl_verify *v, const struct cl_finding *fs, size_t n)
{
	json_t *root = json_object(), *list = json_array();
	uint8_t head[32];
	char hex[65], *s;
	int status = 0;

	if (root == NULL || list == NULL) {
		json_decref(root);
		json_decref(list);
		return fail(2, "out of memory");
	}
	chain_head(v, head);
	cl_hex_encode(hex, head, 32);
	json_object_set_new(root, "entries", json_integer((json_int_t)chain_entries(v)));
	json_object_set_new(root, "head", json_string(hex));
	json_object_set_new(root, "findings", list);
	for (size_t i = 0; i < n; i++) {
		const struct cl_finding *f = &fs[i];
		json_t *o = json_object(), *msg;
		if (o == NULL || json_array_append_new(list, o)) {
			status = fail(2, "out of memory");
			goto done;
		}
		json_object_set_new(o, "code", json_string(cl_finding_code_name(f->code)));
		json_object_set_new(o, "severity", json_string(cl_severity_name(cl_finding_severity(f->code))));
		json_object_set_new(o, "seq", json_integer((json_int_t)f->seq));
		json_object_set_new(o, "id", f->id[0] ? json_string(f->id) : json_null());
		json_object_set_new(o, "batch", f->batch[0] ? json_string(f->batch) : json_null());
		/* messages quote record text, which the decoder checked is UTF-8 */
		msg = json_string(f->message);
		json_object_set_new(o, "message", msg ? msg : json_string("(message is not valid UTF-8)"));
	}
	if ((s = json_dumps(root, JSON_COMPACT)) == NULL) {
		status = fail(2, "out of memory");
		goto done;
	}
	puts(s);
	free(s);
done:
	json_decref(root);
	return status;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The --batch paragraph: what this check proves and what it does not. */
static void print_batch_intro(const struct cl_verify *v, const char *batch)
{
	uint64_t n, first, last;
	struct cl_holding *h;
	size_t nh;

	cl_verify_batch_trail(v, &n, &first, &last);
	if (n == 0) {
		printf("Batch check of %s: entries of the chain name this batch, but no batch record\n"
		       "of it could be booked, so it has no trail to follow and no balances: see\n"
		       "the findings below.  Only a full replay (chemverify without --batch)\n"
		       "proves the whole chain.\n\n",
		       batch);
		return;
	}
	printf("Batch check of %s: %" PRIu64 " %s, seq %" PRIu64 " to %" PRIu64 ", in a chain of %" PRIu64
	       " entries.\n\n",
	       batch, n, plural(n, "entry", "entries"), first, last, chain_entries(v));
	if (chain.on) {
		printf("This check read %" PRIu64 " entries: the batch's own, found through the ledger's\n"
		       "batch index, and the party, chemical and revocation records they depend on,\n"
		       "found through its history index.  It proves that those entries are intact\n"
		       "and signed under the keys the chain registered, that the batch's back-links\n"
		       "join them from its newest entry (seq %" PRIu64 ") to its batch record (seq %" PRIu64 ")\n"
		       "with none missing or added, and it books the batch's quantities again,\n"
		       "holder by holder, with its licence and tolerance rules.\n\n"
		       "It does not prove that the whole chain is unbroken, that no other entry is\n"
		       "forged, or that the indexes left nothing out (a revocation, a newer entry of\n"
		       "the batch).  Licence limits, which need every purchase, are not checked,\n"
		       "and the default --as-of is the latest time among the entries read.\n"
		       "Only a full replay (chemverify without --batch, or --batch on an export)\n"
		       "proves the whole chain.\n\n",
		       chain.read, last, first);
	} else
	printf("This check proves that the batch's own entries are intact and consistent:\n"
	       "every entry of the chain was decoded and hashed, and the batch's back-links\n"
	       "were followed from its newest entry (seq %" PRIu64 ") to its batch record (seq %" PRIu64 "),\n"
	       "each landing on the batch's entry before it; the signatures of the batch's\n"
	       "entries, and of the party, chemical and revocation records they depend on,\n"
	       "verify under the keys the chain registered; and the batch's quantities were\n"
	       "booked again, holder by holder, with its licence and tolerance rules.\n\n"
	       "It does not prove that the whole chain is unbroken, nor that no other entry\n"
	       "is forged: the signatures of other batches' entries were not checked, and\n"
	       "their findings are not shown.  Only a full replay (chemverify without\n"
	       "--batch) proves the whole chain.\n\n",
	       last, first);
	nh = cl_verify_holdings(v, batch, NULL, 0);
	if (nh == 0)
		return;
	if (nh > MAX_HOLDINGS_SHOWN)
		nh = MAX_HOLDINGS_SHOWN;
	if ((h = calloc(nh, sizeof(*h))) == NULL)
		return;
	cl_verify_holdings(v, batch, h, nh);
	printf("Holdings at the end of the chain:\n");
	for (size_t i = 0; i < nh; i++) {
		char q[32];
		cl_qty_format(q, h[i].base, (int)h[i].uom);
		printf("  %-24s %s %s\n", h[i].holder, q, cl_uom_code((int)h[i].uom));
	}
	putchar('\n');
	free(h);
}

static void print_text(const struct cl_verify *v, const char *batch, const struct cl_finding *fs, size_t n)
{
	static const char *const headings[] = {"Errors", "Alerts", "Notices"};
	size_t count[3] = {0, 0, 0};
	uint8_t head[32];
	char hex[65];

	if (batch)
		print_batch_intro(v, batch);
	for (size_t i = 0; i < n; i++)
		count[cl_finding_severity(fs[i].code)]++;
	for (int sev = CL_SEV_ERROR; sev <= CL_SEV_NOTICE; sev++) {
		if (count[sev] == 0)
			continue;
		printf("%s (%zu):\n", headings[sev], count[sev]);
		for (size_t i = 0; i < n; i++)
			if (cl_finding_severity(fs[i].code) == sev)
				printf("seq %" PRIu64 "  %s  %s  %s\n", fs[i].seq, fs[i].id[0] ? fs[i].id : "-",
				       cl_finding_code_name(fs[i].code), fs[i].message);
		putchar('\n');
	}
	chain_head(v, head);
	cl_hex_encode(hex, head, 32);
	printf("%" PRIu64 " entries, head %s: %zu %s, %zu %s, %zu %s \xe2\x80\x94 %s\n", chain_entries(v), hex,
	       count[0], plural(count[0], "error", "errors"), count[1], plural(count[1], "alert", "alerts"), count[2],
	       plural(count[2], "notice", "notices"), count[0] + count[1] ? "NOT CLEAN" : "CLEAN");
}

/* ---- --batch on a ledger directory: read only what the batch needs -------- */

/*
 * A batch check of a ledger directory does not read the whole chain: it
 * uses the ledger's indexes `trail` (the batch's entries) and `history`
 * (every registration of a party or chemical, every revoke of a party) as
 * hints of where to look, reads those entries and nothing else, and feeds
 * them in seq order to the engine in sparse mode.  The hints are not
 * trusted: every entry read is decoded, hashed and checked as in a full
 * replay, and the batch's back-links must join its entries one to the next,
 * so an index that left out or invented an entry of the batch shows as a
 * broken back-link.  What a hint can hide (a registration or revoke it
 * leaves out, a newest entry of the batch) only a full replay shows.
 */
struct seqset {
	uint64_t *v;
	size_t n, cap;
};

static int seq_add(struct seqset *s, uint64_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | p[i];
	return x;
}

/* Adds the seqs of every key "prefix || seq (8 bytes BE)" in dbi. */
static int range_seqs(MDB_txn *txn, MDB_dbi dbi, const char *prefix, size_t plen, struct seqset *out)
{
	MDB_cursor *cur;
	MDB_val key = {plen, (void *)(uintptr_t)prefix}, val;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != plen + 8 || memcmp(key.mv_data, prefix, plen) != 0)
			break;
		if (seq_add(out, be64((const uint8_t *)key.mv_data + plen))) {
			mdb_cursor_close(cur);
			return ENOMEM;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Adds the seqs the trail index lists for batch (sorted duplicates). */
static int trail_seqs(MDB_txn *txn, MDB_dbi trail, const char *batch, struct seqset *out)
{
	MDB_cursor *cur;
	MDB_val key = {strlen(batch), (void *)(uintptr_t)batch}, val;
	int rc = mdb_cursor_open(txn, trail, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET); rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP)) {
		if (val.mv_size != 8)
			continue; /* not a seq: the entries will tell */
		if (seq_add(out, be64(val.mv_data))) {
			mdb_cursor_close(cur);
			return ENOMEM;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Adds the history of one party (kinds 'P' and 'R') or chemical ('C'). */
static int history_seqs(MDB_txn *txn, MDB_dbi hist, char kind, const char *id, struct seqset *out)
{
	char k[CL_ID_MAX + 3];
	int n = snprintf(k, sizeof(k), "%c%s", kind, id);
	return range_seqs(txn, hist, k, (size_t)n + 1, out); /* with the 0 after the id */
}

/* The names one entry makes the batch check depend on. */
static int depends(MDB_txn *txn, MDB_dbi hist, MDB_dbi lic, const struct cl_record *r, struct seqset *out)
{
	const char *parties[4] = {r->signer, NULL, NULL, NULL};
	char owner[CL_ID_MAX + 1];
	int rc = 0;
	if (r->type == CL_REC_SALE) {
		MDB_val key = {strlen(r->buyer_licence), (void *)(uintptr_t)r->buyer_licence}, val;
		parties[1] = r->buyer;
		parties[2] = cl_record_has(r, "carrier") ? r->carrier : NULL;
		if (mdb_get(txn, lic, &key, &val) == 0 && val.mv_size <= CL_ID_MAX) {
			memcpy(owner, val.mv_data, val.mv_size);
			owner[val.mv_size] = '\0';
			parties[3] = owner;
		}
	}
	for (int i = 0; i < 4 && rc == 0; i++)
		if (parties[i] && (rc = history_seqs(txn, hist, 'P', parties[i], out)) == 0)
			rc = history_seqs(txn, hist, 'R', parties[i], out);
	if (rc == 0 && r->type == CL_REC_BATCH)
		rc = history_seqs(txn, hist, 'C', r->cas, out);
	if (rc == 0 && r->type == CL_REC_PARTY) /* a re-registration may change a licence's owner */
		rc = history_seqs(txn, hist, 'P', r->party, out);
	return rc;
}

/* Sorts and removes repeats. */
static void seq_unique(struct seqset *s)
{
	size_t o = 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		if (o == 0 || s->v[o - 1] != s->v[i])
			s->v[o++] = s->v[i];
	s->n = o;
}

/*
 * --batch over a ledger directory that has the `trail` and `history`
 * indexes.  Returns 0 (engine fed and finished), an exit status, or -1
 * when the indexes are missing (the caller replays the whole chain).
 */
static int read_ledger_batch(const char *dir, const char *batch, struct cl_verify *v, bool probe_only)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi entries, trail, hist, lic;
	MDB_stat st;
	struct seqset want = {0}, round = {0};
	struct cl_entry *e = malloc(sizeof(*e));
	struct cl_error err;
	int rc, status = 2;

	if (e == NULL)
		return fail(2, "out of memory");
	if ((status = open_snapshot(dir, &env, &txn)))
		goto done;
	status = 2;
	unsigned trail_flags = 0;
	if (mdb_dbi_open(txn, "entries", 0, &entries) || mdb_dbi_open(txn, "trail", 0, &trail) ||
	    mdb_dbi_open(txn, "history", 0, &hist) || mdb_dbi_open(txn, "licences", 0, &lic) ||
	    mdb_dbi_flags(txn, trail, &trail_flags) || !(trail_flags & MDB_DUPSORT)) {
		status = -1; /* an older ledger: no indexes to start from */
		goto done;
	}
	if (probe_only) {
		status = 0;
		goto done;
	}
	/* The batch's entries, and entry 0 (the genesis: the authority). */
	if ((rc = trail_seqs(txn, trail, batch, &round)) || seq_add(&round, 0))
		goto store;
	/* Two rounds: what the batch's entries name, then who signed those registrations. */
	for (int depth = 0; depth < 3 && round.n > 0; depth++) {
		struct seqset next = {0};
		for (size_t i = 0; i < round.n; i++) {
			MDB_val val;
			if (seq_add(&want, round.v[i])) {
				rc = ENOMEM;
				goto store;
			}
			if (get_entry(txn, entries, round.v[i], &val) || cl_entry_decode(e, val.mv_data, val.mv_size, &err))
				continue; /* missing or undecodable: the engine will say so */
			if (e->rec.type == CL_REC_GENESIS)
				rc = history_seqs(txn, hist, 'P', e->rec.authority, &next);
			else
				rc = depends(txn, hist, lic, &e->rec, &next);
			if (rc)
				goto store;
		}
		free(round.v);
		round = next;
		/* Only what is not read yet goes into the next round. */
		seq_unique(&want);
		seq_unique(&round);
		size_t o = 0;
		for (size_t i = 0; i < round.n; i++)
			if (!bsearch(&round.v[i], want.v, want.n, sizeof(*want.v), cmp_u64))
				round.v[o++] = round.v[i];
		round.n = o;
	}
	seq_unique(&want);
	/* Feed them in chain order. */
	for (size_t i = 0; i < want.n; i++) {
		MDB_val val;
		rc = get_entry(txn, entries, want.v[i], &val);
		if (rc == MDB_NOTFOUND) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the ledger's index names entry %" PRIu64 ", which is missing", want.v[i]);
			if (cl_verify_stream_error(v, msg, &err)) {
				status = fail(2, "%s", err.msg);
				goto done;
			}
			continue;
		}
		if (rc)
			goto store;
		if (cl_verify_feed(v, val.mv_data, val.mv_size, &err)) {
			status = fail(2, "%s", err.msg);
			goto done;
		}
	}
	/* The chain's size and head, for the report. */
	{
		MDB_cursor *cur;
		MDB_val key, val;
		if ((rc = mdb_stat(txn, entries, &st)) || (rc = mdb_cursor_open(txn, entries, &cur)))
			goto store;
		rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
		if (rc == 0)
			cl_hash_entry(val.mv_data, val.mv_size, chain.head);
		mdb_cursor_close(cur);
		if (rc)
			goto store;
		chain.on = true;
		chain.entries = st.ms_entries;
		chain.read = want.n;
	}
	if (cl_verify_finish(v, NULL, &err)) {
		status = fail(2, "%s", err.msg);
		goto done;
	}
	status = 0;
	goto done;
store:
	status = fail(2, "reading ledger %s: %s", dir, rc == ENOMEM ? "out of memory" : mdb_strerror(rc));
done:
	free(want.v);
	free(round.v);
	free(e);
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return status;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct opts o;
	struct cl_verify_options vo;
	struct cl_verify *v = NULL;
	struct cl_error err;
	struct progress pg;
	const struct cl_finding *fs;
	size_t n;
	int status;

	if ((status = parse_opts(argc, argv, &o)))
		return status;
	if (o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (o.dir && o.export_file)
		return fail(2, "give either -d DIR or --export FILE, not both");
	if (!o.dir && !o.export_file) {
		o.dir = getenv("CHEMLEDGER_DIR");
		if (o.dir == NULL || o.dir[0] == '\0')
			return fail(2, "no ledger: give -d DIR, --ledger DIR, set CHEMLEDGER_DIR, or give --export FILE");
	}
	if (o.dir && o.dir[0] == '\0')
		return fail(2, "-d: the ledger directory is empty");
	if ((status = engine_options(&o, &vo)))
		return status;
	/* A batch check of a ledger directory reads only what the batch needs,
	 * when the ledger has the indexes to find it. */
	if (o.batch && o.dir && read_ledger_batch(o.dir, o.batch, NULL, true) == 0)
		vo.sparse = true;
	if (cl_verify_new(&v, &vo, &err))
		return fail(2, "%s", err.msg);
	progress_init(&pg);
	if (vo.sparse)
		status = read_ledger_batch(o.dir, o.batch, v, false);
	else
		status = o.export_file ? read_export(o.export_file, v, &pg) : read_ledger(o.dir, v, &pg);
	progress_end(&pg);
	if (status)
		goto done;
	if (o.batch && !cl_verify_batch_found(v)) {
		status = fail(1, "no batch %s in the chain", o.batch);
		goto done;
	}
	n = cl_verify_findings(v, &fs);
	if (o.json)
		status = print_json(v, fs, n);
	else
		print_text(v, o.batch, fs, n);
	if (status == 0) {
		for (size_t i = 0; i < n; i++)
			if (cl_finding_severity(fs[i].code) != CL_SEV_NOTICE)
				status = 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		status = fail(2, "writing the report: %s", strerror(errno));
done:
	cl_verify_free(v);
	return status;
}
