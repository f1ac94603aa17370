//! Final advice and countersigning (issue 12) through the API, on both backends: the count from policy (one,
//! or two with a senior officer), each separation-of-duties refusal (403 naming the rule, nothing changed),
//! return and redraft invalidating countersignatures, decisions only as advised, concurrent countersigning
//! (one wins, the other 409), officers' grades, and one audit event per change.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    one_countersignature_for_a_cyber_item_then_the_decision,
    two_countersignatures_the_second_by_a_senior_officer,
    separation_of_duties_refusals_name_the_rule,
    return_and_redraft_invalidate_countersignatures,
    concurrent_countersignatures_one_wins,
    refusal_and_no_licence_required_follow_the_advice,
    grades_are_set_by_administrators_and_audited,
);

fn path(id: &str, action: &str) -> String {
    format!("/api/v1/applications/{id}/{action}")
}

fn case_path(id: &str) -> String {
    format!("/api/v1/applications/{id}")
}

/// A marketing case of the secret (cyber-surveillance) product to `dest`, assigned to `w.officer`, every
/// advice in: ready for final advice.
async fn ready(t: &TestApp, w: &World, dest: &str) -> String {
    let id = t.case(w).to(dest).under_review().await;
    let case = t.get(&w.officer, &case_path(&id)).await.ok();
    t.advise_all(w, &case).await;
    id
}

/// Drafts final advice to approve (with `reason`) as `w.officer` and submits it for countersigning; answers
/// the submitted case.
async fn submitted_approval(t: &TestApp, w: &World, id: &str, reason: &str) -> Value {
    t.post(
        &w.officer,
        &path(id, "final-advice"),
        json!({"outcome": "approve", "reason": reason}),
    )
    .await
    .ok();
    t.post(&w.officer, &path(id, "final-advice/submit"), json!({}))
        .await
        .ok()
}

fn accept() -> Value {
    json!({"decision": "accept"})
}

/// The audit actions recorded for case `id`, in order.
async fn actions(t: &TestApp, w: &World, id: &str) -> Vec<String> {
    let log = t
        .get(&w.auditor, &format!("/api/v1/audit?record={id}"))
        .await
        .ok();
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts that `r` is a 403 naming `rule`, and that it changed nothing.
async fn refused_by(t: &TestApp, r: Resp, rule: &str, head: i64) {
    let detail = r.problem(403)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains(&format!("separation of duties ({rule})")),
        "{detail}"
    );
    assert_eq!(t.audit_head().await, head, "a refusal writes nothing");
}

