//! The re-screen after a list import is a durable job (issue 16): stored in the import's transaction, so a
//! process that stops right after the import still has it to do after a restart; the job runner does it; a
//! second run adds nothing.

use crate::both_backends;
use crate::common::*;
use serde_json::json;

both_backends!(the_re_screen_after_an_import_is_a_durable_job);

async fn rescreen_jobs(t: &TestApp, state: &str) -> i64 {
    t.app
        .store
        .job_counts()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.kind == app::screening_svc::RESCREEN && c.state == state)
        .map(|c| c.count)
        .sum()
}

async fn dpl_hits(t: &TestApp, w: &World, id: &str) -> usize {
    t.get(
        &w.officer,
        &format!("/api/v1/applications/{id}/screening-hits"),
    )
    .await
    .ok()
    .as_array()
    .unwrap()
    .iter()
    .filter(|h| h["list"].as_str().unwrap_or_default().contains("dpl"))
    .count()
}

async fn the_re_screen_after_an_import_is_a_durable_job(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Submitted before the Denied Persons List is imported: its end user, a DPL name, has no DPL hit yet.
    let mut body = ml_body(&w.secret_product, "BR");
    body["marketing"]["end_users"][0]["name"] = json!("AARON ABRAHAM VILLA");
    let c = t.post(&w.exporter, "/api/v1/applications", body).await.ok();
    let id = c["id"].as_str().unwrap().to_string();
    t.post(
        &w.exporter,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await
    .ok();
    assert_eq!(dpl_hits(&t, &w, &id).await, 0);

    // The import through the use case alone, as if the process stopped right after it committed: nothing
    // re-screened yet, but the job is stored.
    let admin = t.app.authenticate(&t.admin).await.unwrap();
    let dpl = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/us_bis_dpl_2023-11/dpl.txt"
    ))
    .expect("shared DPL fixture");
    let imported = t
        .app
        .import_list_bytes(&admin, lists::ListFormat::BisDpl, "dpl.txt", dpl, false)
        .await
        .unwrap();
    assert!(imported.iter().any(|s| s.created));
    assert_eq!(
        rescreen_jobs(&t, "pending").await,
        1,
        "stored with the import"
    );
    assert_eq!(dpl_hits(&t, &w, &id).await, 0, "not done yet");

    // The job runner (what `serve` runs on a timer and after a restart) does it.
    let report = t.app.run_pending().await.unwrap();
    assert!(report.done >= 1, "{report:?}");
    assert_eq!(rescreen_jobs(&t, "pending").await, 0);
    assert_eq!(rescreen_jobs(&t, "done").await, 1);
    assert!(
        dpl_hits(&t, &w, &id).await >= 1,
        "the re-screen found the end user on the new list"
    );
    // Idempotent: another pass adds no hit.
    let (_, new_hits) = t.app.rescreen_all().await.unwrap();
    assert_eq!(new_hits, 0);
}
