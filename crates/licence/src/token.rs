//! The signed licence: a JWS in compact serialisation (RFC 7515) signed with Ed25519 (`alg` `EdDSA`,
//! RFC 8037), and the QR text that carries it.
//!
//! `token = B64(header) "." B64(payload) "." B64(signature)`, B64 being base64url without padding; the
//! header is the canonical JSON `{"alg":"EdDSA","kid":KEY_ID,"typ":"exportctl-licence"}`, the payload the
//! canonical JSON of a [`LicencePayload`], and the signature Ed25519 over the ASCII bytes
//! `B64(header) "." B64(payload)`.

use crate::{canonical, LicencePayload, PAYLOAD_VERSION};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The JWS `typ` of a licence token.
pub const TOKEN_TYPE: &str = "exportctl-licence";
/// The first line of a licence QR code; the second is the licence number, the third the token.
pub const QR_MAGIC: &str = "EXPORTCTL-LICENCE-1";

/// A signing key and its id (the id verifiers look the public key up by).
#[derive(Clone)]
pub struct Signer {
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .field("key", &"<secret>")
            .finish()
    }
}

impl Signer {
    pub fn new(key_id: impl Into<String>, key: SigningKey) -> Signer {
        Signer {
            key_id: key_id.into(),
            key,
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
}

/// The public keys a verifier trusts, by key id.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: BTreeMap<String, VerifyingKey>,
}

impl KeySet {
    pub fn new() -> KeySet {
        KeySet::default()
    }

    pub fn insert(&mut self, key_id: impl Into<String>, key: VerifyingKey) {
        self.keys.insert(key_id.into(), key);
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &VerifyingKey)> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Public keys from text: either JSON (an array of `{"id": ..., "public_key": ...}` objects, or an object
    /// with such an array under `keys`; `key_id` and `key` are accepted as names too), or lines
    /// `KEY_ID PUBLIC_KEY` (blank lines and lines starting with `#` ignored). A public key is the 32-byte
    /// Ed25519 key in base64 (standard or url-safe alphabet, padding optional) or in hexadecimal.
    pub fn parse(text: &str) -> Result<KeySet, String> {
        let mut set = KeySet::new();
        let trimmed = text.trim();
        if trimmed.starts_with('[') || trimmed.starts_with('{') {
            let v: Value =
                serde_json::from_str(trimmed).map_err(|e| format!("public keys: {e}"))?;
            let items = match &v {
                Value::Array(a) => a.clone(),
                Value::Object(o) => match o.get("keys") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => vec![v.clone()],
                },
                _ => return Err("public keys: expected an array or an object".into()),
            };
            for (i, item) in items.iter().enumerate() {
                let field = |names: &[&str]| {
                    names
                        .iter()
                        .find_map(|n| item.get(*n).and_then(Value::as_str))
                        .map(str::to_string)
                };
                let id = field(&["id", "key_id", "kid"])
                    .ok_or_else(|| format!("public keys[{i}]: no `id`"))?;
                let key = field(&["public_key", "key"])
                    .ok_or_else(|| format!("public keys[{i}]: no `public_key`"))?;
                set.insert(
                    id,
                    decode_key(&key).map_err(|e| format!("public keys[{i}]: {e}"))?,
                );
            }
        } else {
            for (n, line) in trimmed.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let (Some(id), Some(key), None) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(format!(
                        "public keys line {}: expected `KEY_ID PUBLIC_KEY`",
                        n + 1
                    ));
                };
                set.insert(
                    id,
                    decode_key(key).map_err(|e| format!("public keys line {}: {e}", n + 1))?,
                );
            }
        }
        if set.is_empty() {
            return Err("public keys: none given".into());
        }
        Ok(set)
    }
}

/// A 32-byte Ed25519 public key from base64 (either alphabet, padding optional) or hexadecimal.
pub fn decode_key(s: &str) -> Result<VerifyingKey, String> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(s).map_err(|e| e.to_string())?
    } else {
        let unpadded = s.trim_end_matches('=');
        URL_SAFE_NO_PAD
            .decode(unpadded.replace('+', "-").replace('/', "_"))
            .or_else(|_| STANDARD.decode(s))
            .map_err(|e| format!("public key is neither base64 nor hexadecimal: {e}"))?
    };
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("an Ed25519 public key has 32 bytes, got {}", bytes.len()))?;
    VerifyingKey::from_bytes(&arr).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

/// Signs `payload`: the JWS compact token.
pub fn sign(payload: &LicencePayload, signer: &Signer) -> String {
    let header = header_bytes(&signer.key_id);
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload.to_canonical())
    );
    let sig = signer.key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn header_bytes(key_id: &str) -> Vec<u8> {
    canonical::encode(&json!({"alg": "EdDSA", "kid": key_id, "typ": TOKEN_TYPE}))
        .expect("the header has strings only")
}

