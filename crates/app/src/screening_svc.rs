//! Screening in the service: imported list versions, the in-memory index over the active ones, screening of
//! every party at submission, ad-hoc screening, clearing/confirming hits, and re-screening when a list changes.

use crate::model::*;
use crate::{new_id, not_found, now, text, App, AppError, AppResult, Principal};
use domain::{CaseState, Role};
use lists::{ListFormat, ListSnapshot};
use screening::{Index, Options, Query};
use std::collections::HashMap;
use std::sync::Arc;
use store::{Filter, ListVersionRow};

/// The index over every active list source, with the versions it was built from.
pub struct LoadedIndex {
    pub index: Index,
    /// "source@version" of each list source in the index.
    pub versions: Vec<String>,
    pub versions_by_list: HashMap<String, String>,
    /// (list, source id) → the entry's primary listed name and its programmes, for answers that show only these.
    pub entries: HashMap<(String, String), (String, Vec<String>)>,
}

/// What an import did to one list source.
#[derive(Debug, Clone)]
pub struct SourceImport {
    /// The source's version in force after the import.
    pub row: ListVersionRow,
    /// False when the file held exactly the version already in force (nothing was added).
    pub created: bool,
    /// Set when the import was forced past the record-count check: why it needed forcing.
    pub forced: Option<String>,
}

/// The illustrative list that `serve --demo` loads: a few invented names, written for exportctl (source
/// `us-csl-demo` in the CSL format). Not a copy of any real list.
pub const DEMO_LIST: &str = include_str!("demo_list.csv");
/// The source id of [`DEMO_LIST`].
pub const DEMO_LIST_SOURCE: &str = "us-csl-demo";

/// Parties of a case to screen: (role, name, kind, country).
fn parties(
    org_name: Option<&str>,
    body: &CaseBody,
) -> Vec<(String, String, Option<lists::EntityKind>, Option<String>)> {
    let mut out = Vec::new();
    if let Some(n) = org_name {
        out.push((
            "exporter".into(),
            n.to_string(),
            Some(lists::EntityKind::Organization),
            None,
        ));
    }
    if let Some(m) = &body.marketing {
        for (i, u) in m.end_users.iter().enumerate() {
            out.push((
                format!("end-user[{i}]"),
                u.name.clone(),
                None,
                u.country.as_ref().map(|c| c.to_string()),
            ));
        }
    }
    if let Some(e) = &body.export {
        out.push((
            "end-user".into(),
            e.end_user.name.clone(),
            None,
            e.end_user.country.as_ref().map(|c| c.to_string()),
        ));
        out.push((
            "consignee".into(),
            e.consignee.name.clone(),
            None,
            Some(e.consignee.country.to_string()),
        ));
        for (i, p) in e.intermediaries.iter().enumerate() {
            out.push((
                format!("intermediary[{i}]"),
                p.name.clone(),
                None,
                Some(p.country.to_string()),
            ));
        }
    }
    out
}

/// The durable job that re-screens open cases and issued licences after a list import.
pub const RESCREEN: &str = "rescreen";

/// Passes over the cases that changed under a re-screen before its job gives up (and is retried).
const RESCREEN_ROUNDS: usize = 5;

