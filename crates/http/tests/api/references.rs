//! Checked references between organisations, users, products and cases (issue 16, `store::kinds`), through the
//! API on both backends: a user of an organisation that does not exist, a product of one, a case naming a
//! product that does not exist or is another organisation's, are answered 422 naming the field, and nothing
//! is written (no record, no audit event).

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(
    a_user_of_a_missing_organisation_is_refused,
    a_case_naming_a_missing_or_foreign_product_is_refused,
    a_product_of_a_missing_organisation_is_refused,
);

async fn a_user_of_a_missing_organisation_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let head = t.audit_head().await;
    let r = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "ghost", "role": "exporter", "org_id": "0190f0f0-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "org_id");
    assert_eq!(t.audit_head().await, head, "nothing audited");
    let users = t.get(&t.admin, "/api/v1/users").await.ok();
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "ghost"));
}

async fn a_case_naming_a_missing_or_foreign_product_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let foreign = t
        .classified_product(&w, &w.exporter2, "Other's", "4D004", "restricted")
        .await;
    let before = t.get(&w.exporter, "/api/v1/applications").await.ok();
    let head = t.audit_head().await;
    let missing = "0190f0f0-0000-7000-8000-000000000000";
    let mut ml = ml_body(&w.restricted_product, "DE");
    ml["marketing"]["products"] = json!([w.restricted_product, missing]);
    let r = t.post(&w.exporter, "/api/v1/applications", ml).await;
    assert_eq!(r.problem(422)["field"], "marketing.products[1]");
    for product in [missing, foreign.as_str()] {
        let r = t
            .post(
                &w.exporter,
                "/api/v1/applications",
                el_body(product, "DE", "ML-2026-000001", "Federal Police"),
            )
            .await;
        assert_eq!(r.problem(422)["field"], "export.product");
    }
    assert_eq!(t.audit_head().await, head, "nothing audited");
    assert_eq!(
        t.get(&w.exporter, "/api/v1/applications").await.ok(),
        before,
        "nothing stored"
    );
    // The same application naming its own products is stored.
    t.post(
        &w.exporter,
        "/api/v1/applications",
        ml_body(&w.restricted_product, "DE"),
    )
    .await
    .ok();
}

/// An exporter whose organisation record is gone (a database written before references were checked, or
/// changed by hand): its new product names an organisation that does not exist, and is refused by the store's
/// check in the writing transaction.
async fn a_product_of_a_missing_organisation_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let org = t.org("Vanishing Ltd").await;
    let exporter = t.user("vanish", "exporter", None, Some(&org)).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(t.db_url()).await.unwrap();
    sqlx::query("DELETE FROM records WHERE kind = 'organisation' AND id = $1")
        .bind(&org)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let head = t.audit_head().await;
    let r = t
        .post(
            &exporter,
            "/api/v1/products",
            json!({"name": "Orphan", "version": "1", "description": "no owner", "control_entries": []}),
        )
        .await;
    let p = r.refused(422, "no organisation");
    assert_eq!(p["field"], "org_id");
    assert_eq!(t.audit_head().await, head, "nothing audited");
    let products = t.get(&exporter, "/api/v1/products").await.ok();
    assert_eq!(products, json!([]), "nothing stored");
}
