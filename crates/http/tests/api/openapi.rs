//! The OpenAPI document: generated from the handlers, OpenAPI 3, and snapshotted (paths and methods) so API
//! changes show up in review. Set UPDATE_SNAPSHOTS=1 to rewrite the snapshot.

use crate::common::*;

#[tokio::test]
async fn openapi_document_and_health() {
    let t = TestApp::start(Backend::Sqlite).await;
    let h = t.raw("GET", None, "/healthz", None).await;
    assert_eq!(h.status, 200);
    // `/` is the home page, and says where the API's document is.
    let root = t.raw("GET", None, "/", None).await;
    assert_eq!(root.status, 200);
    assert!(
        root.content_type.starts_with("text/html"),
        "{}",
        root.content_type
    );
    assert!(
        root.body
            .as_str()
            .unwrap_or_default()
            .contains("/api/v1/openapi.json"),
        "{}",
        root.body
    );
    let doc = t.raw("GET", None, "/api/v1/openapi.json", None).await.ok();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut lines: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            lines.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    lines.sort();
    let got = lines.join("\n") + "\n";
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/openapi_paths.txt");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(file, &got).unwrap();
    }
    let want = std::fs::read_to_string(file).unwrap_or_default();
    assert_eq!(
        got, want,
        "the API surface changed; review and run with UPDATE_SNAPSHOTS=1"
    );
    // Every documented error response refers to the problem schema.
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // Endpoints without query parameters reject them instead of ignoring them.
    let r = t.get(&t.admin, "/api/v1/me?bogus=1").await;
    assert_eq!(r.problem(400)["field"], "bogus");
    // Listings name an unknown parameter too (their own parameters parse strictly).
    let r = t.get(&t.admin, "/api/v1/organisations?bogus=1").await;
    assert_eq!(r.problem(422)["field"], "bogus");
    let r = t.get(&t.admin, "/api/v1/users?limit=5&x=1").await;
    assert_eq!(r.problem(422)["field"], "x");
    assert_eq!(
        t.get(&t.admin, "/api/v1/applications?state=draft")
            .await
            .status,
        200
    );
    // An unknown endpoint is a problem+json 404 too.
    t.raw("GET", None, "/api/v1/nothing-here", None)
        .await
        .problem(404);
}
