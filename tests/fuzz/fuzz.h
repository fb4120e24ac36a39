/* The libFuzzer entry point every target defines (tests/fuzz/). */
#ifndef CL_FUZZ_H
#define CL_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
