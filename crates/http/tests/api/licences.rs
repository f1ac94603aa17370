//! Licences as signed documents (issue 10): issuing a case creates the licence resource with a signed payload
//! that verifies with the service's public key; the PDF is the same bytes on every request and carries the
//! token; another exporter cannot see the licence; the state follows the case and the public sees only state
//! and validity.

use crate::both_backends;
use crate::common::*;
use base64::Engine as _;
use serde_json::{json, Value};

both_backends!(
    issuing_creates_a_signed_licence,
    export_licence_carries_parties_quantities_and_limits,
    licence_state_follows_the_case_and_the_public_sees_only_state_and_validity,
    unknown_and_malformed_numbers,
);

fn keys(t: &TestApp) -> licence::KeySet {
    let s = t.app.licence_signer();
    let mut k = licence::KeySet::new();
    k.insert(s.key_id(), s.verifying_key());
    k
}

fn today() -> chrono::NaiveDate {
    app::today()
}

async fn issued_ml(t: &TestApp, w: &World, conditions: Value) -> (String, Value) {
    let c = t.submitted_ml(w, &w.secret_product, "DE").await;
    let id = c["id"].as_str().unwrap().to_string();
    let case = t.approve_and_issue(w, &id, conditions).await;
    assert_eq!(case["state"], "issued", "{case}");
    let number = case["licence_issued"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    (number, case)
}

async fn issuing_creates_a_signed_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (number, case) = issued_ml(&t, &w, json!([{"type": "text", "text": "No resale"}])).await;
    let path = format!("/api/v1/licences/{number}");

    let lic = t.get(&w.exporter, &path).await.ok();
    assert_eq!(lic["number"], number.as_str());
    assert_eq!(lic["state"], "issued");
    assert_eq!(lic["kind"], "marketing");
    assert_eq!(lic["case_id"], case["id"]);
    let c = &lic["content"];
    assert_eq!(c["holder"]["name"], "Acme Cyber Ltd");
    assert_eq!(c["products"][0]["name"], "Monitor");
    assert_eq!(c["products"][0]["control_entries"], json!(["5A001.j"]));
    assert_eq!(c["destinations"], json!(["DE"]));
    assert_eq!(c["end_users"][0]["name"], "Federal Police");
    assert_eq!(c["conditions"], json!(["No resale"]));
    assert_eq!(c["valid_from"], today().to_string());
    assert_eq!(c["valid_until"], case["licence_issued"]["valid_until"]);
    assert!(
        lic.get("issued_by").is_none(),
        "exporters do not see the issuing officer: {lic}"
    );
    let staff = t.get(&w.officer, &path).await.ok();
    assert!(staff["issued_by"].is_string(), "{staff}");

    // The signed token verifies with the service's public key and carries exactly the content shown.
    let token = lic["signed"].as_str().unwrap();
    let v = licence::verify(token, &keys(&t), today()).expect("the issued licence verifies");
    assert_eq!(v.key_id, lic["key_id"].as_str().unwrap());
    assert_eq!(serde_json::to_value(&v.payload).unwrap(), *c);
    // A payload altered in one field (the holder) fails against the same signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut altered = v.payload.clone();
    altered.holder.name = "Someone Else Ltd".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(altered.to_canonical()),
        parts[2]
    );
    assert!(matches!(
        licence::verify(&tampered, &keys(&t), today()),
        Err(licence::VerifyError::BadSignature(_))
    ));

    // The PDF: the same bytes on every request, carrying the same token.
    let doc = format!("{path}/document");
    let a = t
        .client
        .get(format!("{}{doc}", t.base))
        .bearer_auth(&w.exporter)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(a.headers()["content-type"], "application/pdf");
    let a = a.bytes().await.unwrap();
    let b2 = t
        .client
        .get(format!("{}{doc}", t.base))
        .bearer_auth(&w.officer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(a.starts_with(b"%PDF-"));
    assert_eq!(a, b2, "the PDF is rendered identically each time");
    assert_eq!(
        licence::pdf::extract_token(&a).as_deref(),
        Some(token),
        "the PDF carries the signed token"
    );
    let pdf_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("licences");
    std::fs::create_dir_all(&pdf_dir).unwrap();
    std::fs::write(pdf_dir.join(format!("{b:?}.pdf")), &a).unwrap();

    // Another exporter: the licence does not exist for it, in the list or by number, nor its PDF.
    assert_eq!(t.get(&w.exporter2, &path).await.problem(404)["status"], 404);
    t.get(&w.exporter2, &doc).await.problem(404);
    assert_eq!(
        t.get(&w.exporter2, "/api/v1/licences").await.ok(),
        json!([])
    );
    let mine = t.get(&w.exporter, "/api/v1/licences").await.ok();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(
        t.get(&w.auditor, "/api/v1/licences").await.ok(),
        t.get(&w.officer, "/api/v1/licences").await.ok()
    );
    // An adviser whose advice was requested on the case reads the licence; the policy administrator reads none.
    t.get(&w.hr, &path).await.ok();
    t.get(&w.policy_admin, &path).await.problem(404);
    t.get(&w.policy_admin, "/api/v1/licences")
        .await
        .problem(403);

    // The issue and the licence are one audited change: the licence's creation is in the audit log.
    let events = t.get(&w.auditor, "/api/v1/audit?limit=500").await.ok();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "create-licence" && e["record_kind"] == "licence"),
        "{events}"
    );
}

