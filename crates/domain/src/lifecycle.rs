//! The case lifecycle: one explicit transition table shared by the code and the docs.
//!
//! ```text
//! draft -> submitted -> under-review <-> awaiting-exporter -> ... under-review -> approved | refused
//! draft | submitted | under-review | awaiting-exporter -> withdrawn
//! approved -> issued -> suspended <-> issued;  issued | suspended -> revoked | expired;
//! issued -> surrendered | annulled
//! issued -> exhausted (the service, when recorded shipments use up the licence's quantity or value limit)
//! awaiting-exporter -> lapsed (the officer, once the information request's deadline has passed)
//! refused -> under-appeal -> refused (upheld) | approved (overturned, then issued "on appeal")
//! under-review -> final-review <-> countersigning -> approved | refused | no-licence-required
//!   (the officer drafts final advice, submits it for countersigning; a countersigner returns it to final
//!   review; once the policy's countersignatures are given the officer decides as advised)
//! under-review -> no-licence-required (the officer, when the policy finds every request not controlled: no
//!   advice, final advice or countersigning)
//! under-review -> returned-for-editing -> under-review (the officer returns the case to the exporter for
//!   editing, the clock stopped; the exporter edits and resubmits); returned-for-editing -> withdrawn
//! issued -> superseded (the service, when a variation of the licence — a new linked case — is issued)
//! ```
//! [`TRANSITIONS`] is the only place a state change is allowed; [`transition`] checks both the edge and who may
//! take it. ARCHITECTURE.md renders the same table.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// `$s:tt`, not `literal`: see `kebab_enum!` in enums.rs (utoipa must see the serde rename too).
macro_rules! states {
    ($($variant:ident => $s:tt),+ $(,)?) => {
        /// State of a licence application / licence case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum CaseState { $(#[serde(rename = $s)] $variant),+ }
        impl CaseState {
            pub const ALL: &'static [CaseState] = &[$(CaseState::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $(CaseState::$variant => $s),+ } }
        }
        impl std::str::FromStr for CaseState {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($s => Ok(CaseState::$variant),)+ _ => Err(format!("{s:?} is not a case state; one of: {}", [$($s),+].join(", "))) }
            }
        }
    };
}

states!(
    Draft => "draft",
    Submitted => "submitted",
    UnderReview => "under-review",
    AwaitingExporter => "awaiting-exporter",
    Approved => "approved",
    Refused => "refused",
    Withdrawn => "withdrawn",
    Issued => "issued",
    Suspended => "suspended",
    Revoked => "revoked",
    Expired => "expired",
    Annulled => "annulled",
    Surrendered => "surrendered",
    Exhausted => "exhausted",
    Lapsed => "lapsed",
    UnderAppeal => "under-appeal",
    FinalReview => "final-review",
    Countersigning => "countersigning",
    NoLicenceRequired => "no-licence-required",
    ReturnedForEditing => "returned-for-editing",
    Superseded => "superseded",
);

impl std::fmt::Display for CaseState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CaseState {
    /// Still in the authority's hands (counts towards queues and processing time).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Submitted
                | CaseState::UnderReview
                | CaseState::AwaitingExporter
                | CaseState::FinalReview
                | CaseState::Countersigning
                | CaseState::ReturnedForEditing
        )
    }
    /// Advice may be requested and given: before final review (the final advice is drafted on the advice given).
    pub fn takes_advice(self) -> bool {
        BEFORE_FINAL_REVIEW.contains(&self)
    }
    /// A first outcome has been reached (the processing clock has stopped for good).
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            CaseState::Approved
                | CaseState::Refused
                | CaseState::Issued
                | CaseState::Suspended
                | CaseState::Revoked
                | CaseState::Expired
                | CaseState::Annulled
                | CaseState::Surrendered
                | CaseState::Exhausted
                | CaseState::UnderAppeal
                | CaseState::NoLicenceRequired
                | CaseState::Superseded
        )
    }
}

