//! Marketing-licence exemptions, granted and not self-declared (issue 12).
//!
//! The exporter requests an exemption for one of its classified products, a destination and an end-user type
//! (`POST /exemptions`, or a pre-application check with `record_exemption`); the policy in force must find
//! the marketing step `exempt` for it, else there is nothing to request. An officer grants it (the policy is
//! evaluated again on the day of the grant, with the product's classification of that day) or refuses it,
//! with a reason. A grant is valid from its day for the policy's `exemption_validity_months` (`[deadlines]`,
//! reference 24); an officer may revoke it with a reason. Each change is one use case with one audit event
//! and, in the same transaction, the `exemption.decided` notification to the exporter who requested it.
//!
//! Citing an exemption in an export application (`cases::check_marketing_authorisation`) asks more than the
//! grant: on the day of submission the exemption is granted and within its validity, and the policy in force
//! that day still finds the marketing step exempt for the product's current classification, the destination
//! and the application's end-user type; otherwise the citation is refused with the reason.

use crate::access::Kind;
use crate::cases::EXEMPTION;
use crate::model::{Exemption, ExemptionState};
use crate::notify::{Audience, Event, Subject};
use crate::{audit, new_id, not_found, now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CountryCode, EndUserType, LicenceKind, Outcome, Role};
use serde::{Deserialize, Serialize};
use store::Record;
use utoipa::ToSchema;

/// An exporter's request for a marketing-licence exemption.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRequest {
    /// A classified product of the caller's organisation.
    pub product: String,
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub end_user_type: EndUserType,
    /// The exporter's grounds (optional).
    pub justification: Option<String>,
}

/// An officer's decision on a requested exemption.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionDecision {
    /// Grant (true) or refuse (false).
    pub grant: bool,
    pub reason: String,
    /// Optimistic concurrency: the exemption version the caller last read.
    pub expected_version: Option<i64>,
}

/// An officer's revocation of a granted exemption.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRevocation {
    pub reason: String,
    pub expected_version: Option<i64>,
}

/// What the policy in force on `as_of` says of marketing `product` (its current classification) to
/// `destination` for an `end_user_type` end user: the determination, or why it cannot be evaluated.
pub(crate) struct MarketingStep {
    pub determination: policy::Determination,
}

impl MarketingStep {
    /// The reasons of the rules that fired, for a refusal's message.
    pub fn reasons(&self) -> String {
        self.determination
            .rules
            .iter()
            .map(|r| format!("{} v{}: {}", r.id, r.version, r.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl App {
    /// Evaluates the marketing step for a product's current classification as of `as_of`.
    pub(crate) async fn marketing_step(
        &self,
        field: &str,
        product: &str,
        destination: &CountryCode,
        end_user_type: EndUserType,
        as_of: NaiveDate,
    ) -> AppResult<MarketingStep> {
        let p = self.product_record(product).await?;
        let class = p.body.classification.ok_or_else(|| {
            AppError::invalid(
                field,
                format!("product {product} has not been classified by a defence adviser"),
            )
        })?;
        let req = policy::Request {
            as_of,
            licence: LicenceKind::Marketing,
            control_entries: class.control_entries,
            security_grade: class.security_grade,
            destination: destination.clone(),
            end_user_type,
            // A marketing exemption concerns no specific export: only a catch-all recorded on the product
            // before notifications moved to exports applies (as in the pre-application check), and there is
            // no end user for denials or evidence to concern.
            catch_all_notified: class.legacy_catch_all,
            denial_match: false,
            evidence_of_misuse: false,
        };
        let start = std::time::Instant::now();
        let det = policy::evaluate(&req, &self.policy_on(as_of));
        crate::metrics::policy(start);
        let determination = det.map_err(|e| AppError::invalid(field, e.to_string()))?;
        Ok(MarketingStep { determination })
    }

    /// Stores a requested exemption for an `exempt` determination (the caller checked it), with its audit
    /// event.
    #[expect(
        clippy::too_many_arguments,
        reason = "what was requested, by whom, and the determination it rests on"
    )]
    pub(crate) async fn store_exemption_request(
        &self,
        who: &Principal,
        org: &str,
        product: String,
        destination: &CountryCode,
        end_user_type: EndUserType,
        det: &policy::Determination,
        justification: Option<String>,
    ) -> AppResult<Exemption> {
        let rule = det
            .rules
            .iter()
            .find(|r| r.effect == policy::Effect::Outcome(Outcome::Exempt))
            .map(|r| format!("{} v{}", r.id, r.version))
            .unwrap_or_default();
        let x = Exemption {
            id: new_id(),
            org_id: org.to_string(),
            product,
            destination: destination.to_string(),
            end_user_type,
            policy_version: det.policy_version.clone(),
            rule,
            determination: serde_json::to_value(det)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            recorded_by: who.user_id.clone(),
            recorded_at: now(),
            state: ExemptionState::Requested,
            justification,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            valid_from: None,
            valid_until: None,
            revoked_by: None,
            revoked_at: None,
            revocation_reason: None,
        };
        let rec = Record::new(
            x.id.clone(),
            EXEMPTION,
            Some(org.to_string()),
            x.state.as_str(),
            x.clone(),
            x.recorded_at.clone(),
        );
        self.insert_audited(who, "request-exemption", &rec).await?;
        Ok(rec.body)
    }

    /// An exporter requests a marketing-licence exemption. 409 when the policy in force does not find the
    /// marketing step exempt (there is nothing to grant).
    pub async fn request_exemption(
        &self,
        who: &Principal,
        b: ExemptionRequest,
    ) -> AppResult<Exemption> {
        let org = who.exporter_org("request exemptions")?.to_string();
        crate::record_id("product", &b.product)?;
        match self.product_record(&b.product).await {
            Ok(p) if p.org_id.as_deref() == Some(org.as_str()) => {}
            Ok(_) | Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid(
                    "product",
                    format!("no product {:?}", b.product),
                ))
            }
            Err(e) => return Err(e),
        }
        crate::known_country(self, "destination", &b.destination)?;
        let justification = b
            .justification
            .as_deref()
            .map(|j| text("justification", j, 5000))
            .transpose()?;
        let today = self.today();
        let step = self
            .marketing_step(
                "product",
                &b.product,
                &b.destination,
                b.end_user_type,
                today,
            )
            .await?;
        if step.determination.outcome != Outcome::Exempt {
            return Err(AppError::Conflict(format!(
                "the policy in force on {today} finds the marketing of product {} to {} for a {} end user {}, not exempt: there is no exemption to grant ({})",
                b.product,
                b.destination,
                b.end_user_type.as_str(),
                step.determination.outcome.as_str(),
                step.reasons()
            )));
        }
        self.store_exemption_request(
            who,
            &org,
            b.product,
            &b.destination,
            b.end_user_type,
            &step.determination,
            justification,
        )
        .await
    }

