/*
 * cl_export.h - the portable export stream: the raw entries of a ledger in
 * order, readable without LMDB (docs/FORMAT.md, "Export stream").
 *
 *   magic   "CHEMLEDGER-EXPORT-1\n"                       20 bytes
 *   entry   'E', length (u32 big-endian), entry bytes      per entry
 *   trailer 'T', 40 (u32 big-endian), count (u64 BE), head hash (32)
 *
 * Nothing may follow the trailer.  A stream without its trailer is cut.
 */
#ifndef CL_EXPORT_H
#define CL_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cl_error.h"

#define CL_EXPORT_MAGIC "CHEMLEDGER-EXPORT-1\n"
#define CL_EXPORT_MAGIC_LEN 20

/* Writers: 0 or CL_E_IO. */
int cl_export_write_magic(FILE *f, struct cl_error *err);
int cl_export_write_entry(FILE *f, const void *bytes, size_t len, struct cl_error *err);
int cl_export_write_trailer(FILE *f, uint64_t count, const uint8_t head[32], struct cl_error *err);

struct cl_export_reader {
	FILE *f;
	uint8_t *buf;   /* the current entry, valid until the next call */
	size_t cap;
	uint64_t offset; /* byte offset of the next frame */
	bool done;
	uint64_t trailer_count;
	uint8_t trailer_head[32];
};

/* Reads and checks the magic. 0, CL_E_IO or CL_E_MALFORMED_ENTRY. */
int cl_export_reader_init(struct cl_export_reader *r, FILE *f, struct cl_error *err);
/*
 * Next frame: returns 1 with *bytes and *len set for an entry; 0 at the trailer
 * (trailer_count/trailer_head filled, and the stream checked to end there);
 * CL_E_MALFORMED_ENTRY (with the byte offset in the message) when the
 * stream is cut or malformed; CL_E_IO.
 */
int cl_export_reader_next(struct cl_export_reader *r, const uint8_t **bytes, size_t *len, struct cl_error *err);
void cl_export_reader_free(struct cl_export_reader *r);

#endif
