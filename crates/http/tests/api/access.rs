//! The access matrix: every route of the API (as the OpenAPI document lists them) × every role, against the
//! expected answers kept in `access_matrix.txt`. A route missing from the matrix, or a matrix row for a route that
//! no longer exists, fails the test. Cells: `ok` (authorised: any answer but 401/403/404), `403`, `404`.
//! Every answer an exporter receives is also checked for internal fields. Set UPDATE_SNAPSHOTS=1 to rewrite the
//! matrix after a deliberate change (and review the diff).

use crate::common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const ROLES: [&str; 11] = [
    "owner", "other", "officer", "hr", "defence", "fa", "cyber", "policy", "auditor", "admin",
    "customs",
];

/// Keys that must never reach an exporter.
const EXPORTER_FORBIDDEN: &[&str] = &[
    "screening",
    "denial_matches",
    "consultation",
    "denied_name",
    "listed_name",
    "primary_name",
    "explanation",
    "advice",
    "checklist",
    "red_flags",
    "requested_by",
    "advised_by",
    "asked_by",
    "decided_by",
    "classified_by",
    "assigned_to",
    "issued_by",
];

/// The ids a route's path parameters are filled with, and the tokens of each role.
struct Fixture {
    t: TestApp,
    tokens: BTreeMap<&'static str, String>,
    staff_ids: Vec<String>,
    ids: BTreeMap<&'static str, String>,
}

