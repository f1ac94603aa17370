//! Catch-all controls (EU 2021/821 Art. 5) per specific export, not per product: an officer notifies the
//! exporter on an application (Art. 5(1)), or for an exporter, end user and destination (a standing
//! notification applied to every application of that exporter submitted afterwards with that end user and
//! destination); an exporter declares on its application that it is aware of a cyber-surveillance end use
//! (Art. 5(2)). Either makes the policy fact `catch_all_notified` true for the export it concerns: the item is
//! controlled (the policy's catch-all regime, reference: dual-use) and treated as a cyber-surveillance item.
//! Recorded on a case already submitted, the case's determinations are evaluated again and the reviews they
//! now require are opened, in the case's transaction. Details: docs/policy.md, "Catch-all".

use crate::model::{AdviceEntry, CaseBody};
use crate::views::CaseView;
use crate::{new_id, now, text, AppError, AppResult, Principal};
use domain::{CaseState, CountryCode, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record};
use utoipa::ToSchema;

/// Record kind of a standing catch-all notification (organisation = the exporter notified).
pub const CATCH_ALL_NOTIFICATION: &str = "catch-all-notification";
/// Audit action of a catch-all recorded on a case.
pub const RECORD_CATCH_ALL: &str = "record-catch-all";

/// Under which paragraph of Art. 5 a catch-all arose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CatchAllBasis {
    /// Art. 5(1): the authority informed the exporter that the items are or may be intended for internal
    /// repression or serious violations of human rights or international humanitarian law.
    AuthorityNotification,
    /// Art. 5(2): the exporter's due diligence made it aware of such an intended use, and it says so.
    ExporterAwareness,
}

impl CatchAllBasis {
    pub const ALL: &'static [CatchAllBasis] = &[
        CatchAllBasis::AuthorityNotification,
        CatchAllBasis::ExporterAwareness,
    ];
}

/// A catch-all on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseCatchAll {
    pub id: String,
    pub basis: CatchAllBasis,
    /// The destination it concerns; `None`: every destination of the case.
    #[schema(value_type = Option<String>)]
    pub destination: Option<CountryCode>,
    /// The end use it concerns, in words.
    pub end_use: String,
    /// The authority's grounds, or the exporter's due-diligence findings.
    pub grounds: String,
    /// The standing notification it came from, if any.
    pub notification: Option<String>,
    /// The officer or exporter user who recorded it (not shown to exporters for the authority's notices).
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A catch-all as the exporter sees it (without staff ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExporterCatchAll {
    pub basis: CatchAllBasis,
    #[schema(value_type = Option<String>)]
    pub destination: Option<CountryCode>,
    pub end_use: String,
    pub grounds: String,
    pub recorded_at: String,
}

impl From<CaseCatchAll> for ExporterCatchAll {
    fn from(c: CaseCatchAll) -> ExporterCatchAll {
        ExporterCatchAll {
            basis: c.basis,
            destination: c.destination,
            end_use: c.end_use,
            grounds: c.grounds,
            recorded_at: c.recorded_at,
        }
    }
}

/// `POST /applications/{id}/catch-all`: an officer's notification (Art. 5(1)) or the exporter's declaration
/// of awareness (Art. 5(2)) on one application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCatchAll {
    /// The end use of concern, in words.
    pub end_use: String,
    /// The authority's grounds, or the exporter's due-diligence findings.
    pub grounds: String,
    /// The destination it concerns (one of the case's); omitted: every destination of the case.
    #[schema(value_type = Option<String>)]
    pub destination: Option<CountryCode>,
    pub expected_version: Option<i64>,
}

/// `POST /catch-all-notifications`: a standing notification to an exporter for an end user and destination.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCatchAllNotification {
    /// The exporter's organisation.
    pub org_id: String,
    /// The end user's name, as the exporter's applications give it (compared without case and spacing).
    pub end_user: String,
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub end_use: String,
    pub grounds: String,
}

/// A standing catch-all notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CatchAllNotification {
    pub id: String,
    pub org_id: String,
    pub end_user: String,
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub end_use: String,
    pub grounds: String,
    /// The officer who recorded it (not shown to exporters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    pub recorded_at: String,
}

/// Names compared without case, punctuation spacing or repeated blanks.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    norm(a) == norm(b)
}