async fn export_licence_carries_parties_quantities_and_limits(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (ml_number, _) = issued_ml(&t, &w, json!([])).await;
    let id = t
        .submitted(
            &w.exporter,
            el_body(&w.secret_product, "DE", &ml_number, "Bundespolizei"),
        )
        .await;
    let case = t
        .approve_and_issue(
            &w,
            &id,
            json!([{"type": "quantity-limit", "max": 2},
                   {"type": "value-limit", "max": {"amount": "200000.00", "currency": "EUR"}},
                   {"type": "reporting-obligation", "every_months": 6, "text": "deliveries"}]),
        )
        .await;
    let number = case["licence_issued"]["number"].as_str().unwrap();
    let lic = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    let c = &lic["content"];
    assert_eq!(lic["kind"], "export");
    assert_eq!(c["end_users"][0]["name"], "Bundespolizei");
    assert_eq!(
        c["consignee"],
        json!({"name": "Logistics GmbH", "country": "DE"})
    );
    assert_eq!(c["quantity"], 3);
    assert_eq!(
        c["value"],
        json!({"amount": "250000.00", "currency": "EUR"})
    );
    assert_eq!(c["quantity_limit"], 2);
    assert_eq!(c["value_limit"]["amount"], "200000.00");
    assert_eq!(
        c["conditions"][2],
        "Report to the authority every 6 months: deliveries"
    );
    licence::verify(lic["signed"].as_str().unwrap(), &keys(&t), today()).unwrap();
    let all = t.get(&w.exporter, "/api/v1/licences").await.ok();
    assert_eq!(all.as_array().unwrap().len(), 2);
}

async fn licence_state_follows_the_case_and_the_public_sees_only_state_and_validity(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (number, case) = issued_ml(&t, &w, json!([])).await;
    let id = case["id"].as_str().unwrap();
    let public = format!("/api/v1/public/licences/{number}");
    let page = format!("/verify/{number}");
    let check = |state: &'static str| {
        let t = &t;
        let public = public.clone();
        let page = page.clone();
        let number = number.clone();
        async move {
            let p = t.raw("GET", None, &public, None).await.ok();
            let mut keys: Vec<&String> = p.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(
                keys,
                ["number", "state", "valid_from", "valid_until"],
                "{p}"
            );
            assert_eq!(p["state"], state);
            assert_eq!(p["number"], number.as_str());
            let html = t.raw("GET", None, &page, None).await;
            assert_eq!(html.status, 200);
            let html = html.body.as_str().unwrap().to_string();
            assert!(
                html.contains(&format!(
                    "data-status=\"{}\"",
                    match state {
                        "issued" => "valid",
                        s => s,
                    }
                )),
                "{html}"
            );
            assert!(html.contains(p["valid_from"].as_str().unwrap()), "{html}");
            assert!(html.contains(p["valid_until"].as_str().unwrap()), "{html}");
            for secret in ["Acme Cyber Ltd", "Federal Police", "Monitor"] {
                assert!(!html.contains(secret), "the public page shows {secret}");
            }
        }
    };
    check("issued").await;
    let act = |action: &'static str| {
        let t = &t;
        let w = &w;
        async move {
            t.post(
                &w.officer,
                &format!("/api/v1/applications/{id}/{action}"),
                json!({"reason": "end-use check pending"}),
            )
            .await
            .ok();
        }
    };
    act("suspend").await;
    check("suspended").await;
    let lic = t
        .get(&w.officer, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(lic["history"][0]["to"], "suspended");
    assert_eq!(lic["history"][0]["reason"], "end-use check pending");
    let mine = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(mine["state"], "suspended");
    assert!(
        mine["history"][0].get("reason").is_none() && mine["history"][0].get("by").is_none(),
        "{mine}"
    );
    act("reinstate").await;
    check("issued").await;
    act("revoke").await;
    check("revoked").await;
    // The signature does not change with the state: the PDF stays the same document.
    let after = t
        .get(&w.officer, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(after["signed"], lic["signed"]);
    assert_eq!(after["history"].as_array().unwrap().len(), 3);
}

async fn unknown_and_malformed_numbers(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let r = t
        .raw("GET", None, "/api/v1/public/licences/L-NONE-0000", None)
        .await;
    r.problem(404);
    let r = t
        .raw("GET", None, "/api/v1/public/licences/L%20NONE", None)
        .await;
    assert_eq!(r.problem(422)["field"], "number");
    t.get(&w.exporter, "/api/v1/licences/L-NONE-0000")
        .await
        .problem(404);
    t.get(&w.officer, "/api/v1/licences/L-NONE-0000/document")
        .await
        .problem(404);
    // Without a token, the licence resource answers 401.
    assert_eq!(
        t.raw("GET", None, "/api/v1/licences", None).await.status,
        401
    );
    let html = t.raw("GET", None, "/verify/L-NONE-0000", None).await;
    assert_eq!(html.status, 404);
    assert!(html.content_type.starts_with("text/html"));
}
