//! Licence applications and licences: the case lifecycle, advice, decisions, queues and processing time.
//!
//! Every state change goes through [`domain::transition`] (the one transition table) inside
//! [`App::change_case`], which also checks visibility, the caller's expected version, writes the history entry
//! and the audit event in the same transaction.

use crate::access::Kind;
use crate::exporter::{ProductBody, Products};
use crate::final_advice::{decided_as_advised, needs_no_countersigning};
use crate::listing::{awaiting_tag, case_index, destinations, page_of, CaseFilter, Page, Paged};
use crate::model::*;
use crate::views::CaseView;
use crate::{
    audit, known_country, new_id, not_found, now, text, App, AppError, AppResult, Principal,
};
use chrono::NaiveDate;
use domain::workdays::Calendar;
use domain::{transition, CaseAction, CaseState, LicenceKind, Outcome, ReviewKind, Role};
use policy::VocabularyKind;
use std::collections::{BTreeMap, BTreeSet};
use store::{Filter, Record};

pub const CASE: &str = store::kinds::CASE;
pub const EXEMPTION: &str = store::kinds::EXEMPTION;

pub(crate) const MAX_QUANTITY: u64 = 1_000_000_000;
const CURRENCIES: &[&str] = &[
    "EUR", "USD", "GBP", "ILS", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN",
    "CZK", "HUF", "RON", "BGN", "KRW", "INR", "AED", "SAR", "MXN", "SGD", "HKD", "CNY", "BRL",
    "ZAR", "TRY",
];

/// The authority's date of a stored RFC 3339 timestamp.
pub(crate) fn date_of(ts: &str, calendar: &Calendar) -> NaiveDate {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|d| calendar.date_at(d.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| calendar.date_at(crate::clock()))
}

/// Running intervals of the processing clock, from the case history, in the calendar's days.
pub fn clock_intervals(
    history: &[StateChange],
    calendar: &Calendar,
) -> Vec<(NaiveDate, Option<NaiveDate>)> {
    let mut out: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    let mut running: Option<NaiveDate> = None;
    for h in history {
        let d = date_of(&h.at, calendar);
        match h.to {
            CaseState::Submitted => running = Some(d),
            CaseState::UnderReview
                if matches!(
                    h.from,
                    CaseState::AwaitingExporter | CaseState::ReturnedForEditing
                ) =>
            {
                running = Some(d)
            }
            CaseState::AwaitingExporter
            | CaseState::ReturnedForEditing
            | CaseState::Approved
            | CaseState::Refused
            | CaseState::NoLicenceRequired
            | CaseState::Withdrawn => {
                if let Some(s) = running.take() {
                    out.push((s, Some(d)));
                }
            }
            _ => {}
        }
    }
    if let Some(s) = running {
        out.push((s, None));
    }
    out
}

/// The `due_on` of a case whose stopped clock is already past its target: before any day.
pub(crate) const ALWAYS_DUE: &str = "0000-01-01";

impl App {
    /// A case's time target in working days: its own, else the configured one of its licence kind.
    fn target_of(&self, state: CaseState, body: &CaseBody) -> Option<u32> {
        body.target_working_days.or(match (state, body.licence) {
            (CaseState::Draft, _) => None,
            (_, LicenceKind::Marketing) => Some(self.config.target_marketing_days),
            (_, LicenceKind::Export) => Some(self.config.target_export_days),
        })
    }

    /// The first day on which the case counts as overdue in [`App::case_view`] (open, elapsed working days past
    /// the target), for the store to count the overdue queue: `None` when it cannot become overdue without
    /// another change of the case (not open, no target, or its clock stopped within the target);
    /// [`ALWAYS_DUE`] when its stopped clock is already past the target. Elapsed days only grow with the day,
    /// so "overdue today" is exactly "`due_on` <= today".
    pub(crate) fn due_on(&self, state: &str, body: &CaseBody) -> Option<String> {
        let state: CaseState = state.parse().ok()?;
        if !state.is_open() {
            return None;
        }
        let target = self.target_of(state, body)?;
        let calendar = self.calendar();
        let intervals = clock_intervals(&body.history, calendar);
        let frozen: u32 = intervals
            .iter()
            .filter_map(|(s, e)| e.map(|e| calendar.working_days_between(*s, e)))
            .sum();
        if frozen > target {
            return Some(ALWAYS_DUE.to_string());
        }
        let (start, _) = intervals.iter().find(|(_, e)| e.is_none())?;
        // The (target - frozen + 1)th working day after the running interval's start.
        let mut day = *start;
        let mut counted = frozen;
        for _ in 0..(366 * 20) {
            day = day.succ_opt()?;
            counted += calendar.working_days_between(day.pred_opt()?, day);
            if counted > target {
                return Some(day.to_string());
            }
        }
        None
    }

