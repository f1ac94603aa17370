//! `TestApp`: the real router served on 127.0.0.1:0 over a fresh database, an HTTP client, and fixture
//! builders for a registered exporter with classified products.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::sync::Arc;
pub use testdb::Backend;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub admin: String,
    pub app: Arc<app::App>,
    server: tokio::task::JoinHandle<()>,
    /// The throw-away database, owned by the first instance (a second instance on it owns none).
    _db: Option<testdb::TestDb>,
    db_url: String,
    /// The signing key ring's directory (when the test did not bring its own ring).
    _keys: tempfile::TempDir,
    /// The document store's directory (when the test did not bring its own store).
    _documents: tempfile::TempDir,
    /// Requests sent so far (the journey test counts them).
    sent: std::sync::atomic::AtomicUsize,
    /// Checks every write request's audit events (see [`AuditProbe`]).
    probe: AuditProbe,
    /// A senior officer's token, created the first time a test needs one (`senior_officer`).
    senior: tokio::sync::OnceCell<String>,
}

/// The audit probe, on in every API test: each write request (POST, PUT, PATCH, DELETE with a token) is
/// sent alone, and afterwards the audit log must hold, by the caller:
/// - when the request succeeded and changed something: one event per record it created or changed (never two
///   for one record), one of them naming the record the path, the answer or the caller names;
/// - when it succeeded and changed nothing (a no-op) or only read (`READS_BY_POST`): no event, and no record
///   changed;
/// - when it failed: no event (nothing of the failed transaction is left).
///
/// This is ARCHITECTURE.md's "What a use case audits", checked on every write every test makes. Tests that
/// race requests on purpose turn it off with [`TestApp::race_freely`], since the probe sends writes one at a
/// time.
struct AuditProbe {
    on: std::sync::atomic::AtomicBool,
    /// Held across a write request and its check, so that writes do not interleave.
    turn: tokio::sync::Mutex<()>,
    store: store::Store,
    users: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// The last audit sequence number seen.
    seen: std::sync::Mutex<i64>,
}

/// POST routes that compute an answer and change nothing: they write no audit event.
const READS_BY_POST: &[&str] = &["/api/v1/screening", "/api/v1/screening/customers"];

/// Write routes that change no licensing record and are not audited: a signed checkpoint is a statement
/// about the audit log itself (kept in its own table, public), and marking one's own notification read
/// changes only that user's inbox.
const NOT_AUDITED: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/audit/checkpoints", ""),
    ("POST", "/api/v1/notifications/", "/read"),
];

/// The record kinds whose count and versions show whether a write changed anything (a no-op writes no
/// audit event and must change nothing).
const RECORD_KINDS: &[&str] = &[
    "case",
    "exemption",
    "registration",
    "product",
    "licence",
    "denial",
    "denial-notification",
    "note",
    "document",
    "declaration",
    "policy-version",
    "organisation",
    "enrolment",
];

impl AuditProbe {
    fn not_audited(method: &str, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        NOT_AUDITED.iter().any(|(m, start, end)| {
            *m == method
                && if end.is_empty() {
                    path == *start
                } else {
                    path.starts_with(start) && path.ends_with(end)
                }
        })
    }

    /// Count and summed versions of the records of every kind in `RECORD_KINDS`.
    async fn fingerprint(&self) -> Vec<(i64, i64)> {
        let mut out = Vec::with_capacity(RECORD_KINDS.len());
        for kind in RECORD_KINDS {
            out.push(
                self.store
                    .record_fingerprint(kind)
                    .await
                    .expect("record fingerprint"),
            );
        }
        out
    }

