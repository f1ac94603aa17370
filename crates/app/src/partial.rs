//! Partial decisions (issue 12): final advice per product line and destination, and what a decision then
//! covers — a licence for the approved subset, a refusal (with criteria) for the rest, and a "no licence
//! required" letter for the product lines that need none.
//!
//! The final advice has an outcome for the whole case and, in `entities`, the product lines and destinations
//! where it differs. Each product line and each destination of the case resolves to its own entry, or else to
//! the whole-case outcome. Then:
//! - the licence covers every product line that resolves to `approve`, to every destination that does not
//!   resolve to `refuse` — a product line crossed with a destination, so the licensed part is always a
//!   rectangle the signed licence can state as two lists;
//! - a product line or a destination that resolves to `refuse` is refused, citing its own criteria (or the
//!   whole case's);
//! - a product line that resolves to `no-licence-required` gets the letter. A destination cannot be "no
//!   licence required" (whether a licence is needed is a property of the item); it is approved or refused.
//!
//! The case's decision is an approval when anything is licensed, else a refusal when anything is refused,
//! else "no licence required" (docs/decisions.md, with a worked example).

use crate::final_advice::{FinalAdvice, FinalOutcome};
use crate::model::{AdviceTarget, CaseBody};
use crate::{AppError, AppResult};
use domain::RefusalCriterion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// Final advice on one product line or destination where it differs from the advice on the whole case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FinalEntityAdvice {
    /// A product line (`{"entity": "product", "id": ...}`) or a destination (`{"entity": "destination",
    /// "country": "FR"}`) of the case; a party is decided through its destination or the whole case.
    pub target: AdviceTarget,
    pub outcome: FinalOutcome,
    /// For `refuse` only: at least one.
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
}

/// One refused part of a partial decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RefusedPart {
    pub target: AdviceTarget,
    pub criteria: Vec<RefusalCriterion>,
}

/// What a decision covers, part by part, when its final advice named product lines or destinations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Default)]
pub struct DecisionParts {
    /// The product lines (product ids) the licence covers.
    pub licensed_products: Vec<String>,
    /// The destinations (ISO codes) the licence covers.
    pub licensed_destinations: Vec<String>,
    /// Refused product lines and destinations, each with its criteria.
    pub refused: Vec<RefusedPart>,
    /// Product lines for which no licence is required (the letter).
    pub no_licence_required: Vec<String>,
}

impl DecisionParts {
    /// What the decision on the whole case is.
    pub fn outcome(&self) -> FinalOutcome {
        if !self.licensed_products.is_empty() {
            FinalOutcome::Approve
        } else if !self.refused.is_empty() {
            FinalOutcome::Refuse
        } else {
            FinalOutcome::NoLicenceRequired
        }
    }

    /// Every criterion cited by a refused part, once, in order of first citation.
    pub fn criteria(&self) -> Vec<RefusalCriterion> {
        let mut out: Vec<RefusalCriterion> = Vec::new();
        for c in self.refused.iter().flat_map(|r| &r.criteria) {
            if !out.contains(c) {
                out.push(*c);
            }
        }
        out
    }

