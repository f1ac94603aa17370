//! `check` diagnostics: broken policies report file, line and reason for every problem.

mod common;
use common::*;
use policy::{Diagnostic, PolicySet};

fn diags(files: Vec<(String, String)>) -> Vec<Diagnostic> {
    let d = PolicySet::check_files(files);
    assert!(!d.is_empty(), "expected diagnostics");
    d
}

/// Asserts one diagnostic in `file` at the line of `needle` whose message contains `text`.
fn has(d: &[Diagnostic], files: &[(String, String)], file: &str, needle: &str, text: &str) {
    // An empty `text` would match any message: say what the diagnostic must say.
    assert!(!text.is_empty(), "no expected message for {file}:{needle}");
    let line = line_of(files, file, needle);
    assert!(
        d.iter()
            .any(|x| x.file == file && x.line == line && x.message.contains(text)),
        "no diagnostic {file}:{line} containing {text:?} in {d:#?}"
    );
}

#[test]
fn reference_policy_checks_clean() {
    assert_eq!(
        PolicySet::check_files(policy::reference_files()),
        Vec::new()
    );
}

#[test]
fn load_dir_reads_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in policy::reference_files() {
        std::fs::write(dir.path().join(name), content).expect("write");
    }
    std::fs::write(dir.path().join("README.txt"), "not toml, ignored").expect("write");
    let set = PolicySet::load_dir(dir.path()).expect("loads");
    assert_eq!(set.version(), "reference-2017.1");
    assert!(PolicySet::load_dir(dir.path().join("missing")).is_err());
}

#[test]
fn unknown_field_is_reported_with_its_line() {
    let files = reference_with(&[(
        "rules.toml",
        "title = \"Defence review\"",
        "title = \"Defence review\"\ncolour = \"red\"",
    )]);
    let d = diags(files.clone());
    has(&d, &files, "rules.toml", "colour", "unknown field `colour`");
}

