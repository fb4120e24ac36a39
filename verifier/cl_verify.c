/*
 * cl_verify.c - the replay engine behind chemverify (docs/RULES.md).
 *
 * One entry at a time, in chain order: hash, decode, check the links, then
 * judge the record as the ledger's ingest would (id, signer, signature,
 * revocation, role, references: integrity findings), book it into the
 * replay state and check the business rules (alerts).  A record is booked
 * when what it names exists and its id is new; a registration (chemical,
 * party, revoke) moreover only when its signer checks pass.  Everything is
 * recomputed from the entries: no index or balance the ledger wrote is read.
 *
 * With jobs > 1, entries are buffered into a chunk and processed in four
 * rounds: (1) hash + decode, in parallel; (2) predict, in order, the key
 * each signature must verify under (the state at the start of the chunk
 * plus the chunk's own party records); (3) verify those signatures in
 * parallel; (4) judge and book in order.  Round 4 takes a pre-checked
 * result only when the key it really needs is the predicted one and
 * verifies inline otherwise, so a wrong prediction (a party record that
 * turns out not to be booked) costs time, never correctness: the findings
 * are those of jobs = 1.
 */
#include "cl_verify.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "cl_idset.h"
#include "cl_map.h"
#include "cl_schema.h"
#include "cl_text.h"

/* A chunk is processed early once its copied bytes pass this. */
#define ARENA_FLUSH (16u << 20)
#define SECONDS_PER_DAY 86400
#define QTY_TEXT 40

__extension__ typedef unsigned __int128 u128;

static const char *const code_names[CL_F_CODE_COUNT] = {
	"MALFORMED_ENTRY", "SEQ_GAP",        "BROKEN_LINK",      "BROKEN_BATCH_LINK", "BAD_SIGNATURE",
	"UNKNOWN_SIGNER",  "ROLE_NOT_ALLOWED", "REVOKED_SIGNER", "DUPLICATE_ID",      "UNKNOWN_REF",
	"OVERDRAWN",       "CHECK_MISMATCH", "HANDOFF_MISMATCH", "WRONG_RECEIVER",    "DOUBLE_HANDOFF",
	"UNLICENSED_BUYER", "UNLICENSED_SELLER", "LICENCE_LIMIT", "TIME_ORDER",       "OPEN_SALE",
};

static const char *const severity_names[] = {"error", "alert", "notice"};

/* ---- replay state -------------------------------------------------------- */

struct party {
	char id[CL_ID_MAX + 1];
	uint8_t key[32];
	uint32_t roles;
	bool revoked; /* a revocation of the whole party is permanent */
	uint64_t revoked_seq;
	uint64_t reg_seq; /* its latest registration */
	uint32_t n_licences;
	struct cl_licence licences[CL_MAX_LICENCES]; /* as of the latest registration */
};

struct licence {
	const struct party *owner; /* the party that first registered it, for good */
	bool revoked;
	uint64_t revoked_seq;
	uint64_t bought[2];  /* purchases under it, base units by enum cl_measure, saturating */
	bool limit_flagged;  /* LICENCE_LIMIT reported since its terms were last registered */
};

struct chemical {
	char name[257];
	uint32_t category, measure, tolerance_permille; /* as of its latest registration */
};

/* What one party holds of a batch.  party is interned (v->names). */
struct holding {
	const char *party;
	int64_t base;
};

#define HOLDERS_SCAN 32 /* beyond this many holders, a batch gets an index */

struct batch {
	char id[CL_ID_MAX + 1];
	struct chemical *chem;
	char chem_cas[17];
	uint32_t uom; /* the unit of its batch record: quantities are printed in it */
	uint64_t seq;
	uint64_t last_seq;     /* the newest entry concerning it */
	uint8_t last_hash[32];
	struct holding *holders; /* in order of first holding */
	size_t n_holders, cap_holders;
	struct cl_map *holder_index; /* party -> index + 1, once there are many */
};

/* A sale record of a known batch.  Unbooked ones (wrong measure) are kept
 * only so that the entries naming them still link into their batch. */
struct sale {
	struct batch *batch;
	bool booked;
	const char *buyer; /* as named, interned: may be an unregistered party (UNKNOWN_REF) */
	uint64_t qty;              /* base units */
	int64_t time;
	uint64_t seq;
	bool received;
	uint64_t handoff_seq;
};

/* One entry of the --batch trail, for the walk back from the newest. */
struct trail_item {
	uint64_t seq;
	char id[CL_ID_MAX + 1];
	uint8_t hash[32];
	bool has_batch_prev;
	uint8_t batch_prev[32];
	bool is_batch_record;
};

enum { SIG_UNCHECKED = 0, SIG_GOOD, SIG_BAD };

struct slot {
	size_t off, len; /* in the arena (buffered mode) */
	const uint8_t *bytes;
	uint8_t hash[32];
	int decode_rc;
	struct cl_error decode_err;
	struct cl_entry entry;
	bool want_sig;
	int sig;         /* SIG_*: the pre-check against key */
	uint8_t key[32];
};

struct chunk {
	struct slot *slots;
	unsigned n;
	uint8_t *arena;
	size_t len, cap;
};

struct cl_verify {
	char only[CL_ID_MAX + 1]; /* --batch, or "" */
	char authority[CL_ID_MAX + 1]; /* the party the genesis made the authority */
	bool sparse;                   /* fed only what --batch needs */
	bool has_as_of;
	int64_t as_of;
	uint32_t open_days;
	unsigned jobs;

	struct cl_map parties, licences, chemicals, batches, sales, labels;
	struct cl_map names; /* every party name a sale or holding uses, once (intern) */
	struct cl_idset ids; /* every record id so far, with its type */

	uint64_t fed;      /* entries fed */
	uint64_t done;     /* entries processed */
	uint64_t next_seq; /* the seq the next entry should have */
	uint8_t prev_hash[32];
	bool have_time;
	int64_t latest_time;

	struct cl_finding *findings;
	size_t n_findings, cap_findings;

	/* Buffered mode (jobs > 1): entries are fed into chunks[fill]; a full
	 * chunk goes to the preparing thread (decode, keys, signatures on
	 * `jobs` threads) while this thread applies the chunk before it in
	 * order.  --batch prepares and applies each chunk in turn instead. */
	struct chunk chunks[2];
	unsigned fill;      /* the chunk being fed */
	unsigned cap_slots; /* per chunk */
	bool pipelined;
	bool prep_started, prep_busy, prep_stop, prepared; /* prepared: chunks[fill ^ 1] awaits process */
	pthread_t prep;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct cl_map keys; /* preparing thread only: party -> the key it last registered (32 bytes) */

	struct trail_item *trail;
	size_t n_trail, cap_trail;

	bool only_named; /* --batch: some entry names the batch */
	bool nomem; /* sticky: an allocation failed, the replay is void */
	bool finished;
};

/* ---- small helpers ------------------------------------------------------- */

const char *cl_finding_code_name(int code)
{
	return code >= 0 && code < CL_F_CODE_COUNT ? code_names[code] : "?";
}

int cl_finding_severity(int code)
{
	if (code < CL_F_OVERDRAWN)
		return CL_SEV_ERROR;
	return code == CL_F_OPEN_SALE ? CL_SEV_NOTICE : CL_SEV_ALERT;
}

const char *cl_severity_name(int severity)
{
	return severity >= 0 && severity <= CL_SEV_NOTICE ? severity_names[severity] : "?";
}

static const char *time_text(char out[21], int64_t t)
{
	cl_time_format(out, t);
	return out;
}

static const char *hex_text(char out[65], const uint8_t h[32])
{
	cl_hex_encode(out, h, 32);
	return out;
}

/* "1880.000 LTR": base units written in unit uom, with its code. */
static const char *qty_text(char out[QTY_TEXT], int64_t base, uint32_t uom)
{
	char n[32];
	cl_qty_format(n, base, (int)uom);
	snprintf(out, QTY_TEXT, "%s %s", n, cl_uom_code((int)uom));
	return out;
}

