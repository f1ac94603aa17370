//! Issue 12, the rest of the decision: a case the policy finds not controlled is concluded "no licence
//! required" straight from review (and an export of such an item needs no marketing authorisation), and an
//! officer returns a case to the exporter for editing, who edits and resubmits it. On both backends; every
//! write is checked against the audit log by the harness.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    not_controlled_case_is_concluded_straight_from_review,
    controlled_case_is_not_concluded_straight_from_review,
    export_of_a_not_controlled_item_needs_no_marketing_authorisation,
    officer_returns_a_case_for_editing_and_the_exporter_resubmits,
    advice_on_entities_and_conflicts_are_flagged,
);

fn path(id: &str, action: &str) -> String {
    format!("/api/v1/applications/{id}/{action}")
}

fn case_path(id: &str) -> String {
    format!("/api/v1/applications/{id}")
}

/// A product of `w`'s first exporter that the defence adviser classified with no control entry: the policy
/// finds it not controlled.
async fn uncontrolled_product(t: &TestApp, w: &World) -> String {
    let id = t.product(w, "Office router", "5A002", "unclassified").await;
    t.post(
        &w.defence,
        &format!("/api/v1/products/{id}/classification"),
        json!({"control_entries": [], "security_grade": "unclassified"}),
    )
    .await
    .ok();
    id
}

async fn create(t: &TestApp, w: &World, body: Value) -> String {
    let c = t.post(&w.exporter, "/api/v1/applications", body).await.ok();
    c["id"].as_str().unwrap().to_string()
}