    /// The count fields of a bulk import's answer, which names no record (a list file's answer names the
    /// list version of each source in it, like any other answer).
    fn bulk(path: &str) -> Option<&'static [&'static str]> {
        let path = path.split('?').next().unwrap_or(path);
        (path == "/api/v1/denials/import").then_some(&["added", "updated"])
    }

    fn reads_only(path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        READS_BY_POST.contains(&path)
    }

    /// The last event's sequence number, read on from the last one seen.
    async fn last_seq(&self) -> i64 {
        let mut last = *self.seen.lock().unwrap();
        loop {
            let batch = self
                .store
                .audit_events(None, last, 10_000)
                .await
                .expect("audit events");
            match batch.last() {
                Some(e) => last = e.seq,
                None => break,
            }
        }
        *self.seen.lock().unwrap() = last;
        last
    }

    async fn user_of(&self, app: &app::App, token: &str) -> Option<String> {
        if let Some(u) = self.users.lock().unwrap().get(token) {
            return Some(u.clone());
        }
        let user = app.authenticate(token).await.ok()?.user_id().to_string();
        self.users
            .lock()
            .unwrap()
            .insert(token.to_string(), user.clone());
        Some(user)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A response: status, body (JSON, or a string for non-JSON), content type.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
    /// The `Link` header, if any (paginated listings).
    pub link: Option<String>,
}

impl Resp {
    #[track_caller]
    pub fn ok(self) -> Value {
        assert!(
            (200..300).contains(&self.status),
            "expected 2xx, got {} {}",
            self.status,
            self.body
        );
        self.body
    }
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.body
        );
        &self.body
    }
    /// A refusal with `status` whose detail says `says`: where the reason matters, a status alone would also
    /// pass for a refusal on other grounds.
    #[track_caller]
    pub fn refused(&self, status: u16, says: &str) -> &Value {
        let p = self.problem(status);
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(says),
            "the refusal's detail {detail:?} does not say {says:?}"
        );
        p
    }
}

