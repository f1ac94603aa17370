//! Policy in the service: determinations stored at submission, a staged version's impact preview, publishing
//! with an effective date (never retroactive), and the versions list.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

both_backends!(
    stage_preview_publish,
    a_version_published_for_a_future_date_does_not_apply_before_it
);

fn staged_files() -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = policy::reference_files().into_iter().collect();
    let p = files.get_mut("policy.toml").expect("policy.toml");
    *p = p.replace("reference-2017.1", "reference-2026.2");
    let a = files.get_mut("assessments.toml").expect("assessments.toml");
    a.push_str("\n[[assessment]]\ncountry = \"BR\"\n  [[assessment.version]]\n  effective_from = 2017-01-01\n  tier = 1\n  indicators = []\n  rationale = \"test: reassessed\"\n    [assessment.version.source]\n    document = \"test assessment\"\n    article = \"BR\"\n    date = 2026-01-01\n    url = \"https://example.org/assessment\"\n    illustrative = \"test data\"\n");
    files
}

async fn stage_preview_publish(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let open = t.submitted_ml(&w, &w.restricted_product, "BR").await;
    assert_eq!(open["determinations"][0]["outcome"], "licence-required");
    let unaffected = t.submitted_ml(&w, &w.restricted_product, "MX").await;
    assert_eq!(
        unaffected["determinations"][0]["outcome"],
        "licence-required"
    );

    // Only a policy administrator stages; a broken upload names its problems.
    t.post(
        &w.officer,
        "/api/v1/policy/versions",
        json!({"files": staged_files()}),
    )
    .await
    .problem(403);
    let mut broken = staged_files();
    broken.insert(
        "rules.toml".into(),
        "[[rule]]\nid = \"x\"\nbogus = 1\n".into(),
    );
    let r = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": broken}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "files");

    let staged = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": staged_files()}),
        )
        .await
        .ok();
    assert_eq!(staged["state"], "staged");
    assert_eq!(staged["policy_version"], "reference-2026.2");
    let sid = staged["id"].as_str().unwrap();

    let impact = t
        .get(
            &w.policy_admin,
            &format!("/api/v1/policy/versions/{sid}/impact"),
        )
        .await
        .ok();
    assert_eq!(impact["changed"], 1, "{impact}");
    assert_eq!(impact["by_destination"], json!({"BR": 1}));
    assert_eq!(
        impact["by_transition"],
        json!({"licence-required -> exempt": 1})
    );
    assert_eq!(impact["affected"][0]["case_ref"], open["reference"]);
    assert_eq!(impact["by_control_entry"], json!({"4D004": 1}));

    // Never retroactive.
    let r = t
        .post(
            &w.policy_admin,
            &format!("/api/v1/policy/versions/{sid}/publish"),
            json!({"effective_from": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "effective_from");
    let today = app::today().to_string();
    let published = t
        .post(
            &w.policy_admin,
            &format!("/api/v1/policy/versions/{sid}/publish"),
            json!({"effective_from": today}),
        )
        .await
        .ok();
    assert_eq!(published["state"], "published");
    t.post(
        &w.policy_admin,
        &format!("/api/v1/policy/versions/{sid}/publish"),
        json!({"effective_from": today}),
    )
    .await
    .problem(409);
    let versions = t.get(&w.auditor, "/api/v1/policy/versions").await.ok();
    let names: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["policy_version"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["reference-2017.1", "reference-2026.2"]);
    // Paged like every listing: one per page walks the shipped reference, then the upload, and stops.
    let first = t.get(&w.auditor, "/api/v1/policy/versions?limit=1").await;
    assert_eq!(first.body.as_array().unwrap().len(), 1, "{}", first.body);
    assert_eq!(first.body[0]["id"], "reference");
    let link = first.link.clone().expect("a next page after the reference");
    let url = &link[link.find('<').unwrap() + 1..link.find('>').unwrap()];
    let second = t.get(&w.auditor, url).await;
    assert_eq!(second.body.as_array().unwrap().len(), 1, "{}", second.body);
    assert_eq!(second.body[0]["id"], sid);
    assert!(second.link.is_none(), "{:?}", second.link);
    let both = t.get(&w.auditor, "/api/v1/policy/versions?limit=2").await;
    assert_eq!(both.body, versions);
    assert!(both.link.is_none(), "{:?}", both.link);
    let bad = t.get(&w.auditor, "/api/v1/policy/versions?limit=0").await;
    assert_eq!(bad.problem(422)["field"], "limit");

    // New questions use the published version; stored determinations keep the version they were made with.
    let chk = t
        .post(&w.exporter, "/api/v1/pre-application-checks", json!({"product": w.restricted_product, "destination": "BR", "end_user_type": "government-law-enforcement"}))
        .await
        .ok();
    assert_eq!(chk["determination"]["outcome"], "exempt");
    assert_eq!(chk["determination"]["policy_version"], "reference-2026.2");
    let stored: Value = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{}", open["id"].as_str().unwrap()),
        )
        .await
        .ok();
    assert_eq!(stored["policy_version"], "reference-2017.1");
    assert_eq!(stored["determinations"][0]["outcome"], "licence-required");
}

/// Published with an effective date three days ahead: until that day every question is answered under the
/// version in force (over the API today, and through the use case on the day before), from that day under the
/// new one.
async fn a_version_published_for_a_future_date_does_not_apply_before_it(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let staged = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({"files": staged_files()}),
        )
        .await
        .ok();
    let sid = staged["id"].as_str().unwrap();
    let today = app::today();
    let from = today + chrono::Days::new(3);
    let published = t
        .post(
            &w.policy_admin,
            &format!("/api/v1/policy/versions/{sid}/publish"),
            json!({"effective_from": from.to_string()}),
        )
        .await
        .ok();
    assert_eq!(published["effective_from"], from.to_string());
    let check = json!({"product": w.restricted_product, "destination": "BR", "end_user_type": "government-law-enforcement"});
    let now = t
        .post(&w.exporter, "/api/v1/pre-application-checks", check.clone())
        .await
        .ok();
    assert_eq!(
        now["determination"]["policy_version"], "reference-2017.1",
        "{now}"
    );
    assert_eq!(now["determination"]["outcome"], "licence-required");
    // The same question through the use case at noon UTC on the day before, and on the day.
    let exporter = t.app.authenticate(&w.exporter).await.unwrap();
    let q: app::model::PreApplicationCheck = serde_json::from_value(check).unwrap();
    let on = |day: chrono::NaiveDate| day.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let before = app::as_of(
        on(from.pred_opt().unwrap()),
        t.app.pre_application_check(&exporter, q.clone()),
    )
    .await
    .unwrap();
    assert_eq!(before.determination["policy_version"], "reference-2017.1");
    assert_eq!(before.determination["outcome"], "licence-required");
    let after = app::as_of(on(from), t.app.pre_application_check(&exporter, q))
        .await
        .unwrap();
    assert_eq!(after.determination["policy_version"], "reference-2026.2");
    assert_eq!(after.determination["outcome"], "exempt");
}
