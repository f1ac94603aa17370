//! Writes without a global lock (issue 16): a writing transaction stores its audit events unsequenced with
//! the change; the sequencer chains them. These tests show that writers to different records do not wait for
//! each other (PostgreSQL; SQLite has one writer by design), that changes to one record still do, that many
//! writers and several sequencers on two `Store`s make one gap-free chain, and that events a stopped process
//! left unsequenced are chained when the database is next opened.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use store::{NewAuditEvent, Record, Store};
use testdb::{Backend, TestDb};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Doc {
    n: i64,
}

fn rec(id: &str, n: i64) -> Record<Doc> {
    Record {
        id: id.into(),
        kind: "doc".into(),
        org_id: None,
        state: "new".into(),
        reference: Some(format!("REF-{id}")),
        assigned_to: None,
        tags: String::new(),
        search: String::new(),
        version: 1,
        body: Doc { n },
        created_at: "2026-01-01T00:00:00.000Z".into(),
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
        after: Some(serde_json::json!({"id": id})),
        reason: None,
    }
}

async fn seed(s: &Store, ids: &[&str]) {
    let mut tx = s.begin().await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        tx.insert(&rec(id, n as i64)).await.unwrap();
        tx.audit(ev("create", id));
    }
    tx.commit().await.unwrap();
}

/// Locks `id`, changes it and audits it in a transaction left open; returns the transaction.
async fn open_change(s: &Store, id: &str) -> store::Tx {
    let mut tx = s.begin().await.unwrap();
    let mut r = tx.get_for_update::<Doc>("doc", id).await.unwrap();
    r.version += 1;
    r.body.n += 100;
    tx.update(&r).await.unwrap();
    tx.audit(ev("change", id));
    tx
}

async fn change(s: Store, id: String) -> Record<Doc> {
    let tx = open_change(&s, &id).await;
    tx.commit().await.unwrap();
    s.get::<Doc>("doc", &id).await.unwrap()
}

/// PostgreSQL: while one transaction holds a change (and its audit event) to record `a` open, a change to
/// record `b` and a new record numbered under another prefix commit at once; a change to `a` itself waits
/// for the first to commit and then sees its version; numbers under one prefix are taken without waiting for
/// a transaction that holds one. Before issue 16 every writer took the audit head's row
/// lock, so the second change waited for the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_to_different_records_do_not_wait_for_each_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let s = Store::connect(&db.url).await.unwrap();
    seed(&s, &["a", "b"]).await;
    let held = open_change(&s, "a").await;

    let other = tokio::time::timeout(Duration::from_secs(10), change(s.clone(), "b".to_string()))
        .await
        .expect("a change to another record must not wait for the open transaction");
    assert_eq!(other.version, 2);
    let numbered = tokio::time::timeout(Duration::from_secs(10), async {
        let mut tx = s.begin().await.unwrap();
        let n = tx.next_number("doc", "OTHER-").await.unwrap();
        tx.insert(&Record {
            reference: Some(format!("OTHER-{n}")),
            ..rec("c", 3)
        })
        .await
        .unwrap();
        tx.audit(ev("create", "c"));
        tx.commit().await.unwrap();
    })
    .await;
    assert!(
        numbered.is_ok(),
        "numbering under another prefix must not wait"
    );
    // Under one prefix too, once its first number is taken: a transaction holding a number does not make the
    // next taker wait (before, the prefix's counter row stayed locked until it committed).
    let take = |s: Store| async move {
        let mut tx = s.begin().await.unwrap();
        let n = tx.next_number("doc", "SAME-").await.unwrap();
        (tx, n)
    };
    let (first, one) = take(s.clone()).await;
    first.commit().await.unwrap();
    let (holding, two) = take(s.clone()).await;
    let (next, three) = tokio::time::timeout(Duration::from_secs(10), take(s.clone()))
        .await
        .expect(
            "numbering under the same prefix must not wait for a transaction that holds a number",
        );
    assert_eq!((one, two, three), (1, 2, 3));
    next.commit().await.unwrap();
    drop(holding); // rolled back: its number 2 is a gap, not handed out again
    let (last, four) = take(s.clone()).await;
    last.commit().await.unwrap();
    assert_eq!(four, 4);

    let same = tokio::spawn(change(s.clone(), "a".to_string()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !same.is_finished(),
        "a second change to the same record must wait for the first"
    );
    held.commit().await.unwrap();
    let after = tokio::time::timeout(Duration::from_secs(10), same)
        .await
        .expect("the waiting change goes on once the first commits")
        .unwrap();
    assert_eq!(after.version, 3, "it read the first change's version");
    assert_eq!(after.body.n, 200);

    let report = s.verify_audit(&[]).await.unwrap();
    assert_eq!(report.first_bad_seq, None, "{report:?}");
    assert_eq!(report.events, 6, "2 creations, b, c, and a twice");
}