/// Why a licence token does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a licence token: {0}")]
    Malformed(String),
    #[error("signed with key id {0:?}, which is not among the public keys given")]
    UnknownKeyId(String),
    #[error("bad signature: the licence was altered or not signed with key {0:?}")]
    BadSignature(String),
    #[error("licence {number} is not valid yet: valid from {valid_from}")]
    NotYetValid {
        number: String,
        valid_from: NaiveDate,
    },
    #[error("licence {number} has expired: valid until {valid_until}")]
    Expired {
        number: String,
        valid_until: NaiveDate,
    },
}

/// A token that verified: its key id and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: String,
    pub payload: LicencePayload,
}

/// Verifies `token` with `keys` and checks that `today` lies within the licence's validity.
///
/// Order of checks: the token's shape and header, the key id, the signature, the payload's format (it must
/// be the canonical encoding of a version-1 payload), then validity.
pub fn verify(token: &str, keys: &KeySet, today: NaiveDate) -> Result<Verified, VerifyError> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [h64, p64, s64] = parts.as_slice() else {
        return Err(VerifyError::Malformed(format!(
            "expected three base64url parts separated by '.', got {}",
            parts.len()
        )));
    };
    let b64 = |what: &str, s: &str| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|e| VerifyError::Malformed(format!("{what}: {e}")))
    };
    let header: Value = serde_json::from_slice(&b64("header", h64)?)
        .map_err(|e| VerifyError::Malformed(format!("header: {e}")))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(VerifyError::Malformed(
            "header: `alg` must be \"EdDSA\"".into(),
        ));
    }
    if header.get("typ").and_then(Value::as_str) != Some(TOKEN_TYPE) {
        return Err(VerifyError::Malformed(format!(
            "header: `typ` must be {TOKEN_TYPE:?}"
        )));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyError::Malformed("header: no `kid`".into()))?
        .to_string();
    let key = keys
        .keys
        .get(&kid)
        .ok_or_else(|| VerifyError::UnknownKeyId(kid.clone()))?;
    let sig_bytes = b64("signature", s64)?;
    let sig = Signature::from_slice(&sig_bytes)
        .map_err(|_| VerifyError::Malformed("signature: not 64 bytes".into()))?;
    key.verify_strict(format!("{h64}.{p64}").as_bytes(), &sig)
        .map_err(|_| VerifyError::BadSignature(kid.clone()))?;
    let payload_bytes = b64("payload", p64)?;
    let payload: LicencePayload = serde_json::from_slice(&payload_bytes)
        .map_err(|e| VerifyError::Malformed(format!("payload: {e}")))?;
    if payload.v != PAYLOAD_VERSION {
        return Err(VerifyError::Malformed(format!(
            "payload: version {} is not supported",
            payload.v
        )));
    }
    if payload.to_canonical() != payload_bytes {
        return Err(VerifyError::Malformed(
            "payload: not in canonical form".into(),
        ));
    }
    if today < payload.valid_from {
        return Err(VerifyError::NotYetValid {
            number: payload.number,
            valid_from: payload.valid_from,
        });
    }
    if today > payload.valid_until {
        return Err(VerifyError::Expired {
            number: payload.number,
            valid_until: payload.valid_until,
        });
    }
    Ok(Verified {
        key_id: kid,
        payload,
    })
}

/// The text of a licence's QR code: three lines, [`QR_MAGIC`], the licence number, the token.
pub fn qr_text(number: &str, token: &str) -> String {
    format!("{QR_MAGIC}\n{number}\n{token}")
}

