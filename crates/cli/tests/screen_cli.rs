//! `exportctl screen` end to end on the shipped UN list (fails when ../shared is absent).
use std::io::Write;
use std::process::{Command, Stdio};

const UN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/sanctions/un_sc/UN_consolidated.xml"
);

fn run(args: &[&str], input: &str) -> (i32, Vec<serde_json::Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .arg("screen")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shipped UN list must be there: a missing file fails the test rather than skipping it.
fn have_data() {
    assert!(
        std::path::Path::new(UN).exists(),
        "{UN} is missing: the tests read ../shared/data/sanctions beside the checkout"
    );
}

#[test]
fn listed_name_found_unlisted_not() {
    have_data();
    let list = format!("un-sc-xml:{UN}");
    let input = concat!(
        r#"{"id":"q1","name":"Saddam Hussein al-Tikriti","kind":"person"}"#,
        "\n",
        r#"{"id":"q2","name":"Margaret Ostrowska-Lindqvist","kind":"person","birth_date":"1981-05-02"}"#,
        "\n",
        r#"{"id":3,"name":"صدام حسين التكريتي"}"#,
        "\n"
    );
    let (code, lines, err) = run(&["--list", &list, "--input", "-"], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "q1");
    let top = &lines[0]["matches"][0];
    assert_eq!(top["source_id"], "IQi.001");
    assert_eq!(top["list"], "un-sc-xml");
    assert!(top["score"].as_f64().unwrap() >= screening::DEFAULT_THRESHOLD);
    assert!(top["explanation"]["tokens"].as_array().unwrap().len() >= 3);
    assert_eq!(lines[1]["matches"], serde_json::json!([]));
    assert_eq!(lines[2]["id"], 3);
    assert_eq!(lines[2]["matches"][0]["source_id"], "IQi.001");
    // The original-script variant matched; the entry's primary listed name says whom it belongs to.
    assert_eq!(lines[2]["matches"][0]["name"], "صدام حسين التكريتي");
    assert_eq!(
        lines[2]["matches"][0]["primary_name"],
        "SADDAM HUSSEIN AL-TIKRITI"
    );
    assert!(lines[0].get("warnings").is_none(), "no warnings, no field");
    // limit and threshold
    let (_, lines, _) = run(
        &[
            "--list",
            &list,
            "--input",
            "-",
            "--limit",
            "1",
            "--threshold",
            "0.5",
        ],
        input,
    );
    assert_eq!(lines[0]["matches"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_lines_get_field_errors_in_order() {
    have_data();
    let list = format!("un-sc-xml:{UN}");
    let long = "x".repeat(10_000);
    let input = [
        r#"{"id":"a","name":""}"#.to_string(),
        format!(r#"{{"id":"b","name":"{long}"}}"#),
        r#"{"id":"c","name":"Saddam\u0007 Hussein","birth_date":"1937-02-30"}"#.to_string(),
        r#"{"id":"d","name":"Saddam Hussein","countries":["ZZ"]}"#.to_string(),
        r#"{"id":"e","name":"Saddam Hussein","kind":"robot"}"#.to_string(),
        r#"{"id":"f","name":"#.to_string(),
        String::new(),
        r#"{"id":"g","name":"Saddam\u0000 Hussein صدام Путин"}"#.to_string(),
    ]
    .join("\n");
    let (code, lines, _) = run(&["--list", &list, "--input", "-"], &input);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 7, "blank line skipped");
    let errs: Vec<&str> = lines
        .iter()
        .map(|l| l["error"].as_str().unwrap_or(""))
        .collect();
    assert!(errs[0].starts_with("name: empty"));
    assert!(errs[1].starts_with("name: 10000 characters"));
    // A malformed qualifier never keeps the name from being screened: a warning names the field.
    for (i, field) in [(2, "birth_date"), (3, "countries"), (4, "kind")] {
        assert_eq!(errs[i], "", "{}", lines[i]);
        assert_eq!(
            lines[i]["matches"][0]["source_id"], "IQi.001",
            "{}",
            lines[i]
        );
        assert_eq!(lines[i]["warnings"][0]["field"], field, "{}", lines[i]);
    }
    assert!(errs[5].starts_with("json:"));
    assert_eq!(lines[5]["id"], serde_json::Value::Null);
    assert_eq!(lines[6]["id"], "g");
    assert!(lines[6]["matches"].is_array());
}

#[test]
fn bad_list_argument_is_an_error() {
    let (code, _, err) = run(&["--list", "nonsense", "--input", "-"], "");
    assert_eq!(code, 2);
    assert!(err.contains("FORMAT:PATH"), "{err}");
    let (code, _, err) = run(
        &["--list", "un-sc-xml:/nonexistent.xml", "--input", "-"],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("importing"), "{err}");
}

/// Issue 8: `screen --help` shows the threshold's and the limit's default values.
#[test]
fn help_shows_the_defaults() {
    let out = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(["screen", "--help"])
        .output()
        .expect("run exportctl");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let threshold = format!("[default: {}]", screening::DEFAULT_THRESHOLD);
    let limit = format!("[default: {}]", screening::DEFAULT_LIMIT);
    assert!(help.contains(&threshold), "{help}");
    assert!(help.contains(&limit), "{help}");
}
