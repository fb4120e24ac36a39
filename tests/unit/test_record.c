/*
 * test_record.c - the record engine (core/cl_record.h) and the entry codec
 * (core/cl_entry.h): JSON in and out, canonical msgpack in and out, and
 * every way a JSON line or an encoded entry must be refused.
 *
 * The valid records are the lines of /work/shared/examples/records.jsonl
 * (one of each type of SPEC §3), copied here verbatim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cl_entry.h"
#include "cl_record.h"
#include "cl_text.h"

/* ---- the examples -------------------------------------------------------- */

static const char ex_chemical[] =
	"{\"type\":\"chemical\",\"id\":\"chem-108-24-7\",\"time\":\"2024-03-01T08:00:00Z\",\"signer\":\"MPS-HY\","
	"\"cas\":\"108-24-7\",\"name\":\"Acetic anhydride 醋酸酐\",\"category\":2,\"measure\":\"volume\","
	"\"tolerance_permille\":5}";
static const char ex_party[] =
	"{\"type\":\"party\",\"id\":\"party-HN-DIST-017\",\"time\":\"2024-03-01T08:05:00Z\",\"signer\":\"MPS-HY\","
	"\"party\":\"HN-DIST-017\",\"name\":\"Hengyang Xiangjiang Chemical Trading Co.\",\"roles\":[\"vendor\"],"
	"\"key\":\"u0Jb1p0m9kq3Q8mGf2k0c5f1vQm0c3r8eYx3m2yq4aY=\",\"licences\":[{\"no\":\"HN-BUY-2024-0331\","
	"\"kind\":\"buy\",\"categories\":[2,3],\"valid_from\":\"2024-01-01T00:00:00Z\",\"valid_until\":"
	"\"2024-12-31T23:59:59Z\",\"limit\":{\"quantity\":\"20000.000\",\"uom\":\"LTR\"}},{\"no\":"
	"\"HN-SELL-2024-0090\",\"kind\":\"sell\",\"categories\":[2,3],\"valid_from\":\"2024-01-01T00:00:00Z\","
	"\"valid_until\":\"2026-12-31T23:59:59Z\"}]}";
static const char ex_batch[] =
	"{\"type\":\"batch\",\"id\":\"B-AA-240301-01\",\"time\":\"2024-03-01T09:00:00+08:00\",\"signer\":"
	"\"HN-PROD-002\",\"batch\":\"AA-240301-01\",\"cas\":\"108-24-7\",\"quantity\":\"5000.000\",\"uom\":\"LTR\","
	"\"origin\":\"production\",\"label\":\"6901234567892-AA240301-01\"}";
static const char ex_sale[] =
	"{\"type\":\"sale\",\"id\":\"S-2024-000118\",\"time\":\"2024-03-02T10:30:00+08:00\",\"signer\":\"HN-PROD-002\","
	"\"batch\":\"AA-240301-01\",\"buyer\":\"HN-DIST-017\",\"quantity\":\"1200.000\",\"uom\":\"LTR\","
	"\"buyer_licence\":\"HN-BUY-2024-0331\",\"carrier\":\"HN-HAZ-004\",\"transport_permit\":"
	"\"YS-430400-2024-0212\"}";
static const char ex_check[] =
	"{\"type\":\"check\",\"id\":\"K-G4-2024-03-02-07\",\"time\":\"2024-03-02T14:12:00+08:00\",\"signer\":"
	"\"HY-POLICE-G4\",\"sale\":\"S-2024-000118\",\"quantity\":\"1200.000\",\"uom\":\"LTR\",\"location\":"
	"\"G4 expressway, Hengyang north toll station\",\"seal\":\"intact\",\"note\":\"transport permit "
	"YS-430400-2024-0212 shown\"}";
static const char ex_handoff[] =
	"{\"type\":\"handoff\",\"id\":\"H-2024-000118\",\"time\":\"2024-03-02T17:40:00+08:00\",\"signer\":"
	"\"HN-DIST-017\",\"sale\":\"S-2024-000118\",\"quantity\":\"1199.500\",\"uom\":\"LTR\"}";
static const char ex_loss[] =
	"{\"type\":\"loss\",\"id\":\"L-2024-000031\",\"time\":\"2024-03-20T11:00:00+08:00\",\"signer\":\"HN-DIST-017\","
	"\"batch\":\"AA-240301-01\",\"quantity\":\"0.500\",\"uom\":\"LTR\",\"reason\":\"destroyed\",\"note\":"
	"\"damaged drum, destroyed under supervision\"}";
static const char ex_revoke[] =
	"{\"type\":\"revoke\",\"id\":\"R-2024-0007\",\"time\":\"2024-04-01T09:00:00+08:00\",\"signer\":\"MPS-HY\","
	"\"party\":\"HN-DIST-017\",\"licence\":\"HN-BUY-2024-0331\",\"reason\":\"purchases inconsistent with "
	"declared use\"}";

static const struct {
	const char *line;
	uint32_t type;
} examples[] = {
	{ex_chemical, CL_REC_CHEMICAL}, {ex_party, CL_REC_PARTY},     {ex_batch, CL_REC_BATCH},
	{ex_sale, CL_REC_SALE},         {ex_check, CL_REC_CHECK},     {ex_handoff, CL_REC_HANDOFF},
	{ex_loss, CL_REC_LOSS},         {ex_revoke, CL_REC_REVOKE},
};
#define N_EXAMPLES (sizeof(examples) / sizeof(examples[0]))

/* Optional fields by SPEC §3 (everything else is required). */
static int spec_optional(const char *field)
{
	static const char *const opt[] = {"sig", "label", "carrier", "transport_permit", "note", "licence", "limit",
					  NULL};
	for (int i = 0; opt[i]; i++)
		if (strcmp(opt[i], field) == 0)
			return 1;
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static struct cl_record *rec_new(void)
{
	struct cl_record *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	return r;
}

static int parse(struct cl_record *r, const char *line, struct cl_error *err)
{
	memset(err, 0, sizeof(*err));
	return cl_record_parse_json(r, line, strlen(line), err);
}

/* A JSON line edited with jansson: caller frees. */
static char *edit_set(const char *line, const char *key, json_t *value)
{
	json_t *o = json_loads(line, 0, NULL);
	char *s;
	assert_non_null(o);
	json_object_set_new(o, key, value);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static char *edit_del(const char *line, const char *key)
{
	json_t *o = json_loads(line, 0, NULL);
	char *s;
	assert_non_null(o);
	assert_int_equal(json_object_del(o, key), 0);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Expects line to be rejected with code and a message containing needle. */
static void expect_reject(const char *line, int code, const char *needle)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	int rc = parse(r, line, &err);
	if (rc != code)
		fail_msg("want %s got %s (%s) for %.300s", cl_status_name(code), cl_status_name(rc), err.msg, line);
	if (needle && strstr(err.msg, needle) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\" for %.300s", err.msg, needle, line);
	assert_int_equal(err.code, code);
	free(r);
}

static void expect_accept(const char *line)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	int rc = parse(r, line, &err);
	if (rc != 0)
		fail_msg("rejected %s (%s): %.300s", cl_status_name(rc), err.msg, line);
	free(r);
}

/* Like expect_reject, for a line with one field replaced (value is stolen). */
static void reject_set(const char *line, const char *key, json_t *value, int code, const char *needle)
{
	char *s = edit_set(line, key, value);
	expect_reject(s, code, needle);
	free(s);
}

static void accept_set(const char *line, const char *key, json_t *value)
{
	char *s = edit_set(line, key, value);
	expect_accept(s);
	free(s);
}

static void pack(const struct cl_record *r, bool with_sig, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(cl_record_pack(r, with_sig, &pk), 0);
}

/* ---- valid records ------------------------------------------------------- */

static void test_parse_examples(void **state)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	(void)state;
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		int rc = parse(r, examples[i].line, &err);
		if (rc)
			fail_msg("example %zu rejected: %s %s", i, cl_status_name(rc), err.msg);
		assert_int_equal(r->type, examples[i].type);
		assert_false(cl_record_has(r, "sig"));
		assert_true(cl_record_has(r, "id"));
		assert_true(cl_record_has(r, "time"));
	}
	free(r);
}

