//! Every enum mirrored from the core crosses the FFI and comes back equal:
//! each variant lowered into UniFFI's buffer and lifted again. The `index`
//! functions are exhaustive matches, so a variant added to the core without
//! a sample here is a compile error, and the test checks that the samples
//! cover every index.

use uniffi::{Lift, Lower};
use varco::Timestamp;
use varco::account::{AccountState, LifecycleEvent, LockCause};
use varco::audit::AuditKind;
use varco::guard::{Factor, Reason};
use varco::otp::{
    Algorithm, Channel, CodeOutcome, IssueOutcome, OtpOutcome, Purpose, RecoveryOutcome,
    ResendOutcome,
};

use crate::UniFfiTag;

fn round_trip<T>(value: &T) -> T
where
    T: Clone + Lower<UniFfiTag> + Lift<UniFfiTag>,
{
    let buf = <T as Lower<UniFfiTag>>::lower_into_rust_buffer(value.clone());
    <T as Lift<UniFfiTag>>::try_lift_from_rust_buffer(buf).expect("lifts back")
}

/// Each sample comes back equal, and the samples cover every variant.
fn check<T>(samples: &[T], index: fn(&T) -> usize, variants: usize)
where
    T: Clone + PartialEq + std::fmt::Debug + Lower<UniFfiTag> + Lift<UniFfiTag>,
{
    let mut seen = vec![false; variants];
    for s in samples {
        assert_eq!(&round_trip(s), s);
        seen[index(s)] = true;
    }
    assert!(seen.iter().all(|&x| x), "a variant has no sample: {seen:?}");
}

fn t(ms: u64) -> Timestamp {
    Timestamp::from_unix_millis(ms)
}

#[test]
fn unit_enums_round_trip_every_variant() {
    check(
        &[Factor::Password, Factor::SecondFactor, Factor::Recovery],
        |v| match v {
            Factor::Password => 0,
            Factor::SecondFactor => 1,
            Factor::Recovery => 2,
        },
        3,
    );
    check(
        &[Reason::TooManyFailures, Reason::TooFast],
        |v| match v {
            Reason::TooManyFailures => 0,
            Reason::TooFast => 1,
        },
        2,
    );
    check(
        &[
            Purpose::Login,
            Purpose::Registration,
            Purpose::Recovery,
            Purpose::Enrollment,
            Purpose::PasswordChange,
            Purpose::Activation,
            Purpose::EmailVerification,
        ],
        |v| match v {
            Purpose::Login => 0,
            Purpose::Registration => 1,
            Purpose::Recovery => 2,
            Purpose::Enrollment => 3,
            Purpose::PasswordChange => 4,
            Purpose::Activation => 5,
            Purpose::EmailVerification => 6,
        },
        7,
    );
    check(
        &[Channel::Sms, Channel::Email],
        |v| match v {
            Channel::Sms => 0,
            Channel::Email => 1,
        },
        2,
    );
    check(
        &[Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512],
        |v| match v {
            Algorithm::Sha1 => 0,
            Algorithm::Sha256 => 1,
            Algorithm::Sha512 => 2,
        },
        3,
    );
    check(
        &[LockCause::Location],
        |v| match v {
            LockCause::Location => 0,
        },
        1,
    );
    // The long lists are the core's own `ALL`, each variant distinct.
    check(
        &varco::ErrorCode::ALL,
        |v| {
            varco::ErrorCode::ALL
                .iter()
                .position(|x| x == v)
                .unwrap_or(0)
        },
        varco::ErrorCode::ALL.len(),
    );
    check(
        &AuditKind::ALL,
        |v| AuditKind::ALL.iter().position(|x| x == v).unwrap_or(0),
        AuditKind::ALL.len(),
    );
}

