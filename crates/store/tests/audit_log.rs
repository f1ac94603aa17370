//! The verifiable audit log on both backends: the database refuses to change it; with the triggers dropped,
//! edits, deletions, insertions, reordering, re-chaining and cutting off the last events are each found and
//! the first broken event named (truncation and a consistent rewrite against checkpoints taken before);
//! proofs read from the stored tree verify against its roots.

use store::{NewAuditEvent, Store, TrustedHead};
use testdb::{Backend, TestDb};

fn ev(i: usize) -> NewAuditEvent {
    NewAuditEvent {
        via: i.is_multiple_of(3).then(|| format!("tok-{i}")),
        at: format!("2026-01-01T00:00:{:02}.000Z", i % 60),
        actor: format!("user-{}", i % 4),
        action: format!("doc.step-{}", i % 5),
        record_kind: "doc".into(),
        record_id: format!("d{}", i % 7),
        before: i
            .is_multiple_of(2)
            .then(|| serde_json::json!({"n": i, "s": "ünï"})),
        after: Some(serde_json::json!({"n": i + 1})),
        reason: i.is_multiple_of(4).then(|| "because".to_string()),
    }
}

/// A store with `n` events written in transactions of one to three events.
async fn log(b: Backend, n: usize) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect");
    let mut i = 0;
    while i < n {
        let mut tx = s.begin().await.unwrap();
        for _ in 0..(1 + i % 3).min(n - i) {
            i += 1;
            tx.audit(ev(i));
        }
        tx.commit().await.unwrap();
    }
    // Chained, as the sequencer does in the service shortly after each commit: the attacks below are on
    // events in the chain.
    assert_eq!(s.sequence_audit().await.unwrap(), n);
    (db, s)
}

async fn raw(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.unwrap()
}

/// What an attacker with database access does first.
async fn drop_triggers(b: Backend, pool: &sqlx::AnyPool) {
    let stmts: &[&str] = match b {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
            "DROP TRIGGER audit_tree_no_update",
            "DROP TRIGGER audit_tree_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER audit_events_append_only ON audit_events",
            "DROP TRIGGER audit_tree_append_only ON audit_tree",
        ],
    };
    for s in stmts {
        sqlx::query(s).execute(pool).await.unwrap();
    }
}

async fn exec(pool: &sqlx::AnyPool, sql: &str) {
    sqlx::query(sql)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn head(s: &Store, size: u64) -> TrustedHead {
    TrustedHead {
        size,
        root: s.audit_root(size).await.unwrap(),
    }
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    the_database_refuses_to_change_the_log,
    an_edited_event_is_named,
    a_deleted_event_is_named,
    an_inserted_event_is_named,
    reordered_events_are_named,
    a_rechained_rewrite_is_named_by_the_stored_tree,
    a_rewrite_of_chain_and_tree_is_found_by_checkpoints,
    cut_off_events_are_found_against_a_checkpoint,
    proofs_from_the_store_verify,
    checkpoints_are_kept_and_the_tree_is_rebuilt_for_old_logs,
    tampering_past_the_first_batch_is_named_whatever_the_batch_size,
    an_edit_past_the_first_full_batch_is_named,
);

async fn the_database_refuses_to_change_the_log(b: Backend) {
    let (db, s) = log(b, 5).await;
    let pool = raw(&db).await;
    for sql in [
        "UPDATE audit_events SET actor = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 5",
        "DELETE FROM audit_events",
        "UPDATE audit_tree SET hash = 'x'",
        "DELETE FROM audit_tree",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    if b == Backend::Postgres {
        let e = sqlx::query("TRUNCATE audit_events")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!((r.events, r.first_bad_seq), (5, None), "{r:?}");
}

async fn an_edited_event_is_named(b: Backend) {
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(
        &pool,
        "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4",
    )
    .await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(4), "{r:?}");
    assert!(r.problem.unwrap().contains("event 4"));
    // Even white space inside the stored JSON counts as a change.
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(
        &pool,
        "UPDATE audit_events SET after_json = '{\"n\": 8}' WHERE seq = 7",
    )
    .await;
    assert_eq!(s.verify_audit(&[]).await.unwrap().first_bad_seq, Some(7));
}

async fn a_deleted_event_is_named(b: Backend) {
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "DELETE FROM audit_events WHERE seq = 6").await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(6), "{r:?}");
    assert!(r.problem.unwrap().contains("missing"));
    assert_eq!(r.events, 5);
    // The first event too.
    exec(&pool, "DELETE FROM audit_events WHERE seq = 1").await;
    assert_eq!(s.verify_audit(&[]).await.unwrap().first_bad_seq, Some(1));
}

