//! Issue 11: decision facts written with every outcome, exclusions, and the public statistics (JSON, CSV,
//! page) computed only from facts, on both backends.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    outcomes_write_facts_and_statistics_count_them,
    small_counts_are_withheld_by_default
);

async fn text(t: &TestApp, path: &str) -> (u16, String) {
    let r = t
        .client
        .get(format!("{}{}", t.base, path))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn total(stats: &Value, table: &str) -> Value {
    let t = stats["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == table)
        .unwrap();
    t["total"].clone()
}

async fn decide(t: &TestApp, w: &World, case: &Value, refuse: bool) {
    let id = case["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.advise_all(w, case).await;
    if refuse {
        t.decide(
            w,
            id,
            "refuse",
            json!({"reason": "risk of misuse", "criteria": ["criterion-2", "criterion-7"]}),
        )
        .await
        .ok();
    } else {
        t.decide(w, id, "approve", json!({"reason": "fine"}))
            .await
            .ok();
        t.post(
            &w.officer,
            &format!("/api/v1/applications/{id}/issue"),
            json!({}),
        )
        .await
        .ok();
    }
}

async fn outcomes_write_facts_and_statistics_count_them(b: Backend) {
    let t = TestApp::start_with(
        b,
        app::AppConfig {
            stats_threshold: 1,
            ..Default::default()
        },
    )
    .await;
    let w = t.world().await;
    let year = chrono::Datelike::year(&app::today());
    let issued = t.submitted_ml(&w, &w.secret_product, "FR").await;
    decide(&t, &w, &issued, false).await;
    let refused = t.submitted_ml(&w, &w.restricted_product, "DE").await;
    decide(&t, &w, &refused, true).await;
    let withdrawn = t.submitted_ml(&w, &w.restricted_product, "US").await;
    let wid = withdrawn["id"].as_str().unwrap();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{wid}/withdraw"),
        json!({}),
    )
    .await
    .ok();
    // A withdrawn draft was never an application: no fact.
    let draft = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            ml_body(&w.restricted_product, "GB"),
        )
        .await
        .ok();
    let did = draft["id"].as_str().unwrap();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{did}/withdraw"),
        json!({}),
    )
    .await
    .ok();

    let path = format!("/api/v1/public/statistics?period={year}");
    let (status, body) = text(&t, &path).await;
    assert_eq!(status, 200, "{body}");
    let s: Value = serde_json::from_str(&body).unwrap();
    let tot = total(&s, "by-destination");
    assert_eq!(
        (
            tot["applications"].as_u64(),
            tot["issued"].as_u64(),
            tot["refused"].as_u64(),
            tot["withdrawn"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1)),
        "{tot}"
    );
    let dests = &s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "by-destination")
        .unwrap()["rows"];
    let keys: Vec<&str> = dests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["DE", "FR", "US"]);
    let crit = &s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "refusals-by-criterion")
        .unwrap()["rows"];
    assert_eq!(
        crit,
        &json!([{"key": "criterion-2", "refusals": 1}, {"key": "criterion-7", "refusals": 1}])
    );
    // 5.A.1.j is a cyber-surveillance item: the issued case is in the section.
    let cyber = total(&s, "cyber-surveillance");
    assert_eq!(cyber["issued"], 1, "{s}");
    for table in s["tables"].as_array().unwrap() {
        assert_eq!(table["as_of"], s["as_of"]);
        assert_eq!(table["data_version"], s["data_version"]);
    }
    // Same period, same as-of: the same bytes.
    assert_eq!(text(&t, &path).await.1, body);
    let (st, csv) = text(&t, &format!("{path}&format=csv")).await;
    assert_eq!(st, 200);
    assert!(
        csv.starts_with("period,as_of,data_version,table,row,column,value,suppressed\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            "{year},{},{},by-destination,total,applications,3,false",
            s["as_of"].as_str().unwrap(),
            s["data_version"].as_str().unwrap()
        )),
        "{csv}"
    );

    // Excluding a case needs an officer or administrator and a reason; it is a new fact, audited.
    let rid = refused["id"].as_str().unwrap();
    let r = t
        .post(
            &w.exporter,
            "/api/v1/statistics/exclusions",
            json!({"case_id": rid, "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            &w.officer,
            "/api/v1/statistics/exclusions",
            json!({"case_id": rid, "reason": " "}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    let r = t
        .post(
            &w.officer,
            "/api/v1/statistics/exclusions",
            json!({"case_id": did, "reason": "never submitted"}),
        )
        .await;
    assert_eq!(r.problem(409)["status"], 409);
    let audit_before = t.audit_head().await;
    let ex = t
        .post(
            &w.officer,
            "/api/v1/statistics/exclusions",
            json!({"case_id": rid, "reason": "entered twice by mistake"}),
        )
        .await;
    assert_eq!(ex.status, 201, "{:?}", ex.body);
    assert_eq!(ex.body["kind"], "exclusion");
    assert_eq!(t.audit_head().await, audit_before + 1);
    let again = t
        .post(
            &w.officer,
            "/api/v1/statistics/exclusions",
            json!({"case_id": rid, "reason": "again"}),
        )
        .await;
    assert_eq!(again.status, 409);
    let facts = t
        .get(
            &w.auditor,
            &format!("/api/v1/applications/{rid}/decision-facts"),
        )
        .await
        .ok();
    let facts = facts.as_array().unwrap();
    assert_eq!(facts.len(), 2, "both facts are kept");
    assert_eq!(
        (facts[0]["kind"].as_str(), facts[1]["supersedes"].as_i64()),
        (Some("outcome"), facts[0]["seq"].as_i64())
    );
    assert_eq!(facts[0]["fact"]["outcome"], "refused");
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{rid}"))
        .await
        .ok();
    let hr_required = internal["required_reviews"]
        .as_array()
        .unwrap()
        .contains(&json!("human-rights"));
    assert_eq!(facts[0]["fact"]["human_rights_review"], hr_required);
    assert_eq!(
        t.get(
            &w.exporter,
            &format!("/api/v1/applications/{rid}/decision-facts")
        )
        .await
        .status,
        403
    );

    let (_, after) = text(&t, &path).await;
    let s2: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(total(&s2, "by-licence-kind")["applications"], 2);
    assert_ne!(s2["data_version"], s["data_version"]);
    // As of the earlier time, the earlier figures, byte for byte.
    let as_of = s["as_of"].as_str().unwrap();
    let (_, old) = text(&t, &format!("{path}&as_of={as_of}")).await;
    assert_eq!(old, body);

    // Bad input names the parameter.
    for (q, field) in [
        ("period=2026-Q5", "period"),
        ("period=1999", "period"),
        ("", "period"),
        (&format!("period={year}&format=xml"), "format"),
        (&format!("period={year}&as_of=yesterday"), "as_of"),
    ] {
        let r = t
            .raw("GET", None, &format!("/api/v1/public/statistics?{q}"), None)
            .await;
        assert_eq!(r.problem(422)["field"], field, "{q}");
    }
    // The page, with its charts, without signing in.
    let (st, page) = text(&t, &format!("/statistics?period={year}")).await;
    assert_eq!(st, 200);
    assert!(
        page.contains("id=\"table-by-destination\"") && page.contains("<svg"),
        "{page}"
    );
    let (st, home) = text(&t, "/").await;
    assert!(st == 200 && home.contains("href=\"/statistics\""));
    let (st, _) = text(&t, "/statistics?period=nonsense").await;
    assert_eq!(st, 422);
}

async fn small_counts_are_withheld_by_default(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let year = chrono::Datelike::year(&app::today());
    let issued = t.submitted_ml(&w, &w.secret_product, "FR").await;
    decide(&t, &w, &issued, false).await;
    let (status, body) = text(&t, &format!("/api/v1/public/statistics?period={year}")).await;
    assert_eq!(status, 200);
    let s: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(s["threshold"], 5);
    assert_eq!(
        total(&s, "by-licence-kind")["applications"],
        json!({"suppressed": true})
    );
    assert!(!body.contains("\"applications\":1"), "{body}");
}
