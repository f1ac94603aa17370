//! The OpenAPI document against the server: every value the document allows is accepted, every value the
//! server accepts is in the document. Values are generated from the document itself, so a client generated
//! from it makes valid calls.

use crate::common::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Resolves a local `$ref` (`#/components/schemas/Name`).
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn is_null_schema(s: &Value) -> bool {
    s.get("type") == Some(&json!("null"))
}

/// A valid example value for `schema`: its example, its first enum value, or a value of its type. Optional
/// object members are left out; `oneOf` takes its first non-null variant.
pub fn sample(doc: &Value, schema: &Value) -> Value {
    let s = resolve(doc, schema);
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(v) = s.get("enum").and_then(Value::as_array) {
        return v[0].clone();
    }
    if let Some(variants) = s.get("oneOf").and_then(Value::as_array) {
        let v = variants.iter().find(|v| !is_null_schema(v)).unwrap();
        return sample(doc, v);
    }
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        let mut out = Map::new();
        for p in parts {
            if let Value::Object(m) = sample(doc, p) {
                out.extend(m);
            }
        }
        return Value::Object(out);
    }
    let ty = match &s["type"] {
        Value::Array(ts) => ts
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or(json!("null")),
        t => t.clone(),
    };
    match ty.as_str().unwrap_or("object") {
        "string" => match s["format"].as_str() {
            Some("date") => json!("2031-01-01"),
            Some("date-time") => json!("2031-01-01T00:00:00Z"),
            _ => json!("x"),
        },
        "integer" => json!(s["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(0.5),
        "boolean" => json!(true),
        "array" => json!([sample(doc, &s["items"])]),
        "null" => Value::Null,
        _ => {
            let mut out = Map::new();
            for r in s["required"].as_array().into_iter().flatten() {
                let name = r.as_str().unwrap();
                out.insert(name.into(), sample(doc, &s["properties"][name]));
            }
            Value::Object(out)
        }
    }
}

/// A place in a request body where the document offers a choice: a JSON pointer, the field name the server
/// reports for it, and every value the document allows there.
#[derive(Debug)]
pub struct Choice {
    pointer: String,
    field: String,
    values: Vec<Value>,
}

/// Every choice in a body of `schema` as [`sample`] builds it, including optional members (which are added
/// to the sample when chosen).
pub fn choices(doc: &Value, schema: &Value, pointer: &str, field: &str, out: &mut Vec<Choice>) {
    let s = resolve(doc, schema);
    if let Some(v) = s.get("enum").and_then(Value::as_array) {
        if v.len() < 2 {
            return; // a constant (a variant's tag): the variant's sample has it
        }
        out.push(Choice {
            pointer: pointer.into(),
            field: field.into(),
            values: v.clone(),
        });
        return;
    }
    if let Some(variants) = s.get("oneOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = variants.iter().filter(|v| !is_null_schema(v)).collect();
        if non_null.len() > 1 {
            out.push(Choice {
                pointer: pointer.into(),
                field: field.into(),
                values: non_null.iter().map(|v| sample(doc, v)).collect(),
            });
        }
        for v in non_null {
            choices(doc, v, pointer, field, out);
        }
        return;
    }
    for p in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        choices(doc, p, pointer, field, out);
    }
    if s["type"] == "array"
        || s["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("array")))
    {
        choices(
            doc,
            &s["items"],
            &format!("{pointer}/0"),
            &format!("{field}[0]"),
            out,
        );
    }
    for (name, p) in s["properties"].as_object().into_iter().flatten() {
        let f = if field.is_empty() {
            name.clone()
        } else {
            format!("{field}.{name}")
        };
        choices(doc, p, &format!("{pointer}/{name}"), &f, out);
    }
}

/// Sets `value` at `pointer`, creating the members on the way from the schema's samples.
fn set_at(doc: &Value, schema: &Value, body: &mut Value, pointer: &str, value: Value) {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut cur = body;
    let mut s = schema.clone();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        // Find the schema of the member on the way (through refs, nullable oneOf and allOf).
        let mut here = resolve(doc, &s).clone();
        if let Some(v) = here.get("oneOf").and_then(Value::as_array) {
            here = resolve(doc, v.iter().find(|v| !is_null_schema(v)).unwrap()).clone();
        }
        let member_schema = if let Ok(idx) = part.parse::<usize>() {
            let _ = idx;
            here["items"].clone()
        } else if let Some(parts) = here.get("allOf").and_then(Value::as_array) {
            parts
                .iter()
                .map(|p| resolve(doc, p)["properties"][*part].clone())
                .find(|p| !p.is_null())
                .unwrap_or(Value::Null)
        } else {
            here["properties"][*part].clone()
        };
        if last {
            match cur {
                // An example may hold an empty array: the chosen value becomes its element.
                Value::Array(a) if a.is_empty() => a.push(value),
                Value::Array(a) => a[0] = value,
                Value::Object(m) => {
                    m.insert((*part).into(), value);
                }
                _ => panic!("cannot set {pointer}"),
            }
            return;
        }
        let next = match cur {
            Value::Array(a) => {
                if a.is_empty() {
                    a.push(sample(doc, &member_schema));
                }
                &mut a[0]
            }
            Value::Object(m) => m
                .entry(part.to_string())
                .or_insert_with(|| sample(doc, &member_schema)),
            _ => panic!("cannot descend into {pointer}"),
        };
        if next.is_null() {
            *next = sample(doc, &member_schema);
        }
        cur = next;
        s = member_schema;
    }
}

