/*
 * gen - writes a realistic synthetic ledger input of any size for `make
 * bench`: the demo world (fixtures/world) scaled up, every record signed.
 *
 *   gen N OUT.jsonl AUTHORITY.pub [SEED]
 *
 * OUT.jsonl gets exactly N signed JSON Lines, valid input for `chemledger
 * submit` on a ledger created with
 *   chemledger init --authority MPS-NCC --authority-key "$(cat AUTHORITY.pub)"
 *                   --time 2024-01-01T00:00:00Z
 * that appends every line and that chemverify finds clean (no error or
 * alert).  AUTHORITY.pub gets the authority's base64 public key.  stdout
 * gets one JSON object summarising what was written (counts by type,
 * parties, batches, the 100-entry batches BENCH-100-1 .. BENCH-100-K).
 *
 * The world: the 14 real chemicals of the demo, N/300 parties (at least 40):
 * producers, importers, distributors, carriers, inspectors and end users,
 * each with its role's licences valid over the whole span (a few end users'
 * category-1 buy licences carry a limit that is never crossed).  Then trade:
 * batches of about 20 records each (production or import, sales producer ->
 * distributor -> [distributor ->] end user, a transport check on about one
 * sale in four, every sale received by its buyer within the chemical's
 * tolerance, consumption and the odd destroyed or lost drum), about 200
 * batches open at once and their records interleaved, times increasing over
 * one year.  No holder ever sells or loses more than it holds.  K = max(5,
 * N/20000) batches have exactly 100 entries, for the trail latency figures.
 * Every batch is complete when the output ends (no open sale).
 *
 * Deterministic: the same N and SEED give byte-identical output.  Keys are
 * derived, not random: party i's private key is BLAKE2b-256("chemledger-bench/
 * party" || i), the authority's is i = 0.  BENCH DATA ONLY: anyone can
 * derive these keys.
 *
 * Signing (N Ed25519 signatures) runs on all online cores, in chunks, with
 * the same cl_record_parse_json + cl_record_sign as `chemledger sign`; the
 * output line is the unsigned line with its "sig" added.
 *
 * Exit status: 0 done, 2 usage, I/O or internal error (a generated line that
 * does not parse is a bug of this program and stops it).
 */
#include <blake2.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl_crypto.h"
#include "cl_record.h"
#include "cl_text.h"

#define LINE_CAP 2048     /* one generated line, sig included (the longest, a party, is < 1 KiB) */
#define CHUNK 16384       /* records generated, then signed in parallel, then written */
#define MAX_THREADS 64
#define MAX_HOLDERS 96    /* holders of one batch: a 100-entry batch has at most ~35 sales */
#define MAX_PENDING 48    /* sales of one batch not yet received */
#define BENCH_ENTRIES 100 /* entries of each BENCH-100-k batch */
#define AUTHORITY "MPS-NCC"

/* 2024-01-01T00:00:00Z: the genesis time run.sh gives `chemledger init`. */
#define T_GENESIS 1704067200LL
#define YEAR 31536000LL

/* ---- errors -------------------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* ---- deterministic randomness (splitmix64) ------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

/* True with probability per/1000. */
static bool chance(unsigned per_mille)
{
	return below(1000) < per_mille;
}

/* Uniform in [lo, hi]. */
static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + below(hi - lo + 1);
}

/* ---- the world ----------------------------------------------------------- */

/* The demo world's chemicals (fixtures/world/scenario.jsonl), with the batch
 * sizes a producer of each really makes, in kg or L. */
struct chemical {
	const char *cas, *name, *code;
	unsigned category, tolerance;
	bool volume;
	unsigned batch_min, batch_max;
	bool labelled;
};

