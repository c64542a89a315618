/* The flow engine from C: the host loop of ENGINE §4 against an in-memory
 * store, with threads racing for one account's last attempt. */
#include <pthread.h>
#include <stdint.h>

#include "harness.h"

#define T0 1800000000000LL
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
static char last_sms[1024];

static void store_reset(void) {
  for (size_t i = 0; i < store_len; i++) {
    free(store[i].key);
    free(store[i].text);
  }
  store_len = 0;
  last_sms[0] = 0;
}

static record *find(const char *key) {
  for (size_t i = 0; i < store_len; i++) {
    if (strcmp(store[i].key, key) == 0) return &store[i];
  }
  return NULL;
}

/* A copy of the text under key, or NULL (the caller frees it). */
static char *store_get(const char *key) {
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
  if (ok) {
    for (size_t i = 0; i < varco_step_effect_count(s); i++) {
      char *e = read_indexed(s, i, varco_step_effect);
      if (e && starts(e, "{\"effect\":\"send_sms\"")) snprintf(last_sms, sizeof last_sms, "%s", e);
      free(e);
    }
  }
  pthread_mutex_unlock(&store_lock);
  return ok;
}

/* ---- the host loop ---- */

typedef struct {
  const varco_engine *engine;
  char flow_key[64];
  char secret[128];
  char token[32];
} browser;

static varco_engine *engine_new(void) {
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
  CHECK_OK(varco_engine_new(S("{\"hash\":{\"m_kib\":8,\"t\":1,\"p\":1}}"), keys, &e));
  varco_engine_keys_free(keys);
  return e;
}

