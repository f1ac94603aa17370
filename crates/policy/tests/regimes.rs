//! Two licensing regimes (issue 15), as in Israel: an item controlled as a defence export needs a marketing
//! licence (or its exemption) and then an export licence; an item controlled only as dual-use needs an export
//! licence only, with the economy ministry's cyber-export review. The determination names the regime.

mod common;
use common::*;
use domain::EndUserType::*;
use domain::Outcome::*;
use domain::ReviewKind::*;
use domain::SecurityGrade::*;
use policy::PolicySet;

#[test]
fn the_reference_policy_declares_two_regimes_with_sources_and_every_entry_names_one() {
    let set = policy::reference();
    let ids: Vec<&str> = set.regimes().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["defence", "dual-use"]);
    assert!(set.regime("defence").unwrap().marketing_licence);
    let dual = set.regime("dual-use").unwrap();
    assert!(!dual.marketing_licence && dual.catch_all);
    for e in set.control_entries() {
        let r = e
            .regime
            .as_deref()
            .unwrap_or_else(|| panic!("{} has no regime", e.code));
        assert!(set.regime(r).is_some(), "{}: {r}", e.code);
        let s = e.regime_source.as_ref().expect("regime source");
        assert!(
            !s.document.is_empty() && s.url.starts_with("http"),
            "{}",
            e.code
        );
        // The assignments are illustrative (the orders' schedules are not public in English) and say so.
        assert!(s.illustrative.is_some(), "{}", e.code);
    }
    let regime_of = |c: &str| set.control_entry(c).unwrap().regime.clone().unwrap();
    for c in ["4A005", "4D004", "4E001.c", "5A001.j", "5D002"] {
        assert_eq!(regime_of(c), "defence", "{c}");
    }
    for c in ["5A004.a", "5A004.b", "4E001.a"] {
        assert_eq!(regime_of(c), "dual-use", "{c}");
    }
    // Provenance lists each regime and each entry's assignment.
    let p = set.provenance();
    assert!(p.iter().any(|(w, _)| w == "regime dual-use"));
    assert!(p.iter().any(|(w, _)| w == "control entry 5A004.b (regime)"));
}

#[test]
fn a_defence_item_keeps_the_marketing_step_and_its_exemption() {
    let m = req().entries(&["4A005"]).grade(Restricted).to("DE").eval();
    assert_eq!(m.outcome, Exempt);
    assert_eq!(m.regime.as_deref(), Some("defence"));
    assert!(m.marketing_step);
    let secret = req().entries(&["4A005"]).grade(Secret).to("DE").eval();
    assert_eq!(secret.outcome, LicenceRequired);
    let e = req().export().entries(&["4A005"]).to("DE").eval();
    assert_eq!(e.outcome, LicenceRequired);
    assert!(e.marketing_step);
    assert!(!e.required_reviews.contains(&EconomyCyber));
    assert!(e
        .rules
        .iter()
        .all(|r| r.id != "economy-cyber-review" && r.id != "no-marketing-step"));
}

#[test]
fn a_dual_use_only_item_needs_no_marketing_licence_and_an_export_licence_with_the_economy_review() {
    let m = req()
        .entries(&["5A004.b"])
        .grade(Restricted)
        .to("DE")
        .eval();
    assert_eq!(m.outcome, NotControlled);
    assert_eq!(m.regime.as_deref(), Some("dual-use"));
    assert!(!m.marketing_step);
    assert_eq!(m.rules[0].id, "no-marketing-step");
    assert!(
        m.rules[0].reason.contains("regime=dual-use (5A004.b;"),
        "{}",
        m.rules[0].reason
    );
    // The marketing-licence exemption never applies: there is no marketing licence to be exempt from.
    assert!(m.rules.iter().all(|r| r.id != "marketing-exemption"));
    let e = req().export().entries(&["5A004.b"]).to("DE").eval();
    assert_eq!(e.outcome, LicenceRequired);
    assert!(!e.marketing_step);
    assert!(e.required_reviews.contains(&EconomyCyber));
    // A cyber-surveillance dual-use item to a government end user still needs the human-rights review.
    let gov = req()
        .export()
        .entries(&["5A004.b"])
        .user(GovernmentLawEnforcement)
        .to("DE")
        .eval();
    assert_eq!(gov.required_reviews, [HumanRights, EconomyCyber]);
}

#[test]
fn an_item_under_both_regimes_is_a_defence_item() {
    let both = req()
        .export()
        .entries(&["5A004.b", "4A005"])
        .to("DE")
        .eval();
    assert_eq!(both.regime.as_deref(), Some("defence"));
    assert!(both.marketing_step);
    assert!(!both.required_reviews.contains(&EconomyCyber));
}

#[test]
fn the_regime_follows_the_entries_in_force_on_the_day() {
    // 5A004.b is controlled from 2020-12-15: the day before, a 5A004.b and 4A005 item is a defence item
    // through 4A005 alone; a 5A004.b item alone is controlled by nothing and has no regime.
    let before = req()
        .export()
        .entries(&["5A004.b"])
        .to("DE")
        .on("2020-12-14")
        .eval();
    assert_eq!(before.outcome, NotControlled);
    assert_eq!(before.regime, None);
    assert!(!before.marketing_step);
    let on = req()
        .export()
        .entries(&["5A004.b"])
        .to("DE")
        .on("2020-12-15")
        .eval();
    assert_eq!(on.regime.as_deref(), Some("dual-use"));
}