/// Who takes a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// A member of the applicant organisation.
    Exporter,
    /// A licensing officer.
    Officer,
    /// The service itself (e.g. expiry at the end of validity).
    System,
    /// A countersigner of final advice: an officer or an adviser other than the drafter (the separation of
    /// duties is checked by the use case, `app::final_advice`).
    Countersigner,
}

/// A named action on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaseAction {
    Submit,
    Withdraw,
    StartReview,
    RequestInformation,
    Respond,
    Approve,
    Refuse,
    Issue,
    Suspend,
    Reinstate,
    Revoke,
    Expire,
    /// Declares an issued licence void from the start (e.g. obtained on false information).
    Annul,
    Surrender,
    Exhaust,
    Lapse,
    Appeal,
    UpholdRefusal,
    OverturnRefusal,
    /// The officer drafts final advice (approve with conditions, refuse with criteria, no licence required).
    DraftFinalAdvice,
    /// The officer submits the final advice for countersigning.
    SubmitFinalAdvice,
    /// A countersigner returns the final advice with reasons; final review reopens.
    ReturnFinalAdvice,
    /// The officer concludes, as countersigned (or straight from review when the policy finds nothing
    /// controlled), that no licence is required.
    ConcludeNoLicenceRequired,
    /// The officer returns a submitted case to the exporter for editing (the clock stops).
    ReturnForEditing,
    /// The exporter resubmits a case returned for editing (determination and screening run again).
    Resubmit,
    /// A variation of the licence was issued: the original licence is superseded by it.
    Supersede,
}

impl CaseAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Submit => "submit",
            CaseAction::Withdraw => "withdraw",
            CaseAction::StartReview => "start-review",
            CaseAction::RequestInformation => "request-information",
            CaseAction::Respond => "respond",
            CaseAction::Approve => "approve",
            CaseAction::Refuse => "refuse",
            CaseAction::Issue => "issue",
            CaseAction::Suspend => "suspend",
            CaseAction::Reinstate => "reinstate",
            CaseAction::Revoke => "revoke",
            CaseAction::Expire => "expire",
            CaseAction::Annul => "annul",
            CaseAction::Surrender => "surrender",
            CaseAction::Exhaust => "exhaust",
            CaseAction::Lapse => "lapse",
            CaseAction::Appeal => "appeal",
            CaseAction::UpholdRefusal => "uphold-refusal",
            CaseAction::OverturnRefusal => "overturn-refusal",
            CaseAction::DraftFinalAdvice => "draft-final-advice",
            CaseAction::SubmitFinalAdvice => "submit-final-advice",
            CaseAction::ReturnFinalAdvice => "return-final-advice",
            CaseAction::ConcludeNoLicenceRequired => "conclude-no-licence-required",
            CaseAction::ReturnForEditing => "return-for-editing",
            CaseAction::Resubmit => "resubmit",
            CaseAction::Supersede => "supersede",
        }
    }
}

/// One edge of the lifecycle.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub action: CaseAction,
    pub from: CaseState,
    pub to: CaseState,
    pub actor: Actor,
}

use CaseAction as A;
use CaseState as S;

const fn t(action: CaseAction, from: CaseState, to: CaseState, actor: Actor) -> Transition {
    Transition {
        action,
        from,
        to,
        actor,
    }
}

