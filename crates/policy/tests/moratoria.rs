//! Moratoria as a labelled section of the policy (`[[moratorium]]`): what they cover, from when, how they name
//! themselves in a determination, and the checker's diagnostics for a malformed one.

mod common;
use common::*;
use domain::EndUserType::*;
use domain::Outcome::*;
use policy::{MoratoriumItems, PolicySet};

/// The reference policy with `moratoria` added as a file of its own.
fn with_moratoria(moratoria: &str) -> Vec<(String, String)> {
    let mut files = policy::reference_files();
    files.push(("moratoria.toml".into(), moratoria.into()));
    files
}

fn load(moratoria: &str) -> PolicySet {
    PolicySet::load_files(with_moratoria(moratoria)).expect("loads")
}

fn eval(set: &PolicySet, r: &Req) -> policy::Determination {
    policy::evaluate(&r.0, set).expect("evaluates")
}

const ALL: &str = r#"
[[moratorium]]
id = "surveillance-sales"
title = "Moratorium on the sale of surveillance technology"
items = "all-cyber-surveillance"
destinations = "all"
end_user_types = "all"
effective_from = 2026-12-01
reason = "until human-rights safeguards are in place"
"#;

#[test]
fn a_moratorium_on_all_cyber_surveillance_items_prohibits_from_its_date_naming_itself() {
    let set = load(ALL);
    assert_eq!(set.moratoria().len(), 1);
    assert_eq!(
        set.moratoria()[0].items,
        MoratoriumItems::AllCyberSurveillance
    );
    let r = req().entries(&["4A005"]).to("DE");
    // The day before: the reference rules decide.
    let before = eval(&set, &r.clone().on("2026-11-30"));
    assert_eq!(before.outcome, r.clone().on("2026-11-30").outcome());
    assert_ne!(before.outcome, Prohibited);
    let on = eval(&set, &r.clone().on("2026-12-01"));
    assert_eq!(on.outcome, Prohibited);
    assert_eq!(on.rules.len(), 1, "{:?}", on.rules);
    assert_eq!(on.rules[0].id, "moratorium:surveillance-sales");
    let why = &on.rules[0].reason;
    assert!(
        why.starts_with(
            "moratorium surveillance-sales (Moratorium on the sale of surveillance technology) from \
             2026-12-01: until human-rights safeguards are in place"
        ),
        "{why}"
    );
    assert!(why.contains("cyber_surveillance=true (4A005)"), "{why}");
    assert!(why.contains("all destinations: destination=DE"), "{why}");
    assert!(on.required_reviews.is_empty());
    // An item that is not a cyber-surveillance item is not covered; one made so by a catch-all is.
    let plain = req().entries(&["5D002"]).to("DE").on("2027-01-01");
    assert_eq!(eval(&set, &plain).outcome, plain.outcome());
    assert_ne!(eval(&set, &plain).outcome, Prohibited);
    let caught = req().entries(&[]).catch_all().on("2027-01-01");
    assert_eq!(eval(&set, &caught).outcome, Prohibited);
}

