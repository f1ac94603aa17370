//! Screening hits in a table of their own (issue 16, migrations 0077 and 0078): a hit is found by a background process
//! (the re-screen after a list import) or at submission, decided one at a time, and queried across cases
//! ("every open hit", "every case that matched this list entry"), none of which should need a case body read or
//! rewritten whole. Each row is one hit of one case: the columns the queries use (case, position within the
//! case, status, list, listed entry, party role, when found), indexed, and the whole hit as JSON in `body`,
//! whose shape the application owns (`app::model::ScreeningHit`).
//!
//! A hit is written in the transaction of the case change that found or decided it ([`Tx::put_hit`]), so the
//! case's version, its audit event and its hits change together or not at all.

use crate::{Result, Store, Tx};
use serde::{de::DeserializeOwned, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The indexed columns of a hit (the rest of it is its JSON body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitKey<'a> {
    pub id: &'a str,
    /// open, cleared or confirmed.
    pub status: &'a str,
    /// The list source (`un-sc`, `ofac-sdn`...).
    pub list: &'a str,
    /// The listed entry's id in its source.
    pub source_id: &'a str,
    pub party_role: &'a str,
    pub found_at: &'a str,
}

/// Which hits [`Store::hits`] reads, across cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitFilter {
    pub status: Option<String>,
    pub list: Option<String>,
    pub source_id: Option<String>,
    /// Keyset pagination: only hits after this one in (found_at, case_id, id) order.
    pub after: Option<HitPosition>,
    /// At most this many hits.
    pub limit: Option<u32>,
}

/// A hit's place in the (found_at, case_id, id) order of [`Store::hits`]; the cursor of a paginated listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitPosition {
    pub found_at: String,
    pub case_id: String,
    pub id: String,
}

/// A hit read across cases: its case and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseHit<T> {
    pub case_id: String,
    /// The case's reference.
    pub reference: Option<String>,
    pub found_at: String,
    pub id: String,
    pub hit: T,
}

/// How many case ids one `IN (...)` list binds when hits are read for many cases at once.
const IDS_PER_QUERY: usize = 500;

fn hit_body<T: DeserializeOwned>(row: &AnyRow) -> Result<T> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(|e| crate::StoreError::Invalid(format!("stored hit: {e}")))
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The hits of case `case_id`, in the order they were recorded.
    pub async fn case_hits<T: DeserializeOwned>(&self, case_id: &str) -> Result<Vec<T>> {
        let rows = sqlx::query("SELECT body FROM screening_hits WHERE case_id = $1 ORDER BY seq")
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(hit_body).collect()
    }

    /// The hits of each of `case_ids` (case id, hit), each case's in the order they were recorded; a case
    /// without hits has none.
    pub async fn hits_of_cases<T: DeserializeOwned>(
        &self,
        case_ids: &[&str],
    ) -> Result<Vec<(String, T)>> {
        let mut out = Vec::new();
        for chunk in case_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT case_id, body FROM screening_hits WHERE case_id IN ({}) ORDER BY case_id, seq",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&self.pool).await? {
                out.push((row.try_get("case_id")?, hit_body(&row)?));
            }
        }
        Ok(out)
    }

    /// Hits across every case that `filter` selects, in (found_at, case_id, id) order.
    pub async fn hits<T: DeserializeOwned>(&self, filter: &HitFilter) -> Result<Vec<CaseHit<T>>> {
        let mut sql = String::from(
            "SELECT h.id, h.case_id, h.found_at, h.body, r.reference FROM screening_hits h \
             JOIN records r ON r.id = h.case_id WHERE 1 = 1",
        );
        let mut binds: Vec<&str> = Vec::new();
        for (column, value) in [
            ("status", &filter.status),
            ("list", &filter.list),
            ("source_id", &filter.source_id),
        ] {
            if let Some(v) = value {
                binds.push(v);
                sql.push_str(&format!(" AND h.{column} = ${}", binds.len()));
            }
        }
        if let Some(p) = &filter.after {
            binds.extend([p.found_at.as_str(), p.case_id.as_str(), p.id.as_str()]);
            let n = binds.len();
            sql.push_str(&format!(
                " AND (h.found_at, h.case_id, h.id) > (${}, ${}, ${n})",
                n - 2,
                n - 1
            ));
        }
        sql.push_str(" ORDER BY h.found_at, h.case_id, h.id");
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(CaseHit {
                    id: row.try_get("id")?,
                    case_id: row.try_get("case_id")?,
                    found_at: row.try_get("found_at")?,
                    reference: row.try_get("reference")?,
                    hit: hit_body(row)?,
                })
            })
            .collect()
    }

    /// How many of case `case_id`'s hits are open (undecided).
    pub async fn open_hit_count(&self, case_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM screening_hits WHERE case_id = $1 AND status = 'open'",
        )
        .bind(case_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}

impl Tx {
    /// The hits of case `case_id` as this transaction sees them, in the order they were recorded.
    pub async fn case_hits<T: DeserializeOwned>(&mut self, case_id: &str) -> Result<Vec<T>> {
        let rows = sqlx::query("SELECT body FROM screening_hits WHERE case_id = $1 ORDER BY seq")
            .bind(case_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(hit_body).collect()
    }

    /// How many of case `case_id`'s hits are open, as this transaction sees them.
    pub async fn open_hit_count(&mut self, case_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM screening_hits WHERE case_id = $1 AND status = 'open'",
        )
        .bind(case_id)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Stores hit `key.id` of case `case_id` at position `seq` among the case's hits: inserted, or written over
    /// the stored one with the same id.
    pub async fn put_hit<T: Serialize>(
        &mut self,
        case_id: &str,
        seq: i64,
        key: HitKey<'_>,
        hit: &T,
    ) -> Result<()> {
        let body = serde_json::to_string(hit)
            .map_err(|e| crate::StoreError::Invalid(format!("hit: {e}")))?;
        sqlx::query(
            "INSERT INTO screening_hits (id, case_id, seq, status, list, source_id, party_role, found_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (case_id, id) DO UPDATE SET seq = excluded.seq, status = excluded.status, \
             list = excluded.list, source_id = excluded.source_id, party_role = excluded.party_role, \
             found_at = excluded.found_at, body = excluded.body",
        )
        .bind(key.id)
        .bind(case_id)
        .bind(seq)
        .bind(key.status)
        .bind(key.list)
        .bind(key.source_id)
        .bind(key.party_role)
        .bind(key.found_at)
        .bind(body)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Deletes hit `id` of case `case_id` (a hit of a party no longer on the case after a resubmission; the
    /// audit log keeps it).
    pub async fn delete_hit(&mut self, case_id: &str, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM screening_hits WHERE case_id = $1 AND id = $2")
            .bind(case_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
