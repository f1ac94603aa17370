//! Body schemas and checked references (issue 16, `store::kinds`), on SQLite and on PostgreSQL: a row stored
//! by an older release reads upgraded on every read path and is stored upgraded by its next write; a row of a
//! newer schema is refused; a write naming a record that does not exist is refused naming the field, and
//! nothing is stored.

use serde_json::{json, Value};
use store::kinds::{self, CASE, ORGANISATION, PRODUCT};
use store::{Filter, Record, Store, StoreError, UserRow};
use testdb::{Backend, TestDb};

async fn open(b: Backend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect and migrate");
    (db, s)
}

/// Writes a record row the way an older release did: the body as given, in `schema`, no checks.
async fn write_raw(url: &str, kind: &str, id: &str, org: &str, schema: i64, body: &Value) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO records (id, kind, org_id, state, reference, tags, version, body, created_at, updated_at, search, body_schema) \
         VALUES ($1, $2, $3, 'classified', $4, '', 1, $5, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '', $6)",
    )
    .bind(id)
    .bind(kind)
    .bind(org)
    .bind(format!("REF-{id}"))
    .bind(body.to_string())
    .bind(schema)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// (body_schema, body) of a stored row.
async fn read_raw(url: &str, id: &str) -> (i64, Value) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let (schema, body): (i64, String) =
        sqlx::query_as("SELECT body_schema, body FROM records WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    (schema, serde_json::from_str(&body).unwrap())
}

async fn count(s: &Store, kind: &str) -> i64 {
    s.count_records(kind).await.unwrap()
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    old_bodies_read_upgraded_on_every_path_and_are_rewritten_by_the_next_write,
    a_body_of_a_newer_schema_is_refused_not_misread,
    writes_stamp_the_current_schema_of_their_kind,
    writes_naming_missing_records_are_refused_and_store_nothing,
);

fn v1_product() -> Value {
    json!({
        "name": "Old", "version": "1", "description": "d", "claimed_control_entries": [],
        "capability_tags": [],
        "classification": {
            "control_entries": [], "security_grade": "unclassified", "catch_all_notified": true,
            "note": null, "classified_by": "u", "classified_at": "2025-01-01T00:00:00.000Z"
        }
    })
}

fn upgraded(body: &Value) {
    let class = &body["classification"];
    assert_eq!(class["legacy_catch_all"], json!(true), "{body}");
    assert!(class.get("catch_all_notified").is_none(), "{body}");
}

async fn old_bodies_read_upgraded_on_every_path_and_are_rewritten_by_the_next_write(b: Backend) {
    let (db, s) = open(b).await;
    write_raw(&db.url, PRODUCT, "p1", "o1", 1, &v1_product()).await;
    upgraded(&s.get::<Value>(PRODUCT, "p1").await.unwrap().body);
    upgraded(
        &s.get_by_reference::<Value>(PRODUCT, "REF-p1")
            .await
            .unwrap()
            .body,
    );
    upgraded(&s.list::<Value>(PRODUCT, &Filter::default()).await.unwrap()[0].body);
    upgraded(&s.unindexed::<Value>(PRODUCT, "ix:9").await.unwrap()[0].body);
    let mut tx = s.begin().await.unwrap();
    upgraded(&tx.get::<Value>(PRODUCT, "p1").await.unwrap().body);
    upgraded(
        &tx.get_by_reference::<Value>(PRODUCT, "REF-p1")
            .await
            .unwrap()
            .body,
    );
    upgraded(&tx.list::<Value>(PRODUCT, &Filter::default()).await.unwrap()[0].body);
    let mut r = tx.get_for_update::<Value>(PRODUCT, "p1").await.unwrap();
    upgraded(&r.body);
    // Reading rewrote nothing.
    assert_eq!(read_raw(&db.url, "p1").await, (1, v1_product()));
    r.version += 1;
    r.body["name"] = json!("Renamed");
    tx.update(&r).await.unwrap();
    tx.commit().await.unwrap();
    let (schema, body) = read_raw(&db.url, "p1").await;
    assert_eq!(schema, kinds::current_schema(PRODUCT));
    upgraded(&body);
    assert_eq!(body["name"], json!("Renamed"));
}

