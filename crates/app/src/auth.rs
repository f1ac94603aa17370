//! Passwords and browser sessions.
//!
//! Passwords are stored as Argon2id PHC strings (per-user random salt, the `argon2` crate's default
//! parameters); a password must have at least [`MIN_PASSWORD_CHARS`] characters and not be one of a short list
//! of common passwords. A session is a 256-bit random secret held in the browser's cookie; only its SHA-256
//! is stored (like API tokens, a high-entropy secret needs no slow hash). A session ends at sign-out, when it
//! has been idle for the configured time, at its absolute lifetime, and when its user's password changes or
//! the user is disabled (both delete the user's sessions in the same transaction).
//!
//! Every state-changing form carries a CSRF token bound to the session: SHA-256 of a fixed label and the
//! session secret ([`csrf_token`]), so it is different for every session and cannot be derived from what the
//! database stores.

use crate::{audit, now, App, AppError, AppResult, Principal};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{Duration, SecondsFormat, Utc};
use domain::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::SessionRow;

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in characters (bounds the hashing work per request).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Common passwords (and patterns of them) refused whatever their length, compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "qwertyuiopasdf",
    "qwertyuiop123",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "iloveyou1234",
    "administrator",
    "administrator1",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "changemechangeme",
    "correcthorsebatterystaple",
    "trustno1trustno1",
    "abcdefghijkl",
    "abc123abc123",
    "monkey123456",
    "dragon123456",
    "football1234",
    "baseball1234",
    "exportctl123",
    "exportcontrol",
    "exportcontrol1",
    "passw0rdpassw0rd",
];

/// The session configuration (`serve --session-idle-minutes`, `--session-absolute-hours`, `--secure-cookies`).
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_minutes: u32,
    /// A session ends this long after sign-in, whatever its use.
    pub absolute_hours: u32,
    /// Mark the session cookie `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookie: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_minutes: 30,
            absolute_hours: 12,
            secure_cookie: false,
        }
    }
}

/// A new session: the secret for the cookie (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub expires_at: String,
}

/// The same answer for an unknown user, a wrong password, a user without a password and a disabled user.
pub const SIGN_IN_REFUSED: &str = "the username or the password is not right";

