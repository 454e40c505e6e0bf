/* libFuzzer's driver, entered from our own main (SwiftPM names an executable's entry point itself).
   Nothing is linked here: `-sanitize=fuzzer` links libFuzzer, and only a build with -DFUZZING calls it. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
