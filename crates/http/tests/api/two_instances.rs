//! Two instances of the service on one database behave as one (issue #16): a case filed on one is decided on
//! the other, concurrent decisions through both have one winner, and the durable jobs both runners claim
//! at once run once each (an e-mail per notification, not one per instance).

use crate::both_backends;
use crate::common::*;
use crate::notifications::smtp_config;
use crate::sinks::SmtpSink;
use serde_json::json;

both_backends!(two_instances_behave_as_one);

async fn two_instances_behave_as_one(b: Backend) {
    let sink = SmtpSink::start().await;
    let a = TestApp::start_with(b, smtp_config(sink.port)).await;
    let w = a.world().await;
    let other = a.second_instance(smtp_config(sink.port)).await;
    // Not a cyber-surveillance item, to a tier 1 destination: no countersignature, the officer decides
    // directly from under review (countersigning races are in `countersigning.rs`).
    let plain = a.product(&w, "Crypto", "5D002", "secret").await;
    // E-mail for both officers (submissions go to every officer's queue).
    for (officer, name) in [(&w.officer, "off1"), (&w.officer2, "off2")] {
        a.email_to(officer, format!("{name}@authority.example"))
            .await
            .ok();
    }
    // Filed on one instance, read and worked on the other, alternately.
    let mut ids = Vec::new();
    for round in 0..4 {
        let (file, work) = if round % 2 == 0 {
            (&a, &other)
        } else {
            (&other, &a)
        };
        let c = file.submitted_ml(&w, &plain, "FR").await;
        let id = c["id"].as_str().unwrap().to_string();
        let seen = work
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        assert_eq!(seen["state"], "submitted", "round {round}");
        work.post(
            &w.officer,
            &format!("/api/v1/applications/{id}/assign"),
            json!({}),
        )
        .await
        .ok();
        file.advise_all(&w, &c).await;
        ids.push(id);
    }
    // Both instances decide the same cases at once: one approval or refusal wins each time.
    a.race_freely();
    other.race_freely();
    for id in &ids {
        let (pa, pr) = (
            format!("/api/v1/applications/{id}/approve"),
            format!("/api/v1/applications/{id}/refuse"),
        );
        let (approve, refuse) = tokio::join!(
            a.post(&w.officer, &pa, json!({"reason": "fine"})),
            other.post(
                &w.officer,
                &pr,
                json!({"reason": "risky", "criteria": ["criterion-2"]})
            ),
        );
        let statuses = [approve.status, refuse.status];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?} {} {}",
            approve.body,
            refuse.body
        );
        assert!(statuses.contains(&409), "{statuses:?}");
        let state = other
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok()["state"]
            .clone();
        let expected = if approve.status == 200 {
            "approved"
        } else {
            "refused"
        };
        assert_eq!(state, expected);
    }
    // The jobs the submissions queued (an e-mail to each officer per case, and more for the decisions):
    // both runners claim at once, and each job runs once.
    let (ra, rb) = tokio::join!(a.app.run_pending(), other.app.run_pending());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.failed + rb.failed + ra.retried + rb.retried, 0);
    let jobs = a
        .app
        .jobs_of_kind(app::notify::DELIVER_EMAIL)
        .await
        .unwrap();
    assert!(jobs.len() >= 8, "{}", jobs.len());
    assert!(jobs.iter().all(|j| j.state == "done" && j.attempts == 1));
    assert_eq!(ra.done + rb.done, jobs.len(), "{ra:?} {rb:?}");
    let mails = sink.mails();
    // A job run by both runners would send its e-mail twice: one e-mail per job.
    assert_eq!(mails.len(), jobs.len(), "one e-mail per job, none twice");
    drop(other);
}
