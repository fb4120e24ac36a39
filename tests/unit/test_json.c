/*
 * test_json.c - the strict single-pass JSON reader (core/cl_json.h) that
 * cl_record_parse_json runs on every submitted line.
 *
 * It replaced jansson's json_loadb(JSON_REJECT_DUPLICATES) and must be at
 * least as strict: RFC 8259 JSON, one value with only space, tab, CR and LF
 * around it, RFC 3629 UTF-8, no NUL (raw or \u0000), no lone surrogates,
 * no duplicate keys (checked pairwise up to 32 members and by sorting
 * above), integers that fit in int64, nesting at most CL_JSON_DEPTH values
 * deep (the root is depth 1, and scalars count: 64 nested empty arrays are
 * accepted, 64 arrays around a scalar are not).
 *
 * Every case asserts exact token values, or the exact column and the
 * words of the rejection.  Inputs are passed with explicit lengths, so
 * that NUL bytes can be part of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cl_error.h"
#include "cl_json.h"
#include "cl_record.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ---- helpers ------------------------------------------------------------- */

/* Parses in[0..len) and fails the test unless it is accepted. */
static void ok_n(struct cl_json *j, const char *in, size_t len)
{
	char msg[256] = "";
	if (cl_json_parse(j, in, len, msg, sizeof(msg)) != 0)
		fail_msg("rejected (%s): %.200s", msg, in);
	assert_true(j->n >= 1);
	assert_int_equal(j->t[0].end, j->n);
}

#define OK(j, lit) ok_n((j), S(lit))

/* Expects in[0..len) rejected with "column <column>:" and needle in the
 * message. */
static void bad_n(const char *in, size_t len, unsigned column, const char *needle)
{
	struct cl_json j;
	char msg[256] = "", want[64];
	int rc = cl_json_parse(&j, in, len, msg, sizeof(msg));
	cl_json_free(&j);
	if (rc != -1)
		fail_msg("accepted (rc %d): %.200s", rc, in);
	snprintf(want, sizeof(want), "column %u: ", column);
	if (strstr(msg, want) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\" for %.200s", msg, want, in);
	if (needle && strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\" for %.200s", msg, needle, in);
}

#define BAD(lit, column, needle) bad_n(S(lit), (column), (needle))

static void expect_str(const struct cl_jtok *t, const char *want, size_t wantlen)
{
	assert_int_equal(t->type, CL_J_STR);
	assert_int_equal(t->len, wantlen);
	assert_memory_equal(t->s, want, wantlen);
	assert_int_equal(t->s[wantlen], '\0');
}

#define STR_IS(t, lit) expect_str((t), S(lit))

/* A string builder for generated inputs: caller frees. */
struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void put_rep(struct buf *b, const char *s, unsigned times)
{
	for (unsigned i = 0; i < times; i++)
		put(b, s);
}

/* {"k0":0,"k1":1,...} with n members; key number `dup_at` (if < n) is
 * spelt `dup_key` instead. */
static void object_of(struct buf *b, unsigned n, unsigned dup_at, const char *dup_key)
{
	char m[64];
	put(b, "{");
	for (unsigned i = 0; i < n; i++) {
		if (i == dup_at)
			snprintf(m, sizeof(m), "%s\"%s\":%u", i ? "," : "", dup_key, i);
		else
			snprintf(m, sizeof(m), "%s\"k%u\":%u", i ? "," : "", i, i);
		put(b, m);
	}
	put(b, "}");
}

/* ---- token layout -------------------------------------------------------- */

static void test_layout_nested(void **state)
{
	struct cl_json j;
	(void)state;
	OK(&j, "{\"a\":[1,{\"b\":null},[]],\"c\":\"x\",\"d\":{}}");
	assert_int_equal(j.n, 12);
	/* 0 {  1 "a"  2 [  3 1  4 {  5 "b"  6 null  7 []  8 "c"  9 "x"  10 "d"  11 {} */
	assert_int_equal(j.t[0].type, CL_J_OBJ);
	assert_int_equal(j.t[0].n, 3);
	assert_int_equal(j.t[0].end, 12);
	STR_IS(&j.t[1], "a");
	assert_int_equal(j.t[1].end, 2);
	assert_int_equal(j.t[2].type, CL_J_ARR);
	assert_int_equal(j.t[2].n, 3);
	assert_int_equal(j.t[2].end, 8);
	assert_int_equal(j.t[3].type, CL_J_INT);
	assert_int_equal(j.t[3].i, 1);
	assert_int_equal(j.t[3].end, 4);
	assert_int_equal(j.t[4].type, CL_J_OBJ);
	assert_int_equal(j.t[4].n, 1);
	assert_int_equal(j.t[4].end, 7);
	STR_IS(&j.t[5], "b");
	assert_int_equal(j.t[6].type, CL_J_NULL);
	assert_int_equal(j.t[6].end, 7);
	assert_int_equal(j.t[7].type, CL_J_ARR);
	assert_int_equal(j.t[7].n, 0);
	assert_int_equal(j.t[7].end, 8);
	STR_IS(&j.t[8], "c");
	STR_IS(&j.t[9], "x");
	assert_int_equal(j.t[9].end, 10);
	STR_IS(&j.t[10], "d");
	assert_int_equal(j.t[11].type, CL_J_OBJ);
	assert_int_equal(j.t[11].n, 0);
	assert_int_equal(j.t[11].end, 12);

	/* Walking the root's members by `end` visits each key once. */
	{
		const char *keys[] = {"a", "c", "d"};
		uint32_t k = 1;
		for (unsigned m = 0; m < j.t[0].n; m++, k = j.t[k + 1].end)
			assert_string_equal(j.t[k].s, keys[m]);
		assert_int_equal(k, j.n);
	}
	/* and the array's items likewise. */
	{
		const uint8_t types[] = {CL_J_INT, CL_J_OBJ, CL_J_ARR};
		uint32_t it = 3;
		for (unsigned m = 0; m < j.t[2].n; m++, it = j.t[it].end)
			assert_int_equal(j.t[it].type, types[m]);
		assert_int_equal(it, j.t[2].end);
	}
	cl_json_free(&j);
	assert_int_equal(j.n, 0);
	cl_json_free(&j); /* twice is harmless */
}

