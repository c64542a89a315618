/* One TOTP code: what a small C program pays for linking libvarco.a
 * statically. bindings/c/test.sh links it with the flags varco.pc gives and
 * checks that the linker's dead-code removal kept the program small. */
#include <stdio.h>
#include <string.h>

#include "varco.h"

int main(void) {
  const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  char code[16];
  size_t n = 0;
  if (varco_totp_code((const uint8_t *)secret, strlen(secret), 59000, (const uint8_t *)"{\"digits\":8}", 12,
                      (uint8_t *)code, sizeof code, &n) != VARCO_OK) {
    return 1;
  }
  /* RFC 6238's first SHA-1 vector. */
  if (strcmp(code, "94287082") != 0) {
    return 1;
  }
  printf("1 passed, 0 failed\n");
  return 0;
}
