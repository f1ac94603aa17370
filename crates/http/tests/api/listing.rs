//! Listings as a user meets them: filters, pagination, work queues for every role; editing drafts and
//! products; a pre-application check before there is a product; exporters screening prospective customers.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};

both_backends!(
    licences_are_filtered_and_paginated,
    case_filters_combine_and_pages_walk_everything,
    every_role_has_its_queue,
    drafts_and_products_can_be_changed,
    pre_application_check_needs_no_product,
    exporters_screen_customers_and_see_only_the_listing,
);

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn ml(product: &str, dests: &[&str], end_user: &str) -> Value {
    json!({"licence": "marketing", "marketing": {"products": [product], "destinations": dests,
        "end_users": [{"name": end_user, "type": "government-law-enforcement", "country": dests[0]}]}})
}

async fn create(t: &TestApp, token: &str, body: Value) -> String {
    let c = t.post(token, "/api/v1/applications", body).await.ok();
    c["id"].as_str().unwrap().to_string()
}

async fn submit(t: &TestApp, token: &str, id: &str) {
    t.post(
        token,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await
    .ok();
}

/// The URL (path and query) of a `Link: <...>; rel="next"` header.
fn next_url(link: &str) -> String {
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let url = &link[link.find('<').unwrap() + 1..link.find('>').unwrap()];
    url.to_string()
}

async fn case_filters_combine_and_pages_walk_everything(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let a = create(
        &t,
        &w.exporter,
        ml(&w.secret_product, &["FR"], "Gendarmerie Nationale"),
    )
    .await;
    let b_ = create(
        &t,
        &w.exporter,
        ml(&w.restricted_product, &["DE"], "Bundeskriminalamt"),
    )
    .await;
    let c = create(
        &t,
        &w.exporter,
        ml(&w.secret_product, &["FR", "BE"], "Police Fédérale 50%_"),
    )
    .await;
    let d = create(
        &t,
        &w.exporter,
        ml(&w.restricted_product, &["FR"], "Federal Police"),
    )
    .await;
    let e = create(&t, &w.exporter, ml(&w.secret_product, &["NL"], "Politie")).await;
    for id in [&a, &b_, &c] {
        submit(&t, &w.exporter, id).await;
    }
    let list = |q: &str| {
        let t = &t;
        let tok = w.officer.clone();
        let q = q.to_string();
        async move { t.get(&tok, &format!("/api/v1/applications{q}")).await }
    };

    // Each filter alone, and combined (all must match).
    assert_eq!(
        ids(&list("").await.ok()),
        [a.as_str(), b_.as_str(), c.as_str(), d.as_str(), e.as_str()]
    );
    assert_eq!(
        ids(&list("?destination=fr").await.ok()),
        [a.as_str(), c.as_str(), d.as_str()]
    );
    assert_eq!(
        ids(&list("?state=submitted").await.ok()),
        [a.as_str(), b_.as_str(), c.as_str()]
    );
    assert_eq!(
        ids(&list("?state=submitted&destination=FR").await.ok()),
        [a.as_str(), c.as_str()]
    );
    // A control entry in any spelling the control list knows; submitted cases carry their products' entries.
    assert_eq!(
        ids(&list("?control_entry=5.A.1.j").await.ok()),
        [a.as_str(), c.as_str()]
    );
    assert_eq!(ids(&list("?control_entry=4D004").await.ok()), [b_.as_str()]);
    assert_eq!(
        ids(&list("?licence=marketing").await.ok()),
        [a.as_str(), b_.as_str(), c.as_str(), d.as_str(), e.as_str()]
    );
    assert!(ids(&list("?licence=export").await.ok()).is_empty());
    assert_eq!(ids(&list("?party=GENDARMERIE").await.ok()), [a.as_str()]);
    assert_eq!(
        ids(&list("?party=f%C3%A9d%C3%A9rale").await.ok()),
        [c.as_str()]
    );
    // LIKE wildcards are characters, not patterns.
    assert_eq!(ids(&list("?party=50%25_").await.ok()), [c.as_str()]);
    assert!(ids(&list("?party=%25%25").await.ok()).is_empty());
    let reference = list("").await.ok()[3]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ids(&list(&format!("?reference={reference}")).await.ok()),
        [d.as_str()]
    );
    assert_eq!(ids(&list(&format!("?org={}", w.org1)).await.ok()).len(), 5);
    assert!(ids(&list(&format!("?org={}", w.org2)).await.ok()).is_empty());

    // A filter never widens the caller's scope: another exporter asking for org1 sees nothing.
    let other = t
        .get(
            &w.exporter2,
            &format!("/api/v1/applications?org={}", w.org1),
        )
        .await
        .ok();
    assert!(ids(&other).is_empty());

    // Pages of two walk every case once, in order; the last page has no next link.
    let mut url = "/api/v1/applications?destination=FR&limit=1".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = t.get(&w.officer, &url).await;
        let link = r.link.clone();
        seen.extend(ids(&r.ok()));
        pages += 1;
        match link {
            Some(l) => {
                url = next_url(&l);
                assert!(
                    url.contains("destination=FR"),
                    "the next link keeps the filters: {url}"
                );
            }
            None => break,
        }
    }
    assert_eq!(seen, [a.as_str(), c.as_str(), d.as_str()]);
    assert_eq!(pages, 3);
    let r = t.get(&w.officer, "/api/v1/applications?limit=5").await;
    assert!(r.link.is_none(), "exactly one full page has no next page");
    let r = t.get(&w.officer, "/api/v1/applications?limit=4").await;
    assert!(r.link.is_some());

    // Bad filters name the field and say what is valid.
    for (q, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=x", "limit"),
        ("?after=nonsense", "after"),
        ("?destination=France", "destination"),
        ("?state=open", "state"),
        ("?licence=import", "licence"),
        ("?control_entry=9Z999", "control_entry"),
        ("?colour=red", "colour"),
        ("?party=", "party"),
        ("?destination=%20", "destination"),
    ] {
        let r = list(q).await;
        let p = r.problem(422);
        assert_eq!(p["field"], field, "{q}: {p}");
    }
}

