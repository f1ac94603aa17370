//! The authority's signing keys: an Ed25519 key ring kept in a file (never in the database), and the C2SP
//! signed-note format (<https://c2sp.org/signed-note>) that checkpoints are written in.
//!
//! The ring is one JSON file, readable by its owner only (mode 0600): the key name, and every key ever used
//! with its 32-byte seed, creation time and status. Exactly one key is `current` (it signs); rotation makes
//! a new current key and keeps the old ones as `retired`, so signatures made with them still verify through
//! their key id. A key id is the C2SP signed-note key hash — the first 4 bytes of
//! SHA-256(name || 0x0A || 0x01 || public key) — so the same id names the key in notes and in other
//! signed payloads. The file is `DIR/signing-keys.json` in the data directory (created at first start) or a
//! file named by a `*_FILE` setting (then it must exist; create one with `exportctl keys rotate --file F`).

#![forbid(unsafe_code)]

pub mod note;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The key ring's file name inside the data directory.
pub const FILE_NAME: &str = "signing-keys.json";
/// The key name given to a new ring (the name in signature lines and verifier keys).
pub const DEFAULT_NAME: &str = "exportctl";
/// The C2SP signed-note algorithm byte for Ed25519.
pub const ALG_ED25519: u8 = 0x01;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("unknown key id {0}")]
    UnknownKey(String),
    #[error("bad signature")]
    BadSignature,
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

pub type Result<T> = std::result::Result<T, KeyError>;

/// A key id: the C2SP signed-note key hash (4 bytes), shown as 8 lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 4]);

impl KeyId {
    /// SHA-256(name || "\n" || 0x01 || public key), first 4 bytes.
    pub fn compute(name: &str, public: &VerifyingKey) -> KeyId {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update(b"\n");
        h.update([ALG_ED25519]);
        h.update(public.as_bytes());
        let d = h.finalize();
        KeyId([d[0], d[1], d[2], d[3]])
    }

    pub fn parse(s: &str) -> Result<KeyId> {
        let bad = || KeyError::Invalid {
            field: "key_id",
            reason: format!("{s:?} is not 8 hex digits"),
        };
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let v = u32::from_str_radix(s, 16).map_err(|_| bad())?;
        Ok(KeyId(v.to_be_bytes()))
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08x}", u32::from_be_bytes(self.0))
    }
}

/// Whether a key signs (`current`, exactly one) or only verifies (`retired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Current,
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Current => "current",
            KeyStatus::Retired => "retired",
        }
    }
}

/// A public key as published: what a verifier needs, no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// The key id (8 hex digits).
    pub id: String,
    /// Always `ed25519`.
    pub algorithm: String,
    /// The key name (signature lines and verifier keys carry it).
    pub name: String,
    /// The 32-byte Ed25519 public key, standard base64.
    pub public_key: String,
    pub status: KeyStatus,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// The C2SP signed-note verifier key: `name+id+base64(0x01 || public key)`.
    pub verifier: String,
}

/// One key of the ring (the secret stays inside this crate).
#[derive(Clone)]
pub struct Key {
    pub id: KeyId,
    pub status: KeyStatus,
    pub created_at: String,
    pub retired_at: Option<String>,
    signing: SigningKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id.to_string())
            .field("status", &self.status)
            .field("signing", &"<redacted>")
            .finish()
    }
}

impl Key {
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }
    /// The Ed25519 signature of `msg` (64 bytes).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }
    /// The signing key itself, for signers that need the `ed25519_dalek` type.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
}

/// The key ring file's contents.
#[derive(Serialize, Deserialize)]
struct RingFile {
    name: String,
    keys: Vec<KeyFile>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    id: String,
    status: KeyStatus,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired_at: Option<String>,
    /// The 32-byte Ed25519 seed, standard base64.
    secret: String,
}

/// The key ring: a name and its keys, the current one last.
#[derive(Clone)]
pub struct KeyRing {
    path: PathBuf,
    name: String,
    keys: Vec<Key>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("path", &self.path)
            .field("name", &self.name)
            .field("keys", &self.keys)
            .finish()
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> KeyError {
    KeyError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Checks a key name against the signed-note rules: non-empty, no white space, no `+`.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(KeyError::Invalid {
            field: "name",
            reason: format!("{name:?}: a key name is non-empty, without spaces or '+'"),
        });
    }
    Ok(())
}