static const struct chemical chemicals[] = {
	{"299-42-3", "Ephedrine 麻黄碱", "EPH", 1, 0, false, 200, 1500, true},
	{"90-82-4", "Pseudoephedrine 伪麻黄碱", "PSE", 1, 0, false, 300, 2000, true},
	{"120-57-0", "Piperonal 胡椒醛", "PIP", 1, 1, false, 1000, 6000, true},
	{"118-92-3", "Anthranilic acid 邻氨基苯甲酸", "ANT", 1, 1, false, 2000, 9000, true},
	{"103-82-2", "Phenylacetic acid 苯乙酸", "PAA", 2, 1, false, 2000, 8000, true},
	{"108-24-7", "Acetic anhydride 醋酸酐", "AA", 2, 5, true, 8000, 24000, true},
	{"67-66-3", "Chloroform 三氯甲烷", "CHL", 2, 8, true, 4000, 12000, true},
	{"60-29-7", "Ethyl ether 乙醚", "EE", 2, 10, true, 3000, 8000, true},
	{"108-88-3", "Toluene 甲苯", "TOL", 3, 5, true, 10000, 40000, true},
	{"67-64-1", "Acetone 丙酮", "ACE", 3, 8, true, 10000, 30000, true},
	{"78-93-3", "Methyl ethyl ketone 甲基乙基酮", "MEK", 3, 6, true, 8000, 20000, true},
	{"7722-64-7", "Potassium permanganate 高锰酸钾", "KMN", 3, 2, false, 5000, 20000, true},
	{"7664-93-9", "Sulfuric acid 硫酸", "SA", 3, 2, false, 20000, 60000, false},
	{"7647-01-0", "Hydrochloric acid 盐酸", "HCL", 3, 3, false, 20000, 50000, false},
};
#define N_CHEMICALS (sizeof(chemicals) / sizeof(chemicals[0]))

enum kind { K_PRODUCER, K_IMPORTER, K_DISTRIBUTOR, K_CARRIER, K_INSPECTOR, K_END_USER, K_COUNT };

/* Per mille of the parties of each kind (end users take the rest). */
static const unsigned kind_share[K_COUNT] = {40, 20, 200, 50, 40, 0};
static const char *const kind_code[K_COUNT] = {"PROD", "IMP", "DIST", "HAZ", "INSP", "USER"};

static const char *const provinces[] = {"NM", "SD", "JS", "SH", "HN", "GD", "ZJ", "BJ", "HB", "SC", "FJ", "AH"};
static const char *const cities[] = {"Hengyang", "Hangzhou", "Changzhou", "Zhuzhou", "Wuxi",    "Jinan",
				     "Guangzhou", "Beijing", "Wuhan",    "Chengdu", "Xiamen", "Hefei"};
static const char *const kind_name[K_COUNT] = {
	"Fine Chemicals Co., Ltd.", "Chemical Import & Export Co., Ltd.", "Chemical Trading Co.",
	"Hazardous Goods Transport Co.", "Public Security Bureau, Narcotics Control Division",
	"Pharmaceutical Works"};
static const char *const user_names[] = {"Pharmaceutical Works", "University School of Chemistry",
					 "People's Hospital, Pathology Department", "Dye Works",
					 "Flavours & Fragrances Co., Ltd.", "Electronics Materials Co.",
					 "Water Treatment Plant", "Paint & Coatings Co., Ltd."};
