//! Every response of every API test is checked against the OpenAPI document: the status must be one the
//! operation documents, and a JSON body must validate against the schema documented for that status (JSON
//! Schema 2020-12, which OpenAPI 3.1 uses). So the document cannot drift from what the server sends without
//! some test failing, and every test that drives a route also tests its documentation.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

struct Document {
    doc: Value,
    /// (method, path template split into segments) for every documented operation.
    operations: Vec<(String, Vec<String>, String)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        let doc = serde_json::to_value(http_api::openapi()).expect("document");
        let mut operations = Vec::new();
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                operations.push((
                    method.to_uppercase(),
                    template.split('/').map(str::to_string).collect(),
                    template.clone(),
                ));
            }
        }
        Document {
            doc,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// The documented template of a concrete path (`/api/v1/applications/abc` -> `/api/v1/applications/{id}`),
/// preferring literal segments over parameters.
fn template<'a>(d: &'a Document, method: &str, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('?').next().unwrap_or("").split('/').collect();
    d.operations
        .iter()
        .filter(|(m, t, _)| {
            m == method
                && t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .min_by_key(|(_, t, _)| t.iter().filter(|s| s.starts_with('{')).count())
        .map(|(_, _, name)| name.as_str())
}

fn validator(d: &Document, schema: &Value) -> Arc<jsonschema::Validator> {
    let key = schema.to_string();
    let mut cache = d.validators.lock().unwrap();
    cache
        .entry(key)
        .or_insert_with(|| {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "allOf": [schema],
                "components": d.doc["components"],
            });
            Arc::new(
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&root)
                    .unwrap_or_else(|e| {
                        panic!("the document's schema {schema} does not compile: {e}")
                    }),
            )
        })
        .clone()
}

/// Checks one response against the document. Paths outside `/api/v1` (pages, `/healthz`) and responses the
/// server gives before routing (405 on a known path, 404 of an unknown one) are not API operations.
#[track_caller]
pub fn check(method: &str, path: &str, status: u16, content_type: &str, body: &Value) {
    if !path.starts_with("/api/v1/")
        || path.starts_with("/api/v1/docs")
        || path == "/api/v1/openapi.json"
    {
        return;
    }
    let d = document();
    let Some(t) = template(d, method, path) else {
        // No such operation: only the router's own answers may come back.
        assert!(
            matches!(status, 404 | 405),
            "{method} {path} answered {status} but the document has no such operation"
        );
        return;
    };
    // Answers every operation can give before its handler runs are documented once, globally (see
    // docs/security.md): 401/403 for credentials, 413/408/431 for limits, 429 for throttling.
    if matches!(status, 408 | 413 | 415 | 429 | 431) {
        return;
    }
    let op = &d.doc["paths"][t][method.to_lowercase()];
    let responses = &op["responses"];
    let documented = &responses[status.to_string()];
    assert!(
        !documented.is_null(),
        "{method} {t} answered {status}, which the document does not list (documented: {:?}); body: {body}",
        responses.as_object().map(|o| o.keys().collect::<Vec<_>>())
    );
    let base = content_type.split(';').next().unwrap_or("").trim();
    if !base.ends_with("json") {
        return;
    }
    let Some(schema) = documented["content"][base]["schema"].as_object() else {
        panic!(
            "{method} {t} answered {status} as {base}, which the document does not list for that status: {documented}"
        );
    };
    let schema = Value::Object(schema.clone());
    let v = validator(d, &schema);
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {t} {status}: the body does not match the documented schema: {errors:#?}\nbody: {body}"
    );
}