static void test_parse_values(void **state)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	(void)state;

	assert_int_equal(parse(r, ex_chemical, &err), 0);
	assert_string_equal(r->id, "chem-108-24-7");
	assert_string_equal(r->signer, "MPS-HY");
	assert_true(r->time == 1709280000);
	assert_string_equal(r->cas, "108-24-7");
	assert_string_equal(r->name, "Acetic anhydride 醋酸酐");
	assert_int_equal(r->category, 2);
	assert_int_equal(r->measure, CL_MEASURE_VOLUME);
	assert_int_equal(r->tolerance_permille, 5);

	assert_int_equal(parse(r, ex_party, &err), 0);
	assert_string_equal(r->party, "HN-DIST-017");
	assert_int_equal(r->roles, 1u << CL_ROLE_VENDOR);
	assert_int_equal(r->licences.n, 2);
	assert_string_equal(r->licences.items[0].no, "HN-BUY-2024-0331");
	assert_int_equal(r->licences.items[0].kind, CL_LIC_BUY);
	assert_int_equal(r->licences.items[0].categories, (1u << 2) | (1u << 3));
	assert_true(r->licences.items[0].valid_from == 1704067200);
	assert_true(r->licences.items[0].valid_until == 1735689599);
	assert_true(r->licences.items[0].limit.qty.base == 20000000);
	assert_int_equal(r->licences.items[0].limit.qty.uom, CL_UOM_LTR);
	assert_int_equal(r->licences.items[1].kind, CL_LIC_SELL);
	assert_int_equal(r->licences.items[1].limit.present, 0);
	assert_int_equal(r->key[0], 0xbb); /* "u0Jb" = bb 42 5b */
	assert_int_equal(r->key[1], 0x42);
	assert_int_equal(r->key[2], 0x5b);

	assert_int_equal(parse(r, ex_batch, &err), 0);
	assert_true(r->time == 1709254800); /* 09:00+08:00 = 01:00Z */
	assert_true(r->qty.base == 5000000);
	assert_int_equal(r->qty.uom, CL_UOM_LTR);
	assert_int_equal(r->origin, CL_ORIGIN_PRODUCTION);
	assert_string_equal(r->label, "6901234567892-AA240301-01");
	assert_true(cl_record_has(r, "label"));

	assert_int_equal(parse(r, ex_sale, &err), 0);
	assert_true(r->qty.base == 1200000);
	assert_string_equal(r->buyer, "HN-DIST-017");
	assert_string_equal(r->buyer_licence, "HN-BUY-2024-0331");
	assert_string_equal(r->carrier, "HN-HAZ-004");
	assert_string_equal(r->transport_permit, "YS-430400-2024-0212");

	assert_int_equal(parse(r, ex_check, &err), 0);
	assert_int_equal(r->seal, CL_SEAL_INTACT);
	assert_string_equal(r->location, "G4 expressway, Hengyang north toll station");
	assert_true(cl_record_has(r, "note"));

	assert_int_equal(parse(r, ex_handoff, &err), 0);
	assert_true(r->qty.base == 1199500);
	assert_true(r->time == 1709372400);

	assert_int_equal(parse(r, ex_loss, &err), 0);
	assert_true(r->qty.base == 500);
	assert_int_equal(r->loss_reason, CL_LOSS_DESTROYED);

	assert_int_equal(parse(r, ex_revoke, &err), 0);
	assert_string_equal(r->licence, "HN-BUY-2024-0331");
	assert_string_equal(r->reason_text, "purchases inconsistent with declared use");
	free(r);
}

/* The printed form: schema order, times in UTC, quantities in their unit. */
static void test_to_json_exact(void **state)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	json_t *j;
	char *s;
	(void)state;
	assert_int_equal(parse(r, ex_handoff, &err), 0);
	j = cl_record_to_json(r);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"type\":\"handoff\",\"id\":\"H-2024-000118\",\"time\":\"2024-03-02T09:40:00Z\","
			       "\"signer\":\"HN-DIST-017\",\"sale\":\"S-2024-000118\",\"quantity\":\"1199.500\","
			       "\"uom\":\"LTR\"}");
	free(s);
	json_decref(j);

	/* GRM given with zero decimals is printed whole; the sig comes last */
	assert_int_equal(parse(r, "{\"uom\":\"GRM\",\"quantity\":\"250.000\",\"sig\":\"" /* 64 zero bytes */
				  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\","
				  "\"type\":\"loss\",\"id\":\"L-1\",\"time\":\"2024-03-20T11:00:00+08:00\",\"signer\":\"X\","
				  "\"batch\":\"B\",\"reason\":\"consumed\"}",
			    &err),
			 0);
	j = cl_record_to_json(r);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"type\":\"loss\",\"id\":\"L-1\",\"time\":\"2024-03-20T03:00:00Z\",\"signer\":\"X\","
			       "\"batch\":\"B\",\"quantity\":\"250\",\"uom\":\"GRM\",\"reason\":\"consumed\",\"sig\":"
			       "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}");
	free(s);
	json_decref(j);
	free(r);
}

static void test_json_round_trip(void **state)
{
	struct cl_record *a = rec_new(), *b = rec_new();
	struct cl_error err;
	(void)state;
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		json_t *j;
		char *s1, *s2;
		assert_int_equal(parse(a, examples[i].line, &err), 0);
		j = cl_record_to_json(a);
		assert_non_null(j);
		s1 = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (parse(b, s1, &err) != 0)
			fail_msg("example %zu: printed form rejected: %s: %s", i, err.msg, s1);
		assert_true(cl_record_same_content(a, b));
		assert_true(cl_record_same_content(b, a));
		j = cl_record_to_json(b);
		s2 = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		assert_string_equal(s1, s2); /* printing is a fixed point */
		free(s1);
		free(s2);
	}
	free(a);
	free(b);
}

static void test_pack_round_trip(void **state)
{
	struct cl_record *a = rec_new(), *b = rec_new();
	struct cl_error err;
	msgpack_sbuffer s1, s2;
	(void)state;
	msgpack_sbuffer_init(&s1);
	msgpack_sbuffer_init(&s2);
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		msgpack_unpacked up;
		size_t off = 0;
		assert_int_equal(parse(a, examples[i].line, &err), 0);
		for (int k = 0; k < 64; k++)
			a->sig[k] = (uint8_t)(k + 1);
		assert_int_equal(cl_record_mark(a, "sig"), 0);
		pack(a, true, &s1);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, s1.data, s1.size, &off), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(off, s1.size);
		if (cl_record_unpack(b, &up.data, &err) != 0)
			fail_msg("example %zu: unpack failed: %s", i, err.msg);
		msgpack_unpacked_destroy(&up);
		pack(b, true, &s2);
		assert_int_equal(s1.size, s2.size);
		assert_memory_equal(s1.data, s2.data, s1.size);
		assert_true(cl_record_same_content(a, b));
		assert_memory_equal(a->sig, b->sig, 64);
		assert_true(cl_record_has(b, "sig"));
		/* without the sig the encoding is shorter by the key and a bin 8 of 64 */
		pack(a, false, &s2);
		assert_int_equal(s2.size + 4 + 2 + 64, s1.size);
	}
	msgpack_sbuffer_destroy(&s1);
	msgpack_sbuffer_destroy(&s2);
	free(a);
	free(b);
}

/*
 * Known answer: the signing input of the handoff example, computed
 * independently with a hand-written msgpack encoder in Python (map keys
 * sorted bytewise, shortest integer forms, fixstr, quantity in mL, time in
 * epoch seconds), prefixed by "chemledger/v1/record-signature\0".
 */
static const char handoff_signing_input_hex[] =
	"6368656d6c65646765722f76312f7265636f72642d7369676e61747572650087a26964ad482d323032342d303030313138a871"
	"75616e74697479ce00124d8ca473616c65ad532d323032342d303030313138a67369676e6572ab484e2d444953542d303137a4"
	"74696d65ce65e2f3f0a474797065a768616e646f6666a3756f6da34c5452";

static void test_signing_input_known_answer(void **state)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	msgpack_sbuffer sb;
	char *hex;
	(void)state;
	assert_int_equal(parse(r, ex_handoff, &err), 0);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(cl_record_signing_input(r, &sb), 0);
	hex = malloc(2 * sb.size + 1);
	cl_hex_encode(hex, (const uint8_t *)sb.data, sb.size);
	assert_string_equal(hex, handoff_signing_input_hex);
	/* a sig does not change the signing input */
	memset(r->sig, 0x5a, 64);
	cl_record_mark(r, "sig");
	assert_int_equal(cl_record_signing_input(r, &sb), 0);
	cl_hex_encode(hex, (const uint8_t *)sb.data, sb.size);
	assert_string_equal(hex, handoff_signing_input_hex);
	free(hex);
	msgpack_sbuffer_destroy(&sb);
	free(r);
}

/* Identical = same parsed content: key order, white space and time zone do not matter. */
static void test_same_content(void **state)
{
	struct cl_record *a = rec_new(), *b = rec_new();
	struct cl_error err;
	char *s;
	(void)state;
	assert_int_equal(parse(a, ex_handoff, &err), 0);
	assert_int_equal(parse(b, " { \"uom\" : \"LTR\", \"quantity\":\"1199.5\",\"sale\":\"S-2024-000118\","
				  "\"signer\":\"HN-DIST-017\",\"time\":\"2024-03-02T09:40:00Z\",\"id\":\"H-2024-000118\","
				  "\"type\":\"handoff\"}\t",
			    &err),
			 0);
	assert_true(cl_record_same_content(a, b));
	/* the same amount in another unit is other content (the unit is signed) */
	assert_int_equal(parse(b, "{\"type\":\"handoff\",\"id\":\"H-2024-000118\",\"time\":\"2024-03-02T09:40:00Z\","
				  "\"signer\":\"HN-DIST-017\",\"sale\":\"S-2024-000118\",\"quantity\":\"1199500\","
				  "\"uom\":\"MLT\"}",
			    &err),
			 0);
	assert_false(cl_record_same_content(a, b));
	/* one second later */
	s = edit_set(ex_handoff, "time", json_string("2024-03-02T17:40:01+08:00"));
	assert_int_equal(parse(b, s, &err), 0);
	free(s);
	assert_false(cl_record_same_content(a, b));
	/* an optional field added */
	assert_int_equal(parse(a, ex_loss, &err), 0);
	s = edit_del(ex_loss, "note");
	assert_int_equal(parse(b, s, &err), 0);
	free(s);
	assert_false(cl_record_same_content(a, b));
	/* a signature alone does not make other content */
	assert_int_equal(parse(b, ex_loss, &err), 0);
	memset(b->sig, 7, 64);
	cl_record_mark(b, "sig");
	assert_true(cl_record_same_content(a, b));
	/* another type with the same fields */
	assert_int_equal(parse(a, ex_chemical, &err), 0);
	assert_false(cl_record_same_content(a, b));
	free(a);
	free(b);
}

