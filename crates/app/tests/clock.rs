//! The processing clock, exactly: cases made through the use cases at controlled times (`app::as_of`) in the
//! reference calendar (Sunday to Thursday, Asia/Jerusalem, Israeli public holidays), and their elapsed working
//! days asserted to the day: the clock stops while the exporter is asked for information, starts again on the
//! authority's date of the answer (not the UTC date), skips the weekend and a real public holiday.

use app::model::{
    ActionBody, AssignBody, EndUser, InfoRequestBody, MarketingDetails, NewApplication, RespondBody,
};
use app::views::CaseView;
use app::App;
use chrono::{DateTime, Utc};
use domain::{CountryCode, EndUserType, LicenceKind};

fn at(ts: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .with_timezone(&Utc)
}

async fn elapsed(app: &App, who: &app::Principal, id: &str, when: &str) -> u32 {
    match app::as_of(at(when), app.application(who, id))
        .await
        .unwrap()
    {
        CaseView::Internal(c) => c.elapsed_working_days,
        _ => panic!("an officer reads the internal view"),
    }
}

fn application(product: &str) -> NewApplication {
    let dest = CountryCode::parse("BR").unwrap();
    NewApplication {
        licence: LicenceKind::Marketing,
        marketing: Some(MarketingDetails {
            products: vec![product.to_string()],
            destinations: vec![dest.clone()],
            end_users: vec![EndUser {
                name: "Federal Police".into(),
                end_user_type: EndUserType::GovernmentLawEnforcement,
                country: Some(dest),
            }],
        }),
        export: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elapsed_working_days_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.db").display()
    ))
    .await
    .unwrap();
    let app = App::new(store, app::AppConfig::default()).await.unwrap();
    let (_, cast) = app.seed_demo_base().await.unwrap();
    let (ex, off) = (&cast.exporter, &cast.officer);
    let product = &cast.products[0];

    // Submitted on Sunday 6 July 2025 at 09:00 in Jerusalem (06:00 UTC).
    let id = app::as_of(at("2025-07-06T06:00:00Z"), async {
        let c = app.create_application(ex, application(product)).await?;
        app.submit_application(ex, c.id(), ActionBody::default())
            .await
    })
    .await
    .unwrap()
    .id()
    .to_string();
    assert_eq!(elapsed(&app, off, &id, "2025-07-06T12:00:00Z").await, 0);
    app::as_of(
        at("2025-07-07T06:00:00Z"),
        app.assign(
            off,
            &id,
            AssignBody {
                officer_id: None,
                expected_version: None,
            },
        ),
    )
    .await
    .unwrap();
    // Information requested on Wednesday 9 July: Mon 7, Tue 8, Wed 9 have run.
    app::as_of(
        at("2025-07-09T06:00:00Z"),
        app.request_information(
            off,
            &id,
            InfoRequestBody {
                question: "Which units will operate the system?".into(),
                expected_version: None,
            },
        ),
    )
    .await
    .unwrap();
    assert_eq!(elapsed(&app, off, &id, "2025-07-09T12:00:00Z").await, 3);
    // Stopped while the exporter is asked: ten days later, still 3.
    assert_eq!(elapsed(&app, off, &id, "2025-07-17T12:00:00Z").await, 3);
    // Answered at 01:30 on Sunday 20 July in Jerusalem, which is still Saturday 19 July in UTC: the clock
    // restarts on the authority's date, Sunday.
    app::as_of(
        at("2025-07-19T22:30:00Z"),
        app.respond(
            ex,
            &id,
            RespondBody {
                answer: "The federal police's cyber unit only.".into(),
                documents: vec![],
                expected_version: None,
            },
        ),
    )
    .await
    .unwrap();
    // Thursday 24 July: Mon 21 to Thu 24 added, 3 + 4.
    assert_eq!(elapsed(&app, off, &id, "2025-07-24T12:00:00Z").await, 7);
    // Friday and Saturday are not working days in the reference week; Sunday is.
    assert_eq!(elapsed(&app, off, &id, "2025-07-26T12:00:00Z").await, 7);
    assert_eq!(elapsed(&app, off, &id, "2025-07-27T12:00:00Z").await, 8);

    // Independence Day 2024 (Tuesday 14 May) does not count: submitted Sunday 12 May, read Thursday 16 May,
    // Mon 13, Wed 15 and Thu 16 have run.
    let id2 = app::as_of(at("2024-05-12T06:00:00Z"), async {
        let c = app.create_application(ex, application(product)).await?;
        app.submit_application(ex, c.id(), ActionBody::default())
            .await
    })
    .await
    .unwrap()
    .id()
    .to_string();
    assert_eq!(elapsed(&app, off, &id2, "2024-05-13T12:00:00Z").await, 1);
    assert_eq!(elapsed(&app, off, &id2, "2024-05-14T12:00:00Z").await, 1);
    assert_eq!(elapsed(&app, off, &id2, "2024-05-16T12:00:00Z").await, 3);
}