async fn an_inserted_event_is_named(b: Backend) {
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    // A well-linked event appended behind the application's back (no trigger needed for INSERT).
    let last = s.audit_event(10).await.unwrap();
    let mut forged = ev(11);
    forged.actor = "forger".into();
    let bytes = store::canonical(11, &forged, None, Some("{\"n\":12}"));
    let hash = store::chain_hash(&last.hash, &bytes);
    sqlx::query("INSERT INTO audit_events (seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via) VALUES (11, $1, 'forger', $2, 'doc', $3, NULL, '{\"n\":12}', $4, $5, $6, $7)")
        .bind(&forged.at).bind(&forged.action).bind(&forged.record_id).bind(forged.reason.as_deref())
        .bind(&last.hash).bind(&hash).bind(forged.via.as_deref())
        .execute(&pool).await.unwrap();
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(11), "{r:?}");
    // An event squeezed in by renumbering: seq 5 moved to 50, a forged one put in its place.
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "UPDATE audit_events SET seq = 50 WHERE seq = 5").await;
    exec(&pool, "INSERT INTO audit_events (seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via) SELECT 5, at, 'forger', action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via FROM audit_events WHERE seq = 50").await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(5), "{r:?}");
}

async fn reordered_events_are_named(b: Backend) {
    let (db, s) = log(b, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    // Swap events 3 and 4 (sequence numbers exchanged).
    exec(&pool, "UPDATE audit_events SET seq = 100 WHERE seq = 3").await;
    exec(&pool, "UPDATE audit_events SET seq = 3 WHERE seq = 4").await;
    exec(&pool, "UPDATE audit_events SET seq = 4 WHERE seq = 100").await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(3), "{r:?}");
}

/// Rewrites event `seq`'s actor and re-chains every later event and the head, as the probe did.
async fn rewrite_and_rechain(s: &Store, pool: &sqlx::AnyPool, seq: i64, n: i64) {
    let mut prev = if seq == 1 {
        "0".repeat(64)
    } else {
        s.audit_event(seq - 1).await.unwrap().hash
    };
    for i in seq..=n {
        let mut e = s.audit_event(i).await.unwrap();
        if i == seq {
            e.event.actor = "someone-else".into();
        }
        e.seq = i;
        let hash = store::chain_hash(&prev, &store::event_bytes(&e));
        sqlx::query("UPDATE audit_events SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(&e.event.actor)
            .bind(&prev)
            .bind(&hash)
            .bind(i)
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(pool)
        .await
        .unwrap();
}

async fn a_rechained_rewrite_is_named_by_the_stored_tree(b: Backend) {
    let (db, s) = log(b, 12).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    rewrite_and_rechain(&s, &pool, 5, 12).await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(5), "{r:?}");
    assert!(r.problem.unwrap().contains("stored tree"));
}

async fn a_rewrite_of_chain_and_tree_is_found_by_checkpoints(b: Backend) {
    let (db, s) = log(b, 12).await;
    let (at3, at6) = (head(&s, 3).await, head(&s, 6).await);
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    rewrite_and_rechain(&s, &pool, 5, 12).await;
    // The attacker also rebuilds the tree: remove it and let the store recompute it from the events.
    exec(&pool, "DELETE FROM audit_tree").await;
    exec(&pool, "UPDATE audit_head SET tree_size = 0").await;
    s.close().await;
    let s = Store::connect(&db.url).await.unwrap();
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(
        r.first_bad_seq, None,
        "without a checkpoint it looks intact: {r:?}"
    );
    let r = s.verify_audit(&[at3, at6]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(4), "{r:?}");
    assert_eq!(r.checkpoints_checked, 2);
    assert!(r.problem.unwrap().contains("4..=6"));
    let r = s.verify_audit(&[at6]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(1), "{r:?}");
}

async fn cut_off_events_are_found_against_a_checkpoint(b: Backend) {
    let (db, s) = log(b, 10).await;
    let before = head(&s, 10).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    // Cut events 8..10 off, carelessly: the head still says 10.
    exec(&pool, "DELETE FROM audit_events WHERE seq > 7").await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(8), "{r:?}");
    // Carefully: head, tree size and tree nodes put back to 7 events. Only the checkpoint tells.
    let h7 = s.audit_event(7).await.unwrap().hash;
    sqlx::query("UPDATE audit_head SET seq = 7, hash = $1, tree_size = 7 WHERE id = 1")
        .bind(&h7)
        .execute(&pool)
        .await
        .unwrap();
    exec(&pool, "DELETE FROM audit_tree").await;
    exec(&pool, "UPDATE audit_head SET tree_size = 0").await;
    s.close().await;
    let s = Store::connect(&db.url).await.unwrap();
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!((r.events, r.first_bad_seq), (7, None), "{r:?}");
    let r = s.verify_audit(&[before]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(8), "{r:?}");
    assert!(r.problem.unwrap().contains("removed"));
    // All of them.
    exec(&pool, "DELETE FROM audit_events").await;
    let r = s.verify_audit(&[before]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(1), "{r:?}");
}

