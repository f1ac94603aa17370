//! Decision facts: what the application records about an outcome, in the transaction that decides it.

use chrono::NaiveDate;
use domain::{EndUserType, LicenceKind, RefusalCriterion};
use serde::{Deserialize, Serialize};

macro_rules! kebab {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err(format!("{s:?} is not one of: {}", [$($s),+].join(", "))),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

kebab!(
    /// The outcome a fact records.
    FactOutcome { Issued => "issued", Refused => "refused", Withdrawn => "withdrawn" }
);

kebab!(
    /// Why a fact was written: an outcome of the case, a correction of an earlier fact, or the exclusion of the
    /// case from statistics (with a recorded reason).
    FactKind { Outcome => "outcome", Correction => "correction", Exclusion => "exclusion" }
);

/// One product line of a decided case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FactLine {
    pub product: String,
    /// Canonical control-entry codes (e.g. `5A001.j`), sorted.
    pub control_entries: Vec<String>,
    /// Whether any of the line's entries was a cyber-surveillance item on the decision date.
    pub cyber_surveillance: bool,
}

/// What is known about one decided case, as of its decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionFact {
    pub case_id: String,
    pub licence: LicenceKind,
    pub lines: Vec<FactLine>,
    /// ISO 3166-1 alpha-2 destinations, sorted.
    pub destinations: Vec<String>,
    /// End-user types, sorted.
    pub end_user_types: Vec<EndUserType>,
    pub outcome: FactOutcome,
    /// The refusal criteria cited (refusals only).
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
    pub submitted_on: NaiveDate,
    pub decided_on: NaiveDate,
    /// Working days with the clock running from submission to the decision (approval, refusal or withdrawal).
    pub working_days: u32,
    /// The processing-time target in force for the case.
    pub target_working_days: Option<u32>,
    /// Whether the policy in force required a human-rights review.
    pub human_rights_review: bool,
    /// The policy version the case was evaluated under.
    pub policy_version: Option<String>,
}

/// A stored fact with its place in the append-only sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredFact {
    pub seq: i64,
    pub kind: FactKind,
    /// When it was recorded (RFC 3339 UTC); statistics "as of" a time read only facts recorded until then.
    pub recorded_at: String,
    /// The fact this one replaces (the case's previous fact), if any; both stay stored.
    pub supersedes: Option<i64>,
    /// Why (corrections and exclusions).
    pub reason: Option<String>,
    pub fact: DecisionFact,
}