async fn every_role_has_its_queue(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.secret_product, "FR").await;
    let id = case["id"].as_str().unwrap().to_string();
    let full = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let requested: Vec<String> = full["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["review"].as_str().unwrap().to_string())
        .collect();
    assert!(requested.contains(&"human-rights".to_string()), "{full}");

    // Officers: rows name the applicant, the destinations and the reference.
    let q = t.get(&w.officer, "/api/v1/queues/unassigned").await.ok();
    let row = &q.as_array().unwrap()[0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["exporter"], "Acme Cyber Ltd");
    assert_eq!(row["org_id"], w.org1.as_str());
    assert_eq!(row["destinations"], json!(["FR"]));
    assert_eq!(row["reference"], full["reference"]);

    // Advisers: the cases awaiting their own kind of advice, with only that kind pending.
    let hr = t.get(&w.hr, "/api/v1/queues/awaiting-advice").await.ok();
    assert_eq!(ids(&hr), [id.as_str()]);
    assert_eq!(hr[0]["pending_advice"], json!(["human-rights"]));
    let (other_kind, other_token) = [
        ("economy-cyber", &w.cyber),
        ("foreign-affairs", &w.fa),
        ("defence", &w.defence),
    ]
    .into_iter()
    .find(|(k, _)| !requested.iter().any(|r| r == k))
    .expect("one kind of advice was not requested");
    let other = t
        .get(other_token, "/api/v1/queues/awaiting-advice")
        .await
        .ok();
    assert!(ids(&other).is_empty(), "{other_kind}: {other}");
    // Once given, the advice leaves the adviser's queue.
    t.post(
        &w.hr,
        &format!("/api/v1/applications/{id}/advice"),
        hr_advice(),
    )
    .await
    .ok();
    let hr = t.get(&w.hr, "/api/v1/queues/awaiting-advice").await.ok();
    assert!(ids(&hr).is_empty(), "{hr}");
    // An adviser has no officers' queues; an exporter has none at all.
    let p = t.get(&w.hr, "/api/v1/queues/unassigned").await;
    assert_eq!(p.problem(422)["field"], "queue");
    t.get(&w.exporter, "/api/v1/queues/unassigned")
        .await
        .problem(403);

    // Defence advisers: products awaiting classification.
    let fresh = t
        .post(&w.exporter, "/api/v1/products", json!({"name": "New", "version": "1", "description": "d", "control_entries": ["4D004"]}))
        .await
        .ok();
    let waiting = t
        .get(&w.defence, "/api/v1/products?state=awaiting-classification")
        .await
        .ok();
    assert_eq!(ids(&waiting), [fresh["id"].as_str().unwrap()]);
    let classified = t
        .get(&w.defence, "/api/v1/products?state=classified")
        .await
        .ok();
    assert_eq!(ids(&classified).len(), 2);
    let p = t.get(&w.defence, "/api/v1/products?state=lost").await;
    assert_eq!(p.problem(422)["field"], "state");
}

