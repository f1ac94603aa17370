//! The verifiable audit log over HTTP, on both backends: the public checkpoint (no sign-in, C2SP signed note
//! verifying with the published keys), checkpoints on demand, search by case/actor/action/time with paging,
//! inclusion and consistency proofs that verify against signed checkpoints, bad input naming the field, and
//! `/audit/verify` naming the first broken event of a log tampered with behind the service's back (an edited
//! event, a deleted one, two swapped).

use crate::both_backends;
use crate::common::*;
use serde_json::Value;

fn verifiers(keys: &Value) -> Vec<keys::note::NoteVerifier> {
    keys.as_array()
        .unwrap()
        .iter()
        .map(|k| keys::note::NoteVerifier::parse(k["verifier"].as_str().unwrap()).unwrap())
        .collect()
}

fn hash(v: &Value) -> tlog::Hash {
    tlog::decode_hash("hash", v.as_str().unwrap()).unwrap()
}

fn hashes(v: &Value) -> Vec<tlog::Hash> {
    v.as_array().unwrap().iter().map(hash).collect()
}

both_backends!(
    public_checkpoint_and_keys_verify_without_signing_in,
    auditors_search_and_prove_events,
    bad_audit_queries_name_the_field,
    verify_names_the_first_tampered_event
);

async fn public_checkpoint_and_keys_verify_without_signing_in(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // The service made one at start.
    let first = t.raw("GET", None, "/api/v1/public/checkpoint", None).await;
    assert_eq!(first.status, 200);
    let made = t
        .post(&w.auditor, "/api/v1/audit/checkpoints", Value::Null)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let r = t.raw("GET", None, "/api/v1/public/checkpoint", None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.content_type.starts_with("text/plain"),
        "{}",
        r.content_type
    );
    let note = r.body.as_str().unwrap().to_string();
    assert_eq!(note, made.body["note"].as_str().unwrap());
    let keys = t.raw("GET", None, "/api/v1/public/keys", None).await.ok();
    assert_eq!(keys[0]["status"], "current");
    assert_eq!(keys[0]["algorithm"], "ed25519");
    let cp = app::audit_log::open_checkpoint(&note, &verifiers(&keys)).unwrap();
    assert_eq!(cp.size, made.body["size"].as_u64().unwrap());
    assert!(cp.origin.ends_with("/audit"));
    assert_eq!(cp.size, t.app.store.audit_tree_size().await.unwrap());
    // A tampered note fails.
    let forged = note.replacen(
        &format!("\n{}\n", cp.size),
        &format!("\n{}\n", cp.size + 1),
        1,
    );
    assert!(app::audit_log::open_checkpoint(&forged, &verifiers(&keys)).is_err());
    // Exporters and officers may not make checkpoints; the public may not either.
    t.post(&w.officer, "/api/v1/audit/checkpoints", Value::Null)
        .await
        .problem(403);
    t.raw("POST", None, "/api/v1/audit/checkpoints", None)
        .await
        .problem(401);
}

async fn auditors_search_and_prove_events(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let all = t.get(&w.auditor, "/api/v1/audit?limit=1000").await.ok();
    let all = all.as_array().unwrap();
    assert!(all.len() > 5, "{}", all.len());
    // Search by actor and action, paged.
    let first = &all[all.len() - 1];
    let actor = first["actor"].as_str().unwrap();
    let action = first["action"].as_str().unwrap();
    let want: Vec<&Value> = all
        .iter()
        .filter(|e| e["actor"] == actor && e["action"] == action)
        .collect();
    let mut got = Vec::new();
    let mut after = 0;
    loop {
        let page = t
            .get(
                &w.auditor,
                &format!("/api/v1/audit?actor={actor}&action={action}&after={after}&limit=1"),
            )
            .await
            .ok();
        let page = page.as_array().unwrap().clone();
        let Some(last) = page.last() else { break };
        after = last["seq"].as_i64().unwrap();
        got.extend(page);
    }
    assert_eq!(got.len(), want.len());
    // By record (case) and time range.
    let rec = first["record_id"].as_str().unwrap();
    let by_case = t
        .get(&w.auditor, &format!("/api/v1/audit?case={rec}&limit=1000"))
        .await
        .ok();
    assert!(by_case
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["record_id"] == rec));
    assert!(!by_case.as_array().unwrap().is_empty());
    let at = first["at"].as_str().unwrap();
    let since = t
        .get(&w.auditor, &format!("/api/v1/audit?from={at}&limit=1000"))
        .await
        .ok();
    assert!(since
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["at"].as_str().unwrap() >= at));
    let before = t
        .get(&w.auditor, &format!("/api/v1/audit?until={at}&limit=1000"))
        .await
        .ok();
    assert!(before
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["at"].as_str().unwrap() < at));

    // Checkpoint, prove an event against it.
    let keys = t.raw("GET", None, "/api/v1/public/keys", None).await.ok();
    let c1 = t
        .post(&t.admin, "/api/v1/audit/checkpoints", Value::Null)
        .await
        .ok();
    let cp1 =
        app::audit_log::open_checkpoint(c1["note"].as_str().unwrap(), &verifiers(&keys)).unwrap();
    let p = t
        .get(&w.auditor, "/api/v1/audit/proofs/inclusion?seq=3")
        .await
        .ok();
    assert_eq!(p["tree_size"].as_u64().unwrap(), cp1.size);
    assert_eq!(p["checkpoint"], c1["note"]);
    let leaf = tlog::leaf_hash(p["entry"].as_str().unwrap().as_bytes());
    assert_eq!(leaf, hash(&p["leaf_hash"]));
    tlog::verify_inclusion(2, cp1.size, &leaf, &hashes(&p["proof"]), &cp1.root).unwrap();
    // The entry is event 3 as the log lists it.
    let e3: Value = serde_json::from_str(p["entry"].as_str().unwrap()).unwrap();
    assert_eq!(e3["seq"], 3);
    assert_eq!(e3["action"], all[2]["action"]);

    // More events, a second checkpoint, a consistency proof between the two.
    t.post(&w.auditor, "/api/v1/audit/checkpoints", Value::Null)
        .await
        .ok();
    let _ = t.user("auditor-2", "auditor", None, None).await;
    let c2 = t
        .post(&w.auditor, "/api/v1/audit/checkpoints", Value::Null)
        .await
        .ok();
    let cp2 =
        app::audit_log::open_checkpoint(c2["note"].as_str().unwrap(), &verifiers(&keys)).unwrap();
    assert!(cp2.size > cp1.size);
    let c = t
        .get(
            &w.auditor,
            &format!(
                "/api/v1/audit/proofs/consistency?old_size={}&new_size={}",
                cp1.size, cp2.size
            ),
        )
        .await
        .ok();
    tlog::verify_consistency(
        cp1.size,
        cp2.size,
        &cp1.root,
        &cp2.root,
        &hashes(&c["proof"]),
    )
    .unwrap();
    let list = t.get(&w.auditor, "/api/v1/audit/checkpoints").await.ok();
    assert_eq!(
        list.as_array().unwrap().len(),
        4,
        "one at start and three made here"
    );
    // Verification checks the log against all four.
    let v = t.get(&w.auditor, "/api/v1/audit/verify").await.ok();
    assert_eq!(v["first_bad_seq"], Value::Null, "{v}");
    assert_eq!(v["checkpoints_checked"], 4, "{v}");
    // Exporters see none of it.
    t.get(&w.exporter, "/api/v1/audit/proofs/inclusion?seq=1")
        .await
        .problem(403);
}

