/* The shared scenario (bindings/scenarios/scenario.tsv) through the C API:
 * the same lines, the same results as in Rust, Kotlin and Python. Outcome
 * JSON is compared as text: varco writes it in a fixed order. */
#include <ctype.h>

#include "flow_host.h"

#define MAX_FIELDS 8

static int split(char *line, char **f) {
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < MAX_FIELDS; p++) {
    if (*p == '\t') {
      *p = 0;
      f[n++] = p + 1;
    }
  }
  return n;
}

/* The first run of 6+ digits in a JSON effect: the code in the message. */
static int code_in(const char *fx, char *code) {
  for (const char *p = fx; *p; p++) {
    size_t n = 0;
    while (isdigit((unsigned char)p[n])) {
      n++;
    }
    if (n >= 6 && n < 16 && (p == fx || !isdigit((unsigned char)p[-1]))) {
      memcpy(code, p, n);
      code[n] = 0;
      return 1;
    }
    if (n > 0) {
      p += n - 1;
    }
  }
  return 0;
}

static size_t hex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  while (s[0] && s[1] && n < cap) {
    unsigned v = 0;
    if (sscanf(s, "%2x", &v) != 1) {
      break;
    }
    out[n++] = (uint8_t)v;
    s += 2;
  }
  return n;
}

/* A record the runner holds, by kind, with its revision. */
typedef struct {
  char kind[32];
  char *record;
  int64_t revision;
} held_record;

typedef struct {
  varco_delivery *delivery;
  char channel[16], address[64], purpose[32];
  held_record held[6];
  char codes[8][16];
  int ncodes;
  varco_guard *guard;
  char *guard_state, *attempt;
  int64_t guard_revision;
  varco_sealing_keys *sealing;
  char totp_key[64], totp_secret[128];
} world;

/* The record of `kind` the runner holds (an empty slot if none). */
static held_record *holding(world *w, const char *kind) {
  for (int i = 0; i < 6; i++) {
    if (strcmp(w->held[i].kind, kind) == 0) {
      return &w->held[i];
    }
  }
  for (int i = 0; i < 6; i++) {
    if (w->held[i].kind[0] == 0) {
      snprintf(w->held[i].kind, sizeof w->held[i].kind, "%s", kind);
      return &w->held[i];
    }
  }
  CHECK(!"too many kinds of record");
  return &w->held[0];
}

static void forget(world *w, const char *kind) {
  held_record *h = holding(w, kind);
  free(h->record);
  memset(h, 0, sizeof *h);
}

static const char *record_of(world *w, const char *kind) {
  const char *r = holding(w, kind)->record;
  return r != NULL ? r : "";
}

/* Takes a step: outcome into got, codes collected, each write checked to
 * replace the revision held (compare-and-swap) and kept. */
static void absorb(world *w, varco_step *s, char *got, size_t cap) {
  outcome_of(s, got, cap);
  for (size_t i = 0; i < varco_step_write_count(s); i++) {
    char kind[32];
    size_t n = 0;
    int64_t rev = 0, replaces = -1;
    CHECK_OK(varco_step_write_kind(s, i, (uint8_t *)kind, sizeof kind, &n));
    CHECK_OK(varco_step_write_revision(s, i, &rev, &replaces));
    held_record *h = holding(w, kind);
    CHECK(replaces == h->revision);
    free(h->record);
    h->record = write_of(s, i);
    h->revision = rev;
  }
  for (size_t i = 0; i < varco_step_effect_count(s); i++) {
    char fx[2048];
    size_t n = 0;
    if (varco_step_effect(s, i, (uint8_t *)fx, sizeof fx, &n) == VARCO_OK &&
        strstr(fx, "\"effect\":\"send_sms\"") != NULL && w->ncodes < 8 &&
        code_in(strstr(fx, "\"text\""), w->codes[w->ncodes])) {
      w->ncodes++;
    }
  }
  varco_step_free(s);
}

static const char *scenario_path = "bindings/scenarios/scenario.tsv";

/* The string value of "key" in flat JSON (the first one), into out. */
static void json_field(const char *json, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = strstr(json, pat);
  size_t i = 0;
  if (p) {
    p += strlen(pat);
    while (p[i] && p[i] != '"' && i + 1 < cap) {
      out[i] = p[i];
      i++;
    }
  }
  out[i] = 0;
}