    /// The refused product ids and destination codes.
    pub fn refused_products(&self) -> Vec<&str> {
        self.refused
            .iter()
            .filter_map(|r| match &r.target {
                AdviceTarget::Product { id } => Some(id.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn refused_destinations(&self) -> Vec<&str> {
        self.refused
            .iter()
            .filter_map(|r| match &r.target {
                AdviceTarget::Destination { country } => Some(country.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// The product lines and destinations of a case, in the order the application gives them.
pub(crate) fn lines_and_destinations(body: &CaseBody) -> (Vec<String>, Vec<String>) {
    match (&body.marketing, &body.export) {
        (Some(m), _) => (
            m.products.clone(),
            m.destinations.iter().map(|d| d.to_string()).collect(),
        ),
        (None, Some(e)) => (vec![e.product.clone()], vec![e.destination.to_string()]),
        (None, None) => (vec![], vec![]),
    }
}

/// Checks the per-entity final advice against the case: each target a product line or destination of it,
/// named once, a refusal with criteria, no "no licence required" for a destination, and no entry that only
/// repeats the whole-case outcome. Field names are `entities[i]...`.
pub(crate) fn validate(
    body: &CaseBody,
    whole: FinalOutcome,
    entities: &[FinalEntityAdvice],
) -> AppResult<()> {
    let (products, destinations) = lines_and_destinations(body);
    let mut seen = BTreeSet::new();
    for (i, e) in entities.iter().enumerate() {
        let field = format!("entities[{i}].target");
        match &e.target {
            AdviceTarget::Product { id } if products.contains(id) => {}
            AdviceTarget::Destination { country } if destinations.contains(country) => {
                if e.outcome == FinalOutcome::NoLicenceRequired {
                    return Err(AppError::invalid(
                        format!("entities[{i}].outcome"),
                        "a destination is approved or refused; whether a licence is required is decided per \
                         product line",
                    ));
                }
            }
            AdviceTarget::Party { .. } => {
                return Err(AppError::invalid(
                    &field,
                    "final advice is given per product line or destination; a party is decided through its \
                     destination or the whole case",
                ))
            }
            t => {
                return Err(AppError::invalid(
                    &field,
                    format!("{t} is not a product line or destination of this case"),
                ))
            }
        }
        if !seen.insert(&e.target) {
            return Err(AppError::invalid(
                &field,
                format!("{} is named twice", e.target),
            ));
        }
        if e.outcome == whole {
            return Err(AppError::invalid(
                format!("entities[{i}].outcome"),
                format!(
                    "the whole case is advised to {} already; name an entity only where the advice differs",
                    whole.as_str()
                ),
            ));
        }
        match (e.outcome, e.criteria.is_empty()) {
            (FinalOutcome::Refuse, true) => {
                return Err(AppError::invalid(
                    format!("entities[{i}].criteria"),
                    "advice to refuse cites at least one refusal criterion",
                ))
            }
            (FinalOutcome::Approve | FinalOutcome::NoLicenceRequired, false) => {
                return Err(AppError::invalid(
                    format!("entities[{i}].criteria"),
                    "only advice to refuse cites refusal criteria",
                ))
            }
            _ => {}
        }
        crate::bounded_unique(&format!("entities[{i}].criteria"), &e.criteria, 20)?;
    }
    Ok(())
}

/// What the final advice decides for each part of the case.
pub fn resolve(body: &CaseBody, advice: &FinalAdvice) -> DecisionParts {
    let (products, destinations) = lines_and_destinations(body);
    let of = |target: AdviceTarget| {
        advice.entities.iter().find(|e| e.target == target).map_or(
            (advice.outcome, advice.criteria.clone()),
            |e| {
                (
                    e.outcome,
                    if e.criteria.is_empty() {
                        advice.criteria.clone()
                    } else {
                        e.criteria.clone()
                    },
                )
            },
        )
    };
    let mut parts = DecisionParts::default();
    for p in &products {
        let target = AdviceTarget::Product { id: p.clone() };
        match of(target.clone()) {
            (FinalOutcome::Approve, _) => parts.licensed_products.push(p.clone()),
            (FinalOutcome::Refuse, criteria) => {
                parts.refused.push(RefusedPart { target, criteria })
            }
            (FinalOutcome::NoLicenceRequired, _) => parts.no_licence_required.push(p.clone()),
        }
    }
    for d in &destinations {
        let target = AdviceTarget::Destination { country: d.clone() };
        match of(target.clone()) {
            (FinalOutcome::Refuse, criteria) => {
                parts.refused.push(RefusedPart { target, criteria })
            }
            _ => parts.licensed_destinations.push(d.clone()),
        }
    }
    if parts.licensed_products.is_empty() || parts.licensed_destinations.is_empty() {
        parts.licensed_products.clear();
        parts.licensed_destinations.clear();
    }
    parts
}

/// A product line named in a "no licence required" letter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LetterProduct {
    pub id: String,
    pub name: String,
    pub version: String,
}

/// The authority's letter that the named product lines need no licence for the destinations of the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct NoLicenceRequiredLetter {
    /// `NLR-` and the case reference.
    pub reference: String,
    pub case_reference: String,
    pub holder: String,
    pub products: Vec<LetterProduct>,
    /// The destinations of the case (an item that needs no licence needs none to any of them).
    pub destinations: Vec<String>,
    /// The decision's reason.
    pub reason: String,
    /// The authority's date of the decision.
    #[schema(value_type = String, format = Date)]
    pub issued_on: chrono::NaiveDate,
    /// The letter's text, in the authority's words.
    pub text: String,
}

impl crate::App {
    /// The "no licence required" letter of a case concluded that way, or of a partial decision with product
    /// lines that need no licence (anyone who can read the case; 409 when the decision gave none).
    pub async fn no_licence_required_letter(
        &self,
        who: &crate::Principal,
        id: &str,
    ) -> AppResult<NoLicenceRequiredLetter> {
        let case = self.case_record(who, id).await?;
        let b = &case.body;
        let (products, destinations) = lines_and_destinations(b);
        let (products, destinations, reason, at) = if case.state
            == domain::CaseState::NoLicenceRequired.as_str()
        {
            let change = b
                .history
                .iter()
                .rev()
                .find(|h| h.to == domain::CaseState::NoLicenceRequired)
                .ok_or_else(|| AppError::Internal("concluded case without its change".into()))?;
            (
                products,
                destinations,
                change.reason.clone().unwrap_or_default(),
                change.at.clone(),
            )
        } else {
            match b.decision.as_ref().and_then(|d| d.parts.as_ref().map(|p| (d, p))) {
                // An item that needs no licence needs none to any destination of the case, refused or not
                // (a refusal concerns what needs a licence).
                Some((d, p)) if !p.no_licence_required.is_empty() => (
                    p.no_licence_required.clone(),
                    destinations,
                    d.reason.clone(),
                    d.decided_at.clone(),
                ),
                _ => {
                    return Err(AppError::Conflict(
                        "the decision on this case found no product line that needs no licence; there is no \
                         letter"
                            .into(),
                    ))
                }
            }
        };
        let org_id = case
            .org_id
            .clone()
            .ok_or_else(|| AppError::Internal("a case without an organisation".into()))?;
        let holder = self
            .store
            .get::<crate::model::NewOrganisation>(crate::admin::ORG, &org_id)
            .await
            .map_err(crate::not_found("organisation"))?
            .body
            .name;
        let mut named = Vec::with_capacity(products.len());
        for p in &products {
            let r = self
                .store
                .get::<crate::exporter::ProductBody>(crate::exporter::PRODUCT, p)
                .await
                .map_err(crate::not_found("product"))?;
            named.push(LetterProduct {
                id: p.clone(),
                name: r.body.name,
                version: r.body.version,
            });
        }
        let case_reference = case.reference.clone().unwrap_or_default();
        let issued_on = crate::cases::date_of(&at, self.calendar());
        let text = format!(
            "The authority has decided on application {case_reference} that {} need{} no licence for {} to {}. \
             This letter does not cover other items, destinations or end users.",
            named
                .iter()
                .map(|p| format!("{} {}", p.name, p.version))
                .collect::<Vec<_>>()
                .join(", "),
            if named.len() == 1 { "s" } else { "" },
            match b.licence {
                domain::LicenceKind::Marketing => "marketing",
                domain::LicenceKind::Export => "export",
            },
            destinations.join(", ")
        );
        Ok(NoLicenceRequiredLetter {
            reference: format!("NLR-{case_reference}"),
            case_reference,
            holder,
            products: named,
            destinations,
            reason,
            issued_on,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::final_advice::FinalOutcome as O;

    fn body() -> CaseBody {
        serde_json::from_value(serde_json::json!({
            "licence": "marketing",
            "marketing": {
                "products": ["p1", "p2", "p3"],
                "destinations": ["FR", "DE"],
                "end_users": [{"name": "Police", "type": "government-law-enforcement"}]
            },
            "export": null, "policy_version": null, "target_working_days": null, "decision": null,
            "licence_issued": null, "submitted_at": null
        }))
        .expect("case body")
    }

    fn advice(outcome: O, criteria: &[&str], entities: serde_json::Value) -> FinalAdvice {
        serde_json::from_value(serde_json::json!({
            "outcome": outcome, "reason": "r", "conditions": [], "criteria": criteria,
            "entities": entities, "revision": 1, "drafted_by": "u", "drafted_by_username": "u",
            "drafted_at": "2026-01-01T00:00:00Z", "drafters": ["u"]
        }))
        .expect("final advice")
    }

    #[test]
    fn a_partial_decision_licenses_a_rectangle_and_names_the_rest() {
        let a = advice(
            O::Approve,
            &[],
            serde_json::json!([
                {"target": {"entity": "product", "id": "p2"}, "outcome": "refuse", "criteria": ["criterion-2"]},
                {"target": {"entity": "product", "id": "p3"}, "outcome": "no-licence-required"},
                {"target": {"entity": "destination", "country": "DE"}, "outcome": "refuse", "criteria": ["criterion-7"]}
            ]),
        );
        let p = resolve(&body(), &a);
        assert_eq!(p.licensed_products, ["p1"]);
        assert_eq!(p.licensed_destinations, ["FR"]);
        assert_eq!(p.refused_products(), ["p2"]);
        assert_eq!(p.refused_destinations(), ["DE"]);
        assert_eq!(p.no_licence_required, ["p3"]);
        assert_eq!(p.outcome(), O::Approve);
        let crit: Vec<&str> = p.criteria().iter().map(|c| c.as_str()).collect();
        assert_eq!(crit, ["criterion-2", "criterion-7"]);
    }

    #[test]
    fn refusing_by_default_licenses_only_what_is_approved_in_both_dimensions() {
        let only_product = advice(
            O::Refuse,
            &["criterion-1"],
            serde_json::json!([{"target": {"entity": "product", "id": "p1"}, "outcome": "approve"}]),
        );
        let p = resolve(&body(), &only_product);
        // Every destination is refused by default: nothing can be licensed.
        assert!(p.licensed_products.is_empty() && p.licensed_destinations.is_empty());
        assert_eq!(p.outcome(), O::Refuse);
        let both = advice(
            O::Refuse,
            &["criterion-1"],
            serde_json::json!([
                {"target": {"entity": "product", "id": "p1"}, "outcome": "approve"},
                {"target": {"entity": "destination", "country": "FR"}, "outcome": "approve"}
            ]),
        );
        let p = resolve(&body(), &both);
        assert_eq!(
            (
                p.licensed_products.as_slice(),
                p.licensed_destinations.as_slice()
            ),
            (&["p1".to_string()][..], &["FR".to_string()][..])
        );
        // The default's criteria are cited for the parts refused by default.
        assert!(p.refused.iter().all(|r| r
            .criteria
            .iter()
            .map(|c| c.as_str())
            .eq(["criterion-1"])));
        assert_eq!(p.refused.len(), 3);
    }

    #[test]
    fn entities_are_checked_against_the_case() {
        let b = body();
        let e = |v: serde_json::Value| -> Vec<FinalEntityAdvice> {
            serde_json::from_value(v).expect("entities")
        };
        let field = |r: AppResult<()>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected 422, got {other:?}"),
        };
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(
                    serde_json::json!([{"target": {"entity": "product", "id": "nope"}, "outcome": "refuse", "criteria": ["criterion-1"]}])
                )
            )),
            "entities[0].target"
        );
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(
                    serde_json::json!([{"target": {"entity": "party", "name": "Police"}, "outcome": "refuse", "criteria": ["criterion-1"]}])
                )
            )),
            "entities[0].target"
        );
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(
                    serde_json::json!([{"target": {"entity": "destination", "country": "FR"}, "outcome": "no-licence-required"}])
                )
            )),
            "entities[0].outcome"
        );
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(
                    serde_json::json!([{"target": {"entity": "product", "id": "p1"}, "outcome": "refuse"}])
                )
            )),
            "entities[0].criteria"
        );
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(
                    serde_json::json!([{"target": {"entity": "product", "id": "p1"}, "outcome": "approve"}])
                )
            )),
            "entities[0].outcome"
        );
        assert_eq!(
            field(validate(
                &b,
                O::Approve,
                &e(serde_json::json!([
            {"target": {"entity": "product", "id": "p1"}, "outcome": "no-licence-required"},
            {"target": {"entity": "product", "id": "p1"}, "outcome": "no-licence-required"}]))
            )),
            "entities[1].target"
        );
        assert!(validate(&b, O::Approve, &e(serde_json::json!([{"target": {"entity": "destination", "country": "DE"}, "outcome": "refuse", "criteria": ["criterion-1"]}]))).is_ok());
    }
}
