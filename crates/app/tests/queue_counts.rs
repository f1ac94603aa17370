//! The work queues are answered by the store (a COUNT, and pages, over the case index tags and the overdue
//! day): each count must equal the length of the queue the same caller lists, and the listing must hold exactly
//! the cases whose own facts (state, assignment, pending advice, open hits, flags, denial matches, overdue)
//! put them in the queue, on both backends: for every role's queues, on later days (when cases become
//! overdue), after a change of a case, and after a start that re-indexes cases stored by an older index.

use app::listing::Page;
use app::model::{Case, CaseBody, CaseFlag};
use app::views::CaseView;
use app::{App, AppConfig, Principal};
use domain::Role;
use std::collections::BTreeSet;
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

/// The ids of queue `name`'s cases for `who`, decided from the cases themselves as the officer `all` sees
/// them (the store answers queues from its index tags and overdue days; this does not).
fn truth(all: &[Case], who: &Principal, name: &str) -> BTreeSet<String> {
    all.iter()
        .filter(|c| {
            let open = c.state.is_open();
            let pending = |a: &&app::model::AdviceEntry| {
                a.advice.is_none()
                    && (who.role() != Role::Adviser || Some(a.review) == who.review_kind())
            };
            match name {
                "unassigned" => open && c.assigned_to.is_none(),
                "mine" => open && c.assigned_to.as_deref() == Some(who.user_id()),
                "awaiting-advice" => open && c.body.advice.iter().any(|a| pending(&a)),
                "overdue" => c.overdue,
                "screening" => c.body.screening.iter().any(|h| h.status == "open"),
                "flagged" => !c.body.flags.is_empty(),
                "denials" => open && !c.body.denial_matches.is_empty(),
                other => panic!("no queue {other}"),
            }
        })
        .map(|c| c.id.clone())
        .collect()
}

/// Asserts that every queue's count equals its listing's length, and that the listing holds exactly the
/// cases whose own facts put them in the queue; returns the counts.
async fn same_counts(
    app: &App,
    officer: &Principal,
    who: &Principal,
    names: &[&str],
    when: &str,
) -> Vec<usize> {
    let all: Vec<Case> = app
        .applications(officer, &Default::default(), &Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|v| match v {
            CaseView::Internal(c) => *c,
            _ => panic!("the officer sees whole cases"),
        })
        .collect();
    let counts = app.queue_counts(who, names).await.unwrap();
    for (name, n) in names.iter().zip(&counts) {
        let listed: BTreeSet<String> = app
            .queue(who, name, &Page::all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            *n,
            listed.len(),
            "{} queue {name} {when}: counted {n}, listed {}",
            who.username(),
            listed.len()
        );
        assert_eq!(
            listed,
            truth(&all, who, name),
            "{} queue {name} {when}: listed, and the cases in it by their own facts",
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

    let now = same_counts(&app, &officer, &officer, OFFICER_QUEUES, "today").await;
    eprintln!("COUNTS {now:?}");
    assert!(
        now.iter().sum::<usize>() > 0,
        "the demo fills some queues: {now:?}"
    );
    same_counts(&app, &officer, &auditor, OFFICER_QUEUES, "today").await;
    same_counts(&app, &officer, &adviser, &["awaiting-advice"], "today").await;
    // Later days: open cases pass their targets one by one.
    let mut overdue = Vec::new();
    for days in [30, 90, 400] {
        let at = chrono::Utc::now() + chrono::Duration::days(days);
        let c = app::as_of(
            at,
            same_counts(
                &app,
                &officer,
                &officer,
                OFFICER_QUEUES,
                &format!("in {days} days"),
            ),
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
    let after = same_counts(
        &app,
        &officer,
        &officer,
        OFFICER_QUEUES,
        "after an assignment",
    )
    .await;
    assert_eq!(after[0] + 1, now[0], "one fewer unassigned");
    assert_eq!(after[1], now[1] + 1, "one more of mine");

    // Cases indexed by an older version (no queue tags, no overdue day) are indexed again at start.
    let cases = app
        .applications(&officer, &Default::default(), &Page::all())
        .await
        .unwrap()
        .items;
    // The demo has no open hit and no flag: two open cases get one each in the store (the hit as a row of
    // `screening_hits`, the flag in the body), so that the screening and flagged queues hold a case whose index
    // must say so.
    let mut open_ids = Vec::new();
    for q in ["unassigned", "mine"] {
        let page = app.queue(&officer, q, &Page::all()).await.unwrap();
        open_ids.extend(page.items.into_iter().map(|e| e.id));
    }
    assert!(open_ids.len() >= 2, "two open cases: {open_ids:?}");
    let mut tx = store.begin().await.unwrap();
    let hit = serde_json::json!({
        "id": "hit-1", "party_role": "end_user", "party_name": "Zyxwv Interception",
        "list": "demo", "list_version": "1", "sanctions_list": true, "source_id": "demo-1",
        "listed_name": "Zyxwv Fictional Interception Works", "score": 0.93, "explanation": {},
        "status": "open", "reason": null, "decided_by": null, "found_at": "2026-01-01T00:00:00Z"
    });
    let key = store::HitKey {
        id: "hit-1",
        status: "open",
        list: "demo",
        source_id: "demo-1",
        party_role: "end_user",
        found_at: "2026-01-01T00:00:00Z",
    };
    tx.put_hit(&open_ids[0], 0, key, &hit).await.unwrap();
    let mut flagged: store::Record<CaseBody> = tx.get("case", &open_ids[1]).await.unwrap();
    flagged.body.flags.push(CaseFlag {
        at: "2026-01-01T00:00:00Z".into(),
        kind: "marketing-authorisation-revoked".into(),
        message: "the marketing licence this licence relies on was revoked".into(),
    });
    flagged.version += 1;
    tx.update(&flagged).await.unwrap();
    for c in &cases {
        tx.set_due_on("case", c.id(), None).await.unwrap();
    }
    tx.commit().await.unwrap();
    for c in &cases {
        store.set_index("case", c.id(), ",", "\u{1}").await.unwrap();
    }
    let restarted = App::new(store.clone(), AppConfig::default()).await.unwrap();
    let again = same_counts(
        &restarted,
        &officer,
        &officer,
        OFFICER_QUEUES,
        "after a restart",
    )
    .await;
    assert_eq!(
        (again[4], again[5]),
        (after[4] + 1, after[5] + 1),
        "the case with an open hit and the flagged case are in their queues"
    );
    assert_eq!(
        (&again[..4], again[6]),
        (&after[..4], after[6]),
        "the other queues as before"
    );
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
