//! The C entry points, driven as a C caller would: arbitrary bytes (often
//! not UTF-8) as text and saved state, arbitrary buffer capacities, NULL
//! pointers. Every call must return a result code (never panic, never
//! write past `cap`), and output must be NUL-terminated within `cap`.
#![no_main]
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use varco_c::*;

/// Splits the input into fields at 0xFF bytes.
fn fields(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == 0xFF).collect()
}

/// A field, or NULL when it is the single byte 0xFE.
fn ptr(f: &[u8]) -> *const u8 {
    if f == [0xFE] { null() } else { f.as_ptr() }
}

fn field<'a>(f: &[&'a [u8]], i: usize) -> &'a [u8] {
    f.get(i).copied().unwrap_or(b"")
}

/// Checks a text output: OK means NUL-terminated at `written` within `cap`.
fn checked(r: varco_result, buf: &[u8], cap: usize, written: usize) {
    match r {
        varco_result::VARCO_OK => {
            assert!(written < cap, "written {written} with cap {cap}");
            assert_eq!(buf[written], 0);
        }
        varco_result::VARCO_BUFFER_TOO_SMALL => assert!(written + 1 > cap),
        varco_result::VARCO_INTERNAL => panic!("a panic reached the boundary"),
        _ => {}
    }
}

