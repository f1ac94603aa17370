//! `serve --demo`'s decision history: made through the ordinary use cases, spanning 2017 to today, with the
//! outcomes the statistics page shows.

use app::listing::Page;
use app::views::CaseView;
use app::{App, AppConfig};
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
    let app = App::new(store, AppConfig::default()).await.unwrap();
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
    // Made through the use cases: each change wrote its audit event, and the chain verifies.
    let after = app.store.verify_audit(&[]).await.unwrap();
    assert!(
        after.events > before.events + n as i64 * 3,
        "{before:?} -> {after:?}"
    );
    assert!(after.first_bad_seq.is_none(), "{after:?}");
}
