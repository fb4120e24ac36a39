/*
 * test_text.c - the textual value syntaxes of core/cl_text.h: quantities,
 * RFC 3339 times, CAS numbers, identifiers, tokens, UTF-8, base64, hex.
 *
 * Every case asserts an exact value or an exact rejection; the expected
 * epoch seconds were computed independently with Python's
 * calendar.timegm() (year 0000: 719528 days * 86400 before 1970).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cl_text.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ---- quantities ---------------------------------------------------------- */

struct qty_ok {
	const char *text;
	uint64_t milli;
};

static void test_qty_accepts(void **state)
{
	static const struct qty_ok cases[] = {
		{"500.250", 500250},
		{"0.5", 500},
		{"1", 1000},
		{"1.0", 1000},
		{"1.25", 1250},
		{"0.001", 1},
		{"0", 0}, /* syntax only: "> 0" is the record engine's rule */
		{"0.000", 0},
		{"10", 10000},
		{"1000000000000.000", 1000000000000000ULL},
		{"1000000000000000", 1000000000000000000ULL}, /* 10^15 GRM: the bound, 10^18 thousandths */
		{"999999999999999.999", 999999999999999999ULL},
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		if (!cl_qty_parse_milli(cases[i].text, strlen(cases[i].text), &v, why))
			fail_msg("\"%s\" rejected: %s", cases[i].text, why);
		if (v != cases[i].milli)
			fail_msg("\"%s\": want %llu got %llu", cases[i].text, (unsigned long long)cases[i].milli,
				 (unsigned long long)v);
	}
}

static void test_qty_rejects(void **state)
{
	static const char *const bad[] = {
		"",        "1.",      ".5",     "-1",     "+1",      "1e3",     "1E3",    "01",      "00",
		"00.5",    "1.2345",  "0.0001", " 1",     "1 ",      "1,5",     "1.5.0",  "0x10",    "one",
		"1.-5",    "1..5",    ".",      "-0",     "1\t",     "\n1",     "NaN",    "inf",     "1/2",
		"１",      /* fullwidth digit one */
		"100000000000000000", /* 10^17: far too large */
		"99999999999999999",  /* 17 nines */
		"184467440737095516150", /* would wrap a uint64 */
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 777;
		why[0] = '\0';
		if (cl_qty_parse_milli(bad[i], strlen(bad[i]), &v, why))
			fail_msg("\"%s\" accepted as %llu", bad[i], (unsigned long long)v);
		if (v != 777)
			fail_msg("\"%s\": output written on failure", bad[i]);
		if (why[0] == '\0')
			fail_msg("\"%s\": no reason given", bad[i]);
	}
}

/* cl_text.h: "Bounded at 10^18 thousandths" (10^15 grams, SPEC §2). */
static void test_qty_bound_accepted(void **state)
{
	char why[CL_WHY_MAX];
	uint64_t v = 0;
	(void)state;
	assert_true(cl_qty_parse_milli(S("1000000000000000.000"), &v, why));
	assert_true(v == 1000000000000000000ULL);
}

static void test_qty_above_bound_rejected(void **state)
{
	static const char *const over[] = {
		"1000000000000000.001", /* 10^18 + 1 thousandths */
		"1000000000000001",
		"10000000000000000",     /* 10^19 thousandths */
		"10000000000000009.999",
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		uint64_t v = 5;
		if (cl_qty_parse_milli(over[i], strlen(over[i]), &v, why))
			fail_msg("\"%s\" accepted as %llu thousandths, above the documented bound of 10^18", over[i],
				 (unsigned long long)v);
	}
}

/* The reasons name the problem. */
static void test_qty_reasons(void **state)
{
	char why[CL_WHY_MAX];
	uint64_t v;
	(void)state;
	assert_false(cl_qty_parse_milli(S("1.2345"), &v, why));
	assert_non_null(strstr(why, "3 decimals"));
	assert_false(cl_qty_parse_milli(S("01"), &v, why));
	assert_non_null(strstr(why, "leading zero"));
	assert_false(cl_qty_parse_milli(S("-1"), &v, why));
	assert_non_null(strstr(why, "positive"));
	assert_false(cl_qty_parse_milli(S("100000000000000000"), &v, why));
	assert_non_null(strstr(why, "too large"));
}

