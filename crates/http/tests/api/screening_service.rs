//! Screening in the service: list import by upload and by URL, screening at submission, clearing and
//! confirming hits, re-screening on list change, ad-hoc screening.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

both_backends!(
    screening_blocks_until_hits_are_decided,
    denied_party_hits_block_and_consequences_are_configuration,
    a_refused_import_leaves_the_version_in_force,
    a_list_import_re_screens_open_cases_and_issued_licences,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_party_is_screened_and_a_name_that_cannot_be_is_refused() {
    every_party_is_screened_and_a_name_that_cannot_be_is_refused_on(Backend::Sqlite).await
}

fn dpl_list() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/us_bis_dpl_2023-11/dpl.txt"
    ))
    .expect("shared DPL fixture")
}

/// Serves `bytes` at http://127.0.0.1:PORT/list on a local server (the URL import's peer).
async fn serve_file(bytes: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/list",
        axum::routing::get(move || async move { bytes.clone() }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/list")
}

async fn screening_blocks_until_hits_are_decided(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // A case submitted before any list exists has no hits.
    let ml = t.submitted_ml(&w, &w.secret_product, "BR").await;
    let mid = ml["id"].as_str().unwrap().to_string();
    assert!(
        ml.get("screening").is_none(),
        "exporters never see screening: {ml}"
    );
    let ml = t
        .get(&w.officer, &format!("/api/v1/applications/{mid}"))
        .await
        .ok();
    assert!(ml["screening"].as_array().unwrap().is_empty());

    // Malformed upload: rejected with a reason, nothing imported.
    let bad = t
        .raw(
            "POST",
            Some(&t.admin),
            "/api/v1/lists/un-sc-xml",
            Some((
                "application/octet-stream",
                b"<CONSOLIDATED_LIST><INDIVIDUALS>".to_vec(),
            )),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "file");
    assert!(t
        .get(&t.admin, "/api/v1/lists")
        .await
        .ok()
        .as_array()
        .unwrap()
        .is_empty());
    t.raw(
        "POST",
        Some(&w.officer),
        "/api/v1/lists/un-sc-xml",
        Some(("application/octet-stream", un_list())),
    )
    .await
    .problem(403);

    // Import the UN list by URL from a local server.
    let url = serve_file(un_list()).await;
    let imported = t
        .post(
            &t.admin,
            "/api/v1/lists/un-sc-xml/fetch",
            json!({"url": url}),
        )
        .await
        .ok();
    assert_eq!(imported[0]["record_count"], 1003);
    assert_eq!(imported[0]["source"], "un-sc");
    assert!(imported[0]["version"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));

    // Ad-hoc screening for officers.
    let r = t
        .post(
            &w.officer,
            "/api/v1/screening",
            json!({"name": "Saddam Hussein al-Tikriti", "kind": "person"}),
        )
        .await
        .ok();
    assert_eq!(r["matches"][0]["source_id"], "IQi.001");
    assert!(r["list_versions"][0]
        .as_str()
        .unwrap()
        .starts_with("un-sc@sha256:"));
    assert_eq!(
        r["matches"][0]["primary_name"], r["matches"][0]["name"],
        "the primary name matched: {r}"
    );
    assert_eq!(r["warnings"], json!([]));
    // An original-script variant names the entry's primary listed name too.
    let r = t
        .post(
            &w.officer,
            "/api/v1/screening",
            json!({"name": "صدام حسين التكريتي"}),
        )
        .await
        .ok();
    let top = &r["matches"][0];
    assert_eq!(top["source_id"], "IQi.001");
    assert_eq!(top["name"], "صدام حسين التكريتي");
    assert_eq!(top["primary_name"], "SADDAM HUSSEIN AL-TIKRITI");
    // A malformed qualifier never keeps a name from being screened: left out, with a warning naming it.
    let r = t
        .post(
            &w.officer,
            "/api/v1/screening",
            json!({"name": "Saddam Hussein al-Tikriti", "birth_date": "1937-02-30", "countries": ["IQ", "ZZ"], "kind": "robot"}),
        )
        .await
        .ok();
    assert_eq!(r["matches"][0]["source_id"], "IQi.001");
    let fields: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "birth_date", "countries"], "{r}");
    assert!(r["matches"][0]["explanation"]["qualifiers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| q["qualifier"] != "birth_date"));
    let r = t
        .post(&w.officer, "/api/v1/screening", json!({"name": ""}))
        .await;
    assert_eq!(r.problem(422)["field"], "name");
    t.post(&w.exporter, "/api/v1/screening", json!({"name": "x"}))
        .await
        .problem(403);

    // An export application whose end user is listed: hits at submission, with explanations.
    let ex = &t
        .granted_exemption(&w, &w.restricted_product, "DE", "private")
        .await;
    let el = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(&w.restricted_product, "DE", ex, "Saddam Hussein Al-Tikriti"),
        )
        .await
        .ok();
    let id = el["id"].as_str().unwrap().to_string();
    let sub = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
        .ok();
    // The exporter's submit response says nothing of the hit (tipping-off); the officer's view has it.
    assert_eq!(sub["view"], "exporter");
    assert!(sub.get("screening").is_none() && !sub.to_string().contains("IQi.001"));
    let sub = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let hits = sub["screening"].as_array().unwrap();
    let hit = hits
        .iter()
        .find(|h| h["source_id"] == "IQi.001")
        .expect("hit on IQi.001");
    assert_eq!(hit["party_role"], "end-user");
    assert_eq!(hit["status"], "open");
    assert!(hit["explanation"].is_object());
    assert!(sub["screened_with"][0]
        .as_str()
        .unwrap()
        .starts_with("un-sc@"));
    // Exporters do not see hits.
    t.get(
        &w.exporter,
        &format!("/api/v1/applications/{id}/screening-hits"),
    )
    .await
    .problem(404);
    let q = t.get(&w.officer, "/api/v1/queues/screening").await.ok();
    assert!(q.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()));

    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.advise_all(&w, &sub).await;
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            json!({"reason": "ok"}),
        )
        .await;
    r.refused(409, "screening hit");
    let refuse_early = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/refuse"),
            json!({"reason": "x", "criteria": ["criterion-1"]}),
        )
        .await;
    refuse_early.refused(409, "screening hit");
    let hid = hit["id"].as_str().unwrap();
    // Hits are rows of their own table (issue 16), not part of the stored case body.
    let store = store::Store::connect(t.db_url()).await.unwrap();
    let stored: store::Record<Value> = store.get("case", &id).await.unwrap();
    assert!(stored.body.get("screening").is_none(), "{}", stored.body);
    let rows: Vec<Value> = store.case_hits(&id).await.unwrap();
    assert_eq!(rows.len(), hits.len());
    assert_eq!(store.open_hit_count(&id).await.unwrap(), hits.len() as i64);
    // Across cases: the open hits awaiting a decision, each with its case; officials only.
    let open = t
        .get(&w.officer, "/api/v1/screening-hits?status=open")
        .await
        .ok();
    let on_case: Vec<&Value> = open
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["case_id"] == id.as_str())
        .collect();
    assert_eq!(on_case.len(), hits.len(), "{open}");
    assert_eq!(on_case[0]["case_reference"], sub["reference"]);
    assert!(on_case.iter().all(|h| h["status"] == "open"));
    let page = t
        .get(&w.auditor, "/api/v1/screening-hits?status=open&limit=1")
        .await;
    let link = page.link.clone().expect("a next page");
    assert_eq!(page.ok().as_array().unwrap().len(), 1);
    let after = link
        .split("after=")
        .nth(1)
        .and_then(|a| a.split('>').next())
        .unwrap()
        .to_string();
    let next = t
        .get(
            &w.auditor,
            &format!("/api/v1/screening-hits?status=open&limit=500&after={after}"),
        )
        .await
        .ok();
    assert_eq!(
        next.as_array().unwrap().len(),
        open.as_array().unwrap().len() - 1
    );
    for (who, path, status) in [
        (&w.exporter, "/api/v1/screening-hits", 403),
        (&w.officer, "/api/v1/screening-hits?status=maybe", 422),
        (&w.officer, "/api/v1/screening-hits?after=nonsense", 422),
        (&w.officer, "/api/v1/screening-hits?colour=red", 422),
    ] {
        let r = t.get(who, path).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/screening-hits/{hid}/decision"),
            json!({"decision": "maybe", "reason": "x"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "decision");
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/screening-hits/{hid}/decision"),
        json!({"decision": "confirm", "reason": "same person, DOB matches"}),
    )
    .await
    .ok();
    for other in hits.iter().filter(|h| h["id"] != hit["id"]) {
        t.post(
            &w.officer,
            &format!(
                "/api/v1/applications/{id}/screening-hits/{}/decision",
                other["id"].as_str().unwrap()
            ),
            json!({"decision": "clear", "reason": "different person"}),
        )
        .await
        .ok();
    }
    // Decided one at a time, each decision its own row: every case that matched the entry, with the decision.
    let entry = t
        .get(
            &w.officer,
            "/api/v1/screening-hits?list=un-sc&source_id=IQi.001",
        )
        .await
        .ok();
    let decided: Vec<&Value> = entry
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["case_id"] == id.as_str())
        .collect();
    assert_eq!(decided.len(), 1, "{entry}");
    assert_eq!(decided[0]["status"], "confirmed");
    assert_eq!(decided[0]["reason"], "same person, DOB matches");
    assert_eq!(store.open_hit_count(&id).await.unwrap(), 0);
    let open = t
        .get(&w.officer, "/api/v1/screening-hits?status=open")
        .await
        .ok();
    assert!(!open.to_string().contains(id.as_str()), "{open}");
    // The decision's audit event carries the decided hit (it is not in the case body).
    let events = t
        .get(
            &t.admin,
            &format!("/api/v1/audit?record={id}&action=decide-screening-hit"),
        )
        .await
        .ok();
    let confirmed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e.to_string().contains("same person, DOB matches"))
        .unwrap_or_else(|| panic!("the confirmation's event: {events}"));
    assert!(
        confirmed.to_string().contains("\"status\":\"confirmed\""),
        "{confirmed}"
    );
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            json!({"reason": "ok"}),
        )
        .await;
    r.refused(409, "confirmed sanctions-list hit");
    // Refusal remains possible.
    t.decide(
        &w,
        &id,
        "refuse",
        json!({"reason": "sanctioned end user", "criteria": ["criterion-1"]}),
    )
    .await
    .ok();

    // A new list version re-screens open cases: the earlier case gains no false hit, the list status shows both.
    let dpl = t
        .raw(
            "POST",
            Some(&t.admin),
            "/api/v1/lists/bis-dpl?name=dpl.txt",
            Some(("application/octet-stream", dpl_list())),
        )
        .await
        .ok();
    assert!(dpl[0]["record_count"].as_i64().unwrap() > 600, "{dpl}");
    let status = t.get(&w.officer, "/api/v1/lists").await.ok();
    assert_eq!(status.as_array().unwrap().len(), 2);
    // Re-screening runs in the background; run it once more synchronously and check it is idempotent.
    let (_cases, new_hits) = t.app.rescreen_all().await.unwrap();
    assert_eq!(new_hits, 0, "re-screening twice adds nothing");
    let after = t
        .get(&w.officer, &format!("/api/v1/applications/{mid}"))
        .await
        .ok();
    assert_eq!(
        after["screened_with"].as_array().unwrap().len(),
        2,
        "{}",
        after["screened_with"]
    );
}

