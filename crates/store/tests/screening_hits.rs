//! Screening hits in their own table (issue 16, `store::hits`, migration 77), on SQLite and on PostgreSQL:
//! a case's hits read back in their order, a decision rewrites one row, hits are queried across cases and
//! paged, a deleted case leaves none, and a database whose case bodies still hold their hits is moved into the
//! table by its migration, the bodies left without them.

use serde_json::{json, Value};
use store::kinds::{CASE, ORGANISATION};
use store::{HitFilter, HitKey, HitPosition, Record, Store, StoreError};
use testdb::{Backend, TestDb};

async fn open(b: Backend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.expect("connect and migrate");
    (db, s)
}

fn record(id: &str, kind: &str, org: Option<&str>, n: u32) -> Record<Value> {
    Record {
        id: id.into(),
        kind: kind.into(),
        org_id: org.map(str::to_string),
        state: "submitted".into(),
        reference: Some(format!("REF-{id}")),
        assigned_to: None,
        tags: String::new(),
        search: String::new(),
        version: 1,
        body: json!({"history": []}),
        created_at: format!("2026-01-01T00:00:0{n}.000Z"),
        updated_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

/// A hit as the application stores it (any JSON object; these fields are the indexed ones).
fn hit(id: &str, status: &str, list: &str, source_id: &str, found_at: &str) -> Value {
    json!({"id": id, "status": status, "list": list, "source_id": source_id, "party_role": "end-user",
           "found_at": found_at, "score": 0.93})
}

async fn put(s: &Store, case_id: &str, seq: i64, h: &Value) {
    let f = |k: &str| h[k].as_str().unwrap().to_string();
    let (id, status, list, source_id, role, at) = (
        f("id"),
        f("status"),
        f("list"),
        f("source_id"),
        f("party_role"),
        f("found_at"),
    );
    let mut tx = s.begin().await.unwrap();
    let key = HitKey {
        id: &id,
        status: &status,
        list: &list,
        source_id: &source_id,
        party_role: &role,
        found_at: &at,
    };
    tx.put_hit(case_id, seq, key, h).await.unwrap();
    tx.commit().await.unwrap();
}

fn ids(hits: &[Value]) -> Vec<&str> {
    hits.iter().map(|h| h["id"].as_str().unwrap()).collect()
}

async fn across(s: &Store, f: HitFilter) -> Vec<(String, String)> {
    s.hits::<Value>(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.case_id, h.id))
        .collect()
}

fn pair(c: &str, h: &str) -> (String, String) {
    (c.to_string(), h.to_string())
}

async fn hits_are_rows_of_their_case(b: Backend) {
    let (_db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&record("o1", ORGANISATION, None, 0))
        .await
        .unwrap();
    tx.insert(&record("c1", CASE, Some("o1"), 1)).await.unwrap();
    tx.insert(&record("c2", CASE, Some("o1"), 2)).await.unwrap();
    tx.commit().await.unwrap();

    let t = |n: u32| format!("2026-02-01T00:00:0{n}.000Z");
    // Written out of found order: a case's hits read back by their position, not by time or id.
    put(&s, "c1", 1, &hit("h-a", "open", "ofac-sdn", "B", &t(1))).await;
    put(&s, "c1", 0, &hit("h-z", "open", "un-sc", "A", &t(2))).await;
    put(&s, "c2", 0, &hit("h-m", "cleared", "un-sc", "A", &t(3))).await;
    let c1: Vec<Value> = s.case_hits("c1").await.unwrap();
    assert_eq!(ids(&c1), ["h-z", "h-a"]);
    assert_eq!(c1[0]["score"], json!(0.93), "the whole hit is kept");
    assert_eq!(s.open_hit_count("c1").await.unwrap(), 2);

    // A decision rewrites the one row.
    put(&s, "c1", 0, &hit("h-z", "confirmed", "un-sc", "A", &t(2))).await;
    let c1: Vec<Value> = s.case_hits("c1").await.unwrap();
    assert_eq!(ids(&c1), ["h-z", "h-a"]);
    assert_eq!(c1[0]["status"], "confirmed");
    assert_eq!(s.open_hit_count("c1").await.unwrap(), 1);

    // Across cases, by the indexed columns, in (found_at, case, id) order.
    let open = HitFilter {
        status: Some("open".into()),
        ..Default::default()
    };
    assert_eq!(across(&s, open).await, [pair("c1", "h-a")]);
    let entry = HitFilter {
        list: Some("un-sc".into()),
        source_id: Some("A".into()),
        ..Default::default()
    };
    assert_eq!(
        across(&s, entry.clone()).await,
        [pair("c1", "h-z"), pair("c2", "h-m")]
    );
    assert_eq!(
        across(&s, HitFilter::default()).await,
        [pair("c1", "h-a"), pair("c1", "h-z"), pair("c2", "h-m")]
    );
    let refs: Vec<Option<String>> = s
        .hits::<Value>(&HitFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.reference)
        .collect();
    assert_eq!(
        refs,
        [
            Some("REF-c1".into()),
            Some("REF-c1".into()),
            Some("REF-c2".into())
        ]
    );
    // Paged: a page of one, then the page after it.
    let first = across(
        &s,
        HitFilter {
            limit: Some(1),
            ..entry.clone()
        },
    )
    .await;
    assert_eq!(first, [pair("c1", "h-z")]);
    let next = across(
        &s,
        HitFilter {
            after: Some(HitPosition {
                found_at: t(2),
                case_id: "c1".into(),
                id: "h-z".into(),
            }),
            ..entry
        },
    )
    .await;
    assert_eq!(next, [pair("c2", "h-m")]);

    // Many cases at once.
    let both: Vec<(String, Value)> = s.hits_of_cases(&["c2", "c1"]).await.unwrap();
    let got: Vec<(&str, &str)> = both
        .iter()
        .map(|(c, h)| (c.as_str(), h["id"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("c1", "h-z"), ("c1", "h-a"), ("c2", "h-m")]);

    // One hit deleted; a deleted case leaves none.
    let mut tx = s.begin().await.unwrap();
    tx.delete_hit("c1", "h-a").await.unwrap();
    tx.delete(CASE, "c2", 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&s.case_hits::<Value>("c1").await.unwrap()), ["h-z"]);
    assert!(s.case_hits::<Value>("c2").await.unwrap().is_empty());
    assert_eq!(across(&s, HitFilter::default()).await, [pair("c1", "h-z")]);

    // A hit written in a transaction that rolls back is not stored.
    let mut tx = s.begin().await.unwrap();
    let h = hit("h-r", "open", "un-sc", "C", &t(4));
    let key = HitKey {
        id: "h-r",
        status: "open",
        list: "un-sc",
        source_id: "C",
        party_role: "end-user",
        found_at: &t(4),
    };
    tx.put_hit("c1", 1, key, &h).await.unwrap();
    assert_eq!(tx.open_hit_count("c1").await.unwrap(), 1);
    tx.rollback().await.unwrap();
    assert_eq!(s.open_hit_count("c1").await.unwrap(), 0);
}

async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.unwrap()
}

