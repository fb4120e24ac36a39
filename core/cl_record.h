/*
 * cl_record.h - records: the signed statements of SPEC §3.
 *
 * A record lives in a flat, fixed-size struct cl_record (no pointers, no
 * allocation): every field any type can have is a member, and `present`
 * says which of the type's schema fields are set (bit i = field i of the
 * type's schema in schemas/records.def).  The same schema drives:
 *   JSON line  -> struct    cl_record_parse_json()
 *   struct     -> JSON      cl_record_to_json()
 *   struct     -> msgpack   cl_record_pack()       (canonical)
 *   msgpack    -> struct    cl_record_unpack()     (strict, canonical only)
 */
#ifndef CL_RECORD_H
#define CL_RECORD_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_error.h"

#define CL_ID_MAX 64
#define CL_MAX_LICENCES 16
/* Longest accepted JSON line, bytes, newline excluded. */
#define CL_LINE_MAX 65536

enum cl_record_type {
	CL_REC_GENESIS = 0,
	CL_REC_CHEMICAL,
	CL_REC_PARTY,
	CL_REC_REVOKE,
	CL_REC_BATCH,
	CL_REC_SALE,
	CL_REC_CHECK,
	CL_REC_HANDOFF,
	CL_REC_LOSS,
	CL_REC_TYPE_COUNT
};

enum cl_role {
	CL_ROLE_AUTHORITY = 0, CL_ROLE_PRODUCER, CL_ROLE_IMPORTER, CL_ROLE_VENDOR,
	CL_ROLE_CARRIER, CL_ROLE_INSPECTOR, CL_ROLE_END_USER
};
enum cl_licence_kind {
	CL_LIC_PRODUCE = 0, CL_LIC_IMPORT, CL_LIC_SELL, CL_LIC_BUY, CL_LIC_TRANSPORT
};
enum cl_origin { CL_ORIGIN_PRODUCTION = 0, CL_ORIGIN_IMPORT };
enum cl_seal { CL_SEAL_INTACT = 0, CL_SEAL_BROKEN, CL_SEAL_NONE };
enum cl_loss_reason { CL_LOSS_CONSUMED = 0, CL_LOSS_DESTROYED, CL_LOSS_LOST, CL_LOSS_STOLEN };

/* NULL-terminated word lists, index = enum value. */
extern const char *const cl_words_role[];
extern const char *const cl_words_licence_kind[];
extern const char *const cl_words_measure[];
extern const char *const cl_words_origin[];
extern const char *const cl_words_seal[];
extern const char *const cl_words_loss_reason[];
extern const char *const cl_words_type[];

/* A quantity: base units (grams or millilitres) and the unit it was given in. */
struct cl_quantity {
	uint64_t base;
	uint32_t uom; /* enum cl_uom */
};

struct cl_limit {
	uint32_t present;
	struct cl_quantity qty;
};

struct cl_licence {
	uint32_t present;
	char no[CL_ID_MAX + 1];
	uint32_t kind;       /* enum cl_licence_kind */
	uint32_t categories; /* bit c set = category c (1..3) */
	int64_t valid_from;
	int64_t valid_until;
	struct cl_limit limit;
};

struct cl_licence_list {
	uint32_t n;
	struct cl_licence items[CL_MAX_LICENCES];
};

struct cl_record {
	uint32_t present; /* bit i: field i of the type's schema is set */
	uint32_t type;    /* enum cl_record_type */
	char id[CL_ID_MAX + 1];
	int64_t time;
	char signer[CL_ID_MAX + 1];
	uint8_t sig[64];
	/* chemical */
	char cas[17];
	char name[257];
	uint32_t category;
	uint32_t measure; /* enum cl_measure */
	uint32_t tolerance_permille;
	/* party, revoke */
	char party[CL_ID_MAX + 1];
	uint32_t roles; /* bit r set = enum cl_role r */
	uint8_t key[32];
	struct cl_licence_list licences;
	char licence[CL_ID_MAX + 1];
	char reason_text[513];
	/* batch, sale, check, handoff, loss */
	char batch[CL_ID_MAX + 1];
	struct cl_quantity qty;
	uint32_t origin; /* enum cl_origin */
	char label[129];
	char buyer[CL_ID_MAX + 1];
	char buyer_licence[CL_ID_MAX + 1];
	char carrier[CL_ID_MAX + 1];
	char transport_permit[129];
	char sale[CL_ID_MAX + 1];
	char location[257];
	uint32_t seal; /* enum cl_seal */
	char note[1025];
	uint32_t loss_reason; /* enum cl_loss_reason */
	/* genesis */
	char authority[CL_ID_MAX + 1];
};

/* Domain separation prefix of the signature input (docs/FORMAT.md). */
#define CL_SIG_DOMAIN "chemledger/v1/record-signature"

/*
 * Parses one JSON line (len bytes, no newline needed) into *rec, checking it
 * against the schema of its "type": unknown, missing and mistyped fields,
 * lengths, syntaxes and ranges.  A "sig" is optional here (sign adds it).
 * Returns 0, CL_E_MALFORMED_JSON, CL_E_BAD_FIELD, or CL_E_BAD_SIGNATURE (a
 * "sig" that is not base64 of 64 bytes); err->msg names the field.  On
 * failure *rec is zeroed but for rec->id, set to the line's "id" string (cut
 * to 64 bytes, unchecked) when it has one, so the caller can name the line.
 */
int cl_record_parse_json(struct cl_record *rec, const char *line, size_t len, struct cl_error *err);

/* The record as a new JSON object (caller owns, json_decref); NULL on ENOMEM.
 * Times are printed as UTC, quantities in the unit they were given in. */
json_t *cl_record_to_json(const struct cl_record *rec);

/* Appends the canonical msgpack of rec to pk; without its sig when
 * with_sig is false (the signature input).  Returns 0 or CL_E_NOMEM. */
int cl_record_pack(const struct cl_record *rec, bool with_sig, msgpack_packer *pk);

/*
 * Decodes a msgpack map into *rec: every key must be a field of the type's
 * schema, every value of the right msgpack type and within the schema's
 * limits.  Canonical form is checked by the caller (cl_entry_decode
 * re-encodes the whole entry and compares bytes).  Returns 0 or
 * CL_E_MALFORMED_ENTRY with err->msg naming the field.
 */
int cl_record_unpack(struct cl_record *rec, const msgpack_object *obj, struct cl_error *err);

/* Whether field `name` is set in rec (by schema field name). */
bool cl_record_has(const struct cl_record *rec, const char *name);

/* Marks field `name` as set (after filling its member). 0 or CL_E_USAGE. */
int cl_record_mark(struct cl_record *rec, const char *name);

/* True when a and b have the same content, signatures not compared. */
bool cl_record_same_content(const struct cl_record *a, const struct cl_record *b);

/* Bytes to sign: CL_SIG_DOMAIN, a 0 byte, then the canonical msgpack of the
 * record without sig.  Written into sb (cleared first). 0 or CL_E_NOMEM. */
int cl_record_signing_input(const struct cl_record *rec, msgpack_sbuffer *sb);

/* The roles of which a record's signer must hold one (SPEC §1), as a bit
 * set of enum cl_role; 0 for a handoff (any registered party may sign one:
 * that it is the buyer is a business rule) and for genesis. */
uint32_t cl_record_roles_needed(const struct cl_record *rec);

/* Writes a role bit set as "vendor or end_user" ("none" when empty). */
void cl_roles_text(char *out, size_t n, uint32_t set);

/* The type's name ("sale"), or "?" */
const char *cl_record_type_name(uint32_t type);

#endif
