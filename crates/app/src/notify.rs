//! Notifications: who must be told of a change, in the change's own transaction (a transactional outbox).
//!
//! [`App::notify`] stores one in-app notification per recipient and, in the same transaction, the jobs that
//! deliver it further: an e-mail when the recipient asked for e-mail (and SMTP is configured), and a webhook
//! message to each active endpoint of the organisation when the event concerns an exporter organisation. The
//! jobs are delivered by the job runner ([`crate::jobs`]); a crash between commit and delivery loses nothing.
//!
//! Texts carry the record's reference, its state and the event, nothing else: every recipient may see those,
//! and nothing confidential (advice, screening details, notes) is ever copied into a notification.
//! docs/notifications.md lists every event and who receives it.

use crate::{new_id, now, App, AppError, AppResult, Principal};
use domain::Role;
use serde::Serialize;
use store::{NewJob, NotificationRow, Tx};

/// A notified event: its stable name (in the API, in e-mail and in webhook `type`), its audience and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    CaseSubmitted,
    CaseAssigned,
    AdviceRequested,
    AdviceGiven,
    InformationRequested,
    InformationReminder,
    ResponseReceived,
    ScreeningHit,
    CaseIssued,
    CaseRefused,
    LicenceSuspended,
    LicenceReinstated,
    LicenceRevoked,
    LicenceAnnulled,
    LicenceExpiring,
    LicenceExpired,
    LicenceSurrendered,
    LicenceExhausted,
    CaseWithdrawn,
    CaseLapsed,
    AppealFiled,
    AppealDecided,
    RegistrationDecided,
    NoteMention,
    DocumentInfected,
    ReportOverdue,
    ReportConcern,
    EndUseCheckOpened,
    ReassessmentOpened,
    RestrictionOrdered,
    RestrictionConfirmed,
    ComplianceAuditScheduled,
    ComplianceAuditFindings,
    ComplianceAuditResponse,
    CaseReturned,
    CaseResubmitted,
    CaseNoLicenceRequired,
    ExemptionDecided,
}

