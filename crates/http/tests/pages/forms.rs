//! The exporter's forms over HTTP: registration, product records, the licence check, the application forms
//! (errors beside their fields, values kept) and the licence page — each through the same use case as the API.

use super::{csrf, error_summary, Pages};
use testdb::Backend;

/// A new organisation with an exporter who has a password; returns its session cookie.
pub(super) async fn other_exporter(t: &Pages, name: &str) -> String {
    let admin = t.principal("demo-admin").await;
    let org = t
        .app
        .create_organisation(
            &admin,
            app::model::NewOrganisation {
                name: format!("{name} Ltd"),
                country: domain::CountryCode::parse("IL").unwrap(),
            },
        )
        .await
        .unwrap();
    t.app
        .create_user(
            &admin,
            app::model::NewUser {
                username: name.into(),
                role: domain::Role::Exporter,
                review_kind: None,
                org_id: Some(org.id.clone()),
                token_days: None,
            },
        )
        .await
        .unwrap();
    t.app
        .set_password(&admin, name, "a long enough passphrase")
        .await
        .unwrap();
    let p = t
        .post(
            "/sign-in",
            None,
            &[("username", name), ("password", "a long enough passphrase")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    p.set_cookie[0]["exportctl_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// The first `<option value=...>` whose text contains `text`.
pub(super) fn option_value(body: &str, text: &str) -> String {
    let i = body.find(text).expect("option text");
    let start = body[..i].rfind("value=\"").unwrap() + "value=\"".len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

pub(super) async fn registration_form_files_and_shows_errors_beside_fields(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = other_exporter(&t, "new-exporter").await;
    let form = t.get("/exporter/registration", Some(&s)).await;
    assert_eq!(form.status, 200);
    let token = csrf(&form.body);
    let before = t.audit_head().await;
    let bad = t
        .post(
            "/exporter/registration",
            Some(&s),
            &[
                ("csrf", &token),
                ("company_name", "New Exporter Ltd"),
                ("registration_number", "51-123"),
                ("address", "2 Road, Haifa"),
                ("country", "IL"),
                ("contact_email", "not an address"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("href=\"#contact_email\""));
    assert!(bad.body.contains("id=\"contact_email-error\""));
    assert!(
        bad.body.contains("value=\"New Exporter Ltd\"")
            && bad.body.contains("value=\"not an address\""),
        "entered values kept"
    );
    assert_eq!(t.audit_head().await, before, "nothing stored");
    let bad_country = t
        .post(
            "/exporter/registration",
            Some(&s),
            &[
                ("csrf", &token),
                ("company_name", "X"),
                ("country", "Narnia"),
            ],
        )
        .await;
    assert_eq!(bad_country.status, 400);
    assert!(bad_country.body.contains("id=\"country-error\""));
    let ok = t
        .post(
            "/exporter/registration",
            Some(&s),
            &[
                ("csrf", &token),
                ("company_name", "New Exporter Ltd"),
                ("registration_number", "51-123"),
                ("address", "2 Road, Haifa"),
                ("country", "IL"),
                ("contact_email", "compliance@new.test"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location.as_str()),
        (303, "/exporter#registration")
    );
    let dash = t.get("/exporter", Some(&s)).await.body;
    assert!(dash.contains("New Exporter Ltd") && dash.contains("pending"));
    // Filed once: the form now shows the pending registration instead.
    let again = t.get("/exporter/registration", Some(&s)).await.body;
    assert!(again.contains("id=\"registration-state\"") && !again.contains("file-registration"));
}

pub(super) async fn product_form_and_licence_check(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-exporter").await;
    let form = t.get("/exporter/products/new", Some(&s)).await;
    let token = csrf(&form.body);
    let bad = t
        .post(
            "/exporter/products/new",
            Some(&s),
            &[
                ("csrf", &token),
                ("name", "Lawful Intercept Probe"),
                ("version", "2"),
                ("description", "probe"),
                ("control_entries", "5A001.j, 9Z999"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#control_entries"));
    assert!(
        error_summary(&bad.body).contains("9Z999"),
        "the reason names the bad entry"
    );
    assert!(bad.body.contains("value=\"5A001.j, 9Z999\""));
    let ok = t
        .post(
            "/exporter/products/new",
            Some(&s),
            &[
                ("csrf", &token),
                ("name", "Lawful Intercept Probe"),
                ("version", "2"),
                ("description", "probe"),
                ("control_entries", "5A001.j"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let dash = t.get("/exporter", Some(&s)).await.body;
    assert!(dash.contains("Lawful Intercept Probe"));

    // The check: a classified product to a destination, with every fired rule's reason.
    let check = t.get("/exporter/check", Some(&s)).await.body;
    let product = option_value(&check, "Network Monitor (demo)");
    assert!(
        !check.contains("Lawful Intercept Probe"),
        "unclassified products are not offered"
    );
    let answer = t
        .post(
            "/exporter/check",
            Some(&s),
            &[
                ("csrf", &token),
                ("product", &product),
                ("destination", "FR"),
                ("end_user_type", "government-law-enforcement"),
                ("licence", "marketing"),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let exp = t.principal("demo-exporter").await;
    let api = t
        .app
        .pre_application_check(
            &exp,
            app::model::PreApplicationCheck {
                product: Some(product.clone()),
                control_entries: None,
                security_grade: None,
                destination: domain::CountryCode::parse("FR").unwrap(),
                end_user_type: "government-law-enforcement".parse().unwrap(),
                licence: Some(domain::LicenceKind::Marketing),
                record_exemption: false,
            },
        )
        .await
        .unwrap();
    let outcome = api.determination["outcome"].as_str().unwrap();
    assert!(answer
        .body
        .contains(&format!("id=\"check-outcome\">{outcome}<")));
    let rules = api.determination["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(answer.body.contains(id), "rule {id} shown");
    }
    // Without a product or entries: the error is beside the product control, values kept.
    let bad = t
        .post(
            "/exporter/check",
            Some(&s),
            &[
                ("csrf", &token),
                ("product", ""),
                ("destination", "FR"),
                ("end_user_type", "government-law-enforcement"),
                ("licence", "marketing"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#product"));
    assert!(bad.body.contains("value=\"FR\""));
}

pub(super) async fn application_forms_create_drafts_that_submit(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-exporter").await;
    let form = t
        .get("/exporter/applications/new/marketing", Some(&s))
        .await;
    assert_eq!(form.status, 200);
    let token = csrf(&form.body);
    let forensic = option_value(&form.body, "Forensic Extractor (demo)");
    let before = t.audit_head().await;
    let bad = t
        .post(
            "/exporter/applications/new/marketing",
            Some(&s),
            &[
                ("csrf", &token),
                ("products", &forensic),
                ("destinations", "DE, QQ"),
                ("end_users_name", "Federal Police"),
                ("end_users_type", "government-law-enforcement"),
                ("end_users_country", "DE"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#destinations"));
    assert!(bad.body.contains("value=\"Federal Police\"") && bad.body.contains("value=\"DE, QQ\""));
    assert!(
        bad.body.contains(&format!("value=\"{forensic}\" checked")),
        "ticked product kept"
    );
    assert_eq!(t.audit_head().await, before, "nothing stored");
    let none = t
        .post(
            "/exporter/applications/new/marketing",
            Some(&s),
            &[
                ("csrf", &token),
                ("destinations", "DE"),
                ("end_users_name", "Federal Police"),
                ("end_users_type", "government-law-enforcement"),
            ],
        )
        .await;
    assert_eq!(none.status, 400);
    assert!(error_summary(&none.body).contains("#products"));
    let ok = t
        .post(
            "/exporter/applications/new/marketing",
            Some(&s),
            &[
                ("csrf", &token),
                ("products", &forensic),
                ("destinations", "DE"),
                ("end_users_name", "Federal Police"),
                ("end_users_type", "government-law-enforcement"),
                ("end_users_country", "DE"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let case = ok.location.clone();
    let id = case.rsplit('/').next().unwrap().to_string();
    assert_eq!(t.case_state(&id).await, "draft");
    let page = t.get(&case, Some(&s)).await.body;
    assert!(page.contains("id=\"submit\""));
    let sent = t
        .post(&format!("{case}/submit"), Some(&s), &[("csrf", &token)])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(t.case_state(&id).await, "submitted");
    assert!(!t.get(&case, Some(&s)).await.body.contains("id=\"submit\""));

    // The export form: a bad quantity is shown beside it with everything else kept; a missing marketing
    // authorisation is refused at submission and listed on the case page.
    let form = t
        .get("/exporter/applications/new/export", Some(&s))
        .await
        .body;
    let monitor = option_value(&form, "Network Monitor (demo)");
    let fields = |q: &'static str, auth: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("product", monitor.clone()),
            ("destination", "FR".into()),
            ("marketing_authorisation", auth.into()),
            ("end_user_name", "Police Nationale".into()),
            ("end_user_type", "government-law-enforcement".into()),
            ("end_user_country", "FR".into()),
            ("consignee_name", "Police Logistics".into()),
            ("consignee_country", "FR".into()),
            ("quantity", q.into()),
            ("value_amount", "125000.00".into()),
            ("value_currency", "EUR".into()),
            ("end_use", "lawful interception under warrant".into()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let t = &t;
        let s = &s;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.post("/exporter/applications/new/export", Some(s), &f)
                .await
        }
    };
    let bad = post(fields("many", "")).await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#quantity"));
    assert!(bad.body.contains("value=\"Police Logistics\"") && bad.body.contains("value=\"many\""));
    let draft = post(fields("3", "ML-2099-000001")).await;
    assert_eq!(draft.status, 303, "{}", draft.body);
    let refused = t
        .post(
            &format!("{}/submit", draft.location),
            Some(&s),
            &[("csrf", &token)],
        )
        .await;
    assert!(
        refused.status == 400 || refused.status == 409,
        "{}",
        refused.status
    );
    assert!(error_summary(&refused.body).contains("#submit"));
    let id = draft.location.rsplit('/').next().unwrap();
    assert_eq!(t.case_state(id).await, "draft", "nothing changed");
}

pub(super) async fn licence_page_and_document(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-exporter").await;
    let dash = t.get("/exporter", Some(&s)).await.body;
    let i = dash
        .find("href=\"/exporter/licences/")
        .expect("a licence link");
    let rest = &dash[i + "href=\"".len()..];
    let path = &rest[..rest.find('"').unwrap()];
    let page = t.get(path, Some(&s)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"licence-state\">issued<"));
    assert!(page.body.contains("report deployments"), "conditions shown");
    let pdf = t.get(&format!("{path}/document"), Some(&s)).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    // Another organisation's exporter: not found.
    let other = other_exporter(&t, "nosy-exporter").await;
    assert_eq!(t.get(path, Some(&other)).await.status, 404);
    assert_eq!(
        t.get(&format!("{path}/document"), Some(&other))
            .await
            .status,
        404
    );
}
