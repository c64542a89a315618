/* varco-store from C: a varco_store runs the host loop on a SQLite file,
 * keeps the effects in its outbox, and is shared between threads. */
#include <pthread.h>
#include <unistd.h>

/* The engine, input and reading helpers of the flow tests; their own
 * in-memory store goes unused here. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "flow_host.h"

#define T0 1800000000000LL

static varco_engine *engine_new(void) { return engine_with("{\"hash\":{\"m_kib\":8,\"t\":1,\"p\":1}}"); }

static char dir[] = "/tmp/varco-store-XXXXXX";
static char db[128];

/* A SQLite store in a fresh file, with mario's account. */
static varco_store *store_new(const varco_engine *e, const char *name) {
  snprintf(db, sizeof db, "%s/%s.db", dir, name);
  varco_store *st = NULL;
  CHECK_OK(varco_store_open(S(db), &st));
  CHECK_OK(varco_store_provision(
      st, e, S("{\"id\":\"a1\",\"username\":\"mario\",\"mobile\":\"333 123 4567\",\"second_factor\":true}"),
      S("Correct-Horse-1"), T0));
  return st;
}

typedef struct {
  char flow_key[128];
  char secret[128];
  char token[64];
} client;

/* Reads a step's outcome into a static buffer. */
static const char *outcome(const varco_step *s) {
  static char out[2048];
  out[0] = 0;
  if (s) outcome_of(s, out, sizeof out);
  return out;
}

static varco_step *submit1(const varco_store *st, const varco_engine *e, client *c, const char *name,
                           const char *field, const char *value, int64_t now) {
  varco_input *i = input1(name, field, value);
  varco_step *s = NULL;
  CHECK_OK(varco_store_advance(st, e, S(c->flow_key), S(c->secret), S(c->token), i, now, &s));
  varco_input_free(i);
  if (s) copy_view_token(s, c->token, sizeof c->token);
  return s;
}

/* The SMS code of the outbox's rows (claims them, sends them). */
static int drain_code(const varco_store *st, const varco_engine *e, int64_t now, char code[7]) {
  int rows = 0;
  code[0] = 0;
  for (;;) {
    varco_step *row = NULL;
    CHECK_OK(varco_store_claim_outbox(st, e, now, 60000, &row));
    if (!row) break;
    rows++;
    char *id = read_plain(row, varco_step_outbox_id);
    CHECK(id && strlen(id) == 32);
    for (size_t i = 0; i < varco_step_effect_count(row); i++) {
      char *effect = read_indexed(row, i, varco_step_effect);
      const char *t = effect ? strstr(effect, "\"effect\":\"send_sms\"") : NULL;
      if (t) {
        const char *d = strpbrk(strstr(effect, "\"text\":"), "0123456789");
        if (d) {
          memcpy(code, d, 6);
          code[6] = 0;
        }
      }
      free(effect);
    }
    int deleted = -1;
    CHECK_OK(varco_store_outbox_sent(st, S(id), &deleted));
    CHECK(deleted == 1);
    CHECK_OK(varco_store_outbox_sent(st, S(id), &deleted));
    CHECK(deleted == 0);
    free(id);
    varco_step_free(row);
  }
  return rows;
}

static void to_the_code(const varco_store *st, const varco_engine *e, client *c) {
  varco_step *s = NULL;
  CHECK_OK(varco_store_start(st, e, S("login"), S("203.0.113.7"), NULL, 0, NULL, 0, 0, T0, &s));
  size_t n = 0;
  CHECK_OK(varco_step_flow_key(s, (uint8_t *)c->flow_key, sizeof c->flow_key, &n));
  CHECK_OK(varco_step_client_secret(s, (uint8_t *)c->secret, sizeof c->secret, &n));
  copy_view_token(s, c->token, sizeof c->token);
  /* A store's step carries nothing to commit: it is committed. */
  CHECK(varco_step_write_count(s) == 0 && varco_step_effect_count(s) == 0);
  varco_step_free(s);
  s = submit1(st, e, c, "identify", "identifier", "Mario", T0 + 1);
  CHECK(starts(outcome(s), "{\"outcome\":\"moved\""));
  varco_step_free(s);
  s = submit1(st, e, c, "password", "password", "Correct-Horse-1", T0 + 2);
  CHECK(starts(outcome(s), "{\"outcome\":\"code_sent\""));
  varco_step_free(s);
}

static void test_a_sign_in_on_a_sqlite_file(void) {
  varco_engine *e = engine_new();
  varco_store *st = store_new(e, "sign_in");
  client c;
  to_the_code(st, e, &c);
  char code[7];
  CHECK(drain_code(st, e, T0 + 3, code) >= 1);
  CHECK(strlen(code) == 6);
  varco_step *s = submit1(st, e, &c, "code", "code", code, T0 + 4);
  CHECK(starts(outcome(s), "{\"outcome\":\"signed_in\""));
  varco_step_free(s);
  /* Another handle on the same file sees the same account. */
  varco_store *other = NULL;
  CHECK_OK(varco_store_open(S(db), &other));
  char account[4096];
  size_t n = 0;
  int64_t rev = 0, rev2 = 0;
  CHECK_OK(varco_store_get(st, S("account/a1"), (uint8_t *)account, sizeof account, &n, &rev));
  CHECK_OK(varco_store_get(other, S("account/a1"), (uint8_t *)account, sizeof account, &n, &rev2));
  CHECK(rev >= 1 && rev == rev2 && strstr(account, "\"kind\":\"account\"") != NULL);
  CHECK_OK(varco_store_get(other, S("account/nobody"), (uint8_t *)account, sizeof account, &n, &rev));
  CHECK(n == 0 && rev == 0);
  /* An operator's block through the store. */
  CHECK_OK(varco_store_command(st, e, S("{\"actor\":\"operator\",\"id\":\"op-1\"}"),
                               S("{\"command\":\"block\",\"account\":\"a1\",\"reason\":\"stolen\"}"), T0 + 5, &s));
  CHECK(strstr(outcome(s), "\"state\":\"suspended\"") != NULL);
  varco_step_free(s);
  /* Flows expire and are swept; the account stays. */
  uint64_t deleted = 0;
  CHECK_OK(varco_store_sweep(st, T0 + 30LL * 86400000LL, &deleted));
  CHECK(deleted >= 1);
  CHECK_OK(varco_store_get(st, S("account/a1"), (uint8_t *)account, sizeof account, &n, &rev));
  CHECK(n > 0);
  varco_store_free(other);
  varco_store_free(st);
  varco_engine_free(e);
}