/* Parsing starts in space inside struct cl_json (CL_JSON_INLINE_TOKS
 * tokens, CL_JSON_INLINE_ARENA bytes of strings, 16 keys per object on the
 * stack) and moves to the heap beyond it: every size around those limits
 * keeps every token and string. */
static void test_inline_limits(void **state)
{
	struct buf b = {0};
	struct cl_json j;
	char item[64];
	(void)state;

	for (unsigned keys = 14; keys <= 40; keys++) {
		b.len = 0;
		put(&b, "{");
		for (unsigned i = 0; i < keys; i++) {
			snprintf(item, sizeof(item), "%s\"k%02u\":\"v%u\"", i ? "," : "", i, i * 7);
			put(&b, item);
		}
		put(&b, "}");
		ok_n(&j, b.s, b.len);
		assert_int_equal(j.n, 1 + 2 * keys);
		for (unsigned i = 0; i < keys; i++) {
			char k[8], v[16];
			int64_t at;
			snprintf(k, sizeof(k), "k%02u", i);
			snprintf(v, sizeof(v), "v%u", i * 7);
			at = cl_json_get(&j, 0, k);
			assert_true(at > 0);
			assert_string_equal(j.t[at].s, v);
		}
		cl_json_free(&j);
	}
	/* Strings needing just under to just over the inline arena. */
	for (unsigned len = CL_JSON_INLINE_ARENA / 2 - 40; len < CL_JSON_INLINE_ARENA + 40; len += 7) {
		b.len = 0;
		put(&b, "[\"");
		put_rep(&b, "a", len);
		put(&b, "\",\"z\"]");
		ok_n(&j, b.s, b.len);
		assert_int_equal(j.t[1].len, len);
		for (unsigned i = 0; i < len; i++)
			assert_int_equal(j.t[1].s[i], 'a');
		assert_string_equal(j.t[2].s, "z");
		cl_json_free(&j);
	}
	free(b.s);
}

static void test_layout_scalars(void **state)
{
	struct cl_json j;
	(void)state;
	OK(&j, " \t\r\n[true,false,null,-1.5e3,0,\"\",[[]],{\"\":{}}]\r\n\t ");
	assert_int_equal(j.n, 12);
	assert_int_equal(j.t[0].type, CL_J_ARR);
	assert_int_equal(j.t[0].n, 8);
	assert_int_equal(j.t[1].type, CL_J_TRUE);
	assert_int_equal(j.t[2].type, CL_J_FALSE);
	assert_int_equal(j.t[3].type, CL_J_NULL);
	assert_int_equal(j.t[4].type, CL_J_REAL);
	assert_int_equal(j.t[5].type, CL_J_INT);
	assert_int_equal(j.t[5].i, 0);
	STR_IS(&j.t[6], "");
	assert_int_equal(j.t[7].type, CL_J_ARR);
	assert_int_equal(j.t[7].n, 1);
	assert_int_equal(j.t[7].end, 9);
	assert_int_equal(j.t[8].type, CL_J_ARR);
	assert_int_equal(j.t[8].n, 0);
	assert_int_equal(j.t[9].type, CL_J_OBJ);
	assert_int_equal(j.t[9].n, 1);
	assert_int_equal(j.t[9].end, 12);
	STR_IS(&j.t[10], "");
	assert_int_equal(j.t[11].type, CL_J_OBJ);
	assert_int_equal(j.t[11].n, 0);
	for (unsigned i = 1; i <= 6; i++)
		assert_int_equal(j.t[i].end, i + 1);
	cl_json_free(&j);

	/* Any value may be the root (cl_record_parse_json wants an object). */
	OK(&j, "42");
	assert_int_equal(j.n, 1);
	assert_int_equal(j.t[0].type, CL_J_INT);
	assert_int_equal(j.t[0].i, 42);
	cl_json_free(&j);
	OK(&j, "\"s\"");
	STR_IS(&j.t[0], "s");
	cl_json_free(&j);
	OK(&j, "null");
	assert_int_equal(j.t[0].type, CL_J_NULL);
	cl_json_free(&j);
	OK(&j, "{ }");
	assert_int_equal(j.t[0].type, CL_J_OBJ);
	assert_int_equal(j.t[0].n, 0);
	cl_json_free(&j);
	OK(&j, "[ ]");
	assert_int_equal(j.t[0].type, CL_J_ARR);
	assert_int_equal(j.t[0].n, 0);
	cl_json_free(&j);
	OK(&j, "{ \"a\" : 1 , \"b\" :\t[ 2 ,3 ] }");
	assert_int_equal(j.t[0].n, 2);
	assert_int_equal(j.t[4].type, CL_J_ARR);
	assert_int_equal(j.t[4].n, 2);
	assert_int_equal(j.t[6].i, 3);
	cl_json_free(&j);
}

/* Many tokens and strings: the token array and the arena grow or are sized
 * right, and every string stays where its token says. */