impl Event {
    pub const ALL: [Event; 38] = [
        Event::CaseSubmitted,
        Event::CaseAssigned,
        Event::AdviceRequested,
        Event::AdviceGiven,
        Event::InformationRequested,
        Event::InformationReminder,
        Event::ResponseReceived,
        Event::ScreeningHit,
        Event::CaseIssued,
        Event::CaseRefused,
        Event::LicenceSuspended,
        Event::LicenceReinstated,
        Event::LicenceRevoked,
        Event::LicenceAnnulled,
        Event::LicenceExpiring,
        Event::LicenceExpired,
        Event::LicenceSurrendered,
        Event::LicenceExhausted,
        Event::CaseWithdrawn,
        Event::CaseLapsed,
        Event::AppealFiled,
        Event::AppealDecided,
        Event::RegistrationDecided,
        Event::NoteMention,
        Event::DocumentInfected,
        Event::ReportOverdue,
        Event::ReportConcern,
        Event::EndUseCheckOpened,
        Event::ReassessmentOpened,
        Event::RestrictionOrdered,
        Event::RestrictionConfirmed,
        Event::ComplianceAuditScheduled,
        Event::ComplianceAuditFindings,
        Event::ComplianceAuditResponse,
        Event::CaseReturned,
        Event::CaseResubmitted,
        Event::CaseNoLicenceRequired,
        Event::ExemptionDecided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::CaseSubmitted => "case.submitted",
            Event::CaseAssigned => "case.assigned",
            Event::AdviceRequested => "advice.requested",
            Event::AdviceGiven => "advice.given",
            Event::InformationRequested => "information.requested",
            Event::InformationReminder => "information.reminder",
            Event::ResponseReceived => "information.received",
            Event::ScreeningHit => "screening.hit",
            Event::CaseIssued => "case.issued",
            Event::CaseRefused => "case.refused",
            Event::LicenceSuspended => "licence.suspended",
            Event::LicenceReinstated => "licence.reinstated",
            Event::LicenceRevoked => "licence.revoked",
            Event::LicenceAnnulled => "licence.annulled",
            Event::LicenceExpiring => "licence.expiring",
            Event::LicenceExpired => "licence.expired",
            Event::LicenceSurrendered => "licence.surrendered",
            Event::LicenceExhausted => "licence.exhausted",
            Event::CaseWithdrawn => "case.withdrawn",
            Event::CaseLapsed => "case.lapsed",
            Event::AppealFiled => "appeal.filed",
            Event::AppealDecided => "appeal.decided",
            Event::RegistrationDecided => "registration.decided",
            Event::NoteMention => "note.mention",
            Event::DocumentInfected => "document.infected",
            Event::ReportOverdue => "report.overdue",
            Event::ReportConcern => "report.concern",
            Event::EndUseCheckOpened => "end-use-check.opened",
            Event::ReassessmentOpened => "reassessment.opened",
            Event::RestrictionOrdered => "restriction.ordered",
            Event::RestrictionConfirmed => "restriction.confirmed",
            Event::ComplianceAuditScheduled => "compliance-audit.scheduled",
            Event::ComplianceAuditFindings => "compliance-audit.findings",
            Event::ComplianceAuditResponse => "compliance-audit.response",
            Event::CaseReturned => "case.returned",
            Event::CaseResubmitted => "case.resubmitted",
            Event::CaseNoLicenceRequired => "case.no-licence-required",
            Event::ExemptionDecided => "exemption.decided",
        }
    }

    /// Whether the event is told to the exporter organisation (and so to its webhooks).
    pub fn for_exporter(self) -> bool {
        matches!(
            self,
            Event::InformationRequested
                | Event::InformationReminder
                | Event::CaseIssued
                | Event::CaseRefused
                | Event::LicenceSuspended
                | Event::LicenceReinstated
                | Event::LicenceRevoked
                | Event::LicenceAnnulled
                | Event::LicenceExpiring
                | Event::LicenceExpired
                | Event::LicenceExhausted
                | Event::CaseLapsed
                | Event::AppealDecided
                | Event::RegistrationDecided
                | Event::ReportOverdue
                | Event::EndUseCheckOpened
                | Event::RestrictionOrdered
                | Event::ComplianceAuditScheduled
                | Event::ComplianceAuditFindings
                | Event::CaseReturned
                | Event::CaseNoLicenceRequired
                | Event::ExemptionDecided
        )
    }

    /// The subject line and the one-paragraph text, from the reference and state only.
    pub fn text(self, reference: &str, state: &str) -> (String, String) {
        let (subject, body) = match self {
            Event::CaseSubmitted => ("Application {ref} submitted", "Application {ref} was submitted and waits in the officers' queue for assignment."),
            Event::CaseAssigned => ("Application {ref} assigned to you", "Application {ref} was assigned to you for review (state: {state})."),
            Event::AdviceRequested => ("Advice requested on {ref}", "Your advice is requested on application {ref}."),
            Event::AdviceGiven => ("Advice given on {ref}", "An adviser gave advice on application {ref}, which is assigned to you."),
            Event::InformationRequested => ("Information requested on {ref}", "The licensing authority asks for more information on application {ref}. The processing clock is stopped until you answer."),
            Event::InformationReminder => ("Reminder: information requested on {ref}", "The licensing authority still waits for your answer on application {ref}."),
            Event::ResponseReceived => ("Response received on {ref}", "The exporter answered the information request on application {ref}, which is assigned to you."),
            Event::ScreeningHit => ("Screening hit to review on {ref}", "Screening found a possible match on a party of application {ref}; review it before the case can be decided."),
            Event::CaseIssued => ("Licence issued for {ref}", "The licence for application {ref} was issued."),
            Event::CaseRefused => ("Application {ref} refused", "Application {ref} was refused. The decision and its reasons are in the application."),
            Event::LicenceSuspended => ("Licence {ref} suspended", "The licence of application {ref} was suspended."),
            Event::LicenceReinstated => ("Licence {ref} reinstated", "The licence of application {ref} was reinstated."),
            Event::LicenceRevoked => ("Licence {ref} revoked", "The licence of application {ref} was revoked."),
            Event::LicenceAnnulled => ("Licence {ref} annulled", "The licence of application {ref} was annulled: it is void from its issue."),
            Event::LicenceExpiring => ("Licence {ref} expires soon", "The licence of application {ref} expires soon; apply in time if it is still needed."),
            Event::LicenceExpired => ("Licence {ref} expired", "The licence of application {ref} expired."),
            Event::LicenceSurrendered => ("Licence {ref} surrendered", "The exporter surrendered the licence of application {ref}."),
            Event::LicenceExhausted => ("Licence {ref} exhausted", "The shipments recorded against the licence of application {ref} used up its quantity or value limit; it can no longer be used."),
            Event::CaseWithdrawn => ("Application {ref} withdrawn", "The exporter withdrew application {ref}, which was assigned to you."),
            Event::CaseLapsed => ("Application {ref} lapsed", "Application {ref} was closed as lapsed: the information request was not answered by its deadline."),
            Event::AppealFiled => ("Appeal filed on {ref}", "The exporter appealed the refusal of application {ref}; an officer who did not decide the refusal reviews it."),
            Event::AppealDecided => ("Appeal on {ref} decided", "The appeal against the refusal of application {ref} was decided (state: {state})."),
            Event::RegistrationDecided => ("Registration {state}", "The licensing authority decided your organisation's registration: {state}."),
            Event::NoteMention => ("You were mentioned on {ref}", "You were mentioned in a note on application {ref}."),
            Event::CaseReturned => ("Application {ref} returned for editing", "The licensing authority returned application {ref} to you for editing; the reason is in the application. The processing clock is stopped until you resubmit it."),
            Event::CaseResubmitted => ("Application {ref} resubmitted", "The exporter edited and resubmitted application {ref}, which is assigned to you."),
            Event::CaseNoLicenceRequired => ("No licence required for {ref}", "The licensing authority concluded that no licence is required for application {ref}."),
            Event::ExemptionDecided => ("Marketing-licence exemption {ref} {state}", "The licensing authority decided on your marketing-licence exemption {ref}: it is now {state}. The reason is on the exemption."),
            Event::DocumentInfected => ("Document refused on {ref}", "A document you uploaded to application {ref} was found infected by the virus scanner; it cannot be downloaded. Upload a clean copy."),
            Event::ReportOverdue => ("Report overdue on licence {ref}", "A report required by a reporting obligation of licence {ref} is overdue; file it without delay."),
            Event::ReportConcern => ("Report on licence {ref} needs review", "A report filed under licence {ref} states that the end-user declaration was not respected or that a target limit was exceeded."),
            Event::EndUseCheckOpened => ("End-use check {ref}", "The licensing authority opened an end-use check ({state}) on a party of your application or licence {ref}."),
            Event::ReassessmentOpened => ("Reassessment opened on {ref}", "Evidence of misuse was linked to {ref}; a reassessment task waits in the officers' queue."),
            Event::RestrictionOrdered => ("Instruction to restrict or shut down under licence {ref}", "The licensing authority found a breach of the end-user declaration under licence {ref} and instructs you to restrict or shut down the system; confirm when done."),
            Event::RestrictionConfirmed => ("Restriction confirmed on {ref}", "The exporter confirmed that it carried out the instruction to restrict or shut down the system under {ref}."),
            Event::ComplianceAuditScheduled => ("Compliance audit {ref} scheduled", "The licensing authority scheduled a compliance audit of your organisation ({state})."),
            Event::ComplianceAuditFindings => ("Findings of compliance audit {ref}", "The licensing authority recorded findings in compliance audit {ref}; answer each of them."),
            Event::ComplianceAuditResponse => ("Response to compliance audit {ref}", "The exporter responded to the findings of compliance audit {ref}."),
        };
        let fill = |s: &str| s.replace("{ref}", reference).replace("{state}", state);
        (fill(subject), fill(body))
    }
}

