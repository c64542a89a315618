/* The flow engine from C: the host loop of ENGINE §4 against an in-memory
 * store, with threads racing for one account's last attempt. */
#include "flow_host.h"

#define T0 1800000000000LL

static varco_engine *engine_new(void) { return engine_with("{\"hash\":{\"m_kib\":8,\"t\":1,\"p\":1}}"); }
static void browser_start(browser *b, const varco_engine *e) { browser_start_kind(b, e, "login", "203.0.113.7", T0); }

static void provision(const varco_engine *e) {
  varco_step *s = NULL;
  CHECK_OK(varco_engine_provision(
      e, S("{\"id\":\"a1\",\"username\":\"mario\",\"mobile\":\"333 123 4567\",\"second_factor\":true}"),
      S("Correct \"Horse\" 1"), NULL, T0, &s));
  CHECK(commit(s));
  varco_step_free(s);
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

/* Blanks the value of a top-level string field ("flow", "token"): the
 * random ids, so a check for digits in the rest cannot hit them by chance. */
static void blank_field(char *json, const char *name) {
  char pattern[32];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
  char *v = strstr(json, pattern);
  if (!v) return;
  for (v += strlen(pattern); *v && *v != '"'; v++) *v = 'x';
}

static void sms_code(char code[7]) {
  code[0] = 0;
  if (sent_count > 0) memcpy(code, sent_codes[sent_count - 1], 7);
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
  blank_field(view, "flow");
  blank_field(view, "token");
  /* No destination shown, masked or not. */
  CHECK(strstr(view, "333") == NULL);
  CHECK(strstr(view, "4567") == NULL);
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
  CHECK_OK(varco_engine_check_session(e, S(grant), S(account), T0, -1, 1, &check));
  CHECK(check == 0);
  CHECK_OK(varco_engine_check_session(e, S(grant), S(blocked), T0, -1, 1, &check));
  CHECK(check == 1);
  free(account);
  free(blocked);
  varco_records_free(r);
  varco_engine_free(e);
}

/* The grant object of a signed_in outcome, copied into out. */
static void grant_of(const char *outcome, char *out, size_t cap) {
  out[0] = 0;
  const char *g = strstr(outcome, "\"grant\":{");
  if (!g) return;
  g += strlen("\"grant\":");
  const char *end = strchr(g, '}');
  if (!end || (size_t)(end - g + 2) > cap) return;
  memcpy(out, g, (size_t)(end - g + 1));
  out[end - g + 1] = 0;
}

static void test_a_step_up_gives_a_fresh_level_2_grant(void) {
  store_reset();
  varco_engine *e = engine_new();
  varco_step *s = NULL;
  CHECK_OK(varco_engine_provision(e, S("{\"id\":\"a1\",\"username\":\"mario\",\"mobile\":\"333 123 4567\"}"),
                                  S("Correct \"Horse\" 1"), NULL, T0, &s));
  CHECK(commit(s));
  varco_step_free(s);
  browser b;
  browser_start(&b, e);
  say(&b, "identify", "identifier", "mario", T0 + 1, NULL, 0);
  char grant[512], fresh[512];
  grant_of(say(&b, "password", "password", "Correct \"Horse\" 1", T0 + 2, NULL, 0), grant, sizeof grant);
  CHECK(strstr(grant, "\"level\":1") != NULL);
  char *account = store_get("account/a1");
  int check = -1;
  CHECK_OK(varco_engine_check_session(e, S(grant), S(account), T0 + 3, -1, 2, &check));
  CHECK(check == 2);
  CHECK_RESULT(varco_engine_check_session(e, S(grant), S(account), T0 + 3, -1, 3, &check), VARCO_INVALID_INPUT);
  s = NULL;
  CHECK_RESULT(varco_engine_start_from_grant(e, S("step_up"), S(grant), 3, NULL, 0, NULL, 0, NULL, 0, 0, T0, &s),
               VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_engine_start_from_grant(e, S("login"), S(grant), 2, NULL, 0, NULL, 0, NULL, 0, 0, T0, &s),
               VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_engine_start(e, S("step_up"), NULL, 0, NULL, 0, NULL, 0, 0, T0, &s), VARCO_INVALID_INPUT);
  CHECK(s == NULL);
  CHECK_OK(varco_engine_start_from_grant(e, S("step_up"), S(grant), 2, NULL, 0, NULL, 0, NULL, 0, 0, T0 + 10, &s));
  browser up;
  browser_adopt(&up, e, s);
  CHECK(starts(say(&up, "password", "password", "Correct \"Horse\" 1", T0 + 11, NULL, 0), "{\"outcome\":\"code_sent\""));
  char code[7];
  sms_code(code);
  grant_of(say(&up, "code", "code", code, T0 + 12, NULL, 0), fresh, sizeof fresh);
  CHECK(strstr(fresh, "\"level\":2") != NULL);
  CHECK_OK(varco_engine_check_session(e, S(fresh), S(account), T0 + 13, 300000, 2, &check));
  CHECK(check == 0);
  free(account);
  varco_engine_free(e);
}

static void test_host_facts(void) {
  store_reset();
  varco_engine *e = engine_with("{\"hash\":{\"m_kib\":8,\"t\":1,\"p\":1},\"captcha_after\":1}");
  provision(e);
  browser b;
  browser_start(&b, e);
  char view[2048];
  say(&b, "identify", "identifier", "nobody", T0 + 1, view, sizeof view);
  say(&b, "password", "password", "guess", T0 + 2, view, sizeof view);
  CHECK(strstr(view, "\"screen\":\"awaiting_host\",\"question\":\"captcha\"") != NULL);
  /* The question takes no password: only the host's answer moves it. */
  varco_input *pw = input1("password", "password", "guess");
  char *flow = store_get(b.flow_key);
  varco_records *none = NULL;
  CHECK_OK(varco_records_new(&none));
  varco_step *s = NULL;
  CHECK_RESULT(varco_engine_advance(e, S(flow), S(b.secret), S(b.token), pw, NULL, 0, none, T0 + 3, &s),
               VARCO_INVALID_INPUT);
  /* A malformed fact, a NULL one: clean errors. */
  CHECK_RESULT(varco_engine_answer(e, S(flow), S(b.token), S("{\"fact\":\"captcha\"}"), none, T0 + 3, &s),
               VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_engine_answer(e, S(flow), S(b.token), NULL, 4, none, T0 + 3, &s), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_engine_answer(e, S(flow), S(b.token), (const uint8_t *)"{\"\xff\"}", 4, none, T0 + 3, &s),
               VARCO_INVALID_UTF8);
  CHECK(s == NULL);
  free(flow);
  varco_records_free(none);
  varco_input_free(pw);
  char old[32];
  snprintf(old, sizeof old, "%s", b.token);
  s = answer_fact(&b, NULL, "{\"fact\":\"captcha\",\"passed\":true}", T0 + 4);
  char *v = s ? read_plain(s, varco_step_view) : NULL;
  CHECK(v != NULL && strstr(v, "\"screen\":\"password\"") != NULL);
  free(v);
  varco_step_free(s);
  /* The same answer to the old view: stale, nothing written. */
  s = answer_fact(&b, old, "{\"fact\":\"captcha\",\"passed\":true}", T0 + 4);
  char out[512];
  outcome_of(s, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"stale\"}") == 0);
  CHECK(varco_step_write_count(s) == 0);
  varco_step_free(s);
  varco_engine_free(e);
}