/* "1,2" for a category bit set. */
static const char *cats_text(char out[8], uint32_t set)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned c = 1; c <= 3; c++)
		if (set & (1u << c))
			o += (size_t)snprintf(out + o, 8 - o, "%s%u", o ? "," : "", c);
	return out;
}

static int64_t add_saturating(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* |observed - sold| * 1000 > tolerance * sold, without overflow. */
static bool beyond_tolerance(uint64_t observed, uint64_t sold, uint32_t tolerance_permille)
{
	uint64_t diff = observed > sold ? observed - sold : sold - observed;
	return (u128)diff * 1000u > (u128)tolerance_permille * sold;
}

static bool licence_has_limit(const struct cl_licence *l)
{
	int bit = cl_schema_find(&cl_schema_licence, "limit", 5);
	return bit >= 0 && (l->present & (1u << bit));
}

static bool is_registration(uint32_t type)
{
	return type == CL_REC_GENESIS || type == CL_REC_CHEMICAL || type == CL_REC_PARTY || type == CL_REC_REVOKE;
}

/* ---- findings ------------------------------------------------------------ */

/* Drops an incomplete UTF-8 sequence left at the end of s by a cut (messages
 * quote record text, which the decoder checked is UTF-8). */
static void utf8_cut(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Where a finding shows: the entry, its record id and the batch it concerns. */
struct at {
	uint64_t seq;
	const char *id;
	const char *batch;
	bool chain_level; /* kept under --batch too: the entry may be the batch's */
};

/* arr (of *cap elements of size bytes, n in use) with room for one more:
 * doubled from `first` when full, so maybe moved.  NULL and v->nomem
 * when it cannot grow (arr is then still the caller's). */
static void *make_room(struct cl_verify *v, void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c = *cap ? *cap * 2 : first;
	void *na;
	if (n < *cap)
		return arr;
	if (c > SIZE_MAX / size || (na = realloc(arr, c * size)) == NULL) {
		v->nomem = true;
		return NULL;
	}
	*cap = c;
	return na;
}

__attribute__((format(printf, 4, 5))) static void find(struct cl_verify *v, const struct at *a, int code,
							const char *fmt, ...)
{
	struct cl_finding *f;
	va_list ap;
	int n;

	if (v->only[0] && !a->chain_level && (a->batch == NULL || strcmp(a->batch, v->only) != 0))
		return;
	if ((f = make_room(v, v->findings, &v->cap_findings, v->n_findings, sizeof(*f), 64)) == NULL)
		return;
	v->findings = f;
	f = &v->findings[v->n_findings++];
	f->code = code;
	f->seq = a->seq;
	snprintf(f->id, sizeof(f->id), "%s", a->id ? a->id : "");
	snprintf(f->batch, sizeof(f->batch), "%s", a->batch ? a->batch : "");
	va_start(ap, fmt);
	n = vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(f->message))
		utf8_cut(f->message);
}

/* ---- state lookups ------------------------------------------------------- */

/* The value under key, created zeroed (size bytes) when missing; NULL and
 * v->nomem on allocation failure. */
static void *get_or_new(struct cl_verify *v, struct cl_map *m, const char *key, size_t size, bool *created)
{
	void *p = cl_map_get(m, key);
	if (created)
		*created = false;
	if (p)
		return p;
	if ((p = calloc(1, size)) == NULL || cl_map_put(m, key, p)) {
		free(p);
		v->nomem = true;
		return NULL;
	}
	if (created)
		*created = true;
	return p;
}

/* The one copy of name that sales and holdings point to; NULL and
 * v->nomem on allocation failure.  A few thousand parties hold and buy
 * the hundreds of thousands of sales and holdings of a large chain. */
static const char *intern(struct cl_verify *v, const char *name)
{
	char *c = cl_map_get(&v->names, name);
	if (c)
		return c;
	if ((c = strdup(name)) == NULL || cl_map_put(&v->names, name, c)) {
		free(c);
		v->nomem = true;
		return NULL;
	}
	return c;
}

/* party's holding of b, created at 0 when missing.  The pointer is good
 * until the next call for b. */
static struct holding *holding_of(struct cl_verify *v, struct batch *b, const char *party)
{
	const char *name = intern(v, party);
	struct holding *h;

	if (name == NULL)
		return NULL;
	if (b->holder_index) {
		uintptr_t i = (uintptr_t)cl_map_get(b->holder_index, name);
		if (i)
			return &b->holders[i - 1];
	} else {
		for (size_t i = 0; i < b->n_holders; i++)
			if (b->holders[i].party == name)
				return &b->holders[i];
	}
	if ((h = make_room(v, b->holders, &b->cap_holders, b->n_holders, sizeof(*h), 4)) == NULL)
		return NULL;
	b->holders = h;
	h = &b->holders[b->n_holders++];
	h->party = name;
	h->base = 0;
	if (b->holder_index == NULL && b->n_holders > HOLDERS_SCAN) {
		if ((b->holder_index = malloc(sizeof(*b->holder_index))) == NULL) {
			v->nomem = true;
			return NULL;
		}
		cl_map_init(b->holder_index);
		for (size_t i = 0; i + 1 < b->n_holders; i++)
			if (cl_map_put(b->holder_index, b->holders[i].party, (void *)(uintptr_t)(i + 1)))
				v->nomem = true;
	}
	if (b->holder_index && cl_map_put(b->holder_index, name, (void *)(uintptr_t)b->n_holders))
		v->nomem = true;
	return h;
}

/* The licence `no` in p's current registration, or NULL. */
static const struct cl_licence *current_licence(const struct party *p, const char *no)
{
	for (uint32_t i = 0; i < p->n_licences; i++)
		if (strcmp(p->licences[i].no, no) == 0)
			return &p->licences[i];
	return NULL;
}

/* Whether licence l of party p allows `kind` for `category` at time t at
 * this point of the chain. */
static bool licence_valid(const struct cl_verify *v, const struct party *p, const struct cl_licence *l,
			  uint32_t kind, uint32_t category, int64_t t)
{
	const struct licence *state = cl_map_get(&v->licences, l->no);
	return l->kind == kind && (l->categories & (1u << category)) && l->valid_from <= t && t <= l->valid_until &&
	       !(state && state->revoked) && !p->revoked;
}

/* The first licence of p valid for kind/category at t, or NULL. */
static const struct cl_licence *valid_licence(const struct cl_verify *v, const struct party *p, uint32_t kind,
					      uint32_t category, int64_t t)
{
	for (uint32_t i = 0; i < p->n_licences; i++)
		if (licence_valid(v, p, &p->licences[i], kind, category, t))
			return &p->licences[i];
	return NULL;
}

/* ---- links ---------------------------------------------------------------- */

/*
 * One back-link check.  expected == NULL: the entry must have a nil
 * batch_prev (`why` says why); otherwise it must equal expected, the hash
 * of entry expected_seq.
 */
static void check_back_link(struct cl_verify *v, const struct at *a, bool has_bp, const uint8_t bp[32],
			    const uint8_t *expected, uint64_t expected_seq, const char *why)
{
	char h1[65], h2[65];

	if (expected == NULL) {
		if (has_bp)
			find(v, a, CL_F_BROKEN_BATCH_LINK, "batch_prev is %s but %s: it must be nil", hex_text(h1, bp),
			     why);
		return;
	}
	if (!has_bp)
		find(v, a, CL_F_BROKEN_BATCH_LINK,
		     "batch_prev is nil but the previous entry of batch %s is seq %llu, hash %s", a->batch,
		     (unsigned long long)expected_seq, hex_text(h2, expected));
	else if (memcmp(bp, expected, 32) != 0)
		find(v, a, CL_F_BROKEN_BATCH_LINK,
		     "batch_prev is %s but the previous entry of batch %s is seq %llu, hash %s", hex_text(h1, bp),
		     a->batch, (unsigned long long)expected_seq, hex_text(h2, expected));
}

static void trail_push(struct cl_verify *v, const struct at *a, const struct slot *s, bool is_batch_record)
{
	struct trail_item *t;
	if ((t = make_room(v, v->trail, &v->cap_trail, v->n_trail, sizeof(*t), 64)) == NULL)
		return;
	v->trail = t;
	t = &v->trail[v->n_trail++];
	t->seq = a->seq;
	snprintf(t->id, sizeof(t->id), "%s", a->id);
	memcpy(t->hash, s->hash, 32);
	t->has_batch_prev = s->entry.has_batch_prev;
	memcpy(t->batch_prev, s->entry.batch_prev, 32);
	t->is_batch_record = is_batch_record;
}

/* --batch: follows the trail's back-links from its newest entry to its
 * batch record; every link must land on the entry of the batch before. */
static void walk_trail(struct cl_verify *v)
{
	for (size_t k = v->n_trail; k-- > 0;) {
		const struct trail_item *t = &v->trail[k];
		struct at a = {t->seq, t->id, v->only, false};
		if (t->is_batch_record || k == 0)
			check_back_link(v, &a, t->has_batch_prev, t->batch_prev, NULL, 0,
					"a batch record starts its batch");
		else
			check_back_link(v, &a, t->has_batch_prev, t->batch_prev, v->trail[k - 1].hash,
					v->trail[k - 1].seq, NULL);
	}
}

/* ---- signatures ---------------------------------------------------------- */

static bool signature_good(const struct slot *s, const uint8_t key[32])
{
	if (s->sig != SIG_UNCHECKED && memcmp(s->key, key, 32) == 0)
		return s->sig == SIG_GOOD;
	return cl_record_verify(&s->entry.rec, key);
}

/* ---- judging one record -------------------------------------------------- */

/* What the record names, resolved against the state before it. */
struct refs {
	struct batch *batch; /* the batch it concerns, when known */
	const char *batch_name;
	struct sale *sale;
	struct chemical *chem;
	const struct party *signer; /* NULL: not registered */
	bool signer_ok;             /* registered, signature good, not revoked, role held */
};

/* MALFORMED_ENTRY for a unit of the wrong measure (ingest: WRONG_MEASURE).
 * batch: the batch whose chemical it is, or NULL for a batch record. */
static bool wrong_measure(struct cl_verify *v, const struct at *a, const struct cl_record *r, const char *cas,
			  const struct chemical *chem, const char *batch)
{
	int m = cl_uom_measure((int)r->qty.uom);
	if (m == (int)chem->measure)
		return false;
	find(v, a, CL_F_MALFORMED_ENTRY, "uom %s is a %s unit but chemical %s (%s)%s%s is measured by %s",
	     cl_uom_code((int)r->qty.uom), cl_words_measure[m], cas, chem->name, batch ? " of batch " : "",
	     batch ? batch : "", cl_words_measure[chem->measure]);
	return true;
}

/* The integrity checks of ingest that depend on what the record names.
 * Returns false when the record cannot be booked: what it needs (its batch,
 * sale or chemical; for a revoke, the party or licence) is missing,
 * its unit is of the wrong measure, or it would take an id, batch id,
 * label or licence number that is already taken. */
static bool check_refs(struct cl_verify *v, const struct at *a, const struct cl_record *r, struct refs *x)
{
	bool ok = true;

	switch (r->type) {
	case CL_REC_CHEMICAL: {
		const struct chemical *c = cl_map_get(&v->chemicals, r->cas);
		if (c && c->measure != r->measure) {
			find(v, a, CL_F_MALFORMED_ENTRY,
			     "chemical %s is registered by %s; a chemical's measure never changes", r->cas,
			     cl_words_measure[c->measure]);
			ok = false;
		}
		break;
	}
	case CL_REC_PARTY:
		for (uint32_t i = 0; i < r->licences.n; i++) {
			const char *no = r->licences.items[i].no;
			const struct licence *l = cl_map_get(&v->licences, no);
			for (uint32_t j = 0; j < i; j++)
				if (strcmp(no, r->licences.items[j].no) == 0) {
					find(v, a, CL_F_MALFORMED_ENTRY, "licence %s is listed twice", no);
					ok = false;
				}
			if (l && strcmp(l->owner->id, r->party) != 0) {
				find(v, a, CL_F_DUPLICATE_ID, "licence %s already belongs to party %s", no, l->owner->id);
				ok = false;
			}
		}
		break;
	case CL_REC_REVOKE: {
		const struct party *p = cl_map_get(&v->parties, r->party);
		if (p == NULL) {
			find(v, a, CL_F_UNKNOWN_REF, "party %s is not a registered party", r->party);
			ok = false;
		} else if (cl_record_has(r, "licence")) {
			const struct licence *l = cl_map_get(&v->licences, r->licence);
			if (l == NULL || l->owner != p) {
				find(v, a, CL_F_UNKNOWN_REF, "licence %s is not a licence of party %s", r->licence,
				     r->party);
				ok = false;
			}
		}
		break;
	}
	case CL_REC_BATCH:
		x->chem = cl_map_get(&v->chemicals, r->cas);
		if (x->chem == NULL) {
			find(v, a, CL_F_UNKNOWN_REF, "chemical %s is not registered", r->cas);
			ok = false;
		} else if (wrong_measure(v, a, r, r->cas, x->chem, NULL)) {
			ok = false;
		}
		if (x->batch) {
			find(v, a, CL_F_DUPLICATE_ID, "batch %s already exists (seq %llu)", r->batch,
			     (unsigned long long)x->batch->seq);
			ok = false;
		}
		if (cl_record_has(r, "label")) {
			const struct batch *other = cl_map_get(&v->labels, r->label);
			if (other) {
				find(v, a, CL_F_DUPLICATE_ID, "label %s is already the label of batch %s", r->label,
				     other->id);
				ok = false;
			}
		}
		break;
	case CL_REC_SALE:
	case CL_REC_LOSS:
		if (x->batch == NULL) {
			find(v, a, CL_F_UNKNOWN_REF, "batch %s is not in the chain", r->batch);
			ok = false;
		}
		if (r->type == CL_REC_SALE) {
			/* Booked all the same (the goods left the seller); no licence to judge. */
			if (!cl_map_get(&v->parties, r->buyer))
				find(v, a, CL_F_UNKNOWN_REF, "buyer %s is not a registered party", r->buyer);
			/* Nothing is booked to the carrier: the sale can still be booked. */
			if (cl_record_has(r, "carrier") && !cl_map_get(&v->parties, r->carrier))
				find(v, a, CL_F_UNKNOWN_REF, "carrier %s is not a registered party", r->carrier);
		}
		if (x->batch && wrong_measure(v, a, r, x->batch->chem_cas, x->batch->chem, x->batch->id))
			ok = false;
		break;
	case CL_REC_CHECK:
	case CL_REC_HANDOFF:
		if (x->sale == NULL || !x->sale->booked) {
			uintptr_t type = (uintptr_t)cl_idset_get(&v->ids, r->sale);
			if (x->sale)
				find(v, a, CL_F_UNKNOWN_REF, "sale %s (seq %llu) could not be booked: there is nothing to %s",
				     r->sale, (unsigned long long)x->sale->seq, r->type == CL_REC_CHECK ? "check" : "receive");
			else if (type == 0)
				find(v, a, CL_F_UNKNOWN_REF, "sale %s is not in the chain", r->sale);
			else if (type - 1 != CL_REC_SALE)
				find(v, a, CL_F_UNKNOWN_REF, "%s is a %s record, not a sale", r->sale,
				     cl_record_type_name((uint32_t)(type - 1)));
			else
				find(v, a, CL_F_UNKNOWN_REF, "sale %s names a batch the chain does not hold", r->sale);
			ok = false;
		} else if (wrong_measure(v, a, r, x->sale->batch->chem_cas, x->sale->batch->chem,
					 x->sale->batch->id)) {
			ok = false;
		}
		break;
	default:
		break;
	}
	return ok;
}

/*
 * Appends to out (n bytes, holding o) every reason licence `terms` of party
 * p does not allow `kind` for `category` at time t at this point of the
 * chain: "it expired on ...; it was revoked at seq N".  Returns the new o.
 */
static size_t licence_faults(const struct cl_verify *v, const struct party *p, const struct cl_licence *terms,
			     uint32_t kind, uint32_t category, int64_t t, char *out, size_t n, size_t o)
{
	const struct licence *state = cl_map_get(&v->licences, terms->no);
	const char *sep = "";
	char tt[21], cats[8];

#define WHY(...) (o += (size_t)snprintf(out + o, o < n ? n - o : 0, __VA_ARGS__), sep = "; ")
	if (terms->kind != kind)
		WHY("%sit is a %s licence, not a %s licence", sep, cl_words_licence_kind[terms->kind],
		    cl_words_licence_kind[kind]);
	if (t < terms->valid_from)
		WHY("%sit is valid only from %s", sep, time_text(tt, terms->valid_from));
	if (t > terms->valid_until)
		WHY("%sit expired on %s", sep, time_text(tt, terms->valid_until));
	if (state && state->revoked)
		WHY("%sit was revoked at seq %llu", sep, (unsigned long long)state->revoked_seq);
	if (p->revoked)
		WHY("%s%s was revoked at seq %llu", sep, p->id, (unsigned long long)p->revoked_seq);
	if (!(terms->categories & (1u << category)))
		WHY("%sit covers categories %s, not category %u", sep, cats_text(cats, terms->categories), category);
#undef WHY
	return o < n ? o : n - 1;
}

/*
 * UNLICENSED_SELLER: p holds no valid licence of `kind` for the chemical
 * at the record's time.  The message says why each such licence fails.
 */
static void check_seller(struct cl_verify *v, const struct at *a, const struct cl_record *r, const struct party *p,
			 uint32_t kind, const char *role, const struct chemical *chem, const char *cas)
{
	char why[320], t[21];
	size_t o = 0;
	unsigned found = 0;

	if (valid_licence(v, p, kind, chem->category, r->time))
		return;
	why[0] = '\0';
	for (uint32_t i = 0; i < p->n_licences; i++) {
		const struct cl_licence *l = &p->licences[i];
		if (l->kind != kind)
			continue;
		o += (size_t)snprintf(why + o, sizeof(why) - o, "%s%s: ", found++ ? "; " : "", l->no);
		if (o >= sizeof(why))
			break;
		o = licence_faults(v, p, l, kind, chem->category, r->time, why, sizeof(why), o);
	}
	if (found == 0)
		snprintf(why, sizeof(why), "it holds no %s licence at all", cl_words_licence_kind[kind]);
	find(v, a, CL_F_UNLICENSED_SELLER, "%s %s holds no valid %s licence for category %u (%s, %s) on %s (%s)", role,
	     p->id, cl_words_licence_kind[kind], chem->category, chem->name, cas, time_text(t, r->time), why);
}

/* UNLICENSED_BUYER: every reason the named licence does not cover the sale. */
static void check_buyer(struct cl_verify *v, const struct at *a, const struct cl_record *r, const struct party *buyer,
			const struct chemical *chem)
{
	const struct licence *l = cl_map_get(&v->licences, r->buyer_licence);
	const struct cl_licence *terms = NULL, *other;
	char why[320], t[21];

	why[0] = '\0';
	if (l == NULL)
		snprintf(why, sizeof(why), "it names no licence in the chain");
	else if (l->owner != buyer)
		snprintf(why, sizeof(why), "it is a licence of %s, not of the buyer", l->owner->id);
	else if ((terms = current_licence(buyer, r->buyer_licence)) == NULL)
		snprintf(why, sizeof(why), "it is no longer among %s's licences (re-registered at seq %llu)", buyer->id,
			 (unsigned long long)buyer->reg_seq);
	else
		licence_faults(v, buyer, terms, CL_LIC_BUY, chem->category, r->time, why, sizeof(why), 0);
	if (why[0] == '\0')
		return;
	other = valid_licence(v, buyer, CL_LIC_BUY, chem->category, r->time);
	find(v, a, CL_F_UNLICENSED_BUYER, "sale %s on %s of %s (category %u) to %s names buyer_licence %s: %s%s%s%s",
	     r->id, time_text(t, r->time), chem->name, chem->category, buyer->id, r->buyer_licence, why,
	     other ? " (the buyer does hold a valid buy licence, " : "", other ? other->no : "", other ? ")" : "");
}

static void apply_party(struct cl_verify *v, const struct at *a, const struct cl_record *r)
{
	struct party *p = get_or_new(v, &v->parties, r->party, sizeof(*p), NULL);
	if (p == NULL)
		return;
	snprintf(p->id, sizeof(p->id), "%s", r->party);
	memcpy(p->key, r->key, 32);
	p->roles = r->roles;
	p->reg_seq = a->seq;
	p->n_licences = r->licences.n;
	memcpy(p->licences, r->licences.items, r->licences.n * sizeof(r->licences.items[0]));
	for (uint32_t i = 0; i < r->licences.n; i++) {
		bool created;
		struct licence *l = get_or_new(v, &v->licences, r->licences.items[i].no, sizeof(*l), &created);
		if (l == NULL)
			return;
		if (created)
			l->owner = p;
		l->limit_flagged = false; /* new terms: a limit is judged afresh */
	}
}

static void apply_batch(struct cl_verify *v, const struct at *a, const struct cl_record *r, struct refs *x)
{
	struct batch *b = get_or_new(v, &v->batches, r->batch, sizeof(*b), NULL);
	struct holding *h;
	uint32_t kind = r->origin == CL_ORIGIN_IMPORT ? CL_LIC_IMPORT : CL_LIC_PRODUCE;

	if (b == NULL)
		return;
	snprintf(b->id, sizeof(b->id), "%s", r->batch);
	b->chem = x->chem;
	snprintf(b->chem_cas, sizeof(b->chem_cas), "%s", r->cas);
	b->uom = r->qty.uom;
	b->seq = a->seq;
	x->batch = b;
	if ((h = holding_of(v, b, r->signer)) != NULL)
		h->base = (int64_t)r->qty.base;
	if (cl_record_has(r, "label") && cl_map_put(&v->labels, r->label, b))
		v->nomem = true;
	if (x->signer_ok) /* else the integrity finding already says it may not sign */
		check_seller(v, a, r, x->signer, kind, r->origin == CL_ORIGIN_IMPORT ? "importer" : "producer",
			     x->chem, r->cas);
}

/* Takes q from the signer's holding of b; OVERDRAWN when it holds less. */
static void take(struct cl_verify *v, const struct at *a, const struct cl_record *r, struct batch *b)
{
	struct holding *h = holding_of(v, b, r->signer);
	char q1[QTY_TEXT], q2[QTY_TEXT];

	if (h == NULL)
		return;
	if (h->base < (int64_t)r->qty.base)
		find(v, a, CL_F_OVERDRAWN, "%s %s by %s takes %s of batch %s but %s holds %s",
		     cl_record_type_name(r->type), r->id, r->signer, qty_text(q1, (int64_t)r->qty.base, b->uom), b->id,
		     r->signer, qty_text(q2, h->base, b->uom));
	h->base = add_saturating(h->base, -(int64_t)r->qty.base);
}

/* LICENCE_LIMIT: the sale that takes the purchases under the buyer's
 * licence past its limit (same measure only). */
static void count_purchase(struct cl_verify *v, const struct at *a, const struct cl_record *r,
			   const struct party *buyer, const struct batch *b)
{
	struct licence *l = cl_map_get(&v->licences, r->buyer_licence);
	const struct cl_licence *terms;
	uint32_t m = b->chem->measure;
	char q1[QTY_TEXT], q2[QTY_TEXT];

	if (l == NULL || l->owner != buyer)
		return; /* only the buyer's own licence counts purchases */
	l->bought[m] = l->bought[m] > UINT64_MAX - r->qty.base ? UINT64_MAX : l->bought[m] + r->qty.base;
	terms = current_licence(buyer, r->buyer_licence);
	if (terms == NULL || !licence_has_limit(terms) || cl_uom_measure((int)terms->limit.qty.uom) != (int)m)
		return;
	/* A sparse feed sees only this batch's purchases: limits need them all. */
	if (l->bought[m] > terms->limit.qty.base && !l->limit_flagged && !v->sparse) {
		l->limit_flagged = true;
		find(v, a, CL_F_LICENCE_LIMIT,
		     "purchases under licence %s of %s reach %s with sale %s, above its limit of %s", r->buyer_licence,
		     buyer->id,
		     qty_text(q1, l->bought[m] > INT64_MAX ? INT64_MAX : (int64_t)l->bought[m],
			      terms->limit.qty.uom),
		     r->id, qty_text(q2, (int64_t)terms->limit.qty.base, terms->limit.qty.uom));
	}
}

/*
 * Records sale r of a known batch under its id, booked or not (see struct
 * sale); books it when `book`: takes the quantity from the seller and judges
 * the seller's and the buyer's licences.
 */
static void note_sale(struct cl_verify *v, const struct at *a, const struct cl_record *r, struct refs *x, bool book)
{
	struct batch *b = x->batch;
	const struct party *buyer = cl_map_get(&v->parties, r->buyer);
	struct sale *s;

	if ((s = get_or_new(v, &v->sales, r->id, sizeof(*s), NULL)) == NULL)
		return;
	s->batch = b;
	s->booked = book;
	if ((s->buyer = intern(v, r->buyer)) == NULL)
		s->buyer = "?"; /* out of memory: the replay is void anyway */
	s->qty = r->qty.base;
	s->time = r->time;
	s->seq = a->seq;
	if (!book)
		return;
	take(v, a, r, b);
	if (x->signer_ok)
		check_seller(v, a, r, x->signer, CL_LIC_SELL, "seller", b->chem, b->chem_cas);
	if (buyer) {
		check_buyer(v, a, r, buyer, b->chem);
		count_purchase(v, a, r, buyer, b);
	}
}

/* The difference between observed and sold, for a mismatch message. */
static void difference_text(char *out, size_t n, uint64_t observed, uint64_t sold, const struct batch *b)
{
	char d[QTY_TEXT], tol[QTY_TEXT];
	uint64_t diff = observed > sold ? observed - sold : sold - observed;
	uint64_t allowed = (uint64_t)((u128)sold * b->chem->tolerance_permille / 1000u);
	if (snprintf(out, n, "%s %s, beyond the %u \xe2\x80\xb0 tolerance of %s (%s)",
		     qty_text(d, (int64_t)diff, b->uom), observed < sold ? "short" : "over",
		     b->chem->tolerance_permille, b->chem->name, qty_text(tol, (int64_t)allowed, b->uom)) >= (int)n)
		utf8_cut(out);
}

static void apply_check_or_handoff(struct cl_verify *v, const struct at *a, const struct cl_record *r,
				   struct refs *x)
{
	struct sale *s = x->sale;
	struct batch *b = s->batch;
	bool beyond = beyond_tolerance(r->qty.base, s->qty, b->chem->tolerance_permille);
	char t1[21], t2[21], q1[QTY_TEXT], q2[QTY_TEXT], diff[400];
	const char *what = cl_record_type_name(r->type);

	if (r->time < s->time)
		find(v, a, CL_F_TIME_ORDER, "%s %s is dated %s, before its sale %s (%s)", what, r->id,
		     time_text(t1, r->time), r->sale, time_text(t2, s->time));
	if (beyond)
		difference_text(diff, sizeof(diff), r->qty.base, s->qty, b);
	if (r->type == CL_REC_CHECK) {
		bool broken = r->seal == CL_SEAL_BROKEN;
		if (beyond || broken)
			find(v, a, CL_F_CHECK_MISMATCH, "check %s of sale %s found %s of the %s sold%s%s%s, at %s", r->id,
			     r->sale, qty_text(q1, (int64_t)r->qty.base, b->uom), qty_text(q2, (int64_t)s->qty, b->uom),
			     broken ? ", with the seal broken" : "", beyond ? (broken ? "; " : ": ") : "",
			     beyond ? diff : "", r->location);
		return;
	}
	if (strcmp(r->signer, s->buyer) != 0)
		find(v, a, CL_F_WRONG_RECEIVER, "handoff %s of sale %s is signed by %s but the sale's buyer is %s",
		     r->id, r->sale, r->signer, s->buyer);
	if (beyond)
		find(v, a, CL_F_HANDOFF_MISMATCH, "handoff %s of sale %s received %s of the %s sold: %s", r->id,
		     r->sale, qty_text(q1, (int64_t)r->qty.base, b->uom), qty_text(q2, (int64_t)s->qty, b->uom),
		     diff);
	if (s->received) {
		find(v, a, CL_F_DOUBLE_HANDOFF, "sale %s was already received at seq %llu; this handoff credits nothing",
		     r->sale, (unsigned long long)s->handoff_seq);
		return;
	}
	s->received = true;
	s->handoff_seq = a->seq;
	/* The buyer holds what was received, whoever signed the receipt. */
	struct holding *h = holding_of(v, b, s->buyer);
	if (h)
		h->base = add_saturating(h->base, (int64_t)r->qty.base);
}

/* Judges and applies one decoded record at its place in the chain. */
static void judge(struct cl_verify *v, struct at *a, const struct slot *s, struct refs *x)
{
	const struct cl_record *r = &s->entry.rec;
	bool bookable = true, signer_ok = true;
	uintptr_t seen;

	/* Record ids are unique in the whole chain. */
	seen = (uintptr_t)cl_idset_get(&v->ids, r->id);
	if (seen) {
		find(v, a, CL_F_DUPLICATE_ID, "id %s is already used by an earlier %s record", r->id,
		     cl_record_type_name((uint32_t)(seen - 1)));
		bookable = false; /* what refers to the id means the first record */
	} else if (cl_idset_put(&v->ids, r->id, r->type + 1)) {
		v->nomem = true;
	}

	if (r->type == CL_REC_GENESIS) {
		struct party *p;
		if (v->done != 0) {
			find(v, a, CL_F_MALFORMED_ENTRY, "a genesis record may only be entry 0");
			return;
		}
		if (!bookable || (p = get_or_new(v, &v->parties, r->authority, sizeof(*p), NULL)) == NULL)
			return;
		snprintf(p->id, sizeof(p->id), "%s", r->authority);
		snprintf(v->authority, sizeof(v->authority), "%s", r->authority);
		memcpy(p->key, r->key, 32);
		p->roles = 1u << CL_ROLE_AUTHORITY;
		p->reg_seq = a->seq;
		return;
	}
	if (v->done == 0)
		find(v, a, CL_F_MALFORMED_ENTRY, "entry 0 must be the genesis record, not a %s record",
		     cl_record_type_name(r->type));

	/* The signer, as the chain registered it up to here.  The signer checks
	 * of registrations are shown under --batch too: a batch depends on the
	 * keys, roles and licences they set. */
	struct at reg_at = *a;
	const struct at *sa = a;
	if (is_registration(r->type)) {
		reg_at.chain_level = true;
		sa = &reg_at;
	}
	x->signer = cl_map_get(&v->parties, r->signer);
	if (x->signer == NULL) {
		find(v, sa, CL_F_UNKNOWN_SIGNER, "signer %s is not a registered party at this point of the chain",
		     r->signer);
		signer_ok = false;
	} else {
		uint32_t need = cl_record_roles_needed(r);
		bool check_sig = !v->only[0] || is_registration(r->type) ||
				 (x->batch_name && strcmp(x->batch_name, v->only) == 0);
		if (check_sig && !signature_good(s, x->signer->key)) {
			if (!cl_record_has(r, "sig"))
				find(v, sa, CL_F_BAD_SIGNATURE, "the record carries no signature");
			else
				find(v, sa, CL_F_BAD_SIGNATURE,
				     "the signature does not verify under the key of %s registered at seq %llu", r->signer,
				     (unsigned long long)x->signer->reg_seq);
			signer_ok = false;
		}
		if (x->signer->revoked) {
			find(v, sa, CL_F_REVOKED_SIGNER, "signer %s was revoked at seq %llu", r->signer,
			     (unsigned long long)x->signer->revoked_seq);
			signer_ok = false;
		}
		if (need && !(need & x->signer->roles)) {
			char has[96], want[96];
			cl_roles_text(has, sizeof(has), x->signer->roles);
			cl_roles_text(want, sizeof(want), need);
			find(v, sa, CL_F_ROLE_NOT_ALLOWED, "signer %s has roles %s; a %s record needs %s", r->signer, has,
			     cl_record_type_name(r->type), want);
			signer_ok = false;
		}
	}
	/* The authority is fixed at genesis: no registration may make another. */
	if (r->type == CL_REC_PARTY && (r->roles & (1u << CL_ROLE_AUTHORITY)) && strcmp(r->party, v->authority) != 0) {
		find(v, sa, CL_F_ROLE_NOT_ALLOWED, "party %s may not be given the authority role: the authority is %s, "
		     "fixed at genesis", r->party, v->authority);
		signer_ok = false;
	}
	if (!check_refs(v, a, r, x))
		bookable = false;
	/*
	 * Keys, roles, licences, revocations and schedules come only from
	 * authentic registrations: one that fails the signer checks changes
	 * nothing (else a forged party record could plant a key).  A trade
	 * record is evidence: when what it names exists it is booked even if
	 * forged, so that one forgery is one finding, not a cascade of
	 * UNKNOWN_REF and OVERDRAWN downstream.
	 */
	if (is_registration(r->type) && !signer_ok)
		bookable = false;
	x->signer_ok = signer_ok;
	if (r->type == CL_REC_SALE) {
		/* Noted even when not booked: what names it still links into its batch. */
		if (x->batch && !seen)
			note_sale(v, a, r, x, bookable);
		return;
	}
	if (!bookable)
		return;

	switch (r->type) {
	case CL_REC_CHEMICAL: {
		struct chemical *c = get_or_new(v, &v->chemicals, r->cas, sizeof(*c), NULL);
		if (c) {
			snprintf(c->name, sizeof(c->name), "%s", r->name);
			c->category = r->category;
			c->measure = r->measure;
			c->tolerance_permille = r->tolerance_permille;
		}
		break;
	}
	case CL_REC_PARTY: apply_party(v, a, r); break;
	case CL_REC_REVOKE: {
		struct party *p = cl_map_get(&v->parties, r->party);
		if (cl_record_has(r, "licence")) {
			struct licence *l = cl_map_get(&v->licences, r->licence);
			if (!l->revoked) {
				l->revoked = true;
				l->revoked_seq = a->seq;
			}
		} else if (!p->revoked) {
			p->revoked = true;
			p->revoked_seq = a->seq;
		}
		break;
	}
	case CL_REC_BATCH: apply_batch(v, a, r, x); break;
	case CL_REC_CHECK:
	case CL_REC_HANDOFF: apply_check_or_handoff(v, a, r, x); break;
	case CL_REC_LOSS: take(v, a, r, x->batch); break;
	default: break;
	}
}

/* Processes one hashed and decoded slot: links, record, state. */
static void process(struct cl_verify *v, struct slot *s)
{
	const struct cl_entry *e = &s->entry;
	const struct cl_record *r = &e->rec;
	struct refs x = {0};
	struct at a = {v->next_seq, NULL, NULL, false};
	char h1[65], h2[65];

	if (s->decode_rc) {
		a.chain_level = true;
		find(v, &a, CL_F_MALFORMED_ENTRY, "entry %llu of the chain does not decode: %s",
		     (unsigned long long)v->done, s->decode_err.msg);
		v->next_seq++;
		goto linked;
	}
	/* Name the entry by its own seq, unless that is absurd. */
	if (e->seq <= (uint64_t)INT64_MAX)
		a.seq = e->seq;
	a.id = r->id;

	/* The batch it concerns: its own, or its sale's. */
	switch (r->type) {
	case CL_REC_BATCH:
	case CL_REC_SALE:
	case CL_REC_LOSS:
		x.batch_name = r->batch;
		x.batch = cl_map_get(&v->batches, r->batch);
		break;
	case CL_REC_CHECK:
	case CL_REC_HANDOFF:
		if ((x.sale = cl_map_get(&v->sales, r->sale)) != NULL) {
			x.batch = x.sale->batch; /* it concerns the batch of the sale it names */
			x.batch_name = x.batch->id;
		}
		break;
	default: break;
	}
	a.batch = x.batch_name;
	if (v->only[0] && x.batch_name && strcmp(x.batch_name, v->only) == 0)
		v->only_named = true;

	/* The chain: seq and prev (not in a sparse feed, which has gaps). */
	if (v->sparse) {
		/* nothing: only the batch's back-links can be followed */
	} else if (e->seq != v->next_seq) {
		if (v->done == 0)
			find(v, &a, CL_F_SEQ_GAP, "the first entry has seq %llu, not 0", (unsigned long long)e->seq);
		else
			find(v, &a, CL_F_SEQ_GAP, "seq %llu follows seq %llu: expected %llu", (unsigned long long)e->seq,
			     (unsigned long long)(v->next_seq - 1), (unsigned long long)v->next_seq);
	}
	if (v->sparse) {
		/* likewise */
	} else if (v->done == 0) {
		static const uint8_t zero[32];
		if (memcmp(e->prev, zero, 32) != 0)
			find(v, &a, CL_F_BROKEN_LINK, "entry 0's prev is %s, not 32 zero bytes", hex_text(h1, e->prev));
	} else if (memcmp(e->prev, v->prev_hash, 32) != 0) {
		find(v, &a, CL_F_BROKEN_LINK, "prev is %s but the entry before (seq %llu) hashes to %s",
		     hex_text(h1, e->prev), (unsigned long long)(v->next_seq - 1), hex_text(h2, v->prev_hash));
	}
	v->next_seq = a.seq + 1;
	if (!v->have_time || r->time > v->latest_time) {
		v->latest_time = r->time;
		v->have_time = true;
	}

	/* Back-links: physical, whether the record is booked or not. */
	if (v->only[0]) {
		/* --batch: the trail is walked back from its newest entry at the end. */
	} else if (is_registration(r->type)) {
		char why[64];
		snprintf(why, sizeof(why), "a %s record concerns no batch", cl_record_type_name(r->type));
		check_back_link(v, &a, e->has_batch_prev, e->batch_prev, NULL, 0, why);
	} else if (r->type == CL_REC_BATCH) {
		check_back_link(v, &a, e->has_batch_prev, e->batch_prev, NULL, 0, "a batch record starts its batch");
	} else if (x.batch) {
		check_back_link(v, &a, e->has_batch_prev, e->batch_prev, x.batch->last_hash, x.batch->last_seq, NULL);
	} /* else: an unknown batch or sale is UNKNOWN_REF; there is no trail to link to */

	judge(v, &a, s, &x);

	/* The newest entry concerning the batch, booked or not. */
	if (r->type == CL_REC_BATCH)
		x.batch = cl_map_get(&v->batches, r->batch);
	if (x.batch) {
		memcpy(x.batch->last_hash, s->hash, 32);
		x.batch->last_seq = a.seq;
		if (v->only[0] && strcmp(x.batch->id, v->only) == 0)
			trail_push(v, &a, s, r->type == CL_REC_BATCH);
	}
linked:
	memcpy(v->prev_hash, s->hash, 32);
	v->done++;
}

/* ---- the parallel rounds ------------------------------------------------- */

enum round { ROUND_DECODE, ROUND_VERIFY };

struct pool {
	struct chunk *c;
	enum round round;
	atomic_uint next;
};

static void decode_slot(struct slot *s)
{
	cl_hash_entry(s->bytes, s->len, s->hash);
	s->decode_rc = cl_entry_decode(&s->entry, s->bytes, s->len, &s->decode_err);
	s->sig = SIG_UNCHECKED;
	s->want_sig = false;
}

/* The pre-check of a decoded slot's signature under s->key.  The signed
 * bytes are copied off the (canonical) entry rather than encoded again. */
static void check_slot(struct slot *s)
{
	uint8_t msg[8192];
	const uint8_t *sig;
	size_t n;

	if (cl_entry_signing_input(s->bytes, s->len, msg, sizeof(msg), &n, &sig) == 0)
		s->sig = cl_ed25519_verify(s->key, msg, n, sig) ? SIG_GOOD : SIG_BAD;
	else
		s->sig = cl_record_verify(&s->entry.rec, s->key) ? SIG_GOOD : SIG_BAD;
}

static void *pool_work(void *arg)
{
	struct pool *p = arg;
	unsigned i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->c->n) {
		struct slot *s = &p->c->slots[i];
		if (p->round == ROUND_DECODE)
			decode_slot(s);
		else if (s->want_sig)
			check_slot(s);
	}
	return NULL;
}

