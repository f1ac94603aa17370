//! JSON Lines batch evaluation and every kind of bad input.

use serde_json::{json, Value};

fn run(input: &str) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let errors = policy::jsonl::evaluate_stream(input.as_bytes(), &mut out, policy::reference())
        .expect("io");
    let text = String::from_utf8(out).expect("utf8");
    (
        text.lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect(),
        errors,
    )
}

fn good() -> Value {
    json!({"id": "x", "as_of": "2022-01-10", "licence": "export", "control_entries": ["4.A.5"],
           "security_grade": "secret", "destination": "ae", "end_user_type": "government-intelligence"})
}

fn error_for(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v = good();
    edit(v.as_object_mut().expect("object"));
    let (rows, errors) = run(&v.to_string());
    assert_eq!(errors, 1, "{rows:?}");
    assert_eq!(rows[0]["id"], json!("x"));
    rows[0]["error"].as_str().expect("error string").to_string()
}

#[test]
fn good_line_has_the_output_fields() {
    let (rows, errors) = run(&good().to_string());
    assert_eq!(errors, 0);
    let r = &rows[0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "id",
        "outcome",
        "required_reviews",
        "required_documents",
        "target_working_days",
        "policy_version",
        "rules",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(r["outcome"], "licence-required");
    assert_eq!(r["policy_version"], "reference-2017.1");
    assert_eq!(
        r["required_reviews"],
        json!(["human-rights", "defence", "foreign-affairs"])
    );
}

#[test]
fn catch_all_is_optional_and_boolean() {
    let mut v = good();
    v["catch_all_notified"] = json!(true);
    v["control_entries"] = json!([]);
    let (rows, errors) = run(&v.to_string());
    assert_eq!(
        (errors, rows[0]["outcome"].as_str()),
        (0, Some("licence-required"))
    );
    v["catch_all_notified"] = json!(false);
    let (rows, _) = run(&v.to_string());
    assert_eq!(rows[0]["outcome"], "not-controlled");
}

#[test]
fn bad_inputs_name_the_field() {
    assert_eq!(
        error_for(|o| {
            o.insert("as_of".into(), json!("2019-13-01"));
        }),
        "as_of: \"2019-13-01\" is not a date (YYYY-MM-DD)"
    );
    assert!(error_for(|o| {
        o.insert("as_of".into(), json!("22/01/2020"));
    })
    .starts_with("as_of:"));
    assert!(error_for(|o| {
        o.insert("as_of".into(), json!("2016-12-31"));
    })
    .starts_with("as_of: 2016-12-31 is before"));
    assert_eq!(
        error_for(|o| {
            o.insert("destination".into(), json!("ZZ"));
        }),
        "destination: \"ZZ\" is not a known ISO 3166-1 alpha-2 country"
    );
    assert!(error_for(|o| {
        o.insert("destination".into(), json!("DEU"));
    })
    .starts_with("destination: \"DEU\" is not an ISO 3166-1"));
    assert_eq!(
        error_for(|o| {
            o.insert("control_entries".into(), json!(["4A005", "9X999"]));
        }),
        "control_entries: \"9X999\" is not a known control entry"
    );
    assert!(error_for(|o| {
        o.insert("colour".into(), json!("red"));
    })
    .starts_with("colour: unknown field"));
    assert_eq!(
        error_for(|o| {
            o.insert("licence".into(), json!(5));
        }),
        "licence: expected a string, got a number"
    );
    assert!(error_for(|o| {
        o.insert("licence".into(), json!("import"));
    })
    .starts_with("licence: \"import\" is not one of"));
    assert!(error_for(|o| {
        o.insert("security_grade".into(), json!("top-secret"));
    })
    .starts_with("security_grade:"));
    assert!(error_for(|o| {
        o.insert("end_user_type".into(), json!("government"));
    })
    .starts_with("end_user_type:"));
    assert!(error_for(|o| {
        o.insert("control_entries".into(), json!("4A005"));
    })
    .starts_with("control_entries: expected an array"));
    assert!(error_for(|o| {
        o.insert("control_entries".into(), json!([5]));
    })
    .starts_with("control_entries[0]: expected a string"));
    assert!(error_for(|o| {
        o.insert("catch_all_notified".into(), json!("yes"));
    })
    .starts_with("catch_all_notified: expected a boolean"));
    assert_eq!(
        error_for(|o| {
            o.remove("destination");
        }),
        "destination: missing"
    );
    assert!(error_for(|o| {
        o.remove("control_entries");
    })
    .starts_with("control_entries: missing"));
}

#[test]
fn broken_lines_continue_in_order() {
    let mut second = good();
    second["id"] = json!(2);
    let input = format!("{}\nnot json\n\n[1,2]\n{}\n", good(), second);
    let (rows, errors) = run(&input);
    assert_eq!(errors, 2);
    assert_eq!(
        rows.len(),
        4,
        "blank line skipped, one line out per request line"
    );
    assert_eq!(rows[0]["id"], "x");
    assert!(rows[1]["error"]
        .as_str()
        .unwrap()
        .starts_with("line: invalid JSON"));
    assert_eq!(rows[1]["id"], Value::Null);
    assert!(rows[2]["error"]
        .as_str()
        .unwrap()
        .contains("expected a JSON object"));
    assert_eq!(rows[3]["id"], 2);
    assert_eq!(rows[3]["outcome"], "licence-required");
}

/// Issue 8: like the API, a line without `as_of` is evaluated as of today, not refused.
#[test]
fn missing_as_of_means_today() {
    let mut without = good();
    without.as_object_mut().expect("object").remove("as_of");
    let mut today = good();
    today["as_of"] = json!(chrono::Utc::now().date_naive().to_string());
    let (rows, errors) = run(&format!("{without}\n{today}\n"));
    assert_eq!(errors, 0, "{rows:?}");
    assert_eq!(rows[0], rows[1]);
}
