//! Processing time against targets: working days with holidays excluded, overdue marking in the queue.

use app::model::{CaseBody, EnrolRequest, NewUser, StateChange};
use app::views::CaseView;
use app::{App, AppConfig, Principal};
use domain::{CaseState, LicenceKind, Role};
use store::{Record, Store};

fn change(at: &str, from: CaseState, to: CaseState) -> StateChange {
    StateChange {
        by_username: None,
        reason: None,
        at: at.into(),
        from,
        to,
        by: "u".into(),
    }
}

fn case(
    id: &str,
    history: Vec<StateChange>,
    state: CaseState,
    target: Option<u32>,
) -> Record<CaseBody> {
    let body: CaseBody = serde_json::from_value(serde_json::json!({
        "licence": "marketing", "marketing": null, "export": null, "policy_version": null,
        "target_working_days": target, "decision": null, "licence_issued": null, "submitted_at": null,
        "history": history,
    }))
    .unwrap();
    Record {
        id: id.into(),
        kind: "case".into(),
        org_id: Some("o".into()),
        state: state.as_str().into(),
        reference: Some(format!("ML-2026-{id}")),
        assigned_to: None,
        tags: String::new(),
        search: String::new(),
        version: 1,
        body,
        created_at: "2026-01-01T00:00:00.000Z".into(),
        updated_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn old_open_cases_are_overdue_and_holidays_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.db").display()
    ))
    .await
    .unwrap();
    // A submitted case from a year ago is overdue; one submitted today is not; a decided one never is.
    let today = app::today();
    let long_ago = format!("{}T09:00:00.000Z", today - chrono::Duration::days(365));
    let now = format!("{today}T00:00:00.000Z");
    let mut tx = store.begin().await.unwrap();
    // The applicant the queue rows name.
    tx.insert(&Record::new(
        "o".into(),
        app::admin::ORG,
        None,
        "active",
        app::model::NewOrganisation {
            name: "Acme Cyber Ltd".into(),
            country: domain::CountryCode::parse("IL").unwrap(),
        },
        now.clone(),
    ))
    .await
    .unwrap();
    tx.insert(&case(
        "000001",
        vec![change(&long_ago, CaseState::Draft, CaseState::Submitted)],
        CaseState::Submitted,
        Some(20),
    ))
    .await
    .unwrap();
    tx.insert(&case(
        "000002",
        vec![change(&now, CaseState::Draft, CaseState::Submitted)],
        CaseState::Submitted,
        Some(20),
    ))
    .await
    .unwrap();
    tx.insert(&case(
        "000003",
        vec![
            change(&long_ago, CaseState::Draft, CaseState::Submitted),
            change(&long_ago, CaseState::UnderReview, CaseState::Approved),
        ],
        CaseState::Approved,
        Some(20),
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let app = App::new(store, AppConfig::default()).await.unwrap();
    let officer = officer(&app).await;
    let overdue = app
        .queue(&officer, "overdue", &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    assert_eq!(
        overdue
            .iter()
            .map(|e| e.reference.as_str())
            .collect::<Vec<_>>(),
        ["ML-2026-000001"]
    );
    assert_eq!(overdue[0].exporter, "Acme Cyber Ltd");
    assert!(
        overdue[0].elapsed_working_days > 250 && overdue[0].elapsed_working_days < 262,
        "{}",
        overdue[0].elapsed_working_days
    );
    let CaseView::Internal(c) = app.application(&officer, &overdue[0].id).await.unwrap() else {
        panic!("an officer reads the internal view")
    };
    assert!(c.overdue);
    assert_eq!(c.body.licence, LicenceKind::Marketing);

    // The same case on a calendar where every weekday of the year is a holiday: no working days elapsed.
    let holidays: Vec<chrono::NaiveDate> = (0..=366)
        .map(|d| today - chrono::Duration::days(d))
        .collect();
    let store2 = app.store.clone();
    let app2 = App::new(
        store2,
        AppConfig {
            holidays,
            ..AppConfig::default()
        },
    )
    .await
    .unwrap();
    let CaseView::Internal(c2) = app2.application(&officer, &overdue[0].id).await.unwrap() else {
        panic!("an officer reads the internal view")
    };
    assert_eq!(c2.elapsed_working_days, 0);
    assert!(!c2.overdue);
    app.queue(&officer, "bogus", &app::listing::Page::all())
        .await
        .unwrap_err();
}

/// An officer signed in the way a real one is: created by an administrator, enrolled with its one-time secret.
async fn officer(app: &App) -> Principal {
    let root = app.bootstrap_admin("root").await.unwrap();
    let admin = app.authenticate(&root.token.unwrap().token).await.unwrap();
    let u = app
        .create_user(
            &admin,
            NewUser {
                username: "officer".into(),
                role: Role::Officer,
                review_kind: None,
                org_id: None,
                token_days: None,
            },
        )
        .await
        .unwrap();
    let token = app
        .enrol(EnrolRequest {
            username: "officer".into(),
            secret: u.enrolment.unwrap().secret,
            label: None,
            days: None,
        })
        .await
        .unwrap();
    app.authenticate(&token.token).await.unwrap()
}

#[test]
fn the_service_calendar_is_the_reference_authoritys_unless_configured() {
    use domain::workdays::{Tz, WorkingWeek};
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let reference = app::calendar_for(&AppConfig::default());
    assert_eq!(reference.working_week(), WorkingWeek::SUNDAY_TO_THURSDAY);
    assert_eq!(reference.time_zone(), Tz::Asia__Jerusalem);
    // Independence Day 2024 (Tuesday 14 May) is a holiday; Sunday 19 May works.
    assert!(!reference.is_working_day(d("2024-05-14")));
    assert!(reference.is_working_day(d("2024-05-19")));
    let configured = app::calendar_for(&AppConfig {
        working_week: Some(WorkingWeek::MONDAY_TO_FRIDAY),
        time_zone: Some(Tz::UTC),
        holidays: vec![d("2024-05-20")],
        ..AppConfig::default()
    });
    assert!(!configured.is_working_day(d("2024-05-19")));
    assert!(
        !configured.is_working_day(d("2024-05-20")),
        "configured extra holiday"
    );
    assert!(
        !configured.is_working_day(d("2024-05-14")),
        "reference holidays are kept"
    );
    assert_eq!(configured.time_zone(), Tz::UTC);
}