#[test]
fn a_narrow_moratorium_needs_its_items_destinations_end_users_and_period() {
    let set = load(
        r#"
[[moratorium]]
id = "gulf-monitoring"
items = ["5.A.1.j", "4a005"]
destinations = ["AE", "sa"]
end_user_types = ["government-intelligence"]
effective_from = 2026-01-01
effective_through = 2026-12-31
reason = "reports of monitoring centres used against journalists"
"#,
    );
    let m = &set.moratoria()[0];
    assert_eq!(
        m.items,
        MoratoriumItems::Entries(vec!["5A001.j".into(), "4A005".into()]),
        "canonical codes"
    );
    assert_eq!(m.destinations, Some(vec!["AE".into(), "SA".into()]));
    let hit = req()
        .export()
        .entries(&["5A001.j"])
        .to("SA")
        .user(GovernmentIntelligence)
        .on("2026-06-01");
    let d = eval(&set, &hit);
    assert_eq!(d.outcome, Prohibited);
    assert_eq!(d.rules[0].id, "moratorium:gulf-monitoring");
    assert!(
        d.rules[0].reason.contains("items 5A001.j, 4A005"),
        "{}",
        d.rules[0].reason
    );
    for miss in [
        hit.clone().to("DE"),
        hit.clone().user(GovernmentMilitary),
        hit.clone().entries(&["4D004"]),
        hit.clone().on("2027-01-01"),
        hit.clone().on("2025-12-31"),
    ] {
        let d = eval(&set, &miss);
        assert!(
            d.rules.iter().all(|r| !r.id.starts_with("moratorium:")),
            "{:?} {:?}",
            miss.0,
            d.rules
        );
        assert_eq!(d.outcome, miss.outcome(), "the reference rules decide");
    }
}

#[test]
fn malformed_moratoria_are_reported_with_their_line() {
    let text = r#"
[[moratorium]]
id = "a"
items = ["5A001.j", "9Z999"]
destinations = ["AE", "ZZ"]
end_user_types = ["government-spies"]
effective_from = 2026-01-01
reason = "x"

[[moratorium]]
id = "a"
items = "everything"
destinations = "all"
end_user_types = []
effective_from = 2026-01-01
effective_through = 2025-01-01
reason = "  "
"#;
    let files = with_moratoria(text);
    let d = PolicySet::check_files(files.clone());
    let has = |needle: &str, message: &str| {
        let line = line_of(&files, "moratoria.toml", needle);
        assert!(
            d.iter().any(|x| x.file == "moratoria.toml"
                && x.line == line
                && x.message.contains(message)),
            "no diagnostic at line {line} containing {message:?}: {d:#?}"
        );
    };
    has(
        "items = [",
        "moratorium a: items: unknown control entry \"9Z999\"",
    );
    has("destinations = [", "destinations: unknown country \"ZZ\"");
    has(
        "end_user_types = [\"gov",
        "end_user_types: \"government-spies\" is not one of",
    );
    has(
        "id = \"a\"\nitems = \"every",
        "moratorium id \"a\" is used twice",
    );
    has(
        "items = \"everything\"",
        "items must be \"all-cyber-surveillance\" or a non-empty list",
    );
    has(
        "end_user_types = []",
        "end_user_types must be \"all\" or a non-empty list",
    );
    has("reason = \"  \"", "reason must say why");
    assert!(
        d.iter().any(|x| x
            .message
            .contains("effective_through 2025-01-01 is before effective_from")),
        "{d:#?}"
    );
    let missing =
        with_moratoria("[[moratorium]]\nid = \"b\"\nitems = \"all-cyber-surveillance\"\n");
    let d = PolicySet::check_files(missing);
    assert!(
        d.iter().any(|x| x.message.contains("missing field")),
        "{d:#?}"
    );
}

#[test]
fn the_alternative_policies_check_clean() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policy/alternatives");
    let hr = PolicySet::load_dir(format!("{root}/hr-review-all")).expect("hr-review-all checks");
    assert!(hr.moratoria().is_empty());
    let m = PolicySet::load_dir(format!("{root}/moratorium-all")).expect("moratorium-all checks");
    assert_eq!(m.moratoria().len(), 1);
    let all = &m.moratoria()[0];
    assert_eq!(all.items, MoratoriumItems::AllCyberSurveillance);
    assert!(all.destinations.is_none() && all.end_user_types.is_none());
    // The moratorium, not a rule, prohibits: the rules are the reference rules.
    assert_eq!(m.rules().len(), policy::reference().rules().len());
    let d = policy::evaluate(&req().entries(&["5A001.j"]).on("2020-01-01").0, &m).unwrap();
    assert_eq!(d.outcome, Prohibited);
    assert_eq!(d.rules[0].id, format!("moratorium:{}", all.id));
}
