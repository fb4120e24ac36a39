#include "cl_idset.h"

#include <blake2.h>
#include <stdlib.h>
#include <string.h>

static void digest(const char *id, uint8_t out[16])
{
	blake2b(out, id, NULL, 16, strlen(id), 0);
}

static size_t slot_of(const uint8_t d[16], size_t cap)
{
	uint64_t h;
	memcpy(&h, d, 8);
	return (size_t)h & (cap - 1);
}

void cl_idset_init(struct cl_idset *s)
{
	memset(s, 0, sizeof(*s));
}

void cl_idset_free(struct cl_idset *s)
{
	free(s->digests);
	free(s->types);
	cl_idset_init(s);
}

unsigned cl_idset_get(const struct cl_idset *s, const char *id)
{
	uint8_t d[16];
	if (s->cap == 0)
		return 0;
	digest(id, d);
	for (size_t i = slot_of(d, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->types[i] == 0)
			return 0;
		if (memcmp(s->digests[i], d, 16) == 0)
			return s->types[i];
	}
}

static void insert(uint8_t (*digests)[16], uint8_t *types, size_t cap, const uint8_t d[16], unsigned t)
{
	size_t i = slot_of(d, cap);
	while (types[i] != 0)
		i = (i + 1) & (cap - 1);
	memcpy(digests[i], d, 16);
	types[i] = (uint8_t)t;
}

int cl_idset_put(struct cl_idset *s, const char *id, unsigned type_plus_one)
{
	uint8_t d[16];

	if ((s->count + 1) * 2 > s->cap) { /* keep the load at most 1/2 */
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint8_t(*nd)[16] = malloc(cap * 16);
		uint8_t *nt = calloc(cap, 1);
		if (nd == NULL || nt == NULL) {
			free(nd);
			free(nt);
			return -1;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->types[i])
				insert(nd, nt, cap, s->digests[i], s->types[i]);
		free(s->digests);
		free(s->types);
		s->digests = nd;
		s->types = nt;
		s->cap = cap;
	}
	digest(id, d);
	insert(s->digests, s->types, s->cap, d, type_plus_one);
	s->count++;
	return 0;
}