/* ---- JSON that must be refused ------------------------------------------ */

static void test_reject_malformed_json(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"{",
		"}",
		"[1,2]",
		"[]",
		"\"handoff\"",
		"42",
		"null",
		"true",
		"{\"type\":\"handoff\"", /* truncated */
		"{\"type\":\"handoff\",\"id\":\"H-1\",",
		"{\"type\":\"handoff\",\"id\":\"H-1\" \"time\":\"x\"}",
		"{'type':'handoff'}",
		"{type:\"handoff\"}",
		"{\"type\":\"handoff\",}",
		"{\"type\":\"handoff\"} x", /* trailing garbage */
		"{\"type\":\"handoff\"}{}",
		"{\"type\":\"handoff\"}\n{\"type\":\"loss\"}",
		"{\"type\":\"handoff\",\"type\":\"handoff\"}", /* duplicate key */
		"{\"type\":\"h\xff\"}",                         /* invalid UTF-8 in the JSON text */
		"{\"type\":\"handoff\",\"note\":\"\\ud800\"}",  /* lone surrogate escape */
		"{\"type\":\"handoff\",\"note\":\"a\\u0000b\"}", /* NUL escape */
		"{\"type\":\"handoff\",\"note\":\"tab\tinside\"}", /* raw control char in a string */
		"\xef\xbb\xbf{\"type\":\"handoff\"}",             /* byte order mark */
		"{\"a\":NaN}",
		"{\"a\":01}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_reject(bad[i], CL_E_MALFORMED_JSON, NULL);
	/* duplicate keys in a whole valid record */
	{
		char line[600];
		snprintf(line, sizeof(line), "%.*s,\"uom\":\"LTR\"}", (int)strlen(ex_handoff) - 1, ex_handoff);
		expect_reject(line, CL_E_MALFORMED_JSON, NULL);
		snprintf(line, sizeof(line), "%.*s,\"quantity\":\"1.000\"}", (int)strlen(ex_handoff) - 1, ex_handoff);
		expect_reject(line, CL_E_MALFORMED_JSON, NULL);
		snprintf(line, sizeof(line), "%s   ", ex_handoff); /* trailing white space is fine */
		expect_accept(line);
		snprintf(line, sizeof(line), "%s,", ex_handoff);
		expect_reject(line, CL_E_MALFORMED_JSON, NULL);
	}
	/* a NUL byte inside the line: the length counts, not the NUL */
	{
		char line[600];
		size_t n = strlen(ex_handoff);
		memcpy(line, ex_handoff, n);
		line[n] = '\0';
		line[n + 1] = 'x';
		struct cl_record *r = rec_new();
		struct cl_error err;
		assert_int_equal(cl_record_parse_json(r, line, n + 2, &err), CL_E_MALFORMED_JSON);
		assert_int_equal(cl_record_parse_json(r, line, n, &err), 0);
		free(r);
	}
}

static void test_line_length(void **state)
{
	size_t n = strlen(ex_handoff);
	char *line = malloc(CL_LINE_MAX + 10);
	struct cl_record *r = rec_new();
	struct cl_error err;
	(void)state;
	assert_int_equal(CL_LINE_MAX, 65536);
	/* exactly 65536 bytes (white space padding inside the object): accepted */
	memset(line, ' ', CL_LINE_MAX + 10);
	memcpy(line, ex_handoff, n - 1);
	line[CL_LINE_MAX - 1] = '}';
	assert_int_equal(cl_record_parse_json(r, line, CL_LINE_MAX, &err), 0);
	assert_string_equal(r->id, "H-2024-000118");
	/* 65537 bytes: refused before parsing */
	line[CL_LINE_MAX - 1] = ' ';
	line[CL_LINE_MAX] = '}';
	assert_int_equal(cl_record_parse_json(r, line, CL_LINE_MAX + 1, &err), CL_E_MALFORMED_JSON);
	assert_non_null(strstr(err.msg, "65536"));
	free(line);
	free(r);
}

static void test_reject_unknown_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		reject_set(examples[i].line, "colour", json_string("red"), CL_E_BAD_FIELD, "unknown field \"colour\"");
		reject_set(examples[i].line, "Type", json_string("x"), CL_E_BAD_FIELD, "unknown field \"Type\"");
		reject_set(examples[i].line, "", json_integer(1), CL_E_BAD_FIELD, "unknown field \"\"");
	}
	/* a field of another type */
	reject_set(ex_handoff, "batch", json_string("AA-240301-01"), CL_E_BAD_FIELD, "unknown field \"batch\"");
	reject_set(ex_sale, "seal", json_string("intact"), CL_E_BAD_FIELD, "unknown field \"seal\"");
	reject_set(ex_chemical, "measure_unit", json_string("LTR"), CL_E_BAD_FIELD, "measure_unit");
	/* genesis-only fields in a signed record */
	reject_set(ex_party, "authority", json_string("MPS-NCC"), CL_E_BAD_FIELD, "unknown field \"authority\"");
	/* unknown fields inside licences and limits */
	{
		json_t *o = json_loads(ex_party, 0, NULL);
		json_t *lic = json_array_get(json_object_get(o, "licences"), 0);
		char *s;
		json_object_set_new(lic, "issuer", json_string("x"));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "unknown field \"issuer\"");
		free(s);
		json_object_del(lic, "issuer");
		json_object_set_new(json_object_get(lic, "limit"), "per", json_string("year"));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "unknown field \"per\"");
		free(s);
		json_decref(o);
	}
}

/* Deleting each field of each example: required ones are BAD_FIELD naming
 * the field; optional ones (SPEC §3) leave a valid record. */
static void test_missing_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		json_t *o = json_loads(examples[i].line, 0, NULL);
		const char *key;
		json_t *v;
		int n_required = 0;
		json_object_foreach(o, key, v) {
			char *s = edit_del(examples[i].line, key);
			char needle[80];
			if (spec_optional(key)) {
				expect_accept(s);
			} else {
				snprintf(needle, sizeof(needle), "missing field \"%s\"", key);
				expect_reject(s, CL_E_BAD_FIELD, needle);
				n_required++;
			}
			free(s);
		}
		assert_true(n_required >= 6); /* type id time signer + at least 2 */
		json_decref(o);
	}
	/* inside a licence and a limit */
	static const char *const lic_fields[] = {"no", "kind", "categories", "valid_from", "valid_until"};
	for (size_t k = 0; k < sizeof(lic_fields) / sizeof(lic_fields[0]); k++) {
		json_t *o = json_loads(ex_party, 0, NULL);
		char *s, needle[80];
		json_object_del(json_array_get(json_object_get(o, "licences"), 1), lic_fields[k]);
		s = json_dumps(o, JSON_COMPACT);
		snprintf(needle, sizeof(needle), "missing field \"%s\"", lic_fields[k]);
		expect_reject(s, CL_E_BAD_FIELD, needle);
		assert_non_null(strstr(s, "licences")); /* sanity */
		free(s);
		json_decref(o);
	}
	static const char *const limit_fields[] = {"quantity", "uom"};
	for (size_t k = 0; k < 2; k++) {
		json_t *o = json_loads(ex_party, 0, NULL);
		char *s, needle[80];
		json_object_del(json_object_get(json_array_get(json_object_get(o, "licences"), 0), "limit"),
				limit_fields[k]);
		s = json_dumps(o, JSON_COMPACT);
		snprintf(needle, sizeof(needle), "missing field \"%s\"", limit_fields[k]);
		expect_reject(s, CL_E_BAD_FIELD, needle);
		free(s);
		json_decref(o);
	}
	/* the message names where: the licence index */
	{
		json_t *o = json_loads(ex_party, 0, NULL);
		char *s;
		json_object_del(json_array_get(json_object_get(o, "licences"), 1), "kind");
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "licences[1]");
		free(s);
		json_decref(o);
	}
	/* an empty object */
	expect_reject("{}", CL_E_BAD_FIELD, "missing field \"type\"");
}

