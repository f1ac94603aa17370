//! List sources in the service (issue 8): each publisher's list has its own active version, an identical file
//! adds nothing, a large drop in records is refused unless forced (audited), approval waits for the required
//! lists, and a list or policy version committed by another process is used within seconds.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

both_backends!(
    sources_are_independent_and_identical_files_add_nothing,
    approval_waits_for_every_required_list,
    another_process_imports_and_this_one_screens_with_it
);

fn shared(rel: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/sanctions/"
        ))
        .join(rel),
    )
    .unwrap_or_else(|e| panic!("shared list fixture {rel}: {e}"))
}

async fn upload(t: &TestApp, path: &str, bytes: Vec<u8>) -> Resp {
    t.raw(
        "POST",
        Some(&t.admin),
        path,
        Some(("application/octet-stream", bytes)),
    )
    .await
}

/// sdn.csv cut after `keep` whole records, keeping the file's end-of-file marker (a well-formed, shorter file).
fn shorter_sdn(keep: usize) -> Vec<u8> {
    let full = shared("us_ofac_sdn_2021-07/sdn.csv");
    let text = String::from_utf8_lossy(&full);
    let mut out: String = text.split_inclusive("\r\n").take(keep).collect();
    out.push('\u{1a}');
    out.into_bytes()
}

fn active(lists: &Value) -> BTreeMap<String, (String, i64)> {
    lists
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["active"] == true)
        .map(|l| {
            (
                l["source"].as_str().unwrap().to_string(),
                (
                    l["id"].as_str().unwrap().to_string(),
                    l["record_count"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

async fn sources_are_independent_and_identical_files_add_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let sdn = upload(
        &t,
        "/api/v1/lists/ofac-csv?name=sdn.csv",
        shared("us_ofac_sdn_2021-07/sdn.csv"),
    )
    .await;
    assert_eq!(sdn.status, 201, "{}", sdn.body);
    let sdn = sdn.body;
    assert_eq!(sdn[0]["source"], "ofac-sdn");
    assert_eq!(sdn[0]["record_count"], 8976);
    // The non-SDN list in the same format is another source: the SDN list stays active.
    let cons = upload(
        &t,
        "/api/v1/lists/ofac-csv?name=cons_prim.csv",
        shared("us_ofac_non_sdn_2025-12/cons_prim.csv"),
    )
    .await
    .ok();
    assert_eq!(cons[0]["source"], "ofac-non-sdn");
    let lists = t.get(&t.admin, "/api/v1/lists").await.ok();
    let act = active(&lists);
    assert_eq!(act.len(), 2, "{lists}");
    assert_eq!(act["ofac-sdn"].0, sdn[0]["id"].as_str().unwrap());
    // The enhanced XML of the non-SDN list replaces the non-SDN CSV, not the SDN list.
    upload(
        &t,
        "/api/v1/lists/ofac-enhanced-xml",
        shared("us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP"),
    )
    .await
    .ok();
    let act = active(&t.get(&t.admin, "/api/v1/lists").await.ok());
    assert_eq!(act.len(), 2);
    assert_eq!(act["ofac-sdn"].0, sdn[0]["id"].as_str().unwrap());
    assert_ne!(act["ofac-non-sdn"].0, cons[0]["id"].as_str().unwrap());

    // The CSL gives one source per sub-list.
    upload(
        &t,
        "/api/v1/lists/us-csl-csv",
        shared("us_trade_csl/consolidated.csv.gz"),
    )
    .await
    .ok();
    let act = active(&t.get(&t.admin, "/api/v1/lists").await.ok());
    assert!(act.contains_key("us-csl-el") && act.contains_key("us-csl-sdn"));
    assert_eq!(act["ofac-sdn"].0, sdn[0]["id"].as_str().unwrap());

    // The identical file again: 200, the same version, nothing added.
    let before = t.get(&t.admin, "/api/v1/lists").await.ok();
    let again = upload(
        &t,
        "/api/v1/lists/ofac-csv?name=sdn.csv",
        shared("us_ofac_sdn_2021-07/sdn.csv"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body[0]["id"], sdn[0]["id"]);
    let after = t.get(&t.admin, "/api/v1/lists").await.ok();
    assert_eq!(
        before.as_array().unwrap().len(),
        after.as_array().unwrap().len()
    );

    // A well-formed but much shorter SDN file (5,000 of 8,976 records): refused, nothing changes.
    let head = t.audit_head().await;
    let r = upload(&t, "/api/v1/lists/ofac-csv?name=sdn.csv", shorter_sdn(5000)).await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("ofac-sdn") && detail.contains("8976") && detail.contains("force"),
        "{detail}"
    );
    assert_eq!(
        active(&t.get(&t.admin, "/api/v1/lists").await.ok())["ofac-sdn"].1,
        8976
    );
    assert_eq!(
        t.audit_head().await,
        head,
        "a refused import writes nothing"
    );
    // Forced by the administrator: imported, and audited with the reason.
    let forced = upload(
        &t,
        "/api/v1/lists/ofac-csv?name=sdn.csv&force=true",
        shorter_sdn(5000),
    )
    .await;
    assert_eq!(forced.status, 201, "{}", forced.body);
    let id = forced.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(forced.body[0]["record_count"], 5000);
    let events = t
        .get(&t.admin, &format!("/api/v1/audit?record={id}"))
        .await
        .ok();
    let ev = &events[0];
    assert_eq!(ev["action"], "import-list-forced", "{events}");
    assert!(ev["reason"].as_str().unwrap().contains("8976"), "{ev}");
    // A small change within the allowed share needs no force.
    upload(&t, "/api/v1/lists/ofac-csv?name=sdn.csv", shorter_sdn(4500))
        .await
        .ok();
}

async fn approval_waits_for_every_required_list(b: Backend) {
    let t = TestApp::start_with(
        b,
        app::AppConfig {
            required_lists: vec!["un-sc".into(), "ofac-sdn".into()],
            ..Default::default()
        },
    )
    .await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let id = case["id"].as_str().unwrap().to_string();
    assert!(
        case.get("screening_gaps").is_none(),
        "screening is the authority's: {case}"
    );
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(case["screened_with"], json!([]));
    assert_eq!(case["screening_gaps"], json!(["un-sc", "ofac-sdn"]));
    let a = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/assign"),
            json!({}),
        )
        .await
        .ok();
    t.advise_all(&w, &a).await;
    let approve_path = format!("/api/v1/applications/{id}/approve");
    let approve = || {
        t.post(
            &w.officer,
            &approve_path,
            json!({"reason": "advice favourable"}),
        )
    };
    let r = approve().await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("un-sc") && detail.contains("ofac-sdn"),
        "{detail}"
    );

    upload(
        &t,
        "/api/v1/lists/un-sc-xml",
        shared("un_sc/UN_consolidated.xml"),
    )
    .await
    .ok();
    t.app.rescreen_all().await.unwrap();
    let c = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(c["screening_gaps"], json!(["ofac-sdn"]));
    let r = approve().await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("ofac-sdn") && !detail.contains("un-sc"),
        "{detail}"
    );

    // The non-SDN list is not the SDN list.
    upload(
        &t,
        "/api/v1/lists/ofac-csv?name=cons_prim.csv",
        shared("us_ofac_non_sdn_2025-12/cons_prim.csv"),
    )
    .await
    .ok();
    t.app.rescreen_all().await.unwrap();
    approve().await.problem(409);

    upload(
        &t,
        "/api/v1/lists/ofac-csv?name=sdn.csv",
        shared("us_ofac_sdn_2021-07/sdn.csv"),
    )
    .await
    .ok();
    t.app.rescreen_all().await.unwrap();
    let c = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(c["screening_gaps"], json!([]));
    let approved = t
        .decide(&w, &id, "approve", json!({"reason": "advice favourable"}))
        .await
        .ok();
    assert_eq!(approved["state"], "approved");
}

fn staged_files() -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = policy::reference_files().into_iter().collect();
    let p = files.get_mut("policy.toml").expect("policy.toml");
    *p = p.replace("reference-2017.1", "reference-2099.9");
    files
}

