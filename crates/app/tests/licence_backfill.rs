//! Licences issued before licences were records of their own (older databases: the case carries the number,
//! no licence record exists) get their record at start, in the state of their case, signed and audited; a
//! second start changes nothing. Both backends.

use app::model::ActionBody;
use app::{App, AppConfig};
use domain::CaseAction;
use store::Store;
use testdb::{Backend, TestDb};

async fn backfilled(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = App::new(Store::connect(&db.url).await.unwrap(), AppConfig::default())
        .await
        .unwrap();
    app.import_demo_list().await.unwrap();
    let (_, cast) = app.seed_demo_base().await.unwrap();
    let officer = &cast.officer;
    let licences = app
        .licences(officer, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    assert!(!licences.is_empty(), "the demo issues a licence");
    // One licence suspended, so that the backfill has to carry a state other than issued.
    let suspended = licences
        .iter()
        .find(|l| l.state == app::licences::LicenceState::Issued)
        .expect("the demo has an issued licence")
        .clone();
    app.change_licence(
        officer,
        &suspended.case_id,
        CaseAction::Suspend,
        ActionBody {
            expected_version: None,
            reason: Some("end-use check pending".into()),
        },
    )
    .await
    .unwrap();
    // An older database: the licence records were never written (no audit event either).
    let mut tx = app.store.begin().await.unwrap();
    for l in &licences {
        let r = tx
            .get_by_reference::<serde_json::Value>("licence", &l.number)
            .await
            .unwrap();
        tx.delete("licence", &r.id, r.version).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert!(app
        .licences(officer, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .is_empty());
    let events = app.store.verify_audit(&[]).await.unwrap().events;
    app.store.close().await;

    // Start again on the same database: every licence has its record back.
    let app = App::new(Store::connect(&db.url).await.unwrap(), AppConfig::default())
        .await
        .unwrap();
    let back = app
        .licences(officer, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    assert_eq!(back.len(), licences.len());
    for l in &licences {
        let b = back
            .iter()
            .find(|b| b.number == l.number)
            .expect("backfilled");
        assert_eq!(b.case_id, l.case_id);
        assert_eq!(b.content.issued_at, l.content.issued_at);
        assert_eq!(b.content.valid_until, l.content.valid_until);
        // Each in the state it had (the demo also has a surrendered licence), the suspended one suspended.
        let expect = if l.number == suspended.number {
            "suspended"
        } else {
            l.state.as_str()
        };
        assert_eq!(b.state.as_str(), expect, "{}", l.number);
        // The public check answers for it again.
        let public = app.public_licence(&l.number).await.unwrap();
        assert_eq!(public.state.as_str(), expect);
    }
    let report = app.store.verify_audit(&[]).await.unwrap();
    assert!(report.first_bad_seq.is_none(), "{report:?}");
    assert_eq!(report.events as usize, events as usize + licences.len());
    let audited = app
        .store
        .search_audit(
            &store::AuditFilter {
                action: Some("backfill-licence-record".into()),
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
    assert_eq!(audited.len(), licences.len());
    assert!(audited.iter().all(|e| e.event.actor == "system"));
    app.store.close().await;

    // Idempotent: a third start makes nothing.
    let app = App::new(Store::connect(&db.url).await.unwrap(), AppConfig::default())
        .await
        .unwrap();
    assert_eq!(
        app.store.verify_audit(&[]).await.unwrap().events,
        report.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licence_records_are_backfilled_at_start_sqlite() {
    backfilled(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licence_records_are_backfilled_at_start_postgres() {
    backfilled(Backend::Postgres).await;
}