#[test]
fn data_enums_round_trip_every_variant_with_its_fields() {
    check(
        &[
            IssueOutcome::Sent {
                expires_at: t(300_000),
                next_resend_at: t(30_000),
            },
            IssueOutcome::DailyCapReached {
                retry_at: t(86_400_000),
            },
        ],
        |v| match v {
            IssueOutcome::Sent { .. } => 0,
            IssueOutcome::DailyCapReached { .. } => 1,
        },
        2,
    );
    check(
        &[
            CodeOutcome::Accepted,
            CodeOutcome::Wrong { attempts_left: 4 },
            CodeOutcome::Expired,
            CodeOutcome::Exhausted,
            CodeOutcome::AlreadyUsed,
            CodeOutcome::WrongPurpose,
        ],
        |v| match v {
            CodeOutcome::Accepted => 0,
            CodeOutcome::Wrong { .. } => 1,
            CodeOutcome::Expired => 2,
            CodeOutcome::Exhausted => 3,
            CodeOutcome::AlreadyUsed => 4,
            CodeOutcome::WrongPurpose => 5,
        },
        6,
    );
    check(
        &[
            ResendOutcome::Sent {
                expires_at: t(1),
                next_resend_at: t(2),
            },
            ResendOutcome::TooSoon { retry_at: t(3) },
            ResendOutcome::LimitReached,
            ResendOutcome::DailyCapReached { retry_at: t(4) },
            ResendOutcome::NotPending,
        ],
        |v| match v {
            ResendOutcome::Sent { .. } => 0,
            ResendOutcome::TooSoon { .. } => 1,
            ResendOutcome::LimitReached => 2,
            ResendOutcome::DailyCapReached { .. } => 3,
            ResendOutcome::NotPending => 4,
        },
        5,
    );
    check(
        &[
            AccountState::PendingActivation,
            AccountState::Active,
            AccountState::Locked {
                cause: LockCause::Location,
            },
            AccountState::Dormant,
            AccountState::Expired,
            AccountState::Suspended,
            AccountState::Ceased,
        ],
        |v| match v {
            AccountState::PendingActivation => 0,
            AccountState::Active => 1,
            AccountState::Locked { .. } => 2,
            AccountState::Dormant => 3,
            AccountState::Expired => 4,
            AccountState::Suspended => 5,
            AccountState::Ceased => 6,
        },
        7,
    );
    check(
        &[
            LifecycleEvent::Activate,
            LifecycleEvent::PreventiveBlock {
                detail: "Roma → New York in 1 h".into(),
            },
            LifecycleEvent::Inactivity,
            LifecycleEvent::SubscriptionExpired,
            LifecycleEvent::OperatorBlock {
                operator: "op-7".into(),
                reason: "frode".into(),
            },
            LifecycleEvent::Cease {
                reason: "closed".into(),
            },
            LifecycleEvent::RecoveryCompleted,
            LifecycleEvent::OperatorUnblock {
                operator: "op-7".into(),
            },
            LifecycleEvent::SubscriptionRenewed,
        ],
        |v| match v {
            LifecycleEvent::Activate => 0,
            LifecycleEvent::PreventiveBlock { .. } => 1,
            LifecycleEvent::Inactivity => 2,
            LifecycleEvent::SubscriptionExpired => 3,
            LifecycleEvent::OperatorBlock { .. } => 4,
            LifecycleEvent::Cease { .. } => 5,
            LifecycleEvent::RecoveryCompleted => 6,
            LifecycleEvent::OperatorUnblock { .. } => 7,
            LifecycleEvent::SubscriptionRenewed => 8,
        },
        9,
    );
    check(
        &[
            OtpOutcome::Accepted { drift: -1 },
            OtpOutcome::Rejected,
            OtpOutcome::Replayed,
        ],
        |v| match v {
            OtpOutcome::Accepted { .. } => 0,
            OtpOutcome::Rejected => 1,
            OtpOutcome::Replayed => 2,
        },
        3,
    );
    check(
        &[
            RecoveryOutcome::Accepted { remaining: 9 },
            RecoveryOutcome::Rejected,
        ],
        |v| match v {
            RecoveryOutcome::Accepted { .. } => 0,
            RecoveryOutcome::Rejected => 1,
        },
        2,
    );
}

/// A time crosses as signed milliseconds and comes back equal, up to the
/// last time varco accepts.
#[test]
fn timestamps_round_trip() {
    for ms in [0, 1, 1_700_000_000_123, Timestamp::LATEST.as_unix_millis()] {
        assert_eq!(round_trip(&t(ms)), t(ms));
    }
}