/// A submitted, assigned and fully advised marketing case whose end user is a Denied Persons List name, with
/// its DPL hit confirmed and every other hit cleared. Returns (case id, the DPL hit as the officer reads it).
async fn confirmed_dpl_hit(t: &TestApp, w: &World) -> (String, serde_json::Value) {
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/bis-dpl?name=dpl.txt",
        Some(("application/octet-stream", dpl_list())),
    )
    .await
    .ok();
    let mut body = ml_body(&w.secret_product, "BR");
    body["marketing"]["end_users"][0]["name"] = json!("AARON ABRAHAM VILLA");
    let c = t.post(&w.exporter, "/api/v1/applications", body).await.ok();
    let id = c["id"].as_str().unwrap().to_string();
    let sub = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await
        .ok();
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    t.advise_all(w, &sub).await;
    let hits = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{id}/screening-hits"),
        )
        .await
        .ok();
    let hits = hits.as_array().unwrap().clone();
    let dpl = hits
        .iter()
        .find(|h| h["list"] == "bis-dpl" && h["listed_name"] == "AARON ABRAHAM VILLA")
        .unwrap_or_else(|| panic!("the DPL name is a hit: {hits:?}"))
        .clone();
    for h in &hits {
        let decision = if h["id"] == dpl["id"] {
            "confirm"
        } else {
            "clear"
        };
        t.post(
            &w.officer,
            &format!(
                "/api/v1/applications/{id}/screening-hits/{}/decision",
                h["id"].as_str().unwrap()
            ),
            json!({"decision": decision, "reason": "checked against the order's address"}),
        )
        .await
        .ok();
    }
    (id, dpl)
}

