//! The administrator's pages over HTTP: organisations, users (created with a one-time enrolment secret shown
//! once, password, disable), tokens (revoke), registrations (decided by an officer, read by the administrator)
//! and the sanctions lists (upload, fetch). Every refused form changes nothing (no new audit event) and names
//! its control in the error summary.

use super::{csrf, error_summary, Pages};
use testdb::Backend;

/// The value of the element `id="..."`'s `value` attribute.
fn value_of(body: &str, id: &str) -> String {
    let i = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[i..];
    let v = rest.find("value=\"").expect("a value") + "value=\"".len();
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

/// A multipart/form-data body of text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "exportctl-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(super) async fn admin_pages_manage_organisations_users_tokens_and_lists(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-admin").await;
    let d = t.get("/dashboard", Some(&s)).await;
    assert_eq!((d.status, d.location.as_str()), (303, "/admin"));
    let home = t.get("/admin", Some(&s)).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("id=\"pending-registrations\">0<"));

    // Organisations: a bad country is refused beside its field; a good one is listed.
    let page = t.get("/admin/organisations", Some(&s)).await;
    assert_eq!(page.status, 200);
    let token = csrf(&page.body);
    let before = t.audit_head().await;
    let bad = t
        .post(
            "/admin/organisations",
            Some(&s),
            &[
                ("csrf", &token),
                ("name", "Page Test Cyber Ltd"),
                ("country", "XX"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(error_summary(&bad.body).contains("href=\"#country\""));
    assert!(
        bad.body.contains("value=\"Page Test Cyber Ltd\""),
        "entry kept"
    );
    assert_eq!(t.audit_head().await, before, "nothing created");
    let ok = t
        .post(
            "/admin/organisations",
            Some(&s),
            &[
                ("csrf", &token),
                ("name", "Page Test Cyber Ltd"),
                ("country", "IL"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = t.get("/admin/organisations", Some(&s)).await.body;
    assert!(page.contains("Page Test Cyber Ltd"));
    let admin = t.principal("demo-admin").await;
    let org = t
        .app
        .organisations(&admin, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.name == "Page Test Cyber Ltd")
        .unwrap();

    // Users: an exporter without an organisation is refused beside the organisation control.
    let page = t.get("/admin/users", Some(&s)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("demo-officer"));
    let before = t.audit_head().await;
    let bad = t
        .post(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &token),
                ("username", "page-exporter"),
                ("role", "exporter"),
                ("review_kind", ""),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(error_summary(&bad.body).contains("href=\"#org_id\""));
    assert!(bad.body.contains("value=\"page-exporter\""));
    assert_eq!(t.audit_head().await, before, "nothing created");
    let taken = t
        .post(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &token),
                ("username", "demo-officer"),
                ("role", "officer"),
            ],
        )
        .await;
    assert_eq!(taken.status, 400);
    assert!(error_summary(&taken.body).contains("href=\"#username\""));
    let created = t
        .post(
            "/admin/users",
            Some(&s),
            &[
                ("csrf", &token),
                ("username", "page-exporter"),
                ("role", "exporter"),
                ("review_kind", ""),
                ("org_id", &org.id),
            ],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = value_of(&created.body, "secret");
    assert!(secret.starts_with("enr_"), "{secret}");
    let listing = t.get("/admin/users", Some(&s)).await.body;
    assert!(
        listing.contains("page-exporter") && !listing.contains(&secret),
        "shown once"
    );
    let issued = t
        .app
        .enrol(app::model::EnrolRequest {
            username: "page-exporter".into(),
            secret: secret.clone(),
            label: Some("page-laptop".into()),
            days: None,
        })
        .await
        .expect("the secret shown enrols");
    let exporter = t.app.authenticate(&issued.token).await.unwrap();
    let uid = exporter.user_id().to_string();
    let user_path = format!("/admin/users/{uid}");
    let user_page = t.get(&user_path, Some(&s)).await;
    assert_eq!(user_page.status, 200);
    assert!(
        user_page.body.contains("page-laptop"),
        "its token is listed"
    );

    // Password: two different entries, then a short one, are refused; a good one lets the user sign in.
    let pw_path = format!("{user_path}/password");
    let before = t.audit_head().await;
    let differ = t
        .post(
            &pw_path,
            Some(&s),
            &[
                ("csrf", &token),
                ("password", "a long enough passphrase"),
                ("password_again", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(differ.status, 400);
    assert!(error_summary(&differ.body).contains("href=\"#password\""));
    let short = t
        .post(
            &pw_path,
            Some(&s),
            &[
                ("csrf", &token),
                ("password", "short"),
                ("password_again", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(error_summary(&short.body).contains("href=\"#password\""));
    assert_eq!(t.audit_head().await, before, "no password set");
    let set = t
        .post(
            &pw_path,
            Some(&s),
            &[
                ("csrf", &token),
                ("password", "a long enough passphrase"),
                ("password_again", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert!(t
        .get(&set.location, Some(&s))
        .await
        .body
        .contains("id=\"password-set\""));
    let signed = t
        .try_sign_in("page-exporter", "a long enough passphrase")
        .await;
    assert_eq!(signed.status, 303, "the new password signs in");

    // Registrations: the exporter files one; the administrator reads it, the officer decides it.
    let reg = t
        .app
        .file_registration(
            &exporter,
            app::model::NewRegistration {
                company_name: "Page Test Cyber Ltd".into(),
                registration_number: "51-999999-9".into(),
                address: "2 Example Street, Haifa".into(),
                country: domain::CountryCode::parse("IL").unwrap(),
                contact_email: "compliance@example.test".into(),
            },
        )
        .await
        .unwrap();
    let home = t.get("/admin", Some(&s)).await;
    assert!(home.body.contains("id=\"pending-registrations\">1<"));
    let read = t.get("/registrations", Some(&s)).await;
    assert_eq!(read.status, 200);
    assert!(read.body.contains("51-999999-9"));
    assert!(
        !read.body.contains(&format!("id=\"decide-{}\"", reg.id)),
        "administrators read only"
    );
    let officer = t.sign_in("demo-officer").await;
    let page = t.get("/registrations", Some(&officer)).await;
    assert!(page.body.contains(&format!("id=\"decide-{}\"", reg.id)));
    let otoken = csrf(&page.body);
    let decision = format!("/registrations/{}/decision", reg.id);
    let before = t.audit_head().await;
    let no_reason = t
        .post(
            &decision,
            Some(&officer),
            &[("csrf", &otoken), ("decision", "approve"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 400, "{}", no_reason.body);
    assert!(error_summary(&no_reason.body).contains(&format!("href=\"#reason-{}\"", reg.id)));
    assert_eq!(t.audit_head().await, before, "nothing decided");
    let by_admin = t
        .post(
            &decision,
            Some(&s),
            &[
                ("csrf", &token),
                ("decision", "approve"),
                ("reason", "verified"),
            ],
        )
        .await;
    assert_eq!(by_admin.status, 403, "the use case lets officers decide");
    let approved = t
        .post(
            &decision,
            Some(&officer),
            &[
                ("csrf", &otoken),
                ("decision", "approve"),
                ("reason", "Company details verified"),
            ],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let done = t.get("/registrations?state=approved", Some(&s)).await.body;
    assert!(done.contains("51-999999-9") && done.contains("Company details verified"));

    // Tokens: listed without secrets, revoked once; a second revocation is refused.
    let page = t.get("/admin/tokens", Some(&s)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("page-laptop") && !page.body.contains(&issued.token));
    let revoke = format!("/admin/tokens/{}/revoke", issued.token_id);
    let r = t.post(&revoke, Some(&s), &[("csrf", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(t.app.authenticate(&issued.token).await.is_err(), "revoked");
    let again = t.post(&revoke, Some(&s), &[("csrf", &token)]).await;
    assert_eq!(again.status, 400);
    assert!(error_summary(&again.body).contains(&format!("href=\"#revoke-{}\"", issued.token_id)));

    // Disabling needs a reason, then ends the user's sign-in.
    let disable = format!("{user_path}/disable");
    let before = t.audit_head().await;
    let r = t
        .post(&disable, Some(&s), &[("csrf", &token), ("reason", "")])
        .await;
    assert_eq!(r.status, 400);
    assert!(error_summary(&r.body).contains("href=\"#status-reason\""));
    assert_eq!(t.audit_head().await, before);
    let r = t
        .post(
            &disable,
            Some(&s),
            &[("csrf", &token), ("reason", "Left the company")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.try_sign_in("page-exporter", "a long enough passphrase")
            .await
            .status,
        401
    );
    assert!(t.get(&user_path, Some(&s)).await.body.contains("/enable\""));

    // Lists: a malformed upload changes nothing; a good one makes a new version in force; without the
    // session's CSRF token nothing is imported; a private address is not fetched.
    let page = t.get("/admin/lists", Some(&s)).await;
    assert_eq!(page.status, 200);
    let upload = |fields: Vec<(&'static str, String)>, file: Option<Vec<u8>>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (ct, body) = multipart(&f, file.as_deref().map(|b| ("list.csv", b)));
        t.send(
            t.client
                .post(format!("{}/admin/lists/upload", t.base))
                .header("content-type", ct)
                .body(body),
            Some(&s),
        )
    };
    let before = t.audit_head().await;
    let bad = upload(
        vec![("csrf", token.clone()), ("format", "us-csl-csv".into())],
        Some(b"not,a\nlist".to_vec()),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(error_summary(&bad.body).contains("href=\"#file\""));
    assert_eq!(t.audit_head().await, before, "nothing imported");
    let missing = upload(
        vec![("csrf", token.clone()), ("format", "us-csl-csv".into())],
        None,
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(error_summary(&missing.body).contains("href=\"#file\""));
    let list = format!(
        "{}demo-3,Demonstration List (DEMO) - exportctl,,Entity,DEMO,Page Test Invented Works,,,,,,,,,,,,,,,Invented for a test.,,,,,,,,\n",
        app::screening_svc::DEMO_LIST
    );
    let foreign = upload(
        vec![("csrf", "0".repeat(64)), ("format", "us-csl-csv".into())],
        Some(list.clone().into_bytes()),
    )
    .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(
        t.audit_head().await,
        before,
        "a foreign token imports nothing"
    );
    let good = upload(
        vec![("csrf", token.clone()), ("format", "us-csl-csv".into())],
        Some(list.into_bytes()),
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert!(good.body.contains("id=\"imported\""));
    assert!(good.body.contains("us-csl-demo"), "{}", good.body);
    let versions = t.get("/admin/lists", Some(&s)).await.body;
    assert!(versions.contains("id=\"list-versions\""));
    let fetch = t
        .post(
            "/admin/lists/fetch",
            Some(&s),
            &[
                ("csrf", &token),
                ("fetch_format", "us-csl-csv"),
                ("url", "http://127.0.0.1:9/list.csv"),
            ],
        )
        .await;
    assert_eq!(fetch.status, 400, "{}", fetch.body);
    assert!(error_summary(&fetch.body).contains("href=\"#url\""));

    // Other roles may not use the administrator's pages.
    for path in [
        "/admin",
        "/admin/users",
        "/admin/tokens",
        "/admin/lists",
        "/admin/organisations",
    ] {
        assert_eq!(t.get(path, Some(&officer)).await.status, 403, "{path}");
    }
    let exporter_session = t.sign_in("demo-exporter").await;
    assert_eq!(
        t.get("/registrations", Some(&exporter_session))
            .await
            .status,
        403
    );
}