typedef struct {
  const varco_store *st;
  const varco_engine *e;
  client c;
  const char *code;
  int signed_in;
  varco_result result;
} racer;

static void *race(void *arg) {
  racer *r = arg;
  varco_input *i = input1("code", "code", r->code);
  varco_step *s = NULL;
  r->result = varco_store_advance(r->st, r->e, S(r->c.flow_key), S(r->c.secret), S(r->c.token), i, T0 + 4, &s);
  char out[2048] = {0};
  if (s) outcome_of(s, out, sizeof out);
  r->signed_in = starts(out, "{\"outcome\":\"signed_in\"");
  varco_step_free(s);
  varco_input_free(i);
  return NULL;
}

static void test_one_code_from_eight_threads_signs_in_once(void) {
  varco_engine *e = engine_new();
  varco_store *st = store_new(e, "race");
  client c;
  to_the_code(st, e, &c);
  char code[7];
  drain_code(st, e, T0 + 3, code);
  racer r[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    r[i] = (racer){.st = st, .e = e, .c = c, .code = code};
    pthread_create(&t[i], NULL, race, &r[i]);
  }
  int ok = 0, signed_in = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    ok += r[i].result == VARCO_OK;
    signed_in += r[i].signed_in;
  }
  CHECK(ok == 8);
  CHECK(signed_in == 1);
  varco_store_free(st);
  varco_engine_free(e);
}

static void test_failures_are_typed(void) {
  varco_engine *e = engine_new();
  varco_store *st = store_new(e, "failures");
  CHECK_RESULT(varco_store_provision(st, e, S("{\"id\":\"a2\",\"username\":\"MARIO\"}"), NULL, 0, T0), VARCO_TAKEN);
  varco_step *s = NULL;
  varco_input *i = input1("identify", "identifier", "mario");
  CHECK_RESULT(varco_store_advance(st, e, S("flow/none"), S("x"), S("t"), i, T0, &s), VARCO_UNKNOWN_FLOW);
  CHECK(s == NULL);
  CHECK_RESULT(varco_store_advance(NULL, e, S("flow/none"), S("x"), S("t"), i, T0, &s), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_store_advance(st, e, S("flow/none"), S("x"), S("t"), i, T0, NULL), VARCO_NULL_POINTER);
  varco_input_free(i);
  varco_store *bad = NULL;
  CHECK_RESULT(varco_store_open(S(""), &bad), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_store_open((const uint8_t *)"\xff", 1, &bad), VARCO_INVALID_UTF8);
  CHECK_RESULT(varco_store_open(S("/nonexistent/dir/x.db"), &bad), VARCO_STORE_FAILED);
  CHECK_RESULT(varco_store_open(S("postgresql://varco:hunter2@127.0.0.1:1/none"), &bad), VARCO_STORE_FAILED);
  char msg[1024];
  size_t n = 0;
  CHECK_OK(varco_last_error((uint8_t *)msg, sizeof msg, &n));
  CHECK(strstr(msg, "hunter2") == NULL);
  CHECK(bad == NULL);
  CHECK_RESULT(varco_store_claim_outbox(st, e, T0, -1, &s), VARCO_INVALID_INPUT);
  uint64_t deleted = 0;
  CHECK_RESULT(varco_store_sweep(st, -1, &deleted), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_store_command(st, e, S("{\"actor\":\"host\"}"),
                                   S("{\"command\":\"block\",\"account\":\"a1\",\"reason\":\"x\"}"), T0, &s),
               VARCO_INVALID_INPUT);
  CHECK(strcmp(varco_result_name(VARCO_TAKEN), "VARCO_TAKEN") == 0);
  CHECK(strcmp(varco_result_name(VARCO_STORE_BUSY), "VARCO_STORE_BUSY") == 0);
  varco_store *memory = NULL;
  CHECK_OK(varco_store_open(S(":memory:"), &memory));
  int64_t rev = -1;
  CHECK_OK(varco_store_get(memory, S("account/a1"), (uint8_t *)msg, sizeof msg, &n, &rev));
  CHECK(rev == 0);
  varco_store_free(memory);
  varco_store_free(st);
  varco_store_free(NULL);
  varco_engine_free(e);
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  RUN(test_a_sign_in_on_a_sqlite_file);
  RUN(test_one_code_from_eight_threads_signs_in_once);
  RUN(test_failures_are_typed);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 1;
  return finish("c store");
}