/// The transition table. Nothing else changes a case's state.
pub const TRANSITIONS: &[Transition] = &[
    t(A::Submit, S::Draft, S::Submitted, Actor::Exporter),
    t(A::Withdraw, S::Draft, S::Withdrawn, Actor::Exporter),
    t(A::Withdraw, S::Submitted, S::Withdrawn, Actor::Exporter),
    t(A::Withdraw, S::UnderReview, S::Withdrawn, Actor::Exporter),
    t(
        A::Withdraw,
        S::AwaitingExporter,
        S::Withdrawn,
        Actor::Exporter,
    ),
    t(A::StartReview, S::Submitted, S::UnderReview, Actor::Officer),
    t(
        A::RequestInformation,
        S::UnderReview,
        S::AwaitingExporter,
        Actor::Officer,
    ),
    t(
        A::Respond,
        S::AwaitingExporter,
        S::UnderReview,
        Actor::Exporter,
    ),
    t(A::Approve, S::UnderReview, S::Approved, Actor::Officer),
    t(A::Refuse, S::UnderReview, S::Refused, Actor::Officer),
    t(A::Issue, S::Approved, S::Issued, Actor::Officer),
    t(A::Suspend, S::Issued, S::Suspended, Actor::Officer),
    t(A::Reinstate, S::Suspended, S::Issued, Actor::Officer),
    t(A::Revoke, S::Issued, S::Revoked, Actor::Officer),
    t(A::Annul, S::Issued, S::Annulled, Actor::Officer),
    t(A::Revoke, S::Suspended, S::Revoked, Actor::Officer),
    t(A::Expire, S::Issued, S::Expired, Actor::System),
    t(A::Expire, S::Suspended, S::Expired, Actor::System),
    t(A::Surrender, S::Issued, S::Surrendered, Actor::Exporter),
    t(A::Exhaust, S::Issued, S::Exhausted, Actor::System),
    t(A::Lapse, S::AwaitingExporter, S::Lapsed, Actor::Officer),
    t(A::Appeal, S::Refused, S::UnderAppeal, Actor::Exporter),
    t(A::UpholdRefusal, S::UnderAppeal, S::Refused, Actor::Officer),
    t(
        A::OverturnRefusal,
        S::UnderAppeal,
        S::Approved,
        Actor::Officer,
    ),
    t(
        A::DraftFinalAdvice,
        S::UnderReview,
        S::FinalReview,
        Actor::Officer,
    ),
    t(
        A::SubmitFinalAdvice,
        S::FinalReview,
        S::Countersigning,
        Actor::Officer,
    ),
    t(
        A::ReturnFinalAdvice,
        S::Countersigning,
        S::FinalReview,
        Actor::Countersigner,
    ),
    t(A::Approve, S::Countersigning, S::Approved, Actor::Officer),
    t(A::Refuse, S::Countersigning, S::Refused, Actor::Officer),
    t(
        A::ConcludeNoLicenceRequired,
        S::Countersigning,
        S::NoLicenceRequired,
        Actor::Officer,
    ),
    t(
        A::ConcludeNoLicenceRequired,
        S::UnderReview,
        S::NoLicenceRequired,
        Actor::Officer,
    ),
    t(
        A::ReturnForEditing,
        S::UnderReview,
        S::ReturnedForEditing,
        Actor::Officer,
    ),
    t(
        A::Resubmit,
        S::ReturnedForEditing,
        S::UnderReview,
        Actor::Exporter,
    ),
    t(
        A::Withdraw,
        S::ReturnedForEditing,
        S::Withdrawn,
        Actor::Exporter,
    ),
    t(A::Supersede, S::Issued, S::Superseded, Actor::System),
];

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} a case in state {current}")]
    IllegalFromState {
        action: &'static str,
        current: CaseState,
    },
    #[error("{actor:?} may not {action} a case")]
    NotPermitted { action: &'static str, actor: Actor },
}

/// Checks the edge and the actor; returns the new state.
pub fn transition(
    current: CaseState,
    action: CaseAction,
    actor: Actor,
) -> Result<CaseState, TransitionError> {
    let edges: Vec<&Transition> = TRANSITIONS.iter().filter(|e| e.action == action).collect();
    if !edges.iter().any(|e| e.actor == actor) {
        return Err(TransitionError::NotPermitted {
            action: action.as_str(),
            actor,
        });
    }
    edges
        .iter()
        .find(|e| e.from == current)
        .map(|e| e.to)
        .ok_or(TransitionError::IllegalFromState {
            action: action.as_str(),
            current,
        })
}

