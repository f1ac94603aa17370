//! Marketing-licence exemptions granted, not self-declared (issue 12), through the API on both backends: the
//! exporter requests, an officer grants or refuses; a grant is valid for the policy's 24 months and can be
//! revoked with a reason; an export application citing an exemption is refused, with the reason, unless it is
//! granted, within its validity and still exempt under the policy in force for the product's current
//! classification, the destination and the end-user type.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    an_exemption_is_requested_then_granted_or_refused,
    only_a_granted_exemption_in_force_may_be_cited,
    a_granted_exemption_is_revoked_with_a_reason,
    the_requesting_exporter_is_told_of_each_decision,
);

fn request(product: &str, dest: &str) -> Value {
    json!({"product": product, "destination": dest, "end_user_type": "government-law-enforcement",
        "justification": "demonstration to the federal police"})
}

fn decision(id: &str) -> String {
    format!("/api/v1/exemptions/{id}/decision")
}

/// Creates an export application citing `cited` for `product` to `dest` and submits it.
async fn cite(t: &TestApp, w: &World, product: &str, dest: &str, cited: &str) -> Resp {
    let c = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(product, dest, cited, "Bundespolizei"),
        )
        .await
        .ok();
    let id = c["id"].as_str().unwrap();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await
}

async fn an_exemption_is_requested_then_granted_or_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Restricted 4D004 to DE is exempt under the reference policy: it can be requested.
    let x = t
        .post(
            &w.exporter,
            "/api/v1/exemptions",
            request(&w.restricted_product, "DE"),
        )
        .await;
    assert_eq!(x.status, 201);
    let x = x.ok();
    assert_eq!(x["state"], "requested");
    assert_eq!(x["justification"], "demonstration to the federal police");
    let id = x["id"].as_str().unwrap().to_string();
    // A secret cyber-surveillance item to BR is not exempt: nothing to request, and the answer says why.
    let r = t
        .post(
            &w.exporter,
            "/api/v1/exemptions",
            request(&w.secret_product, "BR"),
        )
        .await;
    r.refused(409, "not exempt");
    // Another organisation's product is no product of the caller.
    let r = t
        .post(
            &w.exporter2,
            "/api/v1/exemptions",
            request(&w.restricted_product, "DE"),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "product");

    // Exporters and advisers do not decide; another organisation does not see it.
    let grant = json!({"grant": true, "reason": "restricted item, destination assessed tier 1"});
    t.post(&w.exporter, &decision(&id), grant.clone())
        .await
        .problem(403);
    t.post(&w.hr, &decision(&id), grant.clone())
        .await
        .problem(403);
    t.get(&w.exporter2, &format!("/api/v1/exemptions/{id}"))
        .await
        .problem(404);
    let r = t
        .post(&w.officer, &decision(&id), json!({"grant": true}))
        .await;
    assert_eq!(r.problem(422)["field"], "reason");

    let granted = t.post(&w.officer, &decision(&id), grant.clone()).await.ok();
    assert_eq!(granted["state"], "granted");
    assert_eq!(
        granted["decision_reason"],
        "restricted item, destination assessed tier 1"
    );
    assert!(granted["decided_by"].is_string());
    // Valid for the policy's 24 months from the day of the grant.
    let from: chrono::NaiveDate = granted["valid_from"].as_str().unwrap().parse().unwrap();
    let until: chrono::NaiveDate = granted["valid_until"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        until,
        from.checked_add_months(chrono::Months::new(24))
            .unwrap()
            .pred_opt()
            .unwrap()
    );
    // The exporter reads it without the deciding officer.
    let mine = t
        .get(&w.exporter, &format!("/api/v1/exemptions/{id}"))
        .await
        .ok();
    assert_eq!(mine["state"], "granted");
    assert!(mine.get("decided_by").is_none());
    let listed = t.get(&w.exporter, "/api/v1/exemptions").await.ok();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x.get("decided_by").is_none()));
    // Decided once.
    t.post(&w.officer, &decision(&id), grant).await.problem(409);

    // A second request is refused.
    let other = t
        .post(
            &w.exporter,
            "/api/v1/exemptions",
            request(&w.restricted_product, "DE"),
        )
        .await
        .ok();
    let refused = t
        .post(
            &w.officer,
            &decision(other["id"].as_str().unwrap()),
            json!({"grant": false, "reason": "the end user's security clearance is not established"}),
        )
        .await
        .ok();
    assert_eq!(refused["state"], "refused");
    assert!(refused.get("valid_until").is_none());
}

