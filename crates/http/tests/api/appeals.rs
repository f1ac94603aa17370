//! Issue 12: the information request's deadline (policy data, working days) after which the officer may close
//! the case as lapsed, and appeals against a refusal (the window, the grounds, separation of duties, upheld or
//! overturned, "issued on appeal").

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    an_unanswered_information_request_lapses_after_its_deadline,
    a_refusal_is_appealed_and_overturned_to_a_licence_on_appeal,
    an_upheld_refusal_is_final_and_the_window_closes,
);

async fn case(t: &TestApp, token: &str, id: &str) -> Value {
    t.get(token, &format!("/api/v1/applications/{id}"))
        .await
        .ok()
}

/// A secret-product marketing case to `dest`, assigned to the officer with every advice given.
async fn ready(t: &TestApp, w: &World, dest: &str) -> String {
    let c = t.submitted_ml(w, &w.secret_product, dest).await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let c = case(t, &w.officer, &id).await;
    t.advise_all(w, &c).await;
    id
}

async fn refused(t: &TestApp, w: &World, dest: &str) -> String {
    let id = ready(t, w, dest).await;
    t.decide(
        w,
        &id,
        "refuse",
        json!({"reason": "risk of misuse", "criteria": ["criterion-2"]}),
    )
    .await
    .ok();
    id
}

fn noon(d: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

async fn an_unanswered_information_request_lapses_after_its_deadline(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = ready(&t, &w, "BR").await;
    let today = t.app.today();
    let c = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/information-requests"),
            json!({"question": "Who operates the system?"}),
        )
        .await
        .ok();
    // The deadline: the reference policy's 20 working days of the authority's calendar.
    let due: chrono::NaiveDate = c["info_requests"][0]["due_on"]
        .as_str()
        .expect("the request has a deadline")
        .parse()
        .unwrap();
    assert_eq!(due, t.app.calendar().add_working_days(today, 20));
    assert_eq!(t.app.calendar().working_days_between(today, due), 20);
    // The exporter sees it, and what is awaited says by when.
    let mine = case(&t, &w.exporter, &id).await;
    assert_eq!(mine["information_requests"][0]["due_on"], due.to_string());
    assert_eq!(
        mine["awaiting_exporter"][0],
        format!("answer the open information request by {due}")
    );
    // Not before the deadline has passed: 409 naming the date; nothing changes.
    let head = t.audit_head().await;
    let early = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/lapse"),
            json!({}),
        )
        .await;
    assert!(early.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("may answer until {due}")));
    assert_eq!(t.audit_head().await, head);
    // The exporter may not lapse its own case.
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/lapse"),
        json!({}),
    )
    .await
    .problem(403);
    let officer = t.app.authenticate(&w.officer).await.unwrap();
    let body = || app::model::ActionBody {
        expected_version: None,
        reason: None,
    };
    // On the deadline itself the exporter may still answer.
    let r = app::as_of(noon(due), t.app.lapse_case(&officer, &id, body())).await;
    assert!(matches!(r, Err(app::AppError::Conflict(_))), "{r:?}");
    // The day after: lapsed.
    let after = due.succ_opt().unwrap();
    app::as_of(noon(after), t.app.lapse_case(&officer, &id, body()))
        .await
        .unwrap();
    let c = case(&t, &w.officer, &id).await;
    assert_eq!(c["state"], "lapsed");
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "awaiting-exporter");
    assert_eq!(
        last["reason"],
        "the information request was not answered in time"
    );
    // The exporter is told, and can no longer answer.
    let ns = t
        .get(&w.exporter, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(ns
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "case.lapsed" && n["record_id"] == id.as_str()));
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "too late"}),
    )
    .await
    .problem(409);
    // A case under review (no open request) does not lapse.
    let other = ready(&t, &w, "MX").await;
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{other}/lapse"),
        json!({}),
    )
    .await
    .problem(409);
}