async fn not_controlled_case_is_concluded_straight_from_review(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let product = uncontrolled_product(&t, &w).await;
    let id = create(&t, &w, ml_body(&product, "FR")).await;
    let submitted = t
        .post(&w.exporter, &path(&id, "submit"), json!({}))
        .await
        .ok();
    assert_eq!(submitted["state"], "submitted");
    let case = t.get(&w.officer, &case_path(&id)).await.ok();
    assert!(case["determinations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["outcome"] == "not-controlled"));
    assert_eq!(
        case["advice"],
        json!([]),
        "nothing controlled: no advice asked"
    );

    // Not before the officer has it under review.
    t.post(&w.officer, &path(&id, "no-licence-required"), json!({}))
        .await
        .refused(409, "a case in state submitted");
    t.post(&w.officer, &path(&id, "assign"), json!({}))
        .await
        .ok();
    // The exporter cannot conclude its own case.
    t.post(&w.exporter, &path(&id, "no-licence-required"), json!({}))
        .await
        .problem(403);
    let done = t
        .post(
            &w.officer,
            &path(&id, "no-licence-required"),
            json!({"reason": "no control entry applies"}),
        )
        .await
        .ok();
    assert_eq!(done["state"], "no-licence-required");
    assert!(done["final_advice"].is_null() && done["countersignatures"].is_null());
    let last = done["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "under-review");
    assert_eq!(last["reason"], "no control entry applies");
    // The exporter is told.
    let mine = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(mine
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "case.no-licence-required" && n["record_id"] == id.as_str()));
    // Decided: a second conclusion is refused.
    t.post(&w.officer, &path(&id, "no-licence-required"), json!({}))
        .await
        .refused(409, "a case in state no-licence-required");
}

async fn controlled_case_is_not_concluded_straight_from_review(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = t.case(&w).to("FR").under_review().await;
    let head = t.audit_head().await;
    let r = t
        .post(&w.officer, &path(&id, "no-licence-required"), json!({}))
        .await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("licence-required") && detail.contains("draft final advice instead"),
        "{detail}"
    );
    assert_eq!(t.audit_head().await, head, "a refusal writes nothing");
    let c = t.get(&w.officer, &case_path(&id)).await.ok();
    assert_eq!(c["state"], "under-review");
}

async fn export_of_a_not_controlled_item_needs_no_marketing_authorisation(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let product = uncontrolled_product(&t, &w).await;
    // No marketing authorisation at all: the policy in force finds the item not controlled.
    let mut body = el_body(&product, "FR", "", "Example Police");
    body["export"]
        .as_object_mut()
        .unwrap()
        .remove("marketing_authorisation");
    let id = create(&t, &w, body).await;
    let submitted = t
        .post(&w.exporter, &path(&id, "submit"), json!({}))
        .await
        .ok();
    assert_eq!(submitted["state"], "submitted");

    // A controlled item still needs one, and the answer says why.
    let mut body = el_body(&w.restricted_product, "FR", "", "Example Police");
    body["export"]
        .as_object_mut()
        .unwrap()
        .remove("marketing_authorisation");
    let id = create(&t, &w, body).await;
    let head = t.audit_head().await;
    let r = t.post(&w.exporter, &path(&id, "submit"), json!({})).await;
    let p = r.problem(422);
    assert_eq!(p["field"], "export.marketing_authorisation");
    assert!(
        p["detail"].as_str().unwrap().contains("licence-required"),
        "{p}"
    );
    assert_eq!(t.audit_head().await, head);
    let c = t.get(&w.exporter, &case_path(&id)).await.ok();
    assert_eq!(c["state"], "draft");
}

async fn officer_returns_a_case_for_editing_and_the_exporter_resubmits(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = t.case(&w).to("FR").under_review().await;
    let before = t.get(&w.officer, &case_path(&id)).await.ok();
    assert_eq!(before["determinations"][0]["destination"], "FR");

    // A return says what to change; only the officer returns.
    let r = t
        .post(&w.officer, &path(&id, "return-for-editing"), json!({}))
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    t.post(
        &w.exporter,
        &path(&id, "return-for-editing"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403);
    // Only a draft or a case returned for editing can be edited: not this one, under review.
    let patch = json!({"marketing": ml_body(&w.secret_product, "DE")["marketing"]});
    t.send(
        "PATCH",
        &w.exporter,
        &case_path(&id),
        &Payload::Json(patch.clone()),
    )
    .await
    .refused(
        409,
        "only a draft or an application returned for editing can be changed",
    );
    let returned = t
        .post(
            &w.officer,
            &path(&id, "return-for-editing"),
            json!({"reason": "the end user is in Germany, not France"}),
        )
        .await
        .ok();
    assert_eq!(returned["state"], "returned-for-editing");
    // The exporter sees what to change, and is told.
    let mine = t.get(&w.exporter, &case_path(&id)).await.ok();
    assert_eq!(mine["state"], "returned-for-editing");
    assert_eq!(
        mine["awaiting_exporter"][0],
        "edit the application and resubmit it: the end user is in Germany, not France"
    );
    let notes = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(notes
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "case.returned" && n["record_id"] == id.as_str()));
    // The officer cannot decide or resubmit it meanwhile; another organisation cannot see it.
    t.post(&w.officer, &path(&id, "resubmit"), json!({}))
        .await
        .problem(403);
    t.post(&w.exporter2, &path(&id, "resubmit"), json!({}))
        .await
        .problem(404);
    t.post(&w.officer, &path(&id, "approve"), json!({"reason": "ok"}))
        .await
        .refused(409, "cannot approve a case in state returned-for-editing");

    // The exporter edits (the details replace the old) and resubmits.
    let edited = t
        .send("PATCH", &w.exporter, &case_path(&id), &Payload::Json(patch))
        .await
        .ok();
    assert_eq!(edited["marketing"]["destinations"], json!(["DE"]));
    let resubmitted = t
        .post(&w.exporter, &path(&id, "resubmit"), json!({}))
        .await
        .ok();
    assert_eq!(resubmitted["state"], "under-review");
    let after = t.get(&w.officer, &case_path(&id)).await.ok();
    // Determined again, under the policy in force, for the new destination; still assigned.
    assert_eq!(after["determinations"][0]["destination"], "DE");
    assert_eq!(after["assigned_to"], before["assigned_to"]);
    assert_eq!(after["submitted_at"], before["submitted_at"]);
    let states: Vec<&str> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "submitted",
            "under-review",
            "returned-for-editing",
            "under-review"
        ]
    );
    // The advice kinds asked once are not asked twice.
    let kinds: Vec<&str> = after["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["review"].as_str().unwrap())
        .collect();
    let mut unique = kinds.clone();
    unique.dedup();
    assert_eq!(kinds, unique);
    let officer_notes = t.get(&w.officer, "/api/v1/notifications").await.ok();
    assert!(officer_notes
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "case.resubmitted" && n["record_id"] == id.as_str()));
    // Resubmitted: no longer editable, and a second resubmission is refused.
    t.post(&w.exporter, &path(&id, "resubmit"), json!({}))
        .await
        .problem(409);

    // A case returned for editing may be withdrawn instead.
    let other = t.case(&w).to("FR").under_review().await;
    t.post(
        &w.officer,
        &path(&other, "return-for-editing"),
        json!({"reason": "attach the contract"}),
    )
    .await
    .ok();
    let withdrawn = t
        .post(&w.exporter, &path(&other, "withdraw"), json!({}))
        .await
        .ok();
    assert_eq!(withdrawn["state"], "withdrawn");
}