/// Who receives an event.
#[derive(Debug, Clone)]
pub(crate) enum Audience {
    /// Every enabled user of these roles.
    Roles(Vec<Role>),
    /// The exporters of an organisation.
    Org(String),
    /// Advisers of one review kind.
    Advisers(domain::ReviewKind),
    /// These users.
    Users(Vec<String>),
}

/// What a notification is about.
#[derive(Debug, Clone)]
pub(crate) struct Subject<'a> {
    pub record_kind: &'a str,
    pub record_id: &'a str,
    pub reference: Option<&'a str>,
    pub state: &'a str,
    /// The exporter organisation the record belongs to (its webhooks receive exporter events).
    pub org_id: Option<&'a str>,
}

/// The job kinds of notification delivery.
pub const DELIVER_EMAIL: &str = "deliver-email";
pub const DELIVER_WEBHOOK: &str = "deliver-webhook";

/// Payload of a `deliver-email` job.
#[derive(Debug, Serialize, serde::Deserialize)]
pub(crate) struct EmailJob {
    pub user_id: String,
    pub notification_id: String,
}

/// Payload of a `deliver-webhook` job: the endpoint, the message id (the `webhook-id` header, the same on
/// every retry) and the body to send.
#[derive(Debug, Serialize, serde::Deserialize)]
pub(crate) struct WebhookJob {
    pub webhook_id: String,
    pub message_id: String,
    pub event: String,
    pub body: String,
}