/* The length is the only bound: a NUL-free prefix of a longer buffer. */
static void test_qty_exact_length(void **state)
{
	char why[CL_WHY_MAX];
	uint64_t v = 0;
	(void)state;
	assert_true(cl_qty_parse_milli("12.5xyz", 4, &v, why));
	assert_true(v == 12500);
	assert_false(cl_qty_parse_milli("12.5xyz", 5, &v, why));
}

static void test_qty_format(void **state)
{
	char out[32];
	(void)state;
	cl_qty_format(out, 500250, CL_UOM_KGM);
	assert_string_equal(out, "500.250");
	cl_qty_format(out, 1880000, CL_UOM_LTR);
	assert_string_equal(out, "1880.000");
	cl_qty_format(out, 1, CL_UOM_LTR);
	assert_string_equal(out, "0.001");
	cl_qty_format(out, 0, CL_UOM_KGM);
	assert_string_equal(out, "0.000");
	cl_qty_format(out, -1500, CL_UOM_KGM);
	assert_string_equal(out, "-1.500");
	cl_qty_format(out, -1, CL_UOM_LTR);
	assert_string_equal(out, "-0.001");
	cl_qty_format(out, 500, CL_UOM_GRM);
	assert_string_equal(out, "500");
	cl_qty_format(out, 1000000000000000LL, CL_UOM_MLT);
	assert_string_equal(out, "1000000000000000");
	cl_qty_format(out, 1000000000000000LL, CL_UOM_KGM);
	assert_string_equal(out, "1000000000000.000");
	cl_qty_format(out, -7, CL_UOM_GRM);
	assert_string_equal(out, "-7");
	cl_qty_format(out, INT64_MIN, CL_UOM_KGM);
	assert_string_equal(out, "-9223372036854775.808");
	cl_qty_format(out, INT64_MAX, CL_UOM_GRM);
	assert_string_equal(out, "9223372036854775807");
}

static void test_uom(void **state)
{
	(void)state;
	assert_int_equal(cl_uom_from_code(S("KGM")), CL_UOM_KGM);
	assert_int_equal(cl_uom_from_code(S("GRM")), CL_UOM_GRM);
	assert_int_equal(cl_uom_from_code(S("LTR")), CL_UOM_LTR);
	assert_int_equal(cl_uom_from_code(S("MLT")), CL_UOM_MLT);
	assert_int_equal(cl_uom_from_code(S("kgm")), -1);
	assert_int_equal(cl_uom_from_code(S("KG")), -1);
	assert_int_equal(cl_uom_from_code(S("KGMX")), -1);
	assert_int_equal(cl_uom_from_code(S("")), -1);
	assert_int_equal(cl_uom_from_code(S("TNE")), -1);
	assert_int_equal(cl_uom_from_code(S("L")), -1);
	assert_int_equal(cl_uom_from_code("KGM", 2), -1);
	assert_string_equal(cl_uom_code(CL_UOM_MLT), "MLT");
	assert_string_equal(cl_uom_code(4), "?");
	assert_string_equal(cl_uom_code(-1), "?");
	assert_int_equal(cl_uom_measure(CL_UOM_KGM), CL_MEASURE_MASS);
	assert_int_equal(cl_uom_measure(CL_UOM_GRM), CL_MEASURE_MASS);
	assert_int_equal(cl_uom_measure(CL_UOM_LTR), CL_MEASURE_VOLUME);
	assert_int_equal(cl_uom_measure(CL_UOM_MLT), CL_MEASURE_VOLUME);
	assert_int_equal(cl_measure_main_uom(CL_MEASURE_MASS), CL_UOM_KGM);
	assert_int_equal(cl_measure_main_uom(CL_MEASURE_VOLUME), CL_UOM_LTR);
}

/* ---- RFC 3339 ------------------------------------------------------------ */

struct time_ok {
	const char *text;
	int64_t t;
	const char *utc; /* cl_time_format of it */
};