/// Polls `check` until it holds, failing after `limit`.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not seen within {limit:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn another_process_imports_and_this_one_screens_with_it(b: Backend) {
    // This server checks for new versions every 200 ms; the other process is a second App on the same
    // database (as the CLI or a second server would be).
    let t = TestApp::start_with(
        b,
        app::AppConfig {
            reload_interval: Some(Duration::from_millis(200)),
            ..Default::default()
        },
    )
    .await;
    let w = t.world().await;
    let other = app::App::new(
        store::Store::connect(t.db_url()).await.unwrap(),
        app::AppConfig {
            reload_interval: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let screen = || async {
        t.post(
            &w.officer,
            "/api/v1/screening",
            json!({"name": "Saddam Hussein al-Tikriti", "kind": "person"}),
        )
        .await
    };
    assert_eq!(screen().await.status, 409, "no list yet");
    other
        .import_list_bytes(
            &other.authenticate(&t.admin).await.unwrap(),
            lists::ListFormat::UnScXml,
            "UN_consolidated.xml",
            shared("un_sc/UN_consolidated.xml"),
            false,
        )
        .await
        .unwrap();
    eventually(
        Duration::from_secs(10),
        "UN list imported elsewhere",
        || async {
            let r = screen().await;
            r.status == 200 && r.body["matches"][0]["source_id"] == "IQi.001"
        },
    )
    .await;

    // A policy version published elsewhere is used here too.
    let pa = other.authenticate(&w.policy_admin).await.unwrap();
    let staged = other
        .stage_policy(
            &pa,
            app::policy_svc::StagePolicy {
                files: staged_files(),
            },
        )
        .await
        .unwrap();
    other
        .publish_policy(
            &pa,
            &staged.id,
            app::policy_svc::PublishPolicy {
                effective_from: app::today(),
            },
        )
        .await
        .unwrap();
    eventually(Duration::from_secs(10), "policy published elsewhere", || async {
        let chk = t
            .post(&w.exporter, "/api/v1/pre-application-checks", json!({"product": w.restricted_product, "destination": "BR", "end_user_type": "government-law-enforcement"}))
            .await;
        chk.status == 200 && chk.body["determination"]["policy_version"] == "reference-2099.9"
    })
    .await;
}