    /// Writes the overdue day of every open case (at start: the calendar and the targets are configuration).
    pub(crate) async fn write_due_days(&self) -> AppResult<()> {
        let open: Vec<String> = CaseState::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_string())
            .collect();
        let cases = crate::case_store::list_without_hits(
            &self.store,
            &Filter {
                states: open,
                ..Default::default()
            },
        )
        .await?;
        if cases.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        for c in &cases {
            tx.set_due_on(CASE, &c.id, self.due_on(&c.state, &c.body).as_deref())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn case_view(&self, r: Record<CaseBody>) -> AppResult<Case> {
        let state: CaseState = r.state.parse().map_err(AppError::Internal)?;
        let calendar = self.calendar();
        let elapsed = calendar.elapsed(
            &clock_intervals(&r.body.history, calendar),
            calendar.date_at(crate::clock()),
        );
        let target = self.target_of(state, &r.body);
        let overdue = state.is_open() && target.is_some_and(|t| elapsed > t);
        let mut body = r.body;
        // One target per case, the same in the case and in the queues.
        body.target_working_days = target;
        let screening_gaps = self.screening_gaps(&body);
        let advice_conflicts = crate::advice::advice_conflicts(&body);
        Ok(Case {
            advice_conflicts,
            screening: body.screening.clone(),
            id: r.id,
            reference: r.reference.unwrap_or_default(),
            org_id: r.org_id.unwrap_or_default(),
            state,
            assigned_to: r.assigned_to,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            elapsed_working_days: elapsed,
            target_working_days: target,
            overdue,
            screening_gaps,
            body,
        })
    }

    /// The caller's view of a stored case.
    pub(crate) fn view_for(&self, who: &Principal, r: Record<CaseBody>) -> AppResult<CaseView> {
        Ok(CaseView::of(who, self.case_view(r)?))
    }

    async fn classified_product(
        &self,
        who: &Principal,
        field: &str,
        id: &str,
        products: &mut Products,
    ) -> AppResult<Record<ProductBody>> {
        crate::record_id(field, id)?;
        let p = match products.fetch(&self.store, id).await {
            Ok(p) if p.org_id == who.org_id => p,
            Ok(_) | Err(store::StoreError::NotFound) => {
                return Err(AppError::invalid(field, format!("no product {id:?}")))
            }
            Err(e) => return Err(e.into()),
        };
        if p.body.classification.is_none() {
            return Err(AppError::invalid(
                field,
                format!("product {id:?} has not been classified by a defence adviser yet"),
            ));
        }
        Ok(p)
    }

    async fn validate_application(
        &self,
        who: &Principal,
        a: &NewApplication,
        products: &mut Products,
    ) -> AppResult<()> {
        match (a.licence, &a.marketing, &a.export) {
            (LicenceKind::Marketing, Some(m), None) => {
                if m.products.is_empty() {
                    return Err(AppError::invalid(
                        "marketing.products",
                        "give 1 to 50 products",
                    ));
                }
                crate::bounded_unique("marketing.products", &m.products, 50)?;
                crate::bounded_unique("marketing.destinations", &m.destinations, 100)?;
                crate::bounded_unique("marketing.end_users", &m.end_users, 100)?;
                for (i, p) in m.products.iter().enumerate() {
                    self.classified_product(who, &format!("marketing.products[{i}]"), p, products)
                        .await?;
                }
                if m.destinations.is_empty() || m.destinations.len() > 100 {
                    return Err(AppError::invalid(
                        "marketing.destinations",
                        "give 1 to 100 destination countries",
                    ));
                }
                for (i, d) in m.destinations.iter().enumerate() {
                    known_country(self, &format!("marketing.destinations[{i}]"), d)?;
                }
                if m.end_users.is_empty() || m.end_users.len() > 100 {
                    return Err(AppError::invalid(
                        "marketing.end_users",
                        "give 1 to 100 prospective end users",
                    ));
                }
                for (i, u) in m.end_users.iter().enumerate() {
                    crate::party_name(&format!("marketing.end_users[{i}].name"), &u.name, 300)?;
                    if let Some(c) = &u.country {
                        known_country(self, &format!("marketing.end_users[{i}].country"), c)?;
                    }
                }
                Ok(())
            }
            (LicenceKind::Export, None, Some(e)) => {
                self.classified_product(who, "export.product", &e.product, products)
                    .await?;
                crate::party_name("export.end_user.name", &e.end_user.name, 300)?;
                if let Some(c) = &e.end_user.country {
                    known_country(self, "export.end_user.country", c)?;
                }
                crate::party_name("export.consignee.name", &e.consignee.name, 300)?;
                known_country(self, "export.consignee.country", &e.consignee.country)?;
                known_country(self, "export.destination", &e.destination)?;
                crate::bounded_unique("export.intermediaries", &e.intermediaries, 20)?;
                crate::bounded_unique("export.documents", &e.documents, 50)?;
                for (i, p) in e.intermediaries.iter().enumerate() {
                    crate::party_name(&format!("export.intermediaries[{i}].name"), &p.name, 300)?;
                    known_country(
                        self,
                        &format!("export.intermediaries[{i}].country"),
                        &p.country,
                    )?;
                }
                if e.quantity == 0 || e.quantity > MAX_QUANTITY {
                    return Err(AppError::invalid(
                        "export.quantity",
                        format!("must be between 1 and {MAX_QUANTITY}"),
                    ));
                }
                validate_money("export.value", &e.value)?;
                text("export.end_use", &e.end_use, 5000)?;
                if let Some(m) = &e.marketing_authorisation {
                    text("export.marketing_authorisation", m, 100)?;
                }
                for (i, d) in e.documents.iter().enumerate() {
                    text(&format!("export.documents[{i}].kind"), &d.kind, 100)?;
                    text(&format!("export.documents[{i}].name"), &d.name, 300)?;
                    crate::sha256_hex(
                        &format!("export.documents[{i}].sha256"),
                        d.sha256.as_deref(),
                    )?;
                }
                Ok(())
            }
            (LicenceKind::Marketing, _, _) => Err(AppError::invalid(
                "marketing",
                "a marketing-licence application needs `marketing` details and no `export` details",
            )),
            (LicenceKind::Export, _, _) => Err(AppError::invalid(
                "export",
                "an export-licence application needs `export` details and no `marketing` details",
            )),
        }
    }

    /// An exporter creates a draft application.
    pub async fn create_application(
        &self,
        who: &Principal,
        a: NewApplication,
    ) -> AppResult<CaseView> {
        self.create_case(who, a, None).await
    }

    /// An exporter applies to vary its issued licence (quantity, value, consignee, end user, validity, an
    /// added product): a new draft case linked to the original (`variation_of`) with the new details, which
    /// is submitted like any application — determined and screened again under the policy in force. When the
    /// variation is issued, the original licence is superseded in the same transaction.
    pub async fn create_variation(
        &self,
        who: &Principal,
        id: &str,
        v: NewVariation,
    ) -> AppResult<CaseView> {
        who.exporter_org("vary licences")?;
        let reason = text("reason", &v.reason, 5000)?;
        let original = self.case_record(who, id).await?;
        if original.state != CaseState::Issued.as_str() {
            return Err(AppError::Conflict(format!(
                "only an issued licence can be varied; this case is {}",
                original.state
            )));
        }
        let a = NewApplication {
            licence: original.body.licence,
            marketing: v.marketing,
            export: v.export,
        };
        self.create_case(who, a, Some((original.id, reason))).await
    }

    /// A new draft: an application, or a variation of the case `variation` names (with the reason).
    async fn create_case(
        &self,
        who: &Principal,
        a: NewApplication,
        variation: Option<(String, String)>,
    ) -> AppResult<CaseView> {
        let org = who.exporter_org("apply")?.to_string();
        if !self.org_is_registered(&org).await? {
            return Err(AppError::Conflict(
                "the organisation has no approved registration; file one and wait for approval"
                    .into(),
            ));
        }
        self.validate_application(who, &a, &mut Products::default())
            .await?;
        let t = now();
        let prefix = format!(
            "{}-{}-",
            match a.licence {
                LicenceKind::Marketing => "ML",
                LicenceKind::Export => "EL",
            },
            &t[..4]
        );
        let body = CaseBody {
            licence: a.licence,
            marketing: a.marketing,
            export: a.export,
            determinations: vec![],
            policy_version: None,
            required_reviews: vec![],
            required_documents: vec![],
            target_working_days: None,
            advice: vec![],
            info_requests: vec![],
            decision: None,
            licence_issued: None,
            screening: vec![],
            screened_with: vec![],
            documents: vec![],
            flags: vec![],
            denial_matches: vec![],
            catch_all: vec![],
            shipments: vec![],
            appeal_until: None,
            appeal: None,
            verified_documents: vec![],
            final_advice: None,
            countersignatures: vec![],
            countersigning: None,
            history: vec![],
            submitted_at: None,
            variation_of: variation.as_ref().map(|(o, _)| o.clone()),
            superseded_by: None,
        };
        let mut tx = self.store.begin().await?;
        // The prefix's own counter (locked until commit), not the global lock; never a deleted draft's number.
        let n = tx.next_number(CASE, &prefix).await?;
        let (tags, search) = case_index(&body);
        let rec = Record {
            reference: Some(format!("{prefix}{n:06}")),
            tags,
            search,
            ..Record::new(
                new_id(),
                CASE,
                Some(org),
                CaseState::Draft.as_str(),
                body,
                t,
            )
        };
        tx.insert(&rec).await?;
        let (action, reason) = match &variation {
            Some((_, r)) => ("create-variation", Some(r.as_str())),
            None => ("create-application", None),
        };
        audit(
            &mut tx,
            who,
            action,
            CASE,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            reason,
        );
        tx.commit().await?;
        self.view_for(who, rec)
    }

    /// The cases the caller may see that match `f`, one page at a time.
    pub async fn applications(
        &self,
        who: &Principal,
        f: &CaseFilter,
        page: &Page,
    ) -> AppResult<Paged<CaseView>> {
        let base = self.case_filter(f)?;
        let filter = who.list_filter(Kind::Case, base)?;
        let mut cases =
            page_of(&self.store, CASE, filter, page, |_: &Record<CaseBody>| true).await?;
        cases.items = crate::case_store::attach(&self.store, cases.items).await?;
        cases.try_map(|r| self.view_for(who, r))
    }

    /// The store filter for a checked [`CaseFilter`].
    fn case_filter(&self, f: &CaseFilter) -> AppResult<Filter> {
        fn given<'a>(field: &str, v: &'a Option<String>) -> AppResult<Option<&'a str>> {
            match v.as_deref().map(str::trim) {
                Some("") => Err(AppError::invalid(
                    field,
                    "must not be empty; leave the parameter out to not filter",
                )),
                other => Ok(other),
            }
        }
        let mut out = Filter::default();
        if let Some(s) = given("state", &f.state)? {
            let st = s
                .parse::<CaseState>()
                .map_err(|e| AppError::invalid("state", e))?;
            out.states.push(st.as_str().to_string());
        }
        if let Some(d) = given("destination", &f.destination)? {
            let c =
                domain::CountryCode::parse(d).map_err(|e| AppError::invalid("destination", e))?;
            out.tags.push(format!("dest:{}", c.as_str()));
        }
        if let Some(e) = given("control_entry", &f.control_entry)? {
            let code = self
                .policy_now()
                .control_entry(e)
                .map(|c| c.code.clone())
                .ok_or_else(|| {
                    AppError::invalid(
                        "control_entry",
                        format!("{e:?} is not an entry of the control list"),
                    )
                })?;
            out.tags.push(format!("entry:{code}"));
        }
        if let Some(l) = given("licence", &f.licence)? {
            let k = l
                .parse::<LicenceKind>()
                .map_err(|e| AppError::invalid("licence", e))?;
            out.tags.push(format!("licence:{}", k.as_str()));
        }
        if let Some(o) = given("org", &f.org)? {
            out.org_id = Some(crate::text("org", o, 100)?);
        }
        if let Some(r) = given("reference", &f.reference)? {
            out.reference = Some(crate::text("reference", r, 100)?);
        }
        if let Some(p) = given("party", &f.party)? {
            out.text = Some(crate::text("party", p, 200)?.to_lowercase());
        }
        Ok(out)
    }

    /// One case as the caller may see it.
    pub async fn application(&self, who: &Principal, id: &str) -> AppResult<CaseView> {
        self.view_for(who, self.case_record(who, id).await?)
    }

    /// A stored case the caller may read (NotFound otherwise, like a missing one).
    pub(crate) async fn case_record(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Record<CaseBody>> {
        // Exporters' and advisers' views never show screening (tipping-off): their reads skip the hits query.
        // A change of a case read here reads its hits in the change's transaction (`change_read_case`), or
        // re-reads the case with them under its row lock (`change_case`), so no change is written without them.
        let r = if matches!(
            who.role,
            Role::Officer | Role::Auditor | Role::Admin | Role::PolicyAdmin
        ) {
            crate::case_store::get(&self.store, id).await
        } else {
            crate::case_store::get_without_hits(&self.store, id).await
        }
        .map_err(not_found("application"))?;
        who.visible(Kind::Case, r)
    }

    /// The one place that changes a case: visibility, expected version, the transition table (when `action` is
    /// given; the actor is derived from the caller's role, never passed in), the change itself, history and
    /// audit, in one transaction. Returns the caller's view of the changed case.
    #[expect(
        clippy::too_many_arguments,
        reason = "one place for every case change; the arguments are its audit record"
    )]
    pub(crate) async fn change_case<F>(
        &self,
        who: &Principal,
        id: &str,
        expected_version: Option<i64>,
        action: Option<CaseAction>,
        audit_action: &str,
        reason: Option<&str>,
        change: F,
    ) -> AppResult<CaseView>
    where
        F: FnOnce(&mut Record<CaseBody>) -> AppResult<()>,
    {
        let mut tx = self.store.begin().await?;
        // The case's own row lock: changes to one case wait for each other, other writers do not wait.
        let before = crate::case_store::tx_get_for_update(&mut tx, id)
            .await
            .map_err(not_found("application"))?;
        // Boxed: the change's future is large, and a use case awaiting it inline can overflow a small stack.
        Box::pin(self.apply_change(
            tx,
            who,
            before,
            expected_version,
            action,
            audit_action,
            reason,
            change,
        ))
        .await
    }

    /// [`App::change_case`] of a case the caller has just read (`read`, by [`App::case_record`]), for a use
    /// case that had to read it first anyway (a submission determines and screens the case it read): the case
    /// is not read again. Its row is not locked before the write; the write itself is conditional on the
    /// version read, so a change made in between by anyone else makes this one a conflict (409) rather than
    /// overwriting it, exactly as a changed version found under the lock would. The hits are read in the
    /// change's transaction (a reader that skips them, an exporter, may still change a case that has them).
    #[expect(
        clippy::too_many_arguments,
        reason = "change_case's arguments, with the case already read"
    )]
    pub(crate) async fn change_read_case<F>(
        &self,
        who: &Principal,
        mut read: Record<CaseBody>,
        expected_version: Option<i64>,
        action: Option<CaseAction>,
        audit_action: &str,
        reason: Option<&str>,
        change: F,
    ) -> AppResult<CaseView>
    where
        F: FnOnce(&mut Record<CaseBody>) -> AppResult<()>,
    {
        let mut tx = self.store.begin().await?;
        read.body.screening = crate::case_store::tx_hits_of(&mut tx, &read).await?;
        // Boxed: the change's future is large, and a use case awaiting it inline can overflow a small stack.
        Box::pin(self.apply_change(
            tx,
            who,
            read,
            expected_version,
            action,
            audit_action,
            reason,
            change,
        ))
        .await
    }

    /// The rest of [`App::change_case`], on the case as read in `tx` (`before`).
    #[expect(
        clippy::too_many_arguments,
        reason = "change_case's arguments, with its transaction and the case read"
    )]
    async fn apply_change<F>(
        &self,
        mut tx: store::Tx,
        who: &Principal,
        before: Record<CaseBody>,
        expected_version: Option<i64>,
        action: Option<CaseAction>,
        audit_action: &str,
        reason: Option<&str>,
        change: F,
    ) -> AppResult<CaseView>
    where
        F: FnOnce(&mut Record<CaseBody>) -> AppResult<()>,
    {
        let id = before.id.clone();
        let id = id.as_str();
        // Customs record shipments against any licence without reading its case (`app::shipments`).
        let before =
            if who.role == Role::Customs && audit_action == crate::shipments::RECORD_SHIPMENT {
                before
            } else {
                who.visible(Kind::Case, before)?
            };
        // Only the assigned officer acts on a case; another officer re-assigns it first (audited).
        if who.role == Role::Officer
            && audit_action != "assign-case"
            && audit_action != crate::moratorium::SUSPEND_UNDER_MORATORIUM
            && audit_action != crate::appeals::DECIDE_APPEAL
            && audit_action != crate::final_advice::COUNTERSIGN
            && audit_action != crate::final_advice::RETURN
        {
            if let Some(a) = before.assigned_to.as_deref().filter(|a| *a != who.user_id) {
                let name = match tx.user_by_id(a).await {
                    Ok(u) => u.username,
                    Err(store::StoreError::NotFound) => a.to_string(),
                    Err(e) => return Err(e.into()),
                };
                return Err(AppError::Forbidden(format!(
                    "the case is assigned to {name}; only the assigned officer acts on it (re-assign it to yourself first)"
                )));
            }
        }
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(AppError::Conflict(format!(
                    "the application is at version {} (state {}), not {v}; reload and retry",
                    before.version, before.state
                )));
            }
        }
        let mut after = before.clone();
        let current: CaseState = before.state.parse().map_err(AppError::Internal)?;
        if let Some(a) = action {
            // Exhaustion is not anyone's request: the service takes that edge when a shipment recorded by an
            // exporter or by customs uses a limit up (`app::shipments`), in the shipment's transaction.
            let actor = if a == CaseAction::Exhaust {
                Some(domain::Actor::System)
            } else if a == CaseAction::ReturnFinalAdvice
                && matches!(who.role, Role::Officer | Role::Adviser)
            {
                Some(domain::Actor::Countersigner)
            } else {
                who.actor()
            };
            let actor = actor.ok_or_else(|| {
                AppError::Forbidden(format!(
                    "a user with role {} may not {} a case",
                    who.role,
                    a.as_str()
                ))
            })?;
            let next = transition(current, a, actor).map_err(|e| match e {
                domain::TransitionError::IllegalFromState { action, current } => {
                    AppError::InvalidTransition {
                        action: action.into(),
                        current,
                    }
                }
                domain::TransitionError::NotPermitted { action, .. } => {
                    AppError::Forbidden(format!("a {} may not {action} a case", who.role))
                }
            })?;
            after.state = next.as_str().into();
            after.body.history.push(StateChange {
                at: now(),
                from: current,
                to: next,
                by: who.user_id.clone(),
                by_username: Some(who.username.clone()),
                reason: reason.map(str::to_string),
            });
        }
        change(&mut after)?;
        if let Some(a) = action {
            self.decision_fact(&mut tx, a, current, &after).await?;
        }
        if action.is_none() && after.body == before.body && after.assigned_to == before.assigned_to
        {
            // A no-op (e.g. advice of a kind already requested) changes nothing: no new version, no audit event.
            tx.rollback().await?;
            return self.view_for(who, before);
        }
        after.version = before.version + 1;
        after.updated_at = now();
        (after.tags, after.search) = case_index(&after.body);
        tx.update_due(&after, self.due_on(&after.state, &after.body).as_deref())
            .await?;
        let hits = crate::case_store::write_hits(
            &mut tx,
            &after.id,
            &before.body.screening,
            &after.body.screening,
        )
        .await?;
        if let Some(a) = action {
            self.sync_licence(&mut tx, who, a, &after, reason).await?;
            self.outgoing_denials(&mut tx, who, a, &after, reason)
                .await?;
            self.monitoring_after_change(&mut tx, who, a, &after)
                .await?;
            if a == CaseAction::Issue {
                if let Some(original) = after.body.variation_of.clone() {
                    self.supersede(&mut tx, who, &original, &after).await?;
                }
            }
        }
        self.notify_case_change(&mut tx, who, audit_action, action, &before, &after)
            .await?;
        audit(
            &mut tx,
            who,
            audit_action,
            CASE,
            id,
            Some(&serde_json::json!({"state": before.state, "version": before.version})),
            // The hits the change found or decided, which are not part of the body.
            Some(&if hits.is_empty() {
                serde_json::json!({"state": after.state, "version": after.version, "body": after.body})
            } else {
                serde_json::json!({"state": after.state, "version": after.version, "body": after.body, "screening": hits})
            }),
            reason,
        );
        tx.commit().await?;
        self.view_for(who, after)
    }

    /// The original licence of variation `variation`, just issued, is superseded: the original case moves
    /// `issued -> superseded` (the service's edge) with its licence record, in the variation's transaction,
    /// with the original's own audit event. 409 when the original is no longer issued (suspended, revoked,
    /// already superseded...): the variation cannot be issued over it.
    async fn supersede(
        &self,
        tx: &mut store::Tx,
        who: &Principal,
        original: &str,
        variation: &Record<CaseBody>,
    ) -> AppResult<()> {
        let before = crate::case_store::tx_get(tx, original)
            .await
            .map_err(not_found("application"))?;
        let current: CaseState = before.state.parse().map_err(AppError::Internal)?;
        let next = transition(current, CaseAction::Supersede, domain::Actor::System).map_err(
            |_| {
                AppError::Conflict(format!(
                    "the licence this variation varies is {current}, not issued: the variation cannot supersede it"
                ))
            },
        )?;
        let reference = variation.reference.clone().unwrap_or_default();
        let reason = format!("superseded by variation {reference}");
        let mut after = before.clone();
        after.state = next.as_str().into();
        after.body.superseded_by = Some(variation.id.clone());
        after.body.history.push(StateChange {
            at: now(),
            from: current,
            to: next,
            by: who.user_id.clone(),
            by_username: Some(who.username.clone()),
            reason: Some(reason.clone()),
        });
        after.version = before.version + 1;
        after.updated_at = now();
        (after.tags, after.search) = case_index(&after.body);
        tx.update_due(&after, None).await?;
        self.sync_licence(tx, who, CaseAction::Supersede, &after, Some(&reason))
            .await?;
        audit(
            tx,
            who,
            "supersede-licence",
            CASE,
            &after.id,
            Some(&serde_json::json!({"state": before.state, "version": before.version})),
            Some(
                &serde_json::json!({"state": after.state, "version": after.version, "body": after.body}),
            ),
            Some(&reason),
        );
        Ok(())
    }

    pub async fn submit_application(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.exporter_org("submit applications")?;
        self.submit_details(who, id, b, CaseAction::Submit).await
    }

    /// The exporter resubmits a case an officer returned for editing (`returned-for-editing ->
    /// under-review`): the details are validated, determined and screened again under the policy in force
    /// today, exactly as at submission; advice of a kind the new determinations require and the case has not
    /// had yet is requested.
    pub async fn resubmit_application(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.exporter_org("resubmit applications")?;
        self.submit_details(who, id, b, CaseAction::Resubmit).await
    }

    /// Submission and resubmission: validation, the marketing authorisation, determination and screening.
    async fn submit_details(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
        action: CaseAction,
    ) -> AppResult<CaseView> {
        let read = self.case_record(who, id).await?;
        let current = self.case_view(read.clone())?;
        let from = match action {
            CaseAction::Resubmit => CaseState::ReturnedForEditing,
            _ => CaseState::Draft,
        };
        if current.state != from {
            return Err(AppError::InvalidTransition {
                action: action.as_str().into(),
                current: current.state,
            });
        }
        // Re-validate: products may have changed since the draft was written.
        let draft = NewApplication {
            licence: current.body.licence,
            marketing: current.body.marketing.clone(),
            export: current.body.export.clone(),
        };
        // Each product is read once for the whole submission (validation, denial matching, determination).
        let mut products = Products::default();
        self.validate_application(who, &draft, &mut products)
            .await?;
        let denial_matches = self
            .denial_matches_for(&current.body, &mut products)
            .await?;
        // Standing catch-all notifications for this exporter, end user and destination join the case.
        let standing = self
            .standing_catch_alls(Some(current.org_id.as_str()), &current.body)
            .await?;
        let mut body = current.body.clone();
        body.catch_all.extend(standing.iter().cloned());
        let (dets, policy_version) = self
            .determine_case(&body, !denial_matches.is_empty(), &mut products)
            .await?;
        // The citation check applies only to controlled items (a product the policy in force finds not
        // controlled for this destination and end user is exported without a marketing authorisation) and
        // only where the item's regime has a marketing step (the determination says so; an item controlled
        // only as dual-use goes straight to an export licence). A citation given anyway is checked.
        if let Some(e) = &current.body.export {
            let marketing_step = |d: &CaseDetermination| {
                d.outcome != Outcome::NotControlled
                    && d.determination
                        .get("marketing_step")
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(true)
            };
            let cited = e
                .marketing_authorisation
                .as_deref()
                .is_some_and(|m| !m.trim().is_empty());
            if dets.iter().any(marketing_step) || cited {
                self.check_marketing_authorisation(who, e, &dets).await?;
            }
        }
        let mut required: BTreeSet<ReviewKind> = BTreeSet::new();
        let mut docs: BTreeSet<String> = BTreeSet::new();
        let mut target: Option<u32> = None;
        for d in &dets {
            if d.outcome == Outcome::LicenceRequired {
                let det: policy::Determination = serde_json::from_value(d.determination.clone())
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                required.extend(det.required_reviews);
                docs.extend(det.required_documents);
                target = target.max(det.target_working_days);
            }
        }
        let hits = self
            .screen_case_parties(Some(current.org_id.as_str()), &current.body)
            .await?;
        let at = now();
        let audit_action = match action {
            CaseAction::Resubmit => "resubmit-application",
            _ => "submit-application",
        };
        self.change_read_case(
            who,
            read,
            b.expected_version.or(Some(current.version)),
            Some(action),
            audit_action,
            None,
            move |r| {
                r.body.determinations = dets;
                r.body.policy_version = Some(policy_version);
                r.body.required_reviews = required.iter().copied().collect();
                r.body.required_documents = docs.into_iter().collect();
                r.body.target_working_days = target;
                if r.body.submitted_at.is_none() {
                    r.body.submitted_at = Some(at.clone());
                }
                r.body.denial_matches = denial_matches;
                r.body.catch_all.extend(standing);
                // A resubmission keeps the advice already requested or given; it asks only for new kinds.
                let asked: BTreeSet<ReviewKind> = r.body.advice.iter().map(|a| a.review).collect();
                for k in required.into_iter().filter(|k| !asked.contains(k)) {
                    r.body.advice.push(AdviceEntry {
                        review: k,
                        requested_by: "policy".into(),
                        requested_at: at.clone(),
                        advice: None,
                        advised_by: None,
                        advised_at: None,
                    });
                }
                if let Some((hits, versions)) = hits {
                    // On resubmission a hit already decided for the same party and list entry keeps its
                    // decision; hits of parties no longer on the case go (the audit log keeps them).
                    let old = std::mem::take(&mut r.body.screening);
                    r.body.screening = hits
                        .into_iter()
                        .map(|h| {
                            old.iter()
                                .find(|o| {
                                    o.party_role == h.party_role
                                        && o.party_name == h.party_name
                                        && o.list == h.list
                                        && o.source_id == h.source_id
                                })
                                .cloned()
                                .unwrap_or(h)
                        })
                        .collect();
                    r.body.screened_with = versions;
                }
                Ok(())
            },
        )
        .await
    }

    /// An export application of a controlled item must cite a marketing licence or exemption for the same
    /// product and destination (`dets`: the case's determinations under the policy in force today).
    async fn check_marketing_authorisation(
        &self,
        who: &Principal,
        e: &ExportDetails,
        dets: &[CaseDetermination],
    ) -> AppResult<()> {
        let field = "export.marketing_authorisation";
        let cited = e.marketing_authorisation.as_deref().map_or("", str::trim);
        if cited.is_empty() {
            let outcome = dets
                .iter()
                .find(|d| d.outcome != Outcome::NotControlled)
                .map_or("controlled", |d| d.outcome.as_str());
            return Err(AppError::invalid(
                field,
                format!(
                    "required: the policy in force finds product {} to {} {outcome} under a regime with a marketing step; cite the marketing licence or marketing-licence exemption covering it and this destination",
                    e.product, e.destination
                ),
            ));
        }
        let missing = || {
            AppError::invalid(
                field,
                format!(
                    "{cited:?} is neither a marketing licence nor a marketing-licence exemption of this organisation; an export licence application must cite a valid marketing licence or exemption covering the same product and destination"
                ),
            )
        };
        // Another organisation's licence or exemption answers exactly like a missing one: references are
        // sequential, and a different answer would let an exporter enumerate other companies' licences.
        // The marketing licence may be cited by its case reference or by its licence number ("L-" + reference).
        let ml = match crate::case_store::get_by_reference(&self.store, marketing_reference(cited))
            .await
        {
            Ok(ml) if ml.org_id == who.org_id => Some(ml),
            Ok(_) | Err(store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(ml) = ml {
            let covers = ml.body.licence == LicenceKind::Marketing
                && ml.state == CaseState::Issued.as_str()
                && ml.body.marketing.as_ref().is_some_and(|m| {
                    m.products.contains(&e.product) && m.destinations.contains(&e.destination)
                })
                && ml
                    .body
                    .licence_issued
                    .as_ref()
                    .and_then(|l| l.valid_until)
                    .is_none_or(|v| v >= self.today());
            return if covers {
                Ok(())
            } else {
                Err(AppError::invalid(
                    field,
                    format!(
                        "marketing licence {cited} is not a valid issued marketing licence of this organisation covering product {} and destination {}",
                        e.product, e.destination
                    ),
                ))
            };
        }
        if crate::record_id(field, cited).is_err() {
            return Err(missing());
        }
        match self.store.get::<Exemption>(EXEMPTION, cited).await {
            Ok(x) if x.org_id.as_deref() != who.org_id.as_deref() => Err(missing()),
            Ok(x)
                if x.body.product == e.product && x.body.destination == e.destination.as_str() =>
            {
                // Granted, within its validity, and still exempt under the policy in force today.
                match self
                    .exemption_citation_refused(&x.body, &e.destination, e.end_user.end_user_type)
                    .await?
                {
                    None => Ok(()),
                    Some(why) => Err(AppError::invalid(field, why)),
                }
            }
            Ok(_) => Err(AppError::invalid(
                field,
                format!(
                    "exemption {cited} does not cover product {} and destination {}",
                    e.product, e.destination
                ),
            )),
            Err(store::StoreError::NotFound) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }

    /// Evaluates policy for every (product, destination, end-user type) of a case as of today.
    pub(crate) async fn determine_case(
        &self,
        body: &CaseBody,
        denial_match: bool,
        products: &mut Products,
    ) -> AppResult<(Vec<CaseDetermination>, String)> {
        let mut combos: Vec<(String, domain::CountryCode, domain::EndUserType)> = Vec::new();
        match (&body.marketing, &body.export) {
            (Some(m), _) => {
                let types: BTreeSet<domain::EndUserType> =
                    m.end_users.iter().map(|u| u.end_user_type).collect();
                for p in &m.products {
                    for d in &m.destinations {
                        for t in &types {
                            combos.push((p.clone(), d.clone(), *t));
                        }
                    }
                }
            }
            (None, Some(e)) => combos.push((
                e.product.clone(),
                e.destination.clone(),
                e.end_user.end_user_type,
            )),
            (None, None) => return Err(AppError::Internal("case without details".into())),
        }
        let as_of = self.today();
        let set = self.policy_on(as_of);
        let mut out = Vec::new();
        // The end users (and consignee) whom recorded evidence of misuse may concern (`monitoring::evidence`).
        let names: Vec<String> = match (&body.marketing, &body.export) {
            (Some(m), _) => m.end_users.iter().map(|u| u.name.clone()).collect(),
            (None, Some(e)) => vec![e.end_user.name.clone(), e.consignee.name.clone()],
            (None, None) => vec![],
        };
        let mut misuse: BTreeMap<String, bool> = BTreeMap::new();
        for (p, d, t) in combos {
            let evidence_of_misuse = match misuse.get(d.as_str()) {
                Some(b) => *b,
                None => {
                    let b = self.evidence_of_misuse(d.as_str(), &names).await?;
                    misuse.insert(d.to_string(), b);
                    b
                }
            };
            let product = products
                .fetch(&self.store, &p)
                .await
                .map_err(not_found("product"))?;
            let class = product.body.classification.ok_or_else(|| {
                AppError::invalid("products", format!("product {p} is not classified"))
            })?;
            let req = policy::Request {
                as_of,
                licence: body.licence,
                control_entries: class.control_entries,
                security_grade: class.security_grade,
                destination: d.clone(),
                end_user_type: t,
                catch_all_notified: class.legacy_catch_all || crate::catch_all::applies(body, &d),
                denial_match,
                evidence_of_misuse,
            };
            let start = std::time::Instant::now();
            let det = policy::evaluate(&req, &set);
            crate::metrics::policy(start);
            let det = det.map_err(|e| AppError::invalid("application", e.to_string()))?;
            out.push(CaseDetermination {
                request: serde_json::to_value(&req)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
                product: p,
                destination: d.to_string(),
                end_user_type: t,
                outcome: det.outcome,
                determination: serde_json::to_value(&det)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            });
        }
        Ok((out, set.version().to_string()))
    }

    pub async fn withdraw_application(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.exporter_org("withdraw applications")?;
        let reason = b
            .reason
            .as_deref()
            .map(|r| text("reason", r, 2000))
            .transpose()?;
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Withdraw),
            "withdraw-application",
            reason.as_deref(),
            |_| Ok(()),
        )
        .await
    }

    /// An officer returns a case under review to the exporter for editing (`under-review ->
    /// returned-for-editing`), with the reason; the processing clock stops until the exporter resubmits it.
    pub async fn return_for_editing(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "return applications for editing")?;
        let reason = match b.reason.as_deref() {
            Some(r) => text("reason", r, 5000)?,
            None => {
                return Err(AppError::invalid(
                    "reason",
                    "say what the exporter should change",
                ))
            }
        };
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::ReturnForEditing),
            "return-for-editing",
            Some(&reason),
            |_| Ok(()),
        )
        .await
    }

    /// An exporter changes its draft, or a case returned to it for editing: the new details replace the old;
    /// the licence kind stays. Only these change this way (a case under review changes through information
    /// requests and answers).
    pub async fn update_draft(
        &self,
        who: &Principal,
        id: &str,
        b: DraftChange,
    ) -> AppResult<CaseView> {
        who.exporter_org("change applications")?;
        let current = self.case_record(who, id).await?;
        editable(&current.state)?;
        let a = NewApplication {
            licence: current.body.licence,
            marketing: b.marketing,
            export: b.export,
        };
        let mut products = Products::default();
        self.validate_application(who, &a, &mut products).await?;
        let mut changed = current.body.clone();
        changed.marketing = a.marketing.clone();
        changed.export = a.export.clone();
        let denial_matches = self.denial_matches_for(&changed, &mut products).await?;
        self.change_case(
            who,
            id,
            b.expected_version.or(Some(current.version)),
            None,
            "update-application",
            None,
            move |r| {
                editable(&r.state)?;
                r.body.marketing = a.marketing;
                r.body.export = a.export;
                r.body.denial_matches = denial_matches;
                Ok(())
            },
        )
        .await
    }

    /// An exporter deletes its draft. The audit log keeps what it held.
    pub async fn delete_draft(&self, who: &Principal, id: &str, b: ActionBody) -> AppResult<()> {
        who.exporter_org("delete applications")?;
        let mut tx = self.store.begin().await?;
        // The case's own row lock: changes to one case wait for each other, other writers do not wait.
        let before = crate::case_store::tx_get_for_update(&mut tx, id)
            .await
            .map_err(not_found("application"))?;
        let before = who.visible(Kind::Case, before)?;
        draft_only(&before.state, "deleted")?;
        if let Some(v) = b.expected_version.filter(|v| *v != before.version) {
            return Err(AppError::Conflict(format!(
                "the application is at version {}, not {v}; read it again",
                before.version
            )));
        }
        let reason = b
            .reason
            .as_deref()
            .map(|r| text("reason", r, 2000))
            .transpose()?;
        tx.delete(CASE, id, before.version).await?;
        audit(
            &mut tx,
            who,
            "delete-application",
            CASE,
            id,
            Some(&before.body),
            None::<&()>,
            reason.as_deref(),
        );
        tx.commit().await?;
        Ok(())
    }

    /// Assigns a case to an officer; a submitted case moves under review.
    pub async fn assign(&self, who: &Principal, id: &str, b: AssignBody) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "assign cases")?;
        let officer = match b.officer_id {
            Some(o) => {
                crate::record_id("officer_id", &o)?;
                let u = self.store.user_by_id(&o).await.map_err(|e| match e {
                    store::StoreError::NotFound => {
                        AppError::invalid("officer_id", format!("no user {o:?}"))
                    }
                    other => other.into(),
                })?;
                if u.role != Role::Officer.as_str() {
                    return Err(AppError::invalid(
                        "officer_id",
                        "is not a licensing officer",
                    ));
                }
                o
            }
            None => who.user_id.clone(),
        };
        let current = self.case_view(self.case_record(who, id).await?)?;
        let action = match current.state {
            CaseState::Submitted => Some(CaseAction::StartReview),
            s if s.is_open() => None,
            s => {
                return Err(AppError::InvalidTransition {
                    action: "assign".into(),
                    current: s,
                })
            }
        };
        self.change_case(
            who,
            id,
            b.expected_version.or(Some(current.version)),
            action,
            "assign-case",
            None,
            move |r| {
                r.assigned_to = Some(officer);
                Ok(())
            },
        )
        .await
    }

    pub async fn request_information(
        &self,
        who: &Principal,
        id: &str,
        b: InfoRequestBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "request information")?;
        let q = text("question", &b.question, 5000)?;
        let by = who.user_id.clone();
        let due_on = self.information_deadline(self.today());
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::RequestInformation),
            "request-information",
            Some(&q.clone()),
            move |r| {
                r.body.info_requests.push(InfoRequest {
                    question: q,
                    asked_by: by,
                    asked_at: now(),
                    answer: None,
                    answered_at: None,
                    due_on,
                });
                Ok(())
            },
        )
        .await
    }

    /// The last day to answer an information request made on `day`: the policy's working days after it.
    pub(crate) fn information_deadline(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.policy_on(day).deadlines().map(|d| {
            self.calendar()
                .add_working_days(day, d.information_response_working_days)
        })
    }

    /// The officer closes a case whose information request went unanswered past its deadline (`lapsed`).
    /// Refused (409, naming the deadline) while the deadline has not passed or when the request has none.
    pub async fn lapse_case(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "close cases as lapsed")?;
        let reason = b
            .reason
            .as_deref()
            .map(|r| text("reason", r, 2000))
            .transpose()?;
        let today = self.today();
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Lapse),
            "lapse-case",
            Some(
                reason
                    .as_deref()
                    .unwrap_or("the information request was not answered in time"),
            ),
            move |r| {
                let open = r
                    .body
                    .info_requests
                    .iter()
                    .rev()
                    .find(|q| q.answer.is_none());
                match open.and_then(|q| q.due_on) {
                    None => Err(AppError::Conflict(
                        "the open information request has no deadline, so the case cannot lapse"
                            .into(),
                    )),
                    Some(due) if today <= due => Err(AppError::Conflict(format!(
                        "the exporter may answer until {due}; the case can lapse from {} on",
                        due.succ_opt().unwrap_or(due)
                    ))),
                    Some(_) => Ok(()),
                }
            },
        )
        .await
    }

    pub async fn respond(&self, who: &Principal, id: &str, b: RespondBody) -> AppResult<CaseView> {
        who.exporter_org("answer information requests")?;
        let answer = text("answer", &b.answer, 10000)?;
        crate::bounded_unique("documents", &b.documents, 50)?;
        for (i, d) in b.documents.iter().enumerate() {
            text(&format!("documents[{i}].kind"), &d.kind, 100)?;
            text(&format!("documents[{i}].name"), &d.name, 300)?;
            crate::sha256_hex(&format!("documents[{i}].sha256"), d.sha256.as_deref())?;
        }
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Respond),
            "respond-to-request",
            None,
            move |r| {
                if let Some(q) = r
                    .body
                    .info_requests
                    .iter_mut()
                    .rev()
                    .find(|q| q.answer.is_none())
                {
                    q.answer = Some(answer);
                    q.answered_at = Some(now());
                }
                match r.body.export.as_mut() {
                    Some(e) => e.documents.extend(b.documents),
                    None => r.body.documents.extend(b.documents),
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn request_advice(
        &self,
        who: &Principal,
        id: &str,
        b: AdviceRequestBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "request advice")?;
        if b.reviews.is_empty() {
            return Err(AppError::invalid("reviews", "name at least one review"));
        }
        crate::bounded_unique("reviews", &b.reviews, domain::ReviewKind::ALL.len())?;
        let by = who.user_id.clone();
        self.change_case(
            who,
            id,
            b.expected_version,
            None,
            "request-advice",
            None,
            move |r| {
                let state: CaseState = r.state.parse().map_err(AppError::Internal)?;
                if !state.takes_advice() {
                    return Err(AppError::InvalidTransition {
                        action: "request-advice".into(),
                        current: state,
                    });
                }
                for k in b.reviews {
                    if !r
                        .body
                        .advice
                        .iter()
                        .any(|a| a.review == k && a.advice.is_none())
                    {
                        r.body.advice.push(AdviceEntry {
                            review: k,
                            requested_by: by.clone(),
                            requested_at: now(),
                            advice: None,
                            advised_by: None,
                            advised_at: None,
                        });
                    }
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn give_advice(
        &self,
        who: &Principal,
        id: &str,
        a: NewAdvice,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Adviser], "give advice")?;
        let kind = who
            .review_kind
            .ok_or_else(|| AppError::Forbidden("adviser without a review kind".into()))?;
        text("text", &a.text, 20000)?;
        crate::bounded_unique("conditions", &a.conditions, 50)?;
        crate::bounded_unique("criteria", &a.criteria, 20)?;
        crate::bounded_unique(
            "checklist",
            &a.checklist.iter().map(|c| c.item).collect::<Vec<_>>(),
            domain::DueDiligenceItem::ALL.len(),
        )?;
        crate::bounded_unique("red_flags", &a.red_flags, 20)?;
        let today = self.today();
        let set = self.policy_on(today);
        let words = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        in_vocabulary(
            &set,
            today,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &words(&a.criteria.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        )?;
        in_vocabulary(
            &set,
            today,
            "red_flags",
            VocabularyKind::RedFlag,
            &words(&a.red_flags.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        )?;
        in_vocabulary(
            &set,
            today,
            "checklist",
            VocabularyKind::DueDiligenceItem,
            &words(
                &a.checklist
                    .iter()
                    .map(|c| c.item.as_str())
                    .collect::<Vec<_>>(),
            ),
        )?;
        for (i, c) in a.conditions.iter().enumerate() {
            text(&format!("conditions[{i}]"), c, 2000)?;
        }
        if a.recommendation == domain::AdviceRecommendation::Refuse && a.criteria.is_empty() {
            return Err(AppError::invalid(
                "criteria",
                "advice to refuse must cite at least one refusal criterion",
            ));
        }
        if a.recommendation == domain::AdviceRecommendation::ApproveWithConditions
            && a.conditions.is_empty()
        {
            return Err(AppError::invalid(
                "conditions",
                "advice to approve with conditions must state the conditions",
            ));
        }
        crate::advice::validate_entities(&a.entities)?;
        for (i, e) in a.entities.iter().enumerate() {
            in_vocabulary(
                &set,
                today,
                &format!("entities[{i}].criteria"),
                VocabularyKind::RefusalCriterion,
                &words(&e.criteria.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            )?;
        }
        if kind == ReviewKind::HumanRights {
            for item in domain::DueDiligenceItem::ALL.iter().filter(|item| {
                set.vocabulary_allows(VocabularyKind::DueDiligenceItem, item.as_str(), today)
            }) {
                let answers = a.checklist.iter().filter(|c| c.item == *item).count();
                if answers != 1 {
                    return Err(AppError::invalid(
                        "checklist",
                        format!(
                            "human-rights advice must answer checklist item {item} exactly once"
                        ),
                    ));
                }
            }
            for (i, c) in a.checklist.iter().enumerate() {
                text(&format!("checklist[{i}].answer"), &c.answer, 5000)?;
            }
        } else if !a.checklist.is_empty() || !a.red_flags.is_empty() {
            return Err(AppError::invalid(
                "checklist",
                "only human-rights advice carries the due-diligence checklist and red flags",
            ));
        }
        let by = who.user_id.clone();
        self.change_case(who, id, None, None, "give-advice", None, move |r| {
            let state: CaseState = r.state.parse().map_err(AppError::Internal)?;
            if !state.takes_advice() {
                return Err(AppError::InvalidTransition {
                    action: "advise on".into(),
                    current: state,
                });
            }
            crate::advice::targets_on_case(&r.body, &a.entities)?;
            let entry = r
                .body
                .advice
                .iter_mut()
                .find(|e| e.review == kind && e.advice.is_none())
                .ok_or_else(|| {
                    AppError::Conflict(format!("no open request for {kind} advice on this case"))
                })?;
            entry.advice = Some(a);
            entry.advised_by = Some(by);
            entry.advised_at = Some(now());
            Ok(())
        })
        .await
    }

    pub async fn approve(&self, who: &Principal, id: &str, b: ApproveBody) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "approve applications")?;
        let reason = text("reason", &b.reason, 5000)?;
        crate::bounded_unique("conditions", &b.conditions, 50)?;
        for (i, c) in b.conditions.iter().enumerate() {
            validate_condition(&format!("conditions[{i}]"), c, self.today())?;
        }
        let by = who.user_id.clone();
        let r2 = reason.clone();
        let required = self.config.required_lists.clone();
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Approve),
            "approve-application",
            Some(&reason),
            move |r| {
                approval_blockers(&r.body)?;
                screening_complete(&required, &r.body)?;
                let (conditions, parts) = match r.body.history.last().map(|h| h.from) {
                    Some(CaseState::Countersigning) => {
                        let advice =
                            decided_as_advised(&r.body, crate::final_advice::FinalOutcome::Approve)?;
                        if !b.conditions.is_empty() && b.conditions != advice.conditions {
                            return Err(AppError::invalid(
                                "conditions",
                                "the approval carries the countersigned final advice's conditions; to change \
                                 them a countersigner returns the advice for editing",
                            ));
                        }
                        let parts = (!advice.entities.is_empty())
                            .then(|| crate::partial::resolve(&r.body, advice));
                        (advice.conditions.clone(), parts)
                    }
                    _ => {
                        needs_no_countersigning(&self.countersigning_required(&r.body)?)?;
                        (b.conditions, None)
                    }
                };
                r.body.decision = Some(Decision {
                    approved: true,
                    reason: r2,
                    criteria: parts
                        .as_ref()
                        .map(crate::partial::DecisionParts::criteria)
                        .unwrap_or_default(),
                    conditions,
                    decided_by: by,
                    decided_at: now(),
                    parts,
                });
                Ok(())
            },
        )
        .await
    }

    pub async fn refuse(&self, who: &Principal, id: &str, b: RefuseBody) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "refuse applications")?;
        let reason = text("reason", &b.reason, 5000)?;
        // From countersigning the refusal cites the countersigned final advice's criteria.
        let advised = self.case_record(who, id).await?.state == CaseState::Countersigning.as_str();
        if b.criteria.is_empty() && !advised {
            return Err(AppError::invalid(
                "criteria",
                "a refusal cites at least one refusal criterion",
            ));
        }
        crate::bounded_unique("criteria", &b.criteria, 20)?;
        let today = self.today();
        let cited: Vec<String> = b.criteria.iter().map(|c| c.as_str().to_string()).collect();
        in_vocabulary(
            &self.policy_on(today),
            today,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &cited,
        )?;
        let by = who.user_id.clone();
        let r2 = reason.clone();
        // The refusal opens the appeal window (the policy's calendar days).
        let appeal_until = self.policy_on(today).deadlines().and_then(|d| {
            today.checked_add_days(chrono::Days::new(u64::from(d.appeal_calendar_days)))
        });
        let view = self
            .change_case(
                who,
                id,
                b.expected_version,
                Some(CaseAction::Refuse),
                "refuse-application",
                Some(&reason),
                move |r| {
                    missing_advice(&r.body)?;
                    open_hits(&r.body)?;
                    let (criteria, parts) = match r.body.history.last().map(|h| h.from) {
                        Some(CaseState::Countersigning) => {
                            let advice = decided_as_advised(
                                &r.body,
                                crate::final_advice::FinalOutcome::Refuse,
                            )?;
                            let (criteria, parts) = if advice.entities.is_empty() {
                                (advice.criteria.clone(), None)
                            } else {
                                let parts = crate::partial::resolve(&r.body, advice);
                                (parts.criteria(), Some(parts))
                            };
                            if !b.criteria.is_empty() && b.criteria != criteria {
                                return Err(AppError::invalid(
                                    "criteria",
                                    "the refusal cites the countersigned final advice's criteria; to change \
                                     them a countersigner returns the advice for editing",
                                ));
                            }
                            (criteria, parts)
                        }
                        _ => {
                            needs_no_countersigning(&self.countersigning_required(&r.body)?)?;
                            (b.criteria, None)
                        }
                    };
                    r.body.appeal_until = appeal_until;
                    r.body.decision = Some(Decision {
                        approved: false,
                        reason: r2,
                        criteria,
                        conditions: vec![],
                        decided_by: by,
                        decided_at: now(),
                        parts,
                    });
                    Ok(())
                },
            )
            .await?;
        // The refusal added denials of this authority to the register.
        self.register_changed().await?;
        Ok(view)
    }

    pub async fn issue(&self, who: &Principal, id: &str, b: ActionBody) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "issue licences")?;
        // An export licence lives no longer than the marketing licence it relies on, and is not issued while
        // that licence is not in force.
        let case = self.case_record(who, id).await?;
        let mut cap: Option<NaiveDate> = None;
        if let Some(ml) = self.cited_marketing_licence(&case).await? {
            let ml_ref = ml.reference.clone().unwrap_or_default();
            if ml.state != CaseState::Issued.as_str() {
                return Err(AppError::Conflict(format!(
                    "the marketing licence {ml_ref} this export licence relies on is {}; the export licence cannot be issued",
                    ml.state
                )));
            }
            cap = ml.body.licence_issued.as_ref().and_then(|l| l.valid_until);
        }
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Issue),
            "issue-licence",
            None,
            |r| {
                let valid_until = r
                    .body
                    .decision
                    .as_ref()
                    .and_then(|d| {
                        d.conditions.iter().find_map(|c| match c {
                            Condition::ValidUntil { date } => Some(*date),
                            _ => None,
                        })
                    })
                    .or_else(|| self.today().checked_add_months(chrono::Months::new(24)));
                let valid_until = match (valid_until, cap) {
                    (Some(v), Some(c)) => Some(v.min(c)),
                    (v, c) => v.or(c),
                };
                let on_appeal = r
                    .body
                    .appeal
                    .as_ref()
                    .is_some_and(|a| a.outcome == Some(AppealOutcome::Overturned));
                r.body.licence_issued = Some(IssuedLicence {
                    number: format!("L-{}", r.reference.clone().unwrap_or_default()),
                    issued_at: now(),
                    valid_until,
                    on_appeal,
                });
                Ok(())
            },
        )
        .await
    }

    /// Suspend, reinstate, revoke or annul an issued licence (with a reason). Suspending, revoking or annulling
    /// a marketing licence flags every export licence that relies on it for the officers (queue `flagged`).
    pub async fn change_licence(
        &self,
        who: &Principal,
        id: &str,
        action: CaseAction,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.require(
            &[Role::Officer],
            "suspend, reinstate, revoke or annul licences",
        )?;
        let reason = text("reason", b.reason.as_deref().unwrap_or(""), 5000)?;
        let view = self
            .change_case(
                who,
                id,
                b.expected_version,
                Some(action),
                &format!("{}-licence", action.as_str()),
                Some(&reason),
                |_| Ok(()),
            )
            .await?;
        if matches!(
            action,
            CaseAction::Suspend | CaseAction::Revoke | CaseAction::Annul
        ) {
            self.flag_dependent_export_licences(id, action, &reason)
                .await?;
        }
        // Suspension, revocation, annulment and reinstatement add or end denials of this authority.
        self.register_changed().await?;
        Ok(view)
    }

    /// The holder gives its issued licence back (it no longer needs it): the licence is no longer valid from
    /// now on, for customs and for verification alike. The reason is optional; the officers are told.
    pub async fn surrender_licence(
        &self,
        who: &Principal,
        id: &str,
        b: ActionBody,
    ) -> AppResult<CaseView> {
        who.exporter_org("surrender licences")?;
        let reason = b
            .reason
            .as_deref()
            .map(|r| text("reason", r, 2000))
            .transpose()?;
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Surrender),
            "surrender-licence",
            reason.as_deref(),
            |_| Ok(()),
        )
        .await
    }

    /// The issued marketing licence an export case cites, if it cites one (not an exemption).
    async fn cited_marketing_licence(
        &self,
        case: &Record<CaseBody>,
    ) -> AppResult<Option<Record<CaseBody>>> {
        let Some(cited) = case
            .body
            .export
            .as_ref()
            .and_then(|e| e.marketing_authorisation.as_deref())
        else {
            return Ok(None);
        };
        match crate::case_store::get_by_reference(&self.store, marketing_reference(cited)).await {
            Ok(ml) if ml.org_id == case.org_id && ml.body.licence == LicenceKind::Marketing => {
                Ok(Some(ml))
            }
            Ok(_) | Err(store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Flags the issued (or suspended) export licences that rely on marketing licence `ml_id`.
    async fn flag_dependent_export_licences(
        &self,
        ml_id: &str,
        action: CaseAction,
        reason: &str,
    ) -> AppResult<usize> {
        let sys = Principal::system();
        let ml = crate::case_store::get(&self.store, ml_id).await?;
        if ml.body.licence != LicenceKind::Marketing {
            return Ok(0);
        }
        let ml_ref = ml.reference.clone().unwrap_or_default();
        let dependents = crate::case_store::list(
            &self.store,
            &Filter {
                org_id: ml.org_id.clone(),
                states: vec![
                    CaseState::Approved.as_str().into(),
                    CaseState::Issued.as_str().into(),
                    CaseState::Suspended.as_str().into(),
                ],
                ..Default::default()
            },
        )
        .await?;
        let mut n = 0;
        for d in dependents {
            let cites = d
                .body
                .export
                .as_ref()
                .and_then(|e| e.marketing_authorisation.as_deref())
                .is_some_and(|m| marketing_reference(m) == ml_ref);
            if !cites {
                continue;
            }
            let flag = CaseFlag {
                at: now(),
                kind: format!("marketing-authorisation-{}", action.as_str()),
                message: format!(
                    "the marketing licence {ml_ref} this licence relies on was {}: {reason}",
                    match action {
                        CaseAction::Suspend => "suspended",
                        CaseAction::Annul => "annulled",
                        _ => "revoked",
                    }
                ),
            };
            self.change_case(
                &sys,
                &d.id,
                None,
                None,
                "flag-case",
                Some(&flag.message.clone()),
                move |r| {
                    r.body.flags.push(flag);
                    Ok(())
                },
            )
            .await?;
            n += 1;
        }
        Ok(n)
    }

    /// Expires issued and suspended licences whose validity ended before `today` (run by the service daily).
    pub async fn expire_due(&self, today: NaiveDate) -> AppResult<usize> {
        let sys = Principal::system();
        let issued = crate::case_store::list(
            &self.store,
            &Filter {
                states: vec![
                    CaseState::Issued.as_str().into(),
                    CaseState::Suspended.as_str().into(),
                ],
                ..Default::default()
            },
        )
        .await?;
        let mut n = 0;
        let mut ended_suspension = false;
        for r in issued {
            let due = r
                .body
                .licence_issued
                .as_ref()
                .and_then(|l| l.valid_until)
                .is_some_and(|v| v < today);
            if due {
                self.change_case(
                    &sys,
                    &r.id,
                    Some(r.version),
                    Some(CaseAction::Expire),
                    "expire-licence",
                    Some("validity ended"),
                    |_| Ok(()),
                )
                .await?;
                n += 1;
                ended_suspension |= r.state == CaseState::Suspended.as_str();
            }
        }
        if ended_suspension {
            // The expiry ended suspension denials of this authority.
            self.register_changed().await?;
        }
        Ok(n)
    }

    /// The store filter of work queue `name` for `who` (states, assignment, the adviser's own review kind);
    /// [`App::queue_store_filter`] adds the queue's own condition.
    fn queue_filter(&self, who: &Principal, name: &str) -> AppResult<Filter> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Adviser],
            "read work queues",
        )?;
        let names: &[&str] = if who.role == Role::Adviser {
            &["awaiting-advice"]
        } else {
            &[
                "unassigned",
                "mine",
                "awaiting-advice",
                "overdue",
                "screening",
                "flagged",
                "denials",
            ]
        };
        if !names.contains(&name) {
            return Err(AppError::invalid(
                "queue",
                format!(
                    "{name:?} is not a work queue of the {} role; one of: {}",
                    who.role,
                    names.join(", ")
                ),
            ));
        }
        let open: Vec<String> = CaseState::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_string())
            .collect();
        let mut filter = match name {
            "unassigned" => Filter {
                states: open,
                assigned_to: Some(None),
                ..Default::default()
            },
            "mine" => Filter {
                states: open,
                assigned_to: Some(Some(who.user_id.clone())),
                ..Default::default()
            },
            "awaiting-advice" | "overdue" | "denials" => Filter {
                states: open,
                ..Default::default()
            },
            // Hits can appear on any case by re-screening (issued licences included); flags on any case too.
            _ => Filter::default(),
        };
        if name == "awaiting-advice" {
            if let Some(k) = who.review_kind.filter(|_| who.role == Role::Adviser) {
                filter.tags.push(awaiting_tag(k));
            }
        }
        Ok(filter)
    }

    /// The number of cases in each of the caller's work queues `names`, each counted in the store with one
    /// COUNT over the queue's conditions (the case index tags and the overdue day, [`App::due_on`]) rather
    /// than by reading the cases: the numbers [`App::queue`] lists.
    pub async fn queue_counts(&self, who: &Principal, names: &[&str]) -> AppResult<Vec<usize>> {
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let filter = who.list_filter(Kind::Case, self.queue_store_filter(who, name)?)?;
            let n = self.store.count(CASE, &filter).await?;
            out.push(usize::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }

    /// Every condition of work queue `name` as a store filter: [`App::queue_filter`] and the queue's own
    /// condition as a case index tag (`awaiting-advice`, `hit:open`, `flagged`, `denial-match`) or the
    /// overdue day ([`App::due_on`]), so that the store finds a queue's cases through its indexes, however few
    /// of the stored cases are in it.
    fn queue_store_filter(&self, who: &Principal, name: &str) -> AppResult<Filter> {
        let mut filter = self.queue_filter(who, name)?;
        match name {
            "awaiting-advice" => filter.tags.push("awaiting-advice".into()),
            "overdue" => filter.due_by = Some(self.today().to_string()),
            "screening" => filter.tags.push("hit:open".into()),
            "flagged" => filter.tags.push("flagged".into()),
            "denials" => filter.tags.push("denial-match".into()),
            _ => {}
        }
        Ok(filter)
    }

    /// Work queues. Officers and auditors: unassigned, mine, awaiting-advice, overdue, screening (open hits),
    /// flagged. Advisers: awaiting-advice, the cases awaiting advice of their own kind. (A defence adviser's
    /// classification work is the product listing filtered to `awaiting-classification`.)
    pub async fn queue(
        &self,
        who: &Principal,
        name: &str,
        page: &Page,
    ) -> AppResult<Paged<QueueEntry>> {
        self.queue_filtered(who, name, &CaseFilter::default(), false, page)
            .await
    }

    /// Work queue `name` narrowed by the case filter `f` (state, destination, control entry, licence kind...)
    /// and, with `overdue_only`, to overdue cases; one page at a time.
    pub async fn queue_filtered(
        &self,
        who: &Principal,
        name: &str,
        f: &CaseFilter,
        overdue_only: bool,
        page: &Page,
    ) -> AppResult<Paged<QueueEntry>> {
        let mut filter = self.queue_store_filter(who, name)?;
        if overdue_only {
            filter.due_by = Some(self.today().to_string());
        }
        let extra = self.case_filter(f)?;
        if !extra.states.is_empty() {
            filter.states = if filter.states.is_empty() {
                extra.states
            } else {
                filter
                    .states
                    .into_iter()
                    .filter(|s| extra.states.contains(s))
                    .collect()
            };
            if filter.states.is_empty() {
                // A state the queue never holds: nothing matches.
                return Ok(Paged {
                    items: Vec::new(),
                    next: None,
                });
            }
        }
        filter.tags.extend(extra.tags);
        filter.org_id = extra.org_id.or(filter.org_id);
        filter.reference = extra.reference.or(filter.reference);
        filter.text = extra.text.or(filter.text);
        let filter = who.list_filter(Kind::Case, filter)?;
        // The store applies every condition of the queue (its tags and the overdue day): one indexed query a
        // page, whatever the share of stored cases in the queue.
        let cases = page_of(&self.store, CASE, filter, page, |_: &Record<CaseBody>| true).await?;
        let mut orgs: std::collections::HashMap<String, String> = Default::default();
        let mut out = Vec::with_capacity(cases.items.len());
        for r in cases.items {
            let org_id = r.org_id.clone().unwrap_or_default();
            if !orgs.contains_key(&org_id) {
                let name = self.organisation_name(&org_id).await?;
                orgs.insert(org_id.clone(), name);
            }
            let c = self.case_view(r)?;
            let pending: Vec<ReviewKind> = c
                .body
                .advice
                .iter()
                .filter(|a| a.advice.is_none())
                .filter(|a| who.role != Role::Adviser || Some(a.review) == who.review_kind)
                .map(|a| a.review)
                .collect();
            let destinations = destinations(&c.body)
                .into_iter()
                .map(str::to_string)
                .collect();
            out.push(QueueEntry {
                exporter: orgs[&org_id].clone(),
                org_id,
                destinations,
                id: c.id,
                reference: c.reference,
                state: c.state,
                licence: c.body.licence,
                assigned_to: c.assigned_to,
                elapsed_working_days: c.elapsed_working_days,
                target_working_days: c.target_working_days,
                overdue: c.overdue,
                pending_advice: pending,
            });
        }
        Ok(Paged {
            items: out,
            next: cases.next,
        })
    }
}

