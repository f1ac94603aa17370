//! Recall of denial matching on the project's own fixtures: the denied parties of the demonstration list
//! (`crates/app/src/demo_list.csv`) and the transliteration fixtures of the screening index's tests, matched
//! from misspelt and transliterated end-user names. Every variant must find its denial, and only its denial.

use chrono::NaiveDate;
use screening::denials::{Application, DenialKey, DeniedName, Matcher};

/// The demonstration list the service loads with `serve --demo` (invented names).
const DEMO_LIST: &str = include_str!("../../app/src/demo_list.csv");

fn key(i: usize) -> DenialKey {
    DenialKey {
        id: format!("d{i}"),
        reference: format!("DE/R-{i}"),
        denying_state: "DE".into(),
        own: false,
        entries: vec!["5A001.j".into()],
        destination: "AE".into(),
        in_force_until: NaiveDate::from_ymd_opt(2029, 1, 1).unwrap(),
    }
}

/// The primary names of the demonstration list.
fn demo_names() -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(DEMO_LIST.as_bytes());
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "name")
        .unwrap();
    rdr.records()
        .map(|r| r.unwrap().get(col).unwrap().to_string())
        .collect()
}

/// One misspelling: drop the letter in the middle of the longest word.
fn misspelt(name: &str) -> String {
    let longest = name
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap();
    let mut c: Vec<char> = longest.chars().collect();
    c.remove(c.len() / 2);
    name.replacen(longest, &c.into_iter().collect::<String>(), 1)
}

#[test]
fn transliterated_and_misspelt_end_users_find_their_denial() {
    // (denied end user, variants an exporter might write)
    let mut cases: Vec<(String, Vec<String>)> = vec![
        (
            "SADDAM HUSSEIN AL-TIKRITI".into(),
            vec![
                "Sadam Husein al Tikriti".into(),
                "Hussein, Saddam".into(),
                "Saddam Husain".into(),
            ],
        ),
        (
            "Muhammad Yusuf Abd al-Rahman".into(),
            vec![
                "Mohammed Yousef Abdul Rahman".into(),
                "Mohamad Yusuf Abdelrahman".into(),
            ],
        ),
        (
            "PUTIN, Vladimir Vladimirovich".into(),
            vec![
                "Владимир Владимирович Путин".into(),
                "Vladimir Putin".into(),
            ],
        ),
        ("JOHNSON ANDRE".into(), vec!["Джонсон Андре".into()]),
        ("XI Jinping".into(), vec!["Xi Jin Ping".into()]),
        (
            "KIM JONG UN".into(),
            vec!["KMI JONG UN".into(), "KIM JONGG UN".into()],
        ),
    ];
    for n in demo_names() {
        cases.push((n.clone(), vec![misspelt(&n), n.to_lowercase()]));
    }
    let denials: Vec<(DenialKey, Vec<DeniedName>)> = cases
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            (
                key(i),
                vec![DeniedName {
                    role: "end-user",
                    name: name.clone(),
                }],
            )
        })
        .collect();
    let m = Matcher::build(denials);
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let (mut found, mut total, mut missed) = (0, 0, Vec::new());
    for (i, (denied, variants)) in cases.iter().enumerate() {
        for v in variants {
            total += 1;
            let app = Application {
                entries: vec!["5A001.j".into()],
                destinations: vec!["AE".into()],
                parties: vec![("end-user".into(), v.clone())],
            };
            let hits = m.find(&app, today, screening::DEFAULT_THRESHOLD);
            if hits.first().is_some_and(|h| h.denial.id == format!("d{i}")) {
                found += 1;
                assert!(
                    !hits[0].explanation.comparison.is_empty()
                        && hits[0].explanation.name_score > 0.0,
                    "every match is explained"
                );
            } else {
                missed.push((
                    v.clone(),
                    denied.clone(),
                    hits.first().map(|h| h.denied_name.clone()),
                ));
            }
        }
    }
    eprintln!("denial matching recall: {found}/{total}");
    assert!(missed.is_empty(), "missed: {missed:?}");
    // Unrelated names match nothing.
    for other in [
        "Northern Fisheries Board",
        "Acme Cyber Ltd",
        "Maria Gonzalez",
    ] {
        let app = Application {
            entries: vec!["5A001.j".into()],
            destinations: vec!["AE".into()],
            parties: vec![("end-user".into(), other.into())],
        };
        assert!(
            m.find(&app, today, screening::DEFAULT_THRESHOLD).is_empty(),
            "{other}"
        );
    }
}
