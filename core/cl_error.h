/*
 * cl_error.h - status codes and error messages of the chemledger core.
 *
 * Every core function that can fail returns 0 (CL_OK) or one negative
 * cl_status, and fills a caller-owned struct cl_error with a message that
 * names what was wrong and where.  The core never prints and never exits.
 */
#ifndef CL_ERROR_H
#define CL_ERROR_H

#include <stdarg.h>

enum cl_status {
	CL_OK = 0,
	/* Rejections of a submitted record (SPEC §4), in contract order. */
	CL_E_MALFORMED_JSON = -1,
	CL_E_BAD_FIELD = -2,
	CL_E_WRONG_MEASURE = -3,
	CL_E_BAD_SIGNATURE = -4,
	CL_E_UNKNOWN_SIGNER = -5,
	CL_E_ROLE_NOT_ALLOWED = -6,
	CL_E_REVOKED_SIGNER = -7,
	CL_E_UNKNOWN_REF = -8,
	CL_E_DUPLICATE_ID = -9,
	/* Everything else. */
	CL_E_MALFORMED_ENTRY = -20, /* stored bytes that break the format */
	CL_E_IO = -21,              /* a file or stream could not be used */
	CL_E_NOMEM = -22,
	CL_E_STORE = -23,     /* LMDB said no */
	CL_E_KEY = -24,       /* a key file that is not an Ed25519 key */
	CL_E_NOT_FOUND = -25, /* a query found nothing */
	CL_E_EXISTS = -26,    /* something that must be new already exists */
	CL_E_USAGE = -27,     /* the caller's arguments are wrong */
	CL_E_MAP_FULL = -28,  /* internal: the LMDB map must grow */
	CL_E_NOSPACE = -29,   /* the disk is full */
};

#define CL_ERROR_MSG_MAX 512

struct cl_error {
	int code;
	char msg[CL_ERROR_MSG_MAX];
};

/* Sets err (which may be NULL) to code and a printf-formatted message;
 * returns code so that callers can write `return cl_error_set(...)`. */
int cl_error_set(struct cl_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes err->msg with "PREFIX: " (e.g. a field path); returns err->code. */
int cl_error_prefix(struct cl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The contract name of a status ("BAD_FIELD", ...), or "ERROR". Static. */
const char *cl_status_name(int code);

#endif
