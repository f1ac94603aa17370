//! Every earlier body schema of every kind reads as today's stored type (issue 16, `store::kinds`): for each
//! kind with an upgrade step, a body of each earlier schema is written raw, exactly as the release that used
//! that schema wrote it, and read back through the typed store API; the test fails when a kind's schema has no
//! fixture here, so adding an upgrade step means adding its fixture. Both backends.

use app::exporter::ProductBody;
use app::model::{CaseBody, Exemption, ExemptionState};
use serde_json::{json, Value};
use store::kinds::{self, CASE, EXEMPTION, PRODUCT};
use store::Store;
use testdb::{Backend, TestDb};

/// A body as an older release stored it: (kind, schema, id, body).
struct Fixture {
    kind: &'static str,
    schema: i64,
    id: &'static str,
    body: Value,
}

/// The fixtures, one or more per earlier schema of every kind with an upgrade step.
fn fixtures() -> Vec<Fixture> {
    vec![
        // Product schema 1: a classification made before catch-all notifications concerned one export, notified
        // everywhere (`catch_all_notified` on the classification) ...
        Fixture {
            kind: PRODUCT,
            schema: 1,
            id: "product-1-notified",
            body: json!({
                "name": "Interception suite", "version": "3.1", "description": "Lawful interception",
                "claimed_control_entries": [], "capability_tags": ["interception"],
                "classification": {
                    "control_entries": [], "security_grade": "restricted", "catch_all_notified": true,
                    "note": "notified under Art. 5", "classified_by": "u-adviser",
                    "classified_at": "2025-03-01T10:00:00.000Z"
                }
            }),
        },
        // ... and one without it (absent when false), and one not classified yet.
        Fixture {
            kind: PRODUCT,
            schema: 1,
            id: "product-1-plain",
            body: json!({
                "name": "Router", "version": "1", "description": "Edge router",
                "claimed_control_entries": ["5A002"], "capability_tags": [],
                "classification": {
                    "control_entries": ["5A002.a"], "security_grade": "unclassified", "note": null,
                    "classified_by": "u-adviser", "classified_at": "2025-03-02T10:00:00.000Z"
                }
            }),
        },
        Fixture {
            kind: PRODUCT,
            schema: 1,
            id: "product-1-unclassified",
            body: json!({
                "name": "Sensor", "version": "2", "description": "Thermal sensor",
                "claimed_control_entries": [], "capability_tags": [], "classification": null
            }),
        },
        // Case schema 1: the hits were in the body (`screening`); migration 78 moved them into
        // `screening_hits` and left a schema-1 body without them, or with an empty list (a case without hits
        // as an older release wrote it).
        Fixture {
            kind: CASE,
            schema: 1,
            id: "case-1",
            body: json!({
                "licence": "marketing", "marketing": null, "export": null, "determinations": [],
                "policy_version": "2025.2", "required_reviews": ["human-rights"], "required_documents": [],
                "target_working_days": 30, "advice": [], "info_requests": [], "decision": null,
                "licence_issued": null, "screening": [], "screened_with": ["un-sc@sha256:ab"],
                "history": [], "submitted_at": "2025-05-01T10:00:00.000Z"
            }),
        },
        // Exemption schema 1: recorded by the exporter from an `exempt` answer, self-declared, no state.
        Fixture {
            kind: EXEMPTION,
            schema: 1,
            id: "exemption-1",
            body: json!({
                "id": "exemption-1", "org_id": "o1", "product": "product-1-plain", "destination": "DE",
                "end_user_type": "government-law-enforcement", "policy_version": "2025.2",
                "rule": "ml-exempt-eu", "determination": {"outcome": "exempt"},
                "recorded_by": "u-exporter", "recorded_at": "2025-04-01T10:00:00.000Z"
            }),
        },
    ]
}

async fn write_raw(url: &str, f: &Fixture) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO records (id, kind, org_id, state, reference, tags, version, body, created_at, updated_at, search, body_schema) \
         VALUES ($1, $2, 'o1', 'recorded', NULL, '', 1, $3, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '', $4)",
    )
    .bind(f.id)
    .bind(f.kind)
    .bind(f.body.to_string())
    .bind(f.schema)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

async fn every_earlier_schema_reads_as_the_current_type(backend: Backend) {
    let fixtures = fixtures();
    // Every earlier schema of every kind has a fixture.
    for spec in kinds::KINDS {
        for schema in 1..kinds::current_schema(spec.kind) {
            assert!(
                fixtures
                    .iter()
                    .any(|f| f.kind == spec.kind && f.schema == schema),
                "no fixture of {} body schema {schema}: add one for its upgrade step",
                spec.kind
            );
        }
    }
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    for f in &fixtures {
        write_raw(&db.url, f).await;
    }

    let product = |id: &'static str| {
        let store = store.clone();
        async move { store.get::<ProductBody>(PRODUCT, id).await.unwrap().body }
    };
    let notified = product("product-1-notified").await;
    let class = notified.classification.expect("classified");
    assert!(
        class.legacy_catch_all,
        "a product notified everywhere stays so"
    );
    assert_eq!(class.security_grade, domain::SecurityGrade::Restricted);
    assert_eq!(class.note.as_deref(), Some("notified under Art. 5"));
    let plain = product("product-1-plain").await;
    let class = plain.classification.expect("classified");
    assert!(!class.legacy_catch_all);
    assert_eq!(class.control_entries, vec!["5A002.a".to_string()]);
    assert!(product("product-1-unclassified")
        .await
        .classification
        .is_none());

    let x = store
        .get::<Exemption>(EXEMPTION, "exemption-1")
        .await
        .unwrap()
        .body;
    assert_eq!(x.state, ExemptionState::Requested);
    assert_eq!(x.product, "product-1-plain");
    assert_eq!(x.recorded_by, "u-exporter");
    assert!(x.decided_by.is_none() && x.valid_until.is_none());

    let c = store.get::<CaseBody>(CASE, "case-1").await.unwrap().body;
    assert!(c.screening.is_empty());
    assert_eq!(c.screened_with, vec!["un-sc@sha256:ab".to_string()]);
    assert_eq!(c.target_working_days, Some(30));
    let stored = store.get::<Value>(CASE, "case-1").await.unwrap().body;
    assert!(stored.get("screening").is_none(), "{stored}");

    // The current types store the current schemas: written back, the body reads again as written.
    let mut tx = store.begin().await.unwrap();
    let mut r = tx
        .get_for_update::<ProductBody>(PRODUCT, "product-1-notified")
        .await
        .unwrap();
    r.version += 1;
    tx.update(&r).await.unwrap();
    tx.commit().await.unwrap();
    let stored = store
        .get::<Value>(PRODUCT, "product-1-notified")
        .await
        .unwrap()
        .body;
    assert_eq!(stored["classification"]["legacy_catch_all"], json!(true));
    assert!(stored["classification"].get("catch_all_notified").is_none());
}

mod sqlite {
    #[tokio::test]
    async fn every_earlier_schema_reads_as_the_current_type() {
        super::every_earlier_schema_reads_as_the_current_type(testdb::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test]
    async fn every_earlier_schema_reads_as_the_current_type() {
        super::every_earlier_schema_reads_as_the_current_type(testdb::Backend::Postgres).await
    }
}
