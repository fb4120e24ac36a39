/*
 * sizes - the byte counts behind the bench's disk figure: reads an export
 * stream (chemledger export) and sums, over its entries, the canonical entry
 * bytes and the canonical record bytes inside them (the record as signed,
 * with its "sig": what any store of these records must keep at the least).
 *
 *   sizes EXPORT
 *
 * Prints {"entries":n,"entry_bytes":e,"record_bytes":r,"stream_bytes":s}.
 * Exit status: 0, or 2 if the stream is cut, malformed or unreadable.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cl_entry.h"
#include "cl_export.h"
#include "cl_record.h"

int main(int argc, char **argv)
{
	struct cl_export_reader r;
	struct cl_error err;
	struct cl_entry *e = malloc(sizeof(*e));
	uint64_t entries = 0, entry_bytes = 0, record_bytes = 0;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const uint8_t *bytes;
	size_t len;
	FILE *f;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: sizes EXPORT\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || e == NULL || cl_export_reader_init(&r, f, &err)) {
		fprintf(stderr, "sizes: cannot read %s\n", argv[1]);
		return 2;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	while ((rc = cl_export_reader_next(&r, &bytes, &len, &err)) == 1) {
		if (cl_entry_decode(e, bytes, len, &err)) {
			fprintf(stderr, "sizes: entry %" PRIu64 ": %s\n", entries, err.msg);
			return 2;
		}
		msgpack_sbuffer_clear(&sb);
		if (cl_record_pack(&e->rec, true, &pk)) {
			fprintf(stderr, "sizes: out of memory\n");
			return 2;
		}
		entries++;
		entry_bytes += len;
		record_bytes += sb.size;
	}
	if (rc != 0) {
		fprintf(stderr, "sizes: %s\n", err.msg);
		return 2;
	}
	printf("{\"entries\":%" PRIu64 ",\"entry_bytes\":%" PRIu64 ",\"record_bytes\":%" PRIu64
	       ",\"stream_bytes\":%" PRIu64 "}\n",
	       entries, entry_bytes, record_bytes, r.offset);
	cl_export_reader_free(&r);
	msgpack_sbuffer_destroy(&sb);
	fclose(f);
	free(e);
	return 0;
}
