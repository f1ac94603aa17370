//! Administration: organisations, users, API tokens, and authentication of a bearer token.
//!
//! Tokens are 256-bit random secrets shown once; only their SHA-256 is stored (a fast hash is right for
//! high-entropy secrets: there is nothing to brute-force). Tokens expire (at most the configured maximum
//! lifetime) and can be listed and revoked.
//!
//! Who gets a token: a token never mints another token, and an administrator never holds a working token of
//! another user. Creating a user (or asking for a new enrolment) gives a one-time enrolment secret that the user
//! exchanges for a token itself (`enrol`). Only the local shell operator, who has the database in hand anyway,
//! obtains tokens directly (bootstrap of the first administrator, `admin create-token`). Disabling a user
//! revokes every token at once.

use crate::access::Kind;
use crate::model::*;
use crate::{
    audit, known_country, new_id, not_found, now, text, App, AppError, AppResult, Principal,
};
use domain::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{Record, TokenRow, UserRow};

pub const ORG: &str = store::kinds::ORGANISATION;
pub const ENROLMENT: &str = "enrolment";
const DEFAULT_TOKEN_DAYS: u32 = 30;
/// An enrolment secret is valid for this many days.
const ENROLMENT_DAYS: i64 = 7;

/// A stored enrolment: the secret's hash, never the secret.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EnrolmentBody {
    pub user_id: String,
    pub secret_hash: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("exp_{}", hex::encode(b))
}

fn user_view(u: &UserRow) -> AppResult<User> {
    Ok(User {
        id: u.id.clone(),
        username: u.username.clone(),
        role: u
            .role
            .parse()
            .map_err(|e: String| AppError::Internal(format!("stored role: {e}")))?,
        review_kind: u
            .review_kind
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: String| AppError::Internal(format!("stored review kind: {e}")))?,
        org_id: u.org_id.clone(),
        created_at: u.created_at.clone(),
        disabled: u.disabled,
        grade: (u.role == Role::Officer.as_str())
            .then(|| {
                u.grade
                    .as_deref()
                    .map_or(Ok(domain::OfficerGrade::Standard), str::parse)
            })
            .transpose()
            .map_err(|e: String| AppError::Internal(format!("stored grade: {e}")))?,
    })
}

fn org_view(r: Record<NewOrganisation>) -> Organisation {
    Organisation {
        id: r.id,
        name: r.body.name,
        country: r.body.country,
        created_at: r.created_at,
    }
}

