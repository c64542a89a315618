/* A tiny test harness for varco's C tests: CHECK records a failure and
 * goes on; RUN prints "name ... ok" or "name ... FAIL". */
#ifndef VARCO_TEST_HARNESS_H
#define VARCO_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varco.h"

static int tests_passed = 0;
static int tests_failed = 0;
static int current_failures = 0;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      current_failures++;                                                       \
    }                                                                           \
  } while (0)

#define CHECK_RESULT(call, want)                                                 \
  do {                                                                           \
    varco_result got_ = (call);                                                  \
    if (got_ != (want)) {                                                        \
      char msg_[512];                                                            \
      size_t n_ = 0;                                                             \
      if (varco_last_error((uint8_t *)msg_, sizeof msg_, &n_) != VARCO_OK) {     \
        msg_[0] = 0;                                                             \
      }                                                                          \
      fprintf(stderr, "  %s:%d: %s returned %s, want %s (%s)\n", __FILE__,       \
              __LINE__, #call, varco_result_name((int)got_),                     \
              varco_result_name((int)(want)), msg_);                             \
      current_failures++;                                                        \
    }                                                                            \
  } while (0)

#define CHECK_OK(call) CHECK_RESULT(call, VARCO_OK)

#define RUN(test)                                       \
  do {                                                  \
    current_failures = 0;                               \
    test();                                             \
    if (current_failures == 0) {                        \
      printf("%s ... ok\n", #test);                     \
      tests_passed++;                                   \
    } else {                                            \
      printf("%s ... FAIL\n", #test);                   \
      tests_failed++;                                   \
    }                                                   \
  } while (0)

/* A C string as pointer + length. */
#define S(str) (const uint8_t *)(str), strlen(str)

static int finish(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, tests_passed, tests_failed);
  return tests_failed == 0 && tests_passed > 0 ? 0 : 1;
}

/* Whether s starts with prefix. */
static inline int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads a step's outcome into buf (NUL-terminated). */
static void outcome_of(const varco_step *step, char *buf, size_t cap) {
  size_t n = 0;
  if (varco_step_outcome(step, (uint8_t *)buf, cap, &n) != VARCO_OK) {
    buf[0] = 0;
  }
}

/* Reads a step's state into a new heap string (the caller frees it). */
static inline char *state_of(const varco_step *step) {
  size_t n = 0;
  if (varco_step_state(step, NULL, 0, &n) != VARCO_BUFFER_TOO_SMALL) {
    return NULL;
  }
  char *s = malloc(n + 1);
  if (s != NULL && varco_step_state(step, (uint8_t *)s, n + 1, &n) != VARCO_OK) {
    free(s);
    return NULL;
  }
  return s;
}

/* Reads a step's record `i` to store into a new heap string (the caller
 * frees it); NULL when the step has no such write. */
static inline char *write_of(const varco_step *step, size_t i) {
  size_t n = 0;
  if (i >= varco_step_write_count(step) ||
      varco_step_write(step, i, NULL, 0, &n) != VARCO_BUFFER_TOO_SMALL) {
    return NULL;
  }
  char *s = malloc(n + 1);
  if (s != NULL && varco_step_write(step, i, (uint8_t *)s, n + 1, &n) != VARCO_OK) {
    free(s);
    return NULL;
  }
  return s;
}

/* Reads the ticket of an allowed attempt into a new heap string (the caller
 * frees it); NULL when the attempt was refused. */
static inline char *attempt_of(const varco_step *step) {
  size_t n = 0;
  if (varco_step_attempt(step, NULL, 0, &n) != VARCO_BUFFER_TOO_SMALL || n == 0) {
    return NULL;
  }
  char *s = malloc(n + 1);
  if (s != NULL && varco_step_attempt(step, (uint8_t *)s, n + 1, &n) != VARCO_OK) {
    free(s);
    return NULL;
  }
  return s;
}

#endif
