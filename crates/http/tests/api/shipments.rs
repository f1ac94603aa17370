//! Issue 12, usage against limits: shipments recorded against a licence (idempotent by declaration
//! reference, accepted or rejected with the reason), quantity and value limits, `exhausted`, and the customs
//! look-up that answers validity and what remains and nothing more.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    shipments_use_up_the_limits_and_exhaust_the_licence,
    customs_lookup_answers_validity_and_remaining_only,
);

/// An issued marketing licence for the secret product to `dest` with `conditions`; returns (case id, number).
async fn issued(t: &TestApp, w: &World, dest: &str, conditions: Value) -> (String, String) {
    let c = t.submitted_ml(w, &w.secret_product, dest).await;
    let id = c["id"].as_str().unwrap().to_string();
    let c = t.approve_and_issue(w, &id, conditions).await;
    assert_eq!(c["state"], "issued", "{c}");
    (
        id,
        c["licence_issued"]["number"].as_str().unwrap().to_string(),
    )
}

fn shipment(reference: &str, on: &str, quantity: u64, amount: &str, currency: &str) -> Value {
    json!({"declaration_reference": reference, "shipped_on": on, "quantity": quantity,
        "value": {"amount": amount, "currency": currency}})
}

async fn shipments_use_up_the_limits_and_exhaust_the_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let customs = t.user("cust1", "customs", None, None).await;
    let (id, number) = issued(
        &t,
        &w,
        "BR",
        json!([{"type": "quantity-limit", "max": 10},
               {"type": "value-limit", "max": {"amount": "1000.00", "currency": "EUR"}}]),
    )
    .await;
    let url = format!("/api/v1/licences/{number}/shipments");
    let lookup = format!("/api/v1/customs/licences/{number}");
    let l = t.get(&customs, &lookup).await.ok();
    assert_eq!(
        l,
        json!({"number": number, "valid": true, "remaining_quantity": 10,
            "remaining_value": {"amount": "1000.00", "currency": "EUR"}})
    );
    let day = t.app.today().to_string();

    // Accepted, by the holder.
    let first = t
        .post(&w.exporter, &url, shipment("D-1", &day, 4, "400.00", "EUR"))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "accepted");
    assert!(first.body["reason"].is_null());
    assert_eq!(first.body["reported_by"], "exporter");
    // The same declaration again: the same answer, nothing changes.
    let head = t.audit_head().await;
    let again = t
        .post(&w.exporter, &url, shipment("D-1", &day, 4, "400.0", "EUR"))
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(t.audit_head().await, head);
    // The same declaration with other details: 409 naming the reference; nothing changes.
    let other = t
        .post(&customs, &url, shipment("D-1", &day, 5, "400.00", "EUR"))
        .await;
    other.refused(409, "D-1");
    assert_eq!(t.audit_head().await, head);

    // Bad input names the field and records nothing.
    for (body, field) in [
        (shipment("D-2", &day, 0, "1.00", "EUR"), "quantity"),
        (
            shipment("D-2", "2999-01-01", 1, "1.00", "EUR"),
            "shipped_on",
        ),
        (shipment("D-2", &day, 1, "-1", "EUR"), "value.amount"),
        (shipment("D-2", &day, 1, "1.00", "XXX"), "value.currency"),
        (
            shipment("D 2", &day, 1, "1.00", "EUR"),
            "declaration_reference",
        ),
    ] {
        let r = t.post(&customs, &url, body).await;
        assert_eq!(r.problem(422)["field"], field, "{}", r.body);
    }
    assert_eq!(t.audit_head().await, head);

    // Rejected, each with its reason, and recorded.
    for (body, why) in [
        (
            shipment("D-2", &day, 7, "100.00", "EUR"),
            "the quantity 7 exceeds the 6 remaining of the licence's limit of 10",
        ),
        (
            shipment("D-3", &day, 1, "700.00", "EUR"),
            "the value 700.00 EUR exceeds the 600.00 EUR remaining",
        ),
        (
            shipment("D-4", &day, 1, "10.00", "USD"),
            "the value is in USD, the licence's value limit in EUR",
        ),
        (
            shipment("D-5", "2020-01-01", 1, "10.00", "EUR"),
            "outside the licence's validity",
        ),
    ] {
        let r = t.post(&customs, &url, body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["status"], "rejected");
        assert_eq!(r.body["reported_by"], "customs");
        assert!(
            r.body["reason"].as_str().unwrap().contains(why),
            "{}",
            r.body
        );
    }
    let l = t.get(&customs, &lookup).await.ok();
    assert_eq!(l["remaining_quantity"], 6);
    assert_eq!(l["remaining_value"]["amount"], "600.00");

    // The last of the value: accepted, and the licence is exhausted in the same change.
    let last = t
        .post(&customs, &url, shipment("D-6", &day, 2, "600.00", "EUR"))
        .await;
    assert_eq!(last.status, 201, "{}", last.body);
    assert_eq!(last.body["status"], "accepted");
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(case["state"], "exhausted");
    let h = case["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (h["from"].as_str(), h["to"].as_str()),
        (Some("issued"), Some("exhausted"))
    );
    assert_eq!(case["shipments"].as_array().unwrap().len(), 6);
    let lic = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(lic["state"], "exhausted");
    let public = t
        .raw(
            "GET",
            None,
            &format!("/api/v1/public/licences/{number}"),
            None,
        )
        .await
        .ok();
    assert_eq!(public["state"], "exhausted");
    let l = t.get(&customs, &lookup).await.ok();
    assert_eq!(
        l,
        json!({"number": number, "valid": false, "remaining_quantity": 4,
            "remaining_value": {"amount": "0.00", "currency": "EUR"}})
    );
    // The holder is told.
    let ns = t
        .get(&w.exporter, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(
        ns.as_array()
            .unwrap()
            .iter()
            .any(|n| n["event"] == "licence.exhausted"),
        "{ns}"
    );
    // Nothing more is counted.
    let after = t
        .post(&w.exporter, &url, shipment("D-7", &day, 1, "1.00", "EUR"))
        .await;
    assert_eq!(after.status, 201);
    assert_eq!(after.body["status"], "rejected");
    assert_eq!(
        after.body["reason"],
        "the licence is exhausted, not in force"
    );
    // The exhausted licence does not expire later (it is final).
    assert_eq!(
        t.app
            .expire_due(chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap())
            .await
            .unwrap(),
        0
    );
}

