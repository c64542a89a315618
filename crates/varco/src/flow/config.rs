//! The engine's configuration (JSON) and keys.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::account::IdentifierRules;
use crate::guard::{GuardPolicies, LockoutPolicy, TravelPolicy};
use crate::hash::HashParams;
use crate::keys::KeyRing;
use crate::otp::DeliveryConfig;
use crate::policy::PasswordPolicy;

/// When a sign-in needs a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorRule {
    /// Always (the public-sector portal): an account without a method
    /// cannot sign in.
    Always,
    /// Where the owner turned it on (the mail service's "Autenticazione
    /// sicura").
    OptIn,
}

/// Everything a [`FlowEngine`](super::FlowEngine) is built from, but the
/// keys. In JSON every field may be left out and takes its default; an
/// unknown field is refused.
///
/// ```
/// use varco::flow::{EngineConfig, SecondFactorRule};
///
/// let c = EngineConfig::from_json(r#"{"second_factor":"always","flow_ttl_secs":600}"#).unwrap();
/// assert_eq!((c.second_factor, c.flow_ttl_secs), (SecondFactorRule::Always, 600));
/// assert_eq!(EngineConfig::from_json(r#"{"flow_ttl":600}"#).unwrap_err().code(), "invalid_engine_config");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Argon2id parameters for new hashes (OWASP's by default).
    pub hash: HashParams,
    /// What a new password must satisfy (a required change at sign-in;
    /// later, recovery and registration): NIST SP 800-63B's preset by
    /// default, or a policy in [`PasswordPolicy::from_json`]'s form.
    pub password_policy: PasswordPolicy,
    /// Attempt budgets per factor and per trusted device.
    pub guard: GuardPolicies,
    /// The budget of each source (an address, a device id the host passes
    /// at start).
    pub source: LockoutPolicy,
    /// Codes sent by SMS or email.
    pub delivery: DeliveryConfig,
    /// How identifiers are normalised.
    pub identifiers: IdentifierRules,
    /// When a second factor is needed.
    pub second_factor: SecondFactorRule,
    /// How long a flow lives.
    pub flow_ttl_secs: u64,
    /// How long a reservation holds before another request may adopt it.
    pub reservation_ttl_secs: u64,
    /// Days without a sign-in after which an account is dormant.
    pub dormant_after_days: u32,
    /// Padding buckets for decoys and refusals.
    pub padding_buckets: u32,
    /// What an implausible journey since the last sign-in does (the host
    /// passes the place at start): a step-up to the second factor by
    /// default, or a preventive block.
    pub travel: TravelPolicy,
    /// Days a device stays trusted after a full sign-in the host asked it
    /// to remember (`StartContext::remember_device`); 0, the default,
    /// trusts no device. A trusted device has a password budget of its
    /// own (failures elsewhere cannot lock its owner out); it never skips
    /// a factor.
    pub trusted_device_days: u32,
    /// Failures of the request's source (counted in `source`) from which
    /// each password attempt first needs a captcha the host answers
    /// ([`HostQuestion::Captcha`](super::HostQuestion)); 0, the default,
    /// never asks. It looks at the source only, never the account, so it
    /// tells nobody whether an account exists.
    pub captcha_after: u32,
    /// Argon2 runs at once, at most
    /// ([`PasswordHasher::with_max_concurrent`](crate::hash::PasswordHasher::with_max_concurrent)):
    /// set it to the cores a server gives to hashing, plus one; 0, the
    /// default, sets no limit.
    pub max_concurrent_hashes: u32,
    /// Recovery, password change and recovery-mobile enrollment (FLOWS F6,
    /// F1).
    pub recovery: RecoveryConfig,
    /// Registration (FLOWS F7).
    pub registration: RegistrationConfig,
}