impl CaseAction {
    /// The phrase for messages: "cannot {phrase} a case ...".
    fn phrase(self) -> &'static str {
        match self {
            CaseAction::StartReview => "assign",
            CaseAction::RequestInformation => "request information on",
            CaseAction::Respond => "respond to",
            CaseAction::Appeal => "appeal",
            CaseAction::UpholdRefusal => "uphold the refusal of",
            CaseAction::OverturnRefusal => "overturn the refusal of",
            CaseAction::DraftFinalAdvice => "draft final advice on",
            CaseAction::SubmitFinalAdvice => "submit final advice on",
            CaseAction::ReturnFinalAdvice => "return the final advice on",
            CaseAction::ConcludeNoLicenceRequired => "conclude no licence required on",
            CaseAction::ReturnForEditing => "return for editing",
            other => other.as_str(),
        }
    }

    /// What to do first, in the API's words, when this action leads towards the wanted state.
    fn as_next_step(self) -> &'static str {
        match self {
            CaseAction::Submit => "submit it first",
            CaseAction::Withdraw => "it must be withdrawn first",
            CaseAction::StartReview => "assign it first",
            CaseAction::RequestInformation => "request information first",
            CaseAction::Respond => "the exporter must respond first",
            CaseAction::Approve => "approve it first",
            CaseAction::Refuse => "refuse it first",
            CaseAction::Issue => "issue it first",
            CaseAction::Suspend => "suspend it first",
            CaseAction::Reinstate => "reinstate it first",
            CaseAction::Revoke => "revoke it first",
            CaseAction::Expire => "wait for it to expire",
            CaseAction::Annul => "annul it first",
            CaseAction::Surrender => "the exporter must surrender it first",
            CaseAction::Exhaust => "record shipments up to its limits first",
            CaseAction::Lapse => "let the information request's deadline pass first",
            CaseAction::Appeal => "the exporter must appeal first",
            CaseAction::UpholdRefusal => "uphold the refusal on appeal first",
            CaseAction::OverturnRefusal => "overturn the refusal on appeal first",
            CaseAction::DraftFinalAdvice => "draft final advice first",
            CaseAction::SubmitFinalAdvice => "submit the final advice for countersigning first",
            CaseAction::ReturnFinalAdvice => "a countersigner must return the final advice first",
            CaseAction::ConcludeNoLicenceRequired => "conclude no licence required first",
            CaseAction::ReturnForEditing => "return it to the exporter for editing first",
            CaseAction::Resubmit => "the exporter must resubmit it first",
            CaseAction::Supersede => "issue a variation of the licence first",
        }
    }
}

/// Operations on a case that are not edges of the table, and the states they are allowed in.
const BEFORE_FINAL_REVIEW: &[CaseState] = &[S::Submitted, S::UnderReview, S::AwaitingExporter];
const OPEN: &[CaseState] = &[
    S::Submitted,
    S::UnderReview,
    S::AwaitingExporter,
    S::FinalReview,
    S::Countersigning,
    S::ReturnedForEditing,
];
const OTHER_OPERATIONS: &[(&str, &str, &[CaseState])] = &[
    ("assign", "assign", OPEN),
    ("request-advice", "request advice on", BEFORE_FINAL_REVIEW),
    ("advise on", "advise on", BEFORE_FINAL_REVIEW),
    (
        "edit-final-advice",
        "edit the final advice on",
        &[S::FinalReview],
    ),
    ("countersign", "countersign", &[S::Countersigning]),
];

