//! Evidence of misuse and the reassessments it opens.
//!
//! An officer or a human-rights adviser records a report of misuse (source kind and name, date, country, end
//! user, product or capability with optional control entries, link, summary). In the same transaction the use
//! case links it to every issued or suspended licence and every open case whose destination is the country,
//! one of whose end users or consignee the screening engine matches with the reported end user (an index built
//! over that one name, scored like a list hit), and — when the evidence names control entries — which covers
//! one of them; one `reassessment` record per link, and the officers are told (`reassessment.opened`).
//!
//! An officer decides a reassessment: `no-action` (with its reason), `new-conditions`, `suspension` or
//! `revocation` (through the licence use case every suspension and revocation goes through,
//! [`App::change_licence`], so the licence, its denial and notifications follow as for any other). A breach of
//! the end-user declaration adds an instruction to restrict or shut down the system; the reassessment then waits
//! for the exporter's confirmation (`restriction.ordered`, `restriction.confirmed`).
//!
//! Exporters never read evidence. They read a reassessment of their organisation only once decided, and then only
//! its outcome, conditions and instruction (never the evidence, the match or the officer's reasons).

use crate::access::Kind;
use crate::model::{ActionBody, CaseBody, Condition};
use crate::notify::{org_audience, Audience, Event, Subject};
use crate::{audit, new_id, now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseAction, CaseState, CountryCode, ReviewKind, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record};
use utoipa::ToSchema;

/// The record kind of evidence reports.
pub const EVIDENCE: &str = "evidence";
/// The record kind of reassessments.
pub const REASSESSMENT: &str = "reassessment";

/// Case states evidence is linked to: licences in force and cases still to be decided or issued.
const LINKED_STATES: &[CaseState] = &[
    CaseState::Issued,
    CaseState::Suspended,
    CaseState::Submitted,
    CaseState::UnderReview,
    CaseState::AwaitingExporter,
    CaseState::FinalReview,
    CaseState::Countersigning,
    CaseState::Approved,
];

/// Where the evidence comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A UN body (a special rapporteur, a panel of experts, OHCHR).
    UnBody,
    Court,
    /// A forensic research lab (e.g. an academic or civil-society lab).
    ForensicLab,
    Press,
    /// The authority's own sources (a partner authority, intelligence); never shown outside the staff.
    Internal,
}

impl SourceKind {
    pub const ALL: &'static [SourceKind] = &[
        SourceKind::UnBody,
        SourceKind::Court,
        SourceKind::ForensicLab,
        SourceKind::Press,
        SourceKind::Internal,
    ];
}

/// A report of misuse as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    pub source_kind: SourceKind,
    /// Who published it (at most 200 characters).
    pub source_name: String,
    /// The day it was published (not in the future).
    pub reported_on: NaiveDate,
    /// Where the misuse happened (the destination it concerns).
    #[schema(value_type = String, example = "MX")]
    pub country: CountryCode,
    /// The end user said to have misused the system (at most 200 characters).
    pub end_user: String,
    /// The product or capability concerned (at most 500 characters).
    pub capability: String,
    /// Control entries of the capability, when known (aliases accepted); a link then needs a case covering one.
    #[serde(default)]
    pub control_entries: Vec<String>,
    /// Where to read it: an http(s) URL (at most 2,000 characters).
    pub link: String,
    /// What it documents (at most 5,000 characters).
    pub summary: String,
}

/// One link of evidence to a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct EvidenceLink {
    pub reassessment_id: String,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub licence_number: Option<String>,
    /// The case's party the end user matched.
    pub party_name: String,
    /// The screening score of that match.
    pub score: f64,
}

/// Recorded evidence (staff only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Evidence {
    pub id: String,
    /// The report as recorded.
    pub report: NewEvidence,
    pub recorded_by: String,
    pub recorded_at: String,
    /// The cases it was linked to when recorded, each with its reassessment.
    pub links: Vec<EvidenceLink>,
}

/// How a reassessment ends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReassessmentOutcome {
    /// No action (the reason says why).
    NoAction,
    /// New conditions imposed on the licence holder.
    NewConditions,
    /// The licence is suspended.
    Suspension,
    /// The licence is revoked.
    Revocation,
}

