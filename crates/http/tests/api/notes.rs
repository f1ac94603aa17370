//! Case notes through the API, on both backends: internal notes never reach the exporter, exporters write
//! shared notes only, notes are immutable and audited, and mentions notify the mentioned users.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

async fn me(t: &TestApp, token: &str) -> String {
    t.get(token, "/api/v1/me").await.ok()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn notes_are_internal_or_shared_and_mentions_notify(backend: Backend) {
    let t = TestApp::start(backend).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/applications/{id}/notes");
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let off2 = me(&t, &w.officer2).await;
    let exporter = me(&t, &w.exporter).await;
    let exporter2 = me(&t, &w.exporter2).await;

    let head = t.audit_head().await;
    let internal = t
        .post(&w.officer, &path, json!({"text": "Embassy doubts the end user", "visibility": "internal", "mentions": [off2]}))
        .await;
    assert_eq!(internal.status, 201, "{}", internal.body);
    assert_eq!(t.audit_head().await, head + 1, "a note is audited");
    let shared = t
        .post(&w.officer, &path, json!({"text": "Please confirm the unit", "visibility": "shared", "mentions": [exporter]}))
        .await
        .ok();
    // Mentioning a user who cannot read the note is refused, naming the mention; nothing is stored.
    let head = t.audit_head().await;
    let r = t
        .post(
            &w.officer,
            &path,
            json!({"text": "x", "visibility": "internal", "mentions": [exporter]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "mentions[0]");
    let r = t
        .post(
            &w.officer,
            &path,
            json!({"text": "x", "visibility": "shared", "mentions": [exporter2]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "mentions[0]");
    let r = t
        .post(
            &w.officer,
            &path,
            json!({"text": "  ", "visibility": "shared"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "text");
    assert_eq!(t.audit_head().await, head);

    // Exporters write shared notes only and read shared notes only.
    assert_eq!(
        t.post(
            &w.exporter,
            &path,
            json!({"text": "x", "visibility": "internal"})
        )
        .await
        .status,
        403
    );
    let reply = t
        .post(
            &w.exporter,
            &path,
            json!({"text": "Unit 7 confirmed", "visibility": "shared"}),
        )
        .await
        .ok();
    let seen = t.get(&w.exporter, &path).await.ok();
    let ids: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            shared["id"].as_str().unwrap(),
            reply["id"].as_str().unwrap()
        ]
    );
    assert!(!seen.to_string().contains("Embassy"));
    // Officers and auditors read all three; another organisation's exporter sees no case at all.
    assert_eq!(
        t.get(&w.officer2, &path)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        t.get(&w.auditor, &path)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(t.get(&w.exporter2, &path).await.status, 404);
    assert_eq!(
        t.post(
            &w.exporter2,
            &path,
            json!({"text": "x", "visibility": "shared"})
        )
        .await
        .status,
        404
    );
    assert_eq!(
        t.post(
            &w.auditor,
            &path,
            json!({"text": "x", "visibility": "internal"})
        )
        .await
        .status,
        403
    );

    // Mentions notify, without the note's text.
    let ns = t.get(&w.officer2, "/api/v1/notifications").await.ok();
    let mention = ns
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["event"] == "note.mention")
        .expect("mention");
    assert_eq!(mention["reference"], case["reference"]);
    assert!(!ns.to_string().contains("Embassy"));
    let ns = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(ns
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "note.mention"));

    // Immutable: there is no route that changes or deletes a note.
    let note_id = internal.body["id"].as_str().unwrap();
    for method in ["PUT", "PATCH", "DELETE"] {
        let r = t
            .raw(method, Some(&w.officer), &format!("{path}/{note_id}"), None)
            .await;
        assert!(r.status == 404 || r.status == 405, "{method}: {}", r.status);
    }
}

both_backends!(notes_are_internal_or_shared_and_mentions_notify);
