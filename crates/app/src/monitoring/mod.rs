//! After the sale (issue 17): what the authority watches once a licence is issued, and what it does about it.
//!
//! - [`reports`]: reporting obligations — a licence's `reporting-obligation` conditions become records with
//!   due dates at issue; the exporter files structured reports; overdue reports fill an officers' queue and a
//!   scheduled job tells the exporter.
//! - [`checks`]: end-use checks of a party (pre-licence or post-shipment); a party that could not be verified
//!   joins the authority's unverified parties list, which screening uses for later applications.
//! - [`evidence`]: evidence of misuse, linked to licences and open cases by end user, destination and product;
//!   one reassessment per link, decided by an officer (no action, new conditions, suspension, revocation, and an
//!   instruction to restrict or shut down the system that the exporter confirms).
//! - [`audits`]: compliance audits of exporter organisations from a risk rating, findings and responses, and
//!   refusals the exporter reports itself.
//!
//! Every record here is a `records` document of its own kind, written with its audit event in one transaction.
//! docs/monitoring.md describes the flow.

pub mod audits;
pub mod checks;
pub mod evidence;
pub mod reports;

use crate::model::CaseBody;
use crate::{App, AppResult, Principal};
use domain::CaseAction;
use store::{Record, Tx};

/// Day of an RFC 3339 timestamp at the start of `day` in the authority's time zone, as a job's `run_at`.
pub(crate) fn start_of(app: &App, day: chrono::NaiveDate) -> String {
    let t = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(app.calendar().time_zone()).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl App {
    /// What monitoring does when a case's lifecycle action commits, in the case's transaction: `issue` opens
    /// the licence's reporting obligations.
    pub(crate) async fn monitoring_after_change(
        &self,
        tx: &mut Tx,
        who: &Principal,
        action: CaseAction,
        case: &Record<CaseBody>,
    ) -> AppResult<()> {
        if action == CaseAction::Issue {
            self.open_reporting_obligations(tx, who, case).await?;
        }
        Ok(())
    }
}
