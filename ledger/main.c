/*
 * chemledger - the ledger's command line (SPEC §5).  Turns library results
 * into output lines and exit statuses: 0 success, 1 rejected records or
 * nothing found, 2 usage or I/O errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "cl_export.h"
#include "cl_ledger.h"
#include "cl_text.h"

#define GROUP_MAX 4000

static const char usage_text[] =
	"usage: chemledger COMMAND [OPTIONS]\n"
	"\n"
	"An append-only, hash-chained ledger of controlled precursor chemicals.\n"
	"\n"
	"Keys and records:\n"
	"  keygen -o KEY.pem          write a new Ed25519 private key (0600, never overwrites);\n"
	"                             prints the base64 public key\n"
	"  pubkey -k KEY.pem          print the base64 public key of a private key\n"
	"  sign -k KEY.pem [FILE]     add \"sig\" to each JSON record line (schema-checked)\n"
	"\n"
	"The ledger (DIR from -d DIR, --ledger DIR or $CHEMLEDGER_DIR):\n"
	"  init -d DIR --name NAME --authority ID --authority-key PUB [--time T]\n"
	"                             create a ledger whose genesis registers the authority\n"
	"  submit -d DIR [FILE]       append signed JSON records; one result line each\n"
	"  get -d DIR (SEQ | --id ID) one entry as JSON\n"
	"  log -d DIR [--from SEQ] [--to SEQ]\n"
	"                             entries as JSON Lines\n"
	"  head -d DIR                {\"seq\":N,\"hash\":\"...\"} of the newest entry\n"
	"  trail -d DIR (BATCH | --label CODE) [--json]\n"
	"                             a batch's entries with running balances per holder\n"
	"  export -d DIR [-o FILE]    the whole chain as one portable stream\n"
	"\n"
	"Run 'chemledger COMMAND --help' for one command.  Exit status: 0 success,\n"
	"1 rejected records or nothing found, 2 usage or I/O errors.\n"
	"See chemledger(1), README.md and docs/FORMAT.md.\n";

__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("chemledger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int status_of(int code)
{
	return code == CL_E_NOT_FOUND ? 1 : 2;
}

/* ---- options ------------------------------------------------------------- */

struct opts {
	const char *dir, *key, *out, *name, *authority, *authority_key, *time, *id, *label;
	const char *from, *to;
	int json, help;
	int nargs;
	char *args[4];
};

static int parse_opts(int argc, char **argv, const char *cmd, const char *allowed, struct opts *o)
{
	static const struct option longs[] = {
		{"ledger", required_argument, NULL, 'd'},  {"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},  {"name", required_argument, NULL, 'N'},
		{"authority", required_argument, NULL, 'A'}, {"authority-key", required_argument, NULL, 'P'},
		{"time", required_argument, NULL, 'T'},     {"id", required_argument, NULL, 'I'},
		{"label", required_argument, NULL, 'L'},    {"from", required_argument, NULL, 'F'},
		{"to", required_argument, NULL, 'U'},       {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = getenv("CHEMLEDGER_DIR");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:k:o:h", longs, NULL)) != -1) {
		if (c == '?')
			return fail(2, "%s: unknown option %s (see chemledger %s --help)", cmd, argv[optind - 1], cmd);
		if (c == ':')
			return fail(2, "%s: option %s needs a value", cmd, argv[optind - 1]);
		if (c != 'h' && !strchr(allowed, c))
			return fail(2, "%s: option %s does not apply here (see chemledger %s --help)", cmd,
				    argv[optind - 1], cmd);
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'k': o->key = optarg; break;
		case 'o': o->out = optarg; break;
		case 'N': o->name = optarg; break;
		case 'A': o->authority = optarg; break;
		case 'P': o->authority_key = optarg; break;
		case 'T': o->time = optarg; break;
		case 'I': o->id = optarg; break;
		case 'L': o->label = optarg; break;
		case 'F': o->from = optarg; break;
		case 'U': o->to = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': o->help = 1; break;
		}
	}
	for (; optind < argc; optind++) {
		if (o->nargs == 4)
			return fail(2, "%s: too many arguments", cmd);
		o->args[o->nargs++] = argv[optind];
	}
	return 0;
}

static int need_dir(const struct opts *o, const char *cmd)
{
	if (o->dir == NULL || o->dir[0] == '\0')
		return fail(2, "%s: no ledger directory: give -d DIR, --ledger DIR or set CHEMLEDGER_DIR", cmd);
	return 0;
}

static int open_ledger(const struct opts *o, const char *cmd, enum cl_ledger_mode mode, struct cl_ledger **l)
{
	struct cl_error err;
	int rc = need_dir(o, cmd);
	if (rc)
		return rc;
	if ((rc = cl_ledger_open(l, o->dir, mode, &err)))
		return fail(2, "%s: %s", cmd, err.msg);
	return 0;
}

/* The receive time: now, or $CHEMLEDGER_TIME (RFC 3339) for reproducible runs. */
static int receive_time(int64_t *now)
{
	const char *t = getenv("CHEMLEDGER_TIME");
	char why[CL_WHY_MAX];
	if (t && *t) {
		if (!cl_time_parse(t, strlen(t), now, why))
			return fail(2, "CHEMLEDGER_TIME %s", why);
		return 0;
	}
	*now = (int64_t)time(NULL);
	return 0;
}

static int print_json_line(json_t *j)
{
	char *s;
	if (j == NULL)
		return fail(2, "out of memory");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return fail(2, "out of memory");
	puts(s);
	free(s);
	return 0;
}

/* ---- line reader (bounded lines, knows whether more input is ready) ------- */

struct line_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
	uint64_t lineno;
};