static void test_wrong_types(void **state)
{
	(void)state;
	/* strings where numbers belong and the reverse */
	reject_set(ex_chemical, "category", json_string("2"), CL_E_BAD_FIELD, "category");
	reject_set(ex_chemical, "tolerance_permille", json_string("5"), CL_E_BAD_FIELD, "tolerance_permille");
	reject_set(ex_chemical, "tolerance_permille", json_real(5.0), CL_E_BAD_FIELD, "tolerance_permille");
	reject_set(ex_chemical, "tolerance_permille", json_true(), CL_E_BAD_FIELD, "tolerance_permille");
	reject_set(ex_chemical, "category", json_real(2.0), CL_E_BAD_FIELD, "category");
	reject_set(ex_chemical, "cas", json_integer(108247), CL_E_BAD_FIELD, "cas");
	reject_set(ex_chemical, "name", json_null(), CL_E_BAD_FIELD, "name");
	reject_set(ex_chemical, "measure", json_integer(1), CL_E_BAD_FIELD, "measure");
	reject_set(ex_handoff, "quantity", json_integer(1199), CL_E_BAD_FIELD, "quantity");
	reject_set(ex_handoff, "quantity", json_real(1199.5), CL_E_BAD_FIELD, "quantity");
	reject_set(ex_handoff, "uom", json_integer(1), CL_E_BAD_FIELD, "uom");
	reject_set(ex_handoff, "time", json_integer(1709372400), CL_E_BAD_FIELD, "time");
	reject_set(ex_handoff, "id", json_integer(118), CL_E_BAD_FIELD, "id");
	reject_set(ex_handoff, "signer", json_array(), CL_E_BAD_FIELD, "signer");
	reject_set(ex_handoff, "sale", json_object(), CL_E_BAD_FIELD, "sale");
	reject_set(ex_handoff, "type", json_integer(7), CL_E_BAD_FIELD, "type");
	reject_set(ex_handoff, "type", json_null(), CL_E_BAD_FIELD, "type");
	reject_set(ex_party, "roles", json_string("vendor"), CL_E_BAD_FIELD, "roles");
	reject_set(ex_party, "roles", json_pack("[i]", 3), CL_E_BAD_FIELD, "roles[0]");
	reject_set(ex_party, "licences", json_object(), CL_E_BAD_FIELD, "licences");
	reject_set(ex_party, "licences", json_null(), CL_E_BAD_FIELD, "licences");
	reject_set(ex_party, "licences", json_pack("[s]", "HN-BUY-2024-0331"), CL_E_BAD_FIELD, "licences[0]");
	reject_set(ex_party, "key", json_integer(0), CL_E_BAD_FIELD, "key");
	reject_set(ex_check, "seal", json_true(), CL_E_BAD_FIELD, "seal");
	reject_set(ex_check, "note", json_integer(1), CL_E_BAD_FIELD, "note");
	reject_set(ex_batch, "label", json_integer(6901234567892), CL_E_BAD_FIELD, "label");
	reject_set(ex_sale, "carrier", json_null(), CL_E_BAD_FIELD, "carrier");
	reject_set(ex_revoke, "licence", json_false(), CL_E_BAD_FIELD, "licence");
	/* a sig that is not base64 of 64 bytes is a bad signature */
	reject_set(ex_handoff, "sig", json_string("AAAA"), CL_E_BAD_SIGNATURE, "sig");
	reject_set(ex_handoff, "sig", json_integer(0), CL_E_BAD_FIELD, "sig");
	/* licence and limit internals */
	{
		json_t *o = json_loads(ex_party, 0, NULL), *lic = json_array_get(json_object_get(o, "licences"), 0);
		char *s;
		json_object_set_new(lic, "categories", json_pack("[s]", "2"));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "categories[0]");
		free(s);
		json_object_set_new(lic, "categories", json_integer(2));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "categories");
		free(s);
		json_object_set_new(lic, "categories", json_pack("[i]", 2));
		json_object_set_new(lic, "limit", json_string("20000.000 LTR"));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "limit");
		free(s);
		json_object_set_new(lic, "limit", json_pack("{s:f,s:s}", "quantity", 20000.0, "uom", "LTR"));
		s = json_dumps(o, JSON_COMPACT);
		expect_reject(s, CL_E_BAD_FIELD, "limit.quantity");
		free(s);
		json_decref(o);
	}
}

static void test_bad_values(void **state)
{
	char long_text[1100];
	(void)state;
	/* ids */
	reject_set(ex_handoff, "id", json_string(""), CL_E_BAD_FIELD, "id");
	reject_set(ex_handoff, "id", json_string("H 2024"), CL_E_BAD_FIELD, "id");
	reject_set(ex_handoff, "id", json_string("H/2024"), CL_E_BAD_FIELD, "id");
	reject_set(ex_handoff, "signer", json_string("HN-DIST-017\n"), CL_E_BAD_FIELD, "signer");
	reject_set(ex_handoff, "sale", json_string("S-2024-0001é"), CL_E_BAD_FIELD, "sale");
	memset(long_text, 'x', sizeof(long_text));
	accept_set(ex_handoff, "id", json_stringn(long_text, 64));
	reject_set(ex_handoff, "id", json_stringn(long_text, 65), CL_E_BAD_FIELD, "id");
	reject_set(ex_sale, "buyer_licence", json_stringn(long_text, 65), CL_E_BAD_FIELD, "buyer_licence");
	/* over-long fields */
	accept_set(ex_chemical, "name", json_stringn(long_text, 256));
	reject_set(ex_chemical, "name", json_stringn(long_text, 257), CL_E_BAD_FIELD, "name");
	accept_set(ex_check, "note", json_stringn(long_text, 1024));
	reject_set(ex_check, "note", json_stringn(long_text, 1025), CL_E_BAD_FIELD, "note");
	accept_set(ex_check, "location", json_stringn(long_text, 256));
	reject_set(ex_check, "location", json_stringn(long_text, 257), CL_E_BAD_FIELD, "location");
	accept_set(ex_revoke, "reason", json_stringn(long_text, 512));
	reject_set(ex_revoke, "reason", json_stringn(long_text, 513), CL_E_BAD_FIELD, "reason");
	accept_set(ex_batch, "label", json_stringn(long_text, 128));
	reject_set(ex_batch, "label", json_stringn(long_text, 129), CL_E_BAD_FIELD, "label");
	reject_set(ex_sale, "transport_permit", json_stringn(long_text, 129), CL_E_BAD_FIELD, "transport_permit");
	/* 86 CJK characters are 258 bytes: the limit is in bytes */
	{
		char cjk[3 * 86 + 1];
		for (int k = 0; k < 86; k++)
			memcpy(cjk + 3 * k, "醋", 3);
		reject_set(ex_chemical, "name", json_stringn(cjk, 258), CL_E_BAD_FIELD, "name");
		accept_set(ex_chemical, "name", json_stringn(cjk, 255));
	}
	/* empty and control characters in text */
	reject_set(ex_chemical, "name", json_string(""), CL_E_BAD_FIELD, "name");
	reject_set(ex_check, "note", json_string("line\nbreak"), CL_E_BAD_FIELD, "note");
	reject_set(ex_check, "location", json_string("bell\x07"), CL_E_BAD_FIELD, "location");
	reject_set(ex_check, "location", json_string("C1 \xc2\x85 next line"), CL_E_BAD_FIELD, "location");
	reject_set(ex_check, "note", json_string("\x7f"), CL_E_BAD_FIELD, "note");
	reject_set(ex_batch, "label", json_string("with space"), CL_E_BAD_FIELD, "label");
	reject_set(ex_batch, "label", json_string("标签"), CL_E_BAD_FIELD, "label");
	/* times */
	reject_set(ex_handoff, "time", json_string("2024-03-02T17:40:00.5+08:00"), CL_E_BAD_FIELD, "time");
	reject_set(ex_handoff, "time", json_string("2024-03-02T17:40:00"), CL_E_BAD_FIELD, "time");
	reject_set(ex_handoff, "time", json_string("2024-02-30T17:40:00Z"), CL_E_BAD_FIELD, "time");
	reject_set(ex_handoff, "time", json_string("2016-12-31T23:59:60Z"), CL_E_BAD_FIELD, "time");
	reject_set(ex_handoff, "time", json_string("1709372400"), CL_E_BAD_FIELD, "time");
	/* CAS */
	reject_set(ex_chemical, "cas", json_string("108-24-8"), CL_E_BAD_FIELD, "check digit");
	reject_set(ex_batch, "cas", json_string("108-24-6"), CL_E_BAD_FIELD, "cas");
	reject_set(ex_chemical, "cas", json_string("108247"), CL_E_BAD_FIELD, "cas");
	/* keys */
	reject_set(ex_party, "key", json_string("u0Jb1p0m9kq3Q8mGf2k0c5f1vQm0c3r8eYx3m2yq4aZ="), CL_E_BAD_FIELD, "key");
	reject_set(ex_party, "key", json_string("u0Jb1p0m9kq3Q8mGf2k0c5f1vQm0c3r8eYx3m2yq4aY"), CL_E_BAD_FIELD, "key");
	reject_set(ex_party, "key", json_string(""), CL_E_BAD_FIELD, "key");
	/* enum words */
	reject_set(ex_chemical, "measure", json_string("weight"), CL_E_BAD_FIELD, "measure");
	reject_set(ex_chemical, "measure", json_string("Volume"), CL_E_BAD_FIELD, "measure");
	reject_set(ex_batch, "origin", json_string("Production"), CL_E_BAD_FIELD, "origin");
	reject_set(ex_batch, "origin", json_string(""), CL_E_BAD_FIELD, "origin");
	reject_set(ex_check, "seal", json_string("ok"), CL_E_BAD_FIELD, "seal");
	reject_set(ex_loss, "reason", json_string("eaten"), CL_E_BAD_FIELD, "reason");
	reject_set(ex_loss, "reason", json_string("consumed "), CL_E_BAD_FIELD, "reason");
	reject_set(ex_handoff, "type", json_string("transfer"), CL_E_BAD_FIELD, "type");
	reject_set(ex_handoff, "type", json_string("Handoff"), CL_E_BAD_FIELD, "type");
	reject_set(ex_handoff, "uom", json_string("ltr"), CL_E_BAD_FIELD, "uom");
	reject_set(ex_handoff, "uom", json_string("L"), CL_E_BAD_FIELD, "uom");
	reject_set(ex_handoff, "uom", json_string("TNE"), CL_E_BAD_FIELD, "uom");
	reject_set(ex_party, "roles", json_pack("[s]", "admin"), CL_E_BAD_FIELD, "roles[0]");
	reject_set(ex_party, "roles", json_pack("[s,s]", "vendor", "Carrier"), CL_E_BAD_FIELD, "roles[1]");
	/* chemical ranges */
	reject_set(ex_chemical, "category", json_integer(0), CL_E_BAD_FIELD, "category");
	reject_set(ex_chemical, "category", json_integer(4), CL_E_BAD_FIELD, "category");
	reject_set(ex_chemical, "category", json_integer(-1), CL_E_BAD_FIELD, "category");
	accept_set(ex_chemical, "category", json_integer(1));
	accept_set(ex_chemical, "category", json_integer(3));
	accept_set(ex_chemical, "tolerance_permille", json_integer(0));
	accept_set(ex_chemical, "tolerance_permille", json_integer(1000));
	reject_set(ex_chemical, "tolerance_permille", json_integer(1001), CL_E_BAD_FIELD, "tolerance_permille");
	reject_set(ex_chemical, "tolerance_permille", json_integer(-1), CL_E_BAD_FIELD, "tolerance_permille");
	reject_set(ex_chemical, "tolerance_permille", json_integer(4294967296LL + 5), CL_E_BAD_FIELD,
		   "tolerance_permille");
	/* roles */
	reject_set(ex_party, "roles", json_pack("[s,s]", "vendor", "vendor"), CL_E_BAD_FIELD, "roles[1]");
	reject_set(ex_party, "roles", json_array(), CL_E_BAD_FIELD, "roles");
	accept_set(ex_party, "roles", json_pack("[s,s,s,s,s,s,s]", "end_user", "inspector", "carrier", "vendor",
						"importer", "producer", "authority"));
}

