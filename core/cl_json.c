/*
 * cl_json.c - the strict single-pass JSON reader (see cl_json.h).
 */
#include "cl_json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const unsigned char *in;
	size_t len, pos;
	struct cl_json *j;
	char *msg;
	size_t msglen;
};

static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	int o = snprintf(p->msg, p->msglen, "invalid JSON at column %zu: ", at + 1);
	if (o >= 0 && (size_t)o < p->msglen) {
		va_start(ap, fmt);
		vsnprintf(p->msg + o, p->msglen - (size_t)o, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* What is at pos, for messages. */
static int fail_here(struct parser *p, const char *expected)
{
	if (p->pos >= p->len)
		return fail(p, p->pos, "the line ends where %s was expected", expected);
	if (p->in[p->pos] >= 0x20 && p->in[p->pos] < 0x7f)
		return fail(p, p->pos, "expected %s, found '%c'", expected, p->in[p->pos]);
	return fail(p, p->pos, "expected %s, found byte 0x%02x", expected, p->in[p->pos]);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->in[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int new_tok(struct parser *p, uint8_t type, uint32_t *at)
{
	struct cl_json *j = p->j;
	if (j->n == j->cap) {
		uint32_t cap = j->cap * 2;
		struct cl_jtok *t = j->t == j->inline_t ? malloc(cap * sizeof(*t)) : realloc(j->t, cap * sizeof(*t));
		if (t == NULL)
			return fail(p, p->pos, "out of memory");
		if (j->t == j->inline_t)
			memcpy(t, j->inline_t, j->n * sizeof(*t));
		j->t = t;
		j->cap = cap;
	}
	*at = j->n++;
	memset(&j->t[*at], 0, sizeof(j->t[*at]));
	j->t[*at].type = type;
	return 0;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t k;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return k;
}

/* A string at pos (on the opening quote): decoded into the arena. */
static int parse_string(struct parser *p)
{
	struct cl_json *j = p->j;
	char *out = j->arena + j->used, *o = out;
	uint32_t at;

	if (new_tok(p, CL_J_STR, &at))
		return -1;
	p->pos++; /* the quote */
	for (;;) {
		unsigned char c;
		/* Most strings are runs of plain ASCII: copy each run at once. */
		size_t run = p->pos;
		while (run < p->len && p->in[run] >= 0x20 && p->in[run] < 0x80 && p->in[run] != '"' && p->in[run] != '\\')
			run++;
		if (run > p->pos) {
			memcpy(o, p->in + p->pos, run - p->pos);
			o += run - p->pos;
			p->pos = run;
		}
		if (p->pos >= p->len)
			return fail(p, p->pos, "the line ends inside a string");
		c = p->in[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return fail(p, p->pos, "control character 0x%02x in a string (escape it)", c);
		if (c == '\\') {
			unsigned cp, lo;
			if (p->pos + 1 >= p->len)
				return fail(p, p->pos, "the line ends inside an escape");
			c = p->in[p->pos + 1];
			p->pos += 2;
			switch (c) {
			case '"': *o++ = '"'; continue;
			case '\\': *o++ = '\\'; continue;
			case '/': *o++ = '/'; continue;
			case 'b': *o++ = '\b'; continue;
			case 'f': *o++ = '\f'; continue;
			case 'n': *o++ = '\n'; continue;
			case 'r': *o++ = '\r'; continue;
			case 't': *o++ = '\t'; continue;
			case 'u': break;
			default: return fail(p, p->pos - 2, "invalid escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
			}
			if (p->pos + 4 > p->len || hex4(p->in + p->pos, &cp))
				return fail(p, p->pos - 2, "\\u must be followed by 4 hex digits");
			p->pos += 4;
			if (cp == 0)
				return fail(p, p->pos - 6, "\\u0000 (NUL) is not allowed in a string");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, p->pos - 6, "lone low surrogate \\u%04x", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->pos + 6 > p->len || p->in[p->pos] != '\\' || p->in[p->pos + 1] != 'u' ||
				    hex4(p->in + p->pos + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return fail(p, p->pos - 6, "lone high surrogate \\u%04x", cp);
				p->pos += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o = put_utf8(o, cp);
			continue;
		}
		/* Plain ASCII went with the run: this is a byte of 0x80 or more. */
		size_t k = utf8_seq(p->in + p->pos, p->len - p->pos);
		if (k == 0)
			return fail(p, p->pos, "invalid UTF-8: byte 0x%02x", c);
		memcpy(o, p->in + p->pos, k);
		o += k;
		p->pos += k;
	}
	*o++ = '\0';
	j->t[at].s = out;
	j->t[at].len = (uint32_t)(o - out - 1);
	j->t[at].end = at + 1;
	j->used += (size_t)(o - out);
	return 0;
}

static int parse_number(struct parser *p)
{
	size_t start = p->pos;
	const unsigned char *s = p->in;
	bool neg = false, real = false;
	uint64_t v = 0, limit;
	bool overflow = false;
	uint32_t at;

	if (s[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9')
		return fail(p, start, "a number needs digits");
	if (s[p->pos] == '0' && p->pos + 1 < p->len && s[p->pos + 1] >= '0' && s[p->pos + 1] <= '9')
		return fail(p, start, "a number may not have leading zeros");
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') {
		unsigned d = s[p->pos++] - '0';
		if (v > (limit - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (p->pos < p->len && s[p->pos] == '.') {
		real = true;
		p->pos++;
		if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9')
			return fail(p, start, "a number needs digits after '.'");
		while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
		real = true;
		p->pos++;
		if (p->pos < p->len && (s[p->pos] == '+' || s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9')
			return fail(p, start, "a number needs digits in its exponent");
		while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9')
			p->pos++;
	}
	if (!real && overflow)
		return fail(p, start, "integer does not fit in 64 bits");
	if (new_tok(p, real ? CL_J_REAL : CL_J_INT, &at))
		return -1;
	if (!real)
		p->j->t[at].i = neg ? (int64_t)(0 - v) : (int64_t)v;
	p->j->t[at].end = at + 1;
	return 0;
}

static int key_cmp(const void *a, const void *b, void *tv)
{
	const struct cl_jtok *t = tv;
	const struct cl_jtok *x = &t[*(const uint32_t *)a], *y = &t[*(const uint32_t *)b];
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

/* Rejects an object whose members (keys at `keys`) repeat a key. */
static int check_duplicates(struct parser *p, uint32_t *keys, uint32_t n, size_t where)
{
	const struct cl_jtok *t = p->j->t;
	if (n <= 32) {
		for (uint32_t a = 1; a < n; a++)
			for (uint32_t b = 0; b < a; b++)
				if (t[keys[a]].len == t[keys[b]].len && memcmp(t[keys[a]].s, t[keys[b]].s, t[keys[a]].len) == 0)
					return fail(p, where, "duplicate key \"%.40s\" in an object", t[keys[a]].s);
		return 0;
	}
	qsort_r(keys, n, sizeof(*keys), key_cmp, p->j->t);
	for (uint32_t a = 1; a < n; a++)
		if (key_cmp(&keys[a - 1], &keys[a], p->j->t) == 0)
			return fail(p, where, "duplicate key \"%.40s\" in an object", t[keys[a]].s);
	return 0;
}

/* After a member or an item: 1 on a ',' (another follows), 0 on the
 * closing `close`, -1 (with the message) on anything else. */
static int next_or_close(struct parser *p, char close, const char *expected)
{
	skip_ws(p);
	if (p->pos < p->len && p->in[p->pos] == ',') {
		p->pos++;
		return 1;
	}
	if (p->pos < p->len && p->in[p->pos] == close) {
		p->pos++;
		return 0;
	}
	return fail_here(p, expected);
}

static int parse_value(struct parser *p, unsigned depth);

static int parse_object(struct parser *p, unsigned depth)
{
	size_t start = p->pos;
	uint32_t at, n = 0, kbuf[16], *keys = kbuf, kcap = 16;
	int rc = -1, more;

	if (new_tok(p, CL_J_OBJ, &at))
		return -1;
	p->pos++; /* { */
	skip_ws(p);
	if (p->pos < p->len && p->in[p->pos] == '}') {
		p->pos++;
		p->j->t[at].end = p->j->n;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->len || p->in[p->pos] != '"') {
			fail_here(p, "a \"key\"");
			goto done;
		}
		if (n == kcap) {
			uint32_t *k = keys == kbuf ? malloc(2 * kcap * sizeof(*keys))
						   : realloc(keys, 2 * kcap * sizeof(*keys));
			if (k == NULL) {
				fail(p, p->pos, "out of memory");
				goto done;
			}
			if (keys == kbuf)
				memcpy(k, kbuf, sizeof(kbuf));
			keys = k;
			kcap *= 2;
		}
		keys[n++] = p->j->n;
		if (parse_string(p))
			goto done;
		skip_ws(p);
		if (p->pos >= p->len || p->in[p->pos] != ':') {
			fail_here(p, "':'");
			goto done;
		}
		p->pos++;
		if (parse_value(p, depth + 1))
			goto done;
		if ((more = next_or_close(p, '}', "',' or '}'")) < 0)
			goto done;
		if (!more)
			break;
	}
	if (check_duplicates(p, keys, n, start))
		goto done;
	p->j->t[at].n = n;
	p->j->t[at].end = p->j->n;
	rc = 0;
done:
	if (keys != kbuf)
		free(keys);
	return rc;
}

static int parse_array(struct parser *p, unsigned depth)
{
	uint32_t at, n = 0;
	int more;

	if (new_tok(p, CL_J_ARR, &at))
		return -1;
	p->pos++; /* [ */
	skip_ws(p);
	if (p->pos < p->len && p->in[p->pos] == ']') {
		p->pos++;
		p->j->t[at].end = p->j->n;
		return 0;
	}
	for (;;) {
		if (parse_value(p, depth + 1))
			return -1;
		n++;
		if ((more = next_or_close(p, ']', "',' or ']'")) < 0)
			return -1;
		if (!more)
			break;
	}
	p->j->t[at].n = n;
	p->j->t[at].end = p->j->n;
	return 0;
}

static int literal(struct parser *p, const char *word, uint8_t type)
{
	size_t n = strlen(word);
	uint32_t at;
	if (p->len - p->pos < n || memcmp(p->in + p->pos, word, n) != 0)
		return fail_here(p, "a value");
	p->pos += n;
	if (new_tok(p, type, &at))
		return -1;
	p->j->t[at].end = at + 1;
	return 0;
}

static int parse_value(struct parser *p, unsigned depth)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return fail_here(p, "a value");
	if (depth > CL_JSON_DEPTH)
		return fail(p, p->pos, "nested more than %d deep", CL_JSON_DEPTH);
	switch (p->in[p->pos]) {
	case '{': return parse_object(p, depth);
	case '[': return parse_array(p, depth);
	case '"': return parse_string(p);
	case 't': return literal(p, "true", CL_J_TRUE);
	case 'f': return literal(p, "false", CL_J_FALSE);
	case 'n': return literal(p, "null", CL_J_NULL);
	default:
		if (p->in[p->pos] == '-' || (p->in[p->pos] >= '0' && p->in[p->pos] <= '9'))
			return parse_number(p);
		return fail_here(p, "a value");
	}
}

int cl_json_parse(struct cl_json *j, const char *in, size_t len, char *msg, size_t msglen)
{
	struct parser p = {(const unsigned char *)in, len, 0, j, msg, msglen};

	j->n = 0;
	j->used = 0;
	j->t = j->inline_t;
	j->cap = CL_JSON_INLINE_TOKS;
	/* Decoded strings never outgrow their source, plus a NUL each. */
	j->acap = len + len / 2 + 16;
	if (j->acap <= CL_JSON_INLINE_ARENA)
		j->arena = j->inline_arena;
	else if ((j->arena = malloc(j->acap)) == NULL)
		return fail(&p, 0, "out of memory");
	if (parse_value(&p, 1))
		return -1;
	skip_ws(&p);
	if (p.pos != len)
		return fail_here(&p, "the end of the line");
	return 0;
}

void cl_json_free(struct cl_json *j)
{
	if (j->t != j->inline_t)
		free(j->t);
	if (j->arena != j->inline_arena)
		free(j->arena);
	j->t = j->inline_t;
	j->arena = j->inline_arena;
	j->n = 0;
	j->cap = CL_JSON_INLINE_TOKS;
	j->used = 0;
	j->acap = CL_JSON_INLINE_ARENA;
}

int64_t cl_json_get(const struct cl_json *j, uint32_t obj, const char *key)
{
	size_t n = strlen(key);
	uint32_t k;

	if (obj >= j->n || j->t[obj].type != CL_J_OBJ)
		return -1;
	k = obj + 1;
	for (uint32_t m = 0; m < j->t[obj].n; m++) {
		if (j->t[k].len == n && memcmp(j->t[k].s, key, n) == 0)
			return k + 1;
		k = j->t[k + 1].end;
	}
	return -1;
}
