//! Isolation: other organisations' records answer 404 exactly like missing ones; advisers see only cases on
//! which their advice was requested; auditors read everything and change nothing.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(exporters_see_only_their_organisation, advisers_and_auditors);

async fn exporters_see_only_their_organisation(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap();
    let missing = t
        .get(
            &w.exporter2,
            "/api/v1/applications/0123456789abcdef0123456789abcdef",
        )
        .await;
    let other = t
        .get(&w.exporter2, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(other.status, 404);
    // Equal but for the request id, which is each request's own.
    let without_id = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    assert_eq!(
        without_id(other.body),
        without_id(missing.body),
        "a foreign record must look exactly like a missing one"
    );
    t.get(
        &w.exporter2,
        &format!("/api/v1/products/{}", w.secret_product),
    )
    .await
    .problem(404);
    t.post(
        &w.exporter2,
        &format!("/api/v1/applications/{id}/withdraw"),
        json!({}),
    )
    .await
    .problem(404);
    assert!(t
        .get(&w.exporter2, "/api/v1/applications")
        .await
        .ok()
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        t.get(&w.exporter2, "/api/v1/products")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        t.get(&w.exporter2, "/api/v1/registrations")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.get(&w.exporter2, &format!("/api/v1/organisations/{}", w.org1))
        .await
        .problem(404);
    // Another exporter cannot use a foreign product in an application.
    let r = t
        .post(
            &w.exporter2,
            "/api/v1/applications",
            ml_body(&w.secret_product, "BR"),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "marketing.products[0]");
    // The owner withdraws its own submitted application.
    let wd = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/withdraw"),
            json!({"reason": "deal off"}),
        )
        .await
        .ok();
    assert_eq!(wd["state"], "withdrawn");
    // An organisation without an approved registration cannot apply.
    let org3 = t.org("Unregistered Ltd").await;
    let e3 = t.user("exp3", "exporter", None, Some(&org3)).await;
    let r = t
        .post(
            &e3,
            "/api/v1/applications",
            ml_body(&w.secret_product, "BR"),
        )
        .await;
    r.refused(409, "registration");
}

async fn advisers_and_auditors(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap();
    // Human-rights and defence advice were requested by policy; foreign affairs was not.
    assert_eq!(
        t.get(&w.hr, &format!("/api/v1/applications/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        t.get(&w.hr, "/api/v1/applications")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.get(&w.fa, &format!("/api/v1/applications/{id}"))
        .await
        .problem(404);
    assert!(t
        .get(&w.fa, "/api/v1/applications")
        .await
        .ok()
        .as_array()
        .unwrap()
        .is_empty());
    // Once the officer asks foreign affairs, it sees the case.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/advice-requests"),
        json!({"reviews": ["foreign-affairs"]}),
    )
    .await
    .ok();
    assert_eq!(
        t.get(&w.fa, &format!("/api/v1/applications/{id}"))
            .await
            .status,
        200
    );
    // Auditors read everything and change nothing.
    assert_eq!(
        t.get(&w.auditor, &format!("/api/v1/applications/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(t.get(&w.auditor, "/api/v1/users").await.status, 200);
    let before = t
        .get(&w.auditor, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    t.post(
        &w.auditor,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .problem(403);
    t.post(
        &w.auditor,
        "/api/v1/organisations",
        json!({"name": "x", "country": "DE"}),
    )
    .await
    .problem(403);
    t.post(
        &w.auditor,
        &format!("/api/v1/applications/{id}/approve"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403);
    let after = t
        .get(&w.auditor, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(before, after);
    // Only a defence adviser classifies.
    t.post(
        &w.hr,
        &format!("/api/v1/products/{}/classification", w.secret_product),
        json!({"control_entries": [], "security_grade": "secret"}),
    )
    .await
    .problem(403);
}