/// Conflict unless the case is a draft.
fn draft_only(state: &str, what: &str) -> AppResult<()> {
    if state == CaseState::Draft.as_str() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "only a draft can be {what}; this application is {state} (withdraw it instead)"
        )))
    }
}

/// Only a draft, or a case an officer returned for editing, has its details changed by the exporter.
fn editable(state: &str) -> AppResult<()> {
    if state == CaseState::Draft.as_str() || state == CaseState::ReturnedForEditing.as_str() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "only a draft or an application returned for editing can be changed; this application is {state} (withdraw it instead)"
        )))
    }
}

/// The case reference a marketing authorisation cites: a reference, or a licence number ("L-" + reference).
fn marketing_reference(cited: &str) -> &str {
    let cited = cited.trim();
    cited.strip_prefix("L-").unwrap_or(cited)
}

pub(crate) fn missing_advice(body: &CaseBody) -> AppResult<()> {
    for k in &body.required_reviews {
        let given = body
            .advice
            .iter()
            .any(|a| a.review == *k && a.advice.is_some());
        if !given {
            return Err(AppError::Conflict(format!(
                "required {k} advice is missing; the case cannot be decided until it is given"
            )));
        }
    }
    Ok(())
}

/// Every screening hit must be cleared or confirmed before the case is decided either way.
fn open_hits(body: &CaseBody) -> AppResult<()> {
    if let Some(h) = body.screening.iter().find(|h| h.status == "open") {
        return Err(AppError::Conflict(format!(
            "screening hit {} ({} on {}) must be cleared or confirmed before deciding",
            h.id, h.source_id, h.list
        )));
    }
    Ok(())
}

