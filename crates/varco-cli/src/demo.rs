//! `varco demo`: the seed journeys that exist, run on a temporary SQLite
//! database through the same host loop a server runs (`varco-store`). Each
//! step prints what the user typed, the view they would see, and every
//! message as the outbox's sender would hand it to the SMS or mail
//! provider. Keys are drawn at random for the run and forgotten.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use varco::Timestamp;
use varco::effect::Effect;
use varco::flow::{
    Actor, Command, EngineConfig, EngineKeys, FlowEngine, FlowKind, FlowOutcome, FlowStep,
    HostFact, Input, NewAccount, Requirement, SessionGrant, StartContext,
};
use varco::keys::KeyRing;
use varco_store::{Committed, Request, SqliteStore, Store};

use crate::flow::{run_fail, store_fail};
use crate::support::{Fail, io_fail, now};

#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Print JSON lines instead of text.
    #[arg(long)]
    json: bool,
    /// Keep the database at this path (it must not exist) instead of a
    /// temporary file removed at the end.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Unix time of the first step instead of the clock.
    #[arg(long)]
    time: Option<u64>,
}

struct Demo {
    engine: FlowEngine,
    store: SqliteStore,
    t: Timestamp,
    json: bool,
    /// The last code a message carried.
    last_code: String,
    /// The token of the last link a message carried.
    last_link: String,
    /// The session grant of the last sign-in.
    grant: Option<SessionGrant>,
    /// Print nothing for a while (repeated attempts).
    quiet: bool,
}

/// A flow as the client holds it.
struct Client {
    key: String,
    secret: String,
    token: String,
}

impl Demo {
    fn tick(&mut self, seconds: u64) {
        self.t = Timestamp::from_unix_millis(self.t.as_unix_millis() + seconds * 1000);
    }

    fn title(&self, text: &str) {
        if self.json {
            outln!("{}", json!({"journey": text}));
        } else {
            outln!("\n== {text}");
        }
    }

    fn note(&self, text: &str) {
        if self.json {
            outln!("{}", json!({"note": text}));
        } else {
            outln!("   ({text})");
        }
    }

    /// Prints the step: the view without its random ids, or the outcome.
    fn show(&self, typed: &str, step: &FlowStep) {
        if self.quiet {
            return;
        }
        let mut view = serde_json::to_value(&step.view).unwrap_or_default();
        if let Value::Object(o) = &mut view {
            o.remove("flow");
            o.remove("token");
        }
        let outcome = serde_json::to_value(&step.outcome).unwrap_or_default();
        if self.json {
            outln!(
                "{}",
                json!({"typed": typed, "outcome": outcome, "view": view})
            );
        } else {
            outln!("> {typed}");
            if !view.is_null() {
                outln!("  the user sees: {view}");
            }
            outln!("  the host gets: {outcome}");
        }
    }

    /// The outbox's sender: prints every message and notice, and keeps the
    /// code the last message carried. Audit events are counted only.
    fn send(&mut self) -> Result<(), Fail> {
        let mut lines = Vec::new();
        let mut audits = 0;
        let mut code = None;
        let mut link: Option<String> = None;
        varco_store::deliver(
            &self.engine,
            &self.store,
            self.t,
            std::time::Duration::from_secs(60),
            1000,
            |d| {
                match d.effect {
                    Effect::SendSms { to, text } => {
                        match text.split_once("token=") {
                            Some((_, t)) => {
                                link =
                                    Some(t.chars().take_while(char::is_ascii_hexdigit).collect());
                            }
                            None => code = Some(digits(text)),
                        }
                        lines.push(json!({"sms": to, "text": text.as_str()}));
                    }
                    Effect::SendEmail { to, subject, body } => {
                        if let Some((_, t)) = body.split_once("token=") {
                            link = Some(t.chars().take_while(char::is_ascii_hexdigit).collect());
                        } else {
                            code = Some(digits(body));
                        }
                        lines.push(json!({"email": to, "subject": subject, "body": body.as_str()}));
                    }
                    Effect::Audit(_) => audits += 1,
                    other => lines.push(serde_json::to_value(other).unwrap_or_default()),
                }
                Ok::<(), ()>(())
            },
        )
        .map_err(store_fail)?;
        if let Some(c) = code {
            self.last_code = c;
        }
        if let Some(l) = link {
            self.last_link = l;
        }
        if self.quiet {
            return Ok(());
        }
        for l in lines {
            if self.json {
                outln!("{}", json!({"sent": l}));
            } else {
                outln!("  sent:          {l}");
            }
        }
        if audits > 0 && !self.json {
            outln!("  audit log:     {audits} event(s)");
        }
        Ok(())
    }