static const char *const places[] = {
	"G4 Beijing-Hong Kong-Macau Expressway, Hengyang North toll station",
	"G2 Beijing-Shanghai Expressway, Wuxi service area",
	"G60 Shanghai-Kunming Expressway, Hangzhou South toll station",
	"Yangshan Deep-Water Port, customs inspection area 3",
	"G15 Shenyang-Haikou Expressway, Xiamen checkpoint",
	"G42 Shanghai-Chengdu Expressway, Wuhan West service area",
	"G6 Beijing-Lhasa Expressway, Hohhot East toll station",
	"Guangzhou Baiyun district chemical warehouse 12",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct party {
	char id[32];
	enum kind kind;
	EVP_PKEY *key;
	char pub[48];
	char buy[40];       /* buy licence for every category (distributors, end users) */
	char buy_cat1[40];  /* limited end users: the category-1 licence with the limit ... */
	char buy_cat23[40]; /* ... and the one for categories 2 and 3 */
	uint64_t limit;     /* grams: the category-1 limit; 0 none */
	uint64_t bought;    /* grams bought under buy_cat1 */
};

static struct party *parties;  /* [0] is the authority */
static unsigned n_parties;     /* the authority included */
static unsigned *by_kind[K_COUNT];
static unsigned n_by_kind[K_COUNT];

static unsigned pick(enum kind k)
{
	return by_kind[k][below(n_by_kind[k])];
}

/* Private key of party i: BLAKE2b-256("chemledger-bench/party" || i, big-endian u32). */
static EVP_PKEY *derive_key(unsigned i, char pub_b64[48])
{
	static const char label[] = "chemledger-bench/party";
	uint8_t in[sizeof(label) - 1 + 4], seed[32], pub[32];
	struct cl_error err;
	EVP_PKEY *key;

	memcpy(in, label, sizeof(label) - 1);
	in[sizeof(label) - 1] = (uint8_t)(i >> 24);
	in[sizeof(label)] = (uint8_t)(i >> 16);
	in[sizeof(label) + 1] = (uint8_t)(i >> 8);
	in[sizeof(label) + 2] = (uint8_t)i;
	if (blake2b(seed, in, NULL, sizeof(seed), sizeof(in), 0) != 0)
		die("BLAKE2b failed");
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (key == NULL || cl_key_public(key, pub, &err))
		die("cannot make the Ed25519 key of party %u", i);
	cl_base64_encode(pub_b64, pub, 32);
	return key;
}

/* ---- output: records generated into a chunk, signed, written ------------- */

struct slot {
	char line[LINE_CAP];
	size_t len;
	unsigned signer; /* party index */
};

static struct slot *chunk;
static unsigned chunk_n;
static FILE *out_file;
static uint64_t written;
static uint64_t type_count[CL_REC_TYPE_COUNT];
static unsigned n_threads;

struct sign_job {
	unsigned first, step;
	int failed;
	char why[CL_ERROR_MSG_MAX + 64];
};

static void *sign_worker(void *arg)
{
	struct sign_job *job = arg;
	struct cl_record *rec = malloc(sizeof(*rec));
	struct cl_error err;
	char b64[96];

	if (rec == NULL) {
		job->failed = 1;
		snprintf(job->why, sizeof(job->why), "out of memory");
		return NULL;
	}
	for (unsigned i = job->first; i < chunk_n; i += job->step) {
		struct slot *s = &chunk[i];
		if (cl_record_parse_json(rec, s->line, s->len, &err) ||
		    cl_record_sign(rec, parties[s->signer].key, &err)) {
			job->failed = 1;
			snprintf(job->why, sizeof(job->why), "%s: %.*s", err.msg, (int)(s->len < 200 ? s->len : 200),
				 s->line);
			break;
		}
		cl_base64_encode(b64, rec->sig, 64);
		/* The line ends with '}': put the signature last, as `chemledger sign` does. */
		s->len += (size_t)snprintf(s->line + s->len - 1, LINE_CAP - s->len + 1, ",\"sig\":\"%s\"}\n", b64) - 1;
	}
	free(rec);
	return NULL;
}

static void flush_chunk(void)
{
	pthread_t tid[MAX_THREADS];
	struct sign_job jobs[MAX_THREADS];

	for (unsigned t = 0; t < n_threads; t++) {
		jobs[t] = (struct sign_job){.first = t, .step = n_threads};
		if (pthread_create(&tid[t], NULL, sign_worker, &jobs[t]))
			die("cannot start a signing thread");
	}
	for (unsigned t = 0; t < n_threads; t++)
		pthread_join(tid[t], NULL);
	for (unsigned t = 0; t < n_threads; t++)
		if (jobs[t].failed)
			die("generated record does not parse or sign (a bug of gen): %s", jobs[t].why);
	for (unsigned i = 0; i < chunk_n; i++)
		if (fwrite(chunk[i].line, 1, chunk[i].len, out_file) != chunk[i].len)
			die("writing output: %s", strerror(errno));
	written += chunk_n;
	chunk_n = 0;
}

/* Appends one unsigned record (a JSON object, printf-formatted) signed by party `signer`. */
__attribute__((format(printf, 3, 4))) static void emit(enum cl_record_type type, unsigned signer, const char *fmt,
							 ...)
{
	struct slot *s = &chunk[chunk_n];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->line, LINE_CAP - 100, fmt, ap); /* room left for the sig */
	va_end(ap);
	if (n < 0 || n >= LINE_CAP - 100)
		die("generated line too long");
	s->len = (size_t)n;
	s->signer = signer;
	type_count[type]++;
	if (++chunk_n == CHUNK)
		flush_chunk();
}

/* ---- text helpers -------------------------------------------------------- */

static int64_t now_time; /* the time of the record being generated */

/* RFC 3339; half the records in China time (+08:00) as the demo world has them. */
static const char *time_text(char buf[32], int64_t t, bool local)
{
	char z[21];
	if (!local) {
		cl_time_format(buf, t);
		return buf;
	}
	cl_time_format(z, t + 8 * 3600);
	snprintf(buf, 32, "%.19s+08:00", z);
	return buf;
}

/* A base-unit amount in kg or L with 3 decimals. */
static const char *qty_text(char buf[32], uint64_t base)
{
	snprintf(buf, 32, "%" PRIu64 ".%03" PRIu64, base / 1000, base % 1000);
	return buf;
}

/* ---- registrations ------------------------------------------------------- */

static unsigned licence_counter = 10000;