async fn drafts_and_products_can_be_changed(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = create(
        &t,
        &w.exporter,
        ml(&w.secret_product, &["FR"], "Gendarmerie"),
    )
    .await;
    let path = format!("/api/v1/applications/{id}");

    // A draft's details are replaced whole; the version moves on; the filters follow.
    let changed = t
        .send(
            "PATCH",
            &w.exporter,
            &path,
            &Payload::Json(json!({"expected_version": 1, "marketing": ml(&w.secret_product, &["DE"], "BKA")["marketing"]})),
        )
        .await
        .ok();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["marketing"]["destinations"], json!(["DE"]));
    let by_dest = t
        .get(&w.exporter, "/api/v1/applications?destination=DE")
        .await
        .ok();
    assert_eq!(ids(&by_dest), [id.as_str()]);
    // A stale version, details of the other licence kind, another organisation: refused, nothing changed.
    let stale = t
        .send(
            "PATCH",
            &w.exporter,
            &path,
            &Payload::Json(json!({"expected_version": 1, "marketing": ml(&w.secret_product, &["NL"], "X")["marketing"]})),
        )
        .await;
    stale.problem(409);
    let wrong = t
        .send(
            "PATCH",
            &w.exporter,
            &path,
            &Payload::Json(
                json!({"export": el_body(&w.secret_product, "DE", "ML-1", "X")["export"]}),
            ),
        )
        .await;
    assert_eq!(wrong.problem(422)["field"], "marketing");
    t.send(
        "PATCH",
        &w.exporter2,
        &path,
        &Payload::Json(json!({"marketing": ml(&w.secret_product, &["NL"], "X")["marketing"]})),
    )
    .await
    .problem(404);
    t.send(
        "PATCH",
        &w.officer,
        &path,
        &Payload::Json(json!({"marketing": ml(&w.secret_product, &["NL"], "X")["marketing"]})),
    )
    .await
    .problem(403);
    let now = t.get(&w.exporter, &path).await.ok();
    assert_eq!(now["version"], 2);
    assert_eq!(now["marketing"]["destinations"], json!(["DE"]));

    // Once submitted, neither changed nor deleted.
    submit(&t, &w.exporter, &id).await;
    let head = t.audit_head().await;
    t.send(
        "PATCH",
        &w.exporter,
        &path,
        &Payload::Json(json!({"marketing": ml(&w.secret_product, &["NL"], "X")["marketing"]})),
    )
    .await
    .problem(409);
    t.send("DELETE", &w.exporter, &path, &Payload::Empty)
        .await
        .problem(409);
    assert_eq!(t.audit_head().await, head, "refusals write nothing");

    // A draft is deleted; the audit log keeps what it held.
    let gone = create(
        &t,
        &w.exporter,
        ml(&w.restricted_product, &["FR"], "Kept In Audit"),
    )
    .await;
    let gone_path = format!("/api/v1/applications/{gone}");
    t.send("DELETE", &w.exporter2, &gone_path, &Payload::Empty)
        .await
        .problem(404);
    let r = t
        .send("DELETE", &w.exporter, &gone_path, &Payload::Empty)
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    t.get(&w.exporter, &gone_path).await.problem(404);
    let events = t
        .get(&w.auditor, &format!("/api/v1/audit?record={gone}"))
        .await
        .ok();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "delete-application");
    assert!(last.to_string().contains("Kept In Audit"), "{last}");

    // Products: a change of substance sends a classified product back for classification; a new name does not.
    let product = format!("/api/v1/products/{}", w.restricted_product);
    let renamed = t
        .send(
            "PATCH",
            &w.exporter,
            &product,
            &Payload::Json(json!({"name": "Forensics Pro"})),
        )
        .await
        .ok();
    assert_eq!(renamed["name"], "Forensics Pro");
    assert_eq!(renamed["state"], "classified");
    let v = renamed["record_version"].as_i64().unwrap();
    let changed = t
        .send(
            "PATCH",
            &w.exporter,
            &product,
            &Payload::Json(
                json!({"expected_version": v, "version": "2.0", "control_entries": ["4.D.4"]}),
            ),
        )
        .await
        .ok();
    assert_eq!(changed["state"], "awaiting-classification");
    assert!(changed["classification"].is_null(), "{changed}");
    assert_eq!(changed["claimed_control_entries"], json!(["4D004"]));
    let waiting = t
        .get(&w.defence, "/api/v1/products?state=awaiting-classification")
        .await
        .ok();
    assert_eq!(ids(&waiting), [w.restricted_product.as_str()]);
    let bad = t
        .send(
            "PATCH",
            &w.exporter,
            &product,
            &Payload::Json(json!({"control_entries": ["9Z999"]})),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "control_entries[0]");
    t.send(
        "PATCH",
        &w.exporter2,
        &product,
        &Payload::Json(json!({"name": "Mine now"})),
    )
    .await
    .problem(404);
}

