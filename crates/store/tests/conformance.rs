//! The store conformance suite: every test runs against SQLite and against PostgreSQL (127.0.0.1:5432).

use serde::{Deserialize, Serialize};
use store::{Filter, ListVersionRow, NewAuditEvent, Record, Store, StoreError, TokenRow, UserRow};
use testdb::{Backend, TestDb};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Doc {
    n: i64,
    s: String,
}

fn rec(id: &str, org: &str, state: &str, n: i64) -> Record<Doc> {
    Record {
        id: id.into(),
        kind: "doc".into(),
        org_id: Some(org.into()),
        state: state.into(),
        reference: Some(format!("REF-{id}")),
        assigned_to: None,
        tags: String::new(),
        search: String::new(),
        version: 1,
        body: Doc {
            n,
            s: format!("body of {id} — ünïcödé"),
        },
        created_at: format!("2026-01-01T00:00:0{n}.000Z"),
        updated_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

fn ev(action: &str, id: &str) -> NewAuditEvent {
    NewAuditEvent {
        via: None,
        at: "2026-01-01T00:00:00.000Z".into(),
        actor: "tester".into(),
        action: action.into(),
        record_kind: "doc".into(),
        record_id: id.into(),
        before: None,
        after: Some(serde_json::json!({"x": 1})),
        reason: Some("because".into()),
    }
}

async fn open(b: Backend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect and migrate");
    (db, s)
}

macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

conformance!(
    migrations_are_idempotent,
    records_round_trip_and_filter,
    search_filters_and_keyset_pages,
    stale_version_is_a_conflict,
    duplicates_and_missing_records_are_distinct_errors,
    uncommitted_changes_and_their_audit_vanish,
    audit_chain_verifies_and_detects_tampering,
    tokens_expire_and_revoke,
    list_versions_replace_the_active_one,
    concurrent_updates_one_wins,
    reference_lookup_inside_a_transaction_sees_its_own_writes,
    decision_facts_append_and_read_as_of,
);

async fn decision_facts_append_and_read_as_of(b: Backend) {
    let (_db, s) = open(b).await;
    let fact = |case: &str, at: &str, kind: &str, supersedes: Option<i64>| store::FactRow {
        seq: 0,
        case_id: case.into(),
        kind: kind.into(),
        recorded_at: at.into(),
        decided_on: at[..10].into(),
        supersedes,
        reason: None,
        body: format!("{{\"case\":\"{case}\"}}"),
    };
    let mut tx = s.begin().await.unwrap();
    tx.lock_writes().await.unwrap();
    assert_eq!(tx.latest_decision_fact("c1").await.unwrap(), None);
    let a = tx
        .insert_decision_fact(&fact("c1", "2026-01-05T10:00:00.000Z", "outcome", None))
        .await
        .unwrap();
    let b2 = tx
        .insert_decision_fact(&fact("c2", "2026-02-05T10:00:00.000Z", "outcome", None))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((a, b2), (1, 2));
    // A correction supersedes; both stay.
    let mut tx = s.begin().await.unwrap();
    tx.lock_writes().await.unwrap();
    let prev = tx.latest_decision_fact("c1").await.unwrap().unwrap();
    assert_eq!(prev.seq, 1);
    let c = tx
        .insert_decision_fact(&fact(
            "c1",
            "2026-03-01T10:00:00.000Z",
            "correction",
            Some(prev.seq),
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c, 3);
    // A rolled-back fact is not stored.
    let mut tx = s.begin().await.unwrap();
    tx.insert_decision_fact(&fact("c3", "2026-03-02T10:00:00.000Z", "outcome", None))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let all = s.decision_facts(None).await.unwrap();
    assert_eq!(all.iter().map(|f| f.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(all[2].supersedes, Some(1));
    let feb = s
        .decision_facts(Some("2026-02-28T00:00:00.000Z"))
        .await
        .unwrap();
    assert_eq!(feb.len(), 2);
    assert_eq!(s.case_decision_facts("c1").await.unwrap().len(), 2);
}

async fn migrations_are_idempotent(b: Backend) {
    let (db, s) = open(b).await;
    assert!(s.ping().await);
    s.close().await;
    let again = Store::connect(&db.url).await.expect("second connect");
    assert!(again.ping().await);
}

async fn records_round_trip_and_filter(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    let mut r2 = rec("b", "o1", "closed", 2);
    r2.assigned_to = Some("u1".into());
    r2.tags = ",human-rights,defence,".into();
    tx.insert(&r2).await.unwrap();
    tx.insert(&rec("c", "o2", "open", 3)).await.unwrap();
    tx.commit().await.unwrap();

    let a: Record<Doc> = s.get("doc", "a").await.unwrap();
    assert_eq!(a, rec("a", "o1", "open", 1));
    let by_ref: Record<Doc> = s.get_by_reference("doc", "REF-b").await.unwrap();
    assert_eq!(by_ref.id, "b");
    let ids = |v: Vec<Record<Doc>>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let f = |org: Option<&str>, states: &[&str]| Filter {
        org_id: org.map(Into::into),
        states: states.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(
        ids(s.list("doc", &f(Some("o1"), &[])).await.unwrap()),
        ["a", "b"]
    );
    assert_eq!(
        ids(s.list("doc", &f(None, &["open"])).await.unwrap()),
        ["a", "c"]
    );
    assert_eq!(
        ids(s.list("doc", &f(Some("o2"), &["closed"])).await.unwrap()),
        Vec::<String>::new()
    );
    let unassigned = Filter {
        assigned_to: Some(None),
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &unassigned).await.unwrap()), ["a", "c"]);
    let mine = Filter {
        assigned_to: Some(Some("u1".into())),
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &mine).await.unwrap()), ["b"]);
    let tagged = Filter {
        tags: vec!["defence".into()],
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &tagged).await.unwrap()), ["b"]);
    let other_tag = Filter {
        tags: vec!["economy-cyber".into()],
        ..Default::default()
    };
    assert!(s.list::<Doc>("doc", &other_tag).await.unwrap().is_empty());
    assert!(matches!(
        s.get::<Doc>("other-kind", "a").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.count_records("doc").await.unwrap(), 3);
}

async fn search_filters_and_keyset_pages(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    for (i, id) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        let mut r = rec(id, "o1", "open", i as i64 + 1);
        r.tags = if i % 2 == 0 {
            ",dest:ru,entry:5a001.j,".into()
        } else {
            ",dest:fr,".into()
        };
        r.search = format!("\u{1}acme {id} trading\u{1}50%_off\u{1}");
        tx.insert(&r).await.unwrap();
    }
    // Same creation time as "c": the id breaks the tie, so no record is skipped or repeated across pages.
    let mut tie = rec("cc", "o2", "open", 3);
    tie.tags = ",dest:xx_,".into();
    tx.insert(&tie).await.unwrap();
    tx.commit().await.unwrap();
    let ids = |v: Vec<Record<Doc>>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();

    let both = Filter {
        tags: vec!["dest:ru".into(), "entry:5a001.j".into()],
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &both).await.unwrap()), ["a", "c", "e"]);
    // LIKE wildcards in a tag or a text are literal characters, not patterns.
    let wild = Filter {
        tags: vec!["dest:%".into()],
        ..Default::default()
    };
    assert!(s.list::<Doc>("doc", &wild).await.unwrap().is_empty());
    let underscore = Filter {
        tags: vec!["dest:xx_".into()],
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &underscore).await.unwrap()), ["cc"]);
    let text = |t: &str| Filter {
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &text("ACME D")).await.unwrap()), ["d"]);
    assert_eq!(
        s.list::<Doc>("doc", &text("50%_off")).await.unwrap().len(),
        5
    );
    assert!(s
        .list::<Doc>("doc", &text("50%x"))
        .await
        .unwrap()
        .is_empty());
    assert!(s.list::<Doc>("doc", &text("5_%")).await.unwrap().is_empty());
    let by_ref = Filter {
        reference: Some("REF-d".into()),
        ..Default::default()
    };
    assert_eq!(ids(s.list("doc", &by_ref).await.unwrap()), ["d"]);

    // Pages of two walk every record once, in (created_at, id) order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page: Vec<Record<Doc>> = s
            .list(
                "doc",
                &Filter {
                    after: after.clone(),
                    limit: Some(2),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.position());
        seen.extend(ids(page));
    }
    assert_eq!(seen, ["a", "b", "c", "cc", "d", "e"]);
}

