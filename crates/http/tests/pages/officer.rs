//! The officer's pages over HTTP: queue filters and paging, the case page's documents, timeline and approval
//! blockers, and approval with typed conditions (errors beside the condition they concern).

use super::{csrf, error_summary, Pages};
use testdb::Backend;

/// The case ids linked from a queue page, in order.
fn linked_cases(body: &str) -> Vec<String> {
    body.match_indices("href=\"/officer/cases/")
        .map(|(i, _)| {
            let rest = &body[i + "href=\"/officer/cases/".len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Submits the demo exporter's draft, so that two cases wait unassigned.
async fn submit_demo_draft(t: &Pages) -> String {
    let exp = t.principal("demo-exporter").await;
    let f = app::listing::CaseFilter {
        state: Some("draft".into()),
        ..Default::default()
    };
    let draft = t
        .app
        .applications(&exp, &f, &app::listing::Page::all())
        .await
        .unwrap()
        .items[0]
        .id()
        .to_string();
    t.app
        .submit_application(&exp, &draft, Default::default())
        .await
        .unwrap();
    draft
}

/// How many countersignatures the submitted final advice on case `id` needs.
async fn drafted_count(t: &Pages, off: &app::Principal, id: &str) -> usize {
    let app::views::CaseView::Internal(c) = t.app.application(off, id).await.unwrap() else {
        panic!("officer view")
    };
    usize::from(c.body.countersigning.expect("submitted").count)
}

/// Every required review of case `id` answered favourably by the demo advisers.
pub(super) async fn advise_all(t: &Pages, id: &str) {
    let off = t.principal("demo-officer").await;
    let app::views::CaseView::Internal(c) = t.app.application(&off, id).await.unwrap() else {
        panic!("officer view")
    };
    for k in &c.body.required_reviews {
        let user = match k {
            domain::ReviewKind::HumanRights => "demo-hr-adviser",
            domain::ReviewKind::Defence => "demo-defence-adviser",
            domain::ReviewKind::ForeignAffairs => "demo-fa-adviser",
            domain::ReviewKind::EconomyCyber => "demo-cyber-adviser",
        };
        let checklist = if *k == domain::ReviewKind::HumanRights {
            domain::DueDiligenceItem::ALL
                .iter()
                .map(|i| app::model::ChecklistAnswer {
                    item: *i,
                    answer: "checked".into(),
                })
                .collect()
        } else {
            vec![]
        };
        t.app
            .give_advice(
                &t.principal(user).await,
                id,
                app::model::NewAdvice {
                    recommendation: domain::AdviceRecommendation::Approve,
                    criteria: vec![],
                    text: "no objection".into(),
                    conditions: vec![],
                    checklist,
                    red_flags: vec![],
                    entities: vec![],
                },
            )
            .await
            .unwrap();
    }
}

pub(super) async fn queue_filters_and_paging(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    submit_demo_draft(&t).await;
    let s = t.sign_in("demo-officer").await;
    let all = t.get("/officer/queues/unassigned", Some(&s)).await;
    assert_eq!(all.status, 200);
    let ids = linked_cases(&all.body);
    assert_eq!(ids.len(), 2, "{}", all.body);
    // Filters: destination, licence kind, state, control entry, overdue.
    let de = t
        .get("/officer/queues/unassigned?destination=DE", Some(&s))
        .await
        .body;
    assert_eq!(linked_cases(&de).len(), 1);
    assert!(
        de.contains("value=\"DE\""),
        "the filter is kept in the form"
    );
    let export = t
        .get("/officer/queues/unassigned?licence=export", Some(&s))
        .await
        .body;
    assert!(linked_cases(&export).is_empty());
    let issued = t
        .get("/officer/queues/unassigned?state=issued", Some(&s))
        .await
        .body;
    assert!(
        linked_cases(&issued).is_empty(),
        "the queue holds open cases only"
    );
    let entry = t
        .get("/officer/queues/unassigned?control_entry=5A004.b", Some(&s))
        .await
        .body;
    assert_eq!(
        linked_cases(&entry).len(),
        1,
        "only the forensic product's case"
    );
    let overdue = t
        .get("/officer/queues/unassigned?overdue=yes", Some(&s))
        .await
        .body;
    assert!(
        linked_cases(&overdue).is_empty(),
        "nothing is overdue on the day of submission"
    );
    let bad = t
        .get("/officer/queues/unassigned?destination=Atlantis", Some(&s))
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#destination"));
    // Paging: one case per page, the next link carries the filter and the cursor.
    let p1 = t
        .get("/officer/queues/unassigned?limit=1", Some(&s))
        .await
        .body;
    assert_eq!(linked_cases(&p1), ids[..1], "{p1}");
    let i = p1.find("id=\"next-page\"").expect("a next page link");
    let href = &p1[p1[..i].rfind("href=\"").unwrap() + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#38;", "&");
    assert!(
        href.contains("limit=1") && href.contains("after="),
        "{href}"
    );
    let p2 = t.get(&href, Some(&s)).await.body;
    assert_eq!(linked_cases(&p2), ids[1..], "{ids:?} {href}");
    assert!(!p2.contains("id=\"next-page\"") && p2.contains("id=\"first-page\""));
}

pub(super) async fn case_page_timeline_blockers_and_typed_conditions(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let id = submit_demo_draft(&t).await;
    let s = t.sign_in("demo-officer").await;
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    let token = csrf(&page);
    assert!(page.contains("id=\"timeline-events\"") && page.contains("submit-application"));
    assert!(page.contains("id=\"start-review\"") && !page.contains("id=\"approve\""));
    let assigned = t
        .post(
            &format!("/officer/cases/{id}/assign"),
            Some(&s),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(assigned.status, 303);
    // Under review with advice outstanding (the demo's case to BR): the blockers are listed instead of the
    // approve form.
    let off = t.principal("demo-officer").await;
    let br = t
        .app
        .queue(&off, "mine", &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.destinations == ["BR"])
        .expect("the demo case under review")
        .id;
    let page = t.get(&format!("/officer/cases/{br}"), Some(&s)).await.body;
    let blockers = t.app.approval_blockers(&off, &br).await.unwrap();
    assert!(!blockers.is_empty());
    assert!(page.contains("id=\"blockers\"") && !page.contains("id=\"approve\""));
    for b in &blockers {
        let shown = b.replace('\'', "&#39;").replace('"', "&#34;");
        assert!(page.contains(&shown), "blocker {b} listed");
    }
    assert!(page.contains("id=\"refuse\""), "refusal stays possible");
    advise_all(&t, &id).await;
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    assert!(page.contains("id=\"approve\"") && !page.contains("id=\"blockers\""));
    // The demo's cyber-surveillance item is countersigned: the approve form drafts final advice.
    assert!(
        page.contains("id=\"final-advice-hint\"")
            && page.contains(&format!(
                "action=\"/officer/cases/{id}/final-advice-approve\""
            )),
        "{page}"
    );
    let before = t.audit_head().await;
    let approve = |extra: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("csrf", token.as_str()), ("reason", "advice favourable")];
        form.extend(extra);
        let t = &t;
        let s = &s;
        let id = &id;
        async move {
            t.post(
                &format!("/officer/cases/{id}/final-advice-approve"),
                Some(s),
                &form,
            )
            .await
        }
    };
    let bad = approve(vec![("cond_quantity", "lots"), ("cond_text", "no resale")]).await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#cond_quantity"));
    assert!(bad.body.contains("value=\"lots\"") && bad.body.contains(">no resale</textarea>"));
    let past = approve(vec![
        ("cond_text", "no resale"),
        ("cond_valid_until", "2001-01-01"),
    ])
    .await;
    assert_eq!(past.status, 400);
    assert!(
        error_summary(&past.body).contains("#cond_valid_until"),
        "the app's error on conditions[1] goes to its control"
    );
    let currency = approve(vec![
        ("cond_value_amount", "1000.00"),
        ("cond_value_currency", "XXX"),
    ])
    .await;
    assert_eq!(currency.status, 400);
    assert!(error_summary(&currency.body).contains("#cond_value_currency"));
    assert_eq!(t.audit_head().await, before, "nothing changed");
    let ok = approve(vec![
        ("cond_text", "no resale"),
        ("cond_report_months", "6"),
        ("cond_report_text", "report deployments"),
        ("cond_quantity", "10"),
        ("cond_value_amount", "50000.00"),
        ("cond_value_currency", "EUR"),
    ])
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let app::views::CaseView::Internal(drafted) = t.app.application(&off, &id).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(drafted.state, domain::CaseState::FinalReview);
    // Final review: the advice is shown, and submitted for countersigning from the page.
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    assert!(page.contains("id=\"final-advice\"") && page.contains("id=\"submit-final-advice\""));
    let submitted = t
        .post(
            &format!("/officer/cases/{id}/submit-final-advice"),
            Some(&s),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    assert!(
        page.contains("id=\"countersignatures-needed\"") && page.contains("id=\"countersign\"")
    );
    // The drafter's own countersignature is refused on the page, naming the rule; nothing changes.
    let head = t.audit_head().await;
    let own = t
        .post(
            &format!("/officer/cases/{id}/countersign"),
            Some(&s),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(own.status, 403);
    assert!(
        own.body.contains("countersigner-not-drafter"),
        "{}",
        own.body
    );
    assert_eq!(t.audit_head().await, head);
    // A return without reasons names its control.
    let s2 = t.sign_in("demo-officer-2").await;
    let p2 = t.get(&format!("/officer/cases/{id}"), Some(&s2)).await.body;
    let token2 = csrf(&p2);
    let bad = t
        .post(
            &format!("/officer/cases/{id}/return"),
            Some(&s2),
            &[("csrf", &token2), ("reasons", " ")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(error_summary(&bad.body).contains("#return-reasons"));
    let needed = drafted_count(&t, &off, &id).await;
    for (i, who) in ["demo-officer-2", "demo-senior-officer"]
        .into_iter()
        .take(needed)
        .enumerate()
    {
        let sx = t.sign_in(who).await;
        let px = t.get(&format!("/officer/cases/{id}"), Some(&sx)).await.body;
        let signed = t
            .post(
                &format!("/officer/cases/{id}/countersign"),
                Some(&sx),
                &[("csrf", &csrf(&px))],
            )
            .await;
        assert_eq!(signed.status, 303, "countersignature {i}: {}", signed.body);
    }
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    assert!(page.contains("id=\"countersignatures\"") && page.contains("id=\"decide-as-advised\""));
    let decided = t
        .post(
            &format!("/officer/cases/{id}/decide-as-advised"),
            Some(&s),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let app::views::CaseView::Internal(c) = t.app.application(&off, &id).await.unwrap() else {
        panic!()
    };
    use app::model::Condition;
    assert_eq!(
        c.body.decision.unwrap().conditions,
        vec![
            Condition::Text {
                text: "no resale".into()
            },
            Condition::ReportingObligation {
                every_months: 6,
                text: "report deployments".into(),
                attestations: vec![],
                max_targets: None,
            },
            Condition::QuantityLimit { max: 10 },
            Condition::ValueLimit {
                max: app::model::Money {
                    amount: "50000.00".into(),
                    currency: "EUR".into()
                }
            },
        ]
    );
    let page = t.get(&format!("/officer/cases/{id}"), Some(&s)).await.body;
    assert!(page.contains("id=\"issue\"") && page.contains("approve-application"));
}

/// The demo's issued licence (its case): issued by the demo officer, so the demo officer acts on it.
async fn issued_demo_case(t: &Pages) -> String {
    let off = t.principal("demo-officer").await;
    let f = app::listing::CaseFilter {
        state: Some("issued".into()),
        ..Default::default()
    };
    t.app
        .applications(&off, &f, &app::listing::Page::all())
        .await
        .unwrap()
        .items[0]
        .id()
        .to_string()
}

/// After issue the case page offers the licence's actions the lifecycle allows, each with a required reason:
/// a missing reason is shown beside its field and changes nothing, an action the state no longer allows is
/// refused on the page (409, not a 500), and each done action moves the case and lands in the timeline.
pub(super) async fn licence_after_issue_forms_with_reasons(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let id = issued_demo_case(&t).await;
    let s = t.sign_in("demo-officer").await;
    let path = format!("/officer/cases/{id}");
    let page = t.get(&path, Some(&s)).await;
    assert_eq!(page.status, 200);
    let token = csrf(&page.body);
    let has_form = |body: &str, action: &str| {
        body.contains(&format!("action=\"/officer/cases/{id}/{action}\""))
    };
    for action in ["suspend", "revoke", "annul"] {
        assert!(
            has_form(&page.body, action),
            "{action} offered for an issued licence"
        );
    }
    assert!(!has_form(&page.body, "reinstate"));
    let head = t.audit_head().await;
    // Without the session's token, or without a reason: nothing changes.
    let r = t
        .post(
            &format!("{path}/suspend"),
            Some(&s),
            &[("reason", "misuse")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            &format!("{path}/suspend"),
            Some(&s),
            &[("csrf", &token), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#suspend-reason\""));
    assert!(
        r.body.contains("id=\"suspend-reason\" name=\"reason\""),
        "the form is shown again"
    );
    // A state the lifecycle does not allow the action from: the refusal is on the page.
    let r = t
        .post(
            &format!("{path}/reinstate"),
            Some(&s),
            &[("csrf", &token), ("reason", "not suspended")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#actions\""));
    assert_eq!(t.audit_head().await, head, "nothing changed");
    assert_eq!(t.case_state(&id).await, "issued");
    // Suspend, then reinstate, then revoke for good.
    let r = t
        .post(
            &format!("{path}/suspend"),
            Some(&s),
            &[("csrf", &token), ("reason", "end user under investigation")],
        )
        .await;
    assert_eq!((r.status, r.location.as_str()), (303, path.as_str()));
    assert_eq!(t.case_state(&id).await, "suspended");
    let page = t.get(&path, Some(&s)).await.body;
    assert!(has_form(&page, "reinstate") && has_form(&page, "revoke"));
    assert!(!has_form(&page, "suspend") && !has_form(&page, "annul"));
    assert!(
        page.contains("end user under investigation"),
        "reason in the timeline"
    );
    let r = t
        .post(
            &format!("{path}/reinstate"),
            Some(&s),
            &[("csrf", &token), ("reason", "investigation closed")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.case_state(&id).await, "issued");
    let r = t
        .post(
            &format!("{path}/revoke"),
            Some(&s),
            &[("csrf", &token), ("reason", "confirmed misuse")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.case_state(&id).await, "revoked");
    let page = t.get(&path, Some(&s)).await.body;
    for action in ["suspend", "reinstate", "revoke", "annul"] {
        assert!(!has_form(&page, action), "{action} after revocation");
    }
    assert!(page.contains("revoke-licence") && page.contains("reinstate-licence"));
}