static void test_layout_large(void **state)
{
	struct buf b = {0};
	struct cl_json j;
	char item[32];
	(void)state;

	put(&b, "[");
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(item, sizeof(item), "%s%u,\"s%u\"", i ? "," : "", i, i);
		put(&b, item);
	}
	put(&b, "]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.n, 10001);
	assert_int_equal(j.t[0].n, 10000);
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(item, sizeof(item), "s%u", i);
		assert_int_equal(j.t[1 + 2 * i].type, CL_J_INT);
		assert_int_equal(j.t[1 + 2 * i].i, i);
		assert_string_equal(j.t[2 + 2 * i].s, item);
		assert_int_equal(j.t[2 + 2 * i].len, strlen(item));
	}
	cl_json_free(&j);

	/* Only empty strings: the arena holds a NUL for each. */
	b.len = 0;
	put(&b, "[\"\"");
	put_rep(&b, ",\"\"", 9999);
	put(&b, "]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 10000);
	for (unsigned i = 1; i <= 10000; i++) {
		assert_int_equal(j.t[i].type, CL_J_STR);
		assert_int_equal(j.t[i].len, 0);
		assert_int_equal(j.t[i].s[0], '\0');
	}
	cl_json_free(&j);

	/* A long string of \u escapes and pairs. */
	b.len = 0;
	put(&b, "\"");
	put_rep(&b, "\\u00e9\\ud83d\\ude00", 3000);
	put(&b, "\"");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].len, 3000 * 6);
	for (unsigned i = 0; i < 3000; i++)
		assert_memory_equal(j.t[0].s + 6 * i, "\xc3\xa9\xf0\x9f\x98\x80", 6);
	assert_int_equal(j.t[0].s[3000 * 6], '\0');
	cl_json_free(&j);
	free(b.s);
}

/* ---- strings ------------------------------------------------------------- */

static void test_escapes(void **state)
{
	struct cl_json j;
	(void)state;
	OK(&j, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	STR_IS(&j.t[0], "\"\\/\b\f\n\r\t");
	cl_json_free(&j);

	OK(&j, "\"a\\tb\\\\\\\\c\\/\"");
	STR_IS(&j.t[0], "a\tb\\\\c/");
	cl_json_free(&j);

	/* One at a time, so no escape hides a wrong decoding of another. */
	{
		static const struct {
			const char *in, *out;
		} one[] = {
			{"\"\\\"\"", "\""}, {"\"\\\\\"", "\\"}, {"\"\\/\"", "/"},  {"\"\\b\"", "\b"},
			{"\"\\f\"", "\f"},  {"\"\\n\"", "\n"},  {"\"\\r\"", "\r"}, {"\"\\t\"", "\t"},
		};
		for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
			ok_n(&j, one[i].in, strlen(one[i].in));
			assert_int_equal(j.t[0].len, 1);
			assert_string_equal(j.t[0].s, one[i].out);
			cl_json_free(&j);
		}
	}

	BAD("\"\\a\"", 2, "invalid escape '\\a'");
	BAD("\"\\x41\"", 2, "invalid escape");
	BAD("\"\\'\"", 2, "invalid escape");
	BAD("\"\\U0041\"", 2, "invalid escape");
	BAD("\"\\0\"", 2, "invalid escape");
	BAD("\"\\ \"", 2, "invalid escape");
	BAD("\"ab\\", 4, "ends inside an escape");
	BAD("\"ab\\\"", 6, "ends inside a string");
}