    fn create(&mut self, account: Value, password: &str) -> Result<(), Fail> {
        let new = NewAccount::from_json(&account.to_string())?;
        let _ = varco_store::provision(
            &self.engine,
            &self.store,
            &new,
            Some(password),
            self.t,
            &mut rand::rng(),
        )
        .map_err(run_fail)?;
        self.note(&format!("account created: {account}"));
        self.send()
    }

    fn start(&mut self) -> Result<Client, Fail> {
        self.start_kind(FlowKind::Login, "(opens the sign-in page)")
    }

    fn start_kind(&mut self, kind: FlowKind, typed: &str) -> Result<Client, Fail> {
        let started = varco_store::start(
            &self.engine,
            &self.store,
            kind,
            &StartContext::default(),
            self.t,
            &mut rand::rng(),
        )
        .map_err(run_fail)?;
        self.adopt(typed, &started)
    }

    /// Shows a started flow's first step, sends its messages, and holds
    /// the flow as its client would.
    fn adopt(&mut self, typed: &str, started: &varco::flow::Started) -> Result<Client, Fail> {
        self.show(typed, &started.step);
        self.send()?;
        Ok(Client {
            key: started.flow_key.clone(),
            secret: started.client_secret.expose().to_owned(),
            token: started
                .step
                .view
                .as_ref()
                .map(|v| v.token.clone())
                .unwrap_or_default(),
        })
    }

    fn say(&mut self, c: &mut Client, typed: &str, input: &Input) -> Result<(), Fail> {
        self.tick(2);
        let request = Request {
            flow_key: &c.key,
            client_secret: &c.secret,
            token: &c.token,
            input,
        };
        let ran = varco_store::run(
            &self.engine,
            &self.store,
            &request,
            self.t,
            &mut rand::rng(),
        )
        .map_err(run_fail)?;
        if let Some(v) = &ran.step.view {
            c.token.clone_from(&v.token);
        }
        if let FlowOutcome::SignedIn { grant } = &ran.step.outcome {
            self.grant = Some(grant.clone());
        }
        self.show(typed, &ran.step);
        self.send()
    }

    /// A host fact (the slider's verdict, a contract looked up).
    fn fact(&mut self, c: &mut Client, said: &str, fact: &HostFact) -> Result<(), Fail> {
        self.tick(1);
        let ran = varco_store::answer(
            &self.engine,
            &self.store,
            &c.key,
            Some(&c.token),
            fact,
            self.t,
            &mut rand::rng(),
        )
        .map_err(run_fail)?;
        if let Some(v) = &ran.step.view {
            c.token.clone_from(&v.token);
        }
        self.show(said, &ran.step);
        self.send()
    }

    fn sign_in(&mut self, user: &str, password: &str) -> Result<Client, Fail> {
        let mut c = self.start()?;
        let identify = Input::Identify {
            identifier: user.into(),
        };
        self.say(&mut c, &format!("username {user}"), &identify)?;
        let pw = Input::Password {
            password: password.into(),
        };
        self.say(&mut c, &format!("password {password}"), &pw)?;
        Ok(c)
    }

    fn code(&mut self, c: &mut Client, code: &str) -> Result<(), Fail> {
        let input = Input::Code { code: code.into() };
        self.say(c, &format!("code {code}"), &input)
    }

    fn operator(&mut self, command: Value) -> Result<(), Fail> {
        let actor = Actor::from_json(r#"{"actor":"operator","id":"op-7"}"#)?;
        self.command(&actor, "(an operator, op-7)", command)
    }

    fn command(&mut self, actor: &Actor, said: &str, command: Value) -> Result<(), Fail> {
        self.tick(2);
        let command = Command::from_json(&command.to_string())?;
        let id = command.account().to_owned();
        let records = self
            .store
            .load(&[format!("account/{id}"), format!("guard/{id}")])
            .map_err(store_fail)?;
        let step = self
            .engine
            .command(actor, &command, &records, self.t, &mut rand::rng())?;
        match varco_store::commit_step(&self.engine, &self.store, &step, self.t, &mut rand::rng())
            .map_err(run_fail)?
        {
            Committed::Done => {}
            Committed::Conflict { key } => {
                return Err(Fail {
                    code: 4,
                    message: format!("the demo's own records changed: {key}"),
                });
            }
        }
        self.show(said, &step);
        self.send()
    }

    /// A flow from the last sign-in's session grant.
    fn start_from_grant(&mut self, kind: FlowKind, typed: &str) -> Result<Client, Fail> {
        let grant = self.grant.clone().ok_or_else(|| Fail {
            code: 4,
            message: "the demo has no session yet".into(),
        })?;
        let started = varco_store::start_from_grant(
            &self.engine,
            &self.store,
            kind,
            &grant,
            &Requirement::default(),
            &StartContext::default(),
            self.t,
            &mut rand::rng(),
        )
        .map_err(run_fail)?;
        self.adopt(typed, &started)
    }
}

/// The six digits of a message.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).take(6).collect()
}

