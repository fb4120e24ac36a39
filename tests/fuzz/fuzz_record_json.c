/* Fuzz target: one JSON record line, as chemledger sign and submit read it.
 * Invariant: a line that parses re-encodes to an entry that decodes to the
 * same content, and prints as JSON that parses to the same content. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_entry.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cl_entry e, back;
	static struct cl_record again;
	struct cl_error err;
	msgpack_sbuffer sb;
	json_t *j;
	char *text;

	if (cl_record_parse_json(&e.rec, (const char *)data, size, &err) != 0)
		return 0;
	msgpack_sbuffer_init(&sb);
	e.seq = 1;
	if (cl_entry_encode(&e, &sb) || cl_entry_decode(&back, sb.data, sb.size, &err) ||
	    !cl_record_same_content(&e.rec, &back.rec))
		abort();
	j = cl_record_to_json(&e.rec);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text || cl_record_parse_json(&again, text, strlen(text), &err) || !cl_record_same_content(&e.rec, &again))
		abort();
	free(text);
	json_decref(j);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