static void test_unicode_escapes(void **state)
{
	static const struct {
		const char *in;
		const char *out;
		size_t outlen;
	} cases[] = {
		{"\"\\u0041\"", "A", 1},
		{"\"\\u0001\"", "\x01", 1},
		{"\"\\u001f\"", "\x1f", 1},
		{"\"\\u007F\"", "\x7f", 1},
		{"\"\\u0080\"", "\xc2\x80", 2},
		{"\"\\u00e9\"", "\xc3\xa9", 2},
		{"\"\\u00Ff\"", "\xc3\xbf", 2},
		{"\"\\u07ff\"", "\xdf\xbf", 2},
		{"\"\\u0800\"", "\xe0\xa0\x80", 3},
		{"\"\\u20AC\"", "\xe2\x82\xac", 3},
		{"\"\\ud7ff\"", "\xed\x9f\xbf", 3},
		{"\"\\ue000\"", "\xee\x80\x80", 3},
		{"\"\\uFFFF\"", "\xef\xbf\xbf", 3},
		{"\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 4},    /* U+10000 */
		{"\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4},    /* U+1F600 */
		{"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},    /* U+10FFFF */
		{"\"x\\u00e9y\\ud83d\\ude00z\"", "x\xc3\xa9y\xf0\x9f\x98\x80z", 9},
		{"\"\\u0022\\u005c\"", "\"\\", 2},
	};
	struct cl_json j;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok_n(&j, cases[i].in, strlen(cases[i].in));
		if (j.t[0].len != cases[i].outlen || memcmp(j.t[0].s, cases[i].out, cases[i].outlen) != 0)
			fail_msg("case %zu (%s): decoded %u bytes", i, cases[i].in, j.t[0].len);
		assert_int_equal(j.t[0].s[cases[i].outlen], '\0');
		cl_json_free(&j);
	}

	BAD("\"\\u12\"", 2, "4 hex digits");
	BAD("\"\\u12G4\"", 2, "4 hex digits");
	BAD("\"\\u 123\"", 2, "4 hex digits");
	BAD("\"\\u+123\"", 2, "4 hex digits");
	BAD("\"\\u", 2, "4 hex digits");
	BAD("\"ab\\u004", 4, "4 hex digits");
}

static void test_surrogates(void **state)
{
	(void)state;
	BAD("\"\\ud800\"", 2, "lone high surrogate \\ud800");
	BAD("\"\\uDBFF\"", 2, "lone high surrogate \\udbff");
	BAD("\"ab\\ud83dx\"", 4, "lone high surrogate");
	BAD("\"\\ud800\\u0041\"", 2, "lone high surrogate");
	BAD("\"\\ud800\\ud800\"", 2, "lone high surrogate");
	BAD("\"\\ud800\\ue000\"", 2, "lone high surrogate");
	BAD("\"\\ud800\\n\"", 2, "lone high surrogate");
	BAD("\"\\ud800\\udc0\"", 2, "lone high surrogate");
	BAD("\"\\ud800\\u", 2, "lone high surrogate");
	BAD("\"\\ud800", 2, "lone high surrogate");
	BAD("\"\\udc00\"", 2, "lone low surrogate \\udc00");
	BAD("\"\\uDFFF\"", 2, "lone low surrogate \\udfff");
	BAD("\"\\ude00\\ud83d\"", 2, "lone low surrogate"); /* reversed pair */
	BAD("\"\\ud83d\\ude00\\ude00\"", 14, "lone low surrogate");
	/* Raw (UTF-8 encoded) surrogates are invalid UTF-8. */
	BAD("\"\xed\xa0\x80\"", 2, "invalid UTF-8");
	BAD("\"\xed\xb0\x80\"", 2, "invalid UTF-8");
	BAD("\"\xed\xa0\xbd\xed\xb8\x80\"", 2, "invalid UTF-8"); /* CESU-8 pair */
}

static void test_nul(void **state)
{
	(void)state;
	BAD("\"\\u0000\"", 2, "NUL");
	BAD("\"abc\\u0000\"", 5, "NUL");
	BAD("{\"a\\u0000\":1}", 4, "NUL");
	BAD("\"a\0b\"", 3, "control character 0x00");
	BAD("{\"a\0\":1}", 4, "control character 0x00");
	BAD("1\0", 2, "byte 0x00");
	BAD("\0", 1, "byte 0x00");
	BAD("[1,\0]", 4, "byte 0x00");
	BAD("{}\0", 3, "the end of the line");
}

static void test_control_characters(void **state)
{
	struct cl_json j;
	(void)state;
	BAD("\"a\nb\"", 3, "control character 0x0a");
	BAD("\"a\tb\"", 3, "control character 0x09");
	BAD("\"\r\"", 2, "control character 0x0d");
	BAD("\"\x1f\"", 2, "control character 0x1f");
	BAD("\"\x01\"", 2, "control character 0x01");
	/* DEL is no control character to JSON. */
	OK(&j, "\"\x7f\"");
	STR_IS(&j.t[0], "\x7f");
	cl_json_free(&j);
	OK(&j, "\" ~\"");
	STR_IS(&j.t[0], " ~");
	cl_json_free(&j);
}

static void test_utf8_valid(void **state)
{
	static const char *const good[] = {
		"\xc2\x80",         /* U+0080 */
		"\xdf\xbf",         /* U+07FF */
		"\xe0\xa0\x80",     /* U+0800 */
		"\xed\x9f\xbf",     /* U+D7FF */
		"\xee\x80\x80",     /* U+E000 */
		"\xef\xbf\xbf",     /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
		"\xe9\x86\x8b\xe9\x85\xb8\xe9\x85\x90", /* 醋酸酐 */
		"a\xc3\xa9z\xf0\x9f\x98\x80",
	};
	struct cl_json j;
	char in[64];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int n = snprintf(in, sizeof(in), "\"%s\"", good[i]);
		ok_n(&j, in, (size_t)n);
		assert_int_equal(j.t[0].len, strlen(good[i]));
		assert_string_equal(j.t[0].s, good[i]);
		cl_json_free(&j);
	}
	/* Keys are strings too. */
	OK(&j, "{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\"}");
	STR_IS(&j.t[1], "\xc3\xa9");
	STR_IS(&j.t[2], "\xf0\x9f\x98\x80");
	cl_json_free(&j);
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	BAD("\"\x80\"", 2, "invalid UTF-8: byte 0x80");         /* lone continuation */
	BAD("\"\xbf\"", 2, "invalid UTF-8: byte 0xbf");
	BAD("\"\xc0\x80\"", 2, "invalid UTF-8: byte 0xc0");     /* overlong NUL */
	BAD("\"\xc0\xaf\"", 2, "invalid UTF-8");                /* overlong '/' */
	BAD("\"\xc1\xbf\"", 2, "invalid UTF-8: byte 0xc1");     /* overlong U+7F */
	BAD("\"\xe0\x80\x80\"", 2, "invalid UTF-8: byte 0xe0"); /* overlong 3-byte */
	BAD("\"\xe0\x9f\xbf\"", 2, "invalid UTF-8");            /* overlong U+07FF */
	BAD("\"\xf0\x80\x80\x80\"", 2, "invalid UTF-8");        /* overlong 4-byte */
	BAD("\"\xf0\x8f\xbf\xbf\"", 2, "invalid UTF-8");        /* overlong U+FFFF */
	BAD("\"\xed\xbf\xbf\"", 2, "invalid UTF-8");            /* U+DFFF */
	BAD("\"\xf4\x90\x80\x80\"", 2, "invalid UTF-8: byte 0xf4"); /* U+110000 */
	BAD("\"\xf5\x80\x80\x80\"", 2, "invalid UTF-8: byte 0xf5");
	BAD("\"\xf7\xbf\xbf\xbf\"", 2, "invalid UTF-8");
	BAD("\"\xf8\x88\x80\x80\x80\"", 2, "invalid UTF-8: byte 0xf8"); /* 5-byte form */
	BAD("\"\xfc\x84\x80\x80\x80\x80\"", 2, "invalid UTF-8");        /* 6-byte form */
	BAD("\"\xfe\"", 2, "invalid UTF-8: byte 0xfe");
	BAD("\"\xff\"", 2, "invalid UTF-8: byte 0xff");
	BAD("\"\xc3\x28\"", 2, "invalid UTF-8");     /* bad continuation */
	BAD("\"\xe2\x82\x28\"", 2, "invalid UTF-8"); /* bad 3rd byte */
	BAD("\"\xf0\x9f\x98\x28\"", 2, "invalid UTF-8"); /* bad 4th byte */
	BAD("\"\xe2\x82\"", 2, "invalid UTF-8");     /* truncated by the quote */
	BAD("\"\xf0\x9f\x98\"", 2, "invalid UTF-8");
	BAD("\"\xc3", 2, "invalid UTF-8");           /* truncated by the end */
	BAD("\"\xe2\x82", 2, "invalid UTF-8");
	BAD("\"\xf0\x9f\x98", 2, "invalid UTF-8");
	BAD("\"ok\xc3\xa9\xc3\"", 6, "invalid UTF-8: byte 0xc3");
	BAD("{\"\xff\":1}", 3, "invalid UTF-8");     /* in a key */
	/* Outside strings, no byte >= 0x80 belongs to JSON. */
	BAD("\xef\xbb\xbf{}", 1, "byte 0xef");        /* a BOM */
	BAD("\xc3\xa9", 1, "byte 0xc3");
	BAD("{}\xc2\xa0", 3, "byte 0xc2");            /* NBSP */
	BAD("[1,\xe2\x80\x83" "2]", 4, "byte 0xe2"); /* EM SPACE */
}

/* ---- structure ----------------------------------------------------------- */

static void test_whitespace_and_ends(void **state)
{
	struct cl_json j;
	(void)state;
	BAD("", 1, "the line ends where a value was expected");
	BAD(" ", 2, "the line ends where a value was expected");
	BAD(" \t\r\n", 5, "the line ends where a value was expected");
	/* Only space, tab, CR and LF are whitespace. */
	BAD("\f1", 1, "byte 0x0c");
	BAD("\v1", 1, "byte 0x0b");
	BAD("1\f", 2, "byte 0x0c");
	BAD("[1,\v2]", 4, "byte 0x0b");
	/* Trailing garbage and a second value. */
	BAD("1 2", 3, "expected the end of the line, found '2'");
	BAD("{}x", 3, "the end of the line");
	BAD("{} {}", 4, "the end of the line");
	BAD("[]]", 3, "the end of the line");
	BAD("nullx", 5, "the end of the line");
	BAD("\"a\"\"b\"", 4, "the end of the line");
	BAD("1x", 2, "the end of the line");
	BAD("{}\n{}", 4, "the end of the line");
	BAD("0 ,", 3, "the end of the line");
	/* Comments are no JSON. */
	BAD("/* */ 1", 1, "a value");
	BAD("[1]//", 4, "the end of the line");
	BAD("# x\n1", 1, "a value");

	OK(&j, "\r\n\t 7 \t\r\n");
	assert_int_equal(j.t[0].i, 7);
	cl_json_free(&j);
}

static void test_structure_errors(void **state)
{
	(void)state;
	BAD("[", 2, "the line ends where a value was expected");
	BAD("{", 2, "the line ends where a \"key\" was expected");
	BAD("[1", 3, "the line ends where ',' or ']' was expected");
	BAD("{\"a\":1", 7, "',' or '}'");
	BAD("{\"a\"", 5, "':'");
	BAD("{\"a\":", 6, "a value");
	BAD("]", 1, "a value");
	BAD("}", 1, "a value");
	BAD(",", 1, "a value");
	BAD(":", 1, "a value");
	BAD("[1,]", 4, "expected a value, found ']'");
	BAD("[,1]", 2, "a value");
	BAD("[1,,2]", 4, "a value");
	BAD("[1 2]", 4, "',' or ']'");
	BAD("[1:2]", 3, "',' or ']'");
	BAD("[}", 2, "a value");
	BAD("{]", 2, "\"key\"");
	BAD("{\"a\":1,}", 8, "\"key\"");
	BAD("{,}", 2, "\"key\"");
	BAD("{\"a\"}", 5, "':'");
	BAD("{\"a\" 1}", 6, "':'");
	BAD("{\"a\"=1}", 5, "':'");
	BAD("{\"a\":1 \"b\":2}", 8, "',' or '}'");
	BAD("{\"a\":1;\"b\":2}", 7, "',' or '}'");
	BAD("{a:1}", 2, "\"key\"");
	BAD("{'a':1}", 2, "\"key\"");
	BAD("{1:1}", 2, "\"key\"");
	BAD("{null:1}", 2, "\"key\"");
	BAD("'a'", 1, "a value");
	BAD("\"abc", 5, "the line ends inside a string");
	BAD("[\"abc]", 7, "inside a string");
	BAD("{\"a\":1]", 7, "',' or '}'");
	BAD("[1}", 3, "',' or ']'");
	/* Literals are exact and lower case. */
	BAD("tru", 1, "a value");
	BAD("True", 1, "a value");
	BAD("nul", 1, "a value");
	BAD("NULL", 1, "a value");
	BAD("fals", 1, "a value");
	BAD("falsy", 1, "a value");
	BAD("nulll", 5, "the end of the line");
	BAD("[tRue]", 2, "a value");
	BAD("undefined", 1, "a value");
}

/* ---- numbers ------------------------------------------------------------- */

static void test_numbers(void **state)
{
	static const struct {
		const char *in;
		int64_t i;
	} ints[] = {
		{"0", 0},
		{"-0", 0},
		{"1", 1},
		{"-1", -1},
		{"10", 10},
		{"1234567890", 1234567890},
		{"-987654321", -987654321},
		{"4294967296", 4294967296},
		{"9223372036854775807", INT64_MAX},
		{"-9223372036854775808", INT64_MIN},
		{"9223372036854775806", INT64_MAX - 1},
		{"-9223372036854775807", INT64_MIN + 1},
		{"922337203685477580", 922337203685477580},
	};
	static const char *const reals[] = {
		"0.0", "-0.0", "1.5", "0.5", "-0.5", "1e5", "1E5", "1e+5", "1e-5", "1.5e3", "-1.5E-3", "0e0",
		"0E+0", "1.0", "123.456e789", "1e999", "9223372036854775808.0", "9223372036854775808e0",
		"-9223372036854775809.5", "99999999999999999999999999.0",
	};
	struct cl_json j;
	char in[64];
	(void)state;

	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		ok_n(&j, ints[k].in, strlen(ints[k].in));
		assert_int_equal(j.t[0].type, CL_J_INT);
		if (j.t[0].i != ints[k].i)
			fail_msg("%s read as %lld", ints[k].in, (long long)j.t[0].i);
		cl_json_free(&j);
	}
	for (size_t k = 0; k < sizeof(reals) / sizeof(reals[0]); k++) {
		ok_n(&j, reals[k], strlen(reals[k]));
		if (j.t[0].type != CL_J_REAL)
			fail_msg("%s: type %d, want CL_J_REAL", reals[k], j.t[0].type);
		cl_json_free(&j);
	}
	/* Inside containers and next to delimiters. */
	OK(&j, "[-9223372036854775808,9223372036854775807,0,-0,1.5]");
	assert_int_equal(j.t[0].n, 5);
	assert_true(j.t[1].i == INT64_MIN);
	assert_true(j.t[2].i == INT64_MAX);
	assert_int_equal(j.t[3].i, 0);
	assert_int_equal(j.t[4].i, 0);
	assert_int_equal(j.t[5].type, CL_J_REAL);
	cl_json_free(&j);
	OK(&j, "{\"n\":-12}");
	assert_int_equal(j.t[2].type, CL_J_INT);
	assert_int_equal(j.t[2].i, -12);
	cl_json_free(&j);

	/* One beyond int64, either way, and far beyond. */
	BAD("9223372036854775808", 1, "integer does not fit in 64 bits");
	BAD("-9223372036854775809", 1, "integer does not fit in 64 bits");
	BAD("9223372036854775810", 1, "64 bits");
	BAD("18446744073709551615", 1, "64 bits");
	BAD("18446744073709551616", 1, "64 bits");
	BAD("-18446744073709551616", 1, "64 bits");
	BAD("99999999999999999999999999", 1, "64 bits");
	BAD("[1,-9223372036854775809]", 4, "64 bits");
	BAD("{\"a\":9223372036854775808}", 6, "64 bits");
	/* Every way a number can be cut short or mis-spelt. */
	BAD("-", 1, "a number needs digits");
	BAD("-a", 1, "a number needs digits");
	BAD("- 1", 1, "a number needs digits");
	BAD("--1", 1, "a number needs digits");
	BAD("[-]", 2, "a number needs digits");
	BAD("1.", 1, "a number needs digits after '.'");
	BAD("1.e5", 1, "digits after '.'");
	BAD("-1.", 1, "digits after '.'");
	BAD("[1.]", 2, "digits after '.'");
	BAD("1e", 1, "a number needs digits in its exponent");
	BAD("1E", 1, "exponent");
	BAD("1e+", 1, "exponent");
	BAD("1e-", 1, "exponent");
	BAD("1.5e", 1, "exponent");
	BAD("1e+-1", 1, "exponent");
	BAD("[1e]", 2, "exponent");
	BAD(".5", 1, "a value");
	BAD("+1", 1, "a value");
	BAD("1.5.", 4, "the end of the line");
	BAD("1e5.0", 4, "the end of the line");
	BAD("1e5e5", 4, "the end of the line");
	BAD("0x10", 2, "the end of the line");
	BAD("Infinity", 1, "a value");
	BAD("-Infinity", 1, "a number needs digits");
	BAD("NaN", 1, "a value");
	/* Leading zeros. */
	BAD("01", 1, "a number may not have leading zeros");
	BAD("00", 1, "leading zeros");
	BAD("-01", 1, "leading zeros");
	BAD("-00", 1, "leading zeros");
	BAD("00.5", 1, "leading zeros");
	BAD("007", 1, "leading zeros");
	BAD("[1,01]", 4, "leading zeros");
	BAD("{\"a\":00}", 6, "leading zeros");

	/* Each boundary once more through snprintf, so the literals above
	 * cannot drift from INT64_MIN/MAX. */
	snprintf(in, sizeof(in), "%lld", (long long)INT64_MAX);
	ok_n(&j, in, strlen(in));
	assert_true(j.t[0].i == INT64_MAX);
	cl_json_free(&j);
	snprintf(in, sizeof(in), "%lld", (long long)INT64_MIN);
	ok_n(&j, in, strlen(in));
	assert_true(j.t[0].i == INT64_MIN);
	cl_json_free(&j);
}

