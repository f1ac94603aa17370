//! Issue 13: the denials register (officer changes, strict import), matching at submission and when the
//! register changes, the consultation a partner's denial opens, and the notifications owed to partners.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    register_changes_by_officers,
    import_is_strict_and_all_or_nothing,
    submission_matches_and_consultation_blocks_approval,
    register_changes_rematch_open_cases,
    another_process_imports_and_this_server_matches_with_it,
    outgoing_notifications_for_each_event,
    annulment_creates_denial_and_notification,
    exporters_and_advisers_never_see_denials,
    moratorium_preview_and_bulk_suspension,
);

fn denial(reference: &str, end_user: &str, dest: &str, entries: &[&str]) -> Value {
    json!({"regime": "wassenaar", "denying_state": "DE", "reference": reference, "date": "2026-03-02",
        "control_entries": entries, "item_description": "IP network surveillance system",
        "end_user": {"name": end_user, "address": null, "country": dest}, "consignee": null,
        "destination": dest, "end_use": "monitoring centre", "criteria": ["2", "7"]})
}

async fn import(t: &TestApp, token: &str, format: &str, body: &str) -> Resp {
    t.raw(
        "POST",
        Some(token),
        &format!("/api/v1/denials/import?format={format}"),
        Some(("application/octet-stream", body.as_bytes().to_vec())),
    )
    .await
}

