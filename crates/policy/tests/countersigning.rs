//! The countersigning rules of the reference policy (issue 12): one countersignature for a cyber-surveillance
//! item; two, the second by a senior officer, for a red flag, an intelligence end user, a tier 3 or 4
//! destination or advice to refuse. And the loader keeps the advice facts out of the other rules.

mod common;
use common::*;
use domain::EndUserType::*;
use policy::{AdviceFacts, PolicySet};

fn needs(requests: &[&Req], advice: AdviceFacts) -> (u8, bool, Vec<String>) {
    let reqs: Vec<_> = requests.iter().map(|r| r.0.clone()).collect();
    let c = policy::countersigning(&reqs, advice, policy::reference()).expect("evaluates");
    (
        c.count,
        c.senior,
        c.rules.into_iter().map(|r| r.id).collect(),
    )
}

const NONE: AdviceFacts = AdviceFacts {
    red_flag: false,
    refusal_advised: false,
};

#[test]
fn one_for_a_cyber_surveillance_item_to_a_low_risk_destination() {
    let cyber = req().to("FR").user(GovernmentLawEnforcement);
    assert_eq!(
        needs(&[&cyber], NONE),
        (1, false, vec!["countersign-cyber-surveillance".to_string()])
    );
    let r =
        policy::countersigning(std::slice::from_ref(&cyber.0), NONE, policy::reference()).unwrap();
    assert_eq!(r.policy_version, "reference-2017.1");
    assert!(
        r.rules[0]
            .reason
            .contains("cyber_surveillance=true (4A005)"),
        "{:?}",
        r.rules
    );
    // 5D002 is not a cyber-surveillance item: nothing to countersign.
    let plain = req().to("FR").entries(&["5D002"]);
    assert_eq!(needs(&[&plain], NONE), (0, false, vec![]));
    // A catch-all notification makes a non-listed item count as one.
    let notified = req().to("FR").entries(&[]).catch_all();
    assert_eq!(needs(&[&notified], NONE).0, 1);
}

#[test]
fn two_with_a_senior_officer_for_each_high_risk_fact() {
    let low = req().to("FR").user(GovernmentLawEnforcement);
    let two = |r: (u8, bool, Vec<String>)| {
        assert_eq!((r.0, r.1), (2, true), "{r:?}");
        assert!(r.2.contains(&"countersign-senior".to_string()), "{r:?}");
    };
    two(needs(
        &[&low],
        AdviceFacts {
            red_flag: true,
            refusal_advised: false,
        },
    ));
    two(needs(
        &[&low],
        AdviceFacts {
            red_flag: false,
            refusal_advised: true,
        },
    ));
    two(needs(&[&low.clone().user(GovernmentIntelligence)], NONE));
    // Israel is tier 3 in the reference assessments; a non-cyber item to it still needs two.
    two(needs(&[&req().to("IL").entries(&["5D002"])], NONE));
    // The largest requirement over the case's requests wins.
    two(needs(&[&low, &req().to("IL")], NONE));
    // The reason names the facts used.
    let r = policy::countersigning(
        std::slice::from_ref(&low.0),
        AdviceFacts {
            red_flag: true,
            refusal_advised: false,
        },
        policy::reference(),
    )
    .unwrap();
    let senior = r
        .rules
        .iter()
        .find(|f| f.id == "countersign-senior")
        .unwrap();
    assert!(senior.reason.contains("red_flag=true"), "{}", senior.reason);
    assert!(senior.reason.contains("tier=1"), "{}", senior.reason);
}

#[test]
fn determinations_never_fire_countersigning_rules() {
    let d = req().to("IL").user(GovernmentIntelligence).eval();
    assert!(
        !d.rules.iter().any(|r| r.id.starts_with("countersign")),
        "{:?}",
        d.rules
    );
}

#[test]
fn advice_facts_and_counts_are_checked_when_the_policy_loads() {
    let files = reference_with(&[
        (
            "rules.toml",
            "when = \"licence == 'export' && !wassenaar\"",
            "when = \"red_flag\"",
        ),
        (
            "rules.toml",
            "effect = { countersignatures = { count = 1 } }",
            "effect = { countersignatures = { count = 0 } }",
        ),
    ]);
    let d = PolicySet::check_files(files);
    assert!(
        d.iter().any(|x| x.file == "rules.toml"
            && x.message
                .contains("red_flag is known only when countersigning is evaluated")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|x| x.message.contains(
            "rule countersign-cyber-surveillance: countersignatures count must be between 1 and 5"
        )),
        "{d:#?}"
    );
}
