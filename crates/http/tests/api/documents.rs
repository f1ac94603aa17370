//! Case documents and end-user declarations through the API (issue 14), on both backends: uploads are checked
//! by content and size and hashed by the server, stored in the object store and read back under the case's
//! access rules (an exporter never sees internal documents); a scripted scanner holds uploads `pending` and
//! flags a known test file, which can then never be downloaded and whose uploader is told; a required
//! end-user declaration counts toward approval only once the assigned officer has verified it, and so does a
//! document of any other kind, verified on the document itself; ODF and OOXML files built in the test (real zip
//! containers) are accepted by their content. An S3-compatible store (moto's server from PyPI, started by the
//! test; `.ci/run` installs it) holds the contents when `--document-store s3://...` says so.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use sha2::Digest;

both_backends!(
    uploads_are_checked_by_content_and_read_under_the_case_rules,
    a_scripted_scanner_holds_uploads_and_refuses_the_infected_one,
    only_a_verified_declaration_lets_the_case_be_approved,
    office_documents_are_accepted_and_other_kinds_are_verified,
    documents_are_kept_in_an_s3_bucket,
);

/// An export-licence application that requires an end-user declaration (a cyber-surveillance product to a
/// government end user), submitted and assigned to `w.officer`. Returns its id.
async fn el_requiring_declaration(t: &TestApp, w: &World) -> String {
    let ml = t.submitted_ml(w, &w.secret_product, "DE").await;
    let ml = t
        .approve_and_issue(w, ml["id"].as_str().unwrap(), json!([]))
        .await;
    let number = ml["licence_issued"]["number"].as_str().unwrap();
    let el = t
        .post(
            &w.exporter,
            "/api/v1/applications",
            el_body(&w.secret_product, "DE", number, "Bundespolizei"),
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
    assert_eq!(
        sub["required_documents"],
        json!(["end-user-declaration"]),
        "{sub}"
    );
    t.post(
        &w.officer,
        &format!("/api/v1/applications/{id}/assign"),
        json!({}),
    )
    .await
    .ok();
    id
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}

async fn uploads_are_checked_by_content_and_read_under_the_case_rules(b: Backend) {
    let mut config = app::AppConfig::default();
    config.documents.max_bytes = 64 * 1024;
    let t = TestApp::start_with(b, config).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    let docs = format!("/api/v1/applications/{id}/documents");

    // The exporter uploads a PDF named .txt: the content decides the type; the server hashes it.
    let head = t.audit_head().await;
    let up = t
        .upload(&w.exporter, id, "contract", "contract.txt", PDF)
        .await;
    assert_eq!(up.status, 201, "{}", up.body);
    let doc = up.body;
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(doc["size"], PDF.len());
    assert_eq!(doc["sha256"], hex::encode(sha2::Sha256::digest(PDF)));
    assert_eq!(doc["visibility"], "shared");
    assert_eq!(doc["scan"], "unscanned", "no scanner configured");
    assert_eq!(t.audit_head().await, head + 1, "an upload is audited");
    let doc_id = doc["id"].as_str().unwrap();
    let content = format!("{docs}/{doc_id}/content");
    let got = t.raw("GET", Some(&w.exporter), &content, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.content_type, "application/pdf");
    assert_eq!(
        got.body,
        Value::String(String::from_utf8(PDF.to_vec()).unwrap())
    );

    // An officer's internal document: listed and readable for staff, invisible to the exporter.
    let (ct, body) = multipart(&[
        ("kind", None, b"embassy-report"),
        ("visibility", None, b"internal"),
        (
            "file",
            Some("report.txt"),
            "Embassy: end user confirmed.\n".as_bytes(),
        ),
    ]);
    let internal = t
        .raw("POST", Some(&w.officer), &docs, Some((&ct, body)))
        .await
        .ok();
    assert_eq!(internal["content_type"], "text/plain");
    let internal_id = internal["id"].as_str().unwrap();
    assert_eq!(
        ids(&t.get(&w.officer, &docs).await.ok()),
        vec![doc_id, internal_id]
    );
    assert_eq!(ids(&t.get(&w.exporter, &docs).await.ok()), vec![doc_id]);
    let hidden = t
        .raw(
            "GET",
            Some(&w.exporter),
            &format!("{docs}/{internal_id}/content"),
            None,
        )
        .await;
    hidden.problem(404);
    let staff = t
        .raw(
            "GET",
            Some(&w.officer),
            &format!("{docs}/{internal_id}/content"),
            None,
        )
        .await;
    assert_eq!(staff.body, "Embassy: end user confirmed.\n");
    // Another organisation sees nothing of the case.
    t.get(&w.exporter2, &docs).await.problem(404);
    t.raw("GET", Some(&w.exporter2), &content, None)
        .await
        .problem(404);
    // A document id of another case is not found under this one.
    let other = t.submitted_ml(&w, &w.restricted_product, "IT").await;
    let other_id = other["id"].as_str().unwrap();
    t.raw(
        "GET",
        Some(&w.officer),
        &format!("/api/v1/applications/{other_id}/documents/{doc_id}/content"),
        None,
    )
    .await
    .problem(404);

    // Refusals name the field and store nothing.
    let head = t.audit_head().await;
    let elf = t
        .upload(
            &w.exporter,
            id,
            "contract",
            "c.pdf",
            b"\x7fELF\x02\x01\x01\x00\x00",
        )
        .await;
    assert_eq!(elf.problem(422)["field"], "file", "{}", elf.body);
    let gif = t
        .upload(
            &w.exporter,
            id,
            "contract",
            "c.pdf",
            b"GIF89a\x01\x00\x01\x00",
        )
        .await;
    assert_eq!(gif.problem(422)["field"], "file");
    let empty = t.upload(&w.exporter, id, "contract", "c.pdf", b"").await;
    assert_eq!(empty.problem(422)["field"], "file");
    let bad_kind = t.upload(&w.exporter, id, "Contract!", "c.pdf", PDF).await;
    assert_eq!(bad_kind.problem(422)["field"], "kind");
    let (ct, body) = multipart(&[("file", Some("c.pdf"), PDF)]);
    let no_kind = t
        .raw("POST", Some(&w.exporter), &docs, Some((&ct, body)))
        .await;
    assert_eq!(no_kind.problem(422)["field"], "kind");
    let (ct, body) = multipart(&[("kind", None, b"contract"), ("file", None, PDF)]);
    let no_name = t
        .raw("POST", Some(&w.exporter), &docs, Some((&ct, body)))
        .await;
    assert_eq!(no_name.problem(422)["field"], "file");
    let (ct, body) = multipart(&[("kind", None, b"contract"), ("colour", None, b"red")]);
    let unknown = t
        .raw("POST", Some(&w.exporter), &docs, Some((&ct, body)))
        .await;
    assert_eq!(unknown.problem(422)["field"], "colour");
    let (ct, body) = multipart(&[
        ("kind", None, b"contract"),
        ("visibility", None, b"internal"),
        ("file", Some("c.pdf"), PDF),
    ]);
    let exporter_internal = t
        .raw("POST", Some(&w.exporter), &docs, Some((&ct, body)))
        .await;
    exporter_internal.problem(403);
    let mut big = PDF.to_vec();
    big.resize(100 * 1024, b' ');
    let too_big = t.upload(&w.exporter, id, "contract", "big.pdf", &big).await;
    assert_eq!(too_big.problem(413)["field"], "file", "{}", too_big.body);
    let json = t
        .raw(
            "POST",
            Some(&w.exporter),
            &docs,
            Some(("application/json", b"{}".to_vec())),
        )
        .await;
    json.problem(415);
    t.upload(&w.auditor, id, "contract", "c.pdf", PDF)
        .await
        .problem(403);
    assert_eq!(
        t.audit_head().await,
        head,
        "no refused upload changed anything"
    );
    assert_eq!(ids(&t.get(&w.officer, &docs).await.ok()).len(), 2);
}

async fn a_scripted_scanner_holds_uploads_and_refuses_the_infected_one(b: Backend) {
    // The scanner: exit 1 (infected) for files carrying the test marker, 0 (clean) otherwise.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("scan.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nif grep -q EXPORTCTL-TEST-MALWARE \"$1\"; then exit 1; fi\nexit 0\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut config = app::AppConfig::default();
    config.documents.scanner = Some(app::documents::ScannerConfig {
        program: script,
        args: vec![],
        timeout: std::time::Duration::from_secs(30),
    });
    let t = TestApp::start_with(b, config).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    let docs = format!("/api/v1/applications/{id}/documents");

    let clean = t
        .upload(&w.exporter, id, "contract", "contract.pdf", PDF)
        .await
        .ok();
    let infected = t
        .upload(
            &w.exporter,
            id,
            "technical-description",
            "spec.txt",
            b"Product specification\nEXPORTCTL-TEST-MALWARE\n",
        )
        .await
        .ok();
    assert_eq!(clean["scan"], "pending");
    assert_eq!(infected["scan"], "pending");
    let clean_url = format!("{docs}/{}/content", clean["id"].as_str().unwrap());
    let infected_url = format!("{docs}/{}/content", infected["id"].as_str().unwrap());
    // Pending: not downloadable by anyone yet.
    t.raw("GET", Some(&w.officer), &clean_url, None)
        .await
        .problem(409);

    let report = t.app.run_pending().await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    let listed = t.get(&w.exporter, &docs).await.ok();
    let scans: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["scan"].as_str().unwrap())
        .collect();
    assert_eq!(scans, vec!["clean", "infected"]);
    let got = t.raw("GET", Some(&w.exporter), &clean_url, None).await;
    assert_eq!(got.status, 200);
    for token in [&w.exporter, &w.officer] {
        let r = t.raw("GET", Some(token), &infected_url, None).await;
        assert!(
            r.problem(409)["detail"]
                .as_str()
                .unwrap()
                .contains("infected"),
            "{}",
            r.body
        );
    }
    // The uploader is told, by reference only.
    let ns = t.get(&w.exporter, "/api/v1/notifications").await.ok();
    let told = ns
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["event"] == "document.infected")
        .expect("the uploader is notified");
    assert_eq!(told["reference"], case["reference"]);
    assert!(!ns.to_string().contains("spec.txt"));
    // The job does not run twice: nothing is pending any more.
    assert_eq!(
        t.app.run_pending().await.unwrap(),
        app::jobs::JobReport::default()
    );
    // An infected file cannot be the signed file of a declaration.
    let r = t
        .post(
            &w.exporter,
            &format!("/api/v1/applications/{id}/declarations"),
            json!({"signatory_name": "A", "signatory_position": "B", "end_user_organisation": "C",
                   "signed_on": "2021-12-06", "terms_version": "2021-12", "valid_until": "2099-12-31",
                   "document_id": infected["id"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "document_id");
}

async fn only_a_verified_declaration_lets_the_case_be_approved(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = el_requiring_declaration(&t, &w).await;
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    t.advise_all(&w, &case).await;
    let approve = format!("/api/v1/applications/{id}/approve");
    let body = json!({"reason": "advice favourable", "conditions": []});

    // The label in the application's `documents` no longer satisfies the requirement.
    let el = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(el["export"]["documents"][0]["kind"], "end-user-declaration");
    let r = t.post(&w.officer, &approve, body.clone()).await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("end-user-declaration has not been verified"),
        "{}",
        r.body
    );
    let mine = t
        .get(&w.exporter, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert!(mine["awaiting_exporter"]
        .to_string()
        .contains("end-user-declaration"));

    // A recorded but unverified declaration does not count either.
    let d = t.declaration(&w, &id).await;
    assert!(d["verification"].is_null());
    assert_eq!(d["terms_version"], "2021-12");
    t.post(&w.officer, &approve, body.clone())
        .await
        .problem(409);
    let verify = |decl: &Value| {
        format!(
            "/api/v1/applications/{id}/declarations/{}/verification",
            decl["id"].as_str().unwrap()
        )
    };
    // Bad input: the field is named and nothing changes.
    let head = t.audit_head().await;
    let r = t
        .post(&w.officer, &verify(&d), json!({"outcome": "rejected"}))
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    let r = t
        .post(&w.officer, &verify(&d), json!({"outcome": "maybe"}))
        .await;
    assert_eq!(r.problem(422)["field"], "outcome");
    let decls = format!("/api/v1/applications/{id}/declarations");
    let r = t
        .post(
            &w.exporter,
            &decls,
            json!({"signatory_name": "A", "signatory_position": "B", "end_user_organisation": "C",
                   "signed_on": "2021-12-06", "terms_version": "1", "valid_until": "2021-01-01",
                   "document_id": d["document_id"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "valid_until");
    let contract = t
        .upload(&w.exporter, &id, "contract", "contract.pdf", PDF)
        .await
        .ok();
    let head_after_upload = t.audit_head().await;
    assert_eq!(head_after_upload, head + 1);
    let r = t
        .post(
            &w.exporter,
            &decls,
            json!({"signatory_name": "A", "signatory_position": "B", "end_user_organisation": "C",
                   "signed_on": "2021-12-06", "terms_version": "1", "valid_until": "2099-01-01",
                   "document_id": contract["id"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "document_id");
    // Only the officer verifies.
    t.post(&w.exporter, &verify(&d), json!({"outcome": "verified"}))
        .await
        .problem(403);
    t.post(&w.officer2, &verify(&d), json!({"outcome": "verified"}))
        .await
        .problem(403);
    assert_eq!(t.audit_head().await, head_after_upload);

    // A rejection, with its reason, keeps the case blocked; it is decided once.
    let rejected = t
        .post(
            &w.officer,
            &verify(&d),
            json!({"outcome": "rejected", "reason": "signatory is not authorised"}),
        )
        .await
        .ok();
    assert_eq!(rejected["verification"]["outcome"], "rejected");
    t.post(&w.officer, &verify(&d), json!({"outcome": "verified"}))
        .await
        .problem(409);
    t.post(&w.officer, &approve, body.clone())
        .await
        .problem(409);

    // A new declaration, verified: the case can be approved.
    let d2 = t.declaration(&w, &id).await;
    let verified = t
        .post(&w.officer, &verify(&d2), json!({"outcome": "verified"}))
        .await
        .ok();
    assert_eq!(verified["verification"]["outcome"], "verified");
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(
        case["verified_documents"][0]["declaration_id"], d2["id"],
        "{case}"
    );
    let listed = t.get(&w.exporter, &decls).await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        listed[1]["verification"]["by"].is_null(),
        "exporters do not see which officer: {listed}"
    );
    let approved = t.decide(&w, &id, "approve", body).await.ok();
    assert_eq!(approved["state"], "approved", "{approved}");
}

async fn office_documents_are_accepted_and_other_kinds_are_verified(b: Backend) {
    use crate::office::{docx, odt};
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let id = el_requiring_declaration(&t, &w).await;
    let docs = format!("/api/v1/applications/{id}/documents");

    // ODF and OOXML files are recognised by their content, whatever their names say.
    let odt = odt("Technical description of the monitoring platform.");
    let tech = t
        .upload(
            &w.exporter,
            &id,
            "technical-description",
            "description.odt",
            &odt,
        )
        .await
        .ok();
    assert_eq!(
        tech["content_type"],
        "application/vnd.oasis.opendocument.text"
    );
    assert_eq!(tech["size"], odt.len());
    assert_eq!(tech["sha256"], hex::encode(sha2::Sha256::digest(&odt)));
    let docx = docx("Contract between the exporter and the end user.");
    let contract = t
        .upload(&w.exporter, &id, "contract", "contract.odt", &docx)
        .await
        .ok();
    assert_eq!(
        contract["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(contract["sha256"], hex::encode(sha2::Sha256::digest(&docx)));
    let got = t
        .raw(
            "GET",
            Some(&w.officer),
            &format!("{docs}/{}/content", contract["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.content_type, contract["content_type"]);
    // A zip that is neither is refused, naming the file.
    let mut plain = docx.clone();
    plain[30..49].copy_from_slice(b"[Not_A_Document].xm");
    let r = t
        .upload(&w.exporter, &id, "contract", "contract.docx", &plain)
        .await;
    assert_eq!(r.problem(422)["field"], "file");

    // The assigned officer checks the contract on the document itself.
    let check = |doc: &Value| format!("{docs}/{}/verification", doc["id"].as_str().unwrap());
    let head = t.audit_head().await;
    t.post(
        &w.exporter,
        &check(&contract),
        json!({"outcome": "verified"}),
    )
    .await
    .problem(403);
    t.post(
        &w.officer2,
        &check(&contract),
        json!({"outcome": "verified"}),
    )
    .await
    .problem(403);
    let r = t
        .post(
            &w.officer,
            &check(&contract),
            json!({"outcome": "rejected"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "reason");
    assert_eq!(t.audit_head().await, head, "refused checks change nothing");
    let verified = t
        .post(
            &w.officer,
            &check(&contract),
            json!({"outcome": "verified"}),
        )
        .await
        .ok();
    assert_eq!(verified["verification"]["outcome"], "verified");
    assert_eq!(
        t.audit_head().await,
        head + 2,
        "the document's check and the case's change"
    );
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    let verified_docs = case["verified_documents"].as_array().unwrap();
    assert_eq!(verified_docs.len(), 1, "{case}");
    assert_eq!(verified_docs[0]["kind"], "contract");
    assert_eq!(verified_docs[0]["document_id"], contract["id"]);
    assert!(verified_docs[0]["declaration_id"].is_null());
    // Decided once.
    t.post(
        &w.officer,
        &check(&contract),
        json!({"outcome": "rejected", "reason": "again"}),
    )
    .await
    .problem(409);
    // A rejection keeps its reason and adds nothing to the case.
    let rejected = t
        .post(
            &w.officer,
            &check(&tech),
            json!({"outcome": "rejected", "reason": "the description is of another product"}),
        )
        .await
        .ok();
    assert_eq!(
        rejected["verification"]["reason"],
        "the description is of another product"
    );
    let case = t
        .get(&w.officer, &format!("/api/v1/applications/{id}"))
        .await
        .ok();
    assert_eq!(case["verified_documents"].as_array().unwrap().len(), 1);
    // The exporter sees the outcome, not which officer decided.
    let listed = t.get(&w.exporter, &docs).await.ok();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == contract["id"])
        .unwrap();
    assert_eq!(mine["verification"]["outcome"], "verified");
    assert!(mine["verification"]["by"].is_null(), "{mine}");
    // The signed file of an end-user declaration is checked through its declaration only.
    let d = t.declaration(&w, &id).await;
    let r = t
        .post(
            &w.officer,
            &format!("{docs}/{}/verification", d["document_id"].as_str().unwrap()),
            json!({"outcome": "verified"}),
        )
        .await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("verify the declaration"),
        "{}",
        r.body
    );
    // The contract's check does not stand in for the required end-user declaration.
    t.advise_all(&w, &case).await;
    let r = t
        .post(
            &w.officer,
            &format!("/api/v1/applications/{id}/approve"),
            json!({"reason": "advice favourable", "conditions": []}),
        )
        .await;
    r.refused(409, "end-user-declaration has not been verified");
}

/// A moto S3 server on a free local port, stopped when dropped. `MOTO_SERVER` names the program (`.ci/run`
/// installs moto in a virtual environment); without it, `moto_server` on the PATH. A missing program fails the
/// test: it is part of the suite, not optional.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn moto() -> Moto {
    let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {program} ({e}): install moto[server] from PyPI or set MOTO_SERVER"
            )
        });
    let endpoint = format!("http://127.0.0.1:{port}");
    let m = Moto { child, endpoint };
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{program} did not listen on {port}");
}

async fn documents_are_kept_in_an_s3_bucket(b: Backend) {
    let s3 = moto().await;
    let http = reqwest::Client::new();
    let bucket = format!("{s3}/exportctl-docs", s3 = s3.endpoint);
    let made = http.put(&bucket).send().await.unwrap();
    assert!(made.status().is_success(), "{:?}", made.text().await);
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT", s3.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("HOME", "/ignored"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = app::AppConfig::default();
    // The same function `serve --document-store` uses.
    config.documents.store = Some(
        app::documents::object_store_for(
            "s3://exportctl-docs/case-files",
            data_dir.path(),
            env.clone(),
        )
        .expect("S3 store"),
    );
    let t = TestApp::start_with(b, config).await;
    let w = t.world().await;
    let case = t.submitted_ml(&w, &w.restricted_product, "FR").await;
    let id = case["id"].as_str().unwrap();
    let up = t
        .upload(&w.exporter, id, "contract", "contract.pdf", PDF)
        .await;
    assert_eq!(up.status, 201, "{}", up.body);
    let sha = hex::encode(sha2::Sha256::digest(PDF));
    assert_eq!(up.body["sha256"], sha);

    // The object is in the bucket under the prefix, content-addressed, with the uploaded bytes.
    let listing = http
        .get(format!("{bucket}?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = format!("case-files/documents/sha256/{}/{sha}", &sha[..2]);
    assert!(listing.contains(&format!("<Key>{key}</Key>")), "{listing}");
    // Read with signed requests (moto refuses anonymous reads of objects), from the bucket's root.
    let root =
        app::documents::object_store_for("s3://exportctl-docs", data_dir.path(), env.clone())
            .unwrap();
    let stored = root
        .get(&object_store::path::Path::from(key.as_str()))
        .await
        .expect("the object is in the bucket");
    assert_eq!(stored.bytes().await.unwrap().as_ref(), PDF);
    // Nothing was written to the local data directory.
    assert!(!data_dir.path().join("documents").exists());

    // Read back through the API from the bucket.
    let doc_id = up.body["id"].as_str().unwrap();
    let got = t
        .raw(
            "GET",
            Some(&w.exporter),
            &format!("/api/v1/applications/{id}/documents/{doc_id}/content"),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body,
        Value::String(String::from_utf8(PDF.to_vec()).unwrap())
    );

    // With the server gone, an upload fails cleanly (a problem, never a 500 with a half-stored record).
    drop(s3);
    let head = t.audit_head().await;
    let failed = t
        .upload(&w.exporter, id, "contract", "other.pdf", b"%PDF-1.4 other")
        .await;
    assert_eq!(failed.status, 503, "{}", failed.body);
    assert_eq!(
        t.audit_head().await,
        head,
        "a failed upload records nothing"
    );
}
