//! The job table on both backends: a job exists only if its transaction committed, concurrent claims never
//! hand the same job to two workers (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on SQLite), an
//! expired lease is claimed again, and a worker that lost its lease cannot complete the job.

use store::{NewJob, Store};
use testdb::{Backend, TestDb};

async fn open(b: Backend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect and migrate");
    (db, s)
}

fn job(id: &str, run_at: &str) -> NewJob {
    NewJob {
        id: id.into(),
        kind: "test".into(),
        payload: "{}".into(),
        run_at: run_at.into(),
        max_attempts: 3,
        created_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

const T0: &str = "2026-01-01T00:00:00.000Z";
const T1: &str = "2026-01-01T00:01:00.000Z";
const T2: &str = "2026-01-01T00:10:00.000Z";

async fn jobs_are_written_with_their_transaction(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.enqueue_job(&job("rolled-back", T0)).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.enqueue_job(&job("kept", T0)).await.unwrap();
    // The same id again is the same job (scheduled jobs derive their ids).
    tx.enqueue_job(&job("kept", T2)).await.unwrap();
    tx.commit().await.unwrap();
    let claimed = s.claim_jobs("w", T1, T2, 10).await.unwrap();
    let ids: Vec<&str> = claimed.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["kept"]);
    assert_eq!(claimed[0].run_at, T0);
    assert_eq!(claimed[0].attempts, 1);
    // Not yet due: not claimed.
    let mut tx = s.begin().await.unwrap();
    tx.enqueue_job(&job("later", T2)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(s.claim_jobs("w", T1, T2, 10).await.unwrap().is_empty());
}

async fn concurrent_claims_never_share_a_job(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    for i in 0..40 {
        tx.enqueue_job(&job(&format!("j{i:02}"), T0)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s.claim_jobs(&format!("w{w}"), T1, T2, 3).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!(n, 40, "every job claimed");
    assert_eq!(all.len(), 40, "no job claimed twice");
}

async fn expired_leases_are_taken_over(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.enqueue_job(&job("j", T0)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.claim_jobs("dead", T0, T1, 10).await.unwrap().len(), 1);
    // The lease holds until T1.
    assert!(s.claim_jobs("alive", T0, T2, 10).await.unwrap().is_empty());
    let again = s.claim_jobs("alive", T1, T2, 10).await.unwrap();
    assert_eq!(
        (again[0].attempts, again[0].locked_by.as_deref()),
        (2, Some("alive"))
    );
    // The dead worker's late answers change nothing.
    s.finish_job("j", "dead", T1).await.unwrap();
    s.fail_job("j", "dead", "late", None, T1).await.unwrap();
    let j = s.job("j").await.unwrap();
    assert_eq!(
        (j.state.as_str(), j.locked_by.as_deref()),
        ("running", Some("alive"))
    );
    s.fail_job("j", "alive", "boom", Some(T2), T1)
        .await
        .unwrap();
    let j = s.job("j").await.unwrap();
    assert_eq!(
        (j.state.as_str(), j.run_at.as_str(), j.last_error.as_deref()),
        ("pending", T2, Some("boom"))
    );
    let j = &s
        .claim_jobs("alive", T2, "2026-01-01T00:15:00.000Z", 10)
        .await
        .unwrap()[0];
    s.fail_job(&j.id, "alive", "boom again", None, T2)
        .await
        .unwrap();
    let j = s.job("j").await.unwrap();
    assert_eq!(
        (j.state.as_str(), j.attempts, j.finished_at.as_deref()),
        ("failed", 3, Some(T2))
    );
    assert!(s
        .claim_jobs(
            "alive",
            "2030-01-01T00:00:00.000Z",
            "2030-01-01T00:05:00.000Z",
            10
        )
        .await
        .unwrap()
        .is_empty());
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    jobs_are_written_with_their_transaction,
    concurrent_claims_never_share_a_job,
    expired_leases_are_taken_over,
);