/// Conflict unless the case was screened against every required list source.
pub(crate) fn screening_complete(required: &[String], body: &CaseBody) -> AppResult<()> {
    let gaps: Vec<&str> = required
        .iter()
        .filter(|req| {
            !body.screened_with.iter().any(|v| {
                v.split_once('@')
                    .is_some_and(|(src, _)| src == req.as_str())
            })
        })
        .map(String::as_str)
        .collect();
    if gaps.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the case has not been screened against the required list(s) {}: import them (exportctl lists import, \
             or POST /api/v1/lists/{{format}}); open cases are re-screened after each import",
            gaps.join(", ")
        )))
    }
}

/// Why a case cannot be approved now, if anything blocks it: the first of [`approval_blocker_list`].
pub(crate) fn approval_blockers(body: &CaseBody) -> AppResult<()> {
    match approval_blocker_list(&[], body).into_iter().next() {
        Some(b) => Err(AppError::Conflict(b)),
        None => Ok(()),
    }
}

/// Every reason that blocks approving the case now, in the order the approve use case checks them: a
/// prohibited determination, missing required advice, open screening hits, a confirmed hit whose consequence is to block, a
/// missing required document, and (with `required` lists) a required list the case was not screened against.
pub(crate) fn approval_blocker_list(required: &[String], body: &CaseBody) -> Vec<String> {
    let mut out = Vec::new();
    for d in body
        .determinations
        .iter()
        .filter(|d| d.outcome == Outcome::Prohibited)
    {
        out.push(format!(
            "policy determination for product {} to {} is prohibited; the case cannot be approved",
            d.product, d.destination
        ));
    }
    for k in &body.required_reviews {
        if !body
            .advice
            .iter()
            .any(|a| a.review == *k && a.advice.is_some())
        {
            out.push(format!(
                "required {k} advice is missing; the case cannot be decided until it is given"
            ));
        }
    }
    for h in body.screening.iter().filter(|h| h.status == "open") {
        out.push(format!(
            "screening hit {} ({} on {}) must be cleared or confirmed before deciding",
            h.id, h.source_id, h.list
        ));
    }
    out.extend(crate::denials::open_consultation_blockers(body));
    for h in body
        .screening
        .iter()
        .filter(|h| h.status == "confirmed" && h.blocks())
    {
        let what = if h.sanctions_list {
            "sanctions-list"
        } else {
            "denied-party"
        };
        out.push(format!(
            "confirmed {what} hit {} ({} on {}) blocks approval",
            h.id, h.source_id, h.list
        ));
    }
    for doc in &body.required_documents {
        if !has_verified_document(body, doc, crate::today()) {
            out.push(if doc == crate::documents::END_USER_DECLARATION {
                format!(
                    "required document {doc} has not been verified: the exporter uploads the signed file and records \
                     the declaration, and the assigned officer verifies it"
                )
            } else {
                format!(
                    "required document {doc} has not been verified: the exporter uploads it as a document of kind \
                     {doc}, and the assigned officer verifies it"
                )
            });
        }
    }
    if let Err(AppError::Conflict(gap)) = screening_complete(required, body) {
        out.push(gap);
    }
    out
}