async fn a_refusal_is_appealed_and_overturned_to_a_licence_on_appeal(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = refused(&t, &w, "BR").await;
    let today = t.app.today();
    let c = case(&t, &w.exporter, &id).await;
    assert_eq!(c["state"], "refused");
    // The window: the reference policy's 28 calendar days.
    assert_eq!(
        c["appeal_until"],
        (today + chrono::Days::new(28)).to_string()
    );
    let url = |a: &str| format!("/api/v1/applications/{id}/{a}");
    // Only the exporter appeals; grounds are required.
    t.post(&w.officer, &url("appeal"), json!({"grounds": "x"}))
        .await
        .problem(403);
    let bad = t
        .post(&w.exporter, &url("appeal"), json!({"grounds": " "}))
        .await;
    assert_eq!(bad.problem(422)["field"], "grounds");
    let c = t
        .post(
            &w.exporter,
            &url("appeal"),
            json!({"grounds": "An independent oversight body now supervises the end user.",
                "documents": [{"kind": "other", "name": "oversight.pdf"}]}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "under-appeal");
    assert_eq!(c["appeal"]["documents"][0]["name"], "oversight.pdf");
    // Every officer is told (the reviewer is another officer than the one who refused).
    let ns = t
        .get(&w.officer2, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(ns
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "appeal.filed"));
    // Separation of duties: the officer who refused may not review the appeal.
    let head = t.audit_head().await;
    let own = t
        .post(
            &w.officer,
            &url("appeal/decision"),
            json!({"outcome": "overturned", "reason": "I changed my mind"}),
        )
        .await;
    own.refused(403, "separation of duties");
    assert_eq!(t.audit_head().await, head);
    // Another officer overturns it.
    let c = t
        .post(
            &w.officer2,
            &url("appeal/decision"),
            json!({"outcome": "overturned", "reason": "The oversight body answers criterion 2."}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "approved");
    assert_eq!(c["appeal"]["outcome"], "overturned");
    assert_eq!(c["appeal"]["refusal"]["approved"], false);
    assert_eq!(c["decision"]["approved"], true);
    let off2 = t.get(&w.officer2, "/api/v1/me").await.ok()["user_id"].clone();
    assert_eq!(c["assigned_to"], off2, "the reviewer carries the case on");
    // The refusal's denial ended, and the partners were told.
    let own: Vec<Value> = t
        .get(&w.officer, "/api/v1/denials?limit=500")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["own"] == true)
        .cloned()
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["event"], "refusal");
    assert_eq!(own[0]["status"], "revoked");
    let dn = t
        .get(&w.officer, "/api/v1/denials/notifications?since=2026-01-01")
        .await
        .ok();
    let last = dn.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "final-assessment");
    assert_eq!(last["outcome"], "overturned");
    // Issued on appeal, by the reviewer.
    let c = t.post(&w.officer2, &url("issue"), json!({})).await.ok();
    assert_eq!(c["state"], "issued");
    assert_eq!(c["licence_issued"]["on_appeal"], true);
    // The exporter's view: the outcome and reasons, never who reviewed.
    let mine = case(&t, &w.exporter, &id).await;
    assert_eq!(mine["appeal"]["outcome"], "overturned");
    assert!(mine["appeal"].get("reviewed_by").is_none(), "{mine}");
    assert_eq!(mine["licence_issued"]["on_appeal"], true);
    let ns = t
        .get(&w.exporter, "/api/v1/notifications?limit=100")
        .await
        .ok();
    assert!(ns
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["event"] == "appeal.decided"));
    // No second appeal of an issued case.
    t.post(&w.exporter, &url("appeal"), json!({"grounds": "again"}))
        .await
        .problem(409);
}

async fn an_upheld_refusal_is_final_and_the_window_closes(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = refused(&t, &w, "BR").await;
    let url = |a: &str| format!("/api/v1/applications/{id}/{a}");
    t.post(&w.exporter, &url("appeal"), json!({"grounds": "please"}))
        .await
        .ok();
    let c = t
        .post(
            &w.officer2,
            &url("appeal/decision"),
            json!({"outcome": "upheld", "reason": "Criterion 2 still applies."}),
        )
        .await
        .ok();
    assert_eq!(c["state"], "refused");
    assert_eq!(c["appeal"]["outcome"], "upheld");
    assert_eq!(c["decision"]["approved"], false);
    // Appealed once only.
    let again = t
        .post(&w.exporter, &url("appeal"), json!({"grounds": "again"}))
        .await;
    again.refused(409, "already appealed");
    // A decision on a case not under appeal: 409 from the lifecycle.
    t.post(
        &w.officer2,
        &url("appeal/decision"),
        json!({"outcome": "overturned", "reason": "x"}),
    )
    .await
    .problem(409);

    // The window: on its last day an appeal is accepted, the day after it is refused.
    let late = refused(&t, &w, "MX").await;
    let until: chrono::NaiveDate = case(&t, &w.exporter, &late).await["appeal_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let exporter = t.app.authenticate(&w.exporter).await.unwrap();
    let body = || app::appeals::AppealBody {
        grounds: "late grounds".into(),
        documents: vec![],
        expected_version: None,
    };
    let r = app::as_of(
        noon(until.succ_opt().unwrap()),
        t.app.file_appeal(&exporter, &late, body()),
    )
    .await;
    match r {
        Err(app::AppError::Conflict(m)) => {
            assert!(m.contains(&format!("closed on {until}")), "{m}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    app::as_of(noon(until), t.app.file_appeal(&exporter, &late, body()))
        .await
        .unwrap();
    assert_eq!(case(&t, &w.exporter, &late).await["state"], "under-appeal");
}
