//! Risk signals: a sign-in from a place too far from the previous one for
//! the time elapsed (a VPN in another country, stolen credentials).

use serde::{Deserialize, Serialize};

use crate::{Error, Timestamp};

/// Where a sign-in came from, as the host knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Place {
    /// Coordinates (e.g. from IP geolocation), in degrees.
    Coordinates {
        /// Latitude, −90 to 90.
        lat: f64,
        /// Longitude, −180 to 180.
        lon: f64,
    },
    /// Only the country (ISO 3166-1 alpha-2).
    Country {
        /// The code, e.g. "IT".
        code: String,
    },
}

/// A sign-in's time and place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sighting {
    /// When.
    pub at: Timestamp,
    /// Where.
    pub place: Place,
}

impl Place {
    /// Reads a place the host passes in as JSON
    /// (`{"kind":"coordinates","lat":45.46,"lon":9.19}` or
    /// `{"kind":"country","code":"IT"}`).
    ///
    /// ```
    /// use varco::guard::Place;
    ///
    /// assert!(Place::from_json(r#"{"kind":"country","code":"IT"}"#).is_ok());
    /// assert_eq!(Place::from_json(r#"{"kind":"coordinates","lat":91,"lon":0}"#).unwrap_err().code(), "invalid_input");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON, an unknown field, or
    /// coordinates off the globe.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: Place = crate::error::input_from_json(json, "place")?;
        if let Place::Coordinates { lat, lon } = p
            && !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
        {
            return Err(Error::InvalidInput(format!(
                "place: coordinates {lat}, {lon} are off the globe"
            )));
        }
        Ok(p)
    }
}

impl Sighting {
    /// Reads a sighting the host passes in as JSON
    /// (`{"at":<unix ms>,"place":{"kind":"country","code":"IT"}}`).
    ///
    /// ```
    /// use varco::guard::Sighting;
    ///
    /// assert!(Sighting::from_json(r#"{"at":0,"place":{"kind":"country","code":"IT"}}"#).is_ok());
    /// let far = r#"{"at":0,"place":{"kind":"coordinates","lat":91,"lon":0}}"#;
    /// assert_eq!(Sighting::from_json(far).unwrap_err().code(), "invalid_input");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed JSON, an unknown field, or
    /// coordinates off the globe.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let s: Sighting = crate::error::input_from_json(json, "sighting")?;
        if let Place::Coordinates { lat, lon } = s.place
            && !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
        {
            return Err(Error::InvalidInput(format!(
                "sighting: coordinates {lat}, {lon} are off the globe"
            )));
        }
        Ok(s)
    }
}

/// What to do about an implausible journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TravelAction {
    /// Ask for a second factor.
    StepUp,
    /// Block preventively (and notify the owner).
    Block,
}

impl TravelAction {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"step_up"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            TravelAction::StepUp => "step_up",
            TravelAction::Block => "block",
        }
    }
}

/// The rule for implausible travel. Defaults: faster than 1000 km/h (an
/// airliner) between coordinates, or a change of country within 2 hours,
/// asks for a step-up.
///
/// ```
/// use varco::guard::{assess_travel, Place, RiskDecision, Sighting, TravelPolicy};
/// use varco::Timestamp;
///
/// let rome = Sighting { at: Timestamp::from_unix_seconds(0), place: Place::Coordinates { lat: 41.9, lon: 12.5 } };
/// let nyc_1h = Sighting { at: Timestamp::from_unix_seconds(3600), place: Place::Coordinates { lat: 40.7, lon: -74.0 } };
/// assert!(matches!(assess_travel(Some(&rome), &nyc_1h, &TravelPolicy::default()), RiskDecision::StepUp { .. }));
/// let nyc_12h = Sighting { at: Timestamp::from_unix_seconds(12 * 3600), ..nyc_1h };
/// assert_eq!(assess_travel(Some(&rome), &nyc_12h, &TravelPolicy::default()), RiskDecision::Allow);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TravelPolicy {
    /// The fastest plausible speed between two sign-ins.
    pub max_speed_kmh: f64,
    /// The shortest plausible time between sign-ins from two countries.
    pub min_hours_between_countries: f64,
    /// What to do when the journey is implausible.
    pub action: TravelAction,
}