async fn all_denials(t: &TestApp, token: &str) -> Vec<Value> {
    t.get(token, "/api/v1/denials?limit=500")
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

async fn matches(t: &TestApp, w: &World, id: &str) -> Vec<Value> {
    t.get(
        &w.officer,
        &format!("/api/v1/applications/{id}/denial-matches"),
    )
    .await
    .ok()
    .as_array()
    .unwrap()
    .clone()
}

async fn notifications(t: &TestApp, w: &World) -> Vec<Value> {
    t.get(&w.officer, "/api/v1/denials/notifications?since=2026-01-01")
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

async fn register_changes_by_officers(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let d = denial("DE-2026-0147", "Gulf Monitoring Centre", "AE", &["5.A.1.j"]);
    let r = t.post(&w.officer, "/api/v1/denials", d.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["status"], "in-force");
    assert_eq!(
        r.body["in_force_until"], "2029-03-01",
        "lapses after 3 years"
    );
    assert_eq!(
        r.body["details"]["control_entries"],
        json!(["5A001.j"]),
        "canonical entries"
    );
    let dup = t.post(&w.officer, "/api/v1/denials", d.clone()).await;
    dup.problem(409);

    let mut changed = d.clone();
    changed["end_use"] = json!("national monitoring centre");
    changed["renewed_on"] = json!("2026-06-01");
    let r = t
        .send(
            "PUT",
            &w.officer,
            &format!("/api/v1/denials/{id}"),
            &Payload::Json(json!({"expected_version": 1, "denial": changed})),
        )
        .await
        .ok();
    assert_eq!(r["version"], 2);
    assert_eq!(
        r["in_force_until"], "2029-05-31",
        "renewal restarts the lapse"
    );
    let mut other_ref = d.clone();
    other_ref["reference"] = json!("DE-2026-9999");
    let bad = t
        .send(
            "PUT",
            &w.officer,
            &format!("/api/v1/denials/{id}"),
            &Payload::Json(json!({"denial": other_ref})),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "denial.reference");

    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/denials/{id}/revocation"),
            json!({"reason": "withdrawn by the partner"}),
        )
        .await
        .ok();
    assert_eq!(r["status"], "revoked");
    t.post(
        &w.officer,
        &format!("/api/v1/denials/{id}/revocation"),
        json!({"reason": "again"}),
    )
    .await
    .problem(409);

    let mut old = denial("DE-2022-0001", "Old Party", "AE", &["4A005"]);
    old["date"] = json!("2022-01-10");
    let r = t.post(&w.officer, "/api/v1/denials", old).await.ok();
    assert_eq!(r["status"], "expired");

    let mut bad = denial("DE-1", "X Corp", "AE", &["9Z999"]);
    let r = t.post(&w.officer, "/api/v1/denials", bad.clone()).await;
    assert_eq!(r.problem(422)["field"], "control_entries[0]");
    bad["control_entries"] = json!(["4A005"]);
    bad["destination"] = json!("ZZ");
    assert_eq!(
        t.post(&w.officer, "/api/v1/denials", bad)
            .await
            .problem(422)["field"],
        "destination"
    );
    t.get(&w.auditor, &format!("/api/v1/denials/{id}"))
        .await
        .ok();
    t.post(&w.auditor, "/api/v1/denials", d).await.problem(403);
}

const CSV_HEAD: &str = "regime,denying_state,reference,date,control_entries,item_description,end_user_name,end_user_address,end_user_country,consignee_name,consignee_address,consignee_country,destination,end_use,criteria,renewed_on\n";

async fn import_is_strict_and_all_or_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let good = format!(
        "{CSV_HEAD}wassenaar,FR,FR-26-01,2026-02-01,5A001.j;4A005,Monitoring system,Gulf Monitoring Centre,\"1 Road, Dubai\",AE,Freight LLC,,AE,AE,monitoring,2;7,\n\
         wassenaar,NL,NL-26-7,2025-12-01,4D004,Forensic software,Ministry of Interior,,SA,,,,SA,investigations,2,\n"
    );
    let r = import(&t, &w.officer, "csv", &good).await.ok();
    assert_eq!(r["added"], 2);
    let again = import(&t, &w.officer, "csv", &good).await.ok();
    assert_eq!(
        (again["added"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2))
    );
    let stored = all_denials(&t, &w.officer).await;
    assert_eq!(stored.len(), 2);
    let fr = stored
        .iter()
        .find(|d| d["details"]["reference"] == "FR-26-01")
        .unwrap();
    assert_eq!(fr["details"]["consignee"]["name"], "Freight LLC");
    assert_eq!(fr["details"]["end_user"]["address"], "1 Road, Dubai");

    let head = t.audit_head().await;
    // Line 3 of the file has an unknown destination; line 2 is good but must not be stored either.
    let bad = format!(
        "{CSV_HEAD}wassenaar,FR,FR-26-02,2026-02-01,5A001.j,Monitoring system,A Party,,AE,,,,AE,monitoring,2,\n\
         wassenaar,FR,FR-26-03,2026-02-01,5A001.j,Monitoring system,B Party,,AE,,,,ZZ,monitoring,2,\n"
    );
    let r = import(&t, &w.officer, "csv", &bad).await;
    let p = r.problem(422);
    assert_eq!(p["field"], "line 3: destination", "{p}");
    let bad_date =
        format!("{CSV_HEAD}wassenaar,FR,FR-26-04,01/02/2026,5A001.j,M,A Party,,AE,,,,AE,m,2,\n");
    assert_eq!(
        import(&t, &w.officer, "csv", &bad_date).await.problem(422)["field"],
        "line 2: date"
    );
    let bad_header = "regime,state\nwassenaar,FR\n";
    assert_eq!(
        import(&t, &w.officer, "csv", bad_header).await.problem(422)["field"],
        "line 1: header"
    );
    let bad_entry = format!(
        "{CSV_HEAD}wassenaar,FR,FR-26-05,2026-02-01,5A001.j;nonsense,M,A Party,,AE,,,,AE,m,2,\n"
    );
    assert_eq!(
        import(&t, &w.officer, "csv", &bad_entry).await.problem(422)["field"],
        "line 2: control_entries"
    );
    let repeated = format!(
        "{CSV_HEAD}wassenaar,FR,FR-26-06,2026-02-01,5A001.j,M,A Party,,AE,,,,AE,m,2,\n\
         wassenaar,FR,FR-26-06,2026-02-01,5A001.j,M,A Party,,AE,,,,AE,m,2,\n"
    );
    assert_eq!(
        import(&t, &w.officer, "csv", &repeated).await.problem(422)["field"],
        "line 3: reference"
    );

    let line = |r: &str, name: &str| denial(r, name, "AE", &["5A001.j"]).to_string();
    let jsonl = format!("{}\n\n{}\n", line("DE-1", "One"), line("DE-2", "Two"));
    assert_eq!(
        import(&t, &w.officer, "jsonl", &jsonl).await.ok()["added"],
        2
    );
    let mut missing = denial("DE-3", "Three", "AE", &["5A001.j"]);
    missing.as_object_mut().unwrap().remove("end_user");
    let mut unknown = denial("DE-4", "Four", "AE", &["5A001.j"]);
    unknown["end_user"]["phone"] = json!("123");
    let r = import(
        &t,
        &w.officer,
        "jsonl",
        &format!("{}\n{missing}\n", line("DE-5", "Five")),
    )
    .await;
    assert!(
        r.problem(422)["field"]
            .as_str()
            .unwrap()
            .starts_with("line 2"),
        "{}",
        r.body
    );
    let r = import(&t, &w.officer, "jsonl", &format!("{unknown}\n")).await;
    assert_eq!(
        r.problem(422)["field"],
        "line 1: end_user.phone",
        "{}",
        r.body
    );
    assert_eq!(
        import(&t, &w.officer, "xml", "x").await.problem(422)["field"],
        "format"
    );
    assert_eq!(import(&t, &w.officer, "csv", "").await.status, 422);
    import(&t, &w.exporter, "csv", &good).await.problem(403);

    assert_eq!(
        t.audit_head().await,
        head + 2,
        "only the good JSON Lines file changed anything"
    );
    assert_eq!(all_denials(&t, &w.officer).await.len(), 4);
}

