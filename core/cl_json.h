/*
 * cl_json.h - a strict, single-pass JSON reader for one record line.
 *
 * Records arrive as JSON Lines at up to tens of thousands per second, and a
 * general JSON library's tree of hash tables cost more than everything else
 * but the signature check.  This reader turns one line into a flat array of
 * tokens in one pass, in space inside struct cl_json for a line of usual
 * size (the heap only beyond it).  It accepts exactly RFC 8259 JSON, as
 * strictly as the jansson settings it replaced: one value
 * with only whitespace around it, valid UTF-8, no NUL (escaped or not), no
 * lone surrogates, no duplicate keys in an object, integers that fit in 64
 * bits, and nesting at most CL_JSON_DEPTH deep.
 *
 * Tokens are stored in document order.  An object's token is followed by
 * its members, each a key (a CL_J_STR token) and then its value's tokens; an
 * array's by its items.  `end` is the index just past a token's subtree, so
 * the next sibling of token i is token t[i].end.
 */
#ifndef CL_JSON_H
#define CL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define CL_JSON_DEPTH 64

enum cl_jtype { CL_J_NULL, CL_J_FALSE, CL_J_TRUE, CL_J_INT, CL_J_REAL, CL_J_STR, CL_J_ARR, CL_J_OBJ };

struct cl_jtok {
	uint8_t type;     /* enum cl_jtype */
	uint32_t n;       /* CL_J_ARR: items; CL_J_OBJ: members */
	uint32_t end;     /* index just past this token's subtree */
	uint32_t len;     /* CL_J_STR: decoded length in bytes */
	const char *s;    /* CL_J_STR: decoded, NUL-terminated */
	int64_t i;        /* CL_J_INT */
};

/* Most records fit in the inline space, so parsing one allocates nothing.
 * t and arena may point into the struct itself (also after cl_json_free,
 * which leaves them there, never NULL): never copy a cl_json. */
#define CL_JSON_INLINE_TOKS 64
#define CL_JSON_INLINE_ARENA 2048

struct cl_json {
	struct cl_jtok *t;
	uint32_t n, cap;
	char *arena; /* decoded strings */
	size_t used, acap;
	struct cl_jtok inline_t[CL_JSON_INLINE_TOKS];
	char inline_arena[CL_JSON_INLINE_ARENA];
};

/*
 * Parses in[0..len).  0 with j filled (t[0] is the root), or -1 with a
 * message naming what is wrong and the column (1-based byte offset) where.
 * Release j with cl_json_free either way.
 */
int cl_json_parse(struct cl_json *j, const char *in, size_t len, char *msg, size_t msglen);
void cl_json_free(struct cl_json *j);

/* The value of member `key` of object token `obj`, or -1. */
int64_t cl_json_get(const struct cl_json *j, uint32_t obj, const char *key);

#endif