static void licence_no(char out[40], const char *prov, const char *what)
{
	snprintf(out, 40, "%s-%s-2024-%05u", prov, what, licence_counter++);
}

static void register_chemicals(void)
{
	char tb[32];
	for (unsigned c = 0; c < N_CHEMICALS; c++) {
		const struct chemical *ch = &chemicals[c];
		now_time += 300;
		emit(CL_REC_CHEMICAL, 0,
		     "{\"type\":\"chemical\",\"id\":\"chem-%s\",\"time\":\"%s\",\"signer\":\"" AUTHORITY "\",\"cas\":\"%s\","
		     "\"name\":\"%s\",\"category\":%u,\"measure\":\"%s\",\"tolerance_permille\":%u}",
		     ch->cas, time_text(tb, now_time, c % 2), ch->cas, ch->name, ch->category,
		     ch->volume ? "volume" : "mass", ch->tolerance);
	}
}

#define VALID "\"valid_from\":\"2023-01-01T00:00:00+08:00\",\"valid_until\":\"2030-12-31T23:59:59+08:00\""

static void make_parties(unsigned want)
{
	unsigned count[K_COUNT], rest = want, i = 1;

	for (int k = 0; k < K_COUNT - 1; k++) {
		count[k] = want * kind_share[k] / 1000;
		if (count[k] < 2)
			count[k] = 2;
		rest -= count[k];
	}
	count[K_END_USER] = rest;
	n_parties = want + 1;
	parties = xcalloc(n_parties, sizeof(*parties));
	snprintf(parties[0].id, sizeof(parties[0].id), AUTHORITY);
	parties[0].key = derive_key(0, parties[0].pub);
	for (int k = 0; k < K_COUNT; k++) {
		by_kind[k] = xcalloc(count[k], sizeof(unsigned));
		for (unsigned j = 0; j < count[k]; j++, i++) {
			struct party *p = &parties[i];
			p->kind = (enum kind)k;
			snprintf(p->id, sizeof(p->id), "%s-%s-%05u", provinces[i % COUNT(provinces)], kind_code[k], i);
			p->key = derive_key(i, p->pub);
			by_kind[k][n_by_kind[k]++] = i;
		}
	}
}

static void register_party(unsigned i)
{
	struct party *p = &parties[i];
	const char *prov = provinces[i % COUNT(provinces)], *city = cities[i % COUNT(cities)];
	char tb[32], lic[3][40], licences[900], name[160];
	const char *roles;

	licences[0] = '\0';
	switch (p->kind) {
	case K_PRODUCER:
	case K_IMPORTER:
		roles = p->kind == K_PRODUCER ? "\"producer\",\"vendor\"" : "\"importer\",\"vendor\"";
		licence_no(lic[0], prov, p->kind == K_PRODUCER ? "PRD" : "IMP");
		licence_no(lic[1], prov, "SELL");
		snprintf(licences, sizeof(licences),
			 "{\"no\":\"%s\",\"kind\":\"%s\",\"categories\":[1,2,3]," VALID "},"
			 "{\"no\":\"%s\",\"kind\":\"sell\",\"categories\":[1,2,3]," VALID "}",
			 lic[0], p->kind == K_PRODUCER ? "produce" : "import", lic[1]);
		break;
	case K_DISTRIBUTOR:
		roles = "\"vendor\"";
		licence_no(p->buy, prov, "BUY");
		licence_no(lic[1], prov, "SELL");
		snprintf(licences, sizeof(licences),
			 "{\"no\":\"%s\",\"kind\":\"buy\",\"categories\":[1,2,3]," VALID "},"
			 "{\"no\":\"%s\",\"kind\":\"sell\",\"categories\":[1,2,3]," VALID "}",
			 p->buy, lic[1]);
		break;
	case K_CARRIER:
		roles = "\"carrier\"";
		licence_no(lic[0], prov, "TRN");
		snprintf(licences, sizeof(licences),
			 "{\"no\":\"%s\",\"kind\":\"transport\",\"categories\":[1,2,3]," VALID "}", lic[0]);
		break;
	case K_INSPECTOR:
		roles = "\"inspector\"";
		break;
	default:
		roles = "\"end_user\"";
		if (i % 25 == 0) {
			/* A few end users, as in the demo world, may buy only so much of
			 * category 1; the trade below never takes them past it. */
			p->limit = between(20, 80) * 1000 * 1000;
			licence_no(p->buy_cat1, prov, "BUY");
			licence_no(p->buy_cat23, prov, "BUY");
			snprintf(licences, sizeof(licences),
				 "{\"no\":\"%s\",\"kind\":\"buy\",\"categories\":[1]," VALID
				 ",\"limit\":{\"quantity\":\"%" PRIu64 ".000\",\"uom\":\"KGM\"}},"
				 "{\"no\":\"%s\",\"kind\":\"buy\",\"categories\":[2,3]," VALID "}",
				 p->buy_cat1, p->limit / 1000, p->buy_cat23);
		} else {
			licence_no(p->buy, prov, "BUY");
			snprintf(licences, sizeof(licences),
				 "{\"no\":\"%s\",\"kind\":\"buy\",\"categories\":[1,2,3]," VALID "}", p->buy);
		}
		break;
	}
	if (p->kind == K_END_USER)
		snprintf(name, sizeof(name), "%s %s No. %u", city, user_names[i % COUNT(user_names)], i);
	else
		snprintf(name, sizeof(name), "%s %s No. %u", city, kind_name[p->kind], i);
	now_time += 120;
	emit(CL_REC_PARTY, 0,
	     "{\"type\":\"party\",\"id\":\"party-%s\",\"time\":\"%s\",\"signer\":\"" AUTHORITY "\",\"party\":\"%s\","
	     "\"name\":\"%s\",\"roles\":[%s],\"key\":\"%s\",\"licences\":[%s]}",
	     p->id, time_text(tb, now_time, i % 2), p->id, name, roles, p->pub, licences);
}