/// Takes a submitted case to the point of approval: assigned to the officer, every advice given.
async fn ready(t: &TestApp, w: &World, id: &str) {
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let c = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    t.advise_all(w, &c).await;
}

async fn submission_matches_and_consultation_blocks_approval(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // The partner spelt the end user differently; the application's end user is "Federal Police".
    let d = t
        .post(
            &w.officer,
            "/api/v1/denials",
            denial("DE-2026-0200", "Federal Polise", "MX", &["5A001.j"]),
        )
        .await
        .ok();
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    let ms = matches(&t, &w, &id).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    let m = &ms[0];
    assert_eq!(m["denial_id"], d["id"]);
    assert_eq!(m["denial_reference"], "DE/DE-2026-0200");
    assert_eq!(m["party_name"], "Federal Police");
    assert_eq!(m["denied_name"], "Federal Polise");
    assert_eq!(m["shared_entries"], json!(["5A001.j"]));
    let score = m["score"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&score), "{score}");
    assert!(m["explanation"].is_object() && !m["explanation"].as_object().unwrap().is_empty());
    assert_eq!(m["consultation"]["status"], "open");
    assert_eq!(m["consultation"]["partner"], "DE");
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(
        case["determinations"][0]["request"]["denial_match"], true,
        "the policy fact"
    );
    let q = t.get(&w.officer, "/api/v1/queues/denials").await.ok();
    assert!(q.as_array().unwrap().iter().any(|r| r["id"] == id.as_str()));

    ready(&t, &w, &id).await;
    let approve = json!({"reason": "advice favourable"});
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            approve.clone(),
        )
        .await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("consultation"),
        "{}",
        r.body
    );
    let mid = m["id"].as_str().unwrap();
    let close = format!("/api/v1/applications/{id}/denial-matches/{mid}/consultation");
    let r = t
        .post(
            &w.officer,
            &close,
            json!({"answer": "no objection", "answered_on": "2099-01-01"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "answered_on");
    let r = t
        .post(&w.officer, &close, json!({"answer": "no objection"}))
        .await;
    assert_eq!(r.problem(422)["field"], "answered_on");
    let r = t
        .post(
            &w.officer,
            &close,
            json!({"answer": "x", "answered_on": "2026-11-01", "override_reason": "y"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "override_reason");
    t.post(&w.officer2, &close, json!({"override_reason": "urgent"}))
        .await
        .problem(403);
    let r = t
        .post(
            &w.officer,
            &close,
            json!({"answer": "No objection: different end use", "answered_on": "2026-11-02"}),
        )
        .await
        .ok();
    assert_eq!(r["denial_matches"][0]["consultation"]["status"], "answered");
    assert_eq!(
        r["denial_matches"][0]["consultation"]["answered_on"],
        "2026-11-02"
    );
    t.post(&w.officer, &close, json!({"override_reason": "again"}))
        .await
        .problem(409);
    t.decide(&w, &id, "approve", approve.clone()).await.ok();
    let owed: Vec<Value> = notifications(&t, &w)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "approval-despite-denial")
        .collect();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0]["to"], "DE");
    assert_eq!(owed[0]["denial_reference"], "DE/DE-2026-0200");
    assert_eq!(owed[0]["outcome"], "answered");

    // An officer may override a consultation with a reason.
    let c2 = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id2 = c2["id"].as_str().unwrap().to_string();
    ready(&t, &w, &id2).await;
    let m2 = &matches(&t, &w, &id2).await[0];
    let close2 = format!(
        "/api/v1/applications/{id2}/denial-matches/{}/consultation",
        m2["id"].as_str().unwrap()
    );
    let r = t
        .post(
            &w.officer,
            &close2,
            json!({"override_reason": "the partner did not answer in 30 days"}),
        )
        .await
        .ok();
    assert_eq!(
        r["denial_matches"][0]["consultation"]["status"],
        "overridden"
    );
    t.decide(&w, &id2, "approve", approve).await.ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/denial-matches/nosuch/consultation"),
        json!({"override_reason": "x"}),
    )
    .await
    .problem(404);
}

