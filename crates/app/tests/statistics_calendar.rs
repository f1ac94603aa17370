//! Decision facts take their dates in the authority's calendar (its time zone), not in UTC: a case submitted
//! and withdrawn just after midnight in Jerusalem (still the previous day in UTC) counts on the Jerusalem
//! date, and so in that date's quarter. Both backends.

use app::model::{ActionBody, EndUser, MarketingDetails, NewApplication};
use app::{App, AppConfig};
use chrono::{DateTime, NaiveDate, Utc};
use domain::workdays::parse_time_zone;
use domain::{CountryCode, EndUserType, LicenceKind};
use stats::Figure;
use store::Store;
use testdb::{Backend, TestDb};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Submits at `submit` and withdraws at `withdraw` (UTC instants); returns the case's decision fact.
async fn withdrawn_case(app: &App, submit: &str, withdraw: &str) -> stats::DecisionFact {
    let (_, cast) = app.seed_demo_base().await.unwrap();
    let ex = &cast.exporter;
    let dest = CountryCode::parse("FR").unwrap();
    let new = NewApplication {
        licence: LicenceKind::Marketing,
        marketing: Some(MarketingDetails {
            products: vec![cast.products[0].clone()],
            destinations: vec![dest.clone()],
            end_users: vec![EndUser {
                name: "National Police".into(),
                end_user_type: EndUserType::GovernmentLawEnforcement,
                country: Some(dest),
            }],
        }),
        export: None,
    };
    let case = app::as_of(at(submit), async {
        let c = app.create_application(ex, new).await?;
        app.submit_application(ex, c.id(), ActionBody::default())
            .await
    })
    .await
    .unwrap();
    let id = case.id().to_string();
    app::as_of(
        at(withdraw),
        app.withdraw_application(ex, &id, ActionBody::default()),
    )
    .await
    .unwrap();
    let facts = app.case_decision_facts(&cast.officer, &id).await.unwrap();
    assert_eq!(facts.len(), 1);
    facts[0].fact.clone()
}

fn withdrawn(r: &stats::Report) -> Option<Figure> {
    r.tables[0]
        .total
        .as_ref()
        .and_then(|t| t.get("withdrawn"))
        .cloned()
}

async fn dates_are_the_authoritys(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    let config = AppConfig {
        time_zone: Some(parse_time_zone("Asia/Jerusalem").unwrap()),
        stats_threshold: 1,
        ..Default::default()
    };
    let app = App::new(store, config).await.unwrap();
    app.import_demo_list().await.unwrap();
    // 21:30 UTC is 00:30 the next day in Jerusalem (UTC+3 in summer time).
    let fact = withdrawn_case(&app, "2026-03-31T21:30:00Z", "2026-06-30T21:30:00Z").await;
    assert_eq!(
        fact.submitted_on,
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
    );
    assert_eq!(
        fact.decided_on,
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    );
    // The withdrawal counts in the third quarter (Jerusalem), not in the second (UTC).
    let q3 = app.public_statistics("2026-Q3", None).await.unwrap();
    let q2 = app.public_statistics("2026-Q2", None).await.unwrap();
    assert_eq!(withdrawn(&q3), Some(Figure::Count(1)), "{q3:?}");
    // The second quarter has no case at all (nothing to publish: no row).
    assert!(q2.tables[0].rows.is_empty(), "{q2:?}");
    assert!(!q3.tables[0].rows.is_empty(), "{q3:?}");
}

/// The configured time zone, not the reference policy's (Jerusalem), decides: in New York 02:30 UTC is still
/// the previous evening.
async fn configured_zone_wins(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    let config = AppConfig {
        time_zone: Some(parse_time_zone("America/New_York").unwrap()),
        ..Default::default()
    };
    let app = App::new(store, config).await.unwrap();
    app.import_demo_list().await.unwrap();
    let fact = withdrawn_case(&app, "2026-04-01T02:30:00Z", "2026-07-01T02:30:00Z").await;
    assert_eq!(
        fact.submitted_on,
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
    );
    assert_eq!(
        fact.decided_on,
        NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_dates_follow_the_calendar_sqlite() {
    dates_are_the_authoritys(Backend::Sqlite).await;
    configured_zone_wins(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_dates_follow_the_calendar_postgres() {
    dates_are_the_authoritys(Backend::Postgres).await;
    configured_zone_wins(Backend::Postgres).await;
}
