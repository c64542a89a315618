//! Email addresses as real portals accept them (not the whole of RFC
//! 5322: no quoted local parts, no comments, no IP literals), and the
//! certified-mail (PEC) domains a registration refuses.

use serde::{Deserialize, Serialize};

use super::{Field, Invalid, Problem};
use crate::Error;

/// The longest address (RFC 5321's path limit) and local part.
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL: usize = 64;

/// An email address checked and normalised: outer spaces and a trailing
/// dot of the domain dropped, the domain lower-cased, the local part kept
/// as typed (a mailbox may be case-sensitive; the lookup key lower-cases
/// it for uniqueness).
///
/// - local part: 1 to 64 of `A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ { | } ~ -`
///   and `` ` ``, with dots between them (not first, last, or two in a row);
/// - domain: two labels or more of letters (any script), digits and
///   hyphens (not first or last), each 1 to 63 long; the last is a
///   top-level domain of letters (or `xn--` punycode);
/// - 254 characters at most in all.
///
/// ```
/// use varco::validate::email;
///
/// assert_eq!(email(" Mario.Rossi@Example.IT ").unwrap(), "Mario.Rossi@example.it");
/// assert_eq!(email("mario..rossi@example.it").unwrap_err().codes(), ["email_local_part"]);
/// assert_eq!(email("mario@example").unwrap_err().codes(), ["email_domain"]);
/// assert_eq!(email("mario").unwrap_err().codes(), ["email_format"]);
/// ```
///
/// # Errors
/// [`Invalid`]: `empty`, `too_long`, `email_format` (read no further), or
/// `email_local_part` and `email_domain`, both when both are wrong.
pub fn email(raw: &str) -> Result<String, Invalid> {
    email_as(raw, Field::Email)
}

