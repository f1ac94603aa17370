//! The auditor's page over HTTP: the audit log searched by case, actor, action and dates, with its
//! verification status.

use super::{error_summary, Pages};
use testdb::Backend;

pub(super) async fn audit_log_search_and_verification(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-auditor").await;
    assert_eq!(t.get("/dashboard", Some(&s)).await.location, "/auditor");
    let all = t.get("/auditor", Some(&s)).await;
    assert_eq!(all.status, 200);
    assert!(
        all.body.contains("data-intact=\"true\""),
        "the demo log verifies"
    );
    let exp = t.principal("demo-exporter").await;
    let case = t
        .app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.state() == domain::CaseState::Issued)
        .unwrap();
    let by_case = t
        .get(&format!("/auditor?case={}", case.id()), Some(&s))
        .await
        .body;
    for action in ["submit-application", "approve-application"] {
        assert!(by_case.contains(&format!("<td>{action}</td>")), "{action}");
    }
    assert!(
        !by_case.contains("<td>create-product</td>"),
        "only the case's events"
    );
    let by_action = t.get("/auditor?action=create-product", Some(&s)).await.body;
    assert!(by_action.matches("<td>create-product</td>").count() >= 2);
    assert!(
        !by_action.contains("<td>submit-application</td>"),
        "only that action"
    );
    let off = t.principal("demo-officer").await;
    let by_actor = t
        .get(&format!("/auditor?actor={}", off.user_id()), Some(&s))
        .await
        .body;
    assert!(
        by_actor.contains("<td>approve-application</td>")
            && !by_actor.contains("<td>create-product</td>")
    );
    let today = chrono::Utc::now().date_naive();
    let range = t
        .get(&format!("/auditor?from={today}&until={today}"), Some(&s))
        .await
        .body;
    assert!(range.contains("<td>create-product</td>"));
    let future = t.get("/auditor?from=2099-01-01", Some(&s)).await.body;
    assert!(!future.contains("id=\"audit-events\""));
    let bad = t.get("/auditor?from=yesterday", Some(&s)).await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#from"));
    let exporter = t.sign_in("demo-exporter").await;
    assert_eq!(t.get("/auditor", Some(&exporter)).await.status, 403);
}