/* ---- duplicate keys ------------------------------------------------------ */

static void test_duplicates_small(void **state)
{
	struct cl_json j;
	struct buf b = {0};
	(void)state;
	BAD("{\"a\":1,\"a\":2}", 1, "duplicate key \"a\"");
	BAD("{\"a\":1,\"b\":2,\"a\":3}", 1, "duplicate key \"a\"");
	BAD("{\"\":1,\"\":2}", 1, "duplicate key \"\"");
	BAD("{\"a\":1,\"\\u0061\":2}", 1, "duplicate key \"a\""); /* equal once decoded */
	BAD("{\"\\/\":1,\"/\":2}", 1, "duplicate key \"/\"");
	BAD("{\"\xc3\xa9\":1,\"\\u00e9\":2}", 1, "duplicate key");
	BAD("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 1, "duplicate key");
	BAD("[0,{\"x\":{\"a\":1,\"a\":1}}]", 9, "duplicate key \"a\"");
	BAD("{\"a\":{},\"a\":{}}", 1, "duplicate key");

	/* Same key in different objects, and keys that only share a prefix. */
	OK(&j, "{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]}");
	cl_json_free(&j);
	OK(&j, "{\"a\":1,\"ab\":2,\"abc\":3,\"b\":4,\"A\":5,\"\":6,\"a \":7}");
	assert_int_equal(j.t[0].n, 7);
	cl_json_free(&j);

	/* 32 members, the most the pairwise check sees: distinct is fine, a
	 * repeat anywhere (first with last, or neighbours) is not. */
	object_of(&b, 32, 99, NULL);
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 32);
	cl_json_free(&j);
	b.len = 0;
	object_of(&b, 32, 31, "k0");
	bad_n(b.s, b.len, 1, "duplicate key \"k0\"");
	b.len = 0;
	object_of(&b, 32, 16, "k15");
	bad_n(b.s, b.len, 1, "duplicate key \"k15\"");
	free(b.s);
}