/// Whether a case's catch-alls make the export of any product to `destination` a catch-all item.
pub(crate) fn applies(body: &CaseBody, destination: &CountryCode) -> bool {
    body.catch_all
        .iter()
        .any(|c| c.destination.as_ref().is_none_or(|d| d == destination))
}

impl crate::App {
    /// An officer (Art. 5(1)) or the applicant exporter (Art. 5(2)) records a catch-all on an application
    /// before it is decided. On a submitted case the determinations are evaluated again, in the same
    /// transaction, and the reviews now required are opened.
    pub async fn record_case_catch_all(
        &self,
        who: &Principal,
        id: &str,
        b: RecordCatchAll,
    ) -> AppResult<CaseView> {
        let basis = match who.role {
            Role::Officer => CatchAllBasis::AuthorityNotification,
            Role::Exporter => CatchAllBasis::ExporterAwareness,
            _ => {
                return Err(AppError::Forbidden(format!(
                    "a user with role {} may not record a catch-all; officers notify, exporters declare",
                    who.role
                )))
            }
        };
        let end_use = text("end_use", &b.end_use, 2000)?;
        let grounds = text("grounds", &b.grounds, 5000)?;
        let current = self.case_record(who, id).await?;
        let state: CaseState = current.state.parse().map_err(AppError::Internal)?;
        if !matches!(
            state,
            CaseState::Draft
                | CaseState::Submitted
                | CaseState::UnderReview
                | CaseState::AwaitingExporter
        ) {
            return Err(AppError::Conflict(format!(
                "a catch-all is recorded before the decision; the application is {}",
                state.as_str()
            )));
        }
        if state == CaseState::Draft && basis == CatchAllBasis::AuthorityNotification {
            return Err(AppError::Conflict(
                "the authority notifies a catch-all on a submitted application (or for the exporter, end user and destination: POST /api/v1/catch-all-notifications)".into(),
            ));
        }
        if let Some(d) = &b.destination {
            let ours = match (&current.body.marketing, &current.body.export) {
                (Some(m), _) => m.destinations.contains(d),
                (None, Some(e)) => &e.destination == d,
                (None, None) => false,
            };
            if !ours {
                return Err(AppError::invalid(
                    "destination",
                    format!("{d} is not a destination of this application"),
                ));
            }
        }
        let entry = CaseCatchAll {
            id: new_id(),
            basis,
            destination: b.destination,
            end_use,
            grounds,
            notification: None,
            recorded_by: who.user_id.clone(),
            recorded_at: now(),
        };
        let mut body = current.body.clone();
        body.catch_all.push(entry.clone());
        let redo = if state == CaseState::Draft {
            None
        } else {
            Some(
                self.determine_case(
                    &body,
                    !body.denial_matches.is_empty(),
                    &mut crate::exporter::Products::default(),
                )
                .await?,
            )
        };
        self.change_case(
            who,
            id,
            b.expected_version.or(Some(current.version)),
            None,
            RECORD_CATCH_ALL,
            None,
            move |r| {
                r.body.catch_all.push(entry);
                if let Some((dets, policy_version)) = redo {
                    apply_determinations(&mut r.body, dets, policy_version)?;
                }
                Ok(())
            },
        )
        .await
    }

