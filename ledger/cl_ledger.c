#include "cl_ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cl_crypto.h"
#include "cl_text.h"

#define INITIAL_MAP (64UL << 20)

enum { DB_ENTRIES, DB_IDS, DB_TRAIL, DB_LABELS, DB_PARTIES, DB_CHEMICALS, DB_LICENCES, DB_REVOKED, DB_META,
       DB_HISTORY, DB_COUNT };
static const char *const db_names[DB_COUNT] = {"entries",  "ids",     "trail", "labels", "parties", "chemicals",
					       "licences", "revoked", "meta",  "history"};
/* trail: batch id -> the seqs of its entries, 8 bytes BE each, in order
 * (the first is the batch record).  Sorted duplicates of one size: LMDB
 * packs them side by side under the key, so a batch's trail is one node. */
#define TRAIL_FLAGS (MDB_DUPSORT | MDB_DUPFIXED)

/*
 * What the checks need of a registration or an earlier record, remembered
 * by the seq of the entry it came from so that the writer does not decode
 * that entry again for every record that names it.  Committed entries never
 * change; the cache is emptied whenever a write transaction is abandoned.
 */
enum fact_kind { FACT_NONE = 0, FACT_PARTY, FACT_CHEMICAL, FACT_BATCH, FACT_SALE };

struct fact {
	uint32_t kind;
	uint64_t seq;          /* the entry it came from: names it exactly */
	uint32_t num;          /* party: roles; chemical: measure; sale: the record's type */
	uint8_t key[32];       /* party: its key */
	char a[CL_ID_MAX + 1]; /* batch: its CAS; sale: its batch */
	char b[CL_ID_MAX + 1]; /* sale: its buyer */
};

#define FACT_SLOTS 65536 /* batches and sales, direct-mapped by seq; a collision just decodes again */
#define REG_FACT_SLOTS 16384 /* parties and chemicals: their own slots, so the stream of
				batches and sales never pushes out the registrations every
				record names */
#define FACT_TOTAL (FACT_SLOTS + REG_FACT_SLOTS)

/* Signers' keys by the seq of their registration, for one pre-verifying
 * worker: runs of records from many signers need no decoding. */
struct key_memo {
	uint64_t tag; /* the registration's seq + 1; 0: empty (the genesis is seq 0) */
	uint8_t key[32];
};
#define KEY_MEMO_SLOTS 8192
#define PV_MAX_THREADS 64

/* The hashes of entries the writer appended, by seq: a batch's newest
 * entry (the next one's batch_prev) is nearly always among them. */
struct hash_memo {
	uint64_t seq; /* 0: empty (entry 0 is never a batch's) */
	uint8_t hash[32];
};
#define HASH_MEMO_SLOTS 65536

/* The keys that party records of one pre-checked group register, by party
 * id (open addressing; the last registration of an id wins).  A group is
 * pre-checked while the one before it may still be uncommitted: records
 * whose signer registers there (or earlier in their own group) are checked
 * under that key rather than left to the writer.  The writer re-checks any
 * key that turns out not to be the registered one. */
struct pend_slot {
	bool used;
	char id[CL_ID_MAX + 1];
	uint8_t key[32];
};
struct pend_table {
	struct pend_slot *slots;
	size_t cap; /* 0 or a power of two */
};

struct cl_ledger {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	enum cl_ledger_mode mode;
	char dir[4096];
	msgpack_sbuffer buf; /* scratch for encoding */
	struct fact *facts;  /* writers only */
	struct key_memo *memo[PV_MAX_THREADS]; /* one per pre-verifying worker */
	struct hash_memo *hashes;              /* writers only: recent entries' hashes */
	/* LMDB may change the map size only while no transaction of this
	 * process is open: cl_ledger_preverify holds this for reading while its
	 * read transactions run (maybe during another group's write), and the
	 * writer holds it for writing to grow or adopt a new map size. */
	pthread_rwlock_t map_lock;
	/* One cl_ledger_preverify at a time: its workers own the key memos. */
	pthread_mutex_t pv_lock;
	struct pend_table pend[2]; /* registrations of the last two pre-checked groups: [0] the newer */
};

/* Per-record scratch: the entries a check needs to look at. */
struct scratch {
	struct cl_entry a, b;
	MDB_cursor *trail; /* the writer's cursor on the trail index, or NULL */
};



static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int store_error(struct cl_error *err, int rc, const char *what)
{
	if (rc == MDB_MAP_FULL)
		return cl_error_set(err, CL_E_MAP_FULL, "%s: LMDB map full", what);
	if (rc == ENOSPC)
		return cl_error_set(err, CL_E_NOSPACE, "%s: no space left on the device holding the ledger", what);
	return cl_error_set(err, CL_E_STORE, "%s: %s", what, mdb_strerror(rc));
}

static uint32_t seq_slot(uint64_t seq, uint32_t slots)
{
	return (uint32_t)((seq * 0x9E3779B97F4A7C15ull) >> 32) % slots;
}

/* strcpy into dst[cap], cut to fit. */
static void scopy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static MDB_val sval(const char *s)
{
	MDB_val v = {strlen(s), (void *)(uintptr_t)s};
	return v;
}

/* ---- open / create ------------------------------------------------------- */

static int check_dir(const char *dir, enum cl_ledger_mode mode, struct cl_error *err)
{
	struct stat st;
	char path[4200];

	if (stat(dir, &st) != 0)
		return cl_error_set(err, CL_E_IO, "ledger directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cl_error_set(err, CL_E_IO, "%s is not a directory", dir);
	if (st.st_mode & S_IWOTH)
		return cl_error_set(err, CL_E_IO, "refusing ledger directory %s: it is writable by others (chmod 700 it)",
				    dir);
	if (mode == CL_LEDGER_WRITE && st.st_uid != geteuid())
		return cl_error_set(err, CL_E_IO, "refusing to write ledger directory %s: owned by uid %u, not by you",
				    dir, (unsigned)st.st_uid);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) != 0)
		return cl_error_set(err, CL_E_IO, "%s is not a chemledger ledger (no data.mdb; create one with "
				    "chemledger init)", dir);
	return 0;
}

