//! Issue 15: two licensing regimes (a dual-use-only product goes straight to an export application, with the
//! economy ministry's review; a defence product keeps the marketing step and its citation), and catch-all
//! controls per specific export (EU 2021/821 Art. 5): an officer's notification on an application or for an
//! exporter, end user and destination, and the exporter's declaration of awareness.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    a_dual_use_only_product_goes_straight_to_an_export_application,
    a_defence_product_still_needs_its_marketing_authorisation,
    an_officer_notifies_a_catch_all_on_a_submitted_application,
    an_exporter_declares_a_cyber_surveillance_end_use_on_its_draft,
    a_standing_notification_concerns_that_exporter_end_user_and_destination_only,
);

/// An export application body without a marketing authorisation.
fn el_uncited(product: &str, dest: &str, end_user: &str) -> Value {
    let mut b = el_body(product, dest, "unused", end_user);
    b["export"]
        .as_object_mut()
        .unwrap()
        .remove("marketing_authorisation");
    b
}

async fn submit(t: &TestApp, token: &str, body: Value) -> Resp {
    let c = t.post(token, "/api/v1/applications", body).await.ok();
    let id = c["id"].as_str().unwrap();
    t.post(
        token,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await
}

fn determination(case: &Value) -> &Value {
    &case["determinations"][0]["determination"]
}

async fn a_dual_use_only_product_goes_straight_to_an_export_application(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let forensic = t.product(&w, "Extractor", "5A004.b", "restricted").await;
    // Marketing it needs no licence: the dual-use regime has no marketing step.
    let check = t
        .post(
            &w.exporter,
            "/api/v1/pre-application-checks",
            json!({"product": forensic, "destination": "DE", "end_user_type": "government-law-enforcement", "licence": "marketing"}),
        )
        .await
        .ok();
    assert_eq!(check["determination"]["outcome"], "not-controlled");
    assert_eq!(check["determination"]["regime"], "dual-use");
    assert_eq!(check["determination"]["marketing_step"], false);
    // The export application cites nothing and is submitted.
    let c = submit(
        &t,
        &w.exporter,
        el_uncited(&forensic, "DE", "Federal Police"),
    )
    .await
    .ok();
    assert_eq!(c["state"], "submitted");
    let id = c["id"].as_str().unwrap();
    let c = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let d = determination(&c);
    assert_eq!(d["outcome"], "licence-required");
    assert_eq!(d["regime"], "dual-use");
    assert!(
        c["required_reviews"]
            .as_array()
            .unwrap()
            .contains(&json!("economy-cyber")),
        "{c}"
    );
    assert!(c["advice"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["review"] == "economy-cyber"));
    // The economy ministry's cyber-export adviser sees it and advises.
    t.post(
        &w.cyber,
        &format!("/api/v1/applications/{id}/advice"),
        json!({"recommendation": "approve", "text": "dual-use item, end user known"}),
    )
    .await
    .ok();
}

async fn a_defence_product_still_needs_its_marketing_authorisation(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // 4D004 is a defence item: an uncited export application is refused at submission, naming the field.
    let r = submit(
        &t,
        &w.exporter,
        el_uncited(&w.restricted_product, "DE", "Federal Police"),
    )
    .await;
    let p = r.problem(422);
    assert_eq!(p["field"], "export.marketing_authorisation");
    assert!(p["detail"].as_str().unwrap().contains("required"), "{p}");
    // A blank citation is still bad input when given.
    let mut blank = el_uncited(&w.restricted_product, "DE", "Federal Police");
    blank["export"]["marketing_authorisation"] = json!(" ");
    let r = t.post(&w.exporter, "/api/v1/applications", blank).await;
    assert_eq!(r.problem(422)["field"], "export.marketing_authorisation");
}

/// A product no control entry lists, classified as such.
async fn unlisted(t: &TestApp, w: &World) -> String {
    let p = t
        .post(
            &w.exporter,
            "/api/v1/products",
            json!({"name": "Analytics", "version": "2", "description": "not listed"}),
        )
        .await
        .ok();
    let id = p["id"].as_str().unwrap().to_string();
    // The flag is no longer part of a product's classification.
    let old = t
        .post(
            &w.defence,
            &format!("/api/v1/products/{id}/classification"),
            json!({"control_entries": [], "security_grade": "unclassified", "catch_all_notified": true}),
        )
        .await;
    assert_eq!(old.problem(422)["field"], "catch_all_notified");
    t.post(
        &w.defence,
        &format!("/api/v1/products/{id}/classification"),
        json!({"control_entries": [], "security_grade": "unclassified"}),
    )
    .await
    .ok();
    id
}

async fn an_officer_notifies_a_catch_all_on_a_submitted_application(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let product = unlisted(&t, &w).await;
    let c = submit(
        &t,
        &w.exporter,
        el_uncited(&product, "AE", "State Security"),
    )
    .await
    .ok();
    let id = c["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/applications/{id}/catch-all");
    let before = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(determination(&before)["outcome"], "not-controlled");
    assert_eq!(before["advice"], json!([]));
    let notice = json!({"end_use": "monitoring of opposition activists", "grounds": "the unit is named in a UN rapporteur's report"});
    // Bad input names the field and changes nothing.
    let r = t
        .post(&w.officer, &path, json!({"end_use": " ", "grounds": "g"}))
        .await;
    assert_eq!(r.problem(422)["field"], "end_use");
    let r = t
        .post(
            &w.officer,
            &path,
            json!({"end_use": "e", "grounds": "g", "destination": "FR"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "destination");
    // Advisers neither notify nor declare.
    t.post(&w.hr, &path, notice.clone()).await.problem(403);
    let after = t.post(&w.officer, &path, notice.clone()).await.ok();
    let d = determination(&after);
    assert_eq!(d["outcome"], "licence-required", "{after}");
    assert_eq!(d["regime"], "dual-use");
    assert_eq!(after["catch_all"][0]["basis"], "authority-notification");
    let reviews: Vec<&str> = after["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["review"].as_str().unwrap())
        .collect();
    assert!(
        reviews.contains(&"human-rights") && reviews.contains(&"economy-cyber"),
        "{reviews:?}"
    );
    // The exporter is informed, without the officer's id.
    let mine = t
        .get(&w.exporter, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(
        mine["catch_all"][0]["end_use"],
        "monitoring of opposition activists"
    );
    assert!(mine["catch_all"][0].get("recorded_by").is_none(), "{mine}");
    assert_eq!(mine["determinations"][0]["outcome"], "licence-required");
    // Another exporter cannot declare on it; after the decision nobody records one.
    t.post(&w.exporter2, &path, notice.clone())
        .await
        .problem(404);
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/withdraw"),
        json!({}),
    )
    .await
    .ok();
    let late = t.post(&w.officer, &path, notice).await;
    late.refused(409, "before the decision");
}

async fn an_exporter_declares_a_cyber_surveillance_end_use_on_its_draft(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let product = unlisted(&t, &w).await;
    let c = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_uncited(&product, "DE", "Federal Police"),
        )
        .await
        .ok();
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/applications/{id}/catch-all");
    // The authority notifies on a submitted application (or for the exporter, end user and destination).
    t.post(&w.officer, &path, json!({"end_use": "e", "grounds": "g"}))
        .await
        .problem(409);
    let draft = t
        .post(
            &w.exporter,
            &path,
            json!({"end_use": "interception of journalists' phones", "grounds": "the customer's tender asks for it", "destination": "DE"}),
        )
        .await
        .ok();
    assert_eq!(draft["catch_all"][0]["basis"], "exporter-awareness");
    assert_eq!(draft["state"], "draft");
    let c = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(c["determinations"][0]["outcome"], "licence-required");
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert!(determination(&internal)["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["reason"]
            .as_str()
            .unwrap()
            .contains("catch_all_notified=true")));
}

async fn a_standing_notification_concerns_that_exporter_end_user_and_destination_only(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let product = unlisted(&t, &w).await;
    let notice = json!({"org_id": w.org1, "end_user": "Gulf Monitoring Centre", "destination": "AE",
        "end_use": "national monitoring centre", "grounds": "documented use against journalists"});
    t.post(
        &w.exporter,
        "/api/v1/catch-all-notifications",
        notice.clone(),
    )
    .await
    .problem(403);
    let mut bad = notice.clone();
    bad["org_id"] = json!("0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01");
    let r = t
        .post(&w.officer, "/api/v1/catch-all-notifications", bad)
        .await;
    assert_eq!(r.problem(422)["field"], "org_id");
    let n = t
        .post(&w.officer, "/api/v1/catch-all-notifications", notice)
        .await
        .ok();
    let nid = n["id"].as_str().unwrap();
    assert!(n["recorded_by"].is_string());
    // The exporter notified sees it (without the officer's id); another exporter does not.
    let mine = t
        .get(&w.exporter, "/api/v1/catch-all-notifications")
        .await
        .ok();
    assert_eq!(mine[0]["id"], nid);
    assert!(mine[0].get("recorded_by").is_none());
    let theirs = t
        .get(&w.exporter2, "/api/v1/catch-all-notifications")
        .await
        .ok();
    assert_eq!(theirs, json!([]));
    // Same end user (spelt with other case and spacing) and destination: notified.
    let c = submit(
        &t,
        &w.exporter,
        el_uncited(&product, "AE", "gulf  monitoring centre"),
    )
    .await
    .ok();
    assert_eq!(c["determinations"][0]["outcome"], "licence-required", "{c}");
    assert_eq!(c["catch_all"][0]["basis"], "authority-notification");
    let id = c["id"].as_str().unwrap();
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(internal["catch_all"][0]["notification"], nid);
    // Another end user, or another destination: not.
    for (dest, user) in [("AE", "Dubai Police"), ("SA", "Gulf Monitoring Centre")] {
        let c = submit(&t, &w.exporter, el_uncited(&product, dest, user))
            .await
            .ok();
        assert_eq!(
            c["determinations"][0]["outcome"], "not-controlled",
            "{dest} {user}"
        );
        assert_eq!(c["catch_all"], json!([]));
    }
}
