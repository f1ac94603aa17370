//! An application from draft to issued licence and beyond, through the API, with the rules that guard it.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(
    marketing_licence_from_draft_to_revocation,
    information_request_round_trip,
    export_licence_needs_a_marketing_authorisation,
    refusal_cites_criteria_and_advice_is_validated,
    tokens_list_and_revoke,
    prohibited_determination_blocks_approval,
);

async fn marketing_licence_from_draft_to_revocation(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let draft = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            ml_body(&w.secret_product, "BR"),
        )
        .await
        .ok();
    assert_eq!(draft["state"], "draft");
    assert!(draft["reference"].as_str().unwrap().starts_with("ML-"));
    let id = draft["id"].as_str().unwrap().to_string();
    let path = |a: &str| format!("/api/v1/applications/{id}/{a}");

    // Officer cannot approve a draft: 409 naming the current state.
    let r = t
        .post(&w.officer, &path("approve"), json!({"reason": "x"}))
        .await;
    assert_eq!(r.problem(409)["current_state"], "draft");

    let sub = t.post(&w.exporter, &path("submit"), json!({})).await.ok();
    assert_eq!(sub["state"], "submitted");
    assert_eq!(sub["view"], "exporter");
    assert!(sub.get("required_reviews").is_none(), "{sub}");
    // The internal detail is the officer's to read.
    let sub = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(sub["view"], "internal");
    assert_eq!(sub["policy_version"], "reference-2017.1");
    let reviews: Vec<&str> = sub["required_reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(reviews, ["human-rights", "defence"]);
    assert_eq!(sub["target_working_days"], 20);
    assert_eq!(sub["determinations"][0]["outcome"], "licence-required");
    assert!(!sub["determinations"][0]["determination"]["rules"]
        .as_array()
        .unwrap()
        .is_empty());

    // Queues: unassigned, then mine after assignment; awaiting advice.
    let q = t.get(&w.officer, "/api/v1/queues/unassigned").await.ok();
    assert!(q.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()));
    let a = t.post(&w.officer, &path("assign"), json!({})).await.ok();
    assert_eq!(a["state"], "under-review");
    let mine = t.get(&w.officer, "/api/v1/queues/mine").await.ok();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let theirs = t.get(&w.officer2, "/api/v1/queues/mine").await.ok();
    assert!(theirs.as_array().unwrap().is_empty());
    let aw = t
        .get(&w.officer, "/api/v1/queues/awaiting-advice")
        .await
        .ok();
    assert_eq!(aw[0]["pending_advice"], json!(["human-rights", "defence"]));

    // Cannot decide while required advice is missing.
    let r = t
        .post(&w.officer, &path("approve"), json!({"reason": "fine"}))
        .await;
    r.refused(409, "advice is missing");
    t.advise_all(&w, &a).await;
    let approved = t
        .decide(
            &w,
            &id,
            "approve",
            json!({"reason": "advice favourable", "conditions": [
            {"type": "reporting-obligation", "every_months": 6, "text": "report deployments"},
            {"type": "quantity-limit", "max": 10},
            {"type": "text", "text": "no resale"}]}),
        )
        .await
        .ok();
    assert_eq!(approved["state"], "approved");
    assert_eq!(
        approved["decision"]["conditions"].as_array().unwrap().len(),
        3
    );
    let issued = t.post(&w.officer, &path("issue"), json!({})).await.ok();
    assert_eq!(issued["state"], "issued");
    assert!(issued["licence_issued"]["number"]
        .as_str()
        .unwrap()
        .starts_with("L-ML-"));
    // Exporters cannot suspend; officers can, with a reason.
    t.post(&w.exporter, &path("suspend"), json!({"reason": "x"}))
        .await
        .problem(403);
    t.post(&w.officer, &path("suspend"), json!({}))
        .await
        .problem(422);
    assert_eq!(
        t.post(&w.officer, &path("suspend"), json!({"reason": "inquiry"}))
            .await
            .ok()["state"],
        "suspended"
    );
    assert_eq!(
        t.post(&w.officer, &path("reinstate"), json!({"reason": "cleared"}))
            .await
            .ok()["state"],
        "issued"
    );
    assert_eq!(
        t.post(&w.officer, &path("revoke"), json!({"reason": "misuse"}))
            .await
            .ok()["state"],
        "revoked"
    );
    let r = t
        .post(&w.officer, &path("reinstate"), json!({"reason": "x"}))
        .await;
    assert_eq!(r.problem(409)["current_state"], "revoked");

    // Every change is in the audit log, and the chain verifies.
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
    for want in [
        "create-application",
        "submit-application",
        "assign-case",
        "give-advice",
        "approve-application",
        "issue-licence",
        "suspend-licence",
        "reinstate-licence",
        "revoke-licence",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    let v = t.get(&w.auditor, "/api/v1/audit/verify").await.ok();
    assert!(v["first_bad_seq"].is_null());
    assert!(v["events"].as_i64().unwrap() > 20);
    t.get(&w.exporter, "/api/v1/audit").await.problem(403);
}