fn email_as(raw: &str, field: Field) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::one(field, Problem::Empty));
    }
    if s.chars().take(MAX_ADDRESS + 2).count() > MAX_ADDRESS + 1 {
        return Err(Invalid::one(field, Problem::TooLong));
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err(Invalid::one(field, Problem::EmailFormat));
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return Err(Invalid::one(field, Problem::EmailFormat));
    }
    let mut problems = Vec::new();
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = local.len() <= MAX_LOCAL
        && local
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(atext));
    if !local_ok {
        problems.push(Problem::EmailLocalPart);
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_lowercase();
    if !domain_ok(&domain) {
        problems.push(Problem::EmailDomain);
    }
    let out = format!("{local}@{domain}");
    if problems.is_empty() && out.chars().count() > MAX_ADDRESS {
        problems.push(Problem::TooLong);
    }
    match Invalid::new(field, problems) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn domain_ok(domain: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or("");
    let tld_ok = (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
        || (tld.starts_with("xn--") && tld.len() > 4);
    labels.len() >= 2 && labels.iter().all(|l| label_ok(l)) && tld_ok
}

/// The certified-mail (PEC) domains: an address at one of them, or under
/// one (`x@cert.legalmail.it`), is a PEC mailbox; so is one whose domain's
/// first label is one of `first_labels` (public bodies use
/// `pec.comune.<town>.it`). There is no reliable rule, so this list is a
/// default the host extends (`extra_domains`) or replaces (`domains`), and
/// a registration may also ask the host (its `ask_host_pec` setting).
///
/// ```
/// use varco::validate::PecDomains;
///
/// let pec = PecDomains::default();
/// assert!(pec.is_pec("studio@pec.it"));
/// assert!(pec.is_pec("ufficio@cert.legalmail.it"));
/// assert!(pec.is_pec("protocollo@pec.comune.roma.it"));
/// assert!(!pec.is_pec("mario@gmail.com"));
/// let mine = PecDomains::from_json(r#"{"extra_domains":["pec.example.com"]}"#).unwrap();
/// assert!(mine.is_pec("a@pec.example.com") && mine.is_pec("a@legalmail.it"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PecDomains {
    /// The providers' PEC domains (replace the defaults).
    pub domains: Vec<String>,
    /// More domains, added to `domains`.
    pub extra_domains: Vec<String>,
    /// First labels that make a domain a PEC one (`pec`, `postacert`).
    pub first_labels: Vec<String>,
}

/// The common providers' PEC domains: Aruba (`pec.it`, `arubapec.it`),
/// InfoCert (`legalmail.it`), Poste Italiane (`postecert.it`), InfoCamere
/// for companies (`pecimprese.it`), Namirial (`sicurezzapostale.it`),
/// Actalis (`actaliscertymail.it`), Register.it (`gigapec.it`), and the
/// professional orders' (`ingpec.eu`, `archiworldpec.it`, `geopec.it`,
/// `pec.commercialisti.it`, `mypec.eu`).
pub const DEFAULT_PEC_DOMAINS: [&str; 13] = [
    "pec.it",
    "arubapec.it",
    "legalmail.it",
    "postecert.it",
    "pecimprese.it",
    "sicurezzapostale.it",
    "actaliscertymail.it",
    "gigapec.it",
    "ingpec.eu",
    "archiworldpec.it",
    "geopec.it",
    "pec.commercialisti.it",
    "mypec.eu",
];

impl Default for PecDomains {
    fn default() -> Self {
        PecDomains {
            domains: DEFAULT_PEC_DOMAINS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            extra_domains: Vec::new(),
            first_labels: vec!["pec".into(), "postacert".into()],
        }
    }
}

impl PecDomains {
    /// The list from JSON, every field optional.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for malformed JSON, an unknown field, or a
    /// domain that is not one (`"example"`, `"@pec.it"`).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: PecDomains = crate::error::parse_config(json, Error::InvalidPolicy)?;
        p.checked()
    }

    /// The list with every domain lower-cased and checked.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`] for a domain or label that is not one.
    pub fn checked(mut self) -> Result<Self, Error> {
        for d in self.domains.iter_mut().chain(self.extra_domains.iter_mut()) {
            *d = d.to_lowercase();
            if !domain_ok(d) {
                return Err(Error::InvalidPolicy(format!("pec: {d:?} is not a domain")));
            }
        }
        for l in &mut self.first_labels {
            *l = l.to_lowercase();
            if l.is_empty() || !l.chars().all(|c| c.is_alphanumeric() || c == '-') {
                return Err(Error::InvalidPolicy(format!("pec: {l:?} is not a label")));
            }
        }
        Ok(self)
    }

    /// Whether `address` (checked or not) is at a PEC domain.
    pub fn is_pec(&self, address: &str) -> bool {
        let Some((_, domain)) = address.trim().rsplit_once('@') else {
            return false;
        };
        let domain = domain.strip_suffix('.').unwrap_or(domain).to_lowercase();
        let under = |d: &String| {
            domain == *d
                || domain
                    .strip_suffix(d.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        };
        let first = domain.split('.').next().unwrap_or("");
        self.domains.iter().chain(&self.extra_domains).any(under)
            || (domain.contains('.') && self.first_labels.iter().any(|l| l == first))
    }
}

/// An email address for a registration: [`email`], and not a PEC mailbox
/// by `pec` (a host that knows more answers the flow's question too).
///
/// ```
/// use varco::validate::{PecDomains, registration_email};
///
/// let pec = PecDomains::default();
/// assert_eq!(registration_email("Mario@Example.it", &pec).unwrap(), "Mario@example.it");
/// assert_eq!(registration_email("studio@PEC.it", &pec).unwrap_err().codes(), ["email_pec"]);
/// ```
///
/// # Errors
/// [`Invalid`] (field `registration_email`): those of [`email`], or
/// `email_pec`.
pub fn registration_email(raw: &str, pec: &PecDomains) -> Result<String, Invalid> {
    let field = Field::RegistrationEmail;
    let address = email_as(raw, field)?;
    if pec.is_pec(&address) {
        return Err(Invalid::one(field, Problem::EmailPec));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_portals_take_and_those_they_refuse() {
        for (raw, want) in [
            ("a@b.it", "a@b.it"),
            (
                "first.last+tag@sub.Example.COM.",
                "first.last+tag@sub.example.com",
            ),
            ("o'neil@example.ie", "o'neil@example.ie"),
            ("mario@città.it", "mario@città.it"),
            ("x@xn--citt-5qa.xn--p1ai", "x@xn--citt-5qa.xn--p1ai"),
            ("UPPER@EXAMPLE.IT", "UPPER@example.it"),
        ] {
            assert_eq!(email(raw).unwrap(), want, "{raw}");
        }
        for (raw, want) in [
            ("", vec!["empty"]),
            ("plain", vec!["email_format"]),
            ("@example.it", vec!["email_format"]),
            ("mario@", vec!["email_format"]),
            ("a@b@c.it", vec!["email_format"]),
            (".mario@example.it", vec!["email_local_part"]),
            ("mario.@example.it", vec!["email_local_part"]),
            ("ma rio@example.it", vec!["email_local_part"]),
            ("\"quoted\"@example.it", vec!["email_local_part"]),
            ("màrio@example.it", vec!["email_local_part"]),
            ("mario@example.1t", vec!["email_domain"]),
            ("mario@-example.it", vec!["email_domain"]),
            ("mario@example..it", vec!["email_domain"]),
            ("mario@[10.0.0.1]", vec!["email_domain"]),
            (
                "ma..rio@exa_mple.it",
                vec!["email_local_part", "email_domain"],
            ),
        ] {
            assert_eq!(email(raw).unwrap_err().codes(), want, "{raw:?}");
        }
        let long_local = format!("{}@example.it", "a".repeat(65));
        assert_eq!(
            email(&long_local).unwrap_err().codes(),
            ["email_local_part"]
        );
        let long = format!("a@{}.it", vec!["b".repeat(60); 5].join("."));
        assert_eq!(email(&long).unwrap_err().codes(), ["too_long"]);
        assert_eq!(
            email(&"a".repeat(1 << 20)).unwrap_err().codes(),
            ["too_long"]
        );
    }

    #[test]
    fn pec_domains_match_themselves_and_their_subdomains_only() {
        let pec = PecDomains::default();
        for yes in [
            "a@pec.it",
            "a@PEC.IT",
            "a@x.pec.it",
            "a@postacert.regione.lazio.it",
            "a@legalmail.it.",
        ] {
            assert!(pec.is_pec(yes), "{yes}");
        }
        for no in [
            "a@spec.it",
            "a@example.pec.com.au",
            "a@gmail.com",
            "a@pec",
            "no-at-sign",
            "a@mypec.it",
        ] {
            assert!(!pec.is_pec(no), "{no}");
        }
        let none = PecDomains::from_json(r#"{"domains":[],"first_labels":[]}"#).unwrap();
        assert!(!none.is_pec("a@pec.it"));
        for bad in [
            r#"{"domains":["example"]}"#,
            r#"{"extra_domains":["@pec.it"]}"#,
            r#"{"first_labels":["a.b"]}"#,
            r#"{"x":1}"#,
        ] {
            assert_eq!(
                PecDomains::from_json(bad).unwrap_err().code(),
                "invalid_policy",
                "{bad}"
            );
        }
    }
}