/// Checks a new password: length bounds and the list of common passwords.
pub fn check_password(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            field,
            format!("must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(
            field,
            format!("must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    if COMMON_PASSWORDS.contains(&lower.as_str()) || lower.chars().all(|c| Some(c) == first) {
        return Err(AppError::invalid(
            field,
            "is a commonly used password; choose another",
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The CSRF token of the session with this secret.
pub fn csrf_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"exportctl-csrf\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `given` is the CSRF token of the session (compared in constant time).
pub fn csrf_matches(session_secret: &str, given: &str) -> bool {
    let want = csrf_token(session_secret);
    want.len() == given.len()
        && want
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fixed hash verified against when the user is unknown, so that both answers take the same time.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl App {
    /// Sets a user's password (administrators, the shell operator, or the user itself) and ends the user's
    /// sessions in the same transaction.
    pub async fn set_password(
        &self,
        who: &Principal,
        username: &str,
        password: &str,
    ) -> AppResult<()> {
        let u = self
            .store
            .user_by_username(username.trim())
            .await
            .map_err(crate::not_found("user"))?;
        if !(who.role == Role::Admin || who.user_id == u.id) {
            return Err(AppError::Forbidden(
                "only an administrator or the user itself may set a password".into(),
            ));
        }
        check_password("password", password)?;
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(format!("hashing task: {e}")))??;
        let mut tx = self.store.begin().await?;
        let ended = tx
            .set_password_hash(&u.id, &hash)
            .await
            .map_err(crate::not_found("user"))?;
        audit(
            &mut tx,
            who,
            "set-password",
            "user",
            &u.id,
            None::<&()>,
            Some(&serde_json::json!({"sessions_ended": ended})),
            None,
        );
        tx.commit().await?;
        Ok(())
    }

    /// Signs a user in with its password: a new session. Every refusal answers [`SIGN_IN_REFUSED`].
    pub async fn sign_in(&self, username: &str, password: &str) -> AppResult<NewSession> {
        let refused = || AppError::Unauthenticated(SIGN_IN_REFUSED.into());
        if password.chars().count() > MAX_PASSWORD_CHARS || username.len() > 200 {
            return Err(refused());
        }
        let found = match self.store.user_password(username.trim()).await {
            Ok((u, h)) => Some((u, h)),
            Err(store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let phc = found
            .as_ref()
            .and_then(|(_, h)| h.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
            .await
            .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?;
        let user = match found {
            Some((u, Some(_))) if ok && !u.disabled => u,
            _ => return Err(refused()),
        };
        let secret = new_secret();
        let start = Utc::now();
        let cfg = &self.config.sessions;
        let expires = start + Duration::hours(i64::from(cfg.absolute_hours));
        let idle = (start + Duration::minutes(i64::from(cfg.idle_minutes))).min(expires);
        let row = SessionRow {
            id: crate::new_id(),
            user_id: user.id.clone(),
            created_at: rfc3339(start),
            idle_expires_at: rfc3339(idle),
            expires_at: rfc3339(expires),
        };
        let as_user = Principal {
            user_id: user.id.clone(),
            username: user.username.clone(),
            token_id: Some(format!("session:{}", row.id)),
            origin: crate::Origin::Api,
            ..Principal::system()
        };
        let mut tx = self.store.begin().await?;
        tx.delete_expired_sessions(&rfc3339(start)).await?;
        tx.insert_session(&row, &crate::admin::hash_token(&secret))
            .await?;
        audit(
            &mut tx,
            &as_user,
            "sign-in",
            "session",
            &row.id,
            None::<&()>,
            Some(&row),
            None,
        );
        tx.commit().await?;
        Ok(NewSession {
            csrf: csrf_token(&secret),
            secret,
            expires_at: row.expires_at,
        })
    }

    /// Resolves a session secret to its user, moving the idle expiry on. Unknown, expired and ended sessions
    /// and disabled users are all "unauthenticated".
    pub async fn authenticate_session(&self, secret: &str) -> AppResult<Principal> {
        let t = Utc::now();
        let (u, s) = self
            .store
            .user_by_session_hash(&crate::admin::hash_token(secret), &rfc3339(t))
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => {
                    AppError::Unauthenticated("no session, or the session has ended".into())
                }
                other => other.into(),
            })?;
        let idle = rfc3339(t + Duration::minutes(i64::from(self.config.sessions.idle_minutes)))
            .min(s.expires_at.clone());
        let mut tx = self.store.begin().await?;
        tx.touch_session(&s.id, &idle).await?;
        tx.commit().await?;
        let role: Role = u
            .role
            .parse()
            .map_err(|e: String| AppError::Internal(format!("stored role: {e}")))?;
        Ok(Principal {
            user_id: u.id,
            username: u.username,
            role,
            review_kind: u
                .review_kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: String| AppError::Internal(format!("stored review kind: {e}")))?,
            org_id: u.org_id,
            token_id: Some(format!("session:{}", s.id)),
            origin: crate::Origin::Api,
        })
    }

    /// Ends the session with this secret (nothing happens for an unknown one).
    pub async fn sign_out(&self, secret: &str) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let id = tx.delete_session(&crate::admin::hash_token(secret)).await?;
        if let Some((id, user_id)) = id {
            tx.audit(store::NewAuditEvent {
                at: now(),
                actor: user_id,
                via: Some(format!("session:{id}")),
                action: "sign-out".into(),
                record_kind: "session".into(),
                record_id: id,
                before: None,
                after: None,
                reason: None,
            });
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(check_password("p", "short").is_err());
        assert!(
            check_password("p", "Password1234").is_err(),
            "common, any case"
        );
        assert!(check_password("p", "aaaaaaaaaaaaaaaa").is_err());
        assert!(check_password("p", &"x1".repeat(200)).is_err());
        assert!(check_password("p", "plum tree in winter").is_ok());
    }

    #[test]
    fn hashes_are_argon2id_with_their_own_salt_and_verify() {
        let a = hash_password("plum tree in winter").unwrap();
        let b = hash_password("plum tree in winter").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "per-hash random salt");
        assert!(verify_password("plum tree in winter", &a));
        assert!(!verify_password("plum tree in summer", &a));
    }

    #[test]
    fn csrf_is_bound_to_the_session() {
        let (s1, s2) = (new_secret(), new_secret());
        assert!(csrf_matches(&s1, &csrf_token(&s1)));
        assert!(!csrf_matches(&s1, &csrf_token(&s2)));
        assert!(!csrf_matches(&s1, ""));
    }
}
