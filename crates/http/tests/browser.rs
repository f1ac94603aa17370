//! A real-browser test: headless Chromium (Debian packages `chromium` and `chromium-driver`) driven through
//! chromedriver with fantoccini, against the real router on SQLite with the demo data. The exporter signs in,
//! sees its dashboard and opens a case; the officer signs in, opens the queues, a queue and a case; anyone
//! checks a licence. A screenshot of every page goes to `$CARGO_TARGET_TMPDIR/browser/`; the test fails on any
//! severe browser console message and on horizontal scrolling at 360 px.

#[path = "support/browser.rs"]
mod browser_support;

use browser_support::{start_driver, Browser, Service};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_headless_chromium() {
    let driver = start_driver();
    // The service on SQLite with the demo data.
    let service = Service::start(testdb::Backend::Sqlite).await;
    let (app, users) = (&service.app, &service.users);
    let pw = |u: &str| service.password(u);
    let b = Browser::open(&driver, &service.base, "browser", false).await;

    // Home, at 360 px: no horizontal scrolling.
    b.c.set_window_size(360, 800).await.unwrap();
    b.goto("/").await;
    let fits =
        b.c.execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        json!(true),
        "the home page scrolls sideways at 360 px"
    );
    b.check("home-360").await;
    b.c.set_window_size(1024, 900).await.unwrap();

    // Exporter: sign in, dashboard, a case.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    assert_eq!(b.path().await, "/exporter");
    let text = b.text().await;
    assert!(text.contains("Your organisation") && text.contains("Network Monitor (demo)"));
    b.check("exporter-dashboard").await;
    b.click("a[href^='/exporter/cases/']").await;
    assert!(b.path().await.starts_with("/exporter/cases/"));
    assert!(b.text().await.contains("History"));
    b.check("exporter-case").await;
    b.sign_out().await;

    // Officer: queues, the unassigned queue, a case.
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    assert_eq!(b.path().await, "/officer");
    b.check("officer-queues").await;
    b.click("a[href='/officer/queues/mine']").await;
    assert!(b.text().await.contains("Assigned to me"));
    b.check("officer-queue").await;
    b.click("a[href^='/officer/cases/']").await;
    let text = b.text().await;
    assert!(text.contains("Policy determinations") && text.contains("Parties"));
    b.check("officer-case").await;
    b.sign_out().await;

    // Public verification of the demo's issued licence.
    let exp = app.authenticate(&users[1].token).await.unwrap();
    let number = app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find_map(|c| match c {
            app::views::CaseView::Exporter(c) => c.licence_issued.map(|l| l.number),
            _ => None,
        })
        .unwrap();
    b.goto("/verify").await;
    b.fill("#number", &number).await;
    b.click("form[action='/verify'] button").await;
    assert_eq!(b.path().await, format!("/verify/{number}"));
    assert!(b.text().await.contains("Valid: this licence is in force."));
    b.check("verify").await;

    b.c.close().await.unwrap();
}
