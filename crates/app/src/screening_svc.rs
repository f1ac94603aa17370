//! Screening in the service: imported list versions, the in-memory index over the active ones, screening of
//! every party at submission, ad-hoc screening, clearing/confirming hits, and re-screening when a list changes.

use crate::cases::CASE;
use crate::model::*;
use crate::{new_id, not_found, now, text, App, AppError, AppResult, Principal};
use domain::{CaseState, Role};
use lists::{ListFormat, ListSnapshot};
use screening::{Index, Options, Query};
use std::collections::HashMap;
use std::sync::Arc;
use store::{Filter, ListVersionRow};

/// The index over every active list, with the versions it was built from.
pub struct LoadedIndex {
    pub index: Index,
    /// "format@version" of each list in the index.
    pub versions: Vec<String>,
    pub versions_by_list: HashMap<String, String>,
}

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

impl App {
    fn loaded_index(&self) -> Option<Arc<LoadedIndex>> {
        self.screening
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Rebuilds the screening index from the active list versions in the store.
    pub async fn reload_screening_index(&self) -> AppResult<()> {
        let active = self.store.active_list_snapshots().await?;
        if active.is_empty() {
            *self.screening.write().unwrap_or_else(|e| e.into_inner()) = None;
            return Ok(());
        }
        let built = tokio::task::spawn_blocking(move || -> AppResult<LoadedIndex> {
            let mut snaps = Vec::new();
            let mut versions = Vec::new();
            let mut by_list = HashMap::new();
            for (row, json) in active {
                let snap: ListSnapshot = serde_json::from_str(&json)
                    .map_err(|e| AppError::Internal(format!("stored list {}: {e}", row.id)))?;
                versions.push(format!("{}@{}", row.format, row.version));
                by_list.insert(row.format.clone(), row.version.clone());
                snaps.push((row.format.clone(), snap));
            }
            Ok(LoadedIndex {
                index: Index::build(&snaps),
                versions,
                versions_by_list: by_list,
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        *self.screening.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(built));
        Ok(())
    }

    /// Stores a parsed list as the active version of its format and rebuilds the index. The previous version
    /// stays in force until this commits.
    pub async fn import_list(
        &self,
        who: &Principal,
        snap: ListSnapshot,
    ) -> AppResult<ListVersionRow> {
        who.require(&[Role::Admin], "import sanctions lists")?;
        let json = serde_json::to_string(&snap).map_err(|e| AppError::Internal(e.to_string()))?;
        let row = ListVersionRow {
            id: new_id(),
            format: snap.format.as_str().into(),
            version: snap.version.clone(),
            record_count: snap.entries.len() as i64,
            published: snap.published.clone(),
            imported_at: now(),
            active: true,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_list_version(&row, &json).await?;
        crate::audit(
            &mut tx,
            who,
            "import-list",
            "list-version",
            &row.id,
            None::<&()>,
            Some(&row),
            None,
        );
        tx.commit().await?;
        self.reload_screening_index().await?;
        Ok(row)
    }

    /// Parses list bytes (an upload or a download) and imports them.
    pub async fn import_list_bytes(
        &self,
        who: &Principal,
        format: ListFormat,
        name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ListVersionRow> {
        who.require(&[Role::Admin], "import sanctions lists")?;
        let name2 = name.to_string();
        let snap = tokio::task::spawn_blocking(move || lists::import_bytes(format, &name2, &bytes))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::invalid("file", e.to_string()))?;
        self.import_list(who, snap).await
    }

    pub async fn list_status(&self, who: &Principal) -> AppResult<Vec<ListVersionRow>> {
        who.require(
            &[Role::Admin, Role::Officer, Role::Auditor],
            "read list status",
        )?;
        Ok(self.store.list_versions().await?)
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
        for (role, name, kind, country) in parties(org_name.as_deref(), body) {
            let countries: Vec<String> = country.into_iter().collect();
            let Ok(q) = Query::new(&name, kind, None, &countries, &[]) else {
                continue;
            };
            for m in loaded.index.screen(&q, &opts) {
                let sanctions = m
                    .list
                    .parse::<ListFormat>()
                    .map(|f| f.is_sanctions())
                    .unwrap_or(true);
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
                    source_id: m.source_id.clone(),
                    listed_name: m.name.clone(),
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
        Ok(Some((hits, loaded.versions.clone())))
    }

    /// Ad-hoc screening of one name by an officer.
    pub fn screen_adhoc(
        &self,
        who: &Principal,
        input: &screening::QueryInput,
        threshold: Option<f64>,
        limit: Option<usize>,
    ) -> AppResult<(Vec<screening::Match>, Vec<String>)> {
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
        Ok((loaded.index.screen(&q, &opts), loaded.versions.clone()))
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
        let cases = self
            .store
            .list::<CaseBody>(
                CASE,
                &Filter {
                    states,
                    ..Default::default()
                },
            )
            .await?;
        let (mut n_cases, mut n_hits) = (0, 0);
        for c in cases {
            let Some((hits, versions)) = self
                .screen_case_parties(c.org_id.as_deref(), &c.body)
                .await?
            else {
                return Ok((0, 0));
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
            n_hits += fresh.len();
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
                // Changed meanwhile: the next re-screen picks it up.
                Err(AppError::Conflict(_)) => {
                    tracing::warn!(case = %c.id, "case changed during re-screen")
                }
                Err(e) => return Err(e),
            }
        }
        Ok((n_cases, n_hits))
    }

    /// A case's screening hits.
    pub async fn case_hits(&self, who: &Principal, id: &str) -> AppResult<Vec<ScreeningHit>> {
        let r = self
            .store
            .get::<CaseBody>(CASE, id)
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