static void test_time_accepts(void **state)
{
	static const struct time_ok cases[] = {
		{"2024-03-01T08:00:00Z", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-01T16:00:00+08:00", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-01T02:30:00-05:30", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-01T08:00:00+00:00", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-01t08:00:00z", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-01t16:00:00+08:00", 1709280000, "2024-03-01T08:00:00Z"},
		{"2024-03-02T17:40:00+08:00", 1709372400, "2024-03-02T09:40:00Z"},
		/* the offset moves the date back across a month end */
		{"2024-03-01T07:59:59+08:00", 1709251199, "2024-02-29T23:59:59Z"},
		{"2024-02-29T00:00:00Z", 1709164800, "2024-02-29T00:00:00Z"},
		{"2000-02-29T12:00:00Z", 951825600, "2000-02-29T12:00:00Z"},
		{"1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"},
		{"1969-12-31T23:59:59Z", -1, "1969-12-31T23:59:59Z"},
		{"1970-01-01T00:00:00+00:01", -60, "1969-12-31T23:59:00Z"},
		{"0000-01-01T00:00:00Z", -62167219200LL, "0000-01-01T00:00:00Z"},
		{"0000-01-01T05:00:00+05:00", -62167219200LL, "0000-01-01T00:00:00Z"},
		{"0000-02-29T00:00:00Z", -62167219200LL + 59 * 86400, "0000-02-29T00:00:00Z"}, /* 0000 is a leap year */
		{"9999-12-31T23:59:59Z", 253402300799LL, "9999-12-31T23:59:59Z"},
		{"9999-12-31T22:59:59-01:00", 253402300799LL, "9999-12-31T23:59:59Z"},
		{"2024-12-31T23:59:59+23:59", 1735689599LL - 86340, "2024-12-31T00:00:59Z"},
	};
	char why[CL_WHY_MAX], out[21];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = 42;
		if (!cl_time_parse(cases[i].text, strlen(cases[i].text), &t, why))
			fail_msg("\"%s\" rejected: %s", cases[i].text, why);
		if (t != cases[i].t)
			fail_msg("\"%s\": want %lld got %lld", cases[i].text, (long long)cases[i].t, (long long)t);
		cl_time_format(out, t);
		if (strcmp(out, cases[i].utc) != 0)
			fail_msg("\"%s\": formatted as \"%s\", want \"%s\"", cases[i].text, out, cases[i].utc);
		/* round trip: the UTC form parses to the same instant */
		if (!cl_time_parse(out, strlen(out), &t, why) || t != cases[i].t)
			fail_msg("\"%s\" does not round-trip", out);
	}
}

static void test_time_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"2024-03-01",
		"2024-03-01T08:00:00",        /* no offset */
		"2024-03-01T08:00Z",          /* no seconds */
		"2024-03-01 08:00:00Z",       /* space */
		"2024-03-01T08:00:00.5Z",     /* fractions */
		"2024-03-01T08:00:00.000Z",
		"2024-03-01T08:00:00.123+08:00",
		"2016-12-31T23:59:60Z",       /* leap second */
		"2024-03-01T24:00:00Z",
		"2024-03-01T23:60:00Z",
		"2024-03-01T08:00:00+24:00",
		"2024-03-01T08:00:00+08:60",
		"2024-03-01T08:00:00+0800",
		"2024-03-01T08:00:00+08",
		"2024-03-01T08:00:00 +08:00",
		"2024-03-01T08:00:00UTC",
		"2024-03-01T08:00:00ZZ",
		"2023-02-29T00:00:00Z",       /* not a leap year */
		"1900-02-29T00:00:00Z",       /* century, not a leap year */
		"2100-02-29T00:00:00Z",
		"2024-02-30T00:00:00Z",
		"2024-04-31T00:00:00Z",
		"2024-06-31T00:00:00Z",
		"2024-09-31T00:00:00Z",
		"2024-11-31T00:00:00Z",
		"2024-13-01T00:00:00Z",
		"2024-00-01T00:00:00Z",
		"2024-01-00T00:00:00Z",
		"2024-01-32T00:00:00Z",
		"24-03-01T08:00:00Z",
		"12024-03-01T08:00:00Z",
		"-001-03-01T08:00:00Z",
		"+2024-03-01T08:00:00Z",
		"2024/03/01T08:00:00Z",
		"2024-3-01T08:00:00Z",
		"2024-03-01T8:00:00Z",
		"2024-03-01X08:00:00Z",
		"2024-0a-01T08:00:00Z",
		"２０２４-03-01T08:00:00Z",
		"2024-03-01T08:00:00Z\n",
		"0000-01-01T00:00:00+00:01",  /* before year 0000 in UTC */
		"0000-01-01T00:59:59+01:00",
		"9999-12-31T23:59:59-00:01",  /* after year 9999 in UTC */
		"9999-12-31T23:00:00-01:00",
		"1709280000",
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 0;
		why[0] = '\0';
		if (cl_time_parse(bad[i], strlen(bad[i]), &t, why))
			fail_msg("\"%s\" accepted as %lld", bad[i], (long long)t);
		if (why[0] == '\0')
			fail_msg("\"%s\": no reason given", bad[i]);
	}
}

