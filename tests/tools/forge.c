/*
 * forge - a TEST utility (never installed) that reads a chemledger export
 * stream and writes a tampered one, to make the integrity fixtures of
 * fixtures/verify/ that the ledger itself would refuse to write.
 *
 *   forge list IN                          pos, seq, type, id, hash, link check
 *   forge dump IN                          the entries as an mdb_dump of the LMDB
 *                                          database `entries` (key: the entry's seq,
 *                                          or its position when it does not decode),
 *                                          for mdb_load: the same chain as a ledger
 *   forge [-r] [-n] [-T] CMD IN OUT ARGS   one change, then write OUT:
 *     drop POS                             delete one entry
 *     swap A B                             exchange two entries
 *     truncate N                           keep the entries at positions < N
 *     edit POS FIELD JSON                  set a record field, keep the old sig
 *     resign POS KEY.pem                   re-sign the record with another key
 *     setprev POS (@POS2|zero|HEX)         prev := hash of entry POS2 / zeros / HEX
 *     setbprev POS (@POS2|zero|nil|HEX)    batch_prev likewise (nil: none)
 *     garble POS (cut|junk|wide)           make the entry undecodable (cut: last
 *                                          byte dropped; junk: 0xc1 bytes) or
 *                                          non-canonical (wide: seq as uint 64)
 *     insert POS FILE.jsonl                insert the signed JSON records before
 *                                          POS (seq POS, POS+1, ...; the entries
 *                                          from POS on are renumbered after them)
 *     rehash                               recompute every link of the chain (-r from 0)
 *   forge [-r] [-n] [-T] splice A B OUT POS   entries 0..POS-1 of A, then POS.. of B
 *   forge flip IN OUT OFFSET [MASK]        byte OFFSET of the file ^= MASK (0x01)
 *   forge chop IN OUT N                    the file without its last N bytes
 *
 * POS is a position in the stream (= seq in an intact stream) or a record id.
 * Options:
 *   -r  relink: recompute prev and batch_prev of every entry from the first
 *       one the command changed on, as an attacker who rewrites the chain
 *       would (signatures are not touched: only record changes break them).
 *       Entries before it and the field the command broke on purpose stay as
 *       they are, so a recipe of several -r steps in chain order keeps every
 *       defect it made.  (rehash relinks the whole chain.)
 *   -n  renumber: seq := position, from the same entry on
 *   -T  write no trailer (a cut stream)
 * The trailer written is always correct for the entries written (count and
 * the hash of the last one) unless -T.
 * Exit status: 0 done, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "cl_export.h"
#include "cl_record.h"
#include "cl_text.h"

struct item {
	uint8_t *raw;   /* the entry bytes as read (or as last encoded) */
	size_t len;
	bool decoded;   /* e holds the decoded entry */
	bool dirty;     /* e changed: re-encode before writing */
	unsigned pinned; /* PIN_*: what was broken on purpose, -r and -n leave it */
	struct cl_entry e;
};

enum { PIN_PREV = 1, PIN_BATCH_PREV = 2, PIN_ALL = 7 };

struct chain {
	struct item *v;
	size_t n, cap;
};

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("forge: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static struct item *chain_add(struct chain *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct item *v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			die("out of memory");
		c->v = v;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	return &c->v[c->n++];
}

static void item_set_raw(struct item *it, const void *bytes, size_t len)
{
	struct cl_error err;
	free(it->raw);
	it->raw = xmalloc(len);
	memcpy(it->raw, bytes, len);
	it->len = len;
	it->decoded = cl_entry_decode(&it->e, bytes, len, &err) == 0;
	it->dirty = false;
}

/* Reads a whole export stream.  Tolerates a missing trailer (a cut stream
 * can be read back in); stops at the first malformed frame. */
static void chain_read(struct chain *c, const char *path)
{
	struct cl_export_reader r;
	struct cl_error err;
	const uint8_t *bytes;
	size_t len;
	int rc;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (cl_export_reader_init(&r, f, &err))
		die("%s: %s", path, err.msg);
	while ((rc = cl_export_reader_next(&r, &bytes, &len, &err)) == 1)
		item_set_raw(chain_add(c), bytes, len);
	if (rc < 0)
		fprintf(stderr, "forge: warning: %s: %s (read %zu entries)\n", path, err.msg, c->n);
	cl_export_reader_free(&r);
	fclose(f);
}

