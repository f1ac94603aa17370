//! A new user's journey, from issue 8's defects: one time target per case (case and queue agree), documents
//! answered on a marketing case are kept, an export licence never outlives the marketing licence it relies on
//! and is flagged when that licence is suspended or revoked, the marketing licence may be cited by its licence
//! number, only the assigned officer acts on a case, and the history names people and reasons.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    one_target_in_case_and_queue,
    documents_answered_on_a_marketing_case_are_kept,
    export_licence_is_bounded_by_and_flagged_with_its_marketing_licence,
    only_the_assigned_officer_acts,
);

async fn internal(t: &TestApp, w: &World, id: &str) -> Value {
    t.get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok()
}

/// A marketing licence for the secret product to `dest`, issued with the given conditions.
async fn issued_ml(t: &TestApp, w: &World, dest: &str, conditions: Value) -> Value {
    let c = t.submitted_ml(w, &w.secret_product, dest).await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let c = internal(t, w, &id).await;
    t.advise_all(w, &c).await;
    t.decide(
        w,
        &id,
        "approve",
        json!({"reason": "advice favourable", "conditions": conditions}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/issue"),
        json!({}),
    )
    .await
    .ok();
    internal(t, w, &id).await
}

async fn one_target_in_case_and_queue(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // The restricted product to DE for law enforcement is exempt: the policy sets no target, the configured
    // default applies, and the case and the queue say the same.
    let c = t.submitted_ml(&w, &w.restricted_product, "DE").await;
    let id = c["id"].as_str().unwrap().to_string();
    let case = internal(&t, &w, &id).await;
    assert_eq!(case["determinations"][0]["outcome"], "exempt");
    let q = t.get(&w.officer, "/api/v1/queues/unassigned").await.ok();
    let row = q
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["target_working_days"], case["target_working_days"]);
    assert_eq!(case["target_working_days"], 20);
    assert_eq!(c["target_working_days"], 20, "the exporter sees the same");
}

async fn documents_answered_on_a_marketing_case_are_kept(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Send the contract"}),
    )
    .await
    .ok();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "attached", "documents": [{"kind": "contract", "name": "contract.pdf"}]}),
    )
    .await
    .ok();
    let case = internal(&t, &w, &id).await;
    assert_eq!(case["documents"][0]["name"], "contract.pdf", "{case}");
    let mine = t
        .get(&w.exporter, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(mine["documents"][0]["name"], "contract.pdf", "{mine}");
    // The history names the people and the reasons.
    let h = case["history"].as_array().unwrap();
    assert!(h.iter().any(|x| x["by_username"] == "exp1"), "{h:?}");
    assert!(
        h.iter()
            .any(|x| x["by_username"] == "off1" && x["reason"] == "Send the contract"),
        "{h:?}"
    );
}

async fn export_licence_is_bounded_by_and_flagged_with_its_marketing_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let until = (app::today() + chrono::Duration::days(90)).to_string();
    let ml = issued_ml(
        &t,
        &w,
        "DE",
        json!([{"type": "valid-until", "date": until}]),
    )
    .await;
    assert_eq!(ml["state"], "issued");
    assert_eq!(ml["licence_issued"]["valid_until"], until.as_str());
    let number = ml["licence_issued"]["number"].as_str().unwrap().to_string();
    // Cited by its licence number, not only by its reference.
    let eid = t
        .submitted(
            &w.exporter,
            el_body(&w.secret_product, "DE", &number, "Bundespolizei"),
        )
        .await;
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{eid}/assign"),
        json!({}),
    )
    .await
    .ok();
    let c = internal(&t, &w, &eid).await;
    t.advise_all(&w, &c).await;
    t.verify_required_documents(&w, &eid).await;
    t.decide(&w, &eid, "approve", json!({"reason": "ok"}))
        .await
        .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{eid}/issue"),
        json!({}),
    )
    .await
    .ok();
    let issued = internal(&t, &w, &eid).await;
    assert_eq!(
        issued["licence_issued"]["valid_until"],
        until.as_str(),
        "the export licence ends with its marketing licence, not two years on"
    );
    // Revoking the marketing licence flags the export licence for the officers.
    let mid = ml["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{mid}/revoke"),
        json!({"reason": "end user misused the product"}),
    )
    .await
    .ok();
    let flagged = internal(&t, &w, &eid).await;
    assert_eq!(
        flagged["flags"][0]["kind"], "marketing-authorisation-revoke",
        "{flagged}"
    );
    assert!(flagged["flags"][0]["message"]
        .as_str()
        .unwrap()
        .contains("end user misused the product"));
    let q = t.get(&w.officer, "/api/v1/queues/flagged").await.ok();
    assert!(q
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == eid.as_str()));
    // A second export application citing the revoked licence cannot be submitted.
    let r = t
        .submit_new(
            &w.exporter,
            el_body(&w.secret_product, "DE", &number, "Bundespolizei"),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "export.marketing_authorisation");
}

async fn only_the_assigned_officer_acts(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let head = t.audit_head().await;
    let r = t
        .post(
            &w.officer2,
            &format!("/api/v1/applications/{id}/information-requests"),
            json!({"question": "?"}),
        )
        .await;
    assert!(
        r.problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("assigned to off1"),
        "{}",
        r.body
    );
    assert_eq!(t.audit_head().await, head, "nothing changed");
    // Re-assignment is open to any officer, and audited; then the new assignee acts.
    t.post(
        &w.officer2,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer2,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Who operates it?"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/approve"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403);
}
