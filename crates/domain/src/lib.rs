//! Domain vocabulary of exportctl: validated value types, roles, and the case lifecycle.
//!
//! Everything here is pure: no I/O, no async, no storage. Types are built only through `parse`/`FromStr`
//! (parse, don't validate), so a value of one of these types is always valid.

pub mod enums;
pub mod lifecycle;
pub mod workdays;

pub use enums::*;
pub use lifecycle::*;
