//! Fixture builders, so a test says in a line what it starts from: a marketing case taken to any lifecycle
//! state (`t.case(&w).to("BR").issued().await`), a registered exporter organisation of its own, and a
//! classified product. Each builder goes through the API as a user would (the same requests the tests
//! repeated by hand) and checks that the case reached the state asked for, so a broken fixture fails where it
//! is built, not three steps later.

// Not every test binary module uses every builder (as in `common`).
#![allow(dead_code)]

use crate::common::*;
use serde_json::{json, Value};

/// The lifecycle states a case fixture can be built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Draft,
    Submitted,
    UnderReview,
    AwaitingExporter,
    Approved,
    Refused,
    Withdrawn,
    Issued,
    Suspended,
    Revoked,
    /// Final advice to approve drafted, not yet submitted.
    FinalReview,
    /// Final advice to approve submitted, no countersignature yet.
    Countersigning,
}

impl At {
    pub fn as_str(self) -> &'static str {
        match self {
            At::Draft => "draft",
            At::Submitted => "submitted",
            At::UnderReview => "under-review",
            At::AwaitingExporter => "awaiting-exporter",
            At::Approved => "approved",
            At::Refused => "refused",
            At::Withdrawn => "withdrawn",
            At::Issued => "issued",
            At::Suspended => "suspended",
            At::Revoked => "revoked",
            At::FinalReview => "final-review",
            At::Countersigning => "countersigning",
        }
    }
}

/// A marketing-licence case of the world's first exporter: by default its secret product to BR with a
/// government end user (`ml_body`).
pub struct CaseFixture<'a> {
    t: &'a TestApp,
    w: &'a World,
    body: Value,
}

impl TestApp {
    /// A case builder for `w`'s first exporter.
    pub fn case<'a>(&'a self, w: &'a World) -> CaseFixture<'a> {
        CaseFixture {
            t: self,
            w,
            body: ml_body(&w.secret_product, "BR"),
        }
    }

    /// A second exporter organisation of its own, registered and approved, with one user: (org id, token).
    pub async fn registered_exporter(
        &self,
        w: &World,
        org: &str,
        username: &str,
    ) -> (String, String) {
        let org_id = self.org(org).await;
        let token = self.user(username, "exporter", None, Some(&org_id)).await;
        let reg = self
            .post(&token, "/api/v1/registrations", json!({"company_name": org, "registration_number": "51-9", "address": "9 St", "country": "IL", "contact_email": "c@example.test"}))
            .await
            .ok();
        self.post(
            &w.officer,
            &format!(
                "/api/v1/registrations/{}/decision",
                reg["id"].as_str().unwrap()
            ),
            json!({"approve": true, "reason": "complete"}),
        )
        .await
        .ok();
        (org_id, token)
    }
}

impl<'a> CaseFixture<'a> {
    /// The product applied for (one of the first exporter's).
    pub fn product(mut self, product: &str) -> Self {
        self.body["marketing"]["products"] = json!([product]);
        self
    }

    /// The destination (also the end user's country).
    pub fn to(mut self, dest: &str) -> Self {
        self.body["marketing"]["destinations"] = json!([dest]);
        self.body["marketing"]["end_users"][0]["country"] = json!(dest);
        self
    }

    /// The end user's name (a listed name makes a screening hit).
    pub fn end_user(mut self, name: &str) -> Self {
        self.body["marketing"]["end_users"][0]["name"] = json!(name);
        self
    }

    pub async fn draft(self) -> String {
        self.build(At::Draft).await
    }
    pub async fn submitted(self) -> String {
        self.build(At::Submitted).await
    }
    pub async fn under_review(self) -> String {
        self.build(At::UnderReview).await
    }
    pub async fn awaiting_exporter(self) -> String {
        self.build(At::AwaitingExporter).await
    }
    pub async fn approved(self) -> String {
        self.build(At::Approved).await
    }
    pub async fn issued(self) -> String {
        self.build(At::Issued).await
    }