static int lr_init(struct line_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = CL_LINE_MAX + 65536;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -1;
}

/* Returns 1 with a line (too_long set when it exceeded CL_LINE_MAX and was
 * skipped), 0 at end of input, -1 on a read error (errno). */
static int lr_next(struct line_reader *r, const char **line, size_t *len, int *too_long)
{
	int skipping = 0;
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl || (r->eof && (r->start < r->end || skipping))) {
			size_t stop = nl ? (size_t)(nl - r->buf) : r->end;
			*line = r->buf + r->start;
			*len = stop - r->start;
			r->start = nl ? stop + 1 : stop;
			if (*len && (*line)[*len - 1] == '\r')
				(*len)--;
			*too_long = skipping || *len > CL_LINE_MAX;
			r->lineno++;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->end - r->start > CL_LINE_MAX) {
			skipping = 1; /* drop what we have, keep looking for the newline */
			r->start = r->end = 0;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

/* Whether another line can be had without waiting. */
static int lr_ready(struct line_reader *r)
{
	struct pollfd p = {r->fd, POLLIN, 0};
	if (r->eof || memchr(r->buf + r->start, '\n', r->end - r->start))
		return 1;
	return poll(&p, 1, 0) > 0;
}

static int open_input(const struct opts *o, const char *cmd, int *fd)
{
	*fd = 0;
	if (o->nargs > 1)
		return fail(2, "%s: one input file at most", cmd);
	if (o->nargs == 1 && strcmp(o->args[0], "-") != 0) {
		*fd = open(o->args[0], O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return fail(2, "%s: cannot open %s: %s", cmd, o->args[0], strerror(errno));
	}
	return 0;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_keygen(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	uint8_t pub[32];
	char b64[64];
	int rc = parse_opts(argc, argv, "keygen", "o", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger keygen -o KEY.pem\n\nWrites a new Ed25519 private key as PEM (mode 0600; an "
		       "existing file is never\noverwritten) and prints its base64 public key: give that to the "
		       "authority.\n");
		return 0;
	}
	if (!o.out || o.nargs)
		return fail(2, "keygen: usage: chemledger keygen -o KEY.pem");
	if ((rc = cl_key_generate(o.out, pub, &err)))
		return fail(2, "keygen: %s", err.msg);
	cl_base64_encode(b64, pub, 32);
	puts(b64);
	return 0;
}

static int cmd_pubkey(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	EVP_PKEY *key;
	uint8_t pub[32];
	char b64[64];
	int rc = parse_opts(argc, argv, "pubkey", "k", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger pubkey -k KEY.pem\n\nPrints the base64 raw Ed25519 public key of a PEM "
		       "private key.\n");
		return 0;
	}
	if (!o.key || o.nargs)
		return fail(2, "pubkey: usage: chemledger pubkey -k KEY.pem");
	if ((rc = cl_key_load(&key, o.key, &err)))
		return fail(2, "pubkey: %s", err.msg);
	rc = cl_key_public(key, pub, &err);
	EVP_PKEY_free(key);
	if (rc)
		return fail(2, "pubkey: %s", err.msg);
	cl_base64_encode(b64, pub, 32);
	puts(b64);
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct cl_record g;
	uint8_t hash[32];
	char why[CL_WHY_MAX], hex[65];
	unsigned long long map = 0;
	int64_t t;
	int rc = parse_opts(argc, argv, "init", "dNAPT", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger init -d DIR --name NAME --authority ID --authority-key PUB [--time T]\n\n"
		       "Creates DIR (0700) if missing and a new ledger in it whose genesis entry (seq 0)\n"
		       "names the ledger and registers the authority party ID with base64 public key PUB.\n"
		       "--time T (RFC 3339) dates the genesis; default now.  Exit 2 if DIR already\n"
		       "holds a ledger.  Prints the head as {\"seq\":0,\"hash\":\"...\"}.\n");
		return 0;
	}
	if ((rc = need_dir(&o, "init")))
		return rc;
	if (!o.name || !o.authority || !o.authority_key || o.nargs)
		return fail(2, "init: usage: chemledger init -d DIR --name NAME --authority ID --authority-key PUB "
			       "[--time T]");
	memset(&g, 0, sizeof(g));
	g.type = CL_REC_GENESIS;
	snprintf(g.id, sizeof(g.id), "genesis");
	if (!cl_text_utf8_valid(o.name, strlen(o.name), 256, why))
		return fail(2, "init: --name %s", why);
	snprintf(g.name, sizeof(g.name), "%s", o.name);
	if (!cl_text_id_valid(o.authority, strlen(o.authority), why))
		return fail(2, "init: --authority %s", why);
	snprintf(g.authority, sizeof(g.authority), "%s", o.authority);
	if (!cl_base64_decode_exact(g.key, 32, o.authority_key, strlen(o.authority_key), why))
		return fail(2, "init: --authority-key %s", why);
	if (o.time) {
		if (!cl_time_parse(o.time, strlen(o.time), &t, why))
			return fail(2, "init: --time %s", why);
	} else if ((rc = receive_time(&t))) {
		return rc;
	}
	g.time = t;
	for (const char *f = "type\0id\0time\0name\0authority\0key\0"; *f; f += strlen(f) + 1)
		cl_record_mark(&g, f);
	/* CHEMLEDGER_MAP_SIZE: a small first map, so tests can cross the growth boundary. */
	if (getenv("CHEMLEDGER_MAP_SIZE"))
		map = strtoull(getenv("CHEMLEDGER_MAP_SIZE"), NULL, 10);
	if ((rc = cl_ledger_create(o.dir, &g, t, (size_t)map, hash, &err)))
		return fail(2, "init: %s", err.msg);
	cl_hex_encode(hex, hash, 32);
	printf("{\"seq\":0,\"hash\":\"%s\"}\n", hex);
	return 0;
}

static int cmd_sign(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct line_reader lr;
	struct cl_record *rec = NULL;
	EVP_PKEY *key = NULL;
	const char *line;
	size_t len;
	int too_long, fd, rc, status = 0;

	if ((rc = parse_opts(argc, argv, "sign", "k", &o)))
		return rc;
	if (o.help) {
		printf("usage: chemledger sign -k KEY.pem [FILE]\n\n"
		       "Reads JSON Lines records (FILE or stdin), checks each against its schema (not\n"
		       "against a ledger), and writes each with \"sig\" set to the Ed25519 signature of\n"
		       "its canonical form (docs/FORMAT.md); an existing \"sig\" is replaced.  Records\n"
		       "come out normalised: times in UTC, fields in schema order.  A bad line is\n"
		       "reported on stderr and left out; exit 1 if there was one.\n");
		return 0;
	}
	if (!o.key)
		return fail(2, "sign: usage: chemledger sign -k KEY.pem [FILE]");
	if ((rc = open_input(&o, "sign", &fd)))
		return rc;
	if ((rc = cl_key_load(&key, o.key, &err)))
		return fail(2, "sign: %s", err.msg);
	if (lr_init(&lr, fd) || (rec = malloc(sizeof(*rec))) == NULL) {
		status = fail(2, "out of memory");
		goto done;
	}
	while ((rc = lr_next(&lr, &line, &len, &too_long)) == 1) {
		json_t *root, *out;
		char *text = NULL;
		if (!too_long && blank(line, len))
			continue;
		if (too_long) {
			fprintf(stderr, "chemledger: sign: line %" PRIu64 ": MALFORMED_JSON: line is longer than %d bytes\n",
				lr.lineno, CL_LINE_MAX);
			status = 1;
			continue;
		}
		/* An old "sig" is replaced whatever it held. */
		root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(root) && json_object_del(root, "sig") == 0)
			text = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		rc = cl_record_parse_json(rec, text ? text : line, text ? strlen(text) : len, &err);
		free(text);
		if (rc == 0 && rec->type == CL_REC_GENESIS)
			rc = cl_error_set(&err, CL_E_BAD_FIELD, "type: a genesis record is written only by chemledger init");
		if (rc == 0)
			rc = cl_record_sign(rec, key, &err);
		if (rc) {
			fprintf(stderr, "chemledger: sign: line %" PRIu64 ": %s: %s\n", lr.lineno, cl_status_name(rc),
				err.msg);
			status = rc == CL_E_KEY || rc == CL_E_NOMEM ? 2 : 1;
			if (status == 2)
				goto done;
			continue;
		}
		out = cl_record_to_json(rec);
		if (print_json_line(out)) {
			status = 2;
			goto done;
		}
	}
	if (rc < 0)
		status = fail(2, "sign: reading input: %s", strerror(errno));
done:
	if (fflush(stdout) != 0)
		status = fail(2, "sign: writing output: %s", strerror(errno));
	free(lr.buf);
	free(rec);
	EVP_PKEY_free(key);
	if (fd > 0)
		close(fd);
	return status;
}

