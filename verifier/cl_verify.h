/*
 * cl_verify.h - the chain verifier: a replay engine that trusts nothing but
 * the raw entries (SPEC §6, docs/RULES.md).
 *
 * The caller feeds the canonical bytes of every entry, in chain order, one
 * at a time (from LMDB, an export stream, a network peer: the engine does
 * not care), then calls cl_verify_finish.  The engine re-hashes every link,
 * re-checks every signature against the keys registered in the chain
 * itself, redoes the quantity book-keeping and the licence rules, and
 * collects findings into a list the caller reads.  It never stops at the
 * first problem, never prints and never exits.
 *
 * Memory grows with what the chain registers (parties, licences,
 * chemicals, batches and their holders, sales, labels) and with one record
 * id per entry (for DUPLICATE_ID); entry bytes are never kept beyond a
 * bounded work buffer: two chunks of CL_VERIFY_CHUNK entries with jobs > 1
 * (about 12 MB, plus each chunk's copy of its entries' bytes, at most
 * 16 MiB each), one entry otherwise.
 *
 * Threads: with options.jobs > 1 the engine buffers CL_VERIFY_CHUNK entries
 * at a time and hands each full chunk to a preparing thread of its own,
 * which decodes the chunk and checks its Ed25519 signatures on `jobs`
 * threads while the caller's thread applies the chunk before it in order
 * (a --batch check prepares and applies each chunk in turn).  The findings
 * are the same as with jobs = 1.  A struct cl_verify itself is not
 * thread-safe: one caller at a time.
 *
 * Typical use:
 *   struct cl_verify *v;
 *   cl_verify_new(&v, &opts, &err);
 *   for each entry: cl_verify_feed(v, bytes, len, &err);
 *   cl_verify_finish(v, NULL, &err);     (or with the export trailer)
 *   n = cl_verify_findings(v, &list);    (sorted by seq, then code)
 *   cl_verify_free(v);
 */
#ifndef CL_VERIFY_H
#define CL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_error.h"
#include "cl_record.h"

/* Entries per chunk when jobs > 1 (one chunk is fed while the one before is prepared). */
#define CL_VERIFY_CHUNK 1024
/* Most worker threads the engine starts. */
#define CL_VERIFY_MAX_JOBS 256
#define CL_VERIFY_DEFAULT_OPEN_DAYS 30
#define CL_FINDING_MSG_MAX 512

/* The finding codes of SPEC §6, in contract order. */
enum cl_finding_code {
	/* integrity: severity error */
	CL_F_MALFORMED_ENTRY = 0,
	CL_F_SEQ_GAP,
	CL_F_BROKEN_LINK,
	CL_F_BROKEN_BATCH_LINK,
	CL_F_BAD_SIGNATURE,
	CL_F_UNKNOWN_SIGNER,
	CL_F_ROLE_NOT_ALLOWED,
	CL_F_REVOKED_SIGNER,
	CL_F_DUPLICATE_ID,
	CL_F_UNKNOWN_REF,
	/* business rules: severity alert */
	CL_F_OVERDRAWN,
	CL_F_CHECK_MISMATCH,
	CL_F_HANDOFF_MISMATCH,
	CL_F_WRONG_RECEIVER,
	CL_F_DOUBLE_HANDOFF,
	CL_F_UNLICENSED_BUYER,
	CL_F_UNLICENSED_SELLER,
	CL_F_LICENCE_LIMIT,
	CL_F_TIME_ORDER,
	/* severity notice */
	CL_F_OPEN_SALE,
	CL_F_CODE_COUNT
};

enum cl_severity { CL_SEV_ERROR = 0, CL_SEV_ALERT = 1, CL_SEV_NOTICE = 2 };

struct cl_finding {
	int code;                   /* enum cl_finding_code */
	uint64_t seq;               /* the entry where the problem shows */
	char id[CL_ID_MAX + 1];     /* its record id; "" when it has none (undecodable, stream) */
	char batch[CL_ID_MAX + 1];  /* the batch it concerns; "" when none */
	char message[CL_FINDING_MSG_MAX];
};

struct cl_verify_options {
	/* --batch: check only what this batch needs and report only its
	 * findings (NULL or "" for a full replay).  Copied by cl_verify_new. */
	const char *batch;
	bool has_as_of;   /* false: --as-of is the latest record time */
	int64_t as_of;    /* seconds since the epoch, UTC */
	uint32_t open_days;
	unsigned jobs;    /* signature-checking threads, 1..CL_VERIFY_MAX_JOBS; 0 means 1 */
	/* With batch: the caller feeds only the entries the batch needs (in seq
	 * order, with gaps), not the whole chain, so the chain's own links
	 * (SEQ_GAP, BROKEN_LINK) are not checked; the batch's back-links are. */
	bool sparse;
};