static void test_time_reasons(void **state)
{
	char why[CL_WHY_MAX];
	int64_t t;
	(void)state;
	assert_false(cl_time_parse(S("2024-03-01T08:00:00.5Z"), &t, why));
	assert_non_null(strstr(why, "whole seconds"));
	assert_false(cl_time_parse(S("2023-02-29T00:00:00Z"), &t, why));
	assert_non_null(strstr(why, "calendar date"));
	assert_false(cl_time_parse(S("9999-12-31T23:59:59-00:01"), &t, why));
	assert_non_null(strstr(why, "0000-9999"));
	/* an embedded NUL is not the end of the text */
	assert_false(cl_time_parse("2024-03-01T08:00:00Z\0", 21, &t, why));
	assert_true(cl_time_parse("2024-03-01T08:00:00Zjunk", 20, &t, why));
	assert_true(t == 1709280000);
}

static void test_time_format(void **state)
{
	char out[21];
	(void)state;
	cl_time_format(out, 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	cl_time_format(out, CL_TIME_MIN);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
	cl_time_format(out, CL_TIME_MAX);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	cl_time_format(out, 951782400); /* 2000-02-29 */
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	cl_time_format(out, -2208988800LL + 59 * 86400); /* 1900-03-01: no Feb 29 */
	assert_string_equal(out, "1900-03-01T00:00:00Z");
	cl_time_format(out, -86400);
	assert_string_equal(out, "1969-12-31T00:00:00Z");
	assert_int_equal(CL_TIME_MIN, -62167219200LL);
	assert_int_equal(CL_TIME_MAX, 253402300799LL);
}

/* ---- CAS numbers --------------------------------------------------------- */

/* Every CAS number of /work/shared/domain/chemicals.tsv (checked there with
 * an independent script): all have a correct check digit. */
static const char *const real_cas[] = {
	"299-42-3",   "90-82-4",    "103-79-7",  "4676-39-5",  "120-57-0",  "94-59-7",    "89-52-1",
	"118-92-3",   "60-79-7",    "90717-16-1", "6740-85-8", "4468-48-8", "39742-60-4", "21409-26-7",
	"103-82-2",   "108-24-7",   "67-66-3",   "60-29-7",    "110-89-4",  "7726-95-6",  "16648-44-5",
	"13605-48-6", "108-88-3",   "67-64-1",   "78-93-3",    "7722-64-7", "7664-93-9",  "7647-01-0",
	"96-48-0",    "140-29-4",
	"7732-18-5",    /* water */
	"1000000-00-9", /* 7 digits in the first group: 1 * 9 = 9 */
	"10-00-4",      /* 2 digits in the first group: 1 * 4 = 4 */
};

static void test_cas_real(void **state)
{
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(real_cas) / sizeof(real_cas[0]); i++)
		if (!cl_cas_valid(real_cas[i], strlen(real_cas[i]), why))
			fail_msg("%s rejected: %s", real_cas[i], why);
}

static void test_cas_wrong_check_digit(void **state)
{
	char why[CL_WHY_MAX], buf[32];
	(void)state;
	for (size_t i = 0; i < sizeof(real_cas) / sizeof(real_cas[0]); i++) {
		size_t n = strlen(real_cas[i]);
		memcpy(buf, real_cas[i], n + 1);
		for (char d = '0'; d <= '9'; d++) {
			if (d == real_cas[i][n - 1])
				continue;
			buf[n - 1] = d;
			why[0] = '\0';
			if (cl_cas_valid(buf, n, why))
				fail_msg("%s accepted (check digit should be %c)", buf, real_cas[i][n - 1]);
			if (strstr(why, "check digit") == NULL)
				fail_msg("%s: reason \"%s\" does not name the check digit", buf, why);
		}
	}
	/* transposed digits of the body also change the check digit */
	assert_false(cl_cas_valid(S("180-24-7"), why));
	assert_false(cl_cas_valid(S("108-42-7"), why));
}

