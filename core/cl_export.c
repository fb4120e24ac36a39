#include "cl_export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cl_entry.h"

static int wr(FILE *f, const void *p, size_t n, struct cl_error *err)
{
	if (fwrite(p, 1, n, f) != n)
		return cl_error_set(err, CL_E_IO, "writing the export: %s", strerror(errno));
	return 0;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int cl_export_write_magic(FILE *f, struct cl_error *err)
{
	return wr(f, CL_EXPORT_MAGIC, CL_EXPORT_MAGIC_LEN, err);
}

int cl_export_write_entry(FILE *f, const void *bytes, size_t len, struct cl_error *err)
{
	uint8_t h[5] = {'E'};
	if (len > CL_ENTRY_MAX)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "entry of %zu bytes is too large to export", len);
	be32(h + 1, (uint32_t)len);
	return wr(f, h, 5, err) || wr(f, bytes, len, err) ? CL_E_IO : 0;
}

int cl_export_write_trailer(FILE *f, uint64_t count, const uint8_t head[32], struct cl_error *err)
{
	uint8_t t[45] = {'T'};
	be32(t + 1, 40);
	for (int i = 0; i < 8; i++)
		t[5 + i] = (uint8_t)(count >> (56 - 8 * i));
	memcpy(t + 13, head, 32);
	return wr(f, t, sizeof(t), err);
}

int cl_export_reader_init(struct cl_export_reader *r, FILE *f, struct cl_error *err)
{
	char m[CL_EXPORT_MAGIC_LEN];
	memset(r, 0, sizeof(*r));
	r->f = f;
	if (fread(m, 1, sizeof(m), f) != sizeof(m) || memcmp(m, CL_EXPORT_MAGIC, sizeof(m)) != 0)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "not a chemledger export stream (bad magic at byte 0)");
	r->offset = CL_EXPORT_MAGIC_LEN;
	return 0;
}

int cl_export_reader_next(struct cl_export_reader *r, const uint8_t **bytes, size_t *len, struct cl_error *err)
{
	uint8_t h[5];
	uint32_t n;
	size_t got;

	if (r->done)
		return 0;
	got = fread(h, 1, 5, r->f);
	if (got != 5) {
		if (ferror(r->f))
			return cl_error_set(err, CL_E_IO, "reading the export: %s", strerror(errno));
		return cl_error_set(err, CL_E_MALFORMED_ENTRY,
				    "stream cut at byte %llu: no trailer (the export is incomplete)",
				    (unsigned long long)r->offset);
	}
	n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	if (h[0] == 'T') {
		uint8_t t[40];
		if (n != 40 || fread(t, 1, 40, r->f) != 40)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "malformed trailer at byte %llu",
					    (unsigned long long)r->offset);
		r->trailer_count = 0;
		for (int i = 0; i < 8; i++)
			r->trailer_count = r->trailer_count << 8 | t[i];
		memcpy(r->trailer_head, t + 8, 32);
		if (fgetc(r->f) != EOF)
			return cl_error_set(err, CL_E_MALFORMED_ENTRY, "bytes after the trailer at byte %llu",
					    (unsigned long long)r->offset + 45);
		r->done = true;
		return 0;
	}
	if (h[0] != 'E')
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "unknown frame tag 0x%02x at byte %llu", h[0],
				    (unsigned long long)r->offset);
	if (n == 0 || n > CL_ENTRY_MAX)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "frame length %u out of range at byte %llu", n,
				    (unsigned long long)r->offset);
	if (n > r->cap) {
		uint8_t *nb = realloc(r->buf, n);
		if (nb == NULL)
			return cl_error_set(err, CL_E_NOMEM, "out of memory");
		r->buf = nb;
		r->cap = n;
	}
	if (fread(r->buf, 1, n, r->f) != n)
		return cl_error_set(err, CL_E_MALFORMED_ENTRY, "stream cut inside the entry at byte %llu",
				    (unsigned long long)r->offset);
	r->offset += 5 + (uint64_t)n;
	*bytes = r->buf;
	*len = n;
	return 1;
}

void cl_export_reader_free(struct cl_export_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}
