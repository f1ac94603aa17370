//! Bad input on every endpoint, table-driven: malformed JSON, unknown fields, wrong types, unknown countries
//! and control entries, bad quantities, amounts, currencies and dates, oversized bodies, wrong content types,
//! bad path ids and bad query parameters. Each must answer 4xx `application/problem+json` naming the field,
//! never a 5xx, and a rejected request must change nothing that is stored (no new audit event — every change
//! writes one in its own transaction — and the affected records read the same before and after).
//!
//! Each test asserts how many cases it checked (684 in all, counting the two-backend test once), so a row
//! lost in an edit shows as a failure rather than as a smaller matrix.
//!
//! Pure validation runs on SQLite only; what a database could answer differently (NUL bytes and huge numbers
//! bound into queries) runs on both backends.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

both_backends!(ids_nul_bytes_and_extreme_numbers);

const JSON: &str = "application/json";

/// One row of a table: what is wrong, the request body, the expected status and the expected `field` of the
/// problem (`None`: no field is asserted; a trailing `*` matches by prefix).
struct Bad {
    what: String,
    payload: Payload,
    status: u16,
    field: Option<&'static str>,
}

fn bad(what: &str, body: Value, status: u16, field: &'static str) -> Bad {
    Bad {
        what: what.into(),
        payload: Payload::Json(body),
        status,
        field: Some(field),
    }
}

fn raw(
    what: &str,
    ct: &'static str,
    bytes: impl Into<Vec<u8>>,
    status: u16,
    field: &'static str,
) -> Bad {
    Bad {
        what: what.into(),
        payload: Payload::Raw(ct, bytes.into()),
        status,
        field: Some(field),
    }
}

fn no_field(what: &str, body: Value, status: u16) -> Bad {
    Bad {
        what: what.into(),
        payload: Payload::Json(body),
        status,
        field: None,
    }
}

/// The request a table is sent to, and the records whose reading must not change when it is rejected.
struct Target<'a> {
    method: &'static str,
    path: String,
    token: &'a str,
    watch: Vec<(&'a str, String)>,
}

fn target<'a>(method: &'static str, path: impl Into<String>, token: &'a str) -> Target<'a> {
    Target {
        method,
        path: path.into(),
        token,
        watch: Vec::new(),
    }
}

impl<'a> Target<'a> {
    fn watching(mut self, token: &'a str, path: impl Into<String>) -> Self {
        self.watch.push((token, path.into()));
        self
    }
}

/// Collects failures instead of stopping at the first, so one run shows the whole picture; counts the cases
/// checked.
#[derive(Default)]
struct Report(Vec<String>, usize);