impl ReassessmentOutcome {
    pub const ALL: &'static [ReassessmentOutcome] = &[
        ReassessmentOutcome::NoAction,
        ReassessmentOutcome::NewConditions,
        ReassessmentOutcome::Suspension,
        ReassessmentOutcome::Revocation,
    ];
}

/// An officer's decision on a reassessment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassessmentDecisionInput {
    pub outcome: ReassessmentOutcome,
    /// Why (at most 5,000 characters; staff only).
    pub reason: String,
    /// The new conditions (`new-conditions` only, at least one).
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// On a breach of the end-user declaration: the instruction to the exporter to restrict or shut down the
    /// system (at most 2,000 characters). Not with `no-action`; needs a licence.
    #[serde(default)]
    pub instruction: Option<String>,
}

/// The decision as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReassessmentDecision {
    pub outcome: ReassessmentOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub conditions: Vec<Condition>,
    pub instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    pub decided_at: String,
}

/// The exporter's confirmation that it carried out the instruction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RestrictionConfirmation {
    /// What was done (at most 5,000 characters).
    pub text: String,
    pub confirmed_by: String,
    pub confirmed_at: String,
}

/// The exporter's confirmation, as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConfirmation {
    /// What was done (at most 5,000 characters).
    pub text: String,
}

/// The stored body of a reassessment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ReassessmentBody {
    pub evidence_id: String,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub licence_number: Option<String>,
    pub party_name: String,
    pub score: f64,
    pub decision: Option<ReassessmentDecision>,
    pub confirmation: Option<RestrictionConfirmation>,
}

/// A reassessment as its reader sees it. Exporters get the outcome only: no evidence, match or reasons.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reassessment {
    pub id: String,
    /// `open`, `awaiting-confirmation` (an instruction waits for the exporter) or `closed`.
    pub state: String,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub licence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub decision: Option<ReassessmentDecision>,
    pub confirmation: Option<RestrictionConfirmation>,
    pub version: i64,
    pub created_at: String,
}

fn reassessment_view(who: &Principal, r: Record<ReassessmentBody>) -> Reassessment {
    let staff = who.role != Role::Exporter;
    let decision = r.body.decision.map(|mut d| {
        if !staff {
            d.reason = None;
            d.decided_by = None;
        }
        d
    });
    Reassessment {
        id: r.id,
        state: r.state,
        case_id: r.body.case_id,
        case_reference: r.body.case_reference,
        licence_number: r.body.licence_number,
        evidence_id: staff.then_some(r.body.evidence_id),
        party_name: staff.then_some(r.body.party_name),
        score: staff.then_some(r.body.score),
        decision,
        confirmation: r.body.confirmation,
        version: r.version,
        created_at: r.created_at,
    }
}

/// Whether an exporter may read a reassessment in this state (decided ones only).
fn exporter_reads(state: &str) -> bool {
    state != "open"
}

fn validate_link(link: &str) -> AppResult<String> {
    let l = text("link", link, 2000)?;
    let ok = (l.starts_with("https://") || l.starts_with("http://"))
        && !l.chars().any(char::is_whitespace)
        && l.len() > "https://".len();
    if !ok {
        return Err(AppError::invalid(
            "link",
            "must be an http or https URL without spaces",
        ));
    }
    Ok(l)
}

/// The names of a case's end users and consignee, with their countries.
fn end_users(body: &CaseBody) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    if let Some(m) = &body.marketing {
        for u in &m.end_users {
            out.push((
                u.name.clone(),
                u.country.iter().map(|c| c.to_string()).collect(),
            ));
        }
    }
    if let Some(x) = &body.export {
        out.push((
            x.end_user.name.clone(),
            x.end_user.country.iter().map(|c| c.to_string()).collect(),
        ));
        out.push((
            x.consignee.name.clone(),
            vec![x.consignee.country.to_string()],
        ));
    }
    out
}