struct slot {
	uint64_t lineno;
	int parse_rc; /* 0: recs[index] holds the record */
	struct cl_error err;
	char id[CL_ID_MAX + 1];
	unsigned index;
};

/* A JSON string of text that may have been cut inside a UTF-8 character
 * (ids and messages quote input): invalid bytes become '?'. */
static json_t *json_text(const char *s)
{
	char buf[CL_ERROR_MSG_MAX * 2], why[CL_WHY_MAX];
	size_t o = 0, n = strlen(s);

	for (size_t i = 0; i < n && o + 5 < sizeof(buf);) {
		size_t k = 1;
		while (k <= 4 && i + k <= n && !cl_text_utf8_valid(s + i, k, 4, why))
			k++;
		if (k <= 4 && i + k <= n) {
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
		} else {
			buf[o++] = (unsigned char)s[i] < 0x20 ? ' ' : '?';
			i++;
		}
	}
	buf[o] = '\0';
	return json_string(buf);
}

/* Decimal digits of v at p; returns the end. */
static char *put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static void print_result(const struct slot *s, const struct cl_result *res, int *status)
{
	if (s->parse_rc || res->outcome == CL_REJECTED) {
		const struct cl_error *e = s->parse_rc ? &s->err : &res->error;
		json_t *o = json_object();
		json_object_set_new(o, "line", json_integer((json_int_t)s->lineno));
		json_object_set_new(o, "id", s->id[0] ? json_text(s->id) : json_null());
		json_object_set_new(o, "status", json_string("rejected"));
		json_object_set_new(o, "error", json_string(cl_status_name(e->code)));
		json_object_set_new(o, "message", json_text(e->msg));
		if (*status == 0)
			*status = 1;
		print_json_line(o);
	} else {
		/* The hot path, one line per record: written by hand.  An accepted
		 * record's id passed cl_text_id_valid, so it needs no escaping. */
		char line[64 + CL_ID_MAX + 64 + 64], *p = line;
		p = put_str(p, "{\"line\":");
		p = put_dec(p, s->lineno);
		p = put_str(p, ",\"id\":\"");
		p = put_str(p, s->id);
		p = put_str(p, res->outcome == CL_APPENDED ? "\",\"status\":\"appended\",\"seq\":"
							 : "\",\"status\":\"duplicate\",\"seq\":");
		p = put_dec(p, res->seq);
		p = put_str(p, ",\"hash\":\"");
		cl_hex_encode(p, res->hash, 32);
		p += 64;
		p = put_str(p, "\"}\n");
		fwrite(line, 1, (size_t)(p - line), stdout);
		for (unsigned w = 0; w < res->n_warnings; w++)
			fprintf(stderr, "chemledger: submit: line %" PRIu64 " (%s): warning: %s\n", s->lineno, s->id,
				res->warnings[w].msg);
	}
}

