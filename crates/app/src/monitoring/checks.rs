//! End-use checks: an officer checks a party of an application (pre-licence) or of an issued licence
//! (post-shipment), typically through an embassy visit, and records the outcome: `verified`, `not-verified`, or
//! `refused` by the end user. The exporter of the case is told that a check was opened and reads the check and
//! its outcome, never the officer's findings.
//!
//! A party that could not be verified (either of the last two outcomes) joins the authority's **unverified
//! parties** list: an `unverified-party` record, created with the outcome in one transaction. The screening index
//! includes that list as source [`UNVERIFIED_SOURCE`] next to the imported lists, so later applications naming
//! the party get a hit whose consequence is `end-use-check` (the reference choice for an unverified list, as for
//! BIS's; `serve --hit-consequence authority-unverified=block` overrides it): the hit requires a check, it
//! does not block approval.

use crate::access::Kind;
use crate::notify::{org_audience, Event, Subject};
use crate::{audit, new_id, now, text, App, AppError, AppResult, Principal};
use domain::{CaseState, CountryCode, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record};
use utoipa::ToSchema;

/// The record kind of end-use checks.
pub const CHECK: &str = "end-use-check";
/// The record kind of the unverified parties list's entries.
pub const UNVERIFIED: &str = "unverified-party";
/// The screening source id of the unverified parties list.
pub const UNVERIFIED_SOURCE: &str = lists::AUTHORITY_UNVERIFIED;

/// When the check is made.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Before the licence is decided: the case must be open.
    PreLicence,
    /// After export: the case must hold a licence.
    PostShipment,
}

impl CheckKind {
    pub const ALL: &'static [CheckKind] = &[CheckKind::PreLicence, CheckKind::PostShipment];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::PreLicence => "pre-licence",
            CheckKind::PostShipment => "post-shipment",
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CheckOutcome {
    /// The party exists and uses the items as declared.
    Verified,
    /// The check could not establish the party or its use.
    NotVerified,
    /// The end user refused the check.
    Refused,
}

impl CheckOutcome {
    pub const ALL: &'static [CheckOutcome] = &[
        CheckOutcome::Verified,
        CheckOutcome::NotVerified,
        CheckOutcome::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Verified => "verified",
            CheckOutcome::NotVerified => "not-verified",
            CheckOutcome::Refused => "refused",
        }
    }
}

/// An officer opens a check.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndUseCheck {
    pub kind: CheckKind,
    /// The application (pre-licence) or the licence's case (post-shipment).
    pub case_id: String,
    /// The party checked (at most 200 characters), usually the end user.
    pub party_name: String,
    /// The party's country.
    #[schema(value_type = String, example = "AE")]
    pub party_country: CountryCode,
    /// What the exporter is asked to arrange (at most 2,000 characters), shown to it.
    pub exporter_action: String,
}

/// The officer's outcome of a check.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    pub outcome: CheckOutcome,
    /// What the check found (at most 5,000 characters; staff only).
    pub findings: String,
}

/// The stored body of a check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct CheckBody {
    pub kind: CheckKind,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub party_name: String,
    pub party_country: String,
    pub exporter_action: String,
    pub opened_by: String,
    pub opened_at: String,
    pub outcome: Option<CheckOutcome>,
    pub findings: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
}

/// An end-use check as its reader sees it (exporters: no findings, no staff ids).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndUseCheck {
    pub id: String,
    pub kind: CheckKind,
    /// `open`, or the outcome.
    pub state: String,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub party_name: String,
    pub party_country: String,
    pub exporter_action: String,
    pub outcome: Option<CheckOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub version: i64,
}

/// An entry of the unverified parties list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UnverifiedParty {
    pub id: String,
    pub name: String,
    pub country: String,
    /// The check that could not verify it.
    pub check_id: String,
    pub outcome: CheckOutcome,
    pub listed_at: String,
}