impl KeyRing {
    /// The ring in `dir/signing-keys.json`, created (with one new key named [`DEFAULT_NAME`]) if missing.
    pub fn load_or_create(dir: &Path) -> Result<KeyRing> {
        let path = dir.join(FILE_NAME);
        if path.exists() {
            return KeyRing::load(&path);
        }
        std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
        KeyRing::create(&path, DEFAULT_NAME)
    }

    /// Creates a ring with one new current key at `path` (which must not exist).
    pub fn create(path: &Path, name: &str) -> Result<KeyRing> {
        check_name(name)?;
        if path.exists() {
            return Err(file_err(path, "exists already"));
        }
        let mut ring = KeyRing {
            path: path.to_path_buf(),
            name: name.to_string(),
            keys: Vec::new(),
        };
        ring.keys.push(ring.new_key());
        ring.save()?;
        Ok(ring)
    }

    /// Loads the ring at `path`; refuses a file that others than its owner may read.
    pub fn load(path: &Path) -> Result<KeyRing> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| file_err(path, e))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(file_err(
                    path,
                    format!(
                        "readable by others than its owner (mode {mode:03o}); run chmod 600 on it"
                    ),
                ));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e))?;
        let file: RingFile = serde_json::from_str(&text).map_err(|e| file_err(path, e))?;
        check_name(&file.name).map_err(|e| file_err(path, e))?;
        let mut keys = Vec::new();
        for k in file.keys {
            let seed = B64
                .decode(k.secret.as_bytes())
                .map_err(|e| file_err(path, format!("key {}: secret: {e}", k.id)))?;
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| file_err(path, format!("key {}: secret is not 32 bytes", k.id)))?;
            let signing = SigningKey::from_bytes(&seed);
            let id = KeyId::compute(&file.name, &signing.verifying_key());
            if id.to_string() != k.id {
                return Err(file_err(
                    path,
                    format!(
                        "key {}: the id does not match its key (expected {id})",
                        k.id
                    ),
                ));
            }
            keys.push(Key {
                id,
                status: k.status,
                created_at: k.created_at,
                retired_at: k.retired_at,
                signing,
            });
        }
        let current = keys
            .iter()
            .filter(|k| k.status == KeyStatus::Current)
            .count();
        if current != 1 {
            return Err(file_err(
                path,
                format!("needs exactly one current key, has {current}"),
            ));
        }
        Ok(KeyRing {
            path: path.to_path_buf(),
            name: file.name,
            keys,
        })
    }

    fn new_key(&self) -> Key {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        Key {
            id: KeyId::compute(&self.name, &signing.verifying_key()),
            status: KeyStatus::Current,
            created_at: now(),
            retired_at: None,
            signing,
        }
    }

    /// Writes the ring: a new file with mode 0600 beside the old one, then renamed over it.
    fn save(&self) -> Result<()> {
        let file = RingFile {
            name: self.name.clone(),
            keys: self
                .keys
                .iter()
                .map(|k| KeyFile {
                    id: k.id.to_string(),
                    status: k.status,
                    created_at: k.created_at.clone(),
                    retired_at: k.retired_at.clone(),
                    secret: B64.encode(k.signing.to_bytes()),
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| file_err(&self.path, e))?;
        let tmp = self.path.with_extension("json.new");
        {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).map_err(|e| file_err(&tmp, e))?;
            f.write_all(text.as_bytes())
                .and_then(|_| f.write_all(b"\n"))
                .and_then(|_| f.sync_all())
                .map_err(|e| file_err(&tmp, e))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| file_err(&self.path, e))
    }

    /// Where the ring is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key name (in signature lines and verifier keys).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key that signs now.
    pub fn current(&self) -> &Key {
        self.keys
            .iter()
            .find(|k| k.status == KeyStatus::Current)
            .expect("load and rotate keep exactly one current key")
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn get(&self, id: KeyId) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The published form of every key, oldest first.
    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.keys
            .iter()
            .map(|k| PublicKey {
                id: k.id.to_string(),
                algorithm: "ed25519".into(),
                name: self.name.clone(),
                public_key: B64.encode(k.verifying_key().as_bytes()),
                status: k.status,
                created_at: k.created_at.clone(),
                retired_at: k.retired_at.clone(),
                verifier: note::verifier_key(&self.name, &k.verifying_key()),
            })
            .collect()
    }

    /// Checks `sig` over `msg` with the key `id` (current or retired).
    pub fn verify(&self, id: KeyId, msg: &[u8], sig: &[u8]) -> Result<()> {
        let key = self
            .get(id)
            .ok_or_else(|| KeyError::UnknownKey(id.to_string()))?;
        verify_with(&key.verifying_key(), msg, sig)
    }

    /// Makes a new current key, retires the previous one (it still verifies) and saves the ring.
    /// Returns the new key's id. Nothing changes on disk if saving fails.
    pub fn rotate(&mut self) -> Result<KeyId> {
        let mut next = self.clone();
        let at = now();
        for k in &mut next.keys {
            if k.status == KeyStatus::Current {
                k.status = KeyStatus::Retired;
                k.retired_at = Some(at.clone());
            }
        }
        let key = next.new_key();
        let id = key.id;
        next.keys.push(key);
        next.save()?;
        *self = next;
        Ok(id)
    }
}

