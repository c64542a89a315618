//! otpauth:// URIs (the Key URI Format that authenticator apps scan as QR
//! codes): built and parsed.
//!
//! `otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30`
//!
//! Labels and parameters are percent-encoded as RFC 3986 asks (a space is
//! `%20`, never `+`). The issuer goes in the label prefix *and* in the
//! `issuer` parameter, as the format recommends.
//!
//! Known quirks of common clients, and what varco does about them:
//! - Many apps (notably older Google Authenticator and Microsoft
//!   Authenticator releases) only honour SHA-1, 6 digits and 30 seconds and
//!   silently ignore other values, producing codes the server rejects: keep
//!   [`TotpConfig::default`] unless you control the client.
//! - Some apps show a `+` literally where a form-encoded space was meant:
//!   varco writes `%20`, and reads `+` in parameters as a space for leniency.
//! - Some apps reject `=` padding in the secret: varco writes none, and
//!   accepts it on input.
//! - A colon is the label's issuer separator: an issuer or account name that
//!   contains one is refused when building.
//! - Unknown parameters (`image`, `color` of some apps) are ignored on input.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::{Algorithm, HotpCredential, OtpSecret, TotpConfig, TotpCredential};
use crate::Error;

/// What an otpauth URI describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpKind {
    /// A TOTP authenticator with its configuration (the window is the
    /// default one: URIs carry none).
    Totp(TotpCredential),
    /// A HOTP authenticator and its next counter.
    Hotp(HotpCredential),
}

/// An otpauth URI's content: what to show the user, and the credential.
///
/// ```
/// use varco::otp::{OtpSecret, OtpUri, OtpKind, TotpConfig, TotpCredential};
///
/// let secret = OtpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
/// let cred = TotpCredential::new(secret, TotpConfig::default());
/// let uri = OtpUri::totp("Posta Esempio", "mario.rossi@example.it", &cred).unwrap();
/// let text = uri.to_uri();
/// assert_eq!(
///     *text,
///     "otpauth://totp/Posta%20Esempio:mario.rossi%40example.it?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\
///      &issuer=Posta%20Esempio&algorithm=SHA1&digits=6&period=30"
/// );
/// let back = OtpUri::parse(&text).unwrap();
/// assert_eq!(back, uri);
/// assert!(matches!(back.kind(), OtpKind::Totp(c) if *c == cred));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpUri {
    issuer: Option<String>,
    account: String,
    kind: OtpKind,
}

/// Longest URI accepted by [`OtpUri::parse`].
pub const MAX_URI_LEN: usize = 4096;

impl OtpUri {
    /// A TOTP URI for `account` at `issuer`.
    ///
    /// # Errors
    /// [`Error::InvalidUri`] if the issuer or account is empty, over 256
    /// bytes, or contains a colon.
    pub fn totp(issuer: &str, account: &str, credential: &TotpCredential) -> Result<Self, Error> {
        Self::build(issuer, account, OtpKind::Totp(credential.clone()))
    }

    /// A HOTP URI for `account` at `issuer`, carrying the next counter.
    ///
    /// # Errors
    /// As [`OtpUri::totp`].
    pub fn hotp(issuer: &str, account: &str, credential: &HotpCredential) -> Result<Self, Error> {
        Self::build(issuer, account, OtpKind::Hotp(credential.clone()))
    }

    fn build(issuer: &str, account: &str, kind: OtpKind) -> Result<Self, Error> {
        for (what, v) in [("issuer", issuer), ("account", account)] {
            if v.trim().is_empty()
                || v.len() > 256
                || v.contains(':')
                || v.chars().any(char::is_control)
            {
                return Err(Error::InvalidUri(format!(
                    "{what} must be 1 to 256 bytes, without colons or control characters"
                )));
            }
        }
        Ok(OtpUri {
            issuer: Some(issuer.to_owned()),
            account: account.to_owned(),
            kind,
        })
    }

    /// The issuer (service name), if the URI has one.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The credential described.
    pub fn kind(&self) -> &OtpKind {
        &self.kind
    }

    /// The URI text. It contains the secret: show it once (as a QR code),
    /// never log or store it. Wiped on drop.
    pub fn to_uri(&self) -> Zeroizing<String> {
        let (kind, secret, algorithm, digits) = match &self.kind {
            OtpKind::Totp(c) => (
                "totp",
                c.secret(),
                c.config().algorithm(),
                c.config().digits(),
            ),
            OtpKind::Hotp(c) => ("hotp", c.secret(), c.algorithm(), c.digits()),
        };
        let mut s = Zeroizing::new(String::with_capacity(160));
        s.push_str("otpauth://");
        s.push_str(kind);
        s.push('/');
        if let Some(issuer) = &self.issuer {
            encode_into(&mut s, issuer);
            s.push(':');
        }
        encode_into(&mut s, &self.account);
        s.push_str("?secret=");
        s.push_str(&secret.to_base32());
        if let Some(issuer) = &self.issuer {
            s.push_str("&issuer=");
            encode_into(&mut s, issuer);
        }
        let _ = write!(s, "&algorithm={}&digits={digits}", algorithm.name());
        match &self.kind {
            OtpKind::Totp(c) => {
                let _ = write!(s, "&period={}", c.config().period_secs());
            }
            OtpKind::Hotp(c) => {
                let _ = write!(s, "&counter={}", c.counter());
            }
        }
        s
    }