static void test_licence_values(void **state)
{
	static const struct {
		const char *field;
		const char *json;
		int ok;
		const char *needle;
	} cases[] = {
		{"categories", "[]", 0, "categories"},
		{"categories", "[0]", 0, "categories[0]"},
		{"categories", "[4]", 0, "categories[0]"},
		{"categories", "[-1]", 0, "categories[0]"},
		{"categories", "[1,4]", 0, "categories[1]"},
		{"categories", "[2,2]", 0, "categories[1]"},
		{"categories", "[3,1,2]", 1, NULL},
		{"kind", "\"rent\"", 0, "kind"},
		{"kind", "\"Buy\"", 0, "kind"},
		{"kind", "\"transport\"", 1, NULL},
		{"no", "\"HN BUY\"", 0, "no"},
		{"valid_until", "\"2023-12-31T23:59:59Z\"", 0, "valid_until"},  /* before valid_from */
		{"valid_until", "\"2024-01-01T07:59:59+08:00\"", 0, "valid_until"}, /* 1 s before, in UTC */
		{"valid_until", "\"2024-01-01T08:00:00+08:00\"", 1, NULL},       /* equal: a one-second licence */
		{"valid_from", "\"2024-01-01T00:00:00.000Z\"", 0, "valid_from"},
		{"limit", "{\"quantity\":\"0\",\"uom\":\"LTR\"}", 0, "limit.quantity"},
		{"limit", "{\"quantity\":\"1.5\",\"uom\":\"MLT\"}", 0, "limit.quantity"},
		{"limit", "{\"quantity\":\"1\",\"uom\":\"TNE\"}", 0, "limit.uom"},
		{"limit", "{\"quantity\":\"1000000000000.001\",\"uom\":\"KGM\"}", 0, "limit.quantity"},
		{"limit", "{\"quantity\":\"1000000000000.000\",\"uom\":\"KGM\"}", 1, NULL},
		{"limit", "{}", 0, "missing field"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_loads(ex_party, 0, NULL);
		json_t *lic = json_array_get(json_object_get(o, "licences"), 0);
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		char *s;
		assert_non_null(v);
		json_object_set_new(lic, cases[i].field, v);
		s = json_dumps(o, JSON_COMPACT);
		if (cases[i].ok)
			expect_accept(s);
		else
			expect_reject(s, CL_E_BAD_FIELD, cases[i].needle);
		free(s);
		json_decref(o);
	}
}

static void test_licence_count(void **state)
{
	json_t *o = json_loads(ex_party, 0, NULL), *list = json_array();
	char *s;
	(void)state;
	for (int i = 0; i < 17; i++) {
		char no[32];
		snprintf(no, sizeof(no), "LIC-%02d", i);
		json_array_append_new(list, json_pack("{s:s,s:s,s:[i],s:s,s:s}", "no", no, "kind", "buy", "categories", 1,
						      "valid_from", "2024-01-01T00:00:00Z", "valid_until",
						      "2024-12-31T23:59:59Z"));
		if (i == 15) { /* 16: the most */
			json_object_set(o, "licences", list);
			s = json_dumps(o, JSON_COMPACT);
			struct cl_record *r = rec_new();
			struct cl_error err;
			assert_int_equal(parse(r, s, &err), 0);
			assert_int_equal(r->licences.n, 16);
			assert_string_equal(r->licences.items[15].no, "LIC-15");
			free(r);
			free(s);
		}
	}
	json_object_set_new(o, "licences", list);
	s = json_dumps(o, JSON_COMPACT);
	expect_reject(s, CL_E_BAD_FIELD, "licences");
	free(s);
	/* none is fine */
	json_object_set_new(o, "licences", json_array());
	s = json_dumps(o, JSON_COMPACT);
	expect_accept(s);
	free(s);
	json_decref(o);
}

static void test_quantities(void **state)
{
	static const struct {
		const char *qty, *uom;
		int ok;
		uint64_t base;
	} cases[] = {
		{"1199.500", "LTR", 1, 1199500},
		{"0.001", "KGM", 1, 1},
		{"1", "GRM", 1, 1},
		{"500", "GRM", 1, 500},
		{"500.000", "GRM", 1, 500}, /* a whole number, written with decimals */
		{"500.5", "GRM", 0, 0},     /* GRM and MLT are whole */
		{"500.001", "MLT", 0, 0},
		{"0.100", "MLT", 0, 0},
		{"0", "LTR", 0, 0},
		{"0.000", "KGM", 0, 0},
		{"0", "GRM", 0, 0},
		{"0.0005", "KGM", 0, 0},
		{"-1", "LTR", 0, 0},
		{"-0.500", "KGM", 0, 0},
		{"1.2345", "KGM", 0, 0},
		{"1e3", "KGM", 0, 0},
		{"", "KGM", 0, 0},
		{" 1", "KGM", 0, 0},
		{"01", "KGM", 0, 0},
		/* the bound: 10^15 base units */
		{"1000000000000000", "GRM", 1, 1000000000000000ULL},
		{"1000000000000000", "MLT", 1, 1000000000000000ULL},
		{"1000000000000001", "GRM", 0, 0},
		{"1000000000000000.000", "MLT", 1, 1000000000000000ULL},
		{"1000000000000.000", "KGM", 1, 1000000000000000ULL},
		{"1000000000000.000", "LTR", 1, 1000000000000000ULL},
		{"1000000000000.001", "KGM", 0, 0},
		{"1000000000000.001", "LTR", 0, 0},
		{"1000000000001", "KGM", 0, 0},
		{"10000000000000000", "GRM", 0, 0},
		{"10000000000000000", "KGM", 0, 0},
		{"99999999999999999999", "KGM", 0, 0},
	};
	struct cl_record *r = rec_new();
	struct cl_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_loads(ex_handoff, 0, NULL);
		char *s;
		int rc;
		json_object_set_new(o, "quantity", json_string(cases[i].qty));
		json_object_set_new(o, "uom", json_string(cases[i].uom));
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		rc = parse(r, s, &err);
		if (cases[i].ok && rc != 0)
			fail_msg("\"%s\" %s rejected: %s", cases[i].qty, cases[i].uom, err.msg);
		if (!cases[i].ok && rc != CL_E_BAD_FIELD)
			fail_msg("\"%s\" %s: want BAD_FIELD, got %s", cases[i].qty, cases[i].uom, cl_status_name(rc));
		if (cases[i].ok && r->qty.base != cases[i].base)
			fail_msg("\"%s\" %s: base %llu", cases[i].qty, cases[i].uom, (unsigned long long)r->qty.base);
		if (!cases[i].ok && strstr(err.msg, "quantity") == NULL)
			fail_msg("\"%s\" %s: message \"%s\" does not name the field", cases[i].qty, cases[i].uom, err.msg);
		free(s);
	}
	free(r);
}

/* A rejected line still tells the caller its id; nothing else is left set. */
static void test_reject_keeps_id(void **state)
{
	struct cl_record *r = rec_new();
	struct cl_error err;
	char *s;
	(void)state;
	s = edit_set(ex_handoff, "quantity", json_string("0"));
	assert_int_equal(parse(r, s, &err), CL_E_BAD_FIELD);
	free(s);
	assert_string_equal(r->id, "H-2024-000118");
	assert_int_equal(r->present, 0);
	assert_int_equal(r->type, 0);
	assert_true(r->qty.base == 0);
	assert_string_equal(r->signer, "");
	/* malformed JSON: no id */
	assert_int_equal(parse(r, "{\"id\":\"X\"", &err), CL_E_MALFORMED_JSON);
	assert_string_equal(r->id, "");
	/* a bad id is still reported, cut to 64 bytes */
	{
		char longid[100];
		memset(longid, 'q', 99);
		longid[99] = 0;
		s = edit_set(ex_handoff, "id", json_string(longid));
		assert_int_equal(parse(r, s, &err), CL_E_BAD_FIELD);
		free(s);
		assert_int_equal(strlen(r->id), 64);
	}
	free(r);
}