static int env_open(struct cl_ledger *l, const char *dir, enum cl_ledger_mode mode, size_t create_map,
		    struct cl_error *err)
{
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_env_create(&l->env)))
		return store_error(err, rc, "mdb_env_create");
	mdb_env_set_maxdbs(l->env, 16);
	mdb_env_set_maxreaders(l->env, 256);
	if (create_map)
		mdb_env_set_mapsize(l->env, create_map);
	/* Never MDB_NOSYNC / MDB_NOMETASYNC: a commit is durable when it returns. */
	/* MDB_NOTLS: a query may nest a lookup in a scan (two read txns, one thread). */
	rc = mdb_env_open(l->env, dir, MDB_NOTLS | (mode == CL_LEDGER_READ ? MDB_RDONLY : 0), 0600);
	if (rc)
		return store_error(err, rc, dir);
	rc = mdb_txn_begin(l->env, NULL, mode == CL_LEDGER_READ ? MDB_RDONLY : 0, &txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(l->env, 0);
		rc = mdb_txn_begin(l->env, NULL, mode == CL_LEDGER_READ ? MDB_RDONLY : 0, &txn);
	}
	if (rc)
		return store_error(err, rc, "opening the ledger");
	for (int i = 0; i < DB_COUNT; i++) {
		unsigned flags = i == DB_TRAIL ? TRAIL_FLAGS : 0, got = 0;
		rc = mdb_dbi_open(txn, db_names[i], (create_map ? MDB_CREATE : 0) | flags, &l->dbi[i]);
		if (rc == 0 && (mdb_dbi_flags(txn, l->dbi[i], &got) || (got & TRAIL_FLAGS) != flags)) {
			mdb_txn_abort(txn);
			return cl_error_set(err, CL_E_IO, "%s was made by an older chemledger (its \"%s\" index has "
					    "another layout); this version cannot open it, but chemverify -d still checks it", dir, db_names[i]);
		}
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return cl_error_set(err, CL_E_IO, "%s is not a chemledger ledger (no \"%s\" database)", dir,
					    db_names[i]);
		}
		if (rc) {
			mdb_txn_abort(txn);
			return store_error(err, rc, "opening the ledger's databases");
		}
	}
	if ((rc = mdb_txn_commit(txn)))
		return store_error(err, rc, "opening the ledger");
	return 0;
}

static struct cl_ledger *ledger_new(void)
{
	struct cl_ledger *l = calloc(1, sizeof(*l));
	if (l) {
		msgpack_sbuffer_init(&l->buf);
		pthread_rwlock_init(&l->map_lock, NULL);
		pthread_mutex_init(&l->pv_lock, NULL);
	}
	return l;
}

void cl_ledger_close(struct cl_ledger *l)
{
	if (l == NULL)
		return;
	if (l->env)
		mdb_env_close(l->env);
	msgpack_sbuffer_destroy(&l->buf);
	pthread_rwlock_destroy(&l->map_lock);
	pthread_mutex_destroy(&l->pv_lock);
	free(l->pend[0].slots);
	free(l->pend[1].slots);
	free(l->facts);
	free(l->hashes);
	for (int t = 0; t < PV_MAX_THREADS; t++)
		free(l->memo[t]);
	free(l);
}