/* The export stream's trailer, for cl_verify_finish. */
struct cl_verify_trailer {
	uint64_t count;
	uint8_t head[32];
};

struct cl_verify;

/* The options of a full replay: open_days 30, jobs 1, --as-of from the chain. */
void cl_verify_options_default(struct cl_verify_options *opt);

/*
 * A new engine for one chain.  CL_E_USAGE for options out of range (jobs,
 * a --batch that is not an id); CL_E_NOMEM.  The caller frees *out with
 * cl_verify_free.
 */
int cl_verify_new(struct cl_verify **out, const struct cl_verify_options *opt, struct cl_error *err);

/* Frees everything of v (NULL is fine).  Finding pointers die with it. */
void cl_verify_free(struct cl_verify *v);

/*
 * Feeds the next entry's canonical bytes (len bytes; copied when buffered,
 * never kept afterwards).  A bad entry is a finding, not an error: the
 * return is 0, or CL_E_NOMEM (the engine is then unusable but for
 * cl_verify_free), or CL_E_USAGE after cl_verify_finish.  With jobs > 1 the
 * findings of an entry appear once its chunk is processed (cl_verify_flush
 * forces that).
 */
int cl_verify_feed(struct cl_verify *v, const void *bytes, size_t len, struct cl_error *err);

/* Processes every buffered entry now.  0 or CL_E_NOMEM. */
int cl_verify_flush(struct cl_verify *v, struct cl_error *err);

/*
 * Records a MALFORMED_ENTRY finding for the stream itself (cut, or not
 * framed right), at the position after the last entry fed.  `message`
 * says what is wrong (copied).  0 or CL_E_NOMEM.
 */
int cl_verify_stream_error(struct cl_verify *v, const char *message, struct cl_error *err);

/*
 * Ends the replay: processes buffered entries, checks the end of the chain
 * (an empty chain; the export trailer when `trailer` is not NULL: its count
 * and head hash must match what was fed), walks the --batch trail back from
 * its newest entry, reports OPEN_SALE, and sorts the findings by seq, then
 * code name.  0 or CL_E_NOMEM; CL_E_USAGE when called twice.
 */
int cl_verify_finish(struct cl_verify *v, const struct cl_verify_trailer *trailer, struct cl_error *err);

/* The findings so far (all of them after cl_verify_finish, sorted); *out
 * stays valid until the next call that feeds, flushes or finishes. */
size_t cl_verify_findings(const struct cl_verify *v, const struct cl_finding **out);

/* Entries fed so far (genesis included) and the hash of the last one
 * (32 zero bytes when none). */
uint64_t cl_verify_entries(const struct cl_verify *v);
void cl_verify_head(const struct cl_verify *v, uint8_t head[32]);

/* The --as-of time in use (after finish: the option, or the latest record
 * time; 0 when the chain holds no record). */
int64_t cl_verify_as_of(const struct cl_verify *v);

/*
 * For --batch: whether any entry of the chain names the batch (its batch
 * record, or a sale or loss of it; when none does, the batch is unknown),
 * and the trail the back-links were walked along: how many entries and the
 * seqs of the first and last (0 entries when no batch record of it could be
 * booked).  Valid after cl_verify_finish.
 */
bool cl_verify_batch_found(const struct cl_verify *v);
void cl_verify_batch_trail(const struct cl_verify *v, uint64_t *n, uint64_t *first_seq, uint64_t *last_seq);

/* A holder's balance of one batch, in base units (negative after an
 * overdraw), and the batch's unit (enum cl_uom) for printing. */
struct cl_holding {
	char holder[CL_ID_MAX + 1];
	int64_t base;
	uint32_t uom;
};

/*
 * Writes up to max holdings of `batch` into out, sorted by holder, and
 * returns how many the batch has (may exceed max; 0 for an unknown batch).
 */
size_t cl_verify_holdings(const struct cl_verify *v, const char *batch, struct cl_holding *out, size_t max);

/* "MALFORMED_ENTRY", ... ("?" out of range).  Static strings. */
const char *cl_finding_code_name(int code);
/* enum cl_severity of a code. */
int cl_finding_severity(int code);
/* "error", "alert", "notice".  Static strings. */
const char *cl_severity_name(int severity);

#endif
