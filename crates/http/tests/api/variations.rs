//! Variations of an issued licence (issue 12), through the API on both backends: a variation is a new case
//! linked to the original, determined and screened again under the policy in force; issuing it supersedes
//! the original licence in the same transaction (the case and its licence record, each with its audit event);
//! only an issued licence is varied, and a variation is not issued over a licence that is no longer issued.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    an_issued_variation_supersedes_the_original_licence,
    only_an_issued_licence_is_varied_or_superseded,
);

fn case_path(id: &str) -> String {
    format!("/api/v1/applications/{id}")
}

fn path(id: &str, action: &str) -> String {
    format!("/api/v1/applications/{id}/{action}")
}

/// The world's marketing details for `products` to FR (as `ml_body`).
fn marketing(products: &[&str]) -> Value {
    let mut m = ml_body(products[0], "FR")["marketing"].clone();
    m["products"] = json!(products);
    m
}

async fn an_issued_variation_supersedes_the_original_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let original = t.case(&w).to("FR").issued().await;
    let o = t.get(&w.officer, &case_path(&original)).await.ok();
    let number = o["licence_issued"]["number"].as_str().unwrap().to_string();

    // Only the holder varies its licence, and says why.
    let body = json!({"reason": "add the forensic product",
        "marketing": marketing(&[&w.secret_product, &w.restricted_product])});
    t.post(&w.officer, &path(&original, "variations"), body.clone())
        .await
        .problem(403);
    t.post(&w.exporter2, &path(&original, "variations"), body.clone())
        .await
        .problem(404);
    let r = t
        .post(
            &w.exporter,
            &path(&original, "variations"),
            json!({"marketing": marketing(&[&w.secret_product])}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    let v = t
        .post(&w.exporter, &path(&original, "variations"), body)
        .await;
    assert_eq!(v.status, 201);
    let v = v.ok();
    assert_eq!(v["state"], "draft");
    assert_eq!(v["variation_of"], original.as_str());
    let var = v["id"].as_str().unwrap().to_string();
    assert_ne!(v["reference"], o["reference"], "a case of its own");

    // Submitted like any application: determined again, for both products, under the policy in force.
    t.post(&w.exporter, &path(&var, "submit"), json!({}))
        .await
        .ok();
    let submitted = t.get(&w.officer, &case_path(&var)).await.ok();
    let products: std::collections::BTreeSet<&str> = submitted["determinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["product"].as_str().unwrap())
        .collect();
    assert_eq!(products.len(), 2);
    assert!(submitted["screened_with"].is_array());
    // The original stays in force meanwhile.
    let still = t.get(&w.officer, &case_path(&original)).await.ok();
    assert_eq!(still["state"], "issued");

    let issued = t.approve_and_issue(&w, &var, json!([])).await;
    assert_eq!(issued["state"], "issued");
    let new_number = issued["licence_issued"]["number"].as_str().unwrap();
    assert_ne!(new_number, number);

    // The original is superseded, with its licence record, naming the variation.
    let o = t.get(&w.officer, &case_path(&original)).await.ok();
    assert_eq!(o["state"], "superseded");
    assert_eq!(o["superseded_by"], var.as_str());
    let last = o["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "issued");
    assert!(last["reason"]
        .as_str()
        .unwrap()
        .contains(issued["reference"].as_str().unwrap()));
    let licence = t
        .get(&w.exporter, &format!("/api/v1/licences/{number}"))
        .await
        .ok();
    assert_eq!(licence["state"], "superseded");
    let public = t
        .raw(
            "GET",
            None,
            &format!("/api/v1/public/licences/{number}"),
            None,
        )
        .await
        .ok();
    assert_eq!(public["state"], "superseded");
    let mine = t.get(&w.exporter, &case_path(&original)).await.ok();
    assert_eq!(mine["superseded_by"], var.as_str());
    // The original's own audit event.
    let log = t
        .get(&w.auditor, &format!("/api/v1/audit?record={original}"))
        .await
        .ok();
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["action"],
        "supersede-licence"
    );
    // A superseded licence is varied no more.
    let again = json!({"reason": "again", "marketing": marketing(&[&w.secret_product])});
    t.post(&w.exporter, &path(&original, "variations"), again)
        .await
        .problem(409);
}

async fn only_an_issued_licence_is_varied_or_superseded(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let body = json!({"reason": "more units", "marketing": marketing(&[&w.secret_product])});
    let under_review = t.case(&w).to("FR").under_review().await;
    let r = t
        .post(
            &w.exporter,
            &path(&under_review, "variations"),
            body.clone(),
        )
        .await;
    r.refused(409, "only an issued licence can be varied");

    // The original is suspended while its variation is decided: the variation is not issued over it.
    let original = t.case(&w).to("FR").issued().await;
    let v = t
        .post(&w.exporter, &path(&original, "variations"), body)
        .await
        .ok();
    let var = v["id"].as_str().unwrap().to_string();
    t.post(&w.exporter, &path(&var, "submit"), json!({}))
        .await
        .ok();
    t.post(&w.officer, &path(&var, "assign"), json!({}))
        .await
        .ok();
    let c = t.get(&w.officer, &case_path(&var)).await.ok();
    t.advise_all(&w, &c).await;
    t.verify_required_documents(&w, &var).await;
    t.decide(&w, &var, "approve", json!({"reason": "ok"}))
        .await
        .ok();
    t.post(
        &w.officer,
        &path(&original, "suspend"),
        json!({"reason": "inquiry"}),
    )
    .await
    .ok();
    let head = t.audit_head().await;
    let r = t.post(&w.officer, &path(&var, "issue"), json!({})).await;
    r.refused(409, "cannot supersede it");
    assert_eq!(t.audit_head().await, head, "nothing changed");
    let c = t.get(&w.officer, &case_path(&var)).await.ok();
    assert_eq!(c["state"], "approved");
}