async fn customs_lookup_answers_validity_and_remaining_only(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let customs = t.user("cust1", "customs", None, None).await;
    let (id, number) = issued(&t, &w, "BR", json!([])).await;
    let lookup = format!("/api/v1/customs/licences/{number}");
    let l = t.get(&customs, &lookup).await.ok();
    // Exactly these four members: no holder, products, parties, conditions, dates or state.
    assert_eq!(
        l,
        json!({"number": number, "valid": true, "remaining_quantity": null, "remaining_value": null})
    );
    // A suspended licence is not valid.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/suspend"),
        json!({"reason": "inquiry"}),
    )
    .await
    .ok();
    assert_eq!(t.get(&customs, &lookup).await.ok()["valid"], false);
    // An unknown number is 404 as anywhere.
    t.get(&customs, "/api/v1/customs/licences/L-ML-2026-999999")
        .await
        .problem(404);
    // Only customs look up; anonymous callers authenticate first.
    for token in [&w.exporter, &w.officer, &w.auditor, &t.admin, &w.hr] {
        t.get(token, &lookup).await.problem(403);
    }
    let anon = t.raw("GET", None, &lookup, None).await;
    anon.problem(401);
    // Customs read nothing else: not the licence record, not the case, not the lists.
    t.get(&customs, &format!("/api/v1/licences/{number}"))
        .await
        .problem(404);
    t.get(&customs, &format!("/api/v1/applications/{id}"))
        .await
        .problem(404);
    t.get(&customs, "/api/v1/licences").await.problem(403);
    t.get(&customs, "/api/v1/applications").await.problem(403);
    // Recording: customs and the holder's exporters only; another organisation's exporter finds nothing.
    let url = format!("/api/v1/licences/{number}/shipments");
    let body = shipment("X-1", &t.app.today().to_string(), 1, "1.00", "EUR");
    t.post(&w.officer, &url, body.clone()).await.problem(403);
    t.post(&w.exporter2, &url, body.clone()).await.problem(404);
    // The answer to customs carries the shipment only.
    let r = t.post(&customs, &url, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut k = std::collections::BTreeSet::new();
    keys(&r.body, &mut k);
    assert_eq!(
        k.into_iter().collect::<Vec<_>>(),
        [
            "amount",
            "currency",
            "declaration_reference",
            "quantity",
            "reason",
            "recorded_at",
            "reported_by",
            "shipped_on",
            "status",
            "value"
        ]
    );
    assert_eq!(r.body["status"], "rejected", "the licence is suspended");
}
