//! Issue 17, after the sale: reporting obligations and their reports, end-use checks and the unverified
//! parties list, evidence of misuse with its reassessments, and compliance audits of exporters.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    reporting_obligations_are_opened_at_issue_and_reported_on,
    overdue_reports_fill_the_queue_and_notify_the_exporter,
    unverified_parties_give_end_use_check_hits,
    evidence_opens_reassessments_that_end_in_action,
    new_conditions_on_reassessment_reissue_the_licence,
    compliance_audits_and_own_refusals,
);

/// An issued marketing licence for the secret product to `dest` with `conditions`; returns (case id, number).
pub(crate) async fn issued(
    t: &TestApp,
    w: &World,
    dest: &str,
    conditions: Value,
) -> (String, String) {
    let c = t.submitted_ml(w, &w.secret_product, dest).await;
    let id = c["id"].as_str().unwrap().to_string();
    let c = t.approve_and_issue(w, &id, conditions).await;
    assert_eq!(c["state"], "issued", "{c}");
    (
        id,
        c["licence_issued"]["number"].as_str().unwrap().to_string(),
    )
}

fn obligation() -> Value {
    json!([{"type": "reporting-obligation", "every_months": 6, "text": "report deployments",
        "attestations": ["No transfer to third parties", "Audit logging enabled"], "max_targets": 50},
        {"type": "valid-until", "date": (app::today() + chrono::Duration::days(400)).to_string()}])
}

