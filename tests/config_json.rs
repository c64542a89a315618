//! Configuration and stored records refuse unknown keys at every depth: a
//! misspelt field is an error, never a silent default (issue 11). Each test
//! takes a valid JSON document, adds an unknown key to each of its objects
//! in turn, and expects the loader to refuse every one of them.

use serde_json::Value;
use varco::Timestamp;
use varco::account::{Lifecycle, LifecycleEvent};
use varco::guard::{AccountGuard, Factor, GuardPolicies, LockoutPolicy, TravelPolicy};
use varco::otp::DeliveryConfig;
use varco::policy::{PasswordPolicy, Preset};
use varco::record::Stored;

/// Every copy of `doc` with one unknown key added to one of its objects.
fn with_one_unknown_key(doc: &Value) -> Vec<Value> {
    fn paths(v: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                out.push(here.clone());
                for (k, x) in m {
                    let mut p = here.clone();
                    p.push(k.clone());
                    paths(x, p, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let mut p = here.clone();
                    p.push(i.to_string());
                    paths(x, p, out);
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    paths(doc, Vec::new(), &mut all);
    all.into_iter()
        .map(|path| {
            let mut d = doc.clone();
            let mut node = &mut d;
            for step in &path {
                node = match node {
                    Value::Object(m) => m.get_mut(step).unwrap(),
                    Value::Array(a) => &mut a[step.parse::<usize>().unwrap()],
                    _ => unreachable!(),
                };
            }
            node.as_object_mut()
                .unwrap()
                .insert("surprise".into(), Value::from(1));
            d
        })
        .collect()
}

fn refuses_every_unknown_key(what: &str, json: &str, load: impl Fn(&str) -> bool) {
    assert!(load(json), "{what}: the document itself must load");
    let doc: Value = serde_json::from_str(json).unwrap();
    let variants = with_one_unknown_key(&doc);
    assert!(!variants.is_empty());
    for v in variants {
        let text = v.to_string();
        assert!(!load(&text), "{what}: accepted an unknown key: {text}");
    }
}

#[test]
fn policies_refuse_unknown_keys_at_every_depth() {
    for preset in Preset::ALL {
        let json = PasswordPolicy::preset(preset).to_json();
        refuses_every_unknown_key(preset.name(), &json, |j| {
            PasswordPolicy::from_json(j).is_ok()
        });
    }
    // Every rule and every character set, the field-less ones included.
    for set in [
        r#"{"kind":"printable"}"#,
        r#"{"kind":"ascii_printable"}"#,
        r#"{"kind":"ascii","specials":"!?"}"#,
    ] {
        let every_rule = format!(
            r#"{{"version":1,"rules":[
                {{"rule":"length","min":8,"max":64}},
                {{"rule":"allowed_characters","set":{set}}},
                {{"rule":"not_current"}},
                {{"rule":"confirmation"}}
            ]}}"#
        );
        refuses_every_unknown_key("every rule", &every_rule, |j| {
            PasswordPolicy::from_json(j).is_ok()
        });
    }
}

#[test]
fn delivery_guard_and_travel_configurations_refuse_unknown_keys() {
    let delivery = serde_json::to_string(&DeliveryConfig::new("Esempio")).unwrap();
    refuses_every_unknown_key("delivery", &delivery, |j| {
        DeliveryConfig::from_json(j).is_ok()
    });
    let guard = serde_json::to_string(&GuardPolicies::default()).unwrap();
    refuses_every_unknown_key("guard", &guard, |j| GuardPolicies::from_json(j).is_ok());
    let lockout = serde_json::to_string(&LockoutPolicy::default()).unwrap();
    refuses_every_unknown_key("lockout", &lockout, |j| LockoutPolicy::from_json(j).is_ok());
    let travel = serde_json::to_string(&TravelPolicy::default()).unwrap();
    refuses_every_unknown_key("travel", &travel, |j| {
        serde_json::from_str::<TravelPolicy>(j).is_ok()
    });
    for event in [
        r#"{"event":"activate"}"#,
        r#"{"event":"operator_block","operator":"o","reason":"r"}"#,
    ] {
        refuses_every_unknown_key("event", event, |j| {
            serde_json::from_str::<LifecycleEvent>(j).is_ok()
        });
    }
}

#[test]
fn stored_records_refuse_unknown_keys_at_every_depth() {
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let g = Stored::new(AccountGuard::new());
    let g = g.trust_device("phone", now).unwrap().state_or(g);
    let g = g
        .begin(&GuardPolicies::default(), Factor::Password, None, now)
        .unwrap()
        .state_or(g);
    refuses_every_unknown_key("guard record", &g.to_json(), |j| {
        Stored::<AccountGuard>::from_json(j).is_ok()
    });
    let l = Lifecycle::create(now).unwrap().writes.unwrap().record;
    refuses_every_unknown_key("lifecycle record", &l.to_json(), |j| {
        Stored::<Lifecycle>::from_json(j).is_ok()
    });
}

/// Every configuration loader: its code for each failure (too big, not
/// JSON, a misspelt key, a bad value).
type Loader = fn(&str) -> Option<varco::Error>;

fn config_loaders() -> [(&'static str, Loader); 4] {
    [
        ("invalid_policy", |j| PasswordPolicy::from_json(j).err()),
        ("invalid_otp_config", |j| DeliveryConfig::from_json(j).err()),
        ("invalid_guard_policy", |j| {
            GuardPolicies::from_json(j).err()
        }),
        ("invalid_guard_policy", |j| {
            LockoutPolicy::from_json(j).err()
        }),
    ]
}

/// Every configuration loader checks the size before parsing.
#[test]
fn oversized_configurations_are_refused_before_parsing() {
    // Valid JSON, just too big: whitespace after an empty object.
    let big = format!("{{}}{}", " ".repeat(varco::error::MAX_CONFIG_BYTES));
    for (code, loader) in config_loaders() {
        let e = loader(&big).expect("refused");
        assert_eq!(e.code(), code);
        assert!(
            e.to_string().contains("at most"),
            "refused for its size: {e}"
        );
    }
}

/// A broken configuration file is the host's configuration to fix, under
/// the loader's own code: never `deserialize`, which says a stored record
/// is unusable.
#[test]
fn a_broken_configuration_is_a_configuration_error_not_an_unusable_record() {
    for (code, loader) in config_loaders() {
        for bad in ["", "{", "[1,2]", "{\"no_such_key\":1}", "null", "\"text\""] {
            let e = loader(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.code(), code, "{bad:?}: {e}");
            assert_eq!(e.action(), varco::ErrorAction::FixConfiguration, "{bad:?}");
        }
    }
    let newer = PasswordPolicy::from_json(r#"{"version":2,"rules":[]}"#).unwrap_err();
    assert_eq!(
        newer.action(),
        varco::ErrorAction::FixConfiguration,
        "{newer}"
    );
}