/*
 * submit runs as a two-stage pipeline so that every core is busy: a
 * preparing thread reads a group of lines, parses them and checks their
 * signatures (cl_ledger_preverify, on all cores) while the main thread
 * appends, commits and reports the group before it.  Groups are handed
 * over through two buffers.
 */
struct group {
	unsigned n, k;     /* lines in the group; parsed records */
	int more;          /* input goes on after this group */
	int read_errno;    /* nonzero: reading the input failed after these lines */
	struct slot *slots;
	struct cl_record *recs;
	struct cl_preverified *pv;
	struct cl_result *results;
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct group g[2];
	int full[2];
	int stop;
	struct line_reader *lr;
	struct cl_ledger *l;
};

/* Reads, parses and pre-verifies up to GROUP_MAX lines into g. */
static void fill_group(struct pipeline *p, struct group *g)
{
	const char *line;
	size_t len;
	int too_long, rc;

	g->n = g->k = 0;
	g->more = 1;
	g->read_errno = 0;
	while (g->n < GROUP_MAX) {
		struct slot *s = &g->slots[g->n];
		rc = lr_next(p->lr, &line, &len, &too_long);
		if (rc <= 0) {
			g->read_errno = rc < 0 ? errno : 0;
			g->more = 0;
			break;
		}
		if (!too_long && blank(line, len))
			continue;
		s->lineno = p->lr->lineno;
		s->index = g->k;
		if (too_long) {
			s->parse_rc = cl_error_set(&s->err, CL_E_MALFORMED_JSON, "line is longer than %d bytes",
						   CL_LINE_MAX);
			s->id[0] = '\0';
		} else {
			s->parse_rc = cl_record_parse_json(&g->recs[g->k], line, len, &s->err);
			memcpy(s->id, g->recs[g->k].id, sizeof(s->id)); /* NUL-terminated within */
			if (s->parse_rc == 0)
				g->k++;
		}
		g->n++;
		if (!lr_ready(p->lr))
			break; /* nobody is waiting on more: commit what we have now */
	}
	memset(g->pv, 0, sizeof(*g->pv) * (g->k ? g->k : 1));
	cl_ledger_preverify(p->l, g->recs, g->k, g->pv);
}