static void test_cas_malformed(void **state)
{
	static const char *const bad[] = {
		"",            "108247",       "1-24-7",      "12345678-24-7", "108-2-7",   "108-245-7",
		"108-24-77",   "108-24-",      "-24-7",       "108_24_7",      "108-24-7 ", " 108-24-7",
		"108--24-7",   "108-24--7",    "108-2a-7",    "10a-24-7",      "108-24-a",  "108-24-7-",
		"CAS108-24-7", "108 24 7",     "108.24.7",    "１08-24-7",
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (cl_cas_valid(bad[i], strlen(bad[i]), why))
			fail_msg("\"%s\" accepted", bad[i]);
		if (why[0] == '\0')
			fail_msg("\"%s\": no reason", bad[i]);
	}
	/* exact length: a valid prefix inside a longer buffer is fine, and vice versa */
	assert_true(cl_cas_valid("108-24-7xx", 8, why));
	assert_false(cl_cas_valid("108-24-7", 7, why));
}

/* ---- identifiers and tokens --------------------------------------------- */

static void test_id(void **state)
{
	char why[CL_WHY_MAX], buf[80];
	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_true(cl_text_id_valid(buf, 64, why));
	assert_true(cl_text_id_valid(buf, 1, why));
	assert_false(cl_text_id_valid(buf, 65, why));
	assert_non_null(strstr(why, "65"));
	assert_false(cl_text_id_valid(buf, 0, why));
	assert_true(cl_text_id_valid(S("AZaz09._:-"), why));
	assert_true(cl_text_id_valid(S("S-SD-PROD-003-00337"), why));
	static const char *const bad[] = {"a b", "a/b", "a+b", "a@b", "a,b", "a\"b", "a\\b", "é", "麻黄",
					  "a\tb", "a\nb", "(x)", "a#b", "a~b", "a*b", "a;b", "ab\x7f"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cl_text_id_valid(bad[i], strlen(bad[i]), why))
			fail_msg("id \"%s\" accepted", bad[i]);
	assert_false(cl_text_id_valid("a\0b", 3, why)); /* an embedded NUL */
	assert_non_null(strstr(why, "character 2"));
}

static void test_token(void **state)
{
	char why[CL_WHY_MAX], buf[200];
	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_true(cl_text_token_valid(buf, 128, 128, why));
	assert_false(cl_text_token_valid(buf, 129, 128, why));
	assert_false(cl_text_token_valid(buf, 0, 128, why));
	assert_true(cl_text_token_valid(S("6920571043548-AA240415-02"), 128, why));
	assert_true(cl_text_token_valid(S("!~/#"), 128, why));
	assert_false(cl_text_token_valid(S("a b"), 128, why));
	assert_false(cl_text_token_valid(S("a\tb"), 128, why));
	assert_false(cl_text_token_valid(S("a\x7f"), 128, why));
	assert_false(cl_text_token_valid(S("é"), 128, why));
	assert_false(cl_text_token_valid("a\0", 2, 128, why));
}

/* ---- UTF-8 --------------------------------------------------------------- */

static void test_utf8_valid(void **state)
{
	static const char *const good[] = {
		"Acetic anhydride 醋酸酐",
		"麻黄碱",
		"Zhuzhou Xiangjiang Dye Works",
		"γ-丁内酯",
		"\xc2\xa0",             /* U+00A0, first after C1 */
		"\xf0\x9f\x98\x80",     /* U+1F600, 4 bytes */
		"\xf4\x8f\xbf\xbf",     /* U+10FFFF, the last code point */
		"\xed\x9f\xbf",         /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",         /* U+E000, just above them */
		"\xef\xbf\xbd",         /* U+FFFD */
		"~",
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!cl_text_utf8_valid(good[i], strlen(good[i]), 256, why))
			fail_msg("\"%s\" rejected: %s", good[i], why);
}

