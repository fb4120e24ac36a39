#include "cl_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define WHY(...) (snprintf(why, CL_WHY_MAX, __VA_ARGS__), false)

bool cl_text_id_valid(const char *s, size_t len, char *why)
{
	if (len < 1 || len > 64)
		return WHY("must be 1 to 64 characters, got %zu", len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return WHY("character %zu (0x%02x) is not one of A-Z a-z 0-9 . _ : -", i + 1, c);
	}
	return true;
}

bool cl_text_token_valid(const char *s, size_t len, size_t max, char *why)
{
	if (len < 1 || len > max)
		return WHY("must be 1 to %zu characters, got %zu", max, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return WHY("character %zu (0x%02x) is not printable ASCII", i + 1, c);
	}
	return true;
}

bool cl_text_utf8_valid(const char *s, size_t len, size_t max, char *why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (len < 1 || len > max)
		return WHY("must be 1 to %zu bytes, got %zu", max, len);
	while (i < len) {
		unsigned c = p[i];
		unsigned n, cp, min;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return WHY("control character 0x%02x at byte %zu", c, i + 1);
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; min = 0x10000; }
		else return WHY("invalid UTF-8 byte 0x%02x at byte %zu", c, i + 1);
		if (i + n >= len)
			return WHY("truncated UTF-8 sequence at byte %zu", i + 1);
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return WHY("invalid UTF-8 continuation at byte %zu", i + k + 1);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min)
			return WHY("overlong UTF-8 sequence at byte %zu", i + 1);
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return WHY("invalid code point U+%04X at byte %zu", cp, i + 1);
		if (cp >= 0x80 && cp < 0xa0)
			return WHY("control character U+%04X at byte %zu", cp, i + 1);
		i += n + 1;
	}
	return true;
}

bool cl_qty_parse_milli(const char *s, size_t len, uint64_t *out, char *why)
{
	uint64_t v = 0;
	size_t i = 0, intdigits = 0, decimals = 0;

	if (len == 0)
		return WHY("is empty");
	if (s[0] == '-')
		return WHY("must be positive, got \"%.*s\"", (int)(len > 40 ? 40 : len), s);
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (v > 1000000000000000ULL)
			return WHY("is too large (at most 10^15 base units)");
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
		intdigits++;
	}
	if (intdigits == 0)
		return WHY("must be a decimal number like \"500.250\", got \"%.*s\"",
			   (int)(len > 40 ? 40 : len), s);
	if (intdigits > 1 && s[0] == '0')
		return WHY("has a leading zero: \"%.*s\"", (int)(len > 40 ? 40 : len), s);
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (++decimals > 3)
				return WHY("has more than 3 decimals: \"%.*s\"", (int)(len > 40 ? 40 : len), s);
			v = v * 10 + (uint64_t)(s[i] - '0');
			i++;
		}
		if (decimals == 0)
			return WHY("has a decimal point with no digits after it");
	}
	if (i != len)
		return WHY("must be a decimal number like \"500.250\", got \"%.*s\"",
			   (int)(len > 40 ? 40 : len), s);
	for (; decimals < 3; decimals++)
		v *= 10;
	if (v > 1000000000000000000ULL) /* the 10^18 bound; v < 1.1e19 cannot have wrapped */
		return WHY("is too large (at most 10^15 base units)");
	*out = v;
	return true;
}

static const char *const uom_codes[] = {"KGM", "GRM", "LTR", "MLT"};

int cl_uom_from_code(const char *s, size_t len)
{
	for (int i = 0; i < 4; i++)
		if (len == 3 && memcmp(s, uom_codes[i], 3) == 0)
			return i;
	return -1;
}

const char *cl_uom_code(int uom)
{
	return uom >= 0 && uom < 4 ? uom_codes[uom] : "?";
}

int cl_uom_measure(int uom)
{
	return uom == CL_UOM_KGM || uom == CL_UOM_GRM ? CL_MEASURE_MASS : CL_MEASURE_VOLUME;
}

int cl_measure_main_uom(int measure)
{
	return measure == CL_MEASURE_MASS ? CL_UOM_KGM : CL_UOM_LTR;
}