/* ---- entries: strict decoding ------------------------------------------- */

struct bytes {
	uint8_t *p;
	size_t n;
};

static struct bytes splice(const struct bytes *in, size_t off, size_t del, const void *ins, size_t insn)
{
	struct bytes out;
	assert_true(off + del <= in->n);
	out.n = in->n - del + insn;
	out.p = malloc(out.n + 1);
	memcpy(out.p, in->p, off);
	if (insn)
		memcpy(out.p + off, ins, insn);
	memcpy(out.p + off + insn, in->p + off + del, in->n - off - del);
	return out;
}

/* End offset of the msgpack object starting at off. */
static size_t obj_end(const struct bytes *b, size_t off)
{
	msgpack_unpacked up;
	size_t pos = off;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)b->p, b->n, &pos), MSGPACK_UNPACK_SUCCESS);
	msgpack_unpacked_destroy(&up);
	return pos;
}

/* The valid entry every mutation starts from: the sale example, signed with
 * a fake (but well-formed) signature, at seq 5. */
static void sample_entry(struct cl_entry *e)
{
	struct cl_error err;
	memset(e, 0, sizeof(*e));
	e->seq = 5;
	e->recv_time = 1734652800; /* 2024-12-20T00:00:00Z: a uint32 */
	memset(e->prev, 0x11, 32);
	e->has_batch_prev = true;
	memset(e->batch_prev, 0x22, 32);
	assert_int_equal(parse(&e->rec, ex_sale, &err), 0);
	for (int i = 0; i < 64; i++)
		e->rec.sig[i] = (uint8_t)(0x40 + i);
	e->rec.sig[63] = 0x01; /* S well below the group order */
	cl_record_mark(&e->rec, "sig");
}

/* Layout of the sample (asserted in test_entry_layout):
 *   0 0x96  1 version  2 seq  3..7 recv_time (ce + 4)  8..41 prev (c4 20 + 32)
 *   42..75 batch_prev  76 record map (0x8c: 12 keys) */
enum { OFF_VER = 1, OFF_SEQ = 2, OFF_TIME = 3, OFF_PREV = 8, OFF_BPREV = 42, OFF_MAP = 76 };

static struct bytes sample_bytes(void)
{
	struct cl_entry *e = malloc(sizeof(*e));
	msgpack_sbuffer sb;
	struct bytes b;
	sample_entry(e);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	b.n = sb.size;
	b.p = malloc(sb.size);
	memcpy(b.p, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	free(e);
	return b;
}

/* Key/value spans of the record map: pair k is [pk[k], pk[k+1]). */
static unsigned map_pairs(const struct bytes *b, size_t pk[20], size_t key_end[20])
{
	unsigned n = b->p[OFF_MAP] & 0x0f;
	size_t off = OFF_MAP + 1;
	for (unsigned k = 0; k < n; k++) {
		pk[k] = off;
		key_end[k] = obj_end(b, off);
		off = obj_end(b, key_end[k]);
	}
	pk[n] = off;
	return n;
}

/* Index of the pair whose key is name. */
static unsigned pair_of(const struct bytes *b, const char *name)
{
	size_t pk[20], ke[20];
	unsigned n = map_pairs(b, pk, ke);
	size_t len = strlen(name);
	for (unsigned k = 0; k < n; k++)
		if (ke[k] - pk[k] == len + 1 && memcmp(b->p + pk[k] + 1, name, len) == 0)
			return k;
	fail_msg("no key %s", name);
	return 0;
}

static void expect_malformed(const struct bytes *b, const char *what)
{
	struct cl_entry *e = malloc(sizeof(*e));
	struct cl_error err = {0, ""};
	int rc = cl_entry_decode(e, b->p, b->n, &err);
	if (rc != CL_E_MALFORMED_ENTRY)
		fail_msg("%s: want MALFORMED_ENTRY, got %s (%s)", what, cl_status_name(rc), err.msg);
	assert_int_equal(err.code, CL_E_MALFORMED_ENTRY);
	assert_true(err.msg[0] != '\0');
	free(e);
}

static void expect_malformed_free(struct bytes b, const char *what)
{
	expect_malformed(&b, what);
	free(b.p);
}

static void test_entry_layout(void **state)
{
	struct bytes b = sample_bytes();
	size_t pk[20], ke[20];
	(void)state;
	assert_int_equal(b.p[0], 0x96);
	assert_int_equal(b.p[OFF_VER], 0x01);
	assert_int_equal(b.p[OFF_SEQ], 0x05);
	assert_int_equal(b.p[OFF_TIME], 0xce);
	assert_int_equal(b.p[OFF_PREV], 0xc4);
	assert_int_equal(b.p[OFF_PREV + 1], 0x20);
	assert_int_equal(b.p[OFF_BPREV], 0xc4);
	assert_int_equal(b.p[OFF_MAP], 0x8c);
	assert_int_equal(map_pairs(&b, pk, ke), 12);
	assert_int_equal(pk[12], b.n);
	/* keys in bytewise order */
	static const char *const keys[] = {"batch", "buyer", "buyer_licence", "carrier", "id", "quantity", "sig",
					   "signer", "time", "transport_permit", "type", "uom"};
	for (unsigned k = 0; k < 12; k++) {
		size_t len = strlen(keys[k]);
		assert_int_equal(b.p[pk[k]], 0xa0 | len);
		assert_memory_equal(b.p + pk[k] + 1, keys[k], len);
	}
	free(b.p);
}

static void test_entry_decode_valid(void **state)
{
	struct bytes b = sample_bytes();
	struct cl_entry *want = malloc(sizeof(*want)), *got = malloc(sizeof(*got));
	struct cl_error err;
	msgpack_sbuffer sb;
	(void)state;
	sample_entry(want);
	assert_int_equal(cl_entry_decode(got, b.p, b.n, &err), 0);
	assert_true(got->seq == 5);
	assert_true(got->recv_time == 1734652800);
	assert_memory_equal(got->prev, want->prev, 32);
	assert_true(got->has_batch_prev);
	assert_memory_equal(got->batch_prev, want->batch_prev, 32);
	assert_true(cl_record_same_content(&got->rec, &want->rec));
	assert_memory_equal(got->rec.sig, want->rec.sig, 64);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(cl_entry_encode(got, &sb), 0);
	assert_int_equal(sb.size, b.n);
	assert_memory_equal(sb.data, b.p, b.n);
	/* no batch_prev: nil */
	want->has_batch_prev = false;
	want->seq = 0;
	want->recv_time = -62167219200LL;
	assert_int_equal(cl_entry_encode(want, &sb), 0);
	assert_int_equal(cl_entry_decode(got, sb.data, sb.size, &err), 0);
	assert_false(got->has_batch_prev);
	assert_true(got->recv_time == -62167219200LL);
	msgpack_sbuffer_destroy(&sb);
	free(want);
	free(got);
	free(b.p);
}

/* Known answer: the handoff example as an entry (seq 5, received
 * 2024-12-20T00:00:00Z, prev 32 x 0x11, batch_prev 32 x 0x22, signed with
 * the RFC 8032 test 1 key), encoded independently by the Python script
 * described at handoff_signing_input_hex. */
static const char handoff_entry_hex[] =
	"960105ce6764b380c4201111111111111111111111111111111111111111111111111111111111111111c42022222222222222"
	"2222222222222222222222222222222222222222222222222288a26964ad482d323032342d303030313138a87175616e7469"
	"7479ce00124d8ca473616c65ad532d323032342d303030313138a3736967c440a713a0994e1d0916f1a4605800ff4dfa6c92"
	"68c6fda68c3b076bdbfa39e70b8535cbdf7955ebcf42f095f8d01f291514aa4def05076498d01bf30c30ab6c8006a6736967"
	"6e6572ab484e2d444953542d303137a474696d65ce65e2f3f0a474797065a768616e646f6666a3756f6da34c5452";

static void test_entry_known_answer(void **state)
{
	struct cl_entry *e = calloc(1, sizeof(*e));
	struct cl_error err;
	msgpack_sbuffer sb;
	uint8_t raw[sizeof(handoff_entry_hex) / 2];
	char *hex;
	(void)state;
	e->seq = 5;
	e->recv_time = 1734652800;
	memset(e->prev, 0x11, 32);
	e->has_batch_prev = true;
	memset(e->batch_prev, 0x22, 32);
	assert_int_equal(parse(&e->rec, ex_handoff, &err), 0);
	assert_true(cl_hex_decode_exact(e->rec.sig, 64,
					"a713a0994e1d0916f1a4605800ff4dfa6c9268c6fda68c3b076bdbfa39e70b85"
					"35cbdf7955ebcf42f095f8d01f291514aa4def05076498d01bf30c30ab6c8006",
					128));
	cl_record_mark(&e->rec, "sig");
	msgpack_sbuffer_init(&sb);
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	hex = malloc(2 * sb.size + 1);
	cl_hex_encode(hex, (const uint8_t *)sb.data, sb.size);
	assert_string_equal(hex, handoff_entry_hex);
	assert_true(cl_hex_decode_exact(raw, sizeof(raw), handoff_entry_hex, strlen(handoff_entry_hex)));
	assert_int_equal(cl_entry_decode(e, raw, sizeof(raw), &err), 0);
	assert_true(e->rec.qty.base == 1199500);
	free(hex);
	msgpack_sbuffer_destroy(&sb);
	free(e);
}

static void test_entry_noncanonical_ints(void **state)
{
	struct bytes b = sample_bytes();
	(void)state;
	static const uint8_t seq_u8[] = {0xcc, 0x05}, seq_u16[] = {0xcd, 0x00, 0x05},
			     seq_u32[] = {0xce, 0x00, 0x00, 0x00, 0x05},
			     seq_u64[] = {0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05}, seq_i8[] = {0xd0, 0x05},
			     seq_i64[] = {0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05}, seq_neg[] = {0xff},
			     seq_float[] = {0xca, 0x40, 0xa0, 0x00, 0x00}, ver_u8[] = {0xcc, 0x01}, ver2[] = {0x02},
			     ver0[] = {0x00};
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_u8, sizeof(seq_u8)), "seq as uint8");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_u16, sizeof(seq_u16)), "seq as uint16");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_u32, sizeof(seq_u32)), "seq as uint32");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_u64, sizeof(seq_u64)), "seq as uint64");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_i8, sizeof(seq_i8)), "seq as int8");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_i64, sizeof(seq_i64)), "seq as int64");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_neg, sizeof(seq_neg)), "seq -1");
	expect_malformed_free(splice(&b, OFF_SEQ, 1, seq_float, sizeof(seq_float)), "seq as float32");
	expect_malformed_free(splice(&b, OFF_VER, 1, ver_u8, sizeof(ver_u8)), "version as uint8");
	expect_malformed_free(splice(&b, OFF_VER, 1, ver2, 1), "version 2");
	expect_malformed_free(splice(&b, OFF_VER, 1, ver0, 1), "version 0");
	/* receive time 0x6764b380 as uint64 and int64 */
	{
		uint8_t t64[9] = {0xcf, 0, 0, 0, 0, 0x67, 0x64, 0xb3, 0x80};
		expect_malformed_free(splice(&b, OFF_TIME, 5, t64, 9), "time as uint64");
		t64[0] = 0xd3;
		expect_malformed_free(splice(&b, OFF_TIME, 5, t64, 9), "time as int64");
		uint8_t tneg[9] = {0xd3, 0xff, 0xff, 0xff, 0xf1, 0x86, 0x8b, 0x83, 0xff}; /* CL_TIME_MIN - 1 */
		expect_malformed_free(splice(&b, OFF_TIME, 5, tneg, 9), "time before year 0000");
		uint8_t tbig[9] = {0xcf, 0, 0, 0, 0x3a, 0xff, 0xf4, 0x41, 0x80}; /* CL_TIME_MAX + 1 */
		expect_malformed_free(splice(&b, OFF_TIME, 5, tbig, 9), "time after year 9999");
		uint8_t tstr[] = {0xa1, '0'};
		expect_malformed_free(splice(&b, OFF_TIME, 5, tstr, 2), "time as str");
	}
	/* the record's time and quantity in wider forms than needed */
	{
		unsigned k = pair_of(&b, "quantity");
		size_t pk[20], ke[20];
		map_pairs(&b, pk, ke);
		assert_int_equal(b.p[ke[k]], 0xce); /* 1200000 */
		uint8_t q64[9] = {0xcf, 0, 0, 0, 0, 0x00, 0x12, 0x4f, 0x80};
		expect_malformed_free(splice(&b, ke[k], 5, q64, 9), "quantity as uint64");
		uint8_t q0[1] = {0x00};
		expect_malformed_free(splice(&b, ke[k], 5, q0, 1), "quantity 0");
		uint8_t qneg[1] = {0xff};
		expect_malformed_free(splice(&b, ke[k], 5, qneg, 1), "quantity -1");
		uint8_t qbig[9] = {0xcf, 0, 0x03, 0x8d, 0x7e, 0xa4, 0xc6, 0x80, 0x01}; /* 10^15 + 1 */
		expect_malformed_free(splice(&b, ke[k], 5, qbig, 9), "quantity 10^15 + 1");
		uint8_t qstr[] = {0xa8, '1', '2', '0', '0', '.', '0', '0', '0'};
		expect_malformed_free(splice(&b, ke[k], 5, qstr, sizeof(qstr)), "quantity as str");
		k = pair_of(&b, "time");
		assert_int_equal(b.p[ke[k]], 0xce);
		uint8_t tf[9] = {0xcb, 0x41, 0xd9, 0x78, 0xb0, 0x8e, 0x80, 0, 0}; /* a float64 */
		expect_malformed_free(splice(&b, ke[k], 5, tf, 9), "record time as float64");
	}
	free(b.p);
}