/// Whether an officer has verified a document of `kind` on the case that is still valid on `day`. A label
/// in the application's `documents` does not count.
pub fn has_verified_document(body: &CaseBody, kind: &str, day: NaiveDate) -> bool {
    body.verified_documents
        .iter()
        .any(|v| v.kind == kind && v.valid_until.is_none_or(|u| u >= day))
}

pub(crate) fn validate_money(field: &str, m: &Money) -> AppResult<()> {
    let a = m.amount.trim();
    let valid = !a.is_empty()
        && a.len() <= 20
        && a.chars().all(|c| c.is_ascii_digit() || c == '.')
        && a.matches('.').count() <= 1
        && !a.starts_with('.')
        && !a.ends_with('.');
    if !valid {
        return Err(AppError::invalid(
            format!("{field}.amount"),
            "must be a non-negative decimal number such as \"125000.00\"",
        ));
    }
    let v: f64 = a
        .parse()
        .map_err(|_| AppError::invalid(format!("{field}.amount"), "is not a number"))?;
    if v <= 0.0 || v > 1e13 {
        return Err(AppError::invalid(
            format!("{field}.amount"),
            "must be greater than 0 and at most 10,000,000,000,000",
        ));
    }
    if a.split('.').nth(1).is_some_and(|f| f.len() > 2) {
        return Err(AppError::invalid(
            format!("{field}.amount"),
            "has more than two decimal places",
        ));
    }
    if m.currency.trim().is_empty() {
        return Err(AppError::invalid(
            format!("{field}.currency"),
            "a value needs a currency",
        ));
    }
    if !CURRENCIES.contains(&m.currency.as_str()) {
        return Err(AppError::invalid(
            format!("{field}.currency"),
            format!("{:?} is not a supported ISO 4217 currency code", m.currency),
        ));
    }
    Ok(())
}

