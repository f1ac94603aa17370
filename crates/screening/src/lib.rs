//! Name screening against sanctions and denied-party lists.
//!
//! Build an [`Index`] over imported [`lists::ListSnapshot`]s once, then [`Index::screen`] a validated [`Query`]
//! (microseconds per name), or [`batch::screen_jsonl`] a whole JSON Lines file on all cores. Every [`Match`]
//! carries an [`Explanation`]. See `docs/screening.md` for normalisation, transliteration, retrieval and scoring.
#![forbid(unsafe_code)]

pub mod batch;
pub mod denials;
pub mod explain;
pub mod index;
pub mod names;
pub mod normalize;
pub mod query;
pub mod romanise;
pub mod similarity;
mod table;
pub mod translit;

pub use explain::{
    CompactMatch, Explanation, MatchedVariant, QualifierEffect, ScoreFactor, TokenMatch,
    UnmatchedToken,
};
pub use index::{
    Index, IndexedEntry, IndexedList, Match, Options, DEFAULT_LIMIT, DEFAULT_THRESHOLD,
};
pub use query::{Query, QueryError, QueryInput, QueryWarning};
