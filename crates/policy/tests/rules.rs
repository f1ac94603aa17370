//! Each rule of the reference policy, and the day before and the day of every effective date.

mod common;
use common::*;
use domain::EndUserType::*;
use domain::Outcome::*;
use domain::ReviewKind::*;
use domain::SecurityGrade::*;

#[test]
fn reference_policy_loads_with_its_version_and_lookups() {
    let set = policy::reference();
    assert_eq!(set.version(), "reference-2017.1");
    assert_eq!(set.effective_from(), date("2017-01-01"));
    assert_eq!(set.countries().len(), 249);
    assert_eq!(set.country("il").map(|c| c.name.as_str()), Some("Israel"));
    assert!(set.country("ZZ").is_none());
    assert_eq!(set.control_entries().len(), 14);
    let e = set.control_entry("4.a.5").expect("alias, any case");
    assert_eq!(e.code, "4A005");
    assert!(e.is_cyber_surveillance());
    assert_eq!(
        set.control_entry("4e001.C").map(|e| e.code.as_str()),
        Some("4E001.c")
    );
    assert!(!set
        .control_entry("5.D.2")
        .expect("5D002")
        .is_cyber_surveillance());
    assert!(set.control_entry("9X999").is_none());
    let wa: Vec<_> = set
        .countries()
        .iter()
        .filter(|c| set.is_wassenaar_participant(&c.code, date("2018-01-01")))
        .collect();
    assert_eq!(wa.len(), 42);
    assert!(!set.is_wassenaar_participant("IL", date("2022-01-01")));
    assert!(!set.is_wassenaar_participant("CY", date("2022-01-01")));
    assert_eq!(
        set.assessment("FR", date("2020-01-01")).map(|a| a.tier),
        Some(1)
    );
    assert_eq!(
        set.assessment("IL", date("2020-01-01")).map(|a| a.tier),
        Some(3)
    );
    assert_eq!(
        set.assessment("KP", date("2020-01-01")).map(|a| a.tier),
        Some(4)
    );
}

#[test]
fn interface_samples_match_the_issue() {
    let a = req()
        .on("2019-08-22")
        .entries(&["4D004"])
        .user(GovernmentLawEnforcement)
        .eval();
    assert_eq!(a.outcome, Exempt);
    let b = req()
        .on("2022-01-10")
        .export()
        .entries(&["4.A.5"])
        .grade(Secret)
        .to("ae")
        .user(GovernmentIntelligence)
        .eval();
    assert_eq!(b.outcome, LicenceRequired);
    assert_eq!(
        b.required_reviews,
        vec![HumanRights, Defence, ForeignAffairs]
    );
    assert_eq!(
        b.required_documents,
        vec!["end-user-declaration".to_string()]
    );
    assert_eq!(b.target_working_days, Some(60));
    let c = req()
        .on("2019-08-22")
        .export()
        .entries(&["5A001.j"])
        .grade(Confidential)
        .to("KP")
        .eval();
    assert_eq!(c.outcome, Prohibited);
}

#[test]
fn as_of_before_2017_is_an_error() {
    assert!(req()
        .on("2016-12-31")
        .err()
        .starts_with("as_of: 2016-12-31 is before"));
    assert_eq!(req().on("2017-01-01").outcome(), LicenceRequired);
    // Before-policy wins over everything else, embargoed destinations included.
    assert!(req().on("2016-12-31").to("KP").err().starts_with("as_of:"));
}

#[test]
fn rule_1_embargo_prohibits_and_carries_nothing() {
    let d = req()
        .to("KP")
        .on("2017-01-01")
        .export()
        .grade(Secret)
        .user(GovernmentMilitary)
        .eval();
    assert_eq!(d.outcome, Prohibited);
    assert!(d.required_reviews.is_empty() && d.required_documents.is_empty());
    assert_eq!(d.target_working_days, None);
    assert_eq!(d.rules.len(), 1);
    assert_eq!(d.rules[0].id, "un-arms-embargo");
    assert!(
        d.rules[0]
            .reason
            .contains("embargoed=true (KP: UN Security Council resolution 1718"),
        "{}",
        d.rules[0].reason
    );
    // Embargo applies even to non-listed items.
    assert_eq!(
        req().to("LY").on("2017-01-01").entries(&[]).outcome(),
        Prohibited
    );
}