/* ---- trade --------------------------------------------------------------- */

struct holder {
	unsigned party;
	uint64_t qty; /* base units held now */
};

struct pending_sale {
	char id[48];
	unsigned buyer;
	uint64_t sold, received;
	bool want_check;
};

struct batch {
	char id[48];
	unsigned chem;
	unsigned target;    /* entries this batch will have */
	unsigned committed; /* entries emitted or promised (a sale promises its check and handoff) */
	unsigned emitted;
	bool bench;
	unsigned nh, np;
	struct holder h[MAX_HOLDERS];
	struct pending_sale p[MAX_PENDING];
};

static uint64_t record_counter;

static struct holder *holder_of(struct batch *b, unsigned party)
{
	for (unsigned i = 0; i < b->nh; i++)
		if (b->h[i].party == party)
			return &b->h[i];
	if (b->nh == MAX_HOLDERS)
		return NULL;
	b->h[b->nh] = (struct holder){.party = party, .qty = 0};
	return &b->h[b->nh++];
}

static void start_batch(struct batch *b, unsigned target, int bench_no)
{
	const struct chemical *ch;
	unsigned maker;
	bool import = chance(150);
	char tb[32], qb[32], label[128], date[21];
	uint64_t qty;

	memset(b, 0, sizeof(*b));
	b->chem = (unsigned)below(N_CHEMICALS);
	ch = &chemicals[b->chem];
	b->target = target;
	b->bench = bench_no > 0;
	maker = pick(import ? K_IMPORTER : K_PRODUCER);
	cl_time_format(date, now_time);
	if (b->bench)
		snprintf(b->id, sizeof(b->id), "BENCH-100-%d", bench_no);
	else
		snprintf(b->id, sizeof(b->id), "%s-%.2s%.2s%.2s-%06" PRIu64, ch->code, date + 2, date + 5, date + 8,
			 ++record_counter);
	qty = between(ch->batch_min, ch->batch_max) * 1000;
	b->h[0] = (struct holder){.party = maker, .qty = qty};
	b->nh = 1;
	if (ch->labelled)
		snprintf(label, sizeof(label), ",\"label\":\"69%011" PRIu64 "-%s\"", (uint64_t)maker * 1000003u + b->chem,
			 b->id);
	else
		label[0] = '\0';
	emit(CL_REC_BATCH, maker,
	     "{\"type\":\"batch\",\"id\":\"B-%s\",\"time\":\"%s\",\"signer\":\"%s\",\"batch\":\"%s\",\"cas\":\"%s\","
	     "\"quantity\":\"%s\",\"uom\":\"%s\",\"origin\":\"%s\"%s}",
	     b->id, time_text(tb, now_time, true), parties[maker].id, b->id, ch->cas, qty_text(qb, qty),
	     ch->volume ? "LTR" : "KGM", import ? "import" : "production", label);
	b->committed = b->emitted = 1;
}

