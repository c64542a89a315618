//! The texts of the messages that carry delivery codes.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::delivery::Purpose;
use crate::Lang;

/// Message templates, per language. Placeholders: `{code}`, `{minutes}`,
/// `{service}` and `{action}` (what the code is for, e.g. "la registrazione
/// a Esempio"). The defaults follow the operator's own wording (seed 002:
/// "Usa il codice temporaneo 123456 per proseguire con la registrazione…").
///
/// ```
/// use varco::Lang;
/// use varco::otp::{Purpose, Templates};
///
/// let t = Templates::default();
/// let sms = t.sms(Lang::It, "123456", 5, "Esempio", Purpose::Registration);
/// assert_eq!(*sms, "Usa il codice temporaneo 123456 per proseguire con la registrazione a Esempio. Scade tra 5 minuti.");
/// let sms = t.sms(Lang::En, "123456", 5, "Example", Purpose::Login);
/// assert_eq!(*sms, "Use the temporary code 123456 to continue signing in to Example. It expires in 5 minutes.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    /// SMS text, Italian.
    pub sms_it: String,
    /// SMS text, English.
    pub sms_en: String,
    /// Email subject, Italian.
    pub email_subject_it: String,
    /// Email subject, English.
    pub email_subject_en: String,
    /// Email body, Italian.
    pub email_body_it: String,
    /// Email body, English.
    pub email_body_en: String,
}

impl Default for Templates {
    fn default() -> Self {
        Templates {
            sms_it: "Usa il codice temporaneo {code} per proseguire con {action}. Scade tra {minutes} minuti.".into(),
            sms_en: "Use the temporary code {code} to continue {action}. It expires in {minutes} minutes.".into(),
            email_subject_it: "Il tuo codice temporaneo per {service}".into(),
            email_subject_en: "Your temporary code for {service}".into(),
            email_body_it: "Usa il codice temporaneo {code} per proseguire con {action}.\n\nIl codice scade tra {minutes} minuti e vale una sola volta. Se non hai richiesto tu il codice, ignora questo messaggio.".into(),
            email_body_en: "Use the temporary code {code} to continue {action}.\n\nThe code expires in {minutes} minutes and works once. If you did not ask for it, ignore this message.".into(),
        }
    }
}

impl Templates {
    /// The longest template accepted, in bytes.
    pub const MAX_LEN: usize = 2000;

    /// Checks that every template holds `{code}` (the subjects must not) and
    /// is at most 2000 bytes.
    ///
    /// # Errors
    /// [`crate::Error::InvalidOtpConfig`] naming the first template at fault.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let bad = |m: &str| Err(crate::Error::InvalidOtpConfig(m.to_owned()));
        for body in [
            &self.sms_it,
            &self.sms_en,
            &self.email_body_it,
            &self.email_body_en,
        ] {
            if !body.contains("{code}") {
                return bad("every message template must contain {code}");
            }
        }
        for subject in [&self.email_subject_it, &self.email_subject_en] {
            if subject.contains("{code}") {
                return bad("an email subject must not contain the code");
            }
        }
        let all = [
            &self.sms_it,
            &self.sms_en,
            &self.email_subject_it,
            &self.email_subject_en,
            &self.email_body_it,
            &self.email_body_en,
        ];
        if all.iter().any(|t| t.len() > Self::MAX_LEN) {
            return bad("templates are limited to 2000 bytes");
        }
        Ok(())
    }

    /// The SMS text.
    pub fn sms(
        &self,
        lang: Lang,
        code: &str,
        minutes: u64,
        service: &str,
        purpose: Purpose,
    ) -> Zeroizing<String> {
        render(
            lang.pick(&self.sms_it, &self.sms_en),
            lang,
            code,
            minutes,
            service,
            purpose,
        )
    }

    /// The email subject and body.
    pub fn email(
        &self,
        lang: Lang,
        code: &str,
        minutes: u64,
        service: &str,
        purpose: Purpose,
    ) -> (String, Zeroizing<String>) {
        let subject = render(
            lang.pick(&self.email_subject_it, &self.email_subject_en),
            lang,
            "",
            minutes,
            service,
            purpose,
        );
        let body = render(
            lang.pick(&self.email_body_it, &self.email_body_en),
            lang,
            code,
            minutes,
            service,
            purpose,
        );
        (subject.to_string(), body)
    }
}

fn action(lang: Lang, purpose: Purpose, service: &str) -> String {
    match (lang, purpose) {
        (Lang::It, Purpose::Login) => format!("l'accesso a {service}"),
        (Lang::It, Purpose::Registration) => format!("la registrazione a {service}"),
        (Lang::It, Purpose::Recovery) => format!("il recupero delle credenziali di {service}"),
        (Lang::It, Purpose::Enrollment) => format!("la verifica del numero su {service}"),
        (Lang::It, Purpose::PasswordChange) => format!("il cambio password su {service}"),
        (Lang::It, Purpose::Activation) => format!("l'attivazione dell'utenza su {service}"),
        (Lang::It, Purpose::EmailVerification) => {
            format!("la verifica dell'indirizzo email su {service}")
        }
        (Lang::En, Purpose::Login) => format!("signing in to {service}"),
        (Lang::En, Purpose::Registration) => format!("registering with {service}"),
        (Lang::En, Purpose::Recovery) => format!("recovering your {service} account"),
        (Lang::En, Purpose::Enrollment) => format!("verifying your number with {service}"),
        (Lang::En, Purpose::PasswordChange) => format!("changing your {service} password"),
        (Lang::En, Purpose::Activation) => format!("activating your {service} account"),
        (Lang::En, Purpose::EmailVerification) => {
            format!("confirming your email address with {service}")
        }
    }
}

fn render(
    template: &str,
    lang: Lang,
    code: &str,
    minutes: u64,
    service: &str,
    purpose: Purpose,
) -> Zeroizing<String> {
    // Placeholders are replaced in one pass, so a service name that contains
    // "{code}" cannot make the code appear twice or in the subject.
    let mut out = Zeroizing::new(String::with_capacity(template.len() + 32));
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let (value, len): (String, usize) = if after.starts_with("{code}") {
            (code.to_owned(), 6)
        } else if after.starts_with("{minutes}") {
            (minutes.to_string(), 9)
        } else if after.starts_with("{service}") {
            (service.to_owned(), 9)
        } else if after.starts_with("{action}") {
            (action(lang, purpose, service), 8)
        } else {
            ("{".to_owned(), 1)
        };
        out.push_str(&value);
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}