impl App {
    /// Resolves a bearer token to its user. Unknown, expired and revoked tokens are all "unauthenticated".
    pub async fn authenticate(&self, token: &str) -> AppResult<Principal> {
        let (u, token_id) = self
            .store
            .user_by_token_hash(&hash_token(token.trim()), &now())
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::Unauthenticated(
                    "unknown, expired or revoked token, or a disabled user".into(),
                ),
                other => other.into(),
            })?;
        let v = user_view(&u)?;
        Ok(Principal {
            user_id: v.id,
            username: v.username,
            role: v.role,
            review_kind: v.review_kind,
            org_id: v.org_id,
            token_id: Some(token_id),
            origin: crate::Origin::Api,
        })
    }

    pub async fn create_organisation(
        &self,
        who: &Principal,
        new: NewOrganisation,
    ) -> AppResult<Organisation> {
        who.require(&[Role::Admin], "create organisations")?;
        let body = NewOrganisation {
            name: crate::party_name("name", &new.name, 200)?,
            country: new.country,
        };
        known_country(self, "country", &body.country)?;
        let t = now();
        let rec = Record::new(new_id(), ORG, None, "active", body, t);
        let mut tx = self.store.begin().await?;
        rec_org_id_self(&mut tx, &rec).await?;
        audit(
            &mut tx,
            who,
            "create-organisation",
            ORG,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        tx.commit().await?;
        let mut rec = rec;
        rec.org_id = Some(rec.id.clone());
        Ok(org_view(rec))
    }

    pub async fn organisations(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Organisation>> {
        let filter = who.list_filter(Kind::Organisation, store::Filter::default())?;
        crate::listing::page_of(
            &self.store,
            ORG,
            filter,
            page,
            |_: &store::Record<NewOrganisation>| true,
        )
        .await?
        .try_map(|r| Ok(org_view(r)))
    }

    pub async fn organisation(&self, who: &Principal, id: &str) -> AppResult<Organisation> {
        let r = self
            .store
            .get::<NewOrganisation>(ORG, id)
            .await
            .map_err(not_found("organisation"))?;
        Ok(org_view(who.visible(Kind::Organisation, r)?))
    }

    /// The name of an organisation, for rows that name the applicant (no visibility check: callers have one).
    pub(crate) async fn organisation_name(&self, id: &str) -> AppResult<String> {
        Ok(self
            .store
            .get::<NewOrganisation>(ORG, id)
            .await
            .map_err(not_found("organisation"))?
            .body
            .name)
    }

    /// Creates a user: through the API with a one-time enrolment secret for the user, from the shell with its
    /// first token (secrets are returned once).
    pub async fn create_user(&self, who: &Principal, new: NewUser) -> AppResult<UserCreated> {
        who.require(&[Role::Admin], "create users")?;
        let username = text("username", &new.username, 100)?;
        if !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        {
            return Err(AppError::invalid(
                "username",
                "may contain only ASCII letters, digits and . _ - @",
            ));
        }
        match (new.role, new.review_kind) {
            (Role::Adviser, None) => {
                return Err(AppError::invalid(
                    "review_kind",
                    "an adviser needs a review_kind (human-rights, defence, foreign-affairs, economy-cyber)",
                ))
            }
            (r, Some(_)) if r != Role::Adviser => {
                return Err(AppError::invalid(
                    "review_kind",
                    "only advisers have a review_kind",
                ))
            }
            _ => {}
        }
        match (new.role, &new.org_id) {
            (Role::Exporter, None) => {
                return Err(AppError::invalid(
                    "org_id",
                    "an exporter must belong to an organisation",
                ))
            }
            (Role::Exporter, Some(org)) => {
                crate::record_id("org_id", org)?;
                self.store
                    .get::<NewOrganisation>(ORG, org)
                    .await
                    .map_err(|e| match e {
                        store::StoreError::NotFound => {
                            AppError::invalid("org_id", format!("no organisation {org:?}"))
                        }
                        other => other.into(),
                    })?;
            }
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "org_id",
                    "only exporters belong to an organisation",
                ))
            }
            _ => {}
        }
        let days = self.token_days("token_days", new.token_days)?;
        let user = UserRow {
            id: new_id(),
            username,
            role: new.role.as_str().into(),
            review_kind: new.review_kind.map(|k| k.as_str().to_string()),
            org_id: new.org_id.clone(),
            created_at: now(),
            disabled: false,
            grade: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user).await.map_err(|e| match e {
            store::StoreError::Duplicate(_) => {
                AppError::Conflict(format!("username {:?} is taken", user.username))
            }
            other => other.into(),
        })?;
        audit(
            &mut tx,
            who,
            "create-user",
            "user",
            &user.id,
            None::<&()>,
            Some(&user),
            None,
        );
        let (enrolment, token) = if who.origin == crate::Origin::Api {
            (Some(new_enrolment(&mut tx, who, &user.id).await?), None)
        } else {
            let t = issue_token(&mut tx, who, &user.id, "initial", days).await?;
            (None, Some(t))
        };
        tx.commit().await?;
        Ok(UserCreated {
            user: user_view(&user)?,
            enrolment,
            token,
        })
    }

    /// A new one-time enrolment secret for a user (administrators), e.g. after the user lost its token.
    pub async fn create_enrolment(&self, who: &Principal, user_id: &str) -> AppResult<Enrolment> {
        who.require(&[Role::Admin], "create enrolment secrets")?;
        let u = self
            .store
            .user_by_id(user_id)
            .await
            .map_err(not_found("user"))?;
        if u.disabled {
            return Err(AppError::Conflict(
                "the user is disabled; enable it first".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let e = new_enrolment(&mut tx, who, user_id).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// A user exchanges its one-time enrolment secret for an API token (no other credential needed).
    pub async fn enrol(&self, req: EnrolRequest) -> AppResult<IssuedToken> {
        let refused =
            || AppError::Unauthenticated("unknown, used or expired enrolment secret".into());
        let days = self.token_days("days", req.days)?;
        let label = match req.label {
            Some(l) => text("label", &l, 100)?,
            None => "api".into(),
        };
        let (id, _) = req
            .secret
            .trim()
            .strip_prefix("enr_")
            .and_then(|s| s.split_once('.'))
            .ok_or_else(refused)?;
        if crate::record_id("secret", id).is_err() {
            return Err(refused());
        }
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let mut rec = match tx.get::<EnrolmentBody>(ENROLMENT, id).await {
            Ok(r) => r,
            Err(store::StoreError::NotFound) => return Err(refused()),
            Err(e) => return Err(e.into()),
        };
        let user = match tx.user_by_id(&rec.body.user_id).await {
            Ok(u) => u,
            Err(store::StoreError::NotFound) => return Err(refused()),
            Err(e) => return Err(e.into()),
        };
        let t = now();
        if rec.body.secret_hash != hash_token(req.secret.trim())
            || rec.body.used_at.is_some()
            || rec.body.expires_at <= t
            || user.username != req.username.trim()
            || user.disabled
        {
            return Err(refused());
        }
        let as_user = Principal {
            user_id: user.id.clone(),
            username: user.username.clone(),
            role: user_view(&user)?.role,
            review_kind: None,
            org_id: user.org_id.clone(),
            token_id: Some(format!("enrolment:{id}")),
            origin: crate::Origin::Api,
        };
        rec.body.used_at = Some(t.clone());
        rec.state = "used".into();
        rec.version += 1;
        rec.updated_at = t;
        tx.update(&rec).await?;
        let token = issue_token(&mut tx, &as_user, &user.id, &label, days).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Disables (`disabled = true`) or re-enables a user (administrators). Disabling revokes every token and
    /// session of the user in the same transaction.
    pub async fn set_user_disabled(
        &self,
        who: &Principal,
        user_id: &str,
        disabled: bool,
        b: UserStatusChange,
    ) -> AppResult<User> {
        who.require(&[Role::Admin], "disable or enable users")?;
        let reason = text("reason", &b.reason, 2000)?;
        if disabled && who.user_id == user_id {
            return Err(AppError::Conflict(
                "an administrator cannot disable itself; ask another administrator".into(),
            ));
        }
        crate::record_id("id", user_id).map_err(|_| AppError::NotFound("user"))?;
        let before = self
            .store
            .user_by_id(user_id)
            .await
            .map_err(not_found("user"))?;
        if before.disabled == disabled {
            return Err(AppError::Conflict(format!(
                "the user is already {}",
                if disabled { "disabled" } else { "enabled" }
            )));
        }
        let mut tx = self.store.begin().await?;
        let revoked = tx
            .set_user_disabled(user_id, disabled, &now())
            .await
            .map_err(not_found("user"))?;
        let mut after = before.clone();
        after.disabled = disabled;
        audit(
            &mut tx,
            who,
            if disabled {
                "disable-user"
            } else {
                "enable-user"
            },
            "user",
            user_id,
            Some(&before),
            Some(&serde_json::json!({"user": after, "tokens_revoked": revoked})),
            Some(&reason),
        );
        tx.commit().await?;
        user_view(&after)
    }

    /// Sets an officer's grade (administrators), audited with the reason. A senior officer gives the
    /// countersignature the policy reserves to one (`app::final_advice`).
    pub async fn set_user_grade(
        &self,
        who: &Principal,
        user_id: &str,
        b: GradeChange,
    ) -> AppResult<User> {
        who.require(&[Role::Admin], "set officers' grades")?;
        let reason = text("reason", &b.reason, 2000)?;
        crate::record_id("id", user_id).map_err(|_| AppError::NotFound("user"))?;
        let before = self
            .store
            .user_by_id(user_id)
            .await
            .map_err(not_found("user"))?;
        if before.role != Role::Officer.as_str() {
            return Err(AppError::invalid(
                "grade",
                format!("only officers have a grade; this user is a {}", before.role),
            ));
        }
        let grade = match b.grade {
            domain::OfficerGrade::Senior => Some(b.grade.as_str().to_string()),
            domain::OfficerGrade::Standard => None,
        };
        if before.grade == grade {
            return Err(AppError::Conflict(format!(
                "the officer's grade is already {}",
                b.grade
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.set_user_grade(user_id, grade.as_deref())
            .await
            .map_err(not_found("user"))?;
        let mut after = before.clone();
        after.grade = grade;
        audit(
            &mut tx,
            who,
            "set-user-grade",
            "user",
            user_id,
            Some(&before),
            Some(&serde_json::json!({"user": after, "grade": b.grade})),
            Some(&reason),
        );
        tx.commit().await?;
        user_view(&after)
    }

    pub async fn users(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<User>> {
        who.require(&[Role::Admin, Role::Auditor], "list users")?;
        let size = page.size()?;
        let rows = self
            .store
            .users_after(page.position()?.as_ref(), crate::listing::fetch_limit(size))
            .await?;
        crate::listing::page_from_rows(rows, size, |u| store::Position {
            created_at: u.created_at.clone(),
            id: u.id.clone(),
        })
        .try_map(|u| user_view(&u))
    }

    pub async fn user(&self, who: &Principal, id: &str) -> AppResult<User> {
        if !(who.user_id == id || matches!(who.role, Role::Admin | Role::Auditor)) {
            return Err(AppError::NotFound("user"));
        }
        user_view(&self.store.user_by_id(id).await.map_err(not_found("user"))?)
    }

    /// Issues a token directly: only the local shell operator may (see the module documentation). Through the
    /// API a token never mints another and an administrator never obtains another user's token: both are
    /// refused with the way to get one (an enrolment secret).
    pub async fn create_token(
        &self,
        who: &Principal,
        user_id: &str,
        new: NewToken,
    ) -> AppResult<IssuedToken> {
        if who.origin != crate::Origin::Shell {
            return Err(AppError::Forbidden(
                "tokens are not minted with a token: an administrator creates a one-time enrolment secret \
                 (POST /api/v1/users/{id}/enrolment) and the user exchanges it at POST /api/v1/enrol"
                    .into(),
            ));
        }
        // A username or an id (a shell user types the name; scripts may hold the id).
        let u = match self.store.user_by_username(user_id).await {
            Ok(u) => u,
            Err(store::StoreError::NotFound) => self
                .store
                .user_by_id(user_id)
                .await
                .map_err(not_found("user"))?,
            Err(e) => return Err(e.into()),
        };
        if u.disabled {
            return Err(AppError::Conflict(
                "the user is disabled; enable it first".into(),
            ));
        }
        let days = self.token_days("days", new.days)?;
        let label = match new.label {
            Some(l) => text("label", &l, 100)?,
            None => "api".into(),
        };
        let mut tx = self.store.begin().await?;
        let t = issue_token(&mut tx, who, &u.id, &label, days).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Lists tokens (never their secrets): administrators and auditors see all, others their own.
    pub async fn tokens(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<TokenRow>> {
        let owner =
            (!matches!(who.role, Role::Admin | Role::Auditor)).then_some(who.user_id.as_str());
        let size = page.size()?;
        let rows = self
            .store
            .tokens_after(
                owner,
                page.position()?.as_ref(),
                crate::listing::fetch_limit(size),
            )
            .await?;
        Ok(crate::listing::page_from_rows(rows, size, |t| {
            store::Position {
                created_at: t.created_at.clone(),
                id: t.id.clone(),
            }
        }))
    }

    pub async fn revoke_token(&self, who: &Principal, token_id: &str) -> AppResult<TokenRow> {
        let t = self
            .store
            .token(token_id)
            .await
            .map_err(not_found("token"))?;
        if who.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors change nothing, their own tokens included; ask an administrator".into(),
            ));
        }
        if t.user_id != who.user_id && who.role != Role::Admin {
            return Err(AppError::NotFound("token"));
        }
        if t.revoked_at.is_some() {
            return Err(AppError::Conflict("token is already revoked".into()));
        }
        let at = now();
        let mut tx = self.store.begin().await?;
        tx.revoke_token(token_id, &at)
            .await
            .map_err(not_found("token"))?;
        let mut after = t.clone();
        after.revoked_at = Some(at);
        audit(
            &mut tx,
            who,
            "revoke-token",
            "token",
            token_id,
            Some(&t),
            Some(&after),
            None,
        );
        tx.commit().await?;
        Ok(after)
    }

    /// Creates the first administrator (no caller; the service's own seeding, e.g. the demo) with its first
    /// token; fails if the username is taken.
    pub async fn bootstrap_admin(&self, username: &str) -> AppResult<UserCreated> {
        self.create_user(
            &Principal::system(),
            NewUser {
                username: username.into(),
                role: Role::Admin,
                review_kind: None,
                org_id: None,
                token_days: None,
            },
        )
        .await
    }

    pub async fn audit_log(
        &self,
        who: &Principal,
        record_id: Option<&str>,
        after_seq: i64,
        limit: i64,
    ) -> AppResult<Vec<store::AuditEvent>> {
        who.require(&[Role::Auditor, Role::Admin], "read the audit log")?;
        if !(1..=1000).contains(&limit) {
            return Err(AppError::invalid("limit", "must be between 1 and 1000"));
        }
        if after_seq < 0 {
            return Err(AppError::invalid("after", "must not be negative"));
        }
        Ok(self.store.audit_events(record_id, after_seq, limit).await?)
    }

    /// Verifies the audit log against its stored head, tree and signed checkpoints.
    pub async fn verify_audit(
        &self,
        who: &Principal,
    ) -> AppResult<crate::audit_log::AuditVerification> {
        self.verify_audit_log(who, None).await
    }
}

async fn rec_org_id_self(tx: &mut store::Tx, rec: &Record<NewOrganisation>) -> AppResult<()> {
    // An organisation's org_id is itself, so org-scoped queries find it.
    let mut r = rec.clone();
    r.org_id = Some(rec.id.clone());
    tx.insert(&r).await?;
    Ok(())
}

impl App {
    /// A token lifetime in days: the default, or the one asked for within the configured maximum.
    fn token_days(&self, field: &str, days: Option<u32>) -> AppResult<u32> {
        let max = self.config.max_token_days;
        let d = days.unwrap_or(DEFAULT_TOKEN_DAYS.min(max));
        if d == 0 || d > max {
            return Err(AppError::invalid(
                field,
                format!("must be between 1 and {max} days (the configured maximum token lifetime)"),
            ));
        }
        Ok(d)
    }
}

async fn new_enrolment(tx: &mut store::Tx, who: &Principal, user_id: &str) -> AppResult<Enrolment> {
    let id = new_id();
    let secret = format!("enr_{id}.{}", &new_secret()[4..]);
    let expires = (chrono::Utc::now() + chrono::Duration::days(ENROLMENT_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let body = EnrolmentBody {
        user_id: user_id.into(),
        secret_hash: hash_token(&secret),
        expires_at: expires.clone(),
        used_at: None,
    };
    let rec = Record::new(id.clone(), ENROLMENT, None, "open", body, now());
    tx.insert(&rec).await?;
    audit(
        tx,
        who,
        "create-enrolment",
        ENROLMENT,
        &id,
        None::<&()>,
        Some(&serde_json::json!({"user_id": user_id, "expires_at": expires})),
        None,
    );
    Ok(Enrolment {
        user_id: user_id.into(),
        secret,
        expires_at: expires,
    })
}

async fn issue_token(
    tx: &mut store::Tx,
    who: &Principal,
    user_id: &str,
    label: &str,
    days: u32,
) -> AppResult<IssuedToken> {
    let secret = new_secret();
    let expires = (chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let row = TokenRow {
        id: new_id(),
        user_id: user_id.into(),
        label: label.into(),
        created_at: now(),
        expires_at: expires.clone(),
        revoked_at: None,
    };
    tx.insert_token(&row, &hash_token(&secret)).await?;
    audit(
        tx,
        who,
        "create-token",
        "token",
        &row.id,
        None::<&()>,
        Some(&row),
        None,
    );
    Ok(IssuedToken {
        token_id: row.id,
        user_id: user_id.into(),
        token: secret,
        expires_at: expires,
    })
}