impl App {
    /// Stores the notifications of `event` on `subject` for `audience` (never the actor itself) and the jobs
    /// delivering them, in `tx`.
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        who: &Principal,
        event: Event,
        subject: &Subject<'_>,
        audience: Audience,
    ) -> AppResult<()> {
        let users = match &audience {
            Audience::Roles(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                tx.recipients(&names, None, None).await?
            }
            Audience::Org(org) => {
                tx.recipients(&[Role::Exporter.as_str()], Some(org), None)
                    .await?
            }
            Audience::Advisers(kind) => {
                tx.recipients(&[Role::Adviser.as_str()], None, Some(kind.as_str()))
                    .await?
            }
            Audience::Users(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    match tx.user_by_id(id).await {
                        Ok(u) if !u.disabled => out.push(u),
                        Ok(_) | Err(store::StoreError::NotFound) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                out
            }
        };
        let reference = subject.reference.unwrap_or(subject.record_id);
        let (title, body) = event.text(reference, subject.state);
        let at = now();
        let rows: Vec<NotificationRow> = users
            .iter()
            .filter(|u| u.id != who.user_id)
            .map(|u| NotificationRow {
                id: new_id(),
                user_id: u.id.clone(),
                event: event.as_str().into(),
                record_kind: subject.record_kind.into(),
                record_id: subject.record_id.into(),
                reference: subject.reference.map(str::to_string),
                subject: title.clone(),
                body: body.clone(),
                created_at: at.clone(),
                read_at: None,
            })
            .collect();
        tx.insert_notifications(&rows).await?;
        if self.config.notify.smtp.is_some() {
            for n in &rows {
                let prefs = tx.preferences(&n.user_id).await?;
                if prefs.email_enabled && prefs.email.is_some() {
                    let payload = EmailJob {
                        user_id: n.user_id.clone(),
                        notification_id: n.id.clone(),
                    };
                    self.enqueue(tx, DELIVER_EMAIL, &payload, None).await?;
                }
            }
        }
        if let (true, Some(org)) = (event.for_exporter(), subject.org_id) {
            for w in tx.org_webhooks(org).await? {
                let message_id = format!("msg_{}", new_id());
                let body = serde_json::json!({
                    "type": event.as_str(),
                    "timestamp": at,
                    "data": {
                        "record_kind": subject.record_kind,
                        "id": subject.record_id,
                        "reference": subject.reference,
                        "state": subject.state,
                    }
                })
                .to_string();
                let payload = WebhookJob {
                    webhook_id: w.id,
                    message_id,
                    event: event.as_str().into(),
                    body,
                };
                self.enqueue(tx, DELIVER_WEBHOOK, &payload, None).await?;
            }
        }
        Ok(())
    }

    /// Stores a job in `tx` (runs only if `tx` commits), due now or at `run_at`; `id` defaults to a new one.
    pub(crate) async fn enqueue<P: Serialize>(
        &self,
        tx: &mut Tx,
        kind: &str,
        payload: &P,
        scheduled: Option<(String, String)>,
    ) -> AppResult<()> {
        let payload =
            serde_json::to_string(payload).map_err(|e| AppError::Internal(e.to_string()))?;
        let (id, run_at) = scheduled.unwrap_or_else(|| (new_id(), now()));
        tx.enqueue_job(&NewJob {
            id,
            kind: kind.into(),
            payload,
            run_at,
            max_attempts: i64::from(self.config.notify.max_attempts),
            created_at: now(),
        })
        .await?;
        Ok(())
    }
}