fn view(who: &Principal, r: Record<CheckBody>) -> EndUseCheck {
    let staff = who.role != Role::Exporter;
    EndUseCheck {
        id: r.id,
        kind: r.body.kind,
        state: r.state,
        case_id: r.body.case_id,
        case_reference: r.body.case_reference,
        party_name: r.body.party_name,
        party_country: r.body.party_country,
        exporter_action: r.body.exporter_action,
        outcome: r.body.outcome,
        findings: r.body.findings.filter(|_| staff),
        opened_by: staff.then_some(r.body.opened_by),
        closed_by: r.body.closed_by.filter(|_| staff),
        opened_at: r.body.opened_at,
        closed_at: r.body.closed_at,
        version: r.version,
    }
}

impl App {
    /// An officer opens an end-use check on a party of a case; the exporter organisation is told.
    pub async fn open_end_use_check(
        &self,
        who: &Principal,
        n: NewEndUseCheck,
    ) -> AppResult<EndUseCheck> {
        who.require(&[Role::Officer], "open end-use checks")?;
        crate::record_id("case_id", &n.case_id)?;
        let party_name = text("party_name", &n.party_name, 200)?;
        crate::known_country(self, "party_country", &n.party_country)?;
        let exporter_action = text("exporter_action", &n.exporter_action, 2000)?;
        let mut tx = self.store.begin().await?;
        let case = crate::case_store::tx_get(&mut tx, &n.case_id)
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::invalid("case_id", "no such application"),
                other => other.into(),
            })?;
        let state: CaseState = case.state.parse().map_err(AppError::Internal)?;
        let fits = match n.kind {
            CheckKind::PreLicence => matches!(
                state,
                CaseState::Submitted
                    | CaseState::UnderReview
                    | CaseState::AwaitingExporter
                    | CaseState::FinalReview
                    | CaseState::Countersigning
            ),
            CheckKind::PostShipment => case.body.licence_issued.is_some(),
        };
        if !fits {
            return Err(AppError::invalid(
                "kind",
                format!(
                    "a {} check needs {}; the application is {state}",
                    n.kind.as_str(),
                    match n.kind {
                        CheckKind::PreLicence => "an application under consideration",
                        CheckKind::PostShipment => "an issued licence",
                    }
                ),
            ));
        }
        let at = now();
        let body = CheckBody {
            kind: n.kind,
            case_id: case.id.clone(),
            case_reference: case.reference.clone(),
            party_name,
            party_country: n.party_country.to_string(),
            exporter_action,
            opened_by: who.user_id.clone(),
            opened_at: at.clone(),
            outcome: None,
            findings: None,
            closed_by: None,
            closed_at: None,
        };
        let mut rec = Record::new(new_id(), CHECK, case.org_id.clone(), "open", body, at);
        rec.tags = format!(",case:{},", case.id);
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "open-end-use-check",
            CHECK,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        if let Some(audience) = org_audience(case.org_id.as_deref()) {
            let subject = Subject {
                record_kind: CHECK,
                record_id: &rec.id,
                reference: case.reference.as_deref(),
                state: n.kind.as_str(),
                org_id: case.org_id.as_deref(),
            };
            self.notify(&mut tx, who, Event::EndUseCheckOpened, &subject, audience)
                .await?;
        }
        tx.commit().await?;
        Ok(view(who, rec))
    }

    /// An officer records the outcome of an open check. A party not verified, or whose check was refused, joins
    /// the unverified parties list in the same transaction, and the screening index is rebuilt.
    pub async fn close_end_use_check(
        &self,
        who: &Principal,
        id: &str,
        r: CheckResult,
    ) -> AppResult<EndUseCheck> {
        who.require(&[Role::Officer], "record end-use check outcomes")?;
        let findings = text("findings", &r.findings, 5000)?;
        let mut tx = self.store.begin().await?;
        let before = tx
            .get::<CheckBody>(CHECK, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        if before.state != "open" {
            return Err(AppError::Conflict(format!(
                "the check was closed already ({})",
                before.state
            )));
        }
        let mut after = before.clone();
        let at = now();
        after.body.outcome = Some(r.outcome);
        after.body.findings = Some(findings);
        after.body.closed_by = Some(who.user_id.clone());
        after.body.closed_at = Some(at.clone());
        after.state = r.outcome.as_str().into();
        after.version += 1;
        after.updated_at = at.clone();
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "close-end-use-check",
            CHECK,
            &after.id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        let listed = r.outcome != CheckOutcome::Verified;
        if listed {
            let entry = UnverifiedParty {
                id: new_id(),
                name: after.body.party_name.clone(),
                country: after.body.party_country.clone(),
                check_id: after.id.clone(),
                outcome: r.outcome,
                listed_at: at.clone(),
            };
            let rec = Record::new(entry.id.clone(), UNVERIFIED, None, "listed", entry, at);
            tx.insert(&rec).await?;
            audit(
                &mut tx,
                who,
                "list-unverified-party",
                UNVERIFIED,
                &rec.id,
                None::<&()>,
                Some(&rec.body),
                None,
            );
        }
        tx.commit().await?;
        if listed {
            self.reload_screening_index().await?;
        }
        Ok(view(who, after))
    }

    /// End-use checks the caller may read: staff all, exporters those on their organisation's cases.
    pub async fn end_use_checks(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<EndUseCheck>> {
        let filter = who.list_filter(Kind::Monitoring, Filter::default())?;
        let rows = crate::listing::page_of::<CheckBody>(&self.store, CHECK, filter, page, |_| true)
            .await?;
        rows.try_map(|r| Ok(view(who, r)))
    }

    /// One end-use check the caller may read.
    pub async fn end_use_check(&self, who: &Principal, id: &str) -> AppResult<EndUseCheck> {
        let r = self
            .store
            .get::<CheckBody>(CHECK, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        Ok(view(who, self.monitoring_visible(who, r)?))
    }

    /// The unverified parties list (officers, auditors, administrators).
    pub async fn unverified_parties(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<UnverifiedParty>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read the unverified parties list",
        )?;
        let rows = crate::listing::page_of::<UnverifiedParty>(
            &self.store,
            UNVERIFIED,
            Filter::default(),
            page,
            |_| true,
        )
        .await?;
        rows.try_map(|r| Ok(r.body))
    }

    /// The unverified parties list as a list snapshot for the screening index (None when it is empty).
    pub(crate) async fn unverified_snapshot(&self) -> AppResult<Option<lists::ListSnapshot>> {
        let rows = self
            .store
            .list::<UnverifiedParty>(
                UNVERIFIED,
                &Filter {
                    states: vec!["listed".into()],
                    ..Default::default()
                },
            )
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let version = format!(
            "{}@{}",
            rows.len(),
            rows.last().map(|r| r.body.listed_at.as_str()).unwrap_or("")
        );
        let entries = rows
            .into_iter()
            .map(|r| lists::ListEntry {
                source_id: r.id,
                kind: lists::EntityKind::Unknown,
                names: vec![lists::NameVariant {
                    name: r.body.name,
                    kind: lists::NameKind::Primary,
                    quality: lists::NameQuality::Good,
                    script: None,
                }],
                birth_dates: vec![],
                countries: vec![r.body.country],
                addresses: vec![],
                identifiers: vec![],
                programs: vec![format!(
                    "END-USE-CHECK-{}",
                    r.body.outcome.as_str().to_uppercase()
                )],
                remarks: None,
            })
            .collect();
        Ok(Some(lists::ListSnapshot {
            // The list is the authority's own and has no file format; the index does not read this field,
            // and `source` names the list in every hit.
            format: lists::ListFormat::UsCslCsv,
            version,
            published: None,
            source: Some(UNVERIFIED_SOURCE.into()),
            entries,
        }))
    }
}