static void *prepare_groups(void *arg)
{
	struct pipeline *p = arg;
	for (int i = 0;; i ^= 1) {
		int more;
		pthread_mutex_lock(&p->mu);
		while (p->full[i] && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_mutex_unlock(&p->mu);
		fill_group(p, &p->g[i]);
		more = p->g[i].more;
		pthread_mutex_lock(&p->mu);
		p->full[i] = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (!more)
			return NULL;
	}
}

/* User and system CPU time of a getrusage() result, in seconds. */
static double cpu_seconds(const struct rusage *u)
{
	return (double)(u->ru_utime.tv_sec + u->ru_stime.tv_sec) +
	       (double)(u->ru_utime.tv_usec + u->ru_stime.tv_usec) / 1e6;
}

static int cmd_submit(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct line_reader lr = {0};
	struct pipeline *p = NULL;
	pthread_t prep;
	int64_t now;
	int fd = 0, rc, status = 0, started = 0;

	if ((rc = parse_opts(argc, argv, "submit", "d", &o)))
		return rc;
	if (o.help) {
		printf("usage: chemledger submit -d DIR [FILE]\n\n"
		       "Appends signed JSON Lines records (FILE or stdin) in order.  Prints one line per\n"
		       "input line, only once its group is durably committed:\n"
		       "  {\"line\":1,\"id\":\"S-1\",\"status\":\"appended\",\"seq\":5,\"hash\":\"...\"}\n"
		       "  {\"line\":2,\"id\":\"S-1\",\"status\":\"duplicate\",\"seq\":5,\"hash\":\"...\"}\n"
		       "  {\"line\":3,\"id\":\"S-9\",\"status\":\"rejected\",\"error\":\"BAD_SIGNATURE\",\"message\":\"...\"}\n"
		       "Business-rule warnings go to stderr.  Blank lines are skipped.  Exit 0, 1 if a\n"
		       "line was rejected, 2 on an I/O or storage error (lines without a result line\n"
		       "were not kept).\n");
		return 0;
	}
	if ((rc = open_input(&o, "submit", &fd)))
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		status = fail(2, "out of memory");
		goto done;
	}
	if ((rc = open_ledger(&o, "submit", CL_LEDGER_WRITE, &p->l))) {
		status = rc;
		goto done;
	}
	for (int i = 0; i < 2; i++) {
		struct group *g = &p->g[i];
		g->slots = malloc(sizeof(*g->slots) * GROUP_MAX);
		g->recs = malloc(sizeof(*g->recs) * GROUP_MAX);
		g->pv = malloc(sizeof(*g->pv) * GROUP_MAX);
		g->results = malloc(sizeof(*g->results) * GROUP_MAX);
		if (!g->slots || !g->recs || !g->pv || !g->results) {
			status = fail(2, "out of memory");
			goto done;
		}
	}
	if (lr_init(&lr, fd)) {
		status = fail(2, "out of memory");
		goto done;
	}
	p->lr = &lr;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&prep, NULL, prepare_groups, p) != 0) {
		status = fail(2, "submit: cannot start a thread");
		goto done;
	}
	started = 1;
	for (int i = 0;; i ^= 1) {
		struct group *g = &p->g[i];
		pthread_mutex_lock(&p->mu);
		while (!p->full[i])
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (g->n > 0) {
			if ((rc = receive_time(&now))) {
				status = rc;
				break;
			}
			if (g->k && (rc = cl_ledger_submit_group(p->l, g->recs, g->k, g->pv, now, g->results, &err))) {
				status = fail(2, "submit: lines %" PRIu64 "-%" PRIu64 " were not appended: %s (nothing of "
					      "them was kept; earlier result lines stand)",
					      g->slots[0].lineno, g->slots[g->n - 1].lineno, err.msg);
				break;
			}
			for (unsigned j = 0; j < g->n; j++)
				print_result(&g->slots[j], g->slots[j].parse_rc ? NULL : &g->results[g->slots[j].index],
					     &status);
			if (fflush(stdout) != 0) {
				status = fail(2, "submit: writing output: %s", strerror(errno));
				break;
			}
		}
		if (g->read_errno) {
			status = fail(2, "submit: reading input after line %" PRIu64 ": %s", lr.lineno,
				      strerror(g->read_errno));
			break;
		}
		if (!g->more)
			break;
		pthread_mutex_lock(&p->mu);
		p->full[i] = 0;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	if (status == 2) {
		/* The preparing thread may be blocked reading the input or busy
		 * checking signatures: end the process here, without running exit
		 * handlers (OpenSSL's would tear down what that thread is using).
		 * Every acknowledged line is already written out. */
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	pthread_join(prep, NULL);
	if (getenv("CHEMLEDGER_STATS")) {
		/* For the bench: where the CPU went (the writer is this thread). */
		struct rusage self, writer;
		getrusage(RUSAGE_SELF, &self);
		getrusage(RUSAGE_THREAD, &writer);
		fprintf(stderr, "chemledger: stats: cpu_s %.3f writer_cpu_s %.3f lines %" PRIu64 "\n",
			cpu_seconds(&self), cpu_seconds(&writer), lr.lineno);
	}
done:
	if (started) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
	}
	if (p) {
		cl_ledger_close(p->l);
		for (int i = 0; i < 2; i++) {
			free(p->g[i].slots);
			free(p->g[i].recs);
			free(p->g[i].pv);
			free(p->g[i].results);
		}
		free(p);
	}
	free(lr.buf);
	if (fd > 0)
		close(fd);
	return status;
}