/// issue 15: a confirmed Denied Persons List hit blocks approval like a sanctions hit (it did not: blocking
/// was a flag compiled per format); what a hit means is configuration per list source and programme.
async fn denied_party_hits_block_and_consequences_are_configuration(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let (id, hit) = confirmed_dpl_hit(&t, &w).await;
    assert_eq!(hit["consequence"], "block", "{hit}");
    assert_eq!(
        hit["sanctions_list"], false,
        "the DPL is not a sanctions list"
    );
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            json!({"reason": "ok"}),
        )
        .await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("confirmed denied-party hit"), "{detail}");

    // Configured to ask for an end-use check instead, the same confirmed hit does not block.
    let mut config = app::AppConfig::default();
    config
        .hit_consequences
        .insert("bis-dpl".into(), lists::HitConsequence::EndUseCheck);
    let t = TestApp::start_with(b, config).await;
    let w = t.world().await;
    let (id, hit) = confirmed_dpl_hit(&t, &w).await;
    assert_eq!(hit["consequence"], "end-use-check", "{hit}");
    let approved = t
        .decide(
            &w,
            &id,
            "approve",
            json!({"reason": "end-use check arranged"}),
        )
        .await
        .ok();
    assert_eq!(approved["state"], "approved", "{approved}");
}