#[test]
fn a_catch_all_item_falls_under_the_catch_all_regime() {
    let m = req().entries(&[]).catch_all().to("DE").eval();
    assert_eq!(m.regime.as_deref(), Some("dual-use"));
    assert_eq!(m.outcome, NotControlled, "no marketing step for dual-use");
    let e = req().export().entries(&[]).catch_all().to("DE").eval();
    assert_eq!(e.outcome, LicenceRequired);
    assert!(e.required_reviews.contains(&EconomyCyber));
    let r = e
        .rules
        .iter()
        .find(|r| r.id == "economy-cyber-review")
        .unwrap();
    assert!(
        r.reason
            .contains("regime=dual-use (catch-all notification;"),
        "{}",
        r.reason
    );
    // Not listed and not notified: no regime.
    let free = req().export().entries(&[]).to("DE").eval();
    assert_eq!(free.regime, None);
    assert!(!free.marketing_step);
}

/// The reference files with `from` replaced by `to` in `file`.
fn with(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    policy::reference_files()
        .into_iter()
        .map(|(n, c)| {
            if n == file {
                assert!(c.contains(from), "{from}");
                let c = c.replacen(from, to, 1);
                (n, c)
            } else {
                (n, c)
            }
        })
        .collect()
}

#[test]
fn policy_check_refuses_an_entry_without_a_regime_or_its_source_and_an_unknown_regime() {
    let no_regime = with(
        "control-entries.toml",
        "code = \"4A005\"\naliases = [\"4.A.5\"]\nlist = \"Wassenaar Arrangement Dual-Use List, Cat. 4\"\nregime = \"defence\"",
        "code = \"4A005\"\naliases = [\"4.A.5\"]\nlist = \"Wassenaar Arrangement Dual-Use List, Cat. 4\"",
    );
    let d = PolicySet::check_files(no_regime);
    assert!(
        d.iter()
            .any(|x| x.message.contains("control entry 4A005 names no regime")),
        "{d:#?}"
    );
    let unknown = with(
        "control-entries.toml",
        "regime = \"defence\"",
        "regime = \"navy\"",
    );
    let d = PolicySet::check_files(unknown);
    assert!(
        d.iter().any(|x| x
            .message
            .contains("regime \"navy\" is not a declared [[regime]]")),
        "{d:#?}"
    );
    // The dual-use regime is the last section of regimes.toml: cut its source off.
    let unsourced: Vec<(String, String)> = policy::reference_files()
        .into_iter()
        .map(|(n, c)| {
            if n == "regimes.toml" {
                let end = c.find("catch_all = true\n").unwrap() + "catch_all = true\n".len();
                (n, c[..end].to_string())
            } else {
                (n, c)
            }
        })
        .collect();
    let d = PolicySet::check_files(unsourced);
    assert!(
        d.iter()
            .any(|x| x.message.contains("regime dual-use has no source")),
        "{d:#?}"
    );
    let two_catch_all = with(
        "regimes.toml",
        "marketing_licence = true\n",
        "marketing_licence = true\ncatch_all = true\n",
    );
    let d = PolicySet::check_files(two_catch_all);
    assert!(
        d.iter().any(|x| x
            .message
            .contains("only one regime may take catch-all items")),
        "{d:#?}"
    );
    // A literal that is no regime is reported, not silently false.
    let typo = with(
        "rules.toml",
        "regime == 'dual-use'\"",
        "regime == 'dualuse'\"",
    );
    assert!(!PolicySet::check_files(typo).is_empty());
}

#[test]
fn a_policy_without_regimes_keeps_the_two_step_flow() {
    // Drop the regimes and every entry's assignment, and the rules that use the regime.
    let files: Vec<(String, String)> = policy::reference_files()
        .into_iter()
        .filter(|(n, _)| n != "regimes.toml")
        .map(|(n, c)| match n.as_str() {
            "control-entries.toml" => {
                let mut out = String::new();
                let mut skip = false;
                for line in c.lines() {
                    if line.starts_with("regime = ") {
                        continue;
                    }
                    if line.trim() == "[control_entry.regime_source]" {
                        skip = true;
                        continue;
                    }
                    if skip && line.starts_with("  ") && !line.starts_with("  [") {
                        continue;
                    }
                    skip = false;
                    out.push_str(line);
                    out.push('\n');
                }
                (n, out)
            }
            "rules.toml" => {
                let mut out = String::new();
                for block in c.split("[[rule]]\n") {
                    if block.contains("regime ==") {
                        continue;
                    }
                    if !out.is_empty() || block.starts_with("id") {
                        out.push_str("[[rule]]\n");
                    }
                    out.push_str(block);
                }
                (n, out)
            }
            _ => (n, c),
        })
        .collect();
    let set = PolicySet::load_files(files).expect("loads without regimes");
    assert!(set.regimes().is_empty());
    let d = policy::evaluate(&req().export().entries(&["5A004.b"]).to("DE").0, &set).unwrap();
    assert_eq!(d.regime, None);
    assert!(
        d.marketing_step,
        "a controlled item keeps the marketing step"
    );
}
