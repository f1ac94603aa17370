//! Licences as a resource of their own: created, signed, in the same transaction as the `issue` step of their
//! case, and kept in step with the case on suspend, reinstate, revoke, expire, surrender and exhaustion; read by the holder's exporter
//! users and by the staff who may read the case; rendered as a PDF on request; checked by the public.
//!
//! A licence is a record of kind `licence` whose reference is the licence number, whose organisation is the
//! holder, and whose tags are its case's (so the visibility rule is the case's). Its body keeps the signed
//! payload and token exactly as issued: the content never changes after issue, only the state does.

use crate::access::Kind;
use crate::admin::ORG;
use crate::cases::CASE;
use crate::exporter::{ProductBody, PRODUCT};
use crate::model::{CaseBody, Condition, NewOrganisation};
use crate::{audit, new_id, not_found, now, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseAction, CaseState, LicenceKind};
use licence::{LicencePayload, PAYLOAD_VERSION};
use serde::{Deserialize, Serialize};
use store::{Filter, Record, Tx};
use utoipa::ToSchema;

/// The record kind of licences.
pub const LICENCE: &str = "licence";

/// The state of a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LicenceState {
    Issued,
    Suspended,
    Revoked,
    Expired,
    /// Declared void from the start.
    Annulled,
    /// Given back by its holder before the end of its validity (final).
    Surrendered,
    /// Its quantity or value limit used up by recorded shipments (final).
    Exhausted,
    /// Replaced by the licence of an issued variation (final).
    Superseded,
}

impl LicenceState {
    /// Every state, in lifecycle order.
    pub const ALL: &'static [LicenceState] = &[
        LicenceState::Issued,
        LicenceState::Suspended,
        LicenceState::Revoked,
        LicenceState::Expired,
        LicenceState::Annulled,
        LicenceState::Surrendered,
        LicenceState::Exhausted,
        LicenceState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceState::Issued => "issued",
            LicenceState::Suspended => "suspended",
            LicenceState::Revoked => "revoked",
            LicenceState::Expired => "expired",
            LicenceState::Annulled => "annulled",
            LicenceState::Surrendered => "surrendered",
            LicenceState::Exhausted => "exhausted",
            LicenceState::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> AppResult<LicenceState> {
        Ok(match s {
            "issued" => LicenceState::Issued,
            "suspended" => LicenceState::Suspended,
            "revoked" => LicenceState::Revoked,
            "expired" => LicenceState::Expired,
            "annulled" => LicenceState::Annulled,
            "surrendered" => LicenceState::Surrendered,
            "exhausted" => LicenceState::Exhausted,
            "superseded" => LicenceState::Superseded,
            other => {
                return Err(AppError::Internal(format!(
                    "stored licence state {other:?}"
                )))
            }
        })
    }

    /// The licence state that goes with a case state, if the case holds a licence.
    fn of_case(s: CaseState) -> Option<LicenceState> {
        match s {
            CaseState::Issued => Some(LicenceState::Issued),
            CaseState::Suspended => Some(LicenceState::Suspended),
            CaseState::Revoked => Some(LicenceState::Revoked),
            CaseState::Expired => Some(LicenceState::Expired),
            CaseState::Annulled => Some(LicenceState::Annulled),
            CaseState::Surrendered => Some(LicenceState::Surrendered),
            CaseState::Exhausted => Some(LicenceState::Exhausted),
            CaseState::Superseded => Some(LicenceState::Superseded),
            _ => None,
        }
    }
}

/// A change of a licence's state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct LicenceStateChange {
    pub at: String,
    pub from: LicenceState,
    pub to: LicenceState,
    /// Who made it (staff only; not shown to exporters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The reason given (staff only; not shown to exporters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The stored body of a licence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LicenceBody {
    pub case_id: String,
    /// What was signed.
    pub payload: LicencePayload,
    /// The signed token (JWS compact), exactly as issued.
    pub token: String,
    pub key_id: String,
    /// The issuing officer's user id.
    pub issued_by: String,
    #[serde(default)]
    pub history: Vec<LicenceStateChange>,
    /// Each time the licence was signed again with changed content (new conditions after a reassessment),
    /// the token it replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reissues: Vec<LicenceReissue>,
}

