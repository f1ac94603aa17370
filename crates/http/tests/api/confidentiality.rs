//! What each role may see of a case: every response an exporter can receive carries no screening detail, no
//! advice and no id of the authority's staff; an adviser sees only its own kind of advice; identity rules
//! (disabling, enrolment instead of tokens minted by tokens or administrators, auditors change nothing).

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

both_backends!(
    exporter_responses_carry_nothing_internal,
    adviser_sees_only_its_own_kind_of_advice,
    disabling_a_user_revokes_its_tokens_at_once,
    tokens_come_from_enrolment_only,
    exporter_monitoring_views_carry_nothing_internal,
);

/// Keys that name internal content: screening detail, advice, staff ids.
const INTERNAL_KEYS: &[&str] = &[
    "screening",
    "screened_with",
    "listed_name",
    "primary_name",
    "score",
    "explanation",
    "source_id",
    "advice",
    "checklist",
    "red_flags",
    "requested_by",
    "advised_by",
    "asked_by",
    "decided_by",
    "classified_by",
    "assigned_to",
    "by",
    "determination",
    "request",
    "required_reviews",
];

/// Fails if `body` (one exporter-visible response) names internal content or any of `staff_ids`.
#[track_caller]
fn assert_exporter_safe(what: &str, body: &Value, staff_ids: &[String]) {
    let mut k = BTreeSet::new();
    keys(body, &mut k);
    let bad: Vec<&&str> = INTERNAL_KEYS.iter().filter(|x| k.contains(**x)).collect();
    assert!(bad.is_empty(), "{what}: internal fields {bad:?} in {body}");
    let text = body.to_string();
    for id in staff_ids {
        assert!(
            !text.contains(id.as_str()),
            "{what}: staff id {id} in {body}"
        );
    }
    for listed in ["IQi.001", "un-sc"] {
        assert!(
            !text.to_lowercase().contains(&listed.to_lowercase()),
            "{what}: screening detail {listed:?} in {body}"
        );
    }
}

async fn user_id(t: &TestApp, token: &str) -> String {
    t.get(token, "/api/v1/me").await.ok()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn exporter_responses_carry_nothing_internal(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/un-sc-xml",
        Some(("application/octet-stream", un_list())),
    )
    .await
    .ok();
    let mut staff = Vec::new();
    for tok in [
        &w.officer,
        &w.officer2,
        &w.hr,
        &w.defence,
        &w.fa,
        &w.cyber,
        &t.admin,
    ] {
        staff.push(user_id(&t, tok).await);
    }
    let mut seen: Vec<(String, Value)> = Vec::new();

    // A marketing application whose prospective end user is on the UN list: the submission finds a hit.
    let mut body = ml_body(&w.secret_product, "MX");
    body["marketing"]["end_users"][0]["name"] = json!("Saddam Hussein al-Tikriti");
    let created = t.post(&w.exporter, "/api/v1/applications", body).await.ok();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["view"], "exporter");
    let submitted = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
        .ok();
    seen.push(("submit".into(), submitted.clone()));

    // The officer sees the hit and the advice requests; the exporter sees neither.
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(internal["view"], "internal");
    assert!(
        !internal["screening"].as_array().unwrap().is_empty(),
        "the fixture must produce a screening hit: {internal}"
    );
    assert!(!internal["advice"].as_array().unwrap().is_empty());

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
        json!({"question": "Who operates the system?"}),
    )
    .await
    .ok();
    t.advise_all(&w, &internal).await;
    let asked = t
        .get(&w.exporter, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(
        asked["information_requests"][0]["question"],
        "Who operates the system?"
    );
    // With the request's deadline (issue 12: the policy's working days).
    assert_eq!(
        asked["awaiting_exporter"][0],
        format!(
            "answer the open information request by {}",
            asked["information_requests"][0]["due_on"].as_str().unwrap()
        )
    );
    seen.push(("get while awaiting".into(), asked));
    let answered = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/responses"),
            json!({"answer": "The federal police's own staff."}),
        )
        .await
        .ok();
    seen.push(("respond".into(), answered));

    // A second case taken to an issued licence: decision and licence are visible, the deciding officer is not.
    let issued = t.submitted_ml(&w, &w.restricted_product, "DE").await;
    let iid = issued["id"].as_str().unwrap().to_string();
    seen.push(("submit (second case)".into(), issued.clone()));
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{iid}/assign"),
        json!({}),
    )
    .await
    .ok();
    let internal2 = t
        .get(&w.officer, &format!("/api/v1/applications/{iid}"))
        .await
        .ok();
    t.advise_all(&w, &internal2).await;
    t.decide(&w, &iid, "approve", json!({"reason": "criteria met"}))
        .await
        .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{iid}/issue"),
        json!({}),
    )
    .await
    .ok();
    let licence = t
        .get(&w.exporter, &format!("/api/v1/applications/{iid}"))
        .await
        .ok();
    assert_eq!(licence["state"], "issued");
    assert_eq!(licence["decision"]["reason"], "criteria met");
    assert!(licence["licence_issued"]["number"].is_string());
    seen.push(("get issued".into(), licence));

    // Lists, the exporter's other records, and the hits endpoint.
    let list = t.get(&w.exporter, "/api/v1/applications").await.ok();
    assert_eq!(list.as_array().unwrap().len(), 2);
    seen.push(("list".into(), list));
    seen.push((
        "registrations".into(),
        t.get(&w.exporter, "/api/v1/registrations").await.ok(),
    ));
    seen.push((
        "products".into(),
        t.get(&w.exporter, "/api/v1/products").await.ok(),
    ));
    let withdrawn = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/withdraw"),
            json!({"reason": "deal cancelled"}),
        )
        .await;
    if withdrawn.status == 200 {
        seen.push(("withdraw".into(), withdrawn.body));
    }
    t.get(
        &w.exporter,
        &format!("/api/v1/applications/{id}/screening-hits"),
    )
    .await
    .problem(404);

    for (what, body) in &seen {
        assert_exporter_safe(what, body, &staff);
    }
    // The check itself can fail: the officer's view of the same case is not exporter-safe.
    let caught =
        std::panic::catch_unwind(|| assert_exporter_safe("officer view", &internal, &staff));
    assert!(caught.is_err(), "the internal view must trip the check");
}

