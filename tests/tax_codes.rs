//! The Italian tax codes against a second implementation: python-stdnum's
//! verdicts on 1,500 codes (`tests/data/tax_codes.tsv`, made by
//! `scripts/gen_tax_codes.py`: valid codes, omocodic ones, wrong check
//! characters, single changed characters).

use varco::account::{CodiceFiscale, IdentifierKind, IdentifierRules, LookupKey, PartitaIva};

const DATA: &str = include_str!("data/tax_codes.tsv");

#[test]
fn every_verdict_matches_python_stdnum() {
    let (mut valid, mut invalid) = (0, 0);
    for line in DATA.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let want = f[2] == "1";
        let got = match f[0] {
            "codice_fiscale" => CodiceFiscale::parse(f[1]).is_ok(),
            "partita_iva" => PartitaIva::parse(f[1]).is_ok(),
            other => panic!("unknown kind {other}"),
        };
        assert_eq!(got, want, "{line}");
        if want { valid += 1 } else { invalid += 1 }
    }
    assert!(
        valid >= 500 && invalid >= 500,
        "{valid} valid, {invalid} invalid"
    );
}

/// A codice fiscale is found however it is typed.
#[test]
fn a_codice_fiscale_lookup_key_is_its_upper_case_form() {
    let rules = IdentifierRules::default();
    for line in DATA
        .lines()
        .filter(|l| l.starts_with("codice_fiscale") && l.ends_with("\t1"))
        .take(50)
    {
        let code = line.split('\t').nth(1).unwrap();
        let typed = format!(" {} ", code.to_lowercase());
        let k = LookupKey::of(IdentifierKind::CodiceFiscale, &typed, &rules).unwrap();
        assert_eq!(k.key(), code);
        assert_eq!(k.record_key(), format!("hint/cf/{code}"));
    }
}
