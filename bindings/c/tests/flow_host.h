/* The host loop of ENGINE §4 in C, for the tests: an in-memory store (key,
 * revision, text) whose commits are atomic under one mutex, and a request
 * that advances, commits, and loads / repeats / retries until the step
 * says respond. Shared by flow.c and scenario.c. */
#ifndef VARCO_TEST_FLOW_HOST_H
#define VARCO_TEST_FLOW_HOST_H

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>

#include "harness.h"

#define MAX_RECORDS 256

/* ---- an in-memory store: key, revision, text; one mutex per commit ---- */

typedef struct {
  char *key;
  int64_t revision;
  char *text;
} record;

static record store[MAX_RECORDS];
static size_t store_len = 0;
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
/* The codes sent, oldest first (the outbox's messages, as users read them). */
static char sent_codes[64][16];
static size_t sent_count = 0;
/* The token of the last link sent ("...token=<64 hex digits>"). */
static char last_link[65];
/* When set, the host loop is the library's (varco_store_*: its store, its
 * loop, its outbox) rather than this file's. */
static varco_store *library = NULL;

static void store_reset(void) {
  for (size_t i = 0; i < store_len; i++) {
    free(store[i].key);
    free(store[i].text);
  }
  store_len = 0;
  sent_count = 0;
}

static record *find(const char *key) {
  for (size_t i = 0; i < store_len; i++) {
    if (strcmp(store[i].key, key) == 0) return &store[i];
  }
  return NULL;
}

/* A copy of the text under key, or NULL (the caller frees it). */
static char *store_get(const char *key) {
  if (library) {
    size_t n = 0;
    int64_t revision = 0;
    varco_result r = varco_store_get(library, S(key), NULL, 0, &n, &revision);
    if (r == VARCO_OK) return NULL; /* absent */
    CHECK(r == VARCO_BUFFER_TOO_SMALL);
    char *buf = malloc(n + 1);
    CHECK_OK(varco_store_get(library, S(key), (uint8_t *)buf, n + 1, &n, &revision));
    buf[n] = 0;
    return buf;
  }
  pthread_mutex_lock(&store_lock);
  record *r = find(key);
  char *t = r ? strdup(r->text) : NULL;
  pthread_mutex_unlock(&store_lock);
  return t;
}

/* Text out of the library: asks for the length, then reads. */
typedef varco_result (*indexed_text)(const varco_step *, size_t, uint8_t *, size_t, size_t *);
typedef varco_result (*plain_text)(const varco_step *, uint8_t *, size_t, size_t *);