    /// Takes the case to `state` through the API and returns its id.
    pub async fn build(self, state: At) -> String {
        let (t, w) = (self.t, self.w);
        let c = t
            .post(&w.exporter, "/api/v1/applications", self.body)
            .await
            .ok();
        let id = c["id"].as_str().unwrap().to_string();
        let step = |action: &str| format!("/api/v1/applications/{id}/{action}");
        let officer = |action: &'static str, body: Value| {
            let path = step(action);
            async move { t.post(&w.officer, &path, body).await.ok() }
        };
        if state == At::Draft {
            return t.expect_state(w, &id, state).await;
        }
        if state == At::Withdrawn {
            t.post(
                &w.exporter,
                &step("withdraw"),
                json!({"reason": "no longer needed"}),
            )
            .await
            .ok();
            return t.expect_state(w, &id, state).await;
        }
        t.post(&w.exporter, &step("submit"), json!({})).await.ok();
        if state == At::Submitted {
            return t.expect_state(w, &id, state).await;
        }
        officer("assign", json!({})).await;
        match state {
            At::UnderReview => {}
            At::AwaitingExporter => {
                officer("information-requests", json!({"question": "who?"})).await;
            }
            _ => {
                // A decision either way needs every required advice.
                let case = t
                    .get(&w.officer, &format!("/api/v1/applications/{id}"))
                    .await
                    .ok();
                t.advise_all(w, &case).await;
                if matches!(state, At::FinalReview | At::Countersigning) {
                    officer(
                        "final-advice",
                        json!({"outcome": "approve", "reason": "advice favourable"}),
                    )
                    .await;
                    if state == At::Countersigning {
                        officer("final-advice/submit", json!({})).await;
                    }
                } else if state == At::Refused {
                    t.decide(
                        w,
                        &id,
                        "refuse",
                        json!({"reason": "risk of misuse", "criteria": ["criterion-2"]}),
                    )
                    .await
                    .ok();
                } else {
                    t.decide(w, &id, "approve", json!({"reason": "ok"}))
                        .await
                        .ok();
                    if state != At::Approved {
                        officer("issue", json!({})).await;
                    }
                    match state {
                        At::Suspended => {
                            officer("suspend", json!({"reason": "end-use check pending"})).await;
                        }
                        At::Revoked => {
                            officer("revoke", json!({"reason": "end use breached"})).await;
                        }
                        _ => {}
                    }
                }
            }
        }
        t.expect_state(w, &id, state).await
    }
}

impl TestApp {
    /// A product of `exporter`'s organisation, classified by `w`'s defence adviser under `entry` with `grade`.
    pub async fn classified_product(
        &self,
        w: &World,
        exporter: &str,
        name: &str,
        entry: &str,
        grade: &str,
    ) -> String {
        let p = self
            .post(exporter, "/api/v1/products", json!({"name": name, "version": "1", "description": "d", "control_entries": [entry]}))
            .await
            .ok();
        let id = p["id"].as_str().unwrap().to_string();
        self.post(
            &w.defence,
            &format!("/api/v1/products/{id}/classification"),
            json!({"control_entries": [entry], "security_grade": grade}),
        )
        .await
        .ok();
        id
    }

    /// An application made from `body` by `exporter` and submitted: its id.
    pub async fn submitted(&self, exporter: &str, body: Value) -> String {
        let c = self.post(exporter, "/api/v1/applications", body).await.ok();
        let id = c["id"].as_str().unwrap().to_string();
        self.post(
            exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
        .ok();
        id
    }

    /// Case `id` as `w`'s officer reads it (the internal view).
    pub async fn officer_view(&self, w: &World, id: &str) -> Value {
        self.get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok()
    }

    /// Asserts that case `id` is in `state` (as the officer reads it) and returns the id.
    async fn expect_state(&self, w: &World, id: &str, state: At) -> String {
        let c = self.officer_view(w, id).await;
        assert_eq!(c["state"], state.as_str(), "fixture: {c}");
        id.to_string()
    }
}

/// Every state the builder offers is reached (the builder checks each), in one world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_can_be_built() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    for state in [
        At::Draft,
        At::Submitted,
        At::UnderReview,
        At::AwaitingExporter,
        At::Approved,
        At::Refused,
        At::Withdrawn,
        At::Issued,
        At::Suspended,
        At::Revoked,
        At::FinalReview,
        At::Countersigning,
    ] {
        t.case(&w).to("MX").build(state).await;
    }
    let (org, token) = t.registered_exporter(&w, "Third Ltd", "exp3").await;
    let regs = t.get(&token, "/api/v1/registrations").await.ok();
    assert_eq!(regs[0]["state"], "approved", "{regs}");
    assert_eq!(regs[0]["org_id"], org.as_str());
}
