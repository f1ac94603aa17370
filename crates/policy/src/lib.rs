//! Licensing policy engine (being built).