/* Runs one round over chunk c on up to v->jobs threads (the caller's
 * included).  A thread that cannot start just leaves more to the others. */
static void run_round(struct cl_verify *v, struct chunk *c, enum round round)
{
	pthread_t th[CL_VERIFY_MAX_JOBS];
	struct pool p = {.c = c, .round = round};
	unsigned started = 0;

	atomic_init(&p.next, 0);
	for (unsigned i = 1; i < v->jobs && i < c->n; i++)
		if (pthread_create(&th[started], NULL, pool_work, &p) == 0)
			started++;
	pool_work(&p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/*
 * The key each signature will most likely be checked against, so that the
 * checks can run before the entries are applied.  A wrong guess costs only
 * time: process() checks again under the key it finds.  --batch (which
 * applies each chunk before preparing the next) reads the replay's parties;
 * a full replay, whose next chunk is prepared while this one is applied,
 * keeps its own map of the keys registered so far (v->keys), touched by
 * the preparing thread alone.
 */
static void predict_keys(struct cl_verify *v, struct chunk *c)
{
	struct cl_map overlay, batch_sales;

	cl_map_init(&overlay);
	cl_map_init(&batch_sales);
	for (unsigned i = 0; i < c->n; i++) {
		struct slot *s = &c->slots[i];
		const struct cl_record *r = &s->entry.rec;
		const char *reg = NULL;
		const uint8_t *key;
		const struct party *p;
		bool want;

		if (s->decode_rc)
			continue;
		if (r->type == CL_REC_PARTY)
			reg = r->party;
		if (r->type == CL_REC_GENESIS) {
			reg = r->authority;
			want = false; /* unsigned */
		} else if (!v->only[0] || is_registration(r->type)) {
			want = true;
		} else if (r->type == CL_REC_CHECK || r->type == CL_REC_HANDOFF) {
			const struct sale *sale = cl_map_get(&v->sales, r->sale);
			want = (sale && strcmp(sale->batch->id, v->only) == 0) || cl_map_has(&batch_sales, r->sale);
		} else {
			want = strcmp(r->batch, v->only) == 0;
			if (want && r->type == CL_REC_SALE && cl_map_put(&batch_sales, r->id, NULL))
				break;
		}
		if (v->pipelined) {
			key = want ? cl_map_get(&v->keys, r->signer) : NULL;
		} else {
			key = cl_map_get(&overlay, r->signer);
			if (key == NULL && (p = cl_map_get(&v->parties, r->signer)) != NULL)
				key = p->key;
		}
		if (want && key) {
			s->want_sig = true;
			memcpy(s->key, key, 32);
		}
		if (reg && v->pipelined) {
			uint8_t *k = cl_map_get(&v->keys, reg);
			if (k == NULL && ((k = malloc(32)) == NULL || cl_map_put(&v->keys, reg, k))) {
				free(k);
				break; /* out of memory: the rest is verified inline */
			}
			memcpy(k, r->key, 32);
		} else if (reg && cl_map_put(&overlay, reg, (void *)(uintptr_t)r->key)) {
			break; /* out of memory: the rest is verified inline */
		}
	}
	cl_map_free(&batch_sales, NULL);
	cl_map_free(&overlay, NULL);
}

/* Decodes chunk c and checks its signatures: everything that needs no
 * state of the replay but the keys. */
static void prepare_chunk(struct cl_verify *v, struct chunk *c)
{
	for (unsigned i = 0; i < c->n; i++)
		c->slots[i].bytes = c->arena + c->slots[i].off;
	run_round(v, c, ROUND_DECODE);
	predict_keys(v, c);
	run_round(v, c, ROUND_VERIFY);
}

/* Applies chunk c in order; it is empty afterwards. */
static void apply_chunk(struct cl_verify *v, struct chunk *c)
{
	for (unsigned i = 0; i < c->n; i++)
		process(v, &c->slots[i]);
	c->n = 0;
	c->len = 0;
}

static void *prep_main(void *arg)
{
	struct cl_verify *v = arg;
	pthread_mutex_lock(&v->mu);
	for (;;) {
		while (!v->prep_busy && !v->prep_stop)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->prep_stop)
			break;
		unsigned k = v->fill ^ 1; /* the one handed over */
		pthread_mutex_unlock(&v->mu);
		prepare_chunk(v, &v->chunks[k]);
		pthread_mutex_lock(&v->mu);
		v->prep_busy = false;
		pthread_cond_broadcast(&v->cv);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

static void wait_prep(struct cl_verify *v)
{
	pthread_mutex_lock(&v->mu);
	while (v->prep_busy)
		pthread_cond_wait(&v->cv, &v->mu);
	pthread_mutex_unlock(&v->mu);
}

/*
 * The fed chunk is complete (or the feed ends).  Pipelined: wait for the
 * preparing thread to finish the chunk before, hand it this one, and apply
 * the one before while it works.  With `last`, also wait for this one and
 * apply it: nothing stays buffered.
 */
static void chunk_full(struct cl_verify *v, bool last)
{
	struct chunk *c = &v->chunks[v->fill];

	if (!v->pipelined || !v->prep_started) {
		if (c->n) {
			prepare_chunk(v, c);
			apply_chunk(v, c);
		}
		return;
	}
	wait_prep(v);
	if (c->n) {
		v->fill ^= 1; /* the chunk before, prepared or empty, is fed next */
		pthread_mutex_lock(&v->mu);
		v->prep_busy = true;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		if (v->prepared)
			apply_chunk(v, &v->chunks[v->fill]);
		v->prepared = true;
	}
	if (last && v->prepared) {
		wait_prep(v);
		apply_chunk(v, &v->chunks[v->fill ^ 1]);
		v->prepared = false;
	}
}

/* ---- public API ---------------------------------------------------------- */

void cl_verify_options_default(struct cl_verify_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->open_days = CL_VERIFY_DEFAULT_OPEN_DAYS;
	opt->jobs = 1;
}

int cl_verify_new(struct cl_verify **out, const struct cl_verify_options *opt, struct cl_error *err)
{
	struct cl_verify *v;
	char why[CL_WHY_MAX];
	unsigned jobs = opt->jobs ? opt->jobs : 1;

	*out = NULL;
	if (jobs > CL_VERIFY_MAX_JOBS)
		return cl_error_set(err, CL_E_USAGE, "jobs: at most %d", CL_VERIFY_MAX_JOBS);
	if (opt->batch && opt->batch[0] && !cl_text_id_valid(opt->batch, strlen(opt->batch), why))
		return cl_error_set(err, CL_E_USAGE, "batch: %s", why);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	if (opt->batch)
		snprintf(v->only, sizeof(v->only), "%s", opt->batch);
	v->sparse = opt->sparse && v->only[0];
	v->has_as_of = opt->has_as_of;
	v->as_of = opt->as_of;
	v->open_days = opt->open_days;
	v->jobs = jobs;
	cl_map_init(&v->parties);
	cl_map_init(&v->licences);
	cl_map_init(&v->chemicals);
	cl_map_init(&v->batches);
	cl_map_init(&v->sales);
	cl_idset_init(&v->ids);
	cl_map_init(&v->labels);
	cl_map_init(&v->names);
	cl_map_init(&v->keys);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	v->cap_slots = jobs > 1 ? CL_VERIFY_CHUNK : 1;
	for (int i = 0; i < (jobs > 1 ? 2 : 1); i++)
		if ((v->chunks[i].slots = calloc(v->cap_slots, sizeof(struct slot))) == NULL) {
			cl_verify_free(v);
			return cl_error_set(err, CL_E_NOMEM, "out of memory");
		}
	v->pipelined = jobs > 1 && !v->only[0];
	/* Without a preparing thread, chunks are prepared and applied in turn. */
	if (v->pipelined)
		v->prep_started = pthread_create(&v->prep, NULL, prep_main, v) == 0;
	*out = v;
	return 0;
}

static void free_batch(void *p)
{
	struct batch *b = p;
	if (b) {
		free(b->holders);
		if (b->holder_index)
			cl_map_free(b->holder_index, NULL);
		free(b->holder_index);
	}
	free(b);
}

void cl_verify_free(struct cl_verify *v)
{
	if (v == NULL)
		return;
	cl_map_free(&v->labels, NULL);
	cl_map_free(&v->names, free);
	cl_idset_free(&v->ids);
	cl_map_free(&v->sales, free);
	cl_map_free(&v->batches, free_batch);
	cl_map_free(&v->chemicals, free);
	cl_map_free(&v->licences, free);
	cl_map_free(&v->parties, free);
	if (v->prep_started) {
		pthread_mutex_lock(&v->mu);
		while (v->prep_busy)
			pthread_cond_wait(&v->cv, &v->mu);
		v->prep_stop = true;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->prep, NULL);
	}
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	cl_map_free(&v->keys, free);
	free(v->trail);
	for (int i = 0; i < 2; i++) {
		free(v->chunks[i].arena);
		free(v->chunks[i].slots);
	}
	free(v->findings);
	free(v);
}

static int nomem(struct cl_error *err)
{
	return cl_error_set(err, CL_E_NOMEM, "out of memory during the replay");
}

int cl_verify_feed(struct cl_verify *v, const void *bytes, size_t len, struct cl_error *err)
{
	struct chunk *c;
	struct slot *s;

	if (v->finished)
		return cl_error_set(err, CL_E_USAGE, "the replay is finished");
	if (v->nomem)
		return nomem(err);
	v->fed++;
	if (v->jobs == 1) {
		s = &v->chunks[0].slots[0];
		s->bytes = bytes;
		s->len = len;
		decode_slot(s);
		process(v, s);
		return v->nomem ? nomem(err) : 0;
	}
	c = &v->chunks[v->fill];
	if (len > c->cap - c->len) {
		size_t cap = c->cap ? c->cap : 65536;
		uint8_t *na;
		while (cap - c->len < len) {
			if (cap > SIZE_MAX / 2)
				return nomem(err);
			cap *= 2;
		}
		if ((na = realloc(c->arena, cap)) == NULL) {
			v->nomem = true;
			return nomem(err);
		}
		c->arena = na;
		c->cap = cap;
	}
	s = &c->slots[c->n++];
	s->off = c->len;
	s->len = len;
	if (len)
		memcpy(c->arena + c->len, bytes, len);
	c->len += len;
	if (c->n == v->cap_slots || c->len >= ARENA_FLUSH)
		chunk_full(v, false);
	return v->nomem ? nomem(err) : 0;
}

int cl_verify_flush(struct cl_verify *v, struct cl_error *err)
{
	if (v->nomem)
		return nomem(err);
	if (v->jobs > 1)
		chunk_full(v, true);
	return v->nomem ? nomem(err) : 0;
}

int cl_verify_stream_error(struct cl_verify *v, const char *message, struct cl_error *err)
{
	struct at a = {0, NULL, NULL, true};
	int rc = cl_verify_flush(v, err);
	if (rc)
		return rc;
	a.seq = v->next_seq;
	find(v, &a, CL_F_MALFORMED_ENTRY, "%s", message);
	return v->nomem ? nomem(err) : 0;
}

static int finding_order(const void *pa, const void *pb)
{
	const struct cl_finding *a = pa, *b = pb;
	int c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if ((c = strcmp(cl_finding_code_name(a->code), cl_finding_code_name(b->code))) != 0)
		return c;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	return strcmp(a->message, b->message);
}

int cl_verify_finish(struct cl_verify *v, const struct cl_verify_trailer *trailer, struct cl_error *err)
{
	struct at end = {0, NULL, NULL, true};
	const char *key;
	void *value;
	size_t pos = 0;
	int64_t cutoff;
	int rc;

	if (v->finished)
		return cl_error_set(err, CL_E_USAGE, "the replay is already finished");
	if ((rc = cl_verify_flush(v, err)))
		return rc;
	v->finished = true;
	end.seq = v->next_seq;
	if (v->fed == 0)
		find(v, &end, CL_F_MALFORMED_ENTRY, "the chain holds no entry, not even its genesis");
	if (trailer) {
		char h1[65], h2[65];
		if (trailer->count != v->fed)
			find(v, &end, CL_F_MALFORMED_ENTRY, "the trailer counts %llu entries but the stream holds %llu",
			     (unsigned long long)trailer->count, (unsigned long long)v->fed);
		if (memcmp(trailer->head, v->prev_hash, 32) != 0)
			find(v, &end, CL_F_MALFORMED_ENTRY, "the trailer's head %s is not the hash of the last entry, %s",
			     hex_text(h1, trailer->head), hex_text(h2, v->prev_hash));
	}
	if (v->only[0])
		walk_trail(v);

	if (!v->has_as_of)
		v->as_of = v->have_time ? v->latest_time : 0;
	cutoff = v->as_of - (int64_t)v->open_days * SECONDS_PER_DAY;
	while (cl_map_next(&v->sales, &pos, &key, &value)) {
		const struct sale *s = value;
		char t1[21], t2[21], q[QTY_TEXT];
		struct at a = {s->seq, key, s->batch->id, false};
		if (!s->booked || s->received || s->time >= cutoff)
			continue;
		find(v, &a, CL_F_OPEN_SALE,
		     "sale %s of %s of batch %s to %s on %s has no handoff %lld days later (as of %s)", key,
		     qty_text(q, (int64_t)s->qty, s->batch->uom), s->batch->id, s->buyer, time_text(t1, s->time),
		     (long long)((v->as_of - s->time) / SECONDS_PER_DAY), time_text(t2, v->as_of));
	}
	if (v->nomem)
		return nomem(err);
	if (v->n_findings)
		qsort(v->findings, v->n_findings, sizeof(*v->findings), finding_order);
	return 0;
}

size_t cl_verify_findings(const struct cl_verify *v, const struct cl_finding **out)
{
	*out = v->findings;
	return v->n_findings;
}

uint64_t cl_verify_entries(const struct cl_verify *v)
{
	return v->fed;
}

void cl_verify_head(const struct cl_verify *v, uint8_t head[32])
{
	memcpy(head, v->prev_hash, 32);
}

int64_t cl_verify_as_of(const struct cl_verify *v)
{
	return v->as_of;
}

bool cl_verify_batch_found(const struct cl_verify *v)
{
	return v->only_named;
}

void cl_verify_batch_trail(const struct cl_verify *v, uint64_t *n, uint64_t *first_seq, uint64_t *last_seq)
{
	*n = v->n_trail;
	*first_seq = v->n_trail ? v->trail[0].seq : 0;
	*last_seq = v->n_trail ? v->trail[v->n_trail - 1].seq : 0;
}

static int holding_order(const void *pa, const void *pb)
{
	return strcmp(((const struct cl_holding *)pa)->holder, ((const struct cl_holding *)pb)->holder);
}

size_t cl_verify_holdings(const struct cl_verify *v, const char *batch, struct cl_holding *out, size_t max)
{
	const struct batch *b = cl_map_get(&v->batches, batch);
	size_t n = 0;

	if (b == NULL)
		return 0;
	for (; n < b->n_holders; n++) {
		if (n < max) {
			snprintf(out[n].holder, sizeof(out[n].holder), "%s", b->holders[n].party);
			out[n].base = b->holders[n].base;
			out[n].uom = b->uom;
		}
	}
	if (n && max)
		qsort(out, n < max ? n : max, sizeof(*out), holding_order);
	return n;
}
