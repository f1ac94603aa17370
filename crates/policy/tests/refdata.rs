//! Reference data corrected with sources (issue 15): control-entry dates and sub-entries, UN arms embargoes
//! (full and partial), and the working-day calendar — each on the day before and the day of its date.

mod common;
use common::*;
use domain::EndUserType::*;
use domain::Outcome::*;
use domain::ReviewKind::*;

/// Outcome of a marketing request for `entries` to DE as of `day` (DE: tier 1, no embargo).
fn listed_on(entries: &[&str], day: &str) -> policy::Determination {
    req().export().entries(entries).to("FR").on(day).eval()
}

#[test]
fn entries_added_in_2019_are_controlled_from_their_eu_implementation() {
    // Wassenaar December 2019 -> Delegated Regulation (EU) 2020/1749, in force 2020-12-15.
    for code in ["5A004.b", "5.D.1.e", "5D002.a.3.b", "5D002.c.3.b"] {
        let before = listed_on(&[code], "2020-12-14");
        assert_eq!(before.outcome, NotControlled, "{code}");
        assert!(
            before.rules[0]
                .reason
                .contains("not in force on 2020-12-14"),
            "{}",
            before.rules[0].reason
        );
        let on = listed_on(&[code], "2020-12-15");
        assert_eq!(on.outcome, LicenceRequired, "{code}");
        // FR tier 1, private end user: no review, except the economy ministry's for a dual-use-only item.
        let expected = if code == "5A004.b" {
            vec![EconomyCyber]
        } else {
            vec![]
        };
        assert_eq!(on.required_reviews, expected, "{code}");
    }
    // An entry in force alongside one that is not: the item is listed by the one in force only.
    let d = listed_on(&["5A002", "5A004.b"], "2020-12-14");
    assert_eq!(d.outcome, LicenceRequired);
    let cs = req()
        .export()
        .entries(&["5A002", "5A004.b"])
        .to("AE")
        .on("2021-12-01");
    assert!(cs.reviews().contains(&HumanRights));
    assert!(!req()
        .export()
        .entries(&["5A002", "5A004.b"])
        .to("AE")
        .on("2020-12-14")
        .reviews()
        .contains(&HumanRights));
}

#[test]
fn entries_in_force_when_the_policy_starts_and_5a004_a() {
    for code in [
        "4A005", "4D004", "4E001.a", "4E001.c", "5A001.f", "5A001.j", "5A004.a", "5A002", "5D002",
    ] {
        assert_eq!(
            listed_on(&[code], "2017-01-01").outcome,
            LicenceRequired,
            "{code}"
        );
    }
    let set = policy::reference();
    let e = set.control_entry("5.a.4.A").expect("5A004.a added");
    assert!(e.is_cyber_surveillance());
    assert!(e.versions[0].source.document.contains("2016/1969"));
    assert!(e.versions[0].flag_source.document.contains("2024/2659"));
}

#[test]
fn wassenaar_2017_notes_take_effect_on_2018_12_15() {
    let set = policy::reference();
    for code in ["4E001.a", "4E001.a-intrusion", "4E001.c", "4D004"] {
        let e = set.control_entry(code).expect(code);
        let before = e.version_on(date("2018-12-14")).expect("in force");
        let on = e.version_on(date("2018-12-15")).expect("in force");
        assert_ne!(before.title, on.title, "{code}");
        assert!(on.source.document.contains("2018/1922"), "{code}");
    }
    let c = set.control_entry("4E001.c").expect("4E001.c");
    assert!(!c
        .version_on(date("2018-12-14"))
        .expect("v1")
        .title
        .contains("vulnerability disclosure"));
    assert!(c
        .version_on(date("2018-12-15"))
        .expect("v2")
        .title
        .contains("vulnerability disclosure"));
}

#[test]
fn sub_entries_carry_their_own_cyber_surveillance_flag() {
    let set = policy::reference();
    let flag = |code: &str| set.control_entry(code).expect(code).is_cyber_surveillance();
    assert!(!flag("4E001.a"));
    assert!(flag("4E001.a-intrusion"));
    assert!(!flag("5D002"));
    assert!(flag("5D002.a.3.b") && flag("5D002.c.3.b"));
    assert_eq!(
        set.control_entry("4.E.1.a-intrusion")
            .and_then(|e| e.parent.as_deref()),
        Some("4E001.a")
    );
    assert_eq!(
        set.control_entry("5D002.c.3.b")
            .and_then(|e| e.parent.as_deref()),
        Some("5D002")
    );
    // The flag decides the human-rights review: AE is tier 3 from 2021-11-25.
    let hr = |code: &str| {
        req()
            .export()
            .entries(&[code])
            .to("AE")
            .on("2022-01-10")
            .reviews()
            .contains(&HumanRights)
    };
    assert!(!hr("4E001.a"));
    assert!(hr("4E001.a-intrusion"));
    assert!(!hr("5D002"));
    assert!(hr("5D002.a.3.b"));
    let d = req()
        .export()
        .entries(&["4E001.a-intrusion"])
        .to("AE")
        .on("2022-01-10")
        .eval();
    let r = d
        .rules
        .iter()
        .find(|r| r.id == "human-rights-review")
        .expect("fired");
    assert!(
        r.reason
            .contains("cyber_surveillance=true (4E001.a-intrusion)"),
        "{}",
        r.reason
    );
}