void cl_qty_format(char out[32], int64_t base, int uom)
{
	uint64_t mag = base < 0 ? (uint64_t)0 - (uint64_t)base : (uint64_t)base;
	const char *sign = base < 0 ? "-" : "";

	if (uom == CL_UOM_KGM || uom == CL_UOM_LTR)
		snprintf(out, 32, "%s%" PRIu64 ".%03" PRIu64, sign, mag / 1000, mag % 1000);
	else
		snprintf(out, 32, "%s%" PRIu64, sign, mag);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool cl_time_parse(const char *s, size_t len, int64_t *out, char *why)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	int64_t off = 0;

	if (len < 20 || len > 25)
		goto form;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		goto form;
	if (len == 20 && (s[19] == 'Z' || s[19] == 'z')) {
		off = 0;
	} else if (len == 25 && (s[19] == '+' || s[19] == '-') && digits(s + 20, 2, &oh) &&
		   s[22] == ':' && digits(s + 23, 2, &om)) {
		if (oh > 23 || om > 59)
			return WHY("has an out-of-range UTC offset: \"%.*s\"", (int)len, s);
		off = (int64_t)(oh * 3600 + om * 60) * (s[19] == '-' ? -1 : 1);
	} else if (len > 20 && s[19] == '.') {
		return WHY("must be in whole seconds (no fraction): \"%.*s\"", (int)len, s);
	} else {
		goto form;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return WHY("is not a calendar date: \"%.*s\"", (int)len, s);
	if (h > 23 || mi > 59 || se > 59)
		return WHY("is not a valid time of day: \"%.*s\"", (int)len, s);
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	if (*out < CL_TIME_MIN || *out > CL_TIME_MAX)
		return WHY("is outside years 0000-9999 in UTC: \"%.*s\"", (int)len, s);
	return true;
form:
	return WHY("must be RFC 3339 in whole seconds like \"2024-03-01T08:00:00Z\" or "
		   "\"2024-03-01T16:00:00+08:00\", got \"%.*s\"",
		   (int)(len > 40 ? 40 : len), s);
}

void cl_time_format(char out[21], int64_t t)
{
	int64_t days = t / 86400, rem = t % 86400, y;
	unsigned m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, 21, "out-of-range-time");
		return;
	}
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y, m, d, (unsigned)(rem / 3600),
		 (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

bool cl_cas_valid(const char *s, size_t len, char *why)
{
	size_t d1 = 0;
	unsigned sum = 0, weight = 1;

	while (d1 < len && s[d1] >= '0' && s[d1] <= '9')
		d1++;
	if (d1 < 2 || d1 > 7 || len != d1 + 5 || s[d1] != '-' || s[d1 + 1] < '0' || s[d1 + 1] > '9' ||
	    s[d1 + 2] < '0' || s[d1 + 2] > '9' || s[d1 + 3] != '-' || s[d1 + 4] < '0' || s[d1 + 4] > '9')
		return WHY("must be a CAS number like \"108-24-7\", got \"%.*s\"",
			   (int)(len > 40 ? 40 : len), s);
	/* Check digit: digits right to left (without the check digit) weighted 1, 2, 3, ... */
	for (size_t i = d1 + 3; i-- > 0;) {
		if (s[i] == '-')
			continue;
		sum += weight++ * (unsigned)(s[i] - '0');
	}
	if (sum % 10 != (unsigned)(s[len - 1] - '0'))
		return WHY("check digit of \"%.*s\" is wrong (expected %u)", (int)len, s, sum % 10);
	return true;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t cl_base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void cl_base64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i = 0, o = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* The 6-bit value of each base64 character, -1 for every other byte (a
 * table: every submitted record has an 88-character signature). */
static const int8_t b64_dec[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

bool cl_base64_decode_exact(uint8_t *out, size_t outlen, const char *s, size_t len, char *why)
{
	size_t want_pad = (3 - outlen % 3) % 3, o = 0;
	uint32_t v = 0;
	int pad = 0;

	if (len != cl_base64_encoded_len(outlen))
		return WHY("must be base64 of exactly %zu bytes (%zu characters), got %zu characters",
			   outlen, cl_base64_encoded_len(outlen), len);
	for (size_t i = 0; i < len; i += 4) {
		v = 0;
		for (int k = 0; k < 4; k++) {
			char c = s[i + k];
			int d = b64_dec[(unsigned char)c];
			if (c == '=' && i + 4 == len && k >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (d < 0 || pad)
				return WHY("is not valid base64 (character %zu)", i + (size_t)k + 1);
			v = v << 6 | (uint32_t)d;
		}
		for (int k = 0; k < 3 - pad && o < outlen; k++)
			out[o++] = (uint8_t)(v >> (16 - 8 * k));
	}
	/* Exactness: only the canonical text of these bytes is accepted, which
	 * is padded exactly as needed and leaves the unused low bits of its
	 * last group 0. */
	if (o != outlen || (size_t)pad != want_pad || (pad && (v & ((1u << (8 * pad)) - 1)) != 0))
		return WHY("is not the canonical base64 of %zu bytes", outlen);
	return true;
}

void cl_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool cl_hex_decode_exact(uint8_t *out, size_t outlen, const char *s, size_t len)
{
	if (len != 2 * outlen)
		return false;
	for (size_t i = 0; i < outlen; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			v <<= 4;
			if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
			else return false;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}
