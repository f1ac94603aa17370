//! Notifications and the durable job runner through the API, on both backends: in-app notifications created
//! in the transaction of each change, e-mail to a real SMTP sink, signed webhooks to a real receiver, retries
//! with backoff then `failed`, and a job committed before a crash delivered after the restart.

use crate::both_backends;
use crate::common::*;
use crate::sinks::{HookReceiver, SmtpSink};
use serde_json::{json, Value};

pub fn smtp_config(port: u16) -> app::AppConfig {
    app::AppConfig {
        notify: app::notify::NotifyConfig {
            smtp: Some(app::notify::SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                tls: app::notify::SmtpTls::None,
                username: None,
                password: None,
                from: "exportctl@authority.example".into(),
            }),
            max_attempts: 3,
            webhook_allow_hosts: vec!["127.0.0.1".into()],
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn list(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    t.get(token, &format!("/api/v1/notifications{query}"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

fn events(ns: &[Value]) -> Vec<&str> {
    ns.iter().map(|n| n["event"].as_str().unwrap()).collect()
}

async fn notifications_follow_the_case(backend: Backend) {
    let t = TestApp::start(backend).await;
    let w = t.world().await;
    // Registration decisions told the exporters.
    assert_eq!(
        events(&list(&t, &w.exporter, "").await),
        ["registration.decided"]
    );
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    let reference = case["reference"].as_str().unwrap();
    // Submission goes to every officer's queue; nobody else.
    for officer in [&w.officer, &w.officer2] {
        let ns = list(&t, officer, "").await;
        assert_eq!(events(&ns), ["case.submitted"]);
        assert_eq!(ns[0]["reference"], reference);
        assert!(ns[0]["read_at"].is_null());
    }
    // Assignment to another officer tells that officer; self-assignment tells nobody.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({"officer_id": user_id(&t, &w.officer2).await}),
    )
    .await
    .ok();
    assert_eq!(
        events(&list(&t, &w.officer2, "").await),
        ["case.submitted", "case.assigned"]
    );
    assert_eq!(events(&list(&t, &w.officer, "").await), ["case.submitted"]);
    // Advice requested goes to advisers of that kind only.
    t.post(
        &w.officer2,
        &format!("/api/v1/applications/{id}/advice-requests"),
        json!({"reviews": ["foreign-affairs"]}),
    )
    .await
    .ok();
    let c = t
        .get(&w.officer2, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let awaited: Vec<&str> = c["advice"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["advice"].is_null())
        .map(|a| a["review"].as_str().unwrap())
        .collect();
    assert!(awaited.contains(&"foreign-affairs"));
    for (token, kind) in [
        (&w.hr, "human-rights"),
        (&w.defence, "defence"),
        (&w.fa, "foreign-affairs"),
        (&w.cyber, "economy-cyber"),
    ] {
        let told = events(&list(&t, token, "").await)
            .iter()
            .filter(|e| **e == "advice.requested")
            .count();
        assert_eq!(told, usize::from(awaited.contains(&kind)), "{kind}");
    }
    assert!(list(&t, &w.auditor, "").await.is_empty());
    assert!(list(&t, &w.policy_admin, "").await.is_empty());
    // Information requested goes to the case's exporter, not another organisation's.
    t.post(
        &w.officer2,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Which police unit exactly?"}),
    )
    .await
    .ok();
    let ns = list(&t, &w.exporter, "").await;
    assert_eq!(
        events(&ns),
        ["registration.decided", "information.requested"]
    );
    assert_eq!(
        events(&list(&t, &w.exporter2, "").await),
        ["registration.decided"]
    );
    // Nothing confidential: no party name, no question text, no adviser or officer names. Only the words
    // are searched: the random hex ids can contain a username such as "fa1" by chance.
    let all: String = ns
        .iter()
        .flat_map(|n| ["subject", "body", "reference", "event"].map(|k| n[k].to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(all.contains(reference), "{all}");
    for secret in ["Federal Police", "police unit", "off2", "fa1"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    // The answer goes back to the assigned officer.
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "Unit 7"}),
    )
    .await
    .ok();
    assert!(events(&list(&t, &w.officer2, "").await).contains(&"information.received"));
    // Read / unread; another user's notification answers 404 like a missing one.
    let n = ns[1]["id"].as_str().unwrap();
    let read = t
        .post(
            &w.exporter,
            &format!("/api/v1/notifications/{n}/read"),
            json!({}),
        )
        .await
        .ok();
    assert!(read["read_at"].is_string());
    assert_eq!(
        events(&list(&t, &w.exporter, "?unread=true").await),
        ["registration.decided"]
    );
    let other = t
        .post(
            &w.exporter2,
            &format!("/api/v1/notifications/{n}/read"),
            json!({}),
        )
        .await;
    let missing = t
        .post(&w.exporter2, "/api/v1/notifications/nope/read", json!({}))
        .await;
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    assert_eq!(strip(other.problem(404)), strip(missing.problem(404)));
    // Pagination.
    let page = t.get(&w.officer2, "/api/v1/notifications?limit=1").await;
    assert_eq!(page.body.as_array().unwrap().len(), 1);
    assert!(page.link.is_some());
    let bad = t
        .get(&w.officer2, "/api/v1/notifications?unread=maybe")
        .await;
    assert_eq!(bad.status / 100, 4);
}

async fn user_id(t: &TestApp, token: &str) -> String {
    t.get(token, "/api/v1/me").await.ok()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn email_goes_to_a_real_smtp_server(backend: Backend) {
    let sink = SmtpSink::start().await;
    let t = TestApp::start_with(backend, smtp_config(sink.port)).await;
    let w = t.world().await;
    let bad = t.email_to(&w.officer, "not an address").await;
    assert_eq!(bad.problem(422)["field"], "email");
    let prefs = t.email_to(&w.officer, "off1@authority.example").await.ok();
    assert_eq!(prefs["email_enabled"], true);
    assert_eq!(
        t.get(&w.officer, "/api/v1/notifications/preferences")
            .await
            .ok(),
        prefs
    );
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let reference = case["reference"].as_str().unwrap();
    assert!(
        sink.mails().is_empty(),
        "nothing is sent before the runner runs"
    );
    let report = t.app.run_pending().await.unwrap();
    assert_eq!(report.done, 1, "{report:?}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.to, ["<off1@authority.example>"]);
    assert_eq!(m.from, "<exportctl@authority.example>");
    assert!(
        m.data
            .contains(&format!("Subject: Application {reference} submitted")),
        "{}",
        m.data
    );
    assert!(
        m.data.contains("text/plain") && m.data.contains("text/html"),
        "{}",
        m.data
    );
    assert!(!m.data.contains("Federal Police"));
    // Nothing is due any more.
    assert_eq!(
        t.app.run_pending().await.unwrap(),
        app::jobs::JobReport::default()
    );
}

async fn failed_delivery_is_retried_then_marked_failed(backend: Backend) {
    // An SMTP port where nothing listens.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = TestApp::start_with(backend, smtp_config(port)).await;
    let w = t.world().await;
    t.email_to(&w.officer, "off1@authority.example").await.ok();
    t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let r = t.app.run_pending().await.unwrap();
    assert_eq!((r.done, r.retried, r.failed), (0, 1, 0));
    let job = &t.app.jobs_of_kind("deliver-email").await.unwrap()[0];
    assert_eq!((job.state.as_str(), job.attempts), ("pending", 1));
    assert!(job.last_error.as_deref().unwrap().starts_with("SMTP"));
    // Not due again at once: the backoff holds it.
    assert_eq!(
        t.app.run_pending().await.unwrap(),
        app::jobs::JobReport::default()
    );
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let r = app::as_of(later, t.app.run_pending()).await.unwrap();
    assert_eq!((r.retried, r.failed), (1, 0));
    let r = app::as_of(later + chrono::Duration::hours(1), t.app.run_pending())
        .await
        .unwrap();
    assert_eq!((r.retried, r.failed), (0, 1));
    let job = t.app.job(&job.id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 3));
    assert!(job.finished_at.is_some());
    // A failed job stays failed.
    let r = app::as_of(later + chrono::Duration::days(30), t.app.run_pending())
        .await
        .unwrap();
    assert_eq!(r, app::jobs::JobReport::default());
}

async fn webhooks_are_signed_logged_and_retried(backend: Backend) {
    let receiver = HookReceiver::start().await;
    let t = TestApp::start_with(backend, smtp_config(1)).await;
    let w = t.world().await;
    // Only public https endpoints unless allowed; officers have no organisation webhooks.
    let bad = t
        .post(
            &w.exporter,
            "/api/v1/webhooks",
            json!({"url": "http://10.0.0.1/x"}),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "url");
    assert_eq!(
        t.post(&w.officer, "/api/v1/webhooks", json!({"url": receiver.url}))
            .await
            .status,
        403
    );
    let hook = t
        .post(
            &w.exporter,
            "/api/v1/webhooks",
            json!({"url": receiver.url}),
        )
        .await
        .ok();
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    *receiver.secret.lock().unwrap() = secret.to_string();
    let listed = t.get(&w.exporter, "/api/v1/webhooks").await.ok();
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once"
    );
    assert!(t
        .get(&w.exporter2, "/api/v1/webhooks")
        .await
        .ok()
        .as_array()
        .unwrap()
        .is_empty());

    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Which unit?"}),
    )
    .await
    .ok();
    t.app.run_pending().await.unwrap();
    let hooks = receiver.hooks();
    assert_eq!(
        hooks.len(),
        1,
        "only exporter events reach the organisation: {hooks:?}"
    );
    assert!(hooks[0].verified, "{hooks:?}");
    assert!(hooks[0].id.starts_with("msg_"));
    let sent: i64 = hooks[0].timestamp.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - sent).abs() < 300,
        "webhook-timestamp is the attempt's time"
    );
    let body: Value = serde_json::from_str(&hooks[0].body).unwrap();
    assert_eq!(body["type"], "information.requested");
    assert_eq!(body["data"]["reference"], case["reference"]);
    assert!(!hooks[0].body.contains("Which unit"));

    // The receiver fails: retried with the same message id, then failed; every attempt is logged.
    receiver
        .status
        .store(500, std::sync::atomic::Ordering::SeqCst);
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "Unit 7"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "And the second?"}),
    )
    .await
    .ok();
    let mut at = chrono::Utc::now();
    for _ in 0..3 {
        app::as_of(at, t.app.run_pending()).await.unwrap();
        at += chrono::Duration::hours(1);
    }
    let hooks = receiver.hooks();
    assert_eq!(hooks.len(), 4);
    assert!(hooks.iter().all(|h| h.verified));
    assert_eq!(hooks[1].id, hooks[3].id, "retries keep the message id");
    let log = t.get(&w.exporter, "/api/v1/webhooks/deliveries").await.ok();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["delivered", "retrying", "retrying", "failed"]);
    assert_eq!(log[3]["status_code"], 500);
    assert!(t
        .get(&w.exporter2, "/api/v1/webhooks/deliveries")
        .await
        .ok()
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        t.get(&w.officer, "/api/v1/webhooks/deliveries")
            .await
            .status,
        403
    );
}

