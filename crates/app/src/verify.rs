//! Public licence verification: anyone (a customs officer, a bank) checks a licence number and learns only
//! whether it is valid, suspended, revoked, expired or unknown, with the kind and validity end. No caller, no
//! confidential detail (no exporter, product, destination or party).
//!
//! The answer comes from the licence record ([`crate::licences`]); licences issued before licences were records
//! of their own are answered from their case.

use crate::licences::LicenceState;
use crate::{App, AppResult};
use domain::{CaseState, LicenceKind};
use serde::Serialize;

/// The public status of a licence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenceStatus {
    Valid,
    Suspended,
    Revoked,
    Expired,
    Annulled,
    Surrendered,
    Exhausted,
    /// Replaced by the licence of a variation: the newer licence is the one in force.
    Superseded,
    Unknown,
}

impl LicenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "valid",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Expired => "expired",
            LicenceStatus::Annulled => "annulled",
            LicenceStatus::Surrendered => "surrendered",
            LicenceStatus::Exhausted => "exhausted",
            LicenceStatus::Superseded => "superseded",
            LicenceStatus::Unknown => "unknown",
        }
    }
}

/// What verification tells the public.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceCheck {
    pub number: String,
    pub status: LicenceStatus,
    pub kind: Option<LicenceKind>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_until: Option<chrono::NaiveDate>,
}

impl App {
    /// The public status of licence `number` (`L-` followed by the case reference).
    pub async fn verify_licence(&self, number: &str) -> AppResult<LicenceCheck> {
        let number = number.trim().to_string();
        let unknown = LicenceCheck {
            number: number.clone(),
            status: LicenceStatus::Unknown,
            kind: None,
            valid_from: None,
            valid_until: None,
        };
        let Some(reference) = number.strip_prefix("L-") else {
            return Ok(unknown);
        };
        if reference.is_empty()
            || reference.len() > 64
            || !reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
        {
            return Ok(unknown);
        }
        if let Some((p, kind)) = self.public_facts(&number).await? {
            {
                let status = match p.state {
                    LicenceState::Issued => LicenceStatus::Valid,
                    LicenceState::Suspended => LicenceStatus::Suspended,
                    LicenceState::Revoked => LicenceStatus::Revoked,
                    LicenceState::Expired => LicenceStatus::Expired,
                    LicenceState::Annulled => LicenceStatus::Annulled,
                    LicenceState::Surrendered => LicenceStatus::Surrendered,
                    LicenceState::Exhausted => LicenceStatus::Exhausted,
                    LicenceState::Superseded => LicenceStatus::Superseded,
                };
                return Ok(LicenceCheck {
                    number,
                    status,
                    kind: Some(kind),
                    valid_from: Some(p.valid_from),
                    valid_until: Some(p.valid_until),
                });
            }
        }
        let rec = match crate::case_store::get_by_reference(&self.store, reference).await {
            Ok(r) => r,
            Err(store::StoreError::NotFound) => return Ok(unknown),
            Err(e) => return Err(e.into()),
        };
        let Some(lic) = rec
            .body
            .licence_issued
            .as_ref()
            .filter(|l| l.number == number)
        else {
            return Ok(unknown);
        };
        let state: CaseState = rec
            .state
            .parse()
            .map_err(|e: String| crate::AppError::Internal(format!("stored state: {e}")))?;
        let past_end = lic.valid_until.is_some_and(|v| v < self.today());
        let status = match state {
            CaseState::Issued if past_end => LicenceStatus::Expired,
            CaseState::Issued => LicenceStatus::Valid,
            CaseState::Suspended => LicenceStatus::Suspended,
            CaseState::Revoked => LicenceStatus::Revoked,
            CaseState::Expired => LicenceStatus::Expired,
            CaseState::Annulled => LicenceStatus::Annulled,
            CaseState::Surrendered => LicenceStatus::Surrendered,
            CaseState::Exhausted => LicenceStatus::Exhausted,
            CaseState::Superseded => LicenceStatus::Superseded,
            _ => LicenceStatus::Unknown,
        };
        Ok(LicenceCheck {
            number,
            status,
            kind: Some(rec.body.licence),
            valid_from: Some(crate::cases::date_of(&lic.issued_at, self.calendar())),
            valid_until: lic.valid_until,
        })
    }
}
