/* Fuzz target: stored entry bytes, as chemverify and the ledger decode them.
 * Invariant: an accepted entry is canonical (re-encodes to the same bytes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_crypto.h"
#include "cl_entry.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cl_entry e;
	struct cl_error err;
	msgpack_sbuffer sb;
	uint8_t hash[32];
	json_t *j;

	if (cl_entry_decode(&e, data, size, &err) != 0)
		return 0;
	msgpack_sbuffer_init(&sb);
	if (cl_entry_encode(&e, &sb) || sb.size != size || memcmp(sb.data, data, size) != 0)
		abort();
	cl_hash_entry(data, size, hash);
	if ((j = cl_entry_to_json(&e, hash)) == NULL)
		abort();
	json_decref(j);
	(void)cl_record_verify(&e.rec, e.rec.key);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