static void item_encode(struct item *it)
{
	msgpack_sbuffer sb;
	if (!it->dirty)
		return;
	msgpack_sbuffer_init(&sb);
	if (cl_entry_encode(&it->e, &sb))
		die("out of memory");
	free(it->raw);
	it->raw = xmalloc(sb.size);
	memcpy(it->raw, sb.data, sb.size);
	it->len = sb.size;
	msgpack_sbuffer_destroy(&sb);
	it->dirty = false;
}

static void item_hash(struct item *it, uint8_t out[32])
{
	item_encode(it);
	cl_hash_entry(it->raw, it->len, out);
}

/* ---- what an entry concerns (docs/FORMAT.md §2) ---------------------------- */

struct names {
	char (*key)[CL_ID_MAX + 1];
	char (*val)[CL_ID_MAX + 1];
	uint8_t (*hash)[32];
	size_t n, cap;
};

static long names_find(const struct names *m, const char *key)
{
	for (size_t i = m->n; i-- > 0;)
		if (strcmp(m->key[i], key) == 0)
			return (long)i;
	return -1;
}

static size_t names_put(struct names *m, const char *key)
{
	long i = names_find(m, key);
	if (i >= 0)
		return (size_t)i;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->key = realloc(m->key, m->cap * sizeof(*m->key));
		m->val = realloc(m->val, m->cap * sizeof(*m->val));
		m->hash = realloc(m->hash, m->cap * sizeof(*m->hash));
		if (!m->key || !m->val || !m->hash)
			die("out of memory");
	}
	snprintf(m->key[m->n], sizeof(m->key[0]), "%s", key);
	m->val[m->n][0] = '\0';
	memset(m->hash[m->n], 0, 32);
	return m->n++;
}

static void names_free(struct names *m)
{
	free(m->key);
	free(m->val);
	free(m->hash);
	memset(m, 0, sizeof(*m));
}

/* The batch entry `it` concerns, given the sales seen before it (sales:
 * sale id -> batch), or NULL.  A check or handoff of a sale not seen before
 * concerns no batch. */
static const char *concerns(const struct item *it, const struct names *sales)
{
	const struct cl_record *r = &it->e.rec;
	long i;
	if (!it->decoded)
		return NULL;
	switch (r->type) {
	case CL_REC_BATCH:
	case CL_REC_SALE:
	case CL_REC_LOSS: return r->batch;
	case CL_REC_CHECK:
	case CL_REC_HANDOFF:
		i = names_find(sales, r->sale);
		return i >= 0 ? sales->val[i] : NULL;
	default: return NULL;
	}
}

/* -r and -n over the entries at positions >= from (all are hashed, in order,
 * to know the links). */
static void chain_fix(struct chain *c, bool relink, bool renumber, size_t from)
{
	struct names sales = {0}, batches = {0};
	uint8_t prev[32] = {0};

	for (size_t i = 0; i < c->n; i++) {
		struct item *it = &c->v[i];
		const char *b = concerns(it, &sales);
		long bi = b ? names_find(&batches, b) : -1;

		if (i >= from && it->decoded && it->pinned != PIN_ALL) {
			if (renumber && it->e.seq != i) {
				it->e.seq = i;
				it->dirty = true;
			}
			if (relink) {
				bool want_bp = b && it->e.rec.type != CL_REC_BATCH && bi >= 0;
				if (!(it->pinned & PIN_PREV) && memcmp(it->e.prev, prev, 32) != 0) {
					memcpy(it->e.prev, prev, 32);
					it->dirty = true;
				}
				if (!(it->pinned & PIN_BATCH_PREV) &&
				    (it->e.has_batch_prev != want_bp ||
				     (want_bp && memcmp(it->e.batch_prev, batches.hash[bi], 32) != 0))) {
					it->e.has_batch_prev = want_bp;
					if (want_bp)
						memcpy(it->e.batch_prev, batches.hash[bi], 32);
					else
						memset(it->e.batch_prev, 0, 32);
					it->dirty = true;
				}
			}
		}
		item_hash(it, prev);
		/* (names_put may move the arrays: index first, then use) */
		if (b) {
			size_t k = names_put(&batches, b);
			memcpy(batches.hash[k], prev, 32);
		}
		if (it->decoded && it->e.rec.type == CL_REC_SALE && names_find(&sales, it->e.rec.id) < 0) {
			size_t k = names_put(&sales, it->e.rec.id);
			snprintf(sales.val[k], CL_ID_MAX + 1, "%s", it->e.rec.batch);
		}
	}
	names_free(&sales);
	names_free(&batches);
}