async fn reporting_obligations_are_opened_at_issue_and_reported_on(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Bad terms are refused at approval, naming the field.
    let c = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let bad_id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{bad_id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{bad_id}/final-advice"),
            json!({"outcome": "approve", "reason": "r", "conditions": [{"type": "reporting-obligation",
                "every_months": 6, "text": "r", "max_targets": 0}]}),
        )
        .await;
    assert_eq!(
        r.problem(422)["field"],
        "conditions[0].max_targets",
        "{}",
        r.body
    );

    let (case_id, number) = issued(&t, &w, "BR", obligation()).await;
    let list = t
        .get(&w.exporter, "/api/v1/reporting-obligations")
        .await
        .ok();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let ob = &list[0];
    assert_eq!(ob["case_id"], case_id.as_str());
    assert_eq!(ob["licence_number"], number.as_str());
    assert_eq!(ob["state"], "open");
    assert_eq!(ob["overdue"], false);
    assert_eq!(ob["max_targets"], 50);
    // Every 6 months within the 400 days of validity: two reports.
    let periods = ob["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2, "{periods:?}");
    let first_due = periods[0]["due_on"].as_str().unwrap().to_string();
    assert_eq!(ob["next_due_on"], first_due.as_str());
    let oid = ob["id"].as_str().unwrap().to_string();
    // The other organisation sees none of it; advisers read no obligations.
    let other = t
        .get(&w.exporter2, "/api/v1/reporting-obligations")
        .await
        .ok();
    assert_eq!(other, json!([]));
    t.get(
        &w.exporter2,
        &format!("/api/v1/reporting-obligations/{oid}"),
    )
    .await
    .problem(404);
    t.get(&w.hr, "/api/v1/reporting-obligations")
        .await
        .problem(403);
    // Officers list them by licence.
    let by_licence = t
        .get(
            &w.officer,
            &format!("/api/v1/reporting-obligations?licence={number}"),
        )
        .await
        .ok();
    assert_eq!(by_licence.as_array().unwrap().len(), 1);

    let url = format!("/api/v1/reporting-obligations/{oid}/reports");
    let today = t.app.today().to_string();
    let report = |targets: u64, respected: bool, attestations: Value| {
        json!({"due_on": first_due, "deployments": [{"end_user": "National Police Cyber Unit",
            "site": "Headquarters", "deployed_on": today, "targets": targets}],
            "declaration_respected": respected, "attestations": attestations,
            "remarks": if respected { Value::Null } else { json!("used against a journalist") }})
    };
    let both = json!(["No transfer to third parties", "Audit logging enabled"]);
    // Bad input names the field and records nothing.
    let head = t.audit_head().await;
    for (body, field) in [
        (
            report(10, true, json!(["No transfer to third parties"])),
            "attestations",
        ),
        (
            report(
                10,
                true,
                json!(["No transfer to third parties", "Something else"]),
            ),
            "attestations[1]",
        ),
        (
            json!({"due_on": first_due, "deployments": [{"end_user": "U", "site": "S", "deployed_on": today}],
                "declaration_respected": true, "attestations": both}),
            "deployments[0].targets",
        ),
        (
            json!({"due_on": "2020-01-01", "deployments": [], "declaration_respected": true, "attestations": both}),
            "due_on",
        ),
        (
            json!({"due_on": first_due, "deployments": [], "declaration_respected": false, "attestations": both}),
            "remarks",
        ),
        (
            json!({"due_on": first_due, "deployments": [{"end_user": "U", "site": "S", "deployed_on": "2999-01-01", "targets": 1}],
                "declaration_respected": true, "attestations": both}),
            "deployments[0].deployed_on",
        ),
    ] {
        let r = t.post(&w.exporter, &url, body).await;
        assert_eq!(r.problem(422)["field"], field, "{}", r.body);
    }
    // Only the holder's exporters file reports.
    t.post(&w.exporter2, &url, report(10, true, both.clone()))
        .await
        .problem(404);
    t.post(&w.officer, &url, report(10, true, both.clone()))
        .await
        .problem(403);
    assert_eq!(t.audit_head().await, head);

    // A clean report: no concerns, the next period is due next.
    let filed = t
        .post(&w.exporter, &url, report(10, true, both.clone()))
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let r = &filed.body["periods"][0]["report"];
    assert_eq!(r["concerns"], json!([]));
    assert_eq!(r["late"], false);
    assert_eq!(
        filed.body["next_due_on"],
        filed.body["periods"][1]["due_on"]
    );
    // Once only.
    let again = t
        .post(&w.exporter, &url, report(10, true, both.clone()))
        .await;
    again.problem(409);

    // The second report states a breach and a target limit exceeded: concerns, and the officers are told.
    let second_due = filed.body["periods"][1]["due_on"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = report(80, false, both.clone());
    body["due_on"] = json!(second_due);
    let filed = t.post(&w.exporter, &url, body).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.body["state"], "complete");
    assert!(filed.body["next_due_on"].is_null());
    let concerns = filed.body["periods"][1]["report"]["concerns"]
        .as_array()
        .unwrap();
    assert_eq!(concerns.len(), 2, "{concerns:?}");
    assert!(concerns[1]
        .as_str()
        .unwrap()
        .contains("above the declaration's limit of 50"));
    let n = t.get(&w.officer, "/api/v1/notifications").await.ok();
    assert!(
        n.as_array()
            .unwrap()
            .iter()
            .any(|n| n["event"] == "report.concern" && n["reference"] == number.as_str()),
        "{n}"
    );
    let done = t
        .get(&w.officer, "/api/v1/reporting-obligations?state=complete")
        .await
        .ok();
    assert_eq!(done.as_array().unwrap().len(), 1);
    t.get(&w.officer, "/api/v1/reporting-obligations?state=late")
        .await
        .problem(422);
}

async fn overdue_reports_fill_the_queue_and_notify_the_exporter(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (_, number) = issued(
        &t,
        &w,
        "BR",
        json!([{"type": "reporting-obligation", "every_months": 3, "text": "report deployments"}]),
    )
    .await;
    let officer = t.app.authenticate(&w.officer).await.unwrap();
    let queue = |at: chrono::DateTime<chrono::Utc>| {
        let officer = officer.clone();
        let app = t.app.clone();
        async move {
            app::as_of(
                at,
                app.reporting_obligations(
                    &officer,
                    app::monitoring::reports::ObligationFilter {
                        overdue: Some(true),
                        ..Default::default()
                    },
                    &app::listing::Page::default(),
                ),
            )
            .await
            .unwrap()
            .items
        }
    };
    // Today nothing is overdue (the API's queue is empty too).
    let now = chrono::Utc::now();
    assert!(queue(now).await.is_empty());
    assert_eq!(
        t.get(&w.officer, "/api/v1/reporting-obligations?overdue=true")
            .await
            .ok(),
        json!([])
    );
    let ob = t
        .get(&w.exporter, "/api/v1/reporting-obligations")
        .await
        .ok()[0]
        .clone();
    let due: chrono::NaiveDate = ob["next_due_on"].as_str().unwrap().parse().unwrap();
    // Nothing is due to run before the due date; the day after it the job tells the exporter, once.
    let before = due.and_hms_opt(12, 0, 0).unwrap().and_utc();
    app::as_of(before, t.app.run_pending()).await.unwrap();
    let overdue = |n: &Value| {
        n.as_array()
            .unwrap()
            .iter()
            .filter(|n| n["event"] == "report.overdue")
            .count()
    };
    assert_eq!(
        overdue(&t.get(&w.exporter, "/api/v1/notifications").await.ok()),
        0
    );
    let after = before + chrono::Duration::days(2);
    app::as_of(after, t.app.run_pending()).await.unwrap();
    let n = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert_eq!(overdue(&n), 1, "{n}");
    assert!(n.to_string().contains(&number));
    assert_eq!(
        overdue(&t.get(&w.exporter2, "/api/v1/notifications").await.ok()),
        0
    );
    // In the officers' queue from the day after the due date.
    assert!(queue(before).await.is_empty());
    let q = queue(after).await;
    assert_eq!(q.len(), 1);
    assert!(q[0].overdue);
    // A late report takes it out of the queue, marked late.
    let exporter = t.app.authenticate(&w.exporter).await.unwrap();
    let filed = app::as_of(
        after,
        t.app.file_report(
            &exporter,
            &q[0].id,
            serde_json::from_value(
                json!({"due_on": due, "deployments": [], "declaration_respected": true}),
            )
            .unwrap(),
        ),
    )
    .await
    .unwrap();
    assert!(filed.periods[0].report.as_ref().unwrap().late);
    assert!(queue(after).await.is_empty());
    // One notice per period was scheduled at issue.
    let jobs = t
        .app
        .jobs_of_kind(app::monitoring::reports::REPORT_OVERDUE)
        .await
        .unwrap();
    assert_eq!(jobs.len(), ob["periods"].as_array().unwrap().len());
}

/// A submitted export-free marketing case to `dest` whose end user is `end_user`; returns its id.
async fn submitted_to(t: &TestApp, w: &World, dest: &str, end_user: &str) -> String {
    t.case(w).to(dest).end_user(end_user).submitted().await
}

async fn unverified_parties_give_end_use_check_hits(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let case = submitted_to(&t, &w, "AE", "Gulf Monitoring Centre").await;
    let open = json!({"kind": "pre-licence", "case_id": case, "party_name": "Gulf Monitoring Centre",
        "party_country": "AE", "exporter_action": "Arrange a visit of the end user's site"});
    // Bad input names the field; a post-shipment check needs a licence; only officers open checks.
    let head = t.audit_head().await;
    let mut bad = open.clone();
    bad["party_country"] = json!("XX");
    assert_eq!(
        t.post(&w.officer, "/api/v1/end-use-checks", bad)
            .await
            .problem(422)["field"],
        "party_country"
    );
    let mut bad = open.clone();
    bad["kind"] = json!("post-shipment");
    assert_eq!(
        t.post(&w.officer, "/api/v1/end-use-checks", bad)
            .await
            .problem(422)["field"],
        "kind"
    );
    let mut bad = open.clone();
    bad["case_id"] = json!("no-such-case");
    assert_eq!(
        t.post(&w.officer, "/api/v1/end-use-checks", bad)
            .await
            .problem(422)["field"],
        "case_id"
    );
    t.post(&w.exporter, "/api/v1/end-use-checks", open.clone())
        .await
        .problem(403);
    assert_eq!(t.audit_head().await, head);

    let check = t.post(&w.officer, "/api/v1/end-use-checks", open).await;
    assert_eq!(check.status, 201, "{}", check.body);
    let cid = check.body["id"].as_str().unwrap().to_string();
    assert_eq!(check.body["state"], "open");
    // The exporter is told and reads the request, not who opened it; the other organisation reads nothing.
    let n = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(n.to_string().contains("end-use-check.opened"), "{n}");
    let mine = t.get(&w.exporter, "/api/v1/end-use-checks").await.ok();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(mine[0].get("opened_by").is_none());
    assert_eq!(
        t.get(&w.exporter2, "/api/v1/end-use-checks").await.ok(),
        json!([])
    );
    t.get(&w.exporter2, &format!("/api/v1/end-use-checks/{cid}"))
        .await
        .problem(404);

    // Not verified: the party joins the unverified list, and the exporter does not read the findings.
    let out = t
        .post(
            &w.officer,
            &format!("/api/v1/end-use-checks/{cid}/outcome"),
            json!({"outcome": "not-verified", "findings": "No installation at the declared site"}),
        )
        .await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["state"], "not-verified");
    let seen = t
        .get(&w.exporter, &format!("/api/v1/end-use-checks/{cid}"))
        .await
        .ok();
    assert_eq!(seen["outcome"], "not-verified");
    assert!(seen.get("findings").is_none(), "{seen}");
    t.post(
        &w.officer,
        &format!("/api/v1/end-use-checks/{cid}/outcome"),
        json!({"outcome": "verified", "findings": "again"}),
    )
    .await
    .problem(409);
    let list = t.get(&w.officer, "/api/v1/unverified-parties").await.ok();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "Gulf Monitoring Centre");
    t.get(&w.exporter, "/api/v1/unverified-parties")
        .await
        .problem(403);

    // A later application naming the party (spelt differently) gets a hit that requires an end-use check.
    let later = submitted_to(&t, &w, "AE", "Gulf Monitoring Center").await;
    let c = t
        .get(&w.officer, &format!("/api/v1/applications/{later}"))
        .await
        .ok();
    let hits: Vec<&Value> = c["screening"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["list"] == "authority-unverified")
        .collect();
    assert_eq!(hits.len(), 1, "{c}");
    assert_eq!(hits[0]["consequence"], "end-use-check");
    assert_eq!(hits[0]["sanctions_list"], false);
    // Screening the earlier case again is not needed: a verified party joins nothing.
    let other = submitted_to(&t, &w, "AE", "Emirates Police").await;
    let check = t
        .post(
            &w.officer,
            "/api/v1/end-use-checks",
            json!({"kind": "pre-licence", "case_id": other, "party_name": "Emirates Police",
                "party_country": "AE", "exporter_action": "visit"}),
        )
        .await
        .ok();
    t.post(
        &w.officer,
        &format!(
            "/api/v1/end-use-checks/{}/outcome",
            check["id"].as_str().unwrap()
        ),
        json!({"outcome": "verified", "findings": "as declared"}),
    )
    .await
    .ok();
    let list = t.get(&w.officer, "/api/v1/unverified-parties").await.ok();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

