//! Advice on the entities of a case (issue 12): a product line, a destination or a party, besides the whole
//! case, and the flag officers see when advisers disagree on the same entity.
//!
//! An adviser's recommendation targets the whole case; `entities` adds advice on single entities where it
//! differs. "inform" is no view (for the record). Two advisers disagree on an entity when their views on it —
//! the entity's own advice where they gave one, else their whole-case recommendation — differ in kind:
//! approve (with or without conditions), refuse, or no licence required. Conflicts are derived from the
//! advice given and shown in the internal case view (`advice_conflicts`) and on the officer's case page.

use crate::model::{AdviceConflict, AdviceTarget, CaseBody, ConflictingView, EntityAdvice};
use crate::{text, AppError, AppResult};
use domain::AdviceRecommendation as R;
use std::collections::BTreeSet;

/// The entities of a case advice may target: its products, destinations and parties.
pub fn case_entities(body: &CaseBody) -> Vec<AdviceTarget> {
    let mut out = Vec::new();
    if let Some(m) = &body.marketing {
        out.extend(
            m.products
                .iter()
                .map(|p| AdviceTarget::Product { id: p.clone() }),
        );
        out.extend(m.destinations.iter().map(|d| AdviceTarget::Destination {
            country: d.to_string(),
        }));
        out.extend(m.end_users.iter().map(|u| AdviceTarget::Party {
            name: u.name.trim().to_string(),
        }));
    }
    if let Some(e) = &body.export {
        out.push(AdviceTarget::Product {
            id: e.product.clone(),
        });
        out.push(AdviceTarget::Destination {
            country: e.destination.to_string(),
        });
        out.push(AdviceTarget::Party {
            name: e.end_user.name.trim().to_string(),
        });
        out.push(AdviceTarget::Party {
            name: e.consignee.name.trim().to_string(),
        });
        out.extend(e.intermediaries.iter().map(|p| AdviceTarget::Party {
            name: p.name.trim().to_string(),
        }));
    }
    let mut seen = BTreeSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// The kind of view a recommendation is (None: "inform", no view).
fn view(r: R) -> Option<u8> {
    match r {
        R::Approve | R::ApproveWithConditions => Some(0),
        R::Refuse => Some(1),
        R::NoLicenceRequired => Some(2),
        R::Inform => None,
    }
}

/// Conflicting advice on the whole case and on each entity someone advised on specifically.
pub fn advice_conflicts(body: &CaseBody) -> Vec<AdviceConflict> {
    let given: Vec<_> = body
        .advice
        .iter()
        .filter_map(|e| e.advice.as_ref().map(|a| (e.review, a)))
        .collect();
    let conflict = |target: Option<AdviceTarget>, views: Vec<ConflictingView>| {
        let kinds: BTreeSet<u8> = views
            .iter()
            .filter_map(|v| view(v.recommendation))
            .collect();
        (kinds.len() > 1).then_some(AdviceConflict { target, views })
    };
    let mut out = Vec::new();
    let whole: Vec<ConflictingView> = given
        .iter()
        .map(|(review, a)| ConflictingView {
            review: *review,
            recommendation: a.recommendation,
        })
        .collect();
    out.extend(conflict(None, whole));
    let targeted: BTreeSet<&AdviceTarget> = given
        .iter()
        .flat_map(|(_, a)| a.entities.iter().map(|e| &e.target))
        .collect();
    for t in targeted {
        let views = given
            .iter()
            .map(|(review, a)| ConflictingView {
                review: *review,
                recommendation: a
                    .entities
                    .iter()
                    .find(|e| &e.target == t)
                    .map_or(a.recommendation, |e| e.recommendation),
            })
            .collect();
        out.extend(conflict(Some(t.clone()), views));
    }
    out
}

/// Checks advice on entities (without the case: shape, texts, what each recommendation needs).
pub(crate) fn validate_entities(entities: &[EntityAdvice]) -> AppResult<()> {
    if entities.len() > 200 {
        return Err(AppError::invalid("entities", "give at most 200 entities"));
    }
    for (i, e) in entities.iter().enumerate() {
        let field = |f: &str| format!("entities[{i}].{f}");
        if entities[..i].iter().any(|o| o.target == e.target) {
            return Err(AppError::invalid(
                field("target"),
                format!("{} is advised on twice", e.target),
            ));
        }
        crate::bounded_unique(&field("criteria"), &e.criteria, 20)?;
        crate::bounded_unique(&field("conditions"), &e.conditions, 50)?;
        for (j, c) in e.conditions.iter().enumerate() {
            text(&field(&format!("conditions[{j}]")), c, 2000)?;
        }
        if let Some(t) = &e.text {
            text(&field("text"), t, 20000)?;
        }
        match e.recommendation {
            R::Refuse if e.criteria.is_empty() => {
                return Err(AppError::invalid(
                    field("criteria"),
                    "advice to refuse must cite at least one refusal criterion",
                ))
            }
            R::ApproveWithConditions if e.conditions.is_empty() => {
                return Err(AppError::invalid(
                    field("conditions"),
                    "advice to approve with conditions must state the conditions",
                ))
            }
            R::Approve | R::NoLicenceRequired | R::Inform
                if !e.criteria.is_empty() || !e.conditions.is_empty() =>
            {
                return Err(AppError::invalid(
                    field("criteria"),
                    format!(
                        "advice {} carries no criteria or conditions",
                        e.recommendation.as_str()
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks that every targeted entity is one of the case's.
pub(crate) fn targets_on_case(body: &CaseBody, entities: &[EntityAdvice]) -> AppResult<()> {
    let on_case = case_entities(body);
    for (i, e) in entities.iter().enumerate() {
        if !on_case.contains(&e.target) {
            return Err(AppError::invalid(
                format!("entities[{i}].target"),
                format!(
                    "{} is not an entity of this case (its products, destinations and parties)",
                    e.target
                ),
            ));
        }
    }
    Ok(())
}
