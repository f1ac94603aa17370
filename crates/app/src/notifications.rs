//! The notification use cases: a user's in-app notifications (read/unread), its delivery preferences, and an
//! exporter organisation's webhooks with their delivery log.
//!
//! There is no separate "organisation administrator" role: an organisation's users are its exporters (its
//! compliance officers, PRODUCT.md), so the exporters of an organisation manage its webhooks and read their
//! delivery log; nobody else sees them, and the signing secret is shown once, at creation.

use crate::listing::{cursor, Page, Paged};
use crate::{audit, new_id, now, App, AppError, AppResult, Principal};
use domain::Role;
use serde::{Deserialize, Serialize};
use store::Position;
use utoipa::ToSchema;

/// A notification as its recipient sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    /// The event (docs/notifications.md lists them), e.g. `case.submitted`.
    pub event: String,
    /// What it is about: `case` or `registration`, and its id and reference.
    pub record_kind: String,
    pub record_id: String,
    pub reference: Option<String>,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    /// When the user marked it read; absent while unread.
    pub read_at: Option<String>,
}

impl From<store::NotificationRow> for Notification {
    fn from(n: store::NotificationRow) -> Self {
        Notification {
            id: n.id,
            event: n.event,
            record_kind: n.record_kind,
            record_id: n.record_id,
            reference: n.reference,
            subject: n.subject,
            body: n.body,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// A user's delivery preferences. In-app notifications are always kept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The address e-mail notifications go to.
    pub email: Option<String>,
    /// Whether to send each notification by e-mail too (needs `email`).
    pub email_enabled: bool,
}

/// A new webhook endpoint of the caller's organisation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://` URL receiving the organisation's events (POST, JSON, Standard Webhooks signature).
    pub url: String,
}

/// A webhook endpoint (its secret is shown only when created).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub created_at: String,
    pub active: bool,
    /// The signing secret (`whsec_...`), in the creation answer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One delivery attempt of a webhook message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    /// The `webhook-id` header, the same on every attempt of one message.
    pub message_id: String,
    pub event: String,
    pub attempt: i64,
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i64>,
    pub error: Option<String>,
    /// delivered, retrying or failed.
    pub outcome: String,
}

fn webhook_view(w: store::WebhookRow, secret: bool) -> Webhook {
    Webhook {
        id: w.id,
        url: w.url,
        created_at: w.created_at,
        active: w.active,
        secret: secret.then_some(w.secret),
    }
}

/// A plausible e-mail address: one `@`, something on each side, no spaces or control characters.
fn email_address(field: &str, v: &str) -> AppResult<String> {
    let v = v.trim();
    let ok = v.len() <= 254
        && v.split('@').count() == 2
        && v.split('@').all(|p| !p.is_empty())
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.parse::<lettre::Address>().is_ok();
    if ok {
        Ok(v.to_string())
    } else {
        Err(AppError::invalid(field, "must be an e-mail address"))
    }
}

impl App {
    /// The caller's notifications, oldest first, optionally only the unread ones.
    pub async fn notifications(
        &self,
        who: &Principal,
        unread_only: bool,
        page: &Page,
    ) -> AppResult<Paged<Notification>> {
        let size = page.size()?;
        let after = page.position()?;
        let mut rows = self
            .store
            .notifications(
                &who.user_id,
                unread_only,
                after.as_ref(),
                size.saturating_add(1),
            )
            .await?;
        let next = if rows.len() > size as usize {
            rows.truncate(size as usize);
            rows.last().map(|n| {
                cursor(&Position {
                    created_at: n.created_at.clone(),
                    id: n.id.clone(),
                })
            })
        } else {
            None
        };
        Ok(Paged {
            items: rows.into_iter().map(Into::into).collect(),
            next,
        })
    }

    /// Marks one of the caller's notifications read (NotFound for another user's).
    pub async fn read_notification(&self, who: &Principal, id: &str) -> AppResult<Notification> {
        Ok(self
            .store
            .mark_notification_read(&who.user_id, id, &now())
            .await
            .map_err(crate::not_found("notification"))?
            .into())
    }

