//! Job leases (issue 16): a worker busy with a batch renews its leases (`app::jobs::keep_leases`), so another
//! instance does not take over a job that is only slow; once the worker stops renewing (it died), the job is
//! claimed again when its lease runs out, and the old worker's renewal no longer takes it back. Both
//! backends, with a lease of 1.5 s instead of the runner's minute.

use chrono::{Duration, SecondsFormat, Utc};
use store::{NewJob, Store};
use testdb::Backend;

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is(b: Backend) {
    let db = testdb::TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let lease = Duration::milliseconds(1500);
    let mut tx = s.begin().await.unwrap();
    tx.enqueue_job(&NewJob {
        id: "slow".into(),
        kind: "test".into(),
        payload: "{}".into(),
        run_at: stamp(Utc::now() - Duration::seconds(1)),
        max_attempts: 3,
        created_at: stamp(Utc::now()),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let claim = |worker: &'static str| {
        let s = s.clone();
        async move {
            let now = Utc::now();
            s.claim_jobs(worker, &stamp(now), &stamp(now + lease), 10)
                .await
                .unwrap()
        }
    };
    let mine = claim("a").await;
    assert_eq!(mine.len(), 1);
    let ids = vec!["slow".to_string()];

    // Worker "a" is busy for well over its lease, renewing it: "b" finds nothing to take over.
    let heartbeat = {
        let (s, ids) = (s.clone(), ids.clone());
        tokio::spawn(async move { app::jobs::keep_leases(&s, "a", &ids, lease).await })
    };
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        assert!(
            claim("b").await.is_empty(),
            "a renewed lease is not taken over"
        );
    }

    // "a" dies: its lease runs out and "b" takes the job over (a second attempt); "a"'s renewal takes nothing.
    heartbeat.abort();
    let _ = heartbeat.await;
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    let taken = claim("b").await;
    assert_eq!(taken.len(), 1, "a lapsed lease is claimed again");
    assert_eq!(taken[0].attempts, 2);
    assert_eq!(taken[0].locked_by.as_deref(), Some("b"));
    let until = stamp(Utc::now() + Duration::seconds(60));
    assert_eq!(s.renew_job_leases("a", &ids, &until).await.unwrap(), 0);
    assert_eq!(s.renew_job_leases("b", &ids, &until).await.unwrap(), 1);
}

mod sqlite {
    #[tokio::test]
    async fn a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is() {
        super::a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is(testdb::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test]
    async fn a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is() {
        super::a_renewed_lease_is_not_taken_over_and_a_lapsed_one_is(testdb::Backend::Postgres)
            .await
    }
}
