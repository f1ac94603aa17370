//! The contract as a client meets it: every answer the server gives is documented for its operation,
//! actions without parameters take no body, and refusals say what would be valid.

use crate::common::*;
use crate::openapi_contract::sample;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn statuses(op: &Value) -> BTreeSet<u16> {
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect()
}

#[tokio::test]
async fn every_answer_is_documented_for_its_operation() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    // Records in several states, so that actions meet their conflicts too.
    let draft = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            ml_body(&w.restricted_product, "BR"),
        )
        .await
        .ok();
    let submitted = t.submitted_ml(&w, &w.restricted_product, "BR").await;
    let ids: Vec<String> = [&draft, &submitted]
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .chain(["nope1".to_string(), "bad$id".to_string()])
        .collect();
    let tokens = [
        &w.exporter,
        &w.exporter2,
        &w.officer,
        &w.auditor,
        &w.hr,
        &t.admin,
    ];
    let mut seen = BTreeSet::new();
    let mut undocumented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let documented = statuses(op);
            let content = op["requestBody"]["content"].as_object();
            let json_body = content.and_then(|c| c.get("application/json")).map(|c| {
                c.get("example")
                    .cloned()
                    .unwrap_or_else(|| sample(&doc, &c["schema"]))
            });
            let has_body = content.is_some();
            let mut probes: Vec<(String, Option<&str>, Payload)> = Vec::new();
            let fill = |id: &str| {
                path.replace("{id}", id)
                    .replace("{hit}", "h1")
                    .replace("{format}", "ofac-csv")
                    .replace("{name}", "unassigned")
            };
            let good = match &json_body {
                Some(b) => Payload::Json(b.clone()),
                None if has_body => Payload::Raw("application/octet-stream", b"x".to_vec()),
                None => Payload::Empty,
            };
            for id in &ids {
                probes.push((fill(id), None, good.clone()));
                for tok in tokens {
                    probes.push((fill(id), Some(tok.as_str()), good.clone()));
                }
                if !path.contains('{') {
                    break;
                }
            }
            let p0 = fill(&ids[1]);
            probes.push((format!("{p0}?bogus=1"), Some(&t.admin), good.clone()));
            if has_body {
                for bad in [
                    Payload::Raw("application/json", b"{".to_vec()),
                    Payload::Raw("application/json", b"[]".to_vec()),
                    Payload::Raw("text/plain", b"{}".to_vec()),
                    Payload::Json(json!({"bogus": 1})),
                ] {
                    probes.push((p0.clone(), Some(&t.admin), bad.clone()));
                    probes.push((p0.clone(), Some(&w.officer), bad));
                }
            }
            for (p, tok, payload) in probes {
                let r = match tok {
                    Some(tok) => t.send(&method, tok, &p, &payload).await,
                    None => {
                        let body = match &payload {
                            Payload::Json(v) => {
                                Some(("application/json", v.to_string().into_bytes()))
                            }
                            Payload::Raw(ct, b) => Some((*ct, b.clone())),
                            Payload::Empty => None,
                        };
                        t.raw(&method, None, &p, body).await
                    }
                };
                seen.insert(r.status);
                if !documented.contains(&r.status) {
                    undocumented.push(format!(
                        "{method} {path}: {} for {p} ({})",
                        r.status, r.body
                    ));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "answers missing from the document:\n{}",
        undocumented.join("\n")
    );
    // The probes reach every kind of answer.
    for s in [200, 201, 400, 401, 403, 404, 409, 415, 422] {
        assert!(seen.contains(&s), "no probe got {s}: {seen:?}");
    }
}