    pub async fn preferences(&self, who: &Principal) -> AppResult<Preferences> {
        let p = self.store.preferences(&who.user_id).await?;
        Ok(Preferences {
            email: p.email,
            email_enabled: p.email_enabled,
        })
    }

    /// Sets the caller's delivery preferences (audited: an address is personal data).
    pub async fn set_preferences(&self, who: &Principal, p: Preferences) -> AppResult<Preferences> {
        let email = p
            .email
            .as_deref()
            .map(|e| email_address("email", e))
            .transpose()?;
        if p.email_enabled && email.is_none() {
            return Err(AppError::invalid(
                "email",
                "give an address to turn e-mail on",
            ));
        }
        let mut tx = self.store.begin().await?;
        tx.user_by_id(&who.user_id)
            .await
            .map_err(crate::not_found("user"))?;
        let row = store::PreferenceRow {
            user_id: who.user_id.clone(),
            email: email.clone(),
            email_enabled: p.email_enabled,
            updated_at: now(),
        };
        tx.set_preferences(&row).await?;
        let view = Preferences {
            email,
            email_enabled: p.email_enabled,
        };
        audit(
            &mut tx,
            who,
            "set-notification-preferences",
            "user",
            &who.user_id,
            None::<&()>,
            Some(&view),
            None,
        );
        tx.commit().await?;
        Ok(view)
    }

    /// Adds a webhook endpoint to the caller's organisation; the answer carries its secret, once.
    pub async fn create_webhook(&self, who: &Principal, w: NewWebhook) -> AppResult<Webhook> {
        let org = who.exporter_org("manage webhooks")?.to_string();
        let url = crate::text("url", &w.url, 2000)?;
        crate::delivery::check_webhook_url(&url, &self.config.notify.webhook_allow_hosts)
            .map_err(|e| AppError::invalid("url", e))?;
        let row = store::WebhookRow {
            id: new_id(),
            org_id: org,
            url,
            secret: crate::delivery::new_webhook_secret(),
            created_by: who.user_id.clone(),
            created_at: now(),
            active: true,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_webhook(&row).await?;
        audit(
            &mut tx,
            who,
            "create-webhook",
            "webhook",
            &row.id,
            None::<&()>,
            Some(&serde_json::json!({"org_id": row.org_id, "url": row.url})),
            None,
        );
        tx.commit().await?;
        Ok(webhook_view(row, true))
    }

    /// The webhooks of the caller's organisation.
    pub async fn webhooks(&self, who: &Principal) -> AppResult<Vec<Webhook>> {
        let org = who.exporter_org("read webhooks")?;
        Ok(self
            .store
            .webhooks(org)
            .await?
            .into_iter()
            .map(|w| webhook_view(w, false))
            .collect())
    }

    /// The delivery log of the caller's organisation's webhooks, oldest first.
    pub async fn webhook_deliveries(
        &self,
        who: &Principal,
        page: &Page,
    ) -> AppResult<Paged<Delivery>> {
        who.require(&[Role::Exporter], "read the webhook delivery log")?;
        let org = who.exporter_org("read the webhook delivery log")?;
        let size = page.size()?;
        let after = page.position()?;
        let mut rows = self
            .store
            .deliveries(org, after.as_ref(), size.saturating_add(1))
            .await?;
        let next = if rows.len() > size as usize {
            rows.truncate(size as usize);
            rows.last().map(|d| {
                cursor(&Position {
                    created_at: d.at.clone(),
                    id: d.id.clone(),
                })
            })
        } else {
            None
        };
        Ok(Paged {
            items: rows
                .into_iter()
                .map(|d| Delivery {
                    id: d.id,
                    webhook_id: d.webhook_id,
                    message_id: d.message_id,
                    event: d.event,
                    attempt: d.attempt,
                    at: d.at,
                    status_code: d.status_code,
                    error: d.error,
                    outcome: d.outcome,
                })
                .collect(),
            next,
        })
    }
}