/// The message for an action refused in `current`, saying in which states it is possible and, where the
/// case can still get there, the next step ("cannot request information on a case in state submitted: only
/// possible in state under-review; assign it first"). `action` is a [`CaseAction`]'s string or one of the
/// operations that are not edges of the table (assign, request-advice, advise on).
pub fn refusal_message(action: &str, current: CaseState) -> String {
    let table_action = TRANSITIONS
        .iter()
        .map(|e| e.action)
        .find(|a| a.as_str() == action);
    let (phrase, allowed): (&str, Vec<CaseState>) = match table_action {
        Some(a) => (
            a.phrase(),
            TRANSITIONS
                .iter()
                .filter(|e| e.action == a)
                .map(|e| e.from)
                .collect(),
        ),
        None => match OTHER_OPERATIONS.iter().find(|(name, ..)| *name == action) {
            Some((_, phrase, states)) => (phrase, states.to_vec()),
            None => (action, Vec::new()),
        },
    };
    let mut msg = format!("cannot {phrase} a case in state {current}");
    if allowed.is_empty() {
        return msg;
    }
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    let states = match names.as_slice() {
        [one] => format!("state {one}"),
        [init @ .., last] => format!("states {} or {last}", init.join(", ")),
        [] => unreachable!(),
    };
    msg.push_str(&format!(": only possible in {states}"));
    match first_step_towards(current, &allowed) {
        Some(step) => msg.push_str(&format!("; {}", step.as_next_step())),
        None if !TRANSITIONS.iter().any(|e| e.from == current) => {
            msg.push_str(&format!(", and {current} is a final state"))
        }
        None => msg.push_str(&format!(
            ", which a case in state {current} cannot return to"
        )),
    }
    msg
}

/// The first action of a shortest path (by people, not the system) from `from` to any of `to`.
fn first_step_towards(from: CaseState, to: &[CaseState]) -> Option<CaseAction> {
    let mut seen = vec![from];
    let mut frontier: Vec<(CaseState, CaseAction)> = Vec::new();
    for e in TRANSITIONS
        .iter()
        .filter(|e| e.from == from && e.actor != Actor::System)
    {
        if !seen.contains(&e.to) {
            seen.push(e.to);
            frontier.push((e.to, e.action));
        }
    }
    while !frontier.is_empty() {
        if let Some((_, first)) = frontier.iter().find(|(s, _)| to.contains(s)) {
            return Some(*first);
        }
        let mut next = Vec::new();
        for (state, first) in frontier {
            for e in TRANSITIONS
                .iter()
                .filter(|e| e.from == state && e.actor != Actor::System)
            {
                if !seen.contains(&e.to) {
                    seen.push(e.to);
                    next.push((e.to, first));
                }
            }
        }
        frontier = next;
    }
    None
}