static void test_entry_noncanonical_containers(void **state)
{
	struct bytes b = sample_bytes();
	size_t pk[20], ke[20];
	unsigned n;
	(void)state;
	n = map_pairs(&b, pk, ke);
	/* array16 / map16 where the fix forms fit */
	{
		static const uint8_t a16[] = {0xdc, 0x00, 0x06}, m16[] = {0xde, 0x00, 0x0c};
		expect_malformed_free(splice(&b, 0, 1, a16, 3), "array16 entry");
		expect_malformed_free(splice(&b, OFF_MAP, 1, m16, 3), "map16 record");
	}
	/* str8 where a fixstr fits: a key, and a value */
	{
		static const uint8_t k8[] = {0xd9, 0x05, 'b', 'a', 't', 'c', 'h'};
		assert_int_equal(b.p[pk[0]], 0xa5);
		expect_malformed_free(splice(&b, pk[0], 6, k8, sizeof(k8)), "key as str8");
		unsigned k = pair_of(&b, "uom");
		static const uint8_t v8[] = {0xd9, 0x03, 'L', 'T', 'R'};
		assert_int_equal(b.p[ke[k]], 0xa3);
		expect_malformed_free(splice(&b, ke[k], 4, v8, sizeof(v8)), "value as str8");
		static const uint8_t v16[] = {0xda, 0x00, 0x03, 'L', 'T', 'R'};
		expect_malformed_free(splice(&b, ke[k], 4, v16, sizeof(v16)), "value as str16");
		static const uint8_t vbin[] = {0xc4, 0x03, 'L', 'T', 'R'};
		expect_malformed_free(splice(&b, ke[k], 4, vbin, sizeof(vbin)), "str value as bin");
	}
	/* keys out of order: swap two neighbouring pairs, and first with last */
	for (unsigned k = 0; k + 1 < n; k++) {
		struct bytes x;
		size_t l0 = pk[k + 1] - pk[k], l1 = pk[k + 2] - pk[k + 1];
		uint8_t *tmp = malloc(l0 + l1);
		memcpy(tmp, b.p + pk[k + 1], l1);
		memcpy(tmp + l1, b.p + pk[k], l0);
		x = splice(&b, pk[k], l0 + l1, tmp, l0 + l1);
		free(tmp);
		expect_malformed_free(x, "keys swapped");
	}
	/* a duplicate key, next to itself and at the end (map count + 1) */
	for (unsigned k = 0; k < n; k++) {
		struct bytes x = splice(&b, pk[k], 0, b.p + pk[k], pk[k + 1] - pk[k]);
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "duplicate key, adjacent");
		x = splice(&b, b.n, 0, b.p + pk[k], pk[k + 1] - pk[k]);
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "duplicate key at the end");
	}
	/* an unknown key, at the end (sorts after "uom") and at the start */
	{
		static const uint8_t zzz[] = {0xa3, 'z', 'z', 'z', 0x01}, aaa[] = {0xa3, 'a', 'a', 'a', 0xc0},
				     v[] = {0xa1, 'v', 0xa1, 'x'};
		struct bytes x = splice(&b, b.n, 0, zzz, sizeof(zzz));
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "unknown key zzz");
		x = splice(&b, pk[0], 0, aaa, sizeof(aaa));
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "unknown key aaa");
		x = splice(&b, b.n, 0, v, sizeof(v));
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "unknown key v");
	}
	/* a required key removed (count - 1) */
	for (unsigned k = 0; k < n; k++) {
		struct bytes x;
		if (b.p[pk[k]] == 0xa7 && memcmp(b.p + pk[k] + 1, "carrier", 7) == 0)
			continue; /* optional */
		if (b.p[pk[k]] == 0xb0 && memcmp(b.p + pk[k] + 1, "transport_permit", 16) == 0)
			continue;
		if (b.p[pk[k]] == 0xa3 && memcmp(b.p + pk[k] + 1, "sig", 3) == 0)
			continue;
		x = splice(&b, pk[k], pk[k + 1] - pk[k], NULL, 0);
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n - 1));
		expect_malformed_free(x, "required key removed");
	}
	/* map count that does not match its pairs */
	{
		struct bytes x = splice(&b, 0, 0, NULL, 0);
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n + 1));
		expect_malformed_free(x, "map count + 1");
		x = splice(&b, 0, 0, NULL, 0);
		x.p[OFF_MAP] = (uint8_t)(0x80 | (n - 1));
		expect_malformed_free(x, "map count - 1 (a trailing pair)");
	}
	/* a non-str key */
	{
		struct bytes x = splice(&b, pk[0], 6, (const uint8_t[]){0x05}, 1);
		expect_malformed_free(x, "integer key");
	}
	free(b.p);
}