async fn advice_on_entities_and_conflicts_are_flagged(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = t.case(&w).to("BR").under_review().await;
    t.post(
        &w.officer,
        &path(&id, "advice-requests"),
        json!({"reviews": ["foreign-affairs", "economy-cyber"]}),
    )
    .await
    .ok();
    // A target that is not an entity of the case is refused naming it.
    let r = t
        .post(
            &w.fa,
            &path(&id, "advice"),
            json!({"recommendation": "approve", "text": "ok",
                "entities": [{"target": {"entity": "destination", "country": "FR"}, "recommendation": "refuse", "criteria": ["criterion-2"]}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "entities[0].target");
    // Refusing an entity cites criteria.
    let r = t
        .post(
            &w.fa,
            &path(&id, "advice"),
            json!({"recommendation": "approve", "text": "ok",
                "entities": [{"target": {"entity": "party", "name": "Federal Police"}, "recommendation": "refuse"}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "entities[0].criteria");
    // Foreign affairs: approve the case, but refuse the end user; economy/cyber informs only.
    t.post(
        &w.fa,
        &path(&id, "advice"),
        json!({"recommendation": "approve", "text": "no objection to the destination",
            "entities": [{"target": {"entity": "party", "name": "Federal Police"}, "recommendation": "refuse",
                "criteria": ["criterion-2"], "text": "unit implicated in abuses"}]}),
    )
    .await
    .ok();
    t.post(
        &w.cyber,
        &path(&id, "advice"),
        json!({"recommendation": "inform", "text": "the vendor reported a similar sale in 2024"}),
    )
    .await
    .ok();
    let case = t.get(&w.officer, &case_path(&id)).await.ok();
    t.advise_all(&w, &case).await;
    let case = t.get(&w.officer, &case_path(&id)).await.ok();
    let conflicts = case["advice_conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0]["target"],
        json!({"entity": "party", "name": "Federal Police"})
    );
    let views = conflicts[0]["views"].as_array().unwrap();
    assert!(views
        .iter()
        .any(|v| v["review"] == "foreign-affairs" && v["recommendation"] == "refuse"));
    assert!(views
        .iter()
        .any(|v| v["review"] == "defence" && v["recommendation"] == "approve"));
    // Inform is no view: it conflicts with nothing, but is recorded.
    assert!(case["advice"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["advice"]["recommendation"] == "inform"));
    // Exporters never see advice or its conflicts.
    let mine = t.get(&w.exporter, &case_path(&id)).await.ok();
    assert!(mine.get("advice_conflicts").is_none() && mine.get("advice").is_none());

    // Advice that no licence is required, against approval, conflicts on the whole case.
    let other = t.case(&w).to("FR").under_review().await;
    // Asking again for a kind already asked is a no-op.
    t.post(
        &w.officer,
        &path(&other, "advice-requests"),
        json!({"reviews": ["foreign-affairs", "defence"]}),
    )
    .await
    .ok();
    let c = t.get(&w.officer, &case_path(&other)).await.ok();
    t.post(
        &w.fa,
        &path(&other, "advice"),
        json!({"recommendation": "no-licence-required", "text": "not controlled in our view"}),
    )
    .await
    .ok();
    t.advise_all(&w, &c).await;
    let c = t.get(&w.officer, &case_path(&other)).await.ok();
    let conflicts = c["advice_conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(conflicts[0].get("target").is_none(), "the whole case");
}
