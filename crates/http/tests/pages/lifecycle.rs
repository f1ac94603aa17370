//! Issue 12's forms on the pages, over HTTP: an officer returns a case for editing and the exporter edits and
//! resubmits it; exemptions requested by the exporter and granted, refused and revoked by an officer; a
//! variation started from an issued licence's case page, linked both ways; an adviser's countersignature of
//! final advice, with the separation-of-duties refusals shown on the page. Each form: its refusal (a missing
//! reason, a rule) changes nothing and is shown beside its control; its effect is visible to the other party.

use super::{csrf, error_summary, option_value, unassigned_case, Pages};
use app::views::{CaseView, ExporterCase};
use testdb::Backend;

/// The exporter's view of case `id`.
async fn exporter_case(t: &Pages, id: &str) -> ExporterCase {
    let exp = t.principal("demo-exporter").await;
    match t.app.application(&exp, id).await.unwrap() {
        CaseView::Exporter(c) => *c,
        _ => panic!("exporter view"),
    }
}

/// The application form's fields for the details of `c`, as the form names them.
fn fields_of(c: &ExporterCase) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| f.push((k.to_string(), v));
    if let Some(m) = &c.marketing {
        for p in &m.products {
            put("products", p.clone());
        }
        let d: Vec<String> = m.destinations.iter().map(|d| d.to_string()).collect();
        put("destinations", d.join(" "));
        let e = &m.end_users[0];
        put("end_users_name", e.name.clone());
        put("end_users_type", e.end_user_type.to_string());
        put(
            "end_users_country",
            e.country
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
    }
    if let Some(x) = &c.export {
        put("product", x.product.clone());
        put("destination", x.destination.to_string());
        put("end_user_name", x.end_user.name.clone());
        put("end_user_type", x.end_user.end_user_type.to_string());
        put(
            "end_user_country",
            x.end_user
                .country
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
        put("consignee_name", x.consignee.name.clone());
        put("consignee_country", x.consignee.country.to_string());
        put("quantity", x.quantity.to_string());
        put("value_amount", x.value.amount.clone());
        put("value_currency", x.value.currency.clone());
        put("end_use", x.end_use.clone());
        put(
            "marketing_authorisation",
            x.marketing_authorisation.clone().unwrap_or_default(),
        );
    }
    f
}

/// `fields` with `key` set to `value`, and the CSRF token.
fn with<'a>(
    token: &'a str,
    fields: &'a [(String, String)],
    set: &'a [(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![("csrf", token)];
    for (k, v) in fields {
        match set.iter().find(|s| s.0 == k.as_str()) {
            Some(s) => out.push((s.0, s.1)),
            None => out.push((k.as_str(), v.as_str())),
        }
    }
    out.extend(
        set.iter()
            .filter(|s| !fields.iter().any(|f| f.0 == s.0))
            .copied(),
    );
    out
}

