//! Outgoing: every refusal, suspension, revocation and annulment of this authority creates a denial of this authority and
//! a notification to the regime's partners, in the transaction of the case change; the end of a suspension
//! (reinstatement) revokes the suspension's denial and notifies the final assessment; an approval despite a
//! partner's denial records the notification owed to that state.

use super::{register_reference, DenialBody, DenialInput, DeniedParty, DENIAL, IN_FORCE, REVOKED};
use crate::exporter::{ProductBody, PRODUCT};
use crate::model::CaseBody;
use crate::{audit, new_id, now, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseAction, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record, Tx};
use utoipa::ToSchema;

/// Record kind of an outgoing notification.
pub const NOTIFICATION: &str = "denial-notification";

/// A notification owed to partners (or to one partner), written by `exportctl denials export`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DenialNotification {
    pub id: String,
    /// `refusal`, `suspension`, `revocation`, `annulment`, `final-assessment` (a suspension ended) or
    /// `approval-despite-denial`.
    pub kind: String,
    /// `regime-partners`, or the ISO code of the one state owed the notification.
    pub to: String,
    /// The notifying authority's state.
    pub from: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    pub case_reference: String,
    /// The denial notified (this authority's), or the partner's denial an approval went against.
    pub denial_id: String,
    pub denial_reference: String,
    pub denial: DenialInput,
    /// For a final assessment: `reinstated` or `revoked`.
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
}