async fn a_body_of_a_newer_schema_is_refused_not_misread(b: Backend) {
    let (db, s) = open(b).await;
    let newer = kinds::current_schema(PRODUCT) + 1;
    write_raw(
        &db.url,
        PRODUCT,
        "p9",
        "o1",
        newer,
        &json!({"name": "From the future"}),
    )
    .await;
    let says = |e: StoreError| {
        assert!(matches!(e, StoreError::NewerSchema(_)), "{e:?}");
        let m = e.to_string();
        assert!(
            m.contains("product p9")
                && m.contains(&format!("schema {newer}"))
                && m.contains("later release"),
            "{m}"
        );
    };
    says(s.get::<Value>(PRODUCT, "p9").await.unwrap_err());
    says(
        s.list::<Value>(PRODUCT, &Filter::default())
            .await
            .unwrap_err(),
    );
    let mut tx = s.begin().await.unwrap();
    says(tx.get_for_update::<Value>(PRODUCT, "p9").await.unwrap_err());
}

fn org(id: &str) -> Record<Value> {
    Record::new(
        id.into(),
        ORGANISATION,
        Some(id.into()),
        "active",
        json!({"name": id, "country": "IL"}),
        "2026-01-01T00:00:00.000Z".into(),
    )
}

fn product(id: &str, org: &str) -> Record<Value> {
    let mut body = v1_product();
    body["classification"] = Value::Null;
    Record::new(
        id.into(),
        PRODUCT,
        Some(org.into()),
        "classified",
        body,
        "2026-01-01T00:00:00.000Z".into(),
    )
}

fn case(id: &str, org: &str, body: Value) -> Record<Value> {
    Record::new(
        id.into(),
        CASE,
        Some(org.into()),
        "draft",
        body,
        "2026-01-01T00:00:00.000Z".into(),
    )
}

