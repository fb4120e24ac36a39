/*
 * sqlite - the baseline of `make bench`: what a team would otherwise build,
 * the same signed records in one SQLite table with a hash-chain column.
 *
 *   sqlite [--group G] [--limit M] AUTHORITY AUTHORITY.pub IN.jsonl DB
 *
 * For each line of IN.jsonl (the first M lines with --limit), in order:
 * cl_record_parse_json; the signer's key from an in-memory table (the
 * authority's from AUTHORITY.pub, every other party's from the party records
 * appended before); cl_record_verify (the same Ed25519 check as the ledger);
 * hash = cl_hash_entry(prev hash || canonical record bytes, sig included),
 * so the chain costs the same BLAKE2b as the ledger's; for a check or a
 * handoff, the batch of its sale (SELECT by id: the row must name its batch
 * for a trail query to find it); then
 *   INSERT INTO entries(seq, id, batch, record, prev, hash)
 * with id UNIQUE (a repeated id is rejected) and an index on batch.  The
 * database is new, journal_mode=WAL, synchronous=FULL (an fsync per commit,
 * like the ledger's durable commits), one transaction per G records: G = 1
 * is how a service that writes each request as it comes does it, G = 4000
 * the ledger's own group size.  Single-threaded, as such a service is per
 * connection (SQLite has one writer at a time).
 *
 * Prints one JSON object: {"group":G,"records":n,"inserted":n,"rejected":0,
 * "seconds":s,"per_s":r} (records read, timed from opening the input to the
 * last commit).  Exit status: 0, 2 on usage, I/O or SQLite errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_crypto.h"
#include "cl_record.h"
#include "cl_text.h"

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("sqlite: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- party id -> key: open addressing, grown at half full ---------------- */

struct slot {
	char id[CL_ID_MAX + 1]; /* "" = empty */
	uint8_t key[32];
};

static struct slot *keys;
static size_t keys_cap, keys_n;

