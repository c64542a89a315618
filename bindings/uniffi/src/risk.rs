//! Risk signals: implausible travel between two sign-ins.

use varco::guard::{Sighting, TravelPolicy};

use crate::VarcoError;

/// What to do about a sign-in's place.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum RiskDecision {
    /// Nothing unusual.
    Allow,
    /// Ask for a second factor.
    StepUp {
        /// The implied speed, km/h.
        speed_kmh: f64,
    },
    /// Block preventively (and tell the owner: the lifecycle's
    /// `preventive_block`).
    Block {
        /// The implied speed, km/h.
        speed_kmh: f64,
    },
}

/// Compares a sign-in with the previous one. Sightings are JSON:
/// `{"at":<unix ms>,"place":{"kind":"coordinates","lat":45.46,"lon":9.19}}`
/// or `{"at":…,"place":{"kind":"country","code":"IT"}}`. `policy_json` is
/// optional (`{"max_speed_kmh":1000,"min_hours_between_countries":2,
/// "action":"step_up"}` are the defaults).
#[uniffi::export]
pub fn assess_travel(
    previous: Option<String>,
    current: String,
    policy_json: Option<String>,
) -> Result<RiskDecision, VarcoError> {
    let previous = previous.as_deref().map(Sighting::from_json).transpose()?;
    let current = Sighting::from_json(&current)?;
    let policy = match policy_json {
        None => TravelPolicy::default(),
        Some(j) => TravelPolicy::from_json(&j)?,
    };
    Ok(
        match varco::guard::assess_travel(previous.as_ref(), &current, &policy) {
            varco::guard::RiskDecision::Allow => RiskDecision::Allow,
            varco::guard::RiskDecision::StepUp { speed_kmh } => RiskDecision::StepUp { speed_kmh },
            varco::guard::RiskDecision::Block { speed_kmh } => RiskDecision::Block { speed_kmh },
        },
    )
}