/// Refuses a value the policy's vocabulary does not have in force on `day`, naming `field[i]`.
pub(crate) fn in_vocabulary(
    set: &policy::PolicySet,
    day: NaiveDate,
    field: &str,
    kind: VocabularyKind,
    values: &[String],
) -> AppResult<()> {
    for (i, v) in values.iter().enumerate() {
        if !set.vocabulary_allows(kind, v, day) {
            return Err(AppError::invalid(
                format!("{field}[{i}]"),
                format!(
                    "{v:?} is not a {} in force in policy {} on {day}",
                    kind.name().replace('_', " "),
                    set.version()
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn validate_condition(field: &str, c: &Condition, today: NaiveDate) -> AppResult<()> {
    match c {
        Condition::Text { text: t } => text(&format!("{field}.text"), t, 2000).map(|_| ()),
        Condition::ReportingObligation {
            every_months,
            text: t,
            attestations,
            max_targets,
        } => {
            if !(1..=60).contains(every_months) {
                return Err(AppError::invalid(
                    format!("{field}.every_months"),
                    "must be between 1 and 60",
                ));
            }
            crate::monitoring::reports::validate_obligation_terms(
                field,
                attestations,
                *max_targets,
            )?;
            text(&format!("{field}.text"), t, 2000).map(|_| ())
        }
        Condition::ValidUntil { date } => {
            if *date <= today {
                return Err(AppError::invalid(
                    format!("{field}.date"),
                    "the validity end date must be in the future",
                ));
            }
            Ok(())
        }
        Condition::QuantityLimit { max } => {
            if *max == 0 || *max > MAX_QUANTITY {
                return Err(AppError::invalid(
                    format!("{field}.max"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
            Ok(())
        }
        Condition::ValueLimit { max } => validate_money(&format!("{field}.max"), max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(at: &str, from: CaseState, to: CaseState) -> StateChange {
        StateChange {
            by_username: None,
            reason: None,
            at: at.into(),
            from,
            to,
            by: "u".into(),
        }
    }

    #[test]
    fn clock_stops_while_awaiting_exporter_and_at_decision() {
        use CaseState::*;
        let h = vec![
            ch("2026-11-02T09:00:00Z", Draft, Submitted),
            ch("2026-11-03T09:00:00Z", Submitted, UnderReview),
            ch("2026-11-06T09:00:00Z", UnderReview, AwaitingExporter),
            ch("2026-11-16T09:00:00Z", AwaitingExporter, UnderReview),
            ch("2026-11-18T09:00:00Z", UnderReview, Approved),
        ];
        let cal = domain::workdays::Calendar::default();
        let iv = clock_intervals(&h, &cal);
        assert_eq!(iv.len(), 2);
        assert_eq!(cal.elapsed(&iv, "2026-12-31".parse().unwrap()), 6);
    }

    #[test]
    fn clock_stops_while_returned_for_editing_and_at_no_licence_required() {
        use CaseState::*;
        let returned = vec![
            ch("2026-11-02T09:00:00Z", Draft, Submitted),
            ch("2026-11-03T09:00:00Z", Submitted, UnderReview),
            ch("2026-11-06T09:00:00Z", UnderReview, AwaitingExporter),
            ch("2026-11-16T09:00:00Z", AwaitingExporter, UnderReview),
            ch("2026-11-17T09:00:00Z", UnderReview, ReturnedForEditing),
            ch("2026-11-30T09:00:00Z", ReturnedForEditing, UnderReview),
            ch("2026-12-01T09:00:00Z", UnderReview, Approved),
        ];
        let cal = domain::workdays::Calendar::default();
        let iv = clock_intervals(&returned, &cal);
        assert_eq!(iv.len(), 3);
        // The same days as without the return, plus the day after resubmission; none while returned.
        let without: u32 = cal.elapsed(
            &clock_intervals(&returned[..5], &cal),
            "2026-12-31".parse().unwrap(),
        );
        assert_eq!(
            cal.elapsed(&iv, "2026-12-31".parse().unwrap()),
            without
                + cal.working_days_between(
                    "2026-11-30".parse().unwrap(),
                    "2026-12-01".parse().unwrap()
                )
        );
        let nlr = vec![
            ch("2026-11-02T09:00:00Z", Draft, Submitted),
            ch("2026-11-03T09:00:00Z", Submitted, UnderReview),
            ch("2026-11-04T09:00:00Z", UnderReview, NoLicenceRequired),
        ];
        let iv = clock_intervals(&nlr, &cal);
        assert_eq!(iv.len(), 1);
        assert!(iv[0].1.is_some(), "the conclusion stops the clock");
    }

    #[test]
    fn cited_vocabulary_must_be_in_force_in_the_policy() {
        let day: NaiveDate = "2022-01-10".parse().unwrap();
        let reference = policy::reference();
        let cited = vec!["criterion-2".to_string(), "att-art-7".to_string()];
        in_vocabulary(
            reference,
            day,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &cited,
        )
        .expect("both in force");
        // A policy in which ATT article 7 ended on 2021-12-31.
        let files: Vec<(String, String)> = policy::reference_files()
            .into_iter()
            .map(|(n, t)| {
                let t = if n == "vocabulary.toml" {
                    let at = t.find("id = \"att-art-7\"").unwrap();
                    let from = at + t[at..].find("effective_from = 2017-01-01").unwrap();
                    let end = from + "effective_from = 2017-01-01".len();
                    format!("{}\neffective_through = 2021-12-31{}", &t[..end], &t[end..])
                } else {
                    t
                };
                (n, t)
            })
            .collect();
        let set = policy::PolicySet::load_files(files).expect("valid");
        let e = in_vocabulary(
            &set,
            day,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &cited,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("criteria[1]") && e.contains("att-art-7"), "{e}");
        let before: NaiveDate = "2021-12-31".parse().unwrap();
        in_vocabulary(
            &set,
            before,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &cited,
        )
        .expect("in force the day before it ended");
    }

    /// A case body from JSON (absent optional fields default), for the pure deciding functions.
    /// A case body from JSON, with its hits from `screening` (which the stored body does not hold).
    fn body(v: serde_json::Value) -> CaseBody {
        let hits = v.get("screening").cloned().unwrap_or_default();
        let mut b: CaseBody = serde_json::from_value(v).expect("case body");
        if !hits.is_null() {
            b.screening = serde_json::from_value(hits).expect("screening hits");
        }
        b
    }

    fn export_case(extra: serde_json::Value) -> serde_json::Value {
        let mut v = serde_json::json!({
            "licence": "export",
            "marketing": null,
            "export": {
                "product": "p1",
                "end_user": {"name": "Federal Police", "type": "government-law-enforcement", "country": "BR"},
                "consignee": {"name": "Importer Ltda", "country": "BR"},
                "destination": "BR",
                "quantity": 10,
                "value": {"amount": "100.00", "currency": "EUR"},
                "end_use": "lawful interception",
                "documents": [{"kind": "contract", "name": "c.pdf", "sha256": null}],
                "marketing_authorisation": "ML-2026-000001"
            },
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    fn hit(
        id: &str,
        status: &str,
        sanctions: bool,
        consequence: Option<&str>,
    ) -> serde_json::Value {
        serde_json::json!({
            "id": id, "party_role": "end-user", "party_name": "X", "list": "un-sc", "list_version": "v1",
            "sanctions_list": sanctions, "consequence": consequence, "source_id": format!("S-{id}"),
            "listed_name": "X", "score": 0.97, "explanation": {}, "status": status, "reason": null,
            "decided_by": null, "found_at": "2026-11-02T09:00:00Z"
        })
    }

    fn determination(outcome: &str) -> serde_json::Value {
        serde_json::json!({
            "product": "p1", "destination": "BR", "end_user_type": "government-law-enforcement",
            "determination": {}, "outcome": outcome, "request": {}
        })
    }

    /// Nothing blocks a clean case; each blocker is reported once, in the order the approve use case checks
    /// them, and only when it really blocks (a licence-required determination, given advice, a cleared hit, a
    /// confirmed end-use-check hit, a document an officer verified and a screened required list do not; a label
    /// in the application's documents does not count).
    #[test]
    fn approval_blockers_name_each_reason_in_order() {
        let clean = body(export_case(serde_json::json!({
            "determinations": [determination("licence-required")],
            "required_reviews": ["defence"],
            "advice": [{"review": "defence", "requested_by": "o", "requested_at": "t",
                        "advice": {"recommendation": "approve", "text": "fine"},
                        "advised_by": "a", "advised_at": "t"}],
            "required_documents": ["contract"],
            "verified_documents": [{"kind": "contract", "document_id": "d1", "declaration_id": null,
                                    "valid_until": null, "verified_by": "o", "verified_at": "t"}],
            "screening": [hit("h1", "cleared", true, None), hit("h2", "confirmed", true, Some("end-use-check")),
                          hit("h3", "confirmed", false, None)],
            "screened_with": ["un-sc@v1"],
        })));
        assert_eq!(
            approval_blocker_list(&["un-sc".to_string()], &clean),
            Vec::<String>::new()
        );
        assert!(approval_blockers(&clean).is_ok());

        let blocked = body(export_case(serde_json::json!({
            "determinations": [determination("licence-required"), determination("prohibited")],
            "required_reviews": ["defence", "human-rights"],
            "advice": [{"review": "defence", "requested_by": "o", "requested_at": "t", "advice": null,
                        "advised_by": null, "advised_at": null}],
            "required_documents": ["contract", "end-user-declaration"],
            "verified_documents": [{"kind": "contract", "document_id": "d1", "declaration_id": null,
                                    "valid_until": null, "verified_by": "o", "verified_at": "t"}],
            "screening": [hit("h1", "open", false, None), hit("h2", "confirmed", true, None),
                          hit("h3", "confirmed", false, Some("block")), hit("h4", "cleared", true, None)],
            "screened_with": ["un-sc@v1"],
        })));
        let got = approval_blocker_list(&["un-sc".to_string(), "ofac-sdn".to_string()], &blocked);
        assert_eq!(
            got,
            vec![
                "policy determination for product p1 to BR is prohibited; the case cannot be approved",
                "required defence advice is missing; the case cannot be decided until it is given",
                "required human-rights advice is missing; the case cannot be decided until it is given",
                "screening hit h1 (S-h1 on un-sc) must be cleared or confirmed before deciding",
                "confirmed sanctions-list hit h2 (S-h2 on un-sc) blocks approval",
                "confirmed denied-party hit h3 (S-h3 on un-sc) blocks approval",
                "required document end-user-declaration has not been verified: the exporter uploads the signed \
                 file and records the declaration, and the assigned officer verifies it",
                "the case has not been screened against the required list(s) ofac-sdn: import them (exportctl \
                 lists import, or POST /api/v1/lists/{format}); open cases are re-screened after each import",
            ]
        );
        // The approve use case refuses with the first reason (required lists are checked separately there).
        assert!(
            matches!(approval_blockers(&blocked), Err(AppError::Conflict(m)) if m == got[0]),
            "{:?}",
            approval_blockers(&blocked)
        );
    }

    /// A required list counts as screened only by its own source name before the `@version`.
    #[test]
    fn screening_is_complete_only_for_the_named_sources() {
        let b = body(export_case(
            serde_json::json!({"screened_with": ["un-sc@2026-11-01", "eu-fsf"]}),
        ));
        assert!(screening_complete(&[], &b).is_ok());
        assert!(screening_complete(&["un-sc".into()], &b).is_ok());
        // "eu-fsf" without a version is not a screening record; "un" is not "un-sc".
        for missing in ["eu-fsf", "un", "ofac-sdn"] {
            let e = screening_complete(&["un-sc".into(), missing.into()], &b).unwrap_err();
            assert!(
                matches!(&e, AppError::Conflict(m) if m.contains(&format!("list(s) {missing}:"))),
                "{missing}: {e:?}"
            );
        }
    }

    #[test]
    fn money_is_validated_with_field_names() {
        let ok = Money {
            amount: "1000.50".into(),
            currency: "EUR".into(),
        };
        assert!(validate_money("value", &ok).is_ok());
        for (amount, currency, field) in [
            ("-5", "EUR", "value.amount"),
            ("abc", "EUR", "value.amount"),
            ("0", "EUR", "value.amount"),
            ("1e99", "EUR", "value.amount"),
            ("10", "", "value.currency"),
            ("10", "XXX", "value.currency"),
        ] {
            let e = validate_money(
                "value",
                &Money {
                    amount: amount.into(),
                    currency: currency.into(),
                },
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Invalid { field: f, .. } if f == field),
                "{amount} {currency}"
            );
        }
    }
}
