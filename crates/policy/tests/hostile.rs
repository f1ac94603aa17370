//! Hostile conditions: a staged policy whose condition is deeply nested overflowed the stack while the CEL
//! value tables were built and aborted the whole service. Size and depth are now checked first, without
//! recursion, and the loader runs here on a thread with the default 2 MiB stack to show it needs no more.

mod common;
use common::*;
use policy::PolicySet;

/// Checks `when` as the condition of rule `un-arms-embargo` on a 2 MiB stack; returns the diagnostics.
fn check_condition(when: String) -> Vec<policy::Diagnostic> {
    let files = reference_with(&[(
        "rules.toml",
        "when = \"embargoed\"",
        &format!("when = \"{when}\""),
    )]);
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let d = PolicySet::check_files(files.clone());
            // loading goes through the same checks and fails exactly when they report something
            assert_eq!(PolicySet::load_files(files).is_err(), !d.is_empty());
            d
        })
        .expect("thread")
        .join()
        .expect("the check did not crash")
}

fn assert_refused(d: &[policy::Diagnostic], text: &str) {
    assert!(
        d.iter().any(|x| x.file == "rules.toml"
            && x.message.contains("rule un-arms-embargo version 1")
            && x.message.contains(text)),
        "no diagnostic naming the rule and {text:?}: {d:#?}"
    );
}

#[test]
fn a_52_kb_nested_condition_is_refused_naming_the_rule() {
    let n = 26_000;
    for when in [
        format!("{}embargoed{}", "(".repeat(n), ")".repeat(n)),
        format!("{}1{} == [1]", "[".repeat(n), "]".repeat(n)),
        format!("{}embargoed", "!".repeat(2 * n)),
        format!("embargoed{}", ".x".repeat(n)),
    ] {
        assert!(when.len() > 50_000);
        assert_refused(&check_condition(when), "at most 4096 are allowed");
    }
}

#[test]
fn nesting_under_the_size_limit_is_refused_by_depth() {
    // brackets, counted before parsing
    let when = format!("{}embargoed{}", "(".repeat(40), ")".repeat(40));
    assert_refused(&check_condition(when), "nests brackets 40 levels deep");
    // brackets inside strings do not count
    let when = format!("destination == '{}' || embargoed", "(".repeat(40));
    let d = check_condition(when);
    assert!(
        !d.iter().any(|x| x.message.contains("levels deep")),
        "{d:#?}"
    );
    // a tree made deep without brackets, by member selection: counted on the parsed tree
    let when = format!("embargoed{}", ".x".repeat(1_000));
    assert_refused(&check_condition(when), "levels deep; at most 32");
    // negation chains: the parser folds them; whatever it makes of them, the check does not crash
    for when in [
        format!("{}embargoed", "!".repeat(2_001)),
        format!("{}1 > 0", "-".repeat(2_001)),
    ] {
        check_condition(when);
    }
}

#[test]
fn ordinary_conditions_still_load() {
    let d = PolicySet::check_files(reference_with(&[(
        "rules.toml",
        "when = \"embargoed\"",
        "when = \"embargoed || (destination in ['KP', 'IR'] && (licence == 'export'))\"",
    )]));
    assert_eq!(d, Vec::new());
}