#[tokio::test]
async fn actions_without_parameters_take_no_body_and_licence_actions_need_a_reason() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    let case = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            ml_body(&w.secret_product, "BR"),
        )
        .await
        .ok();
    let id = case["id"].as_str().unwrap();
    let path = |a: &str| format!("/api/v1/applications/{id}/{a}");
    // No body at all, and an empty object, are the same for submit, assign and issue.
    assert_eq!(
        t.raw("POST", Some(&w.exporter), &path("submit"), None)
            .await
            .ok()["state"],
        "submitted"
    );
    assert_eq!(
        t.raw("POST", Some(&w.officer), &path("assign"), None)
            .await
            .ok()["state"],
        "under-review"
    );
    assert_eq!(
        t.post(&w.officer2, &path("assign"), json!({})).await.ok()["state"],
        "under-review"
    );
    t.advise_all(&w, &case).await;
    t.decide_by(
        &w.officer2,
        &w.officer,
        id,
        "approve",
        json!({"reason": "ok"}),
    )
    .await
    .ok();
    assert_eq!(
        t.raw("POST", Some(&w.officer2), &path("issue"), None)
            .await
            .ok()["state"],
        "issued"
    );
    for a in ["submit", "withdraw", "assign", "issue"] {
        let body = &doc["paths"][format!("/api/v1/applications/{{id}}/{a}")]["post"]["requestBody"];
        assert_ne!(body["required"], json!(true), "{a}: the body is optional");
        assert!(
            body["content"]["application/json"]["schema"]["$ref"].is_string(),
            "{a}: an optional body is documented by its schema, not as null: {body}"
        );
    }
    // suspend, reinstate, revoke: the document says a reason is required, as the server does.
    for a in ["suspend", "reinstate", "revoke"] {
        let body = &doc["paths"][format!("/api/v1/applications/{{id}}/{a}")]["post"]["requestBody"];
        assert_eq!(body["required"], json!(true), "{a}");
        let r = body["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let schema = &doc["components"]["schemas"][r.rsplit('/').next().unwrap()];
        assert!(
            schema["required"]
                .as_array()
                .unwrap()
                .contains(&json!("reason")),
            "{a}: {schema}"
        );
        assert_eq!(
            schema["properties"]["reason"]["type"], "string",
            "{a}: reason is not nullable"
        );
    }
    let r = t
        .raw("POST", Some(&w.officer2), &path("suspend"), None)
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    let r = t.post(&w.officer2, &path("suspend"), json!({})).await;
    assert_eq!(r.problem(422)["field"], "reason");
    let r = t
        .post(&w.officer2, &path("suspend"), json!({"reason": null}))
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    t.post(&w.officer2, &path("suspend"), json!({"reason": "inquiry"}))
        .await
        .ok();
}

#[tokio::test]
async fn refusals_say_what_would_be_valid() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let draft = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            ml_body(&w.restricted_product, "BR"),
        )
        .await
        .ok();
    let id = draft["id"].as_str().unwrap();
    let path = |a: &str| format!("/api/v1/applications/{id}/{a}");
    let r = t
        .post(&w.officer, &path("approve"), json!({"reason": "x"}))
        .await;
    assert_eq!(
        r.problem(409)["detail"],
        "cannot approve a case in state draft: only possible in states under-review or countersigning; submit it \
             first"
    );
    t.post(&w.exporter, &path("submit"), json!({})).await.ok();
    let r = t
        .post(
            &w.officer,
            &path("information-requests"),
            json!({"question": "who?"}),
        )
        .await;
    assert_eq!(
        r.problem(409)["detail"],
        "cannot request information on a case in state submitted: only possible in state under-review; \
         assign it first"
    );
    let r = t.post(&w.exporter, &path("withdraw"), json!({})).await.ok();
    assert_eq!(r["state"], "withdrawn");
    let r = t.post(&w.officer, &path("assign"), json!({})).await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("withdrawn is a final state"), "{detail}");
    // Enumerated query and path values list the valid ones.
    let r = t.get(&w.officer, "/api/v1/applications?state=open").await;
    let d = r.problem(422)["detail"].as_str().unwrap();
    assert!(
        d.contains("not a case state; one of: draft, submitted, under-review"),
        "{d}"
    );
    let r = t.get(&w.officer, "/api/v1/queues/everything").await;
    let d = r.problem(422)["detail"].as_str().unwrap();
    assert!(d.contains("unassigned, mine"), "{d}");
    let r = t
        .post(
            &t.admin,
            "/api/v1/lists/pdf/fetch",
            json!({"url": "http://127.0.0.1:1/x"}),
        )
        .await;
    let d = r.problem(422)["detail"].as_str().unwrap();
    assert!(d.contains("expected one of"), "{d}");
}