static int parse_seq(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int print_entry(uint64_t seq, const void *bytes, size_t len, void *ctx)
{
	struct cl_entry *e = ctx;
	struct cl_error err;
	uint8_t hash[32];
	if (cl_entry_decode(e, bytes, len, &err))
		return fail(2, "entry %" PRIu64 " is malformed: %s (run chemverify)", seq, err.msg);
	cl_hash_entry(bytes, len, hash);
	return print_json_line(cl_entry_to_json(e, hash));
}

static int cmd_get(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct cl_ledger *l;
	struct cl_entry *e;
	uint64_t seq;
	uint8_t hash[32];
	int rc = parse_opts(argc, argv, "get", "dI", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger get -d DIR (SEQ | --id ID)\n\nPrints one entry as a JSON line:\n"
		       "{\"seq\":N,\"hash\":\"..\",\"prev\":\"..\",\"batch_prev\":\"..\"|null,\"time\":\"..\",\"record\":{..}}\n"
		       "Exit 1 if there is no such entry.\n");
		return 0;
	}
	if ((o.id == NULL) == (o.nargs != 1) || o.nargs > 1)
		return fail(2, "get: usage: chemledger get -d DIR (SEQ | --id ID)");
	if (o.nargs && parse_seq(o.args[0], &seq))
		return fail(2, "get: \"%s\" is not a sequence number", o.args[0]);
	if ((rc = open_ledger(&o, "get", CL_LEDGER_READ, &l)))
		return rc;
	if ((e = malloc(sizeof(*e))) == NULL) {
		cl_ledger_close(l);
		return fail(2, "out of memory");
	}
	rc = o.id ? cl_ledger_find_id(l, o.id, &seq, &err) : 0;
	if (rc == 0)
		rc = cl_ledger_get(l, seq, e, hash, &err);
	if (rc)
		rc = fail(status_of(rc), "get: %s", err.msg);
	else
		rc = print_json_line(cl_entry_to_json(e, hash));
	free(e);
	cl_ledger_close(l);
	return rc;
}

static int cmd_log(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct cl_ledger *l;
	struct cl_entry *e;
	uint64_t from = 0, to = UINT64_MAX;
	int rc = parse_opts(argc, argv, "log", "dFU", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger log -d DIR [--from SEQ] [--to SEQ]\n\nPrints the entries from SEQ to SEQ "
		       "(inclusive; default all) as JSON Lines, in\nthe form of chemledger get.\n");
		return 0;
	}
	if (o.nargs)
		return fail(2, "log: unexpected argument %s", o.args[0]);
	if (o.from && parse_seq(o.from, &from))
		return fail(2, "log: --from \"%s\" is not a sequence number", o.from);
	if (o.to && parse_seq(o.to, &to))
		return fail(2, "log: --to \"%s\" is not a sequence number", o.to);
	if ((rc = open_ledger(&o, "log", CL_LEDGER_READ, &l)))
		return rc;
	if ((e = malloc(sizeof(*e))) == NULL) {
		cl_ledger_close(l);
		return fail(2, "out of memory");
	}
	rc = cl_ledger_scan(l, from, to, print_entry, e, &err);
	if (rc < 0)
		rc = fail(2, "log: %s", err.msg);
	if (fflush(stdout) != 0)
		rc = fail(2, "log: writing output: %s", strerror(errno));
	free(e);
	cl_ledger_close(l);
	return rc;
}

static int cmd_head(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct cl_ledger *l;
	uint64_t seq;
	uint8_t hash[32];
	char hex[65];
	int rc = parse_opts(argc, argv, "head", "d", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger head -d DIR\n\nPrints {\"seq\":N,\"hash\":\"<hex>\"} of the newest entry.\n");
		return 0;
	}
	if (o.nargs)
		return fail(2, "head: unexpected argument %s", o.args[0]);
	if ((rc = open_ledger(&o, "head", CL_LEDGER_READ, &l)))
		return rc;
	rc = cl_ledger_head(l, &seq, hash, &err);
	cl_ledger_close(l);
	if (rc)
		return fail(2, "head: %s", err.msg);
	cl_hex_encode(hex, hash, 32);
	printf("{\"seq\":%" PRIu64 ",\"hash\":\"%s\"}\n", seq, hex);
	return 0;
}

/* ---- trail --------------------------------------------------------------- */

struct holding {
	char party[CL_ID_MAX + 1];
	int64_t base;
};

struct sale_ref {
	char id[CL_ID_MAX + 1];
	char buyer[CL_ID_MAX + 1];
	int handed; /* a handoff was booked: a second one credits nothing */
};

/* Balances saturate instead of overflowing: overdraws are recorded, not
 * refused, so a hostile ledger can push a sum past 64 bits. */
static void book(int64_t *h, int64_t delta)
{
	if (__builtin_add_overflow(*h, delta, h))
		*h = delta < 0 ? INT64_MIN : INT64_MAX;
}

struct trail_ctx {
	struct cl_ledger *l;
	struct cl_entry e;
	int json;
	int uom; /* the batch's unit, for balances */
	struct holding *h;
	size_t nh, caph;
	struct sale_ref *s;
	size_t ns, caps;
};

static int64_t *holding(struct trail_ctx *t, const char *party)
{
	for (size_t i = 0; i < t->nh; i++)
		if (strcmp(t->h[i].party, party) == 0)
			return &t->h[i].base;
	if (t->nh == t->caph) {
		size_t nc = t->caph ? 2 * t->caph : 8;
		struct holding *nh = realloc(t->h, nc * sizeof(*nh));
		if (!nh)
			return NULL;
		t->h = nh;
		t->caph = nc;
	}
	snprintf(t->h[t->nh].party, sizeof(t->h[0].party), "%s", party);
	t->h[t->nh].base = 0;
	return &t->h[t->nh++].base;
}

static struct sale_ref *sale_of(struct trail_ctx *t, const char *sale)
{
	for (size_t i = 0; i < t->ns; i++)
		if (strcmp(t->s[i].id, sale) == 0)
			return &t->s[i];
	return NULL;
}