static void chain_write(struct chain *c, const char *path, bool trailer)
{
	struct cl_error err;
	uint8_t head[32] = {0};
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (cl_export_write_magic(f, &err))
		die("%s: %s", path, err.msg);
	for (size_t i = 0; i < c->n; i++) {
		item_hash(&c->v[i], head);
		if (cl_export_write_entry(f, c->v[i].raw, c->v[i].len, &err))
			die("%s: %s", path, err.msg);
	}
	if (trailer && cl_export_write_trailer(f, c->n, head, &err))
		die("%s: %s", path, err.msg);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

static void chain_free(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].raw);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- arguments ------------------------------------------------------------ */

static unsigned long long number(const char *s)
{
	char *end;
	unsigned long long v;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("bad number %s", s);
	return v;
}

/* A position: digits, or the id of a decodable entry. */
static size_t position(const struct chain *c, const char *s, bool allow_end)
{
	unsigned long long v;
	if (s[0] >= '0' && s[0] <= '9') {
		v = number(s);
		if (v > c->n || (v == c->n && !allow_end))
			die("position %s is past the end (%zu entries)", s, c->n);
		return (size_t)v;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].decoded && strcmp(c->v[i].e.rec.id, s) == 0)
			return i;
	die("no entry with id %s", s);
}

/* @POS, zero, or 64 hex digits. */
static void hash_arg(struct chain *c, const char *s, uint8_t out[32])
{
	if (s[0] == '@')
		item_hash(&c->v[position(c, s + 1, false)], out);
	else if (strcmp(s, "zero") == 0)
		memset(out, 0, 32);
	else if (!cl_hex_decode_exact(out, 32, s, strlen(s)))
		die("bad hash %s (want @POS, zero or 64 hex digits)", s);
}

static struct item *decoded_at(struct chain *c, size_t pos)
{
	if (!c->v[pos].decoded)
		die("entry at position %zu does not decode", pos);
	return &c->v[pos];
}

/* ---- commands ------------------------------------------------------------- */

static int cmd_list(const char *in)
{
	struct chain c = {0};
	uint8_t prev[32] = {0}, h[32];
	char hex[65];

	chain_read(&c, in);
	for (size_t i = 0; i < c.n; i++) {
		struct item *it = &c.v[i];
		cl_hash_entry(it->raw, it->len, h);
		cl_hex_encode(hex, h, 32);
		if (it->decoded)
			printf("%zu\t%llu\t%s\t%s\t%s\t%s\n", i, (unsigned long long)it->e.seq,
			       cl_record_type_name(it->e.rec.type), it->e.rec.id, hex,
			       memcmp(it->e.prev, prev, 32) == 0 ? "linked" : "BROKEN");
		else
			printf("%zu\t-\t-\t-\t%s\tMALFORMED\n", i, hex);
		memcpy(prev, h, 32);
	}
	chain_free(&c);
	return 0;
}

static void hex_line(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	putchar(' ');
	for (size_t i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 15]);
	}
	putchar('\n');
}

static int cmd_dump(const char *in)
{
	struct chain c = {0};

	chain_read(&c, in);
	printf("VERSION=3\nformat=bytevalue\ndatabase=entries\ntype=btree\nHEADER=END\n");
	for (size_t i = 0; i < c.n; i++) {
		uint64_t seq = c.v[i].decoded ? c.v[i].e.seq : i;
		uint8_t key[8];
		for (int k = 0; k < 8; k++)
			key[k] = (uint8_t)(seq >> (56 - 8 * k));
		hex_line(key, 8);
		hex_line(c.v[i].raw, c.v[i].len);
	}
	printf("DATA=END\n");
	chain_free(&c);
	return fflush(stdout) == 0 ? 0 : 2;
}

static void edit_field(struct item *it, const char *field, const char *value)
{
	struct cl_error err;
	struct cl_record rec;
	json_error_t je;
	json_t *j = cl_record_to_json(&it->e.rec), *v;
	char *s;

	if (j == NULL)
		die("out of memory");
	v = json_loads(value, JSON_DECODE_ANY, &je);
	if (v == NULL)
		v = json_string(value); /* a bare word: a string */
	if (v == NULL || json_object_set_new(j, field, v))
		die("cannot set %s", field);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		die("out of memory");
	if (cl_record_parse_json(&rec, s, strlen(s), &err))
		die("edited record does not parse: %s: %s", err.msg, s);
	free(s);
	memcpy(rec.sig, it->e.rec.sig, 64); /* the old signature stays */
	it->e.rec = rec;
	it->dirty = true;
}

static void resign(struct item *it, const char *keyfile)
{
	struct cl_error err;
	EVP_PKEY *key = NULL;
	if (cl_key_load(&key, keyfile, &err) || cl_record_sign(&it->e.rec, key, &err))
		die("%s: %s", keyfile, err.msg);
	EVP_PKEY_free(key);
	it->dirty = true;
}

