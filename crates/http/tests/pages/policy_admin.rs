//! The policy administrator's pages over HTTP: a changed file that does not load is refused with the checker's
//! diagnostics; a valid one is staged, its impact previewed over the cases, and published from a date.

use super::{csrf, error_summary, Pages};
use testdb::Backend;

pub(super) async fn policy_stage_preview_publish(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-policy-admin").await;
    let d = t.get("/dashboard", Some(&s)).await;
    assert_eq!(d.location, "/policy");
    let page = t.get("/policy", Some(&s)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"policy-versions\""));
    let token = csrf(&page.body);
    let (name, content) = policy::reference_files()
        .into_iter()
        .find(|(n, _)| n.contains("rules"))
        .expect("a rules file");
    let before = t.audit_head().await;
    let bad = t
        .post(
            "/policy/stage",
            Some(&s),
            &[
                ("csrf", &token),
                ("file", &name),
                ("content", "[[rule]]\nid = \"broken\"\n"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#content"));
    assert!(
        bad.body.contains("id=\"diagnostics\""),
        "the checker's problems are listed"
    );
    assert!(bad.body.contains("[[rule]]"), "the text is kept");
    assert_eq!(t.audit_head().await, before, "nothing staged");
    let ok = t
        .post(
            "/policy/stage",
            Some(&s),
            &[("csrf", &token), ("file", &name), ("content", &content)],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = t.get("/policy", Some(&s)).await.body;
    let i = page
        .find("href=\"/policy/versions/")
        .expect("an impact link");
    let rest = &page[i + "href=\"".len()..];
    let impact_path = rest[..rest.find('"').unwrap()].to_string();
    let id = impact_path.split('/').nth(3).unwrap().to_string();
    let impact = t.get(&impact_path, Some(&s)).await;
    assert_eq!(impact.status, 200);
    assert!(
        impact.body.contains("id=\"impact-changed\">0<"),
        "the same rules change nothing"
    );
    let past = t
        .post(
            &format!("/policy/versions/{id}/publish"),
            Some(&s),
            &[("csrf", &token), ("effective_from", "2001-01-01")],
        )
        .await;
    assert_eq!(past.status, 400);
    assert!(error_summary(&past.body).contains(&format!("#effective-{id}")));
    let today = app::today().succ_opt().unwrap().to_string();
    let published = t
        .post(
            &format!("/policy/versions/{id}/publish"),
            Some(&s),
            &[("csrf", &token), ("effective_from", &today)],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let page = t.get("/policy", Some(&s)).await.body;
    assert!(page.contains(&today) && !page.contains(&format!("id=\"publish-{id}\"")));
    // Other roles may not see these pages.
    let officer = t.sign_in("demo-officer").await;
    assert_eq!(t.get("/policy", Some(&officer)).await.status, 403);
}