#[test]
fn eritrea_embargo_until_resolution_2444() {
    assert_eq!(req().to("ER").on("2017-01-01").outcome(), Prohibited);
    assert_eq!(req().to("ER").on("2018-11-13").outcome(), Prohibited);
    assert_eq!(req().to("ER").on("2018-11-14").outcome(), LicenceRequired);
    let d = req().to("ER").on("2018-11-13").eval();
    assert!(
        d.rules[0].reason.contains("resolution 1907 (2009)"),
        "{}",
        d.rules[0].reason
    );
    let e = policy::reference()
        .embargo("ER", date("2018-11-13"))
        .expect("embargo");
    assert_eq!(e.source.date, date("2009-12-23"));
    assert_eq!(
        e.ended_by.as_ref().map(|s| s.date),
        Some(date("2018-11-14"))
    );
}

#[test]
fn partial_embargoes_prohibit_non_government_end_users_and_review_government_ones() {
    for (c, from) in [
        ("SO", "2017-01-01"),
        ("CD", "2017-01-01"),
        ("SD", "2017-01-01"),
        ("YE", "2017-01-01"),
        ("IQ", "2017-01-01"),
        ("LB", "2017-01-01"),
        ("HT", "2022-10-21"),
        ("CF", "2023-07-27"),
    ] {
        let private = req().export().to(c).on(from).user(Private);
        let d = private.eval();
        assert_eq!(d.outcome, Prohibited, "{c}");
        assert_eq!(d.rules[0].id, "un-partial-embargo", "{c}");
        assert!(
            d.rules[0].reason.contains("partial_embargo=true"),
            "{}",
            d.rules[0].reason
        );
        let gov = req().export().to(c).on(from).user(GovernmentLawEnforcement);
        assert_eq!(gov.outcome(), LicenceRequired, "{c}");
        assert!(gov.reviews().contains(&ForeignAffairs), "{c}");
        // Also for a marketing licence, which the non-Wassenaar rule does not send to foreign affairs.
        assert!(req()
            .marketing()
            .to(c)
            .on(from)
            .user(GovernmentMilitary)
            .reviews()
            .contains(&ForeignAffairs));
    }
    // Haiti: nothing the day before resolution 2653.
    assert_eq!(
        req()
            .export()
            .to("HT")
            .on("2022-10-20")
            .user(Private)
            .outcome(),
        LicenceRequired
    );
    // Somalia: the partial embargo continues under resolution 2714 from 2023-12-01.
    let so = policy::reference();
    assert!(so
        .embargo("SO", date("2023-11-30"))
        .expect("2093")
        .source
        .document
        .contains("2093"));
    assert!(so
        .embargo("SO", date("2023-12-01"))
        .expect("2714")
        .source
        .document
        .contains("2714"));
}

#[test]
fn central_african_republic_full_until_2693_then_partial() {
    let gov = |day: &str| req().export().to("CF").on(day).user(GovernmentMilitary);
    assert_eq!(gov("2017-01-01").outcome(), Prohibited);
    assert_eq!(gov("2023-07-26").outcome(), Prohibited);
    assert_eq!(gov("2023-07-27").outcome(), LicenceRequired);
    assert_eq!(
        req()
            .export()
            .to("CF")
            .on("2023-07-26")
            .user(Private)
            .eval()
            .rules[0]
            .id,
        "un-arms-embargo"
    );
    assert_eq!(
        req()
            .export()
            .to("CF")
            .on("2023-07-27")
            .user(Private)
            .eval()
            .rules[0]
            .id,
        "un-partial-embargo"
    );
}

#[test]
fn full_embargoes_keep_their_effect_for_government_end_users() {
    for c in ["KP", "LY"] {
        let d = req()
            .export()
            .to(c)
            .on("2022-01-01")
            .user(GovernmentMilitary)
            .eval();
        assert_eq!(d.outcome, Prohibited, "{c}");
        assert_eq!(d.rules[0].id, "un-arms-embargo");
    }
}