int cl_ledger_open(struct cl_ledger **out, const char *dir, enum cl_ledger_mode mode, struct cl_error *err)
{
	struct cl_ledger *l;
	int rc;

	*out = NULL;
	if ((rc = check_dir(dir, mode, err)))
		return rc;
	if ((l = ledger_new()) == NULL)
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	l->mode = mode;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	if ((rc = env_open(l, dir, mode, 0, err))) {
		cl_ledger_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

/* ---- reading helpers ----------------------------------------------------- */

static int read_entry(MDB_txn *txn, struct cl_ledger *l, uint64_t seq, struct cl_entry *e, uint8_t hash[32],
		      struct cl_error *err)
{
	uint8_t k[8];
	MDB_val key = {8, k}, val;
	int rc;

	put_u64(k, seq);
	rc = mdb_get(txn, l->dbi[DB_ENTRIES], &key, &val);
	if (rc == MDB_NOTFOUND)
		return cl_error_set(err, CL_E_NOT_FOUND, "no entry %llu", (unsigned long long)seq);
	if (rc)
		return store_error(err, rc, "reading an entry");
	if (hash)
		cl_hash_entry(val.mv_data, val.mv_size, hash);
	if (e && (rc = cl_entry_decode(e, val.mv_data, val.mv_size, err)))
		return cl_error_prefix(err, "entry %llu", (unsigned long long)seq);
	return 0;
}

/* The seq an index lookup of key k found: rc and val are what LMDB gave.
 * 0, CL_E_NOT_FOUND or CL_E_STORE. */
static int index_seq(int rc, const MDB_val *val, const char *k, uint64_t *seq, struct cl_error *err)
{
	if (rc == MDB_NOTFOUND)
		return CL_E_NOT_FOUND;
	if (rc)
		return store_error(err, rc, "index lookup");
	if (val->mv_size != 8)
		return cl_error_set(err, CL_E_STORE, "index value for \"%s\" is corrupt", k);
	*seq = get_u64(val->mv_data);
	return 0;
}

/* Looks up a string key holding a seq. 0, CL_E_NOT_FOUND or CL_E_STORE. */
static int lookup_seq(MDB_txn *txn, MDB_dbi dbi, const char *k, uint64_t *seq, struct cl_error *err)
{
	MDB_val key = sval(k), val;
	/* LMDB has no empty key and none over 511 bytes: such a name is not found. */
	int rc = key.mv_size == 0 || key.mv_size > 511 ? MDB_NOTFOUND : mdb_get(txn, dbi, &key, &val);
	return index_seq(rc, &val, k, seq, err);
}

static int head_get(MDB_txn *txn, struct cl_ledger *l, uint64_t *seq, uint8_t hash[32], struct cl_error *err)
{
	MDB_val key = sval("head"), val;
	int rc = mdb_get(txn, l->dbi[DB_META], &key, &val);
	if (rc)
		return store_error(err, rc, "reading the head");
	if (val.mv_size != 40)
		return cl_error_set(err, CL_E_STORE, "the ledger's head record is corrupt");
	*seq = get_u64(val.mv_data);
	memcpy(hash, (uint8_t *)val.mv_data + 8, 32);
	return 0;
}

/* ---- appending ----------------------------------------------------------- */

static int put(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags, struct cl_error *err)
{
	int rc = mdb_put(txn, dbi, k, v, flags);
	return rc ? store_error(err, rc, "writing the ledger") : 0;
}

static int put_seq(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, uint64_t seq, struct cl_error *err)
{
	uint8_t b[8];
	MDB_val v = {8, b};
	put_u64(b, seq);
	return put(txn, dbi, k, &v, 0, err);
}

/* history: kind ('P' party, 'C' chemical, 'R' revocation of a party), id,
 * 0, seq -> empty: every registration of a party or chemical and every
 * revoke naming a party, so a batch check can find them without a scan. */
static int put_history(MDB_txn *txn, struct cl_ledger *l, char kind, const char *id, uint64_t seq,
		       struct cl_error *err)
{
	char k[1 + CL_ID_MAX + 1 + 8];
	size_t n = strlen(id);
	MDB_val key = {n + 10, k}, val = {0, ""};
	k[0] = kind;
	memcpy(k + 1, id, n);
	k[1 + n] = 0;
	put_u64((uint8_t *)k + 2 + n, seq);
	return put(txn, l->dbi[DB_HISTORY], &key, &val, 0, err);
}

/* The chain's newest entry, as the writer sees it inside its transaction;
 * written to meta once, just before the commit. */
struct head {
	uint64_t seq;
	uint8_t hash[32];
	bool moved;
};

static int head_put(MDB_txn *txn, struct cl_ledger *l, const struct head *h, struct cl_error *err)
{
	uint8_t v[40];
	MDB_val key = sval("head"), val = {40, v};
	put_u64(v, h->seq);
	memcpy(v + 8, h->hash, 32);
	return put(txn, l->dbi[DB_META], &key, &val, 0, err);
}

/*
 * Writes the entry and every index it touches but the head (and but ids
 * unless `ids`: the writer books the id when it checks it).  trail: a
 * cursor to append to the trail index through, or NULL.  batch: the batch
 * the entry concerns, or NULL.
 */
static int append(struct cl_ledger *l, MDB_txn *txn, uint64_t seq, int64_t recv_time, const uint8_t prev[32],
		  const uint8_t *batch_prev, const struct cl_record *r, const char *batch, bool ids, MDB_cursor *trail,
		  uint8_t hash[32], struct cl_error *err)
{
	uint8_t k8[8];
	MDB_val key = {8, k8}, val;
	int rc;

	if ((rc = cl_entry_encode_parts(seq, recv_time, prev, batch_prev, r, &l->buf)))
		return cl_error_set(err, rc, "out of memory");
	cl_hash_entry(l->buf.data, l->buf.size, hash);
	put_u64(k8, seq);
	val.mv_size = l->buf.size;
	val.mv_data = l->buf.data;
	if ((rc = put(txn, l->dbi[DB_ENTRIES], &key, &val, MDB_APPEND, err)))
		return rc;
	if (ids) {
		key = sval(r->id);
		if ((rc = put_seq(txn, l->dbi[DB_IDS], &key, seq, err)))
			return rc;
	}
	if (batch) {
		/* seq is the ledger's newest: it goes after the batch's others. */
		key = sval(batch);
		val.mv_size = 8;
		val.mv_data = k8;
		rc = trail ? mdb_cursor_put(trail, &key, &val, MDB_APPENDDUP)
			   : mdb_put(txn, l->dbi[DB_TRAIL], &key, &val, MDB_APPENDDUP);
		if (rc)
			return store_error(err, rc, "writing the ledger");
		if (l->hashes) {
			struct hash_memo *m = &l->hashes[seq_slot(seq, HASH_MEMO_SLOTS)];
			m->seq = seq;
			memcpy(m->hash, hash, 32);
		}
	}
	switch (r->type) {
	case CL_REC_GENESIS:
		key = sval(r->authority);
		if ((rc = put_history(txn, l, 'P', r->authority, seq, err)))
			return rc;
		return put_seq(txn, l->dbi[DB_PARTIES], &key, seq, err);
	case CL_REC_CHEMICAL:
		key = sval(r->cas);
		if ((rc = put_history(txn, l, 'C', r->cas, seq, err)))
			return rc;
		return put_seq(txn, l->dbi[DB_CHEMICALS], &key, seq, err);
	case CL_REC_PARTY:
		key = sval(r->party);
		if ((rc = put_history(txn, l, 'P', r->party, seq, err)))
			return rc;
		if ((rc = put_seq(txn, l->dbi[DB_PARTIES], &key, seq, err)))
			return rc;
		for (uint32_t i = 0; i < r->licences.n; i++) {
			key = sval(r->licences.items[i].no);
			val = sval(r->party);
			if ((rc = put(txn, l->dbi[DB_LICENCES], &key, &val, 0, err)))
				return rc;
		}
		return 0;
	case CL_REC_REVOKE: {
		char rk[2 * CL_ID_MAX + 2];
		int n = cl_record_has(r, "licence") ? snprintf(rk, sizeof(rk), "%s%c%s", r->party, 0, r->licence)
						     : snprintf(rk, sizeof(rk), "%s", r->party);
		key.mv_size = (size_t)n;
		key.mv_data = rk;
		if ((rc = put_history(txn, l, 'R', r->party, seq, err)))
			return rc;
		return put_seq(txn, l->dbi[DB_REVOKED], &key, seq, err);
	}
	case CL_REC_BATCH:
		if (cl_record_has(r, "label")) {
			key = sval(r->label);
			val = sval(r->batch);
			return put(txn, l->dbi[DB_LABELS], &key, &val, 0, err);
		}
		return 0;
	default:
		return 0;
	}
}

int cl_ledger_create(const char *dir, const struct cl_record *genesis, int64_t recv_time, size_t initial_map,
		     uint8_t hash[32], struct cl_error *err)
{
	struct cl_ledger *l;
	struct cl_entry *e;
	struct stat st;
	char path[4200];
	MDB_txn *txn = NULL;
	int rc, fd;

	if (genesis->type != CL_REC_GENESIS)
		return cl_error_set(err, CL_E_USAGE, "a ledger starts with a genesis record");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cl_error_set(err, CL_E_IO, "cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
		return cl_error_set(err, CL_E_IO, "refusing ledger directory %s: it is writable by others", dir);
	/* Claim the directory: whoever creates data.mdb makes the ledger, and
	 * a second init at the same moment finds it taken. */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return cl_error_set(err, CL_E_EXISTS, "%s already holds a ledger", dir);
		return cl_error_set(err, CL_E_IO, "cannot create %s: %s", path, strerror(errno));
	}
	close(fd);
	if ((l = ledger_new()) == NULL || (e = calloc(1, sizeof(*e))) == NULL) {
		cl_ledger_close(l);
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	}
	l->mode = CL_LEDGER_WRITE;
	if ((rc = env_open(l, dir, CL_LEDGER_WRITE, initial_map ? initial_map : INITIAL_MAP, err)))
		goto fail;
	if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn))) {
		rc = store_error(err, rc, "creating the ledger");
		goto fail;
	}
	e->seq = 0;
	e->recv_time = recv_time;
	e->rec = *genesis;
	if ((rc = append(l, txn, 0, recv_time, e->prev, NULL, genesis, NULL, true, NULL, hash, err)))
		goto fail;
	{
		struct head h = {0, {0}, true};
		memcpy(h.hash, hash, 32);
		if ((rc = head_put(txn, l, &h, err)))
			goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc) {
		rc = store_error(err, rc, "creating the ledger");
		goto fail;
	}
	free(e);
	cl_ledger_close(l);
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	free(e);
	cl_ledger_close(l);
	/* Nothing was acknowledged: leave no half-made ledger behind (this
	 * process created data.mdb; lock.mdb may be shared, so it stays). */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	return rc;
}

/* ---- the checks of SPEC §4 ----------------------------------------------- */