impl App {
    fn loaded_index(&self) -> Option<Arc<LoadedIndex>> {
        self.screening
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Rebuilds the screening index from the active list versions in the store.
    pub async fn reload_screening_index(&self) -> AppResult<()> {
        let _one_at_a_time = self.reload_lock.lock().await;
        let active = self.store.active_list_snapshots().await?;
        let mut ids: Vec<String> = active.iter().map(|(r, _)| r.id.clone()).collect();
        ids.sort();
        // The authority's own unverified parties list (`monitoring::checks`) is screened like an imported list.
        let unverified = self.unverified_snapshot().await?;
        let built = if active.is_empty() && unverified.is_none() {
            None
        } else {
            Some(
                tokio::task::spawn_blocking(move || -> AppResult<LoadedIndex> {
                    let mut snaps = Vec::new();
                    let mut versions = Vec::new();
                    let mut by_list = HashMap::new();
                    let mut entries = HashMap::new();
                    for (row, json) in active {
                        let snap: ListSnapshot = serde_json::from_str(&json).map_err(|e| {
                            AppError::Internal(format!("stored list {}: {e}", row.id))
                        })?;
                        versions.push(format!("{}@{}", row.source, row.version));
                        by_list.insert(row.source.clone(), row.version.clone());
                        for e in &snap.entries {
                            entries.insert(
                                (row.source.clone(), e.source_id.clone()),
                                (e.primary_name().to_string(), e.programs.clone()),
                            );
                        }
                        snaps.push((row.source.clone(), snap));
                    }
                    if let Some(snap) = unverified {
                        let source = crate::monitoring::checks::UNVERIFIED_SOURCE.to_string();
                        versions.push(format!("{source}@{}", snap.version));
                        by_list.insert(source.clone(), snap.version.clone());
                        for e in &snap.entries {
                            entries.insert(
                                (source.clone(), e.source_id.clone()),
                                (e.primary_name().to_string(), e.programs.clone()),
                            );
                        }
                        snaps.push((source, snap));
                    }
                    Ok(LoadedIndex {
                        index: Index::build(&snaps),
                        versions,
                        versions_by_list: by_list,
                        entries,
                    })
                })
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??,
            )
        };
        *self.screening.write().unwrap_or_else(|e| e.into_inner()) = built.map(Arc::new);
        self.loaded_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .lists = ids;
        Ok(())
    }

    /// Stores a parsed list as the active version of each list source it holds (see [`lists::split_sources`])
    /// and rebuilds the index, all sources in one transaction; the previous versions stay in force until it
    /// commits. A source whose version is already in force is left as it is. A source whose record count falls
    /// by more than the configured share against its version in force is refused (Conflict) unless `force`,
    /// and a forced import is audited with the reason it needed forcing.
    pub async fn import_list(
        &self,
        who: &Principal,
        snap: ListSnapshot,
        force: bool,
    ) -> AppResult<Vec<SourceImport>> {
        who.require(&[Role::Admin], "import sanctions lists")?;
        let parts =
            tokio::task::spawn_blocking(move || -> AppResult<Vec<(ListSnapshot, String)>> {
                lists::split_sources(snap)
                    .into_iter()
                    .map(|s| {
                        let json = serde_json::to_string(&s)
                            .map_err(|e| AppError::Internal(e.to_string()))?;
                        Ok((s, json))
                    })
                    .collect()
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let mut out = Vec::new();
        let mut refused = Vec::new();
        for (part, json) in &parts {
            let source = part
                .source
                .clone()
                .unwrap_or_else(|| part.format.to_string());
            let count = part.entries.len() as i64;
            let current = tx.active_list_version(&source).await?;
            if let Some(cur) = current.as_ref().filter(|c| c.version == part.version) {
                out.push(SourceImport {
                    row: cur.clone(),
                    created: false,
                    forced: None,
                });
                continue;
            }
            let mut forced = None;
            if let Some(cur) = &current {
                let drop = 1.0 - count as f64 / cur.record_count.max(1) as f64;
                if drop > self.config.max_list_drop {
                    let why = format!(
                        "{source}: the new version has {count} records, {:.0}% fewer than the {} of the version in force \
                         (at most {:.0}% allowed)",
                        drop * 100.0,
                        cur.record_count,
                        self.config.max_list_drop * 100.0
                    );
                    if force {
                        forced = Some(format!("import forced by the administrator: {why}"));
                    } else {
                        refused.push(why);
                        continue;
                    }
                }
            }
            let row = ListVersionRow {
                id: new_id(),
                source,
                format: part.format.as_str().into(),
                version: part.version.clone(),
                record_count: count,
                published: part.published.clone(),
                imported_at: now(),
                active: true,
            };
            tx.insert_list_version(&row, json).await?;
            crate::audit(
                &mut tx,
                who,
                if forced.is_some() {
                    "import-list-forced"
                } else {
                    "import-list"
                },
                "list-version",
                &row.id,
                current.as_ref(),
                Some(&row),
                forced.as_deref(),
            );
            out.push(SourceImport {
                row,
                created: true,
                forced,
            });
        }
        if !refused.is_empty() {
            tx.rollback().await?;
            return Err(AppError::Conflict(format!(
                "nothing was imported: {}; check the file (a truncated download?), or import it with force",
                refused.join("; ")
            )));
        }
        if out.iter().any(|s| s.created) {
            // The re-screen of open cases and issued licences against the new versions, as a durable job
            // in this transaction: it runs even when the process stops right after the import.
            let imported: Vec<&str> = out
                .iter()
                .filter(|s| s.created)
                .map(|s| s.row.id.as_str())
                .collect();
            self.enqueue(
                &mut tx,
                RESCREEN,
                &serde_json::json!({ "list_versions": imported }),
                None,
            )
            .await?;
            tx.commit().await?;
            self.reload_screening_index().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(out)
    }

    /// Parses list bytes (an upload or a download) and imports them.
    pub async fn import_list_bytes(
        &self,
        who: &Principal,
        format: ListFormat,
        name: &str,
        bytes: Vec<u8>,
        force: bool,
    ) -> AppResult<Vec<SourceImport>> {
        who.require(&[Role::Admin], "import sanctions lists")?;
        let name2 = name.to_string();
        let snap = tokio::task::spawn_blocking(move || lists::import_bytes(format, &name2, &bytes))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::invalid("file", e.to_string()))?;
        self.import_list(who, snap, force).await
    }

    /// Imports the illustrative demo list ([`DEMO_LIST`]) as the system.
    pub async fn import_demo_list(&self) -> AppResult<Vec<SourceImport>> {
        self.import_list_bytes(
            &Principal::system(),
            ListFormat::UsCslCsv,
            "demo_list.csv",
            DEMO_LIST.as_bytes().to_vec(),
            false,
        )
        .await
    }

    /// The required list sources (configuration) that a case has not been screened against.
    pub fn screening_gaps(&self, body: &CaseBody) -> Vec<String> {
        self.config
            .required_lists
            .iter()
            .filter(|req| {
                !body.screened_with.iter().any(|v| {
                    v.split_once('@')
                        .is_some_and(|(src, _)| src == req.as_str())
                })
            })
            .cloned()
            .collect()
    }

    /// The required list sources that have no active version in this process's index.
    pub fn missing_required_lists(&self) -> Vec<String> {
        let loaded = self.loaded_index();
        self.config
            .required_lists
            .iter()
            .filter(|r| {
                !loaded
                    .as_ref()
                    .is_some_and(|l| l.versions_by_list.contains_key(r.as_str()))
            })
            .cloned()
            .collect()
    }

    pub async fn list_status(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<ListVersionRow>> {
        who.require(
            &[Role::Admin, Role::Officer, Role::Auditor],
            "read list status",
        )?;
        let size = page.size()?;
        let rows = self
            .store
            .list_versions_after(page.position()?.as_ref(), crate::listing::fetch_limit(size))
            .await?;
        Ok(crate::listing::page_from_rows(rows, size, |r| {
            store::Position {
                created_at: r.imported_at.clone(),
                id: r.id.clone(),
            }
        }))
    }

    /// Screens the parties of a case against the active index: hits and the list versions used, or None when
    /// no list has been imported.
    pub(crate) async fn screen_case_parties(
        &self,
        org_id: Option<&str>,
        body: &CaseBody,
    ) -> AppResult<Option<(Vec<ScreeningHit>, Vec<String>)>> {
        let Some(loaded) = self.loaded_index() else {
            return Ok(None);
        };
        let org_name = match org_id {
            Some(o) => self
                .store
                .get::<NewOrganisation>(crate::admin::ORG, o)
                .await
                .ok()
                .map(|r| r.body.name),
            None => None,
        };
        let opts = Options {
            threshold: self.config.screening_threshold,
            limit: 5,
            exhaustive: false,
        };
        let mut hits = Vec::new();
        let start = std::time::Instant::now();
        for (role, name, kind, country) in parties(org_name.as_deref(), body) {
            let countries: Vec<String> = country.into_iter().collect();
            // Every party name was refused when entered unless it has letters or digits (`party_name`), so
            // each one makes a query; an older record's name that does not is skipped rather than failing
            // the whole case's screening.
            let Ok(q) = Query::new(&name, kind, None, &countries, &[]) else {
                continue;
            };
            for m in loaded.index.screen(&q, &opts) {
                let sanctions = lists::source_is_sanctions(&m.list);
                let programmes = loaded
                    .entries
                    .get(&(m.list.clone(), m.source_id.clone()))
                    .map(|(_, p)| p.as_slice())
                    .unwrap_or_default();
                let consequence =
                    lists::hit_consequence(&self.config.hit_consequences, &m.list, programmes);
                hits.push(ScreeningHit {
                    id: new_id(),
                    party_role: role.clone(),
                    party_name: name.clone(),
                    list_version: loaded
                        .versions_by_list
                        .get(&m.list)
                        .cloned()
                        .unwrap_or_default(),
                    list: m.list.clone(),
                    sanctions_list: sanctions,
                    consequence: Some(consequence),
                    source_id: m.source_id.clone(),
                    listed_name: m.name.clone(),
                    primary_name: Some(m.primary_name.clone()),
                    score: m.score,
                    explanation: serde_json::to_value(&m.explanation)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    status: "open".into(),
                    reason: None,
                    decided_by: None,
                    found_at: now(),
                });
            }
        }
        crate::metrics::screening("case", start);
        Ok(Some((hits, loaded.versions.clone())))
    }

    /// Ad-hoc screening of one name by an officer. Answers the matches, the list versions screened against and
    /// the malformed qualifiers that were left out (the name is screened without them).
    pub fn screen_adhoc(
        &self,
        who: &Principal,
        input: &screening::QueryInput,
        threshold: Option<f64>,
        limit: Option<usize>,
    ) -> AppResult<(
        Vec<screening::Match>,
        Vec<String>,
        Vec<screening::QueryWarning>,
    )> {
        who.require(&[Role::Officer, Role::Auditor], "screen names")?;
        let q = Query::from_input(input).map_err(|e| AppError::invalid(e.field, e.message))?;
        let threshold = threshold.unwrap_or(self.config.screening_threshold);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(AppError::invalid("threshold", "must be between 0 and 1"));
        }
        let limit = limit.unwrap_or(screening::DEFAULT_LIMIT);
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid("limit", "must be between 1 and 100"));
        }
        let Some(loaded) = self.loaded_index() else {
            return Err(AppError::Conflict(
                "no sanctions list has been imported yet".into(),
            ));
        };
        let opts = Options {
            threshold,
            limit,
            exhaustive: false,
        };
        let start = std::time::Instant::now();
        let matches = loaded.index.screen(&q, &opts);
        crate::metrics::screening("adhoc", start);
        Ok((matches, loaded.versions.clone(), q.warnings))
    }

    /// An exporter screens a prospective customer before applying. The answer shows only what the lists
    /// themselves publish: the listed name, the list and its programmes; no score or explanation (those are the
    /// authority's assessment).
    pub fn screen_customer(
        &self,
        who: &Principal,
        input: &screening::QueryInput,
    ) -> AppResult<(Vec<CustomerMatch>, Vec<String>)> {
        who.exporter_org("screen prospective customers")?;
        let q = Query::from_input(input).map_err(|e| AppError::invalid(e.field, e.message))?;
        let Some(loaded) = self.loaded_index() else {
            return Err(AppError::Conflict(
                "no sanctions list has been imported yet".into(),
            ));
        };
        let opts = Options {
            threshold: self.config.screening_threshold,
            limit: screening::DEFAULT_LIMIT,
            exhaustive: false,
        };
        let mut out: Vec<CustomerMatch> = Vec::new();
        let start = std::time::Instant::now();
        let matches = loaded.index.screen(&q, &opts);
        crate::metrics::screening("customer", start);
        for m in matches {
            let (listed_name, programmes) = loaded
                .entries
                .get(&(m.list.clone(), m.source_id.clone()))
                .cloned()
                .unwrap_or_else(|| (m.name.clone(), vec![]));
            let row = CustomerMatch {
                listed_name,
                matched_name: m.name,
                list: m.list,
                programmes,
            };
            if !out.contains(&row) {
                out.push(row);
            }
        }
        Ok((out, loaded.versions.clone()))
    }

    /// An officer clears (not the listed party) or confirms (the listed party) a hit, with a reason.
    pub async fn decide_hit(
        &self,
        who: &Principal,
        case_id: &str,
        hit_id: &str,
        b: HitDecisionBody,
    ) -> AppResult<crate::views::CaseView> {
        who.require(&[Role::Officer], "clear or confirm screening hits")?;
        let status = match b.decision.as_str() {
            "clear" => "cleared",
            "confirm" => "confirmed",
            other => {
                return Err(AppError::invalid(
                    "decision",
                    format!("{other:?} is not one of: clear, confirm"),
                ))
            }
        };
        let reason = text("reason", &b.reason, 5000)?;
        let by = who.user_id.clone();
        let hit = hit_id.to_string();
        self.change_case(
            who,
            case_id,
            None,
            None,
            "decide-screening-hit",
            Some(&reason.clone()),
            move |r| {
                let h = r
                    .body
                    .screening
                    .iter_mut()
                    .find(|h| h.id == hit)
                    .ok_or(AppError::NotFound("screening hit"))?;
                if h.status != "open" {
                    return Err(AppError::Conflict(format!(
                        "the hit is already {}",
                        h.status
                    )));
                }
                h.status = status.into();
                h.reason = Some(reason);
                h.decided_by = Some(by);
                Ok(())
            },
        )
        .await
    }

    /// Re-screens every party of open cases and issued licences against the current index; new hits (not
    /// already recorded for the same party and list record) are added as open hits for the responsible officer.
    /// Returns (cases screened, new hits).
    pub async fn rescreen_all(&self) -> AppResult<(usize, usize)> {
        let mut total = (0, 0);
        // A case changed by someone else meanwhile is read again and re-screened, never skipped; one that
        // keeps changing fails the job after these rounds, and the job runner retries it with backoff.
        let mut only: Option<Vec<String>> = None;
        for _ in 0..RESCREEN_ROUNDS {
            let (cases, hits, conflicted) = self.rescreen_round(only.as_deref()).await?;
            total = (total.0 + cases, total.1 + hits);
            if conflicted.is_empty() {
                return Ok(total);
            }
            only = Some(conflicted);
        }
        Err(AppError::Conflict(format!(
            "{} case(s) kept changing during the re-screen",
            only.map_or(0, |c| c.len())
        )))
    }

    /// One pass of [`App::rescreen_all`] over every open case and issued licence (or only `only`): returns
    /// the cases screened, the new hits, and the ids of the cases that changed between read and write.
    async fn rescreen_round(
        &self,
        only: Option<&[String]>,
    ) -> AppResult<(usize, usize, Vec<String>)> {
        let sys = Principal::system();
        let states: Vec<String> = [
            CaseState::Submitted,
            CaseState::UnderReview,
            CaseState::AwaitingExporter,
            CaseState::Approved,
            CaseState::Issued,
            CaseState::Suspended,
        ]
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
        let cases = crate::case_store::list(
            &self.store,
            &Filter {
                states,
                ..Default::default()
            },
        )
        .await?;
        let (mut n_cases, mut n_hits, mut conflicted) = (0, 0, Vec::new());
        for c in cases
            .into_iter()
            .filter(|c| only.is_none_or(|ids| ids.contains(&c.id)))
        {
            let Some((hits, versions)) = self
                .screen_case_parties(c.org_id.as_deref(), &c.body)
                .await?
            else {
                return Ok((0, 0, Vec::new()));
            };
            n_cases += 1;
            let fresh: Vec<ScreeningHit> = hits
                .into_iter()
                .filter(|h| {
                    !c.body.screening.iter().any(|o| {
                        o.party_role == h.party_role
                            && o.list == h.list
                            && o.source_id == h.source_id
                    })
                })
                .collect();
            if fresh.is_empty() && c.body.screened_with == versions {
                continue;
            }
            let hits_added = fresh.len();
            n_hits += hits_added;
            let action = if fresh.is_empty() {
                "rescreen"
            } else {
                "rescreen-new-hits"
            };
            let res = self
                .change_case(&sys, &c.id, Some(c.version), None, action, None, move |r| {
                    r.body.screening.extend(fresh);
                    r.body.screened_with = versions;
                    Ok(())
                })
                .await;
            match res {
                Ok(_) => {}
                // Changed meanwhile: read again in the next round.
                Err(AppError::Conflict(_)) => {
                    n_cases -= 1;
                    n_hits -= hits_added;
                    conflicted.push(c.id.clone());
                }
                Err(e) => return Err(e),
            }
        }
        Ok((n_cases, n_hits, conflicted))
    }

    /// Screening hits across every case (officers, auditors, administrators), oldest first: the open hits
    /// awaiting a decision, or the cases that matched one listed entry. `status` is open, cleared or confirmed;
    /// `list` a list source (`un-sc`, `ofac-sdn`...), `source_id` the entry's id in it. Paginated like every
    /// listing; the cursor names the last hit's (found_at, case, hit).
    pub async fn screening_hits(
        &self,
        who: &Principal,
        q: &HitQuery,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<CaseScreeningHit>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read screening hits across cases",
        )?;
        if let Some(st) = q.status.as_deref() {
            if !["open", "cleared", "confirmed"].contains(&st) {
                return Err(AppError::invalid(
                    "status",
                    format!("{st:?} is not one of: open, cleared, confirmed"),
                ));
            }
        }
        for (field, v) in [("list", &q.list), ("source_id", &q.source_id)] {
            if let Some(v) = v {
                text(field, v, 200)?;
            }
        }
        let size = page.size()?;
        let after = page
            .position()?
            .map(|p| {
                let (case_id, id) = p.id.split_once('.').ok_or_else(|| {
                    AppError::invalid(
                        "after",
                        "not a cursor of this listing; pass the `after` value of a previous page's next link",
                    )
                })?;
                Ok::<_, AppError>(store::HitPosition {
                    found_at: p.created_at,
                    case_id: case_id.to_string(),
                    id: id.to_string(),
                })
            })
            .transpose()?;
        let rows = self
            .store
            .hits::<ScreeningHit>(&store::HitFilter {
                status: q.status.clone(),
                list: q.list.clone(),
                source_id: q.source_id.clone(),
                after,
                limit: Some(crate::listing::fetch_limit(size).min(i64::from(u32::MAX)) as u32),
            })
            .await?;
        let paged = crate::listing::page_from_rows(rows, size, |h| store::Position {
            created_at: h.found_at.clone(),
            id: format!("{}.{}", h.case_id, h.id),
        });
        paged.try_map(|h| {
            Ok(CaseScreeningHit {
                case_id: h.case_id,
                case_reference: h.reference.unwrap_or_default(),
                hit: h.hit,
            })
        })
    }

    /// A case's screening hits.
    pub async fn case_hits(&self, who: &Principal, id: &str) -> AppResult<Vec<ScreeningHit>> {
        let r = crate::case_store::get(&self.store, id)
            .await
            .map_err(not_found("application"))?;
        // Screening detail is the authority's: an exporter learning that its customer matched a list would be
        // tipped off, and advisers do not need it.
        let r = who.visible(crate::access::Kind::Case, r)?;
        if !matches!(who.role, Role::Officer | Role::Auditor | Role::Admin) {
            return Err(AppError::NotFound("application"));
        }
        Ok(r.body.screening)
    }
}