async fn stale_version_is_a_conflict(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    tx.commit().await.unwrap();
    let mut next = s.get::<Doc>("doc", "a").await.unwrap();
    next.version = 2;
    next.state = "closed".into();
    let mut tx = s.begin().await.unwrap();
    tx.update(&next).await.unwrap();
    tx.commit().await.unwrap();
    // Writing version 2 again (based on the stale version 1) is refused.
    let mut tx = s.begin().await.unwrap();
    assert!(matches!(
        tx.update(&next).await,
        Err(StoreError::VersionConflict)
    ));
    tx.rollback().await.unwrap();
    assert_eq!(s.get::<Doc>("doc", "a").await.unwrap().state, "closed");
}

async fn duplicates_and_missing_records_are_distinct_errors(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert!(matches!(
        tx.insert(&rec("a", "o1", "open", 1)).await,
        Err(StoreError::Duplicate(_))
    ));
    drop(tx);
    assert!(matches!(
        s.get::<Doc>("doc", "zzz").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.user_by_id("nobody").await,
        Err(StoreError::NotFound)
    ));
}

async fn uncommitted_changes_and_their_audit_vanish(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    tx.audit(ev("create", "a"));
    drop(tx); // no commit
    assert!(matches!(
        s.get::<Doc>("doc", "a").await,
        Err(StoreError::NotFound)
    ));
    assert!(s.audit_events(None, 0, 10).await.unwrap().is_empty());
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    tx.audit(ev("create", "a"));
    tx.commit().await.unwrap();
    let evs = s.audit_events(Some("a"), 0, 10).await.unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].event, ev("create", "a"));
}

