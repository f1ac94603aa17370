//! Two `Store`s on one database, as the server and an admin CLI command beside it: concurrent writing
//! transactions that read before they write must all succeed. On SQLite a deferred transaction that read
//! first could not upgrade to a writer after the other process wrote, and failed at once with "database is
//! locked" (503 from the API); writing transactions now begin IMMEDIATE.

use serde::{Deserialize, Serialize};
use store::{NewAuditEvent, Record, Store};
use testdb::{Backend, TestDb};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    n: i64,
}

fn rec(id: String, n: i64) -> Record<Doc> {
    Record {
        id,
        kind: "doc".into(),
        org_id: None,
        state: "new".into(),
        reference: None,
        assigned_to: None,
        tags: String::new(),
        search: String::new(),
        version: 1,
        body: Doc { n },
        created_at: "2026-01-01T00:00:00.000Z".into(),
        updated_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

/// Reads (the way use cases check before they change), then inserts and audits, in one transaction.
async fn read_then_write(s: &Store, who: &str, i: i64) -> Result<(), store::StoreError> {
    let mut tx = s.begin().await?;
    let seen = tx.count_references("doc", "REF").await?;
    let id = format!("{who}-{i}");
    tx.insert(&rec(id.clone(), seen)).await?;
    tx.audit(NewAuditEvent {
        via: None,
        at: "2026-01-01T00:00:00.000Z".into(),
        actor: who.into(),
        action: "create".into(),
        record_kind: "doc".into(),
        record_id: id,
        before: None,
        after: None,
        reason: None,
    });
    tx.commit().await
}

async fn server_and_cli_write_side_by_side(b: Backend) {
    let db = TestDb::new(b).await;
    let server = Store::connect(&db.url).await.expect("server store");
    let cli = Store::connect(&db.url).await.expect("cli store");
    let mut tasks = Vec::new();
    for (who, s) in [("server", server.clone()), ("cli", cli.clone())] {
        for t in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    read_then_write(&s, who, t * 100 + i)
                        .await
                        .unwrap_or_else(|e| panic!("{who} write {t}/{i} failed: {e}"));
                }
            }));
        }
    }
    for t in tasks {
        t.await.expect("writer task");
    }
    assert_eq!(server.count_records("doc").await.expect("count"), 200);
    let report = server.verify_audit(&[]).await.expect("verify");
    assert_eq!(report.events, 200);
    assert_eq!(report.first_bad_seq, None);
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn server_and_cli_write_side_by_side() {
        super::server_and_cli_write_side_by_side(testdb::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn server_and_cli_write_side_by_side() {
        super::server_and_cli_write_side_by_side(testdb::Backend::Postgres).await
    }
}