#[test]
fn embargo_start_and_end_dates() {
    // KP and LY: embargoes began before the policy; the first policy day is prohibited, the day before is an error.
    for c in ["KP", "LY"] {
        assert_eq!(req().to(c).on("2017-01-01").outcome(), Prohibited, "{c}");
        assert!(req().to(c).on("2016-12-31").err().starts_with("as_of:"));
    }
    // SS from 2018-07-13.
    assert_eq!(req().to("SS").on("2018-07-12").outcome(), LicenceRequired);
    assert_eq!(req().to("SS").on("2018-07-13").outcome(), Prohibited);
    // IR through 2020-10-18, again from 2025-09-28.
    assert_eq!(req().to("IR").on("2017-01-01").outcome(), Prohibited);
    assert_eq!(req().to("IR").on("2020-10-18").outcome(), Prohibited);
    assert_eq!(req().to("IR").on("2020-10-19").outcome(), LicenceRequired);
    assert_eq!(req().to("IR").on("2025-09-27").outcome(), LicenceRequired);
    assert_eq!(req().to("IR").on("2025-09-28").outcome(), Prohibited);
    // Tier 4 when not embargoed: licence required with a human-rights review.
    assert_eq!(req().to("IR").on("2022-01-01").reviews(), vec![HumanRights]);
}

#[test]
fn rule_2_not_controlled_without_entries_or_catch_all() {
    let d = req()
        .entries(&[])
        .export()
        .grade(Secret)
        .to("AE")
        .user(GovernmentIntelligence)
        .eval();
    assert_eq!(d.outcome, NotControlled);
    assert!(
        d.required_reviews.is_empty()
            && d.required_documents.is_empty()
            && d.target_working_days.is_none()
    );
    assert!(d.rules[0].reason.contains("listed=false"));
}

#[test]
fn catch_all_makes_a_controlled_cyber_surveillance_item_never_exempt() {
    let r = req().entries(&[]).catch_all().on("2022-01-10");
    // A catch-all item is a dual-use item: marketing it needs no licence (the regime has no marketing step),
    // so neither is it ever exempt; its export needs a licence.
    let m = r.eval();
    assert_eq!(m.outcome, NotControlled);
    assert_eq!(m.rules[0].id, "no-marketing-step");
    let e = r.clone().export();
    assert_eq!(e.outcome(), LicenceRequired);
    assert_eq!(e.reviews(), vec![EconomyCyber]);
    let r = r.to("AE").export().user(GovernmentOther);
    assert_eq!(r.reviews(), vec![HumanRights, ForeignAffairs, EconomyCyber]);
    assert_eq!(r.documents(), vec!["end-user-declaration"]);
    // Also with a listed non-cyber entry the catch-all behaves as cyber-surveillance.
    let r = req()
        .entries(&["5A002"])
        .catch_all()
        .to("AE")
        .on("2020-01-01");
    assert_eq!(r.outcome(), LicenceRequired);
    assert_eq!(r.reviews(), vec![HumanRights]);
}

#[test]
fn rule_3_exemption_from_2018_08_01() {
    assert_eq!(req().on("2018-07-31").outcome(), LicenceRequired);
    let d = req().on("2018-08-01").eval();
    assert_eq!(d.outcome, Exempt);
    assert_eq!(
        (
            d.required_reviews.len(),
            d.required_documents.len(),
            d.target_working_days
        ),
        (0, 0, None)
    );
    assert_eq!(d.rules.len(), 1);
    assert_eq!(
        (d.rules[0].id.as_str(), d.rules[0].version),
        ("marketing-exemption", 1)
    );
    // Conditions of the exemption, each broken in turn.
    assert_eq!(req().grade(Unclassified).outcome(), Exempt);
    assert_eq!(req().grade(Confidential).outcome(), LicenceRequired);
    assert_eq!(req().grade(Secret).outcome(), LicenceRequired);
    assert_eq!(req().export().outcome(), LicenceRequired);
    assert_eq!(req().to("IL").outcome(), LicenceRequired); // tier 3
    assert_eq!(req().to("IR").on("2022-01-01").outcome(), LicenceRequired); // tier 4
}

