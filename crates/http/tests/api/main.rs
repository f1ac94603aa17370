//! API integration tests: one binary; each test starts the real service on port 0 over a throw-away
//! database, and most run on both SQLite and PostgreSQL.

mod bad_input;
mod common;
mod concurrency;
mod hostile;
mod isolation;
mod lifecycle;
mod openapi;
mod policy_service;
mod screening_service;