async fn register_changes_rematch_open_cases(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    assert!(matches(&t, &w, &id).await.is_empty());
    // Same name, but another destination or no shared control entry: no match.
    t.post(
        &w.officer,
        "/api/v1/denials",
        denial("DE-10", "Federal Police", "FR", &["5A001.j"]),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        "/api/v1/denials",
        denial("DE-11", "Federal Police", "MX", &["4D004"]),
    )
    .await
    .ok();
    assert!(matches(&t, &w, &id).await.is_empty());
    let d = t
        .post(
            &w.officer,
            "/api/v1/denials",
            denial("DE-12", "Federal Police", "MX", &["5A001.j", "4A005"]),
        )
        .await
        .ok();
    let ms = matches(&t, &w, &id).await;
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["score"], 1.0);
    let did = d["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/denials/{did}/revocation"),
        json!({"reason": "withdrawn"}),
    )
    .await
    .ok();
    assert!(
        matches(&t, &w, &id).await.is_empty(),
        "a revoked denial matches nothing"
    );
    // An import re-matches too.
    let line = denial("DE-13", "Federal Police", "MX", &["5A001.j"]).to_string();
    let r = import(&t, &w.officer, "jsonl", &line).await.ok();
    assert_eq!(r["cases_rematched"], 1);
    assert_eq!(matches(&t, &w, &id).await.len(), 1);
}

