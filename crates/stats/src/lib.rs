//! Public statistics computed only from decision facts: tables by period (year or quarter) and licence kind,
//! destination, control entry, end-user type and outcome; refusals by criterion; processing times; a
//! cyber-surveillance section; disclosure control (primary and complementary suppression). Pure: no I/O, no
//! clock. The same facts, period and as-of time always give byte-identical output. docs/statistics.md defines
//! every figure and the suppression rule.

#![forbid(unsafe_code)]

mod audit;
mod fact;
mod period;
mod render;
mod suppress;
pub mod synthetic;
mod tables;

pub use fact::{DecisionFact, FactKind, FactLine, FactOutcome, StoredFact};
pub use period::{Period, PeriodError};
pub use render::to_csv;
pub use tables::{data_version, effective_facts, report, Figure, Options, Report, Row, Table};