async fn one_countersignature_for_a_cyber_item_then_the_decision(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // France is tier 1 and the end user is law enforcement: only the cyber-surveillance rule holds.
    let id = ready(&t, &w, "FR").await;
    let before = actions(&t, &w, &id).await.len();

    // The policy wants a countersignature: no decision straight from under review.
    let r = t
        .post(&w.officer, &path(&id, "approve"), json!({"reason": "ok"}))
        .await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("needs 1 countersignature(s)")
            && detail.contains("countersign-cyber-surveillance"),
        "{detail}"
    );

    let conditions =
        json!([{"type": "reporting-obligation", "every_months": 6, "text": "report deployments"}]);
    let drafted = t
        .post(
            &w.officer,
            &path(&id, "final-advice"),
            json!({"outcome": "approve", "reason": "safeguards adequate", "conditions": conditions}),
        )
        .await
        .ok();
    assert_eq!(drafted["state"], "final-review");
    assert_eq!(drafted["final_advice"]["revision"], 1);
    assert_eq!(drafted["final_advice"]["drafted_by_username"], "off1");
    let submitted = t
        .post(&w.officer, &path(&id, "final-advice/submit"), json!({}))
        .await
        .ok();
    assert_eq!(submitted["state"], "countersigning");
    assert_eq!(submitted["countersigning"]["count"], 1);
    assert_eq!(submitted["countersigning"]["senior"], false);
    assert_eq!(
        submitted["countersigning"]["rules"][0]["id"],
        "countersign-cyber-surveillance"
    );
    // The exporter sees the state, never the final advice or who countersigns.
    let mine = t.get(&w.exporter, &case_path(&id)).await.ok();
    assert_eq!(mine["state"], "countersigning");
    assert!(mine.get("final_advice").is_none() && mine.get("countersignatures").is_none());

    let r = t
        .post(&w.officer, &path(&id, "approve"), json!({"reason": "ok"}))
        .await;
    r.refused(409, "0 of the 1 countersignature(s)");
    let signed = t
        .post(&w.officer2, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    assert_eq!(signed["state"], "countersigning");
    assert_eq!(signed["countersignatures"][0]["by_username"], "off2");
    assert_eq!(signed["countersignatures"][0]["decision"], "accept");
    // The decision carries the countersigned advice's conditions; other conditions are refused.
    let r = t
        .post(
            &w.officer,
            &path(&id, "approve"),
            json!({"reason": "ok", "conditions": [{"type": "text", "text": "something else"}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "conditions");
    let approved = t
        .post(
            &w.officer,
            &path(&id, "approve"),
            json!({"reason": "as advised"}),
        )
        .await
        .ok();
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decision"]["conditions"], conditions);
    let issued = t
        .post(&w.officer, &path(&id, "issue"), json!({}))
        .await
        .ok();
    assert_eq!(issued["state"], "issued");

    // Exactly one audit event per change, in order.
    let log = actions(&t, &w, &id).await;
    assert_eq!(
        log[before..],
        [
            "draft-final-advice",
            "submit-final-advice",
            "countersign-final-advice",
            "approve-application",
            "issue-licence"
        ]
    );
}

async fn two_countersignatures_the_second_by_a_senior_officer(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let officer3 = t.user("off3", "officer", None, None).await;
    // Brazil takes the default assessment, tier 3: two countersignatures, the second a senior officer's.
    let id = ready(&t, &w, "BR").await;
    let submitted = submitted_approval(&t, &w, &id, "safeguards adequate").await;
    assert_eq!(submitted["countersigning"]["count"], 2);
    assert_eq!(submitted["countersigning"]["senior"], true);
    let rules: Vec<&str> = submitted["countersigning"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["countersign-cyber-surveillance", "countersign-senior"]
    );
    assert!(submitted["countersigning"]["rules"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("tier=3"));

    // The first may be anyone eligible; the last must be a senior officer.
    t.post(&w.officer2, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    let head = t.audit_head().await;
    let r = t
        .post(&officer3, &path(&id, "countersignatures"), accept())
        .await;
    refused_by(&t, r, "senior-countersignature", head).await;
    let r = t
        .post(&w.officer, &path(&id, "approve"), json!({"reason": "ok"}))
        .await;
    r.refused(409, "1 of the 2 countersignature(s)");
    let senior = t.senior_officer().await;
    let signed = t
        .post(&senior, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    assert_eq!(signed["countersignatures"][1]["senior"], true);
    // Complete: a further countersignature is a conflict, not a third signature.
    let r = t
        .post(&officer3, &path(&id, "countersignatures"), accept())
        .await;
    r.problem(409);
    let approved = t
        .post(
            &w.officer,
            &path(&id, "approve"),
            json!({"reason": "as advised"}),
        )
        .await
        .ok();
    assert_eq!(approved["state"], "approved");
}

async fn separation_of_duties_refusals_name_the_rule(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let hr2 = t.user("hr2", "adviser", Some("human-rights"), None).await;
    let id = ready(&t, &w, "BR").await;
    submitted_approval(&t, &w, &id, "safeguards adequate").await;
    let cs = path(&id, "countersignatures");
    let head = t.audit_head().await;

    // The drafter does not countersign (nor return) its own advice.
    refused_by(
        &t,
        t.post(&w.officer, &cs, accept()).await,
        "countersigner-not-drafter",
        head,
    )
    .await;
    refused_by(
        &t,
        t.post(
            &w.officer,
            &cs,
            json!({"decision": "return", "reasons": "mine"}),
        )
        .await,
        "countersigner-not-drafter",
        head,
    )
    .await;
    // An adviser who advised on the case does not countersign it.
    refused_by(
        &t,
        t.post(&w.hr, &cs, accept()).await,
        "adviser-not-countersigner",
        head,
    )
    .await;
    // Another adviser of the same kind who did not advise may; the same person does not sign twice.
    let signed = t.post(&hr2, &cs, accept()).await.ok();
    assert_eq!(signed["countersignatures"][0]["role"], "adviser");
    let head = t.audit_head().await;
    refused_by(
        &t,
        t.post(&hr2, &cs, accept()).await,
        "countersigners-differ",
        head,
    )
    .await;
    // A return needs its reasons (422 naming the field, nothing changed).
    let senior = t.senior_officer().await;
    let head = t.audit_head().await;
    let r = t.post(&senior, &cs, json!({"decision": "return"})).await;
    assert_eq!(r.problem(422)["field"], "reasons");
    assert_eq!(t.audit_head().await, head);
    // Outside countersigning there is nothing to countersign (409 saying where it is possible).
    let other = t.case(&w).to("FR").under_review().await;
    let r = t
        .post(&w.officer2, &path(&other, "countersignatures"), accept())
        .await;
    assert!(r.problem(409)["detail"]
        .as_str()
        .unwrap()
        .starts_with("cannot countersign a case in state under-review"));
    // An exporter never countersigns.
    t.post(&w.exporter, &cs, accept()).await.problem(403);
}

async fn return_and_redraft_invalidate_countersignatures(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let officer3 = t.user("off3", "officer", None, None).await;
    let senior = t.senior_officer().await;
    let id = ready(&t, &w, "BR").await;
    let cs = path(&id, "countersignatures");
    submitted_approval(&t, &w, &id, "safeguards adequate").await;
    t.post(&w.officer2, &cs, accept()).await.ok();
    // The senior officer returns it with reasons: final review reopens.
    let returned = t
        .post(
            &senior,
            &cs,
            json!({"decision": "return", "reasons": "add a reporting obligation"}),
        )
        .await
        .ok();
    assert_eq!(returned["state"], "final-review");
    assert_eq!(returned["countersignatures"][1]["decision"], "return");
    assert_eq!(
        returned["countersignatures"][1]["reasons"],
        "add a reporting obligation"
    );
    // Nobody countersigns in final review.
    t.post(&officer3, &cs, accept()).await.problem(409);

    // Another officer takes the case and redrafts: a new revision; the earlier countersignature stays,
    // marked invalidated.
    t.post(&officer3, &path(&id, "assign"), json!({}))
        .await
        .ok();
    let conditions =
        json!([{"type": "reporting-obligation", "every_months": 3, "text": "report deployments"}]);
    let redrafted = t
        .post(
            &officer3,
            &path(&id, "final-advice"),
            json!({"outcome": "approve", "reason": "with reporting", "conditions": conditions}),
        )
        .await
        .ok();
    assert_eq!(redrafted["state"], "final-review");
    assert_eq!(redrafted["final_advice"]["revision"], 2);
    let first = &redrafted["countersignatures"][0];
    assert_eq!(first["by_username"], "off2");
    assert!(first["invalidated_at"].is_string(), "{redrafted}");
    t.post(&officer3, &path(&id, "final-advice/submit"), json!({}))
        .await
        .ok();

    // Both drafters are out, also the first one after the redraft by another.
    let head = t.audit_head().await;
    refused_by(
        &t,
        t.post(&w.officer, &cs, accept()).await,
        "countersigner-not-drafter",
        head,
    )
    .await;
    refused_by(
        &t,
        t.post(&officer3, &cs, accept()).await,
        "countersigner-not-drafter",
        head,
    )
    .await;
    // The invalidated countersignature counts for nothing: off2 signs the new revision as the first, and
    // may not also be the second.
    let again = t.post(&w.officer2, &cs, accept()).await.ok();
    assert_eq!(again["countersignatures"][2]["revision"], 2);
    let head = t.audit_head().await;
    refused_by(
        &t,
        t.post(&w.officer2, &cs, accept()).await,
        "countersigners-differ",
        head,
    )
    .await;
    t.post(&senior, &cs, accept()).await.ok();
    let approved = t
        .post(
            &officer3,
            &path(&id, "approve"),
            json!({"reason": "as advised"}),
        )
        .await
        .ok();
    assert_eq!(approved["decision"]["conditions"], conditions);
    let log = actions(&t, &w, &id).await;
    for (action, n) in [
        ("draft-final-advice", 1),
        ("edit-final-advice", 1),
        ("submit-final-advice", 2),
        ("return-final-advice", 1),
        ("countersign-final-advice", 3),
    ] {
        assert_eq!(
            log.iter().filter(|a| *a == action).count(),
            n,
            "{action}: {log:?}"
        );
    }
}

async fn concurrent_countersignatures_one_wins(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let officer3 = t.user("off3", "officer", None, None).await;
    // The countersignatures race on purpose (the audit probe would send them one at a time).
    t.race_freely();
    for round in 0..4 {
        let pinned = round % 2 == 0;
        // One countersignature needed (France, law enforcement): two countersigners at once.
        let id = ready(&t, &w, "FR").await;
        let c = submitted_approval(&t, &w, &id, "fine").await;
        let version = c["version"].as_i64().unwrap();
        let mut body = accept();
        if pinned {
            body["expected_version"] = json!(version);
        }
        let cs = path(&id, "countersignatures");
        let (a, r) = tokio::join!(
            t.post(&w.officer2, &cs, body.clone()),
            t.post(&officer3, &cs, body.clone())
        );
        let mut statuses = [a.status, r.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {} {}", a.body, r.body);
        let stored = t.get(&w.officer, &case_path(&id)).await.ok();
        assert_eq!(stored["countersignatures"].as_array().unwrap().len(), 1);
        assert_eq!(stored["version"].as_i64().unwrap(), version + 1);
        let log = actions(&t, &w, &id).await;
        assert_eq!(
            log.iter()
                .filter(|a| *a == "countersign-final-advice")
                .count(),
            1,
            "round {round}: {log:?}"
        );
    }
}

async fn refusal_and_no_licence_required_follow_the_advice(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Final advice to refuse: bad input names the field.
    let id = ready(&t, &w, "FR").await;
    let fa = path(&id, "final-advice");
    let head = t.audit_head().await;
    for (body, field) in [
        (json!({"outcome": "refuse", "reason": "risk"}), "criteria"),
        (
            json!({"outcome": "refuse", "reason": "risk", "criteria": ["criterion-9"]}),
            "criteria[0]",
        ),
        (
            json!({"outcome": "approve", "reason": "ok", "criteria": ["criterion-2"]}),
            "criteria",
        ),
        (
            json!({"outcome": "no-licence-required", "reason": "ok", "conditions": [{"type": "text", "text": "x"}]}),
            "conditions",
        ),
        (json!({"outcome": "maybe", "reason": "ok"}), "outcome"),
        (json!({"outcome": "approve", "reason": " "}), "reason"),
    ] {
        let r = t.post(&w.officer, &fa, body.clone()).await;
        assert_eq!(r.problem(422)["field"], field, "{body}");
    }
    assert_eq!(t.audit_head().await, head);
    // Only the assigned officer drafts.
    t.post(
        &w.officer2,
        &fa,
        json!({"outcome": "refuse", "reason": "risk", "criteria": ["criterion-2"]}),
    )
    .await
    .problem(403);
    t.post(
        &w.officer,
        &fa,
        json!({"outcome": "refuse", "reason": "risk of misuse", "criteria": ["criterion-2"]}),
    )
    .await
    .ok();
    t.post(&w.officer, &path(&id, "final-advice/submit"), json!({}))
        .await
        .ok();
    t.post(&w.officer2, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    // The decision follows the advice: no approval of advice to refuse.
    let r = t
        .post(&w.officer, &path(&id, "approve"), json!({"reason": "ok"}))
        .await;
    r.refused(409, "the final advice is to refuse");
    let refused = t
        .post(
            &w.officer,
            &path(&id, "refuse"),
            json!({"reason": "as advised", "criteria": []}),
        )
        .await
        .ok();
    assert_eq!(refused["state"], "refused");
    assert_eq!(refused["decision"]["criteria"], json!(["criterion-2"]));

    // No licence required, as advised and countersigned.
    let id = ready(&t, &w, "FR").await;
    t.post(
        &w.officer,
        &path(&id, "final-advice"),
        json!({"outcome": "no-licence-required", "reason": "not controlled for this end use"}),
    )
    .await
    .ok();
    t.post(&w.officer, &path(&id, "final-advice/submit"), json!({}))
        .await
        .ok();
    t.post(&w.officer, &path(&id, "no-licence-required"), json!({}))
        .await
        .problem(409);
    t.post(&w.officer2, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    let done = t
        .post(
            &w.officer,
            &path(&id, "no-licence-required"),
            json!({"reason": "as advised"}),
        )
        .await
        .ok();
    assert_eq!(done["state"], "no-licence-required");
    let mine = t.get(&w.exporter, &case_path(&id)).await.ok();
    assert_eq!(mine["state"], "no-licence-required");
    assert_eq!(
        actions(&t, &w, &id).await.last().map(String::as_str),
        Some("conclude-no-licence-required")
    );
}

async fn grades_are_set_by_administrators_and_audited(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let users = t.get(&t.admin, "/api/v1/users?limit=100").await.ok();
    let uid = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (off2, hr) = (uid("off2"), uid("hr1"));
    let grade = |id: &str| format!("/api/v1/users/{id}/grade");
    let body = json!({"grade": "senior", "reason": "promoted"});
    let head = t.audit_head().await;
    t.put_json(&w.officer, &grade(&off2), body.clone())
        .await
        .problem(403);
    let r = t.put_json(&t.admin, &grade(&hr), body.clone()).await;
    assert_eq!(r.problem(422)["field"], "grade");
    let r = t
        .put_json(
            &t.admin,
            &grade(&off2),
            json!({"grade": "chief", "reason": "x"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "grade");
    let r = t
        .put_json(
            &t.admin,
            &grade(&off2),
            json!({"grade": "senior", "reason": ""}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    assert_eq!(t.audit_head().await, head);

    let before = t.get(&t.admin, &format!("/api/v1/users/{off2}")).await.ok();
    assert_eq!(before["grade"], "standard");
    let after = t.put_json(&t.admin, &grade(&off2), body.clone()).await.ok();
    assert_eq!(after["grade"], "senior");
    assert!(t
        .get(&t.admin, &format!("/api/v1/users/{hr}"))
        .await
        .ok()
        .get("grade")
        .is_none());
    // Again: nothing to change.
    t.put_json(&t.admin, &grade(&off2), body).await.problem(409);
    let log = t
        .get(&w.auditor, &format!("/api/v1/audit?record={off2}"))
        .await
        .ok();
    let events: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "set-user-grade")
        .collect();
    assert_eq!(events.len(), 1, "{log}");
    assert_eq!(events[0]["reason"], "promoted");
    // The senior grade counts at once: off2 may give the senior countersignature.
    let id = ready(&t, &w, "BR").await;
    submitted_approval(&t, &w, &id, "ok").await;
    let officer3 = t.user("off3", "officer", None, None).await;
    t.post(&officer3, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    let signed = t
        .post(&w.officer2, &path(&id, "countersignatures"), accept())
        .await
        .ok();
    assert_eq!(signed["countersignatures"][1]["senior"], true);
}