/// One re-issue of a licence: when, why, by whom, and the token it replaced (kept on record).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LicenceReissue {
    pub at: String,
    pub reason: String,
    pub by: String,
    pub previous_token: String,
    pub previous_key_id: String,
}

/// A licence as its readers see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Licence {
    pub number: String,
    pub state: LicenceState,
    pub kind: LicenceKind,
    /// The case the licence was issued on.
    pub case_id: String,
    /// The holder organisation's id.
    pub org_id: String,
    /// The licence's content, exactly as signed.
    pub content: LicencePayload,
    /// The signed licence: a JWS compact token (Ed25519, `kid` = `key_id`); see docs/licences.md.
    pub signed: String,
    pub key_id: String,
    /// The issuing officer (staff only; not shown to exporters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<String>,
    pub history: Vec<LicenceStateChange>,
    /// When the licence was last signed again with changed content (new conditions), if ever; `signed` is
    /// the current token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reissued_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// What anyone may learn about a licence number, without signing in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PublicLicence {
    pub number: String,
    /// `issued` (in force), `suspended`, `revoked`, `surrendered` (given back by its holder), `exhausted`
    /// (its quantity or value limit used up) or `expired` (also once its last valid day has passed, before the
    /// daily expiry has run).
    pub state: LicenceState,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

