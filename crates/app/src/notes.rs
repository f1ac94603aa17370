//! Case notes: officers and advisers write internal notes (never shown to the exporter) or notes shared with
//! the exporter; exporters write shared notes only. A note is immutable once written (a correction is a new
//! note): there is no update or delete path. Each note is audited, and the users it mentions are notified in
//! its transaction (the notification names the case, never the note's text).

use crate::access::Kind;
use crate::cases::CASE;
use crate::notify::{Audience, Event, Subject};
use crate::{audit, new_id, now, text, App, AppError, AppResult, Principal};
use domain::Role;
use serde::{Deserialize, Serialize};
use store::{Filter, Record};
use utoipa::ToSchema;

/// The record kind of notes.
pub const NOTE: &str = "note";

/// Who may read a note.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum NoteVisibility {
    /// Staff only: never shown to the exporter.
    Internal,
    /// Shown to the exporter organisation too.
    Shared,
}

impl NoteVisibility {
    pub const ALL: &'static [NoteVisibility] = &[NoteVisibility::Internal, NoteVisibility::Shared];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteVisibility::Internal => "internal",
            NoteVisibility::Shared => "shared",
        }
    }
}

/// A new note on a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// The note (at most 10,000 characters).
    pub text: String,
    pub visibility: NoteVisibility,
    /// Ids of users to notify; each must be able to read the note.
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// A stored note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Note {
    pub id: String,
    pub case_id: String,
    pub visibility: NoteVisibility,
    pub text: String,
    /// Mentioned users (not shown to exporters).
    pub mentions: Vec<String>,
    /// The author's id and username; shown to exporters only for notes written by exporters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_username: Option<String>,
    pub author_role: Role,
    pub created_at: String,
}

/// Whether `reader` may read a note of `visibility` on `case`.
fn may_read(
    reader: &Principal,
    visibility: NoteVisibility,
    case: &Record<crate::model::CaseBody>,
) -> bool {
    reader.admits(Kind::Case, case)
        && (visibility == NoteVisibility::Shared || reader.role != Role::Exporter)
}

impl App {
    /// Writes a note on a case the caller may read.
    pub async fn add_note(&self, who: &Principal, case_id: &str, n: NewNote) -> AppResult<Note> {
        who.require(
            &[Role::Officer, Role::Adviser, Role::Exporter],
            "write case notes",
        )?;
        if who.role == Role::Exporter && n.visibility == NoteVisibility::Internal {
            return Err(AppError::Forbidden(
                "exporters write shared notes only".into(),
            ));
        }
        let body_text = text("text", &n.text, 10_000)?;
        crate::bounded_unique("mentions", &n.mentions, 20)?;
        for (i, m) in n.mentions.iter().enumerate() {
            crate::record_id(&format!("mentions[{i}]"), m)?;
        }
        let mut tx = self.store.begin().await?;
        let case = tx
            .get::<crate::model::CaseBody>(CASE, case_id)
            .await
            .map_err(crate::not_found("application"))?;
        let case = who.visible(Kind::Case, case)?;
        for (i, m) in n.mentions.iter().enumerate() {
            let field = format!("mentions[{i}]");
            let u = match tx.user_by_id(m).await {
                Ok(u) if !u.disabled => u,
                Ok(_) | Err(store::StoreError::NotFound) => {
                    return Err(AppError::invalid(field, "no such user"))
                }
                Err(e) => return Err(e.into()),
            };
            let reader = Principal {
                user_id: u.id.clone(),
                username: u.username.clone(),
                role: u.role.parse().map_err(AppError::Internal)?,
                review_kind: u
                    .review_kind
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(AppError::Internal)?,
                org_id: u.org_id.clone(),
                token_id: None,
                origin: crate::Origin::Api,
            };
            if !may_read(&reader, n.visibility, &case) {
                return Err(AppError::invalid(
                    field,
                    "this user cannot read the note (mention only users who may see the case and the note)",
                ));
            }
        }
        let note = Note {
            id: new_id(),
            case_id: case.id.clone(),
            visibility: n.visibility,
            text: body_text,
            mentions: n.mentions.clone(),
            author: Some(who.user_id.clone()),
            author_username: Some(who.username.clone()),
            author_role: who.role,
            created_at: now(),
        };
        let mut rec = Record::new(
            note.id.clone(),
            NOTE,
            case.org_id.clone(),
            n.visibility.as_str(),
            note.clone(),
            note.created_at.clone(),
        );
        rec.tags = format!(",case:{},", case.id);
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "add-note",
            NOTE,
            &note.id,
            None::<&()>,
            Some(&note),
            None,
        );
        if !n.mentions.is_empty() {
            let subject = Subject {
                record_kind: CASE,
                record_id: &case.id,
                reference: case.reference.as_deref(),
                state: &case.state,
                org_id: case.org_id.as_deref(),
            };
            self.notify(
                &mut tx,
                who,
                Event::NoteMention,
                &subject,
                Audience::Users(n.mentions),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(note)
    }

    /// The notes on a case the caller may read, oldest first (exporters: shared notes only).
    pub async fn notes(&self, who: &Principal, case_id: &str) -> AppResult<Vec<Note>> {
        let case = self.case_record(who, case_id).await?;
        let states = if who.role == Role::Exporter {
            vec![NoteVisibility::Shared.as_str().to_string()]
        } else {
            Vec::new()
        };
        let rows = self
            .store
            .list::<Note>(
                NOTE,
                &Filter {
                    tags: vec![format!("case:{}", case.id)],
                    states,
                    ..Default::default()
                },
            )
            .await?;
        let exporter = who.role == Role::Exporter;
        Ok(rows
            .into_iter()
            .filter(|r| may_read(who, r.body.visibility, &case))
            .map(|r| {
                let mut n = r.body;
                // Exporters see who at the authority wrote a note by role only, as everywhere else.
                if exporter {
                    n.mentions.clear();
                    if n.author_role != Role::Exporter {
                        n.author = None;
                        n.author_username = None;
                    }
                }
                n
            })
            .collect())
    }
}