static void garble(struct item *it, const char *mode)
{
	if (strcmp(mode, "cut") == 0) {
		it->len--;
	} else if (strcmp(mode, "junk") == 0) {
		memset(it->raw, 0xc1, it->len); /* 0xc1: never used in msgpack */
	} else if (strcmp(mode, "wide") == 0) {
		/* seq as uint 64 (0xcf + 8 bytes) instead of its shortest form: the
		 * entry starts 0x96 (array of 6), 0x01 (version), then seq */
		uint8_t *raw;
		if (!it->decoded || it->e.seq > 127)
			die("garble wide: needs a decodable entry with seq < 128");
		raw = xmalloc(it->len + 8);
		raw[0] = it->raw[0];
		raw[1] = it->raw[1];
		raw[2] = 0xcf;
		for (int i = 0; i < 8; i++)
			raw[3 + i] = (uint8_t)(it->e.seq >> (56 - 8 * i));
		memcpy(raw + 11, it->raw + 3, it->len - 3);
		free(it->raw);
		it->raw = raw;
		it->len += 8;
	} else {
		die("garble: mode %s (want cut, junk or wide)", mode);
	}
	it->decoded = false; /* keep these bytes as they are */
	it->dirty = false;
	it->pinned = PIN_ALL;
}

static void insert_file(struct chain *c, size_t pos, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct chain add = {0};
	int64_t recv = pos > 0 && c->v[pos - 1].decoded ? c->v[pos - 1].e.recv_time : 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) > 0) {
		struct cl_error err;
		struct item *it;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		it = chain_add(&add);
		if (cl_record_parse_json(&it->e.rec, line, (size_t)n, &err))
			die("%s: %s", path, err.msg);
		if (!cl_record_has(&it->e.rec, "sig"))
			die("%s: record %s is not signed", path, it->e.rec.id);
		it->e.recv_time = recv;
		it->decoded = it->dirty = true;
	}
	free(line);
	fclose(f);
	/* Make room, move the tail, renumber it. */
	size_t old = c->n;
	for (size_t i = 0; i < add.n; i++)
		chain_add(c);
	memmove(&c->v[pos + add.n], &c->v[pos], (old - pos) * sizeof(c->v[0]));
	for (size_t i = 0; i < add.n; i++) {
		c->v[pos + i] = add.v[i];
		c->v[pos + i].e.seq = pos + i;
	}
	for (size_t i = pos + add.n; i < c->n; i++)
		if (c->v[i].decoded) {
			c->v[i].e.seq += add.n;
			c->v[i].dirty = true;
		}
	free(add.v);
}

static int usage(void)
{
	fputs("usage: forge (list|dump) IN\n"
	      "       forge [-r] [-n] [-T] (drop|swap|truncate|edit|resign|setprev|setbprev|garble|insert|rehash)"
	      " IN OUT ARGS...\n"
	      "       forge [-r] [-n] [-T] splice A B OUT POS\n"
	      "       forge flip IN OUT OFFSET [MASK]\n"
	      "       forge chop IN OUT N\n"
	      "(see the comment at the top of tests/tools/forge.c)\n",
	      stderr);
	return 2;
}