#[test]
fn tier_change_on_2021_11_25() {
    for c in ["AE", "SA", "MX", "MA", "BH", "AZ", "RW", "KZ", "TG", "PA"] {
        assert_eq!(
            policy::reference()
                .assessment(c, date("2021-11-24"))
                .map(|a| a.tier),
            Some(2),
            "{c}"
        );
        assert_eq!(
            policy::reference()
                .assessment(c, date("2021-11-25"))
                .map(|a| a.tier),
            Some(3),
            "{c}"
        );
        assert_eq!(req().to(c).on("2021-11-24").outcome(), Exempt, "{c}");
        assert_eq!(
            req().to(c).on("2021-11-25").outcome(),
            LicenceRequired,
            "{c}"
        );
    }
    let d = req().to("AE").on("2021-11-25").eval();
    assert!(d
        .rules
        .iter()
        .any(|r| r.reason.contains("tier=3 (AE assessment from 2021-11-25)")));
}

#[test]
fn rule_4_targets() {
    let d = req().grade(Secret).eval();
    assert_eq!(
        (d.outcome, d.target_working_days),
        (LicenceRequired, Some(20))
    );
    let d = req().export().eval();
    assert_eq!(
        (d.outcome, d.target_working_days),
        (LicenceRequired, Some(60))
    );
    assert_eq!(d.rules[0].id, "licence-required");
    assert!(d.rules.iter().any(|r| r.id == "target-export"));
}

#[test]
fn human_rights_review_for_tier_2_or_higher() {
    // Tier 1, private: none. Tier 2 (AE before the change): yes. Tier 3/4: yes. Non-cyber item: none.
    assert!(!req().export().reviews().contains(&HumanRights));
    assert!(req()
        .export()
        .to("AE")
        .on("2021-01-01")
        .reviews()
        .contains(&HumanRights));
    assert!(req().export().to("IL").reviews().contains(&HumanRights));
    assert!(!req()
        .export()
        .to("IL")
        .entries(&["5A002", "5D002"])
        .reviews()
        .contains(&HumanRights));
    assert!(req()
        .export()
        .to("IL")
        .entries(&["5A002", "5.A.1.j"])
        .reviews()
        .contains(&HumanRights));
}

#[test]
fn human_rights_review_for_government_end_users_from_2021_11_25() {
    for u in [
        GovernmentLawEnforcement,
        GovernmentIntelligence,
        GovernmentMilitary,
        GovernmentOther,
    ] {
        let r = req().export().to("FR").user(u);
        assert!(
            !r.clone().on("2021-11-24").reviews().contains(&HumanRights),
            "{u}"
        );
        assert!(
            r.clone().on("2021-11-25").reviews().contains(&HumanRights),
            "{u}"
        );
        let d = r.on("2021-11-25").eval();
        let hr = d
            .rules
            .iter()
            .find(|x| x.id == "human-rights-review")
            .expect("fired");
        assert_eq!(hr.version, 2);
        assert!(hr.reason.contains("government_end_user=true"));
    }
    assert!(!req()
        .export()
        .to("FR")
        .user(Private)
        .on("2021-11-25")
        .reviews()
        .contains(&HumanRights));
}

#[test]
fn defence_review_for_confidential_or_secret() {
    assert!(req().grade(Confidential).reviews().contains(&Defence));
    assert!(req().grade(Secret).reviews().contains(&Defence));
    assert!(!req()
        .grade(Restricted)
        .export()
        .reviews()
        .contains(&Defence));
    assert!(!req()
        .grade(Unclassified)
        .export()
        .reviews()
        .contains(&Defence));
}

#[test]
fn foreign_affairs_review_for_export_to_non_wassenaar() {
    assert!(req().export().to("IL").reviews().contains(&ForeignAffairs));
    assert!(req().export().to("CY").reviews().contains(&ForeignAffairs)); // EU but not Wassenaar
    assert!(!req().export().to("DE").reviews().contains(&ForeignAffairs));
    assert!(!req()
        .marketing()
        .to("IL")
        .reviews()
        .contains(&ForeignAffairs));
    // India joined Wassenaar on 2017-12-08.
    assert!(req()
        .export()
        .to("IN")
        .on("2017-12-07")
        .reviews()
        .contains(&ForeignAffairs));
    assert!(!req()
        .export()
        .to("IN")
        .on("2017-12-08")
        .reviews()
        .contains(&ForeignAffairs));
}

