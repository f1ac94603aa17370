//! Sanctions and denied-party list importers.
//!
//! Each importer reads one published file format and yields a [`ListSnapshot`]: every record of the list with
//! all its name variants, identifiers and qualifiers, in the one model the screening crate indexes. Parsing is
//! all-or-nothing: a malformed file gives an [`ImportError`] with the position and the reason, never a partial
//! snapshot.

pub mod model;

pub use model::*;