async fn a_job_committed_before_a_crash_runs_after_restart(backend: Backend) {
    let sink = SmtpSink::start().await;
    let config = smtp_config(sink.port);
    let t = TestApp::start_with(backend, config.clone()).await;
    let w = t.world().await;
    t.email_to(&w.officer, "off1@authority.example").await.ok();
    t.submitted_ml(&w, &w.restricted_product, "FR").await;
    // A worker claimed the job and died before delivering it.
    let now = chrono::Utc::now();
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let claimed = t
        .app
        .store
        .claim_jobs(
            "crashed-worker",
            &stamp(now),
            &stamp(now + chrono::Duration::seconds(1)),
            10,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(sink.mails().is_empty());
    // A new process on the same database (the restart) takes the job over once the lease has ended.
    let store = store::Store::connect(t.db_url()).await.unwrap();
    let restarted = app::App::new(store, config).await.unwrap();
    assert_eq!(
        restarted.run_pending().await.unwrap(),
        app::jobs::JobReport::default(),
        "the lease still holds"
    );
    let r = app::as_of(now + chrono::Duration::minutes(1), restarted.run_pending())
        .await
        .unwrap();
    assert_eq!(r.done, 1);
    assert_eq!(sink.mails().len(), 1);
    let job = restarted.job(&claimed[0].id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("done", 2));
    // The dead worker's late completion changes nothing.
    t.app
        .store
        .finish_job(&job.id, "crashed-worker", "x")
        .await
        .unwrap();
    assert_eq!(
        restarted.job(&job.id).await.unwrap().finished_at,
        job.finished_at
    );
}

async fn pending_job_not_run_before_the_crash_is_run_after(backend: Backend) {
    let sink = SmtpSink::start().await;
    let config = smtp_config(sink.port);
    let t = TestApp::start_with(backend, config.clone()).await;
    let w = t.world().await;
    t.email_to(&w.officer2, "off2@authority.example").await.ok();
    t.submitted_ml(&w, &w.restricted_product, "FR").await;
    // The first process never ran its jobs; a second one on the same database delivers them.
    let store = store::Store::connect(t.db_url()).await.unwrap();
    let restarted = app::App::new(store, config).await.unwrap();
    assert_eq!(restarted.run_pending().await.unwrap().done, 1);
    assert_eq!(sink.mails()[0].to, ["<off2@authority.example>"]);
}

async fn information_reminder_is_scheduled(backend: Backend) {
    let t = TestApp::start(backend).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Which unit?"}),
    )
    .await
    .ok();
    t.app.run_pending().await.unwrap();
    assert!(!events(&list(&t, &w.exporter, "").await).contains(&"information.reminder"));
    let later = chrono::Utc::now() + chrono::Duration::days(11);
    assert_eq!(
        app::as_of(later, t.app.run_pending()).await.unwrap().done,
        1
    );
    assert!(events(&list(&t, &w.exporter, "").await).contains(&"information.reminder"));
    // An answered request is not reminded.
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "Unit 7"}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/information-requests"),
        json!({"question": "Again?"}),
    )
    .await
    .ok();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/responses"),
        json!({"answer": "Yes"}),
    )
    .await
    .ok();
    let later = chrono::Utc::now() + chrono::Duration::days(22);
    app::as_of(later, t.app.run_pending()).await.unwrap();
    let reminders = list(&t, &w.exporter, "").await;
    assert_eq!(
        events(&reminders)
            .iter()
            .filter(|e| **e == "information.reminder")
            .count(),
        1
    );
}

both_backends!(
    notifications_follow_the_case,
    email_goes_to_a_real_smtp_server,
    failed_delivery_is_retried_then_marked_failed,
    webhooks_are_signed_logged_and_retried,
    a_job_committed_before_a_crash_runs_after_restart,
    pending_job_not_run_before_the_crash_is_run_after,
    information_reminder_is_scheduled,
);