impl Report {
    /// Fails with every failure collected, or when the test checked another number of cases than `cases`: a
    /// table row lost in an edit (or a loop that stopped early) shows here, not as a silently smaller matrix.
    #[track_caller]
    fn finish(self, test: &str, cases: usize) {
        assert!(
            self.0.is_empty(),
            "{test}: {} bad-input failures:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
        assert_eq!(self.1, cases, "{test}: bad-input cases checked");
    }
}

fn field_matches(want: &str, got: &Value) -> bool {
    let Some(got) = got.as_str() else {
        return false;
    };
    match want.strip_suffix('*') {
        Some(prefix) => got.starts_with(prefix),
        None => got == want,
    }
}

/// Checks one response against the expectation (status, problem+json, field).
fn check_resp(rep: &mut Report, label: &str, r: &Resp, status: u16, field: Option<&str>) {
    rep.1 += 1;
    if r.status != status {
        rep.0.push(format!(
            "{label}: expected {status}, got {} {}",
            r.status, r.body
        ));
        return;
    }
    if r.content_type != "application/problem+json" {
        rep.0.push(format!(
            "{label}: content-type {:?}, not application/problem+json: {}",
            r.content_type, r.body
        ));
        return;
    }
    if r.body["status"] != json!(status) || !r.body["detail"].is_string() {
        rep.0.push(format!(
            "{label}: problem body lacks status/detail: {}",
            r.body
        ));
    }
    if let Some(f) = field {
        if !field_matches(f, &r.body["field"]) {
            rep.0.push(format!(
                "{label}: expected field {f:?}, got {}: {}",
                r.body["field"], r.body["detail"]
            ));
        }
    }
}

async fn snapshot(t: &TestApp, watch: &[(&str, String)]) -> (i64, Vec<Value>) {
    let mut reads = Vec::new();
    for (token, path) in watch {
        let r = t.get(token, path).await;
        reads.push(json!({"status": r.status, "body": r.body}));
    }
    (t.audit_head().await, reads)
}

/// Sends every case of `cases` to `tg`, checking the answer and that nothing stored changed.
async fn run(t: &TestApp, rep: &mut Report, tg: &Target<'_>, cases: Vec<Bad>) {
    for c in cases {
        let before = snapshot(t, &tg.watch).await;
        let r = t.send(tg.method, tg.token, &tg.path, &c.payload).await;
        let label = format!("{} {} [{}]", tg.method, tg.path, c.what);
        check_resp(rep, &label, &r, c.status, c.field);
        let after = snapshot(t, &tg.watch).await;
        if after.0 != before.0 {
            rep.0.push(format!(
                "{label}: rejected request wrote audit events (head {} -> {})",
                before.0, after.0
            ));
        }
        if after.1 != before.1 {
            rep.0.push(format!(
                "{label}: rejected request changed a watched record"
            ));
        }
    }
}

/// Requests without a body to `path` (GET queries, path ids): status, problem+json and field.
async fn run_paths(
    t: &TestApp,
    rep: &mut Report,
    method: &str,
    token: &str,
    cases: &[(&str, &str, u16, Option<&'static str>)],
) {
    for (what, path, status, field) in cases {
        let head = t.audit_head().await;
        let r = t.raw(method, Some(token), path, None).await;
        let label = format!("{method} {path} [{what}]");
        check_resp(rep, &label, &r, *status, *field);
        if t.audit_head().await != head {
            rep.0
                .push(format!("{label}: rejected request wrote audit events"));
        }
    }
}

/// What every JSON body endpoint must reject the same way. `optional`: an empty body means "no options".
fn generic(optional: bool) -> Vec<Bad> {
    let mut big = b"{\"bogus\":\"".to_vec();
    big.resize(http_api::JSON_BODY_LIMIT + 1024, b'a');
    big.extend_from_slice(b"\"}");
    let mut v = vec![
        raw(
            "malformed JSON (unterminated object)",
            JSON,
            "{",
            400,
            "body",
        ),
        raw("malformed JSON (stray comma)", JSON, "{,}", 400, "body"),
        raw(
            "malformed JSON after an unknown key",
            JSON,
            "{\"a\":",
            400,
            "body",
        ),
        raw("not JSON at all", JSON, "hello", 400, "body"),
        raw("JSON array instead of an object", JSON, "[]", 422, "body"),
        raw(
            "JSON string instead of an object",
            JSON,
            "\"x\"",
            422,
            "body",
        ),
        raw("JSON number instead of an object", JSON, "42", 422, "body"),
        raw("JSON null instead of an object", JSON, "null", 422, "body"),
        raw(
            "wrong content type",
            "text/plain",
            "{}",
            415,
            "content-type",
        ),
        raw(
            "form content type",
            "application/x-www-form-urlencoded",
            "a=1",
            415,
            "content-type",
        ),
        raw("oversized body (> 1 MiB)", JSON, big, 413, "body"),
        bad("unknown top-level field", json!({"bogus": 1}), 422, "bogus"),
        raw(
            "deeply nested JSON",
            JSON,
            format!("{{\"bogus\":{}{}}}", "[".repeat(5000), "]".repeat(5000)),
            400,
            "body",
        ),
    ];
    if optional {
        v.push(raw(
            "trailing garbage after an empty object",
            JSON,
            "{} x",
            400,
            "body",
        ));
    } else {
        v.push(raw("empty body", JSON, "", 400, "body"));
        v.push(raw("whitespace body", JSON, "  \n", 400, "body"));
    }
    v
}

fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut v = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let slot = v
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in {base}"));
    match slot {
        Value::Object(m) => {
            if value.is_null() && key.starts_with('-') {
                m.remove(&key[1..]);
            } else {
                m.insert(key.to_string(), value);
            }
        }
        Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
        _ => panic!("{parent} is not a container"),
    }
    v
}

/// Removes the member at `pointer`.
fn without(base: &Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    with(base, &format!("{parent}/-{key}"), Value::Null)
}

async fn uid(t: &TestApp, token: &str) -> String {
    t.get(token, "/api/v1/me").await.ok()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

// ---------------------------------------------------------------------------------------------------------
// administration

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_users_and_tokens() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();
    let admin = t.admin.clone();

    let mut cases = generic(false);
    cases.extend([
        bad(
            "name is a number",
            json!({"name": 5, "country": "IL"}),
            422,
            "name",
        ),
        bad("missing country", json!({"name": "X"}), 422, "country"),
        bad(
            "unknown country ZZ",
            json!({"name": "X", "country": "ZZ"}),
            422,
            "country",
        ),
        bad(
            "alpha-3 country DEU",
            json!({"name": "X", "country": "DEU"}),
            422,
            "country",
        ),
        bad(
            "country 1A",
            json!({"name": "X", "country": "1A"}),
            422,
            "country",
        ),
        bad(
            "country is a number",
            json!({"name": "X", "country": 49}),
            422,
            "country",
        ),
        bad(
            "blank name",
            json!({"name": "  ", "country": "IL"}),
            422,
            "name",
        ),
        bad(
            "control character in name",
            json!({"name": "a\u{7}b", "country": "IL"}),
            422,
            "name",
        ),
        bad(
            "name too long",
            json!({"name": long(201), "country": "IL"}),
            422,
            "name",
        ),
        raw(
            "duplicate field",
            JSON,
            r#"{"name":"A","name":"B","country":"IL"}"#,
            422,
            "name",
        ),
        raw(
            "trailing data after a valid object",
            JSON,
            r#"{"name":"Trailing Co","country":"IL"} {"x":1}"#,
            400,
            "body",
        ),
        raw(
            "invalid UTF-8 in a string",
            JSON,
            b"{\"name\":\"\xff\",\"country\":\"IL\"}".to_vec(),
            400,
            "body",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/organisations", &admin).watching(&admin, "/api/v1/organisations"),
        cases,
    )
    .await;

    let user = json!({"username": "newbie", "role": "officer"});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown role",
            with(&user, "/role", json!("superuser")),
            422,
            "role",
        ),
        bad(
            "role is a number",
            with(&user, "/role", json!(1)),
            422,
            "role",
        ),
        bad("missing role", without(&user, "/role"), 422, "role"),
        bad(
            "missing username",
            without(&user, "/username"),
            422,
            "username",
        ),
        bad(
            "username is a number",
            with(&user, "/username", json!(7)),
            422,
            "username",
        ),
        bad(
            "username with a space",
            with(&user, "/username", json!("a b")),
            422,
            "username",
        ),
        bad(
            "blank username",
            with(&user, "/username", json!("")),
            422,
            "username",
        ),
        bad(
            "adviser without review kind",
            with(&user, "/role", json!("adviser")),
            422,
            "review_kind",
        ),
        bad(
            "unknown review kind",
            json!({"username": "n", "role": "adviser", "review_kind": "legal"}),
            422,
            "review_kind",
        ),
        bad(
            "review kind on an officer",
            with(&user, "/review_kind", json!("defence")),
            422,
            "review_kind",
        ),
        bad(
            "exporter without organisation",
            with(&user, "/role", json!("exporter")),
            422,
            "org_id",
        ),
        bad(
            "exporter of an unknown organisation",
            json!({"username": "n", "role": "exporter", "org_id": "nope"}),
            422,
            "org_id",
        ),
        bad(
            "organisation id with bad characters",
            json!({"username": "n", "role": "exporter", "org_id": "../x"}),
            422,
            "org_id",
        ),
        bad(
            "organisation on an officer",
            with(&user, "/org_id", json!(w.org1)),
            422,
            "org_id",
        ),
        bad(
            "negative token days",
            with(&user, "/token_days", json!(-1)),
            422,
            "token_days",
        ),
        bad(
            "zero token days",
            with(&user, "/token_days", json!(0)),
            422,
            "token_days",
        ),
        bad(
            "token days beyond u32",
            with(&user, "/token_days", json!(4294967296u64)),
            422,
            "token_days",
        ),
        bad(
            "token days as a string",
            with(&user, "/token_days", json!("90")),
            422,
            "token_days",
        ),
        bad(
            "token days fractional",
            with(&user, "/token_days", json!(1.5)),
            422,
            "token_days",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/users", &admin).watching(&admin, "/api/v1/users"),
        cases,
    )
    .await;

    let off = uid(&t, &w.officer).await;
    // Enrolment: a token is only ever obtained by exchanging a one-time secret.
    let enrol = |extra: serde_json::Value| {
        let mut b = json!({"username": "off1", "secret": "enr_abc.def"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let mut cases = generic(false);
    cases.extend([
        bad("zero days", enrol(json!({"days": 0})), 422, "days"),
        bad(
            "days beyond the maximum",
            enrol(json!({"days": 91})),
            422,
            "days",
        ),
        bad("negative days", enrol(json!({"days": -5})), 422, "days"),
        bad("days as a string", enrol(json!({"days": "7"})), 422, "days"),
        bad("blank label", enrol(json!({"label": " "})), 422, "label"),
        bad(
            "label too long",
            enrol(json!({"label": long(101)})),
            422,
            "label",
        ),
        bad(
            "label is a number",
            enrol(json!({"label": 7})),
            422,
            "label",
        ),
        bad("missing secret", json!({"username": "off1"}), 422, "secret"),
        no_field("a secret that was never issued", enrol(json!({})), 401),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/enrol", &admin).watching(&admin, "/api/v1/tokens"),
        cases,
    )
    .await;
    // Disabling a user needs a reason; nothing changes on a rejected request.
    let mut cases = generic(false);
    cases.extend([
        bad("missing reason", json!({}), 422, "reason"),
        bad("blank reason", json!({"reason": "  "}), 422, "reason"),
        bad("reason is a number", json!({"reason": 3}), 422, "reason"),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", format!("/api/v1/users/{off}/disable"), &admin)
            .watching(&admin, "/api/v1/users"),
        cases,
    )
    .await;
    // Bad path ids on the user/token endpoints.
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("/api/v1/users/{}/enrolment", long(65)),
            &admin,
        ),
        vec![bad("user id too long", json!({}), 422, "id")],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/tokens/bad$id/revoke", &admin),
        vec![no_field("token id with a bad character", json!({}), 422)],
    )
    .await;
    rep.finish("organisations_users_and_tokens", 105);
}

// ---------------------------------------------------------------------------------------------------------
// registrations and products

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_and_products() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();

    let reg = json!({"company_name": "Co", "registration_number": "51-1", "address": "1 St", "country": "IL", "contact_email": "c@example.test"});
    let org3 = t.org("Third Ltd").await;
    let exp3 = t.user("exp3", "exporter", None, Some(&org3)).await;
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown country ZZ",
            with(&reg, "/country", json!("ZZ")),
            422,
            "country",
        ),
        bad(
            "alpha-3 country DEU",
            with(&reg, "/country", json!("DEU")),
            422,
            "country",
        ),
        bad(
            "country 1A",
            with(&reg, "/country", json!("1A")),
            422,
            "country",
        ),
        bad(
            "missing company name",
            without(&reg, "/company_name"),
            422,
            "company_name",
        ),
        bad(
            "company name is a number",
            with(&reg, "/company_name", json!(5)),
            422,
            "company_name",
        ),
        bad(
            "not an e-mail address",
            with(&reg, "/contact_email", json!("nobody")),
            422,
            "contact_email",
        ),
        bad(
            "e-mail address with a line break",
            with(
                &reg,
                "/contact_email",
                json!("a@b.example\nBcc: x@y.example"),
            ),
            422,
            "contact_email",
        ),
        bad(
            "blank address",
            with(&reg, "/address", json!("")),
            422,
            "address",
        ),
        bad(
            "address too long",
            with(&reg, "/address", json!(long(501))),
            422,
            "address",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/registrations", &exp3).watching(&exp3, "/api/v1/registrations"),
        cases,
    )
    .await;

    // A pending registration for the decision table.
    let pending = t
        .post(&exp3, "/api/v1/registrations", reg.clone())
        .await
        .ok();
    let rid = pending["id"].as_str().unwrap().to_string();
    let dec = json!({"approve": true, "reason": "complete"});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "approve is a string",
            with(&dec, "/approve", json!("yes")),
            422,
            "approve",
        ),
        bad("missing approve", without(&dec, "/approve"), 422, "approve"),
        bad("missing reason", without(&dec, "/reason"), 422, "reason"),
        bad(
            "blank reason",
            with(&dec, "/reason", json!(" ")),
            422,
            "reason",
        ),
        bad(
            "expected version as a string",
            with(&dec, "/expected_version", json!("1")),
            422,
            "expected_version",
        ),
        bad(
            "expected version fractional",
            with(&dec, "/expected_version", json!(1.5)),
            422,
            "expected_version",
        ),
        bad(
            "expected version beyond i64",
            with(&dec, "/expected_version", json!(9223372036854775808u64)),
            422,
            "expected_version",
        ),
    ]);
    let reg_path = format!("/api/v1/registrations/{rid}");
    run(
        &t,
        &mut rep,
        &target("POST", format!("{reg_path}/decision"), &w.officer)
            .watching(&w.officer, reg_path.clone()),
        cases,
    )
    .await;

    let prod = json!({"name": "Tool", "version": "1", "description": "d", "control_entries": ["4A005"], "capability_tags": ["x"]});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown control entry 9X999",
            with(&prod, "/control_entries", json!(["9X999"])),
            422,
            "control_entries[0]",
        ),
        bad(
            "unknown second control entry",
            with(&prod, "/control_entries", json!(["4A005", "4Z"])),
            422,
            "control_entries[1]",
        ),
        bad(
            "control entries as a string",
            with(&prod, "/control_entries", json!("4A005")),
            422,
            "control_entries",
        ),
        bad(
            "control entry is a number",
            with(&prod, "/control_entries", json!([4])),
            422,
            "control_entries[0]",
        ),
        bad(
            "name is a number",
            with(&prod, "/name", json!(5)),
            422,
            "name",
        ),
        bad(
            "missing version",
            without(&prod, "/version"),
            422,
            "version",
        ),
        bad(
            "blank version",
            with(&prod, "/version", json!("")),
            422,
            "version",
        ),
        bad(
            "capability tag is a number",
            with(&prod, "/capability_tags", json!([1])),
            422,
            "capability_tags[0]",
        ),
        bad(
            "too many capability tags",
            with(&prod, "/capability_tags", json!(vec!["t"; 51])),
            422,
            "capability_tags",
        ),
        bad(
            "description too long",
            with(&prod, "/description", json!(long(5001))),
            422,
            "description",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/products", &w.exporter).watching(&w.exporter, "/api/v1/products"),
        cases,
    )
    .await;