/// Registration (FLOWS F7).
///
/// ```
/// use varco::flow::RegistrationConfig;
///
/// let c = RegistrationConfig::default();
/// assert!(!c.eligibility_before_proof); // asked after the SMS proof
/// assert_eq!((c.flow_ttl_secs, c.link_ttl_secs), (3600, 1800));
/// assert!(c.pec.is_pec("studio@pec.it"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Whether the host is asked if the mobile is on an eligible contract
    /// before the SMS code is sent, rather than after it is proved (the
    /// default). Before proof, the answer tells anyone who types a number
    /// whether it holds an eligible contract; a documented option for
    /// hosts that must not send codes to ineligible numbers.
    pub eligibility_before_proof: bool,
    /// How long a registration lives (it waits for an email): 10 minutes
    /// to 1 day.
    pub flow_ttl_secs: u64,
    /// How long the emailed link holds: 1 minute to the flow's life.
    pub link_ttl_secs: u64,
    /// The link's address: `{flow}` and `{token}` are replaced (the token
    /// is 64 hex digits; the host opens the flow by its id).
    pub link_url: String,
    /// The certified-mail (PEC) domains refused.
    pub pec: crate::validate::PecDomains,
    /// Whether the host is also asked "is this address PEC?" for one the
    /// list did not refuse.
    pub ask_host_pec: bool,
    /// The versions of the terms and of the privacy notice accepted,
    /// recorded in the audit event.
    pub terms_version: String,
    /// See `terms_version`.
    pub privacy_version: String,
    /// The budget of answers that reveal something after proof (a
    /// duplicate check after the first, a taken username), per mobile
    /// (`probe/<mobile>`): five, then an hour's wait growing by an hour
    /// up to a day, by default.
    pub probes: LockoutPolicy,
    /// Hours an earlier registration's owner has to refuse its cease
    /// (told on their own channels) before it happens.
    pub cease_delay_hours: u32,
    /// The address of the link emailed to that owner, to confirm or
    /// refuse the cease: `{account}` and `{token}` are replaced (the
    /// host's page gives both to `Command::ResolveCease`).
    pub cease_url: String,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        RegistrationConfig {
            eligibility_before_proof: false,
            flow_ttl_secs: 3600,
            link_ttl_secs: 1800,
            link_url: "https://example.invalid/registration/confirm?flow={flow}&token={token}"
                .into(),
            pec: crate::validate::PecDomains::default(),
            ask_host_pec: false,
            terms_version: "1".into(),
            privacy_version: "1".into(),
            // Five answers, then an hour's wait, an hour longer each time
            // up to a day; never a lock for good (the mobile's owner must
            // be able to register one day).
            probes: LockoutPolicy {
                threshold: 5,
                backoff: crate::guard::Backoff::Linear {
                    base: std::time::Duration::from_secs(3600),
                },
                max_wait: std::time::Duration::from_secs(24 * 3600),
                min_interval: std::time::Duration::ZERO,
                ..LockoutPolicy::never_for_good()
            },
            cease_delay_hours: 72,
            cease_url: "https://example.invalid/registration/cease?account={account}&token={token}"
                .into(),
        }
    }
}

impl RegistrationConfig {
    /// Checks the bounds.
    ///
    /// # Errors
    /// [`Error::InvalidEngineConfig`] for a value out of range, a link
    /// address without `{flow}` and `{token}` (a cease's without
    /// `{account}` and `{token}`), or empty versions.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidEngineConfig(format!("registration: {m}")));
        if !(600..=24 * 3600).contains(&self.flow_ttl_secs) {
            return bad("flow_ttl_secs: 600 to 86400");
        }
        if !(60..=self.flow_ttl_secs).contains(&self.link_ttl_secs) {
            return bad("link_ttl_secs: 60 to flow_ttl_secs");
        }
        if !self.link_url.contains("{flow}")
            || !self.link_url.contains("{token}")
            || self.link_url.len() > 2048
        {
            return bad("link_url: up to 2048 bytes with {flow} and {token}");
        }
        if !link_template(&self.cease_url) {
            return bad("cease_url: up to 2048 bytes with {account} and {token}");
        }
        for v in [&self.terms_version, &self.privacy_version] {
            if v.is_empty() || v.len() > 64 {
                return bad("terms_version, privacy_version: 1 to 64 bytes");
            }
        }
        if self.cease_delay_hours > 24 * 366 {
            return bad("cease_delay_hours: 0 to 8784");
        }
        self.probes.validate()?;
        self.pec.clone().checked()?;
        Ok(())
    }
}

