//! Impact preview on a staged policy that moves a country's tier and changes a rule.

mod common;
use common::*;
use domain::SecurityGrade::*;
use policy::{ImpactCase, PolicySet};

fn case(r: &str, decided: bool, q: Req) -> ImpactCase {
    ImpactCase {
        state: None,
        case_ref: r.into(),
        decided,
        request: q.0,
    }
}

#[test]
fn staged_tier_change_is_reported_by_destination_entry_and_transition() {
    // Staged: MX stays tier 2 after 2021-11-25 (its second version becomes tier 2 again), version bumped.
    let mut files = reference_with(&[(
        "policy.toml",
        "version = \"reference-2017.1\"",
        "version = \"reference-2022.1\"",
    )]);
    // MX's assessment from 2021-11-25: tier 3 -> tier 2.
    let assessments = &mut files
        .iter_mut()
        .find(|(n, _)| n == "assessments.toml")
        .expect("assessments")
        .1;
    let mx = assessments.find("country = \"MX\"").expect("MX assessed");
    let v2 = mx
        + assessments[mx..]
            .find("effective_from = 2021-11-25")
            .expect("MX v2");
    let tier = v2 + assessments[v2..].find("tier = 3").expect("tier 3");
    assessments.replace_range(tier..tier + "tier = 3".len(), "tier = 2");
    let staged = PolicySet::load_files(files).expect("staged policy valid");
    let current = policy::reference();
    let cases = vec![
        case("C-1", true, req().to("MX").on("2022-03-01")), // licence-required -> exempt
        case(
            "C-2",
            false,
            req()
                .to("MX")
                .on("2022-03-01")
                .entries(&["5.A.1.j", "4A005"]),
        ), // same, two entries
        case("C-3", false, req().to("MX").on("2021-01-01")), // exempt both times
        case("C-4", false, req().to("DE").on("2022-03-01")), // unchanged
        case(
            "C-5",
            true,
            req().to("MX").on("2022-03-01").export().grade(Secret),
        ), // licence-required both; HR stays (tier 2)
    ];
    let report = policy::impact(&cases, current, &staged);
    assert_eq!(
        (
            report.current_version.as_str(),
            report.staged_version.as_str()
        ),
        ("reference-2017.1", "reference-2022.1")
    );
    assert_eq!(report.cases, 5);
    assert_eq!(report.changed, 2, "{report:#?}");
    assert_eq!((report.changed_decided, report.changed_open), (1, 1));
    assert_eq!(report.by_destination.get("MX"), Some(&2));
    assert_eq!(
        report.by_transition.get("licence-required -> exempt"),
        Some(&2)
    );
    assert_eq!(report.by_control_entry.get("4A005"), Some(&2));
    assert_eq!(report.by_control_entry.get("5A001.j"), Some(&1));
    let refs: Vec<&str> = report
        .affected
        .iter()
        .map(|a| a.case_ref.as_str())
        .collect();
    assert_eq!(refs, ["C-1", "C-2"]);
    let a = &report.affected[0];
    assert!(
        a.changes.contains(&"outcome".to_string())
            && a.changes.contains(&"target_working_days".to_string())
    );
    assert_eq!(a.current.target_working_days, Some(20));
    assert_eq!(a.staged.target_working_days, None);
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["by_transition"]["licence-required -> exempt"], 2);
}

#[test]
fn staged_rule_change_on_reviews_only_is_reported() {
    // Staged: defence review also for restricted products.
    let files = reference_with(&[(
        "rules.toml",
        "when = \"security_grade in ['confidential', 'secret']\"",
        "when = \"security_grade in ['restricted', 'confidential', 'secret']\"",
    )]);
    let staged = PolicySet::load_files(files).expect("valid");
    let cases = vec![
        case("A", false, req().export().grade(Restricted)),
        case("B", false, req().export().grade(Unclassified)),
        case("C", false, req().to("ZZ")), // error under both: unchanged
    ];
    let report = policy::impact(&cases, policy::reference(), &staged);
    assert_eq!(report.changed, 1);
    assert_eq!(
        report
            .by_transition
            .get("licence-required -> licence-required"),
        Some(&1)
    );
    assert_eq!(
        report.affected[0].changes,
        vec!["required_reviews".to_string()]
    );
}

#[test]
fn impact_case_json_round_trip_rejects_unknown_fields() {
    let ok = r#"{"case_ref":"X","decided":false,"request":{"as_of":"2022-01-01","licence":"export","control_entries":["4A005"],"security_grade":"secret","destination":"de","end_user_type":"private"}}"#;
    let c: ImpactCase = serde_json::from_str(ok).expect("parses");
    assert_eq!(c.request.destination.as_str(), "DE");
    let bad = ok.replace("\"private\"}", "\"private\",\"colour\":1}");
    assert!(serde_json::from_str::<ImpactCase>(&bad).is_err());
}