async fn only_a_granted_exemption_in_force_may_be_cited(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let requested = t
        .post(
            &w.exporter,
            "/api/v1/exemptions",
            request(&w.restricted_product, "DE"),
        )
        .await
        .ok();
    let requested = requested["id"].as_str().unwrap();
    // Requested only: refused naming the field and why.
    let r = cite(&t, &w, &w.restricted_product, "DE", requested).await;
    let p = r.problem(422);
    assert_eq!(p["field"], "export.marketing_authorisation");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("is requested, not granted by an officer"),
        "{p}"
    );

    let granted = t
        .granted_exemption(
            &w,
            &w.restricted_product,
            "DE",
            "government-law-enforcement",
        )
        .await;
    let ok = cite(&t, &w, &w.restricted_product, "DE", &granted)
        .await
        .ok();
    assert_eq!(ok["state"], "submitted");

    // Past its validity: refused (the business clock moved past the last valid day).
    let x = t
        .get(&w.officer, &format!("/api/v1/exemptions/{granted}"))
        .await
        .ok();
    let until: chrono::NaiveDate = x["valid_until"].as_str().unwrap().parse().unwrap();
    let c = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(&w.restricted_product, "DE", &granted, "Bundespolizei"),
        )
        .await
        .ok();
    let exporter = t.app.authenticate(&w.exporter).await.unwrap();
    let later = until
        .succ_opt()
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    let r = app::as_of(
        later,
        t.app.submit_application(
            &exporter,
            c["id"].as_str().unwrap(),
            app::model::ActionBody::default(),
        ),
    )
    .await;
    match r {
        Err(app::AppError::Invalid { field, reason }) => {
            assert_eq!(field, "export.marketing_authorisation");
            assert!(
                reason.contains(&format!("expired after {until}")),
                "{reason}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    // The product's classification changes: the policy in force no longer finds its marketing exempt, and
    // the citation is refused with the policy's reason.
    t.post(
        &w.defence,
        &format!("/api/v1/products/{}/classification", w.restricted_product),
        json!({"control_entries": ["5.A.1.j"], "security_grade": "secret"}),
    )
    .await
    .ok();
    let r = cite(&t, &w, &w.restricted_product, "DE", &granted).await;
    let detail = r.problem(422)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("no longer applies") && detail.contains("licence-required"),
        "{detail}"
    );
}

async fn a_granted_exemption_is_revoked_with_a_reason(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = t
        .granted_exemption(
            &w,
            &w.restricted_product,
            "DE",
            "government-law-enforcement",
        )
        .await;
    let path = format!("/api/v1/exemptions/{id}/revocation");
    let why = json!({"reason": "the destination's assessment changed on 2021-11-25"});
    t.post(&w.exporter, &path, why.clone()).await.problem(403);
    let r = t.post(&w.officer, &path, json!({})).await;
    assert_eq!(r.problem(422)["field"], "reason");
    // A stale version is refused.
    let r = t
        .post(
            &w.officer,
            &path,
            json!({"reason": "x", "expected_version": 1}),
        )
        .await;
    r.problem(409);
    let revoked = t.post(&w.officer, &path, why.clone()).await.ok();
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(
        revoked["revocation_reason"],
        "the destination's assessment changed on 2021-11-25"
    );
    t.post(&w.officer, &path, why).await.problem(409);
    // A revoked exemption authorises nothing, and the refusal says why.
    let r = cite(&t, &w, &w.restricted_product, "DE", &id).await;
    let detail = r.problem(422)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("was revoked: the destination's assessment changed on 2021-11-25"),
        "{detail}"
    );
    // The audit log has the request, the grant and the revocation.
    let log = t
        .get(&w.auditor, &format!("/api/v1/audit?record={id}"))
        .await
        .ok();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["request-exemption", "grant-exemption", "revoke-exemption"]
    );
}

/// The `exemption.decided` notifications of exemption `id` the caller holds: (subject, body) in order.
async fn decided(t: &TestApp, token: &str, id: &str) -> Vec<(String, String)> {
    let all = t.get(token, "/api/v1/notifications").await.ok();
    let mut out: Vec<(String, String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == "exemption.decided" && n["record_id"] == id)
        .map(|n| {
            assert_eq!(n["record_kind"], "exemption");
            (
                n["created_at"].as_str().unwrap().to_string(),
                n["subject"].as_str().unwrap().to_string(),
                n["body"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, s, b)| (s, b)).collect()
}

async fn the_requesting_exporter_is_told_of_each_decision(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let x = t
            .post(
                &w.exporter,
                "/api/v1/exemptions",
                request(&w.restricted_product, "DE"),
            )
            .await
            .ok();
        ids.push(x["id"].as_str().unwrap().to_string());
    }
    let (granted, refused) = (ids[0].clone(), ids[1].clone());
    assert!(decided(&t, &w.exporter, &granted).await.is_empty());
    // A refusal of the decision (no reason) writes no notification.
    t.post(&w.officer, &decision(&granted), json!({"grant": true}))
        .await
        .problem(422);
    assert!(decided(&t, &w.exporter, &granted).await.is_empty());

    t.post(
        &w.officer,
        &decision(&granted),
        json!({"grant": true, "reason": "restricted item, destination assessed tier 1"}),
    )
    .await
    .ok();
    let told = decided(&t, &w.exporter, &granted).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.contains(&granted) && told[0].0.ends_with("granted"));
    // The text names the state, never the officer's reason.
    assert!(!told[0].1.contains("tier 1"), "{}", told[0].1);

    t.post(
        &w.officer,
        &decision(&refused),
        json!({"grant": false, "reason": "clearance not established"}),
    )
    .await
    .ok();
    let told = decided(&t, &w.exporter, &refused).await;
    assert_eq!(told.len(), 1);
    assert!(told[0].0.ends_with("refused"), "{told:?}");

    // A second decision is refused (409) and tells nothing more; a revocation tells the exporter again.
    t.post(
        &w.officer,
        &decision(&granted),
        json!({"grant": false, "reason": "again"}),
    )
    .await
    .problem(409);
    assert_eq!(decided(&t, &w.exporter, &granted).await.len(), 1);
    t.post(
        &w.officer,
        &format!("/api/v1/exemptions/{granted}/revocation"),
        json!({"reason": "the destination's assessment changed"}),
    )
    .await
    .ok();
    let told = decided(&t, &w.exporter, &granted).await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].0.ends_with("revoked"), "{told:?}");

    // Only the requesting exporter is told: not the officer who decided, not another organisation.
    for other in [&w.officer, &w.exporter2] {
        assert!(decided(&t, other, &granted).await.is_empty());
    }
}
