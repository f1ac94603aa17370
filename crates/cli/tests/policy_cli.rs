//! End-to-end tests of `exportctl policy evaluate|check|impact`, spawning the built binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn exportctl(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exportctl");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait")
}

const SAMPLES: &str = r#"{"id":"a","as_of":"2019-08-22","licence":"marketing","control_entries":["4D004"],"security_grade":"restricted","destination":"DE","end_user_type":"government-law-enforcement"}
{"id":"b","as_of":"2022-01-10","licence":"export","control_entries":["4.A.5"],"security_grade":"secret","destination":"ae","end_user_type":"government-intelligence"}
{"id":"c","as_of":"2019-08-22","licence":"export","control_entries":["5A001.j"],"security_grade":"confidential","destination":"KP","end_user_type":"private"}
{"id":"d","as_of":"2019-08-22","licence":"export","control_entries":["9X999"],"security_grade":"secret","destination":"DE","end_user_type":"private"}
"#;

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn write_reference(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policy/reference");
    for entry in std::fs::read_dir(src).expect("reference dir") {
        let p = entry.expect("entry").path();
        std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
    }
}

#[test]
fn evaluate_file_writes_one_line_per_request_and_fails_on_a_bad_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, SAMPLES).expect("write");
    let out = exportctl(
        &[
            "policy",
            "evaluate",
            "--input",
            input.to_str().expect("utf8"),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = lines(&out);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(rows[0]["outcome"], "exempt");
    assert_eq!(rows[1]["outcome"], "licence-required");
    assert_eq!(
        rows[1]["required_reviews"],
        serde_json::json!(["human-rights", "defence", "foreign-affairs"])
    );
    assert_eq!(
        rows[1]["required_documents"],
        serde_json::json!(["end-user-declaration"])
    );
    assert_eq!(rows[2]["outcome"], "prohibited");
    assert_eq!(
        rows[3]["error"],
        "control_entries: \"9X999\" is not a known control entry"
    );
}

#[test]
fn evaluate_stdin_with_a_policy_dir_succeeds_when_all_lines_are_good() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_reference(dir.path());
    let good: String = SAMPLES.lines().take(3).map(|l| format!("{l}\n")).collect();
    let out = exportctl(
        &[
            "policy",
            "evaluate",
            "--policy",
            dir.path().to_str().expect("utf8"),
            "--input",
            "-",
        ],
        Some(&good),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out).len(), 3);
}

#[test]
fn check_reference_prints_ok() {
    let out = exportctl(&["policy", "check"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("OK ")
            && text.contains("reference-2017.1")
            && text.contains("sourced items"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn check_broken_dir_prints_file_line_reason_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_reference(dir.path());
    let rules = dir.path().join("rules.toml");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(
        &rules,
        text.replacen("when = \"embargoed\"", "when = \"embargoed &&\"", 1),
    )
    .expect("write");
    let line = text[..text.find("when = \"embargoed\"").expect("present")]
        .matches('\n')
        .count()
        + 1;
    let out = exportctl(
        &["policy", "check", dir.path().to_str().expect("utf8")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = format!(
        "{}:{line}: rule un-arms-embargo version 1: condition does not parse",
        rules.display()
    );
    assert!(stdout.starts_with(&want), "{stdout}\nwanted {want}");
}

#[test]
fn check_refuses_an_item_without_a_source_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_reference(dir.path());
    let path = dir.path().join("embargoes.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let er = text.find("country = \"ER\"").expect("ER");
    let start = er + text[er..].find("  [embargo.source]").expect("source");
    let end = start
        + text[start..]
            .find("  [embargo.ended_by]")
            .expect("ended_by");
    let mut broken = text.clone();
    broken.replace_range(start..end, "");
    std::fs::write(&path, &broken).expect("write");
    let line = broken[..broken.find("effective_from = 2009-12-23").expect("from")]
        .matches('\n')
        .count()
        + 1;
    let out = exportctl(
        &["policy", "check", dir.path().to_str().expect("utf8")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = format!(
        "{}:{line}: embargo on ER from 2009-12-23 has no source",
        path.display()
    );
    assert!(stdout.starts_with(&want), "{stdout}\nwanted {want}");
}

#[test]
fn impact_with_cases_file_reports_changes_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let staged = dir.path().join("staged");
    std::fs::create_dir(&staged).expect("mkdir");
    write_reference(&staged);
    // Staged: the exemption starts a year later.
    let rules = staged.join("rules.toml");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(
        &rules,
        text.replacen(
            "effective_from = 2018-08-01",
            "effective_from = 2019-08-01",
            1,
        ),
    )
    .expect("write");
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        r#"{"case_ref":"EX-1","decided":true,"request":{"as_of":"2019-01-10","licence":"marketing","control_entries":["4D004"],"security_grade":"restricted","destination":"FR","end_user_type":"private"}}
{"case_ref":"EX-2","decided":false,"request":{"as_of":"2020-01-10","licence":"marketing","control_entries":["4D004"],"security_grade":"restricted","destination":"FR","end_user_type":"private"}}
"#,
    )
    .expect("write");
    let out = exportctl(
        &[
            "policy",
            "impact",
            "--staged",
            staged.to_str().expect("utf8"),
            "--cases",
            cases.to_str().expect("utf8"),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["cases"], 2);
    assert_eq!(report["changed"], 1);
    assert_eq!(report["by_transition"]["exempt -> licence-required"], 1);
    assert_eq!(report["by_destination"]["FR"], 1);
    assert_eq!(report["by_control_entry"]["4D004"], 1);
    assert_eq!(report["affected"][0]["case_ref"], "EX-1");
}

/// Without `--cases`, impact replays the cases stored in the service database.
#[test]
fn impact_on_stored_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        data.join("exportctl.sqlite3").display()
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = store::Store::connect(&url).await.expect("store");
        let app = app::App::new(store, app::AppConfig::default())
            .await
            .expect("app");
        app.seed_demo_base().await.expect("demo");
        app.store.close().await;
    });
    let staged = dir.path().join("staged");
    std::fs::create_dir(&staged).expect("mkdir");
    write_reference(&staged);
    let rules = staged.join("rules.toml");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(
        &rules,
        text.replacen(
            "effect = { target_working_days = 20 }",
            "effect = { target_working_days = 15 }",
            1,
        ),
    )
    .expect("write");
    let out = exportctl(
        &[
            "policy",
            "impact",
            "--staged",
            staged.to_str().expect("utf8"),
            "--data-dir",
            data.to_str().expect("utf8"),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // The demo's submitted or decided cases (drafts are not replayed) give sixteen requests: one each, and four
    // for the partial decision (two products to two destinations). Eleven are 5A001.j marketing requests whose
    // target changes: open ones submitted, under review, in final review and countersigning; decided ones
    // issued, surrendered, exhausted, superseded, the variation issued in its place, and the partial
    // decision's monitor to France and to Germany. The other five need no licence or are not marketing
    // requests and do not change.
    assert_eq!(report["cases"], 16, "{report}");
    assert_eq!(report["changed"], 11);
    assert_eq!(report["changed_decided"], 7);
    assert_eq!(report["changed_open"], 4);
    assert!(report["affected"][0]["changes"]
        .as_array()
        .expect("changes")
        .contains(&serde_json::json!("target_working_days")));
}