/* Marks res rejected with a message; returns 0 (the group goes on). */
__attribute__((format(printf, 3, 4))) static int reject(struct cl_result *res, int code, const char *fmt, ...)
{
	va_list ap;
	res->outcome = CL_REJECTED;
	res->error.code = code;
	va_start(ap, fmt);
	vsnprintf(res->error.msg, sizeof(res->error.msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* Adds a business-rule warning (the record is still appended). */
__attribute__((format(printf, 2, 3))) static void warn(struct cl_result *res, const char *fmt, ...)
{
	va_list ap;
	if (res->n_warnings >= CL_MAX_WARNINGS)
		return;
	res->warnings[res->n_warnings].code = 0;
	va_start(ap, fmt);
	vsnprintf(res->warnings[res->n_warnings].msg, sizeof(res->warnings[0].msg), fmt, ap);
	va_end(ap);
	res->n_warnings++;
}

/* The roles a party's latest registration (a party record, or the
 * genesis for the authority) gives it. */
static uint32_t party_roles(const struct cl_record *p)
{
	return p->type == CL_REC_GENESIS ? 1u << CL_ROLE_AUTHORITY : p->roles;
}

static const uint8_t *party_key(const struct cl_record *p)
{
	return p->key;
}

/* The cache slot for a fact of `kind` from entry seq. */
static struct fact *fact_slot(struct cl_ledger *l, uint32_t kind, uint64_t seq)
{
	if (kind == FACT_PARTY || kind == FACT_CHEMICAL)
		return &l->facts[FACT_SLOTS + seq_slot(seq, REG_FACT_SLOTS)];
	return &l->facts[seq_slot(seq, FACT_SLOTS)];
}

/* Remembers what entry seq, holding r, says as a fact of `kind`. */
static struct fact *fact_fill(struct cl_ledger *l, uint32_t kind, uint64_t seq, const struct cl_record *r)
{
	struct fact *f = fact_slot(l, kind, seq);

	f->seq = seq;
	f->num = 0;
	switch (kind) {
	case FACT_PARTY:
		f->num = party_roles(r);
		memcpy(f->key, party_key(r), 32);
		break;
	case FACT_CHEMICAL:
		f->num = r->measure;
		break;
	case FACT_BATCH:
		scopy(f->a, sizeof(f->a), r->cas);
		break;
	case FACT_SALE:
		f->num = r->type;
		scopy(f->a, sizeof(f->a), r->batch);
		scopy(f->b, sizeof(f->b), r->buyer);
		break;
	}
	f->kind = kind;
	return f;
}

/* The writer learns the facts of what it appends as it appends them: the
 * checks and handoffs naming a sale, the sales of a batch, the records of a
 * new party need no decoding later. */
static void fact_learn(struct cl_ledger *l, uint64_t seq, const struct cl_record *r)
{
	static const uint32_t kinds[CL_REC_TYPE_COUNT] = {
		[CL_REC_GENESIS] = FACT_PARTY, [CL_REC_PARTY] = FACT_PARTY, [CL_REC_CHEMICAL] = FACT_CHEMICAL,
		[CL_REC_BATCH] = FACT_BATCH,   [CL_REC_SALE] = FACT_SALE,
	};
	if (l->facts && r->type < CL_REC_TYPE_COUNT && kinds[r->type] != FACT_NONE)
		fact_fill(l, kinds[r->type], seq, r);
}

/*
 * The fact of `kind` about id, found through `index` (whose value starts
 * with the seq of the entry that says it).  CL_E_NOT_FOUND when the index
 * has no such id.  The returned pointer is valid until the next call.
 */
static int fact_get(struct cl_ledger *l, MDB_txn *txn, uint32_t kind, int index, const char *id,
		    const struct fact **out, struct scratch *s, struct cl_error *err)
{
	struct fact *f;
	uint64_t seq;
	int rc;

	if (index == DB_TRAIL && s->trail) {
		/* Through the writer's cursor: batch_newest and the append that
		 * follow find it already on the batch's page. */
		MDB_val key = sval(id), val;
		if ((rc = index_seq(mdb_cursor_get(s->trail, &key, &val, MDB_SET), &val, id, &seq, err)))
			return rc;
	} else if ((rc = lookup_seq(txn, l->dbi[index], id, &seq, err))) {
		return rc;
	}
	f = fact_slot(l, kind, seq);
	if (f->kind == kind && f->seq == seq) {
		*out = f;
		return 0;
	}
	if ((rc = read_entry(txn, l, seq, &s->b, NULL, err)))
		return rc;
	*out = fact_fill(l, kind, seq, &s->b.rec);
	return 0;
}

/* The measure of chemical `cas`; CL_E_NOT_FOUND if unregistered. */
static int chemical_measure(struct cl_ledger *l, MDB_txn *txn, const char *cas, uint32_t *measure,
			    struct scratch *s, struct cl_error *err)
{
	const struct fact *f;
	int rc = fact_get(l, txn, FACT_CHEMICAL, DB_CHEMICALS, cas, &f, s, err);
	if (rc == 0)
		*measure = f->num;
	return rc;
}

/* Rejects WRONG_MEASURE and returns 1 when r's unit is not of `measure`. */
static int check_measure(struct cl_result *res, const struct cl_record *r, uint32_t measure, const char *cas)
{
	int m = cl_uom_measure((int)r->qty.uom);
	if (m == (int)measure)
		return 0;
	reject(res, CL_E_WRONG_MEASURE, "uom: %s is a %s unit but chemical %s is measured by %s",
	       cl_uom_code((int)r->qty.uom), cl_words_measure[m], cas, cl_words_measure[measure]);
	return 1;
}

/* The batch a record concerns (its own, or its sale's) and the batch's
 * chemical.  Rejects UNKNOWN_REF. */
static int resolve_batch(struct cl_ledger *l, MDB_txn *txn, const struct cl_record *r, struct cl_result *res,
			 char batch[CL_ID_MAX + 1], char cas[17], struct scratch *s, struct cl_error *err)
{
	const struct fact *f;
	int rc;

	if (r->type == CL_REC_CHECK || r->type == CL_REC_HANDOFF) {
		rc = fact_get(l, txn, FACT_SALE, DB_IDS, r->sale, &f, s, err);
		if (rc == CL_E_NOT_FOUND)
			return reject(res, CL_E_UNKNOWN_REF, "sale: no sale \"%s\" in the ledger", r->sale);
		if (rc)
			return rc;
		if (f->num != CL_REC_SALE)
			return reject(res, CL_E_UNKNOWN_REF, "sale: \"%s\" is a %s record, not a sale", r->sale,
				      cl_record_type_name(f->num));
		if (r->type == CL_REC_HANDOFF && strcmp(r->signer, f->b) != 0)
			warn(res, "WRONG_RECEIVER: handoff signed by %s but sale %s was to %s", r->signer, r->sale, f->b);
		scopy(batch, CL_ID_MAX + 1, f->a);
	} else {
		scopy(batch, CL_ID_MAX + 1, r->batch);
	}
	rc = fact_get(l, txn, FACT_BATCH, DB_TRAIL, batch, &f, s, err);
	if (rc == CL_E_NOT_FOUND)
		return reject(res, CL_E_UNKNOWN_REF, "batch: no batch \"%s\" in the ledger", batch);
	if (rc)
		return rc;
	scopy(cas, 17, f->a);
	return 0;
}

/* The hash of batch's newest entry (the next one's batch_prev). */
static int batch_newest(struct cl_ledger *l, MDB_txn *txn, MDB_cursor *cur, const char *batch, uint8_t hash[32],
			struct cl_error *err)
{
	MDB_val key = sval(batch), val;
	struct hash_memo *m;
	uint64_t seq;
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &key, &val, MDB_LAST_DUP);
	if ((rc = index_seq(rc, &val, batch, &seq, err)) == CL_E_NOT_FOUND) /* checked before: a store fault */
		rc = cl_error_set(err, CL_E_STORE, "the trail index lost batch %s", batch);
	if (rc)
		return rc;
	m = &l->hashes[seq_slot(seq, HASH_MEMO_SLOTS)];
	if (m->seq == seq && seq != 0) {
		memcpy(hash, m->hash, 32);
		return 0;
	}
	return read_entry(txn, l, seq, NULL, hash, err);
}

/*
 * Runs every check of SPEC §4 on r inside txn.  Returns 0 with res filled
 * (appended records are written), or a negative store status that aborts
 * the group.
 */
static int check_and_append(struct cl_ledger *l, MDB_txn *txn, const struct cl_record *r,
			    const struct cl_preverified *pv, int64_t now, struct head *head, struct cl_result *res,
			    struct scratch *s, bool *booked, struct cl_error *err)
{
	char batch_buf[CL_ID_MAX + 1], rolebuf[96], cas[17];
	const struct fact *signer;
	const char *batch = NULL;
	uint64_t seq;
	uint8_t batch_prev[32];
	bool has_batch_prev = false;
	uint32_t measure;
	int rc;

	/* Everything but the (large, unused) warning slots. */
	memset(res, 0, offsetof(struct cl_result, warnings));
	if (r->type == CL_REC_GENESIS)
		return reject(res, CL_E_BAD_FIELD, "type: a genesis record is written only by chemledger init");
	if (!cl_record_has(r, "sig"))
		return reject(res, CL_E_BAD_FIELD, "missing field \"sig\" (sign records with chemledger sign)");

	/* Idempotency: the same id with the same content is a duplicate.  The
	 * id is booked for the seq it would get in the same step (one descent
	 * of the ids index instead of two); add_one takes it back if the
	 * record is then rejected. */
	{
		uint8_t want[8];
		MDB_val key = sval(r->id), val = {8, want};
		put_u64(want, head->seq + 1);
		rc = mdb_put(txn, l->dbi[DB_IDS], &key, &val, MDB_NOOVERWRITE);
		if (rc == 0) {
			*booked = true;
			rc = CL_E_NOT_FOUND;
		} else if (rc == MDB_KEYEXIST) {
			if (val.mv_size != 8)
				return cl_error_set(err, CL_E_STORE, "index value for \"%s\" is corrupt", r->id);
			seq = get_u64(val.mv_data);
			rc = 0;
		} else {
			return store_error(err, rc, "writing the ledger");
		}
	}
	if (rc == 0) {
		if ((rc = read_entry(txn, l, seq, &s->a, res->hash, err)))
			return rc;
		if (cl_record_same_content(&s->a.rec, r)) {
			res->outcome = CL_DUPLICATE;
			res->seq = seq;
			return 0;
		}
		memset(res->hash, 0, 32);
		snprintf(rolebuf, sizeof(rolebuf), "%llu", (unsigned long long)seq);
		return reject(res, CL_E_DUPLICATE_ID, "id: \"%s\" is already used by entry %s (a %s record) with other content",
			      r->id, rolebuf, cl_record_type_name(s->a.rec.type));
	} else if (rc != CL_E_NOT_FOUND) {
		return rc;
	}

	/* Signer: registered, signature, not revoked, role. */
	rc = fact_get(l, txn, FACT_PARTY, DB_PARTIES, r->signer, &signer, s, err);
	if (rc == CL_E_NOT_FOUND)
		return reject(res, CL_E_UNKNOWN_SIGNER, "signer: \"%s\" is not a registered party", r->signer);
	if (rc)
		return rc;
	if (pv->done && memcmp(pv->key, signer->key, 32) == 0 ? !pv->valid : !cl_record_verify(r, signer->key))
		return reject(res, CL_E_BAD_SIGNATURE, "sig: does not verify under the key registered for %s", r->signer);
	rc = lookup_seq(txn, l->dbi[DB_REVOKED], r->signer, &seq, err);
	if (rc == 0) {
		snprintf(rolebuf, sizeof(rolebuf), "%llu", (unsigned long long)seq);
		return reject(res, CL_E_REVOKED_SIGNER, "signer: %s was revoked by entry %s", r->signer, rolebuf);
	} else if (rc != CL_E_NOT_FOUND) {
		return rc;
	}
	if (cl_record_roles_needed(r) && !(cl_record_roles_needed(r) & signer->num)) {
		char has[96];
		cl_roles_text(rolebuf, sizeof(rolebuf), cl_record_roles_needed(r));
		cl_roles_text(has, sizeof(has), signer->num);
		res->outcome = CL_REJECTED;
		cl_error_set(&res->error, CL_E_ROLE_NOT_ALLOWED, "signer: %s has roles %s; a %s record needs %s", r->signer,
			     has, cl_record_type_name(r->type), rolebuf);
		return 0;
	}

	/* References and uniqueness, by type. */
	switch (r->type) {
	case CL_REC_CHEMICAL:
		rc = chemical_measure(l, txn, r->cas, &measure, s, err);
		if (rc == 0 && measure != r->measure) {
			res->outcome = CL_REJECTED;
			cl_error_set(&res->error, CL_E_BAD_FIELD,
				     "measure: chemical %s is registered by %s; a chemical's measure never changes", r->cas,
				     cl_words_measure[measure]);
			return 0;
		}
		if (rc && rc != CL_E_NOT_FOUND)
			return rc;
		break;
	case CL_REC_PARTY:
		if (r->roles & (1u << CL_ROLE_AUTHORITY)) {
			/* The authority is fixed at genesis (SPEC §1): no second one. */
			if ((rc = read_entry(txn, l, 0, &s->b, NULL, err)))
				return rc;
			if (strcmp(s->b.rec.authority, r->party) != 0)
				return reject(res, CL_E_ROLE_NOT_ALLOWED,
					      "roles: only %s, the authority fixed at genesis, may hold the authority role",
					      s->b.rec.authority);
		}
		for (uint32_t i = 0; i < r->licences.n; i++) {
			MDB_val key = sval(r->licences.items[i].no), val;
			for (uint32_t j = 0; j < i; j++)
				if (strcmp(r->licences.items[i].no, r->licences.items[j].no) == 0) {
					res->outcome = CL_REJECTED;
					cl_error_set(&res->error, CL_E_BAD_FIELD, "licences[%u].no: \"%s\" is listed twice", i,
						     r->licences.items[i].no);
					return 0;
				}
			rc = mdb_get(txn, l->dbi[DB_LICENCES], &key, &val);
			if (rc == 0 && (val.mv_size != strlen(r->party) || memcmp(val.mv_data, r->party, val.mv_size))) {
				res->outcome = CL_REJECTED;
				cl_error_set(&res->error, CL_E_DUPLICATE_ID,
					     "licences[%u].no: licence \"%s\" already belongs to party %.*s", i,
					     r->licences.items[i].no, (int)val.mv_size, (char *)val.mv_data);
				return 0;
			}
			if (rc && rc != MDB_NOTFOUND)
				return store_error(err, rc, "licence lookup");
		}
		break;
	case CL_REC_REVOKE:
		rc = lookup_seq(txn, l->dbi[DB_PARTIES], r->party, &seq, err);
		if (rc == CL_E_NOT_FOUND)
			return reject(res, CL_E_UNKNOWN_REF, "party: \"%s\" is not a registered party", r->party);
		if (rc)
			return rc;
		if (cl_record_has(r, "licence")) {
			MDB_val key = sval(r->licence), val;
			rc = mdb_get(txn, l->dbi[DB_LICENCES], &key, &val);
			if (rc == MDB_NOTFOUND ||
			    (rc == 0 && (val.mv_size != strlen(r->party) || memcmp(val.mv_data, r->party, val.mv_size))))
				return reject(res, CL_E_UNKNOWN_REF, "licence: \"%s\" is not a licence of party %s", r->licence, r->party);
			if (rc)
				return store_error(err, rc, "licence lookup");
		}
		break;
	case CL_REC_BATCH:
		rc = chemical_measure(l, txn, r->cas, &measure, s, err);
		if (rc == CL_E_NOT_FOUND)
			return reject(res, CL_E_UNKNOWN_REF, "cas: chemical %s is not registered in the ledger", r->cas);
		if (rc)
			return rc;
		if (check_measure(res, r, measure, r->cas))
			return 0;
		rc = lookup_seq(txn, l->dbi[DB_TRAIL], r->batch, &seq, err);
		if (rc == 0) {
			snprintf(rolebuf, sizeof(rolebuf), "%llu", (unsigned long long)seq);
			return reject(res, CL_E_DUPLICATE_ID, "batch: batch \"%s\" already exists (entry %s)", r->batch, rolebuf);
		}
		if (rc != CL_E_NOT_FOUND)
			return rc;
		if (cl_record_has(r, "label")) {
			MDB_val key = sval(r->label), val;
			rc = mdb_get(txn, l->dbi[DB_LABELS], &key, &val);
			if (rc == 0)
				return reject(res, CL_E_DUPLICATE_ID, "label: \"%s\" is already the label of another batch", r->label);
			if (rc != MDB_NOTFOUND)
				return store_error(err, rc, "label lookup");
		}
		batch = r->batch;
		break;
	case CL_REC_SALE:
	case CL_REC_CHECK:
	case CL_REC_HANDOFF:
	case CL_REC_LOSS:
		rc = resolve_batch(l, txn, r, res, batch_buf, cas, s, err);
		if (rc || res->outcome == CL_REJECTED)
			return rc;
		batch = batch_buf;
		if (r->type == CL_REC_SALE) {
			const char *who[2] = {r->buyer, cl_record_has(r, "carrier") ? r->carrier : NULL};
			const char *what[2] = {"buyer", "carrier"};
			for (int i = 0; i < 2; i++) {
				if (!who[i])
					continue;
				rc = lookup_seq(txn, l->dbi[DB_PARTIES], who[i], &seq, err);
				if (rc == CL_E_NOT_FOUND)
					return reject(res, CL_E_UNKNOWN_REF, "%s: \"%s\" is not a registered party", what[i], who[i]);
				if (rc)
					return rc;
			}
		}
		{
			rc = chemical_measure(l, txn, cas, &measure, s, err);
			if (rc)
				return rc == CL_E_NOT_FOUND ? cl_error_set(err, CL_E_STORE, "batch %s names unknown chemical %s",
									    batch, cas)
							    : rc;
			if (check_measure(res, r, measure, cas))
				return 0;
		}
		if (r->type == CL_REC_SALE) {
			MDB_val key = sval(r->buyer_licence), val;
			rc = mdb_get(txn, l->dbi[DB_LICENCES], &key, &val);
			if (rc == MDB_NOTFOUND)
				warn(res, "UNLICENSED_BUYER: buyer_licence \"%s\" names no licence in the ledger", r->buyer_licence);
			else if (rc)
				return store_error(err, rc, "licence lookup");
			else if (val.mv_size != strlen(r->buyer) || memcmp(val.mv_data, r->buyer, val.mv_size))
				warn(res, "UNLICENSED_BUYER: licence \"%s\" is not a licence of buyer %s", r->buyer_licence, r->buyer);
		}
		break;
	default:
		break;
	}

	/* Append. */
	if (batch && r->type != CL_REC_BATCH) {
		if ((rc = batch_newest(l, txn, s->trail, batch, batch_prev, err)))
			return rc;
		has_batch_prev = true;
	}
	if ((rc = append(l, txn, head->seq + 1, now, head->hash, has_batch_prev ? batch_prev : NULL, r, batch, false,
			 s->trail, res->hash, err)))
		return rc;
	head->seq++;
	fact_learn(l, head->seq, r);
	memcpy(head->hash, res->hash, 32);
	head->moved = true;
	res->outcome = CL_APPENDED;
	res->seq = head->seq;
	return 0;
}

static int add_one(struct cl_ledger *l, MDB_txn *txn, const struct cl_record *r, const struct cl_preverified *pv,
		   int64_t now, struct head *head, struct cl_result *res, struct scratch *s, struct cl_error *err)
{
	bool booked = false;
	int rc = check_and_append(l, txn, r, pv, now, head, res, s, &booked, err);
	if (rc == 0 && booked && res->outcome == CL_REJECTED) {
		MDB_val key = sval(r->id);
		if ((rc = mdb_del(txn, l->dbi[DB_IDS], &key, NULL)))
			rc = store_error(err, rc, "writing the ledger");
	}
	return rc;
}

/* Whether the filesystem holding dir has less than 1 MiB left. */
static bool disk_nearly_full(const char *dir)
{
	struct statvfs st;
	return statvfs(dir, &st) == 0 && (unsigned long long)st.f_bavail * st.f_frsize < (1ULL << 20);
}

static int grow_map(struct cl_ledger *l, struct cl_error *err)
{
	MDB_envinfo info;
	int rc;

	pthread_rwlock_wrlock(&l->map_lock);
	mdb_env_info(l->env, &info);
	rc = mdb_env_set_mapsize(l->env, info.me_mapsize * 2);
	pthread_rwlock_unlock(&l->map_lock);
	return rc ? store_error(err, rc, "growing the ledger map") : 0;
}

struct preverify_job {
	struct cl_ledger *l;
	const struct cl_record *recs;
	struct cl_preverified *pv;
	unsigned n;
	atomic_uint *next; /* the next chunk of recs to take, shared */
	struct key_memo *memo;
};

#define PV_CHUNK 16

/* The key registered for signer, through the worker's memo of keys by
 * registration seq.  False when the signer is unknown or unreadable. */
static bool signer_key(struct preverify_job *job, MDB_txn *txn, const char *signer, uint8_t key[32],
		       struct scratch *s)
{
	uint64_t seq;
	struct key_memo *m;

	if (lookup_seq(txn, job->l->dbi[DB_PARTIES], signer, &seq, NULL) != 0)
		return false;
	m = job->memo ? &job->memo[seq_slot(seq, KEY_MEMO_SLOTS)] : NULL;
	if (m && m->tag == seq + 1) {
		memcpy(key, m->key, 32);
		return true;
	}
	if (read_entry(txn, job->l, seq, &s->b, NULL, NULL) != 0)
		return false;
	memcpy(key, party_key(&s->b.rec), 32);
	if (m) {
		m->tag = seq + 1;
		memcpy(m->key, key, 32);
	}
	return true;
}

static size_t pend_hash(const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h;
}

/* t := the registrations among recs[0..n) (empty if none or out of memory). */
static void pend_build(struct pend_table *t, const struct cl_record *recs, unsigned n)
{
	size_t count = 0, cap = 16;

	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	for (unsigned i = 0; i < n; i++)
		count += recs[i].type == CL_REC_PARTY;
	if (count == 0)
		return;
	while (cap < 2 * count)
		cap *= 2;
	if ((t->slots = calloc(cap, sizeof(*t->slots))) == NULL)
		return;
	t->cap = cap;
	for (unsigned i = 0; i < n; i++) {
		const struct cl_record *r = &recs[i];
		size_t k;
		if (r->type != CL_REC_PARTY)
			continue;
		for (k = pend_hash(r->party) & (cap - 1); t->slots[k].used && strcmp(t->slots[k].id, r->party) != 0;
		     k = (k + 1) & (cap - 1))
			;
		t->slots[k].used = true;
		scopy(t->slots[k].id, sizeof(t->slots[k].id), r->party);
		memcpy(t->slots[k].key, r->key, 32);
	}
}

static const uint8_t *pend_get(const struct pend_table *t, const char *id)
{
	if (t->cap == 0)
		return NULL;
	for (size_t k = pend_hash(id) & (t->cap - 1); t->slots[k].used; k = (k + 1) & (t->cap - 1))
		if (strcmp(t->slots[k].id, id) == 0)
			return t->slots[k].key;
	return NULL;
}

/* Worker: takes chunks of recs and checks their signatures under the
 * signers' keys in a read snapshot.  Failures leave pv[i].done false: the
 * writer then checks itself. */
static void *preverify_worker(void *arg)
{
	struct preverify_job *job = arg;
	struct scratch *s = malloc(sizeof(*s));
	const char *last = NULL;
	bool have_key = false;
	uint8_t key[32];
	MDB_txn *txn;

	if (s == NULL)
		return NULL;
	s->trail = NULL;
	if (mdb_txn_begin(job->l->env, NULL, MDB_RDONLY, &txn) != 0) {
		free(s);
		return NULL;
	}
	for (;;) {
		unsigned begin = atomic_fetch_add(job->next, PV_CHUNK), end = begin + PV_CHUNK;
		if (begin >= job->n)
			break;
		if (end > job->n)
			end = job->n;
		for (unsigned i = begin; i < end; i++) {
			const struct cl_record *r = &job->recs[i];
			if (r->type == CL_REC_GENESIS || !cl_record_has(r, "sig"))
				continue;
			/* Records often come in runs from one signer. */
			if (last == NULL || strcmp(last, r->signer) != 0) {
				const uint8_t *pk = pend_get(&job->l->pend[0], r->signer);
				if (pk == NULL)
					pk = pend_get(&job->l->pend[1], r->signer);
				if (pk)
					memcpy(key, pk, 32);
				have_key = pk != NULL || signer_key(job, txn, r->signer, key, s);
				last = r->signer;
			}
			if (!have_key)
				continue;
			memcpy(job->pv[i].key, key, 32);
			job->pv[i].valid = cl_record_verify(r, key);
			job->pv[i].done = true;
		}
	}
	mdb_txn_abort(txn);
	free(s);
	return NULL;
}

/* Checks the group's signatures on all cores before the (single) writer
 * needs them: signature checks are nearly all of a record's cost.  Calls
 * on one ledger take turns (the workers' key memos are the ledger's). */
void cl_ledger_preverify(struct cl_ledger *l, const struct cl_record *recs, unsigned n, struct cl_preverified *pv)
{
	struct preverify_job jobs[PV_MAX_THREADS];
	pthread_t tid[PV_MAX_THREADS];
	bool started[PV_MAX_THREADS] = {false};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned t, nt = cores < 1 ? 1 : cores > PV_MAX_THREADS ? PV_MAX_THREADS : (unsigned)cores;
	atomic_uint next = 0;

	if (n < 2 * PV_CHUNK)
		nt = 1;
	pthread_mutex_lock(&l->pv_lock);
	/* This group's registrations, and the last group's (maybe not yet
	 * committed). */
	free(l->pend[1].slots);
	l->pend[1] = l->pend[0];
	l->pend[0].slots = NULL;
	l->pend[0].cap = 0;
	pend_build(&l->pend[0], recs, n);
	pthread_rwlock_rdlock(&l->map_lock);
	for (t = 0; t < nt; t++) {
		if (l->memo[t] == NULL)
			l->memo[t] = calloc(KEY_MEMO_SLOTS, sizeof(struct key_memo));
		jobs[t] = (struct preverify_job){l, recs, pv, n, &next, l->memo[t]};
		if (t > 0)
			started[t] = pthread_create(&tid[t], NULL, preverify_worker, &jobs[t]) == 0;
	}
	preverify_worker(&jobs[0]);
	for (t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	pthread_rwlock_unlock(&l->map_lock);
	pthread_mutex_unlock(&l->pv_lock);
}

int cl_ledger_submit_group(struct cl_ledger *l, const struct cl_record *recs, unsigned n,
			   const struct cl_preverified *given, int64_t recv_time, struct cl_result *results,
			   struct cl_error *err)
{
	struct scratch *s;
	struct cl_preverified *pv = NULL;
	MDB_txn *txn = NULL;
	int rc = 0;

	if (l->mode != CL_LEDGER_WRITE)
		return cl_error_set(err, CL_E_USAGE, "ledger opened read-only");
	if (l->facts == NULL && (l->facts = calloc(FACT_TOTAL, sizeof(*l->facts))) == NULL)
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	if (l->hashes == NULL && (l->hashes = calloc(HASH_MEMO_SLOTS, sizeof(*l->hashes))) == NULL)
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	if ((s = malloc(sizeof(*s))) != NULL)
		s->trail = NULL;
	if (given == NULL)
		pv = calloc(n ? n : 1, sizeof(*pv));
	if (s == NULL || (given == NULL && pv == NULL)) {
		free(s);
		free(pv);
		return cl_error_set(err, CL_E_NOMEM, "out of memory");
	}
	if (given == NULL) {
		cl_ledger_preverify(l, recs, n, pv);
		given = pv;
	}
	for (int attempt = 0; attempt < 40; attempt++) {
		rc = mdb_txn_begin(l->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) { /* another process grew it */
			pthread_rwlock_wrlock(&l->map_lock);
			mdb_env_set_mapsize(l->env, 0);
			pthread_rwlock_unlock(&l->map_lock);
			rc = mdb_txn_begin(l->env, NULL, 0, &txn);
		}
		if (rc) {
			rc = store_error(err, rc, "starting a write transaction");
			break;
		}
		struct head head = {0, {0}, false};
		rc = head_get(txn, l, &head.seq, head.hash, err);
		s->trail = NULL; /* a cursor lives only as long as its transaction */
		if (rc == 0 && (rc = mdb_cursor_open(txn, l->dbi[DB_TRAIL], &s->trail)))
			rc = store_error(err, rc, "opening a cursor");
		for (unsigned i = 0; i < n && rc == 0; i++)
			rc = add_one(l, txn, &recs[i], &given[i], recv_time, &head, &results[i], s, err);
		if (rc == 0 && head.moved)
			rc = head_put(txn, l, &head, err);
		if (rc == 0 && !head.moved) {
			/* Nothing appended (rejections and duplicates keep nothing, and
			 * ids booked for rejected records were taken back): leave the
			 * file as it was, not even a new meta page. */
			mdb_txn_abort(txn);
			txn = NULL;
		} else if (rc == 0) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc == EIO && disk_nearly_full(l->dir))
				rc = ENOSPC; /* LMDB reports a short write as EIO */
			if (rc)
				rc = store_error(err, rc, "committing");
		} else {
			mdb_txn_abort(txn);
			txn = NULL;
		}
		if (rc) {
			/* What this transaction wrote is gone, and so is what was learnt from it. */
			memset(l->facts, 0, FACT_TOTAL * sizeof(*l->facts));
			memset(l->hashes, 0, HASH_MEMO_SLOTS * sizeof(*l->hashes));
		}
		if (rc != CL_E_MAP_FULL)
			break;
		/* Nothing of this group was kept: grow the map and do it all again. */
		if ((rc = grow_map(l, err)))
			break;
		rc = CL_E_MAP_FULL;
	}
	free(s);
	free(pv);
	return rc;
}

/* ---- queries ------------------------------------------------------------- */

static int read_txn(struct cl_ledger *l, MDB_txn **txn, struct cl_error *err)
{
	int rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(l->env, 0);
		rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
	}
	return rc ? store_error(err, rc, "starting a read transaction") : 0;
}

