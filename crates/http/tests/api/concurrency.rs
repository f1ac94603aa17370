//! Two officers deciding the same case at the same moment: exactly one succeeds, the other gets 409, and
//! nothing is lost. Half the rounds pin `expected_version`; the other half send none, so that the one winner
//! comes from the state check inside the writing transaction, not from the version comparison.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(
    concurrent_decisions_one_wins,
    concurrent_submissions_of_one_draft_one_wins
);

async fn concurrent_decisions_one_wins(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // A secret item that is not a cyber-surveillance item, to a tier 1 destination: the policy asks for no
    // countersignature, so the officer decides directly from under review (countersigning races are in
    // `countersigning.rs`).
    let plain = t.product(&w, "Crypto", "5D002", "secret").await;
    t.race_freely();
    for round in 0..6 {
        let pinned = round < 3;
        let c = t.submitted_ml(&w, &plain, "FR").await;
        let id = c["id"].as_str().unwrap().to_string();
        t.post(
            &w.officer,
            &format!("/api/v1/applications/{id}/assign"),
            json!({}),
        )
        .await
        .ok();
        t.advise_all(&w, &c).await;
        let version = t
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok()["version"]
            .as_i64()
            .unwrap();
        let (pa, pr) = (
            format!("/api/v1/applications/{id}/approve"),
            format!("/api/v1/applications/{id}/refuse"),
        );
        let mut approve_body = json!({"reason": "fine"});
        let mut refuse_body = json!({"reason": "risky", "criteria": ["criterion-2"]});
        if pinned {
            approve_body["expected_version"] = json!(version);
            refuse_body["expected_version"] = json!(version);
        }
        let approve = t.post(&w.officer, &pa, approve_body);
        // Both by the assigned officer (only the assignee acts), from two clients at once.
        let refuse = t.post(&w.officer, &pr, refuse_body);
        let (a, r) = tokio::join!(approve, refuse);
        let statuses = [a.status, r.status];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?} {} {}",
            a.body,
            r.body
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            1,
            "round {round}: {statuses:?}"
        );
        let loser = if a.status == 409 { &a } else { &r };
        assert_eq!(loser.content_type, "application/problem+json");
        let stored = t
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        let winner_state = if a.status == 200 {
            "approved"
        } else {
            "refused"
        };
        assert_eq!(stored["state"], winner_state);
        assert_eq!(stored["version"].as_i64().unwrap(), version + 1);
        let log = t
            .get(&w.auditor, &format!("/api/v1/audit?record={id}"))
            .await
            .ok();
        let decisions = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                let a = e["action"].as_str().unwrap();
                a == "approve-application" || a == "refuse-application"
            })
            .count();
        assert_eq!(decisions, 1, "exactly one decision is audited");
    }
}

/// Four clients of the exporter submit the same draft at once. A submission reads the case, determines and
/// screens it, and writes only if the version it read is still the stored one (`App::change_read_case`: it
/// does not read the case again under the row lock), so exactly one submits; each other one is a 409 (the
/// version moved on, or it read the case already submitted), and one submission is audited.
async fn concurrent_submissions_of_one_draft_one_wins(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let plain = t.product(&w, "Crypto", "5D002", "secret").await;
    t.race_freely();
    for round in 0..4 {
        let c = t
            .post(&w.exporter, "/api/v1/applications", ml_body(&plain, "FR"))
            .await
            .ok();
        let id = c["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/applications/{id}/submit");
        let (a, b2, c2, d) = tokio::join!(
            t.post(&w.exporter, &path, json!({})),
            t.post(&w.exporter, &path, json!({})),
            t.post(&w.exporter, &path, json!({})),
            t.post(&w.exporter, &path, json!({})),
        );
        let statuses = [a.status, b2.status, c2.status, d.status];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            3,
            "round {round}: {statuses:?}"
        );
        let stored = t
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        assert_eq!(stored["state"], "submitted", "round {round}");
        assert_eq!(stored["version"].as_i64().unwrap(), 2, "round {round}");
        let log = t
            .get(&w.auditor, &format!("/api/v1/audit?record={id}"))
            .await
            .ok();
        let submissions = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "submit-application")
            .count();
        assert_eq!(
            submissions, 1,
            "round {round}: exactly one submission is audited"
        );
    }
}
