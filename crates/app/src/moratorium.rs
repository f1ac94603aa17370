//! Moratoria reaching issued licences. A moratorium is policy data — a `[[moratorium]]` section naming the
//! control entries (or all cyber-surveillance items), the destinations and end-user types (or all), the dates
//! and the reason (docs/policy.md, "Moratoria"). New determinations under it are `prohibited` naming the
//! moratorium. Issued licences are never changed silently: the
//! impact preview lists the issued and suspended licences it would have prohibited, and an officer suspends
//! them in one audited action, each licence with its own audit event and outgoing notification.

use crate::policy_svc::POLICY_VERSION;
use crate::{audit, text, App, AppResult, Principal};
use domain::{CaseAction, CaseState, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit action of a licence suspended under a moratorium. The bulk action is the officer's, whoever
/// each licence is assigned to.
pub(crate) const SUSPEND_UNDER_MORATORIUM: &str = "suspend-licence-under-moratorium";

/// An officer's bulk suspension of the licences a staged or published policy version would have prohibited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoratoriumSuspension {
    /// Why (the moratorium): recorded with every suspension.
    pub reason: String,
}

/// What the bulk suspension did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoratoriumSuspended {
    /// The policy version whose moratorium the suspensions follow.
    pub policy_version: String,
    /// Case references of the licences suspended now.
    pub suspended: Vec<String>,
    /// Case references of licences the moratorium covers that were already suspended.
    pub already_suspended: Vec<String>,
}

impl App {
    /// Suspends every issued licence that policy version `id` would have prohibited (its impact preview's
    /// `licences_prohibited`), in one audited action; each licence gets its own audit event, and the
    /// suspension's denial and notification (docs/denials.md).
    pub async fn suspend_under_moratorium(
        &self,
        who: &Principal,
        id: &str,
        b: MoratoriumSuspension,
    ) -> AppResult<MoratoriumSuspended> {
        who.require(&[Role::Officer], "suspend licences under a moratorium")?;
        let reason = text("reason", &b.reason, 2000)?;
        crate::record_id("id", id)?;
        let report = self.impact_of(id).await?;
        let why = format!(
            "moratorium in policy version {}: {reason}",
            report.staged_version
        );
        let mut targets = Vec::new();
        let mut already = Vec::new();
        for r in &report.licences_prohibited {
            let c = crate::case_store::get_by_reference(&self.store, r)
                .await
                .map_err(crate::not_found("application"))?;
            if c.state == CaseState::Issued.as_str() {
                targets.push(c.id);
            } else {
                already.push(r.clone());
            }
        }
        // The bulk action itself, with the licences it covers.
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        audit(
            &mut tx,
            who,
            "moratorium-suspension",
            POLICY_VERSION,
            id,
            None::<&()>,
            Some(
                &serde_json::json!({"licences": report.licences_prohibited, "policy_version": report.staged_version}),
            ),
            Some(&why),
        );
        tx.commit().await?;
        let mut suspended = Vec::new();
        for case_id in targets {
            let v = self
                .change_case(
                    who,
                    &case_id,
                    None,
                    Some(CaseAction::Suspend),
                    SUSPEND_UNDER_MORATORIUM,
                    Some(&why),
                    |_| Ok(()),
                )
                .await?;
            suspended.push(v.reference().to_string());
        }
        if !suspended.is_empty() {
            self.register_changed().await?;
        }
        Ok(MoratoriumSuspended {
            policy_version: report.staged_version,
            suspended,
            already_suspended: already,
        })
    }
}
