//! Web page tests over HTTP: the real router on 127.0.0.1:0 (with peer addresses, as `serve` runs it) over a
//! fresh database seeded with the demo data, on SQLite and PostgreSQL. Cookies are handled by hand so that a
//! test can replay an ended session's cookie.

mod admin;
mod adviser;
mod auditor;
mod documents;
mod forms;
mod hebrew;
mod lifecycle;
#[path = "../support/office.rs"]
mod office;
mod officer;
mod policy_admin;
mod snapshots;

use admin::*;
use adviser::*;
use auditor::*;
use documents::*;
use forms::*;
use hebrew::*;
use lifecycle::*;
use officer::*;
use policy_admin::*;
use snapshots::*;
use std::collections::HashMap;
use std::sync::Arc;
use testdb::Backend;

struct Pages {
    base: String,
    client: reqwest::Client,
    app: Arc<app::App>,
    /// username → (password, token)
    users: HashMap<String, (String, String)>,
    server: tokio::task::JoinHandle<()>,
    _db: testdb::TestDb,
    _documents: tempfile::TempDir,
}

impl Drop for Pages {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Page {
    status: u16,
    location: String,
    content_type: String,
    set_cookie: Vec<String>,
    headers: reqwest::header::HeaderMap,
    body: String,
}

macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

impl Pages {
    async fn start(backend: Backend, sessions: app::auth::SessionConfig) -> Pages {
        let db = testdb::TestDb::new(backend).await;
        let store = store::Store::connect(&db.url).await.expect("store");
        let documents = tempfile::tempdir().expect("document dir");
        let mut config = app::AppConfig {
            sessions,
            ..Default::default()
        };
        config.documents.store = Some(Arc::new(
            object_store::local::LocalFileSystem::new_with_prefix(documents.path()).unwrap(),
        ));
        let app = app::App::new(store, config).await.expect("app");
        let users = app
            .seed_demo_base()
            .await
            .expect("demo")
            .0
            .into_iter()
            .map(|u| (u.username, (u.password, u.token)))
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = http_api::router(app.clone());
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Pages {
            base: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            app,
            users,
            server,
            _db: db,
            _documents: documents,
        }
    }

    async fn send(&self, rb: reqwest::RequestBuilder, cookie: Option<&str>) -> Page {
        let rb = match cookie {
            Some(c) => rb.header("cookie", format!("exportctl_session={c}")),
            None => rb,
        };
        let r = rb.send().await.expect("request");
        let h = r.headers().clone();
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        Page {
            status: r.status().as_u16(),
            location: get("location"),
            content_type: get("content-type"),
            set_cookie: h
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect(),
            headers: h.clone(),
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)), cookie)
            .await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Page {
        self.send(
            self.client.post(format!("{}{path}", self.base)).form(form),
            cookie,
        )
        .await
    }

