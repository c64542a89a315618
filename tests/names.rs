//! Every enum's `as_str` is the name its JSON carries: the tag of a tagged
//! enum, the string of a plain one. Logs, metrics and bindings can use
//! either and get the same word.

use serde::Serialize;
use varco::Timestamp;
use varco::account::LockCause;
use varco::audit::{AuditEvent, AuditKind};
use varco::effect::Effect;
use varco::guard::{Admission, Reason, RiskDecision, TravelAction};
use varco::otp::{CodeOutcome, IssueOutcome, OtpOutcome, RecoveryOutcome, ResendOutcome};

/// The name the JSON gives `v`: its `tag` field, or the string itself.
fn json_name<T: Serialize>(v: &T, tag: Option<&str>) -> String {
    let j = serde_json::to_value(v).unwrap();
    match tag {
        Some(t) => j[t].as_str().unwrap().to_owned(),
        None => j.as_str().unwrap().to_owned(),
    }
}

macro_rules! same_names {
    ($tag:expr, $($v:expr),+ $(,)?) => {
        $( assert_eq!($v.as_str(), json_name(&$v, $tag), "{:?}", $v); )+
    };
}

#[test]
fn as_str_is_the_json_name() {
    let t = Timestamp::from_unix_seconds(1);
    same_names!(
        None,
        LockCause::Location,
        TravelAction::StepUp,
        TravelAction::Block
    );
    same_names!(
        Some("outcome"),
        OtpOutcome::Accepted { drift: 1 },
        OtpOutcome::Rejected,
        OtpOutcome::Replayed
    );
    same_names!(
        Some("outcome"),
        RecoveryOutcome::Accepted { remaining: 1 },
        RecoveryOutcome::Rejected
    );
    same_names!(
        Some("outcome"),
        IssueOutcome::Sent {
            expires_at: t,
            next_resend_at: t
        },
        IssueOutcome::DailyCapReached { retry_at: t }
    );
    same_names!(
        Some("outcome"),
        CodeOutcome::Accepted,
        CodeOutcome::Wrong { attempts_left: 1 },
        CodeOutcome::Expired,
        CodeOutcome::Exhausted,
        CodeOutcome::AlreadyUsed,
        CodeOutcome::WrongPurpose
    );
    same_names!(
        Some("outcome"),
        ResendOutcome::Sent {
            expires_at: t,
            next_resend_at: t
        },
        ResendOutcome::TooSoon { retry_at: t },
        ResendOutcome::LimitReached,
        ResendOutcome::DailyCapReached { retry_at: t },
        ResendOutcome::NotPending
    );
    same_names!(
        Some("admission"),
        Admission::Allowed { attempt: 1u64 },
        Admission::<u64>::StepUp {
            reason: Reason::TooFast
        },
        Admission::<u64>::Locked {
            until: None,
            reason: Reason::TooManyFailures
        }
    );
    same_names!(
        Some("decision"),
        RiskDecision::Allow,
        RiskDecision::StepUp { speed_kmh: 1.0 },
        RiskDecision::Block { speed_kmh: 1.0 }
    );
    same_names!(
        Some("effect"),
        Effect::SendSms {
            to: "+39".into(),
            text: String::new().into()
        },
        Effect::SendEmail {
            to: "a@b".into(),
            subject: String::new(),
            body: String::new().into()
        },
        Effect::NotifyOwner {
            event: "x".into(),
            detail: String::new()
        },
        Effect::Audit(AuditEvent::new(t, AuditKind::CodeIssued, "s"))
    );
}