impl App {
    fn require_evidence_writer(&self, who: &Principal) -> AppResult<()> {
        let hr = who.role == Role::Adviser && who.review_kind == Some(ReviewKind::HumanRights);
        if who.role == Role::Officer || hr {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a user with role {} may not record evidence of misuse (officers and human-rights advisers do)",
                who.role
            )))
        }
    }

    /// Records evidence of misuse, links it to the licences and open cases it concerns and opens one
    /// reassessment per link, all in one transaction; the officers are told of each reassessment.
    pub async fn record_evidence(&self, who: &Principal, n: NewEvidence) -> AppResult<Evidence> {
        self.require_evidence_writer(who)?;
        let today = self.today();
        let report = NewEvidence {
            source_kind: n.source_kind,
            source_name: text("source_name", &n.source_name, 200)?,
            reported_on: n.reported_on,
            country: n.country.clone(),
            end_user: text("end_user", &n.end_user, 200)?,
            capability: text("capability", &n.capability, 500)?,
            control_entries: self.canonical_entries("control_entries", &n.control_entries)?,
            link: validate_link(&n.link)?,
            summary: text("summary", &n.summary, 5000)?,
        };
        if report.reported_on > today {
            return Err(AppError::invalid(
                "reported_on",
                format!("is after today ({today})"),
            ));
        }
        crate::known_country(self, "country", &report.country)?;
        let id = new_id();
        // The end user, as a one-entry list the screening engine matches parties against.
        let index = screening::Index::build(&[(
            EVIDENCE.to_string(),
            lists::ListSnapshot {
                // A list of one name made here, not read from a file: the index does not read the format.
                format: lists::ListFormat::UsCslCsv,
                version: id.clone(),
                published: None,
                source: Some(EVIDENCE.into()),
                entries: vec![lists::ListEntry {
                    source_id: id.clone(),
                    kind: lists::EntityKind::Unknown,
                    names: vec![lists::NameVariant {
                        name: report.end_user.clone(),
                        kind: lists::NameKind::Primary,
                        quality: lists::NameQuality::Good,
                        script: None,
                    }],
                    birth_dates: vec![],
                    countries: vec![report.country.to_string()],
                    addresses: vec![],
                    identifiers: vec![],
                    programs: vec![],
                    remarks: None,
                }],
            },
        )]);
        let opts = screening::Options {
            threshold: self.config.screening_threshold,
            limit: 1,
            exhaustive: true,
        };
        let mut tx = self.store.begin().await?;
        let candidates = crate::case_store::tx_list(
            &mut tx,
            &Filter {
                states: LINKED_STATES
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                tags: vec![format!("dest:{}", report.country.as_str())],
                ..Default::default()
            },
        )
        .await?;
        let at = now();
        let mut links = Vec::new();
        let mut reassessments = Vec::new();
        for c in candidates {
            if !report.control_entries.is_empty()
                && !report
                    .control_entries
                    .iter()
                    .any(|e| c.tags.contains(&format!(",entry:{e},")))
            {
                continue;
            }
            let best = end_users(&c.body)
                .into_iter()
                .filter_map(|(name, countries)| {
                    let q = screening::Query::new(&name, None, None, &countries, &[]).ok()?;
                    index
                        .screen(&q, &opts)
                        .into_iter()
                        .next()
                        .map(|m| (name, m.score))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((party_name, score)) = best else {
                continue;
            };
            let body = ReassessmentBody {
                evidence_id: id.clone(),
                case_id: c.id.clone(),
                case_reference: c.reference.clone(),
                licence_number: c.body.licence_issued.as_ref().map(|l| l.number.clone()),
                party_name: party_name.clone(),
                score,
                decision: None,
                confirmation: None,
            };
            let mut rec = Record::new(
                new_id(),
                REASSESSMENT,
                c.org_id.clone(),
                "open",
                body,
                at.clone(),
            );
            rec.reference = None;
            rec.tags = format!(",case:{},evidence:{id},", c.id);
            links.push(EvidenceLink {
                reassessment_id: rec.id.clone(),
                case_id: c.id.clone(),
                case_reference: c.reference.clone(),
                licence_number: rec.body.licence_number.clone(),
                party_name,
                score,
            });
            reassessments.push(rec);
        }
        let evidence = Evidence {
            id: id.clone(),
            report,
            recorded_by: who.user_id.clone(),
            recorded_at: at.clone(),
            links,
        };
        let mut rec = Record::new(id.clone(), EVIDENCE, None, "recorded", evidence.clone(), at);
        rec.tags = format!(
            ",country:{},{}",
            evidence.report.country.as_str(),
            evidence
                .links
                .iter()
                .map(|l| format!("case:{},", l.case_id))
                .collect::<String>()
        );
        rec.search = evidence.report.end_user.to_lowercase();
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "record-evidence",
            EVIDENCE,
            &id,
            None::<&()>,
            Some(&evidence),
            None,
        );
        for r in &reassessments {
            tx.insert(r).await?;
            audit(
                &mut tx,
                who,
                "open-reassessment",
                REASSESSMENT,
                &r.id,
                None::<&()>,
                Some(&r.body),
                None,
            );
            let subject = Subject {
                record_kind: REASSESSMENT,
                record_id: &r.id,
                reference: r.body.case_reference.as_deref(),
                state: "open",
                org_id: None,
            };
            self.notify(
                &mut tx,
                who,
                Event::ReassessmentOpened,
                &subject,
                Audience::Roles(vec![Role::Officer]),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(evidence)
    }

    fn require_evidence_reader(&self, who: &Principal) -> AppResult<()> {
        who.list_filter(Kind::Evidence, Filter::default())
            .map(|_| ())
    }

    /// Recorded evidence, newest last (officers, auditors, administrators, human-rights advisers).
    pub async fn evidence_list(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Evidence>> {
        self.require_evidence_reader(who)?;
        let rows = crate::listing::page_of::<Evidence>(
            &self.store,
            EVIDENCE,
            Filter::default(),
            page,
            |_| true,
        )
        .await?;
        rows.try_map(|r| Ok(r.body))
    }

    /// One evidence report (staff who read evidence).
    pub async fn evidence(&self, who: &Principal, id: &str) -> AppResult<Evidence> {
        self.require_evidence_reader(who)?;
        let r = self
            .store
            .get::<Evidence>(EVIDENCE, id)
            .await
            .map_err(crate::not_found("evidence"))?;
        Ok(who.visible(Kind::Evidence, r)?.body)
    }

    /// Whether the evidence recorded so far concerns `end_user` in `country` (the `evidence_of_misuse` fact):
    /// any evidence of that country whose end user the screening engine matches with the name.
    pub async fn evidence_of_misuse(&self, country: &str, names: &[String]) -> AppResult<bool> {
        let rows = self
            .store
            .list::<Evidence>(
                EVIDENCE,
                &Filter {
                    tags: vec![format!("country:{country}")],
                    ..Default::default()
                },
            )
            .await?;
        if rows.is_empty() || names.is_empty() {
            return Ok(false);
        }
        let snap = lists::ListSnapshot {
            format: lists::ListFormat::UsCslCsv,
            version: "evidence".into(),
            published: None,
            source: Some(EVIDENCE.into()),
            entries: rows
                .iter()
                .map(|r| lists::ListEntry {
                    source_id: r.id.clone(),
                    kind: lists::EntityKind::Unknown,
                    names: vec![lists::NameVariant {
                        name: r.body.report.end_user.clone(),
                        kind: lists::NameKind::Primary,
                        quality: lists::NameQuality::Good,
                        script: None,
                    }],
                    birth_dates: vec![],
                    countries: vec![country.to_string()],
                    addresses: vec![],
                    identifiers: vec![],
                    programs: vec![],
                    remarks: None,
                })
                .collect(),
        };
        let index = screening::Index::build(&[(EVIDENCE.to_string(), snap)]);
        let opts = screening::Options {
            threshold: self.config.screening_threshold,
            limit: 1,
            exhaustive: true,
        };
        Ok(names.iter().any(|n| {
            screening::Query::new(n, None, None, &[country.to_string()], &[])
                .map(|q| !index.screen(&q, &opts).is_empty())
                .unwrap_or(false)
        }))
    }

    /// Reassessments the caller may read: staff all (`?state=open` is the officers' queue), exporters the
    /// decided ones of their organisation, outcome only.
    pub async fn reassessments(
        &self,
        who: &Principal,
        state: Option<String>,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Reassessment>> {
        let mut base = Filter::default();
        if let Some(s) = state {
            if !["open", "awaiting-confirmation", "closed"].contains(&s.as_str()) {
                return Err(AppError::invalid(
                    "state",
                    "must be open, awaiting-confirmation or closed",
                ));
            }
            base.states = vec![s];
        }
        let filter = who.list_filter(Kind::Monitoring, base)?;
        let exporter = who.role == Role::Exporter;
        let rows = crate::listing::page_of::<ReassessmentBody>(
            &self.store,
            REASSESSMENT,
            filter,
            page,
            |r| !exporter || exporter_reads(&r.state),
        )
        .await?;
        rows.try_map(|r| Ok(reassessment_view(who, r)))
    }

    async fn reassessment_record(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Record<ReassessmentBody>> {
        let r = self
            .store
            .get::<ReassessmentBody>(REASSESSMENT, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        let r = self.monitoring_visible(who, r)?;
        if who.role == Role::Exporter && !exporter_reads(&r.state) {
            return Err(AppError::NotFound("monitoring record"));
        }
        Ok(r)
    }

    /// One reassessment the caller may read.
    pub async fn reassessment(&self, who: &Principal, id: &str) -> AppResult<Reassessment> {
        Ok(reassessment_view(
            who,
            self.reassessment_record(who, id).await?,
        ))
    }

    /// An officer decides an open reassessment. Suspension and revocation go through the licence use case
    /// first (the assigned officer of the case acts, as for any suspension); the decision is then recorded.
    pub async fn decide_reassessment(
        &self,
        who: &Principal,
        id: &str,
        d: ReassessmentDecisionInput,
    ) -> AppResult<Reassessment> {
        who.require(&[Role::Officer], "decide reassessments")?;
        let reason = text("reason", &d.reason, 5000)?;
        let today = self.today();
        match d.outcome {
            ReassessmentOutcome::NewConditions if d.conditions.is_empty() => {
                return Err(AppError::invalid(
                    "conditions",
                    "new-conditions needs at least one condition",
                ))
            }
            ReassessmentOutcome::NewConditions => {
                crate::bounded_unique("conditions", &d.conditions, 20)?;
                for (i, c) in d.conditions.iter().enumerate() {
                    crate::cases::validate_condition(&format!("conditions[{i}]"), c, today)?;
                }
            }
            _ if !d.conditions.is_empty() => {
                return Err(AppError::invalid(
                    "conditions",
                    "only a new-conditions outcome takes conditions",
                ))
            }
            _ => {}
        }
        let instruction = d
            .instruction
            .as_deref()
            .map(|i| text("instruction", i, 2000))
            .transpose()?;
        if instruction.is_some() && d.outcome == ReassessmentOutcome::NoAction {
            return Err(AppError::invalid(
                "instruction",
                "an instruction to restrict or shut down the system needs an outcome other than no-action",
            ));
        }
        let before = self
            .store
            .get::<ReassessmentBody>(REASSESSMENT, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        if before.state != "open" {
            return Err(AppError::Conflict(format!(
                "the reassessment was decided already ({})",
                before.state
            )));
        }
        if before.body.licence_number.is_none()
            && (instruction.is_some() || d.outcome != ReassessmentOutcome::NoAction)
        {
            return Err(AppError::invalid(
                "outcome",
                "the case holds no licence: only no-action applies (the open case is decided on its own)",
            ));
        }
        let action = match d.outcome {
            ReassessmentOutcome::Suspension => Some(CaseAction::Suspend),
            ReassessmentOutcome::Revocation => Some(CaseAction::Revoke),
            _ => None,
        };
        if let Some(a) = action {
            self.change_licence(
                who,
                &before.body.case_id,
                a,
                ActionBody {
                    expected_version: None,
                    reason: Some(format!("reassessment on evidence of misuse: {reason}")),
                },
            )
            .await?;
        }
        let mut tx = self.store.begin().await?;
        let current = tx
            .get::<ReassessmentBody>(REASSESSMENT, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        if current.version != before.version {
            return Err(AppError::Conflict(
                "the reassessment changed meanwhile; reload it".into(),
            ));
        }
        let mut after = current.clone();
        after.body.decision = Some(ReassessmentDecision {
            outcome: d.outcome,
            reason: Some(reason.clone()),
            conditions: d.conditions.clone(),
            instruction: instruction.clone(),
            decided_by: Some(who.user_id.clone()),
            decided_at: now(),
        });
        after.state = if instruction.is_some() {
            "awaiting-confirmation"
        } else {
            "closed"
        }
        .into();
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        if d.outcome == ReassessmentOutcome::NewConditions {
            self.impose_conditions(&mut tx, who, &after.body.case_id, &d.conditions, &reason)
                .await?;
        }
        audit(
            &mut tx,
            who,
            "decide-reassessment",
            REASSESSMENT,
            &after.id,
            Some(&current.body),
            Some(&after.body),
            Some(&reason),
        );
        if instruction.is_some() {
            if let Some(audience) = org_audience(after.org_id.as_deref()) {
                let subject = Subject {
                    record_kind: REASSESSMENT,
                    record_id: &after.id,
                    reference: after.body.licence_number.as_deref(),
                    state: &after.state,
                    org_id: after.org_id.as_deref(),
                };
                self.notify(&mut tx, who, Event::RestrictionOrdered, &subject, audience)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(reassessment_view(who, after))
    }

    /// New conditions decided on a reassessment bind the licence: they join the case's decision (so shipments
    /// and reporting follow them), the licence is signed again with them (the replaced token stays on record),
    /// and a new reporting condition opens its obligation from today — all in the decision's transaction.
    async fn impose_conditions(
        &self,
        tx: &mut store::Tx,
        who: &Principal,
        case_id: &str,
        conditions: &[Condition],
        reason: &str,
    ) -> AppResult<()> {
        let before = crate::case_store::tx_get(tx, case_id)
            .await
            .map_err(crate::not_found("application"))?;
        let mut case = before.clone();
        let Some(decision) = case.body.decision.as_mut() else {
            return Err(AppError::Internal(
                "an issued case without its decision".into(),
            ));
        };
        let first = decision.conditions.len();
        decision.conditions.extend(conditions.iter().cloned());
        case.version += 1;
        case.updated_at = now();
        tx.update(&case).await?;
        audit(
            tx,
            who,
            "add-licence-conditions",
            crate::cases::CASE,
            &case.id,
            Some(&before.body.decision),
            Some(&case.body.decision),
            Some(reason),
        );
        let why = format!("new conditions on reassessment: {reason}");
        self.reissue_licence(tx, who, &case, &why).await?;
        self.open_obligations_from(tx, who, &case, first, self.today())
            .await
    }

    /// The exporter confirms it carried out the instruction to restrict or shut down the system.
    pub async fn confirm_restriction(
        &self,
        who: &Principal,
        id: &str,
        c: NewConfirmation,
    ) -> AppResult<Reassessment> {
        who.require(&[Role::Exporter], "confirm restrictions")?;
        let t = text("text", &c.text, 5000)?;
        let before = self.reassessment_record(who, id).await?;
        if before.state != "awaiting-confirmation" {
            return Err(AppError::Conflict(format!(
                "the reassessment waits for no confirmation ({})",
                before.state
            )));
        }
        let mut tx = self.store.begin().await?;
        let mut after = before.clone();
        after.body.confirmation = Some(RestrictionConfirmation {
            text: t,
            confirmed_by: who.user_id.clone(),
            confirmed_at: now(),
        });
        after.state = "closed".into();
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "confirm-restriction",
            REASSESSMENT,
            &after.id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        let decider = after
            .body
            .decision
            .as_ref()
            .and_then(|d| d.decided_by.clone());
        let subject = Subject {
            record_kind: REASSESSMENT,
            record_id: &after.id,
            reference: after.body.licence_number.as_deref(),
            state: &after.state,
            org_id: None,
        };
        self.notify(
            &mut tx,
            who,
            Event::RestrictionConfirmed,
            &subject,
            match decider {
                Some(u) => Audience::Users(vec![u]),
                None => Audience::Roles(vec![Role::Officer]),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(reassessment_view(who, after))
    }
}
