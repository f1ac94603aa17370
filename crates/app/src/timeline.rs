//! What the officer's case page shows beyond the case itself: the timeline of the case's audit events and the
//! list of everything that blocks its approval now (the approve use case refuses with the first of them).

use crate::cases::approval_blocker_list;
use crate::views::CaseView;
use crate::{App, AppError, AppResult, Principal};
use domain::Role;
use serde::{Deserialize, Serialize};

/// One audit event about a case, as the staff's timeline shows it (no before/after bodies).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: String,
    /// The acting user's id, or `system`.
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
}

/// At most this many events of one case are shown.
const MAX_TIMELINE: i64 = 1000;

impl App {
    /// The audit events about case `id`, oldest first, for staff who may read the case's internal view.
    pub async fn case_timeline(&self, who: &Principal, id: &str) -> AppResult<Vec<TimelineEntry>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read a case's timeline",
        )?;
        // The same visibility as the case itself (a case the caller may not see answers as missing).
        match self.application(who, id).await? {
            CaseView::Internal(_) => {}
            _ => return Err(AppError::NotFound("application")),
        }
        let filter = store::AuditFilter {
            record_id: Some(id.to_string()),
            ..Default::default()
        };
        let events = self.store.search_audit(&filter, 0, MAX_TIMELINE).await?;
        Ok(events
            .into_iter()
            .map(|e| TimelineEntry {
                seq: e.seq,
                at: e.event.at,
                actor: e.event.actor,
                action: e.event.action,
                reason: e.event.reason,
            })
            .collect())
    }

    /// Everything that blocks approving case `id` now, in words (empty when it may be approved once it is
    /// under review).
    pub async fn approval_blockers(&self, who: &Principal, id: &str) -> AppResult<Vec<String>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read a case's approval blockers",
        )?;
        match self.application(who, id).await? {
            CaseView::Internal(c) => {
                Ok(approval_blocker_list(&self.config.required_lists, &c.body))
            }
            _ => Err(AppError::NotFound("application")),
        }
    }
}
