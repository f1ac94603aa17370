//! Documents from the pages (issue 14): the exporter uploads files to its case through a multipart form
//! (an ODF and an OOXML file built in the test; anything else refused beside the file control, nothing stored
//! without the session's CSRF token) and records the end-user declaration; the assigned officer sees the
//! documents and declarations and verifies or rejects them from the case page; downloads follow the case's
//! access rules.

use super::office::{docx, odt};
use super::{csrf, error_summary, Page, Pages};
use testdb::Backend;

const BOUNDARY: &str = "exportctl-page-test-3f9a";

/// A `multipart/form-data` body of `(name, file name, content)` parts.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(
    t: &Pages,
    path: &str,
    cookie: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> Page {
    t.send(
        t.client
            .post(format!("{}{path}", t.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(parts)),
        Some(cookie),
    )
    .await
}

/// The demo's case under review (to BR), assigned to the demo officer.
async fn case_under_review(t: &Pages) -> String {
    let off = t.principal("demo-officer").await;
    t.app
        .queue(&off, "mine", &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.destinations == ["BR"])
        .expect("the demo case under review")
        .id
}

/// The case's documents as its officer reads them.
async fn documents(t: &Pages, id: &str) -> Vec<app::documents::Document> {
    let off = t.principal("demo-officer").await;
    t.app.documents(&off, id).await.unwrap()
}

pub(super) async fn documents_uploaded_listed_and_verified_from_the_pages(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let id = case_under_review(&t).await;
    let exporter = t.sign_in("demo-exporter").await;
    let path = format!("/exporter/cases/{id}");
    let page = t.get(&path, Some(&exporter)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        !page.body.contains("id=\"record-declaration\""),
        "no declaration form before a signed file is uploaded"
    );
    let token = csrf(&page.body);
    let upload = format!("{path}/documents");
    let head = t.audit_head().await;

    // Refused uploads change nothing: no token, no file, content of a type not accepted, a bad kind.
    let odt = odt("Technical description of the Network Monitor.");
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("kind", None, b"technical-description"),
            ("file", Some("d.odt"), &odt),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"contract"),
            ("file", Some(""), b""),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains("href=\"#file\""));
    assert!(r.body.contains("value=\"contract\""), "the kind is kept");
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"contract"),
            ("file", Some("contract.pdf"), b"GIF89a\x01\x00\x01\x00"),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let summary = error_summary(&r.body);
    assert!(
        summary.contains("href=\"#file\"") && summary.contains("not accepted"),
        "{summary}"
    );
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"Signed Contract"),
            ("file", Some("d.odt"), &odt),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(error_summary(&r.body).contains("href=\"#kind\""));
    assert_eq!(t.audit_head().await, head, "nothing stored");
    assert!(documents(&t, &id).await.is_empty());

    // An ODF technical description and an OOXML signed declaration are accepted by their content.
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"technical-description"),
            ("file", Some("description.odt"), &odt),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, format!("{path}#documents").as_str()),
        "{}",
        r.body
    );
    let docx = docx("End-user declaration, signed.");
    let r = post_multipart(
        &t,
        &upload,
        &exporter,
        &[
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"end-user-declaration"),
            ("file", Some("declaration.docx"), &docx),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let docs = documents(&t, &id).await;
    assert_eq!(docs.len(), 2);
    let (tech, eud) = (&docs[0], &docs[1]);
    assert_eq!(tech.content_type, "application/vnd.oasis.opendocument.text");
    assert_eq!(
        eud.content_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let page = t.get(&path, Some(&exporter)).await.body;
    assert!(page.contains("description.odt") && page.contains("declaration.docx"));
    assert!(page.contains("id=\"record-declaration\""));
    // The download gives the bytes uploaded, to those who may read the case only.
    let got = t
        .send(
            t.client
                .get(format!("{}/cases/{id}/documents/{}", t.base, eud.id)),
            Some(&exporter),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.content_type, eud.content_type);
    assert_eq!(got.headers["cache-control"], "private, no-store");

    // The declaration form: a date that is not one is shown beside its field, values kept.
    let declare = format!("{path}/declarations");
    let mut form = vec![
        ("csrf", token.as_str()),
        ("document_id", eud.id.as_str()),
        ("signatory_name", "Ana Souza"),
        ("signatory_position", "Director of procurement"),
        ("end_user_organisation", "Example Agency"),
        ("signed_on", "yesterday"),
        ("terms_version", "2021-12"),
        ("valid_until", "2099-12-31"),
    ];
    let before = t.audit_head().await;
    let r = t.post(&declare, Some(&exporter), &form).await;
    assert_eq!(r.status, 400);
    assert!(error_summary(&r.body).contains("href=\"#signed_on\""));
    assert!(r.body.contains("value=\"Ana Souza\""));
    form[5] = ("signed_on", "2026-01-05");
    form[7] = ("valid_until", "2025-01-01");
    let r = t.post(&declare, Some(&exporter), &form).await;
    assert_eq!(r.status, 400, "the use case's rule, beside its field");
    assert!(error_summary(&r.body).contains("href=\"#valid_until\""));
    assert_eq!(t.audit_head().await, before);
    form[7] = ("valid_until", "2099-12-31");
    let r = t.post(&declare, Some(&exporter), &form).await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The officer sees both documents and the declaration, and checks them from the case page.
    let officer = t.sign_in("demo-officer").await;
    let opath = format!("/officer/cases/{id}");
    let page = t.get(&opath, Some(&officer)).await.body;
    let otoken = csrf(&page);
    assert!(page.contains("description.odt") && page.contains("Ana Souza"));
    let check_doc = format!("{opath}/documents/{}/verification", tech.id);
    assert!(page.contains(&format!("action=\"{check_doc}\"")));
    assert!(
        !page.contains(&format!("{opath}/documents/{}/verification", eud.id)),
        "the signed file is checked through its declaration"
    );
    let off = t.principal("demo-officer").await;
    let decl = t.app.declarations(&off, &id).await.unwrap()[0].id.clone();
    let verify_decl = format!("{opath}/declarations/{decl}/verification");
    assert!(page.contains(&format!("action=\"{verify_decl}\"")));
    // A rejection needs a reason, shown beside the reason of that form; no choice at all too.
    let before = t.audit_head().await;
    let r = t
        .post(
            &check_doc,
            Some(&officer),
            &[("csrf", &otoken), ("outcome", "rejected")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(error_summary(&r.body).contains(&format!("href=\"#check-reason-{}\"", tech.id)));
    let r = t
        .post(
            &verify_decl,
            Some(&officer),
            &[("csrf", &otoken), ("reason", "fine")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(error_summary(&r.body).contains(&format!("href=\"#verify-reason-{decl}\"")));
    assert!(r.body.contains(">fine</textarea>"), "the reason is kept");
    assert_eq!(t.audit_head().await, before, "nothing changed");
    // Verified: the declaration counts as the end-user declaration, the description as its kind.
    let r = t
        .post(
            &verify_decl,
            Some(&officer),
            &[("csrf", &otoken), ("outcome", "verified")],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, format!("{opath}#documents").as_str()),
        "{}",
        r.body
    );
    let r = t
        .post(
            &check_doc,
            Some(&officer),
            &[
                ("csrf", &otoken),
                ("outcome", "verified"),
                ("reason", "matches the product"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let app::views::CaseView::Internal(c) = t.app.application(&off, &id).await.unwrap() else {
        panic!("officer view")
    };
    let kinds: Vec<&str> = c
        .body
        .verified_documents
        .iter()
        .map(|v| v.kind.as_str())
        .collect();
    assert_eq!(kinds, ["end-user-declaration", "technical-description"]);
    let page = t.get(&opath, Some(&officer)).await.body;
    assert!(page.contains(&format!("id=\"declaration-{decl}-outcome\">verified")));
    assert!(page.contains(&format!("id=\"check-{}-outcome\">verified", tech.id)));
    assert!(
        !page.contains(&format!("action=\"{check_doc}\"")),
        "checked once"
    );
    // Checking again is refused on the page, not with an error page.
    let r = t
        .post(
            &check_doc,
            Some(&officer),
            &[("csrf", &otoken), ("outcome", "rejected"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(error_summary(&r.body).contains("already verified"));
    // The exporter sees the outcome; a role that may not read cases cannot download.
    let page = t.get(&path, Some(&exporter)).await.body;
    assert!(page.contains("matches the product"));
    let auditor = t.sign_in("demo-auditor").await;
    let got = t
        .send(
            t.client
                .get(format!("{}/cases/{id}/documents/{}", t.base, tech.id)),
            Some(&auditor),
        )
        .await;
    assert_eq!(got.status, 200, "auditors read every case");
    let policy = t.sign_in("demo-policy-admin").await;
    let got = t
        .send(
            t.client
                .get(format!("{}/cases/{id}/documents/{}", t.base, tech.id)),
            Some(&policy),
        )
        .await;
    assert_eq!(got.status, 404, "out of scope answers like missing");
}
