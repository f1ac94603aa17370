//! API integration tests: one binary; each test starts the real service on port 0 over a throw-away
//! database, and most run on both SQLite and PostgreSQL.

mod access;
mod appeals;
mod audit_log;
mod bad_input;
mod common;
mod concurrency;
mod confidentiality;
mod conformance;
mod contract;
mod countersigning;
mod decisions;
mod denials;
mod documents;
mod exemptions;
mod fixtures;
mod hostile;
mod isolation;
mod journey;
mod licence_after_issue;
mod licence_life;
mod licences;
mod lifecycle;
mod list_sources;
mod listing;
mod monitoring;
mod notes;
mod notifications;
mod observe;
#[path = "../support/office.rs"]
mod office;
mod openapi;
mod openapi_contract;
mod openapi_quality;
mod partial;
mod policy_service;
mod races_and_bounds;
mod regimes_catch_all;
mod rescreen_job;
mod screening_service;
mod secrets;
mod shipments;
mod sinks;
mod statistics;
mod two_instances;
mod variations;
