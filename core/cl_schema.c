/* The schema tables: expanded from schemas/records.def, nothing else. */
#include "cl_schema.h"

#include <pthread.h>
#include <string.h>

const char *const cl_words_role[] = {"authority", "producer", "importer", "vendor",
				     "carrier", "inspector", "end_user", NULL};
const char *const cl_words_licence_kind[] = {"produce", "import", "sell", "buy", "transport", NULL};
const char *const cl_words_measure[] = {"mass", "volume", NULL};
const char *const cl_words_origin[] = {"production", "import", NULL};
const char *const cl_words_seal[] = {"intact", "broken", "none", NULL};
const char *const cl_words_loss_reason[] = {"consumed", "destroyed", "lost", "stolen", NULL};
const char *const cl_words_type[] = {"genesis", "chemical", "party", "revoke", "batch",
				     "sale", "check", "handoff", "loss", NULL};

#define SCHEMA(nm, st, dc) static const struct cl_field fields_##nm[] = {
#define FIELD(st, js, kd, mb, rq, mx, ax, dc)                                                      \
	{js, sizeof(js) - 1, CL_K_##kd, offsetof(st, mb), sizeof(((st *)0)->mb), CL_##rq, mx, ax, dc},
#define END(nm)                                                                                    \
	}                                                                                          \
	;                                                                                          \
	_Static_assert(sizeof(fields_##nm) / sizeof(fields_##nm[0]) <= 32,                        \
		       "a schema has at most 32 fields (the present bit set, the order table)");
#include "../schemas/records.def"
#undef SCHEMA
#undef FIELD
#undef END

#define SCHEMA(nm, st, dc) const struct cl_schema cl_schema_##nm = {#nm, dc, fields_##nm,
#define FIELD(st, js, kd, mb, rq, mx, ax, dc)
#define END(nm) sizeof(fields_##nm) / sizeof(fields_##nm[0]), CL_SCHEMA_##nm};
#include "../schemas/records.def"
#undef SCHEMA
#undef FIELD
#undef END

const struct cl_schema *const cl_schema_records[CL_REC_TYPE_COUNT] = {
	&cl_schema_genesis, &cl_schema_chemical, &cl_schema_party,   &cl_schema_revoke, &cl_schema_batch,
	&cl_schema_sale,    &cl_schema_check,    &cl_schema_handoff, &cl_schema_loss,
};

int cl_schema_find(const struct cl_schema *s, const char *name, size_t len)
{
	for (unsigned i = 0; i < s->n_fields; i++)
		if (s->fields[i].name_len == len && memcmp(s->fields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static const struct cl_schema *const all_schemas[CL_SCHEMA_COUNT] = {
#define SCHEMA(nm, st, dc) [CL_SCHEMA_##nm] = &cl_schema_##nm,
#define FIELD(st, js, kd, mb, rq, mx, ax, dc)
#define END(nm)
#include "../schemas/records.def"
#undef SCHEMA
#undef FIELD
#undef END
};

static uint8_t orders[CL_SCHEMA_COUNT][32];
static pthread_once_t orders_once = PTHREAD_ONCE_INIT;

static void sort_orders(void)
{
	for (unsigned k = 0; k < CL_SCHEMA_COUNT; k++) {
		const struct cl_schema *s = all_schemas[k];
		uint8_t *o = orders[k];
		for (unsigned i = 0; i < s->n_fields; i++) {
			unsigned j = i;
			for (; j > 0 && strcmp(s->fields[o[j - 1]].name, s->fields[i].name) > 0; j--)
				o[j] = o[j - 1];
			o[j] = (uint8_t)i;
		}
	}
}

const uint8_t *cl_schema_order(const struct cl_schema *s)
{
	pthread_once(&orders_once, sort_orders);
	return orders[s->index];
}