int cl_ledger_head(struct cl_ledger *l, uint64_t *seq, uint8_t hash[32], struct cl_error *err)
{
	MDB_txn *txn;
	int rc = read_txn(l, &txn, err);
	if (rc)
		return rc;
	rc = head_get(txn, l, seq, hash, err);
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_get(struct cl_ledger *l, uint64_t seq, struct cl_entry *out, uint8_t hash[32], struct cl_error *err)
{
	MDB_txn *txn;
	int rc = read_txn(l, &txn, err);
	if (rc)
		return rc;
	rc = read_entry(txn, l, seq, out, hash, err);
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_find_id(struct cl_ledger *l, const char *id, uint64_t *seq, struct cl_error *err)
{
	MDB_txn *txn;
	int rc = read_txn(l, &txn, err);
	if (rc)
		return rc;
	rc = lookup_seq(txn, l->dbi[DB_IDS], id, seq, err);
	if (rc == CL_E_NOT_FOUND)
		cl_error_set(err, rc, "no record with id \"%s\"", id);
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_chemical(struct cl_ledger *l, const char *cas, struct cl_entry *out, struct cl_error *err)
{
	MDB_txn *txn;
	uint64_t seq;
	int rc = read_txn(l, &txn, err);
	if (rc)
		return rc;
	rc = lookup_seq(txn, l->dbi[DB_CHEMICALS], cas, &seq, err);
	if (rc == CL_E_NOT_FOUND)
		cl_error_set(err, rc, "chemical %s is not registered", cas);
	else if (rc == 0)
		rc = read_entry(txn, l, seq, out, NULL, err);
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_find_label(struct cl_ledger *l, const char *label, char *out, struct cl_error *err)
{
	MDB_txn *txn;
	MDB_val key = sval(label), val;
	int rc = read_txn(l, &txn, err);
	if (rc)
		return rc;
	rc = key.mv_size == 0 || key.mv_size > 511 ? MDB_NOTFOUND : mdb_get(txn, l->dbi[DB_LABELS], &key, &val);
	if (rc == 0 && val.mv_size <= CL_ID_MAX) {
		memcpy(out, val.mv_data, val.mv_size);
		out[val.mv_size] = '\0';
	} else if (rc == MDB_NOTFOUND) {
		rc = cl_error_set(err, CL_E_NOT_FOUND, "no batch has the label \"%s\"", label);
	} else {
		rc = store_error(err, rc ? rc : MDB_CORRUPTED, "label lookup");
	}
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_scan(struct cl_ledger *l, uint64_t from, uint64_t to, cl_ledger_scan_fn fn, void *ctx,
		   struct cl_error *err)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	uint8_t k[8];
	MDB_val key = {8, k}, val;
	int rc = read_txn(l, &txn, err);

	if (rc)
		return rc;
	if ((rc = mdb_cursor_open(txn, l->dbi[DB_ENTRIES], &cur))) {
		rc = store_error(err, rc, "opening a cursor");
		goto done;
	}
	put_u64(k, from);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		uint64_t seq;
		if (key.mv_size != 8) {
			rc = cl_error_set(err, CL_E_STORE, "entries database has a malformed key");
			goto done;
		}
		seq = get_u64(key.mv_data);
		if (seq > to)
			break;
		if ((rc = fn(seq, val.mv_data, val.mv_size, ctx)))
			goto done;
	}
	rc = (rc == MDB_NOTFOUND || rc == 0) ? 0 : store_error(err, rc, "reading entries");
done:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

int cl_ledger_scan_batch(struct cl_ledger *l, const char *batch, cl_ledger_scan_fn fn, void *ctx,
			 struct cl_error *err)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	size_t bl = strlen(batch);
	MDB_val key = {bl, (void *)(uintptr_t)batch}, val;
	int rc, found = 0;

	if (bl == 0 || bl > CL_ID_MAX) /* LMDB takes no empty key */
		return cl_error_set(err, CL_E_NOT_FOUND, "no batch \"%.64s%s\"", batch, bl > CL_ID_MAX ? "..." : "");
	if ((rc = read_txn(l, &txn, err)))
		return rc;
	if ((rc = mdb_cursor_open(txn, l->dbi[DB_TRAIL], &cur))) {
		rc = store_error(err, rc, "opening a cursor");
		goto done;
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET); rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP)) {
		uint8_t ek[8];
		MDB_val ekey = {8, ek}, eval;
		if (val.mv_size != 8) {
			rc = cl_error_set(err, CL_E_STORE, "trail index for %s is corrupt", batch);
			goto done;
		}
		memcpy(ek, val.mv_data, 8);
		if ((rc = mdb_get(txn, l->dbi[DB_ENTRIES], &ekey, &eval))) {
			rc = store_error(err, rc, "reading a batch entry");
			goto done;
		}
		found = 1;
		if ((rc = fn(get_u64(ek), eval.mv_data, eval.mv_size, ctx)))
			goto done;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = store_error(err, rc, "reading the batch index");
		goto done;
	}
	rc = found ? 0 : cl_error_set(err, CL_E_NOT_FOUND, "no batch \"%s\" in the ledger", batch);
done:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}