static int trail_entry(uint64_t seq, const void *bytes, size_t len, void *ctx)
{
	struct trail_ctx *t = ctx;
	const struct cl_record *r = &t->e.rec;
	struct cl_error err;
	uint8_t hash[32];
	char q[32], tm[21], hex[65];
	int64_t *h = NULL;
	const char *to = NULL;

	if (cl_entry_decode(&t->e, bytes, len, &err))
		return fail(2, "trail: entry %" PRIu64 " is malformed: %s (run chemverify)", seq, err.msg);
	cl_hash_entry(bytes, len, hash);
	switch (r->type) {
	case CL_REC_BATCH:
		t->uom = (int)r->qty.uom;
		if ((h = holding(t, r->signer)))
			book(h, (int64_t)r->qty.base);
		if (!t->json) {
			struct cl_entry *c = malloc(sizeof(*c));
			cl_qty_format(q, (int64_t)r->qty.base, (int)r->qty.uom);
			printf("Batch %s: %s %s of %s", r->batch, q, cl_uom_code((int)r->qty.uom), r->cas);
			if (c && cl_ledger_chemical(t->l, r->cas, c, &err) == 0)
				printf(" (%s, category %u)", c->rec.name, c->rec.category);
			free(c);
			printf(", %s by %s", cl_words_origin[r->origin], r->signer);
			if (cl_record_has(r, "label"))
				printf(", label %s", r->label);
			printf("\n\n%6s  %-20s  %-22s %-8s %-16s %s\n", "seq", "time (UTC)", "record", "type", "signer",
			       "what");
		}
		break;
	case CL_REC_SALE:
		if ((h = holding(t, r->signer)))
			book(h, -(int64_t)r->qty.base);
		holding(t, r->buyer);
		if (t->ns == t->caps) {
			size_t nc = t->caps ? 2 * t->caps : 8;
			struct sale_ref *ns = realloc(t->s, nc * sizeof(*ns));
			if (!ns)
				return fail(2, "out of memory");
			t->s = ns;
			t->caps = nc;
		}
		snprintf(t->s[t->ns].id, sizeof(t->s[0].id), "%s", r->id);
		snprintf(t->s[t->ns].buyer, sizeof(t->s[0].buyer), "%s", r->buyer);
		t->s[t->ns].handed = 0;
		t->ns++;
		break;
	case CL_REC_HANDOFF: {
		/* The buyer holds what it received, once per sale (as chemverify books it). */
		struct sale_ref *sr = sale_of(t, r->sale);
		to = sr ? sr->buyer : r->signer;
		if (sr == NULL || !sr->handed) {
			if ((h = holding(t, to)))
				book(h, (int64_t)r->qty.base);
			if (sr)
				sr->handed = 1;
		}
		break;
	}
	case CL_REC_LOSS:
		if ((h = holding(t, r->signer)))
			book(h, -(int64_t)r->qty.base);
		break;
	default:
		break;
	}
	if (t->json) {
		json_t *o = cl_entry_to_json(&t->e, hash), *b = json_object();
		for (size_t i = 0; o && b && i < t->nh; i++) {
			char s[48];
			cl_qty_format(q, t->h[i].base, t->uom);
			snprintf(s, sizeof(s), "%s %s", q, cl_uom_code(t->uom));
			json_object_set_new(b, t->h[i].party, json_string(s));
		}
		json_object_set_new(o, "balances", b);
		return print_json_line(o);
	}
	cl_time_format(tm, r->time);
	cl_qty_format(q, (int64_t)r->qty.base, (int)r->qty.uom);
	printf("%6" PRIu64 "  %-20s  %-22s %-8s %-16s ", seq, tm, r->id, cl_record_type_name(r->type), r->signer);
	switch (r->type) {
	case CL_REC_BATCH: printf("%s %s %s", cl_words_origin[r->origin], q, cl_uom_code((int)r->qty.uom)); break;
	case CL_REC_SALE:
		printf("sold %s %s to %s (licence %s", q, cl_uom_code((int)r->qty.uom), r->buyer, r->buyer_licence);
		if (cl_record_has(r, "carrier"))
			printf(", carrier %s", r->carrier);
		if (cl_record_has(r, "transport_permit"))
			printf(", permit %s", r->transport_permit);
		printf(")");
		break;
	case CL_REC_CHECK:
		printf("checked sale %s: %s %s, seal %s, at %s", r->sale, q, cl_uom_code((int)r->qty.uom),
		       cl_words_seal[r->seal], r->location);
		break;
	case CL_REC_HANDOFF: printf("received %s %s of sale %s", q, cl_uom_code((int)r->qty.uom), r->sale); break;
	case CL_REC_LOSS:
		printf("%s %s %s", cl_words_loss_reason[r->loss_reason], q, cl_uom_code((int)r->qty.uom));
		break;
	default: break;
	}
	printf("\n%6s  holds:", "");
	for (size_t i = 0; i < t->nh; i++) {
		cl_qty_format(q, t->h[i].base, t->uom);
		printf("%s %s %s %s", i ? "," : "", t->h[i].party, q, cl_uom_code(t->uom));
	}
	cl_hex_encode(hex, hash, 32);
	printf("\n%6s  hash %.16s…\n", "", hex);
	return 0;
}

