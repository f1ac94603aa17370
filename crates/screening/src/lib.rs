//! Name screening (being built).
