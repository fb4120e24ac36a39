/*
 * cl_schema.h - the record schemas, generated from schemas/records.def.
 * Read by the record engine (cl_record.c) and by schemas/gen.c, which writes
 * the JSON Schema files and the docs' field tables from the same tables.
 */
#ifndef CL_SCHEMA_H
#define CL_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "cl_record.h"

enum cl_kind {
	CL_K_TYPE,     /* the "type" string */
	CL_K_ID,       /* identifier, 1..64 of A-Za-z0-9._:- */
	CL_K_TOKEN,    /* printable ASCII, 1..max */
	CL_K_TEXT,     /* UTF-8 text, 1..max bytes */
	CL_K_ENUM,     /* one word of aux (uint32_t index) */
	CL_K_ROLES,    /* array of role words -> bit set (uint32_t) */
	CL_K_CATS,     /* array of categories 1..3 -> bit set (uint32_t) */
	CL_K_INT,      /* integer 0..max (uint32_t) */
	CL_K_CAT,      /* one category 1..3 (uint32_t) */
	CL_K_QTY,      /* decimal string -> struct cl_quantity.base */
	CL_K_UOM,      /* unit code -> struct cl_quantity.uom */
	CL_K_TIME,     /* RFC 3339 -> int64_t seconds */
	CL_K_CAS,      /* CAS number string */
	CL_K_KEY,      /* base64 of 32 bytes */
	CL_K_SIG,      /* base64 of 64 bytes */
	CL_K_LICENCES, /* array of licence objects (struct cl_licence_list) */
	CL_K_LIMIT,    /* limit object (struct cl_limit) */
};

enum { CL_OPT = 0, CL_REQ = 1 };

struct cl_schema;

struct cl_field {
	const char *name;
	size_t name_len; /* strlen(name), kept so lookups never count */
	enum cl_kind kind;
	size_t offset;
	size_t size;
	int required;
	uint32_t max;
	const void *aux; /* const char *const * words, or const struct cl_schema * */
	const char *doc;
};

struct cl_schema {
	const char *name;
	const char *doc;
	const struct cl_field *fields;
	unsigned n_fields;
	unsigned index; /* enum cl_schema_index */
};

/* Every schema, numbered (for per-schema tables). */
enum cl_schema_index {
#define SCHEMA(nm, st, dc) CL_SCHEMA_##nm,
#define FIELD(st, js, kd, mb, rq, mx, ax, dc)
#define END(nm)
#include "../schemas/records.def"
#undef SCHEMA
#undef FIELD
#undef END
	CL_SCHEMA_COUNT
};

extern const struct cl_schema cl_schema_limit;
extern const struct cl_schema cl_schema_licence;
/* Indexed by enum cl_record_type. */
extern const struct cl_schema *const cl_schema_records[CL_REC_TYPE_COUNT];

/* Index of field `name` (len bytes) in s, or -1. */
int cl_schema_find(const struct cl_schema *s, const char *name, size_t len);

/* s's field indexes (s->n_fields of them) in canonical key order: the
 * names bytewise ascending (docs/FORMAT.md 1.2).  Computed once. */
const uint8_t *cl_schema_order(const struct cl_schema *s);

#endif