fn view(who: &Principal, r: Record<LicenceBody>) -> AppResult<Licence> {
    let staff = who.reads_everything() || who.role == domain::Role::Adviser;
    let kind = match r.body.payload.kind.as_str() {
        "marketing" => LicenceKind::Marketing,
        "export" => LicenceKind::Export,
        other => return Err(AppError::Internal(format!("stored licence kind {other:?}"))),
    };
    let history = r
        .body
        .history
        .into_iter()
        .map(|h| {
            if staff {
                h
            } else {
                LicenceStateChange {
                    by: None,
                    reason: None,
                    ..h
                }
            }
        })
        .collect();
    Ok(Licence {
        number: r.body.payload.number.clone(),
        state: LicenceState::parse(&r.state)?,
        kind,
        case_id: r.body.case_id,
        org_id: r.org_id.unwrap_or_default(),
        content: r.body.payload,
        signed: r.body.token,
        key_id: r.body.key_id,
        issued_by: staff.then_some(r.body.issued_by),
        history,
        reissued_at: r.body.reissues.last().map(|x| x.at.clone()),
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// A condition in words, as printed on the licence.
fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Text { text } => text.clone(),
        Condition::ReportingObligation {
            every_months, text, ..
        } => {
            format!("Report to the authority every {every_months} months: {text}")
        }
        Condition::ValidUntil { date } => format!("Valid until {date} at the latest"),
        Condition::QuantityLimit { max } => format!("At most {max} units"),
        Condition::ValueLimit { max } => {
            format!("At most {} {} in value", max.amount, max.currency)
        }
    }
}

fn money(m: &crate::model::Money) -> licence::Money {
    licence::Money {
        amount: m.amount.clone(),
        currency: m.currency.clone(),
    }
}

impl App {
    /// Keeps the licence of `case` in step with a lifecycle `action` just applied to it, inside the case's
    /// transaction: `issue` creates and signs the licence; `suspend`, `reinstate`, `revoke` and `expire` change
    /// its state. Other actions leave licences alone.
    pub(crate) async fn sync_licence(
        &self,
        tx: &mut Tx,
        who: &Principal,
        action: CaseAction,
        case: &Record<CaseBody>,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let Some(state) = case.state.parse().ok().and_then(LicenceState::of_case) else {
            return Ok(());
        };
        if action == CaseAction::Issue {
            return self
                .create_licence(tx, who, case, LicenceState::Issued, "create-licence")
                .await;
        }
        let Some(issued) = &case.body.licence_issued else {
            return Ok(());
        };
        let before = match tx
            .get_by_reference::<LicenceBody>(LICENCE, &issued.number)
            .await
        {
            Ok(r) => r,
            // Licences issued before licences were records of their own have none to keep in step.
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let from = LicenceState::parse(&before.state)?;
        if from == state {
            return Ok(());
        }
        let mut after = before.clone();
        after.state = state.as_str().into();
        after.version += 1;
        after.updated_at = now();
        after.tags = case.tags.clone();
        after.body.history.push(LicenceStateChange {
            at: after.updated_at.clone(),
            from,
            to: state,
            by: Some(who.user_id.clone()),
            reason: reason.map(str::to_string),
        });
        tx.update(&after).await?;
        audit(
            tx,
            who,
            &format!("{}-licence-record", action.as_str()),
            LICENCE,
            &after.id,
            Some(&serde_json::json!({"state": before.state, "version": before.version})),
            Some(&serde_json::json!({"state": after.state, "version": after.version})),
            reason,
        );
        Ok(())
    }

    /// Licences issued before licences were records of their own (databases from before issue 10) get their
    /// record: built from the case as `issue` builds it, signed now with the current key, in the state the
    /// case is in, audited as `backfill-licence-record` by the system. Runs at start; idempotent (a case
    /// whose licence has a record is left alone). Returns how many records it made.
    pub(crate) async fn backfill_licence_records(&self) -> AppResult<usize> {
        let mut made = 0;
        // Every case state that holds a licence (one list, `of_case`: a state added there is backfilled too).
        for &case_state in CaseState::ALL {
            let Some(state) = LicenceState::of_case(case_state) else {
                continue;
            };
            for (id, _) in self
                .store
                .record_versions(CASE, case_state.as_str())
                .await?
            {
                let case = crate::case_store::get(&self.store, &id).await?;
                let Some(issued) = &case.body.licence_issued else {
                    continue;
                };
                match self
                    .store
                    .get_by_reference::<LicenceBody>(LICENCE, &issued.number)
                    .await
                {
                    Ok(_) => continue,
                    Err(store::StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
                let mut tx = self.store.begin().await?;
                tx.lock_writes().await?;
                // Checked again under the write lock: another process may have made it meanwhile.
                let case = crate::case_store::tx_get(&mut tx, &id).await?;
                let number = case
                    .body
                    .licence_issued
                    .as_ref()
                    .map(|l| l.number.clone())
                    .unwrap_or_default();
                if case.state != case_state.as_str()
                    || !matches!(
                        tx.get_by_reference::<LicenceBody>(LICENCE, &number).await,
                        Err(store::StoreError::NotFound)
                    )
                {
                    tx.rollback().await?;
                    continue;
                }
                self.create_licence(
                    &mut tx,
                    &Principal::system(),
                    &case,
                    state,
                    "backfill-licence-record",
                )
                .await?;
                tx.commit().await?;
                made += 1;
            }
        }
        if made > 0 {
            tracing::info!(licences = made, "licence records backfilled");
        }
        Ok(made)
    }

    /// Builds, signs and stores the licence of a case that has just been issued (or, for a backfill, whose
    /// licence had no record), in `state`, audited as `action`.
    async fn create_licence(
        &self,
        tx: &mut Tx,
        who: &Principal,
        case: &Record<CaseBody>,
        state: LicenceState,
        action: &str,
    ) -> AppResult<()> {
        let payload = self.licence_payload(tx, case).await?;
        let org_id = case
            .org_id
            .clone()
            .ok_or_else(|| AppError::Internal("a case without an organisation".into()))?;
        let signer = self.licence_signer();
        let token = licence::sign(&payload, &signer);
        let mut rec = Record::new(
            new_id(),
            LICENCE,
            Some(org_id),
            state.as_str(),
            LicenceBody {
                case_id: case.id.clone(),
                payload,
                token,
                key_id: signer.key_id().to_string(),
                issued_by: who.user_id.clone(),
                history: vec![],
                reissues: vec![],
            },
            now(),
        );
        rec.reference = Some(rec.body.payload.number.clone());
        rec.tags = case.tags.clone();
        tx.insert(&rec).await?;
        audit(
            tx,
            who,
            action,
            LICENCE,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        Ok(())
    }

    /// Signs the licence of `case` again from the case as it is now (its decision's conditions changed after
    /// a reassessment), keeping the token it replaces, in the caller's transaction; audited as
    /// `reissue-licence`. The licence keeps its number, state and validity.
    pub(crate) async fn reissue_licence(
        &self,
        tx: &mut Tx,
        who: &Principal,
        case: &Record<CaseBody>,
        reason: &str,
    ) -> AppResult<()> {
        let number = case
            .body
            .licence_issued
            .as_ref()
            .map(|l| l.number.clone())
            .ok_or_else(|| AppError::Internal("re-issue of a case without a licence".into()))?;
        let before = tx
            .get_by_reference::<LicenceBody>(LICENCE, &number)
            .await
            .map_err(not_found("licence"))?;
        let mut after = before.clone();
        let signer = self.licence_signer();
        after.body.payload = self.licence_payload(tx, case).await?;
        after.body.token = licence::sign(&after.body.payload, &signer);
        after.body.key_id = signer.key_id().to_string();
        after.version += 1;
        after.updated_at = now();
        after.body.reissues.push(LicenceReissue {
            at: after.updated_at.clone(),
            reason: reason.to_string(),
            by: who.user_id.clone(),
            previous_token: before.body.token.clone(),
            previous_key_id: before.body.key_id.clone(),
        });
        tx.update(&after).await?;
        audit(
            tx,
            who,
            "reissue-licence",
            LICENCE,
            &after.id,
            Some(&before.body.payload),
            Some(&after.body.payload),
            Some(reason),
        );
        Ok(())
    }

    /// What the licence of `case` says, built from the case as it is.
    async fn licence_payload(
        &self,
        tx: &mut Tx,
        case: &Record<CaseBody>,
    ) -> AppResult<LicencePayload> {
        let issued = case.body.licence_issued.as_ref().ok_or_else(|| {
            AppError::Internal("an issued case without its licence number".into())
        })?;
        let valid_until = issued
            .valid_until
            .ok_or_else(|| AppError::Internal("an issued licence without a validity end".into()))?;
        let org_id = case
            .org_id
            .clone()
            .ok_or_else(|| AppError::Internal("a case without an organisation".into()))?;
        let org = tx
            .get::<NewOrganisation>(ORG, &org_id)
            .await
            .map_err(not_found("organisation"))?;
        let b = &case.body;
        // A partial decision licenses its approved product lines to its approved destinations only.
        let parts = b.decision.as_ref().and_then(|d| d.parts.as_ref());
        let (mut product_ids, _) = crate::partial::lines_and_destinations(b);
        if let Some(p) = parts {
            product_ids.retain(|id| p.licensed_products.contains(id));
        }
        let licensed =
            |d: &str| parts.is_none_or(|p| p.licensed_destinations.iter().any(|l| l == d));
        let mut products = Vec::new();
        for id in &product_ids {
            let p = tx
                .get::<ProductBody>(PRODUCT, id)
                .await
                .map_err(not_found("product"))?;
            products.push(licence::Product {
                name: p.body.name,
                version: p.body.version,
                control_entries: p
                    .body
                    .classification
                    .map(|c| c.control_entries)
                    .unwrap_or(p.body.claimed_control_entries),
            });
        }
        let end_user = |e: &crate::model::EndUser| licence::Party {
            name: e.name.clone(),
            country: e.country.as_ref().map(|c| c.as_str().to_string()),
            party_type: Some(e.end_user_type.as_str().to_string()),
        };
        let (destinations, end_users, consignee, quantity, value) = match (&b.marketing, &b.export)
        {
            (Some(m), _) => (
                m.destinations
                    .iter()
                    .map(|d| d.as_str().to_string())
                    .filter(|d| licensed(d))
                    .collect(),
                m.end_users
                    .iter()
                    .filter(|u| u.country.as_ref().is_none_or(|c| licensed(c.as_str())))
                    .map(end_user)
                    .collect(),
                None,
                None,
                None,
            ),
            (None, Some(e)) => (
                vec![e.destination.as_str().to_string()],
                vec![end_user(&e.end_user)],
                Some(licence::Party {
                    name: e.consignee.name.clone(),
                    country: Some(e.consignee.country.as_str().to_string()),
                    party_type: None,
                }),
                Some(e.quantity),
                Some(money(&e.value)),
            ),
            (None, None) => (vec![], vec![], None, None, None),
        };
        let conditions: &[Condition] = b
            .decision
            .as_ref()
            .map(|d| d.conditions.as_slice())
            .unwrap_or(&[]);
        let payload = LicencePayload {
            v: PAYLOAD_VERSION,
            number: issued.number.clone(),
            kind: b.licence.as_str().to_string(),
            case: case.reference.clone().unwrap_or_default(),
            holder: licence::Holder {
                name: org.body.name,
                country: org.body.country.as_str().to_string(),
            },
            products,
            destinations,
            end_users,
            consignee,
            quantity,
            value,
            quantity_limit: conditions.iter().find_map(|c| match c {
                Condition::QuantityLimit { max } => Some(*max),
                _ => None,
            }),
            value_limit: conditions.iter().find_map(|c| match c {
                Condition::ValueLimit { max } => Some(money(max)),
                _ => None,
            }),
            conditions: conditions.iter().map(condition_text).collect(),
            valid_from: crate::cases::date_of(&issued.issued_at, self.calendar()),
            valid_until,
            issued_at: issued.issued_at.clone(),
        };
        Ok(payload)
    }

    /// The licences the caller may read.
    pub async fn licences(
        &self,
        who: &Principal,
        state: Option<&str>,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Licence>> {
        let mut base = Filter::default();
        if let Some(s) = state.map(str::trim) {
            if !LicenceState::ALL.iter().any(|x| x.as_str() == s) {
                let all: Vec<&str> = LicenceState::ALL.iter().map(|x| x.as_str()).collect();
                return Err(AppError::invalid(
                    "state",
                    format!("{s:?} is not a licence state; one of: {}", all.join(", ")),
                ));
            }
            base.states.push(s.to_string());
        }
        let filter = who.list_filter(Kind::Licence, base)?;
        crate::listing::page_of(
            &self.store,
            LICENCE,
            filter,
            page,
            |_: &Record<LicenceBody>| true,
        )
        .await?
        .try_map(|r| view(who, r))
    }

    async fn licence_record(
        &self,
        who: &Principal,
        number: &str,
    ) -> AppResult<Record<LicenceBody>> {
        let r = self
            .store
            .get_by_reference::<LicenceBody>(LICENCE, number)
            .await
            .map_err(not_found("licence"))?;
        who.visible(Kind::Licence, r)
    }

    /// One licence by number (NotFound also when the caller may not read it).
    pub async fn licence(&self, who: &Principal, number: &str) -> AppResult<Licence> {
        view(who, self.licence_record(who, number).await?)
    }

    /// The licence's PDF, rendered from the stored licence (the same bytes on every call).
    pub async fn licence_document(&self, who: &Principal, number: &str) -> AppResult<Vec<u8>> {
        let r = self.licence_record(who, number).await?;
        Ok(licence::pdf::render(&r.body.payload, &r.body.token))
    }

    /// The public facts of a licence: number, state, validity. NotFound for a number that is not a licence.
    pub async fn public_licence(&self, number: &str) -> AppResult<PublicLicence> {
        self.public_facts(number)
            .await?
            .map(|(p, _)| p)
            .ok_or(AppError::NotFound("licence"))
    }

    /// The public facts of licence `number` and its kind, if it is a licence record.
    pub(crate) async fn public_facts(
        &self,
        number: &str,
    ) -> AppResult<Option<(PublicLicence, LicenceKind)>> {
        let r = match self
            .store
            .get_by_reference::<LicenceBody>(LICENCE, number.trim())
            .await
        {
            Ok(r) => r,
            Err(store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let kind = if r.body.payload.kind == LicenceKind::Export.as_str() {
            LicenceKind::Export
        } else {
            LicenceKind::Marketing
        };
        let mut state = LicenceState::parse(&r.state)?;
        if state == LicenceState::Issued && r.body.payload.valid_until < self.today() {
            state = LicenceState::Expired;
        }
        Ok(Some((
            PublicLicence {
                number: r.body.payload.number,
                state,
                valid_from: r.body.payload.valid_from,
                valid_until: r.body.payload.valid_until,
            },
            kind,
        )))
    }
}