/* The check or the handoff of pending sale i. */
static void advance_sale(struct batch *b, unsigned i)
{
	struct pending_sale *s = &b->p[i];
	const struct chemical *ch = &chemicals[b->chem];
	const char *uom = ch->volume ? "LTR" : "KGM";
	char tb[32], qb[32];

	if (s->want_check) {
		unsigned insp = pick(K_INSPECTOR);
		s->want_check = false;
		emit(CL_REC_CHECK, insp,
		     "{\"type\":\"check\",\"id\":\"K-%s-%07" PRIu64 "\",\"time\":\"%s\",\"signer\":\"%s\",\"sale\":\"%s\","
		     "\"quantity\":\"%s\",\"uom\":\"%s\",\"location\":\"%s\",\"seal\":\"intact\"%s}",
		     parties[insp].id, ++record_counter, time_text(tb, now_time, false), parties[insp].id, s->id,
		     qty_text(qb, s->sold), uom, places[below(COUNT(places))],
		     chance(500) ? ",\"note\":\"transport permit shown, papers in order\"" : "");
	} else {
		struct holder *h = holder_of(b, s->buyer);
		h->qty += s->received;
		emit(CL_REC_HANDOFF, s->buyer,
		     "{\"type\":\"handoff\",\"id\":\"H-%s-%07" PRIu64 "\",\"time\":\"%s\",\"signer\":\"%s\",\"sale\":\"%s\","
		     "\"quantity\":\"%s\",\"uom\":\"%s\"}",
		     parties[s->buyer].id, ++record_counter, time_text(tb, now_time, true), parties[s->buyer].id, s->id,
		     qty_text(qb, s->received), uom);
		b->p[i] = b->p[--b->np];
	}
	b->emitted++;
}

/* A loss by a holder (end users consume; distributors and producers now and
 * then destroy or lose a drum).  False when nobody holds anything to lose. */
static bool try_loss(struct batch *b)
{
	const struct chemical *ch = &chemicals[b->chem];
	static const char *const trade_reasons[] = {"destroyed", "destroyed", "lost"};
	struct holder *cand[MAX_HOLDERS], *h;
	unsigned nc = 0;
	uint64_t amount;
	char tb[32], qb[32];
	bool user;

	for (unsigned i = 0; i < b->nh; i++)
		if (b->h[i].qty >= 1 && parties[b->h[i].party].kind == K_END_USER)
			cand[nc++] = &b->h[i];
	if (nc == 0 || chance(60)) /* now and then a trader's loss */
		for (unsigned i = 0; i < b->nh; i++)
			if (b->h[i].qty >= 1000 && parties[b->h[i].party].kind != K_END_USER)
				cand[nc++] = &b->h[i];
	if (nc == 0)
		return false;
	h = cand[below(nc)];
	user = parties[h->party].kind == K_END_USER;
	if (user)
		amount = chance(300) ? h->qty : h->qty * between(15, 70) / 100;
	else
		amount = h->qty * between(1, 4) / 100;
	if (amount == 0)
		amount = 1;
	h->qty -= amount;
	emit(CL_REC_LOSS, h->party,
	     "{\"type\":\"loss\",\"id\":\"L-%s-%07" PRIu64 "\",\"time\":\"%s\",\"signer\":\"%s\",\"batch\":\"%s\","
	     "\"quantity\":\"%s\",\"uom\":\"%s\",\"reason\":\"%s\"%s}",
	     parties[h->party].id, ++record_counter, time_text(tb, now_time, false), parties[h->party].id, b->id,
	     qty_text(qb, amount), ch->volume ? "LTR" : "KGM",
	     user ? "consumed" : trade_reasons[below(COUNT(trade_reasons))],
	     user ? "" : ",\"note\":\"damaged drum, witnessed by the warehouse manager\"");
	b->committed++;
	b->emitted++;
	return true;
}

/* A buyer for a sale by `seller` of `sold` grams of category `cat`, and the
 * licence the sale names; UINT32_MAX when the chosen buyer may not take it. */
static unsigned choose_buyer(unsigned seller, unsigned cat, uint64_t sold, bool volume, const char **licence)
{
	enum kind sk = parties[seller].kind;
	bool to_trader = sk == K_DISTRIBUTOR ? chance(150) : chance(850);
	unsigned buyer = pick(to_trader ? K_DISTRIBUTOR : K_END_USER);
	struct party *p = &parties[buyer];

	if (buyer == seller)
		return UINT32_MAX;
	if (p->limit) {
		if (cat != 1) {
			*licence = p->buy_cat23;
		} else {
			if (volume || p->bought + sold > p->limit)
				return UINT32_MAX; /* would cross its limit: another buyer takes it */
			*licence = p->buy_cat1;
		}
	} else {
		*licence = p->buy;
	}
	return buyer;
}

