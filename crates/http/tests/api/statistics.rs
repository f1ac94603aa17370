//! Issue 11: decision facts written with every outcome, exclusions, and the public statistics (JSON, CSV,
//! page) computed only from facts, on both backends.

use crate::both_backends;
use crate::common::*;
use crate::fixtures::At;
use serde_json::{json, Value};

both_backends!(
    outcomes_write_facts_and_statistics_count_them,
    small_counts_are_withheld_by_default,
    later_outcomes_write_their_facts_and_move_the_figures
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

/// The case's decision facts as (kind, outcome, supersedes-the-previous) triples, oldest first.
async fn fact_trail(t: &TestApp, w: &World, id: &str) -> Vec<(String, String, bool)> {
    let facts = t
        .get(
            &w.auditor,
            &format!("/api/v1/applications/{id}/decision-facts"),
        )
        .await
        .ok();
    let facts = facts.as_array().unwrap();
    facts
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let supersedes_previous = i > 0 && f["supersedes"] == facts[i - 1]["seq"];
            assert!(i > 0 || f["supersedes"].is_null(), "{f}");
            assert_eq!(f["fact"]["case_id"], id, "{f}");
            (
                f["kind"].as_str().unwrap().to_string(),
                f["fact"]["outcome"].as_str().unwrap().to_string(),
                supersedes_previous,
            )
        })
        .collect()
}

fn trail(steps: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, (k, o))| (k.to_string(), o.to_string(), i > 0))
        .collect()
}

/// The published counts of a period: the licence-kind table's totals and the after-issue table's rows.
async fn counts(t: &TestApp, period: &str) -> std::collections::BTreeMap<String, u64> {
    // Read through `raw`, which checks the answer against the document: an empty period has `null`
    // processing times, which the document allows.
    let s = t
        .raw(
            "GET",
            None,
            &format!("/api/v1/public/statistics?period={period}"),
            None,
        )
        .await
        .ok();
    let mut out = std::collections::BTreeMap::new();
    let tot = total(&s, "by-licence-kind");
    // With threshold 1 only a period without any case publishes nothing (fewer cases than the threshold).
    assert_eq!(s["threshold"], 1);
    if tot["applications"] == json!({"suppressed": true}) {
        for c in [
            "applications",
            "issued",
            "refused",
            "withdrawn",
            "lapsed",
            "no_licence_required",
            "revoked",
            "surrendered",
            "annulled",
        ] {
            out.insert(c.to_string(), 0);
        }
        return out;
    }
    for c in [
        "applications",
        "issued",
        "refused",
        "withdrawn",
        "lapsed",
        "no_licence_required",
    ] {
        out.insert(
            c.to_string(),
            tot[c].as_u64().unwrap_or_else(|| panic!("{c}: {tot}")),
        );
    }
    let events = s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "after-issue")
        .unwrap_or_else(|| panic!("no after-issue table: {s}"));
    for e in ["revoked", "surrendered", "annulled"] {
        let n = events["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == e)
            .map_or(0, |r| r["licences"].as_u64().unwrap());
        out.insert(e.to_string(), n);
    }
    out
}

/// What changed between two readings, without the zeros.
fn delta(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
) -> Vec<(String, i64)> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), *v as i64 - before[k] as i64))
        .filter(|(_, d)| *d != 0)
        .collect()
}

fn d(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    v.sort();
    v
}