    /// One exemption as the caller may see it (exporters: their organisation's, without staff ids).
    pub async fn exemption(&self, who: &Principal, id: &str) -> AppResult<Exemption> {
        crate::record_id("id", id)?;
        let r = self
            .store
            .get::<Exemption>(EXEMPTION, id)
            .await
            .map_err(not_found("exemption"))?;
        Ok(exemption_for(who, who.visible(Kind::Exemption, r)?.body))
    }

    /// An officer grants or refuses a requested exemption. A grant evaluates the policy in force today again
    /// (the product's classification may have changed since the request) and is valid from today for the
    /// policy's `exemption_validity_months`.
    pub async fn decide_exemption(
        &self,
        who: &Principal,
        id: &str,
        b: ExemptionDecision,
    ) -> AppResult<Exemption> {
        who.require(&[Role::Officer], "decide exemptions")?;
        let reason = text("reason", &b.reason, 5000)?;
        let current = self.exemption_record(id).await?;
        if current.body.state != ExemptionState::Requested {
            return Err(AppError::Conflict(format!(
                "exemption {id} is {}; only a requested exemption is granted or refused",
                current.body.state.as_str()
            )));
        }
        let today = self.today();
        let (valid_from, valid_until) = if b.grant {
            let dest = CountryCode::parse(&current.body.destination)
                .map_err(|e| AppError::Internal(format!("stored exemption destination: {e}")))?;
            let step = self
                .marketing_step(
                    "grant",
                    &current.body.product,
                    &dest,
                    current.body.end_user_type,
                    today,
                )
                .await?;
            if step.determination.outcome != Outcome::Exempt {
                return Err(AppError::Conflict(format!(
                    "the policy in force on {today} no longer finds the marketing of product {} to {} for a {} end user exempt ({}): refuse the request instead ({})",
                    current.body.product,
                    current.body.destination,
                    current.body.end_user_type.as_str(),
                    step.determination.outcome.as_str(),
                    step.reasons()
                )));
            }
            let months = self
                .policy_on(today)
                .deadlines()
                .and_then(|d| d.exemption_validity_months);
            let until = match months {
                Some(m) => Some(
                    today
                        .checked_add_months(chrono::Months::new(m))
                        .and_then(|d| d.pred_opt())
                        .ok_or_else(|| AppError::Internal("validity past the calendar".into()))?,
                ),
                None => None,
            };
            (Some(today), until)
        } else {
            (None, None)
        };
        let by = who.user_id.clone();
        let (state, action) = if b.grant {
            (ExemptionState::Granted, "grant-exemption")
        } else {
            (ExemptionState::Refused, "refuse-exemption")
        };
        self.change_exemption(who, current, b.expected_version, action, &reason, |x| {
            x.state = state;
            x.decided_by = Some(by);
            x.decided_at = Some(now());
            x.decision_reason = Some(reason.clone());
            x.valid_from = valid_from;
            x.valid_until = valid_until;
        })
        .await
    }