fn keys() -> Result<EngineKeys, Fail> {
    let draw = || {
        let mut b = vec![0u8; 32];
        rand::fill(&mut b[..]);
        b
    };
    Ok(EngineKeys {
        codes: KeyRing::new("c1", draw())?,
        sealing: KeyRing::new("s1", draw())?,
        decoy: KeyRing::new("d1", draw())?,
        peppers: None,
    })
}

pub(crate) fn demo(a: DemoArgs) -> Result<u8, Fail> {
    let (path, temp) = match &a.keep {
        Some(p) if p.exists() => {
            return Err(crate::support::bad_input(format!(
                "{} exists: the demo starts from an empty database",
                p.display()
            )));
        }
        Some(p) => (p.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "varco-demo-{}-{:08x}",
                std::process::id(),
                rand::random::<u32>()
            ));
            std::fs::create_dir_all(&dir).map_err(|e| io_fail(&dir.display().to_string(), e))?;
            (dir.join("varco.db"), Some(dir))
        }
    };
    let result = (|| {
        let store = SqliteStore::open(&path).map_err(store_fail)?;
        let engine = FlowEngine::new(EngineConfig::default(), keys()?)?;
        let mut d = Demo {
            engine,
            store,
            t: now(a.time),
            json: a.json,
            last_code: String::new(),
            last_link: String::new(),
            grant: None,
            quiet: false,
        };
        journeys(&mut d)
    })();
    if let Some(dir) = temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    result?;
    if a.keep.is_some() && !a.json {
        outln!("\nThe database is kept at {}.", path.display());
    }
    Ok(0)
}

