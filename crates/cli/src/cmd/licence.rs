//! `exportctl licence verify FILE.pdf|TOKEN --public-key KEY`: checks a signed licence offline, with only the
//! authority's public keys: valid, or why not (bad signature, unknown key id, outside its validity).
//! No database and no network.

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use licence::{KeySet, VerifyError};
use std::path::Path;
use std::process::ExitCode;

#[derive(Args)]
pub struct LicenceArgs {
    #[command(subcommand)]
    command: LicenceCommand,
}

#[derive(Subcommand)]
enum LicenceCommand {
    /// Verify a licence: a licence PDF, a file holding the token or the QR code's text, or the token itself.
    /// Exit status 0 when valid, 1 when not (the reason on standard error), 2 on a usage error.
    Verify {
        /// `FILE.pdf`, a text file (token, or the three lines of the QR code), or the token itself.
        input: String,
        /// The authority's public keys: a file (the JSON of `GET /api/v1/public/keys`, or lines
        /// `KEY_ID PUBLIC_KEY`), or `KEY_ID=PUBLIC_KEY` (base64 or hex). Repeat for several keys.
        #[arg(long = "public-key", required = true)]
        public_key: Vec<String>,
        /// Check validity on this date instead of today (YYYY-MM-DD).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

pub fn run(a: LicenceArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        LicenceCommand::Verify {
            input,
            public_key,
            date,
        } => verify(
            &input,
            &public_key,
            date.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        ),
    }
}

/// The key set from `--public-key` values.
fn keys(values: &[String]) -> anyhow::Result<KeySet> {
    let mut text = String::new();
    for v in values {
        let p = Path::new(v);
        if p.is_file() {
            let content = std::fs::read_to_string(p)
                .with_context(|| format!("--public-key: cannot read {}", p.display()))?;
            let set =
                KeySet::parse(&content).map_err(|e| anyhow::anyhow!("--public-key {v}: {e}"))?;
            for (id, key) in set.iter() {
                text.push_str(&format!("{id} {}\n", hex_key(key)));
            }
        } else if let Some((id, key)) = v.split_once('=') {
            text.push_str(&format!("{id} {key}\n"));
        } else {
            anyhow::bail!("--public-key {v:?}: neither a file nor KEY_ID=PUBLIC_KEY");
        }
    }
    KeySet::parse(&text).map_err(|e| anyhow::anyhow!("--public-key: {e}"))
}

fn hex_key(k: &ed25519_dalek::VerifyingKey) -> String {
    k.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The QR number (if the input is a QR text) and the token from the input.
fn token_of(input: &str) -> anyhow::Result<(Option<String>, String)> {
    let p = Path::new(input);
    if p.is_file() {
        let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        if bytes.starts_with(b"%PDF-") {
            let token = licence::pdf::extract_token(&bytes).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: a PDF without an exportctl licence (no /{} entry)",
                    p.display(),
                    licence::pdf::INFO_KEY
                )
            })?;
            return Ok((None, token));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{}: neither a PDF nor text", p.display()))?;
        return licence::parse_qr_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()));
    }
    licence::parse_qr_text(input).map_err(|e| anyhow::anyhow!("{e}"))
}

fn verify(input: &str, public_keys: &[String], today: NaiveDate) -> anyhow::Result<ExitCode> {
    let keys = keys(public_keys)?;
    let (qr_number, token) = match token_of(input) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("invalid: {e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    match licence::verify(&token, &keys, today) {
        Ok(v) => {
            if let Some(n) = qr_number.filter(|n| *n != v.payload.number) {
                eprintln!(
                    "invalid: the QR code names licence {n}, the signed licence is {}",
                    v.payload.number
                );
                return Ok(ExitCode::from(1));
            }
            let p = &v.payload;
            println!(
                "valid: licence {} ({} licence) of {} ({}), signed with key {}, valid from {} until {}",
                p.number, p.kind, p.holder.name, p.holder.country, v.key_id, p.valid_from, p.valid_until
            );
            println!(
                "{}",
                serde_json::to_string_pretty(p).context("printing the licence")?
            );
            println!("(state now: check GET /verify/{} online; a signature cannot show a later suspension or revocation)", p.number);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let why = match &e {
                VerifyError::Malformed(_) => "malformed",
                VerifyError::UnknownKeyId(_) => "unknown key id",
                VerifyError::BadSignature(_) => "bad signature",
                VerifyError::NotYetValid { .. } | VerifyError::Expired { .. } => {
                    "outside its validity"
                }
            };
            eprintln!("invalid ({why}): {e}");
            Ok(ExitCode::from(1))
        }
    }
}