async fn pre_application_check_needs_no_product(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let by_product = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"product": w.secret_product, "destination": "FR", "end_user_type": "government-law-enforcement"}))
        .await
        .ok();
    let direct = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"control_entries": ["5.A.1.j"], "security_grade": "secret", "destination": "FR", "end_user_type": "government-law-enforcement"}))
        .await
        .ok();
    assert_eq!(
        direct["determination"]["outcome"],
        by_product["determination"]["outcome"]
    );
    assert_eq!(
        direct["determination"]["rules"],
        by_product["determination"]["rules"]
    );
    let prohibited = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"control_entries": ["4D004"], "security_grade": "restricted", "destination": "KP", "end_user_type": "government-law-enforcement"}))
        .await
        .ok();
    assert_eq!(prohibited["determination"]["outcome"], "prohibited");
    for (body, field) in [
        (
            json!({"control_entries": ["4D004"], "destination": "FR", "end_user_type": "government-law-enforcement"}),
            "security_grade",
        ),
        (
            json!({"security_grade": "secret", "destination": "FR", "end_user_type": "government-law-enforcement"}),
            "control_entries",
        ),
        (
            json!({"control_entries": [], "security_grade": "secret", "destination": "FR", "end_user_type": "government-law-enforcement"}),
            "control_entries",
        ),
        (
            json!({"control_entries": ["9Z999"], "security_grade": "secret", "destination": "FR", "end_user_type": "government-law-enforcement"}),
            "control_entries[0]",
        ),
        (
            json!({"destination": "FR", "end_user_type": "government-law-enforcement"}),
            "product",
        ),
        (
            json!({"product": w.secret_product, "control_entries": ["4D004"], "security_grade": "secret", "destination": "FR", "end_user_type": "government-law-enforcement"}),
            "product",
        ),
        (
            json!({"control_entries": ["4D004"], "security_grade": "restricted", "destination": "BR", "end_user_type": "government-law-enforcement", "record_exemption": true}),
            "record_exemption",
        ),
    ] {
        let r = t
            .post(&w.exporter, "/api/v1/pre-application-checks", body.clone())
            .await;
        assert_eq!(r.problem(422)["field"], field, "{body}");
    }
}

async fn exporters_screen_customers_and_see_only_the_listing(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let customer = json!({"name": "Eric Badege", "kind": "person"});
    let none = t
        .post(&w.exporter, "/api/v1/screening/customers", customer.clone())
        .await;
    none.problem(409);
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/un-sc-xml",
        Some(("application/octet-stream", un_list())),
    )
    .await
    .ok();
    // A second source: list versions then page like every listing (one per page walks both, in import order).
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/bis-dpl?name=dpl.txt",
        Some((
            "application/octet-stream",
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/sanctions/us_bis_dpl_2023-11/dpl.txt"
            ))
            .expect("shared DPL fixture"),
        )),
    )
    .await
    .ok();
    let first = t.get(&w.officer, "/api/v1/lists?limit=1").await;
    assert_eq!(first.body.as_array().unwrap().len(), 1, "{}", first.body);
    assert_eq!(first.body[0]["source"], "un-sc");
    let second = t
        .get(
            &w.officer,
            &next_url(first.link.as_deref().expect("a next page")),
        )
        .await;
    assert_eq!(second.body[0]["source"], "bis-dpl", "{}", second.body);
    assert!(second.link.is_none());
    let r = t
        .post(&w.exporter, "/api/v1/screening/customers", customer)
        .await
        .ok();
    let m = &r["matches"][0];
    assert_eq!(m["listed_name"], "ERIC BADEGE", "{r}");
    assert_eq!(m["list"], "un-sc");
    assert_eq!(m["programmes"], json!(["DRC"]));
    // Nothing of the authority's assessment: no score, no explanation, no entry internals.
    let mut keys = std::collections::BTreeSet::new();
    crate::common::keys(&r, &mut keys);
    let expected: std::collections::BTreeSet<String> = [
        "matches",
        "list_versions",
        "listed_name",
        "matched_name",
        "list",
        "programmes",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(keys, expected, "{r}");
    let clean = t
        .post(
            &w.exporter,
            "/api/v1/screening/customers",
            json!({"name": "Acme Widgets Trading"}),
        )
        .await
        .ok();
    assert_eq!(clean["matches"], json!([]));
    t.post(
        &w.officer,
        "/api/v1/screening/customers",
        json!({"name": "Eric Badege"}),
    )
    .await
    .problem(403);
    let bad = t
        .post(
            &w.exporter,
            "/api/v1/screening/customers",
            json!({"name": ""}),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "name");
}