static void test_utf8_invalid(void **state)
{
	static const char *const bad[] = {
		"\xc0\xaf",             /* overlong '/' */
		"\xc1\xbf",             /* overlong */
		"\xe0\x80\xaf",         /* overlong, 3 bytes */
		"\xe0\x9f\xbf",         /* overlong U+07FF */
		"\xf0\x80\x80\xaf",     /* overlong, 4 bytes */
		"\xf0\x8f\xbf\xbf",     /* overlong U+FFFF */
		"\xed\xa0\x80",         /* U+D800 surrogate */
		"\xed\xbf\xbf",         /* U+DFFF surrogate */
		"\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 pair */
		"\xf4\x90\x80\x80",     /* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", /* 5-byte form */
		"\xfe",
		"\xff",
		"\x80",                 /* lone continuation */
		"a\xbf",
		"\xe9\xba",             /* 麻 truncated at the end */
		"\xe9\xbaz",            /* ... followed by ASCII */
		"\xe9",
		"\xf0\x9f\x98",
		"\xc3",
		"a\x01",                /* C0 controls */
		"\t",
		"line\nbreak",
		"\r",
		"\x1b[31m",
		"\x7f",                 /* DEL */
		"\xc2\x80",             /* C1 controls */
		"\xc2\x85",
		"\xc2\x9f",
	};
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (cl_text_utf8_valid(bad[i], strlen(bad[i]), 256, why)) {
			char hex[64] = "";
			for (size_t k = 0; bad[i][k] && k < 20; k++)
				snprintf(hex + 3 * k, 4, "%02x ", (unsigned char)bad[i][k]);
			fail_msg("bytes [%s] accepted", hex);
		}
		if (why[0] == '\0')
			fail_msg("case %zu: no reason", i);
	}
	/* an embedded NUL is a control character */
	assert_false(cl_text_utf8_valid("a\0b", 3, 256, why));
}

static void test_utf8_length(void **state)
{
	char why[CL_WHY_MAX], buf[300];
	(void)state;
	memset(buf, 'n', sizeof(buf));
	assert_true(cl_text_utf8_valid(buf, 256, 256, why));
	assert_false(cl_text_utf8_valid(buf, 257, 256, why));
	assert_non_null(strstr(why, "257"));
	assert_false(cl_text_utf8_valid(buf, 0, 256, why));
	/* the limit counts bytes, not characters: 3 CJK characters are 9 bytes */
	assert_true(cl_text_utf8_valid(S("醋酸酐"), 9, why));
	assert_false(cl_text_utf8_valid(S("醋酸酐"), 8, why));
	/* a multi-byte character cut by the length is truncated */
	assert_false(cl_text_utf8_valid("醋酸酐", 8, 256, why));
}

/* ---- base64 -------------------------------------------------------------- */

static void test_base64_round_trip(void **state)
{
	uint8_t in[64], out[64];
	char text[100], why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 1; n <= 64; n++) {
		cl_base64_encode(text, in, n);
		assert_int_equal(strlen(text), cl_base64_encoded_len(n));
		memset(out, 0, sizeof(out));
		if (!cl_base64_decode_exact(out, n, text, strlen(text), why))
			fail_msg("n=%zu \"%s\" rejected: %s", n, text, why);
		assert_memory_equal(out, in, n);
	}
	assert_int_equal(cl_base64_encoded_len(32), 44);
	assert_int_equal(cl_base64_encoded_len(64), 88);
	assert_int_equal(cl_base64_encoded_len(0), 0);
}

static void test_base64_known(void **state)
{
	/* RFC 4648 §10 */
	static const struct {
		const char *raw, *b64;
	} v[] = {{"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
		 {"foobar", "Zm9vYmFy"}};
	char text[16], why[CL_WHY_MAX];
	uint8_t out[8];
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].raw);
		cl_base64_encode(text, (const uint8_t *)v[i].raw, n);
		assert_string_equal(text, v[i].b64);
		assert_true(cl_base64_decode_exact(out, n, v[i].b64, strlen(v[i].b64), why));
		assert_memory_equal(out, v[i].raw, n);
	}
	/* the public key of fixtures/keys/MPS-NCC.pem (pubkeys.tsv) decodes and re-encodes */
	static const char pk[] = "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGY=";
	uint8_t key[32];
	char again[45];
	assert_true(cl_base64_decode_exact(key, 32, S(pk), why));
	assert_int_equal(key[0], 0xeb);
	assert_int_equal(key[1], 0x02);
	cl_base64_encode(again, key, 32);
	assert_string_equal(again, pk);
}