#[test]
fn unknown_section_is_reported() {
    let files = reference_with(&[(
        "policy.toml",
        "[policy]",
        "[sanctions]\nall = true\n\n[policy]",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "policy.toml",
        "[sanctions]",
        "unknown section `sanctions`",
    );
}

#[test]
fn unknown_references_are_reported() {
    let files = reference_with(&[
        ("assessments.toml", "country = \"AT\"", "country = \"XA\""),
        ("embargoes.toml", "country = \"SS\"", "country = \"QQ\""),
        ("wassenaar.toml", "country = \"AR\"", "country = \"Ar\""),
        (
            "rules.toml",
            "effect = { document = \"end-user-declaration\" }",
            "effect = { document = \"end-use-cert\" }",
        ),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "assessments.toml",
        "country = \"XA\"",
        "unknown country \"XA\"",
    );
    has(
        &d,
        &files,
        "embargoes.toml",
        "country = \"QQ\"",
        "unknown country \"QQ\"",
    );
    has(
        &d,
        &files,
        "wassenaar.toml",
        "country = \"Ar\"",
        "unknown country \"Ar\"",
    );
    has(
        &d,
        &files,
        "rules.toml",
        "end-use-cert",
        "unknown document \"end-use-cert\"",
    );
    assert_eq!(d.len(), 4, "{d:#?}");
}

#[test]
fn conditions_naming_unknown_countries_entries_or_values_are_reported() {
    let files = reference_with(&[
        (
            "rules.toml",
            "when = \"embargoed\"",
            "when = \"embargoed || destination == 'XK'\"",
        ),
        (
            "rules.toml",
            "when = \"licence == 'marketing'\"",
            "when = \"licence == 'marketting'\"",
        ),
        (
            "rules.toml",
            "when = \"security_grade in ['confidential', 'secret']\"",
            "when = \"'4.A.5' in control_entries\"",
        ),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "rules.toml",
        "'XK'",
        "'XK', which is not a value of destination",
    );
    has(
        &d,
        &files,
        "rules.toml",
        "'marketting'",
        "not a value of licence",
    );
    has(
        &d,
        &files,
        "rules.toml",
        "'4.A.5' in control_entries",
        "alias '4.A.5'",
    );
}

#[test]
fn conditions_that_do_not_parse_or_compile_are_reported() {
    let files = reference_with(&[
        (
            "rules.toml",
            "when = \"embargoed\"",
            "when = \"embargoed &&\"",
        ),
        (
            "rules.toml",
            "when = \"!listed && !catch_all_notified\"",
            "when = \"!listd\"",
        ),
        (
            "rules.toml",
            "when = \"licence == 'export'\"",
            "when = \"tier + 1\"",
        ),
        (
            "rules.toml",
            "when = \"licence == 'export' && !wassenaar\"",
            "when = \"tier == 'high'\"",
        ),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "rules.toml",
        "\"embargoed &&\"",
        "does not parse",
    );
    has(&d, &files, "rules.toml", "!listd", "unknown fact `listd`");
    has(&d, &files, "rules.toml", "tier + 1", "instead of a bool");
    has(
        &d,
        &files,
        "rules.toml",
        "tier == 'high'",
        "no string-valued fact",
    );
}

#[test]
fn overlapping_and_gapped_versions_are_reported() {
    let files = reference_with(&[
        // AE: tier 2 through 2021-11-25 overlaps tier 3 from 2021-11-25.
        (
            "assessments.toml",
            "effective_through = 2021-11-24",
            "effective_through = 2021-11-25",
        ),
        // Human-rights review: v1 ends 2021-11-23, v2 starts 2021-11-25 -> gap.
        (
            "rules.toml",
            "effective_through = 2021-11-24",
            "effective_through = 2021-11-23",
        ),
        // Two overlapping IR embargo periods.
        (
            "embargoes.toml",
            "effective_through = 2020-10-18",
            "effective_through = 2025-10-18",
        ),
    ]);
    let d = diags(files.clone());
    let ae = files.iter().find(|f| f.0 == "assessments.toml").unwrap();
    let ae_v2 = ae.1.find("country = \"AE\"").unwrap();
    let ae_v2_from = ae_v2 + ae.1[ae_v2..].find("effective_from = 2021-11-25").unwrap();
    let line = ae.1[..ae_v2_from].matches('\n').count() + 1; // second version's effective_from
    assert!(
        d.iter().any(|x| x.file == "assessments.toml"
            && x.line == line
            && x.message
                .contains("assessment of AE: version from 2021-11-25 overlaps")),
        "{d:#?}"
    );
    has(
        &d,
        &files,
        "rules.toml",
        "effective_from = 2021-11-25",
        "rule human-rights-review: gap between the version ending 2021-11-23",
    );
    has(
        &d,
        &files,
        "embargoes.toml",
        "effective_from = 2025-09-28",
        "embargo on IR: version from 2025-09-28 overlaps",
    );
}

#[test]
fn malformed_dates_are_reported() {
    let files = reference_with(&[(
        "rules.toml",
        "effective_from = 2018-08-01",
        "effective_from = \"2018-08-01\"",
    )]);
    let d = diags(files.clone());
    has(&d, &files, "rules.toml", "\"2018-08-01\"", "datetime");

    let files = reference_with(&[(
        "rules.toml",
        "effective_from = 2018-08-01",
        "effective_from = 2018-02-30",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "rules.toml",
        "2018-02-30",
        "invalid date, expected day between 01 and 28",
    );

    let files = reference_with(&[(
        "rules.toml",
        "effective_from = 2018-08-01",
        "effective_from = 2018-08-01T10:00:00",
    )]);
    let d = diags(files.clone());
    has(&d, &files, "rules.toml", "2018-08-01T10", "without a time");

    let files = reference_with(&[(
        "assessments.toml",
        "effective_through = 2021-11-24",
        "effective_through = 2021-11-35",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "assessments.toml",
        "2021-11-35",
        "invalid date, expected day between 01 and 30",
    );
}

#[test]
fn wrong_types_and_values_are_reported() {
    let files = reference_with(&[
        ("assessments.toml", "tier = 4", "tier = 5"),
        (
            "rules.toml",
            "effect = { review = \"defence\" }",
            "effect = { review = \"army\" }",
        ),
        (
            "control-entries.toml",
            "cyber_surveillance = false",
            "cyber_surveillance = \"no\"",
        ),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "assessments.toml",
        "tier = 5",
        "tier 5 is not 1, 2, 3 or 4",
    );
    has(&d, &files, "rules.toml", "\"army\"", "army");
    has(&d, &files, "control-entries.toml", "\"no\"", "invalid type");
}

#[test]
fn duplicates_and_missing_parts_are_reported() {
    let files = reference_with(&[
        (
            "rules.toml",
            "id = \"defence-review\"",
            "id = \"un-arms-embargo\"",
        ),
        (
            "control-entries.toml",
            "aliases = [\"5.D.2\"]",
            "aliases = [\"4.A.5\"]",
        ),
        ("countries.toml", "code = \"AF\"", "code = \"AD\""),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "rules.toml",
        "id = \"un-arms-embargo\"\ntitle = \"Defence",
        "used twice",
    );
    has(
        &d,
        &files,
        "control-entries.toml",
        "aliases = [\"4.A.5\"]\nlist = \"Wassenaar Arrangement Dual-Use List, Cat. 5",
        "used twice",
    );
    assert!(d
        .iter()
        .any(|x| x.message.contains("country AD listed twice")));

    let no_manifest: Vec<_> = policy::reference_files()
        .into_iter()
        .filter(|f| f.0 != "policy.toml")
        .collect();
    let d = PolicySet::check_files(no_manifest);
    assert!(
        d.iter().any(|x| x.message.contains("no [policy] manifest")),
        "{d:#?}"
    );
}

#[test]
fn all_problems_are_reported_at_once_across_files() {
    let files = reference_with(&[
        (
            "rules.toml",
            "title = \"Defence review\"",
            "title = \"Defence review\"\ncolour = \"red\"",
        ),
        ("assessments.toml", "country = \"AT\"", "country = \"XA\""),
        (
            "rules.toml",
            "when = \"embargoed\"",
            "when = \"embargoed &&\"",
        ),
        ("embargoes.toml", "country = \"SS\"", "country = \"QQ\""),
    ]);
    let d = diags(files);
    assert_eq!(d.len(), 4, "{d:#?}");
    assert!(d.iter().all(|x| x.line > 0));
    let shown = d[0].to_string();
    assert!(
        shown.contains(".toml:") && shown.matches(':').count() >= 2,
        "{shown}"
    );
}

#[test]
fn toml_syntax_errors_are_reported_with_a_line() {
    let files = reference_with(&[(
        "embargoes.toml",
        "[[embargo]]\ncountry = \"LY\"",
        "[[embargo]]\ncountry = LY",
    )]);
    let d = diags(files.clone());
    has(&d, &files, "embargoes.toml", "country = LY", "TOML syntax");
}

#[test]
fn fixture_directory_on_disk_reports_problems() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken");
    let err = PolicySet::load_dir(&dir).expect_err("broken fixture");
    let d = err.diagnostics();
    assert!(
        d.iter().any(|x| x.file == "rules.toml"
            && x.line == 9
            && x.message.contains("unknown fact `tierr`")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|x| x.file == "data.toml"
            && x.line == 10
            && x.message.contains("unknown country \"XX\"")),
        "{d:#?}"
    );
}

#[test]
fn a_minimal_policy_with_interpreted_conditions_evaluates() {
    // A small policy in one file, with a condition over `control_entries` (interpreted per request, not tabled).
    let text = r#"
[policy]
version = "mini-1"
effective_from = 2020-01-01

[[country]]
code = "DE"
name = "Germany"

[[country]]
code = "FR"
name = "France"

[[control_entry]]
code = "4A005"
aliases = ["4.A.5"]
  [[control_entry.version]]
  effective_from = 2020-01-01
  title = "Intrusion platforms"
  cyber_surveillance = true
    [control_entry.version.source]
    document = "test"
    article = "entry"
    date = 2020-01-01
    url = "https://example.org/list"
    [control_entry.version.flag_source]
    document = "test"
    article = "flag"
    date = 2020-01-01
    url = "https://example.org/list"

[default_assessment]
  [[default_assessment.version]]
  effective_from = 2020-01-01
  tier = 1
  rationale = "all fine"
    [default_assessment.version.source]
    document = "test"
    article = "assessment"
    date = 2020-01-01
    url = "https://example.org/assessment"

[[rule]]
id = "intrusion-to-france"
effect = { outcome = "prohibited" }
  [[rule.version]]
  version = 1
  effective_from = 2020-01-01
  when = "control_entries.exists(c, c == '4A005') && destination == 'FR'"
  reason = "intrusion platforms may not go to FR in this test"

[[rule]]
id = "else"
effect = { outcome = "licence-required" }
  [[rule.version]]
  version = 1
  effective_from = 2020-01-01
  when = "true"
  reason = "everything else"
"#;
    let set = PolicySet::load_files(vec![("mini.toml".into(), text.into())]).expect("valid");
    let mut r = req().on("2021-01-01").to("FR").0;
    let d = policy::evaluate(&r, &set).expect("ok");
    assert_eq!(d.outcome, domain::Outcome::Prohibited);
    assert!(
        d.rules[0].reason.contains("control_entries=[4A005]"),
        "{}",
        d.rules[0].reason
    );
    r.destination = domain::CountryCode::parse("DE").unwrap();
    assert_eq!(
        policy::evaluate(&r, &set).expect("ok").outcome,
        domain::Outcome::LicenceRequired
    );
    r.as_of = date("2019-12-31");
    assert!(policy::evaluate(&r, &set).is_err());
}

/// Removes the first `[<table>]` block (header and its indented lines) after `anchor` in `file`.
fn without_block(
    files: &mut [(String, String)],
    file: &str,
    anchor: &str,
    table: &str,
) -> (String, usize) {
    let text = &mut files.iter_mut().find(|(n, _)| n == file).expect("file").1;
    let a = text.find(anchor).expect("anchor");
    let start = a + text[a..].find(&format!("[{table}]")).expect("table");
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    while end < text.len() {
        let next = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        let line = &text[end..next];
        if line.trim_start().starts_with('[')
            || line.trim().is_empty()
            || !line.starts_with("    ") && !line.starts_with("  ")
        {
            break;
        }
        end = next;
    }
    let removed = text[line_start..end].to_string();
    text.replace_range(line_start..end, "");
    (removed, line_start)
}

#[test]
fn every_item_without_a_source_is_refused_naming_the_item() {
    let mut files = policy::reference_files();
    without_block(
        &mut files,
        "embargoes.toml",
        "country = \"ER\"",
        "embargo.source",
    );
    without_block(
        &mut files,
        "control-entries.toml",
        "code = \"5A004.b\"",
        "control_entry.version.source",
    );
    without_block(
        &mut files,
        "control-entries.toml",
        "code = \"5A002\"",
        "control_entry.version.flag_source",
    );
    without_block(
        &mut files,
        "assessments.toml",
        "country = \"FR\"",
        "assessment.version.source",
    );
    without_block(
        &mut files,
        "wassenaar.toml",
        "country = \"IN\"",
        "wassenaar_participant.source",
    );
    without_block(
        &mut files,
        "holidays-2024.toml",
        "year = 2024",
        "holiday_year.source",
    );
    without_block(&mut files, "calendar.toml", "[calendar]", "calendar.source");
    let d = diags(files.clone());
    for (file, needle, item) in [
        (
            "embargoes.toml",
            "effective_from = 2009-12-23",
            "embargo on ER from 2009-12-23 has no source",
        ),
        (
            "control-entries.toml",
            "effective_from = 2020-12-15",
            "control entry 5A004.b version from 2020-12-15 has no source",
        ),
        (
            "assessments.toml",
            "country = \"FR\"",
            "assessment of FR version from 2017-01-01 has no source",
        ),
        (
            "wassenaar.toml",
            "effective_from = 2017-12-08",
            "Wassenaar participation of IN from 2017-12-08 has no source",
        ),
        (
            "holidays-2024.toml",
            "year = 2024",
            "holidays of 2024 has no source",
        ),
        ("calendar.toml", "time_zone", "the calendar has no source"),
    ] {
        let line = if file == "assessments.toml" {
            let text = &files.iter().find(|(n, _)| n == file).unwrap().1;
            let at = text.find(needle).unwrap();
            let from = at + text[at..].find("effective_from").unwrap();
            text[..from].matches('\n').count() + 1
        } else if file == "control-entries.toml" {
            let text = &files.iter().find(|(n, _)| n == file).unwrap().1;
            let at = text.find("code = \"5A004.b\"").unwrap();
            let from = at + text[at..].find(needle).unwrap();
            text[..from].matches('\n').count() + 1
        } else {
            line_of(&files, file, needle)
        };
        assert!(
            d.iter()
                .any(|x| x.file == file && x.line == line && x.message.contains(item)),
            "no {file}:{line} {item:?} in {d:#?}"
        );
    }
    assert!(
        d.iter().any(|x| x.file == "control-entries.toml"
            && x.message.contains("control entry 5A002 version from 2017-01-01 (cyber_surveillance flag, flag_source) has no source")),
        "{d:#?}"
    );
    assert_eq!(d.len(), 7, "{d:#?}");
}

#[test]
fn malformed_sources_and_embargo_shapes_are_reported() {
    let files = reference_with(&[
        ("embargoes.toml", "url = \"https://undocs.org/S/RES/1718(2006)\"", "url = \"undocs.org/S/RES/1718\""),
        ("embargoes.toml", "article = \"operative paragraph 9: arms embargo on Libya\"", "article = \" \""),
        (
            "embargoes.toml",
            "kind = \"partial\"\napplies_to = \"non-governmental entities and individuals operating in the Democratic Republic of the Congo\"",
            "kind = \"partial\"",
        ),
        ("embargoes.toml", "country = \"SS\"\nkind = \"full\"", "country = \"SS\"\nkind = \"total\""),
        ("assessments.toml", "illustrative = \"the authority's own country assessments are not public; tier 1 for EU member states is this reference policy's choice\"", "illustrative = \"\""),
    ]);
    let d = diags(files.clone());
    has(&d, &files, "embargoes.toml", "url = \"undocs.org", "embargo on KP from 2006-10-14: source url \"undocs.org/S/RES/1718\" is not an http(s) address");
    has(
        &d,
        &files,
        "embargoes.toml",
        "article = \" \"",
        "embargo on LY from 2011-02-26: source article must not be empty",
    );
    has(
        &d,
        &files,
        "embargoes.toml",
        "kind = \"partial\"\neffective_from = 2008-03-31",
        "embargo on CD from 2008-03-31: a partial embargo needs applies_to",
    );
    has(
        &d,
        &files,
        "embargoes.toml",
        "kind = \"total\"",
        "unknown variant `total`",
    );
    has(
        &d,
        &files,
        "assessments.toml",
        "illustrative = \"\"",
        "assessment of AT version from 2017-01-01: source illustrative must say why",
    );
}

#[test]
fn an_ended_embargo_needs_the_source_that_ended_it() {
    let mut files = policy::reference_files();
    without_block(
        &mut files,
        "embargoes.toml",
        "country = \"ER\"",
        "embargo.ended_by",
    );
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "embargoes.toml",
        "effective_from = 2009-12-23",
        "embargo on ER from 2009-12-23 ends but has no ended_by",
    );
}

#[test]
fn calendar_and_holiday_problems_are_reported() {
    let files = reference_with(&[
        (
            "calendar.toml",
            "time_zone = \"Asia/Jerusalem\"",
            "time_zone = \"Asia/Jerusalam\"",
        ),
        (
            "calendar.toml",
            "working_days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\"]",
            "working_days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"sun\"]",
        ),
        (
            "holidays-2024.toml",
            "date = 2024-06-12",
            "date = 2025-06-12",
        ),
        (
            "holidays-2024.toml",
            "date = 2024-10-17",
            "date = 2024-10-12",
        ),
        ("holidays-2025.toml", "year = 2025", "year = 2024"),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "calendar.toml",
        "time_zone =",
        "calendar time_zone: \"Asia/Jerusalam\" is not an IANA time-zone name",
    );
    has(
        &d,
        &files,
        "calendar.toml",
        "working_days =",
        "calendar working_days: \"sun\" is given twice",
    );
    has(
        &d,
        &files,
        "holidays-2024.toml",
        "date = 2025-06-12",
        "holidays of 2024: 2025-06-12 is not in 2024",
    );
    let text = &files
        .iter()
        .find(|(n, _)| n == "holidays-2024.toml")
        .unwrap()
        .1;
    let second = text.rfind("date = 2024-10-12").unwrap();
    let line = text[..second].matches('\n').count() + 1;
    assert!(
        d.iter().any(|x| x.file == "holidays-2024.toml"
            && x.line == line
            && x.message.contains("2024-10-12 is given twice")),
        "{d:#?}"
    );
    has(
        &d,
        &files,
        "holidays-2025.toml",
        "year = 2024",
        "holidays of 2024 are given twice",
    );
}

#[test]
fn a_sub_entry_names_an_existing_parent() {
    let files = reference_with(&[(
        "control-entries.toml",
        "parent = \"5D002\"",
        "parent = \"5D009\"",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "control-entries.toml",
        "parent = \"5D009\"",
        "control entry 5D002.a.3.b: parent \"5D009\" is not the code of another entry",
    );
}

#[test]
fn vocabulary_keeps_every_api_value_and_only_those() {
    let files = reference_with(&[
        (
            "vocabulary.toml",
            "id = \"att-art-7\"",
            "id = \"att-art-9\"",
        ),
        ("vocabulary.toml", "id = \"remedy\"", "id = \"reporting\""),
    ]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "vocabulary.toml",
        "id = \"att-art-9\"",
        "refusal_criterion att-art-9 is not a value the API accepts",
    );
    assert!(
        d.iter().any(|x| x.line == 0 && x.message == "refusal_criterion att-art-7 (a value the API accepts) is missing from the vocabulary"),
        "{d:#?}"
    );
    let text = &files
        .iter()
        .find(|(n, _)| n == "vocabulary.toml")
        .unwrap()
        .1;
    let second = text.rfind("id = \"reporting\"").unwrap();
    let line = text[..second].matches('\n').count() + 1;
    assert!(
        d.iter().any(|x| x.file == "vocabulary.toml"
            && x.line == line
            && x.message
                .contains("due_diligence_item reporting is given twice")),
        "{d:#?}"
    );
}

#[test]
fn every_problem_of_one_entry_is_reported_in_one_run() {
    // Three problems in one rule: an unknown field, a title of the wrong type and an unknown effect key. serde
    // stops at the first; the checker must still name all three, each at its own line, and report no
    // "missing field" for the fields it had to set aside.
    let files = reference_with(&[(
        "rules.toml",
        "id = \"defence-review\"\ntitle = \"Defence review\"\neffect = { review = \"defence\" }",
        "id = \"defence-review\"\ncolour = \"red\"\ntitle = 42\neffect = { reviewer = \"defence\" }",
    )]);
    let d = diags(files.clone());
    has(&d, &files, "rules.toml", "colour", "unknown field `colour`");
    has(&d, &files, "rules.toml", "title = 42", "invalid type");
    has(&d, &files, "rules.toml", "reviewer", "reviewer");
    assert!(
        !d.iter().any(|x| x.message.contains("missing field")),
        "a field set aside after its own error is not reported missing: {d:#?}"
    );
}

#[test]
fn audit_intervals_are_policy_data_and_checked() {
    let set = PolicySet::load_files(policy::reference_files()).expect("reference loads");
    let d = set.deadlines().expect("the reference sets deadlines");
    assert_eq!(
        d.audit_interval_months,
        Some(policy::AuditIntervals {
            high: 12,
            medium: 24,
            low: 36
        })
    );
    // A higher risk audited less often than a lower one is refused, at its line.
    let files = reference_with(&[(
        "deadlines.toml",
        "audit_interval_months = { high = 12, medium = 24, low = 36 }",
        "audit_interval_months = { high = 48, medium = 24, low = 36 }",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "deadlines.toml",
        "audit_interval_months = {",
        "a higher risk is audited at least as often",
    );
    // Out of range.
    let files = reference_with(&[(
        "deadlines.toml",
        "audit_interval_months = { high = 12, medium = 24, low = 36 }",
        "audit_interval_months = { high = 0, medium = 24, low = 36 }",
    )]);
    let d = diags(files.clone());
    has(
        &d,
        &files,
        "deadlines.toml",
        "audit_interval_months = {",
        "audit_interval_months.high: must be between 1 and 120",
    );
}