/* A sale from a holder with stock, promising its handoff (and a check when
 * room is left).  False when no holder may sell now. */
static bool try_sale(struct batch *b, unsigned room)
{
	const struct chemical *ch = &chemicals[b->chem];
	struct holder *cand[MAX_HOLDERS], *h;
	struct pending_sale *s;
	const char *licence = NULL;
	unsigned nc = 0, buyer = UINT32_MAX;
	uint64_t sold, short_by = 0;
	char tb[32], qb[32], carrier[200];

	if (b->np == MAX_PENDING)
		return false;
	/* Traders who hold enough sell on; the first holder is picked less
	 * often once a distributor has stock, as goods move down the chain. */
	for (unsigned i = 0; i < b->nh; i++) {
		enum kind k = parties[b->h[i].party].kind;
		if (k != K_END_USER && b->h[i].qty >= 4000) {
			cand[nc++] = &b->h[i];
			if (k == K_DISTRIBUTOR)
				cand[nc++] = &b->h[i];
		}
	}
	if (nc == 0)
		return false;
	h = cand[below(nc)];
	if (parties[h->party].kind == K_DISTRIBUTOR)
		sold = h->qty * between(10, 45) / 100;
	else
		sold = h->qty * between(4, 18) / 100;
	if (sold >= 10000)
		sold -= sold % 1000; /* whole kg or L, as traders sell */
	if (sold == 0)
		return false;
	for (int tries = 0; tries < 8 && buyer == UINT32_MAX; tries++)
		buyer = choose_buyer(h->party, ch->category, sold, ch->volume, &licence);
	if (buyer == UINT32_MAX)
		return false;
	if (parties[buyer].limit && ch->category == 1)
		parties[buyer].bought += sold;
	h->qty -= sold;
	/* Within tolerance: |received - sold| * 1000 <= tolerance * sold. */
	if (ch->tolerance && chance(300))
		short_by = sold * ch->tolerance / 1000 * between(0, 100) / 100;
	s = &b->p[b->np++];
	snprintf(s->id, sizeof(s->id), "S-%s-%07" PRIu64, parties[h->party].id, ++record_counter);
	s->buyer = buyer;
	s->sold = sold;
	s->received = sold - short_by;
	s->want_check = room >= 3 && chance(230);
	if (chance(900)) {
		unsigned c = pick(K_CARRIER);
		snprintf(carrier, sizeof(carrier), ",\"carrier\":\"%s\",\"transport_permit\":\"YS-%06u-2024-%04u\"",
			 parties[c].id, (unsigned)between(110000, 659000), (unsigned)below(10000));
	} else {
		carrier[0] = '\0'; /* collected by the buyer */
	}
	emit(CL_REC_SALE, h->party,
	     "{\"type\":\"sale\",\"id\":\"%s\",\"time\":\"%s\",\"signer\":\"%s\",\"batch\":\"%s\",\"buyer\":\"%s\","
	     "\"quantity\":\"%s\",\"uom\":\"%s\",\"buyer_licence\":\"%s\"%s}",
	     s->id, time_text(tb, now_time, true), parties[h->party].id, b->id, parties[buyer].id, qty_text(qb, sold),
	     ch->volume ? "LTR" : "KGM", licence, carrier);
	b->committed += s->want_check ? 3 : 2;
	b->emitted++;
	return true;
}

