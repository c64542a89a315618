/* varco's C API: every capability, and bad input at the boundary. */
#include <ctype.h>

#include "harness.h"

static const uint8_t KEY32[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                  11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                  22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static void test_version_and_names(void) {
  CHECK(strlen(varco_version()) > 0);
  CHECK(strcmp(varco_result_name(VARCO_OK), "VARCO_OK") == 0);
  CHECK(strcmp(varco_result_name(VARCO_BUFFER_TOO_SMALL), "VARCO_BUFFER_TOO_SMALL") == 0);
  CHECK(strcmp(varco_result_name(-1), "VARCO_UNKNOWN") == 0);
  CHECK(strcmp(varco_result_name(99), "VARCO_UNKNOWN") == 0);
}

static void test_policy_check(void) {
  varco_policy *p = NULL;
  CHECK_OK(varco_policy_preset(S("nist_800_63b"), &p));
  char report[4096];
  size_t n = 0;
  const char *ctx = "{\"username\":\"mario\",\"second_factor\":false}";
  CHECK_OK(varco_policy_check(p, NULL, S("hunter2"), S(ctx), S("it"), (uint8_t *)report, sizeof report, &n));
  CHECK(n == strlen(report));
  CHECK(strstr(report, "\"ok\":false") != NULL);
  CHECK(strstr(report, "\"code\":\"too_short\"") != NULL);
  CHECK(strstr(report, "\"code\":\"common\"") != NULL);
  /* No context at all is fine. */
  CHECK_OK(varco_policy_check(p, NULL, S("correct horse battery staple"), NULL, 0, S("en"), (uint8_t *)report, sizeof report, &n));
  CHECK(strstr(report, "\"ok\":true") != NULL);
  /* Round trip through JSON. */
  char json[8192];
  CHECK_OK(varco_policy_to_json(p, (uint8_t *)json, sizeof json, &n));
  varco_policy *q = NULL;
  CHECK_OK(varco_policy_from_json((const uint8_t *)json, n, &q));
  CHECK(q != NULL);
  varco_policy_free(q);
  varco_policy_free(p);
  /* The history rule, with the hasher that verifies the stored hashes. */
  const char *with_history =
      "{\"version\":1,\"normalization\":\"nfc\",\"rules\":[{\"rule\":\"history\",\"last\":3}]}";
  varco_policy *hp = NULL;
  CHECK_OK(varco_policy_from_json(S(with_history), &hp));
  varco_hasher *h = NULL;
  CHECK_OK(varco_hasher_new(64, 1, 1, &h));
  char phc[128];
  CHECK_OK(varco_hasher_hash(h, S("old one"), (uint8_t *)phc, sizeof phc, &n));
  char hctx[256];
  snprintf(hctx, sizeof hctx, "{\"history\":[\"%s\"]}", phc);
  CHECK_OK(varco_policy_check(hp, h, S("old one"), S(hctx), S("en"), (uint8_t *)report, sizeof report, &n));
  CHECK(strstr(report, "\"code\":\"reused\"") != NULL);
  CHECK_OK(varco_policy_check(hp, NULL, S("old one"), S(hctx), S("en"), (uint8_t *)report, sizeof report, &n));
  CHECK(strstr(report, "\"skipped\":[\"history\"]") != NULL);
  varco_hasher_free(h);
  varco_policy_free(hp);
}

static void test_policy_bad_input(void) {
  varco_policy *p = (varco_policy *)0x1; /* must stay untouched on failure */
  CHECK_RESULT(varco_policy_preset(S("nope"), &p), VARCO_INVALID_CONFIG);
  CHECK(p == (varco_policy *)0x1);
  char msg[256];
  size_t n = 0;
  CHECK_OK(varco_last_error((uint8_t *)msg, sizeof msg, &n));
  CHECK(strncmp(msg, "invalid_policy:", 15) == 0);
  CHECK(varco_last_error_code() == VARCO_ERROR_INVALID_POLICY);
  CHECK(strcmp(varco_error_code_name(VARCO_ERROR_INVALID_POLICY), "invalid_policy") == 0);
  CHECK(strcmp(varco_error_code_name(VARCO_ERROR_NONE), "none") == 0);
  CHECK(strcmp(varco_error_code_name(999), "unknown") == 0);
  CHECK_RESULT(varco_policy_preset(NULL, 3, &p), VARCO_NULL_POINTER);
  CHECK(varco_last_error_code() == VARCO_ERROR_NONE);
  CHECK_RESULT(varco_policy_preset(S("nist"), NULL), VARCO_NULL_POINTER);
  /* A broken policy file is configuration to fix, not an unusable record. */
  CHECK_RESULT(varco_policy_from_json(S("{"), &p), VARCO_INVALID_CONFIG);
  CHECK(varco_last_error_code() == VARCO_ERROR_INVALID_POLICY);
  const uint8_t bad_utf8[] = {'n', 0xff, 0xfe};
  CHECK_RESULT(varco_policy_preset(bad_utf8, sizeof bad_utf8, &p), VARCO_INVALID_UTF8);
  CHECK(p == (varco_policy *)0x1);
  varco_policy *real = NULL;
  CHECK_OK(varco_policy_preset(S("mail_service"), &real));
  char out[16];
  CHECK_RESULT(varco_policy_check(NULL, NULL, S("x"), NULL, 0, S("it"), (uint8_t *)out, sizeof out, &n), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_policy_check(real, NULL, bad_utf8, sizeof bad_utf8, NULL, 0, S("it"), (uint8_t *)out, sizeof out, &n), VARCO_INVALID_UTF8);
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), S("{\"nope\":1}"), S("it"), (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), NULL, 0, S("fr"), (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);
  /* Too small: nothing written, the length needed reported. */
  memset(out, 'Z', sizeof out);
  n = 0;
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), NULL, 0, S("it"), (uint8_t *)out, sizeof out, &n), VARCO_BUFFER_TOO_SMALL);
  CHECK(n > sizeof out);
  CHECK(out[0] == 'Z' && out[15] == 'Z');
  /* The size query: NULL buffer, zero capacity. */
  size_t needed = 0;
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), NULL, 0, S("it"), NULL, 0, &needed), VARCO_BUFFER_TOO_SMALL);
  CHECK(needed == n);
  char *exact = malloc(needed + 1);
  CHECK_OK(varco_policy_check(real, NULL, S("x"), NULL, 0, S("it"), (uint8_t *)exact, needed + 1, &n));
  CHECK(n == needed && exact[needed] == 0);
  free(exact);
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), NULL, 0, S("it"), NULL, 4096, &n), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_policy_check(real, NULL, S("x"), NULL, 0, S("it"), (uint8_t *)out, sizeof out, NULL), VARCO_NULL_POINTER);
  varco_policy_free(real);
  varco_policy_free(NULL);
}