/// Recovery (FLOWS F6) and the sensitive flows a session opens.
///
/// ```
/// use varco::account::IdentifierKind;
/// use varco::flow::RecoveryConfig;
///
/// let c = RecoveryConfig::default();
/// assert!(c.question); // the portals' secret question: legacy, on
/// assert!(!RecoveryConfig::nist().question);
/// assert!(c.identify_by.contains(&IdentifierKind::CodiceFiscale));
/// assert_eq!(c.mobile_hold_hours, 72);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecoveryConfig {
    /// The kinds a reset may identify the account by (the portal offers
    /// three modes: username or email, a phone number, the codice
    /// fiscale). `identify` (username or email) is always taken.
    pub identify_by: Vec<crate::account::IdentifierKind>,
    /// Whether the secret question is a rung of the reset ladder (legacy:
    /// ASVS 6.4.2; off in [`RecoveryConfig::nist`]).
    pub question: bool,
    /// The catalogue of question ids (the host holds their texts). A
    /// decoy, or an account without a question, is asked one of these,
    /// chosen by a keyed hash of the identifier (the same one every time).
    pub questions: Vec<String>,
    /// How long a new recovery mobile is held before it serves a recovery
    /// (0: at once).
    pub mobile_hold_hours: u32,
    /// The address of the link that cancels a recovery mobile change,
    /// sent to the old number and the account's email: `{account}` and
    /// `{token}` are replaced (the host's page gives both to
    /// `Command::CancelMobileChange`).
    pub cancel_url: String,
    /// How old a session grant may be, at most, to open a password change
    /// or a recovery-mobile enrollment (a host may ask for younger).
    pub sensitive_max_age_secs: u64,
    /// The level a session grant needs, at least, to open them (1 or 2; a
    /// host may ask for more).
    pub sensitive_level: u8,
    /// Whether a recovery's code screen shows where the code went, masked
    /// (`+39*******567`). Off by default (ENGINE §6.22): before proof, a
    /// decoy's made-up mask gives itself away to anyone who knows the
    /// owner's number. A documented trade-off for hosts that want it.
    pub show_masks: bool,
    /// How long an operator's temporary password signs in (hours, 1 to
    /// 720); the owner's own password replaces it at the first sign-in.
    pub temporary_password_hours: u32,
    /// Whether a username recovery is offered at all.
    pub username_recovery: bool,
    /// Mail domains whose addresses may not recover a username (the seed's
    /// portal refuses it for one of its own): lower case, without `@`.
    pub username_excluded_domains: Vec<String>,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        use crate::account::IdentifierKind as K;
        RecoveryConfig {
            identify_by: vec![
                K::Username,
                K::Email,
                K::Mobile,
                K::FixedNumber,
                K::CodiceFiscale,
            ],
            question: true,
            questions: [
                "mother_maiden_name",
                "first_pet",
                "birth_city",
                "first_school",
                "favourite_teacher",
                "childhood_friend",
            ]
            .map(String::from)
            .to_vec(),
            mobile_hold_hours: 72,
            cancel_url: "https://example.invalid/recovery/cancel?account={account}&token={token}"
                .into(),
            sensitive_max_age_secs: 15 * 60,
            sensitive_level: 1,
            show_masks: false,
            temporary_password_hours: 72,
            username_recovery: true,
            username_excluded_domains: Vec::new(),
        }
    }
}

impl RecoveryConfig {
    /// NIST SP 800-63B: no secret question (5.1.1.2: no knowledge-based
    /// prompts).
    pub fn nist() -> Self {
        RecoveryConfig {
            question: false,
            ..Self::default()
        }
    }

    /// Checks the bounds.
    ///
    /// # Errors
    /// [`Error::InvalidEngineConfig`] for an empty catalogue, an id that is
    /// empty or over 64 bytes, a hold over a year, a cancel link address
    /// without `{account}` and `{token}`, a maximum age outside 1 minute to
    /// 1 day, or a level other than 1 or 2.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidEngineConfig(format!("recovery: {m}")));
        if self.questions.is_empty()
            || self.questions.len() > 256
            || self.questions.iter().any(|q| q.is_empty() || q.len() > 64)
        {
            return bad("questions: 1 to 256 ids of 1 to 64 bytes");
        }
        if !(1..=720).contains(&self.temporary_password_hours) {
            return bad("temporary_password_hours: 1 to 720");
        }
        if self.mobile_hold_hours > 24 * 366 {
            return bad("mobile_hold_hours: 0 to 8784");
        }
        if !link_template(&self.cancel_url) {
            return bad("cancel_url: up to 2048 bytes with {account} and {token}");
        }
        if !(60..=24 * 3600).contains(&self.sensitive_max_age_secs) {
            return bad("sensitive_max_age_secs: 60 to 86400");
        }
        if !(1..=2).contains(&self.sensitive_level) {
            return bad("sensitive_level: 1 or 2");
        }
        if self.username_excluded_domains.len() > 256
            || self
                .username_excluded_domains
                .iter()
                .any(|d| d.is_empty() || d.len() > 253 || d.contains('@') || *d != d.to_lowercase())
        {
            return bad("username_excluded_domains: up to 256 lower-case domains without @");
        }
        Ok(())
    }
}