static void test_entry_wrong_shape(void **state)
{
	struct bytes b = sample_bytes();
	size_t pk[20], ke[20];
	(void)state;
	map_pairs(&b, pk, ke);
	/* trailing bytes */
	expect_malformed_free(splice(&b, b.n, 0, (const uint8_t[]){0xc0}, 1), "trailing nil");
	expect_malformed_free(splice(&b, b.n, 0, (const uint8_t[]){0x00}, 1), "trailing 0");
	expect_malformed_free(splice(&b, b.n, 0, b.p, b.n), "the entry twice");
	/* every truncation */
	for (size_t cut = 0; cut < b.n; cut++) {
		struct bytes x = {b.p, cut};
		char what[64];
		snprintf(what, sizeof(what), "truncated to %zu of %zu bytes", cut, b.n);
		expect_malformed(&x, what);
	}
	/* wrong array length */
	{
		struct bytes x = splice(&b, b.n, 0, (const uint8_t[]){0xc0}, 1);
		x.p[0] = 0x97;
		expect_malformed_free(x, "array of 7");
		x = splice(&b, OFF_MAP, b.n - OFF_MAP, NULL, 0);
		x.p[0] = 0x95;
		expect_malformed_free(x, "array of 5");
		x = splice(&b, 0, 0, NULL, 0);
		x.p[0] = 0x95; /* the record becomes trailing */
		expect_malformed_free(x, "array of 5 with a trailing map");
		x = splice(&b, 0, b.n, (const uint8_t[]){0x90}, 1);
		expect_malformed_free(x, "empty array");
		x = splice(&b, 0, 1, (const uint8_t[]){0x86}, 1);
		expect_malformed_free(x, "a map instead of the array");
	}
	/* bins of the wrong size */
	{
		struct bytes x = splice(&b, OFF_PREV + 2, 1, NULL, 0);
		x.p[OFF_PREV + 1] = 31;
		expect_malformed_free(x, "prev of 31 bytes");
		x = splice(&b, OFF_PREV + 2, 0, (const uint8_t[]){0x11}, 1);
		x.p[OFF_PREV + 1] = 33;
		expect_malformed_free(x, "prev of 33 bytes");
		x = splice(&b, OFF_BPREV + 2, 1, NULL, 0);
		x.p[OFF_BPREV + 1] = 31;
		expect_malformed_free(x, "batch_prev of 31 bytes");
		x = splice(&b, OFF_PREV, 2, (const uint8_t[]){0xc5, 0x00, 0x20}, 3);
		expect_malformed_free(x, "prev as bin16");
		x = splice(&b, OFF_PREV, 2, (const uint8_t[]){0xd9, 0x20}, 2);
		expect_malformed_free(x, "prev as str8");
		x = splice(&b, OFF_PREV, 34, (const uint8_t[]){0xc0}, 1);
		expect_malformed_free(x, "prev nil");
		x = splice(&b, OFF_BPREV, 34, (const uint8_t[]){0xc2}, 1);
		expect_malformed_free(x, "batch_prev false");
		x = splice(&b, OFF_BPREV, 34, (const uint8_t[]){0xc4, 0x00}, 2);
		expect_malformed_free(x, "batch_prev empty bin");
		unsigned k = pair_of(&b, "sig");
		assert_int_equal(b.p[ke[k]], 0xc4);
		assert_int_equal(b.p[ke[k] + 1], 64);
		x = splice(&b, ke[k] + 2, 1, NULL, 0);
		x.p[ke[k] + 1] = 63;
		expect_malformed_free(x, "sig of 63 bytes");
		x = splice(&b, ke[k] + 2, 0, (const uint8_t[]){0}, 1);
		x.p[ke[k] + 1] = 65;
		expect_malformed_free(x, "sig of 65 bytes");
	}
	/* the record is not a map, or names another type */
	{
		struct bytes x = splice(&b, OFF_MAP, b.n - OFF_MAP, (const uint8_t[]){0x90}, 1);
		expect_malformed_free(x, "record as an array");
		x = splice(&b, OFF_MAP, b.n - OFF_MAP, (const uint8_t[]){0x80}, 1);
		expect_malformed_free(x, "empty record map");
		unsigned k = pair_of(&b, "type");
		x = splice(&b, ke[k], 5, (const uint8_t[]){0xa4, 'l', 'o', 's', 's'}, 5);
		expect_malformed_free(x, "type loss with sale fields");
		x = splice(&b, ke[k], 5, (const uint8_t[]){0xa4, 's', 'a', 'l', 'x'}, 5);
		expect_malformed_free(x, "unknown type");
	}
	/* field values that break the schema */
	{
		unsigned k = pair_of(&b, "id");
		struct bytes x;
		size_t vlen = pk[k + 1] - ke[k];
		x = splice(&b, ke[k], vlen, (const uint8_t[]){0xa3, 'S', ' ', '1'}, 4);
		expect_malformed_free(x, "id with a space");
		x = splice(&b, ke[k], vlen, (const uint8_t[]){0xa0}, 1);
		expect_malformed_free(x, "empty id");
		k = pair_of(&b, "uom");
		x = splice(&b, ke[k], 4, (const uint8_t[]){0xa3, 'K', 'G', 'X'}, 4);
		expect_malformed_free(x, "unknown unit");
		k = pair_of(&b, "buyer");
		vlen = pk[k + 1] - ke[k];
		x = splice(&b, ke[k], vlen, (const uint8_t[]){0xc0}, 1);
		expect_malformed_free(x, "buyer nil");
	}
	/* too big to be an entry */
	{
		uint8_t *big = calloc(1, CL_ENTRY_MAX + 1);
		struct bytes x = {big, CL_ENTRY_MAX + 1};
		memcpy(big, b.p, b.n);
		expect_malformed(&x, "over CL_ENTRY_MAX");
		free(big);
	}
	free(b.p);
}

/* Text fields decoded from msgpack are checked like JSON ones. */
static void test_entry_bad_text(void **state)
{
	struct cl_entry *e = calloc(1, sizeof(*e));
	struct cl_error err;
	msgpack_sbuffer sb;
	struct bytes b;
	(void)state;
	e->seq = 1;
	e->recv_time = 0;
	assert_int_equal(parse(&e->rec, ex_check, &err), 0);
	snprintf(e->rec.location, sizeof(e->rec.location), "toll\x01station");
	msgpack_sbuffer_init(&sb);
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	b.p = (uint8_t *)sb.data;
	b.n = sb.size;
	expect_malformed(&b, "control char in location");
	snprintf(e->rec.location, sizeof(e->rec.location), "toll \xc0\xaf station");
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	b.p = (uint8_t *)sb.data;
	b.n = sb.size;
	expect_malformed(&b, "overlong UTF-8 in location");
	assert_int_equal(parse(&e->rec, ex_chemical, &err), 0);
	snprintf(e->rec.cas, sizeof(e->rec.cas), "108-24-8");
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	b.p = (uint8_t *)sb.data;
	b.n = sb.size;
	expect_malformed(&b, "CAS with a wrong check digit");
	e->rec.category = 4;
	snprintf(e->rec.cas, sizeof(e->rec.cas), "108-24-7");
	assert_int_equal(cl_entry_encode(e, &sb), 0);
	b.p = (uint8_t *)sb.data;
	b.n = sb.size;
	expect_malformed(&b, "category 4");
	msgpack_sbuffer_destroy(&sb);
	free(e);
}

static void test_entry_to_json(void **state)
{
	struct cl_entry *e = calloc(1, sizeof(*e));
	struct cl_error err;
	uint8_t hash[32];
	json_t *j;
	char *s;
	(void)state;
	e->seq = 7;
	e->recv_time = 1734652800;
	memset(e->prev, 0xab, 32);
	memset(hash, 0x01, 32);
	assert_int_equal(parse(&e->rec, ex_handoff, &err), 0);
	j = cl_entry_to_json(e, hash);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"seq\":7,\"hash\":\"0101010101010101010101010101010101010101010101010101010101010101\","
			       "\"prev\":\"abababababababababababababababababababababababababababababababab\","
			       "\"batch_prev\":null,\"time\":\"2024-12-20T00:00:00Z\",\"record\":{\"type\":\"handoff\","
			       "\"id\":\"H-2024-000118\",\"time\":\"2024-03-02T09:40:00Z\",\"signer\":\"HN-DIST-017\","
			       "\"sale\":\"S-2024-000118\",\"quantity\":\"1199.500\",\"uom\":\"LTR\"}}");
	free(s);
	json_decref(j);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_examples),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_to_json_exact),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_pack_round_trip),
		cmocka_unit_test(test_signing_input_known_answer),
		cmocka_unit_test(test_same_content),
		cmocka_unit_test(test_reject_malformed_json),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_reject_unknown_field),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_licence_values),
		cmocka_unit_test(test_licence_count),
		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_reject_keeps_id),
		cmocka_unit_test(test_entry_layout),
		cmocka_unit_test(test_entry_decode_valid),
		cmocka_unit_test(test_entry_known_answer),
		cmocka_unit_test(test_entry_noncanonical_ints),
		cmocka_unit_test(test_entry_noncanonical_containers),
		cmocka_unit_test(test_entry_wrong_shape),
		cmocka_unit_test(test_entry_bad_text),
		cmocka_unit_test(test_entry_to_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