async fn another_process_imports_and_this_server_matches_with_it(b: Backend) {
    // No periodic reloader: the test calls the check it runs, so nothing waits on a timer.
    let t = TestApp::start_with(
        b,
        app::AppConfig {
            reload_interval: None,
            ..Default::default()
        },
    )
    .await;
    let w = t.world().await;
    assert!(!t.app.reload_if_changed().await.unwrap(), "nothing changed");
    // A second App on the same database, as `exportctl denials import` is.
    let cli = app::App::new(
        store::Store::connect(t.db_url()).await.unwrap(),
        app::AppConfig {
            reload_interval: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let admin = cli.authenticate(&t.admin).await.unwrap();
    let line = denial("DE-30", "Federal Police", "MX", &["5A001.j"]).to_string();
    let s = cli
        .import_denials(
            &admin,
            app::denials::import::Format::JsonLines,
            line.as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(s.added, 1);
    // Until it checks, this server matches with the register it loaded.
    let before = t.submitted_ml(&w, &w.secret_product, "MX").await;
    assert!(matches(&t, &w, before["id"].as_str().unwrap())
        .await
        .is_empty());
    assert!(
        t.app.reload_if_changed().await.unwrap(),
        "the import is seen"
    );
    let after = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let ms = matches(&t, &w, after["id"].as_str().unwrap()).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(ms[0]["denial_reference"], "DE/DE-30", "{ms:?}");
    assert!(!t.app.reload_if_changed().await.unwrap(), "seen once");
    // A revocation elsewhere (an update, same count) is seen too.
    let id = t
        .get(&w.officer, "/api/v1/denials")
        .await
        .ok()
        .as_array()
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let officer = cli.authenticate(&w.officer).await.unwrap();
    cli.revoke_denial(
        &officer,
        &id,
        app::denials::RevokeDenial {
            reason: "withdrawn by the partner".into(),
            expected_version: None,
        },
    )
    .await
    .unwrap();
    assert!(
        t.app.reload_if_changed().await.unwrap(),
        "the revocation is seen"
    );
    let third = t.submitted_ml(&w, &w.secret_product, "MX").await;
    assert!(matches(&t, &w, third["id"].as_str().unwrap())
        .await
        .is_empty());
}

async fn outgoing_notifications_for_each_event(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let refused = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let rid = refused["id"].as_str().unwrap().to_string();
    ready(&t, &w, &rid).await;
    t.decide(
        &w,
        &rid,
        "refuse",
        json!({"reason": "risk of misuse", "criteria": ["criterion-2"]}),
    )
    .await
    .ok();
    let issued = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let iid = issued["id"].as_str().unwrap().to_string();
    t.approve_and_issue(&w, &iid, json!([])).await;
    for action in ["suspend", "reinstate", "revoke"] {
        t.post(
            &w.officer,
            &format!("/api/v1/applications/{iid}/{action}"),
            json!({"reason": format!("{action} for cause")}),
        )
        .await
        .ok();
    }
    let ns = notifications(&t, &w).await;
    let kinds: Vec<&str> = ns.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["refusal", "suspension", "final-assessment", "revocation"],
        "{ns:?}"
    );
    assert!(ns.iter().all(|n| n["from"] == "IL"));
    assert_eq!(ns[0]["to"], "regime-partners");
    assert_eq!(ns[0]["denial"]["criteria"], json!(["criterion-2"]));
    assert_eq!(ns[0]["denial"]["control_entries"], json!(["5A001.j"]));
    assert_eq!(ns[0]["denial"]["end_user"]["name"], "Federal Police");
    assert_eq!(ns[0]["denial"]["destination"], "MX");
    assert_eq!(ns[2]["outcome"], "reinstated");
    assert_eq!(
        ns[1]["denial_id"], ns[2]["denial_id"],
        "the final assessment is about the suspension's denial"
    );
    assert_eq!(ns[3]["denial"]["destination"], "BR");

    let own: Vec<Value> = all_denials(&t, &w.officer)
        .await
        .into_iter()
        .filter(|d| d["own"] == true)
        .collect();
    let status = |event: &str| {
        own.iter()
            .find(|d| d["event"] == event)
            .map(|d| d["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(own.len(), 3);
    assert_eq!(status("refusal"), "in-force");
    assert_eq!(status("suspension"), "revoked", "the suspension ended");
    assert_eq!(status("revocation"), "in-force");
    // A later application for the refused transaction matches this authority's own denial: no consultation.
    let again = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let ms = matches(&t, &w, again["id"].as_str().unwrap()).await;
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["own"], true);
    assert!(ms[0]["consultation"].is_null());
    let later = t
        .get(&w.officer, "/api/v1/denials/notifications?since=2099-01-01")
        .await
        .ok();
    assert_eq!(later, json!([]));
    let bad = t
        .get(&w.officer, "/api/v1/denials/notifications?since=yesterday")
        .await;
    assert_eq!(bad.problem(422)["field"], "since");
}

async fn annulment_creates_denial_and_notification(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = c["id"].as_str().unwrap().to_string();
    let issued = t.approve_and_issue(&w, &id, json!([])).await;
    let reference = issued["reference"].as_str().unwrap().to_string();
    // Only officers annul, and only an issued licence; a missing reason is named.
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/annul"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403);
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/annul"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    assert!(notifications(&t, &w).await.is_empty());
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/annul"),
            json!({"reason": "the end-user certificate was forged"}),
        )
        .await
        .ok();
    assert_eq!(r["state"], "annulled");
    let again = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/annul"),
            json!({"reason": "again"}),
        )
        .await;
    again.refused(409, "annulled");
    let licence = t
        .get(&w.officer, &format!("/api/v1/licences/L-{reference}"))
        .await
        .ok();
    assert_eq!(licence["state"], "annulled", "{licence}");
    let public = t
        .raw(
            "GET",
            None,
            &format!("/api/v1/public/licences/L-{reference}"),
            None,
        )
        .await
        .ok();
    assert_eq!(public["state"], "annulled", "{public}");
    let page = t
        .raw("GET", None, &format!("/verify/L-{reference}"), None)
        .await;
    assert!(
        page.body
            .as_str()
            .unwrap()
            .contains("data-status=\"annulled\""),
        "{}",
        page.body
    );

    let ns = notifications(&t, &w).await;
    assert_eq!(ns.len(), 1, "{ns:?}");
    assert_eq!(ns[0]["kind"], "annulment");
    assert_eq!(ns[0]["to"], "regime-partners");
    assert_eq!(ns[0]["case_reference"], reference.as_str());
    assert_eq!(ns[0]["reason"], "the end-user certificate was forged");
    assert_eq!(ns[0]["denial"]["destination"], "BR");
    let own: Vec<Value> = all_denials(&t, &w.officer)
        .await
        .into_iter()
        .filter(|d| d["own"] == true)
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["event"], "annulment");
    assert_eq!(own[0]["status"], "in-force");
    assert_eq!(own[0]["id"], ns[0]["denial_id"]);
    // The annulment's denial is matched like any of this authority's denials.
    let later = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let ms = matches(&t, &w, later["id"].as_str().unwrap()).await;
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["own"], true);
}