    /// An officer records a standing catch-all notification to an exporter for an end user and destination.
    pub async fn record_catch_all_notification(
        &self,
        who: &Principal,
        n: NewCatchAllNotification,
    ) -> AppResult<CatchAllNotification> {
        who.require(&[Role::Officer], "record catch-all notifications")?;
        crate::record_id("org_id", &n.org_id)?;
        match self.organisation_name(&n.org_id).await {
            Ok(_) => {}
            Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid(
                    "org_id",
                    format!("no organisation {:?}", n.org_id),
                ))
            }
            Err(e) => return Err(e),
        }
        crate::known_country(self, "destination", &n.destination)?;
        let x = CatchAllNotification {
            id: new_id(),
            org_id: n.org_id.clone(),
            end_user: text("end_user", &n.end_user, 300)?,
            destination: n.destination,
            end_use: text("end_use", &n.end_use, 2000)?,
            grounds: text("grounds", &n.grounds, 5000)?,
            recorded_by: Some(who.user_id.clone()),
            recorded_at: now(),
        };
        let rec = Record::new(
            x.id.clone(),
            CATCH_ALL_NOTIFICATION,
            Some(n.org_id),
            "recorded",
            x.clone(),
            x.recorded_at.clone(),
        );
        self.insert_audited(who, "record-catch-all-notification", &rec)
            .await?;
        Ok(x)
    }

    /// Standing catch-all notifications, a page at a time: officers, auditors and administrators see all; an
    /// exporter those addressed to its organisation (without the officer's id).
    pub async fn catch_all_notifications(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<CatchAllNotification>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin, Role::Exporter],
            "read catch-all notifications",
        )?;
        let filter = who.list_filter(crate::access::Kind::Exemption, Filter::default())?;
        let exporter = who.role == Role::Exporter;
        crate::listing::page_of(
            &self.store,
            CATCH_ALL_NOTIFICATION,
            filter,
            page,
            |_: &Record<CatchAllNotification>| true,
        )
        .await?
        .try_map(|r| {
            let mut n = r.body;
            if exporter {
                n.recorded_by = None;
            }
            Ok(n)
        })
    }

    /// The standing notifications that concern a case about to be submitted, as case catch-alls: same
    /// exporter, an end user of the case with the notified name, and the notified destination.
    pub(crate) async fn standing_catch_alls(
        &self,
        org_id: Option<&str>,
        body: &CaseBody,
    ) -> AppResult<Vec<CaseCatchAll>> {
        let Some(org) = org_id else {
            return Ok(Vec::new());
        };
        let parties: Vec<(&str, Vec<&CountryCode>)> = match (&body.marketing, &body.export) {
            (Some(m), _) => m
                .end_users
                .iter()
                .map(|u| (u.name.as_str(), m.destinations.iter().collect()))
                .collect(),
            (None, Some(e)) => vec![(e.end_user.name.as_str(), vec![&e.destination])],
            (None, None) => Vec::new(),
        };
        let standing = self
            .store
            .list::<CatchAllNotification>(
                CATCH_ALL_NOTIFICATION,
                &Filter {
                    org_id: Some(org.to_string()),
                    ..Default::default()
                },
            )
            .await?;
        let mut out = Vec::new();
        for n in standing {
            let n = n.body;
            let concerns = parties.iter().any(|(name, dests)| {
                same_name(name, &n.end_user) && dests.contains(&&n.destination)
            });
            let already = body
                .catch_all
                .iter()
                .any(|c| c.notification.as_deref() == Some(n.id.as_str()));
            if concerns && !already {
                out.push(CaseCatchAll {
                    id: new_id(),
                    basis: CatchAllBasis::AuthorityNotification,
                    destination: Some(n.destination),
                    end_use: n.end_use,
                    grounds: n.grounds,
                    notification: Some(n.id),
                    recorded_by: n.recorded_by.unwrap_or_default(),
                    recorded_at: n.recorded_at,
                });
            }
        }
        Ok(out)
    }
}

/// Replaces a submitted case's determinations with new ones and opens the reviews they now require (reviews
/// already required stay: advice already asked for is not withdrawn).
fn apply_determinations(
    body: &mut CaseBody,
    dets: Vec<crate::model::CaseDetermination>,
    policy_version: String,
) -> AppResult<()> {
    let at = now();
    for d in &dets {
        if d.outcome != domain::Outcome::LicenceRequired {
            continue;
        }
        let det: policy::Determination = serde_json::from_value(d.determination.clone())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        for k in det.required_reviews {
            if !body.required_reviews.contains(&k) {
                body.required_reviews.push(k);
                body.advice.push(AdviceEntry {
                    review: k,
                    requested_by: "policy".into(),
                    requested_at: at.clone(),
                    advice: None,
                    advised_by: None,
                    advised_at: None,
                });
            }
        }
        for doc in det.required_documents {
            if !body.required_documents.contains(&doc) {
                body.required_documents.push(doc);
            }
        }
        body.target_working_days = body.target_working_days.max(det.target_working_days);
    }
    body.determinations = dets;
    body.policy_version = Some(policy_version);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_case_or_spacing() {
        assert!(same_name(
            "Gulf  Monitoring centre",
            "gulf monitoring Centre"
        ));
        assert!(!same_name("Gulf Monitoring Centre", "Gulf Monitoring"));
    }
}
