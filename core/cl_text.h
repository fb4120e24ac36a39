/*
 * cl_text.h - the textual value syntaxes of the record format: identifiers,
 * UTF-8 text, quantities, RFC 3339 times, CAS numbers, base64 and hex.
 *
 * All parsers take a pointer and an exact length (no NUL terminator needed),
 * never allocate, and on failure write a short reason into `why` (at least
 * CL_WHY_MAX bytes) without the field name: the caller adds the field path.
 */
#ifndef CL_TEXT_H
#define CL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CL_WHY_MAX 160

/* Largest quantity in base units (grams or millilitres), SPEC §2. */
#define CL_QTY_MAX 1000000000000000ULL

enum cl_uom { CL_UOM_KGM = 0, CL_UOM_GRM = 1, CL_UOM_LTR = 2, CL_UOM_MLT = 3 };
enum cl_measure { CL_MEASURE_MASS = 0, CL_MEASURE_VOLUME = 1 };

/* Identifier: 1..64 chars of A-Za-z0-9._:- */
bool cl_text_id_valid(const char *s, size_t len, char *why);
/* Token (label, permit): 1..max printable ASCII chars 0x21-0x7e. */
bool cl_text_token_valid(const char *s, size_t len, size_t max, char *why);
/* Text: 1..max bytes of valid, shortest-form UTF-8 without control chars. */
bool cl_text_utf8_valid(const char *s, size_t len, size_t max, char *why);

/* Parses "123.456" (at most 3 decimals, no sign, no exponent, no leading
 * zeros) into thousandths: out = 123456.  Bounded at 10^18 thousandths. */
bool cl_qty_parse_milli(const char *s, size_t len, uint64_t *out, char *why);
/* Unit code <-> enum; returns -1 for an unknown code. */
int cl_uom_from_code(const char *s, size_t len);
const char *cl_uom_code(int uom);
/* The measure (mass/volume) a unit belongs to. */
int cl_uom_measure(int uom);
/* The unit in which a measure is reported: KGM or LTR. */
int cl_measure_main_uom(int measure);
/* Writes a base-unit amount (may be negative: balances) in unit `uom`:
 * KGM/LTR with 3 decimals, GRM/MLT whole.  out needs 32 bytes. */
void cl_qty_format(char out[32], int64_t base, int uom);

/* The representable times: 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define CL_TIME_MIN (-62167219200LL)
#define CL_TIME_MAX 253402300799LL

/* RFC 3339 in whole seconds, "Z" or "+hh:mm"/"-hh:mm", years 0000-9999. */
bool cl_time_parse(const char *s, size_t len, int64_t *out, char *why);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (out needs 21 bytes). */
void cl_time_format(char out[21], int64_t t);

/* CAS registry number "NNNNNNN-NN-N" with a correct check digit. */
bool cl_cas_valid(const char *s, size_t len, char *why);

/* Standard base64 with padding.  Decoding is exact: the text must be the
 * one canonical encoding of exactly `outlen` bytes. */
size_t cl_base64_encoded_len(size_t n);
void cl_base64_encode(char *out, const uint8_t *in, size_t n); /* NUL-terminated */
bool cl_base64_decode_exact(uint8_t *out, size_t outlen, const char *s, size_t len, char *why);

/* Lower-case hex, NUL-terminated: out needs 2n+1 bytes. */
void cl_hex_encode(char *out, const uint8_t *in, size_t n);
bool cl_hex_decode_exact(uint8_t *out, size_t outlen, const char *s, size_t len);

#endif