async fn evidence_opens_reassessments_that_end_in_action(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Two licences and an open case to Mexico for the same end user, one licence elsewhere, and one to Mexico
    // for someone else.
    let mut ids = Vec::new();
    for (dest, end_user) in [
        ("MX", "Federal Investigations Agency"),
        ("MX", "Federal Investigation Agency"),
        ("BR", "Federal Investigations Agency"),
        ("MX", "Municipal Traffic Office"),
    ] {
        let c = submitted_to(&t, &w, dest, end_user).await;
        let c = t.approve_and_issue(&w, &c, json!([])).await;
        assert_eq!(c["state"], "issued", "{c}");
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let open_case = submitted_to(&t, &w, "MX", "FEDERAL INVESTIGATIONS AGENCY").await;
    let evidence = json!({"source_kind": "forensic-lab", "source_name": "University research lab",
        "reported_on": "2026-01-15", "country": "MX", "end_user": "Federal Investigations Agency",
        "capability": "mobile intrusion platform", "link": "https://example.org/report",
        "summary": "Infections of journalists' phones attributed to the operator"});
    // Only officers and human-rights advisers record evidence; bad input names the field.
    let head = t.audit_head().await;
    t.post(&w.defence, "/api/v1/evidence", evidence.clone())
        .await
        .problem(403);
    t.post(&w.exporter, "/api/v1/evidence", evidence.clone())
        .await
        .problem(403);
    for (field, value) in [
        ("link", json!("javascript:alert(1)")),
        ("country", json!("XX")),
        ("reported_on", json!("2999-01-01")),
        ("control_entries", json!(["9Z999"])),
    ] {
        let mut bad = evidence.clone();
        bad[field] = value;
        let r = t.post(&w.hr, "/api/v1/evidence", bad).await;
        let got = r.problem(422)["field"].as_str().unwrap().to_string();
        assert!(got.starts_with(field), "{field}: {}", r.body);
    }
    assert_eq!(t.audit_head().await, head);

    let rec = t.post(&w.hr, "/api/v1/evidence", evidence.clone()).await;
    assert_eq!(rec.status, 201, "{}", rec.body);
    let links = rec.body["links"].as_array().unwrap();
    let mut linked: Vec<&str> = links
        .iter()
        .map(|l| l["case_id"].as_str().unwrap())
        .collect();
    linked.sort();
    let mut want = vec![ids[0].as_str(), ids[1].as_str(), open_case.as_str()];
    want.sort();
    assert_eq!(linked, want, "{links:?}");
    // The officers are told; their queue holds one open reassessment per link.
    let n = t.get(&w.officer, "/api/v1/notifications").await.ok();
    assert!(n.to_string().contains("reassessment.opened"));
    let queue = t
        .get(&w.officer, "/api/v1/reassessments?state=open")
        .await
        .ok();
    assert_eq!(queue.as_array().unwrap().len(), 3);
    // Exporters read no evidence, and no reassessment until it is decided.
    t.get(&w.exporter, "/api/v1/evidence").await.problem(403);
    let eid = rec.body["id"].as_str().unwrap();
    t.get(&w.exporter, &format!("/api/v1/evidence/{eid}"))
        .await
        .problem(403);
    assert_eq!(
        t.get(&w.exporter, "/api/v1/reassessments").await.ok(),
        json!([])
    );
    let link = |case: &str| {
        links.iter().find(|l| l["case_id"] == case).unwrap()["reassessment_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (first, second, on_open) = (link(&ids[0]), link(&ids[1]), link(&open_case));
    t.get(&w.exporter, &format!("/api/v1/reassessments/{first}"))
        .await
        .problem(404);

    // Evidence is a fact later determinations evaluate: true for that end user in that destination only.
    for (dest, end_user, want) in [
        ("MX", "Federal Investigations Agency", true),
        ("MX", "Municipal Traffic Office", false),
        ("BR", "Federal Investigations Agency", false),
    ] {
        let later = submitted_to(&t, &w, dest, end_user).await;
        let c = t
            .get(&w.officer, &format!("/api/v1/applications/{later}"))
            .await
            .ok();
        assert_eq!(
            c["determinations"][0]["request"]["evidence_of_misuse"], want,
            "{dest} {end_user}: {}",
            c["determinations"]
        );
    }

    // Decisions: bad combinations are refused and change nothing.
    let url = |r: &str| format!("/api/v1/reassessments/{r}/decision");
    let head = t.audit_head().await;
    for (body, field) in [
        (
            json!({"outcome": "new-conditions", "reason": "r"}),
            "conditions",
        ),
        (
            json!({"outcome": "no-action", "reason": "r", "conditions": [{"type": "text", "text": "x"}]}),
            "conditions",
        ),
        (
            json!({"outcome": "no-action", "reason": "r", "instruction": "stop"}),
            "instruction",
        ),
        (json!({"outcome": "no-action", "reason": " "}), "reason"),
    ] {
        let r = t.post(&w.officer, &url(&first), body).await;
        assert_eq!(r.problem(422)["field"], field, "{}", r.body);
    }
    // An open case holds no licence: only no-action applies to it.
    let r = t
        .post(
            &w.officer,
            &url(&on_open),
            json!({"outcome": "suspension", "reason": "r"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "outcome");
    assert_eq!(t.audit_head().await, head);

    // Suspension with an instruction to restrict the system: the licence is suspended as any other, the
    // exporter is told and confirms.
    let d = t
        .post(
            &w.officer,
            &url(&first),
            json!({"outcome": "suspension", "reason": "credible forensic evidence",
                "instruction": "Disable remote operation at the end user's site"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["state"], "awaiting-confirmation");
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{}", ids[0]))
        .await
        .ok();
    assert_eq!(case["state"], "suspended");
    t.post(
        &w.officer,
        &url(&first),
        json!({"outcome": "no-action", "reason": "again"}),
    )
    .await
    .problem(409);
    let n = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(n.to_string().contains("restriction.ordered"), "{n}");
    let seen = t
        .get(&w.exporter, &format!("/api/v1/reassessments/{first}"))
        .await
        .ok();
    assert_eq!(seen["decision"]["outcome"], "suspension");
    assert_eq!(
        seen["decision"]["instruction"],
        "Disable remote operation at the end user's site"
    );
    for hidden in ["evidence_id", "party_name", "score"] {
        assert!(seen.get(hidden).is_none(), "{hidden}: {seen}");
    }
    assert!(seen["decision"].get("reason").is_none(), "{seen}");
    let confirm = format!("/api/v1/reassessments/{first}/confirmation");
    t.post(&w.exporter2, &confirm, json!({"text": "done"}))
        .await
        .problem(404);
    let c = t
        .post(
            &w.exporter,
            &confirm,
            json!({"text": "Remote operation disabled"}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["state"], "closed");
    t.post(&w.exporter, &confirm, json!({"text": "again"}))
        .await
        .problem(409);

    // Revocation of the second licence; no action on the open case.
    let d = t
        .post(
            &w.officer,
            &url(&second),
            json!({"outcome": "revocation", "reason": "same operator"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["state"], "closed");
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{}", ids[1]))
        .await
        .ok();
    assert_eq!(case["state"], "revoked");
    let d = t
        .post(
            &w.officer,
            &url(&on_open),
            json!({"outcome": "no-action", "reason": "decided in the case itself"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(
        t.get(&w.officer, "/api/v1/reassessments?state=open")
            .await
            .ok(),
        json!([])
    );
}

async fn new_conditions_on_reassessment_reissue_the_licence(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (case_id, number) =
        issued(&t, &w, "MX", json!([{"type": "text", "text": "No resale"}])).await;
    let licence = format!("/api/v1/licences/{number}");
    let before = t.get(&w.exporter, &licence).await.ok();
    assert!(before.get("reissued_at").is_none(), "{before}");
    let rec = t
        .post(
            &w.hr,
            "/api/v1/evidence",
            json!({"source_kind": "court", "source_name": "District court", "reported_on": "2026-02-01",
                "country": "MX", "end_user": "Federal Police", "capability": "interception", "link": "https://example.org/judgment",
                "summary": "Interception of an opposition politician"}),
        )
        .await;
    assert_eq!(rec.status, 201, "{}", rec.body);
    let links = rec.body["links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    let reassessment = links[0]["reassessment_id"].as_str().unwrap();
    let d = t
        .post(
            &w.officer,
            &format!("/api/v1/reassessments/{reassessment}/decision"),
            json!({"outcome": "new-conditions", "reason": "court finding",
                "conditions": [{"type": "text", "text": "No remote operation by the exporter"},
                    {"type": "reporting-obligation", "every_months": 3, "text": "report each deployment"}]}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["state"], "closed");

    // The licence is signed again: same number, state and validity, the new conditions in its content.
    let after = t.get(&w.exporter, &licence).await.ok();
    assert_eq!(after["state"], "issued");
    assert_eq!(after["number"], before["number"]);
    assert_eq!(
        after["content"]["valid_until"],
        before["content"]["valid_until"]
    );
    assert_eq!(
        after["content"]["conditions"],
        json!([
            "No resale",
            "No remote operation by the exporter",
            "Report to the authority every 3 months: report each deployment"
        ])
    );
    assert!(after["reissued_at"].is_string(), "{after}");
    assert_ne!(after["signed"], before["signed"], "a new token");
    // The public check still answers for the same licence.
    let public = t
        .raw(
            "GET",
            None,
            &format!("/api/v1/public/licences/{number}"),
            None,
        )
        .await
        .ok();
    assert_eq!(public["state"], "issued", "{public}");
    // The case's decision carries them, so shipments and reporting follow them.
    let case = t
        .get(&w.exporter, &format!("/api/v1/applications/{case_id}"))
        .await
        .ok();
    assert_eq!(case["decision"]["conditions"].as_array().unwrap().len(), 3);
    let obligations = t
        .get(
            &w.officer,
            &format!("/api/v1/reporting-obligations?licence={number}"),
        )
        .await
        .ok();
    let o = obligations.as_array().unwrap();
    assert_eq!(o.len(), 1, "{obligations}");
    assert_eq!(o[0]["every_months"], 3);
    let first_due = t
        .app
        .today()
        .checked_add_months(chrono::Months::new(3))
        .unwrap();
    assert_eq!(
        o[0]["periods"][0]["due_on"],
        first_due.to_string(),
        "{obligations}"
    );
    // Audited: the decision, the conditions added to the case and the re-issue.
    let log = t
        .get(&w.auditor, &format!("/api/v1/audit?record={case_id}"))
        .await
        .ok();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "add-licence-conditions"));
}

async fn compliance_audits_and_own_refusals(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let today = t.app.today();
    let body = json!({"org_id": w.org1, "kind": "visit", "risk_rating": "high",
        "scheduled_on": today, "scope": "Internal compliance programme"});
    let head = t.audit_head().await;
    let mut bad = body.clone();
    bad["scheduled_on"] = json!("2020-01-01");
    assert_eq!(
        t.post(&w.officer, "/api/v1/compliance-audits", bad)
            .await
            .problem(422)["field"],
        "scheduled_on"
    );
    let mut bad = body.clone();
    bad["org_id"] = json!("no-such-org");
    assert_eq!(
        t.post(&w.officer, "/api/v1/compliance-audits", bad)
            .await
            .problem(422)["field"],
        "org_id"
    );
    t.post(&w.exporter, "/api/v1/compliance-audits", body.clone())
        .await
        .problem(403);
    assert_eq!(t.audit_head().await, head);
    let a = t.post(&w.officer, "/api/v1/compliance-audits", body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_string();
    // High risk: the next audit a year later.
    let next: chrono::NaiveDate = a.body["next_audit_due"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        next,
        today.checked_add_months(chrono::Months::new(12)).unwrap()
    );
    let n = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    assert!(n.to_string().contains("compliance-audit.scheduled"));
    let mine = t
        .get(&w.exporter, &format!("/api/v1/compliance-audits/{id}"))
        .await
        .ok();
    assert!(mine.get("officer").is_none(), "{mine}");
    t.get(&w.exporter2, &format!("/api/v1/compliance-audits/{id}"))
        .await
        .problem(404);

    let f = t
        .post(
            &w.officer,
            &format!("/api/v1/compliance-audits/{id}/findings"),
            json!({"findings": [{"severity": "major", "text": "End users are not screened before marketing"},
                {"severity": "observation", "text": "Training records incomplete"}]}),
        )
        .await;
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(f.body["state"], "findings");
    // Closing waits for the major finding's answer.
    let close = format!("/api/v1/compliance-audits/{id}/closure");
    let r = t
        .post(&w.officer, &close, json!({"conclusion": "done"}))
        .await;
    r.refused(409, "finding 0");
    let respond = format!("/api/v1/compliance-audits/{id}/responses");
    assert_eq!(
        t.post(&w.exporter, &respond, json!({"finding": 5, "text": "x"}))
            .await
            .problem(422)["field"],
        "finding"
    );
    t.post(&w.exporter2, &respond, json!({"finding": 0, "text": "x"}))
        .await
        .problem(404);
    let r = t
        .post(
            &w.exporter,
            &respond,
            json!({"finding": 0, "text": "Screening added to the sales process"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.post(
        &w.exporter,
        &respond,
        json!({"finding": 0, "text": "again"}),
    )
    .await
    .problem(409);
    let n = t.get(&w.officer, "/api/v1/notifications").await.ok();
    assert!(n.to_string().contains("compliance-audit.response"));
    let r = t
        .post(
            &w.officer,
            &close,
            json!({"conclusion": "Answered; next audit as scheduled"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "closed");
    t.post(&w.officer, &close, json!({"conclusion": "again"}))
        .await
        .problem(409);

    // The exporter reports a refusal of its own; it joins the organisation's compliance record.
    let refusal = json!({"decided_on": today, "destination": "AE", "end_user": "Gulf Monitoring Centre",
        "product": "IP network monitoring", "reason": "Ethics committee: no independent oversight"});
    let mut bad = refusal.clone();
    bad["destination"] = json!("XX");
    assert_eq!(
        t.post(&w.exporter, "/api/v1/own-refusals", bad)
            .await
            .problem(422)["field"],
        "destination"
    );
    t.post(&w.officer, "/api/v1/own-refusals", refusal.clone())
        .await
        .problem(403);
    let r = t.post(&w.exporter, "/api/v1/own-refusals", refusal).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let record = t
        .get(
            &w.officer,
            &format!("/api/v1/organisations/{}/compliance-record", w.org1),
        )
        .await
        .ok();
    assert_eq!(record["audits"].as_array().unwrap().len(), 1);
    assert_eq!(record["own_refusals"].as_array().unwrap().len(), 1);
    assert_eq!(
        record["own_refusals"][0]["refusal"]["end_user"],
        "Gulf Monitoring Centre"
    );
    t.get(
        &w.exporter2,
        &format!("/api/v1/organisations/{}/compliance-record", w.org1),
    )
    .await
    .problem(404);
    assert_eq!(
        t.get(&w.exporter2, "/api/v1/own-refusals").await.ok(),
        json!([])
    );
}
