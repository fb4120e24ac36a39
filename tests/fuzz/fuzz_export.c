/* Fuzz target: an export stream, as chemverify --export reads it. */
#include <stdint.h>
#include <stdio.h>

#include "cl_entry.h"
#include "cl_export.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cl_entry e;
	struct cl_export_reader r;
	struct cl_error err;
	const uint8_t *bytes;
	size_t len;
	FILE *f;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if (cl_export_reader_init(&r, f, &err) == 0) {
		for (int n = 0; n < 100000 && cl_export_reader_next(&r, &bytes, &len, &err) == 1; n++)
			(void)cl_entry_decode(&e, bytes, len, &err);
	}
	cl_export_reader_free(&r);
	fclose(f);
	return 0;
}
