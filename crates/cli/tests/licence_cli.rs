//! End-to-end tests of `exportctl licence verify`, spawning the built binary on a licence PDF, a QR text and a
//! bare token: valid, and each reason for not valid.

use chrono::NaiveDate;
use ed25519_dalek::SigningKey;
use licence::{Holder, LicencePayload, Party, Product, Signer};
use std::path::Path;
use std::process::{Command, Output};

fn exportctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(args)
        .output()
        .expect("run exportctl")
}

fn payload() -> LicencePayload {
    LicencePayload {
        v: 1,
        number: "L-ML-2026-000007".into(),
        kind: "marketing".into(),
        case: "ML-2026-000007".into(),
        holder: Holder {
            name: "Acme Cyber Ltd".into(),
            country: "IL".into(),
        },
        products: vec![Product {
            name: "Monitor".into(),
            version: "1".into(),
            control_entries: vec!["5A001.j".into()],
        }],
        destinations: vec!["DE".into()],
        end_users: vec![Party {
            name: "Federal Police".into(),
            country: Some("DE".into()),
            party_type: Some("government-law-enforcement".into()),
        }],
        consignee: None,
        quantity: None,
        value: None,
        quantity_limit: None,
        value_limit: None,
        conditions: vec![],
        valid_from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(),
        issued_at: "2026-03-01T10:00:00.000Z".into(),
    }
}

fn key_arg(id: &str, seed: u8) -> String {
    let k = SigningKey::from_bytes(&[seed; 32]).verifying_key();
    format!(
        "{id}={}",
        k.as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

struct Files {
    _dir: tempfile::TempDir,
    pdf: String,
    qr: String,
    token: String,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new("k-2026", SigningKey::from_bytes(&[9; 32]));
    let token = licence::sign(&payload(), &signer);
    let pdf = dir.path().join("licence.pdf");
    std::fs::write(&pdf, licence::pdf::render(&payload(), &token)).unwrap();
    let qr = dir.path().join("qr.txt");
    std::fs::write(&qr, licence::qr_text(&payload().number, &token)).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    Files {
        pdf: s(&pdf),
        qr: s(&qr),
        token,
        _dir: dir,
    }
}

#[test]
fn a_valid_licence_verifies_from_pdf_qr_text_and_token() {
    let f = files();
    let key = key_arg("k-2026", 9);
    for input in [&f.pdf, &f.qr, &f.token] {
        let o = exportctl(&[
            "licence",
            "verify",
            input,
            "--public-key",
            &key,
            "--date",
            "2027-01-01",
        ]);
        assert!(o.status.success(), "{input}: {}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.starts_with("valid: licence L-ML-2026-000007 (marketing licence) of Acme Cyber Ltd (IL), signed with key k-2026"),
            "{out}"
        );
    }
    // Keys from a file in the JSON the service publishes, among other keys.
    let keys = tempfile::NamedTempFile::new().unwrap();
    let pk = |seed: u8| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(
            SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .as_bytes(),
        )
    };
    std::fs::write(
        keys.path(),
        format!(
            r#"{{"keys":[{{"id":"k-2025","public_key":"{}"}},{{"id":"k-2026","public_key":"{}"}}]}}"#,
            pk(8),
            pk(9)
        ),
    )
    .unwrap();
    let o = exportctl(&[
        "licence",
        "verify",
        &f.pdf,
        "--public-key",
        keys.path().to_str().unwrap(),
        "--date",
        "2026-03-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn each_invalid_licence_says_why() {
    let f = files();
    let run = |input: &str, key: &str, date: &str| {
        exportctl(&[
            "licence",
            "verify",
            input,
            "--public-key",
            key,
            "--date",
            date,
        ])
    };
    let o = run(&f.pdf, &key_arg("k-2026", 9), "2028-03-01");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid (outside its validity): licence L-ML-2026-000007 has expired: valid until 2028-02-29"),
        "{}",
        stderr(&o)
    );
    let o = run(&f.pdf, &key_arg("k-2026", 9), "2026-02-28");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not valid yet"), "{}", stderr(&o));
    let o = run(&f.pdf, &key_arg("k-other", 9), "2027-01-01");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid (unknown key id)") && stderr(&o).contains("\"k-2026\""),
        "{}",
        stderr(&o)
    );
    let o = run(&f.pdf, &key_arg("k-2026", 10), "2027-01-01");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid (bad signature)"),
        "{}",
        stderr(&o)
    );
    // A token whose payload was changed (here: one character of the base64 payload) fails the signature.
    let mut parts: Vec<String> = f.token.split('.').map(str::to_string).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    let o = run(&parts.join("."), &key_arg("k-2026", 9), "2027-01-01");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("invalid"), "{}", stderr(&o));
    // A QR text naming another licence than the signed one.
    let other = licence::qr_text("L-ML-2026-000099", &f.token);
    let o = run(&other, &key_arg("k-2026", 9), "2027-01-01");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("names licence L-ML-2026-000099"),
        "{}",
        stderr(&o)
    );
    // A PDF without a licence, and a bad key argument (usage error, status 2).
    let plain = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(plain.path(), b"%PDF-1.7\n%%EOF").unwrap();
    let o = run(
        plain.path().to_str().unwrap(),
        &key_arg("k-2026", 9),
        "2027-01-01",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("without an exportctl licence"),
        "{}",
        stderr(&o)
    );
    let o = run(&f.pdf, "not-a-key", "2027-01-01");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--public-key"), "{}", stderr(&o));
}