async fn audit_chain_verifies_and_detects_tampering(b: Backend) {
    let (db, s) = open(b).await;
    for i in 0..5 {
        let mut tx = s.begin().await.unwrap();
        tx.audit(ev(&format!("step-{i}"), "a"));
        tx.audit(ev(&format!("step-{i}b"), "b"));
        tx.commit().await.unwrap();
    }
    let ok = s.verify_audit(&[]).await.unwrap();
    assert_eq!(ok.events, 10);
    assert_eq!(ok.first_bad_seq, None);
    let evs = s.audit_events(None, 0, 100).await.unwrap();
    assert_eq!(
        evs.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(evs[5].prev_hash, evs[4].hash);
    // The database refuses to change the log; tampering with the triggers dropped is in tests/audit_log.rs.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    assert!(
        sqlx::query("UPDATE audit_events SET reason = 'edited' WHERE seq = 4")
            .execute(&pool)
            .await
            .is_err()
    );
    pool.close().await;
    assert_eq!(s.verify_audit(&[]).await.unwrap().first_bad_seq, None);
}

async fn tokens_expire_and_revoke(b: Backend) {
    let (_db, s) = open(b).await;
    let u = UserRow {
        id: "u1".into(),
        username: "alice".into(),
        role: "officer".into(),
        review_kind: None,
        org_id: None,
        created_at: "2026-01-01T00:00:00.000Z".into(),
        disabled: false,
        grade: None,
    };
    let t = |id: &str, exp: &str| TokenRow {
        id: id.into(),
        user_id: "u1".into(),
        label: "t".into(),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        expires_at: exp.into(),
        revoked_at: None,
    };
    let mut tx = s.begin().await.unwrap();
    tx.insert_user(&u).await.unwrap();
    tx.insert_token(&t("t1", "2027-01-01T00:00:00.000Z"), "h1")
        .await
        .unwrap();
    tx.insert_token(&t("t2", "2026-06-01T00:00:00.000Z"), "h2")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let now = "2026-07-01T00:00:00.000Z";
    assert_eq!(s.user_by_token_hash("h1", now).await.unwrap().0, u);
    assert!(
        matches!(
            s.user_by_token_hash("h2", now).await,
            Err(StoreError::NotFound)
        ),
        "expired"
    );
    assert!(matches!(
        s.user_by_token_hash("nope", now).await,
        Err(StoreError::NotFound)
    ));
    let mut tx = s.begin().await.unwrap();
    assert!(matches!(
        tx.insert_user(&u).await,
        Err(StoreError::Duplicate(_))
    ));
    drop(tx);
    let mut tx = s.begin().await.unwrap();
    tx.revoke_token("t1", now).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        matches!(
            s.user_by_token_hash("h1", now).await,
            Err(StoreError::NotFound)
        ),
        "revoked"
    );
    assert_eq!(s.tokens(Some("u1")).await.unwrap().len(), 2);
    assert_eq!(
        s.token("t1").await.unwrap().revoked_at.as_deref(),
        Some(now)
    );

    // Disabling a user revokes every live token at once; re-enabling does not bring them back.
    let mut tx = s.begin().await.unwrap();
    tx.insert_token(&t("t3", "2027-01-01T00:00:00.000Z"), "h3")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.user_by_token_hash("h3", now).await.unwrap().1, "t3");
    let mut tx = s.begin().await.unwrap();
    // t3 (live) and t2 (expired, never revoked) are marked revoked; t1 was revoked already.
    assert_eq!(tx.set_user_disabled("u1", true, now).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert!(s.user_by_id("u1").await.unwrap().disabled);
    assert!(matches!(
        s.user_by_token_hash("h3", now).await,
        Err(StoreError::NotFound)
    ));
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.set_user_disabled("u1", false, now).await.unwrap(), 0);
    assert!(matches!(
        tx.set_user_disabled("nobody", true, now).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.unwrap();
    assert!(!s.user_by_id("u1").await.unwrap().disabled);
    assert!(matches!(
        s.user_by_token_hash("h3", now).await,
        Err(StoreError::NotFound)
    ));
}

async fn list_versions_replace_the_active_one(b: Backend) {
    let (_db, s) = open(b).await;
    let row = |id: &str, source: &str, v: &str| ListVersionRow {
        id: id.into(),
        source: source.into(),
        format: "ofac-csv".into(),
        version: v.into(),
        record_count: 3,
        published: None,
        imported_at: format!("2026-01-0{}T00:00:00.000Z", id.len()),
        active: true,
    };
    let mut tx = s.begin().await.unwrap();
    tx.insert_list_version(&row("1", "ofac-sdn", "sha256:a"), "{\"a\":1}")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // same format, other source: both stay active
    let mut tx = s.begin().await.unwrap();
    tx.insert_list_version(&row("333", "ofac-non-sdn", "sha256:c"), "{\"c\":3}")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert_eq!(
        tx.active_list_version("ofac-sdn")
            .await
            .unwrap()
            .unwrap()
            .id,
        "1"
    );
    tx.insert_list_version(&row("22", "ofac-sdn", "sha256:b"), "{\"b\":2}")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let all = s.list_versions().await.unwrap();
    assert_eq!(all.iter().filter(|r| r.active).count(), 2);
    let active = s.active_list_snapshots().await.unwrap();
    assert_eq!(active.len(), 2);
    assert_eq!(active[0].0.source, "ofac-non-sdn");
    assert_eq!(active[1].0.version, "sha256:b");
    assert_eq!(active[1].1, "{\"b\":2}");
    assert_eq!(s.active_list_ids().await.unwrap(), ["22", "333"]);
}

async fn concurrent_updates_one_wins(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    tx.commit().await.unwrap();
    let base = s.get::<Doc>("doc", "a").await.unwrap();
    let attempt = |s: Store, base: Record<Doc>, who: &'static str| async move {
        let mut next = base.clone();
        next.version += 1;
        next.state = who.into();
        let mut tx = s.begin().await?;
        tx.lock_writes().await?;
        tx.update(&next).await?;
        tx.audit(ev(who, "a"));
        tx.commit().await
    };
    let (r1, r2) = tokio::join!(
        tokio::spawn(attempt(s.clone(), base.clone(), "first")),
        tokio::spawn(attempt(s.clone(), base.clone(), "second"))
    );
    let results = [r1.unwrap(), r2.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::VersionConflict))));
    let stored = s.get::<Doc>("doc", "a").await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(
        s.audit_events(None, 0, 10).await.unwrap().len(),
        1,
        "only the winner is audited"
    );
}

async fn reference_lookup_inside_a_transaction_sees_its_own_writes(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", "o1", "open", 1)).await.unwrap();
    let got = tx.get_by_reference::<Doc>("doc", "REF-a").await.unwrap();
    assert_eq!(got, rec("a", "o1", "open", 1));
    assert!(matches!(
        tx.get_by_reference::<Doc>("other-kind", "REF-a").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        tx.get_by_reference::<Doc>("doc", "REF-b").await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        s.get_by_reference::<Doc>("doc", "REF-a").await.unwrap().id,
        "a"
    );
}
