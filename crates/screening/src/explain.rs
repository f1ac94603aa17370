//! Explanations attached to every match: the list name variant that matched, how query tokens aligned with list
//! tokens (with per-token similarity and method), what stayed unmatched, and how each qualifier moved the score.
//!
//! The name score is computed from exactly what the explanation shows (see docs/screening.md, section 6):
//! `Σ tokens similarity·(query_weight + list_weight) / (Σ query weights + Σ list weights − 0.45 · Σ unmatched list
//! weights)`, times every factor, rounded to 4 decimals; for `latin-compact` it is `compact.similarity` times the
//! factors. The match score is that name score plus the qualifiers' effects, clamped to [0, 1] and rounded.

use lists::{NameKind, NameQuality};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Explanation {
    /// The list name variant that gave the best name score.
    pub variant: MatchedVariant,
    /// How the names were compared: `latin-tokens`, `latin-compact` (names with spaces removed) or
    /// `original-script`.
    pub comparison: String,
    /// Score of the names alone, before qualifiers.
    pub name_score: f64,
    /// Aligned token pairs.
    pub tokens: Vec<TokenMatch>,
    /// Query tokens left unaligned, with their weights (they count fully in the denominator).
    pub unmatched_query: Vec<UnmatchedToken>,
    /// List tokens left unaligned, with their weights (they count 55% in the denominator).
    pub unmatched_list: Vec<UnmatchedToken>,
    /// For `latin-compact`: the two names with spaces removed and their similarity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compact: Option<CompactMatch>,
    /// Multipliers applied to the name score (`single-name`, `low-quality-alias`), or `no-distinctive-token`
    /// (factor 0) when no aligned token has 3 or more characters and the names do not match in full.
    #[serde(default)]
    pub factors: Vec<ScoreFactor>,
    /// Each qualifier that moved the score, with its effect (added to the name score).
    pub qualifiers: Vec<QualifierEffect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchedVariant {
    pub name: String,
    pub kind: NameKind,
    pub quality: NameQuality,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenMatch {
    /// Query token (Latin comparison form).
    pub query: String,
    /// List token (Latin comparison form).
    pub list: String,
    pub similarity: f64,
    /// `exact`, `equivalent-name (muhammad)`, `phonetic-key`, `jaro-winkler`, `consonant-skeleton`.
    pub method: String,
    /// Weight of the query token (1 for names, 0.25 for organisation words, 0.15 for particles).
    pub query_weight: f64,
    /// Weight of the list token.
    pub list_weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnmatchedToken {
    pub token: String,
    pub weight: f64,
    /// A listed person's middle name left out by a query naming the given and family name (its weight is
    /// then 0.25 instead of 1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub middle_name: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompactMatch {
    pub query: String,
    pub list: String,
    /// `levenshtein`: 1 − edit distance / length of the longer form (Levenshtein, with a swap of adjacent
    /// letters counted as one edit); `romanisation`: the two forms are one
    /// Chinese or Korean name in two romanisation systems (0.9).
    #[serde(default = "levenshtein")]
    pub method: String,
    pub similarity: f64,
}

fn levenshtein() -> String {
    "levenshtein".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreFactor {
    /// `single-name`, `low-quality-alias` or `no-distinctive-token`.
    pub factor: String,
    pub value: f64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QualifierEffect {
    /// `birth_date`, `countries`, `kind` or `identifier`.
    pub qualifier: String,
    pub effect: f64,
    pub detail: String,
}
