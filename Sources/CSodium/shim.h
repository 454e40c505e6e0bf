/* libsodium: every cryptographic primitive Stacks uses. */
#include <sodium.h>