impl TravelPolicy {
    /// Reads a travel policy from JSON (every field optional).
    ///
    /// ```
    /// use varco::guard::TravelPolicy;
    ///
    /// assert_eq!(TravelPolicy::from_json(r#"{"max_speed_kmh":900}"#).unwrap().max_speed_kmh, 900.0);
    /// assert_eq!(TravelPolicy::from_json(r#"{"max_speed_kmh":-1}"#).unwrap_err().code(), "invalid_guard_policy");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidGuardPolicy`] for malformed JSON, an unknown field,
    /// or a speed or time that is not positive.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: TravelPolicy = crate::error::parse_config(json, Error::InvalidGuardPolicy)?;
        let sane = p.max_speed_kmh.is_finite()
            && p.max_speed_kmh > 0.0
            && p.min_hours_between_countries.is_finite()
            && p.min_hours_between_countries >= 0.0;
        if !sane {
            return Err(Error::InvalidGuardPolicy(
                "travel: max_speed_kmh must be positive, min_hours_between_countries not negative"
                    .into(),
            ));
        }
        Ok(p)
    }
}

impl Default for TravelPolicy {
    fn default() -> Self {
        TravelPolicy {
            max_speed_kmh: 1000.0,
            min_hours_between_countries: 2.0,
            action: TravelAction::StepUp,
        }
    }
}

/// The verdict on a sign-in's place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RiskDecision {
    /// Plausible.
    Allow,
    /// Implausible: ask for a step-up.
    StepUp {
        /// The speed the journey would need, km/h (infinite for a country
        /// change with no time elapsed).
        speed_kmh: f64,
    },
    /// Implausible: block preventively ([`LifecycleEvent::PreventiveBlock`](crate::account::LifecycleEvent::PreventiveBlock))
    /// and notify the owner.
    Block {
        /// The speed the journey would need, km/h.
        speed_kmh: f64,
    },
}

impl RiskDecision {
    /// The variant's stable name, as the core's JSON tags it
    /// (`"allow"`): for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            RiskDecision::Allow => "allow",
            RiskDecision::StepUp { .. } => "step_up",
            RiskDecision::Block { .. } => "block",
        }
    }
}

const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance in km (haversine).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().clamp(0.0, 1.0).asin()
}

fn valid(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// Judges a sign-in against the previous one. With no previous sign-in, or
/// places that cannot be compared (coordinates against a country, invalid
/// coordinates), it allows. A clock that went backwards counts as no time
/// elapsed, which can only make a journey look faster, never slower.
pub fn assess_travel(
    previous: Option<&Sighting>,
    current: &Sighting,
    policy: &TravelPolicy,
) -> RiskDecision {
    let Some(prev) = previous else {
        return RiskDecision::Allow;
    };
    let hours = current.at.since(prev.at).as_secs_f64() / 3600.0;
    let speed = match (&prev.place, &current.place) {
        (Place::Coordinates { lat: a, lon: b }, Place::Coordinates { lat: c, lon: d })
            if valid(*a, *b) && valid(*c, *d) =>
        {
            let km = distance_km(*a, *b, *c, *d);
            if km < 1.0 {
                return RiskDecision::Allow;
            }
            let s = if hours > 0.0 {
                km / hours
            } else {
                f64::INFINITY
            };
            if s <= policy.max_speed_kmh {
                return RiskDecision::Allow;
            }
            s
        }
        (Place::Country { code: a }, Place::Country { code: b }) => {
            if a.eq_ignore_ascii_case(b) || hours >= policy.min_hours_between_countries {
                return RiskDecision::Allow;
            }
            f64::INFINITY
        }
        _ => return RiskDecision::Allow,
    };
    match policy.action {
        TravelAction::StepUp => RiskDecision::StepUp { speed_kmh: speed },
        TravelAction::Block => RiskDecision::Block { speed_kmh: speed },
    }
}