async fn hits_in_case_bodies_move_to_the_table(b: Backend) {
    let (db, s) = open(b).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&record("o1", ORGANISATION, None, 0))
        .await
        .unwrap();
    tx.insert(&record("c1", CASE, Some("o1"), 1)).await.unwrap();
    tx.insert(&record("c2", CASE, Some("o1"), 2)).await.unwrap();
    tx.commit().await.unwrap();
    s.close().await;
    // Back to the schema before migrations 77 and 78: no hit table, each case's hits in its body (schema 1).
    let pool = raw(&db.url).await;
    let h1 = hit("h-2", "open", "un-sc", "A", "2026-02-01T00:00:01.000Z");
    let h2 = hit(
        "h-1",
        "cleared",
        "ofac-sdn",
        "B",
        "2026-02-01T00:00:02.000Z",
    );
    let old = json!({"history": [], "screening": [h1, h2], "screened_with": ["un-sc@1"]});
    for sql in [
        "DROP TABLE screening_hits",
        "DELETE FROM _sqlx_migrations WHERE version IN (77, 78)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    sqlx::query("UPDATE records SET body = $1, body_schema = 1 WHERE id = 'c1'")
        .bind(old.to_string())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE records SET body = $1, body_schema = 1 WHERE id = 'c2'")
        .bind(json!({"history": [], "screening": []}).to_string())
        .execute(&pool)
        .await
        .unwrap();

    let s = Store::connect(&db.url).await.unwrap();
    let c1: Vec<Value> = s.case_hits("c1").await.unwrap();
    assert_eq!(c1, [h1, h2], "every hit, whole, in its body order");
    assert!(s.case_hits::<Value>("c2").await.unwrap().is_empty());
    assert_eq!(s.open_hit_count("c1").await.unwrap(), 1);
    for id in ["c1", "c2"] {
        let (schema, body): (i64, String) =
            sqlx::query_as("SELECT body_schema, body FROM records WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(schema, 2, "{id}");
        assert!(body.get("screening").is_none(), "{id}: {body}");
    }
    let r: Record<Value> = s.get(CASE, "c1").await.unwrap();
    assert_eq!(
        r.body["screened_with"],
        json!(["un-sc@1"]),
        "the rest stays"
    );

    // A schema-1 body that still lists hits (written after the migration by an earlier release) is refused on
    // read, never read without them.
    sqlx::query("UPDATE records SET body = $1, body_schema = 1 WHERE id = 'c2'")
        .bind(old.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let e = s.get::<Value>(CASE, "c2").await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Corrupt(m) if m.contains("screening")),
        "{e:?}"
    );
    pool.close().await;
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    hits_are_rows_of_their_case,
    hits_in_case_bodies_move_to_the_table
);
