//! Explanations attached to every match: the list name variant that matched, how query tokens aligned with list
//! tokens (with per-token similarity and method), what stayed unmatched, and how each qualifier moved the score.

use lists::{NameKind, NameQuality};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub unmatched_query: Vec<String>,
    pub unmatched_list: Vec<String>,
    /// Each qualifier that moved the score, with its effect (added to the name score).
    pub qualifiers: Vec<QualifierEffect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedVariant {
    pub name: String,
    pub kind: NameKind,
    pub quality: NameQuality,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenMatch {
    /// Query token (Latin comparison form).
    pub query: String,
    /// List token (Latin comparison form).
    pub list: String,
    pub similarity: f64,
    /// `exact`, `equivalent-name (muhammad)`, `phonetic-key`, `jaro-winkler`, `consonant-skeleton`.
    pub method: String,
    /// Weight of the pair (1 for names, lower for organisation words and particles).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualifierEffect {
    /// `birth_date`, `countries`, `kind` or `identifier`.
    pub qualifier: String,
    pub effect: f64,
    pub detail: String,
}