async fn proofs_from_the_store_verify(b: Backend) {
    let n = 23u64;
    let (_db, s) = log(b, n as usize).await;
    assert_eq!(s.audit_tree_size().await.unwrap(), n);
    let mut leaves = Vec::new();
    for seq in 1..=n as i64 {
        leaves.push(tlog::leaf_hash(&store::event_bytes(
            &s.audit_event(seq).await.unwrap(),
        )));
    }
    for size in [1, 2, 7, 8, 16, n] {
        let root = s.audit_root(size).await.unwrap();
        assert_eq!(root, tlog::root_of(&leaves[..size as usize]));
        for seq in 1..=size {
            let p = s.audit_inclusion_proof(seq as i64, size).await.unwrap();
            tlog::verify_inclusion(seq - 1, size, &leaves[seq as usize - 1], &p, &root).unwrap();
        }
        for old in 0..=size {
            let p = s.audit_consistency_proof(old, size).await.unwrap();
            let old_root = s.audit_root(old).await.unwrap();
            tlog::verify_consistency(old, size, &old_root, &root, &p).unwrap();
        }
    }
    assert!(s.audit_inclusion_proof(0, n).await.is_err());
    assert!(s.audit_inclusion_proof(5, 4).await.is_err());
    assert!(s.audit_inclusion_proof(1, n + 1).await.is_err());
    assert!(s.audit_consistency_proof(5, 4).await.is_err());
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.root, tlog::b64(&tlog::root_of(&leaves)));
}

async fn checkpoints_are_kept_and_the_tree_is_rebuilt_for_old_logs(b: Backend) {
    let (db, s) = log(b, 9).await;
    let cp = s
        .audit_checkpoint("2026-01-01T00:00:00Z", |size, root| {
            Ok((format!("o\n{size}\n{}\n", tlog::b64(root)), "k1".into()))
        })
        .await
        .unwrap();
    assert_eq!(cp.size, 9);
    assert!(s
        .audit_checkpoint("2026-01-01T00:00:01Z", |_, _| Err("no key".into()))
        .await
        .is_err());
    let mut tx = s.begin().await.unwrap();
    tx.audit(ev(10));
    tx.commit().await.unwrap();
    let cp2 = s
        .audit_checkpoint("2026-01-01T00:00:02Z", |size, root| {
            Ok((format!("o\n{size}\n{}\n", tlog::b64(root)), "k1".into()))
        })
        .await
        .unwrap();
    assert_eq!((cp2.id, cp2.size), (cp.id + 1, 10));
    assert_eq!(
        s.audit_checkpoints().await.unwrap(),
        vec![cp.clone(), cp2.clone()]
    );
    assert_eq!(s.latest_audit_checkpoint().await.unwrap(), Some(cp2));
    // A log written before the tree existed: the store builds the tree when it opens the database.
    let root = s.audit_root(10).await.unwrap();
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "DELETE FROM audit_tree").await;
    exec(&pool, "UPDATE audit_head SET tree_size = 0").await;
    s.close().await;
    let s = Store::connect(&db.url).await.unwrap();
    assert_eq!(s.audit_tree_size().await.unwrap(), 10);
    assert_eq!(s.audit_root(10).await.unwrap(), root);
    let mut tx = s.begin().await.unwrap();
    tx.audit(ev(11));
    tx.commit().await.unwrap();
    assert_eq!(s.verify_audit(&[]).await.unwrap().first_bad_seq, None);
}