/// The exporter organisation's audience of a case, if the case belongs to one.
pub(crate) fn org_audience(org_id: Option<&str>) -> Option<Audience> {
    org_id.map(|o| Audience::Org(o.to_string()))
}

/// How notifications are delivered and background jobs retried.
#[derive(Clone)]
pub struct NotifyConfig {
    /// The SMTP relay for e-mail; None: no e-mail is sent (in-app notifications and webhooks still are).
    pub smtp: Option<SmtpConfig>,
    /// Attempts of a job before it is marked failed.
    pub max_attempts: u32,
    /// Delay before the first retry; each further retry waits twice as long.
    pub retry_base: std::time::Duration,
    /// Working-time-free reminder: days after an information request still unanswered when the exporter is
    /// reminded.
    pub reminder_days: u32,
    /// Days before a licence's expiry when its exporter is told it expires soon.
    pub expiry_notice_days: u32,
    /// Hosts to which webhooks may be sent over plain HTTP or on private addresses (tests, internal
    /// receivers); every other endpoint must be `https://` to a public host name or address.
    pub webhook_allow_hosts: Vec<String>,
    /// Time allowed for one webhook request.
    pub webhook_timeout: std::time::Duration,
    /// Accept webhook hosts that resolve to a loopback address (tests only); private and link-local addresses
    /// are refused whatever this says, unless the host is in `webhook_allow_hosts`.
    pub webhook_allow_loopback: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            max_attempts: 5,
            retry_base: std::time::Duration::from_secs(30),
            reminder_days: 10,
            expiry_notice_days: 30,
            webhook_allow_hosts: Vec::new(),
            webhook_timeout: std::time::Duration::from_secs(10),
            webhook_allow_loopback: false,
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("smtp", &self.smtp)
            .field("max_attempts", &self.max_attempts)
            .field("retry_base", &self.retry_base)
            .field("reminder_days", &self.reminder_days)
            .field("expiry_notice_days", &self.expiry_notice_days)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
            .field("webhook_allow_loopback", &self.webhook_allow_loopback)
            .finish()
    }
}

/// How to reach the SMTP relay.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// none (plain SMTP, for a relay on the same host), starttls or tls (implicit TLS).
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender address of every message.
    pub from: String,
}

/// Whether `s` is an e-mail address (as SMTP accepts it).
pub fn is_email_address(s: &str) -> bool {
    s.parse::<lettre::Address>().is_ok()
}

/// Transport security to the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            _ => Err(format!("{s:?}: use none, starttls or tls")),
        }
    }
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("from", &self.from)
            .finish()
    }
}

