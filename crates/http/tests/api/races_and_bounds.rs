//! Issue 7 items 8, 9 and 11: uniqueness under concurrency, one answer for a foreign and a missing reference,
//! bounded lists without duplicates, and no-op actions that change nothing.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(
    parallel_registrations_make_one,
    a_foreign_reference_answers_like_a_missing_one,
    lists_are_bounded_and_unique_and_no_ops_write_nothing,
);

async fn parallel_registrations_make_one(b: Backend) {
    let t = TestApp::start(b).await;
    let org = t.org("Racing Ltd").await;
    let exp = t.user("racer", "exporter", None, Some(&org)).await;
    t.race_freely();
    let body = json!({"company_name": "Racing Ltd", "registration_number": "1", "address": "1 St",
        "country": "IL", "contact_email": "c@example.test"});
    let posts = (0..8).map(|_| t.post(&exp, "/api/v1/registrations", body.clone()));
    let answers = futures_join(posts).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|r| r.status == 201 || r.status == 409));
    let regs = t.get(&exp, "/api/v1/registrations").await.ok();
    assert_eq!(regs.as_array().unwrap().len(), 1);
}

async fn futures_join<F: std::future::Future<Output = Resp>>(
    fs: impl Iterator<Item = F>,
) -> Vec<Resp> {
    let handles: Vec<_> = fs.collect();
    let mut out = Vec::new();
    // Drive them concurrently on this task.
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = handles.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<Resp>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if done[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => done[i] = Some(r),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(done.into_iter().map(Option::unwrap));
    out
}

async fn a_foreign_reference_answers_like_a_missing_one(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Organisation 1 has a case with a reference; organisation 2 cites it and a reference that does not exist.
    let theirs = t.submitted_ml(&w, &w.restricted_product, "DE").await;
    let theirs = theirs["reference"].as_str().unwrap().to_string();
    let p2 = t
        .post(
            &w.exporter2,
            "/api/v1/products",
            json!({"name": "P", "version": "1", "description": "d", "control_entries": ["4D004"]}),
        )
        .await
        .ok();
    let p2 = p2["id"].as_str().unwrap().to_string();
    t.post(
        &w.defence,
        &format!("/api/v1/products/{p2}/classification"),
        json!({"control_entries": ["4D004"], "security_grade": "restricted"}),
    )
    .await
    .ok();
    let mut details = Vec::new();
    for cited in [theirs.as_str(), "ML-2026-999999"] {
        let r = t
            .submit_new(&w.exporter2, el_body(&p2, "DE", cited, "Bundespolizei"))
            .await;
        let p = r.problem(422).clone();
        assert_eq!(p["field"], "export.marketing_authorisation");
        details.push(p["detail"].as_str().unwrap().replace(cited, "REF"));
    }
    assert_eq!(
        details[0], details[1],
        "a foreign reference must answer like a missing one"
    );
}

async fn lists_are_bounded_and_unique_and_no_ops_write_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let c = t.submitted_ml(&w, &w.secret_product, "MX").await;
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    let head = t.audit_head().await;
    let advice = format!("/api/v1/applications/{id}/advice");
    let many: Vec<String> = (0..51).map(|i| format!("condition {i}")).collect();
    let r = t
        .post(
            &w.defence,
            &advice,
            json!({"recommendation": "approve-with-conditions", "text": "t", "conditions": many}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "conditions");
    let r = t
        .post(
            &w.defence,
            &advice,
            json!({"recommendation": "refuse", "text": "t", "criteria": ["criterion-2", "criterion-2"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "criteria[1]");
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/refuse"),
            json!({"reason": "x", "criteria": ["criterion-7", "criterion-7"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "criteria[1]");
    assert_eq!(
        t.audit_head().await,
        head,
        "rejected requests change nothing"
    );
    // Requesting advice of a kind already requested and open is a no-op: same version, no audit event.
    let before = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let kind = before["advice"][0]["review"].clone();
    let same = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/advice-requests"),
            json!({"reviews": [kind]}),
        )
        .await
        .ok();
    assert_eq!(same["version"], before["version"]);
    assert_eq!(t.audit_head().await, head, "a no-op writes no audit event");
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/advice-requests"),
            json!({"reviews": ["defence", "defence"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reviews[1]");
}