/// A list import refused while a version is in force (a file that does not parse, and a valid file with far
/// fewer records, as a truncated download would be) leaves that version active, the log unchanged and the
/// screening index on the old entries: a name only the version in force has is still a hit.
async fn a_refused_import_leaves_the_version_in_force(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let upload = |bytes: Vec<u8>| {
        t.raw(
            "POST",
            Some(&t.admin),
            "/api/v1/lists/bis-dpl?name=dpl.txt",
            Some(("application/octet-stream", bytes)),
        )
    };
    upload(dpl_list()).await.ok();
    let in_force = t.get(&t.admin, "/api/v1/lists").await.ok();
    assert_eq!(in_force.as_array().unwrap().len(), 1, "{in_force}");
    assert_eq!(in_force[0]["active"], true);
    let head = t.audit_head().await;

    // The first ten lines: a well-formed list of nine entries instead of hundreds.
    let full = String::from_utf8(dpl_list()).unwrap();
    let truncated: String = full.lines().take(10).map(|l| format!("{l}\n")).collect();
    assert!(!truncated.contains("TECHMA GMBH"));
    let r = upload(truncated.into_bytes()).await;
    let detail = r.problem(409)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with("nothing was imported: bis-dpl: the new version has 9 records"),
        "{detail}"
    );
    let r = upload(b"\x00\x01 not a list".to_vec()).await;
    assert_eq!(r.problem(422)["field"], "file");

    assert_eq!(t.get(&t.admin, "/api/v1/lists").await.ok(), in_force);
    assert_eq!(
        t.audit_head().await,
        head,
        "a refused import writes nothing"
    );
    // Screening still uses the version in force.
    let id = t.case(&w).end_user("TECHMA GMBH").submitted().await;
    let hits = t
        .get(
            &w.officer,
            &format!("/api/v1/applications/{id}/screening-hits"),
        )
        .await
        .ok();
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["list"] == "bis-dpl" && h["listed_name"] == "TECHMA GMBH"),
        "{hits}"
    );
}

