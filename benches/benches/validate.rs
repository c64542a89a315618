//! The form validators (issue 15's target: every one at most 1 µs), each
//! on a valid value and on one with problems, and the peers on the same
//! input in the same run: `codice_fiscale_rs` 0.2.1 (the codice fiscale)
//! and `email_address` 0.2 (an email's syntax).
//!
//! `cargo bench -p varco-benches --bench validate`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use varco::validate::{Field, Person, ValidationRules, check, codice_fiscale_of};

fn validators(c: &mut Criterion) {
    let mut g = c.benchmark_group("validate");
    let rules = ValidationRules::default();
    for (name, field, valid, invalid) in [
        (
            "codice_fiscale",
            Field::CodiceFiscale,
            "rssmra80a01h501u",
            "RSSMR180Z41H5A1U",
        ),
        (
            "partita_iva",
            Field::PartitaIva,
            "IT 00743110157",
            "00743110158",
        ),
        (
            "organisation_code",
            Field::OrganisationCode,
            "00743110157",
            "RSSMRA80A01H501X",
        ),
        ("mobile", Field::Mobile, "+39 333 123 4567", "06 1234 5678"),
        (
            "fixed_number",
            Field::FixedNumber,
            "06 1234 5678",
            "430 123 4567",
        ),
        ("phone", Field::Phone, "02 1234567", "800 123 456"),
        (
            "email",
            Field::Email,
            "Mario.Rossi@Example.IT",
            "mario..rossi@example",
        ),
        (
            "registration_email",
            Field::RegistrationEmail,
            "mario.rossi@example.it",
            "studio@cert.legalmail.it",
        ),
    ] {
        g.bench_function(format!("{name}/valid"), |b| {
            b.iter(|| check(field, black_box(valid), &rules).is_ok())
        });
        g.bench_function(format!("{name}/invalid"), |b| {
            b.iter(|| check(field, black_box(invalid), &rules).is_err())
        });
    }
    let mario = Person {
        first_name: Some("Mario".into()),
        last_name: Some("Rossi".into()),
        ..Person::default()
    };
    g.bench_function("codice_fiscale_of_person", |b| {
        b.iter(|| codice_fiscale_of(black_box("RSSMRA80A01H501U"), &mario).is_ok())
    });
    g.bench_function("peer_codice_fiscale_rs/valid", |b| {
        b.iter(|| codice_fiscale_rs::CodiceFiscale::new(black_box("RSSMRA80A01H501U")).is_ok())
    });
    g.bench_function("peer_email_address/valid", |b| {
        b.iter(|| email_address::EmailAddress::is_valid(black_box("Mario.Rossi@Example.IT")))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = validators
}
criterion_main!(benches);