static void test_hashing(void) {
  varco_hasher *h = NULL;
  CHECK_OK(varco_hasher_new(64, 1, 1, &h));
  char phc[128];
  size_t n = 0;
  CHECK_OK(varco_hasher_hash(h, S("correct horse"), (uint8_t *)phc, sizeof phc, &n));
  CHECK(strncmp(phc, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0);
  bool valid = false, rehash = true;
  CHECK_OK(varco_hasher_verify(h, S("correct horse"), (const uint8_t *)phc, n, &valid, &rehash));
  CHECK(valid && !rehash);
  CHECK_OK(varco_hasher_verify(h, S("correct hors"), (const uint8_t *)phc, n, &valid, &rehash));
  CHECK(!valid);
  varco_hasher *owasp = NULL;
  CHECK_OK(varco_hasher_owasp(&owasp));
  bool needs = false;
  CHECK_OK(varco_hasher_needs_rehash(owasp, (const uint8_t *)phc, n, &needs));
  CHECK(needs);
  CHECK_OK(varco_hasher_verify(owasp, S("password"),
                               S("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"),
                               &valid, &rehash));
  CHECK(valid && rehash);
  CHECK_OK(varco_hasher_dummy_verify(h, S("whoever")));
  /* Bad input. */
  CHECK_RESULT(varco_hasher_new(1, 1, 1, &owasp), VARCO_INVALID_CONFIG);
  CHECK_RESULT(varco_hasher_verify(h, S("pw"), S("garbage"), &valid, &rehash), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_hasher_verify(h, S("pw"), S(phc), NULL, &rehash), VARCO_NULL_POINTER);
  char big[5000];
  memset(big, 'x', sizeof big);
  CHECK_RESULT(varco_hasher_hash(h, (const uint8_t *)big, sizeof big, (uint8_t *)phc, sizeof phc, &n), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_hasher_hash(h, S("pw"), (uint8_t *)phc, 10, &n), VARCO_BUFFER_TOO_SMALL);
  CHECK(n > 10 && n < 128);
  CHECK_RESULT(varco_hasher_hash(NULL, S("pw"), (uint8_t *)phc, sizeof phc, &n), VARCO_NULL_POINTER);
  varco_hasher_free(owasp);
  varco_hasher_free(h);
}

static void test_totp_and_hotp(void) {
  char code[16];
  size_t n = 0;
  CHECK_OK(varco_totp_code(S("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), 59000, S("{\"digits\":8}"), (uint8_t *)code, sizeof code, &n));
  CHECK(strcmp(code, "94287082") == 0 && n == 8);
  CHECK_OK(varco_hotp_code(S("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), 0, S("SHA1"), 6, (uint8_t *)code, sizeof code, &n));
  CHECK(strcmp(code, "755224") == 0); /* RFC 4226 Appendix D */
  CHECK_RESULT(varco_totp_code(S("JBSWY3DP"), 59000, NULL, 0, (uint8_t *)code, sizeof code, &n), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_totp_code(S("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), 59000, S("{\"algorithm\":\"MD5\"}"), (uint8_t *)code, sizeof code, &n), VARCO_INVALID_CONFIG);

  varco_sealing_keys *keys = NULL;
  CHECK_OK(varco_sealing_keys_new(S("k1"), KEY32, 32, &keys));
  varco_step *e = NULL;
  CHECK_OK(varco_totp_enroll(keys, S("mario/totp"), S("Esempio"), S("mario"), NULL, 0, 1700000000000LL, &e));
  char out[1024];
  outcome_of(e, out, sizeof out);
  CHECK(strstr(out, "\"weak_secret\":false") != NULL);
  CHECK(strstr(out, "otpauth://totp/Esempio:mario?") != NULL);
  const char *s = strstr(out, "\"secret_base32\":\"");
  CHECK(s != NULL);
  char secret[64] = {0};
  if (s != NULL) {
    s += strlen("\"secret_base32\":\"");
    size_t len = (size_t)(strchr(s, '"') - s);
    memcpy(secret, s, len < 63 ? len : 63);
  }
  char *sealed = write_of(e, 0);
  CHECK(sealed != NULL && strstr(sealed, secret) == NULL);
  CHECK_OK(varco_totp_code(S(secret), 1700000000000LL, NULL, 0, (uint8_t *)code, sizeof code, &n));
  varco_step *v = NULL;
  CHECK_OK(varco_totp_verify(keys, S("mario/totp"), S(sealed), S(code), 1700000000000LL, &v));
  outcome_of(v, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"accepted\",\"drift\":0}") == 0);
  char *next = write_of(v, 0);
  varco_step *r = NULL;
  CHECK_OK(varco_totp_verify(keys, S("mario/totp"), S(next), S(code), 1700000001000LL, &r));
  CHECK(varco_step_write_count(r) == 0); /* a replay writes nothing */
  outcome_of(r, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"replayed\"}") == 0);
  /* Another key cannot open it; a tampered record neither. */
  varco_sealing_keys *other = NULL;
  uint8_t zero[32] = {0};
  CHECK_OK(varco_sealing_keys_new(S("k2"), zero, 32, &other));
  varco_step *x = (varco_step *)0x1;
  CHECK_RESULT(varco_totp_verify(other, S("mario/totp"), S(next), S(code), 1700000001000LL, &x), VARCO_UNUSABLE_RECORD);
  /* Bound to its record: another account's key does not open it. */
  CHECK_RESULT(varco_totp_verify(keys, S("luigi/totp"), S(next), S(code), 1700000001000LL, &x), VARCO_UNUSABLE_RECORD);
  CHECK(varco_last_error_code() == VARCO_ERROR_SEAL);
  CHECK(x == (varco_step *)0x1);
  next[strlen(next) - 3] ^= 1;
  CHECK_RESULT(varco_totp_verify(keys, S("mario/totp"), S(next), S(code), 1700000001000LL, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_sealing_keys_new(S("k3"), KEY32, 31, &other), VARCO_INVALID_CONFIG);
  CHECK_OK(varco_sealing_keys_add_old_key(other, S("k1"), KEY32, 32));
  /* HOTP and URIs. */
  varco_step *he = NULL;
  CHECK_OK(varco_hotp_enroll(keys, S("mario/hotp"), S("Esempio"), S("mario"), S("SHA256"), 8, 0, &he));
  outcome_of(he, out, sizeof out);
  const char *u = strstr(out, "otpauth://");
  char uri[512] = {0};
  if (u != NULL) {
    memcpy(uri, u, (size_t)(strchr(u, '"') - u));
  }
  char info[1024];
  CHECK_OK(varco_otpauth_parse(S(uri), (uint8_t *)info, sizeof info, &n));
  CHECK(strstr(info, "\"kind\":\"hotp\"") != NULL && strstr(info, "\"digits\":8") != NULL);
  CHECK_RESULT(varco_otpauth_parse(S("http://example.com"), (uint8_t *)info, sizeof info, &n), VARCO_INVALID_INPUT);
  /* A device far ahead: two consecutive codes resynchronize it. */
  char hsecret[128] = {0};
  const char *hs = strstr(out, "\"secret_base32\":\"");
  if (hs != NULL) {
    hs += strlen("\"secret_base32\":\"");
    memcpy(hsecret, hs, (size_t)(strchr(hs, '"') - hs));
  }
  char c50[16], c51[16];
  CHECK_OK(varco_hotp_code(S(hsecret), 50, S("SHA256"), 8, (uint8_t *)c50, sizeof c50, &n));
  CHECK_OK(varco_hotp_code(S(hsecret), 51, S("SHA256"), 8, (uint8_t *)c51, sizeof c51, &n));
  char *hsealed = write_of(he, 0);
  varco_step *rs = NULL;
  CHECK_OK(varco_hotp_resync(keys, S("mario/hotp"), S(hsealed), S(c50), S(c51), 100, 0, &rs));
  outcome_of(rs, info, sizeof info);
  CHECK(starts(info, "{\"outcome\":\"accepted\","));
  free(hsealed);
  varco_step_free(rs);
  free(sealed);
  free(next);
  varco_step_free(e);
  varco_step_free(v);
  varco_step_free(r);
  varco_step_free(he);
  varco_sealing_keys_free(other);
  varco_sealing_keys_free(keys);
}

static void test_recovery_codes(void) {
  varco_hasher *h = NULL;
  CHECK_OK(varco_hasher_new(64, 1, 1, &h));
  varco_step *g = NULL;
  CHECK_OK(varco_recovery_generate(h, NULL, 0, 2, 0, &g));
  char out[1024];
  outcome_of(g, out, sizeof out);
  const char *c = strstr(out, "{\"codes\":[\"");
  CHECK(c != NULL);
  char first[32] = {0};
  if (c != NULL) {
    memcpy(first, c + 11, 17);
  }
  for (char *p = first; *p; p++) {
    *p = (char)tolower((unsigned char)*p);
  }
  char *set = write_of(g, 0);
  varco_step *r = NULL;
  CHECK_OK(varco_recovery_redeem(h, S(set), S(first), 1, &r));
  outcome_of(r, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"accepted\",\"remaining\":1}") == 0);
  char *after = write_of(r, 0);
  varco_step *again = NULL;
  CHECK_OK(varco_recovery_redeem(h, S(after), S(first), 2, &again));
  outcome_of(again, out, sizeof out);
  CHECK(strcmp(out, "{\"outcome\":\"rejected\"}") == 0);
  varco_step *bad = NULL;
  CHECK(varco_step_write_count(again) == 0);
  CHECK_RESULT(varco_recovery_redeem(h, S("{\"kind\":\"recovery_codes\",\"version\":7}"), S(first), 0, &bad), VARCO_UNUSABLE_RECORD);
  CHECK(varco_last_error_code() == VARCO_ERROR_UNSUPPORTED_VERSION);
  CHECK_RESULT(varco_recovery_redeem(h, S("[1,2"), S(first), 0, &bad), VARCO_UNUSABLE_RECORD);
  CHECK(varco_last_error_code() == VARCO_ERROR_DESERIALIZE);
  CHECK_RESULT(varco_recovery_generate(h, NULL, 0, 0, 0, &bad), VARCO_INVALID_CONFIG);
  /* A new set replaces the stored one. */
  varco_step *newer = NULL;
  CHECK_OK(varco_recovery_generate(h, S(after), 2, 3, &newer));
  int64_t rev = 0, replaces = 0;
  CHECK_OK(varco_step_write_revision(newer, 0, &rev, &replaces));
  CHECK(replaces == 2 && rev == 3);
  varco_step_free(newer);
  CHECK(bad == NULL);
  free(set);
  free(after);
  varco_step_free(g);
  varco_step_free(r);
  varco_step_free(again);
  varco_hasher_free(h);
}

static void test_delivery_effects(void) {
  varco_delivery *d = NULL;
  CHECK_OK(varco_delivery_new(S("{\"service\":\"Esempio\",\"lang\":\"en\"}"), S("c1"), KEY32, 32, &d));
  varco_step *s = NULL;
  CHECK_OK(varco_challenge_issue(d, S("login"), S("email"), S("mario@example.it"), NULL, 0, 0, &s));
  CHECK(varco_step_effect_count(s) == 2);
  char fx[2048];
  size_t n = 0;
  CHECK_OK(varco_step_effect(s, 0, (uint8_t *)fx, sizeof fx, &n));
  CHECK(strstr(fx, "\"effect\":\"send_email\"") != NULL);
  CHECK_OK(varco_step_effect(s, 1, (uint8_t *)fx, sizeof fx, &n));
  CHECK(strstr(fx, "\"kind\":\"code_issued\"") != NULL);
  CHECK_RESULT(varco_step_effect(s, 2, (uint8_t *)fx, sizeof fx, &n), VARCO_OUT_OF_RANGE);
  /* Two new records, in commit order: the budget, then the challenge. */
  CHECK(varco_step_write_count(s) == 2);
  char kind[32];
  CHECK_OK(varco_step_write_kind(s, 0, (uint8_t *)kind, sizeof kind, &n));
  CHECK(strcmp(kind, "destination_budget") == 0);
  CHECK_OK(varco_step_write_kind(s, 1, (uint8_t *)kind, sizeof kind, &n));
  CHECK(strcmp(kind, "challenge") == 0);
  int64_t rev = 0, replaces = -1;
  CHECK_OK(varco_step_write_revision(s, 1, &rev, &replaces));
  CHECK(rev == 1 && replaces == 0);
  char *challenge = write_of(s, 1);
  char *budget = write_of(s, 0);
  varco_step *v = NULL;
  CHECK_OK(varco_challenge_verify(d, S(challenge), S("12345x"), S("login"), 1000, &v));
  CHECK(varco_step_write_count(v) == 1);
  /* Another destination's budget is refused. */
  varco_step *x = NULL;
  CHECK_RESULT(varco_challenge_issue(d, S("login"), S("sms"), S("+393330000000"), S(budget), 0, &x), VARCO_INVALID_INPUT);
  free(challenge);
  free(budget);
  varco_step_free(v);
  CHECK(varco_step_effect_count(NULL) == 0);
  /* Bad input. */
  CHECK_RESULT(varco_challenge_issue(d, S("nope"), S("sms"), S("+39"), NULL, 0, 0, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_challenge_issue(d, S("login"), S("fax"), S("+39"), NULL, 0, 0, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_challenge_issue(d, S("login"), S("sms"), S("+39"), S("{bad"), 0, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_challenge_verify(d, S(""), S("123456"), S("login"), 0, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_challenge_verify(d, S("{\"kind\":\"challenge\",\"version\":2}"), S("123456"), S("login"), 0, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_challenge_verify(d, S("{\"kind\":\"account_guard\",\"version\":1}"), S("123456"), S("login"), 0, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_challenge_issue(d, S("login"), S("sms"), S("+39"), NULL, 0, -1, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_challenge_resend(NULL, S("{}"), NULL, 0, 0, &x), VARCO_NULL_POINTER);
  CHECK(x == NULL);
  varco_delivery *y = NULL;
  CHECK_RESULT(varco_delivery_new(S("{\"digits\":3}"), S("c1"), KEY32, 32, &y), VARCO_INVALID_CONFIG);
  CHECK_RESULT(varco_delivery_new(S("{}"), S("c1"), KEY32, 8, &y), VARCO_INVALID_CONFIG);
  CHECK_OK(varco_delivery_add_old_key(d, S("c0"), KEY32, 32));
  varco_step_free(s);
  varco_delivery_free(d);
}

static void test_guard_and_lifecycle(void) {
  varco_guard *g = NULL;
  CHECK_OK(varco_guard_new(S("{\"password\":{\"threshold\":1}}"), &g));
  varco_step *a = NULL;
  CHECK_OK(varco_guard_begin(g, NULL, 0, S("password"), NULL, 0, 0, &a));
  char out[512];
  outcome_of(a, out, sizeof out);
  CHECK(strcmp(out, "{\"admission\":\"allowed\",\"attempt\":{\"factor\":\"password\",\"serial\":1}}") == 0);
  /* One write: a new record (replaces 0: INSERT, must not exist), revision 1. */
  CHECK(varco_step_write_count(a) == 1);
  int64_t rev = -1, replaces = -1;
  CHECK_OK(varco_step_write_revision(a, 0, &rev, &replaces));
  CHECK(rev == 1 && replaces == 0);
  size_t kn = 0;
  char kind[32];
  CHECK_OK(varco_step_write_kind(a, 0, (uint8_t *)kind, sizeof kind, &kn));
  CHECK(strcmp(kind, "account_guard") == 0);
  CHECK_RESULT(varco_step_write_revision(a, 1, &rev, &replaces), VARCO_OUT_OF_RANGE);
  char *st = write_of(a, 0);
  char *ticket = attempt_of(a);
  CHECK(st != NULL && ticket != NULL);
  varco_step *f = NULL;
  CHECK_OK(varco_guard_failed(g, S(st), S(ticket), 0, &f));
  CHECK(varco_step_write_count(f) == 0); /* begin counted it */
  varco_step *l = NULL;
  CHECK_OK(varco_guard_begin(g, S(st), S("password"), NULL, 0, 5000, &l));
  outcome_of(l, out, sizeof out);
  CHECK(starts(out, "{\"admission\":\"locked\""));
  CHECK(varco_step_write_count(l) == 0); /* a refusal writes nothing */
  CHECK(attempt_of(l) == NULL);
  varco_step *u = NULL;
  CHECK_OK(varco_guard_unlock(g, S(st), S("operatore-7"), 6000, &u));
  CHECK_OK(varco_step_write_revision(u, 0, &rev, &replaces));
  CHECK(rev == 2 && replaces == 1);
  varco_step *t = NULL;
  CHECK_OK(varco_guard_trust_device(g, S(st), S("phone-1"), 6000, &t));
  varco_step *x = NULL;
  CHECK_RESULT(varco_guard_failed(g, NULL, 5, S(ticket), 0, &x), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_guard_failed(g, NULL, 0, S(ticket), 0, &x), VARCO_UNUSABLE_RECORD);
  /* NULL with length 0 is empty input: here, not a stored guard. */
  CHECK_RESULT(varco_guard_succeed(g, S(st), NULL, 0, 0, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_guard_begin(g, NULL, 0, S("pin"), NULL, 0, 0, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_guard_begin(g, NULL, 0, S("password"), NULL, 0, -1, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_guard_trust_device(g, NULL, 0, NULL, 0, 0, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_guard_new(S("{\"password\":{\"threshold\":0}}"), &g), VARCO_INVALID_CONFIG);
  CHECK_RESULT(varco_guard_new(S("{\"password\":{\"forget_after_ms\":0}}"), &g), VARCO_INVALID_CONFIG);
  free(ticket);
  varco_step_free(t);

  varco_step *n = NULL;
  CHECK_OK(varco_lifecycle_create(0, &n));
  outcome_of(n, out, sizeof out);
  CHECK(strcmp(out, "{\"state\":\"pending_activation\",\"can_authenticate\":false}") == 0);
  char *lc = write_of(n, 0);
  varco_step *act = NULL;
  CHECK_OK(varco_lifecycle_apply(S(lc), S("{\"event\":\"activate\"}"), 1, &act));
  outcome_of(act, out, sizeof out);
  CHECK(strcmp(out, "{\"state\":\"active\",\"can_authenticate\":true}") == 0);
  char *lc2 = write_of(act, 0);
  CHECK_RESULT(varco_lifecycle_apply(S(lc2), S("{\"event\":\"activate\"}"), 2, &x), VARCO_START_OVER);
  CHECK(varco_last_error_code() == VARCO_ERROR_ILLEGAL_TRANSITION);
  CHECK_RESULT(varco_lifecycle_apply(S(lc2), S("{\"event\":\"explode\"}"), 2, &x), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_lifecycle_apply(S(lc2), S("{\"event\":\"activate\",\"x\":1}"), 2, &x), VARCO_INVALID_INPUT);
  varco_step *quiet = NULL;
  CHECK_OK(varco_lifecycle_check_inactivity(S(lc2), 1, 1000, &quiet));
  CHECK(varco_step_write_count(quiet) == 0);
  varco_step_free(quiet);
  varco_step *dorm = NULL;
  CHECK_OK(varco_lifecycle_check_inactivity(S(lc2), 1, 2LL * 86400000LL, &dorm));
  outcome_of(dorm, out, sizeof out);
  CHECK(strstr(out, "\"state\":\"dormant\"") != NULL);
  CHECK(varco_step_write_count(dorm) == 1);
  free(st);
  free(lc);
  free(lc2);
  varco_step_free(a);
  varco_step_free(f);
  varco_step_free(l);
  varco_step_free(u);
  varco_step_free(n);
  varco_step_free(act);
  varco_step_free(dorm);
  varco_guard_free(g);
}

static void test_breach(void) {
  char prefix[6];
  size_t n = 0;
  CHECK_OK(varco_breach_prefix(S("password"), (uint8_t *)prefix, sizeof prefix, &n));
  CHECK(strcmp(prefix, "5BAA6") == 0);
  uint64_t count = 0;
  CHECK_OK(varco_breach_count(S("password"), S("1E4C9B93F3F0682250B6CF8331B7EE68FD8:42\r\n"), &count));
  CHECK(count == 42);
  CHECK_RESULT(varco_breach_count(S("password"), S("garbage"), &count), VARCO_INVALID_INPUT);
}

static void test_throttle_travel_pepper(void) {
  varco_throttle *t = NULL;
  CHECK_OK(varco_throttle_new(S("{\"threshold\":2,\"min_interval_ms\":0}"), &t));
  char out[512];
  char *counter = NULL, *ticket = NULL;
  for (int i = 0; i < 3; i++) {
    varco_step *s = NULL;
    CHECK_OK(varco_throttle_begin(t, (const uint8_t *)counter, counter ? strlen(counter) : 0, 1000, &s));
    outcome_of(s, out, sizeof out);
    CHECK((i < 2) == (starts(out, "{\"admission\":\"allowed\"")));
    char *next = write_of(s, 0);
    if (next != NULL) {
      free(counter);
      counter = next;
      free(ticket);
      ticket = attempt_of(s);
    }
    varco_step_free(s);
  }
  CHECK(starts(out, "{\"admission\":\"locked\""));
  varco_step *ok = NULL;
  CHECK_OK(varco_throttle_succeed(t, S(counter), S(ticket), 1000, &ok));
  CHECK(varco_step_write_count(ok) == 1);
  varco_step *x = NULL;
  CHECK_RESULT(varco_throttle_succeed(t, NULL, 0, S(ticket), 1000, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_throttle_begin(t, S("{\"consecutive\":\"x\"}"), 0, &x), VARCO_UNUSABLE_RECORD);
  CHECK_RESULT(varco_throttle_new(S("{\"treshold\":2}"), &t), VARCO_INVALID_CONFIG);
  free(counter);
  free(ticket);
  varco_step_free(ok);
  varco_throttle_free(t);

  size_t n = 0;
  const char *milan = "{\"at\":0,\"place\":{\"kind\":\"coordinates\",\"lat\":45.46,\"lon\":9.19}}";
  const char *lima = "{\"at\":3600000,\"place\":{\"kind\":\"coordinates\",\"lat\":-12.05,\"lon\":-77.04}}";
  CHECK_OK(varco_assess_travel(S(milan), S(lima), NULL, 0, (uint8_t *)out, sizeof out, &n));
  CHECK(strncmp(out, "{\"decision\":\"step_up\",", 22) == 0);
  CHECK_OK(varco_assess_travel(NULL, 0, S(lima), NULL, 0, (uint8_t *)out, sizeof out, &n));
  CHECK(strcmp(out, "{\"decision\":\"allow\"}") == 0);
  CHECK_RESULT(varco_assess_travel(NULL, 0, S("{\"at\":1}"), NULL, 0, (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);

  const uint8_t pepper[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  varco_hasher *old = NULL, *rotated = NULL;
  CHECK_OK(varco_hasher_new_with_pepper(64, 1, 1, S("p1"), pepper, sizeof pepper, &old));
  char phc[128];
  CHECK_OK(varco_hasher_hash(old, S("pw"), (uint8_t *)phc, sizeof phc, &n));
  CHECK_OK(varco_hasher_new_with_pepper(64, 1, 1, S("p2"), KEY32, 32, &rotated));
  bool valid = false, rehash = false;
  CHECK_RESULT(varco_hasher_verify(rotated, S("pw"), S(phc), &valid, &rehash), VARCO_UNUSABLE_RECORD);
  CHECK_OK(varco_hasher_add_old_pepper(rotated, S("p1"), pepper, sizeof pepper));
  CHECK_OK(varco_hasher_verify(rotated, S("pw"), S(phc), &valid, &rehash));
  CHECK(valid && rehash);
  CHECK_RESULT(varco_hasher_new_with_pepper(64, 1, 1, S("much-too-long-id"), pepper, sizeof pepper, &old), VARCO_INVALID_CONFIG);
  /* A hash from before the pepper: refused, unless accepted as legacy. */
  varco_hasher *plain = NULL;
  CHECK_OK(varco_hasher_new(64, 1, 1, &plain));
  char legacy[128];
  CHECK_OK(varco_hasher_hash(plain, S("pw"), (uint8_t *)legacy, sizeof legacy, &n));
  CHECK_RESULT(varco_hasher_verify(rotated, S("pw"), S(legacy), &valid, &rehash), VARCO_UNUSABLE_RECORD);
  CHECK(varco_last_error_code() == VARCO_ERROR_PEPPER_REQUIRED);
  CHECK_OK(varco_hasher_accept_legacy_unpeppered(rotated, true));
  valid = rehash = false;
  CHECK_OK(varco_hasher_verify(rotated, S("pw"), S(legacy), &valid, &rehash));
  CHECK(valid && rehash);
  /* Equal cost, counted: a dummy verification does a real one's work. */
  uint64_t before = varco_hasher_work(plain);
  CHECK_OK(varco_hasher_verify(plain, S("wrong"), S(legacy), &valid, &rehash));
  uint64_t wrong = varco_hasher_work(plain) - before;
  CHECK(wrong == 64);
  CHECK_OK(varco_hasher_dummy_verify(plain, S("wrong")));
  CHECK(varco_hasher_work(plain) - before == 2 * wrong);
  CHECK(varco_hasher_work(NULL) == 0);
  varco_hasher_free(plain);
  varco_hasher_free(old);
  varco_hasher_free(rotated);
}

static void test_identifiers(void) {
  char out[512];
  size_t n = 0;
  CHECK_OK(varco_lookup_key(S("email"), S("Mario@Example.IT"), NULL, 0, (uint8_t *)out, sizeof out, &n));
  CHECK(strcmp(out, "{\"namespace\":\"login\",\"key\":\"mario@example.it\",\"record_key\":\"claim/login/mario@example.it\"}") == 0);
  CHECK_OK(varco_lookup_key(S("mobile"), S("333 1234567"), S("{\"default_country\":\"41\"}"), (uint8_t *)out, sizeof out, &n));
  CHECK(strstr(out, "\"key\":\"+413331234567\"") != NULL);
  CHECK_RESULT(varco_lookup_key(S("pin"), S("1234"), NULL, 0, (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_lookup_key(S("mobile"), S("1"), S("{\"default_country\":\"0\"}"), (uint8_t *)out, sizeof out, &n), VARCO_INVALID_CONFIG);
  char cf[17];
  CHECK_OK(varco_codice_fiscale(S("rssmra80a01h501u"), (uint8_t *)cf, sizeof cf, &n));
  CHECK(n == 16 && strcmp(cf, "RSSMRA80A01H501U") == 0);
  CHECK_RESULT(varco_codice_fiscale(S("RSSMRA80A01H501U"), (uint8_t *)cf, 16, &n), VARCO_BUFFER_TOO_SMALL);
  CHECK(n == 16);
  CHECK_RESULT(varco_codice_fiscale(S("RSSMRA80A01H501X"), (uint8_t *)cf, sizeof cf, &n), VARCO_INVALID_INPUT);
  char piva[12];
  CHECK_OK(varco_partita_iva(S("IT00743110157"), (uint8_t *)piva, sizeof piva, &n));
  CHECK(strcmp(piva, "00743110157") == 0);
  CHECK_RESULT(varco_partita_iva(NULL, 0, (uint8_t *)piva, sizeof piva, &n), VARCO_INVALID_INPUT);
}

static void test_validators(void) {
  char out[2048];
  size_t n = 0;
  CHECK_OK(varco_validate(S("mobile"), S("0039 333-1234567"), NULL, 0, (uint8_t *)out, sizeof out, &n));
  CHECK(strcmp(out, "{\"valid\":true,\"value\":\"+393331234567\"}") == 0);
  /* Every problem at once, each with its Italian and English message. */
  CHECK_OK(varco_validate(S("codice_fiscale"), S("RSSMR180Z41H5A1U"), NULL, 0, (uint8_t *)out, sizeof out, &n));
  CHECK(strstr(out, "\"valid\":false,\"field\":\"codice_fiscale\"") != NULL);
  CHECK(strstr(out, "\"code\":\"cf_letter_expected\"") && strstr(out, "\"code\":\"cf_month\"") && strstr(out, "\"code\":\"cf_check\""));
  CHECK(strstr(out, "La lettera del mese di nascita non \u00e8 valida.") || strstr(out, "La lettera del mese di nascita non è valida."));
  /* Rules: a host's own PEC domain. */
  CHECK_OK(varco_validate(S("registration_email"), S("a@pec.example.com"), S("{\"pec\":{\"extra_domains\":[\"example.com\"]}}"),
                          (uint8_t *)out, sizeof out, &n));
  CHECK(strstr(out, "email_pec") != NULL);
  /* Misuse is an error, a bad value is a verdict. */
  CHECK_RESULT(varco_validate(S("pin"), S("1"), NULL, 0, (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);
  CHECK_RESULT(varco_validate(NULL, 3, S("1"), NULL, 0, (uint8_t *)out, sizeof out, &n), VARCO_NULL_POINTER);
  CHECK_RESULT(varco_validate(S("email"), (const uint8_t *)"\xff@a.it", 6, NULL, 0, (uint8_t *)out, sizeof out, &n), VARCO_INVALID_UTF8);
  CHECK_RESULT(varco_validate(S("email"), S("a@b.it"), S("{\"pec\":{\"domains\":[\"x\"]}}"), (uint8_t *)out, sizeof out, &n),
               VARCO_INVALID_CONFIG);
  CHECK_RESULT(varco_validate(S("email"), S("a@b.it"), NULL, 0, (uint8_t *)out, 4, &n), VARCO_BUFFER_TOO_SMALL);
  CHECK(n == strlen("{\"valid\":true,\"value\":\"a@b.it\"}"));
  CHECK_OK(varco_codice_fiscale_of(S("RSSMRA80A01H501U"), S("{\"last_name\":\"Rossi\",\"sex\":\"female\"}"), (uint8_t *)out, sizeof out,
                                   &n));
  CHECK(strstr(out, "\"code\":\"cf_sex\"") && !strstr(out, "cf_surname"));
  CHECK_RESULT(varco_codice_fiscale_of(S("RSSMRA80A01H501U"), S("{\"age\":3}"), (uint8_t *)out, sizeof out, &n), VARCO_INVALID_INPUT);
}

int main(void) {
  RUN(test_version_and_names);
  RUN(test_policy_check);
  RUN(test_policy_bad_input);
  RUN(test_hashing);
  RUN(test_totp_and_hotp);
  RUN(test_recovery_codes);
  RUN(test_delivery_effects);
  RUN(test_guard_and_lifecycle);
  RUN(test_breach);
  RUN(test_throttle_travel_pepper);
  RUN(test_identifiers);
  RUN(test_validators);
  return finish("c");
}