async fn adviser_sees_only_its_own_kind_of_advice(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let kinds: BTreeSet<&str> = internal["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["review"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("human-rights") && kinds.len() >= 2,
        "fixture needs several advice kinds: {kinds:?}"
    );
    t.advise_all(&w, &internal).await;
    let hr = t
        .get(&w.hr, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(hr["view"], "adviser");
    let advice = hr["advice"].as_array().unwrap();
    assert!(!advice.is_empty());
    assert!(advice.iter().all(|a| a["review"] == "human-rights"), "{hr}");
    assert!(
        hr.get("screening").is_none() && hr.get("assigned_to").is_none(),
        "{hr}"
    );
    // The list answers the same view.
    let listed = t.get(&w.hr, "/api/v1/applications").await.ok();
    assert_eq!(listed[0]["view"], "adviser");
    assert!(listed[0]["advice"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["review"] == "human-rights"));
}

async fn disabling_a_user_revokes_its_tokens_at_once(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let uid = user_id(&t, &w.officer).await;
    let head = t.audit_head().await;
    // Only administrators disable; a reason is required.
    t.post(
        &w.officer2,
        &format!("/api/v1/users/{uid}/disable"),
        json!({"reason": "left"}),
    )
    .await
    .problem(403);
    assert_eq!(
        t.post(&t.admin, &format!("/api/v1/users/{uid}/disable"), json!({}))
            .await
            .problem(422)["field"],
        "reason"
    );
    assert_eq!(
        t.audit_head().await,
        head,
        "rejected requests change nothing"
    );
    let u = t
        .post(
            &t.admin,
            &format!("/api/v1/users/{uid}/disable"),
            json!({"reason": "left the authority"}),
        )
        .await
        .ok();
    assert_eq!(u["disabled"], true);
    t.get(&w.officer, "/api/v1/me").await.problem(401);
    // Re-enabling does not revive old tokens: the user enrols again.
    t.post(
        &t.admin,
        &format!("/api/v1/users/{uid}/enable"),
        json!({"reason": "returned"}),
    )
    .await
    .ok();
    t.get(&w.officer, "/api/v1/me").await.problem(401);
    let e = t
        .post(
            &t.admin,
            &format!("/api/v1/users/{uid}/enrolment"),
            json!({}),
        )
        .await
        .ok();
    let fresh = t.enrol("off1", e["secret"].as_str().unwrap()).await;
    assert_eq!(user_id(&t, &fresh).await, uid);
    // The audit log names the token each change was made with.
    let events = t
        .get(&t.admin, &format!("/api/v1/audit?record={uid}"))
        .await
        .ok();
    let disable = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "disable-user")
        .expect("disable-user audited");
    assert!(disable["via"].is_string(), "{disable}");
    assert_eq!(disable["reason"], "left the authority");
}