/// The table as a Markdown table (used to check that ARCHITECTURE.md shows the real table).
pub fn transition_table_markdown() -> String {
    let mut s = String::from("| action | from | to | who |\n|---|---|---|---|\n");
    for e in TRANSITIONS {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            e.action.as_str(),
            e.from,
            e.to,
            match e.actor {
                Actor::Exporter => "exporter",
                Actor::Officer => "officer",
                Actor::System => "system",
                Actor::Countersigner => "countersigner",
            }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_path_to_issue_and_back() {
        let mut s = S::Draft;
        for (a, who) in [
            (A::Submit, Actor::Exporter),
            (A::StartReview, Actor::Officer),
            (A::RequestInformation, Actor::Officer),
            (A::Respond, Actor::Exporter),
            (A::Approve, Actor::Officer),
            (A::Issue, Actor::Officer),
            (A::Suspend, Actor::Officer),
            (A::Reinstate, Actor::Officer),
            (A::Revoke, Actor::Officer),
        ] {
            s = transition(s, a, who).unwrap();
        }
        assert_eq!(s, S::Revoked);
    }

    #[test]
    fn licence_ends_from_suspension_and_by_surrender_and_late_withdrawal() {
        assert_eq!(
            transition(S::Suspended, A::Revoke, Actor::Officer),
            Ok(S::Revoked)
        );
        assert_eq!(
            transition(S::Suspended, A::Expire, Actor::System),
            Ok(S::Expired)
        );
        assert_eq!(
            transition(S::Issued, A::Surrender, Actor::Exporter),
            Ok(S::Surrendered)
        );
        assert_eq!(
            transition(S::UnderReview, A::Withdraw, Actor::Exporter),
            Ok(S::Withdrawn)
        );
        assert_eq!(
            transition(S::AwaitingExporter, A::Withdraw, Actor::Exporter),
            Ok(S::Withdrawn)
        );
        // Who: only the exporter surrenders or withdraws; only an officer revokes.
        assert!(matches!(
            transition(S::Issued, A::Surrender, Actor::Officer),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(S::UnderReview, A::Withdraw, Actor::Officer),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(S::Suspended, A::Revoke, Actor::Exporter),
            Err(TransitionError::NotPermitted { .. })
        ));
        // Lapse and appeal.
        assert_eq!(
            transition(S::AwaitingExporter, A::Lapse, Actor::Officer),
            Ok(S::Lapsed)
        );
        assert_eq!(
            transition(S::Refused, A::Appeal, Actor::Exporter),
            Ok(S::UnderAppeal)
        );
        assert_eq!(
            transition(S::UnderAppeal, A::UpholdRefusal, Actor::Officer),
            Ok(S::Refused)
        );
        assert_eq!(
            transition(S::UnderAppeal, A::OverturnRefusal, Actor::Officer),
            Ok(S::Approved)
        );
        assert!(matches!(
            transition(S::Refused, A::Appeal, Actor::Officer),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(transition(S::UnderReview, A::Lapse, Actor::Officer).is_err());
        // Surrendered is final.
        assert!(!TRANSITIONS.iter().any(|e| e.from == S::Surrendered));
        assert!(S::Surrendered.is_decided());
    }

    /// Final advice: drafted by the officer, countersigned or returned by a countersigner, and decided by the
    /// officer only from countersigning (or, for a case that needs no countersignature, from under-review).
    #[test]
    fn final_review_and_countersigning() {
        let mut s = S::UnderReview;
        for (a, who) in [
            (A::DraftFinalAdvice, Actor::Officer),
            (A::SubmitFinalAdvice, Actor::Officer),
            (A::ReturnFinalAdvice, Actor::Countersigner),
            (A::SubmitFinalAdvice, Actor::Officer),
        ] {
            s = transition(s, a, who).unwrap();
        }
        assert_eq!(s, S::Countersigning);
        assert_eq!(transition(s, A::Approve, Actor::Officer), Ok(S::Approved));
        assert_eq!(transition(s, A::Refuse, Actor::Officer), Ok(S::Refused));
        assert_eq!(
            transition(s, A::ConcludeNoLicenceRequired, Actor::Officer),
            Ok(S::NoLicenceRequired)
        );
        // Only a countersigner returns; a countersigner takes no other edge.
        assert!(matches!(
            transition(s, A::ReturnFinalAdvice, Actor::Officer),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(s, A::Approve, Actor::Countersigner),
            Err(TransitionError::NotPermitted { .. })
        ));
        // Final review is not decided directly: it is submitted for countersigning first.
        assert!(transition(S::FinalReview, A::Approve, Actor::Officer).is_err());
        assert_eq!(
            refusal_message("approve", S::FinalReview),
            "cannot approve a case in state final-review: only possible in states under-review or \
             countersigning; submit the final advice for countersigning first"
        );
        assert_eq!(
            refusal_message("countersign", S::UnderReview),
            "cannot countersign a case in state under-review: only possible in state countersigning; draft \
             final advice first"
        );
        assert_eq!(
            refusal_message("advise on", S::FinalReview),
            "cannot advise on a case in state final-review: only possible in states submitted, under-review or \
             awaiting-exporter, which a case in state final-review cannot return to"
        );
        assert!(S::NoLicenceRequired.is_decided() && !S::NoLicenceRequired.is_open());
        assert!(!TRANSITIONS.iter().any(|e| e.from == S::NoLicenceRequired));
    }

    #[test]
    fn illegal_edges_name_the_current_state() {
        let e = transition(S::Draft, A::Approve, Actor::Officer).unwrap_err();
        assert_eq!(e.to_string(), "cannot approve a case in state draft");
        assert!(transition(S::Refused, A::Issue, Actor::Officer).is_err());
        assert!(transition(S::Revoked, A::Reinstate, Actor::Officer).is_err());
        assert!(transition(S::Annulled, A::Reinstate, Actor::Officer).is_err());
        assert!(transition(S::Approved, A::Annul, Actor::Officer).is_err());
        assert_eq!(
            transition(S::Issued, A::Annul, Actor::Officer),
            Ok(S::Annulled)
        );
        assert!(transition(S::Issued, A::Annul, Actor::Exporter).is_err());
        assert!(transition(S::Approved, A::Withdraw, Actor::Exporter).is_err());
        assert!(transition(S::Suspended, A::Surrender, Actor::Exporter).is_err());
    }

    #[test]
    fn refusals_say_where_an_action_is_possible_and_the_next_step() {
        let m = |a: &str, s: CaseState| refusal_message(a, s);
        assert_eq!(
            m("request-information", S::Submitted),
            "cannot request information on a case in state submitted: only possible in state under-review; \
             assign it first"
        );
        assert_eq!(
            m("approve", S::Draft),
            "cannot approve a case in state draft: only possible in states under-review or countersigning; submit it \
             first"
        );
        assert_eq!(
            m("issue", S::UnderReview),
            "cannot issue a case in state under-review: only possible in state approved; approve it first"
        );
        assert_eq!(
            m("withdraw", S::Approved),
            "cannot withdraw a case in state approved: only possible in states draft, submitted, under-review, \
             awaiting-exporter or returned-for-editing, which a case in state approved cannot return to"
        );
        assert_eq!(
            m("surrender", S::Suspended),
            "cannot surrender a case in state suspended: only possible in state issued; reinstate it first"
        );
        assert_eq!(
            m("reinstate", S::Revoked),
            "cannot reinstate a case in state revoked: only possible in state suspended, and revoked is a \
             final state"
        );
        assert_eq!(
            m("assign", S::Draft),
            "cannot assign a case in state draft: only possible in states submitted, under-review, \
             awaiting-exporter, final-review, countersigning or returned-for-editing; submit it first"
        );
        assert_eq!(
            m("advise on", S::Issued),
            "cannot advise on a case in state issued: only possible in states submitted, under-review or \
             awaiting-exporter, which a case in state issued cannot return to"
        );
        // Every action from every state where it is refused gets a hint.
        for a in TRANSITIONS.iter().map(|e| e.action) {
            for s in CaseState::ALL {
                if transition(
                    *s,
                    a,
                    TRANSITIONS.iter().find(|e| e.action == a).unwrap().actor,
                )
                .is_err()
                {
                    assert!(
                        m(a.as_str(), *s).contains(": only possible in"),
                        "{a:?} {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn actors_are_checked() {
        assert!(matches!(
            transition(S::UnderReview, A::Approve, Actor::Exporter),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(S::Draft, A::Submit, Actor::Officer),
            Err(TransitionError::NotPermitted { .. })
        ));
    }

    /// Open (counts towards queues and the clock) and decided (the clock has stopped for good) partition the
    /// states as documented; draft and withdrawn are neither.
    #[test]
    fn open_and_decided_states() {
        let open: Vec<_> = CaseState::ALL
            .iter()
            .filter(|s| s.is_open())
            .copied()
            .collect();
        assert_eq!(
            open,
            [
                S::Submitted,
                S::UnderReview,
                S::AwaitingExporter,
                S::FinalReview,
                S::Countersigning,
                S::ReturnedForEditing
            ]
        );
        let advice: Vec<_> = CaseState::ALL
            .iter()
            .filter(|s| s.takes_advice())
            .copied()
            .collect();
        assert_eq!(advice, [S::Submitted, S::UnderReview, S::AwaitingExporter]);
        let decided: Vec<_> = CaseState::ALL
            .iter()
            .filter(|s| s.is_decided())
            .copied()
            .collect();
        assert_eq!(
            decided,
            [
                S::Approved,
                S::Refused,
                S::Issued,
                S::Suspended,
                S::Revoked,
                S::Expired,
                S::Annulled,
                S::Surrendered,
                S::Exhausted,
                S::UnderAppeal,
                S::NoLicenceRequired,
                S::Superseded
            ]
        );
        for s in [S::Draft, S::Withdrawn, S::Lapsed] {
            assert!(!s.is_open() && !s.is_decided(), "{s}");
        }
    }

    /// States read back from storage and the API: every name parses to its state, anything else is refused
    /// with the list of names.
    #[test]
    fn states_parse_from_their_names_only() {
        for s in CaseState::ALL {
            assert_eq!(s.as_str().parse::<CaseState>(), Ok(*s));
            assert_eq!(s.to_string(), s.as_str());
        }
        let e = "Draft".parse::<CaseState>().unwrap_err();
        assert!(
            e.starts_with("\"Draft\" is not a case state; one of: draft, submitted,"),
            "{e}"
        );
    }

    /// The system's own edge (expiry) is never suggested as a person's next step, and an unknown operation
    /// gets the bare refusal.
    #[test]
    fn next_steps_are_people_s_actions() {
        assert_eq!(
            refusal_message("expire", S::Approved),
            "cannot expire a case in state approved: only possible in states issued or suspended; issue it first"
        );
        assert_eq!(
            refusal_message("respond", S::UnderReview),
            "cannot respond to a case in state under-review: only possible in state awaiting-exporter; \
             request information first"
        );
        assert_eq!(
            refusal_message("start-review", S::Draft),
            "cannot assign a case in state draft: only possible in state submitted; submit it first"
        );
        assert_eq!(
            refusal_message("suspend", S::Approved),
            "cannot suspend a case in state approved: only possible in state issued; issue it first"
        );
        assert_eq!(
            refusal_message("revoke", S::Expired),
            "cannot revoke a case in state expired: only possible in states issued or suspended, and expired is a \
             final state"
        );
        assert_eq!(
            refusal_message("frobnicate", S::Draft),
            "cannot frobnicate a case in state draft"
        );
        // Two steps away: the first step of the shortest path.
        assert_eq!(
            first_step_towards(S::Draft, &[S::UnderReview]),
            Some(A::Submit)
        );
        assert_eq!(
            first_step_towards(S::Draft, &[S::Approved]),
            Some(A::Submit)
        );
        assert_eq!(
            first_step_towards(S::Suspended, &[S::Annulled]),
            Some(A::Reinstate)
        );
        assert_eq!(
            first_step_towards(S::Suspended, &[S::Revoked]),
            Some(A::Revoke)
        );
        assert_eq!(first_step_towards(S::Issued, &[S::Expired]), None);
        // A refusal leads to a licence only on appeal.
        assert_eq!(
            first_step_towards(S::Refused, &[S::Issued]),
            Some(A::Appeal)
        );
    }

    /// The generated table has its header and one row per edge, in table order, with the actor's name.
    #[test]
    fn markdown_table_has_a_row_per_transition() {
        let md = transition_table_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), TRANSITIONS.len() + 2);
        assert_eq!(lines[0], "| action | from | to | who |");
        assert_eq!(lines[2], "| submit | draft | submitted | exporter |");
        assert!(
            lines.contains(&"| start-review | submitted | under-review | officer |"),
            "{md}"
        );
        assert_eq!(
            lines.last(),
            Some(&"| supersede | issued | superseded | system |")
        );
        assert!(
            lines.contains(
                &"| conclude-no-licence-required | countersigning | no-licence-required | officer |"
            ),
            "{md}"
        );
        assert!(
            lines.contains(
                &"| return-final-advice | countersigning | final-review | countersigner |"
            ),
            "{md}"
        );
    }

    #[test]
    fn architecture_doc_shows_the_real_table() {
        let doc = include_str!("../../../ARCHITECTURE.md");
        assert!(
            doc.contains(&transition_table_markdown()),
            "ARCHITECTURE.md must contain the transition table exactly as generated:\n{}",
            transition_table_markdown()
        );
    }
}
