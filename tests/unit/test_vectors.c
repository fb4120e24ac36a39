/*
 * test_vectors - the committed format vectors (fixtures/vectors/, written by
 * mkvectors) against the core: signing inputs, signatures, entry bytes and
 * hashes must come out identical, and every must-reject encoding must be
 * refused.  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "cl_text.h"

#define VEC "fixtures/vectors/"

static size_t unhex(uint8_t *out, size_t cap, const char *s)
{
	size_t n = strcspn(s, "\t\n") / 2;
	assert_true(n <= cap);
	assert_true(cl_hex_decode_exact(out, n, s, 2 * n));
	return n;
}

static void test_vectors_chain(void **state)
{
	static char line[200000];
	static uint8_t buf[100000], want[100000];
	struct cl_error err;
	struct cl_record *rec = calloc(1, sizeof(*rec)), *signed_rec = calloc(1, sizeof(*rec));
	struct cl_entry *e = calloc(1, sizeof(*e));
	msgpack_sbuffer sb;
	EVP_PKEY *key;
	uint8_t pub[32], filepub[32], prev_hash[32] = {0}, hash[32];
	int blocks = 0, signed_blocks = 0;
	FILE *f = fopen(VEC "vectors.txt", "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(cl_key_load(&key, VEC "rfc8032-test1.pem", &err), 0);
	assert_int_equal(cl_key_public(key, pub, &err), 0);
	msgpack_sbuffer_init(&sb);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		if (!strncmp(line, "public_key: ", 12)) {
			unhex(filepub, 32, line + 12);
			assert_memory_equal(filepub, pub, 32);
		} else if (!strncmp(line, "record: ", 8)) {
			assert_int_equal(cl_record_parse_json(rec, line + 8, n - 8, &err), 0);
		} else if (!strncmp(line, "signing_input: ", 15)) {
			size_t k = unhex(want, sizeof(want), line + 15);
			assert_int_equal(cl_record_signing_input(rec, &sb), 0);
			assert_int_equal(sb.size, k);
			assert_memory_equal(sb.data, want, k);
			/* Ed25519 is deterministic: signing again gives the vector's sig. */
			*signed_rec = *rec;
			assert_int_equal(cl_record_sign(signed_rec, key, &err), 0);
			assert_memory_equal(signed_rec->sig, rec->sig, 64);
			assert_true(cl_record_verify(rec, pub));
			signed_blocks++;
		} else if (!strncmp(line, "entry: ", 7)) {
			size_t k = unhex(buf, sizeof(buf), line + 7);
			assert_int_equal(cl_entry_decode(e, buf, k, &err), 0);
			assert_memory_equal(e->prev, prev_hash, 32);
			/* The signed bytes read off the entry are the ones encoded
			 * from the record (the genesis has no sig: -1). */
			{
				static uint8_t si[100000];
				size_t sn = 0;
				const uint8_t *sig = NULL;
				if (cl_record_has(&e->rec, "sig")) {
					assert_int_equal(cl_entry_signing_input(buf, k, si, sizeof(si), &sn, &sig), 0);
					assert_int_equal(cl_record_signing_input(&e->rec, &sb), 0);
					assert_int_equal(sn, sb.size);
					assert_memory_equal(si, sb.data, sn);
					assert_memory_equal(sig, e->rec.sig, 64);
					assert_int_equal(cl_entry_signing_input(buf, k, si, sn - 1, &sn, &sig), -1);
				} else {
					assert_int_equal(cl_entry_signing_input(buf, k, si, sizeof(si), &sn, &sig), -1);
				}
			}
			assert_true(cl_record_same_content(&e->rec, rec));
			assert_int_equal(cl_entry_encode(e, &sb), 0);
			assert_int_equal(sb.size, k);
			assert_memory_equal(sb.data, buf, k);
			cl_hash_entry(buf, k, hash);
		} else if (!strncmp(line, "hash: ", 6)) {
			unhex(want, 32, line + 6);
			assert_memory_equal(want, hash, 32);
			memcpy(prev_hash, hash, 32);
			blocks++;
		}
	}
	fclose(f);
	assert_int_equal(blocks, 9);
	assert_int_equal(signed_blocks, 8);
	msgpack_sbuffer_destroy(&sb);
	EVP_PKEY_free(key);
	free(rec);
	free(signed_rec);
	free(e);
}

static void test_vectors_reject(void **state)
{
	static char line[200000];
	static uint8_t buf[100000];
	struct cl_error err;
	struct cl_entry *e = calloc(1, sizeof(*e));
	int n = 0;
	FILE *f = fopen(VEC "reject.txt", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t k = unhex(buf, sizeof(buf), line);
		if (cl_entry_decode(e, buf, k, &err) != CL_E_MALFORMED_ENTRY)
			fail_msg("accepted: %s", strchr(line, '\t') + 1);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 8);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_chain),
		cmocka_unit_test(test_vectors_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
