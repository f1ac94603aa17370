//! C2SP signed notes (<https://c2sp.org/signed-note>): a UTF-8 text ending in a newline, a blank line, then
//! one line per signature, `— <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>`. The
//! signature is over the text (with its final newline). A verifier key is written
//! `<name>+<key id as 8 hex digits>+<base64(0x01 || 32-byte public key)>`.

use crate::{verify_with, Key, KeyError, KeyId, KeyRing, Result, ALG_ED25519};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::VerifyingKey;

/// The em dash that starts every signature line.
const DASH: &str = "\u{2014} ";

/// The verifier key string of an Ed25519 key: `name+id+base64(0x01 || key)`.
pub fn verifier_key(name: &str, public: &VerifyingKey) -> String {
    let mut raw = vec![ALG_ED25519];
    raw.extend_from_slice(public.as_bytes());
    format!(
        "{name}+{}+{}",
        KeyId::compute(name, public),
        B64.encode(raw)
    )
}

/// A parsed verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub id: KeyId,
    pub key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `name+id+base64(0x01 || key)`, checking that the id is the key's hash.
    pub fn parse(vkey: &str) -> Result<NoteVerifier> {
        let bad = |reason: &str| KeyError::Invalid {
            field: "verifier key",
            reason: reason.to_string(),
        };
        let vkey = vkey.trim();
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected name+keyid+base64key"));
        };
        crate::check_name(name)?;
        let id = KeyId::parse(id)?;
        let raw = B64
            .decode(key.as_bytes())
            .map_err(|e| bad(&format!("key: {e}")))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(bad("key is not an Ed25519 key (0x01 and 32 bytes)"));
        }
        let key = VerifyingKey::from_bytes(&raw[1..].try_into().expect("33 - 1 bytes"))
            .map_err(|e| bad(&format!("key: {e}")))?;
        if KeyId::compute(name, &key) != id {
            return Err(bad("the key id is not the hash of the name and key"));
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// The verifiers of every key of a ring.
    pub fn from_ring(ring: &KeyRing) -> Vec<NoteVerifier> {
        ring.keys()
            .iter()
            .map(|k| NoteVerifier {
                name: ring.name().to_string(),
                id: k.id,
                key: k.verifying_key(),
            })
            .collect()
    }
}

/// Signs `text` (which must end in a newline) with `key` named `name`: the text, a blank line, the
/// signature line.
pub fn sign(text: &str, name: &str, key: &Key) -> Result<String> {
    if !text.ends_with('\n') {
        return Err(KeyError::Invalid {
            field: "note",
            reason: "the text must end in a newline".into(),
        });
    }
    if text.contains("\n\n") {
        return Err(KeyError::Invalid {
            field: "note",
            reason: "the text must not contain a blank line".into(),
        });
    }
    let mut sig = key.id.0.to_vec();
    sig.extend_from_slice(&key.sign(text.as_bytes()));
    Ok(format!("{text}\n{DASH}{name} {}\n", B64.encode(sig)))
}

/// A note whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, final newline included.
    pub text: String,
    /// The keys whose signatures verified.
    pub signed_by: Vec<KeyId>,
}

/// Checks a signed note against `verifiers`: at least one known key must have signed it and every
/// signature by a known key must verify; signatures by unknown keys are ignored.
pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote> {
    let bad = |reason: &str| KeyError::Invalid {
        field: "note",
        reason: reason.to_string(),
    };
    if !note.ends_with('\n') {
        return Err(bad("does not end in a newline"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| bad("no blank line before the signatures"))?;
    let text = &note[..split + 1];
    let sigs = &note[split + 2..];
    let mut signed_by = Vec::new();
    for line in sigs.lines() {
        let rest = line
            .strip_prefix(DASH)
            .ok_or_else(|| bad("a signature line does not start with an em dash and a space"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| bad("a signature line has no signature"))?;
        let raw = B64
            .decode(b64.as_bytes())
            .map_err(|e| bad(&format!("signature: {e}")))?;
        if raw.len() < 5 {
            return Err(bad("a signature is too short"));
        }
        let id = KeyId([raw[0], raw[1], raw[2], raw[3]]);
        let Some(v) = verifiers.iter().find(|v| v.name == name && v.id == id) else {
            continue;
        };
        verify_with(&v.key, text.as_bytes(), &raw[4..])?;
        signed_by.push(id);
    }
    if signed_by.is_empty() {
        return Err(KeyError::UnknownKey(
            "no signature by a known key".to_string(),
        ));
    }
    Ok(OpenedNote {
        text: text.to_string(),
        signed_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_the_c2sp_example_note() {
        let v = NoteVerifier::parse(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let opened = open(note, std::slice::from_ref(&v)).unwrap();
        assert!(opened.text.starts_with("If you think"));
        assert_eq!(opened.signed_by, vec![v.id]);
        let tampered = note.replace("answer", "Answer");
        assert!(matches!(open(&tampered, &[v]), Err(KeyError::BadSignature)));
    }

    #[test]
    fn signs_and_opens_with_current_and_retired_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = KeyRing::load_or_create(dir.path()).unwrap();
        let text = "example/log\n3\nAAAA\n";
        let old_note = sign(text, ring.name(), ring.current()).unwrap();
        ring.rotate().unwrap();
        let new_note = sign(text, ring.name(), ring.current()).unwrap();
        let verifiers = NoteVerifier::from_ring(&ring);
        assert_eq!(open(&old_note, &verifiers).unwrap().text, text);
        assert_eq!(
            open(&new_note, &verifiers).unwrap().signed_by,
            vec![ring.current().id]
        );
        // Only the verifier string is needed.
        let published = ring.public_keys();
        let v = NoteVerifier::parse(&published[1].verifier).unwrap();
        assert_eq!(
            open(&new_note, std::slice::from_ref(&v)).unwrap().text,
            text
        );
        // A note signed by another key only is refused.
        assert!(matches!(
            open(&old_note, &[v]),
            Err(KeyError::UnknownKey(_))
        ));
        // Bad input to sign.
        assert!(sign("no newline", ring.name(), ring.current()).is_err());
        assert!(sign("a\n\nb\n", ring.name(), ring.current()).is_err());
        // Malformed notes.
        assert!(open("x\n", &verifiers).is_err());
        assert!(open("x\n\n- bad\n", &verifiers).is_err());
    }

    #[test]
    fn verifier_key_parse_rejects_mismatches() {
        assert!(NoteVerifier::parse("a+00000000").is_err());
        assert!(NoteVerifier::parse(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
        assert!(NoteVerifier::parse(
            "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }
}