/// Whether `url` is a link to an account's owner: up to 2048 bytes, with
/// `{account}` and `{token}`.
fn link_template(url: &str) -> bool {
    url.contains("{account}") && url.contains("{token}") && url.len() <= 2048
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            hash: HashParams::default(),
            password_policy: PasswordPolicy::default(),
            guard: engine_guard_policies(),
            // One address may be a whole office behind NAT: twenty
            // failures before a wait, never a lock for good, and no
            // quick-succession rule (colleagues sign in at nine together).
            source: LockoutPolicy {
                threshold: 20,
                min_interval: std::time::Duration::ZERO,
                ..LockoutPolicy::never_for_good()
            },
            delivery: DeliveryConfig::new("varco"),
            identifiers: IdentifierRules::default(),
            second_factor: SecondFactorRule::OptIn,
            flow_ttl_secs: 15 * 60,
            reservation_ttl_secs: 30,
            dormant_after_days: 180,
            padding_buckets: 1024,
            travel: TravelPolicy::default(),
            trusted_device_days: 0,
            captcha_after: 0,
            max_concurrent_hashes: 0,
            recovery: RecoveryConfig::default(),
            registration: RegistrationConfig::default(),
        }
    }
}

/// The guard's defaults without the quick-succession rule for passwords:
/// counted first, a sign-in's reservation is a failure until it passes, so
/// the rule would refuse the second of two right passwords given at once
/// (ENGINE §6.3). The threshold and its backoff still bound guessing.
fn engine_guard_policies() -> GuardPolicies {
    let mut g = GuardPolicies::default();
    g.password.min_interval = std::time::Duration::ZERO;
    g.device.min_interval = std::time::Duration::ZERO;
    g.second_factor.min_interval = std::time::Duration::ZERO;
    // A reset code or an answer typed again at once is a typo, not a
    // script: the recovery budget's threshold bounds the guesses.
    g.recovery.min_interval = std::time::Duration::ZERO;
    g
}

impl EngineConfig {
    /// Loads and validates a configuration.
    ///
    /// # Errors
    /// [`Error::InvalidEngineConfig`] for malformed JSON, an unknown field
    /// or a value out of range; the nested policies' own errors for theirs.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let c: EngineConfig = crate::error::parse_config(json, Error::InvalidEngineConfig)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks every value.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidEngineConfig(m.to_owned()));
        self.guard.validate()?;
        self.source.validate()?;
        self.delivery.validate()?;
        self.recovery.validate()?;
        self.registration.validate()?;
        if !(60..=24 * 3600).contains(&self.flow_ttl_secs) {
            return bad("flow_ttl_secs: 60 to 86400");
        }
        if !(5..=300).contains(&self.reservation_ttl_secs) {
            return bad("reservation_ttl_secs: 5 to 300");
        }
        if !(1..=3650).contains(&self.dormant_after_days) {
            return bad("dormant_after_days: 1 to 3650");
        }
        if self.trusted_device_days > 400 {
            return bad("trusted_device_days: 0 to 400");
        }
        if self.captcha_after > 10_000 {
            return bad("captcha_after: 0 (never) to 10000");
        }
        if !(1..=1 << 20).contains(&self.padding_buckets) {
            return bad("padding_buckets: 1 to 1048576");
        }
        Ok(())
    }
}

/// The engine's keys: each a [`KeyRing`] (the first key current, the
/// others still accepted), so that keys rotate without a restart.
pub struct EngineKeys {
    /// Keys of the codes sent by SMS or email.
    pub codes: KeyRing,
    /// Keys that seal stored authenticator secrets.
    pub sealing: KeyRing,
    /// The decoy key: derives decoy subjects and padding buckets. It must
    /// never rotate (a decoy must stay the same decoy).
    pub decoy: KeyRing,
    /// Password peppers, if any.
    pub peppers: Option<KeyRing>,
}

impl std::fmt::Debug for EngineKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineKeys(<redacted>)")
    }
}
