/*
 * test_crypto.c - core/cl_crypto.h: key files, Ed25519 signatures over
 * records, the canonical-S rule, and the BLAKE2b entry hash.
 *
 * Known answers were computed independently, outside this code base:
 *  - BLAKE2b: Python 3 hashlib,
 *      hashlib.blake2b(b"chemledger/v1/entry\0" + data, digest_size=32).hexdigest()
 *  - Ed25519: RFC 8032 §7.1 test vectors 1-3, re-checked with Python's
 *    `cryptography` (Ed25519PrivateKey.from_private_bytes(seed).sign(msg));
 *    the record signature below is that key's signature over the signing
 *    input that test_record.c pins (handoff_signing_input_hex).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "cl_crypto.h"
#include "cl_record.h"
#include "cl_text.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/cl_crypto.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in_tmp(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void unhex(uint8_t *out, size_t n, const char *hex)
{
	assert_true(cl_hex_decode_exact(out, n, hex, strlen(hex)));
}

/* The RFC 8032 test 1 key as PKCS#8 PEM (seed 9d61b19d...7f60). */
static const char rfc1_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			       "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
			       "-----END PRIVATE KEY-----\n";
static const char rfc1_pub[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

static const char ex_handoff[] =
	"{\"type\":\"handoff\",\"id\":\"H-2024-000118\",\"time\":\"2024-03-02T17:40:00+08:00\",\"signer\":"
	"\"HN-DIST-017\",\"sale\":\"S-2024-000118\",\"quantity\":\"1199.500\",\"uom\":\"LTR\"}";
static const char ex_handoff_sig[] = "a713a0994e1d0916f1a4605800ff4dfa6c9268c6fda68c3b076bdbfa39e70b85"
				     "35cbdf7955ebcf42f095f8d01f291514aa4def05076498d01bf30c30ab6c8006";

static EVP_PKEY *load_rfc1(void)
{
	char path[300];
	struct cl_error err;
	EVP_PKEY *k = NULL;
	path_in_tmp(path, sizeof(path), "rfc1.pem");
	unlink(path);
	write_file(path, rfc1_pem, strlen(rfc1_pem));
	assert_int_equal(cl_key_load(&k, path, &err), 0);
	assert_non_null(k);
	return k;
}

static struct cl_record *handoff(void)
{
	struct cl_record *r = calloc(1, sizeof(*r));
	struct cl_error err;
	assert_int_equal(cl_record_parse_json(r, ex_handoff, strlen(ex_handoff), &err), 0);
	return r;
}

/* ---- BLAKE2b -------------------------------------------------------------- */

static void test_hash_known_answers(void **state)
{
	uint8_t data[300], got[32], want[32];
	(void)state;
	for (int i = 0; i < 300; i++)
		data[i] = (uint8_t)i;
	cl_hash_entry("", 0, got);
	unhex(want, 32, "21b25bf8e336bd76d22249ad04e2d54531376436ec3e5f0b2fa7beb63173b322");
	assert_memory_equal(got, want, 32);
	cl_hash_entry("abc", 3, got);
	unhex(want, 32, "553c293a776db7ba533512eba38872c209fa1d4ed790f886d0a4de24e953b5da");
	assert_memory_equal(got, want, 32);
	cl_hash_entry(data, 300, got);
	unhex(want, 32, "90852b6bc9dcfa0caf1c38575f93c8784a6a30927f9c7deded5f4b4a40b86f58");
	assert_memory_equal(got, want, 32);
	/* the hash of test_record.c's known-answer entry (handoff_entry_hex) */
	{
		static const char entry_hex[] =
			"960105ce6764b380c4201111111111111111111111111111111111111111111111111111111111111111c42022222222"
			"2222222222222222222222222222222222222222222222222222222288a26964ad482d323032342d303030313138a871"
			"75616e74697479ce00124d8ca473616c65ad532d323032342d303030313138a3736967c440a713a0994e1d0916f1a460"
			"5800ff4dfa6c9268c6fda68c3b076bdbfa39e70b8535cbdf7955ebcf42f095f8d01f291514aa4def05076498d01bf30c"
			"30ab6c8006a67369676e6572ab484e2d444953542d303137a474696d65ce65e2f3f0a474797065a768616e646f6666a3"
			"756f6da34c5452";
		uint8_t entry[sizeof(entry_hex) / 2];
		unhex(entry, sizeof(entry), entry_hex);
		cl_hash_entry(entry, sizeof(entry), got);
		unhex(want, 32, "119e043c6604d915054ea027e10ea509e57d29ec47afb0168a80b5fb0e2f6f48");
		assert_memory_equal(got, want, 32);
	}
}

/* The domain prefix matters: a plain BLAKE2b-256 of the data is different,
 * and every changed byte or length changes the hash. */
static void test_hash_sensitivity(void **state)
{
	uint8_t a[32], b[32], data[64];
	(void)state;
	memset(data, 0x5c, sizeof(data));
	cl_hash_entry(data, 64, a);
	for (int i = 0; i < 64; i++) {
		data[i] ^= 1;
		cl_hash_entry(data, 64, b);
		assert_memory_not_equal(a, b, 32);
		data[i] ^= 1;
	}
	cl_hash_entry(data, 63, b);
	assert_memory_not_equal(a, b, 32);
	cl_hash_entry(data, 64, b);
	assert_memory_equal(a, b, 32);
}

/* ---- key files ------------------------------------------------------------ */

static void test_keygen(void **state)
{
	char path[300], before[4096], after[4096];
	uint8_t pub[32], pub2[32], again[32];
	struct cl_error err;
	struct stat st;
	EVP_PKEY *k = NULL;
	size_t n1, n2;
	(void)state;
	path_in_tmp(path, sizeof(path), "new.pem");
	assert_int_equal(cl_key_generate(path, pub, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	n1 = read_file(path, before, sizeof(before));
	assert_true(n1 > 0);
	assert_memory_equal(before, "-----BEGIN PRIVATE KEY-----\n", 28);
	/* never overwritten */
	memset(pub2, 0xee, 32);
	assert_int_equal(cl_key_generate(path, pub2, &err), CL_E_EXISTS);
	assert_int_equal(err.code, CL_E_EXISTS);
	assert_non_null(strstr(err.msg, path));
	n2 = read_file(path, after, sizeof(after));
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the file holds the key whose public half keygen reported */
	assert_int_equal(cl_key_load(&k, path, &err), 0);
	assert_int_equal(cl_key_public(k, again, &err), 0);
	assert_memory_equal(pub, again, 32);
	EVP_PKEY_free(k);
	/* two keys differ */
	path_in_tmp(path, sizeof(path), "new2.pem");
	assert_int_equal(cl_key_generate(path, pub2, &err), 0);
	assert_memory_not_equal(pub, pub2, 32);
	/* a directory that does not exist: an I/O error, nothing created */
	path_in_tmp(path, sizeof(path), "no/such/dir/k.pem");
	assert_int_equal(cl_key_generate(path, pub2, &err), CL_E_IO);
	assert_int_equal(stat(path, &st), -1);
	/* an existing file of other content is not touched either */
	path_in_tmp(path, sizeof(path), "precious.txt");
	write_file(path, "keep me\n", 8);
	assert_int_equal(cl_key_generate(path, pub2, &err), CL_E_EXISTS);
	assert_int_equal(read_file(path, after, sizeof(after)), 8);
	assert_memory_equal(after, "keep me\n", 8);
}

static void test_key_load_known(void **state)
{
	uint8_t pub[32], want[32];
	struct cl_error err;
	EVP_PKEY *k;
	(void)state;
	k = load_rfc1();
	assert_int_equal(cl_key_public(k, pub, &err), 0);
	unhex(want, 32, rfc1_pub);
	assert_memory_equal(pub, want, 32);
	EVP_PKEY_free(k);
	/* a committed fixture key: its public key is the one in pubkeys.tsv */
	k = NULL;
	if (cl_key_load(&k, "fixtures/keys/MPS-NCC.pem", &err) == 0) {
		char b64[45];
		assert_int_equal(cl_key_public(k, pub, &err), 0);
		cl_base64_encode(b64, pub, 32);
		assert_string_equal(b64, "6wKrmuxHsZFrrVd9ab/Zxa6A6t0llkszcunSYCX/VGY=");
		EVP_PKEY_free(k);
	} else {
		fail_msg("fixtures/keys/MPS-NCC.pem: %s (run from the repository root)", err.msg);
	}
}

/* Writes key k (any algorithm) as PKCS#8 PEM to tmp/name. */
static void write_pem(const char *name, EVP_PKEY *k, int public_only, char *path, size_t n)
{
	FILE *f;
	path_in_tmp(path, n, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (public_only)
		assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	else
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void expect_load_error(const char *path, int code)
{
	struct cl_error err = {0, ""};
	EVP_PKEY *k = (EVP_PKEY *)(uintptr_t)1;
	int rc = cl_key_load(&k, path, &err);
	if (rc != code)
		fail_msg("%s: want %s got %s (%s)", path, cl_status_name(code), cl_status_name(rc), err.msg);
	assert_null(k);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.msg, path)); /* the message names the file */
}

static void test_key_load_rejects(void **state)
{
	char path[300];
	EVP_PKEY *k;
	(void)state;
	/* missing file */
	path_in_tmp(path, sizeof(path), "missing.pem");
	expect_load_error(path, CL_E_IO);
	/* not PEM at all */
	path_in_tmp(path, sizeof(path), "text.pem");
	write_file(path, "this is not a key\n", 18);
	expect_load_error(path, CL_E_KEY);
	/* empty */
	path_in_tmp(path, sizeof(path), "empty.pem");
	write_file(path, "", 0);
	expect_load_error(path, CL_E_KEY);
	/* a PEM frame with garbage inside */
	path_in_tmp(path, sizeof(path), "garbage.pem");
	write_file(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 58);
	expect_load_error(path, CL_E_KEY);
	/* the RFC key truncated */
	path_in_tmp(path, sizeof(path), "cut.pem");
	write_file(path, rfc1_pem, 40);
	expect_load_error(path, CL_E_KEY);
	/* an RSA private key */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(k);
	write_pem("rsa.pem", k, 0, path, sizeof(path));
	expect_load_error(path, CL_E_KEY);
	EVP_PKEY_free(k);
	/* an EC (P-256) private key */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k);
	write_pem("ec.pem", k, 0, path, sizeof(path));
	expect_load_error(path, CL_E_KEY);
	EVP_PKEY_free(k);
	/* an X25519 key: the right curve, the wrong algorithm */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(k);
	write_pem("x25519.pem", k, 0, path, sizeof(path));
	expect_load_error(path, CL_E_KEY);
	EVP_PKEY_free(k);
	/* an Ed448 key */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	assert_non_null(k);
	write_pem("ed448.pem", k, 0, path, sizeof(path));
	expect_load_error(path, CL_E_KEY);
	EVP_PKEY_free(k);
	/* the public half of an Ed25519 key is not a private key */
	k = load_rfc1();
	write_pem("ed25519-pub.pem", k, 1, path, sizeof(path));
	expect_load_error(path, CL_E_KEY);
	EVP_PKEY_free(k);
	/* the committed bad-key fixtures, when run from the repository root */
	if (access("fixtures/bad/rsa.pem", R_OK) == 0) {
		expect_load_error("fixtures/bad/rsa.pem", CL_E_KEY);
		expect_load_error("fixtures/bad/ec-p256.pem", CL_E_KEY);
		expect_load_error("fixtures/bad/ed25519-public.pem", CL_E_KEY);
		expect_load_error("fixtures/bad/not-a-key.pem", CL_E_KEY);
	}
}

/* A directory cannot be read: cl_crypto.h promises CL_E_IO ("cannot read"),
 * not CL_E_KEY ("not an Ed25519 key"). */
static void test_key_load_directory(void **state)
{
	(void)state;
	expect_load_error(tmpdir, CL_E_IO);
}

static void test_key_public_rejects_other_keys(void **state)
{
	struct cl_error err;
	uint8_t pub[32];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	(void)state;
	assert_int_equal(cl_key_public(k, pub, &err), CL_E_KEY);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_int_equal(cl_key_public(k, pub, &err), CL_E_KEY);
	EVP_PKEY_free(k);
}

/* ---- signatures ------------------------------------------------------------ */

/* RFC 8032 §7.1, tests 1-3. */
static void test_ed25519_rfc8032(void **state)
{
	static const struct {
		const char *pub, *msg, *sig;
	} v[] = {
		{"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	};
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		uint8_t pub[32], sig[64], msg[2] = {0, 0};
		size_t mlen = strlen(v[i].msg) / 2;
		unhex(pub, 32, v[i].pub);
		unhex(sig, 64, v[i].sig);
		if (mlen)
			unhex(msg, mlen, v[i].msg);
		assert_true(cl_ed25519_verify(pub, msg, mlen, sig));
		/* another message, another key */
		msg[0] ^= 1;
		assert_false(cl_ed25519_verify(pub, msg, mlen ? mlen : 1, sig));
		msg[0] ^= 1;
		pub[5] ^= 0x20;
		assert_false(cl_ed25519_verify(pub, msg, mlen, sig));
	}
}

static void test_sign_known_answer(void **state)
{
	EVP_PKEY *k = load_rfc1();
	struct cl_record *r = handoff();
	struct cl_error err;
	uint8_t want[64], pub[32];
	(void)state;
	assert_int_equal(cl_record_sign(r, k, &err), 0);
	assert_true(cl_record_has(r, "sig"));
	unhex(want, 64, ex_handoff_sig);
	assert_memory_equal(r->sig, want, 64); /* Ed25519 is deterministic */
	unhex(pub, 32, rfc1_pub);
	assert_true(cl_record_verify(r, pub));
	/* signing again replaces the sig with the same one */
	memset(r->sig, 0, 64);
	assert_int_equal(cl_record_sign(r, k, &err), 0);
	assert_memory_equal(r->sig, want, 64);
	EVP_PKEY_free(k);
	free(r);
}

static void test_sign_verify(void **state)
{
	char path[300];
	uint8_t pub[32], other_pub[32];
	struct cl_error err;
	EVP_PKEY *k = NULL, *other = NULL;
	struct cl_record *r = handoff(), *copy = calloc(1, sizeof(*copy));
	(void)state;
	path_in_tmp(path, sizeof(path), "signer.pem");
	assert_int_equal(cl_key_generate(path, pub, &err), 0);
	assert_int_equal(cl_key_load(&k, path, &err), 0);
	path_in_tmp(path, sizeof(path), "other.pem");
	assert_int_equal(cl_key_generate(path, other_pub, &err), 0);
	assert_int_equal(cl_key_load(&other, path, &err), 0);

	assert_int_equal(cl_record_sign(r, k, &err), 0);
	assert_true(cl_record_verify(r, pub));
	/* the wrong key */
	assert_false(cl_record_verify(r, other_pub));
	/* every single bit flip of the signature */
	for (int bit = 0; bit < 512; bit++) {
		*copy = *r;
		copy->sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (cl_record_verify(copy, pub))
			fail_msg("signature with bit %d flipped verifies", bit);
	}
	/* every bit of the public key */
	for (int bit = 0; bit < 256; bit++) {
		uint8_t p2[32];
		memcpy(p2, pub, 32);
		p2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (cl_record_verify(r, p2))
			fail_msg("public key with bit %d flipped verifies", bit);
	}
	/* the record changed after signing */
	*copy = *r;
	copy->qty.base += 1;
	assert_false(cl_record_verify(copy, pub));
	*copy = *r;
	copy->time += 1;
	assert_false(cl_record_verify(copy, pub));
	*copy = *r;
	copy->qty.uom = CL_UOM_MLT;
	copy->qty.base = 1199500;
	assert_false(cl_record_verify(copy, pub));
	*copy = *r;
	copy->signer[0] = 'X';
	assert_false(cl_record_verify(copy, pub));
	*copy = *r;
	copy->type = CL_REC_CHECK; /* same fields, other type: the type is signed */
	assert_false(cl_record_verify(copy, pub));
	/* no sig at all */
	*copy = *r;
	copy->present = 0;
	cl_record_mark(copy, "type");
	assert_false(cl_record_verify(copy, pub));
	{
		struct cl_record *fresh = handoff();
		memcpy(fresh->sig, r->sig, 64); /* the bytes, but not marked present */
		assert_false(cl_record_verify(fresh, pub));
		free(fresh);
	}
	/* all-zero and all-0xff signatures and keys */
	*copy = *r;
	memset(copy->sig, 0, 64);
	assert_false(cl_record_verify(copy, pub));
	memset(copy->sig, 0xff, 64);
	assert_false(cl_record_verify(copy, pub));
	{
		uint8_t zero[32] = {0}, ones[32];
		memset(ones, 0xff, 32);
		assert_false(cl_record_verify(r, zero));
		assert_false(cl_record_verify(r, ones));
	}
	/* and the untouched one still verifies */
	assert_true(cl_record_verify(r, pub));
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	free(r);
	free(copy);
}

/* The group order L, little-endian. */
static const uint8_t order_le[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* s += L as little-endian 256-bit numbers; returns the carry out. */
static unsigned add_order(uint8_t s[32])
{
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned v = s[i] + order_le[i] + carry;
		s[i] = (uint8_t)v;
		carry = v >> 8;
	}
	return carry;
}

/* S + L is the same point equation (malleability): it must be refused. */
static void test_noncanonical_s(void **state)
{
	EVP_PKEY *k = load_rfc1();
	struct cl_record *r = handoff();
	struct cl_error err;
	uint8_t pub[32];
	uint8_t sig[64];
	(void)state;
	unhex(pub, 32, rfc1_pub);
	assert_int_equal(cl_record_sign(r, k, &err), 0);
	assert_true(cl_record_verify(r, pub));
	memcpy(sig, r->sig, 64);
	assert_int_equal(add_order(r->sig + 32), 0);
	assert_memory_not_equal(sig + 32, r->sig + 32, 32);
	assert_false(cl_record_verify(r, pub));

	/* the same on the raw RFC 8032 vectors: S + L, S = L, S = 2^256 - 1 */
	{
		uint8_t tpub[32], tsig[64];
		unhex(tpub, 32, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
		unhex(tsig, 64, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
		assert_true(cl_ed25519_verify(tpub, (const uint8_t *)"", 0, tsig));
		assert_int_equal(add_order(tsig + 32), 0);
		assert_false(cl_ed25519_verify(tpub, (const uint8_t *)"", 0, tsig));
		memcpy(tsig + 32, order_le, 32);
		assert_false(cl_ed25519_verify(tpub, (const uint8_t *)"", 0, tsig));
		memset(tsig + 32, 0xff, 32);
		assert_false(cl_ed25519_verify(tpub, (const uint8_t *)"", 0, tsig));
	}
	EVP_PKEY_free(k);
	free(r);
}

/* Signing with a key file that went through keygen and load gives a
 * signature that verifies under the public key keygen printed. */
static void test_keygen_sign_round_trip(void **state)
{
	char path[300];
	uint8_t pub[32];
	struct cl_error err;
	EVP_PKEY *k = NULL;
	struct cl_record *r = handoff();
	(void)state;
	path_in_tmp(path, sizeof(path), "rt.pem");
	assert_int_equal(cl_key_generate(path, pub, &err), 0);
	assert_int_equal(cl_key_load(&k, path, &err), 0);
	assert_int_equal(cl_record_sign(r, k, &err), 0);
	assert_true(cl_record_verify(r, pub));
	EVP_PKEY_free(k);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_answers),
		cmocka_unit_test(test_hash_sensitivity),
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_key_load_known),
		cmocka_unit_test(test_key_load_rejects),
		cmocka_unit_test(test_key_load_directory),
		cmocka_unit_test(test_key_public_rejects_other_keys),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_sign_known_answer),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_noncanonical_s),
		cmocka_unit_test(test_keygen_sign_round_trip),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