static int cmd_trail(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct trail_ctx *t;
	char batch[CL_ID_MAX + 1];
	int rc = parse_opts(argc, argv, "trail", "dLj", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger trail -d DIR (BATCH | --label CODE) [--json]\n\n"
		       "Prints the batch's entries in order with the running balance of every holder\n"
		       "after each.  --label finds the batch by the product identifier printed on its\n"
		       "package.  --json prints the entries as JSON Lines, each with \"balances\".\n"
		       "Balances come from the ledger's own index; chemverify --batch checks them.\n"
		       "Exit 1 if there is no such batch.\n");
		return 0;
	}
	if ((o.label == NULL) == (o.nargs != 1) || o.nargs > 1)
		return fail(2, "trail: usage: chemledger trail -d DIR (BATCH | --label CODE) [--json]");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return fail(2, "out of memory");
	if ((rc = open_ledger(&o, "trail", CL_LEDGER_READ, &t->l)))
		goto done;
	t->json = o.json;
	if (o.label) {
		if ((rc = cl_ledger_find_label(t->l, o.label, batch, &err))) {
			rc = fail(status_of(rc), "trail: %s", err.msg);
			goto done;
		}
	} else {
		snprintf(batch, sizeof(batch), "%s", o.args[0]);
	}
	rc = cl_ledger_scan_batch(t->l, batch, trail_entry, t, &err);
	if (rc < 0)
		rc = fail(status_of(rc), "trail: %s", err.msg);
	if (fflush(stdout) != 0)
		rc = fail(2, "trail: writing output: %s", strerror(errno));
done:
	cl_ledger_close(t->l);
	free(t->h);
	free(t->s);
	free(t);
	return rc;
}

/* ---- export -------------------------------------------------------------- */

struct export_ctx {
	FILE *f;
	uint64_t count;
	uint8_t last[32];
	struct cl_error err;
};

static int export_entry(uint64_t seq, const void *bytes, size_t len, void *ctx)
{
	struct export_ctx *x = ctx;
	if (seq != x->count)
		return cl_error_set(&x->err, CL_E_STORE, "entry %" PRIu64 " is missing from the ledger", x->count);
	cl_hash_entry(bytes, len, x->last);
	x->count++;
	return cl_export_write_entry(x->f, bytes, len, &x->err);
}

static int cmd_export(int argc, char **argv)
{
	struct opts o;
	struct cl_error err;
	struct cl_ledger *l;
	struct export_ctx x = {0};
	char tmp[4200];
	int rc = parse_opts(argc, argv, "export", "do", &o);
	if (rc)
		return rc;
	if (o.help) {
		printf("usage: chemledger export -d DIR [-o FILE]\n\n"
		       "Writes the whole chain, from one consistent snapshot, as a portable stream\n"
		       "(docs/FORMAT.md) that chemverify --export reads without LMDB.  FILE is written\n"
		       "atomically (a temporary file renamed into place); without -o, to stdout.\n");
		return 0;
	}
	if (o.nargs)
		return fail(2, "export: unexpected argument %s", o.args[0]);
	if (!o.out && isatty(1))
		return fail(2, "export: the stream is binary; give -o FILE or redirect stdout");
	if ((rc = open_ledger(&o, "export", CL_LEDGER_READ, &l)))
		return rc;
	if (o.out) {
		int fd;
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", o.out, (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || (x.f = fdopen(fd, "wb")) == NULL) {
			cl_ledger_close(l);
			return fail(2, "export: cannot create %s: %s", tmp, strerror(errno));
		}
	} else {
		x.f = stdout;
	}
	rc = cl_export_write_magic(x.f, &err);
	if (rc == 0 && (rc = cl_ledger_scan(l, 0, UINT64_MAX, export_entry, &x, &err)))
		err = x.err.msg[0] ? x.err : err;
	if (rc == 0)
		rc = cl_export_write_trailer(x.f, x.count, x.last, &err);
	if (rc == 0 && (fflush(x.f) != 0 || (o.out && fsync(fileno(x.f)) != 0)))
		rc = cl_error_set(&err, CL_E_IO, "writing the export: %s", strerror(errno));
	if (o.out) {
		if (fclose(x.f) != 0 && rc == 0)
			rc = cl_error_set(&err, CL_E_IO, "writing the export: %s", strerror(errno));
		if (rc == 0 && rename(tmp, o.out) != 0)
			rc = cl_error_set(&err, CL_E_IO, "cannot rename to %s: %s", o.out, strerror(errno));
		if (rc)
			unlink(tmp);
	}
	cl_ledger_close(l);
	if (rc)
		return fail(2, "export: %s", err.msg);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"keygen", cmd_keygen}, {"pubkey", cmd_pubkey}, {"init", cmd_init},   {"sign", cmd_sign},
		{"submit", cmd_submit}, {"get", cmd_get},       {"log", cmd_log},     {"head", cmd_head},
		{"trail", cmd_trail},   {"export", cmd_export},
	};

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return fail(2, "unknown command \"%s\" (see chemledger --help)", argv[1]);
}