/* A flow outcome (the core's JSON) as the scenario writes it. */
static void flow_summary(const char *o, char *out, size_t cap) {
  char name[64], a[64], b[64];
  json_field(o, "outcome", name, sizeof name);
  if (strcmp(name, "rejected") == 0 || strcmp(name, "ended") == 0) {
    json_field(o, "reason", a, sizeof a);
    snprintf(out, cap, "%s:%s", name, a);
  } else if (strcmp(name, "code_sent") == 0) {
    json_field(o, "channel", a, sizeof a);
    snprintf(b, sizeof b, "%s", strstr(o, "\"sent\":true") ? "sent" : "not_sent");
    snprintf(out, cap, "%s:%s:%s", name, a, b);
  } else if (strcmp(name, "signed_in") == 0) {
    const char *l = strstr(o, "\"level\":");
    snprintf(out, cap, "%s:%d", name, l ? atoi(l + strlen("\"level\":")) : -1);
  } else if (strcmp(name, "blocked") == 0) {
    json_field(o, "cause", a, sizeof a);
    snprintf(out, cap, "%s:%s", name, a);
  } else if (strcmp(name, "applied") == 0) {
    json_field(o, "state", a, sizeof a);
    snprintf(out, cap, "%s:%s", name, a);
  } else if (strcmp(name, "awaiting_host") == 0) {
    /* "question":"captcha", or "question":{"eligible_contract":{...}} */
    json_field(o, "question", a, sizeof a);
    const char *obj = strstr(o, "\"question\":{\"");
    if (!a[0] && obj) {
      obj += strlen("\"question\":{\"");
      size_t i = 0;
      while (obj[i] && obj[i] != '"' && i + 1 < sizeof a) {
        a[i] = obj[i];
        i++;
      }
      a[i] = 0;
    }
    snprintf(out, cap, "%s:%s", name, a);
  } else if (strcmp(name, "done") == 0) {
    json_field(o, "done", a, sizeof a);
    snprintf(out, cap, "%s:%s", name, a);
  } else {
    snprintf(out, cap, "%s", name);
  }
}

/* A view (the core's JSON) as the scenario writes it. */
static void view_summary(const char *v, char *out, size_t cap) {
  char screen[64], error[64];
  json_field(v, "screen", screen, sizeof screen);
  json_field(v, "error", error, sizeof error);
  if (error[0]) snprintf(out, cap, "%s:%s", screen, error);
  else snprintf(out, cap, "%s", screen);
}

/* The scenario's flows: an engine, named browsers. */
#define MAX_FLOWS 16
static varco_engine *flow_engine = NULL;
static browser flow_browsers[MAX_FLOWS];
static char flow_names[MAX_FLOWS][32];
static int flow_count = 0;

static browser *flow_named(const char *name) {
  for (int i = 0; i < flow_count; i++) {
    if (strcmp(flow_names[i], name) == 0) return &flow_browsers[i];
  }
  return NULL;
}

/* When *st asks for records (then = load): puts them, as the store holds
 * them, into r, frees *st and sets it to NULL, and returns 1 (call the
 * engine again); otherwise returns 0 and leaves *st alone. */
static int loaded_what_it_asks(varco_step **st, varco_records *r) {
  int then = -1;
  if (!*st || varco_step_then(*st, &then) != VARCO_OK || then != 1) return 0;
  for (size_t i = 0; i < varco_step_load_count(*st); i++) {
    char *k = read_indexed(*st, i, varco_step_load_key);
    char *text = store_get(k);
    CHECK_OK(varco_records_put(r, S(k), (const uint8_t *)text, text ? strlen(text) : 0));
    free(text);
    free(k);
  }
  varco_step_free(*st);
  *st = NULL;
  return 1;
}

