//! The OpenAPI document as a reader meets it: every operation has a summary, a description and a tag; every
//! request body has an example; every object schema says what it holds; no description points into the
//! source tree (Rust doc links, file paths). Walks the whole document and lists every problem at once.

use serde_json::Value;

/// Schemas (by location in the document) that stay bare objects, each with the reason.
const BARE_OBJECTS_ALLOWED: &[(&str, &str)] = &[
    ("#/components/schemas/CaseDetermination/properties/determination", "the policy engine's determination (serde_json::Value in the app crate); typing it needs a ToSchema mirror of the policy crate's Determination"),
    ("#/components/schemas/CaseDetermination/properties/request", "the policy request replayed by impact previews (serde_json::Value)"),
    ("#/components/schemas/Exemption/properties/determination", "the policy engine's determination (serde_json::Value)"),
    ("#/components/schemas/PreApplicationAnswer/properties/determination", "the policy engine's determination (serde_json::Value)"),
    ("#/components/schemas/ScreeningHit/properties/explanation", "the screening engine's score explanation (serde_json::Value)"),
    ("#/components/schemas/DenialMatch/properties/explanation", "the screening engine's score explanation of a denial match (serde_json::Value)"),
    ("#/components/schemas/ScreenResponse/properties/matches/items", "the screening crate's Match, which has no ToSchema"),
    ("#/paths/~1api~1v1~1policy~1versions~1{id}~1impact/get/responses/200/content/application~1json/schema", "the policy crate's ImpactReport, which has no ToSchema"),
    ("#/components/schemas/AuditEvent/properties/before", "a stored record's JSON form, which differs by record kind"),
    ("#/components/schemas/AuditEvent/properties/after", "a stored record's JSON form, which differs by record kind"),
];

/// Text that belongs to the source code, not to the API's documentation.
const INTERNAL: &[&str] = &["[`", "crates/", ".rs"];

fn document() -> Value {
    serde_json::to_value(http_api::openapi()).unwrap()
}

/// Follows a `$ref` to a component schema.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Records every bare object (type object without properties, or an empty schema `{}`) and every
/// description with internal references, under `at`.
fn walk(v: &Value, at: &str, problems: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(d) = m.get("description").and_then(Value::as_str) {
                if let Some(bad) = INTERNAL.iter().find(|s| d.contains(*s)) {
                    problems.push(format!("{at}: description contains {bad:?}: {d:?}"));
                }
            }
            if let Some(d) = m.get("summary").and_then(Value::as_str) {
                if let Some(bad) = INTERNAL.iter().find(|s| d.contains(*s)) {
                    problems.push(format!("{at}: summary contains {bad:?}: {d:?}"));
                }
            }
            for (k, child) in m {
                // Locations are JSON pointers (`/` in a key is `~1`).
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if matches!(
                    k.as_str(),
                    "schema" | "items" | "additionalProperties" | "not"
                ) || at.ends_with("/properties")
                    || at.ends_with("/components/schemas")
                {
                    check_schema(child, &here, problems);
                }
                walk(child, &here, problems);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let here = format!("{at}/{i}");
                if at.ends_with("/allOf") || at.ends_with("/oneOf") || at.ends_with("/anyOf") {
                    check_schema(child, &here, problems);
                }
                walk(child, &here, problems);
            }
        }
        _ => {}
    }
}

fn check_schema(s: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(m) = s.as_object() else { return };
    if BARE_OBJECTS_ALLOWED.iter().any(|(p, _)| *p == at) {
        return;
    }
    let described_elsewhere = ["$ref", "allOf", "oneOf", "anyOf", "properties", "enum"]
        .iter()
        .any(|k| m.contains_key(*k))
        || matches!(m.get("additionalProperties"), Some(Value::Object(a)) if !a.is_empty());
    let typ = m.get("type");
    let is_object = match typ {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        None => true, // no type at all: `{}` (anything)
        _ => false,
    };
    let only_docs = m.keys().all(|k| {
        matches!(
            k.as_str(),
            "description" | "example" | "examples" | "title" | "default" | "nullable"
        )
    });
    if is_object && !described_elsewhere && (typ.is_some() || only_docs) {
        problems.push(format!("{at}: bare object schema (no properties)"));
    }
}

#[test]
fn openapi_document_is_complete_for_readers() {
    let doc = document();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            for field in ["summary", "description"] {
                if op[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                    problems.push(format!("{name}: no {field}"));
                }
            }
            if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
                problems.push(format!("{name}: no tags"));
            }
            if let Some(contents) = op["requestBody"]["content"].as_object() {
                // A non-JSON body is a file (a list upload); its example would be a whole list file.
                for (media, c) in contents.iter().filter(|(m, _)| m.contains("json")) {
                    let has_example = c.get("example").is_some()
                        || c.get("examples").is_some()
                        || resolve(&doc, &c["schema"]).get("example").is_some();
                    if !has_example {
                        problems.push(format!("{name}: request body {media} has no example"));
                    }
                }
            }
        }
    }
    walk(&doc, "#", &mut problems);
    assert!(
        problems.is_empty(),
        "{} problems in the OpenAPI document:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn bare_object_allow_list_is_current() {
    // Every allow-listed location exists in the document, so the list cannot hide a removed schema.
    let doc = document();
    for (at, reason) in BARE_OBJECTS_ALLOWED {
        assert!(!reason.is_empty());
        let ptr = at.trim_start_matches('#');
        assert!(
            doc.pointer(ptr).is_some(),
            "{at} is allow-listed but not in the document"
        );
    }
}

/// `GET /api/v1/docs`: the reference page, rendered from the served document. It shows every operation,
/// loads nothing from another host (no URL at all), and is served under the service's CSP, which lets it load
/// nothing.
#[tokio::test]
async fn api_reference_page_shows_every_operation() {
    use crate::common::{Backend, TestApp};
    let t = TestApp::start(Backend::Sqlite).await;
    let root = t.raw("GET", None, "/", None).await;
    assert!(
        root.body
            .as_str()
            .unwrap_or_default()
            .contains("href=\"/api/v1/docs\""),
        "the home page links the API reference"
    );
    let r = reqwest::get(format!("{}/api/v1/docs", t.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = |n: &str| {
        r.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header("content-security-policy"),
        http_api::security::CONTENT_SECURITY_POLICY
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing that loads or styles, and every link stays on this page or this service: no reference to
    // another host (absolute `http://`/`https://` or protocol-relative `//`). URLs in example text are text.
    for bad in [
        "<script", "<link", "<img", "<style", "<iframe", "<object", " src=", "style=", "url(",
    ] {
        assert!(!html.contains(bad), "the page contains {bad:?}");
    }
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(links.len() > 40);
    for l in links {
        assert!(
            l.starts_with('#') || (l.starts_with('/') && !l.starts_with("//")),
            "the page links to {l:?}"
        );
    }
    for bad in ["\"http://", "\"https://", "\"//"] {
        assert!(!html.contains(bad), "the page refers to {bad:?}");
    }
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let heading = format!(
                "<h3><code>{} {}</code></h3>",
                method.to_uppercase(),
                http_api::apidocs::escape(path)
            );
            assert!(html.contains(&heading), "{heading} is not on the page");
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(
                html.contains(&http_api::apidocs::escape(summary)),
                "the summary of {method} {path} is not on the page"
            );
        }
    }
    assert!(count > 40, "only {count} operations");
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "schema {name} is not on the page"
        );
    }
}