    let pid = w.restricted_product.clone();
    let cls = json!({"control_entries": ["4D004"], "security_grade": "restricted"});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown security grade",
            with(&cls, "/security_grade", json!("top-secret")),
            422,
            "security_grade",
        ),
        bad(
            "missing security grade",
            without(&cls, "/security_grade"),
            422,
            "security_grade",
        ),
        bad(
            "unknown control entry 9X999",
            with(&cls, "/control_entries", json!(["9X999"])),
            422,
            "control_entries[0]",
        ),
        bad(
            "missing control entries",
            without(&cls, "/control_entries"),
            422,
            "control_entries",
        ),
        bad("blank note", with(&cls, "/note", json!("")), 422, "note"),
    ]);
    let prod_path = format!("/api/v1/products/{pid}");
    run(
        &t,
        &mut rep,
        &target("POST", format!("{prod_path}/classification"), &w.defence)
            .watching(&w.officer, prod_path.clone()),
        cases,
    )
    .await;
    rep.finish("registrations_and_products", 91);
}

// ---------------------------------------------------------------------------------------------------------
// applications

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_bodies() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();
    let ml = ml_body(&w.secret_product, "BR");
    let el = el_body(
        &w.restricted_product,
        "DE",
        "ML-2026-000001",
        "Bundespolizei",
    );

    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown licence kind",
            with(&ml, "/licence", json!("import")),
            422,
            "licence",
        ),
        bad("missing licence", without(&ml, "/licence"), 422, "licence"),
        bad(
            "marketing licence without details",
            without(&ml, "/marketing"),
            422,
            "marketing",
        ),
        bad(
            "marketing licence with export details",
            with(&ml, "/export", el["export"].clone()),
            422,
            "marketing",
        ),
        bad(
            "export licence without details",
            without(&el, "/export"),
            422,
            "export",
        ),
        bad(
            "unknown destination ZZ",
            with(&ml, "/marketing/destinations", json!(["ZZ"])),
            422,
            "marketing.destinations[0]",
        ),
        bad(
            "alpha-3 destination DEU",
            with(&ml, "/marketing/destinations", json!(["DE", "DEU"])),
            422,
            "marketing.destinations[1]",
        ),
        bad(
            "destination 1A",
            with(&ml, "/marketing/destinations", json!(["1A"])),
            422,
            "marketing.destinations[0]",
        ),
        bad(
            "no destinations",
            with(&ml, "/marketing/destinations", json!([])),
            422,
            "marketing.destinations",
        ),
        bad(
            "no products",
            with(&ml, "/marketing/products", json!([])),
            422,
            "marketing.products",
        ),
        bad(
            "unknown product",
            with(&ml, "/marketing/products", json!(["nope"])),
            422,
            "marketing.products[0]",
        ),
        bad(
            "another organisation's product id",
            with(
                &ml,
                "/marketing/products",
                json!([w.secret_product, "x".repeat(32)]),
            ),
            422,
            "marketing.products[1]",
        ),
        bad(
            "unknown end-user type",
            with(&ml, "/marketing/end_users/0/type", json!("alien")),
            422,
            "marketing.end_users[0].type",
        ),
        bad(
            "unknown field in an end user",
            with(&ml, "/marketing/end_users/0/extra", json!(1)),
            422,
            "marketing.end_users[0].extra",
        ),
        bad(
            "unknown end-user country",
            with(&ml, "/marketing/end_users/0/country", json!("ZZ")),
            422,
            "marketing.end_users[0].country",
        ),
        bad(
            "unknown field in marketing",
            with(&ml, "/marketing/extra", json!(1)),
            422,
            "marketing.extra",
        ),
        bad(
            "end users is an object",
            with(&ml, "/marketing/end_users", json!({})),
            422,
            "marketing.end_users",
        ),
        // export licence
        bad(
            "quantity as a string",
            with(&el, "/export/quantity", json!("3")),
            422,
            "export.quantity",
        ),
        bad(
            "negative quantity",
            with(&el, "/export/quantity", json!(-1)),
            422,
            "export.quantity",
        ),
        bad(
            "zero quantity",
            with(&el, "/export/quantity", json!(0)),
            422,
            "export.quantity",
        ),
        bad(
            "absurd quantity 1e12 (float)",
            with(&el, "/export/quantity", json!(1e12)),
            422,
            "export.quantity",
        ),
        bad(
            "absurd quantity 10^12",
            with(&el, "/export/quantity", json!(1_000_000_000_000u64)),
            422,
            "export.quantity",
        ),
        bad(
            "fractional quantity",
            with(&el, "/export/quantity", json!(2.5)),
            422,
            "export.quantity",
        ),
        raw(
            "quantity overflowing u64",
            JSON,
            el.to_string()
                .replace("\"quantity\":3", "\"quantity\":18446744073709551616"),
            422,
            "export.quantity",
        ),
        bad(
            "value without a currency",
            without(&el, "/export/value/currency"),
            422,
            "export.value.currency",
        ),
        bad(
            "blank currency",
            with(&el, "/export/value/currency", json!("")),
            422,
            "export.value.currency",
        ),
        bad(
            "unsupported currency XXX",
            with(&el, "/export/value/currency", json!("XXX")),
            422,
            "export.value.currency",
        ),
        bad(
            "currency is a number",
            with(&el, "/export/value/currency", json!(978)),
            422,
            "export.value.currency",
        ),
        bad(
            "value without an amount",
            without(&el, "/export/value/amount"),
            422,
            "export.value.amount",
        ),
        bad(
            "negative amount",
            with(&el, "/export/value/amount", json!("-5")),
            422,
            "export.value.amount",
        ),
        bad(
            "garbage amount",
            with(&el, "/export/value/amount", json!("abc")),
            422,
            "export.value.amount",
        ),
        bad(
            "zero amount",
            with(&el, "/export/value/amount", json!("0")),
            422,
            "export.value.amount",
        ),
        bad(
            "absurd amount",
            with(&el, "/export/value/amount", json!("1e99")),
            422,
            "export.value.amount",
        ),
        bad(
            "amount with three decimals",
            with(&el, "/export/value/amount", json!("1.234")),
            422,
            "export.value.amount",
        ),
        bad(
            "amount as a JSON number",
            with(&el, "/export/value/amount", json!(12.5)),
            422,
            "export.value.amount",
        ),
        bad(
            "value as a bare number",
            with(&el, "/export/value", json!(250000)),
            422,
            "export.value",
        ),
        bad(
            "unknown field in value",
            with(&el, "/export/value/vat", json!("0")),
            422,
            "export.value.vat",
        ),
        bad(
            "unknown destination ZZ",
            with(&el, "/export/destination", json!("ZZ")),
            422,
            "export.destination",
        ),
        bad(
            "alpha-3 destination DEU",
            with(&el, "/export/destination", json!("DEU")),
            422,
            "export.destination",
        ),
        bad(
            "consignee country 1A",
            with(&el, "/export/consignee/country", json!("1A")),
            422,
            "export.consignee.country",
        ),
        bad(
            "consignee without country",
            without(&el, "/export/consignee/country"),
            422,
            "export.consignee.country",
        ),
        bad(
            "unknown field in end user",
            with(&el, "/export/end_user/extra", json!(1)),
            422,
            "export.end_user.extra",
        ),
        bad(
            "unknown field in export",
            with(&el, "/export/extra", json!(1)),
            422,
            "export.extra",
        ),
        bad(
            "blank end-user name",
            with(&el, "/export/end_user/name", json!(" ")),
            422,
            "export.end_user.name",
        ),
        bad(
            "end-user name is a number",
            with(&el, "/export/end_user/name", json!(1)),
            422,
            "export.end_user.name",
        ),
        bad(
            "missing end use",
            without(&el, "/export/end_use"),
            422,
            "export.end_use",
        ),
        bad(
            "document hash is not SHA-256",
            with(&el, "/export/documents/0/sha256", json!("not-a-hash")),
            422,
            "export.documents[0].sha256",
        ),
        bad(
            "document without a name",
            without(&el, "/export/documents/0/name"),
            422,
            "export.documents[0].name",
        ),
        bad(
            "intermediary in unknown country",
            with(
                &el,
                "/export/intermediaries",
                json!([{"name": "Broker", "country": "ZZ"}]),
            ),
            422,
            "export.intermediaries[0].country",
        ),
        bad(
            "unknown product",
            with(&el, "/export/product", json!("nope")),
            422,
            "export.product",
        ),
        // Empty is "none given" (an item the policy finds not controlled needs none; submission decides), but
        // a value of blanks is no authorisation.
        bad(
            "blank marketing authorisation",
            with(&el, "/export/marketing_authorisation", json!("   ")),
            422,
            "export.marketing_authorisation",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/applications", &w.exporter)
            .watching(&w.officer, "/api/v1/applications"),
        cases,
    )
    .await;

    // Pre-application checks.
    let chk = json!({"product": w.restricted_product, "destination": "DE", "end_user_type": "government-law-enforcement", "record_exemption": true});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown destination ZZ",
            with(&chk, "/destination", json!("ZZ")),
            422,
            "destination",
        ),
        bad(
            "alpha-3 destination DEU",
            with(&chk, "/destination", json!("DEU")),
            422,
            "destination",
        ),
        bad(
            "unknown end-user type",
            with(&chk, "/end_user_type", json!("alien")),
            422,
            "end_user_type",
        ),
        bad(
            "unknown product",
            with(&chk, "/product", json!("nope")),
            422,
            "product",
        ),
        bad(
            "record_exemption as a string",
            with(&chk, "/record_exemption", json!("yes")),
            422,
            "record_exemption",
        ),
        bad(
            "unknown licence kind",
            with(&chk, "/licence", json!("import")),
            422,
            "licence",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/pre-application-checks", &w.exporter)
            .watching(&w.exporter, "/api/v1/exemptions"),
        cases,
    )
    .await;
    rep.finish("application_bodies", 87);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_action_bodies() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();
    let case = |id: &str| format!("/api/v1/applications/{id}");

    // A draft, a submitted case, one under review, one awaiting the exporter, one issued.
    let draft = t.case(&w).draft().await;
    let submitted = t.case(&w).submitted().await;
    let review = t.case(&w).under_review().await;
    let awaiting = t.case(&w).awaiting_exporter().await;
    let iid = t.case(&w).issued().await;

    // Optional-body actions (submit, withdraw, issue, suspend, reinstate, revoke).
    let optional_extra = || {
        vec![
            bad(
                "expected version as a string",
                json!({"expected_version": "x"}),
                422,
                "expected_version",
            ),
            bad("reason is a number", json!({"reason": 5}), 422, "reason"),
        ]
    };
    for (action, id, token) in [
        ("submit", &draft, &w.exporter),
        ("withdraw", &draft, &w.exporter),
        ("issue", &review, &w.officer),
        ("suspend", &iid, &w.officer),
        ("reinstate", &iid, &w.officer),
        ("revoke", &iid, &w.officer),
    ] {
        let mut cases = generic(true);
        cases.extend(optional_extra());
        run(
            &t,
            &mut rep,
            &target("POST", format!("{}/{action}", case(id)), token).watching(&w.officer, case(id)),
            cases,
        )
        .await;
    }
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/withdraw", case(&draft)), &w.exporter)
            .watching(&w.officer, case(&draft)),
        vec![bad("blank reason", json!({"reason": " "}), 422, "reason")],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/suspend", case(&iid)), &w.officer)
            .watching(&w.officer, case(&iid)),
        vec![
            raw(
                "suspension without a body (a reason is required)",
                JSON,
                "",
                422,
                "reason",
            ),
            bad("suspension without a reason", json!({}), 422, "reason"),
            bad(
                "suspension reason too long",
                json!({"reason": long(5001)}),
                422,
                "reason",
            ),
        ],
    )
    .await;

    let other_exporter = uid(&t, &w.exporter).await;
    // assign takes an optional body, like the other actions without required parameters.
    let mut cases = generic(true);
    cases.extend([
        bad(
            "unknown officer",
            json!({"officer_id": "nope"}),
            422,
            "officer_id",
        ),
        bad(
            "officer id of an exporter",
            json!({"officer_id": other_exporter}),
            422,
            "officer_id",
        ),
        bad(
            "officer id is a number",
            json!({"officer_id": 5}),
            422,
            "officer_id",
        ),
        bad(
            "officer id with bad characters",
            json!({"officer_id": "a/../b"}),
            422,
            "officer_id",
        ),
        bad(
            "expected version as a string",
            json!({"expected_version": "1"}),
            422,
            "expected_version",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/assign", case(&submitted)), &w.officer)
            .watching(&w.officer, case(&submitted)),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad("missing question", json!({}), 422, "question"),
        bad("blank question", json!({"question": ""}), 422, "question"),
        bad(
            "question too long",
            json!({"question": long(5001)}),
            422,
            "question",
        ),
        bad(
            "question is a list",
            json!({"question": ["a"]}),
            422,
            "question",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("{}/information-requests", case(&review)),
            &w.officer,
        )
        .watching(&w.officer, case(&review)),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad("blank answer", json!({"answer": ""}), 422, "answer"),
        bad("document hash is not SHA-256", json!({"answer": "a", "documents": [{"kind": "contract", "name": "c.pdf", "sha256": "zz"}]}), 422, "documents[0].sha256"),
        bad("document without a name", json!({"answer": "a", "documents": [{"kind": "contract"}]}), 422, "documents[0].name"),
        bad("unknown field in a document", json!({"answer": "a", "documents": [{"kind": "c", "name": "n", "extra": 1}]}), 422, "documents[0].extra"),
    ]);
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("{}/responses", case(&awaiting)),
            &w.exporter,
        )
        .watching(&w.officer, case(&awaiting)),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad("no reviews", json!({"reviews": []}), 422, "reviews"),
        bad(
            "unknown review kind",
            json!({"reviews": ["legal"]}),
            422,
            "reviews[0]",
        ),
        bad(
            "reviews as a string",
            json!({"reviews": "defence"}),
            422,
            "reviews",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("{}/advice-requests", case(&review)),
            &w.officer,
        )
        .watching(&w.officer, case(&review)),
        cases,
    )
    .await;

    let hr = hr_advice();
    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown recommendation",
            with(&hr, "/recommendation", json!("maybe")),
            422,
            "recommendation",
        ),
        bad(
            "unknown checklist item",
            with(&hr, "/checklist/0/item", json!("x")),
            422,
            "checklist[0].item",
        ),
        bad(
            "unknown red flag",
            with(&hr, "/red_flags", json!(["nope"])),
            422,
            "red_flags[0]",
        ),
        bad(
            "unknown refusal criterion",
            with(&hr, "/criteria", json!(["criterion-9"])),
            422,
            "criteria[0]",
        ),
        bad("blank text", with(&hr, "/text", json!("")), 422, "text"),
        bad(
            "missing checklist",
            without(&hr, "/checklist"),
            422,
            "checklist",
        ),
        bad(
            "unknown field in a checklist answer",
            with(&hr, "/checklist/0/extra", json!(1)),
            422,
            "checklist[0].extra",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/advice", case(&review)), &w.hr)
            .watching(&w.officer, case(&review)),
        cases,
    )
    .await;

    let cond = |c: Value| json!({"reason": "ok", "conditions": [c]});
    let mut cases = generic(false);
    cases.extend([
        bad(
            "valid-until 2026-13-45",
            cond(json!({"type": "valid-until", "date": "2026-13-45"})),
            422,
            "conditions[0]*",
        ),
        bad(
            "valid-until yesterday",
            cond(json!({"type": "valid-until", "date": "yesterday"})),
            422,
            "conditions[0]*",
        ),
        bad(
            "valid-until in the past",
            cond(json!({"type": "valid-until", "date": "2020-01-01"})),
            422,
            "conditions[0].date",
        ),
        bad(
            "valid-until as a number",
            cond(json!({"type": "valid-until", "date": 20300101})),
            422,
            "conditions[0]*",
        ),
        bad(
            "unknown condition type",
            cond(json!({"type": "bogus"})),
            422,
            "conditions[0]*",
        ),
        bad(
            "condition without a type",
            cond(json!({"text": "x"})),
            422,
            "conditions[0]*",
        ),
        bad(
            "negative quantity limit",
            cond(json!({"type": "quantity-limit", "max": -1})),
            422,
            "conditions[0]*",
        ),
        bad(
            "zero quantity limit",
            cond(json!({"type": "quantity-limit", "max": 0})),
            422,
            "conditions[0].max",
        ),
        bad(
            "absurd quantity limit",
            cond(json!({"type": "quantity-limit", "max": 1_000_000_000_000u64})),
            422,
            "conditions[0].max",
        ),
        bad(
            "reporting every 0 months",
            cond(json!({"type": "reporting-obligation", "every_months": 0, "text": "r"})),
            422,
            "conditions[0].every_months",
        ),
        bad(
            "value limit without a currency",
            cond(json!({"type": "value-limit", "max": {"amount": "10"}})),
            422,
            "conditions[0]*",
        ),
        bad(
            "value limit in XXX",
            cond(json!({"type": "value-limit", "max": {"amount": "10", "currency": "XXX"}})),
            422,
            "conditions[0].max.currency",
        ),
        bad(
            "value limit negative",
            cond(json!({"type": "value-limit", "max": {"amount": "-10", "currency": "EUR"}})),
            422,
            "conditions[0].max.amount",
        ),
        bad(
            "unknown field in a condition",
            cond(json!({"type": "text", "text": "x", "extra": 1})),
            422,
            "conditions[0]*",
        ),
        bad("blank reason", json!({"reason": ""}), 422, "reason"),
        bad(
            "conditions is an object",
            json!({"reason": "ok", "conditions": {}}),
            422,
            "conditions",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/approve", case(&review)), &w.officer)
            .watching(&w.officer, case(&review)),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad(
            "no criteria",
            json!({"reason": "risk", "criteria": []}),
            422,
            "criteria",
        ),
        bad(
            "missing criteria",
            json!({"reason": "risk"}),
            422,
            "criteria",
        ),
        bad(
            "unknown criterion",
            json!({"reason": "risk", "criteria": ["criterion-9"]}),
            422,
            "criteria[0]",
        ),
        bad(
            "reason is a number",
            json!({"reason": 5, "criteria": ["criterion-2"]}),
            422,
            "reason",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", format!("{}/refuse", case(&review)), &w.officer)
            .watching(&w.officer, case(&review)),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad(
            "unknown decision",
            json!({"decision": "maybe", "reason": "r"}),
            422,
            "decision",
        ),
        bad(
            "blank reason",
            json!({"decision": "clear", "reason": ""}),
            422,
            "reason",
        ),
        bad(
            "missing reason",
            json!({"decision": "clear"}),
            422,
            "reason",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("{}/screening-hits/nohit/decision", case(&review)),
            &w.officer,
        )
        .watching(&w.officer, case(&review)),
        cases,
    )
    .await;
    rep.finish("case_action_bodies", 265);
}

// ---------------------------------------------------------------------------------------------------------
// policy, screening and lists

fn staged_files() -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = policy::reference_files().into_iter().collect();
    let p = files.get_mut("policy.toml").expect("policy.toml");
    *p = p.replace("reference-2017.1", "reference-2026.9");
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_screening_and_list_bodies() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();

    let mut broken = staged_files();
    broken.insert("policy.toml".into(), "this is not toml".into());
    let mut cases = generic(false);
    cases.extend([
        bad("no files", json!({"files": {}}), 422, "files"),
        bad("files as a string", json!({"files": "x"}), 422, "files"),
        bad(
            "file content is a number",
            json!({"files": {"policy.toml": 5}}),
            422,
            "files*",
        ),
        bad(
            "a policy that does not load",
            json!({"files": broken}),
            422,
            "files",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/policy/versions", &w.policy_admin)
            .watching(&w.policy_admin, "/api/v1/policy/versions"),
        cases,
    )
    .await;

    let staged = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": staged_files()}),
        )
        .await
        .ok();
    let sid = staged["id"].as_str().unwrap().to_string();
    let mut cases = generic(false);
    cases.extend([
        bad(
            "date 2026-13-45",
            json!({"effective_from": "2026-13-45"}),
            422,
            "effective_from",
        ),
        bad(
            "date yesterday",
            json!({"effective_from": "yesterday"}),
            422,
            "effective_from",
        ),
        bad(
            "date in the past",
            json!({"effective_from": "2020-01-01"}),
            422,
            "effective_from",
        ),
        bad(
            "date as a number",
            json!({"effective_from": 20300101}),
            422,
            "effective_from",
        ),
        bad(
            "date with a time",
            json!({"effective_from": "2030-01-01T00:00:00Z"}),
            422,
            "effective_from",
        ),
        bad("missing date", json!({}), 422, "effective_from"),
    ]);
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("/api/v1/policy/versions/{sid}/publish"),
            &w.policy_admin,
        )
        .watching(&w.policy_admin, "/api/v1/policy/versions"),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad("missing name", json!({}), 422, "name"),
        bad("name is a number", json!({"name": 5}), 422, "name"),
        bad(
            "name without letters, kind unknown",
            json!({"name": "!!", "kind": "alien"}),
            422,
            "name",
        ),
        bad(
            "threshold above 1",
            json!({"name": "A", "threshold": 2}),
            422,
            "threshold",
        ),
        bad(
            "threshold as a string",
            json!({"name": "A", "threshold": "x"}),
            422,
            "threshold",
        ),
        bad("zero limit", json!({"name": "A", "limit": 0}), 422, "limit"),
        bad(
            "negative limit",
            json!({"name": "A", "limit": -1}),
            422,
            "limit",
        ),
        // A malformed kind, birth date or country list is a warning, not an error (screening_service.rs).
        bad(
            "name missing",
            json!({"birth_date": "yesterday"}),
            422,
            "name",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/screening", &w.officer),
        cases,
    )
    .await;

    let mut cases = generic(false);
    cases.extend([
        bad(
            "not an http URL",
            json!({"url": "ftp://example.test/list.xml"}),
            422,
            "url",
        ),
        bad("url is a number", json!({"url": 5}), 422, "url"),
        bad(
            "unreachable URL",
            json!({"url": "http://127.0.0.1:1/list.xml"}),
            422,
            "url",
        ),
    ]);
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/lists/un-sc-xml/fetch", &t.admin)
            .watching(&t.admin, "/api/v1/lists"),
        cases,
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/lists/bogus/fetch", &t.admin),
        vec![bad(
            "unknown list format",
            json!({"url": "http://127.0.0.1:1/x"}),
            422,
            "format",
        )],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/lists/bogus", &t.admin).watching(&t.admin, "/api/v1/lists"),
        vec![raw(
            "unknown list format",
            "application/octet-stream",
            "<x/>",
            422,
            "format",
        )],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/lists/un-sc-xml", &t.admin).watching(&t.admin, "/api/v1/lists"),
        vec![
            raw(
                "garbage list file",
                "application/octet-stream",
                "definitely not XML",
                422,
                "file",
            ),
            raw(
                "empty list file",
                "application/octet-stream",
                "",
                422,
                "file",
            ),
        ],
    )
    .await;
    rep.finish("policy_screening_and_list_bodies", 85);
}

