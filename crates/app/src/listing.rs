//! Filters and keyset pagination shared by every list endpoint.
//!
//! A listing is ordered by (creation time, id). A page holds at most `limit` records; its cursor is the
//! position of its last record, written `<created_at>_<id>`, and the next page starts after it. Unlike an
//! offset, a cursor neither skips nor repeats a record when records are added while a client pages.

use crate::model::CaseBody;
use crate::{AppError, AppResult};
use domain::ReviewKind;
use serde::Deserialize;
use std::collections::BTreeSet;
use store::{Filter, Position, Record};

/// Records per page when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 500;

/// Which page of a listing: `after` a cursor, at most `limit` records.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Page {
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// One page of a listing and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Paged<T> {
    pub fn try_map<U>(self, f: impl FnMut(T) -> AppResult<U>) -> AppResult<Paged<U>> {
        Ok(Paged {
            items: self.items.into_iter().map(f).collect::<AppResult<_>>()?,
            next: self.next,
        })
    }
}

impl Page {
    /// Everything, for internal callers that need the whole listing.
    pub fn all() -> Page {
        Page {
            after: None,
            limit: Some(u32::MAX),
        }
    }

    /// The checked page size.
    pub fn size(&self) -> AppResult<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(u32::MAX) => Ok(u32::MAX),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(AppError::invalid(
                "limit",
                format!("{n} is not a page size; use 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// The checked cursor.
    pub fn position(&self) -> AppResult<Option<Position>> {
        let Some(c) = self.after.as_deref() else {
            return Ok(None);
        };
        let bad = || {
            AppError::invalid(
                "after",
                format!(
                    "{c:?} is not a cursor; pass the `after` value of a previous page's next link"
                ),
            )
        };
        let (at, id) = c.split_once('_').ok_or_else(bad)?;
        chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
        if id.is_empty() || id.len() > 100 {
            return Err(bad());
        }
        Ok(Some(Position {
            created_at: at.to_string(),
            id: id.to_string(),
        }))
    }
}

/// A page of rows the store read with `limit` one more than the page size (for a table with its own query
/// rather than records): the extra row only says that a next page exists.
pub(crate) fn page_from_rows<T>(
    mut rows: Vec<T>,
    size: u32,
    position: impl Fn(&T) -> Position,
) -> Paged<T> {
    let want = size as usize;
    if rows.len() > want {
        rows.truncate(want);
        let next = rows.last().map(|r| cursor(&position(r)));
        Paged { items: rows, next }
    } else {
        Paged {
            items: rows,
            next: None,
        }
    }
}

/// The store's row limit for a page of `size`: one more, to learn whether a next page exists.
pub(crate) fn fetch_limit(size: u32) -> i64 {
    i64::from(size).saturating_add(1)
}

/// The cursor naming `p`.
pub fn cursor(p: &Position) -> String {
    format!("{}_{}", p.created_at, p.id)
}

/// Lists `kind` page by page from the store, keeping the records `keep` admits, until `page` is full.
/// Filters the store can apply go in `filter`; `keep` is for what only the application can decide.
pub(crate) async fn page_of<T: serde::de::DeserializeOwned>(
    store: &store::Store,
    kind: &str,
    filter: Filter,
    page: &Page,
    mut keep: impl FnMut(&Record<T>) -> bool,
) -> AppResult<Paged<Record<T>>> {
    let size = page.size()?;
    let mut after = page.position()?;
    let want = size as usize;
    let batch = size.saturating_add(1).min(MAX_LIMIT + 1);
    let mut items = Vec::new();
    loop {
        let rows: Vec<Record<T>> = store
            .list(
                kind,
                &Filter {
                    after: after.clone(),
                    limit: Some(batch),
                    ..filter.clone()
                },
            )
            .await?;
        let exhausted = rows.len() < batch as usize;
        for r in rows {
            after = Some(r.position());
            if !keep(&r) {
                continue;
            }
            if items.len() == want {
                // One more record exists: the page is full and has a successor.
                let last: &Record<T> = items.last().expect("a full page is not empty");
                return Ok(Paged {
                    next: Some(cursor(&last.position())),
                    items,
                });
            }
            items.push(r);
        }
        if exhausted {
            return Ok(Paged { items, next: None });
        }
    }
}

/// Filters on the case listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseFilter {
    /// Case state.
    pub state: Option<String>,
    /// ISO 3166 code of a destination.
    pub destination: Option<String>,
    /// A control entry of a product on the case (any spelling the control list knows).
    pub control_entry: Option<String>,
    /// Licence kind (marketing or export).
    pub licence: Option<String>,
    /// Id of the applicant organisation.
    pub org: Option<String>,
    /// Exact case reference.
    pub reference: Option<String>,
    /// Part of the name of a party (end user, consignee, intermediary), case-insensitive.
    pub party: Option<String>,
}

/// Separates names in a record's search text, so that a substring cannot span two names.
const SEP: char = '\u{1}';

/// The tag every case index of this version carries; cases indexed without it (by an older version) are
/// indexed again at start.
pub(crate) const INDEX_MARK: &str = "ix:2";

/// The search tags and text of a case: review kinds requested (the advisers' scope) and pending
/// (`awaiting:<kind>`, and `awaiting-advice` when any is), licence kind, destinations, control entries, and the
/// conditions of the work queues that the store counts (`hit:open`, `flagged`, `denial-match`); the text holds
/// its parties' names.
pub(crate) fn case_index(body: &CaseBody) -> (String, String) {
    let mut tags: BTreeSet<String> = BTreeSet::new();
    tags.insert(INDEX_MARK.to_string());
    for a in &body.advice {
        tags.insert(a.review.as_str().to_string());
        if a.advice.is_none() {
            tags.insert(format!("awaiting:{}", a.review.as_str()));
            tags.insert("awaiting-advice".to_string());
        }
    }
    if body.screening.iter().any(|h| h.status == "open") {
        tags.insert("hit:open".to_string());
    }
    if !body.flags.is_empty() {
        tags.insert("flagged".to_string());
    }
    if !body.denial_matches.is_empty() {
        tags.insert("denial-match".to_string());
    }
    tags.insert(format!("licence:{}", body.licence.as_str()));
    for d in destinations(body) {
        tags.insert(format!("dest:{d}"));
    }
    let mut names: Vec<&str> = Vec::new();
    if let Some(m) = &body.marketing {
        names.extend(m.end_users.iter().map(|e| e.name.as_str()));
    }
    if let Some(x) = &body.export {
        names.push(&x.end_user.name);
        names.push(&x.consignee.name);
        names.extend(x.intermediaries.iter().map(|p| p.name.as_str()));
    }
    for d in &body.determinations {
        if let Some(entries) = d.request.get("control_entries").and_then(|v| v.as_array()) {
            for e in entries.iter().filter_map(|e| e.as_str()) {
                tags.insert(format!("entry:{e}"));
            }
        }
    }
    let tags = format!(",{},", tags.into_iter().collect::<Vec<_>>().join(","));
    let mut search = String::from(SEP);
    for n in names {
        search.push_str(&n.to_lowercase());
        search.push(SEP);
    }
    (tags, search)
}

/// The destinations a case concerns (ISO 3166 codes), each once, in the order given.
pub(crate) fn destinations(body: &CaseBody) -> Vec<&str> {
    let all = body
        .marketing
        .iter()
        .flat_map(|m| m.destinations.iter())
        .chain(body.export.iter().map(|x| &x.destination));
    let mut out: Vec<&str> = Vec::new();
    for d in all {
        if !out.contains(&d.as_str()) {
            out.push(d.as_str());
        }
    }
    out
}

/// The tag of cases awaiting advice of `kind`.
pub(crate) fn awaiting_tag(kind: ReviewKind) -> String {
    format!("awaiting:{}", kind.as_str())
}