/// The first case in `state` the officer reads.
async fn case_in(t: &Pages, state: &str) -> String {
    let off = t.principal("demo-officer").await;
    let f = app::listing::CaseFilter {
        state: Some(state.into()),
        ..Default::default()
    };
    t.app
        .applications(&off, &f, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .first()
        .unwrap_or_else(|| panic!("a demo case in {state}"))
        .id()
        .to_string()
}

/// A new human-rights adviser (who advised on nothing), signed in: its session secret.
async fn new_adviser(t: &Pages, name: &str) -> String {
    let admin = t.principal("demo-admin").await;
    t.app
        .create_user(
            &admin,
            app::model::NewUser {
                username: name.into(),
                role: domain::Role::Adviser,
                review_kind: Some(domain::ReviewKind::HumanRights),
                org_id: None,
                token_days: None,
            },
        )
        .await
        .unwrap();
    t.app
        .set_password(&admin, name, "a long enough passphrase")
        .await
        .unwrap();
    let p = t.try_sign_in(name, "a long enough passphrase").await;
    assert_eq!(p.status, 303, "{}", p.body);
    p.set_cookie[0]["exportctl_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

pub(super) async fn returned_for_editing_then_edited_and_resubmitted(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let id = unassigned_case(&t).await;
    let off = t.principal("demo-officer").await;
    let s = t.sign_in("demo-officer").await;
    let path = format!("/officer/cases/{id}");
    let action = format!("action=\"{path}/return-for-editing\"");
    // Submitted, not yet under review: the lifecycle does not offer the return.
    assert!(!t.get(&path, Some(&s)).await.body.contains(&action));
    t.app
        .assign(
            &off,
            &id,
            app::model::AssignBody {
                officer_id: None,
                expected_version: None,
            },
        )
        .await
        .unwrap();
    let page = t.get(&path, Some(&s)).await;
    assert!(page.body.contains(&action), "offered under review");
    assert!(page
        .body
        .contains("<label for=\"return-for-editing-reason\">"));
    let token = csrf(&page.body);
    let head = t.audit_head().await;
    let post = |reason: &'static str, with_token: bool| {
        let token = token.clone();
        let path = path.clone();
        let s = s.clone();
        let t = &t;
        async move {
            let mut form = vec![("reason", reason)];
            if with_token {
                form.push(("csrf", token.as_str()));
            }
            t.post(&format!("{path}/return-for-editing"), Some(&s), &form)
                .await
        }
    };
    assert_eq!(post("fix it", false).await.status, 403);
    let r = post("   ", true).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#return-for-editing-reason\""));
    assert!(r
        .body
        .contains("id=\"return-for-editing-reason\" name=\"reason\""));
    assert_eq!(t.audit_head().await, head, "nothing written");
    assert_eq!(t.case_state(&id).await, "under-review");
    let why = "name the police unit of the end user, not only the agency";
    let r = post(why, true).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, path.as_str()),
        "{}",
        r.body
    );
    assert_eq!(t.case_state(&id).await, "returned-for-editing");
    let page = t.get(&path, Some(&s)).await.body;
    assert!(!page.contains(&action), "not offered twice");
    assert!(page.contains(why), "the reason is in the timeline");

    // The exporter sees the reason, edits the details and resubmits.
    let e = t.sign_in("demo-exporter").await;
    let epath = format!("/exporter/cases/{id}");
    let ep = t.get(&epath, Some(&e)).await.body;
    assert!(ep.contains(&format!("id=\"return-reason\">{why}<")), "{ep}");
    assert!(ep.contains(&format!("href=\"{epath}/edit\"")) && ep.contains("id=\"resubmit\""));
    let c = exporter_case(&t, &id).await;
    let fields = fields_of(&c);
    let form = t.get(&format!("{epath}/edit"), Some(&e)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(&format!("action=\"{epath}/edit\"")));
    let etoken = csrf(&form.body);
    let (dest, name, shown) = if c.marketing.is_some() {
        (
            "destinations",
            "end_users_name",
            "Federal Criminal Police, unit 3",
        )
    } else {
        (
            "destination",
            "consignee_name",
            "Logistics Consignee, unit 3",
        )
    };
    let current = &fields.iter().find(|f| f.0 == dest).unwrap().1;
    assert!(
        form.body.contains(&format!("value=\"{current}\"")),
        "filled in"
    );
    // A bad value: beside its control, the values kept, nothing written.
    let head = t.audit_head().await;
    let bad = t
        .post(
            &format!("{epath}/edit"),
            Some(&e),
            &with(&etoken, &fields, &[(dest, "QQ"), (name, shown)]),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(error_summary(&bad.body).contains(&format!("href=\"#{dest}\"")));
    assert!(bad.body.contains(&format!("value=\"{shown}\"")));
    assert_eq!(t.audit_head().await, head);
    let ok = t
        .post(
            &format!("{epath}/edit"),
            Some(&e),
            &with(&etoken, &fields, &[(name, shown)]),
        )
        .await;
    assert_eq!(
        (ok.status, ok.location.as_str()),
        (303, epath.as_str()),
        "{}",
        ok.body
    );
    assert!(t.get(&epath, Some(&e)).await.body.contains(shown));
    assert_eq!(t.case_state(&id).await, "returned-for-editing");
    let r = t
        .post(&format!("{epath}/resubmit"), Some(&e), &[("csrf", &etoken)])
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, epath.as_str()),
        "{}",
        r.body
    );
    assert_eq!(t.case_state(&id).await, "under-review");
    let ep = t.get(&epath, Some(&e)).await.body;
    assert!(!ep.contains("id=\"resubmit\"") && !ep.contains(&format!("href=\"{epath}/edit\"")));
    // The officer sees the edited details; a second resubmission is refused on the page.
    assert!(t.get(&path, Some(&s)).await.body.contains(shown));
    let r = t
        .post(&format!("{epath}/resubmit"), Some(&e), &[("csrf", &etoken)])
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#resubmit\""));
}

