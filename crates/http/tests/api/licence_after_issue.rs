//! Issue 12, "the licence after issue": the lifecycle gaps (revoke and expire from `suspended`, the exporter
//! surrenders an issued licence, the exporter withdraws a case under review or awaiting its answer).

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    a_suspended_licence_is_revoked_with_its_revocation_denial,
    a_suspended_licence_expires,
    the_exporter_surrenders_an_issued_licence,
    the_exporter_withdraws_a_case_under_review_or_awaiting_it,
);

async fn case(t: &TestApp, w: &World, id: &str) -> Value {
    t.get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok()
}

/// An issued marketing licence for the secret product to `dest`; returns (case id, licence number).
async fn issued(t: &TestApp, w: &World, dest: &str) -> (String, String) {
    let c = t.submitted_ml(w, &w.secret_product, dest).await;
    let id = c["id"].as_str().unwrap().to_string();
    let c = t.approve_and_issue(w, &id, json!([])).await;
    assert_eq!(c["state"], "issued", "{c}");
    let number = c["licence_issued"]["number"].as_str().unwrap().to_string();
    (id, number)
}

async fn public_state(t: &TestApp, number: &str) -> Value {
    t.raw(
        "GET",
        None,
        &format!("/api/v1/public/licences/{number}"),
        None,
    )
    .await
    .ok()["state"]
        .clone()
}

async fn a_suspended_licence_is_revoked_with_its_revocation_denial(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (id, number) = issued(&t, &w, "BR").await;
    let step = |a: &str| format!("/api/v1/applications/{id}/{a}");
    t.post(&w.officer, &step("suspend"), json!({"reason": "inquiry"}))
        .await
        .ok();
    // Only an officer revokes; the exporter is refused by role before anything changes.
    let r = t
        .post(&w.exporter, &step("revoke"), json!({"reason": "no"}))
        .await;
    r.problem(403);
    let c = t
        .post(
            &w.officer,
            &step("revoke"),
            json!({"reason": "misuse confirmed"}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "revoked");
    let h = c["history"].as_array().unwrap();
    let last = h.last().unwrap();
    assert_eq!(last["from"], "suspended");
    assert_eq!(last["to"], "revoked");
    assert_eq!(last["reason"], "misuse confirmed");
    // The licence record follows; the public check says revoked.
    let l = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(l["state"], "revoked", "{l}");
    assert_eq!(public_state(&t, &number).await, "revoked");
    // The denials module's outgoing revocation: a revocation denial in force, the suspension's denial ended
    // with a final assessment, and the notifications to the regime partners.
    let own: Vec<Value> = t
        .get(&w.officer, "/api/v1/denials?limit=500")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["own"] == true)
        .cloned()
        .collect();
    let status = |event: &str| {
        own.iter()
            .find(|d| d["event"] == event)
            .map(|d| d["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {event} denial in {own:?}"))
    };
    assert_eq!(status("suspension"), "revoked", "the suspension ended");
    assert_eq!(status("revocation"), "in-force");
    let ns = t
        .get(&w.officer, "/api/v1/denials/notifications?since=2026-01-01")
        .await
        .ok();
    let kinds: Vec<&str> = ns
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["suspension", "final-assessment", "revocation"],
        "{ns}"
    );
    // Revoked is final: no second revocation, no reinstatement.
    let again = t
        .post(&w.officer, &step("reinstate"), json!({"reason": "x"}))
        .await;
    again.problem(409);
}

