//! Impact preview: replay cases under the current and a staged policy and report what would change.

use crate::eval::{evaluate, Request};
use crate::model::PolicySet;
use domain::{Outcome, ReviewKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A case to replay: its reference, whether it is decided, and its request (with the as-of date it was or
/// will be determined on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactCase {
    pub case_ref: String,
    #[serde(default)]
    pub decided: bool,
    /// The case's lifecycle state (`issued`, `suspended`, ...), when known: issued and suspended licences that
    /// the staged policy would prohibit are listed in [`ImpactReport::licences_prohibited`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub request: Request,
}

/// The parts of a determination that the impact preview compares, or the evaluation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ImpactSummary)]
pub struct DeterminationSummary {
    pub outcome: Option<Outcome>,
    pub required_reviews: Vec<ReviewKind>,
    pub required_documents: Vec<String>,
    pub target_working_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DeterminationSummary {
    fn of(request: &Request, set: &PolicySet) -> Self {
        match evaluate(request, set) {
            Ok(d) => DeterminationSummary {
                outcome: Some(d.outcome),
                required_reviews: d.required_reviews,
                required_documents: d.required_documents,
                target_working_days: d.target_working_days,
                error: None,
            },
            Err(e) => DeterminationSummary {
                outcome: None,
                required_reviews: Vec::new(),
                required_documents: Vec::new(),
                target_working_days: None,
                error: Some(e.to_string()),
            },
        }
    }

    fn label(&self) -> &str {
        self.outcome.map_or("error", |o| o.as_str())
    }
}

/// One case whose determination would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AffectedCase {
    pub case_ref: String,
    pub decided: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub destination: String,
    /// Canonical codes where known, else as given.
    pub control_entries: Vec<String>,
    /// Which parts change: `outcome`, `required_reviews`, `required_documents`, `target_working_days`, `error`.
    pub changes: Vec<String>,
    pub current: DeterminationSummary,
    pub staged: DeterminationSummary,
}

/// What a staged policy would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImpactReport {
    pub current_version: String,
    pub staged_version: String,
    pub cases: usize,
    pub changed: usize,
    pub changed_decided: usize,
    pub changed_open: usize,
    /// Changed cases by destination.
    pub by_destination: BTreeMap<String, usize>,
    /// Changed cases by control entry (a case counts once under each of its entries; `(none)` when unlisted).
    pub by_control_entry: BTreeMap<String, usize>,
    /// Changed cases by outcome transition, e.g. `exempt -> licence-required`.
    pub by_transition: BTreeMap<String, usize>,
    /// Issued and suspended licences (case references) that the staged policy would have prohibited: a
    /// moratorium does not touch them silently; an officer may suspend them in one audited action.
    #[serde(default)]
    pub licences_prohibited: Vec<String>,
    pub affected: Vec<AffectedCase>,
}

/// Replays every case under `current` and `staged` and reports the determinations that change.
pub fn impact(cases: &[ImpactCase], current: &PolicySet, staged: &PolicySet) -> ImpactReport {
    let mut report = ImpactReport {
        current_version: current.version().to_string(),
        staged_version: staged.version().to_string(),
        cases: cases.len(),
        changed: 0,
        changed_decided: 0,
        changed_open: 0,
        by_destination: BTreeMap::new(),
        by_control_entry: BTreeMap::new(),
        by_transition: BTreeMap::new(),
        licences_prohibited: Vec::new(),
        affected: Vec::new(),
    };
    for case in cases {
        let before = DeterminationSummary::of(&case.request, current);
        let after = DeterminationSummary::of(&case.request, staged);
        let mut changes = Vec::new();
        if before.outcome != after.outcome {
            changes.push("outcome");
        }
        if before.required_reviews != after.required_reviews {
            changes.push("required_reviews");
        }
        if before.required_documents != after.required_documents {
            changes.push("required_documents");
        }
        if before.target_working_days != after.target_working_days {
            changes.push("target_working_days");
        }
        if before.error != after.error {
            changes.push("error");
        }
        if changes.is_empty() {
            continue;
        }
        let destination = case.request.destination.as_str().to_string();
        let entries: Vec<String> = case
            .request
            .control_entries
            .iter()
            .map(|c| {
                current
                    .control_entry(c)
                    .or_else(|| staged.control_entry(c))
                    .map_or_else(|| c.trim().to_string(), |e| e.code.clone())
            })
            .collect();
        report.changed += 1;
        if case.decided {
            report.changed_decided += 1;
        } else {
            report.changed_open += 1;
        }
        *report
            .by_destination
            .entry(destination.clone())
            .or_default() += 1;
        let mut distinct = entries.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.is_empty() {
            distinct.push("(none)".to_string());
        }
        for e in distinct {
            *report.by_control_entry.entry(e).or_default() += 1;
        }
        *report
            .by_transition
            .entry(format!("{} -> {}", before.label(), after.label()))
            .or_default() += 1;
        let licence = matches!(case.state.as_deref(), Some("issued" | "suspended"));
        if licence
            && after.outcome == Some(Outcome::Prohibited)
            && before.outcome != Some(Outcome::Prohibited)
            && !report.licences_prohibited.contains(&case.case_ref)
        {
            report.licences_prohibited.push(case.case_ref.clone());
        }
        report.affected.push(AffectedCase {
            case_ref: case.case_ref.clone(),
            decided: case.decided,
            state: case.state.clone(),
            destination,
            control_entries: entries,
            changes: changes.into_iter().map(String::from).collect(),
            current: before,
            staged: after,
        });
    }
    report
}