/* The whole file at path; *size set.  Dies on error. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("%s: %s", path, strerror(errno));
	buf = xmalloc((size_t)n);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("%s: short read", path);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void spill(const char *path, const uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, size, f) != size || fclose(f))
		die("%s: %s", path, strerror(errno));
}

/* flip IN OUT OFFSET [MASK] and chop IN OUT N: byte-level, on any file. */
static int cmd_bytes(const char *cmd, int argc, char **argv)
{
	size_t size;
	uint8_t *buf;
	unsigned long long v, mask = 1;

	if (argc != 3 && !(argc == 4 && strcmp(cmd, "flip") == 0))
		return usage();
	v = number(argv[2]);
	if (argc == 4 && ((mask = number(argv[3])) == 0 || mask > 255))
		die("bad mask %s (1..255)", argv[3]);
	buf = slurp(argv[0], &size);
	if (strcmp(cmd, "flip") == 0) {
		if (v >= size)
			die("offset %llu is past the end (%zu bytes)", v, size);
		buf[v] ^= (uint8_t)mask;
	} else {
		if (v > size)
			die("cannot chop %llu bytes of %zu", v, size);
		size -= (size_t)v;
	}
	spill(argv[1], buf, size);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	bool relink = false, renumber = false, trailer = true;
	size_t from = 0; /* the first position the command changed */
	struct chain c = {0};
	const char *cmd, *out;
	int a = 1;

	for (; a < argc && argv[a][0] == '-' && argv[a][1]; a++) {
		for (const char *o = argv[a] + 1; *o; o++) {
			if (*o == 'r')
				relink = true;
			else if (*o == 'n')
				renumber = true;
			else if (*o == 'T')
				trailer = false;
			else
				return usage();
		}
	}
	if (argc - a < 2)
		return usage();
	cmd = argv[a++];
	if (strcmp(cmd, "list") == 0)
		return argc - a == 1 ? cmd_list(argv[a]) : usage();
	if (strcmp(cmd, "dump") == 0)
		return argc - a == 1 ? cmd_dump(argv[a]) : usage();
	if (strcmp(cmd, "flip") == 0 || strcmp(cmd, "chop") == 0)
		return cmd_bytes(cmd, argc - a, argv + a);
	if (strcmp(cmd, "splice") == 0) {
		struct chain other = {0};
		size_t pos;
		if (argc - a != 4)
			return usage();
		chain_read(&c, argv[a]);
		chain_read(&other, argv[a + 1]);
		out = argv[a + 2];
		pos = position(&c, argv[a + 3], true);
		if (pos > other.n)
			die("splice: position %zu is past the end of %s", pos, argv[a + 1]);
		for (size_t i = pos; i < c.n; i++)
			free(c.v[i].raw);
		c.n = pos;
		for (size_t i = pos; i < other.n; i++) {
			*chain_add(&c) = other.v[i];
			other.v[i].raw = NULL;
		}
		chain_free(&other);
		from = pos;
		goto write;
	}
	if (argc - a < 2)
		return usage();
	chain_read(&c, argv[a]);
	out = argv[a + 1];
	a += 2;
#define NARGS(k)                                                                                                       \
	do {                                                                                                           \
		if (argc - a != (k))                                                                                   \
			return usage();                                                                                \
	} while (0)
	if (strcmp(cmd, "drop") == 0) {
		NARGS(1);
		size_t p = position(&c, argv[a], false);
		free(c.v[p].raw);
		memmove(&c.v[p], &c.v[p + 1], (c.n - p - 1) * sizeof(c.v[0]));
		c.n--;
		from = p;
	} else if (strcmp(cmd, "swap") == 0) {
		NARGS(2);
		size_t p = position(&c, argv[a], false), q = position(&c, argv[a + 1], false);
		struct item t = c.v[p];
		c.v[p] = c.v[q];
		c.v[q] = t;
		from = p < q ? p : q;
	} else if (strcmp(cmd, "truncate") == 0) {
		NARGS(1);
		size_t p = position(&c, argv[a], true);
		for (size_t i = p; i < c.n; i++)
			free(c.v[i].raw);
		c.n = p;
		from = p;
	} else if (strcmp(cmd, "edit") == 0) {
		NARGS(3);
		from = position(&c, argv[a], false);
		edit_field(decoded_at(&c, from), argv[a + 1], argv[a + 2]);
	} else if (strcmp(cmd, "resign") == 0) {
		NARGS(2);
		from = position(&c, argv[a], false);
		resign(decoded_at(&c, from), argv[a + 1]);
	} else if (strcmp(cmd, "setprev") == 0 || strcmp(cmd, "setbprev") == 0) {
		NARGS(2);
		from = position(&c, argv[a], false);
		struct item *it = decoded_at(&c, from);
		if (strcmp(cmd, "setprev") == 0) {
			hash_arg(&c, argv[a + 1], it->e.prev);
			it->pinned |= PIN_PREV;
		} else if (strcmp(argv[a + 1], "nil") == 0) {
			it->e.has_batch_prev = false;
			memset(it->e.batch_prev, 0, 32);
			it->pinned |= PIN_BATCH_PREV;
		} else {
			hash_arg(&c, argv[a + 1], it->e.batch_prev);
			it->e.has_batch_prev = true;
			it->pinned |= PIN_BATCH_PREV;
		}
		it->dirty = true;
	} else if (strcmp(cmd, "garble") == 0) {
		NARGS(2);
		from = position(&c, argv[a], false);
		garble(&c.v[from], argv[a + 1]);
	} else if (strcmp(cmd, "insert") == 0) {
		NARGS(2);
		from = position(&c, argv[a], true);
		insert_file(&c, from, argv[a + 1]);
	} else if (strcmp(cmd, "rehash") == 0) {
		NARGS(0);
		relink = true;
	} else {
		return usage();
	}
write:
	if (relink || renumber)
		chain_fix(&c, relink, renumber, from);
	chain_write(&c, out, trailer);
	chain_free(&c);
	return 0;
}
