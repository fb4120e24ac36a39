/*
 * cl_map.h - a string-keyed hash map (open addressing, linear probing) for
 * the verifier's replay state: parties, licences, chemicals, batches,
 * sales, record ids, labels and the holders of one batch.
 *
 * The map copies each key; it never owns a value (cl_map_free takes the
 * function that frees them).  There is no removal: replay state only grows
 * with what the chain registers.  Not thread-safe: one writer, no readers
 * while it writes.
 */
#ifndef CL_MAP_H
#define CL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cl_map_slot {
	char *key; /* NULL: empty slot */
	uint64_t hash;
	void *value;
};

struct cl_map {
	struct cl_map_slot *slots;
	size_t cap;   /* 0 or a power of two */
	size_t count;
};

/* An empty map; allocates nothing until the first cl_map_put. */
void cl_map_init(struct cl_map *m);

/* Frees the keys and the slot table, and calls free_value (may be NULL) on
 * every value.  The map is empty (and reusable) afterwards. */
void cl_map_free(struct cl_map *m, void (*free_value)(void *));

/* The value stored under key, or NULL when there is none. */
void *cl_map_get(const struct cl_map *m, const char *key);

/* Whether key is in the map (its value may be NULL). */
bool cl_map_has(const struct cl_map *m, const char *key);

/*
 * Stores value under key, replacing (not freeing) an older value.  The key
 * is copied.  Returns 0, or CL_E_NOMEM with the map unchanged.
 */
int cl_map_put(struct cl_map *m, const char *key, void *value);

/*
 * Iteration in slot order (not insertion order): start with *pos = 0; each
 * call returns true with *key and *value set (either may be NULL to skip)
 * until the map is exhausted.  The map must not change meanwhile.
 */
bool cl_map_next(const struct cl_map *m, size_t *pos, const char **key, void **value);

#endif