fn drain(step: *mut varco_step) {
    let mut buf = [0u8; 4096];
    let mut n = 0;
    unsafe {
        for cap in [0, 1, 64, buf.len()] {
            checked(
                varco_step_outcome(step, buf.as_mut_ptr(), cap, &mut n),
                &buf,
                cap,
                n,
            );
            checked(
                varco_step_state(step, buf.as_mut_ptr(), cap, &mut n),
                &buf,
                cap,
                n,
            );
            checked(
                varco_step_budget(step, buf.as_mut_ptr(), cap, &mut n),
                &buf,
                cap,
                n,
            );
        }
        for i in 0..=varco_step_effect_count(step) {
            let r = varco_step_effect(step, i, buf.as_mut_ptr(), buf.len(), &mut n);
            checked(r, &buf, buf.len(), n);
        }
        varco_step_free(step);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let f = fields(rest);
    let (a, b, c) = (field(&f, 0), field(&f, 1), field(&f, 2));
    let cap = usize::from(op >> 4) * 37;
    let mut buf = vec![0u8; cap.max(1)];
    let mut n = 0usize;
    let mut step: *mut varco_step = null_mut();
    let now_i = 1_800_000_000_000i64;
    const KEY: [u8; 32] = [7; 32];
    unsafe {
        let r = match op & 0x0F {
            0 => {
                let mut p = null_mut();
                let r = varco_policy_from_json(ptr(a), a.len(), &mut p);
                let p = if r == varco_result::VARCO_OK {
                    p
                } else {
                    let _ = varco_policy_preset(b"nist".as_ptr(), 4, &mut p);
                    p
                };
                let r = varco_policy_check(
                    p,
                    null(),
                    ptr(b),
                    b.len(),
                    ptr(c),
                    c.len(),
                    b"en".as_ptr(),
                    2,
                    buf.as_mut_ptr(),
                    cap,
                    &mut n,
                );
                checked(r, &buf, cap, n);
                varco_policy_free(p);
                r
            }
            1 => {
                let mut h = null_mut();
                assert_eq!(varco_hasher_new(8, 1, 1, &mut h), varco_result::VARCO_OK);
                let (mut v, mut x) = (false, false);
                let r = varco_hasher_verify(h, ptr(a), a.len(), ptr(b), b.len(), &mut v, &mut x);
                varco_hasher_free(h);
                r
            }
            2 => {
                let mut d = null_mut();
                let r = varco_delivery_new(
                    ptr(a),
                    a.len(),
                    b"k".as_ptr(),
                    1,
                    KEY.as_ptr(),
                    KEY.len(),
                    &mut d,
                );
                if r == varco_result::VARCO_OK {
                    let r = varco_challenge_issue(
                        d,
                        ptr(b),
                        b.len(),
                        b"sms".as_ptr(),
                        3,
                        ptr(c),
                        c.len(),
                        null(),
                        0,
                        now_i,
                        &mut step,
                    );
                    if r == varco_result::VARCO_OK {
                        drain(step);
                    }
                }
                varco_delivery_free(d);
                r
            }
            3 => {
                let mut d = null_mut();
                assert_eq!(
                    varco_delivery_new(
                        b"{}".as_ptr(),
                        2,
                        b"k".as_ptr(),
                        1,
                        KEY.as_ptr(),
                        KEY.len(),
                        &mut d
                    ),
                    varco_result::VARCO_OK
                );
                let r = varco_challenge_verify(
                    d,
                    ptr(a),
                    a.len(),
                    ptr(b),
                    b.len(),
                    b"login".as_ptr(),
                    5,
                    now_i,
                    &mut step,
                );
                if r == varco_result::VARCO_OK {
                    drain(step);
                }
                let r2 =
                    varco_challenge_resend(d, ptr(a), a.len(), ptr(c), c.len(), now_i, &mut step);
                if r2 == varco_result::VARCO_OK {
                    drain(step);
                }
                varco_delivery_free(d);
                r
            }
            4 => {
                let mut g = null_mut();
                let r = varco_guard_new(ptr(a), a.len(), &mut g);
                if r != varco_result::VARCO_OK {
                    assert_eq!(
                        varco_guard_new(b"{}".as_ptr(), 2, &mut g),
                        varco_result::VARCO_OK
                    );
                }
                if varco_guard_begin(
                    g,
                    ptr(b),
                    b.len(),
                    ptr(c),
                    c.len(),
                    null(),
                    0,
                    now_i,
                    &mut step,
                ) == varco_result::VARCO_OK
                {
                    drain(step);
                }
                for call in [
                    varco_guard_failed,
                    varco_guard_succeed,
                    varco_guard_trust_device,
                ] {
                    if call(g, ptr(b), b.len(), ptr(c), c.len(), now_i, &mut step)
                        == varco_result::VARCO_OK
                    {
                        drain(step);
                    }
                }
                if varco_guard_unlock(g, ptr(b), b.len(), ptr(c), c.len(), now_i, &mut step)
                    == varco_result::VARCO_OK
                {
                    drain(step);
                }
                varco_guard_free(g);
                r
            }
            5 => {
                let mut k = null_mut();
                assert_eq!(
                    varco_sealing_keys_new(b"k".as_ptr(), 1, KEY.as_ptr(), KEY.len(), &mut k),
                    varco_result::VARCO_OK
                );
                let r = varco_totp_verify(
                    k,
                    ptr(c),
                    c.len(),
                    ptr(a),
                    a.len(),
                    ptr(b),
                    b.len(),
                    now_i,
                    &mut step,
                );
                if r == varco_result::VARCO_OK {
                    drain(step);
                }
                if varco_hotp_verify(
                    k,
                    ptr(c),
                    c.len(),
                    ptr(a),
                    a.len(),
                    ptr(b),
                    b.len(),
                    10,
                    now_i,
                    &mut step,
                ) == varco_result::VARCO_OK
                {
                    drain(step);
                }
                varco_sealing_keys_free(k);
                r
            }
            6 => {
                let r = varco_otpauth_parse(ptr(a), a.len(), buf.as_mut_ptr(), cap, &mut n);
                checked(r, &buf, cap, n);
                // `b` as the configuration JSON: fuzzed too.
                let r = varco_totp_code(
                    ptr(a),
                    a.len(),
                    now_i,
                    ptr(b),
                    b.len(),
                    buf.as_mut_ptr(),
                    cap,
                    &mut n,
                );
                checked(r, &buf, cap, n);
                r
            }
            7 => {
                let r = varco_lifecycle_apply(ptr(a), a.len(), ptr(b), b.len(), now_i, &mut step);
                if r == varco_result::VARCO_OK {
                    drain(step);
                }
                r
            }
            8 => {
                let mut h = null_mut();
                assert_eq!(varco_hasher_new(8, 1, 1, &mut h), varco_result::VARCO_OK);
                let r =
                    varco_recovery_redeem(h, ptr(a), a.len(), ptr(b), b.len(), now_i, &mut step);
                if r == varco_result::VARCO_OK {
                    drain(step);
                }
                varco_hasher_free(h);
                r
            }
            9 => {
                let mut count = 0u64;
                let r = varco_breach_count(ptr(a), a.len(), ptr(b), b.len(), &mut count);
                let r2 = varco_breach_prefix(ptr(a), a.len(), buf.as_mut_ptr(), cap, &mut n);
                checked(r2, &buf, cap, n);
                r
            }
            10 => {
                let mut t = null_mut();
                assert_eq!(
                    varco_throttle_new(b"{}".as_ptr(), 2, &mut t),
                    varco_result::VARCO_OK
                );
                let r = varco_throttle_begin(t, ptr(a), a.len(), now_i, &mut step);
                if r == varco_result::VARCO_OK {
                    drain(step);
                }
                if varco_throttle_succeed(t, ptr(a), a.len(), ptr(b), b.len(), now_i, &mut step)
                    == varco_result::VARCO_OK
                {
                    drain(step);
                }
                varco_throttle_free(t);
                let r2 = varco_assess_travel(
                    ptr(b),
                    b.len(),
                    ptr(c),
                    c.len(),
                    null(),
                    0,
                    buf.as_mut_ptr(),
                    cap,
                    &mut n,
                );
                checked(r2, &buf, cap, n);
                r
            }
            _ => varco_last_error(buf.as_mut_ptr(), cap, &mut n),
        };
        assert_ne!(
            r,
            varco_result::VARCO_INTERNAL,
            "a panic reached the boundary"
        );
    }
});