/// Numbers taken under one prefix by concurrent writers never collide (the prefix's named lock).
async fn concurrent_numbering_never_collides(b: Backend) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..6 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let mut tx = s.begin().await.unwrap();
                let n = tx.next_number("doc", "NUM-").await.unwrap();
                tx.insert(&Record {
                    reference: Some(format!("NUM-{n:04}")),
                    ..rec(&format!("w{t}-{i}"), n)
                })
                .await
                .unwrap();
                tx.audit(ev("create", &format!("w{t}-{i}")));
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for n in 1..=60 {
        s.get_by_reference::<Doc>("doc", &format!("NUM-{n:04}"))
            .await
            .unwrap_or_else(|e| panic!("NUM-{n:04}: {e}"));
    }
}

/// A prefix's numbers continue after the references stored before its counter existed, and a deleted
/// record's number is not handed out again (counting the stored references did).
async fn numbers_continue_and_are_never_reused(b: Backend) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    for (id, n) in [("x1", 1), ("x2", 2), ("x3", 3)] {
        tx.insert(&Record {
            reference: Some(format!("N_%-{n:04}")),
            ..rec(id, n)
        })
        .await
        .unwrap();
    }
    // A reference that only LIKE's wildcards would match.
    tx.insert(&Record {
        reference: Some("NX%-9999".into()),
        ..rec("other", 9)
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let take = |s: Store| async move {
        let mut tx = s.begin().await.unwrap();
        let n = tx.next_number("doc", "N_%-").await.unwrap();
        tx.insert(&Record {
            reference: Some(format!("N_%-{n:04}")),
            ..rec(&format!("n{n}"), n)
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(take(s.clone()).await, 4, "after the stored N_%-0003");
    let mut tx = s.begin().await.unwrap();
    tx.delete("doc", "n4", 1).await.unwrap();
    tx.delete("doc", "x2", 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        take(s.clone()).await,
        5,
        "4 is not reused after its deletion"
    );
    assert_eq!(
        s.begin()
            .await
            .unwrap()
            .next_number("doc", "Q-")
            .await
            .unwrap(),
        1,
        "a new prefix starts at 1"
    );
}

/// Many writers on two `Store`s (two instances, or the server and a CLI command), each `Store` running its
/// sequencer concurrently with them: one chain with every event exactly once, contiguous from 1, verifying.
async fn writers_and_sequencers_make_one_chain(b: Backend) {
    let db = TestDb::new(b).await;
    let one = Store::connect(&db.url).await.unwrap();
    let two = Store::connect(&db.url).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut sequencers = Vec::new();
    for s in [one.clone(), two.clone()] {
        let stop = stop.clone();
        sequencers.push(tokio::spawn(async move {
            let mut chained = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                chained += s.sequence_audit().await.expect("sequence");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            chained
        }));
    }
    let mut writers = Vec::new();
    for (w, s) in [one.clone(), two.clone()]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        writers.push(tokio::spawn(async move {
            for i in 0..20 {
                let id = format!("w{w}-{i}");
                let mut tx = s.begin().await.unwrap();
                tx.insert(&rec(&id, i)).await.unwrap();
                tx.audit(ev("create", &id));
                tx.audit(ev("create-companion", &id));
                tx.commit().await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut chained = 0;
    for s in sequencers {
        chained += s.await.unwrap();
    }
    chained += one.sequence_audit().await.unwrap();
    assert_eq!(chained, 320, "every event chained once, by one sequencer");
    let events = one.audit_events(None, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 320);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "contiguous");
    }
    // A transaction's events stay together and in order.
    for pair in events.chunks(2) {
        assert_eq!(pair[0].event.record_id, pair[1].event.record_id);
        assert_eq!(
            (pair[0].event.action.as_str(), pair[1].event.action.as_str()),
            ("create", "create-companion")
        );
    }
    let mut seen: Vec<_> = events.iter().map(|e| e.event.record_id.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 160);
    let report = two.verify_audit(&[]).await.unwrap();
    assert_eq!((report.events, report.first_bad_seq), (320, None));
}

/// Events committed by a process that stopped before sequencing them are chained when the database is
/// opened again (and not before: nothing else ran the sequencer).
async fn pending_events_are_chained_at_the_next_start(b: Backend) {
    let db = TestDb::new(b).await;
    let pending = |url: String| async move {
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
            .fetch_one(&pool)
            .await
            .unwrap();
        let chained: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        (n, chained)
    };
    sqlx::any::install_default_drivers();
    {
        let s = Store::connect(&db.url).await.unwrap();
        seed(&s, &["a", "b", "c"]).await;
        s.close().await;
    }
    assert_eq!(pending(db.url.clone()).await, (3, 0), "left unsequenced");
    let s = Store::connect(&db.url).await.unwrap();
    assert_eq!(pending(db.url.clone()).await, (0, 3), "chained when opened");
    let report = s.verify_audit(&[]).await.unwrap();
    assert_eq!((report.events, report.first_bad_seq), (3, None));
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    concurrent_numbering_never_collides,
    numbers_continue_and_are_never_reused,
    writers_and_sequencers_make_one_chain,
    pending_events_are_chained_at_the_next_start,
);
