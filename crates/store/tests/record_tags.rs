//! Tags live in `record_tags` (issue 16): filters look tags up by index, every write keeps the table equal to
//! the record's own tag text, and a database from before the table existed is backfilled by its migration.
//! Both backends.

use serde::{Deserialize, Serialize};
use store::{Filter, Record, Store};
use testdb::{Backend, TestDb};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Doc {
    n: i64,
}

fn rec(id: &str, tags: &str, n: i64) -> Record<Doc> {
    Record {
        id: id.into(),
        kind: "doc".into(),
        org_id: Some("o1".into()),
        state: "open".into(),
        reference: None,
        assigned_to: None,
        tags: tags.into(),
        search: String::new(),
        version: 1,
        body: Doc { n },
        created_at: format!("2026-01-01T00:00:0{n}.000Z"),
        updated_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

fn tagged(tags: &[&str]) -> Filter {
    Filter {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

async fn ids(s: &Store, kind: &str, tags: &[&str]) -> Vec<String> {
    let v: Vec<Record<Doc>> = s.list(kind, &tagged(tags)).await.unwrap();
    v.into_iter().map(|r| r.id).collect()
}

async fn raw(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.unwrap()
}

/// The rows `record_tags` holds for `id`, sorted.
async fn rows(pool: &sqlx::AnyPool, id: &str) -> Vec<String> {
    use sqlx::Row;
    let mut v: Vec<String> = sqlx::query("SELECT tag FROM record_tags WHERE record_id = $1")
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("tag"))
        .collect();
    v.sort();
    v
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(testdb::Backend::Postgres).await } )+ }
    };
}

both!(
    every_write_keeps_the_tag_table_equal_to_the_record,
    a_database_from_before_the_tag_table_is_backfilled,
    a_tagged_listing_pages_in_listing_order,
);

async fn every_write_keeps_the_tag_table_equal_to_the_record(b: Backend) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let pool = raw(&db).await;
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", ",hit:open,dest:ru,", 1)).await.unwrap();
    // A repeated tag is one row; empty segments are none.
    tx.insert(&rec("b", ",dest:ru,,dest:ru,", 2)).await.unwrap();
    tx.insert(&rec("c", "", 3)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows(&pool, "a").await, ["dest:ru", "hit:open"]);
    assert_eq!(rows(&pool, "b").await, ["dest:ru"]);
    assert!(rows(&pool, "c").await.is_empty());
    assert_eq!(ids(&s, "doc", &["dest:ru"]).await, ["a", "b"]);
    assert_eq!(ids(&s, "doc", &["hit:open", "dest:ru"]).await, ["a"]);
    // A tag is looked up within its kind only.
    assert!(ids(&s, "other", &["dest:ru"]).await.is_empty());

    // An update replaces the tags: the hit decided, the destination changed.
    let mut tx = s.begin().await.unwrap();
    let mut a: Record<Doc> = tx.get("doc", "a").await.unwrap();
    a.version += 1;
    a.tags = ",dest:fr,".into();
    tx.update(&a).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows(&pool, "a").await, ["dest:fr"]);
    assert!(ids(&s, "doc", &["hit:open"]).await.is_empty());
    assert_eq!(ids(&s, "doc", &["dest:ru"]).await, ["b"]);

    // An update of a record read under its lock writes only the tag rows that differ; one that keeps the tags
    // writes none; a second update in the same transaction diffs against the first; an update of a record
    // read without the lock, or just inserted, is exact too.
    for (tags, want) in [
        (",dest:fr,flagged,", vec!["dest:fr", "flagged"]),
        (",dest:fr,flagged,", vec!["dest:fr", "flagged"]),
        (",hit:open,flagged,", vec!["flagged", "hit:open"]),
        (",dest:fr,", vec!["dest:fr"]),
    ] {
        let mut tx = s.begin().await.unwrap();
        let mut a: Record<Doc> = tx.get_for_update("doc", "a").await.unwrap();
        a.version += 1;
        a.tags = ",hit:open,".into();
        tx.update(&a).await.unwrap();
        a.version += 1;
        a.tags = tags.into();
        tx.update(&a).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(rows(&pool, "a").await, want, "{tags}");
    }
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("e", ",dest:ru,", 5)).await.unwrap();
    let mut e: Record<Doc> = tx.get("doc", "e").await.unwrap();
    e.version += 1;
    e.tags = ",dest:de,".into();
    tx.update(&e).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rows(&pool, "e").await, ["dest:de"]);
    let mut tx = s.begin().await.unwrap();
    tx.delete("doc", "e", 2).await.unwrap();
    tx.commit().await.unwrap();
    assert!(ids(&s, "doc", &["hit:open"]).await.is_empty());
    assert_eq!(ids(&s, "doc", &["dest:fr"]).await, ["a"]);

    // A conflicting update changes nothing, tags included.
    let mut tx = s.begin().await.unwrap();
    let mut stale = rec("b", ",hit:open,", 2);
    stale.version = 5;
    assert!(tx.update(&stale).await.is_err());
    drop(tx);
    assert_eq!(rows(&pool, "b").await, ["dest:ru"]);

    // A rolled-back insert leaves no tag behind.
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("d", ",hit:open,", 4)).await.unwrap();
    drop(tx);
    assert!(rows(&pool, "d").await.is_empty());

    // Re-indexing outside a new version rewrites them too.
    s.set_index("doc", "c", ",flagged,", "").await.unwrap();
    assert_eq!(ids(&s, "doc", &["flagged"]).await, ["c"]);

    // A deleted record leaves no tag.
    let mut tx = s.begin().await.unwrap();
    tx.delete("doc", "b", 1).await.unwrap();
    tx.commit().await.unwrap();
    assert!(rows(&pool, "b").await.is_empty());
    assert!(ids(&s, "doc", &["dest:ru"]).await.is_empty());

    // The filter reads the table, not the record's text: with the row gone, the record is not found by it.
    sqlx::query("DELETE FROM record_tags WHERE record_id = 'c'")
        .execute(&pool)
        .await
        .unwrap();
    let c: Record<Doc> = s.get("doc", "c").await.unwrap();
    assert_eq!(c.tags, ",flagged,");
    assert!(ids(&s, "doc", &["flagged"]).await.is_empty());
}