static void test_duplicates_large(void **state)
{
	struct cl_json j;
	struct buf b = {0};
	(void)state;

	/* 33 and 40 members go through the sort. */
	object_of(&b, 33, 99, NULL);
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 33);
	cl_json_free(&j);

	b.len = 0;
	object_of(&b, 40, 99, NULL);
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 40);
	assert_int_equal(j.n, 81);
	/* The sort works on a copy of the key list: document order stays. */
	for (unsigned i = 0; i < 40; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%u", i);
		assert_string_equal(j.t[1 + 2 * i].s, k);
		assert_int_equal(j.t[2 + 2 * i].i, i);
	}
	cl_json_free(&j);

	b.len = 0;
	object_of(&b, 33, 32, "k0");
	bad_n(b.s, b.len, 1, "duplicate key \"k0\"");
	b.len = 0;
	object_of(&b, 40, 39, "k0");
	bad_n(b.s, b.len, 1, "duplicate key \"k0\"");
	b.len = 0;
	object_of(&b, 40, 0, "k39");
	bad_n(b.s, b.len, 1, "duplicate key \"k39\"");
	b.len = 0;
	object_of(&b, 40, 21, "k20");
	bad_n(b.s, b.len, 1, "duplicate key \"k20\"");
	b.len = 0;
	object_of(&b, 40, 5, "k\\u00337"); /* "k37", spelt with an escape */
	bad_n(b.s, b.len, 1, "duplicate key \"k37\"");
	/* Keys equal only in a prefix, or in length, are distinct. */
	b.len = 0;
	object_of(&b, 40, 7, "k3x");
	ok_n(&j, b.s, b.len);
	cl_json_free(&j);

	/* Inside an array, at column 2. */
	b.len = 0;
	put(&b, "[");
	object_of(&b, 40, 39, "k1");
	put(&b, "]");
	bad_n(b.s, b.len, 2, "duplicate key \"k1\"");

	/* Many members, every key a different length of the same letter. */
	b.len = 0;
	put(&b, "{");
	for (unsigned i = 1; i <= 100; i++) {
		put(&b, i > 1 ? ",\"" : "\"");
		put_rep(&b, "x", i);
		put(&b, "\":0");
	}
	put(&b, "}");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 100);
	cl_json_free(&j);
	b.s[b.len - 1] = '\0';
	b.len--;
	put(&b, ",\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}"); /* 49 x */
	bad_n(b.s, b.len, 1, "duplicate key \"xxxxxxxx");
	free(b.s);
}