// ---------------------------------------------------------------------------------------------------------
// path and query parameters, methods

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_and_query_parameters() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let mut rep = Report::default();
    let too_long = long(65);

    run_paths(
        &t,
        &mut rep,
        "GET",
        &w.officer,
        &[
            (
                "unknown query parameter",
                "/api/v1/applications?bogus=1",
                422,
                Some("bogus"),
            ),
            (
                "unknown state",
                "/api/v1/applications?state=bogus",
                422,
                Some("state"),
            ),
            (
                "empty state",
                "/api/v1/applications?state=",
                422,
                Some("state"),
            ),
            (
                "state given twice",
                "/api/v1/applications?state=draft&state=submitted",
                422,
                Some("state"),
            ),
            (
                "case id too long",
                &format!("/api/v1/applications/{too_long}"),
                422,
                Some("id"),
            ),
            (
                "case id with a bad character",
                "/api/v1/applications/bad$id",
                422,
                Some("id"),
            ),
            (
                "case id with a space",
                "/api/v1/applications/a%20b",
                422,
                Some("id"),
            ),
            (
                "case id with an encoded slash",
                "/api/v1/applications/a%2Fb",
                422,
                Some("id"),
            ),
            (
                "case id with a NUL byte",
                "/api/v1/applications/a%00b",
                422,
                Some("id"),
            ),
            (
                "case id that is not UTF-8",
                "/api/v1/applications/%FF%FE",
                400,
                Some("id"),
            ),
            (
                "hits of an unknown case",
                "/api/v1/applications/abc/screening-hits",
                404,
                None,
            ),
            (
                "registration id too long",
                &format!("/api/v1/registrations/{too_long}"),
                422,
                Some("id"),
            ),
            (
                "product id with a bad character",
                "/api/v1/products/p~1",
                422,
                Some("id"),
            ),
            (
                "organisation id with a quote",
                "/api/v1/organisations/o'1",
                422,
                Some("id"),
            ),
            (
                "user id too long",
                &format!("/api/v1/users/{too_long}"),
                422,
                Some("id"),
            ),
            ("unknown queue", "/api/v1/queues/bogus", 422, Some("queue")),
            (
                "queue name too long",
                &format!("/api/v1/queues/{too_long}"),
                422,
                Some("queue"),
            ),
        ],
    )
    .await;
    run_paths(
        &t,
        &mut rep,
        "GET",
        &w.auditor,
        &[
            (
                "policy version id with a bad character",
                "/api/v1/policy/versions/v!1/impact",
                422,
                Some("id"),
            ),
            ("limit 0", "/api/v1/audit?limit=0", 422, Some("limit")),
            ("limit abc", "/api/v1/audit?limit=abc", 422, Some("limit")),
            (
                "limit above the maximum",
                "/api/v1/audit?limit=1001",
                422,
                Some("limit"),
            ),
            (
                "limit beyond i64",
                "/api/v1/audit?limit=99999999999999999999",
                422,
                Some("limit"),
            ),
            (
                "negative after",
                "/api/v1/audit?after=-1",
                422,
                Some("after"),
            ),
            (
                "after is not a number",
                "/api/v1/audit?after=x",
                422,
                Some("after"),
            ),
            (
                "record with a bad character",
                "/api/v1/audit?record=a$b",
                422,
                Some("record"),
            ),
            ("empty record", "/api/v1/audit?record=", 422, Some("record")),
            (
                "limit given twice",
                "/api/v1/audit?limit=1&limit=2",
                422,
                Some("limit"),
            ),
            (
                "unknown query parameter",
                "/api/v1/audit?bogus=1",
                422,
                Some("bogus"),
            ),
        ],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            "/api/v1/applications/abc/screening-hits/h$1/decision",
            &w.officer,
        ),
        vec![bad(
            "hit id with a bad character",
            json!({"decision": "clear", "reason": "r"}),
            422,
            "hit",
        )],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target(
            "POST",
            format!("/api/v1/applications/{too_long}/submit"),
            &w.exporter,
        ),
        vec![bad("case id too long on an action", json!({}), 422, "id")],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/applications/a%00b/approve", &w.officer),
        vec![bad(
            "case id with a NUL byte on an action",
            json!({"reason": "r"}),
            422,
            "id",
        )],
    )
    .await;
    // Methods an endpoint does not have.
    run_paths(
        &t,
        &mut rep,
        "DELETE",
        &w.officer,
        &[
            (
                "DELETE on a collection",
                "/api/v1/applications",
                405,
                Some("method"),
            ),
            (
                "DELETE on a record",
                "/api/v1/products/abc",
                405,
                Some("method"),
            ),
        ],
    )
    .await;
    rep.finish("path_and_query_parameters", 33);
}

