#include "cl_crypto.h"

#include <blake2.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cl_hash_entry(const void *entry, size_t len, uint8_t out[32])
{
	blake2b_state st;

	blake2b_init(&st, 32);
	blake2b_update(&st, (const uint8_t *)CL_ENTRY_DOMAIN, sizeof(CL_ENTRY_DOMAIN)); /* with its 0 byte */
	blake2b_update(&st, entry, len);
	blake2b_final(&st, out, 32);
}

int cl_key_public(const EVP_PKEY *key, uint8_t pub[32], struct cl_error *err)
{
	size_t n = 32;
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 || EVP_PKEY_get_raw_public_key(key, pub, &n) != 1 || n != 32)
		return cl_error_set(err, CL_E_KEY, "not an Ed25519 key");
	return 0;
}

int cl_key_generate(const char *path, uint8_t pub[32], struct cl_error *err)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	int fd = -1, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return cl_error_set(err, CL_E_EXISTS, "%s already exists; a key file is never overwritten", path);
		return cl_error_set(err, CL_E_IO, "cannot create %s: %s", path, strerror(errno));
	}
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1) {
		rc = cl_error_set(err, CL_E_KEY, "Ed25519 key generation failed");
		goto fail;
	}
	if ((rc = cl_key_public(key, pub, err)))
		goto fail;
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = cl_error_set(err, CL_E_IO, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = cl_error_set(err, CL_E_IO, "cannot write %s", path);
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = cl_error_set(err, CL_E_IO, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	return 0;
fail:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(path); /* never leave a half-written key behind */
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int cl_key_load(EVP_PKEY **out, const char *path, struct cl_error *err)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;
	struct stat st;

	*out = NULL;
	if (f == NULL)
		return cl_error_set(err, CL_E_IO, "cannot open key file %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return cl_error_set(err, CL_E_IO, "key file %s is not a regular file", path);
	}
	if (st.st_size > 65536) {
		fclose(f);
		return cl_error_set(err, CL_E_KEY, "%s is %lld bytes, too large for a PEM key", path,
				    (long long)st.st_size);
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (key == NULL)
		return cl_error_set(err, CL_E_KEY, "%s is not a PEM private key", path);
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return cl_error_set(err, CL_E_KEY, "%s is a private key but not an Ed25519 one", path);
	}
	*out = key;
	return 0;
}

int cl_record_sign(struct cl_record *rec, EVP_PKEY *key, struct cl_error *err)
{
	msgpack_sbuffer sb;
	EVP_MD_CTX *md = NULL;
	size_t siglen = 64;
	int rc = 0;

	msgpack_sbuffer_init(&sb);
	if (cl_record_signing_input(rec, &sb)) {
		rc = cl_error_set(err, CL_E_NOMEM, "out of memory");
		goto done;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(md, rec->sig, &siglen, (const unsigned char *)sb.data, sb.size) != 1 || siglen != 64) {
		ERR_clear_error();
		rc = cl_error_set(err, CL_E_KEY, "Ed25519 signing failed");
		goto done;
	}
	cl_record_mark(rec, "sig");
done:
	EVP_MD_CTX_free(md);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* The order of the Ed25519 group, little-endian: 2^252 + 27742317777372353535851937790883648493. */
static const uint8_t group_order[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

static bool scalar_canonical(const uint8_t s[32])
{
	for (int i = 31; i >= 0; i--) {
		if (s[i] < group_order[i])
			return true;
		if (s[i] > group_order[i])
			return false;
	}
	return false; /* equal to the order */
}

bool cl_ed25519_verify(const uint8_t pub[32], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	bool ok = false;

	if (!scalar_canonical(sig + 32))
		return false;
	key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	md = EVP_MD_CTX_new();
	if (key && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1)
		ok = EVP_DigestVerify(md, sig, 64, msg, len) == 1;
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ok;
}

/* A fixed buffer for msgpack: signing inputs nearly always fit, so checking
 * a record allocates nothing of ours. */
struct fixed_buf {
	size_t size;
	char data[2048];
};

static int fixed_write(void *data, const char *buf, size_t len)
{
	struct fixed_buf *b = data;
	if (len > sizeof(b->data) - b->size)
		return -1;
	memcpy(b->data + b->size, buf, len);
	b->size += len;
	return 0;
}

bool cl_record_verify(const struct cl_record *rec, const uint8_t pub[32])
{
	struct fixed_buf fb;
	msgpack_packer pk;
	msgpack_sbuffer sb;
	bool ok;

	if (!cl_record_has(rec, "sig"))
		return false;
	memcpy(fb.data, CL_SIG_DOMAIN, sizeof(CL_SIG_DOMAIN)); /* with its 0 byte */
	fb.size = sizeof(CL_SIG_DOMAIN);
	msgpack_packer_init(&pk, &fb, fixed_write);
	if (cl_record_pack(rec, false, &pk) == 0)
		return cl_ed25519_verify(pub, (const uint8_t *)fb.data, fb.size, rec->sig);
	/* Larger than the buffer (a party with many licences): on the heap. */
	msgpack_sbuffer_init(&sb);
	ok = cl_record_signing_input(rec, &sb) == 0 &&
	     cl_ed25519_verify(pub, (const uint8_t *)sb.data, sb.size, rec->sig);
	msgpack_sbuffer_destroy(&sb);
	return ok;
}
