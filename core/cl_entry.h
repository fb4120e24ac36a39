/*
 * cl_entry.h - ledger entries: one record wrapped with its place in the
 * chain.  An entry's canonical bytes are all that is stored and exported;
 * its hash is computable from those bytes alone (cl_hash_entry).
 *
 * Canonical entry = msgpack array of 6:
 *   [ 1 (format version), seq, receive_time, prev (bin 32),
 *     batch_prev (bin 32 or nil), record (map, with "sig" when signed) ]
 */
#ifndef CL_ENTRY_H
#define CL_ENTRY_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "cl_error.h"
#include "cl_record.h"

#define CL_ENTRY_VERSION 1
/* Largest accepted encoded entry, bytes (a record is far smaller). */
#define CL_ENTRY_MAX (256 * 1024)

struct cl_entry {
	uint64_t seq;
	int64_t recv_time;
	uint8_t prev[32];
	bool has_batch_prev;
	uint8_t batch_prev[32];
	struct cl_record rec;
};

/* Writes the canonical bytes of e into sb (cleared first). 0 or CL_E_NOMEM. */
int cl_entry_encode(const struct cl_entry *e, msgpack_sbuffer *sb);
/* The same from its parts, without a struct cl_entry to fill; batch_prev
 * NULL for nil. */
int cl_entry_encode_parts(uint64_t seq, int64_t recv_time, const uint8_t prev[32], const uint8_t *batch_prev,
			  const struct cl_record *rec, msgpack_sbuffer *sb);

/*
 * What the record of canonical entry bytes e[0..len) was signed over
 * (CL_SIG_DOMAIN, its 0 byte, the record map without its "sig" pair: the
 * bytes cl_record_signing_input makes), copied off the entry without
 * decoding it, into out[0..cap); *sig points at the 64 signature bytes.
 * Only for entries cl_entry_decode accepted (canonical).  0, or -1 when the
 * record has no sig, cap is less than len + sizeof(CL_SIG_DOMAIN) + 3 (a
 * bound, not the exact size), or e is not such an entry.
 */
int cl_entry_signing_input(const uint8_t *e, size_t len, uint8_t *out, size_t cap, size_t *outlen,
			   const uint8_t **sig);

/*
 * Decodes len bytes into *e.  Strict: exactly one msgpack value with no
 * trailing bytes, every field valid, and re-encoding gives the same bytes
 * (so every entry has one and only one encoding).  0 or CL_E_MALFORMED_ENTRY
 * with err->msg saying what is wrong.
 */
int cl_entry_decode(struct cl_entry *e, const void *buf, size_t len, struct cl_error *err);

/* The entry as a new JSON object in the SPEC §5 form
 * {"seq","hash","prev","batch_prev","time","record"}; NULL on ENOMEM. */
json_t *cl_entry_to_json(const struct cl_entry *e, const uint8_t hash[32]);

#endif