fn journeys(d: &mut Demo) -> Result<(), Fail> {
    d.title("F4: sign-in with a password and an SMS code");
    d.create(
        json!({"id":"a1","username":"mario.rossi","mobile":"+393331234567","second_factor":true}),
        "fiume violino tramonto",
    )?;
    let mut c = d.sign_in("mario.rossi", "fiume violino tramonto")?;
    d.code(&mut c, "000000")?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;

    d.title("F4: an unknown username looks the same as a wrong password");
    d.sign_in("nobody", "fiume violino tramonto")?;
    d.sign_in("mario.rossi", "wrong password")?;
    d.note("the same view for both: errore di autenticazione");

    d.title("F5: too many wrong passwords lock the password, not the account");
    d.create(
        json!({"id":"a2","username":"giulia","email":"giulia@example.it"}),
        "lampada nuvola cammino",
    )?;
    d.sign_in("giulia", "guess")?;
    d.quiet = true;
    for _ in 0..3 {
        d.sign_in("giulia", "guess")?;
    }
    d.quiet = false;
    d.note("three more wrong passwords, the same view each time; then the fifth:");
    d.sign_in("giulia", "guess")?;
    d.sign_in("giulia", "lampada nuvola cammino")?;
    d.note("locked: the right password is refused too, with the same generic view");
    d.tick(3 * 3600);
    d.note("three hours later the lock has expired");
    d.sign_in("giulia", "lampada nuvola cammino")?;

    d.title("F5: an operator blocks an account; the reason shows only after every factor");
    d.operator(json!({"command":"block","account":"a1","reason":"stolen credentials"}))?;
    let mut c = d.sign_in("mario.rossi", "fiume violino tramonto")?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;
    d.note("the owner calls support, who lift the block");
    d.operator(json!({"command":"unblock","account":"a1"}))?;
    let mut c = d.sign_in("mario.rossi", "fiume violino tramonto")?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;

    d.title("F6: a forgotten password, reset by an SMS code to the recovery mobile");
    let mut c = d.start_kind(FlowKind::PasswordReset, "(opens \"password dimenticata\")")?;
    let identify = Input::Identify {
        identifier: "mario.rossi".into(),
    };
    d.say(&mut c, "username mario.rossi", &identify)?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;
    let fresh = "sentiero collina autunno";
    let new = Input::NewPassword {
        password: fresh.into(),
        confirmation: fresh.into(),
    };
    d.say(&mut c, &format!("new password {fresh}, twice"), &new)?;
    d.note("no session: the owner signs in with the new password; every older session ends");

    d.title("F6: an unknown username climbs the same ladder, and no SMS goes out");
    let mut c = d.start_kind(FlowKind::PasswordReset, "(opens \"password dimenticata\")")?;
    let identify = Input::Identify {
        identifier: "nobody".into(),
    };
    d.say(&mut c, "username nobody", &identify)?;
    d.code(&mut c, "123456")?;
    d.say(&mut c, "(the number is no longer mine)", &Input::Forgot)?;
    let answer = Input::Answer {
        answer: "Fido".into(),
    };
    d.say(&mut c, "answer Fido", &answer)?;
    d.say(&mut c, "(I forgot the answer too)", &Input::Forgot)?;
    d.note("the same screens a real account shows; the last one: ask an operator");

    d.title("F6: a new recovery mobile, announced on the old number with a link that cancels it");
    let mut c = d.sign_in("mario.rossi", "sentiero collina autunno")?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;
    let mut c = d.start_from_grant(
        FlowKind::RecoveryMobile,
        "(signed in, opens \"numero per il recupero\")",
    )?;
    let number = Input::Mobile {
        number: "320 7654321".into(),
    };
    d.say(&mut c, "number 320 7654321", &number)?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;
    d.note("the new number serves a reset only in 72 hours; the old number got a link");
    let link = d.last_link.clone();
    d.command(
        &Actor::from_json(r#"{"actor":"host"}"#)?,
        "(the owner opens the link on the old number; the host's page passes its token)",
        json!({"command":"cancel_mobile_change","account":"a1","token": link}),
    )?;
    d.note("the old number is back, and every session of the account has ended");

    d.title("F7: registration on the public-sector portal");
    let mut c = d.start_kind(FlowKind::Registration, "(opens \"registrati\")")?;
    let mobile = Input::Mobile {
        number: "347 1234567".into(),
    };
    d.say(&mut c, "mobile 347 1234567", &mobile)?;
    d.fact(
        &mut c,
        "(the host's slider: passed)",
        &HostFact::Captcha { passed: true },
    )?;
    let code = d.last_code.clone();
    d.code(&mut c, &code)?;
    let eligible = HostFact::EligibleContract { eligible: true };
    d.fact(
        &mut c,
        "(the host: the number is on an eligible contract)",
        &eligible,
    )?;
    let personal = |cf: &str| Input::PersonalData {
        first_name: "Mario".into(),
        last_name: "Rossi".into(),
        codice_fiscale: cf.into(),
        organisation_code: "00743110157".into(),
    };
    d.say(
        &mut c,
        "Mario Rossi, RSSMRA80A01H501X, 00743110157",
        &personal("RSSMRA80A01H501X"),
    )?;
    d.note("every problem at once, by code; what was typed comes back in the view");
    d.say(
        &mut c,
        "the codice fiscale corrected",
        &personal("RSSMRA80A01H501U"),
    )?;
    let none = HostFact::Duplicate { account: None };
    d.fact(&mut c, "(the host: no earlier registration)", &none)?;
    let email = |a: &str| Input::Email {
        address: a.into(),
        username: None,
    };
    d.say(&mut c, "email studio@pec.it", &email("studio@pec.it"))?;
    d.say(
        &mut c,
        "email mario.rossi@example.it",
        &email("mario.rossi@example.it"),
    )?;
    let link = d.last_link.clone();
    let mut by_link = Client {
        key: c.key.clone(),
        secret: link.clone(),
        token: c.token.clone(),
    };
    let open = Input::OpenLink {
        token: link.as_str().into(),
    };
    d.say(&mut by_link, "(opens the link on another device)", &open)?;
    d.note("opening the link changed nothing (a mail scanner does the same)");
    let confirm = Input::ConfirmLink {
        token: link.as_str().into(),
    };
    d.say(&mut by_link, "CREA PASSWORD", &confirm)?;
    let create = Input::CreatePassword {
        password: "quercia lanterna fiume".into(),
        confirmation: "quercia lanterna fiume".into(),
        accept_terms: true,
        accept_privacy: true,
    };
    d.say(
        &mut by_link,
        "password twice, terms and privacy accepted",
        &create,
    )?;
    d.note("the account is written now, with its username claimed; the summary goes by email");
    Ok(())
}
