/*
 * cl_idset.h - the set of record ids a replay has seen, with each record's
 * type, in 17 bytes an id: ids are kept as 128-bit BLAKE2b digests, not as
 * strings, since it is the one piece of replay state that grows with every
 * entry (a chance collision needs about 2^64 ids).
 */
#ifndef CL_IDSET_H
#define CL_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct cl_idset {
	uint8_t (*digests)[16];
	uint8_t *types; /* 0: empty slot, else record type + 1 */
	size_t cap;     /* 0 or a power of two */
	size_t count;
};

void cl_idset_init(struct cl_idset *s);
void cl_idset_free(struct cl_idset *s);
/* The type + 1 stored with id, or 0 when id was not seen. */
unsigned cl_idset_get(const struct cl_idset *s, const char *id);
/* Adds id with type + 1 (nonzero).  0, or -1 when out of memory. */
int cl_idset_put(struct cl_idset *s, const char *id, unsigned type_plus_one);

#endif