/// Verifies with several batch sizes (the default, one event, and sizes whose boundaries fall around `seq`)
/// and checks that each names `seq` first.
async fn named_in_every_batch_size(s: &Store, seq: i64, what: &str) {
    for batch in [store::VERIFY_BATCH, 1, 7, 10, seq - 1, seq, seq + 1] {
        let r = s.verify_audit_in_batches(&[], batch).await.unwrap();
        assert_eq!(r.first_bad_seq, Some(seq), "{what}, batch {batch}: {r:?}");
        assert!(
            r.problem
                .as_deref()
                .unwrap_or("")
                .contains(&format!("event {seq} ")),
            "{what}, batch {batch}: {r:?}"
        );
        assert_eq!(r.events, seq - 1, "{what}, batch {batch}: {r:?}");
    }
}

/// Verification reads the log in batches; a change in a later batch, or right at a boundary, is named
/// exactly as one in the first (45 events read 10 at a time: boundaries after 10, 20, 30, 40).
async fn tampering_past_the_first_batch_is_named_whatever_the_batch_size(b: Backend) {
    let (_db, s) = log(b, 45).await;
    for batch in [1, 10, 44, 45, 46] {
        let r = s.verify_audit_in_batches(&[], batch).await.unwrap();
        assert_eq!(
            (r.events, r.first_bad_seq),
            (45, None),
            "batch {batch}: {r:?}"
        );
    }

    // An edit in the last batch.
    let (db, s) = log(b, 45).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "UPDATE audit_events SET actor = 'x' WHERE seq = 43").await;
    named_in_every_batch_size(&s, 43, "edited").await;

    // The first event of the third batch deleted, then also the last of the second.
    let (db, s) = log(b, 45).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "DELETE FROM audit_events WHERE seq = 21").await;
    named_in_every_batch_size(&s, 21, "deleted").await;
    exec(&pool, "DELETE FROM audit_events WHERE seq = 20").await;
    named_in_every_batch_size(&s, 20, "deleted").await;

    // Two events swapped across a batch boundary.
    let (db, s) = log(b, 45).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(&pool, "UPDATE audit_events SET seq = 100 WHERE seq = 30").await;
    exec(&pool, "UPDATE audit_events SET seq = 30 WHERE seq = 31").await;
    exec(&pool, "UPDATE audit_events SET seq = 31 WHERE seq = 100").await;
    named_in_every_batch_size(&s, 30, "swapped").await;

    // Rewritten and re-chained from the first event of the fourth batch: the stored tree names it.
    let (db, s) = log(b, 45).await;
    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    rewrite_and_rechain(&s, &pool, 31, 45).await;
    named_in_every_batch_size(&s, 31, "re-chained").await;
}

/// With the real batch size: 20,010 events (two batches of reading), event 20,005 edited.
async fn an_edit_past_the_first_full_batch_is_named(b: Backend) {
    let n = store::VERIFY_BATCH as usize + 10;
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect");
    let mut tx = s.begin().await.unwrap();
    for i in 1..=n {
        tx.audit(ev(i));
    }
    tx.commit().await.unwrap();
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!((r.events, r.first_bad_seq), (n as i64, None), "{r:?}");

    let pool = raw(&db).await;
    drop_triggers(b, &pool).await;
    exec(
        &pool,
        "UPDATE audit_events SET reason = 'edited' WHERE seq = 20005",
    )
    .await;
    let r = s.verify_audit(&[]).await.unwrap();
    assert_eq!(r.first_bad_seq, Some(20_005), "{r:?}");
    assert_eq!(r.events, 20_004, "{r:?}");
    assert!(
        r.problem.as_deref().unwrap_or("").contains("event 20005 "),
        "{r:?}"
    );
}