/* Emits the batch's next record.  The batch is done when emitted == target. */
static void step_batch(struct batch *b)
{
	unsigned room = b->target - b->committed;

	if (b->np && (room == 0 || chance(450))) {
		advance_sale(b, (unsigned)below(b->np));
		return;
	}
	if (room >= 2 && chance(560) && try_sale(b, room))
		return;
	if (try_loss(b))
		return;
	if (room >= 2 && try_sale(b, room))
		return;
	if (b->np) {
		advance_sale(b, (unsigned)below(b->np));
		return;
	}
	die("batch %s cannot go on (%u of %u entries)", b->id, b->emitted, b->target);
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	uint64_t n, trade, done = 0, promised = 0, next_bench_at, bench_every;
	unsigned n_party_wanted, n_bench, bench_started = 0, bench_done = 0, active_want, nact = 0;
	uint64_t n_batches = 0, dt;
	struct batch **act;
	FILE *pubf;
	char *end;
	long cpus;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: gen N OUT.jsonl AUTHORITY.pub [SEED]\n");
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno || *end || n < 1000 || n > 100000000)
		die("N must be a whole number from 1000 to 100000000, got \"%s\"", argv[1]);
	rng_state = argc == 5 ? strtoull(argv[4], NULL, 10) : 20240101;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	n_threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;

	n_party_wanted = (unsigned)(n / 300 < 40 ? 40 : n / 300);
	n_bench = (unsigned)(n / 20000 < 5 ? 5 : n / 20000);
	if (N_CHEMICALS + n_party_wanted + (uint64_t)n_bench * BENCH_ENTRIES + 100 > n)
		die("N = %" PRIu64 " is too small for the world and its %u 100-entry batches", n, n_bench);
	make_parties(n_party_wanted);
	chunk = xcalloc(CHUNK, sizeof(*chunk));
	out_file = fopen(argv[2], "w");
	if (out_file == NULL)
		die("cannot create %s: %s", argv[2], strerror(errno));
	pubf = fopen(argv[3], "w");
	if (pubf == NULL || fprintf(pubf, "%s\n", parties[0].pub) < 0 || fclose(pubf) != 0)
		die("cannot write %s", argv[3]);

	now_time = T_GENESIS + 86400;
	register_chemicals();
	for (unsigned i = 1; i < n_parties; i++)
		register_party(i);

	/* Trade: `trade` records over one year, about `active_want` batches open
	 * at once.  A new batch gets at most the room left, so that every batch
	 * is complete when the output ends; the 100-entry batches start at even
	 * intervals over the first 60 %. */
	trade = n - N_CHEMICALS - n_party_wanted;
	dt = (uint64_t)YEAR / trade;
	if (dt < 2)
		dt = 2;
	now_time += 86400;
	active_want = (unsigned)(trade / 5000);
	active_want = active_want < 8 ? 8 : active_want > 200 ? 200 : active_want;
	act = xcalloc(active_want + n_bench + 1, sizeof(*act));
	for (unsigned i = 0; i < active_want + n_bench + 1; i++)
		act[i] = xcalloc(1, sizeof(**act));
	bench_every = trade * 6 / 10 / n_bench;
	next_bench_at = bench_every / 2;
	while (done < trade) {
		/* Entries no open batch has claimed, less those kept for the
		 * 100-entry batches not started yet. */
		uint64_t reserved = (uint64_t)(n_bench - bench_started) * BENCH_ENTRIES;
		uint64_t avail = trade - done - promised - reserved;
		struct batch *b;
		unsigned k;

		now_time += (int64_t)between(1, 2 * dt - 1);
		if (bench_started < n_bench && (done >= next_bench_at || avail < 3)) {
			b = act[nact++];
			start_batch(b, BENCH_ENTRIES, (int)++bench_started);
			next_bench_at += bench_every;
		} else if (nact < active_want && avail >= 3) {
			uint64_t t = between(12, 28);
			if (t > avail || avail - t < 3)
				t = avail; /* leave no sliver too small for a batch */
			b = act[nact++];
			start_batch(b, (unsigned)t, 0);
		} else {
			if (nact == 0)
				die("internal: no open batch with %" PRIu64 " records to go", trade - done);
			k = (unsigned)below(nact);
			b = act[k];
			step_batch(b);
			done++;
			promised--;
			if (b->emitted == b->target) {
				if (b->np)
					die("internal: batch %s ended with an open sale", b->id);
				if (b->bench)
					bench_done++;
				act[k] = act[--nact];
				act[nact] = b;
			}
			continue;
		}
		n_batches++;
		done++;
		promised += b->target - 1;
	}
	flush_chunk();
	if (fclose(out_file) != 0)
		die("writing %s: %s", argv[2], strerror(errno));
	if (written != n || nact != 0 || bench_done != n_bench)
		die("internal: wrote %" PRIu64 " of %" PRIu64 " records, %u batches open, %u of %u 100-entry batches "
		    "complete",
		    written, n, nact, bench_done, n_bench);
	printf("{\"records\":%" PRIu64 ",\"parties\":%u,\"batches\":%" PRIu64 ",\"bench_batches\":%u,"
	       "\"bench_entries\":%d,\"threads\":%u,\"types\":{",
	       written, n_party_wanted, n_batches, n_bench, BENCH_ENTRIES, n_threads);
	for (int t = CL_REC_CHEMICAL; t < CL_REC_TYPE_COUNT; t++)
		printf("%s\"%s\":%" PRIu64, t > CL_REC_CHEMICAL ? "," : "", cl_record_type_name((uint32_t)t),
		       type_count[t]);
	printf("}}\n");
	for (unsigned i = 0; i < n_parties; i++)
		EVP_PKEY_free(parties[i].key);
	return 0;
}