static char *read_indexed(const varco_step *s, size_t i, indexed_text f) {
  size_t n = 0;
  if (f(s, i, NULL, 0, &n) != VARCO_BUFFER_TOO_SMALL && n != 0) return NULL;
  char *buf = malloc(n + 1);
  if (f(s, i, (uint8_t *)buf, n + 1, &n) != VARCO_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

static char *read_plain(const varco_step *s, plain_text f) {
  size_t n = 0;
  varco_result r = f(s, NULL, 0, &n);
  if (r == VARCO_OK) return strdup("");
  if (r != VARCO_BUFFER_TOO_SMALL) return NULL;
  char *buf = malloc(n + 1);
  if (f(s, (uint8_t *)buf, n + 1, &n) != VARCO_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* The messages a step's effects carry, as users read them: the first run
 * of six digits (a code) and the token of a link (email or SMS). */
static void note_effects(const varco_step *s) {
  for (size_t i = 0; i < varco_step_effect_count(s); i++) {
    char *e = read_indexed(s, i, varco_step_effect);
    const char *text = e ? strstr(e, "\"text\":\"") : NULL;
    if (!text && e) text = strstr(e, "\"body\":\"");
    /* A message with a link carries no code: its token's digits are not one. */
    int has_link = text && strstr(text, "token=") != NULL;
    size_t k = 0;
    for (const char *p = has_link ? NULL : text; p && *p && k < 6; p++) {
      if (*p >= '0' && *p <= '9') {
        if (sent_count < 64) sent_codes[sent_count][k] = *p;
        k++;
      } else if (k > 0 && k < 6) {
        k = 0;
      }
    }
    if (k == 6 && sent_count < 64) sent_codes[sent_count++][6] = 0;
    /* The token of a link sent, by email or SMS. */
    const char *link = text ? strstr(text, "token=") : NULL;
    if (link) {
      size_t j = 0;
      for (link += strlen("token="); j < 64 && isxdigit((unsigned char)link[j]); j++) last_link[j] = link[j];
      last_link[j] = 0;
    }
    free(e);
  }
}

/* One atomic commit of a step's writes: each put's "replaces" (0: must
 * not exist) and each assert's revision checked, then every put stored.
 * Returns 0 on a conflict. The SMS texts go to a one-line outbox. */
static int commit(const varco_step *s) {
  size_t n = varco_step_write_count(s);
  int ok = 1;
  pthread_mutex_lock(&store_lock);
  for (size_t i = 0; i < n && ok; i++) {
    char *key = read_indexed(s, i, varco_step_write_key);
    char *kind = read_indexed(s, i, varco_step_write_kind);
    int64_t revision = 0, replaces = 0;
    CHECK_OK(varco_step_write_revision(s, i, &revision, &replaces));
    record *r = find(key);
    if (strcmp(kind, "assert") == 0) {
      ok = r != NULL && r->revision == revision;
    } else {
      ok = replaces == 0 ? r == NULL : (r != NULL && r->revision == replaces);
    }
    free(key);
    free(kind);
  }
  for (size_t i = 0; i < n && ok; i++) {
    char *kind = read_indexed(s, i, varco_step_write_kind);
    if (strcmp(kind, "assert") != 0) {
      char *key = read_indexed(s, i, varco_step_write_key);
      char *text = read_indexed(s, i, varco_step_write);
      int64_t revision = 0, replaces = 0;
      CHECK_OK(varco_step_write_revision(s, i, &revision, &replaces));
      record *r = find(key);
      if (r == NULL) {
        r = &store[store_len++];
        r->key = key;
      } else {
        free(key);
        free(r->text);
      }
      r->text = text;
      r->revision = revision;
    }
    free(kind);
  }
  if (ok) note_effects(s);
  pthread_mutex_unlock(&store_lock);
  return ok;
}

/* The library's outbox, as its sender would empty it: every row claimed,
 * its messages noted, marked sent. */
static void drain_outbox(const varco_engine *e, int64_t now) {
  for (int rows = 0; rows < 64; rows++) {
    varco_step *row = NULL;
    CHECK_OK(varco_store_claim_outbox(library, e, now, 60000, &row));
    if (row == NULL) return;
    pthread_mutex_lock(&store_lock);
    note_effects(row);
    pthread_mutex_unlock(&store_lock);
    char id[128];
    size_t n = 0;
    int deleted = 0;
    CHECK_OK(varco_step_outbox_id(row, (uint8_t *)id, sizeof id, &n));
    CHECK_OK(varco_store_outbox_sent(library, (const uint8_t *)id, n, &deleted));
    CHECK(deleted == 1);
    varco_step_free(row);
  }
  CHECK(!"the outbox never emptied");
}

/* ---- the host loop ---- */

typedef struct {
  const varco_engine *engine;
  char flow_key[64];
  char secret[128];
  char token[32];
} browser;

static varco_engine *engine_with(const char *config) {
  varco_engine_keys *keys = NULL;
  uint8_t k1[32], k2[32], k3[32];
  memset(k1, 1, 32);
  memset(k2, 2, 32);
  memset(k3, 3, 32);
  CHECK_OK(varco_engine_keys_new(&keys));
  CHECK_OK(varco_engine_keys_add(keys, VARCO_KEY_CODES, S("c1"), k1, 32));
  CHECK_OK(varco_engine_keys_add(keys, VARCO_KEY_SEALING, S("s1"), k2, 32));
  CHECK_OK(varco_engine_keys_add(keys, VARCO_KEY_DECOY, S("d1"), k3, 32));
  varco_engine *e = NULL;
  CHECK_OK(varco_engine_new(S(config), keys, &e));
  varco_engine_keys_free(keys);
  return e;
}

static void copy_view_token(const varco_step *s, char *token, size_t cap) {
  char *view = read_plain(s, varco_step_view);
  const char *t = view ? strstr(view, "\"token\":\"") : NULL;
  if (t) {
    t += strlen("\"token\":\"");
    size_t i = 0;
    while (t[i] && t[i] != '"' && i + 1 < cap) {
      token[i] = t[i];
      i++;
    }
    token[i] = 0;
  }
  free(view);
}

/* A browser holding the flow a start step began (the step is freed). */
static void browser_adopt(browser *b, const varco_engine *e, varco_step *s) {
  b->engine = e;
  size_t n = 0;
  CHECK_OK(varco_step_flow_key(s, (uint8_t *)b->flow_key, sizeof b->flow_key, &n));
  CHECK_OK(varco_step_client_secret(s, (uint8_t *)b->secret, sizeof b->secret, &n));
  copy_view_token(s, b->token, sizeof b->token);
  if (!library) CHECK(commit(s)); /* the library's store has it already */
  varco_step_free(s);
}

static void browser_start_kind(browser *b, const varco_engine *e, const char *kind, const char *source,
                               int64_t now) {
  varco_step *s = NULL;
  if (library) {
    CHECK_OK(varco_store_start(library, e, S(kind), (const uint8_t *)source, source ? strlen(source) : 0, NULL, 0, NULL,
                               0, 0, now, &s));
    drain_outbox(e, now);
  } else {
    CHECK_OK(varco_engine_start(e, S(kind), (const uint8_t *)source, source ? strlen(source) : 0, NULL, 0, NULL, 0, 0,
                                now, &s));
  }
  browser_adopt(b, e, s);
}

/* The records named by keys, as the store holds them now. */
static varco_records *records_of(char **keys, size_t nkeys) {
  varco_records *records = NULL;
  CHECK_OK(varco_records_new(&records));
  for (size_t i = 0; i < nkeys; i++) {
    char *text = store_get(keys[i]);
    CHECK_OK(varco_records_put(records, (const uint8_t *)keys[i], strlen(keys[i]), (const uint8_t *)text,
                               text ? strlen(text) : 0));
    free(text);
  }
  return records;
}

/* A host fact (JSON) about the view whose token is `token` (the browser's
 * current one if NULL): answer, commit, load / retry until respond. Returns
 * the final step (the caller frees it); the browser takes its token. */
static varco_step *answer_fact(browser *b, const char *token, const char *fact, int64_t now) {
  if (library) {
    varco_step *s = NULL;
    const char *t = token ? token : b->token;
    CHECK_OK(varco_store_answer(library, b->engine, S(b->flow_key), S(t), S(fact), now, &s));
    drain_outbox(b->engine, now);
    if (s) copy_view_token(s, b->token, sizeof b->token);
    return s;
  }
  char *keys[32];
  size_t nkeys = 0;
  varco_step *s = NULL;
  const char *t = token ? token : b->token;
  for (int round = 0; round < 50; round++) {
    varco_records *records = records_of(keys, nkeys);
    char *flow = store_get(b->flow_key);
    s = NULL;
    varco_result r = varco_engine_answer(b->engine, S(flow), S(t), S(fact), records, now, &s);
    free(flow);
    varco_records_free(records);
    CHECK_OK(r);
    if (r != VARCO_OK) break;
    if (!commit(s)) {
      varco_step_free(s);
      s = NULL;
      continue;
    }
    int then = -1;
    CHECK_OK(varco_step_then(s, &then));
    if (then != 1) break;
    for (size_t i = 0; i < varco_step_load_count(s) && nkeys < 32; i++) {
      keys[nkeys++] = read_indexed(s, i, varco_step_load_key);
    }
    varco_step_free(s);
    s = NULL;
  }
  for (size_t i = 0; i < nkeys; i++) free(keys[i]);
  if (s) copy_view_token(s, b->token, sizeof b->token);
  return s;
}

/* One user request: advance, commit, then load / repeat / retry until the
 * step says respond. Returns the final step (the caller frees it). */
static varco_step *submit(browser *b, const varco_input *input, int64_t now) {
  if (library) {
    varco_step *s = NULL;
    CHECK_OK(varco_store_advance(library, b->engine, S(b->flow_key), S(b->secret), S(b->token), input, now, &s));
    drain_outbox(b->engine, now);
    if (s) copy_view_token(s, b->token, sizeof b->token);
    return s;
  }
  char *keys[32];
  size_t nkeys = 0;
  char ticket[128] = {0};
  int have_ticket = 0;
  varco_step *s = NULL;
  for (int round = 0; round < 200; round++) {
    varco_records *records = records_of(keys, nkeys);
    char *flow = store_get(b->flow_key);
    s = NULL;
    varco_result r = varco_engine_advance(b->engine, S(flow), S(b->secret), S(b->token), input,
                                          have_ticket ? (const uint8_t *)ticket : NULL,
                                          have_ticket ? strlen(ticket) : 0, records, now, &s);
    free(flow);
    varco_records_free(records);
    CHECK_OK(r);
    if (r != VARCO_OK) break;
    if (!commit(s)) {
      varco_step_free(s);
      s = NULL;
      continue;
    }
    int then = -1;
    CHECK_OK(varco_step_then(s, &then));
    if (then == 0) break;
    if (then == 1) {
      for (size_t i = 0; i < varco_step_load_count(s) && nkeys < 32; i++) {
        keys[nkeys++] = read_indexed(s, i, varco_step_load_key);
      }
    } else {
      size_t n = 0;
      CHECK_OK(varco_step_ticket(s, (uint8_t *)ticket, sizeof ticket, &n));
      have_ticket = 1;
    }
    varco_step_free(s);
    s = NULL;
  }
  for (size_t i = 0; i < nkeys; i++) free(keys[i]);
  if (s) copy_view_token(s, b->token, sizeof b->token);
  return s;
}

static inline varco_input *input1(const char *name, const char *field, const char *value) {
  varco_input *i = NULL;
  CHECK_OK(varco_input_new(S(name), &i));
  if (field) CHECK_OK(varco_input_set(i, S(field), S(value)));
  return i;
}

#endif