async fn exporters_and_advisers_never_see_denials(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let d = t
        .post(
            &w.officer,
            "/api/v1/denials",
            denial("DE-20", "Federal Police", "MX", &["5A001.j"]),
        )
        .await
        .ok();
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(matches(&t, &w, &id).await.len(), 1);
    let did = d["id"].as_str().unwrap();
    for token in [&w.exporter, &w.hr, &w.fa, &w.policy_admin] {
        t.get(token, "/api/v1/denials").await.problem(403);
        t.get(token, &format!("/api/v1/denials/{did}"))
            .await
            .problem(403);
        t.get(token, &format!("/api/v1/applications/{id}/denial-matches"))
            .await
            .problem(403);
        t.get(token, "/api/v1/denials/notifications?since=2026-01-01")
            .await
            .problem(403);
    }
    let mut seen = std::collections::BTreeSet::new();
    for token in [&w.exporter, &w.hr] {
        let v = t
            .get(token, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        keys(&v, &mut seen);
        let text = v.to_string();
        assert!(
            !text.contains("DE-20") && !text.contains("consultation"),
            "{text}"
        );
    }
    assert!(!seen.contains("denial_matches"), "{seen:?}");
}

/// The reference policy with a moratorium section (a file of its own), as a staged version's files.
fn moratorium_files() -> std::collections::BTreeMap<String, String> {
    let mut files: std::collections::BTreeMap<String, String> =
        policy::reference_files().into_iter().collect();
    let p = files.get_mut("policy.toml").unwrap();
    *p = p.replace("reference-2017.1", "moratorium-test");
    files.insert(
        "moratoria.toml".into(),
        "[[moratorium]]\nid = \"moratorium-br\"\ntitle = \"Moratorium on cyber-surveillance items to BR\"\nitems = \"all-cyber-surveillance\"\ndestinations = [\"BR\"]\nend_user_types = \"all\"\neffective_from = 2026-01-01\nreason = \"moratorium on the sale of surveillance technology (test)\"\n".into(),
    );
    files
}

async fn moratorium_preview_and_bulk_suspension(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let br = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let br_id = br["id"].as_str().unwrap().to_string();
    let br = t.approve_and_issue(&w, &br_id, json!([])).await;
    let br_ref = br["reference"].as_str().unwrap().to_string();
    let mx = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let mx_id = mx["id"].as_str().unwrap().to_string();
    t.approve_and_issue(&w, &mx_id, json!([])).await;
    let staged = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": moratorium_files()}),
        )
        .await
        .ok();
    let sid = staged["id"].as_str().unwrap().to_string();
    let report = t
        .get(
            &w.policy_admin,
            &format!("/api/v1/policy/versions/{sid}/impact"),
        )
        .await
        .ok();
    assert_eq!(
        report["licences_prohibited"],
        json!([br_ref.clone()]),
        "{report}"
    );
    let affected = report["affected"].as_array().unwrap();
    assert!(affected.iter().any(|a| a["case_ref"] == br_ref.as_str()
        && a["state"] == "issued"
        && a["staged"]["outcome"] == "prohibited"));
    assert_eq!(br["state"], "issued", "the preview changes nothing");

    t.post(
        &w.policy_admin,
        &format!("/api/v1/policy/versions/{sid}/moratorium-suspensions"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403);
    let head = t.audit_head().await;
    // The bulk action is any officer's: officer2 is not assigned to the licence.
    let r = t
        .post(
            &w.officer2,
            &format!("/api/v1/policy/versions/{sid}/moratorium-suspensions"),
            json!({"reason": "UN experts' call for a moratorium"}),
        )
        .await
        .ok();
    assert_eq!(r["suspended"], json!([br_ref.clone()]));
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{br_id}"))
        .await
        .ok();
    assert_eq!(case["state"], "suspended");
    let last = case["history"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("moratorium in policy version moratorium-test"),
        "{last}"
    );
    let mx_case = t
        .get(&w.officer, &format!("/api/v1/applications/{mx_id}"))
        .await
        .ok();
    assert_eq!(mx_case["state"], "issued");
    let events = t
        .get(&t.admin, &format!("/api/v1/audit?after={head}&limit=100"))
        .await
        .ok();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"moratorium-suspension"), "{actions:?}");
    assert!(
        actions.contains(&"suspend-licence-under-moratorium"),
        "{actions:?}"
    );
    let ns = notifications(&t, &w).await;
    assert!(ns
        .iter()
        .any(|n| n["kind"] == "suspension" && n["case_reference"] == br_ref.as_str()));
    // Again: nothing left to suspend.
    let r = t
        .post(
            &w.officer2,
            &format!("/api/v1/policy/versions/{sid}/moratorium-suspensions"),
            json!({"reason": "again"}),
        )
        .await
        .ok();
    assert_eq!(r["suspended"], json!([]));
    assert_eq!(r["already_suspended"], json!([br_ref]));

    // Published, the moratorium prohibits new determinations and names itself.
    let today = t.app.today().to_string();
    t.post(
        &w.policy_admin,
        &format!("/api/v1/policy/versions/{sid}/publish"),
        json!({"effective_from": today}),
    )
    .await
    .ok();
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    assert_eq!(c["determinations"][0]["outcome"], "prohibited");
    let case = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{}", c["id"].as_str().unwrap()),
        )
        .await
        .ok();
    let fired = &case["determinations"][0]["determination"]["rules"][0];
    assert_eq!(fired["id"], "moratorium:moratorium-br", "{case}");
    assert!(
        fired["reason"]
            .as_str()
            .unwrap()
            .contains("moratorium on the sale of surveillance technology (test)"),
        "{fired}"
    );
}
