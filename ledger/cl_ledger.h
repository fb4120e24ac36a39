/*
 * cl_ledger.h - the ledger: an append-only hash chain of entries in LMDB.
 *
 * This is the library a command line or a server calls; it never prints and
 * never exits.  One struct cl_ledger is one open LMDB environment.  Writers
 * append in groups (cl_ledger_submit_group): one LMDB write transaction and
 * one durable commit per group; a result is final only once the call
 * returned 0.  LMDB allows one write transaction at a time per environment,
 * across processes, so concurrent submitters simply take turns.
 *
 * LMDB databases inside the environment (docs/FORMAT.md, "Storage"):
 *   entries   seq (8 bytes big-endian) -> canonical entry bytes
 *   ids       record id                -> seq
 *   trail     batch id                 -> seq, seq, ... (sorted duplicates,
 *             8 bytes BE each): every entry of the batch, the first being
 *             the batch record and the last its newest entry
 *   labels    label                    -> batch id
 *   parties   party id                 -> seq of its latest registration
 *   chemicals CAS                      -> seq of its latest registration
 *   licences  licence no               -> party id
 *   revoked   party id [, 0, licence]  -> seq of the revoke
 *   meta      "head"                   -> seq, hash of the newest entry
 *   history   kind, id, 0, seq         -> (empty)   every registration of
 *             a party ('P') or chemical ('C'), every revoke of a party ('R')
 * Everything but `entries` is an index the ledger derives.  The verifier
 * never trusts them: a full replay reads `entries` alone, and a batch check
 * uses `trail` and `history` only to find which entries to read.
 */
#ifndef CL_LEDGER_H
#define CL_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "cl_entry.h"
#include "cl_error.h"
#include "cl_record.h"

struct cl_ledger;

enum cl_ledger_mode { CL_LEDGER_READ = 0, CL_LEDGER_WRITE = 1 };

/* Outcome of one submitted record. */
enum cl_outcome { CL_APPENDED = 0, CL_DUPLICATE = 1, CL_REJECTED = 2 };

#define CL_MAX_WARNINGS 2

struct cl_result {
	enum cl_outcome outcome;
	uint64_t seq;     /* appended or duplicate: the entry */
	uint8_t hash[32]; /* appended or duplicate: its hash */
	struct cl_error error; /* rejected: code and message */
	unsigned n_warnings;
	struct cl_error warnings[CL_MAX_WARNINGS]; /* business-rule alerts (recorded anyway) */
};

/*
 * Creates a new ledger in dir (created 0700 if missing) whose entry 0 is the
 * genesis record `genesis` (type CL_REC_GENESIS) received at recv_time.
 * initial_map is the first LMDB map size in bytes (0: 64 MiB); the map
 * doubles whenever it is full, so this only matters to tests.
 * CL_E_EXISTS if dir already holds a ledger; CL_E_IO; CL_E_STORE.  On
 * success the genesis hash is written to hash.
 */
int cl_ledger_create(const char *dir, const struct cl_record *genesis, int64_t recv_time, size_t initial_map,
		     uint8_t hash[32], struct cl_error *err);

/* Opens an existing ledger.  CL_E_IO when dir does not exist, is not a
 * ledger, or has unsafe permissions; CL_E_STORE for LMDB errors.  Close
 * with cl_ledger_close. */
int cl_ledger_open(struct cl_ledger **out, const char *dir, enum cl_ledger_mode mode, struct cl_error *err);
void cl_ledger_close(struct cl_ledger *l);

/*
 * A signature checked ahead of the write transaction under the key its
 * signer had in a read snapshot, or registered in the group being checked
 * or the one before it (which may not be committed yet).  The writer trusts
 * the verdict only while the signer's key is that key, and otherwise checks
 * again itself.
 */
struct cl_preverified {
	bool done;
	bool valid;
	uint8_t key[32];
};

/*
 * Checks the signatures of recs[0..n) on all online cores, in read
 * transactions of its own, and fills pv[0..n).  Safe to run in another
 * thread while the same ledger commits an earlier group: that is how a
 * caller keeps every core busy.  Two calls on one ledger take turns (the
 * workers keep per-ledger memos of signer keys; cl_ledger_submit_group
 * with pv NULL calls it too).  Never fails: a record it could not check is
 * left to the writer.
 */
void cl_ledger_preverify(struct cl_ledger *l, const struct cl_record *recs, unsigned n, struct cl_preverified *pv);

/*
 * Checks and appends n records in one durable transaction, in order, each
 * seeing the effect of those before.  pv, when not NULL, holds what
 * cl_ledger_preverify found for these records; with NULL the call does it.
 * results[i] says what became of recs[i] (a rejected record appends
 * nothing).  Grows the map and retries when LMDB is full.  Returns 0 once
 * committed (or when nothing was appended: then nothing is written, not
 * even a new meta page); a negative status (CL_E_STORE, CL_E_NOSPACE, ...)
 * when nothing of the group was kept.
 */
int cl_ledger_submit_group(struct cl_ledger *l, const struct cl_record *recs, unsigned n,
			   const struct cl_preverified *pv, int64_t recv_time, struct cl_result *results,
			   struct cl_error *err);

/* The newest entry's seq and hash.  0 or CL_E_STORE. */
int cl_ledger_head(struct cl_ledger *l, uint64_t *seq, uint8_t hash[32], struct cl_error *err);

/* Entry seq, decoded, and its hash.  CL_E_NOT_FOUND, CL_E_MALFORMED_ENTRY, CL_E_STORE. */
int cl_ledger_get(struct cl_ledger *l, uint64_t seq, struct cl_entry *out, uint8_t hash[32], struct cl_error *err);

/* Seq of the record with this id.  CL_E_NOT_FOUND or CL_E_STORE. */
int cl_ledger_find_id(struct cl_ledger *l, const char *id, uint64_t *seq, struct cl_error *err);

/* The entry of the latest registration of chemical `cas`.  CL_E_NOT_FOUND. */
int cl_ledger_chemical(struct cl_ledger *l, const char *cas, struct cl_entry *out, struct cl_error *err);

/* Batch id printed under this label.  out needs CL_ID_MAX+1 bytes. */
int cl_ledger_find_label(struct cl_ledger *l, const char *label, char *out, struct cl_error *err);

/*
 * Calls fn for every stored entry with from <= seq <= to, in order, with the
 * raw canonical bytes (valid only during the call), all inside one read
 * transaction (a consistent snapshot).  fn returns 0 to go on, nonzero to
 * stop: that value is returned.
 */
typedef int (*cl_ledger_scan_fn)(uint64_t seq, const void *bytes, size_t len, void *ctx);
int cl_ledger_scan(struct cl_ledger *l, uint64_t from, uint64_t to, cl_ledger_scan_fn fn, void *ctx,
		   struct cl_error *err);

/* Like cl_ledger_scan, over the entries of one batch in order (its batch
 * record first).  CL_E_NOT_FOUND when the batch is unknown. */
int cl_ledger_scan_batch(struct cl_ledger *l, const char *batch, cl_ledger_scan_fn fn, void *ctx,
			 struct cl_error *err);

#endif