async fn upload_list(t: &TestApp, path: &str, bytes: Vec<u8>) -> Value {
    t.raw(
        "POST",
        Some(&t.admin),
        path,
        Some(("application/octet-stream", bytes)),
    )
    .await
    .ok()
}

/// The officer's view of each case in `ids`, read again until every one has been screened with a version of
/// `source`: the background re-screen that a list import starts has reached them all. Fails after a minute.
async fn rescreened(t: &TestApp, w: &World, ids: &[&str], source: &str) -> Vec<Value> {
    let prefix = format!("{source}@");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut views = Vec::new();
        for id in ids {
            views.push(t.officer_view(w, id).await);
        }
        let done = views.iter().all(|v| {
            v["screened_with"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().starts_with(&prefix))
        });
        if done {
            return views;
        }
        assert!(
            Instant::now() < deadline,
            "the re-screen after importing {source} did not reach every case: {views:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A case's hits as (party role, list, listed name, status), in the order recorded.
fn hits_of(case: &Value) -> Vec<(String, String, String, String)> {
    case["screening"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let s = |k: &str| h[k].as_str().unwrap().to_string();
            (s("party_role"), s("list"), s("listed_name"), s("status"))
        })
        .collect()
}

fn hit(role: &str, list: &str, name: &str) -> (String, String, String, String) {
    (role.into(), list.into(), name.into(), "open".into())
}

/// The re-screen that a list import starts in the background (observed, not called by the test): a list naming
/// none of the parties adds no hit; a list naming the end user of an open case and of an issued licence adds the
/// hit to both as an open hit for the officers; a later import screens everything again and adds no second hit
/// for the same party and list record.
async fn a_list_import_re_screens_open_cases_and_issued_licences(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    // Made before any list is in force: nothing screened them yet.
    let open = t.case(&w).end_user("AARON ABRAHAM VILLA").submitted().await;
    let issued = t.case(&w).to("MX").end_user("TECHMA GMBH").issued().await;
    let clean = t.case(&w).submitted().await;
    let ids = [open.as_str(), issued.as_str(), clean.as_str()];

    upload_list(&t, "/api/v1/lists/un-sc-xml", un_list()).await;
    for case in rescreened(&t, &w, &ids, "un-sc").await {
        assert_eq!(hits_of(&case), [], "no party is on the UN list: {case}");
    }

    upload_list(&t, "/api/v1/lists/bis-dpl?name=dpl.txt", dpl_list()).await;
    let views = rescreened(&t, &w, &ids, "bis-dpl").await;
    assert_eq!(
        hits_of(&views[0]),
        [hit("end-user[0]", "bis-dpl", "AARON ABRAHAM VILLA")],
        "the open case: {}",
        views[0]
    );
    assert_eq!(views[0]["state"], "submitted");
    assert_eq!(
        hits_of(&views[1]),
        [hit("end-user[0]", "bis-dpl", "TECHMA GMBH")],
        "the issued licence: {}",
        views[1]
    );
    assert_eq!(views[1]["state"], "issued");
    assert_eq!(hits_of(&views[2]), [], "{}", views[2]);
    let queue = t.get(&w.officer, "/api/v1/queues/screening").await.ok();
    let queued: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(
        queued.contains(&open.as_str()) && queued.contains(&issued.as_str()),
        "{queue}"
    );
    assert!(!queued.contains(&clean.as_str()), "{queue}");

    // Another list: every case is screened again, the Denied Persons List still in force, and the hits are the
    // same records (same ids), none added twice.
    let non_sdn = upload_list(
        &t,
        "/api/v1/lists/ofac-csv?name=cons_prim.csv",
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/sanctions/us_ofac_non_sdn_2025-12/cons_prim.csv"
        ))
        .expect("shared OFAC non-SDN list"),
    )
    .await;
    let source = non_sdn[0]["source"].as_str().unwrap();
    let again = rescreened(&t, &w, &ids, source).await;
    for (before, after) in views.iter().zip(&again) {
        assert_eq!(after["screening"], before["screening"], "{}", after["id"]);
        assert_eq!(after["screened_with"].as_array().unwrap().len(), 3);
    }
}