/// Issue 11 after issue 12: lapse, withdrawal under review or while awaiting the exporter, a refusal
/// overturned on appeal and issued, surrender, annulment, revocation and "no licence required" each write
/// exactly their fact in the change's transaction, and the public figures move accordingly (threshold 1:
/// nothing withheld).
async fn later_outcomes_write_their_facts_and_move_the_figures(b: Backend) {
    let t = TestApp::start_with(
        b,
        app::AppConfig {
            stats_threshold: 1,
            ..Default::default()
        },
    )
    .await;
    let w = t.world().await;
    let year = chrono::Datelike::year(&t.app.today()).to_string();
    let url = |id: &str, a: &str| format!("/api/v1/applications/{id}/{a}");

    // Withdrawn while under review, and while awaiting the exporter's answer.
    let c0 = counts(&t, &year).await;
    let ur = t.case(&w).to("MX").under_review().await;
    let aw = t.case(&w).to("MX").awaiting_exporter().await;
    for id in [&ur, &aw] {
        let head = t.audit_head().await;
        t.post(
            &w.exporter,
            &url(id, "withdraw"),
            json!({"reason": "no longer needed"}),
        )
        .await
        .ok();
        assert!(t.audit_head().await > head);
        assert_eq!(
            fact_trail(&t, &w, id).await,
            trail(&[("outcome", "withdrawn")])
        );
    }
    let c1 = counts(&t, &year).await;
    assert_eq!(delta(&c0, &c1), d(&[("applications", 2), ("withdrawn", 2)]));

    // Refused: one refusal. Appealed and overturned: still the refusal (nothing is issued yet). Issued on
    // appeal: a correction superseding the refusal, both kept; refused down, issued up, applications the same.
    let rf = t.case(&w).to("BR").build(At::Refused).await;
    assert_eq!(
        fact_trail(&t, &w, &rf).await,
        trail(&[("outcome", "refused")])
    );
    let c2 = counts(&t, &year).await;
    assert_eq!(delta(&c1, &c2), d(&[("applications", 1), ("refused", 1)]));
    t.post(
        &w.exporter,
        &url(&rf, "appeal"),
        json!({"grounds": "An independent oversight body now supervises the end user."}),
    )
    .await
    .ok();
    let c = t
        .post(
            &w.officer2,
            &url(&rf, "appeal/decision"),
            json!({"outcome": "overturned", "reason": "The oversight body answers criterion 2."}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "approved");
    assert_eq!(
        fact_trail(&t, &w, &rf).await,
        trail(&[("outcome", "refused")])
    );
    assert_eq!(counts(&t, &year).await, c2);
    let c = t
        .post(&w.officer2, &url(&rf, "issue"), json!({}))
        .await
        .ok();
    assert_eq!(c["licence_issued"]["on_appeal"], true);
    assert_eq!(
        fact_trail(&t, &w, &rf).await,
        trail(&[("outcome", "refused"), ("correction", "issued-on-appeal")])
    );
    let c3 = counts(&t, &year).await;
    assert_eq!(delta(&c2, &c3), d(&[("issued", 1), ("refused", -1)]));

    // Events after issue: the case stays issued; each counts once in the after-issue table.
    let su = t.case(&w).to("FR").issued().await;
    let an = t.case(&w).to("FR").issued().await;
    let rv = t.case(&w).to("FR").build(At::Revoked).await;
    let c4 = counts(&t, &year).await;
    assert_eq!(
        delta(&c3, &c4),
        d(&[("applications", 3), ("issued", 3), ("revoked", 1)])
    );
    t.post(
        &w.exporter,
        &url(&su, "surrender"),
        json!({"reason": "the deal fell through"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &url(&an, "annul"),
        json!({"reason": "the end-user certificate was forged"}),
    )
    .await
    .ok();
    for (id, event) in [(&su, "surrendered"), (&an, "annulled"), (&rv, "revoked")] {
        assert_eq!(
            fact_trail(&t, &w, id).await,
            trail(&[("outcome", "issued"), ("after-issue", event)]),
            "{event}"
        );
    }
    let c5 = counts(&t, &year).await;
    assert_eq!(delta(&c4, &c5), d(&[("annulled", 1), ("surrendered", 1)]));

    // Excluding a case with an event after issue removes it from both tables.
    t.post(
        &w.officer,
        "/api/v1/statistics/exclusions",
        json!({"case_id": rv, "reason": "entered twice by mistake"}),
    )
    .await
    .ok();
    let c6 = counts(&t, &year).await;
    assert_eq!(
        delta(&c5, &c6),
        d(&[("applications", -1), ("issued", -1), ("revoked", -1)])
    );

    // Lapsed: the day after the information request's deadline (the fact's date decides its period).
    let lp = t.case(&w).to("MX").awaiting_exporter().await;
    let due: chrono::NaiveDate = t
        .get(&w.officer, &format!("/api/v1/applications/{lp}"))
        .await
        .ok()["info_requests"][0]["due_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let on = due.succ_opt().unwrap();
    let period = chrono::Datelike::year(&on).to_string();
    let before = counts(&t, &period).await;
    let officer = t.app.authenticate(&w.officer).await.unwrap();
    app::as_of(
        on.and_hms_opt(12, 0, 0).unwrap().and_utc(),
        t.app.lapse_case(
            &officer,
            &lp,
            app::model::ActionBody {
                expected_version: None,
                reason: None,
            },
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        fact_trail(&t, &w, &lp).await,
        trail(&[("outcome", "lapsed")])
    );
    let facts = t
        .get(
            &w.auditor,
            &format!("/api/v1/applications/{lp}/decision-facts"),
        )
        .await
        .ok();
    assert_eq!(facts[0]["fact"]["decided_on"], on.to_string());
    let after = counts(&t, &period).await;
    assert_eq!(
        delta(&before, &after),
        d(&[("applications", 1), ("lapsed", 1)])
    );

    // No licence required: final advice, countersigned, concluded as advised.
    let before = counts(&t, &year).await;
    let nlr = t.case(&w).to("FR").under_review().await;
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{nlr}"))
        .await
        .ok();
    t.advise_all(&w, &case).await;
    let step = |a: &str| format!("/api/v1/applications/{nlr}/{a}");
    t.post(
        &w.officer,
        &step("final-advice"),
        json!({"outcome": "no-licence-required", "reason": "not controlled for this end use"}),
    )
    .await
    .ok();
    t.post(&w.officer, &step("final-advice/submit"), json!({}))
        .await
        .ok();
    t.post(
        &w.officer2,
        &step("countersignatures"),
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &step("no-licence-required"),
        json!({"reason": "as advised"}),
    )
    .await
    .ok();
    assert_eq!(
        fact_trail(&t, &w, &nlr).await,
        trail(&[("outcome", "no-licence-required")])
    );
    let after = counts(&t, &year).await;
    assert_eq!(
        delta(&before, &after),
        d(&[("applications", 1), ("no_licence_required", 1)])
    );
}