// ---------------------------------------------------------------------------------------------------------
// both backends: values that reach the database

async fn ids_nul_bytes_and_extreme_numbers(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let mut rep = Report::default();
    let submitted = t.case(&w).submitted().await;
    let case = format!("/api/v1/applications/{submitted}");

    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/users", &t.admin).watching(&t.admin, "/api/v1/users"),
        vec![
            bad(
                "organisation id with a NUL byte",
                json!({"username": "n", "role": "exporter", "org_id": "a\u{0}b"}),
                422,
                "org_id",
            ),
            bad(
                "username with a NUL byte",
                json!({"username": "a\u{0}b", "role": "officer"}),
                422,
                "username",
            ),
        ],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", format!("{case}/assign"), &w.officer).watching(&w.officer, case.clone()),
        vec![
            bad(
                "officer id with a NUL byte",
                json!({"officer_id": "a\u{0}b"}),
                422,
                "officer_id",
            ),
            no_field(
                "expected version i64::MAX",
                json!({"expected_version": i64::MAX}),
                409,
            ),
            no_field(
                "expected version i64::MIN",
                json!({"expected_version": i64::MIN}),
                409,
            ),
        ],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/applications", &w.exporter)
            .watching(&w.officer, "/api/v1/applications"),
        vec![
            bad(
                "product id with a NUL byte",
                ml_body("a\u{0}b", "BR"),
                422,
                "marketing.products[0]",
            ),
            bad(
                "export product id with a NUL byte",
                el_body("a\u{0}b", "DE", "ML-1", "P"),
                422,
                "export.product",
            ),
            bad(
                "end-user name with a NUL byte",
                el_body(&w.restricted_product, "DE", "ML-1", "a\u{0}b"),
                422,
                "export.end_user.name",
            ),
            bad(
                "authorisation with a NUL byte",
                el_body(&w.restricted_product, "DE", "ML\u{0}1", "P"),
                422,
                "export.marketing_authorisation",
            ),
            bad(
                "document hash with a NUL byte",
                with(
                    &el_body(&w.restricted_product, "DE", "ML-1", "P"),
                    "/export/documents/0/sha256",
                    json!("\u{0}"),
                ),
                422,
                "export.documents[0].sha256",
            ),
        ],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/pre-application-checks", &w.exporter)
            .watching(&w.exporter, "/api/v1/exemptions"),
        vec![bad(
            "product id with a NUL byte",
            json!({"product": "a\u{0}b", "destination": "DE", "end_user_type": "private"}),
            422,
            "product",
        )],
    )
    .await;
    run(
        &t,
        &mut rep,
        &target("POST", "/api/v1/products", &w.exporter).watching(&w.exporter, "/api/v1/products"),
        vec![
            bad("control entry with a NUL byte", json!({"name": "n", "version": "1", "description": "d", "control_entries": ["4A005\u{0}"]}), 422, "control_entries[0]"),
            bad("capability tag with a NUL byte", json!({"name": "n", "version": "1", "description": "d", "capability_tags": ["a\u{0}"]}), 422, "capability_tags[0]"),
        ],
    )
    .await;
    let dpl = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/us_bis_dpl_2023-11/dpl.txt"
    ))
    .expect("shared DPL fixture");
    for (what, path, field) in [
        (
            "list file name with a NUL byte",
            "/api/v1/lists/bis-dpl?name=a%00b",
            "name",
        ),
        (
            "list file name too long",
            &format!("/api/v1/lists/bis-dpl?name={}", long(201)),
            "name",
        ),
        (
            "unknown query parameter on upload",
            "/api/v1/lists/bis-dpl?bogus=1",
            "bogus",
        ),
    ] {
        let tg = target("POST", path, &t.admin).watching(&t.admin, "/api/v1/lists");
        run(
            &t,
            &mut rep,
            &tg,
            vec![raw(
                what,
                "application/octet-stream",
                dpl.clone(),
                422,
                field,
            )],
        )
        .await;
    }
    run_paths(
        &t,
        &mut rep,
        "GET",
        &w.auditor,
        &[
            (
                "record with a NUL byte",
                "/api/v1/audit?record=a%00b",
                422,
                Some("record"),
            ),
            (
                "state with a NUL byte",
                "/api/v1/applications?state=a%00b",
                422,
                Some("state"),
            ),
        ],
    )
    .await;
    // The largest `after` is no error: simply nothing after it.
    let r = t
        .get(&w.auditor, "/api/v1/audit?after=9223372036854775807")
        .await;
    assert_eq!(r.ok(), json!([]));
    rep.finish("ids_nul_bytes_and_extreme_numbers", 18);
}