static void provision(const varco_engine *e) {
  varco_step *s = NULL;
  CHECK_OK(varco_engine_provision(
      e, S("{\"id\":\"a1\",\"username\":\"mario\",\"mobile\":\"333 123 4567\",\"second_factor\":true}"),
      S("Correct \"Horse\" 1"), T0, &s));
  CHECK(commit(s));
  varco_step_free(s);
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

static void browser_start(browser *b, const varco_engine *e) {
  varco_step *s = NULL;
  b->engine = e;
  CHECK_OK(varco_engine_start(e, S("login"), S("203.0.113.7"), NULL, 0, T0, &s));
  size_t n = 0;
  CHECK_OK(varco_step_flow_key(s, (uint8_t *)b->flow_key, sizeof b->flow_key, &n));
  CHECK_OK(varco_step_client_secret(s, (uint8_t *)b->secret, sizeof b->secret, &n));
  copy_view_token(s, b->token, sizeof b->token);
  CHECK(commit(s));
  varco_step_free(s);
}

/* One user request: advance, commit, then load / repeat / retry until the
 * step says respond. Returns the final step (the caller frees it). */
static varco_step *submit(browser *b, const varco_input *input, int64_t now) {
  char *keys[32];
  size_t nkeys = 0;
  char ticket[128] = {0};
  int have_ticket = 0;
  varco_step *s = NULL;
  for (int round = 0; round < 200; round++) {
    varco_records *records = NULL;
    CHECK_OK(varco_records_new(&records));
    for (size_t i = 0; i < nkeys; i++) {
      char *text = store_get(keys[i]);
      CHECK_OK(varco_records_put(records, (const uint8_t *)keys[i], strlen(keys[i]), (const uint8_t *)text,
                                 text ? strlen(text) : 0));
      free(text);
    }
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

static varco_input *input1(const char *name, const char *field, const char *value) {
  varco_input *i = NULL;
  CHECK_OK(varco_input_new(S(name), &i));
  if (field) CHECK_OK(varco_input_set(i, S(field), S(value)));
  return i;
}

/* Submits a one-field input; returns the outcome JSON (static buffer). */
static const char *say(browser *b, const char *name, const char *field, const char *value, int64_t now,
                       char *view_out, size_t view_cap) {
  static char out[2048];
  varco_input *i = input1(name, field, value);
  varco_step *s = submit(b, i, now);
  varco_input_free(i);
  out[0] = 0;
  if (s) {
    outcome_of(s, out, sizeof out);
    if (view_out) {
      char *v = read_plain(s, varco_step_view);
      snprintf(view_out, view_cap, "%s", v ? v : "");
      free(v);
    }
  }
  varco_step_free(s);
  return out;
}

static void sms_code(char code[7]) {
  const char *t = strstr(last_sms, "\"text\":\"");
  size_t k = 0;
  for (; t && *t && k < 6; t++) {
    if (*t >= '0' && *t <= '9') code[k++] = *t;
    else if (k > 0) k = 0;
  }
  code[k] = 0;
}

static void test_a_login_with_an_sms_code(void) {
  store_reset();
  varco_engine *e = engine_new();
  provision(e);
  browser b;
  browser_start(&b, e);
  char view[2048];
  CHECK(starts(say(&b, "identify", "identifier", "Mario", T0 + 1, view, sizeof view), "{\"outcome\":\"moved\""));
  CHECK(strstr(view, "\"screen\":\"password\"") != NULL);
  const char *o = say(&b, "password", "password", "Correct \"Horse\" 1", T0 + 2, view, sizeof view);
  CHECK(starts(o, "{\"outcome\":\"code_sent\""));
  char code[7];
  sms_code(code);
  CHECK(strlen(code) == 6);
  CHECK(strstr(view, "333") == NULL); /* no destination shown */
  o = say(&b, "code", "code", code, T0 + 3, view, sizeof view);
  CHECK(starts(o, "{\"outcome\":\"signed_in\""));
  CHECK(strstr(o, "\"account\":\"a1\"") != NULL);
  /* An unknown field, an unknown input: clean errors, nothing written. */
  varco_input *bad = input1("password", "pasword", "x");
  varco_step *s = NULL;
  char *flow = store_get(b.flow_key);
  varco_records *none = NULL;
  CHECK_OK(varco_records_new(&none));
  CHECK_RESULT(varco_engine_advance(e, S(flow), S(b.secret), S(b.token), bad, NULL, 0, none, T0, &s),
               VARCO_INVALID_INPUT);
  CHECK(s == NULL);
  CHECK(varco_last_error_code() == VARCO_ERROR_INVALID_INPUT);
  CHECK_RESULT(varco_engine_advance(e, S("{"), S(b.secret), S(b.token), bad, NULL, 0, none, T0, &s),
               VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_engine_advance(e, S(flow), S(b.secret), S(b.token), NULL, NULL, 0, none, T0, &s),
               VARCO_NULL_POINTER);
  free(flow);
  varco_records_free(none);
  varco_input_free(bad);
  varco_engine_free(e);
}

static void test_an_unknown_account_looks_like_a_wrong_password(void) {
  store_reset();
  varco_engine *e = engine_new();
  provision(e);
  char views[2][2048];
  const char *who[2] = {"mario", "nobody"};
  for (int k = 0; k < 2; k++) {
    browser b;
    browser_start(&b, e);
    say(&b, "identify", "identifier", who[k], T0 + 1, NULL, 0);
    const char *o = say(&b, "password", "password", "wrong", T0 + 2, views[k], sizeof views[k]);
    CHECK(starts(o, "{\"outcome\":\"rejected\""));
    /* the flow id and token differ; the rest must not */
    char *t = strstr(views[k], "\"screen\"");
    memmove(views[k], t ? t : views[k], strlen(t ? t : views[k]) + 1);
  }
  CHECK(strcmp(views[0], views[1]) == 0);
  CHECK(strstr(views[0], "authentication_failed") != NULL);
  varco_engine_free(e);
}

#define RACERS 16
static browser racers[RACERS];
static char racer_outcomes[RACERS][256];

static void *race(void *arg) {
  browser *b = arg;
  varco_input *i = input1("password", "password", "guess");
  varco_step *s = submit(b, i, T0 + 11);
  varco_input_free(i);
  char *out = racer_outcomes[b - racers];
  out[0] = 0;
  if (s) outcome_of(s, out, 256);
  varco_step_free(s);
  return NULL;
}

static void test_racing_wrong_guesses_at_one_attempt_left_verify_one_password(void) {
  store_reset();
  varco_engine *e = engine_new();
  provision(e);
  for (int k = 0; k < 4; k++) {
    browser b;
    browser_start(&b, e);
    say(&b, "identify", "identifier", "mario", T0 + k, NULL, 0);
    say(&b, "password", "password", "wrong", T0 + k, NULL, 0);
  }
  pthread_t threads[RACERS];
  for (int k = 0; k < RACERS; k++) {
    browser_start(&racers[k], e);
    say(&racers[k], "identify", "identifier", "mario", T0 + 10, NULL, 0);
  }
  for (int k = 0; k < RACERS; k++) pthread_create(&threads[k], NULL, race, &racers[k]);
  for (int k = 0; k < RACERS; k++) pthread_join(threads[k], NULL);
  int wrong = 0, locked = 0;
  for (int k = 0; k < RACERS; k++) {
    if (strstr(racer_outcomes[k], "\"reason\":\"wrong_password\"")) wrong++;
    if (strstr(racer_outcomes[k], "\"reason\":\"locked\"")) locked++;
  }
  CHECK(wrong == 1);
  CHECK(locked == RACERS - 1);
  varco_engine_free(e);
}

static void test_commands_and_sessions(void) {
  store_reset();
  varco_engine *e = engine_new();
  provision(e);
  varco_records *r = NULL;
  CHECK_OK(varco_records_new(&r));
  char *account = store_get("account/a1");
  CHECK_OK(varco_records_put(r, S("account/a1"), S(account)));
  CHECK_OK(varco_records_put(r, S("guard/a1"), NULL, 0));
  varco_step *s = NULL;
  CHECK_OK(varco_engine_command(e, S("{\"actor\":\"operator\",\"id\":\"op-1\"}"),
                                S("{\"command\":\"block\",\"account\":\"a1\",\"reason\":\"stolen\"}"), r, T0, &s));
  char out[512];
  outcome_of(s, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"applied\",\"state\":\"suspended\"}") == 0);
  CHECK(commit(s));
  varco_step_free(s);
  s = NULL;
  CHECK_RESULT(varco_engine_command(e, S("{\"actor\":\"host\"}"), S("{\"command\":\"unblock\",\"account\":\"a1\"}"),
                                    r, T0, &s),
               VARCO_INVALID_INPUT);
  char *blocked = store_get("account/a1");
  int check = -1;
  const char *grant = "{\"account\":\"a1\",\"epoch\":0,\"level\":2,\"methods\":[\"sms\"],\"at\":1800000000000}";
  CHECK_OK(varco_engine_check_session(e, S(grant), S(account), T0, -1, &check));
  CHECK(check == 0);
  CHECK_OK(varco_engine_check_session(e, S(grant), S(blocked), T0, -1, &check));
  CHECK(check == 1);
  free(account);
  free(blocked);
  varco_records_free(r);
  varco_engine_free(e);
}

int main(void) {
  RUN(test_a_login_with_an_sms_code);
  RUN(test_an_unknown_account_looks_like_a_wrong_password);
  RUN(test_racing_wrong_guesses_at_one_attempt_left_verify_one_password);
  RUN(test_commands_and_sessions);
  store_reset();
  return finish("c flow");
}