impl App {
    /// The notifications of a case change, in its transaction: derived from the lifecycle action (or the
    /// audit action of a change that is no transition) and from what changed between `before` and `after`.
    pub(crate) async fn notify_case_change(
        &self,
        tx: &mut Tx,
        who: &Principal,
        audit_action: &str,
        action: Option<domain::CaseAction>,
        before: &store::Record<crate::model::CaseBody>,
        after: &store::Record<crate::model::CaseBody>,
    ) -> AppResult<()> {
        use domain::CaseAction as A;
        let officers_or_assigned = || match &after.assigned_to {
            Some(a) => Audience::Users(vec![a.clone()]),
            None => Audience::Roles(vec![Role::Officer]),
        };
        let org = org_audience(after.org_id.as_deref());
        let mut events: Vec<(Event, Audience)> = Vec::new();
        match action {
            Some(A::Submit) => {
                events.push((Event::CaseSubmitted, Audience::Roles(vec![Role::Officer])))
            }
            Some(A::RequestInformation) => {
                if let Some(o) = org.clone() {
                    events.push((Event::InformationRequested, o));
                }
                self.schedule_reminder(tx, after).await?;
            }
            Some(A::Respond) => events.push((Event::ResponseReceived, officers_or_assigned())),
            Some(A::Resubmit) => events.push((Event::CaseResubmitted, officers_or_assigned())),
            Some(A::Surrender) => events.push((Event::LicenceSurrendered, officers_or_assigned())),
            // Every officer: the reviewer must be another officer than the one who decided.
            Some(A::Appeal) => {
                events.push((Event::AppealFiled, Audience::Roles(vec![Role::Officer])))
            }
            // A case an officer already works on: that officer stops (a draft or an unassigned case tells nobody).
            Some(A::Withdraw) => {
                if let Some(a) = &after.assigned_to {
                    events.push((Event::CaseWithdrawn, Audience::Users(vec![a.clone()])));
                }
            }
            Some(A::Issue) => {
                if let Some(o) = org.clone() {
                    events.push((Event::CaseIssued, o));
                }
                self.schedule_expiry_notice(tx, after).await?;
            }
            Some(a) => {
                let event = match a {
                    A::Refuse => Some(Event::CaseRefused),
                    A::Suspend => Some(Event::LicenceSuspended),
                    A::Reinstate => Some(Event::LicenceReinstated),
                    A::Revoke => Some(Event::LicenceRevoked),
                    A::Annul => Some(Event::LicenceAnnulled),
                    A::Expire => Some(Event::LicenceExpired),
                    A::Exhaust => Some(Event::LicenceExhausted),
                    A::Lapse => Some(Event::CaseLapsed),
                    A::ReturnForEditing => Some(Event::CaseReturned),
                    A::ConcludeNoLicenceRequired => Some(Event::CaseNoLicenceRequired),
                    A::UpholdRefusal | A::OverturnRefusal => Some(Event::AppealDecided),
                    _ => None,
                };
                if let (Some(e), Some(o)) = (event, org.clone()) {
                    events.push((e, o));
                }
            }
            None => {}
        }
        if after.assigned_to.is_some() && after.assigned_to != before.assigned_to {
            if let Some(a) = &after.assigned_to {
                events.push((Event::CaseAssigned, Audience::Users(vec![a.clone()])));
            }
        }
        // Advice newly awaited (requested by an officer, or at submission from the required reviews).
        let pending = |r: &store::Record<crate::model::CaseBody>, k: domain::ReviewKind| {
            r.body
                .advice
                .iter()
                .any(|a| a.review == k && a.advice.is_none())
        };
        let mut asked = Vec::new();
        for a in &after.body.advice {
            if a.advice.is_none() && !pending(before, a.review) && !asked.contains(&a.review) {
                asked.push(a.review);
                events.push((Event::AdviceRequested, Audience::Advisers(a.review)));
            }
        }
        if audit_action == "give-advice" {
            events.push((Event::AdviceGiven, officers_or_assigned()));
        }
        let open = |r: &store::Record<crate::model::CaseBody>| {
            r.body
                .screening
                .iter()
                .filter(|h| h.status == "open")
                .count()
        };
        if open(after) > open(before) {
            events.push((Event::ScreeningHit, officers_or_assigned()));
        }
        let subject = Subject {
            record_kind: crate::cases::CASE,
            record_id: &after.id,
            reference: after.reference.as_deref(),
            state: &after.state,
            org_id: after.org_id.as_deref(),
        };
        for (event, audience) in events {
            self.notify(tx, who, event, &subject, audience).await?;
        }
        Ok(())
    }
}