async fn a_database_from_before_the_tag_table_is_backfilled(b: Backend) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert(&rec("a", ",hit:open,dest:ru,", 1)).await.unwrap();
    tx.insert(&rec("b", ",dest:ru,", 2)).await.unwrap();
    tx.insert(&rec("c", "", 3)).await.unwrap();
    tx.commit().await.unwrap();
    s.close().await;
    // Back to the schema before migration 75: no tag table, the tags only in `records.tags` (and so none of
    // migration 76's listing indexes).
    let pool = raw(&db).await;
    for sql in [
        "DROP TABLE record_tags",
        "DROP INDEX records_kind_assigned",
        "DROP INDEX records_kind_org_created",
        "CREATE INDEX records_kind_org ON records(kind, org_id)",
        "DELETE FROM _sqlx_migrations WHERE version IN (75, 76)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let s = Store::connect(&db.url).await.unwrap();
    assert_eq!(rows(&pool, "a").await, ["dest:ru", "hit:open"]);
    assert_eq!(rows(&pool, "b").await, ["dest:ru"]);
    assert!(rows(&pool, "c").await.is_empty());
    assert_eq!(ids(&s, "doc", &["dest:ru"]).await, ["a", "b"]);
    assert_eq!(ids(&s, "doc", &["hit:open"]).await, ["a"]);
    // The backfilled rows carry their records' creation times: a page after "a" holds "b".
    let after_a: Vec<Record<Doc>> = s
        .list(
            "doc",
            &Filter {
                after: Some(rec("a", "", 1).position()),
                ..tagged(&["dest:ru"])
            },
        )
        .await
        .unwrap();
    assert_eq!(after_a.len(), 1);
    assert_eq!(after_a[0].id, "b");
}

/// A tagged listing is read from `record_tags` in listing order (migration 76): pages follow (created_at, id)
/// whatever the order of writing, the cursor continues where a page ended, further tags and the other
/// conditions narrow it, and a count counts the same records.
async fn a_tagged_listing_pages_in_listing_order(b: Backend) {
    let db = TestDb::new(b).await;
    let s = Store::connect(&db.url).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    // Written out of order; "e" and "f" created at the same time (ordered by id).
    for (id, tags, n) in [
        ("f", ",q,x,", 5),
        ("a", ",q,", 1),
        ("g", ",x,", 6),
        ("c", ",q,x,", 3),
        ("e", ",q,", 5),
        ("b", ",q,x,", 2),
        ("h", ",q,", 7),
    ] {
        let mut r = rec(id, tags, n);
        if id == "h" {
            r.state = "closed".into();
            r.assigned_to = Some("u1".into());
        }
        tx.insert(&r).await.unwrap();
    }
    tx.commit().await.unwrap();
    let page = |tags: &'static [&'static str], after: Option<&'static str>, limit: u32| {
        let s = s.clone();
        async move {
            let after = after.map(|id| {
                let n = match id {
                    "a" => 1,
                    "b" => 2,
                    "c" => 3,
                    "e" | "f" => 5,
                    _ => 9,
                };
                rec(id, "", n).position()
            });
            let v: Vec<Record<Doc>> = s
                .list(
                    "doc",
                    &Filter {
                        after,
                        limit: Some(limit),
                        ..tagged(tags)
                    },
                )
                .await
                .unwrap();
            v.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(page(&["q"], None, 3).await, ["a", "b", "c"]);
    assert_eq!(page(&["q"], Some("c"), 3).await, ["e", "f", "h"]);
    assert_eq!(page(&["q"], Some("e"), 10).await, ["f", "h"]);
    assert_eq!(page(&["q", "x"], None, 10).await, ["b", "c", "f"]);
    assert_eq!(page(&["x", "q"], Some("b"), 1).await, ["c"]);
    assert!(page(&["none"], None, 10).await.is_empty());
    let narrowed = Filter {
        states: vec!["closed".into()],
        assigned_to: Some(Some("u1".into())),
        ..tagged(&["q"])
    };
    let v: Vec<Record<Doc>> = s.list("doc", &narrowed).await.unwrap();
    assert_eq!(v.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["h"]);
    assert_eq!(s.count("doc", &narrowed).await.unwrap(), 1);
    assert_eq!(s.count("doc", &tagged(&["q"])).await.unwrap(), 6);
    assert_eq!(s.count("doc", &tagged(&["q", "x"])).await.unwrap(), 3);
    assert_eq!(s.count("doc", &tagged(&["none"])).await.unwrap(), 0);
}