#[test]
fn reference_calendar_is_sunday_to_thursday_in_jerusalem_with_israeli_holidays() {
    let set = policy::reference();
    let cal = set.calendar();
    assert_eq!(cal.time_zone().name(), "Asia/Jerusalem");
    assert_eq!(
        cal.working_week(),
        domain::workdays::WorkingWeek::SUNDAY_TO_THURSDAY
    );
    let years: Vec<i32> = set.holiday_years().iter().map(|y| y.year).collect();
    assert_eq!(years, (2017..=2027).collect::<Vec<_>>());
    for y in set.holiday_years() {
        assert_eq!(y.days.len(), 9, "{}: nine days of rest", y.year);
        assert!(!y.source.document.is_empty() && y.source.url.starts_with("https://"));
    }
    // Yom Kippur 2024 (Saturday 12 October) and Rosh Hashanah 2024 (Thursday 3 and Friday 4 October).
    assert!(cal.is_working_day(date("2024-10-02")));
    assert!(!cal.is_working_day(date("2024-10-03")));
    // Independence Day 2024 was observed on Tuesday 14 May: Monday 13 May works, the 14th does not.
    assert!(cal.is_working_day(date("2024-05-13")));
    assert!(!cal.is_working_day(date("2024-05-14")));
    // Friday and Saturday are the weekend; Sunday works.
    assert!(!cal.is_working_day(date("2024-05-17")));
    assert!(cal.is_working_day(date("2024-05-19")));
    // Pesach 2017: Tuesday 11 April.
    assert!(cal.is_working_day(date("2017-04-10")));
    assert!(!cal.is_working_day(date("2017-04-11")));
    // Sunday 2024-05-12 -> Sunday 2024-05-19: Mon 13, Wed 15, Thu 16, Sun 19 (Tue 14 is a holiday) = 4.
    assert_eq!(
        cal.working_days_between(date("2024-05-12"), date("2024-05-19")),
        4
    );
}

#[test]
fn every_reference_item_has_a_source_and_illustrative_ones_say_why() {
    let set = policy::reference();
    let sources = set.provenance();
    // 2 regimes, 14 entries (each with its regime's source; 18 versions, each with a wording and a flag
    // source), 62 assessment versions + default, 16 embargo periods (4 ended), 42 Wassenaar periods, 25
    // vocabulary items, the calendar and 11 years of holidays.
    assert_eq!(
        sources.len(),
        2 + 14 + 18 * 2 + 52 + 10 + 1 + 16 + 4 + 42 + 25 + 1 + 11
    );
    for (what, s) in &sources {
        assert!(!s.document.is_empty() && !s.article.is_empty(), "{what}");
        assert!(
            s.url.starts_with("https://") || s.url.starts_with("http://"),
            "{what}"
        );
    }
    let illustrative: Vec<&str> = sources
        .iter()
        .filter(|(_, s)| s.illustrative.is_some())
        .map(|(w, _)| w.as_str())
        .collect();
    // Assessments (all of them), the working week, the regimes and the entries' assignment to them; nothing
    // else.
    assert!(illustrative.iter().all(|w| w.contains("assessment")
        || *w == "the calendar"
        || w.starts_with("regime ")
        || w.ends_with("(regime)")));
    assert_eq!(illustrative.len(), 52 + 10 + 1 + 1 + 2 + 14);
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/policy.md"))
            .expect("docs/policy.md");
    assert!(docs.contains("### Illustrative items in the reference policy"));
    assert!(docs.contains("every country assessment") && docs.contains("the working week"));
    assert!(docs.contains("every control entry's `regime`"));
}

#[test]
fn vocabulary_lists_the_refusal_criteria_checklist_and_red_flags_with_sources() {
    use policy::VocabularyKind::*;
    let set = policy::reference();
    let ids = |k| set.vocabulary(k).map(|v| v.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(RefusalCriterion).len(), 10);
    assert!(ids(RefusalCriterion).contains(&"att-art-7".to_string()));
    assert_eq!(ids(DueDiligenceItem).len(), 8);
    let flags = ids(RedFlag);
    assert!(flags.contains(&"population-surveillance-integration".to_string()));
    assert!(flags.contains(&"abusive-security-body".to_string()));
    let c2 = set
        .vocabulary(RefusalCriterion)
        .find(|v| v.id == "criterion-2")
        .expect("criterion-2");
    assert_eq!(c2.set, "eu-common-position-2008-944");
    assert!(c2.source.document.contains("2008/944/CFSP"));
    assert!(set.vocabulary_allows(RefusalCriterion, "criterion-2", date("2017-01-01")));
    assert!(!set.vocabulary_allows(RefusalCriterion, "criterion-2", date("2016-12-31")));
    assert!(!set.vocabulary_allows(RefusalCriterion, "criterion-9", date("2020-01-01")));
}
