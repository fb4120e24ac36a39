#include "cl_map.h"

#include <stdlib.h>
#include <string.h>

#include "cl_error.h"

#define MAP_MIN_CAP 16

/* FNV-1a, 64 bits, with a final avalanche so low bits mix well. */
static uint64_t hash_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void cl_map_init(struct cl_map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
}

void cl_map_free(struct cl_map *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	cl_map_init(m);
}

/* The slot holding key, or the empty slot where it would go. */
static struct cl_map_slot *find_slot(const struct cl_map *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct cl_map_slot *s = &m->slots[i];
		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

void *cl_map_get(const struct cl_map *m, const char *key)
{
	struct cl_map_slot *s;
	if (m->count == 0)
		return NULL;
	s = find_slot(m, key, hash_key(key));
	return s->key ? s->value : NULL;
}

bool cl_map_has(const struct cl_map *m, const char *key)
{
	return m->count != 0 && find_slot(m, key, hash_key(key))->key != NULL;
}

/* Doubles the table (or makes the first one).  0 or CL_E_NOMEM. */
static int grow(struct cl_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : MAP_MIN_CAP;
	struct cl_map_slot *old = m->slots, *fresh;
	size_t old_cap = m->cap;

	if (cap < m->cap || cap > SIZE_MAX / sizeof(*fresh))
		return CL_E_NOMEM;
	fresh = calloc(cap, sizeof(*fresh));
	if (fresh == NULL)
		return CL_E_NOMEM;
	m->slots = fresh;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find_slot(m, old[i].key, old[i].hash) = old[i];
	free(old);
	return 0;
}

int cl_map_put(struct cl_map *m, const char *key, void *value)
{
	uint64_t h = hash_key(key);
	struct cl_map_slot *s;
	char *copy;
	size_t len;

	if (m->cap) {
		s = find_slot(m, key, h);
		if (s->key) {
			s->value = value;
			return 0;
		}
	}
	/* Keep the load factor at or below 1/2: probes stay short. */
	if ((m->count + 1) * 2 > m->cap && grow(m))
		return CL_E_NOMEM;
	len = strlen(key);
	if ((copy = malloc(len + 1)) == NULL)
		return CL_E_NOMEM;
	memcpy(copy, key, len + 1);
	s = find_slot(m, key, h);
	s->key = copy;
	s->hash = h;
	s->value = value;
	m->count++;
	return 0;
}

bool cl_map_next(const struct cl_map *m, size_t *pos, const char **key, void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		const struct cl_map_slot *s = &m->slots[*pos];
		if (s->key == NULL)
			continue;
		if (key)
			*key = s->key;
		if (value)
			*value = s->value;
		(*pos)++;
		return true;
	}
	return false;
}