static void test_shared_scenario(void) {
  FILE *file = fopen(scenario_path, "r");
  CHECK(file != NULL);
  if (file == NULL) {
    return;
  }
  world w;
  memset(&w, 0, sizeof w);
  char line[1024];
  int lineno = 0, checked = 0;
  while (fgets(line, sizeof line, file) != NULL) {
    lineno++;
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0 || line[0] == '#') {
      continue;
    }
    char copy[1024];
    memcpy(copy, line, sizeof copy);
    char *f[MAX_FIELDS] = {0};
    int nf = split(line, f);
    int before = current_failures;
    char got[1024] = {0};
    size_t n = 0;
    if (strcmp(f[0], "policy") == 0 && nf == 5) {
      varco_policy *p = NULL;
      CHECK_OK(varco_policy_preset(S(f[1]), &p));
      char ctx[256] = "{}";
      if (strcmp(f[3], "-") != 0) {
        snprintf(ctx, sizeof ctx, "{\"username\":\"%s\"}", f[3]);
      }
      char report[8192];
      CHECK_OK(varco_policy_check(p, NULL, S(f[2]), S(ctx), S("en"), (uint8_t *)report, sizeof report, &n));
      /* The violation codes, in order, from the report's JSON (its keys are
       * sorted: "violations" comes last). */
      char codes[512] = "";
      const char *v = strstr(report, "\"violations\":[");
      const char *end = report + strlen(report);
      for (const char *c = v; c != NULL && end != NULL && (c = strstr(c, "\"code\":\"")) != NULL && c < end;) {
        c += 8;
        size_t len = strcspn(c, "\"");
        if (codes[0] != 0) {
          strncat(codes, ",", sizeof codes - strlen(codes) - 1);
        }
        strncat(codes, c, len < sizeof codes - strlen(codes) - 1 ? len : 0);
      }
      CHECK(strcmp(codes[0] ? codes : "ok", f[4]) == 0);
      varco_policy_free(p);
    } else if (strcmp(f[0], "hash") == 0 && nf == 6) {
      varco_hasher *h = NULL;
      CHECK_OK(varco_hasher_new((uint32_t)atoi(f[1]), (uint32_t)atoi(f[2]), (uint32_t)atoi(f[3]), &h));
      bool valid = false, rehash = false;
      CHECK_OK(varco_hasher_verify(h, S(f[4]), S(f[5]), &valid, &rehash));
      CHECK(valid);
      char wrong[256];
      snprintf(wrong, sizeof wrong, "%sx", f[4]);
      CHECK_OK(varco_hasher_verify(h, S(wrong), S(f[5]), &valid, &rehash));
      CHECK(!valid);
      char phc[256], prefix[64];
      CHECK_OK(varco_hasher_hash(h, S(f[4]), (uint8_t *)phc, sizeof phc, &n));
      snprintf(prefix, sizeof prefix, "$argon2id$v=19$m=%s,t=%s,p=%s$", f[1], f[2], f[3]);
      CHECK(strncmp(phc, prefix, strlen(prefix)) == 0);
      CHECK_OK(varco_hasher_verify(h, S(f[4]), (const uint8_t *)phc, n, &valid, &rehash));
      CHECK(valid);
      varco_hasher_free(h);
    } else if (strcmp(f[0], "totp") == 0 && nf == 6) {
      char config[96];
      snprintf(config, sizeof config, "{\"algorithm\":\"%s\",\"digits\":%s}", f[1], f[4]);
      CHECK_OK(varco_totp_code(S(f[2]), strtoll(f[3], NULL, 10) * 1000, S(config), (uint8_t *)got, sizeof got, &n));
      CHECK(strcmp(got, f[5]) == 0);
    } else if (strcmp(f[0], "delivery") == 0 && nf == 7) {
      uint8_t key[64];
      size_t klen = hex(f[3], key, sizeof key);
      varco_delivery_free(w.delivery);
      w.delivery = NULL;
      CHECK_OK(varco_delivery_new(S(f[1]), S(f[2]), key, klen, &w.delivery));
      snprintf(w.channel, sizeof w.channel, "%s", f[4]);
      snprintf(w.address, sizeof w.address, "%s", f[5]);
      snprintf(w.purpose, sizeof w.purpose, "%s", f[6]);
      forget(&w, "challenge");
      forget(&w, "destination_budget");
    } else if (strcmp(f[0], "code") == 0 && nf == 6) {
      int64_t now = strtoll(f[1], NULL, 10);
      varco_step *s = NULL;
      varco_result r = VARCO_OK;
      held_record *b = holding(&w, "destination_budget");
      const uint8_t *budget = (const uint8_t *)b->record;
      size_t budget_len = b->record != NULL ? strlen(b->record) : 0;
      if (strcmp(f[2], "issue") == 0) {
        r = varco_challenge_issue(w.delivery, S(w.purpose), S(w.channel), S(w.address), budget, budget_len, now, &s);
        forget(&w, "challenge"); /* a new challenge: must not exist */
      } else if (strcmp(f[2], "verify") == 0) {
        const char *code = f[3];
        if (strcmp(code, "current") == 0 && w.ncodes >= 1) {
          code = w.codes[w.ncodes - 1];
        } else if (strcmp(code, "previous") == 0 && w.ncodes >= 2) {
          code = w.codes[w.ncodes - 2];
        }
        r = varco_challenge_verify(w.delivery, S(record_of(&w, "challenge")), S(code), S(w.purpose), now, &s);
      } else {
        r = varco_challenge_resend(w.delivery, S(record_of(&w, "challenge")), budget, budget_len, now, &s);
      }
      CHECK_OK(r);
      if (r == VARCO_OK) {
        absorb(&w, s, got, sizeof got);
      }
      CHECK(strcmp(got, f[4]) == 0);
      CHECK(holding(&w, "challenge")->revision == strtoll(f[5], NULL, 10));
    } else if (strcmp(f[0], "guard-policies") == 0 && nf == 2) {
      varco_guard_free(w.guard);
      w.guard = NULL;
      free(w.guard_state);
      w.guard_state = NULL;
      w.guard_revision = 0;
      CHECK_OK(varco_guard_new(S(f[1]), &w.guard));
    } else if (strcmp(f[0], "guard") == 0 && nf == 6) {
      int64_t now = strtoll(f[1], NULL, 10);
      const uint8_t *st = (const uint8_t *)w.guard_state;
      size_t st_len = w.guard_state != NULL ? strlen(w.guard_state) : 0;
      const char *ticket = w.attempt != NULL ? w.attempt : "";
      varco_step *s = NULL;
      varco_result r;
      if (strcmp(f[2], "begin") == 0) {
        r = varco_guard_begin(w.guard, st, st_len, S(f[3]), NULL, 0, now, &s);
      } else if (strcmp(f[2], "failed") == 0) {
        r = varco_guard_failed(w.guard, st, st_len, S(ticket), now, &s);
      } else if (strcmp(f[2], "succeed") == 0) {
        r = varco_guard_succeed(w.guard, st, st_len, S(ticket), now, &s);
      } else if (strcmp(f[2], "trust") == 0) {
        r = varco_guard_trust_device(w.guard, st, st_len, S(f[3]), now, &s);
      } else if (strcmp(f[3], "-") == 0) {
        r = varco_guard_unlock(w.guard, st, st_len, NULL, 0, now, &s);
      } else {
        r = varco_guard_unlock(w.guard, st, st_len, S(f[3]), now, &s);
      }
      CHECK_OK(r);
      if (r == VARCO_OK) {
        outcome_of(s, got, sizeof got);
        char *t = attempt_of(s);
        if (t != NULL) {
          free(w.attempt);
          w.attempt = t;
        }
        for (size_t i = 0; i < varco_step_write_count(s); i++) {
          int64_t rev = 0, replaces = -1;
          CHECK_OK(varco_step_write_revision(s, i, &rev, &replaces));
          CHECK(replaces == w.guard_revision); /* compare-and-swap on what we hold */
          free(w.guard_state);
          w.guard_state = write_of(s, i);
          w.guard_revision = rev;
        }
        varco_step_free(s);
      }
      CHECK(strcmp(f[4], "-") == 0 || strcmp(got, f[4]) == 0);
      CHECK(w.guard_revision == strtoll(f[5], NULL, 10));
    } else if (strcmp(f[0], "lifecycle") == 0 && nf == 6) {
      int64_t now = strtoll(f[1], NULL, 10);
      const char *record = record_of(&w, "lifecycle");
      varco_step *s = NULL;
      varco_result r;
      if (strcmp(f[2], "create") == 0) {
        forget(&w, "lifecycle");
        r = varco_lifecycle_create(now, &s);
      } else if (strcmp(f[2], "apply") == 0) {
        r = varco_lifecycle_apply(S(record), S(f[3]), now, &s);
      } else if (strcmp(f[2], "activity") == 0) {
        r = varco_lifecycle_record_activity(S(record), now, &s);
      } else {
        r = varco_lifecycle_check_inactivity(S(record), (uint32_t)strtoul(f[3], NULL, 10), now, &s);
      }
      if (r == VARCO_OK) {
        absorb(&w, s, got, sizeof got);
      } else {
        snprintf(got, sizeof got, "error:%s", varco_error_code_name((int)varco_last_error_code()));
      }
      CHECK(strcmp(got, f[4]) == 0);
      CHECK(holding(&w, "lifecycle")->revision == strtoll(f[5], NULL, 10));
    } else if (strcmp(f[0], "legacy") == 0 && nf == 3) {
      varco_hasher *h = NULL;
      CHECK_OK(varco_hasher_new(64, 1, 1, &h));
      bool valid = false, rehash = false;
      CHECK_OK(varco_hasher_verify(h, S(f[1]), S(f[2]), &valid, &rehash));
      CHECK(valid && rehash);
      char other[256];
      snprintf(other, sizeof other, "%sx", f[1]);
      CHECK_OK(varco_hasher_verify(h, S(other), S(f[2]), &valid, &rehash));
      CHECK(!valid);
      char wrapped[512];
      CHECK_OK(varco_hasher_wrap_legacy(h, S(f[2]), (uint8_t *)wrapped, sizeof wrapped, &n));
      CHECK(strncmp(wrapped, "$varco-wrap$", 12) == 0);
      CHECK_OK(varco_hasher_verify(h, S(f[1]), S(wrapped), &valid, &rehash));
      CHECK(valid && rehash);
      CHECK_OK(varco_hasher_verify(h, S(other), S(wrapped), &valid, &rehash));
      CHECK(!valid);
      CHECK_RESULT(varco_hasher_wrap_legacy(h, S("$argon2id$x"), (uint8_t *)wrapped, sizeof wrapped, &n),
                   VARCO_UNUSABLE_RECORD);
      CHECK(varco_last_error_code() == VARCO_ERROR_MALFORMED_HASH);
      varco_hasher_free(h);
    } else if (strcmp(f[0], "lookup") == 0 && nf == 4) {
      char key[512];
      if (varco_lookup_key(S(f[1]), S(f[2]), NULL, 0, (uint8_t *)key, sizeof key, &n) == VARCO_OK) {
        /* {"namespace":…,"key":…,"record_key":"…"}: the record key. */
        const char *at = strstr(key, "\"record_key\":\"");
        CHECK(at != NULL);
        if (at != NULL) {
          at += strlen("\"record_key\":\"");
          snprintf(got, sizeof got, "%.*s", (int)strcspn(at, "\""), at);
        }
      } else {
        snprintf(got, sizeof got, "error:%s", varco_error_code_name((int)varco_last_error_code()));
      }
      CHECK(strcmp(got, f[3]) == 0);
    } else if (strcmp(f[0], "validate") == 0 && nf == 4) {
      char verdict[4096];
      CHECK_OK(varco_validate(S(f[1]), S(f[2]), NULL, 0, (uint8_t *)verdict, sizeof verdict, &n));
      if (strstr(verdict, "\"valid\":true")) {
        json_field(verdict, "value", got, sizeof got);
      } else {
        /* invalid:<code>,<code>: every problem's code, in order. */
        size_t at = (size_t)snprintf(got, sizeof got, "invalid:");
        for (const char *p = strstr(verdict, "\"code\":\""); p; p = strstr(p + 1, "\"code\":\"")) {
          char code[64];
          json_field(p, "code", code, sizeof code);
          at += (size_t)snprintf(got + at, sizeof got - at, "%s%s", got[at - 1] == ':' ? "" : ",", code);
        }
      }
      CHECK(strcmp(got, f[3]) == 0);
    } else if (strcmp(f[0], "sealing-keys") == 0 && nf == 3) {
      uint8_t key[64];
      size_t klen = hex(f[2], key, sizeof key);
      varco_sealing_keys_free(w.sealing);
      w.sealing = NULL;
      CHECK_OK(varco_sealing_keys_new(S(f[1]), key, klen, &w.sealing));
    } else if (strcmp(f[0], "totp-enroll") == 0 && nf == 5) {
      varco_step *s = NULL;
      forget(&w, "totp_credential");
      const char *config = strcmp(f[3], "-") == 0 ? NULL : f[3];
      CHECK_OK(varco_totp_enroll(w.sealing, S(f[2]), S("Esempio"), S("mario"), (const uint8_t *)config,
                                 config != NULL ? strlen(config) : 0, strtoll(f[1], NULL, 10), &s));
      if (s != NULL) {
        absorb(&w, s, got, sizeof got);
      }
      /* The secret, from the outcome: {"uri":…,"secret_base32":"…",…}. */
      const char *at = strstr(got, "\"secret_base32\":\"");
      CHECK(at != NULL);
      if (at != NULL) {
        at += strlen("\"secret_base32\":\"");
        size_t len = strcspn(at, "\"");
        snprintf(w.totp_secret, sizeof w.totp_secret, "%.*s", (int)len, at);
      }
      snprintf(w.totp_key, sizeof w.totp_key, "%s", f[2]);
      CHECK(holding(&w, "totp_credential")->revision == strtoll(f[4], NULL, 10));
    } else if (strcmp(f[0], "totp-verify") == 0 && nf == 5) {
      int64_t now = strtoll(f[1], NULL, 10);
      char window[3][16];
      for (int k = 0; k < 3; k++) {
        CHECK_OK(varco_totp_code(S(w.totp_secret), now + (k - 1) * 30000, NULL, 0, (uint8_t *)window[k], sizeof window[k], &n));
      }
      const char *code = window[1];
      if (strcmp(f[2], "previous") == 0) {
        code = window[0];
      } else if (strcmp(f[2], "next") == 0) {
        code = window[2];
      } else if (strcmp(f[2], "wrong") == 0) {
        static const char *const wrong[4] = {"000000", "111111", "222222", "333333"};
        for (int k = 3; k >= 0; k--) {
          if (strcmp(wrong[k], window[0]) != 0 && strcmp(wrong[k], window[1]) != 0 && strcmp(wrong[k], window[2]) != 0) {
            code = wrong[k];
          }
        }
      }
      varco_step *s = NULL;
      CHECK_OK(varco_totp_verify(w.sealing, S(w.totp_key), S(record_of(&w, "totp_credential")), S(code), now, &s));
      if (s != NULL) {
        absorb(&w, s, got, sizeof got);
      }
      CHECK(strcmp(got, f[3]) == 0);
      CHECK(holding(&w, "totp_credential")->revision == strtoll(f[4], NULL, 10));
    } else if (strcmp(f[0], "engine") == 0 && nf == 2) {
      varco_engine_free(flow_engine);
      store_reset();
      if (library) {
        varco_store_free(library);
        library = NULL;
        CHECK_OK(varco_store_open(S(":memory:"), &library));
      }
      flow_count = 0;
      flow_engine = engine_with(f[1]);
    } else if (strcmp(f[0], "provision") == 0 && nf == 4) {
      if (library) {
        CHECK_OK(varco_store_provision(library, flow_engine, S(f[2]), S(f[3]), strtoll(f[1], NULL, 10)));
        drain_outbox(flow_engine, strtoll(f[1], NULL, 10));
      } else {
        varco_step *st = NULL;
        varco_records *r = NULL;
        CHECK_OK(varco_records_new(&r));
        CHECK_OK(varco_engine_provision(flow_engine, S(f[2]), S(f[3]), r, strtoll(f[1], NULL, 10), &st));
        /* The host loop: the hints it asks for, loaded. */
        while (loaded_what_it_asks(&st, r)) {
          CHECK_OK(varco_engine_provision(flow_engine, S(f[2]), S(f[3]), r, strtoll(f[1], NULL, 10), &st));
        }
        varco_records_free(r);
        CHECK(st != NULL && commit(st));
        varco_step_free(st);
      }
    } else if (strcmp(f[0], "flow-start") == 0 && (nf == 4 || nf == 5) && flow_count < MAX_FLOWS) {
      snprintf(flow_names[flow_count], sizeof flow_names[0], "%s", f[2]);
      browser_start_kind(&flow_browsers[flow_count], flow_engine, nf == 5 ? f[4] : "login",
                         strcmp(f[3], "-") == 0 ? NULL : f[3], strtoll(f[1], NULL, 10));
      flow_count++;
    } else if (strcmp(f[0], "flow") == 0 && nf == 7) {
      browser *b = flow_named(f[2]);
      CHECK(b != NULL);
      varco_input *in = NULL;
      CHECK_OK(varco_input_new(S(f[3]), &in));
      char code[16];
      char secret_before[128];
      snprintf(secret_before, sizeof secret_before, "%s", b ? b->secret : "");
      char *next_pair = strcmp(f[4], "-") != 0 ? f[4] : NULL;
      while (next_pair) {
        char *field = next_pair, *value = NULL;
        char *amp = strchr(field, '&');
        if (amp) *amp = 0;
        next_pair = amp ? amp + 1 : NULL;
        char *eq = strchr(field, '=');
        if (!eq) break;
        *eq = 0;
        value = eq + 1;
        if (strcmp(field, "code") == 0 && strcmp(value, "current") == 0 && sent_count > 0) {
          value = sent_codes[sent_count - 1];
        } else if (strcmp(field, "code") == 0 && strcmp(value, "previous") == 0 && sent_count > 1) {
          value = sent_codes[sent_count - 2];
        } else if (strcmp(field, "code") == 0 && strcmp(value, "wrong") == 0) {
          const char *tries[2] = {"000000", "111111"};
          for (int k = 0; k < 2; k++) {
            int used = 0;
            for (size_t j = 0; j < sent_count; j++) used |= strcmp(sent_codes[j], tries[k]) == 0;
            if (!used) {
              snprintf(code, sizeof code, "%s", tries[k]);
              break;
            }
          }
          value = code;
        } else if (strcmp(field, "token") == 0) {
          /* An emailed link's token stands for the client secret. */
          static char forged[65];
          memset(forged, '0', 64);
          value = strcmp(value, "link") == 0 ? last_link : strcmp(value, "forged") == 0 ? forged : value;
          if (b) snprintf(b->secret, sizeof b->secret, "%s", value);
        }
        CHECK_OK(varco_input_set(in, S(field), S(value)));
      }
      varco_step *st = b ? submit(b, in, strtoll(f[1], NULL, 10)) : NULL;
      varco_input_free(in);
      char o[2048] = {0}, view_got[256] = {0};
      char *view = st ? read_plain(st, varco_step_view) : NULL;
      if (st) outcome_of(st, o, sizeof o);
      flow_summary(o, got, sizeof got);
      view_summary(view ? view : "", view_got, sizeof view_got);
      free(view);
      /* A confirmed link binds the flow to the client holding it. */
      if (b && !(strcmp(f[3], "confirm_link") == 0 && strcmp(got, "moved") == 0)) {
        snprintf(b->secret, sizeof b->secret, "%s", secret_before);
      }
      varco_step_free(st);
      CHECK(strcmp(got, f[5]) == 0);
      CHECK(strcmp(view_got, f[6]) == 0);
      if (strcmp(view_got, f[6]) != 0) fprintf(stderr, "  view %s\n", view_got);
    } else if (strcmp(f[0], "session") == 0 && nf == 6) {
      char account[64], key[96];
      json_field(f[2], "account", account, sizeof account);
      snprintf(key, sizeof key, "account/%s", account);
      char *text = store_get(key);
      CHECK(text != NULL);
      int check = -1;
      int64_t max_age = strcmp(f[3], "-") == 0 ? -1 : strtoll(f[3], NULL, 10);
      CHECK_OK(varco_engine_check_session(flow_engine, S(f[2]), (const uint8_t *)text, text ? strlen(text) : 0,
                                          strtoll(f[1], NULL, 10), max_age, atoi(f[4]), &check));
      static const char *const names[3] = {"valid", "revoked", "step_up"};
      CHECK(check >= 0 && check < 3 && strcmp(names[check], f[5]) == 0);
      free(text);
    } else if (strcmp(f[0], "step-up") == 0 && (nf == 6 || nf == 7) && flow_count < MAX_FLOWS) {
      varco_step *st = NULL;
      const char *kind = nf == 7 ? f[6] : "step_up";
      if (library) {
        CHECK_OK(varco_store_start_from_grant(library, flow_engine, S(kind), S(f[3]), atoi(f[4]), NULL, 0, NULL, 0, NULL,
                                              0, 0, strtoll(f[1], NULL, 10), &st));
        drain_outbox(flow_engine, strtoll(f[1], NULL, 10));
      } else {
        CHECK_OK(varco_engine_start_from_grant(flow_engine, S(kind), S(f[3]), atoi(f[4]), NULL, 0, NULL, 0, NULL, 0, 0,
                                               strtoll(f[1], NULL, 10), &st));
      }
      char view_got[256] = {0};
      char *view = st ? read_plain(st, varco_step_view) : NULL;
      view_summary(view ? view : "", view_got, sizeof view_got);
      free(view);
      CHECK(strcmp(view_got, f[5]) == 0);
      if (st) {
        snprintf(flow_names[flow_count], sizeof flow_names[0], "%s", f[2]);
        browser_adopt(&flow_browsers[flow_count], flow_engine, st);
        flow_count++;
      }
    } else if (strcmp(f[0], "answer") == 0 && nf == 6) {
      browser *b = flow_named(f[2]);
      CHECK(b != NULL);
      varco_step *st = b ? answer_fact(b, NULL, f[3], strtoll(f[1], NULL, 10)) : NULL;
      char o[2048] = {0}, view_got[256] = {0};
      char *view = st ? read_plain(st, varco_step_view) : NULL;
      if (st) outcome_of(st, o, sizeof o);
      flow_summary(o, got, sizeof got);
      view_summary(view ? view : "", view_got, sizeof view_got);
      free(view);
      varco_step_free(st);
      CHECK(strcmp(got, f[4]) == 0);
      CHECK(strcmp(view_got, f[5]) == 0);
    } else if (strcmp(f[0], "command") == 0 && nf == 5) {
      char account[64], key[96], json[1024];
      /* "token":"link": the token of the latest link sent. */
      const char *link = strstr(f[3], "\"token\":\"link\"");
      if (link) {
        snprintf(json, sizeof json, "%.*s\"token\":\"%s\"%s", (int)(link - f[3]), f[3], last_link,
                 link + strlen("\"token\":\"link\""));
      } else {
        snprintf(json, sizeof json, "%s", f[3]);
      }
      json_field(json, "account", account, sizeof account);
      if (library) {
        varco_step *st = NULL;
        CHECK_OK(varco_store_command(library, flow_engine, S(f[2]), S(json), strtoll(f[1], NULL, 10), &st));
        drain_outbox(flow_engine, strtoll(f[1], NULL, 10));
        char o[512] = {0}, want[128];
        if (st) outcome_of(st, o, sizeof o);
        varco_step_free(st);
        flow_summary(o, got, sizeof got);
        snprintf(want, sizeof want, "applied:%s", f[4]);
        CHECK(strcmp(got, want) == 0);
      } else {
        varco_records *r = NULL;
        CHECK_OK(varco_records_new(&r));
        const char *prefixes[2] = {"account/", "guard/"};
        for (int k = 0; k < 2; k++) {
          snprintf(key, sizeof key, "%s%s", prefixes[k], account);
          char *text = store_get(key);
          CHECK_OK(varco_records_put(r, S(key), (const uint8_t *)text, text ? strlen(text) : 0));
          free(text);
        }
        varco_step *st = NULL;
        CHECK_OK(varco_engine_command(flow_engine, S(f[2]), S(json), r, strtoll(f[1], NULL, 10), &st));
        /* The host loop: the records the command asks for, loaded. */
        while (loaded_what_it_asks(&st, r)) {
          CHECK_OK(varco_engine_command(flow_engine, S(f[2]), S(json), r, strtoll(f[1], NULL, 10), &st));
        }
        varco_records_free(r);
        char o[512] = {0}, want[128];
        if (st) {
          outcome_of(st, o, sizeof o);
          CHECK(commit(st));
        }
        varco_step_free(st);
        flow_summary(o, got, sizeof got);
        snprintf(want, sizeof want, "applied:%s", f[4]);
        CHECK(strcmp(got, want) == 0);
      }
    } else {
      CHECK(!"unknown or malformed line");
    }
    if (current_failures != before) {
      fprintf(stderr, "  at line %d: %s (got %s)\n", lineno, copy, got);
    }
    checked++;
  }
  fclose(file);
  CHECK(checked >= 50);
  for (int i = 0; i < 6; i++) {
    free(w.held[i].record);
  }
  varco_sealing_keys_free(w.sealing);
  free(w.guard_state);
  free(w.attempt);
  varco_delivery_free(w.delivery);
  varco_guard_free(w.guard);
  varco_engine_free(flow_engine);
  flow_engine = NULL;
  store_reset();
}

int main(int argc, char **argv) {
  if (argc > 1) {
    scenario_path = argv[1];
  }
  RUN(test_shared_scenario);
  /* Again through the library's own store and loop (varco_store_*), every
   * message from its outbox: the same results. */
  CHECK_OK(varco_store_open(S(":memory:"), &library));
  RUN(test_shared_scenario);
  varco_store_free(library);
  library = NULL;
  return finish("c scenario");
}