    /// Reads an otpauth URI.
    ///
    /// ```
    /// use varco::otp::{OtpKind, OtpUri};
    ///
    /// let uri = OtpUri::parse("otpauth://hotp/ACME%20Co:john@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7").unwrap();
    /// assert_eq!(uri.issuer(), Some("ACME Co"));
    /// assert_eq!(uri.account(), "john@example.com");
    /// assert!(matches!(uri.kind(), OtpKind::Hotp(c) if c.counter() == 7));
    /// assert_eq!(OtpUri::parse("https://example.com").unwrap_err().code(), "invalid_uri");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidUri`] for another scheme or type, a missing or
    /// malformed parameter, a bad percent-encoding, an issuer parameter that
    /// contradicts the label, or a HOTP URI without a counter;
    /// [`Error::InvalidSecret`] / [`Error::InvalidOtpConfig`] for a bad
    /// secret, digits or period.
    pub fn parse(uri: &str) -> Result<Self, Error> {
        let bad = |m: &str| Error::InvalidUri(m.to_owned());
        if uri.len() > MAX_URI_LEN {
            return Err(bad("longer than 4096 bytes"));
        }
        let rest = strip_prefix_ignore_case(uri, "otpauth://")
            .ok_or_else(|| bad("not an otpauth:// URI"))?;
        let (kind, rest) = rest.split_once('/').ok_or_else(|| bad("no type"))?;
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let label = decode(label, false)?;
        let (label_issuer, account) = match label.split_once(':') {
            Some((i, a)) => (Some(i.trim().to_owned()), a.trim().to_owned()),
            None => (None, label.trim().to_owned()),
        };
        if account.is_empty() {
            return Err(bad("empty account name"));
        }
        let (mut secret, mut issuer, mut algorithm, mut digits, mut period, mut counter) =
            (None, None, Algorithm::Sha1, 6u8, 30u64, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v, true)?;
            match k.to_ascii_lowercase().as_str() {
                "secret" => secret = Some(OtpSecret::from_base32(&v)?),
                "issuer" => issuer = Some(v.trim().to_owned()),
                "algorithm" => algorithm = v.parse()?,
                "digits" => digits = v.parse().map_err(|_| bad("digits is not a number"))?,
                "period" => period = v.parse().map_err(|_| bad("period is not a number"))?,
                "counter" => counter = Some(v.parse().map_err(|_| bad("counter is not a number"))?),
                _ => {}
            }
        }
        let secret = secret.ok_or_else(|| bad("no secret"))?;
        let issuer = match (label_issuer, issuer) {
            (Some(l), Some(p)) if l != p => {
                return Err(bad("issuer parameter and label prefix differ"));
            }
            (l, p) => p.or(l).filter(|i| !i.is_empty()),
        };
        let kind = match kind.to_ascii_lowercase().as_str() {
            "totp" => OtpKind::Totp(TotpCredential::new(
                secret,
                TotpConfig::new(algorithm, digits, period, 0, 1, 1)?,
            )),
            "hotp" => OtpKind::Hotp(
                HotpCredential::new(secret, algorithm, digits)?
                    .with_counter(counter.ok_or_else(|| bad("a hotp URI needs a counter"))?),
            ),
            _ => return Err(bad("type is neither totp nor hotp")),
        };
        Ok(OtpUri {
            issuer,
            account,
            kind,
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Percent-decodes; in query values (`plus_is_space`) a `+` is a space.
fn decode(s: &str, plus_is_space: bool) -> Result<Zeroizing<String>, Error> {
    let bytes = s.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| Error::InvalidUri("bad percent-encoding".into()))?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = std::str::from_utf8(&out)
        .map_err(|_| Error::InvalidUri("not UTF-8 once decoded".into()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_unicode() {
        let mut s = String::new();
        encode_into(&mut s, "Caffè & Co/1:2+3 ~x");
        assert_eq!(s, "Caff%C3%A8%20%26%20Co%2F1%3A2%2B3%20~x");
        assert_eq!(*decode(&s, false).unwrap(), "Caffè & Co/1:2+3 ~x");
    }

    #[test]
    fn rejects_bad_uris() {
        let ok_secret = "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for bad in [
            "otpauth://totp/acct".to_owned(),
            format!("otpauth://foo/acct?{ok_secret}"),
            format!("otpauth://totp/?{ok_secret}"),
            format!("otpauth://totp/a%ZZ?{ok_secret}"),
            format!("otpauth://totp/a%FF?{ok_secret}"),
            format!("otpauth://totp/A:acct?{ok_secret}&issuer=B"),
            format!("otpauth://hotp/acct?{ok_secret}"),
            format!("otpauth://totp/acct?{ok_secret}&digits=9"),
            format!("otpauth://totp/acct?{ok_secret}&period=0"),
            format!("otpauth://totp/acct?{ok_secret}&algorithm=MD5"),
            "otpauth://totp/acct?secret=JBSWY3DP".to_owned(),
            format!("otpauth://totp/{}?{ok_secret}", "a".repeat(5000)),
        ] {
            assert!(OtpUri::parse(&bad).is_err(), "{bad}");
        }
        let cred = TotpCredential::new(
            OtpSecret::from_bytes(&[1; 20]).unwrap(),
            TotpConfig::default(),
        );
        assert!(OtpUri::totp("A:B", "x", &cred).is_err());
        assert!(OtpUri::totp("A", "", &cred).is_err());
    }

    #[test]
    fn lenient_on_input() {
        let u = OtpUri::parse(
            "OTPAUTH://TOTP/ACME%20Co:%20john?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq====&issuer=ACME+Co&image=x",
        )
        .unwrap();
        assert_eq!(u.issuer(), Some("ACME Co"));
        assert_eq!(u.account(), "john");
    }
}
