//! The work-queue counts are computed in the store (one COUNT per queue over the case index tags and the
//! overdue day) and must equal the length of the queue the same caller lists, on both backends: for every
//! role's queues, on later days (when cases become overdue), after a change of a case, and after a start that
//! re-indexes cases stored by an older index.

use app::listing::Page;
use app::{App, AppConfig, Principal};
use testdb::Backend;

const OFFICER_QUEUES: &[&str] = &[
    "unassigned",
    "mine",
    "awaiting-advice",
    "overdue",
    "screening",
    "flagged",
    "denials",
];

/// Asserts that every queue's count equals its listing's length; returns the counts.
async fn same_counts(app: &App, who: &Principal, names: &[&str], when: &str) -> Vec<usize> {
    let counts = app.queue_counts(who, names).await.unwrap();
    for (name, n) in names.iter().zip(&counts) {
        let listed = app
            .queue(who, name, &Page::all())
            .await
            .unwrap()
            .items
            .len();
        assert_eq!(
            *n,
            listed,
            "{} queue {name} {when}: counted {n}, listed {listed}",
            who.username()
        );
    }
    counts
}

async fn counts_equal_listings(b: Backend) {
    let db = testdb::TestDb::new(b).await;
    let store = store::Store::connect(&db.url).await.unwrap();
    let app = App::new(store.clone(), AppConfig::default()).await.unwrap();
    app.import_demo_list().await.unwrap();
    let (users, cast) = app.seed_demo_base().await.unwrap();
    app.seed_demo_history(&cast).await.unwrap();
    let token = |name: &str| {
        users
            .iter()
            .find(|u| u.username == name)
            .unwrap()
            .token
            .clone()
    };
    let officer = app.authenticate(&token("demo-officer")).await.unwrap();
    let auditor = app.authenticate(&token("demo-auditor")).await.unwrap();
    let adviser = app.authenticate(&token("demo-hr-adviser")).await.unwrap();

    let now = same_counts(&app, &officer, OFFICER_QUEUES, "today").await;
    assert!(
        now.iter().sum::<usize>() > 0,
        "the demo fills some queues: {now:?}"
    );
    same_counts(&app, &auditor, OFFICER_QUEUES, "today").await;
    same_counts(&app, &adviser, &["awaiting-advice"], "today").await;
    // Later days: open cases pass their targets one by one.
    let mut overdue = Vec::new();
    for days in [30, 90, 400] {
        let at = chrono::Utc::now() + chrono::Duration::days(days);
        let c = app::as_of(
            at,
            same_counts(&app, &officer, OFFICER_QUEUES, &format!("in {days} days")),
        )
        .await;
        overdue.push(c[3]);
    }
    assert!(
        overdue[2] > 0,
        "open cases are overdue a year on: {overdue:?}"
    );

    // A change of a case (an officer takes an unassigned case) moves it between queues; counts follow.
    let first = app
        .queue(&officer, "unassigned", &Page::all())
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    app.assign(
        &officer,
        &first,
        app::model::AssignBody {
            officer_id: None,
            expected_version: None,
        },
    )
    .await
    .unwrap();
    let after = same_counts(&app, &officer, OFFICER_QUEUES, "after an assignment").await;
    assert_eq!(after[0] + 1, now[0], "one fewer unassigned");
    assert_eq!(after[1], now[1] + 1, "one more of mine");

    // Cases indexed by an older version (no queue tags, no overdue day) are indexed again at start.
    let cases = app
        .applications(&officer, &Default::default(), &Page::all())
        .await
        .unwrap()
        .items;
    let mut tx = store.begin().await.unwrap();
    for c in &cases {
        tx.set_due_on("case", c.id(), None).await.unwrap();
    }
    tx.commit().await.unwrap();
    for c in &cases {
        store.set_index("case", c.id(), ",", "\u{1}").await.unwrap();
    }
    let restarted = App::new(store.clone(), AppConfig::default()).await.unwrap();
    let again = same_counts(&restarted, &officer, OFFICER_QUEUES, "after a restart").await;
    assert_eq!(again, after);
    let at = chrono::Utc::now() + chrono::Duration::days(400);
    let later = app::as_of(at, restarted.queue_counts(&officer, &["overdue"]))
        .await
        .unwrap();
    assert_eq!(later[0], overdue[2], "overdue days recomputed at start");

    // A role without work queues is refused as the listing is.
    let exporter = app.authenticate(&token("demo-exporter")).await.unwrap();
    assert!(app.queue_counts(&exporter, &["unassigned"]).await.is_err());
    assert!(app.queue_counts(&adviser, &["unassigned"]).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_counts_equal_listings_sqlite() {
    counts_equal_listings(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_counts_equal_listings_postgres() {
    counts_equal_listings(Backend::Postgres).await
}