async fn a_suspended_licence_expires(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (id, number) = issued(&t, &w, "BR").await;
    let (other, _) = issued(&t, &w, "MX").await;
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/suspend"),
        json!({"reason": "inquiry"}),
    )
    .await
    .ok();
    let c = case(&t, &w, &id).await;
    let until: chrono::NaiveDate = c["licence_issued"]["valid_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Approved without a valid-until condition: valid through the same day two years after the day of issue
    // (with a condition, its date: `licence_life`).
    assert_eq!(
        Some(until),
        t.app.today().checked_add_months(chrono::Months::new(24)),
        "{c}"
    );
    // Not before the validity ends.
    assert_eq!(t.app.expire_due(until).await.unwrap(), 0);
    assert_eq!(case(&t, &w, &id).await["state"], "suspended");
    // The day after: the suspended licence and the issued one both expire.
    let day_after = until.succ_opt().unwrap();
    assert_eq!(t.app.expire_due(day_after).await.unwrap(), 2);
    let c = case(&t, &w, &id).await;
    assert_eq!(c["state"], "expired");
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "suspended");
    assert_eq!(case(&t, &w, &other).await["state"], "expired");
    assert_eq!(public_state(&t, &number).await, "expired");
    // The exporter was told.
    let ns = t
        .get(&w.exporter, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(
        ns.as_array()
            .unwrap()
            .iter()
            .any(|n| n["event"] == "licence.expired" && n["record_id"] == id.as_str()),
        "{ns}"
    );
    // The suspension's denial ended with the expiry, and the partners were told the final assessment.
    let own: Vec<Value> = t
        .get(&w.officer, "/api/v1/denials?limit=500")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["own"] == true)
        .cloned()
        .collect();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["event"], "suspension");
    assert_eq!(own[0]["status"], "revoked");
    let ns = t
        .get(&w.officer, "/api/v1/denials/notifications?since=2026-01-01")
        .await
        .ok();
    let last = ns.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "final-assessment");
    assert_eq!(last["outcome"], "expired");
    // Idempotent: nothing left to expire.
    assert_eq!(t.app.expire_due(day_after).await.unwrap(), 0);
}

async fn the_exporter_surrenders_an_issued_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (id, number) = issued(&t, &w, "BR").await;
    let step = format!("/api/v1/applications/{id}/surrender");
    // Not the officer, not another organisation (which cannot even see the case).
    t.post(&w.officer, &step, json!({})).await.problem(403);
    t.post(&w.exporter2, &step, json!({})).await.problem(404);
    let head = t.audit_head().await;
    // Bad input changes nothing.
    let bad = t
        .post(&w.exporter, &step, json!({"reason": "x".repeat(2001)}))
        .await;
    assert_eq!(bad.problem(422)["field"], "reason");
    assert_eq!(t.audit_head().await, head);
    let c = t
        .post(
            &w.exporter,
            &step,
            json!({"reason": "the deal fell through"}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "surrendered");
    let l = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(l["state"], "surrendered");
    assert_eq!(public_state(&t, &number).await, "surrendered");
    // The licence listing filters by the new state.
    let ls = t
        .get(&w.officer, "/api/v1/licences?state=surrendered")
        .await
        .ok();
    assert_eq!(ls.as_array().unwrap().len(), 1);
    // The officer of the case is told.
    let ns = t
        .get(&w.officer, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(
        ns.as_array()
            .unwrap()
            .iter()
            .any(|n| n["event"] == "licence.surrendered"),
        "{ns}"
    );
    // Surrendered is final; a suspended licence cannot be surrendered.
    t.post(&w.exporter, &step, json!({})).await.problem(409);
    let (sid, _) = issued(&t, &w, "MX").await;
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{sid}/suspend"),
        json!({"reason": "inquiry"}),
    )
    .await
    .ok();
    let r = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{sid}/surrender"),
            json!({}),
        )
        .await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("only possible in state issued"),
        "{}",
        r.body
    );
    // An expiry does not touch a surrendered licence.
    assert_eq!(
        t.app
            .expire_due(chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap())
            .await
            .unwrap(),
        1,
        "only the suspended one"
    );
    assert_eq!(case(&t, &w, &id).await["state"], "surrendered");
}

async fn the_exporter_withdraws_a_case_under_review_or_awaiting_it(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Under review.
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    // The officer may not withdraw for the exporter.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/withdraw"),
        json!({}),
    )
    .await
    .problem(403);
    let c = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/withdraw"),
            json!({"reason": "customer cancelled"}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "withdrawn");
    let ns = t
        .get(&w.officer, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(
        ns.as_array()
            .unwrap()
            .iter()
            .any(|n| n["event"] == "case.withdrawn" && n["record_id"] == id.as_str()),
        "the assigned officer is told: {ns}"
    );
    // No longer in the officer's queue.
    let mine = t.get(&w.officer, "/api/v1/queues/mine").await.ok();
    assert!(!mine
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == id.as_str()));

    // Awaiting the exporter: the clock stops for good at withdrawal.
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id2 = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id2}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id2}/information-requests"),
        json!({"question": "Who is the end user?"}),
    )
    .await
    .ok();
    let c = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id2}/withdraw"),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "withdrawn");
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "awaiting-exporter");

    // A decided case is not withdrawn.
    let (issued_id, _) = issued(&t, &w, "DE").await;
    let r = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{issued_id}/withdraw"),
            json!({}),
        )
        .await;
    r.refused(
        409,
        "draft, submitted, under-review, awaiting-exporter or returned-for-editing",
    );
}
