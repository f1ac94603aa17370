//! `serve --demo`'s decision history: made through the ordinary use cases, spanning 2017 to today, with the
//! outcomes the statistics page shows.

use app::listing::Page;
use app::model::AppealOutcome;
use app::views::CaseView;
use app::{App, AppConfig};
use stats::{FactKind, FactOutcome, Figure};
use store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_history_spans_the_years_through_the_use_cases() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.db").display()
    ))
    .await
    .unwrap();
    // Threshold 1: nothing is suppressed, so the statistics can be compared with the cases themselves.
    let config = AppConfig {
        stats_threshold: 1,
        ..Default::default()
    };
    let app = App::new(store, config).await.unwrap();
    app.import_demo_list().await.unwrap();
    let (users, cast) = app.seed_demo_base().await.unwrap();
    let before = app.store.verify_audit(&[]).await.unwrap();
    let n = app.seed_demo_history(&cast).await.unwrap();
    assert!(n >= 300, "{n} cases");
    let officer = users
        .iter()
        .find(|u| u.username == "demo-officer")
        .expect("demo officer");
    let officer = app.authenticate(&officer.token).await.unwrap();
    let cases = app
        .applications(&officer, &Default::default(), &Page::all())
        .await
        .unwrap()
        .items;
    let internal: Vec<_> = cases
        .iter()
        .filter_map(|c| match c {
            CaseView::Internal(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        internal.len(),
        cases.len(),
        "an officer reads internal views"
    );
    // Every year from 2017 to last year has cases, and the outcomes include issues and refusals.
    let this_year = app::today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap();
    for year in 2017..this_year {
        assert!(
            internal
                .iter()
                .any(|c| c.reference.contains(&format!("-{year}-"))),
            "no case in {year}"
        );
    }
    for state in ["issued", "refused", "withdrawn"] {
        assert!(
            internal.iter().any(|c| c.state.as_str() == state
                || (state == "issued"
                    && matches!(c.state.as_str(), "expired" | "revoked" | "suspended"))),
            "no {state} case"
        );
    }
    // About 3% lapse (an information request never answered, closed after its deadline), and about a quarter
    // of the refusals nothing blocked are overturned on appeal by another officer and then issued.
    let count = |state: &str| {
        internal
            .iter()
            .filter(|c| c.state.as_str() == state)
            .count()
    };
    let lapsed = count("lapsed");
    assert!((4..=30).contains(&lapsed), "{lapsed} lapsed of {n}");
    for c in internal.iter().filter(|c| c.state.as_str() == "lapsed") {
        let asked = c
            .body
            .info_requests
            .last()
            .expect("a lapsed case was asked");
        assert!(
            asked.answer.is_none() && asked.due_on.is_some(),
            "{}",
            c.reference
        );
    }
    assert_eq!(count("under-appeal"), 0, "every appeal was decided");
    let overturned: Vec<_> = internal
        .iter()
        .filter(|c| {
            c.body
                .appeal
                .as_ref()
                .is_some_and(|a| a.outcome == Some(AppealOutcome::Overturned))
        })
        .collect();
    let refused = count("refused");
    assert!(
        (3..=25).contains(&overturned.len()) && overturned.len() < refused,
        "{} overturned, {refused} refused",
        overturned.len()
    );
    for c in &overturned {
        let appeal = c.body.appeal.as_ref().unwrap();
        assert_ne!(
            appeal.reviewed_by.as_deref(),
            appeal.refusal.as_ref().map(|d| d.decided_by.as_str()),
            "{}: reviewed by the officer who refused",
            c.reference
        );
        let facts = app.case_decision_facts(&officer, &c.id).await.unwrap();
        let outcomes: Vec<_> = facts.iter().map(|f| (f.kind, f.fact.outcome)).collect();
        assert_eq!(
            outcomes[..2],
            [
                (FactKind::Outcome, FactOutcome::Refused),
                (FactKind::Correction, FactOutcome::IssuedOnAppeal)
            ],
            "{}",
            c.reference
        );
    }
    // The statistics show them: lapsed cases in their own column, overturned refusals no longer as refusals
    // (the demo's partial decision refuses one part of its case).
    let partly_refused = internal
        .iter()
        .filter(|c| {
            c.body
                .decision
                .as_ref()
                .and_then(|d| d.parts.as_ref())
                .is_some_and(|p| !p.refused.is_empty())
        })
        .count();
    let (mut lapsed_published, mut refused_published) = (0, 0);
    // (A case submitted late in the history may be decided after today, possibly next year.)
    for year in 2017..=this_year + 1 {
        let report = app
            .public_statistics(&year.to_string(), None)
            .await
            .unwrap();
        let total = report.tables[0].total.as_ref().unwrap();
        if year > this_year && total.get("applications") == Some(&Figure::Suppressed) {
            // No case decided next year (with threshold 1, only an empty period publishes nothing).
            continue;
        }
        for (col, sum) in [
            ("lapsed", &mut lapsed_published),
            ("refused", &mut refused_published),
        ] {
            match total.get(col) {
                Some(Figure::Count(x)) => *sum += *x as usize,
                other => panic!("{year} {col}: {other:?}"),
            }
        }
    }
    assert_eq!(lapsed_published, lapsed);
    assert_eq!(refused_published, refused + partly_refused);
    // Made through the use cases: each change wrote its audit event, and the chain verifies.
    let after = app.store.verify_audit(&[]).await.unwrap();
    assert!(
        after.events > before.events + n as i64 * 3,
        "{before:?} -> {after:?}"
    );
    assert!(after.first_bad_seq.is_none(), "{after:?}");
}