#[test]
fn end_user_declaration_from_2021_12_06() {
    let r = req().export().user(GovernmentLawEnforcement);
    assert!(r.clone().on("2021-12-05").documents().is_empty());
    assert_eq!(
        r.clone().on("2021-12-06").documents(),
        vec!["end-user-declaration"]
    );
    assert!(r
        .clone()
        .on("2021-12-06")
        .marketing()
        .grade(Secret)
        .documents()
        .is_empty());
    assert!(r
        .clone()
        .on("2021-12-06")
        .user(Private)
        .documents()
        .is_empty());
    assert!(r
        .on("2021-12-06")
        .entries(&["5A002"])
        .documents()
        .is_empty());
}

#[test]
fn unknown_control_entry_and_country_are_errors() {
    assert_eq!(
        req().entries(&["4A005", "9X999"]).err(),
        "control_entries: \"9X999\" is not a known control entry"
    );
    assert_eq!(
        req().to("ZZ").err(),
        "destination: \"ZZ\" is not a known ISO 3166-1 alpha-2 country"
    );
}

#[test]
fn duplicate_entries_and_aliases_count_once() {
    let d = req()
        .export()
        .to("IL")
        .entries(&["4A005", "4.A.5", "4a005"])
        .eval();
    let r = d
        .rules
        .iter()
        .find(|r| r.id == "licence-required")
        .expect("fired");
    assert!(r.reason.contains("listed=true (4A005)"), "{}", r.reason);
}

#[test]
fn determination_serialises_with_the_issue_field_names() {
    let v = serde_json::to_value(req().export().eval()).expect("json");
    for k in [
        "outcome",
        "required_reviews",
        "required_documents",
        "target_working_days",
        "policy_version",
        "rules",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(
        v["rules"][0]["effect"],
        serde_json::json!({"outcome": "licence-required"})
    );
    let exempt = serde_json::to_value(req().eval()).expect("json");
    assert_eq!(exempt["target_working_days"], serde_json::Value::Null);
}

/// Every fired rule's reason is its text followed by the facts its condition used, in the condition's order,
/// separated by "; " inside one pair of parentheses: the exact explanation an officer and an exporter read.
#[test]
fn reasons_list_the_facts_used_in_order() {
    let d = req()
        .to("AE")
        .on("2022-06-01")
        .entries(&["4A005"])
        .user(GovernmentLawEnforcement)
        .eval();
    let reasons: Vec<String> = d
        .rules
        .iter()
        .map(|r| format!("{} v{}: {}", r.id, r.version, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "licence-required v1: a controlled item (listed, or made so by a catch-all notification) that is not \
             exempt (listed=true (4A005); catch_all_notified=false)",
            "target-marketing v1: marketing licences are decided within 20 working days (licence=marketing)",
            "human-rights-review v2: a cyber-surveillance item to a destination of tier 2 or higher, or to a \
             government end user (government_end_user=true (government-law-enforcement); tier=3 (AE assessment \
             from 2021-11-25); cyber_surveillance=true (4A005); catch_all_notified=false)",
        ]
    );
}

#[test]
fn evidence_of_misuse_requires_a_human_rights_review_for_any_controlled_item() {
    // 5D002 is not a cyber-surveillance entry: exported to a tier 1 destination for a private end user, it
    // needs a licence but no human-rights review.
    let plain = req().export().entries(&["5D002"]).to("FR");
    assert_eq!(plain.outcome(), LicenceRequired);
    assert!(
        !plain.reviews().contains(&HumanRights),
        "{:?}",
        plain.reviews()
    );
    let mut with_evidence = plain.clone();
    with_evidence.0.evidence_of_misuse = true;
    let d = with_evidence.eval();
    assert_eq!(d.outcome, LicenceRequired);
    assert!(
        d.required_reviews.contains(&HumanRights),
        "{:?}",
        d.required_reviews
    );
    assert!(
        d.rules.iter().any(|r| r.id == "evidence-of-misuse-review"),
        "{:?}",
        d.rules
    );
    // Not for an item nobody controls.
    let mut uncontrolled = req().entries(&[]).to("FR");
    uncontrolled.0.evidence_of_misuse = true;
    assert_eq!(uncontrolled.outcome(), NotControlled);
    assert!(uncontrolled.reviews().is_empty());
}