static void test_base64_rejects(void **state)
{
	static const struct {
		size_t outlen;
		const char *text;
	} bad[] = {
		{1, "AB=="},  /* non-canonical: low 4 bits of 'B' set */
		{1, "AP=="},
		{1, "A/=="},
		{2, "AAB="},  /* non-canonical: low 2 bits set */
		{2, "AAD="},
		{1, "AA"},    /* padding missing */
		{1, "AA="},
		{1, "AAA="},  /* too much data for 1 byte */
		{1, "AAAA"},
		{2, "AA=="},  /* too little */
		{3, "AA=="},
		{3, "AAA="},
		{3, "AAAAAAAA"},
		{3, "AAA"},
		{3, "A=AA"},  /* padding inside */
		{3, "=AAA"},
		{6, "AA==AAAA"},
		{3, "AA-_"},  /* URL-safe alphabet */
		{3, "AA A"},
		{3, "AA\nA"},
		{3, "AA.A"},
		{3, "AAé"},
		{2, "Zm8"},
		{2, "Zm8=="},
		{32, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGY"},   /* 43 chars */
		{32, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGY=="}, /* 45 chars */
		{32, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGZ="},  /* non-canonical last char */
		{32, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VG=="},
		{64, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGY="},  /* a key where a signature belongs */
		{32, ""},
	};
	uint8_t out[64];
	char why[CL_WHY_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (cl_base64_decode_exact(out, bad[i].outlen, bad[i].text, strlen(bad[i].text), why))
			fail_msg("\"%s\" accepted as %zu bytes", bad[i].text, bad[i].outlen);
		if (why[0] == '\0')
			fail_msg("\"%s\": no reason", bad[i].text);
	}
	/* an embedded NUL */
	assert_false(cl_base64_decode_exact(out, 3, "AA\0A", 4, why));
	/* the canonical neighbours of the rejected ones are fine */
	assert_true(cl_base64_decode_exact(out, 1, S("AA=="), why));
	assert_int_equal(out[0], 0);
	assert_true(cl_base64_decode_exact(out, 1, S("/w=="), why));
	assert_int_equal(out[0], 0xff);
	assert_true(cl_base64_decode_exact(out, 2, S("AAA="), why));
	assert_true(cl_base64_decode_exact(out, 2, S("//8="), why));
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
}

/* ---- hex ----------------------------------------------------------------- */

static void test_hex(void **state)
{
	static const uint8_t in[] = {0x00, 0xff, 0x1a, 0xb2, 0x09, 0x90};
	char text[13];
	uint8_t out[6];
	(void)state;
	cl_hex_encode(text, in, sizeof(in));
	assert_string_equal(text, "00ff1ab20990");
	assert_true(cl_hex_decode_exact(out, 6, S("00ff1ab20990")));
	assert_memory_equal(out, in, 6);
	cl_hex_encode(text, in, 0);
	assert_string_equal(text, "");
	/* rejected */
	assert_false(cl_hex_decode_exact(out, 6, S("00FF1AB20990"))); /* upper case: not the canonical form */
	assert_false(cl_hex_decode_exact(out, 6, S("00ff1ab2099")));  /* odd length */
	assert_false(cl_hex_decode_exact(out, 6, S("00ff1ab209900"))); /* too long */
	assert_false(cl_hex_decode_exact(out, 6, S("00ff1ab2099000")));
	assert_false(cl_hex_decode_exact(out, 6, S("00ff1ab2099g")));
	assert_false(cl_hex_decode_exact(out, 6, S("0xff1ab20990")));
	assert_false(cl_hex_decode_exact(out, 6, S("00ff1ab2 990")));
	assert_false(cl_hex_decode_exact(out, 6, S("")));
	assert_false(cl_hex_decode_exact(out, 6, "00ff1a\0\0\0\0\0\0", 12));
	assert_false(cl_hex_decode_exact(out, 3, S("-1ff00")));
	assert_false(cl_hex_decode_exact(out, 1, S("g0")));
	assert_false(cl_hex_decode_exact(out, 1, S(":0")));
	assert_false(cl_hex_decode_exact(out, 1, S("0/")));
	assert_false(cl_hex_decode_exact(out, 1, S("`0")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qty_accepts),
		cmocka_unit_test(test_qty_rejects),
		cmocka_unit_test(test_qty_bound_accepted),
		cmocka_unit_test(test_qty_above_bound_rejected),
		cmocka_unit_test(test_qty_reasons),
		cmocka_unit_test(test_qty_exact_length),
		cmocka_unit_test(test_qty_format),
		cmocka_unit_test(test_uom),
		cmocka_unit_test(test_time_accepts),
		cmocka_unit_test(test_time_rejects),
		cmocka_unit_test(test_time_reasons),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_cas_real),
		cmocka_unit_test(test_cas_wrong_check_digit),
		cmocka_unit_test(test_cas_malformed),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_known),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