/// The operations with a JSON request body: (method, path with placeholders filled, body schema, the
/// body's example if it has one).
fn json_operations(doc: &Value) -> Vec<(String, String, Value, Option<Value>)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let content = &op["requestBody"]["content"]["application/json"];
            if let Some(schema) = content.get("schema") {
                let concrete = path
                    .replace("{id}", "x1")
                    .replace("{hit}", "h1")
                    .replace("{format}", "ofac-csv");
                ops.push((
                    method.to_uppercase(),
                    concrete,
                    schema.clone(),
                    content.get("example").cloned(),
                ));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_value_the_document_allows_is_accepted() {
    let t = TestApp::start(Backend::Sqlite).await;
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (method, path, schema, example) in json_operations(&doc) {
        let base = example.unwrap_or_else(|| sample(&doc, &schema));
        let mut bodies = vec![("body".to_string(), base.clone())];
        let mut cs = Vec::new();
        choices(&doc, &schema, "", "", &mut cs);
        for c in &cs {
            for v in &c.values {
                let mut b = base.clone();
                set_at(&doc, &schema, &mut b, &c.pointer, v.clone());
                bodies.push((c.field.clone(), b));
            }
        }
        for (field, body) in bodies {
            let r = t
                .send(&method, &t.admin, &path, &Payload::Json(body.clone()))
                .await;
            checked += 1;
            let rejected_shape = r.status == 400
                || (r.status == 422
                    && (r.body["field"] == json!(field)
                        || r.body["detail"].as_str().is_some_and(|d| {
                            d.contains("unknown variant")
                                || d.contains("missing field")
                                || d.contains("invalid type")
                        })));
            if rejected_shape {
                failures.push(format!("{method} {path} {body}: {} {}", r.status, r.body));
            }
        }
    }
    assert!(checked > 100, "only {checked} bodies were generated");
    assert!(
        failures.is_empty(),
        "the server rejects values the document allows:\n{}",
        failures.join("\n")
    );
}

/// The vocabularies the server accepts, each as the document must show it.
fn server_vocabularies() -> Vec<(&'static str, Vec<Value>)> {
    fn wire<T: serde::Serialize>(all: &[T]) -> Vec<Value> {
        all.iter()
            .map(|v| serde_json::to_value(v).unwrap())
            .collect()
    }
    use domain::*;
    vec![
        ("LicenceKind", wire(LicenceKind::ALL)),
        ("SecurityGrade", wire(SecurityGrade::ALL)),
        ("EndUserType", wire(EndUserType::ALL)),
        ("ReviewKind", wire(ReviewKind::ALL)),
        ("Outcome", wire(Outcome::ALL)),
        ("Role", wire(Role::ALL)),
        ("RefusalCriterion", wire(RefusalCriterion::ALL)),
        ("AdviceRecommendation", wire(AdviceRecommendation::ALL)),
        ("RegistrationState", wire(RegistrationState::ALL)),
        ("DueDiligenceItem", wire(DueDiligenceItem::ALL)),
        ("RedFlag", wire(RedFlag::ALL)),
        ("CaseState", wire(CaseState::ALL)),
        ("LicenceState", wire(app::licences::LicenceState::ALL)),
        ("FactKind", wire(stats::FactKind::ALL)),
        ("FactOutcome", wire(stats::FactOutcome::ALL)),
        ("NameKind", wire(lists::NameKind::ALL)),
        ("NameQuality", wire(lists::NameQuality::ALL)),
        ("HitConsequence", wire(lists::HitConsequence::ALL)),
        ("NoteVisibility", wire(app::notes::NoteVisibility::ALL)),
        ("ShipmentStatus", wire(app::shipments::ShipmentStatus::ALL)),
        ("AppealOutcome", wire(app::model::AppealOutcome::ALL)),
        ("CatchAllBasis", wire(app::catch_all::CatchAllBasis::ALL)),
        ("ExemptionState", wire(app::model::ExemptionState::ALL)),
        ("OfficerGrade", wire(OfficerGrade::ALL)),
        ("FinalOutcome", wire(app::final_advice::FinalOutcome::ALL)),
        (
            "CountersignDecision",
            wire(app::final_advice::CountersignDecision::ALL),
        ),
        (
            "DocumentVisibility",
            wire(app::documents::DocumentVisibility::ALL),
        ),
        ("ScanStatus", wire(app::documents::ScanStatus::ALL)),
        (
            "ObligationState",
            wire(app::monitoring::reports::ObligationState::ALL),
        ),
        ("CheckKind", wire(app::monitoring::checks::CheckKind::ALL)),
        (
            "CheckOutcome",
            wire(app::monitoring::checks::CheckOutcome::ALL),
        ),
        (
            "SourceKind",
            wire(app::monitoring::evidence::SourceKind::ALL),
        ),
        (
            "ReassessmentOutcome",
            wire(app::monitoring::evidence::ReassessmentOutcome::ALL),
        ),
        ("AuditKind", wire(app::monitoring::audits::AuditKind::ALL)),
        ("RiskRating", wire(app::monitoring::audits::RiskRating::ALL)),
        ("Severity", wire(app::monitoring::audits::Severity::ALL)),
        (
            "VerificationOutcome",
            wire(app::documents::VerificationOutcome::ALL),
        ),
    ]
}

#[tokio::test]
async fn every_value_the_server_accepts_is_in_the_document() {
    let t = TestApp::start(Backend::Sqlite).await;
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let vocab = server_vocabularies();
    for (name, values) in &vocab {
        assert_eq!(
            schemas[*name]["enum"].as_array(),
            Some(values),
            "{name}: the document's values differ from the server's"
        );
    }
    // Every named enum of the document is one of the vocabularies checked here.
    let named: BTreeSet<&str> = schemas
        .iter()
        .filter(|(_, s)| s.get("enum").is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    let known: BTreeSet<&str> = vocab.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        named, known,
        "an enum in the document is not checked against the server's values"
    );
}