async fn writes_stamp_the_current_schema_of_their_kind(b: Backend) {
    let (db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&org("o1")).await.unwrap();
    tx.insert(&product("p1", "o1")).await.unwrap();
    tx.insert(&Record::new(
        "d1".into(),
        "doc",
        None,
        "x",
        json!({}),
        "2026-01-01T00:00:00.000Z".into(),
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read_raw(&db.url, "p1").await.0, 2);
    assert_eq!(kinds::current_schema(PRODUCT), 2);
    assert_eq!(read_raw(&db.url, "d1").await.0, 1);
    assert_eq!(read_raw(&db.url, "o1").await.0, 1);
}

async fn writes_naming_missing_records_are_refused_and_store_nothing(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&org("o1")).await.unwrap();
    tx.insert(&org("o2")).await.unwrap();
    tx.insert(&product("p1", "o1")).await.unwrap();
    tx.insert(&product("p2", "o2")).await.unwrap();
    tx.commit().await.unwrap();
    let refused = |e: StoreError, field: &str, says: &str| match e {
        StoreError::MissingReference { field: f, reason } => {
            assert_eq!(f, field);
            assert!(reason.contains(says), "{reason}");
        }
        other => panic!("expected a missing reference at {field}, got {other:?}"),
    };

    // A product of an organisation that does not exist.
    let mut tx = s.begin().await.unwrap();
    refused(
        tx.insert(&product("p3", "nope")).await.unwrap_err(),
        "org_id",
        "no organisation \"nope\"",
    );
    tx.rollback().await.unwrap();
    let mut no_org = product("p3", "o1");
    no_org.org_id = None;
    let mut tx = s.begin().await.unwrap();
    refused(
        tx.insert(&no_org).await.unwrap_err(),
        "org_id",
        "belongs to an organisation",
    );
    tx.rollback().await.unwrap();
    assert_eq!(count(&s, PRODUCT).await, 2);

    // Cases: of a missing organisation, naming a missing product, or another organisation's product.
    let export = |p: &str| json!({"licence": "export", "export": {"product": p}});
    let marketing = |ps: &[&str]| json!({"licence": "marketing", "marketing": {"products": ps}});
    for (rec, field, says) in [
        (
            case("c1", "nope", export("p1")),
            "org_id",
            "no organisation",
        ),
        (
            case("c1", "o1", export("p9")),
            "export.product",
            "no product \"p9\"",
        ),
        (
            case("c1", "o1", export("p2")),
            "export.product",
            "no product \"p2\"",
        ),
        (
            case("c1", "o1", marketing(&["p1", "p9"])),
            "marketing.products[1]",
            "no product \"p9\"",
        ),
    ] {
        let mut tx = s.begin().await.unwrap();
        refused(tx.insert(&rec).await.unwrap_err(), field, says);
        tx.rollback().await.unwrap();
    }
    assert_eq!(count(&s, CASE).await, 0);

    // The same with existing records is stored; an update may not name a missing product either.
    let mut tx = s.begin().await.unwrap();
    tx.insert(&case("c1", "o1", marketing(&["p1"])))
        .await
        .unwrap();
    tx.insert(&case("c2", "o2", export("p2"))).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let mut c = tx.get_for_update::<Value>(CASE, "c1").await.unwrap();
    c.version += 1;
    c.body = marketing(&["p1", "p2"]);
    refused(
        tx.update(&c).await.unwrap_err(),
        "marketing.products[1]",
        "no product \"p2\"",
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        s.get::<Value>(CASE, "c1").await.unwrap().body,
        marketing(&["p1"])
    );

    // The INSERT and UPDATE check the references themselves: a write that wrote nothing says why. A stale
    // version naming existing products is a version conflict, not a missing reference; a stale version naming
    // a missing product names the product; a product named twice counts once.
    let mut tx = s.begin().await.unwrap();
    let mut stale = tx.get::<Value>(CASE, "c1").await.unwrap();
    stale.version += 5;
    assert!(matches!(
        tx.update(&stale).await.unwrap_err(),
        StoreError::VersionConflict
    ));
    stale.body = marketing(&["p9"]);
    refused(
        tx.update(&stale).await.unwrap_err(),
        "marketing.products[0]",
        "no product \"p9\"",
    );
    tx.rollback().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert(&case("c3", "o1", marketing(&["p1", "p1"])))
        .await
        .unwrap();
    let mut c = tx.get_for_update::<Value>(CASE, "c1").await.unwrap();
    c.version += 1;
    tx.update(&c).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.get::<Value>(CASE, "c1").await.unwrap().version, 2);
    assert_eq!(count(&s, CASE).await, 3);

    // Reads and writes by id find the record by its key alone and check its kind: an id of another kind is
    // not found, and an update naming the wrong kind writes nothing.
    assert!(matches!(
        s.get::<Value>(PRODUCT, "c1").await,
        Err(StoreError::NotFound)
    ));
    let mut tx = s.begin().await.unwrap();
    assert!(matches!(
        tx.get_for_update::<Value>(PRODUCT, "c1").await,
        Err(StoreError::NotFound)
    ));
    let mut wrong = tx.get::<Value>(CASE, "c1").await.unwrap();
    wrong.kind = PRODUCT.into();
    wrong.version += 1;
    wrong.body = json!({"name": "not a case"});
    assert!(matches!(
        tx.update(&wrong).await.unwrap_err(),
        StoreError::Invalid(_)
    ));
    drop(tx);
    let c1 = s.get::<Value>(CASE, "c1").await.unwrap();
    assert_eq!((c1.version, c1.body), (2, marketing(&["p1"])));

    // A user of an organisation that does not exist.
    let user = |id: &str, org: &str| UserRow {
        id: id.into(),
        username: id.into(),
        role: "exporter".into(),
        review_kind: None,
        org_id: Some(org.into()),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        disabled: false,
        grade: None,
    };
    let mut tx = s.begin().await.unwrap();
    refused(
        tx.insert_user(&user("u1", "nope")).await.unwrap_err(),
        "org_id",
        "no organisation",
    );
    tx.rollback().await.unwrap();
    assert!(matches!(
        s.user_by_id("u1").await,
        Err(StoreError::NotFound)
    ));
    let mut tx = s.begin().await.unwrap();
    tx.insert_user(&user("u1", "o1")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        s.user_by_id("u1").await.unwrap().org_id.as_deref(),
        Some("o1")
    );
}