/* A step's outbox row: a fresh step id, the SMS sealed (no code in it),
 * opened by the sender to the same effects; moved to another id, it does
 * not open. */
static void test_an_outbox_row_seals_its_messages(void) {
  store_reset();
  varco_engine *e = engine_new();
  provision(e);
  browser b;
  browser_start(&b, e);
  say(&b, "identify", "identifier", "mario", T0 + 1, NULL, 0);
  varco_input *i = input1("password", "password", "Correct \"Horse\" 1");
  varco_step *s = submit(&b, i, T0 + 2);
  varco_input_free(i);
  CHECK(s != NULL);
  char code[7];
  sms_code(code);
  CHECK(strlen(code) == 6);
  char *id = read_plain(s, varco_step_outbox_id);
  char *row = read_plain(s, varco_step_outbox);
  CHECK(id && strlen(id) == 32);
  CHECK(row && strlen(row) > 0 && strstr(row, code) == NULL);
  varco_step *opened = NULL;
  CHECK_OK(varco_engine_open_outbox(e, S(row), S(id), &opened));
  CHECK(varco_step_effect_count(opened) == varco_step_effect_count(s));
  int found = 0;
  for (size_t k = 0; k < varco_step_effect_count(opened); k++) {
    char *a = read_indexed(opened, k, varco_step_effect);
    char *x = read_indexed(s, k, varco_step_effect);
    CHECK(a && x && strcmp(a, x) == 0);
    if (a && strstr(a, code)) found = 1;
    free(a);
    free(x);
  }
  CHECK(found);
  varco_step_free(opened);
  opened = NULL;
  CHECK_RESULT(varco_engine_open_outbox(e, S(row), S("00000000000000000000000000000000"), &opened),
               VARCO_UNUSABLE_RECORD);
  CHECK(opened == NULL);
  CHECK_RESULT(varco_engine_open_outbox(NULL, S(row), S(id), &opened), VARCO_NULL_POINTER);
  /* An empty row (NULL with length 0) is no row. */
  CHECK_RESULT(varco_engine_open_outbox(e, NULL, 0, S(id), &opened), VARCO_UNUSABLE_RECORD);
  CHECK(opened == NULL);
  /* A flow ends by itself: its write carries its expiry, for the sweep. */
  varco_step *st = NULL;
  CHECK_OK(varco_engine_start(e, S("login"), NULL, 0, NULL, 0, NULL, 0, 0, T0, &st));
  int64_t expires = 0;
  CHECK_OK(varco_step_write_expires_at(st, 0, &expires));
  CHECK(expires > T0);
  CHECK_RESULT(varco_step_write_expires_at(st, 9, &expires), VARCO_OUT_OF_RANGE);
  varco_step_free(st);
  free(id);
  free(row);
  varco_step_free(s);
  varco_engine_free(e);
}

int main(void) {
  RUN(test_a_login_with_an_sms_code);
  RUN(test_an_outbox_row_seals_its_messages);
  RUN(test_an_unknown_account_looks_like_a_wrong_password);
  RUN(test_racing_wrong_guesses_at_one_attempt_left_verify_one_password);
  RUN(test_commands_and_sessions);
  RUN(test_host_facts);
  RUN(test_a_step_up_gives_a_fresh_level_2_grant);
  store_reset();
  return finish("c flow");
}