/// Checks an Ed25519 signature (64 bytes) with a public key.
pub fn verify_with(public: &VerifyingKey, msg: &[u8], sig: &[u8]) -> Result<()> {
    let sig: [u8; 64] = sig.try_into().map_err(|_| KeyError::BadSignature)?;
    public
        .verify(msg, &Signature::from_bytes(&sig))
        .map_err(|_| KeyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_then_loads_the_same_ring_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_create(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(ring.current().id, again.current().id);
        assert_eq!(ring.public_keys(), again.public_keys());
        assert_eq!(ring.name(), DEFAULT_NAME);
    }

    #[test]
    fn key_id_is_the_signed_note_key_hash() {
        // The C2SP signed-note example verifier key: PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let raw = B64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap();
        let public = VerifyingKey::from_bytes(&raw[1..].try_into().unwrap()).unwrap();
        assert_eq!(
            KeyId::compute("PeterNeumann", &public).to_string(),
            "c74f20a3"
        );
        assert_eq!(note::verifier_key("PeterNeumann", &public), vkey);
        assert_eq!(
            KeyId::parse("c74f20a3").unwrap(),
            KeyId::compute("PeterNeumann", &public)
        );
        assert!(KeyId::parse("c74f20a").is_err());
        assert!(KeyId::parse("c74f20ag").is_err());
    }

    #[test]
    fn rotation_keeps_old_keys_verifying_and_signs_with_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = KeyRing::load_or_create(dir.path()).unwrap();
        let old = ring.current().id;
        let old_sig = ring.current().sign(b"licence 1");
        let new = ring.rotate().unwrap();
        assert_ne!(old, new);
        assert_eq!(ring.current().id, new);
        let new_sig = ring.current().sign(b"licence 2");
        ring.verify(old, b"licence 1", &old_sig).unwrap();
        ring.verify(new, b"licence 2", &new_sig).unwrap();
        assert!(matches!(
            ring.verify(new, b"licence 1", &old_sig),
            Err(KeyError::BadSignature)
        ));
        assert!(matches!(
            ring.verify(old, b"licence 1!", &old_sig),
            Err(KeyError::BadSignature)
        ));
        assert!(matches!(
            ring.verify(KeyId([0, 0, 0, 0]), b"licence 1", &old_sig),
            Err(KeyError::UnknownKey(_))
        ));
        // The rotation is on disk: a fresh load has both keys, the old one retired.
        let loaded = KeyRing::load(&dir.path().join(FILE_NAME)).unwrap();
        let pubs = loaded.public_keys();
        assert_eq!(pubs.len(), 2);
        assert_eq!(pubs[0].id, old.to_string());
        assert_eq!(pubs[0].status, KeyStatus::Retired);
        assert!(pubs[0].retired_at.is_some());
        assert_eq!(pubs[1].id, new.to_string());
        assert_eq!(pubs[1].status, KeyStatus::Current);
        loaded.verify(old, b"licence 1", &old_sig).unwrap();
    }

    #[test]
    fn refuses_files_others_can_read_and_inconsistent_files() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_create(dir.path()).unwrap();
        let path = ring.path().to_path_buf();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = KeyRing::load(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        // A key whose id does not match its secret.
        let text = std::fs::read_to_string(&path).unwrap();
        let id = ring.current().id.to_string();
        std::fs::write(&path, text.replace(&id, "00000000")).unwrap();
        let e = KeyRing::load(&path).unwrap_err().to_string();
        assert!(e.contains("does not match"), "{e}");
        // No file at an explicitly named path.
        assert!(KeyRing::load(&dir.path().join("missing.json")).is_err());
        assert!(KeyRing::create(&path, "bad name").is_err());
        assert!(KeyRing::create(&dir.path().join("x.json"), "a+b").is_err());
    }
}
