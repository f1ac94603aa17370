//! The whole journey from an empty database to an issued export licence, as its people would make it, in no
//! more requests than it has steps. Every step is one request, and each takes what it needs from answers
//! given before (the id of a created record, the case in a queue, the licence number on the exporter's case):
//! no look-up request is needed between steps. When a response stops carrying what the next step needs, the
//! journey needs an extra request and this test fails on the count.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(empty_database_to_export_licence_in_as_many_requests_as_steps);

/// One step: one request, answered 2xx. Counts the step.
async fn step(steps: &mut Vec<String>, name: &str, r: Resp) -> Value {
    steps.push(name.to_string());
    assert!(
        (200..300).contains(&r.status),
        "step {} ({name}) answered {}: {}",
        steps.len(),
        r.status,
        r.body
    );
    r.body
}

fn s(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

async fn empty_database_to_export_licence_in_as_many_requests_as_steps(b: Backend) {
    let t = TestApp::start(b).await;
    let before = t.requests_sent();
    let mut steps: Vec<String> = Vec::new();
    let admin = t.admin.clone();

    // The administrator sets up the exporter's organisation and one user per role needed; each user enrols
    // with the one-time secret it was given.
    let org = step(
        &mut steps,
        "admin creates the exporter's organisation",
        t.post(
            &admin,
            "/api/v1/organisations",
            json!({"name": "Example Cyber Ltd", "country": "IL"}),
        )
        .await,
    )
    .await;
    let mut tokens = std::collections::BTreeMap::new();
    for (username, role, kind, org_id) in [
        ("exp", "exporter", None, Some(s(&org, "id"))),
        ("off", "officer", None, None),
        ("off2", "officer", None, None),
        ("sen", "officer", None, None),
        ("def", "adviser", Some("defence"), None),
        ("hr", "adviser", Some("human-rights"), None),
        ("fa", "adviser", Some("foreign-affairs"), None),
        ("cy", "adviser", Some("economy-cyber"), None),
    ] {
        let u = step(
            &mut steps,
            &format!("admin creates {username}"),
            t.post(
                &admin,
                "/api/v1/users",
                json!({"username": username, "role": role, "review_kind": kind, "org_id": org_id}),
            )
            .await,
        )
        .await;
        let secret = u["enrolment"]["secret"].as_str().unwrap();
        let tok = step(
            &mut steps,
            &format!("{username} enrols"),
            t.raw(
                "POST",
                None,
                "/api/v1/enrol",
                Some((
                    "application/json",
                    json!({"username": username, "secret": secret})
                        .to_string()
                        .into_bytes(),
                )),
            )
            .await,
        )
        .await;
        tokens.insert(kind.unwrap_or(username), s(&tok, "token"));
        if username == "sen" {
            step(
                &mut steps,
                "admin makes sen a senior officer",
                t.put_json(
                    &admin,
                    &format!("/api/v1/users/{}/grade", s(&u["user"], "id")),
                    json!({"grade": "senior", "reason": "senior licensing officer"}),
                )
                .await,
            )
            .await;
        }
    }
    let (exp, off, def) = (
        tokens["exp"].clone(),
        tokens["off"].clone(),
        tokens["defence"].clone(),
    );

    // The exporter registers; an officer approves the registration.
    let reg = step(&mut steps, "exporter registers its company",
        t.post(&exp, "/api/v1/registrations", json!({"company_name": "Example Cyber Ltd", "registration_number": "51-1", "address": "1 Main St", "country": "IL", "contact_email": "c@example.test"})).await).await;
    step(
        &mut steps,
        "officer approves the registration",
        t.post(
            &off,
            &format!("/api/v1/registrations/{}/decision", s(&reg, "id")),
            json!({"approve": true, "reason": "complete"}),
        )
        .await,
    )
    .await;

    // The exporter records its product; the defence adviser classifies it.
    let product = step(&mut steps, "exporter records a product",
        t.post(&exp, "/api/v1/products", json!({"name": "Monitor", "version": "1", "description": "network monitoring", "control_entries": ["5.A.1.j"]})).await).await;
    let product = s(&product, "id");
    step(
        &mut steps,
        "defence adviser classifies the product",
        t.post(
            &def,
            &format!("/api/v1/products/{product}/classification"),
            json!({"control_entries": ["5.A.1.j"], "security_grade": "secret"}),
        )
        .await,
    )
    .await;

    // A case from draft to issue: the exporter drafts and submits; the officer takes it from the queue,
    // reads it, each required adviser advises, the officer approves and issues.
    let run_case = |body: Value, what: &'static str| {
        let (t, exp, off, tokens) = (&t, exp.clone(), off.clone(), tokens.clone());
        async move {
            let mut steps = Vec::new();
            let draft = step(
                &mut steps,
                &format!("exporter drafts the {what} application"),
                t.post(&exp, "/api/v1/applications", body).await,
            )
            .await;
            let id = s(&draft, "id");
            step(
                &mut steps,
                &format!("exporter submits the {what} application"),
                t.post(
                    &exp,
                    &format!("/api/v1/applications/{id}/submit"),
                    json!({}),
                )
                .await,
            )
            .await;
            let queue = step(
                &mut steps,
                "officer opens the unassigned queue",
                t.get(&off, "/api/v1/queues/unassigned").await,
            )
            .await;
            let row = queue["items"]
                .as_array()
                .or(queue.as_array())
                .unwrap()
                .iter()
                .find(|r| r["id"] == id.as_str())
                .expect("the submitted case is in the unassigned queue")
                .clone();
            assert!(
                !row["reference"].is_null(),
                "a queue row names the case: {row}"
            );
            let assigned = step(
                &mut steps,
                "officer takes the case",
                t.post(
                    &off,
                    &format!("/api/v1/applications/{id}/assign"),
                    json!({}),
                )
                .await,
            )
            .await;
            // The officer's answer to `assign` is the case itself: who must advise is on it.
            let reviews: Vec<String> = assigned["advice"]
                .as_array()
                .expect("the assigned case lists the advice it needs")
                .iter()
                .map(|a| s(a, "review"))
                .collect();
            assert!(
                reviews.contains(&"human-rights".to_string()),
                "every sale needs a human-rights review: {reviews:?}"
            );
            for kind in &reviews {
                let body = if kind == "human-rights" {
                    hr_advice()
                } else {
                    json!({"recommendation": "approve", "text": "no objection"})
                };
                step(
                    &mut steps,
                    &format!("{kind} adviser advises"),
                    t.post(
                        &tokens[kind.as_str()],
                        &format!("/api/v1/applications/{id}/advice"),
                        body,
                    )
                    .await,
                )
                .await;
            }
            // A required end-user declaration counts only once verified: the exporter uploads the signed file
            // and records the declaration; the officer verifies it.
            let needs_declaration = assigned["required_documents"]
                .as_array()
                .is_some_and(|r| r.iter().any(|d| d == "end-user-declaration"));
            if needs_declaration {
                let doc = step(
                    &mut steps,
                    "exporter uploads the signed end-user declaration",
                    t.upload(&exp, &id, "end-user-declaration", "eud.pdf", PDF)
                        .await,
                )
                .await;
                let declaration = step(
                    &mut steps,
                    "exporter records the end-user declaration",
                    t.post(
                        &exp,
                        &format!("/api/v1/applications/{id}/declarations"),
                        json!({"signatory_name": "Anna Schmidt", "signatory_position": "Head of procurement",
                               "end_user_organisation": "Federal Police", "signed_on": "2021-12-06",
                               "terms_version": "2021-12", "valid_until": "2099-12-31",
                               "document_id": s(&doc, "id")}),
                    )
                    .await,
                )
                .await;
                step(
                    &mut steps,
                    "officer verifies the declaration",
                    t.post(
                        &off,
                        &format!(
                            "/api/v1/applications/{id}/declarations/{}/verification",
                            s(&declaration, "id")
                        ),
                        json!({"outcome": "verified"}),
                    )
                    .await,
                )
                .await;
            }
            // Final advice, countersigned as the policy asks (its answer says how many), then the decision.
            step(
                &mut steps,
                "officer drafts final advice to approve",
                t.post(
                    &off,
                    &format!("/api/v1/applications/{id}/final-advice"),
                    json!({"outcome": "approve", "reason": "advice favourable"}),
                )
                .await,
            )
            .await;
            let submitted = step(
                &mut steps,
                "officer submits the final advice for countersigning",
                t.post(
                    &off,
                    &format!("/api/v1/applications/{id}/final-advice/submit"),
                    json!({}),
                )
                .await,
            )
            .await;
            let count = submitted["countersigning"]["count"].as_u64().unwrap();
            assert!(
                count >= 1,
                "a cyber-surveillance item is countersigned: {submitted}"
            );
            for countersigner in ["off2", "sen"].into_iter().take(count as usize) {
                step(
                    &mut steps,
                    &format!("{countersigner} countersigns the final advice"),
                    t.post(
                        &tokens[countersigner],
                        &format!("/api/v1/applications/{id}/countersignatures"),
                        json!({"decision": "accept"}),
                    )
                    .await,
                )
                .await;
            }
            step(
                &mut steps,
                "officer approves",
                t.post(
                    &off,
                    &format!("/api/v1/applications/{id}/approve"),
                    json!({"reason": "advice favourable", "conditions": []}),
                )
                .await,
            )
            .await;
            step(
                &mut steps,
                "officer issues the licence",
                t.post(&off, &format!("/api/v1/applications/{id}/issue"), json!({}))
                    .await,
            )
            .await;
            let mine = step(
                &mut steps,
                "exporter reads its case and the licence number",
                t.get(&exp, &format!("/api/v1/applications/{id}")).await,
            )
            .await;
            (steps, mine)
        }
    };

    let (ml_steps, ml) = run_case(ml_body(&product, "DE"), "marketing").await;
    steps.extend(ml_steps);
    let ml_number = ml["licence_issued"]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("the exporter's case names its licence: {ml}"))
        .to_string();
    let (el_steps, el) = run_case(
        el_body(&product, "DE", &ml_number, "Federal Police"),
        "export",
    )
    .await;
    steps.extend(el_steps);
    assert_eq!(el["state"], "issued", "{el}");
    assert!(el["licence_issued"]["number"].is_string(), "{el}");

    let sent = t.requests_sent() - before;
    eprintln!("journey: {sent} requests for {} steps", steps.len());
    assert_eq!(
        sent,
        steps.len(),
        "the journey took {sent} requests for {} steps: {steps:#?}",
        steps.len()
    );
}
