#include "cl_error.h"

#include <stdio.h>
#include <string.h>

int cl_error_set(struct cl_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int cl_error_prefix(struct cl_error *err, const char *fmt, ...)
{
	char prefix[CL_ERROR_MSG_MAX];
	char old[CL_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return CL_E_USAGE;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return err->code;
}

const char *cl_status_name(int code)
{
	switch (code) {
	case CL_OK: return "OK";
	case CL_E_MALFORMED_JSON: return "MALFORMED_JSON";
	case CL_E_BAD_FIELD: return "BAD_FIELD";
	case CL_E_WRONG_MEASURE: return "WRONG_MEASURE";
	case CL_E_BAD_SIGNATURE: return "BAD_SIGNATURE";
	case CL_E_UNKNOWN_SIGNER: return "UNKNOWN_SIGNER";
	case CL_E_ROLE_NOT_ALLOWED: return "ROLE_NOT_ALLOWED";
	case CL_E_REVOKED_SIGNER: return "REVOKED_SIGNER";
	case CL_E_UNKNOWN_REF: return "UNKNOWN_REF";
	case CL_E_DUPLICATE_ID: return "DUPLICATE_ID";
	case CL_E_MALFORMED_ENTRY: return "MALFORMED_ENTRY";
	case CL_E_IO: return "IO_ERROR";
	case CL_E_NOMEM: return "OUT_OF_MEMORY";
	case CL_E_STORE: return "STORE_ERROR";
	case CL_E_KEY: return "BAD_KEY";
	case CL_E_NOT_FOUND: return "NOT_FOUND";
	case CL_E_EXISTS: return "EXISTS";
	case CL_E_USAGE: return "USAGE";
	case CL_E_MAP_FULL: return "MAP_FULL";
	case CL_E_NOSPACE: return "NO_SPACE";
	default: return "ERROR";
	}
}