pub(super) async fn exemptions_requested_decided_and_revoked_from_the_pages(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    // A restricted intrusion-software item (4D004): the reference policy finds its marketing to Germany for
    // the police exempt.
    let exp = t.principal("demo-exporter").await;
    let p = t
        .app
        .create_product(
            &exp,
            app::model::NewProduct {
                name: "Exploit Kit".into(),
                version: "2".into(),
                description: "d".into(),
                control_entries: vec!["4D004".into()],
                capability_tags: vec![],
            },
        )
        .await
        .unwrap();
    t.app
        .classify_product(
            &t.principal("demo-defence-adviser").await,
            &p.id,
            app::model::ClassifyProduct {
                control_entries: vec!["4D004".into()],
                security_grade: domain::SecurityGrade::Restricted,
                note: None,
            },
        )
        .await
        .unwrap();
    let e = t.sign_in("demo-exporter").await;
    let page = t.get("/exporter/exemptions", Some(&e)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(t
        .get("/exporter", Some(&e))
        .await
        .body
        .contains("href=\"/exporter/exemptions\""));
    let token = csrf(&page.body);
    let forensic = option_value(&page.body, "Exploit Kit 2");
    let monitor = option_value(&page.body, "Network Monitor (demo)");
    let ask = |product: &str, dest: &str, end_user: &str| {
        vec![
            ("csrf".to_string(), token.clone()),
            ("product".to_string(), product.to_string()),
            ("destination".to_string(), dest.to_string()),
            ("end_user_type".to_string(), end_user.to_string()),
            (
                "justification".to_string(),
                "demonstration to the federal police".to_string(),
            ),
        ]
    };
    let send = |form: Vec<(String, String)>| {
        let e = e.clone();
        let t = &t;
        async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            t.post("/exporter/exemptions", Some(&e), &form).await
        }
    };
    let head = t.audit_head().await;
    // No destination: beside it, the values kept.
    let r = send(ask(&forensic, "", "government-law-enforcement")).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#destination\""));
    assert!(r.body.contains("demonstration to the federal police"));
    // Nothing to grant: the policy's refusal beside the product.
    let r = send(ask(&monitor, "BR", "government-intelligence")).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#product\""));
    assert!(r.body.contains("not exempt"));
    assert_eq!(t.audit_head().await, head, "nothing written");
    for _ in 0..2 {
        let r = send(ask(&forensic, "DE", "government-law-enforcement")).await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (303, "/exporter/exemptions"),
            "{}",
            r.body
        );
    }
    let ids: Vec<String> = t
        .app
        .exemptions(&exp, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|x| x.product == forensic)
        .map(|x| x.id)
        .collect();
    assert_eq!(ids.len(), 2);
    let (grant, refuse) = (&ids[0], &ids[1]);
    let state =
        |body: &str, id: &str, s: &str| body.contains(&format!("id=\"exemption-{id}-state\">{s}<"));
    let mine = t.get("/exporter/exemptions", Some(&e)).await.body;
    assert!(state(&mine, grant, "requested") && state(&mine, refuse, "requested"));

    // The officer decides, each refusal of the form beside the exemption's own reason control.
    let o = t.sign_in("demo-officer").await;
    assert!(t
        .get("/officer", Some(&o))
        .await
        .body
        .contains("href=\"/officer/exemptions\""));
    let list = t.get("/officer/exemptions", Some(&o)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(state(&list.body, grant, "requested"));
    assert!(list
        .body
        .contains(&format!("<label for=\"decide-reason-{grant}\">")));
    let otoken = csrf(&list.body);
    let decide = |id: &str| format!("/officer/exemptions/{id}/decision");
    let head = t.audit_head().await;
    let r = t
        .post(
            &decide(grant),
            Some(&o),
            &[("csrf", &otoken), ("reason", "tier 1")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains(&format!("href=\"#decide-reason-{grant}\"")));
    let r = t
        .post(
            &decide(grant),
            Some(&o),
            &[("csrf", &otoken), ("decision", "grant"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains(&format!("href=\"#decide-reason-{grant}\"")));
    assert_eq!(t.audit_head().await, head, "nothing written");
    let r = t
        .post(
            &decide(grant),
            Some(&o),
            &[
                ("csrf", &otoken),
                ("decision", "grant"),
                ("reason", "restricted item, destination tier 1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            &decide(refuse),
            Some(&o),
            &[
                ("csrf", &otoken),
                ("decision", "refuse"),
                ("reason", "clearance not established"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let list = t.get("/officer/exemptions", Some(&o)).await.body;
    assert!(state(&list, grant, "granted") && state(&list, refuse, "refused"));
    assert!(list.contains(&format!(
        "action=\"/officer/exemptions/{grant}/revocation\""
    )));
    assert!(!list.contains(&format!("action=\"{}\"", decide(grant))));
    // Decided once: a second decision is refused under the list's heading.
    let r = t
        .post(
            &decide(refuse),
            Some(&o),
            &[
                ("csrf", &otoken),
                ("decision", "grant"),
                ("reason", "again"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#exemptions\""));

    // The exporter sees both decisions, the validity of the grant, and is told.
    let mine = t.get("/exporter/exemptions", Some(&e)).await.body;
    assert!(state(&mine, grant, "granted") && state(&mine, refuse, "refused"));
    assert!(
        mine.contains("restricted item, destination tier 1")
            && mine.contains("clearance not established")
    );
    let x = t.app.exemption(&exp, grant).await.unwrap();
    assert!(mine.contains(&x.valid_until.unwrap().to_string()));
    let told = t.get("/notifications", Some(&e)).await.body;
    assert!(
        told.contains(&format!("Marketing-licence exemption {grant} granted")),
        "{told}"
    );
    assert!(told.contains(&format!("Marketing-licence exemption {refuse} refused")));

    // Revocation: a reason is required; then the exporter sees it revoked, with the reason.
    let revoke = format!("/officer/exemptions/{grant}/revocation");
    let r = t
        .post(&revoke, Some(&o), &[("csrf", &otoken), ("reason", "")])
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains(&format!("href=\"#revoke-reason-{grant}\"")));
    assert!(state(&r.body, grant, "granted"));
    let r = t
        .post(
            &revoke,
            Some(&o),
            &[
                ("csrf", &otoken),
                ("reason", "the destination assessment changed"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mine = t.get("/exporter/exemptions", Some(&e)).await.body;
    assert!(state(&mine, grant, "revoked") && mine.contains("the destination assessment changed"));
    // Exporters do not reach the officer's list, nor officers the exporter's.
    assert_eq!(t.get("/officer/exemptions", Some(&e)).await.status, 403);
    assert_eq!(t.get("/exporter/exemptions", Some(&o)).await.status, 403);
}

pub(super) async fn variation_started_from_the_case_page_links_both_ways(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let id = case_in(&t, "issued").await;
    let e = t.sign_in("demo-exporter").await;
    let epath = format!("/exporter/cases/{id}");
    let page = t.get(&epath, Some(&e)).await.body;
    assert!(page.contains(&format!("href=\"{epath}/variation\"")));
    let form = t.get(&format!("{epath}/variation"), Some(&e)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("<label for=\"reason\">"));
    let token = csrf(&form.body);
    let original = exporter_case(&t, &id).await;
    let fields = fields_of(&original);
    let exp = t.principal("demo-exporter").await;
    let count = || {
        let (t, exp) = (&t, &exp);
        async move {
            t.app
                .applications(exp, &Default::default(), &app::listing::Page::all())
                .await
                .unwrap()
                .items
                .len()
        }
    };
    let before = count().await;
    // Without a reason: beside it, nothing created.
    let r = t
        .post(
            &format!("{epath}/variation"),
            Some(&e),
            &with(&token, &fields, &[]),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#reason\""));
    assert_eq!(count().await, before);
    let why = "two more units for the same end user";
    let r = t
        .post(
            &format!("{epath}/variation"),
            Some(&e),
            &with(&token, &fields, &[("reason", why)]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let new = r
        .location
        .strip_prefix("/exporter/cases/")
        .unwrap()
        .to_string();
    assert_ne!(new, id);
    assert_eq!(count().await, before + 1);
    assert_eq!(t.case_state(&new).await, "draft");
    // The draft links to the original, the original to its variation; the officer sees the link too.
    let varied = t
        .get(&format!("/exporter/cases/{new}"), Some(&e))
        .await
        .body;
    assert!(
        varied.contains(&format!("id=\"variation-of-{id}\">{}<", original.reference)),
        "{varied}"
    );
    assert!(varied.contains(&format!("href=\"/exporter/cases/{new}/edit\"")));
    let page = t.get(&epath, Some(&e)).await.body;
    assert!(page.contains(&format!("id=\"variation-{new}\"")), "{page}");
    let o = t.sign_in("demo-officer").await;
    let op = t.get(&format!("/officer/cases/{new}"), Some(&o)).await.body;
    assert!(op.contains(&format!(
        "<a href=\"/officer/cases/{id}\" id=\"variation-of\">"
    )));
    // Only an issued licence is varied.
    assert_eq!(
        t.get(&format!("/exporter/cases/{new}/variation"), Some(&e))
            .await
            .status,
        409
    );

    // A superseded licence shows the variation that superseded it, on both sides.
    let old = case_in(&t, "superseded").await;
    let by = exporter_case(&t, &old)
        .await
        .superseded_by
        .expect("superseded by");
    let page = t
        .get(&format!("/exporter/cases/{old}"), Some(&e))
        .await
        .body;
    assert!(
        page.contains(&format!("id=\"superseded-by-{by}\"")),
        "{page}"
    );
    assert!(!page.contains(&format!("href=\"/exporter/cases/{old}/variation\"")));
    let op = t.get(&format!("/officer/cases/{old}"), Some(&o)).await.body;
    assert!(op.contains(&format!(
        "<a href=\"/officer/cases/{by}\" id=\"superseded-by\">"
    )));
    let vp = t.get(&format!("/exporter/cases/{by}"), Some(&e)).await.body;
    assert!(vp.contains(&format!("id=\"variation-of-{old}\"")));
}

pub(super) async fn adviser_countersigns_or_returns_from_its_pages(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    // The demo's refusal advice awaiting two countersignatures, the second a senior officer's.
    let id = case_in(&t, "countersigning").await;
    let path = format!("/adviser/cases/{id}");
    let a = new_adviser(&t, "hr-adviser-2").await;
    let list = t.get("/adviser", Some(&a)).await.body;
    assert!(
        list.contains(&format!("id=\"countersign-awaited-{id}\"")),
        "{list}"
    );
    let page = t.get(&path, Some(&a)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"final-advice-outcome\">refuse<"));
    assert!(page
        .body
        .contains(&format!("action=\"{path}/countersign\"")));
    assert!(page.body.contains("<label for=\"return-reasons\">"));
    let token = csrf(&page.body);
    let hr = t.sign_in("demo-hr-adviser").await;
    let head = t.audit_head().await;
    // A return gives its reasons.
    let r = t
        .post(
            &format!("{path}/return"),
            Some(&a),
            &[("csrf", &token), ("reasons", "  ")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#return-reasons\""));
    assert_eq!(t.audit_head().await, head, "nothing written");
    // The adviser who advised on the case is refused, readably, naming the rule.
    assert!(!t
        .get("/adviser", Some(&hr))
        .await
        .body
        .contains(&format!("countersign-awaited-{id}")));
    let hp = t.get(&path, Some(&hr)).await.body;
    assert!(!hp.contains(&format!("action=\"{path}/countersign\"")));
    let r = t
        .post(
            &format!("{path}/countersign"),
            Some(&hr),
            &[("csrf", &csrf(&hp))],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.content_type.starts_with("text/html"));
    assert!(error_summary(&r.body).contains("href=\"#final-advice\""));
    assert!(
        r.body
            .contains("separation of duties (adviser-not-countersigner)"),
        "{}",
        r.body
    );
    assert_eq!(t.audit_head().await, head, "nothing written");

    // The new adviser accepts: the officer sees its countersignature.
    let r = t
        .post(
            &format!("{path}/countersign"),
            Some(&a),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.case_state(&id).await, "countersigning");
    let o = t.sign_in("demo-officer").await;
    let op = t.get(&format!("/officer/cases/{id}"), Some(&o)).await.body;
    assert!(
        op.contains("<td>hr-adviser-2</td><td>Accepted</td>"),
        "{op}"
    );
    // Not twice: the form is gone and a second acceptance is refused with its rule.
    let page = t.get(&path, Some(&a)).await.body;
    assert!(!page.contains(&format!("action=\"{path}/countersign\"")));
    assert!(!t
        .get("/adviser", Some(&a))
        .await
        .body
        .contains(&format!("countersign-awaited-{id}")));
    let r = t
        .post(
            &format!("{path}/countersign"),
            Some(&a),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r
        .body
        .contains("separation of duties (countersigners-differ)"));
    // The last countersignature is a senior officer's: another adviser may not give it, but may return it.
    let a3 = new_adviser(&t, "hr-adviser-3").await;
    let t3 = csrf(&t.get(&path, Some(&a3)).await.body);
    let r = t
        .post(&format!("{path}/countersign"), Some(&a3), &[("csrf", &t3)])
        .await;
    assert_eq!(r.status, 403);
    assert!(r
        .body
        .contains("separation of duties (senior-countersignature)"));
    let why = "cite criterion 7 as well";
    let r = t
        .post(
            &format!("{path}/return"),
            Some(&a3),
            &[("csrf", &t3), ("reasons", why)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.case_state(&id).await, "final-review");
    let op = t.get(&format!("/officer/cases/{id}"), Some(&o)).await.body;
    assert!(
        op.contains(&format!(
            "<td>hr-adviser-3</td><td>Returned</td><td>1</td><td>{why}</td>"
        )),
        "{op}"
    );
    assert!(
        op.contains("id=\"submit-final-advice\""),
        "back in final review"
    );
}

/// The demo's partial decision (the monitor licensed to France, Germany refused, the forensic tool needing
/// no licence) and its "no licence required" letter, on the exporter's case page; a case concluded "no
/// licence required" whole shows its letter too.
pub(super) async fn partial_decision_and_letter_on_the_exporter_case_page(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let exp = t.principal("demo-exporter").await;
    let mut partial = None;
    let mut whole = None;
    for c in t
        .app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
    {
        let CaseView::Exporter(c) = c else {
            panic!("exporter view")
        };
        if c.decision.as_ref().is_some_and(|d| d.parts.is_some()) {
            partial = Some(c.id.clone());
        }
        if c.state == domain::CaseState::NoLicenceRequired {
            whole = Some(c.id.clone());
        }
    }
    let (partial, whole) = (
        partial.expect("the demo's partial decision"),
        whole.expect("the demo's case concluded no licence required"),
    );
    let s = t.sign_in("demo-exporter").await;
    let page = t.get(&format!("/exporter/cases/{partial}"), Some(&s)).await;
    assert_eq!(page.status, 200);
    let parts = page
        .body
        .split("id=\"decision-parts\"")
        .nth(1)
        .and_then(|r| r.split("</dl>").next())
        .expect("the decision's parts");
    assert!(parts.contains("Licensed"), "{parts}");
    assert!(parts.contains("Network Monitor"), "{parts}");
    assert!(parts.contains("→ FR"), "{parts}");
    assert!(parts.contains("destination DE"), "{parts}");
    assert!(parts.contains("criterion-7"), "{parts}");
    let letter = page
        .body
        .split("id=\"nlr-letter\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .expect("the letter");
    let reference = exporter_case(&t, &partial).await.reference;
    assert!(letter.contains(&format!("NLR-{reference}")), "{letter}");
    assert!(
        letter.contains("needs no licence for marketing to FR, DE"),
        "{letter}"
    );
    let page = t.get(&format!("/exporter/cases/{whole}"), Some(&s)).await;
    assert!(page.body.contains("id=\"nlr-letter\""), "{}", page.body);
    assert!(!page.body.contains("id=\"decision-parts\""));
}