/* ---- depth --------------------------------------------------------------- */

/* depth containers opened with `open` and closed with `close` around
 * `inner`. */
static void nested(struct buf *b, unsigned depth, const char *open, const char *inner, const char *close)
{
	b->len = 0;
	put(b, "");
	put_rep(b, open, depth);
	put(b, inner);
	put_rep(b, close, depth);
}

static void test_depth(void **state)
{
	struct cl_json j;
	struct buf b = {0};
	(void)state;

	/* The root is depth 1: 64 nested empty arrays are the most. */
	nested(&b, CL_JSON_DEPTH, "[", "", "]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.n, 64);
	for (unsigned i = 0; i < 63; i++) {
		assert_int_equal(j.t[i].type, CL_J_ARR);
		assert_int_equal(j.t[i].n, 1);
		assert_int_equal(j.t[i].end, 64);
	}
	assert_int_equal(j.t[63].n, 0);
	cl_json_free(&j);
	nested(&b, CL_JSON_DEPTH + 1, "[", "", "]");
	bad_n(b.s, b.len, 65, "nested more than 64 deep");
	nested(&b, 1000, "[", "", "]");
	bad_n(b.s, b.len, 65, "nested more than 64 deep");

	/* A scalar is a level too: 63 arrays around one, not 64. */
	nested(&b, CL_JSON_DEPTH - 1, "[", "1", "]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[63].type, CL_J_INT);
	assert_int_equal(j.t[63].i, 1);
	cl_json_free(&j);
	nested(&b, CL_JSON_DEPTH, "[", "1", "]");
	bad_n(b.s, b.len, 65, "nested more than 64 deep");

	/* Objects: the same count, their values one level down. */
	nested(&b, CL_JSON_DEPTH - 1, "{\"a\":", "{}", "}");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.n, 63 * 2 + 1);
	assert_int_equal(j.t[126].type, CL_J_OBJ);
	assert_int_equal(j.t[126].n, 0);
	cl_json_free(&j);
	nested(&b, CL_JSON_DEPTH, "{\"a\":", "{}", "}");
	bad_n(b.s, b.len, 64 * 5 + 1, "nested more than 64 deep");

	/* Mixed, and with whitespace: the column is the 65th value's. */
	nested(&b, 31, "[{\"k\": ", "[[]]", "}]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.n, 31 * 3 + 2);
	cl_json_free(&j);
	nested(&b, 32, "[{\"k\": ", "[]", "}]");
	bad_n(b.s, b.len, 32 * 7 + 1, "nested more than 64 deep");
	nested(&b, 31, "[{\"k\": ", "[[[]]]", "}]");
	bad_n(b.s, b.len, 31 * 7 + 3, "nested more than 64 deep");

	/* Deep but then shallow again: depth is not a running count. */
	b.len = 0;
	put(&b, "[");
	for (int i = 0; i < 100; i++) {
		put(&b, i ? "," : "");
		put_rep(&b, "[", 63);
		put_rep(&b, "]", 63);
	}
	put(&b, "]");
	ok_n(&j, b.s, b.len);
	assert_int_equal(j.t[0].n, 100);
	cl_json_free(&j);
	free(b.s);
}

/* ---- cl_json_get --------------------------------------------------------- */

static void test_get(void **state)
{
	struct cl_json j;
	int64_t v, o, k;
	(void)state;

	OK(&j, "{\"type\":\"x\",\"n\":5,\"o\":{\"k\":[1,2],\"b\":true},\"deep\":[[[{\"z\":1}]]],\"z\":null,"
	       "\"a\\nb\":7,\"\":8}");
	v = cl_json_get(&j, 0, "type");
	assert_int_equal(v, 2);
	STR_IS(&j.t[v], "x");
	v = cl_json_get(&j, 0, "n");
	assert_int_equal(j.t[v].type, CL_J_INT);
	assert_int_equal(j.t[v].i, 5);
	o = cl_json_get(&j, 0, "o");
	assert_true(o > 0);
	assert_int_equal(j.t[o].type, CL_J_OBJ);
	k = cl_json_get(&j, (uint32_t)o, "k");
	assert_int_equal(j.t[k].type, CL_J_ARR);
	assert_int_equal(j.t[k].n, 2);
	assert_int_equal(j.t[k + 2].i, 2);
	v = cl_json_get(&j, (uint32_t)o, "b");
	assert_int_equal(j.t[v].type, CL_J_TRUE);
	/* "z" of the root, not the one nested inside "deep". */
	v = cl_json_get(&j, 0, "z");
	assert_int_equal(j.t[v].type, CL_J_NULL);
	assert_int_equal(j.t[v - 1].type, CL_J_STR);
	assert_string_equal(j.t[v - 1].s, "z");
	v = cl_json_get(&j, 0, "a\nb");
	assert_int_equal(j.t[v].i, 7);
	v = cl_json_get(&j, 0, "");
	assert_int_equal(j.t[v].i, 8);
	assert_int_equal(v + 1, j.n);

	/* Missing keys, near misses, and members of the wrong object. */
	assert_int_equal(cl_json_get(&j, 0, "q"), -1);
	assert_int_equal(cl_json_get(&j, 0, "ty"), -1);
	assert_int_equal(cl_json_get(&j, 0, "types"), -1);
	assert_int_equal(cl_json_get(&j, 0, "Type"), -1);
	assert_int_equal(cl_json_get(&j, 0, "x"), -1);  /* a value, not a key */
	assert_int_equal(cl_json_get(&j, 0, "k"), -1);  /* only in "o" */
	assert_int_equal(cl_json_get(&j, (uint32_t)o, "n"), -1);
	/* Not an object, or no token at all. */
	assert_int_equal(cl_json_get(&j, (uint32_t)k, "k"), -1);
	assert_int_equal(cl_json_get(&j, 1, "type"), -1);
	assert_int_equal(cl_json_get(&j, j.n, "type"), -1);
	assert_int_equal(cl_json_get(&j, UINT32_MAX, "type"), -1);
	cl_json_free(&j);

	OK(&j, "{}");
	assert_int_equal(cl_json_get(&j, 0, ""), -1);
	assert_int_equal(cl_json_get(&j, 0, "a"), -1);
	cl_json_free(&j);
	OK(&j, "[{\"a\":1}]");
	assert_int_equal(cl_json_get(&j, 0, "a"), -1);
	assert_int_equal(cl_json_get(&j, 1, "a"), 3);
	cl_json_free(&j);

	/* The last of 40 members, past the sort's reordering. */
	{
		struct buf b = {0};
		object_of(&b, 40, 99, NULL);
		ok_n(&j, b.s, b.len);
		for (unsigned i = 0; i < 40; i++) {
			char key[16];
			snprintf(key, sizeof(key), "k%u", i);
			v = cl_json_get(&j, 0, key);
			assert_int_equal(v, 2 + 2 * i);
			assert_int_equal(j.t[v].i, i);
		}
		cl_json_free(&j);
		free(b.s);
	}
}

/* ---- messages ------------------------------------------------------------ */

static void test_messages(void **state)
{
	struct cl_json j;
	char msg[256], tiny[12];
	(void)state;

	/* The whole message, once. */
	assert_int_equal(cl_json_parse(&j, S("[1,]"), msg, sizeof(msg)), -1);
	cl_json_free(&j);
	assert_string_equal(msg, "invalid JSON at column 4: expected a value, found ']'");
	assert_int_equal(cl_json_parse(&j, S("[\"a\",\x01]"), msg, sizeof(msg)), -1);
	cl_json_free(&j);
	assert_string_equal(msg, "invalid JSON at column 6: expected a value, found byte 0x01");

	/* A short buffer is truncated, never overrun. */
	memset(tiny, 'Z', sizeof(tiny));
	assert_int_equal(cl_json_parse(&j, S("[1,]"), tiny, 8), -1);
	cl_json_free(&j);
	assert_string_equal(tiny, "invalid");
	assert_int_equal(tiny[8], 'Z');
	assert_int_equal(cl_json_parse(&j, S("[1,]"), NULL, 0), -1);
	cl_json_free(&j);

	/* Through the record engine: the same message, as malformed JSON. */
	{
		static const char *const lines[] = {
			"{\"type\":\"loss\",\"type\":\"loss\"}",
			"{\"type\":\"loss\",\"note\":\"\\ud800\"}",
			"{\"type\":\"loss\",\"note\":\"\\u0000\"}",
			"{\"type\":\"loss\",\"x\":9223372036854775808}",
			"{\"type\":\"loss\"} x",
			"{\"type\":\"loss\",\"note\":\"\xc0\x80\"}",
		};
		struct cl_record *r = calloc(1, sizeof(*r));
		struct cl_error err;
		assert_non_null(r);
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			memset(&err, 0, sizeof(err));
			assert_int_equal(cl_record_parse_json(r, lines[i], strlen(lines[i]), &err),
					 CL_E_MALFORMED_JSON);
			if (strstr(err.msg, "column") == NULL)
				fail_msg("no column in \"%s\" for %s", err.msg, lines[i]);
		}
		free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_nested),
		cmocka_unit_test(test_layout_scalars),
		cmocka_unit_test(test_layout_large),
		cmocka_unit_test(test_inline_limits),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_unicode_escapes),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_whitespace_and_ends),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_duplicates_small),
		cmocka_unit_test(test_duplicates_large),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
