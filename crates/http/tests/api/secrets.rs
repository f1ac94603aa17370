//! Credentials at rest, on both backends: API tokens and one-time enrolment secrets are stored only as their
//! SHA-256 hashes. The test reads the database rows themselves: no table holds a secret the service handed
//! out, and the stored hash is the one the service looks the secret up by.

use crate::both_backends;
use crate::common::*;
use serde_json::json;
use sha2::{Digest, Sha256};

both_backends!(tokens_and_enrolment_secrets_are_stored_only_as_hashes);

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Rows of `table` in which `column` contains `needle`.
async fn rows_containing(pool: &sqlx::AnyPool, table: &str, column: &str, needle: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%' || $1 || '%'");
    sqlx::query_scalar::<_, i64>(&sql)
        .bind(needle)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every place a secret could have been written: tokens, business records (enrolments are records), users,
/// sessions and the audit log.
const PLACES: &[(&str, &str)] = &[
    ("tokens", "token_hash || ' ' || label || ' ' || id"),
    ("records", "body"),
    ("users", "username || ' ' || id"),
    ("sessions", "secret_hash"),
    (
        "audit_events",
        "COALESCE(before_json, '') || COALESCE(after_json, '') || COALESCE(reason, '') || COALESCE(via, '') || actor",
    ),
];

async fn tokens_and_enrolment_secrets_are_stored_only_as_hashes(b: Backend) {
    let t = TestApp::start(b).await;
    let org = t.org("Acme").await;
    let created = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "exp1", "role": "exporter", "org_id": org}),
        )
        .await
        .ok();
    let secret = created["enrolment"]["secret"].as_str().unwrap().to_string();
    let token = t.enrol("exp1", &secret).await;
    let me = t.get(&token, "/api/v1/me").await.ok();
    assert_eq!(me["username"], "exp1", "the token works: {me}");

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(t.db_url()).await.unwrap();
    let tokens = [t.admin.clone(), token.clone()];
    for s in tokens.iter().chain([&secret]) {
        assert!(s.len() >= 32, "a real secret: {s}");
        for (table, column) in PLACES {
            assert_eq!(
                rows_containing(&pool, table, column, s).await,
                0,
                "{table}.{column} holds a secret in clear"
            );
        }
    }
    // Each token is found by its hash, exactly once; the enrolment by its secret's hash.
    for s in &tokens {
        assert_eq!(
            rows_containing(&pool, "tokens", "token_hash", &sha256(s)).await,
            1,
            "token hash stored"
        );
    }
    assert_eq!(
        rows_containing(&pool, "records", "body", &sha256(&secret)).await,
        1,
        "enrolment secret hash stored"
    );
    pool.close().await;
}