/// Runs a test body on both backends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name($crate::common::Backend::Postgres).await } )+ }
    };
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, app::AppConfig::default()).await
    }

    pub async fn start_with(backend: Backend, mut config: app::AppConfig) -> TestApp {
        let keys_dir = tempfile::tempdir().expect("key dir");
        if config.signing_keys.is_none() {
            config.signing_keys = Some(std::sync::Arc::new(
                keys::KeyRing::load_or_create(keys_dir.path()).expect("key ring"),
            ));
        }
        let documents_dir = tempfile::tempdir().expect("document dir");
        if config.documents.store.is_none() {
            config.documents.store = Some(Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(documents_dir.path())
                    .expect("document store"),
            ));
        }
        let db = testdb::TestDb::new(backend).await;
        let store = store::Store::connect(&db.url).await.expect("store");
        let app = app::App::new(store, config).await.expect("app");
        let admin = app
            .bootstrap_admin("root")
            .await
            .expect("admin")
            .token
            .expect("bootstrap gives the first administrator a token")
            .token;
        // As `serve` does at start: a first signed checkpoint of the log.
        app.checkpoint_job(false).await.expect("first checkpoint");
        // Tests serve list files from 127.0.0.1, allowed as a publisher host the way an operator allows an
        // internal mirror (the default refusal is tested in `hostile`).
        let fetch = http_api::lists_io::FetchPolicy {
            allow_hosts: vec!["127.0.0.1".into()],
            ..Default::default()
        };
        let db_url = db.url.clone();
        TestApp::serve(app, fetch, admin, db_url, Some(db), keys_dir, documents_dir).await
    }

    /// Serves `app` on a free port of 127.0.0.1, with an HTTP client and the audit probe on its database.
    async fn serve(
        app: Arc<app::App>,
        fetch: http_api::lists_io::FetchPolicy,
        admin: String,
        db_url: String,
        db: Option<testdb::TestDb>,
        keys: tempfile::TempDir,
        documents: tempfile::TempDir,
    ) -> TestApp {
        let probe_store = store::Store::connect(&db_url).await.expect("probe store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = http_api::router_with(app.clone(), fetch);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            // No connection reuse: a server that closes a connection after a rejected request would otherwise race
            // with the pool and fail the next request with IncompleteMessage.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            admin,
            app,
            server,
            db_url,
            _db: db,
            _keys: keys,
            _documents: documents,
            sent: std::sync::atomic::AtomicUsize::new(0),
            probe: AuditProbe {
                on: std::sync::atomic::AtomicBool::new(true),
                turn: tokio::sync::Mutex::new(()),
                store: probe_store,
                users: Default::default(),
                seen: Default::default(),
            },
            senior: tokio::sync::OnceCell::new(),
        }
    }

    /// Turns the audit probe off for the rest of this test: for tests that send writes at the same time on
    /// purpose (the probe would send them one at a time).
    pub fn race_freely(&self) {
        self.probe
            .on
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many requests this test has sent.
    pub fn requests_sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The URL of this test's database (for a second process on the same database).
    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    /// A second instance of the service on this one's database, with `config`, the same signing keys and
    /// document store, and its own router on its own port: what a second `serve` process behind the same load
    /// balancer is. The administrator's token works on both.
    pub async fn second_instance(&self, mut config: app::AppConfig) -> TestApp {
        if config.signing_keys.is_none() {
            config.signing_keys = Some(Arc::new(
                keys::KeyRing::load_or_create(self._keys.path()).expect("key ring"),
            ));
        }
        if config.documents.store.is_none() {
            config.documents.store = Some(Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(self._documents.path())
                    .expect("document store"),
            ));
        }
        let store = store::Store::connect(&self.db_url).await.expect("store");
        let app = app::App::new(store, config).await.expect("app");
        TestApp::serve(
            app,
            Default::default(),
            self.admin.clone(),
            self.db_url.clone(),
            None,
            tempfile::tempdir().expect("key dir"),
            tempfile::tempdir().expect("document dir"),
        )
        .await
    }

    pub async fn raw(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let writes = matches!(method, "POST" | "PUT" | "PATCH" | "DELETE");
        let caller = match token {
            Some(t) if writes && self.probe.on.load(std::sync::atomic::Ordering::SeqCst) => {
                self.probe.user_of(&self.app, t).await
            }
            _ => None,
        };
        let Some(caller) = caller else {
            return self.send_raw(method, token, path, body).await;
        };
        let _turn = self.probe.turn.lock().await;
        let before = self.probe.last_seq().await;
        let records_before = self.probe.fingerprint().await;
        let r = self.send_raw(method, token, path, body).await;
        let mut after = self
            .probe
            .store
            .audit_events(None, before, 1_000)
            .await
            .expect("audit events");
        after.retain(|e| e.event.actor == caller);
        let actions: Vec<&str> = after.iter().map(|e| e.event.action.as_str()).collect();
        let succeeded = (200..300).contains(&r.status);
        if !succeeded || AuditProbe::reads_only(path) {
            assert!(
                actions.is_empty(),
                "{method} {path} answered {} and wrote audit events {actions:?}",
                r.status
            );
            return r;
        }
        if actions.is_empty() {
            // A no-op (advice already requested, the same list file again) or a route that is not audited:
            // then nothing at all may have changed.
            assert!(
                AuditProbe::not_audited(method, path)
                    || self.probe.fingerprint().await == records_before,
                "{method} {path} answered {} and changed records without an audit event",
                r.status
            );
            return r;
        }
        let answer = r.body.to_string();
        let mut seen = std::collections::HashSet::new();
        for e in &after {
            let id = e.event.record_id.as_str();
            assert!(
                seen.insert(id),
                "{method} {path} wrote two audit events for record {id}: {actions:?}"
            );
        }
        if let Some(field) = AuditProbe::bulk(path) {
            // A bulk import answers with counts, not ids: one event per record it added or changed.
            let counted: u64 = field.iter().map(|f| r.body[*f].as_u64().unwrap_or(0)).sum();
            assert_eq!(
                after.len() as u64,
                counted,
                "{method} {path}: {actions:?} for an answer of {answer}"
            );
            return r;
        }
        let named = |s: &str| !s.is_empty() && (path.contains(s) || answer.contains(s));
        let mut matching = false;
        for e in &after {
            let id = e.event.record_id.as_str();
            // The record itself, or its reference (a licence number names its case), or the caller.
            let reference = self
                .probe
                .store
                .get::<Value>(&e.event.record_kind, id)
                .await
                .ok()
                .and_then(|rec| rec.reference);
            matching |= named(id) || id == caller || reference.as_deref().is_some_and(named);
        }
        assert!(
            matching,
            "{method} {path}: none of its audit events {actions:?} names a record that the path, the answer or \
             the caller names"
        );
        r
    }

    async fn send_raw(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.client.request(m, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some((ct, b)) = body {
            rb = rb.header("content-type", ct).body(b);
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let link = r
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        crate::conformance::check(method, path, status, &content_type, &body);
        Resp {
            status,
            body,
            content_type,
            link,
        }
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Resp {
        self.raw(
            "POST",
            Some(token),
            path,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    pub async fn put_json(&self, token: &str, path: &str, body: Value) -> Resp {
        self.raw(
            "PUT",
            Some(token),
            path,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.raw("GET", Some(token), path, None).await
    }

    /// Creates a user with `role` and returns its token.
    pub async fn user(
        &self,
        name: &str,
        role: &str,
        review_kind: Option<&str>,
        org: Option<&str>,
    ) -> String {
        let r = self
            .post(
                &self.admin,
                "/api/v1/users",
                json!({"username": name, "role": role, "review_kind": review_kind, "org_id": org}),
            )
            .await
            .ok();
        assert!(
            r["token"].is_null(),
            "an administrator never receives another user's token"
        );
        let secret = r["enrolment"]["secret"].as_str().unwrap();
        self.enrol(name, secret).await
    }

    /// Exchanges a one-time enrolment secret for a token, as the user would.
    pub async fn enrol(&self, username: &str, secret: &str) -> String {
        let t = self
            .raw(
                "POST",
                None,
                "/api/v1/enrol",
                Some((
                    "application/json",
                    json!({"username": username, "secret": secret})
                        .to_string()
                        .into_bytes(),
                )),
            )
            .await
            .ok();
        t["token"].as_str().unwrap().to_string()
    }

    pub async fn org(&self, name: &str) -> String {
        let r = self
            .post(
                &self.admin,
                "/api/v1/organisations",
                json!({"name": name, "country": "IL"}),
            )
            .await
            .ok();
        r["id"].as_str().unwrap().to_string()
    }

    /// A world: two registered exporters in two organisations, officers, one adviser per kind, a policy
    /// administrator and an auditor; products classified by the defence adviser.
    pub async fn world(&self) -> World {
        let org1 = self.org("Acme Cyber Ltd").await;
        let org2 = self.org("Other Corp").await;
        let w = World {
            exporter: self.user("exp1", "exporter", None, Some(&org1)).await,
            exporter2: self.user("exp2", "exporter", None, Some(&org2)).await,
            officer: self.user("off1", "officer", None, None).await,
            officer2: self.user("off2", "officer", None, None).await,
            hr: self
                .user("hr1", "adviser", Some("human-rights"), None)
                .await,
            defence: self.user("def1", "adviser", Some("defence"), None).await,
            fa: self
                .user("fa1", "adviser", Some("foreign-affairs"), None)
                .await,
            cyber: self
                .user("cy1", "adviser", Some("economy-cyber"), None)
                .await,
            policy_admin: self.user("pol1", "policy-admin", None, None).await,
            auditor: self.user("aud1", "auditor", None, None).await,
            org1,
            org2,
            restricted_product: String::new(),
            secret_product: String::new(),
        };
        for t in [&w.exporter, &w.exporter2] {
            let reg = self
                .post(t, "/api/v1/registrations", json!({"company_name": "Co", "registration_number": "51-1", "address": "1 St", "country": "IL", "contact_email": "c@example.test"}))
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
        }
        let restricted = self.product(&w, "Forensics", "4D004", "restricted").await;
        let secret = self.product(&w, "Monitor", "5.A.1.j", "secret").await;
        World {
            restricted_product: restricted,
            secret_product: secret,
            ..w
        }
    }

    /// A product of `w`'s first exporter, classified by the defence adviser.
    pub async fn product(&self, w: &World, name: &str, entry: &str, grade: &str) -> String {
        self.classified_product(w, &w.exporter, name, entry, grade)
            .await
    }

    /// A submitted marketing application for `product` to `dest` with a government end user.
    pub async fn submitted_ml(&self, w: &World, product: &str, dest: &str) -> Value {
        self.submit_new(&w.exporter, ml_body(product, dest))
            .await
            .ok()
    }

    /// Sets the caller's e-mail address and turns e-mail on (`PUT /notifications/preferences`): the answer.
    pub async fn email_to(&self, token: &str, email: impl Into<String>) -> Resp {
        self.put_json(
            token,
            "/api/v1/notifications/preferences",
            json!({"email": email.into(), "email_enabled": true}),
        )
        .await
    }

    /// Files a draft application `body` as `token` (which must succeed) and submits it: the submit answer,
    /// success or refusal, for the test to check.
    pub async fn submit_new(&self, token: &str, body: Value) -> Resp {
        let c = self.post(token, "/api/v1/applications", body).await.ok();
        let id = c["id"].as_str().unwrap();
        self.post(
            token,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
    }

    /// Takes a submitted case to `issued`: assigns it to the officer, gives every advice, approves it with
    /// `conditions` and issues it. Returns the officer's view of the issued case.
    pub async fn approve_and_issue(&self, w: &World, id: &str, conditions: Value) -> Value {
        let step = |action: &str| format!("/api/v1/applications/{id}/{action}");
        self.post(&w.officer, &step("assign"), json!({})).await.ok();
        let case = self
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        self.advise_all(w, &case).await;
        self.verify_required_documents(w, id).await;
        self.decide(
            w,
            id,
            "approve",
            json!({"reason": "advice favourable", "conditions": conditions}),
        )
        .await
        .ok();
        self.post(&w.officer, &step("issue"), json!({})).await.ok();
        self.get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok()
    }

    /// A marketing-licence exemption requested by `w.exporter` for `product` to `dest` and granted by
    /// `w.officer`: its id.
    pub async fn granted_exemption(
        &self,
        w: &World,
        product: &str,
        dest: &str,
        end_user_type: &str,
    ) -> String {
        let x = self
            .post(
                &w.exporter,
                "/api/v1/exemptions",
                json!({"product": product, "destination": dest, "end_user_type": end_user_type}),
            )
            .await
            .ok();
        let id = x["id"].as_str().unwrap().to_string();
        let g = self
            .post(
                &w.officer,
                &format!("/api/v1/exemptions/{id}/decision"),
                json!({"grant": true, "reason": "security clearance and country assessment allow it"}),
            )
            .await
            .ok();
        assert_eq!(g["state"], "granted");
        id
    }

    /// Gives every pending advice on a case (approve), as the right adviser.
    /// A senior officer (`sen1`, grade `senior`), created by the administrator the first time it is asked for.
    pub async fn senior_officer(&self) -> String {
        self.senior
            .get_or_init(|| async {
                let token = self.user("sen1", "officer", None, None).await;
                let me = self.get(&token, "/api/v1/me").await.ok();
                let uid = me["id"].as_str().or(me["user_id"].as_str()).unwrap();
                self.put_json(
                    &self.admin,
                    &format!("/api/v1/users/{uid}/grade"),
                    json!({"grade": "senior", "reason": "senior licensing officer"}),
                )
                .await
                .ok();
                token
            })
            .await
            .clone()
    }

    /// Decides case `id` (under review, assigned to `w.officer`, its advice in) as the lifecycle now asks:
    /// final advice as `action` says (`approve` with the body's conditions, `refuse` with its criteria),
    /// submitted for countersigning, countersigned by `w.officer2` and, when the policy wants a second by a
    /// senior officer, by the senior officer; then `action` itself with `body`. Returns the decision's answer.
    pub async fn decide(&self, w: &World, id: &str, action: &str, body: Value) -> Resp {
        self.decide_by(&w.officer, &w.officer2, id, action, body)
            .await
    }

    /// [`decide`](Self::decide) with the assigned officer `drafter` and the first countersigner `second`.
    pub async fn decide_by(
        &self,
        drafter: &str,
        second: &str,
        id: &str,
        action: &str,
        body: Value,
    ) -> Resp {
        let step = |a: &str| format!("/api/v1/applications/{id}/{a}");
        let advice = match action {
            "approve" => json!({"outcome": "approve", "reason": body["reason"],
                "conditions": body.get("conditions").cloned().unwrap_or(json!([]))}),
            "refuse" => {
                json!({"outcome": "refuse", "reason": body["reason"], "criteria": body["criteria"]})
            }
            other => panic!("decide: {other} is not a decision"),
        };
        self.post(drafter, &step("final-advice"), advice).await.ok();
        let c = self
            .post(drafter, &step("final-advice/submit"), json!({}))
            .await
            .ok();
        let count = c["countersigning"]["count"].as_u64().unwrap_or(0);
        let accept = json!({"decision": "accept"});
        if count >= 1 {
            self.post(second, &step("countersignatures"), accept.clone())
                .await
                .ok();
        }
        if count >= 2 {
            let senior = self.senior_officer().await;
            self.post(&senior, &step("countersignatures"), accept)
                .await
                .ok();
        }
        self.post(drafter, &step(action), body).await
    }

    pub async fn advise_all(&self, w: &World, case: &Value) {
        let id = case["id"].as_str().unwrap();
        let c = self
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        for a in c["advice"].as_array().unwrap() {
            if !a["advice"].is_null() {
                continue;
            }
            let kind = a["review"].as_str().unwrap();
            let (token, body) = match kind {
                "human-rights" => (&w.hr, hr_advice()),
                "defence" => (
                    &w.defence,
                    json!({"recommendation": "approve", "text": "ok"}),
                ),
                "foreign-affairs" => (&w.fa, json!({"recommendation": "approve", "text": "ok"})),
                _ => (&w.cyber, json!({"recommendation": "approve", "text": "ok"})),
            };
            self.post(token, &format!("/api/v1/applications/{id}/advice"), body)
                .await
                .ok();
        }
    }
}

pub struct World {
    pub exporter: String,
    pub exporter2: String,
    pub officer: String,
    pub officer2: String,
    pub hr: String,
    pub defence: String,
    pub fa: String,
    pub cyber: String,
    pub policy_admin: String,
    pub auditor: String,
    pub org1: String,
    pub org2: String,
    pub restricted_product: String,
    pub secret_product: String,
}

pub fn ml_body(product: &str, dest: &str) -> Value {
    json!({"licence": "marketing", "marketing": {"products": [product], "destinations": [dest],
        "end_users": [{"name": "Federal Police", "type": "government-law-enforcement", "country": dest}]}})
}

pub fn el_body(product: &str, dest: &str, authorisation: &str, end_user: &str) -> Value {
    json!({"licence": "export", "export": {
        "product": product,
        "end_user": {"name": end_user, "type": "government-law-enforcement", "country": dest},
        "consignee": {"name": "Logistics GmbH", "country": dest},
        "destination": dest, "quantity": 3, "value": {"amount": "250000.00", "currency": "EUR"},
        "end_use": "investigation of serious crime",
        "documents": [{"kind": "end-user-declaration", "name": "eud.pdf"}],
        "marketing_authorisation": authorisation}})
}

pub fn hr_advice() -> Value {
    let items = [
        "product-capabilities",
        "end-user-record",
        "other-parties",
        "contractual-safeguards",
        "technical-safeguards",
        "post-sale-monitoring",
        "remedy",
        "reporting",
    ];
    json!({"recommendation": "approve", "text": "due diligence done",
        "checklist": items.iter().map(|i| json!({"item": i, "answer": "checked"})).collect::<Vec<_>>(),
        "red_flags": []})
}

/// The boundary of [`multipart`] bodies, and their content type.
pub const MULTIPART_BOUNDARY: &str = "exportctl-test-boundary-7c1d";
pub const MULTIPART_TYPE: &str = "multipart/form-data; boundary=exportctl-test-boundary-7c1d";

/// A `multipart/form-data` body of `(name, file name, content)` parts: its content type and bytes.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = MULTIPART_BOUNDARY;
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small PDF (its content is what makes it one, not its name).
pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

impl TestApp {
    /// Uploads `content` as a document of `kind` named `name` to case `id`.
    pub async fn upload(
        &self,
        token: &str,
        id: &str,
        kind: &str,
        name: &str,
        content: &[u8],
    ) -> Resp {
        let (ct, body) = multipart(&[
            ("kind", None, kind.as_bytes()),
            ("file", Some(name), content),
        ]);
        self.raw(
            "POST",
            Some(token),
            &format!("/api/v1/applications/{id}/documents"),
            Some((&ct, body)),
        )
        .await
    }

    /// The exporter uploads a signed end-user declaration and records it; returns the declaration.
    pub async fn declaration(&self, w: &World, id: &str) -> Value {
        let doc = self
            .upload(&w.exporter, id, "end-user-declaration", "eud.pdf", PDF)
            .await
            .ok();
        self.post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/declarations"),
            json!({"signatory_name": "Anna Schmidt", "signatory_position": "Head of procurement",
                   "end_user_organisation": "Bundespolizei", "signed_on": "2021-12-06",
                   "terms_version": "2021-12", "valid_until": "2099-12-31",
                   "document_id": doc["id"]}),
        )
        .await
        .ok()
    }

    /// When the case requires an end-user declaration: the exporter provides one and the assigned officer
    /// verifies it (a required document counts toward approval only once verified).
    pub async fn verify_required_documents(&self, w: &World, id: &str) {
        let case = self
            .get(&w.officer, &format!("/api/v1/applications/{id}"))
            .await
            .ok();
        let required = case["required_documents"]
            .as_array()
            .is_some_and(|r| r.iter().any(|d| d == "end-user-declaration"));
        if !required {
            return;
        }
        let d = self.declaration(w, id).await;
        self.post(
            &w.officer,
            &format!(
                "/api/v1/applications/{id}/declarations/{}/verification",
                d["id"].as_str().unwrap()
            ),
            json!({"outcome": "verified"}),
        )
        .await
        .ok();
    }
}

/// A request body for the bad-input tables: JSON, raw bytes with a content type, or nothing.
#[derive(Debug, Clone)]
pub enum Payload {
    Json(Value),
    Raw(&'static str, Vec<u8>),
    Empty,
}

impl TestApp {
    /// Sends `payload` with `method` to `path` as `token`.
    pub async fn send(&self, method: &str, token: &str, path: &str, payload: &Payload) -> Resp {
        match payload {
            Payload::Json(v) => {
                self.raw(
                    method,
                    Some(token),
                    path,
                    Some(("application/json", v.to_string().into_bytes())),
                )
                .await
            }
            Payload::Raw(ct, b) => {
                self.raw(method, Some(token), path, Some((ct, b.clone())))
                    .await
            }
            Payload::Empty => self.raw(method, Some(token), path, None).await,
        }
    }

    /// The sequence number of the newest audit event (every change writes one in its transaction).
    pub async fn audit_head(&self) -> i64 {
        let mut head = 0;
        loop {
            let page = self
                .get(
                    &self.admin,
                    &format!("/api/v1/audit?after={head}&limit=1000"),
                )
                .await
                .ok();
            let events = page.as_array().expect("audit page");
            match events.last() {
                Some(e) => head = e["seq"].as_i64().expect("seq"),
                None => return head,
            }
            if events.len() < 1000 {
                return head;
            }
        }
    }
}

/// The real UN Security Council list from ../shared (never copied into the repository).
pub fn un_list() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/un_sc/UN_consolidated.xml"
    ))
    .expect("shared UN list fixture")
}

/// Every object key anywhere in `v`.
pub fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}