async fn licences_are_filtered_and_paginated(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let mut numbers = Vec::new();
    for dest in ["FR", "DE", "IT"] {
        let c = t.submitted_ml(&w, &w.secret_product, dest).await;
        let id = c["id"].as_str().unwrap().to_string();
        let issued = t.approve_and_issue(&w, &id, json!([])).await;
        assert_eq!(issued["state"], "issued", "{issued}");
        numbers.push((id, issued["licence_issued"]["number"].clone()));
    }
    // Suspend the second licence.
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{}/suspend", numbers[1].0),
        json!({"reason": "end-use check"}),
    )
    .await
    .ok();

    // Pages of two walk all three licences once; the last page has no next link.
    let first = t.get(&w.exporter, "/api/v1/licences?limit=2").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let mut seen: Vec<Value> = first
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].clone())
        .collect();
    assert_eq!(seen.len(), 2);
    let link = first.link.clone().expect("a next link after a full page");
    let rest = t.get(&w.exporter, &next_url(&link)).await.ok();
    seen.extend(rest.as_array().unwrap().iter().map(|l| l["number"].clone()));
    let mut want: Vec<Value> = numbers.iter().map(|(_, n)| n.clone()).collect();
    seen.sort_by_key(|v| v.to_string());
    want.sort_by_key(|v| v.to_string());
    assert_eq!(seen, want, "every licence once");

    // The state filter keeps the suspended one only.
    let suspended = t
        .get(&w.officer, "/api/v1/licences?state=suspended")
        .await
        .ok();
    let only: Vec<&Value> = suspended
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["number"])
        .collect();
    assert_eq!(only, vec![&numbers[1].1]);
    // A state that is not a licence state names the field and the valid values.
    let bad = t.get(&w.officer, "/api/v1/licences?state=approved").await;
    let p = bad.problem(422);
    assert!(
        p["detail"].as_str().unwrap().contains("state")
            && p["detail"].as_str().unwrap().contains("suspended"),
        "{p}"
    );
    // Another organisation's exporter sees none of them.
    let other = t.get(&w.exporter2, "/api/v1/licences").await.ok();
    assert_eq!(other, json!([]));

    // Organisations and exemptions page the same way: one per page walks both organisations.
    let mut orgs = Vec::new();
    let mut url = "/api/v1/organisations?limit=1".to_string();
    loop {
        let r = t.get(&w.officer, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        orgs.extend(r.body.as_array().unwrap().iter().map(|o| o["id"].clone()));
        match r.link {
            Some(l) => url = next_url(&l),
            None => break,
        }
    }
    orgs.sort_by_key(|v| v.to_string());
    let mut want = vec![json!(w.org1), json!(w.org2)];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(orgs, want);
    // Users and tokens (their own tables) page the same way: pages of three walk every user and every
    // token once, in the order of the unpaged answer.
    for (path, token) in [("/api/v1/users", &t.admin), ("/api/v1/tokens", &t.admin)] {
        let whole = t.get(token, &format!("{path}?limit=500")).await.ok();
        let whole: Vec<Value> = whole
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].clone())
            .collect();
        assert!(whole.len() > 6, "{path}: {whole:?}");
        let mut walked = Vec::new();
        let mut url = format!("{path}?limit=3");
        loop {
            let r = t.get(token, &url).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let items = r.body.as_array().unwrap();
            assert!(items.len() <= 3);
            walked.extend(items.iter().map(|u| u["id"].clone()));
            match r.link {
                Some(l) => url = next_url(&l),
                None => break,
            }
        }
        assert_eq!(walked, whole, "{path}");
    }
    // An exporter pages through its own tokens only.
    let own = t.get(&w.exporter, "/api/v1/tokens?limit=1").await.ok();
    assert_eq!(own.as_array().unwrap().len(), 1);

    let bad = t.get(&w.officer, "/api/v1/exemptions?limit=0").await;
    assert!(
        bad.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("limit"),
        "{}",
        bad.body
    );
}