    async fn try_sign_in(&self, username: &str, password: &str) -> Page {
        self.post(
            "/sign-in",
            None,
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Signs a demo user in; returns its session secret.
    async fn sign_in(&self, username: &str) -> String {
        let pw = self.users[username].0.clone();
        let p = self.try_sign_in(username, &pw).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let c = p
            .set_cookie
            .iter()
            .find(|c| c.starts_with("exportctl_session="))
            .expect("session cookie");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(c.contains(flag), "{flag} missing in {c}");
        }
        assert!(!c.contains("Secure"), "not configured for TLS: {c}");
        let v = c["exportctl_session=".len()..].split(';').next().unwrap();
        assert_eq!(v.len(), 64, "256-bit secret in hex");
        v.to_string()
    }

    async fn principal(&self, username: &str) -> app::Principal {
        self.app
            .authenticate(&self.users[username].1)
            .await
            .expect("token")
    }

    async fn audit_head(&self) -> i64 {
        let r = self
            .client
            .get(format!("{}/api/v1/audit?after=0&limit=1000", self.base))
            .bearer_auth(&self.users["demo-admin"].1)
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        let events = v.as_array().expect("audit page");
        assert!(events.len() < 1000);
        events
            .last()
            .map(|e| e["seq"].as_i64().unwrap())
            .unwrap_or(0)
    }

    async fn case_state(&self, id: &str) -> String {
        let off = self.principal("demo-officer").await;
        self.app
            .application(&off, id)
            .await
            .unwrap()
            .state()
            .to_string()
    }
}

/// The value of the first hidden csrf field of a page.
fn csrf(body: &str) -> String {
    let i = body
        .find("name=\"csrf\" value=\"")
        .expect("a form with a csrf field");
    let rest = &body[i + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The error summary's text of a page.
fn error_summary(body: &str) -> String {
    let i = body
        .find("class=\"error-summary\"")
        .expect("an error summary");
    body[i..i + body[i..].find("</div>").unwrap()].to_string()
}

async fn unassigned_case(t: &Pages) -> String {
    let off = t.principal("demo-officer").await;
    t.app
        .queue(&off, "unassigned", &app::listing::Page::all())
        .await
        .unwrap()
        .items[0]
        .id
        .clone()
}

async fn sign_in_reaches_each_role_dashboard(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let home = t.get("/", None).await;
    assert_eq!(home.status, 200);
    assert!(home.content_type.starts_with("text/html"));
    assert!(home.body.contains("href=\"/sign-in\"") && home.body.contains("href=\"/verify\""));
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!home.body.contains("<script"), "no JavaScript");
    for (user, first) in [
        ("demo-exporter", "/exporter"),
        ("demo-officer", "/officer"),
        ("demo-hr-adviser", "/adviser"),
    ] {
        let s = t.sign_in(user).await;
        let d = t.get("/dashboard", Some(&s)).await;
        assert_eq!((d.status, d.location.as_str()), (303, first));
        let p = t.get(first, Some(&s)).await;
        assert_eq!(p.status, 200, "{user}: {}", p.body);
        assert!(p.body.contains(user), "signed-in user shown");
        assert_eq!(
            p.headers["cache-control"], "no-store",
            "personal pages are not cached"
        );
    }
    // The exporter dashboard shows registration, classified products, applications and the licence.
    let s = t.sign_in("demo-exporter").await;
    let d = t.get("/exporter", Some(&s)).await.body;
    let exp = t.principal("demo-exporter").await;
    let entries = t
        .app
        .products(&exp, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items[1]
        .classification
        .as_ref()
        .unwrap()
        .control_entries
        .join(", ");
    for text in [
        "approved",
        "Network Monitor (demo)",
        &entries,
        "secret",
        "under-review",
        "L-",
    ] {
        assert!(d.contains(text), "dashboard lacks {text}");
    }
    // Without a session, personal pages send to sign-in.
    let p = t.get("/exporter", None).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/sign-in"));
    // Another role's pages are refused.
    assert_eq!(t.get("/officer", Some(&s)).await.status, 403);
}

async fn wrong_password_and_unknown_user_answer_alike_and_are_rate_limited(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let wrong = t
        .try_sign_in("demo-exporter", "not the password at all")
        .await;
    let unknown = t
        .try_sign_in("nobody-here", "not the password at all")
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert!(wrong.set_cookie.is_empty());
    assert_eq!(error_summary(&wrong.body), error_summary(&unknown.body));
    assert!(wrong
        .body
        .contains("The username or the password is not right."));
    assert!(
        wrong.body.contains("value=\"demo-exporter\""),
        "the username is kept after the error"
    );
    for _ in 0..4 {
        assert_eq!(
            t.try_sign_in("demo-exporter", "wrong wrong wrong")
                .await
                .status,
            401
        );
    }
    // Five failures: now even the right password waits.
    let pw = t.users["demo-exporter"].0.clone();
    let limited = t.try_sign_in("demo-exporter", &pw).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.set_cookie.is_empty());
    assert!(limited.body.contains("Too many sign-in attempts"));
    // Another user is not affected (per-username count) ...
    t.sign_in("demo-officer").await;
    // ... until the address has failed too often with any usernames.
    for i in 0..20 {
        t.try_sign_in(&format!("someone-{i}"), "wrong wrong wrong")
            .await;
    }
    assert_eq!(
        t.try_sign_in("demo-auditor", &t.users["demo-auditor"].0)
            .await
            .status,
        429
    );
}

async fn csrf_missing_or_foreign_changes_nothing(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let case = unassigned_case(&t).await;
    let officer = t.sign_in("demo-officer").await;
    let exporter = t.sign_in("demo-exporter").await;
    let page = t
        .get(&format!("/officer/cases/{case}"), Some(&officer))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"start-review\""),
        "assign form shown for a submitted case"
    );
    assert!(
        !page.body.contains("id=\"approve\""),
        "no approve form before review"
    );
    let good = csrf(&page.body);
    let foreign = csrf(&t.get("/exporter", Some(&exporter)).await.body);
    assert_ne!(good, foreign);
    let head = t.audit_head().await;
    let path = format!("/officer/cases/{case}/assign");
    for form in [
        vec![],
        vec![("csrf", foreign.as_str())],
        vec![("csrf", "00")],
    ] {
        let r = t.post(&path, Some(&officer), &form).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.content_type.starts_with("text/html"));
    }
    assert_eq!(t.audit_head().await, head, "nothing written");
    assert_eq!(t.case_state(&case).await, "submitted");
    let r = t
        .post(&path, Some(&officer), &[("csrf", good.as_str())])
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, format!("/officer/cases/{case}").as_str())
    );
    assert_eq!(t.case_state(&case).await, "under-review");
    assert!(t.audit_head().await > head);
    // Now the decision forms are there (approval shows what blocks it: the advice still missing); an empty
    // refusal reason is shown beside its field, values kept.
    let page = t
        .get(&format!("/officer/cases/{case}"), Some(&officer))
        .await;
    assert!(page.body.contains("id=\"blockers\"") && page.body.contains("id=\"refuse\""));
    let r = t
        .post(
            &format!("/officer/cases/{case}/request-information"),
            Some(&officer),
            &[("csrf", good.as_str()), ("question", "   ")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(error_summary(&r.body).contains("href=\"#question\""));
}

async fn sessions_end_at_sign_out_password_change_and_disable(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let admin = t.principal("demo-admin").await;
    // Sign-out: the cookie is cleared and the old secret no longer works.
    let s = t.sign_in("demo-exporter").await;
    let token = csrf(&t.get("/exporter", Some(&s)).await.body);
    let r = t
        .post("/sign-out", Some(&s), &[("csrf", token.as_str())])
        .await;
    assert_eq!(r.status, 303);
    assert!(r.set_cookie[0].contains("Max-Age=0"));
    assert_eq!(t.get("/exporter", Some(&s)).await.location, "/sign-in");
    // A password change ends every session of the user.
    let s = t.sign_in("demo-exporter").await;
    assert_eq!(t.get("/exporter", Some(&s)).await.status, 200);
    t.app
        .set_password(&admin, "demo-exporter", "a brand new passphrase")
        .await
        .unwrap();
    assert_eq!(t.get("/exporter", Some(&s)).await.location, "/sign-in");
    let p = t
        .try_sign_in("demo-exporter", &t.users["demo-exporter"].0)
        .await;
    assert_eq!(p.status, 401, "the old password is gone");
    // Disabling the user ends its sessions too.
    let s = t.sign_in("demo-officer").await;
    let id = t.principal("demo-officer").await.user_id().to_string();
    t.app
        .set_user_disabled(
            &admin,
            &id,
            true,
            app::model::UserStatusChange {
                reason: "left".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(t.get("/officer", Some(&s)).await.location, "/sign-in");
    assert_eq!(t.app.store.count_sessions(&id).await.unwrap(), 0);
    // Weak passwords are refused.
    assert!(t
        .app
        .set_password(&admin, "demo-exporter", "password1234")
        .await
        .is_err());
}

async fn sessions_expire(b: Backend) {
    for sessions in [
        app::auth::SessionConfig {
            idle_minutes: 0,
            ..Default::default()
        },
        app::auth::SessionConfig {
            absolute_hours: 0,
            ..Default::default()
        },
    ] {
        let t = Pages::start(b, sessions).await;
        let s = t.sign_in("demo-exporter").await;
        let p = t.get("/exporter", Some(&s)).await;
        assert_eq!((p.status, p.location.as_str()), (303, "/sign-in"));
    }
}

async fn exporter_pages_show_only_its_own_data_and_no_advice(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let admin = t.principal("demo-admin").await;
    // A second organisation with its own exporter and product.
    let org = t
        .app
        .create_organisation(
            &admin,
            app::model::NewOrganisation {
                name: "Other Org Ltd".into(),
                country: domain::CountryCode::parse("IL").unwrap(),
            },
        )
        .await
        .unwrap();
    let u = t
        .app
        .create_user(
            &admin,
            app::model::NewUser {
                username: "other-exporter".into(),
                role: domain::Role::Exporter,
                review_kind: None,
                org_id: Some(org.id.clone()),
                token_days: None,
            },
        )
        .await
        .unwrap();
    t.app
        .set_password(&admin, "other-exporter", "other exporter passphrase")
        .await
        .unwrap();
    let p = t
        .app
        .enrol(app::model::EnrolRequest {
            username: "other-exporter".into(),
            secret: u.enrolment.unwrap().secret,
            label: None,
            days: None,
        })
        .await
        .unwrap();
    let other = t.app.authenticate(&p.token).await.unwrap();
    t.app
        .create_product(
            &other,
            app::model::NewProduct {
                name: "Secret Widget Of Other Org".into(),
                version: "1".into(),
                description: "d".into(),
                control_entries: vec![],
                capability_tags: vec![],
            },
        )
        .await
        .unwrap();
    let s = t.sign_in("demo-exporter").await;
    let dash = t.get("/exporter", Some(&s)).await.body;
    assert!(!dash.contains("Secret Widget Of Other Org"));
    // Every case page of the exporter: no advice text, checklist answers or adviser ids.
    let exp = t.principal("demo-exporter").await;
    let cases = t
        .app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    assert!(cases.len() >= 4);
    for c in &cases {
        let page = t
            .get(&format!("/exporter/cases/{}", c.id()), Some(&s))
            .await;
        assert_eq!(page.status, 200);
        for secret in ["no objection (demo)", "no concern found", "Secret Widget"] {
            assert!(!page.body.contains(secret), "{} shows {secret}", c.id());
        }
        assert!(dash.contains(c.reference()));
    }
    // The other exporter gets "not found" for the demo organisation's case and sees its own product.
    let p2 = t
        .post(
            "/sign-in",
            None,
            &[
                ("username", "other-exporter"),
                ("password", "other exporter passphrase"),
            ],
        )
        .await;
    let c2 = p2.set_cookie[0]["exportctl_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = t
        .get(&format!("/exporter/cases/{}", cases[0].id()), Some(&c2))
        .await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains(cases[0].reference()));
    let dash2 = t.get("/exporter", Some(&c2)).await.body;
    assert!(dash2.contains("Secret Widget Of Other Org"));
    assert!(!dash2.contains("Network Monitor (demo)"));
}

async fn public_verification(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let exp = t.principal("demo-exporter").await;
    let number = t
        .app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find_map(|c| match c {
            app::views::CaseView::Exporter(c) => c.licence_issued.map(|l| l.number),
            _ => None,
        })
        .expect("an issued demo licence");
    let p = t.get(&format!("/verify/{number}"), None).await;
    assert_eq!(p.status, 200);
    assert!(p.content_type.starts_with("text/html"));
    assert!(p.body.contains("data-status=\"valid\""), "{}", p.body);
    assert!(!p.body.contains("National Police") && !p.body.contains("Example Cyber"));
    for n in ["L-XX-2026-999999", "nonsense", "L-"] {
        let p = t.get(&format!("/verify/{n}"), None).await;
        assert_eq!(p.status, 404);
        assert!(p.content_type.starts_with("text/html"));
        assert!(p.body.contains("data-status=\"unknown\""));
    }
    let p = t.get(&format!("/verify?number={number}"), None).await;
    assert_eq!((p.status, p.location), (303, format!("/verify/{number}")));
}

/// The demo's users see their notifications on a page (the demo's submitted cases told the officer), mark
/// one read with a CSRF-checked form, and cannot touch another user's.
async fn notifications_page_lists_and_marks_read(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let officer = t.sign_in("demo-officer").await;
    let p = t.get("/notifications", Some(&officer)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"nav-notifications\""));
    assert!(p.body.contains("submitted"), "{}", p.body);
    let unread = p.body.matches("class=\"notification unread\"").count();
    assert!(
        unread > 0,
        "the demo gives the officer unread notifications"
    );
    let off = t.principal("demo-officer").await;
    let first = t
        .app
        .notifications(&off, true, &app::listing::Page::default())
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let token = csrf(&p.body);
    // Without the session's CSRF token nothing changes.
    let r = t
        .post(
            &format!("/notifications/{first}/read"),
            Some(&officer),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            &format!("/notifications/{first}/read"),
            Some(&officer),
            &[("csrf", token.as_str())],
        )
        .await;
    assert_eq!((r.status, r.location.as_str()), (303, "/notifications"));
    let p = t.get("/notifications", Some(&officer)).await;
    assert_eq!(
        p.body.matches("class=\"notification unread\"").count(),
        unread - 1
    );
    // Another user's notification answers like a missing one.
    let exporter = t.sign_in("demo-exporter").await;
    let e = t.get("/notifications", Some(&exporter)).await;
    assert_eq!(e.status, 200);
    let r = t
        .post(
            &format!("/notifications/{first}/read"),
            Some(&exporter),
            &[("csrf", csrf(&e.body).as_str())],
        )
        .await;
    assert_eq!(r.status, 404);
    // Without a session: to sign-in.
    assert_eq!(t.get("/notifications", None).await.status / 100, 3);
}

both_backends!(
    sign_in_reaches_each_role_dashboard,
    wrong_password_and_unknown_user_answer_alike_and_are_rate_limited,
    csrf_missing_or_foreign_changes_nothing,
    sessions_end_at_sign_out_password_change_and_disable,
    sessions_expire,
    exporter_pages_show_only_its_own_data_and_no_advice,
    public_verification,
    notifications_page_lists_and_marks_read,
    registration_form_files_and_shows_errors_beside_fields,
    product_form_and_licence_check,
    application_forms_create_drafts_that_submit,
    licence_page_and_document,
    queue_filters_and_paging,
    case_page_timeline_blockers_and_typed_conditions,
    human_rights_checklist_item_by_item,
    policy_stage_preview_publish,
    audit_log_search_and_verification,
    public_pages_in_hebrew_right_to_left,
    admin_pages_manage_organisations_users_tokens_and_lists,
    licence_after_issue_forms_with_reasons,
    documents_uploaded_listed_and_verified_from_the_pages,
    signed_in_pages_in_hebrew_have_no_english_left,
    returned_for_editing_then_edited_and_resubmitted,
    exemptions_requested_decided_and_revoked_from_the_pages,
    variation_started_from_the_case_page_links_both_ways,
    adviser_countersigns_or_returns_from_its_pages,
    partial_decision_and_letter_on_the_exporter_case_page,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendered_pages_snapshots() {
    rendered_pages_match_their_snapshots(Backend::Sqlite).await
}