static size_t id_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct slot *key_slot(struct slot *table, size_t cap, const char *id)
{
	size_t i = id_hash(id) & (cap - 1);
	while (table[i].id[0] && strcmp(table[i].id, id) != 0)
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static void key_put(const char *id, const uint8_t key[32])
{
	struct slot *s;
	if (2 * (keys_n + 1) > keys_cap) {
		size_t cap = keys_cap ? 2 * keys_cap : 1024;
		struct slot *t = calloc(cap, sizeof(*t));
		if (t == NULL)
			die("out of memory");
		for (size_t i = 0; i < keys_cap; i++)
			if (keys[i].id[0])
				*key_slot(t, cap, keys[i].id) = keys[i];
		free(keys);
		keys = t;
		keys_cap = cap;
	}
	s = key_slot(keys, keys_cap, id);
	if (!s->id[0]) {
		snprintf(s->id, sizeof(s->id), "%s", id);
		keys_n++;
	}
	memcpy(s->key, key, 32);
}

static const uint8_t *key_get(const char *id)
{
	struct slot *s = keys_cap ? key_slot(keys, keys_cap, id) : NULL;
	return s && s->id[0] ? s->key : NULL;
}

/* ---- SQLite -------------------------------------------------------------- */

static sqlite3 *db;

static void exec(const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {{"group", required_argument, NULL, 'g'},
					      {"limit", required_argument, NULL, 'l'},
					      {NULL, 0, NULL, 0}};
	unsigned long group = 4000, limit = 0;
	uint64_t records = 0, inserted = 0, rejected = 0, in_txn = 0;
	uint8_t auth_key[32], prev[32] = {0}, hash[32];
	sqlite3_stmt *ins, *sale_batch;
	struct cl_record *rec;
	struct cl_error err;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char why[CL_WHY_MAX], pub[128];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *in, *f;
	double t0, t1;
	int c;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (c == 'g')
			group = strtoul(optarg, NULL, 10);
		else if (c == 'l')
			limit = strtoul(optarg, NULL, 10);
		else
			die("usage: sqlite [--group G] [--limit M] AUTHORITY AUTHORITY.pub IN.jsonl DB");
	}
	if (argc - optind != 4 || group < 1)
		die("usage: sqlite [--group G] [--limit M] AUTHORITY AUTHORITY.pub IN.jsonl DB");
	f = fopen(argv[optind + 1], "r");
	if (f == NULL || fgets(pub, sizeof(pub), f) == NULL)
		die("cannot read %s", argv[optind + 1]);
	fclose(f);
	pub[strcspn(pub, "\r\n")] = '\0';
	if (!cl_base64_decode_exact(auth_key, 32, pub, strlen(pub), why))
		die("%s: %s", argv[optind + 1], why);
	rec = malloc(sizeof(*rec));
	if (rec == NULL)
		die("out of memory");
	key_put(argv[optind], auth_key);

	t0 = now();
	in = fopen(argv[optind + 2], "r");
	if (in == NULL)
		die("cannot open %s: %s", argv[optind + 2], strerror(errno));
	if (sqlite3_open_v2(argv[optind + 3], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE,
			    NULL) != SQLITE_OK)
		die("cannot create %s: %s", argv[optind + 3], sqlite3_errmsg(db));
	exec("PRAGMA journal_mode=WAL");
	exec("PRAGMA synchronous=FULL");
	exec("CREATE TABLE entries(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, batch TEXT, "
	     "record BLOB NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL)");
	exec("CREATE INDEX entries_batch ON entries(batch)");
	ins = prepare("INSERT INTO entries(seq, id, batch, record, prev, hash) VALUES (?, ?, ?, ?, ?, ?)");
	sale_batch = prepare("SELECT batch FROM entries WHERE id = ?");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	while ((limit == 0 || records < limit) && (len = getline(&line, &cap, in)) > 0) {
		const uint8_t *key;
		char batch[CL_ID_MAX + 1] = "";
		int rc;

		records++;
		if (cl_record_parse_json(rec, line, (size_t)len, &err) || (key = key_get(rec->signer)) == NULL ||
		    !cl_record_verify(rec, key)) {
			rejected++;
			continue;
		}
		/* The chain: hash over the previous hash and the canonical record. */
		msgpack_sbuffer_clear(&sb);
		msgpack_sbuffer_write(&sb, (const char *)prev, 32);
		if (cl_record_pack(rec, true, &pk))
			die("out of memory");
		cl_hash_entry(sb.data, sb.size, hash);
		if (rec->type == CL_REC_CHECK || rec->type == CL_REC_HANDOFF) {
			sqlite3_bind_text(sale_batch, 1, rec->sale, -1, SQLITE_STATIC);
			if (sqlite3_step(sale_batch) == SQLITE_ROW && sqlite3_column_text(sale_batch, 0))
				snprintf(batch, sizeof(batch), "%s", (const char *)sqlite3_column_text(sale_batch, 0));
			sqlite3_reset(sale_batch);
		} else if (rec->type == CL_REC_BATCH || rec->type == CL_REC_SALE || rec->type == CL_REC_LOSS) {
			snprintf(batch, sizeof(batch), "%s", rec->batch);
		}
		if (in_txn == 0)
			exec("BEGIN IMMEDIATE");
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)(inserted + 1));
		sqlite3_bind_text(ins, 2, rec->id, -1, SQLITE_STATIC);
		if (batch[0])
			sqlite3_bind_text(ins, 3, batch, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 3);
		sqlite3_bind_blob(ins, 4, sb.data + 32, (int)(sb.size - 32), SQLITE_STATIC);
		sqlite3_bind_blob(ins, 5, prev, 32, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 6, hash, 32, SQLITE_STATIC);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc == SQLITE_CONSTRAINT) {
			rejected++; /* a repeated id */
		} else if (rc != SQLITE_DONE) {
			die("INSERT: %s", sqlite3_errmsg(db));
		} else {
			inserted++;
			memcpy(prev, hash, 32);
			if (rec->type == CL_REC_PARTY)
				key_put(rec->party, rec->key);
		}
		if (++in_txn == group) {
			exec("COMMIT");
			in_txn = 0;
		}
	}
	if (in_txn)
		exec("COMMIT");
	if (ferror(in))
		die("reading %s: %s", argv[optind + 2], strerror(errno));
	sqlite3_finalize(ins);
	sqlite3_finalize(sale_batch);
	if (sqlite3_close(db) != SQLITE_OK)
		die("closing the database failed");
	t1 = now();
	fclose(in);
	printf("{\"group\":%lu,\"records\":%" PRIu64 ",\"inserted\":%" PRIu64 ",\"rejected\":%" PRIu64
	       ",\"seconds\":%.3f,\"per_s\":%.1f}\n",
	       group, records, inserted, rejected, t1 - t0, (double)records / (t1 - t0));
	msgpack_sbuffer_destroy(&sb);
	free(line);
	free(rec);
	free(keys);
	return 0;
}
