/* Fuzz target: key material: a PEM key file (through a memfd) and the
 * exact base64 decoder used for keys and signatures. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cl_crypto.h"
#include "cl_text.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_error err;
	char why[CL_WHY_MAX], path[64];
	uint8_t out[64], pub[32];
	EVP_PKEY *key = NULL;
	int fd;

	(void)cl_base64_decode_exact(out, 32, (const char *)data, size, why);
	(void)cl_base64_decode_exact(out, 64, (const char *)data, size, why);
	fd = memfd_create("key", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (cl_key_load(&key, path, &err) == 0) {
			if (cl_key_public(key, pub, &err) != 0)
				__builtin_trap(); /* a loaded key is always Ed25519 */
			EVP_PKEY_free(key);
		}
	}
	close(fd);
	return 0;
}
