//! The human-rights adviser's checklist over HTTP: every due-diligence item asked in words, an unanswered item
//! shown beside itself with the other answers kept, red flags recorded and shown to the officer.

use super::{csrf, error_summary, Pages};
use testdb::Backend;

pub(super) async fn human_rights_checklist_item_by_item(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let s = t.sign_in("demo-hr-adviser").await;
    let list = t.get("/adviser", Some(&s)).await.body;
    let i = list
        .find("href=\"/adviser/cases/")
        .expect("a case awaiting advice");
    let rest = &list[i + "href=\"".len()..];
    let path = rest[..rest.find('"').unwrap()].to_string();
    let page = t.get(&path, Some(&s)).await.body;
    let token = csrf(&page);
    for item in domain::DueDiligenceItem::ALL {
        assert!(page.contains(&format!("id=\"item-{}\"", item.as_str())));
    }
    assert!(page.contains("human-rights record"), "items asked in words");
    assert!(
        page.contains("journalists, activists"),
        "red flags described in words"
    );
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), token.clone()),
        ("recommendation".into(), "refuse".into()),
        ("text".into(), "serious risk".into()),
        ("red_flags".into(), "targeting-protected-groups".into()),
        ("criteria".into(), "criterion-2".into()),
    ];
    for item in domain::DueDiligenceItem::ALL {
        let answer = if *item == domain::DueDiligenceItem::Remedy {
            String::new()
        } else {
            format!("answer on {}", item.as_str())
        };
        form.push((format!("item-{}", item.as_str()), answer));
    }
    let post = |f: Vec<(String, String)>| {
        let t = &t;
        let s = &s;
        let path = &path;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            t.post(&format!("{path}/advice"), Some(s), &f).await
        }
    };
    let before = t.audit_head().await;
    let bad = post(form.clone()).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        error_summary(&bad.body).contains("#item-remedy"),
        "{}",
        error_summary(&bad.body)
    );
    assert!(bad.body.contains("id=\"item-remedy-error\""));
    assert!(
        bad.body.contains(">answer on reporting</textarea>"),
        "other answers kept"
    );
    assert!(bad
        .body
        .contains("value=\"targeting-protected-groups\" checked"));
    assert_eq!(t.audit_head().await, before, "nothing stored");
    for (k, v) in form.iter_mut() {
        if k == "item-remedy" {
            *v = "support can be withdrawn".into();
        }
    }
    let ok = post(form).await;
    assert_eq!(ok.status, 303, "{}", error_summary(&ok.body));
    let id = path.rsplit('/').next().unwrap();
    let officer = t.sign_in("demo-officer").await;
    let case = t
        .get(&format!("/officer/cases/{id}"), Some(&officer))
        .await
        .body;
    assert!(
        case.contains("support can be withdrawn") && case.contains("targeting-protected-groups")
    );
}