    /// An officer revokes a granted exemption with a reason; it authorises nothing from then on.
    pub async fn revoke_exemption(
        &self,
        who: &Principal,
        id: &str,
        b: ExemptionRevocation,
    ) -> AppResult<Exemption> {
        who.require(&[Role::Officer], "revoke exemptions")?;
        let reason = text("reason", &b.reason, 5000)?;
        let current = self.exemption_record(id).await?;
        if current.body.state != ExemptionState::Granted {
            return Err(AppError::Conflict(format!(
                "exemption {id} is {}; only a granted exemption is revoked",
                current.body.state.as_str()
            )));
        }
        let by = who.user_id.clone();
        self.change_exemption(
            who,
            current,
            b.expected_version,
            "revoke-exemption",
            &reason,
            |x| {
                x.state = ExemptionState::Revoked;
                x.revoked_by = Some(by);
                x.revoked_at = Some(now());
                x.revocation_reason = Some(reason.clone());
            },
        )
        .await
    }

    async fn exemption_record(&self, id: &str) -> AppResult<Record<Exemption>> {
        crate::record_id("id", id)?;
        self.store
            .get::<Exemption>(EXEMPTION, id)
            .await
            .map_err(not_found("exemption"))
    }

    /// Writes a change of an exemption and its audit event in one transaction, at the version read.
    async fn change_exemption(
        &self,
        who: &Principal,
        before: Record<Exemption>,
        expected_version: Option<i64>,
        action: &str,
        reason: &str,
        change: impl FnOnce(&mut Exemption),
    ) -> AppResult<Exemption> {
        if let Some(v) = expected_version.filter(|v| *v != before.version) {
            return Err(AppError::Conflict(format!(
                "the exemption is at version {}, not {v}; reload and retry",
                before.version
            )));
        }
        let mut after = before.clone();
        change(&mut after.body);
        after.state = after.body.state.as_str().to_string();
        after.version = before.version + 1;
        after.updated_at = now();
        let mut tx = self.store.begin().await?;
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            action,
            EXEMPTION,
            &after.id,
            Some(&before.body),
            Some(&after.body),
            Some(reason),
        );
        // The exporter who asked for it is told of every decision on it (granted, refused, revoked), with the
        // change: the notification exists exactly when the decision does.
        let subject = Subject {
            record_kind: EXEMPTION,
            record_id: &after.id,
            reference: None,
            state: after.body.state.as_str(),
            org_id: Some(&after.body.org_id),
        };
        self.notify(
            &mut tx,
            who,
            Event::ExemptionDecided,
            &subject,
            Audience::Users(vec![after.body.recorded_by.clone()]),
        )
        .await?;
        tx.commit().await?;
        Ok(exemption_for(who, after.body))
    }

    /// Why exemption `x` does not authorise the export of `product` to `destination` for an `end_user_type`
    /// end user today, if it does not: not granted, outside its validity, or no longer exempt under the
    /// policy in force today for the product's current classification.
    pub(crate) async fn exemption_citation_refused(
        &self,
        x: &Exemption,
        destination: &CountryCode,
        end_user_type: EndUserType,
    ) -> AppResult<Option<String>> {
        let today = self.today();
        match x.state {
            ExemptionState::Granted => {}
            ExemptionState::Revoked => {
                return Ok(Some(format!(
                    "exemption {} was revoked{}",
                    x.id,
                    x.revocation_reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )))
            }
            s => {
                return Ok(Some(format!(
                    "exemption {} is {}, not granted by an officer",
                    x.id,
                    s.as_str()
                )))
            }
        }
        if let Some(from) = x.valid_from.filter(|f| *f > today) {
            return Ok(Some(format!("exemption {} is valid from {from}", x.id)));
        }
        if let Some(until) = x.valid_until.filter(|u| *u < today) {
            return Ok(Some(format!("exemption {} expired after {until}", x.id)));
        }
        let step = self
            .marketing_step(
                "export.marketing_authorisation",
                &x.product,
                destination,
                end_user_type,
                today,
            )
            .await?;
        if step.determination.outcome != Outcome::Exempt {
            return Ok(Some(format!(
                "exemption {} no longer applies: the policy in force on {today} finds the marketing of product {} to {destination} for a {} end user {} ({})",
                x.id,
                x.product,
                end_user_type.as_str(),
                step.determination.outcome.as_str(),
                step.reasons()
            )));
        }
        Ok(None)
    }
}

/// An exemption as `who` may see it: exporters do not see which officer decided or revoked it.
pub(crate) fn exemption_for(who: &Principal, mut x: Exemption) -> Exemption {
    if who.role == Role::Exporter {
        x.decided_by = None;
        x.revoked_by = None;
    }
    x
}