/// The licence number and the token from a QR text, or a bare token (number `None`).
pub fn parse_qr_text(text: &str) -> Result<(Option<String>, String), VerifyError> {
    let text = text.trim();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    match lines.as_slice() {
        [only] => Ok((None, only.to_string())),
        [magic, number, token] if *magic == QR_MAGIC => {
            Ok((Some(number.to_string()), token.to_string()))
        }
        _ => Err(VerifyError::Malformed(format!(
            "expected a token, or the three lines of a licence QR code starting {QR_MAGIC}"
        ))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Holder, Party, Product};

    pub(crate) fn payload() -> LicencePayload {
        LicencePayload {
            v: 1,
            number: "L-EL-2026-000001".into(),
            kind: "export".into(),
            case: "EL-2026-000001".into(),
            holder: Holder {
                name: "Acme Cyber Ltd".into(),
                country: "IL".into(),
            },
            products: vec![Product {
                name: "Intercept Suite".into(),
                version: "3.2".into(),
                control_entries: vec!["5A001.j".into()],
            }],
            destinations: vec!["DE".into()],
            end_users: vec![Party {
                name: "Bundespolizei".into(),
                country: Some("DE".into()),
                party_type: Some("government-law-enforcement".into()),
            }],
            consignee: None,
            quantity: Some(3),
            value: None,
            quantity_limit: None,
            value_limit: None,
            conditions: vec!["Report every 6 months".into()],
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2028, 1, 10).unwrap(),
            issued_at: "2026-01-10T09:00:00.000Z".into(),
        }
    }

    fn signer(seed: u8) -> Signer {
        Signer::new(format!("k{seed}"), SigningKey::from_bytes(&[seed; 32]))
    }

    fn keys(s: &Signer) -> KeySet {
        let mut k = KeySet::new();
        k.insert(s.key_id(), s.verifying_key());
        k
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn signed_token_verifies_and_is_deterministic() {
        let s = signer(7);
        let t = sign(&payload(), &s);
        assert_eq!(
            t,
            sign(&payload(), &s),
            "Ed25519 signatures are deterministic"
        );
        let v = verify(&t, &keys(&s), day(2027, 6, 1)).unwrap();
        assert_eq!(v.payload, payload());
        assert_eq!(v.key_id, "k7");
        // Validity is inclusive at both ends.
        assert!(verify(&t, &keys(&s), day(2026, 1, 10)).is_ok());
        assert!(verify(&t, &keys(&s), day(2028, 1, 10)).is_ok());
    }

    #[test]
    fn each_failure_says_why() {
        let s = signer(7);
        let t = sign(&payload(), &s);
        let k = keys(&s);
        assert_eq!(
            verify(&t, &keys(&signer(8)), day(2027, 1, 1)),
            Err(VerifyError::UnknownKeyId("k7".into()))
        );
        let mut wrong = KeySet::new();
        wrong.insert("k7", signer(8).verifying_key());
        assert_eq!(
            verify(&t, &wrong, day(2027, 1, 1)),
            Err(VerifyError::BadSignature("k7".into()))
        );
        // A payload altered by one field (the quantity) no longer matches the signature.
        let parts: Vec<&str> = t.split('.').collect();
        let mut altered = payload();
        altered.quantity = Some(300);
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(altered.to_canonical()),
            parts[2]
        );
        assert_eq!(
            verify(&tampered, &k, day(2027, 1, 1)),
            Err(VerifyError::BadSignature("k7".into()))
        );
        assert!(matches!(
            verify(&t, &k, day(2028, 1, 11)),
            Err(VerifyError::Expired { valid_until, .. }) if valid_until == day(2028, 1, 10)
        ));
        assert!(matches!(
            verify(&t, &k, day(2026, 1, 9)),
            Err(VerifyError::NotYetValid { .. })
        ));
        assert!(matches!(
            verify("abc.def", &k, day(2027, 1, 1)),
            Err(VerifyError::Malformed(_))
        ));
    }

    #[test]
    fn a_validly_signed_non_canonical_payload_is_refused() {
        let s = signer(3);
        let header = URL_SAFE_NO_PAD.encode(header_bytes("k3"));
        let body = serde_json::to_vec_pretty(&payload()).unwrap();
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(body));
        let sig = s.key.sign(input.as_bytes());
        let t = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()));
        assert!(matches!(
            verify(&t, &keys(&s), day(2027, 1, 1)),
            Err(VerifyError::Malformed(m)) if m.contains("canonical")
        ));
    }

    #[test]
    fn qr_text_round_trips() {
        let (n, t) = parse_qr_text(&qr_text("L-1", "a.b.c")).unwrap();
        assert_eq!((n.as_deref(), t.as_str()), (Some("L-1"), "a.b.c"));
        assert_eq!(parse_qr_text(" a.b.c\n").unwrap(), (None, "a.b.c".into()));
        assert!(parse_qr_text("x\ny").is_err());
    }

    #[test]
    fn key_sets_parse_from_json_and_lines() {
        let s = signer(5);
        let b64 = STANDARD.encode(s.verifying_key().to_bytes());
        let hexkey = hex::encode(s.verifying_key().to_bytes());
        let json = format!(r#"{{"keys":[{{"id":"k5","public_key":"{b64}"}}]}}"#);
        let t = sign(&payload(), &s);
        for text in [json, format!("# keys\nk5 {hexkey}\n"), format!("k5 {b64}")] {
            let set = KeySet::parse(&text).unwrap();
            assert!(verify(&t, &set, day(2027, 1, 1)).is_ok(), "{text}");
        }
        assert!(KeySet::parse("k5").unwrap_err().contains("line 1"));
        assert!(KeySet::parse("k5 AAAA").unwrap_err().contains("32 bytes"));
        assert!(KeySet::parse("").is_err());
    }
}