impl App {
    /// Called by `change_case` for every lifecycle action, inside its transaction.
    pub(crate) async fn outgoing_denials(
        &self,
        tx: &mut Tx,
        who: &Principal,
        action: CaseAction,
        case: &Record<CaseBody>,
        reason: Option<&str>,
    ) -> AppResult<()> {
        match action {
            CaseAction::Refuse => self.own_denials(tx, who, "refusal", case, reason).await,
            CaseAction::Suspend => self.own_denials(tx, who, "suspension", case, reason).await,
            CaseAction::Revoke => {
                self.end_own(tx, who, case, "suspension", "revoked", reason)
                    .await?;
                self.own_denials(tx, who, "revocation", case, reason).await
            }
            CaseAction::Annul => self.own_denials(tx, who, "annulment", case, reason).await,
            CaseAction::Reinstate => {
                self.end_own(tx, who, case, "suspension", "reinstated", reason)
                    .await
            }
            // A suspended licence that reaches the end of its validity: the suspension's denial ends and the
            // partners are told the final assessment (an issued licence has no suspension denial to end).
            CaseAction::Expire => {
                self.end_own(tx, who, case, "suspension", "expired", reason)
                    .await
            }
            CaseAction::OverturnRefusal => {
                self.end_own(tx, who, case, "refusal", "overturned", reason)
                    .await
            }
            CaseAction::Approve => {
                // A partial approval refuses the rest: that part is denied like a refusal.
                if case
                    .body
                    .decision
                    .as_ref()
                    .and_then(|d| d.parts.as_ref())
                    .is_some_and(|p| !p.refused.is_empty())
                {
                    self.own_denials(tx, who, "refusal", case, reason).await?;
                }
                for m in case.body.denial_matches.iter().filter(|m| !m.own) {
                    let d = tx.get::<DenialBody>(DENIAL, &m.denial_id).await?;
                    self.record_partner_notification(
                        tx,
                        who,
                        NotificationDraft {
                            kind: "approval-despite-denial",
                            to: m.denying_state.clone(),
                            case,
                            denial: &d,
                            outcome: m.consultation.as_ref().map(|c| c.status.clone()),
                            reason,
                        },
                    )
                    .await?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A denial of this authority per (destination, end user) of the case, each with its notification.
    async fn own_denials(
        &self,
        tx: &mut Tx,
        who: &Principal,
        event: &str,
        case: &Record<CaseBody>,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let b = &case.body;
        let case_ref = case.reference.clone().unwrap_or_default();
        // A partial decision denies its refused part only: the refused product lines (or, when only
        // destinations were refused, every line that needs a licence) to the refused destinations (or all).
        let parts = b
            .decision
            .as_ref()
            .and_then(|d| d.parts.as_ref())
            .filter(|_| event == "refusal");
        let refused_products = parts.map(|p| p.refused_products()).unwrap_or_default();
        let refused_destinations = parts.map(|p| p.refused_destinations()).unwrap_or_default();
        let denied_product = |id: &str| match parts {
            None => true,
            Some(p) if refused_products.is_empty() => {
                !p.no_licence_required.iter().any(|n| n == id)
            }
            Some(_) => refused_products.contains(&id),
        };
        let denied_destination =
            |code: &str| refused_destinations.is_empty() || refused_destinations.contains(&code);
        let mut entries: Vec<String> = Vec::new();
        let mut products: Vec<String> = Vec::new();
        for d in b
            .determinations
            .iter()
            .filter(|d| denied_product(&d.product))
        {
            if let Some(list) = d.request.get("control_entries").and_then(|v| v.as_array()) {
                for e in list.iter().filter_map(|v| v.as_str()) {
                    if let Some(c) = self.policy_now().control_entry(e) {
                        if !entries.contains(&c.code) {
                            entries.push(c.code.clone());
                        }
                    }
                }
            }
            if !products.contains(&d.product) {
                products.push(d.product.clone());
            }
        }
        let mut described = Vec::new();
        for p in &products {
            match tx.get::<ProductBody>(PRODUCT, p).await {
                Ok(r) => described.push(format!("{} {}", r.body.name, r.body.version)),
                Err(store::StoreError::NotFound) => described.push(p.clone()),
                Err(e) => return Err(e.into()),
            }
        }
        let criteria: Vec<String> = match (&b.decision, event) {
            (Some(d), "refusal") => d.criteria.iter().map(|c| c.as_str().to_string()).collect(),
            _ => vec![],
        };
        // (destination, end user, consignee, end use)
        let mut targets: Vec<(
            domain::CountryCode,
            DeniedParty,
            Option<DeniedParty>,
            String,
        )> = Vec::new();
        if let Some(e) = &b.export {
            targets.push((
                e.destination.clone(),
                DeniedParty {
                    name: e.end_user.name.clone(),
                    address: None,
                    country: e.end_user.country.clone(),
                },
                Some(DeniedParty {
                    name: e.consignee.name.clone(),
                    address: None,
                    country: Some(e.consignee.country.clone()),
                }),
                e.end_use.clone(),
            ));
        } else if let Some(m) = &b.marketing {
            for dest in &m.destinations {
                for u in m
                    .end_users
                    .iter()
                    .filter(|u| u.country.as_ref().is_none_or(|c| c == dest))
                {
                    targets.push((
                        dest.clone(),
                        DeniedParty {
                            name: u.name.clone(),
                            address: None,
                            country: u.country.clone(),
                        },
                        None,
                        "marketing".into(),
                    ));
                }
            }
        }
        targets.retain(|t| denied_destination(t.0.as_str()));
        let state = domain::CountryCode::parse(&self.config.authority_state)
            .map_err(|e| AppError::Internal(format!("authority state: {e}")))?;
        let earlier = tx
            .list::<DenialBody>(
                DENIAL,
                &Filter {
                    tags: vec![format!("case:{}", case.id)],
                    ..Default::default()
                },
            )
            .await?
            .len();
        for (i, (destination, end_user, consignee, end_use)) in targets.into_iter().enumerate() {
            let details = DenialInput {
                regime: self.config.denial_regime.clone(),
                denying_state: state.clone(),
                reference: format!("{case_ref}-{}", earlier + i + 1),
                date: self.today(),
                control_entries: entries.clone(),
                item_description: described.join("; "),
                end_user,
                consignee,
                destination,
                end_use,
                criteria: criteria.clone(),
                renewed_on: None,
            };
            let mut rec = Record::new(
                new_id(),
                DENIAL,
                None,
                IN_FORCE,
                DenialBody {
                    details,
                    own: true,
                    case_id: Some(case.id.clone()),
                    case_reference: Some(case_ref.clone()),
                    event: Some(event.to_string()),
                    recorded_by: who.user_id.clone(),
                    revocation: None,
                },
                now(),
            );
            rec.reference = Some(register_reference(&rec.body.details));
            rec.tags = format!(",case:{},event:{event},", case.id);
            rec.search = rec.body.details.end_user.name.to_lowercase();
            tx.insert(&rec).await?;
            audit(
                tx,
                who,
                "record-own-denial",
                DENIAL,
                &rec.id,
                None::<&()>,
                Some(&rec.body),
                reason,
            );
            self.record_partner_notification(
                tx,
                who,
                NotificationDraft {
                    kind: event,
                    to: "regime-partners".into(),
                    case,
                    denial: &rec,
                    outcome: None,
                    reason,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Revokes the in-force denials a suspension (or, `event` "refusal", a refusal overturned on appeal) of
    /// this case created and notifies the final assessment.
    async fn end_own(
        &self,
        tx: &mut Tx,
        who: &Principal,
        case: &Record<CaseBody>,
        event: &str,
        outcome: &str,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let open = tx
            .list::<DenialBody>(
                DENIAL,
                &Filter {
                    states: vec![IN_FORCE.into()],
                    tags: vec![format!("case:{}", case.id), format!("event:{event}")],
                    ..Default::default()
                },
            )
            .await?;
        for before in open {
            let mut after = before.clone();
            after.state = REVOKED.into();
            after.body.revocation = Some(super::Revocation {
                reason: match event {
                    "suspension" => format!("the suspension ended: licence {outcome}"),
                    _ => format!("the {event} ended: {outcome} on appeal"),
                },
                by: who.user_id.clone(),
                at: now(),
            });
            after.version += 1;
            after.updated_at = now();
            tx.update(&after).await?;
            audit(
                tx,
                who,
                "end-own-denial",
                DENIAL,
                &after.id,
                Some(&before.body),
                Some(&after.body),
                reason,
            );
            self.record_partner_notification(
                tx,
                who,
                NotificationDraft {
                    kind: "final-assessment",
                    to: "regime-partners".into(),
                    case,
                    denial: &after,
                    outcome: Some(outcome.to_string()),
                    reason,
                },
            )
            .await?;
        }
        Ok(())
    }

    async fn record_partner_notification(
        &self,
        tx: &mut Tx,
        who: &Principal,
        n: NotificationDraft<'_>,
    ) -> AppResult<()> {
        let body = DenialNotification {
            id: new_id(),
            kind: n.kind.to_string(),
            to: n.to,
            from: self.config.authority_state.clone(),
            due_on: self.today(),
            case_reference: n.case.reference.clone().unwrap_or_default(),
            denial_id: n.denial.id.clone(),
            denial_reference: n.denial.reference.clone().unwrap_or_default(),
            denial: n.denial.body.details.clone(),
            outcome: n.outcome,
            reason: n.reason.map(str::to_string),
            created_at: now(),
        };
        let mut rec = Record::new(body.id.clone(), NOTIFICATION, None, "due", body, now());
        rec.tags = format!(",case:{},kind:{},", n.case.id, n.kind);
        tx.insert(&rec).await?;
        audit(
            tx,
            who,
            "owe-denial-notification",
            NOTIFICATION,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        Ok(())
    }

    /// The notifications due on or after `since`, oldest first (officers, auditors, administrators; the shell).
    pub async fn denial_notifications(
        &self,
        who: &Principal,
        since: NaiveDate,
    ) -> AppResult<Vec<DenialNotification>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read denial notifications",
        )?;
        let mut out: Vec<DenialNotification> = self
            .store
            .list::<DenialNotification>(NOTIFICATION, &Filter::default())
            .await?
            .into_iter()
            .map(|r| r.body)
            .filter(|n| n.due_on >= since)
            .collect();
        out.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }
}

struct NotificationDraft<'a> {
    kind: &'a str,
    to: String,
    case: &'a Record<CaseBody>,
    denial: &'a Record<DenialBody>,
    outcome: Option<String>,
    reason: Option<&'a str>,
}
