//! Licensing policy as versioned data.
//!
//! This crate owns the policy engine of exportctl: reading a policy directory (TOML files with rules, country
//! assessments, embargoes, Wassenaar participation, control entries, countries and moratoria), checking it with
//! file/line diagnostics, and evaluating a [`Request`] into an explained [`Determination`] as of any date.
//! It does no I/O except in [`PolicySet::load_dir`] and the [`jsonl`] stream helper; [`evaluate`] and
//! [`impact`] are pure functions.
//!
//! Rule conditions are [CEL](https://github.com/google/cel-spec) expressions over a fixed set of facts
//! ([`Fact`]), compiled when the policy is loaded. See `docs/policy.md` for the file format.
#![forbid(unsafe_code)]

mod condition;
mod date;
mod eval;
mod impact;
pub mod jsonl;
mod load;
mod model;
mod reference;

pub use condition::{Fact, MAX_CONDITION_BYTES, MAX_CONDITION_DEPTH};
pub use eval::{
    countersigning, evaluate, AdviceFacts, Countersigning, Determination, EvalError, FiredRule,
    Request,
};
pub use impact::{impact, AffectedCase, DeterminationSummary, ImpactCase, ImpactReport};
pub use load::{Diagnostic, LoadError};
pub use model::{
    Assessment, AuditIntervals, ControlEntry, ControlEntryVersion, Countersignatures, Country,
    Deadlines, Effect, Embargo, EmbargoKind, HolidayYear, Moratorium, MoratoriumItems, PolicySet,
    Regime, Rule, RuleVersion, Source, VocabularyItem, VocabularyKind, WassenaarParticipation,
};
pub use reference::{reference, reference_files};