async fn information_request_round_trip(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let asked = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/information-requests"),
            json!({"question": "Who operates it?"}),
        )
        .await
        .ok();
    assert_eq!(asked["state"], "awaiting-exporter");
    // Not decidable while awaiting the exporter.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/approve"),
        json!({"reason": "x"}),
    )
    .await
    .refused(409, "cannot approve a case in state awaiting-exporter");
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "x"}),
    )
    .await
    .refused(403, "exporter");
    let answered = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/responses"),
            json!({"answer": "The police IT unit"}),
        )
        .await
        .ok();
    assert_eq!(answered["state"], "under-review");
    assert_eq!(
        answered["information_requests"][0]["answer"],
        "The police IT unit"
    );
    // The stopped clock's value, to the day, is `app` tests/clock.rs (controlled dates).
}

async fn export_licence_needs_a_marketing_authorisation(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Citing nothing valid: submission is rejected naming the field; the draft stays a draft.
    let el = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(
                &w.restricted_product,
                "DE",
                "ML-2026-999999",
                "Bundespolizei",
            ),
        )
        .await
        .ok();
    let id = el["id"].as_str().unwrap().to_string();
    let r = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "export.marketing_authorisation");
    assert_eq!(
        t.get(&w.exporter, &format!("/api/v1/applications/{id}"))
            .await
            .ok()["state"],
        "draft"
    );

    // A pre-application check for the restricted product to DE is `exempt`; request it as an exemption,
    // which authorises nothing until an officer grants it.
    let chk = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"product": w.restricted_product, "destination": "DE", "end_user_type": "government-law-enforcement", "record_exemption": true}))
        .await
        .ok();
    assert_eq!(chk["determination"]["outcome"], "exempt");
    assert_eq!(chk["exemption"]["state"], "requested");
    let ex = chk["exemption"]["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/exemptions/{ex}/decision"),
        json!({"grant": true, "reason": "restricted item, tier 1 destination"}),
    )
    .await
    .ok();
    let sub = t
        .submit_new(
            &w.exporter,
            el_body(&w.restricted_product, "DE", ex, "Bundespolizei"),
        )
        .await
        .ok();
    assert_eq!(sub["state"], "submitted");
    assert_eq!(sub["target_working_days"], 60);
    // The exemption does not cover another destination.
    let r = t
        .submit_new(
            &w.exporter,
            el_body(&w.restricted_product, "FR", ex, "Police"),
        )
        .await;
    r.refused(422, "does not cover");
    // A not-exempt answer cannot be recorded as an exemption.
    let r = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"product": w.secret_product, "destination": "BR", "end_user_type": "private", "record_exemption": true}))
        .await;
    r.problem(409);

    // An issued marketing licence covers an export of the same product to the same destination.
    let mid = t.case(&w).issued().await;
    let issued = t
        .get(&w.officer, &format!("/api/v1/applications/{mid}"))
        .await
        .ok();
    let reference = issued["reference"].as_str().unwrap();
    let el4 = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(&w.secret_product, "BR", reference, "Policia Federal"),
        )
        .await
        .ok();
    let sub = t
        .post(
            &w.exporter,
            &format!(
                "/api/v1/applications/{}/submit",
                el4["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(sub["state"], "submitted");
    let sub = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{}", el4["id"].as_str().unwrap()),
        )
        .await
        .ok();
    let reviews = sub["required_reviews"].as_array().unwrap();
    assert!(
        reviews.contains(&json!("foreign-affairs")),
        "BR is not a Wassenaar participant: {reviews:?}"
    );
    assert_eq!(sub["required_documents"], json!(["end-user-declaration"]));
}

async fn refusal_cites_criteria_and_advice_is_validated(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    // Human-rights advice must answer every checklist item.
    let r = t
        .post(
            &w.hr,
            &format!("/api/v1/applications/{id}/advice"),
            json!({"recommendation": "approve", "text": "ok"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "checklist");
    // Advice to refuse must cite criteria.
    let mut refuse = hr_advice();
    refuse["recommendation"] = json!("refuse");
    refuse["red_flags"] = json!(["documented-misuse", "no-independent-oversight"]);
    t.post(
        &w.hr,
        &format!("/api/v1/applications/{id}/advice"),
        refuse.clone(),
    )
    .await
    .problem(422);
    refuse["criteria"] = json!(["criterion-2"]);
    t.post(&w.hr, &format!("/api/v1/applications/{id}/advice"), refuse)
        .await
        .ok();
    // The foreign-affairs adviser was not asked: the case does not exist for it.
    t.post(
        &w.fa,
        &format!("/api/v1/applications/{id}/advice"),
        json!({"recommendation": "approve", "text": "x"}),
    )
    .await
    .problem(404);
    t.post(
        &w.defence,
        &format!("/api/v1/applications/{id}/advice"),
        json!({"recommendation": "refuse", "criteria": ["criterion-7"], "text": "diversion risk"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/refuse"),
        json!({"reason": "risk", "criteria": []}),
    )
    .await
    .problem(422);
    let refused = t
        .decide(&w, id, "refuse", json!({"reason": "serious risk of internal repression", "criteria": ["criterion-2", "att-art-6"]}))
        .await
        .ok();
    assert_eq!(refused["state"], "refused");
    assert_eq!(
        refused["decision"]["criteria"],
        json!(["criterion-2", "att-art-6"])
    );
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/issue"),
        json!({}),
    )
    .await
    .refused(409, "cannot issue a case in state refused");
}

async fn tokens_list_and_revoke(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let me = t.get(&w.officer, "/api/v1/me").await.ok();
    assert_eq!(me["role"], "officer");
    let uid = me["user_id"].as_str().unwrap();
    // A second token comes from a new enrolment secret that an administrator hands to the user.
    let enrolment = t
        .post(
            &t.admin,
            &format!("/api/v1/users/{uid}/enrolment"),
            json!({}),
        )
        .await
        .ok();
    let extra = t
        .raw(
            "POST",
            None,
            "/api/v1/enrol",
            Some((
                "application/json",
                json!({"username": "off1", "secret": enrolment["secret"], "label": "laptop", "days": 7})
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await
        .ok();
    let secret = extra["token"].as_str().unwrap().to_string();
    assert_eq!(t.get(&secret, "/api/v1/me").await.ok()["username"], "off1");
    let listed = t.get(&w.officer, "/api/v1/tokens").await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        !listed.to_string().contains(&secret),
        "token secrets are never listed"
    );
    t.post(
        &w.officer,
        &format!(
            "/api/v1/tokens/{}/revoke",
            extra["token_id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
    .ok();
    t.get(&secret, "/api/v1/me").await.problem(401);
    t.get("exp_not-a-token", "/api/v1/me").await.problem(401);
    t.raw("GET", None, "/api/v1/me", None).await.problem(401);
    // Only administrators create users; token lifetimes are bounded.
    t.post(
        &w.officer,
        "/api/v1/users",
        json!({"username": "x", "role": "admin"}),
    )
    .await
    .problem(403);
    let r = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "y", "role": "officer", "token_days": 9999}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "token_days");
    let r = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "z", "role": "adviser"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "review_kind");
    let r = t
        .post(
            &t.admin,
            "/api/v1/users",
            json!({"username": "off1", "role": "officer"}),
        )
        .await;
    r.problem(409);
}

async fn prohibited_determination_blocks_approval(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // KP is under a UN arms embargo: the determination is `prohibited` with its reason, and approval is refused.
    let c = t.submitted_ml(&w, &w.restricted_product, "KP").await;
    assert_eq!(c["determinations"][0]["outcome"], "prohibited");
    let c = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{}", c["id"].as_str().unwrap()),
        )
        .await
        .ok();
    let det = &c["determinations"][0];
    assert_eq!(det["outcome"], "prohibited");
    assert!(
        det["determination"]["rules"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("KP"),
        "{det}"
    );
    assert!(c["required_reviews"].as_array().unwrap().is_empty());
    let id = c["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            json!({"reason": "x"}),
        )
        .await;
    r.refused(409, "prohibited");
    let refused = t
        .decide(
            &w,
            id,
            "refuse",
            json!({"reason": "UN arms embargo", "criteria": ["criterion-1"]}),
        )
        .await
        .ok();
    assert_eq!(refused["state"], "refused");
}
