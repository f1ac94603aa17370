//! Reading and writing cases with their screening hits (issue 16).
//!
//! A case's hits are not in its stored body: they are rows of the store's `screening_hits` table
//! (`store::hits`, migrations 0077 and 0078), found by the re-screen job or at submission, decided one at a time, and
//! queried across cases. In memory a case still carries them (`CaseBody::screening`, which serde never writes
//! to the body), so the deciding rules (approval blockers, the open-hits queue tag, notifications) read them
//! where they always did. Every read of a case in this crate goes through this module, which attaches the hits
//! in the same transaction or snapshot; [`write_hits`] stores what a change did to them, in the change's
//! transaction. A case read any other way has no hits and must not be shown or written.

use crate::cases::CASE;
use crate::model::{CaseBody, ScreeningHit};
use domain::CaseState;
use std::collections::HashMap;
use store::{HitKey, Record, Store, Tx};

/// Whether case `r` can have hits: a draft cannot (a case is screened first when it is submitted, no transition
/// leads back to `draft`, and the re-screen job reads only submitted states), so reading a draft skips the
/// hits query.
fn may_have_hits(r: &Record<CaseBody>) -> bool {
    r.state != CaseState::Draft.as_str()
}

/// Case `id` with its hits.
pub(crate) async fn get(store: &Store, id: &str) -> store::Result<Record<CaseBody>> {
    let mut r = store.get::<CaseBody>(CASE, id).await?;
    if may_have_hits(&r) {
        r.body.screening = store.case_hits(&r.id).await?;
    }
    Ok(r)
}

/// Case `id` without its hits, for a reader whose view never shows them (an exporter, an adviser): one query
/// fewer. Never write, decide on or show to the authority's staff a case read this way.
pub(crate) async fn get_without_hits(store: &Store, id: &str) -> store::Result<Record<CaseBody>> {
    store.get::<CaseBody>(CASE, id).await
}

/// The case with reference `reference`, with its hits.
pub(crate) async fn get_by_reference(
    store: &Store,
    reference: &str,
) -> store::Result<Record<CaseBody>> {
    let mut r = store.get_by_reference::<CaseBody>(CASE, reference).await?;
    if may_have_hits(&r) {
        r.body.screening = store.case_hits(&r.id).await?;
    }
    Ok(r)
}

/// The cases `filter` selects, each with its hits (read for all of them in a few queries).
pub(crate) async fn list(
    store: &Store,
    filter: &store::Filter,
) -> store::Result<Vec<Record<CaseBody>>> {
    let cases = store.list::<CaseBody>(CASE, filter).await?;
    attach(store, cases).await
}

/// The cases `filter` selects without their hits, for work that reads neither hits nor writes from the record
/// read (due days, impact-preview input, a sweep whose changes go through `change_case`, which re-reads the
/// case with its hits under its lock): no query per 500 cases for hits nobody looks at.
pub(crate) async fn list_without_hits(
    store: &Store,
    filter: &store::Filter,
) -> store::Result<Vec<Record<CaseBody>>> {
    store.list::<CaseBody>(CASE, filter).await
}

/// Cases whose search data was never written or was written without `marker`, each with its hits.
pub(crate) async fn unindexed(store: &Store, marker: &str) -> store::Result<Vec<Record<CaseBody>>> {
    let cases = store.unindexed::<CaseBody>(CASE, marker).await?;
    attach(store, cases).await
}

/// Attaches their hits to cases read without them (a page of a listing), in a few queries.
pub(crate) async fn attach(
    store: &Store,
    mut cases: Vec<Record<CaseBody>>,
) -> store::Result<Vec<Record<CaseBody>>> {
    if cases.is_empty() {
        return Ok(cases);
    }
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let mut by_case: HashMap<String, Vec<ScreeningHit>> = HashMap::new();
    for (case_id, hit) in store.hits_of_cases::<ScreeningHit>(&ids).await? {
        by_case.entry(case_id).or_default().push(hit);
    }
    for c in &mut cases {
        c.body.screening = by_case.remove(&c.id).unwrap_or_default();
    }
    Ok(cases)
}

/// Case `id` with its hits, as transaction `tx` sees them.
pub(crate) async fn tx_get(tx: &mut Tx, id: &str) -> store::Result<Record<CaseBody>> {
    let mut r = tx.get::<CaseBody>(CASE, id).await?;
    if may_have_hits(&r) {
        r.body.screening = tx.case_hits(&r.id).await?;
    }
    Ok(r)
}

/// The hits of case `r` (read without them) as transaction `tx` sees them; none for a draft.
pub(crate) async fn tx_hits_of(
    tx: &mut Tx,
    r: &Record<CaseBody>,
) -> store::Result<Vec<ScreeningHit>> {
    if may_have_hits(r) {
        tx.case_hits(&r.id).await
    } else {
        Ok(Vec::new())
    }
}

/// Case `id` with its hits, its row locked until `tx` ends (see [`store::Tx::get_for_update`]); the hits are
/// read after the lock, so no other change to the case's hits is in between.
pub(crate) async fn tx_get_for_update(tx: &mut Tx, id: &str) -> store::Result<Record<CaseBody>> {
    let mut r = tx.get_for_update::<CaseBody>(CASE, id).await?;
    if may_have_hits(&r) {
        r.body.screening = tx.case_hits(&r.id).await?;
    }
    Ok(r)
}

/// The cases `filter` selects as `tx` sees them, each with its hits.
pub(crate) async fn tx_list(
    tx: &mut Tx,
    filter: &store::Filter,
) -> store::Result<Vec<Record<CaseBody>>> {
    let mut cases = tx.list::<CaseBody>(CASE, filter).await?;
    for c in &mut cases {
        c.body.screening = tx.case_hits(&c.id).await?;
    }
    Ok(cases)
}

/// Stores what a change did to case `case_id`'s hits (`before` as read, `after` as changed), in the change's
/// transaction: new and changed hits written, hits no longer on the case deleted. Returns the hits written
/// (for the change's audit event); empty when nothing changed.
pub(crate) async fn write_hits(
    tx: &mut Tx,
    case_id: &str,
    before: &[ScreeningHit],
    after: &[ScreeningHit],
) -> store::Result<Vec<ScreeningHit>> {
    let mut written = Vec::new();
    for (seq, h) in after.iter().enumerate() {
        let old = before.iter().position(|o| o.id == h.id);
        if old.is_some_and(|i| i == seq && before[i] == *h) {
            continue;
        }
        let key = HitKey {
            id: &h.id,
            status: &h.status,
            list: &h.list,
            source_id: &h.source_id,
            party_role: &h.party_role,
            found_at: &h.found_at,
        };
        tx.put_hit(case_id, seq as i64, key, h).await?;
        if old.is_none_or(|i| before[i] != *h) {
            written.push(h.clone());
        }
    }
    for gone in before
        .iter()
        .filter(|o| !after.iter().any(|h| h.id == o.id))
    {
        tx.delete_hit(case_id, &gone.id).await?;
    }
    Ok(written)
}
