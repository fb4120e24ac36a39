/*
 * cl_crypto.h - BLAKE2b-256 entry hashing and Ed25519 keys and signatures
 * (OpenSSL 3 EVP).  Private keys are standard PKCS#8 PEM files, the same as
 * `openssl genpkey -algorithm ed25519` writes.
 */
#ifndef CL_CRYPTO_H
#define CL_CRYPTO_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_error.h"
#include "cl_record.h"

/* Domain separation prefix of the entry hash input (docs/FORMAT.md). */
#define CL_ENTRY_DOMAIN "chemledger/v1/entry"

/* out = BLAKE2b-256(CL_ENTRY_DOMAIN || 0x00 || entry bytes). */
void cl_hash_entry(const void *entry, size_t len, uint8_t out[32]);

/* Creates `path` exclusively (O_EXCL, mode 0600) with a new Ed25519 private
 * key in PEM and writes its public key to pub.  CL_E_EXISTS if the file
 * exists (it is never overwritten), CL_E_IO, or CL_E_KEY. */
int cl_key_generate(const char *path, uint8_t pub[32], struct cl_error *err);

/* Loads an Ed25519 private key from a PEM file.  Caller frees with
 * EVP_PKEY_free.  CL_E_IO (cannot read) or CL_E_KEY (not an Ed25519 key). */
int cl_key_load(EVP_PKEY **out, const char *path, struct cl_error *err);

/* The raw 32-byte public key of an Ed25519 key. 0 or CL_E_KEY. */
int cl_key_public(const EVP_PKEY *key, uint8_t pub[32], struct cl_error *err);

/* Sets rec->sig to the signature of its signing input. 0, CL_E_KEY, CL_E_NOMEM. */
int cl_record_sign(struct cl_record *rec, EVP_PKEY *key, struct cl_error *err);

/* Verifies rec->sig under pub.  False for a non-canonical signature (S not
 * below the group order), a bad public key, or a mismatch. */
bool cl_record_verify(const struct cl_record *rec, const uint8_t pub[32]);

/* Verifies a raw Ed25519 signature (same rules). */
bool cl_ed25519_verify(const uint8_t pub[32], const uint8_t *msg, size_t len, const uint8_t sig[64]);

#endif