async fn tokens_come_from_enrolment_only(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let me = user_id(&t, &w.exporter).await;
    // A token does not mint another token, and an administrator gets none for another user.
    for (who, tok) in [("self", &w.exporter), ("admin", &t.admin)] {
        let r = t
            .post(tok, &format!("/api/v1/users/{me}/tokens"), json!({}))
            .await;
        assert!(
            r.status == 403 || r.status == 404 || r.status == 405,
            "{who}: {} {}",
            r.status,
            r.body
        );
    }
    let created = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "newbie", "role": "officer"}),
        )
        .await
        .ok();
    assert!(created["token"].is_null(), "{created}");
    let secret = created["enrolment"]["secret"].as_str().unwrap().to_string();
    // The secret is one-time, bound to its user, and not itself a bearer token.
    t.get(&secret, "/api/v1/me").await.problem(401);
    let wrong_user = t
        .raw(
            "POST",
            None,
            "/api/v1/enrol",
            Some((
                "application/json",
                json!({"username": "exp1", "secret": secret})
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    wrong_user.problem(401);
    let token = t.enrol("newbie", &secret).await;
    t.get(&token, "/api/v1/me").await.ok();
    let again = t
        .raw(
            "POST",
            None,
            "/api/v1/enrol",
            Some((
                "application/json",
                json!({"username": "newbie", "secret": secret})
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    again.problem(401);
    // Token lifetime is capped by configuration (default maximum 90 days).
    let e = t
        .post(
            &t.admin,
            &format!("/api/v1/users/{}/enrolment", user_id(&t, &token).await),
            json!({}),
        )
        .await
        .ok();
    let long = t
        .raw(
            "POST",
            None,
            "/api/v1/enrol",
            Some((
                "application/json",
                json!({"username": "newbie", "secret": e["secret"], "days": 365})
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(long.problem(422)["field"], "days");
    // Auditors change nothing, their own tokens included.
    let tokens = t.get(&w.auditor, "/api/v1/tokens").await.ok();
    let aud = user_id(&t, &w.auditor).await;
    let own = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["user_id"] == aud.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.post(
        &w.auditor,
        &format!("/api/v1/tokens/{own}/revoke"),
        json!({}),
    )
    .await
    .problem(403);
}

/// Issue 17: what an exporter reads of monitoring — its reporting obligations, the end-use checks on its cases,
/// the outcome of a reassessment of its licence, its compliance audits — carries no evidence, findings, match
/// detail or staff id; evidence itself is never readable by an exporter.
async fn exporter_monitoring_views_carry_nothing_internal(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let mut staff = Vec::new();
    for tok in [&w.officer, &w.officer2, &w.hr, &t.admin] {
        staff.push(user_id(&t, tok).await);
    }
    let (case, _) = crate::monitoring::issued(
        &t,
        &w,
        "BR",
        json!([{"type": "reporting-obligation", "every_months": 6, "text": "report"}]),
    )
    .await;
    let check = t
        .post(
            &w.officer,
            "/api/v1/end-use-checks",
            json!({"kind": "post-shipment", "case_id": case, "party_name": "Federal Police",
                "party_country": "BR", "exporter_action": "visit"}),
        )
        .await
        .ok();
    t.post(
        &w.officer,
        &format!(
            "/api/v1/end-use-checks/{}/outcome",
            check["id"].as_str().unwrap()
        ),
        json!({"outcome": "refused", "findings": "SECRET-FINDING the site refused the visit"}),
    )
    .await
    .ok();
    let evidence = t
        .post(
            &w.hr,
            "/api/v1/evidence",
            json!({"source_kind": "internal", "source_name": "SECRET-SOURCE partner authority",
                "reported_on": "2026-01-02", "country": "BR", "end_user": "Federal Police",
                "capability": "monitoring", "link": "https://example.org/x", "summary": "SECRET-SUMMARY"}),
        )
        .await
        .ok();
    let r = evidence["links"][0]["reassessment_id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/reassessments/{r}/decision"),
        json!({"outcome": "new-conditions", "reason": "SECRET-REASON",
            "conditions": [{"type": "text", "text": "no remote access"}], "instruction": "restrict"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        "/api/v1/compliance-audits",
        json!({"org_id": w.org1, "kind": "desk", "risk_rating": "low", "scheduled_on": t.app.today(),
            "scope": "scope"}),
    )
    .await
    .ok();
    let mut seen = Vec::new();
    for path in [
        "/api/v1/reporting-obligations".to_string(),
        "/api/v1/end-use-checks".to_string(),
        "/api/v1/reassessments".to_string(),
        format!("/api/v1/reassessments/{r}"),
        "/api/v1/compliance-audits".to_string(),
        format!("/api/v1/organisations/{}/compliance-record", w.org1),
        "/api/v1/notifications".to_string(),
    ] {
        let body = t.get(&w.exporter, &path).await.ok();
        assert!(
            body.as_array().is_none_or(|a| !a.is_empty()),
            "{path}: {body}"
        );
        seen.push((path, body));
    }
    for (what, body) in &seen {
        assert_exporter_safe(what, body, &staff);
        let text = body.to_string();
        assert!(!text.contains("SECRET-"), "{what}: {text}");
        assert!(
            !text.contains(evidence["id"].as_str().unwrap()),
            "{what}: evidence id in {text}"
        );
    }
    let eid = evidence["id"].as_str().unwrap();
    t.get(&w.exporter, &format!("/api/v1/evidence/{eid}"))
        .await
        .problem(403);
}