/// Every party of a case is screened: the exporter organisation, the end users, the consignee and each
/// intermediary, each hit naming the party's role. A party name that screening cannot match (no letter or
/// digit) is refused when entered, naming the field, instead of being left out of screening.
async fn every_party_is_screened_and_a_name_that_cannot_be_is_refused_on(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    upload_list(&t, "/api/v1/lists/bis-dpl?name=dpl.txt", dpl_list()).await;

    // An exporter organisation whose name is on the list.
    let (_, listed_exporter) = t.registered_exporter(&w, "TECHMA GMBH", "techma1").await;
    let product = t
        .classified_product(&w, &listed_exporter, "Probe", "5.A.1.j", "secret")
        .await;
    let id = t.submitted(&listed_exporter, ml_body(&product, "BR")).await;
    let case = t.officer_view(&w, &id).await;
    assert_eq!(
        hits_of(&case),
        [hit("exporter", "bis-dpl", "TECHMA GMBH")],
        "{case}"
    );

    // An export application whose consignee and second intermediary are on the list.
    let ex = t
        .granted_exemption(&w, &w.restricted_product, "DE", "private")
        .await;
    let mut body = el_body(&w.restricted_product, "DE", &ex, "Federal Police");
    body["export"]["consignee"]["name"] = json!("AARON ABRAHAM VILLA");
    body["export"]["intermediaries"] = json!([
        {"name": "Freight Forwarding Ltd", "country": "AT"},
        {"name": "TECHMA GMBH", "country": "AT"},
    ]);
    let id = t.submitted(&w.exporter, body.clone()).await;
    let case = t.officer_view(&w, &id).await;
    assert_eq!(
        hits_of(&case),
        [
            hit("consignee", "bis-dpl", "AARON ABRAHAM VILLA"),
            hit("intermediary[1]", "bis-dpl", "TECHMA GMBH"),
        ],
        "{case}"
    );

    // Names screening cannot match, wherever a party is named.
    let unscreenable = "*** / ---";
    let mut cases = Vec::new();
    for (pointer, field) in [
        ("/export/end_user/name", "export.end_user.name"),
        ("/export/consignee/name", "export.consignee.name"),
        (
            "/export/intermediaries/1/name",
            "export.intermediaries[1].name",
        ),
    ] {
        let mut bad = body.clone();
        *bad.pointer_mut(pointer).unwrap() = json!(unscreenable);
        cases.push((bad, field));
    }
    let mut ml = ml_body(&w.secret_product, "BR");
    ml["marketing"]["end_users"][0]["name"] = json!(unscreenable);
    cases.push((ml, "marketing.end_users[0].name"));
    for (bad, field) in cases {
        let r = t.post(&w.exporter, "/api/v1/applications", bad).await;
        let p = r.problem(422);
        assert_eq!(p["field"], field, "{p}");
        assert!(
            p["detail"].as_str().unwrap().contains("cannot be screened"),
            "{p}"
        );
    }
    let r = t
        .post(
            &t.admin,
            "/api/v1/organisations",
            json!({"name": unscreenable, "country": "IL"}),
        )
        .await;
    let p = r.problem(422);
    assert_eq!(p["field"], "name", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("cannot be screened"),
        "{p}"
    );
}