async fn fixture(un: &[u8]) -> Fixture {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/un-sc-xml",
        Some(("application/octet-stream", un.to_vec())),
    )
    .await
    .ok();
    // The case: the owner's marketing application, with a screening hit, under review with every kind of advice
    // requested (so every adviser may read it).
    let case = t
        .case(&w)
        .to("MX")
        .end_user("Saddam Hussein al-Tikriti")
        .submitted()
        .await;
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{case}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{case}/advice-requests"),
        json!({"reviews": ["human-rights", "defence", "foreign-affairs", "economy-cyber"]}),
    )
    .await
    .ok();
    let internal = t
        .get(&w.officer, &format!("/api/v1/applications/{case}"))
        .await
        .ok();
    let hit = internal["screening"][0]["id"]
        .as_str()
        .expect("the fixture case has a screening hit")
        .to_string();
    // The owner's issued licence, on a case where every kind of advice was requested (so every adviser may
    // read it).
    let issued = t.submitted_ml(&w, &w.secret_product, "DE").await;
    let issued = issued["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{issued}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{issued}/advice-requests"),
        json!({"reviews": ["human-rights", "defence", "foreign-affairs", "economy-cyber"]}),
    )
    .await
    .ok();
    let issued = t
        .approve_and_issue(
            &w,
            &issued,
            json!([{"type": "reporting-obligation", "every_months": 6, "text": "matrix"}]),
        )
        .await;
    let licence = issued["licence_issued"]["number"]
        .as_str()
        .expect("the fixture licence is issued")
        .to_string();
    let reg = t.get(&w.exporter, "/api/v1/registrations").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A user that administrative routes act on, with a token to revoke.
    let target = t.user("target", "officer", None, None).await;
    let me = t.get(&target, "/api/v1/me").await.ok();
    let target_id = me["user_id"].as_str().unwrap().to_string();
    let target_token = t.get(&t.admin, "/api/v1/tokens").await.ok();
    let target_token = target_token
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["user_id"] == target_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut files: BTreeMap<String, String> = policy::reference_files().into_iter().collect();
    let p = files.get_mut("policy.toml").unwrap();
    *p = p.replace("reference-2017.1", "reference-2026.9");
    let staged = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": files}),
        )
        .await
        .ok();
    // The owner's first notification (its registration decision).
    let notification = t.get(&w.exporter, "/api/v1/notifications").await.ok()[0]["id"]
        .as_str()
        .expect("the owner has a notification")
        .to_string();
    // A shared note by the officer and an internal one on the case.
    for visibility in ["shared", "internal"] {
        t.post(
            &w.officer,
            &format!("/api/v1/applications/{}/notes", ids_case(&internal)),
            json!({"text": "matrix note", "visibility": visibility}),
        )
        .await
        .ok();
    }
    // A shared document (a signed end-user declaration) and its declaration on the case.
    let doc = t
        .upload(
            &w.exporter,
            &ids_case(&internal),
            "end-user-declaration",
            "eud.pdf",
            PDF,
        )
        .await
        .ok();
    let declaration = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{}/declarations", ids_case(&internal)),
            declaration_body(doc["id"].as_str().unwrap()),
        )
        .await
        .ok();
    let mut ids = BTreeMap::new();
    ids.insert("document", doc["id"].as_str().unwrap().to_string());
    ids.insert(
        "declaration",
        declaration["id"].as_str().unwrap().to_string(),
    );
    ids.insert("notification", notification);
    ids.insert("case", case);
    ids.insert("hit", hit);
    ids.insert("licence", licence);
    ids.insert("registration", reg);
    ids.insert("product", w.restricted_product.clone());
    ids.insert("org", w.org1.clone());
    ids.insert("user", target_id);
    ids.insert("token", target_token);
    ids.insert("policy", staged["id"].as_str().unwrap().to_string());
    let denial = t
        .post(
            &w.officer,
            "/api/v1/denials",
            json!({"regime": "wassenaar", "denying_state": "DE", "reference": "DE-ACCESS-1",
                "date": "2026-03-02", "control_entries": ["4D004"], "item_description": "forensics",
                "end_user": {"name": "Matrix Party", "address": null, "country": "AE"}, "consignee": null,
                "destination": "AE", "end_use": "test", "criteria": ["2"]}),
        )
        .await
        .ok();
    ids.insert("denial", denial["id"].as_str().unwrap().to_string());
    // Issue 17: the licence's reporting obligation, an end-use check on it, evidence linked to it whose
    // reassessment is decided (an instruction waits for the owner's confirmation), a compliance audit of the owner.
    let obligation = t
        .get(
            &w.officer,
            &format!("/api/v1/reporting-obligations?licence={}", ids["licence"]),
        )
        .await
        .ok()[0]["id"]
        .as_str()
        .expect("the fixture licence has a reporting obligation")
        .to_string();
    let check = t
        .post(
            &w.officer,
            "/api/v1/end-use-checks",
            json!({"kind": "post-shipment", "case_id": issued["id"], "party_name": "Federal Police",
                "party_country": "DE", "exporter_action": "matrix visit"}),
        )
        .await
        .ok();
    let evidence = t
        .post(
            &w.officer,
            "/api/v1/evidence",
            json!({"source_kind": "press", "source_name": "Matrix Times", "reported_on": "2026-01-02",
                "country": "DE", "end_user": "Federal Police", "capability": "monitoring",
                "link": "https://example.org/matrix", "summary": "matrix"}),
        )
        .await
        .ok();
    let reassessment = evidence["links"][0]["reassessment_id"]
        .as_str()
        .expect("the evidence links the fixture licence")
        .to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/reassessments/{reassessment}/decision"),
        json!({"outcome": "new-conditions", "reason": "matrix",
            "conditions": [{"type": "text", "text": "matrix"}], "instruction": "restrict the system"}),
    )
    .await
    .ok();
    let compliance = t
        .post(
            &w.officer,
            "/api/v1/compliance-audits",
            json!({"org_id": w.org1, "kind": "desk", "risk_rating": "low",
                "scheduled_on": t.app.today(), "scope": "matrix"}),
        )
        .await
        .ok();
    ids.insert("obligation", obligation);
    ids.insert("check", check["id"].as_str().unwrap().to_string());
    ids.insert("evidence", evidence["id"].as_str().unwrap().to_string());
    ids.insert("reassessment", reassessment);
    ids.insert("compliance", compliance["id"].as_str().unwrap().to_string());
    let exemption = t
        .post(
            &w.exporter,
            "/api/v1/exemptions",
            json!({"product": w.restricted_product, "destination": "DE",
                "end_user_type": "government-law-enforcement"}),
        )
        .await
        .ok();
    ids.insert("exemption", exemption["id"].as_str().unwrap().to_string());
    let mut staff_ids = Vec::new();
    for tok in [
        &w.officer,
        &w.officer2,
        &w.hr,
        &w.defence,
        &w.fa,
        &w.cyber,
        &t.admin,
    ] {
        staff_ids.push(
            t.get(tok, "/api/v1/me").await.ok()["user_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let customs = t.user("cust1", "customs", None, None).await;
    let mut tokens = BTreeMap::new();
    for (r, tok) in ROLES.iter().zip([
        &w.exporter,
        &w.exporter2,
        &w.officer,
        &w.hr,
        &w.defence,
        &w.fa,
        &w.cyber,
        &w.policy_admin,
        &w.auditor,
        &t.admin,
        &customs,
    ]) {
        tokens.insert(*r, tok.clone());
    }
    Fixture {
        t,
        tokens,
        staff_ids,
        ids,
    }
}

fn declaration_body(document_id: &str) -> Value {
    json!({"signatory_name": "A", "signatory_position": "B", "end_user_organisation": "C",
        "signed_on": "2021-12-06", "terms_version": "1", "valid_until": "2099-01-01",
        "document_id": document_id})
}

fn ids_case(case: &Value) -> String {
    case["id"].as_str().unwrap().to_string()
}

/// The concrete path for a route template.
fn concrete(template: &str, f: &Fixture) -> String {
    concrete_with(template, &f.ids)
}

/// The concrete path for a route template, with these ids.
fn concrete_with(template: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let resource = template
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap();
    if !template.contains("{id}") {
        return template
            .replace("{number}", &ids["licence"])
            .replace("{name}", "unassigned")
            .replace("{format}", "un-sc-xml");
    }
    let id_kind = match resource {
        "applications" => "case",
        "registrations" => "registration",
        "products" => "product",
        "organisations" => "org",
        "users" => "user",
        "tokens" => "token",
        "policy" => "policy",
        "notifications" => "notification",

        "denials" => "denial",
        "reporting-obligations" => "obligation",
        "end-use-checks" => "check",
        "evidence" => "evidence",
        "reassessments" => "reassessment",
        "compliance-audits" => "compliance",
        "exemptions" => "exemption",
        other => panic!("no fixture id for resource {other:?}: extend the access test"),
    };
    template
        .replace("{id}", &ids[id_kind])
        .replace("{hit}", &ids["hit"])
        .replace(
            "{document_id}",
            ids.get("document")
                .map_or("no-such-document", String::as_str),
        )
        .replace(
            "{declaration_id}",
            ids.get("declaration")
                .map_or("no-such-declaration", String::as_str),
        )
        .replace("{match}", "no-such-match")
        .replace("{name}", "unassigned")
        .replace("{format}", "un-sc-xml")
}

/// A request body that passes validation where the route takes one, so that the answer shows authorisation.
fn sample_body(method: &str, template: &str, f: &Fixture) -> Option<(&'static str, Vec<u8>)> {
    let j = |v: Value| Some(("application/json", v.to_string().into_bytes()));
    match (method, template.trim_start_matches("/api/v1")) {
        ("PATCH", "/applications/{id}") => {
            return j(
                json!({"marketing": {"products": ["nope"], "destinations": ["DE"],
                "end_users": [{"name": "X", "type": "private"}]}}),
            )
        }
        ("PATCH", "/products/{id}") => return j(json!({"name": "Renamed"})),
        ("PUT", "/notifications/preferences") => return j(json!({"email_enabled": false})),
        ("POST", _) => {}
        _ => return None,
    }
    match template.trim_start_matches("/api/v1") {
        "/organisations" => j(json!({"name": "New Co", "country": "IL"})),
        "/users" => j(json!({"username": "created", "role": "auditor"})),
        "/enrol" => j(json!({"username": "target", "secret": "enr_x.y"})),
        "/users/{id}/disable" | "/users/{id}/enable" => j(json!({"reason": "matrix"})),
        "/registrations" => j(json!({"company_name": "Co", "registration_number": "1",
            "address": "1 St", "country": "IL", "contact_email": "c@example.test"})),
        "/registrations/{id}/decision" => j(json!({"approve": true, "reason": "ok"})),
        "/products" => j(json!({"name": "P", "version": "1", "description": "d"})),
        "/products/{id}/classification" => {
            j(json!({"control_entries": ["4D004"], "security_grade": "restricted"}))
        }
        "/applications" => j(
            json!({"licence": "marketing", "marketing": {"products": ["nope"],
            "destinations": ["DE"], "end_users": [{"name": "X", "type": "private"}]}}),
        ),
        "/applications/{id}/information-requests" => j(json!({"question": "why?"})),
        "/applications/{id}/responses" => j(json!({"answer": "because"})),
        "/applications/{id}/advice-requests" => j(json!({"reviews": ["defence"]})),
        "/applications/{id}/advice" => j(json!({"recommendation": "approve", "text": "ok"})),
        "/applications/{id}/approve" => j(json!({"reason": "ok"})),
        "/applications/{id}/refuse" => j(json!({"reason": "no", "criteria": ["criterion-2"]})),
        "/applications/{id}/suspend"
        | "/applications/{id}/reinstate"
        | "/applications/{id}/revoke"
        | "/applications/{id}/withdraw"
        | "/applications/{id}/surrender" => j(json!({"reason": "matrix"})),
        "/applications/{id}/screening-hits/{hit}/decision" => {
            j(json!({"decision": "clear", "reason": "different person"}))
        }
        "/pre-application-checks" => j(json!({"product": "nope", "destination": "DE",
            "end_user_type": "private"})),
        "/exemptions" => j(json!({"product": "nope", "destination": "DE",
            "end_user_type": "private"})),
        "/exemptions/{id}/decision" => j(json!({"grant": false, "reason": "matrix"})),
        "/exemptions/{id}/revocation" => j(json!({"reason": "matrix"})),
        "/applications/{id}/return-for-editing" => j(json!({"reason": "matrix"})),
        "/applications/{id}/variations" => j(
            json!({"reason": "matrix", "marketing": {"products": ["nope"],
            "destinations": ["DE"], "end_users": [{"name": "X", "type": "private"}]}}),
        ),
        "/policy/versions" => j(json!({"files": {}})),
        "/policy/versions/{id}/publish" => j(json!({"effective_from": "2999-01-01"})),
        "/screening" | "/screening/customers" => j(json!({"name": "Someone", "kind": "person"})),
        "/lists/{format}" => Some(("application/octet-stream", b"<not a list".to_vec())),
        "/lists/{format}/fetch" => j(json!({"url": "https://lists.invalid/un.xml"})),
        "/applications/{id}/notes" => j(json!({"text": "matrix", "visibility": "shared"})),
        "/applications/{id}/documents" => Some((
            MULTIPART_TYPE,
            multipart(&[("kind", None, b"contract"), ("file", Some("c.pdf"), PDF)]).1,
        )),
        "/applications/{id}/declarations" => j(declaration_body(&f.ids["document"])),
        "/applications/{id}/declarations/{declaration_id}/verification"
        | "/applications/{id}/documents/{document_id}/verification" => {
            j(json!({"outcome": "rejected", "reason": "matrix"}))
        }
        "/webhooks" => j(json!({"url": "https://hooks.example.com/exportctl"})),
        "/applications/{id}/appeal" => j(json!({"grounds": "matrix"})),
        "/applications/{id}/catch-all" => j(json!({"end_use": "matrix", "grounds": "matrix"})),
        "/catch-all-notifications" => j(json!({"org_id": "nope", "end_user": "X",
            "destination": "DE", "end_use": "matrix", "grounds": "matrix"})),
        "/applications/{id}/appeal/decision" => j(json!({"outcome": "upheld", "reason": "matrix"})),
        "/licences/{number}/shipments" => j(json!({"declaration_reference": "MATRIX-1",
            "shipped_on": "2026-01-02", "quantity": 1, "value": {"amount": "10.00", "currency": "EUR"}})),
        "/reporting-obligations/{id}/reports" => j(json!({"due_on": "2020-01-01",
            "deployments": [], "declaration_respected": true})),
        "/end-use-checks" => j(json!({"kind": "post-shipment", "case_id": "nope",
            "party_name": "X", "party_country": "DE", "exporter_action": "r"})),
        "/end-use-checks/{id}/outcome" => j(json!({"outcome": "verified", "findings": "matrix"})),
        "/evidence" => j(json!({"source_kind": "press", "source_name": "m",
            "reported_on": "2020-01-01", "country": "DE", "end_user": "Nobody Matching",
            "capability": "c", "link": "https://example.org/m", "summary": "s"})),
        "/reassessments/{id}/decision" => j(json!({"outcome": "no-action", "reason": "matrix"})),
        "/reassessments/{id}/confirmation" => j(json!({"text": "restricted"})),
        "/compliance-audits" => j(json!({"org_id": "nope", "kind": "desk",
            "risk_rating": "low", "scheduled_on": "2999-01-01", "scope": "m"})),
        "/compliance-audits/{id}/findings" => {
            j(json!({"findings": [{"severity": "minor", "text": "m"}]}))
        }
        "/compliance-audits/{id}/responses" => j(json!({"finding": 0, "text": "m"})),
        "/compliance-audits/{id}/closure" => j(json!({"conclusion": "m"})),
        "/own-refusals" => j(json!({"decided_on": "2020-01-01", "destination": "DE",
            "end_user": "m", "product": "p", "reason": "r"})),
        _ => j(json!({})),
    }
}

fn class(status: u16) -> String {
    match status {
        403 | 404 => status.to_string(),
        401 => "401".into(),
        _ => "ok".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role_matches_the_matrix() {
    let un = un_list();
    // One fixture for every route: reads come first (GET sorts before POST), and the answer classes do not
    // depend on the case's state (a change refused for the state is 409, which is "ok": authorised).
    let f = fixture(&un).await;
    let doc =
        f.t.raw("GET", None, "/api/v1/openapi.json", None)
            .await
            .ok();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    let mut table = String::from(
        "# route | owner other officer hr defence fa cyber policy auditor admin customs\n\
         # owner/other: exporters of the owning and of another organisation; hr, defence, fa, cyber: advisers.\n",
    );
    let mut leaks = Vec::new();
    for (method, path) in &routes {
        let url = concrete(path, &f);
        let mut cells = Vec::new();
        for role in ROLES {
            let token = &f.tokens[role];
            let r =
                f.t.raw(method, Some(token), &url, sample_body(method, path, &f))
                    .await;
            cells.push(format!("{:>3}", class(r.status)));
            if matches!(role, "owner" | "other") && (200..300).contains(&r.status) {
                let mut k = BTreeSet::new();
                keys(&r.body, &mut k);
                let text = r.body.to_string();
                for bad in EXPORTER_FORBIDDEN {
                    if k.contains(*bad) {
                        leaks.push(format!("{method} {path} as {role}: field {bad}"));
                    }
                }
                for id in &f.staff_ids {
                    if text.contains(id.as_str()) {
                        leaks.push(format!("{method} {path} as {role}: staff id {id}"));
                    }
                }
                if text.contains("IQi.001") {
                    leaks.push(format!("{method} {path} as {role}: screening detail"));
                }
            }
        }
        table.push_str(&format!("{method} {path} | {}\n", cells.join(" ")));
    }
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/access_matrix.txt");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(file, &table).unwrap();
    }
    let want = std::fs::read_to_string(file).unwrap_or_default();
    let rows = |s: &str| -> BTreeMap<String, String> {
        s.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(" | "))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let (got, want) = (rows(&table), rows(&want));
    let mut problems = Vec::new();
    for (route, cells) in &got {
        match want.get(route) {
            None => problems.push(format!("route not in the matrix: {route} | {cells}")),
            Some(w) if w != cells => {
                problems.push(format!("{route}\n   want | {w}\n   got  | {cells}"))
            }
            _ => {}
        }
    }
    for route in want.keys().filter(|r| !got.contains_key(*r)) {
        problems.push(format!("matrix lists a route that does not exist: {route}"));
    }
    assert!(
        problems.is_empty(),
        "access matrix differs (columns: {}):\n{}",
        ROLES.join(" "),
        problems.join("\n")
    );
    assert!(
        leaks.is_empty(),
        "exporter-visible internals:\n{}",
        leaks.join("\n")
    );
}

/// An id of the same shape as `real` that names no record: a UUID becomes another UUID, a reference or
/// licence number keeps its prefix with another serial.
fn missing_like(real: &str) -> String {
    if uuid::Uuid::parse_str(real).is_ok() {
        return "00000000-0000-4000-8000-00000000abcd".into();
    }
    let digits = real.chars().rev().take_while(char::is_ascii_digit).count();
    assert!(digits > 0, "no serial in {real:?}: extend missing_like");
    format!("{}{}", &real[..real.len() - digits], "9".repeat(digits))
}

/// The answer with what differs between any two requests taken out (the request id) and the id asked for
/// replaced by a placeholder.
fn comparable(r: &Resp, asked: &[(&str, &str)]) -> (u16, String) {
    let mut body = r.body.clone();
    if let Some(o) = body.as_object_mut() {
        o.remove("request_id");
    }
    let mut text = body.to_string();
    for (id, placeholder) in asked {
        text = text.replace(id, placeholder);
    }
    (r.status, text)
}

/// A record the caller may not see answers exactly like one that does not exist, on every route with a record
/// in its path and for every method: an exporter of another organisation and an adviser of a kind not asked on
/// the case get the same status and the same body for the owner's records as for ids that name nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_out_of_scope_answer_like_missing_ones() {
    let un = un_list();
    let f = fixture(&un).await;
    let doc =
        f.t.raw("GET", None, "/api/v1/openapi.json", None)
            .await
            .ok();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !(path.contains("{id}") || path.contains("{number}")) {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    // Reads first, then writes (a write the caller may not make changes nothing, so the order is free).
    routes.sort_by_key(|(m, _)| m != "GET");
    assert!(
        routes.len() > 30,
        "routes with a record in the path: {routes:?}"
    );
    let missing: BTreeMap<&'static str, String> =
        f.ids.iter().map(|(k, v)| (*k, missing_like(v))).collect();
    let placeholders: Vec<(String, String)> = f
        .ids
        .iter()
        .flat_map(|(k, v)| {
            [
                (v.clone(), format!("<{k}>")),
                (missing[k].clone(), format!("<{k}>")),
            ]
        })
        .collect();
    let asked: Vec<(&str, &str)> = placeholders
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut differ = Vec::new();
    let mut compared = 0;
    for role in ["other", "fa"] {
        let token = &f.tokens[role];
        for (method, path) in &routes {
            let theirs =
                f.t.raw(
                    method,
                    Some(token),
                    &concrete(path, &f),
                    sample_body(method, path, &f),
                )
                .await;
            if theirs.status != 404 {
                continue;
            }
            compared += 1;
            let nothing =
                f.t.raw(
                    method,
                    Some(token),
                    &concrete_with(path, &missing),
                    sample_body(method, path, &f),
                )
                .await;
            let (a, b) = (comparable(&theirs, &asked), comparable(&nothing, &asked));
            if a != b {
                differ.push(format!(
                    "{method} {path} as {role}:\n   not theirs | {} {}\n   missing    | {} {}",
                    a.0, a.1, b.0, b.1
                ));
            }
        }
    }
    assert!(compared >= 20, "only {compared} answers were 404");
    assert!(
        differ.is_empty(),
        "records out of scope answer differently from missing ones:\n{}",
        differ.join("\n")
    );
}