async fn bad_audit_queries_name_the_field(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    for (q, field) in [
        ("/api/v1/audit/proofs/inclusion?seq=0", "seq"),
        ("/api/v1/audit/proofs/inclusion?seq=999999", "seq"),
        (
            "/api/v1/audit/proofs/inclusion?seq=1&tree_size=999999",
            "tree_size",
        ),
        ("/api/v1/audit/proofs/inclusion?seq=x", "seq"),
        ("/api/v1/audit/proofs/inclusion", "seq"),
        (
            "/api/v1/audit/proofs/consistency?old_size=999999",
            "old_size",
        ),
        (
            "/api/v1/audit/proofs/consistency?old_size=1&new_size=999999",
            "new_size",
        ),
        ("/api/v1/audit/proofs/consistency?old_size=-1", "old_size"),
        ("/api/v1/audit?from=yesterday", "from"),
        ("/api/v1/audit?until=2026-13-01T00:00:00Z", "until"),
        ("/api/v1/audit?limit=0", "limit"),
        ("/api/v1/audit?case=a%20b", "case"),
    ] {
        let r = t.get(&w.auditor, q).await;
        assert!(
            r.status == 422 || r.status == 400,
            "{q}: {} {}",
            r.status,
            r.body
        );
        assert_eq!(r.body["field"], field, "{q}: {}", r.body);
    }
}

/// Runs `sql` on the test's database with the append-only triggers dropped (what an attacker with database
/// access does first).
async fn tamper(t: &TestApp, b: Backend, sql: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(t.db_url()).await.unwrap();
    let drop: &[&str] = match b {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_events_append_only ON audit_events"],
    };
    for s in drop.iter().chain(sql) {
        sqlx::query(s)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    pool.close().await;
}

async fn verify_names_the_first_tampered_event(b: Backend) {
    let cases: [(&str, &[&str], i64); 3] = [
        (
            "edit",
            &["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3"],
            3,
        ),
        ("delete", &["DELETE FROM audit_events WHERE seq = 4"], 4),
        (
            "reorder",
            &[
                "UPDATE audit_events SET seq = 100 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = 100",
            ],
            2,
        ),
    ];
    for (what, sql, bad) in cases {
        let t = TestApp::start(b).await;
        for name in ["Alpha", "Beta", "Gamma", "Delta"] {
            t.org(name).await;
        }
        let auditor = t.user("aud1", "auditor", None, None).await;
        let v = t.get(&auditor, "/api/v1/audit/verify").await.ok();
        assert_eq!(v["first_bad_seq"], Value::Null, "{what}: clean before: {v}");
        tamper(&t, b, sql).await;
        for token in [&auditor, &t.admin] {
            // A broken log is a finding, not a failure of the request: 200 with the report.
            let v = t.get(token, "/api/v1/audit/verify").await.ok();
            assert_eq!(v["first_bad_seq"], bad, "{what}: {v}");
            assert_eq!(
                v["events"],
                bad - 1,
                "{what}: events checked before the break: {v}"
            );
            assert!(
                v["problem"].as_str().is_some_and(|p| !p.is_empty()),
                "{what}: {v}"
            );
        }
    }
}
