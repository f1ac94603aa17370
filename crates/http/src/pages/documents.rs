//! Case documents on the pages: the rows the exporter's and the officer's case pages show (documents with
//! their scan and check, end-user declarations with their verification), the download of a document for a
//! signed-in user (the use case applies the case's access rules: an exporter never reaches an internal
//! document), and the reading of an upload form (`multipart/form-data`) bounded by the configured document
//! size, as the API's upload is.

use super::{app_error, FormData, Session};
use crate::AppState;
use app::documents::{Declaration, Document, END_USER_DECLARATION};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/cases/{id}/documents/{doc}", get(download))
}

/// A document as a case page lists it.
pub struct DocumentRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub scan: &'static str,
    pub visibility: &'static str,
    pub downloadable: bool,
    /// `verified` or `rejected` once an officer has checked it, else "".
    pub check: &'static str,
    pub check_reason: String,
    /// Whether the officer checks it on the document (every kind but the end-user declaration, which is
    /// checked through its declaration) and has not yet.
    pub checkable: bool,
    /// The id of the reason control of its check form (errors are shown there).
    pub control: String,
}

impl DocumentRow {
    fn of(d: Document) -> DocumentRow {
        let (check, check_reason) = match &d.verification {
            Some(v) => (v.outcome.as_str(), v.reason.clone().unwrap_or_default()),
            None => ("", String::new()),
        };
        DocumentRow {
            control: format!("check-reason-{}", d.id),
            checkable: d.kind != END_USER_DECLARATION && d.verification.is_none(),
            downloadable: d.scan.downloadable(),
            scan: d.scan.as_str(),
            visibility: d.visibility.as_str(),
            id: d.id,
            kind: d.kind,
            name: d.name,
            content_type: d.content_type,
            size: d.size,
            check,
            check_reason,
        }
    }
}

/// An end-user declaration as a case page lists it.
pub struct DeclarationRow {
    pub id: String,
    pub signatory_name: String,
    pub signatory_position: String,
    pub end_user_organisation: String,
    pub signed_on: String,
    pub terms_version: String,
    pub valid_until: String,
    /// The signed file's name (and id, for the download link).
    pub document_id: String,
    pub document_name: String,
    /// `verified`, `rejected` or "" (not yet checked).
    pub check: &'static str,
    pub check_reason: String,
    /// The id of the reason control of its verification form.
    pub control: String,
}

/// The documents and declarations of a case, as its reader may see them.
#[derive(Default)]
pub struct CaseDocuments {
    pub documents: Vec<DocumentRow>,
    pub declarations: Vec<DeclarationRow>,
    /// (id, name) of the end-user declaration files a declaration may point at.
    pub declaration_files: Vec<(String, String)>,
}

impl CaseDocuments {
    pub async fn load(st: &AppState, s: &Session, case_id: &str) -> Result<Self, Response> {
        let docs = st
            .app
            .documents(&s.who, case_id)
            .await
            .map_err(|e| app_error(Some(s), e))?;
        let decls: Vec<Declaration> = st
            .app
            .declarations(&s.who, case_id)
            .await
            .map_err(|e| app_error(Some(s), e))?;
        let name_of = |id: &str| {
            docs.iter()
                .find(|d| d.id == id)
                .map(|d| d.name.clone())
                .unwrap_or_default()
        };
        let declarations = decls
            .into_iter()
            .map(|d| {
                let (check, check_reason) = match &d.verification {
                    Some(v) => (v.outcome.as_str(), v.reason.clone().unwrap_or_default()),
                    None => ("", String::new()),
                };
                DeclarationRow {
                    control: format!("verify-reason-{}", d.id),
                    document_name: name_of(&d.document_id),
                    id: d.id,
                    signatory_name: d.signatory_name,
                    signatory_position: d.signatory_position,
                    end_user_organisation: d.end_user_organisation,
                    signed_on: d.signed_on.to_string(),
                    terms_version: d.terms_version,
                    valid_until: d.valid_until.to_string(),
                    document_id: d.document_id,
                    check,
                    check_reason,
                }
            })
            .collect();
        let declaration_files = docs
            .iter()
            .filter(|d| {
                d.kind == END_USER_DECLARATION && d.scan != app::documents::ScanStatus::Infected
            })
            .map(|d| (d.id.clone(), d.name.clone()))
            .collect();
        Ok(CaseDocuments {
            documents: docs.into_iter().map(DocumentRow::of).collect(),
            declarations,
            declaration_files,
        })
    }
}

/// `GET /cases/{id}/documents/{doc}`: a document's content for a signed-in user who may read it.
async fn download(
    State(st): State<AppState>,
    s: Session,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    match st.app.document_content(&s.who, &id, &doc).await {
        Ok((d, content)) => {
            let name: String = d
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let name = if name.trim_matches('.').is_empty() {
                "document".to_string()
            } else {
                name
            };
            (
                [
                    (header::CONTENT_TYPE, d.content_type),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CACHE_CONTROL, "private, no-store".to_string()),
                ],
                content,
            )
                .into_response()
        }
        Err(e) => app_error(Some(&s), e),
    }
}

/// What went wrong reading an upload form: the control it concerns and the message.
pub struct UploadError {
    pub control: &'static str,
    pub message: String,
    pub too_large: bool,
}

/// An upload form read: its text fields, and the file (its name and content) if one was sent.
pub struct Upload {
    pub fields: FormData,
    pub file: Option<(String, bytes::Bytes)>,
}

/// Largest text field of an upload form.
const TEXT_FIELD_LIMIT: usize = 1024;

/// How much of an oversized file is read (and discarded) before answering, so that the browser finishes
/// sending and shows the answer.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Reads an upload form: text fields up to 1 KB each, the `file_field` part up to `max` bytes; errors in the
/// language of `m`.
pub async fn read_upload(
    form: Result<Multipart, MultipartRejection>,
    file_field: &str,
    file_control: &'static str,
    max: usize,
    m: &'static super::Catalogue,
) -> Result<Upload, UploadError> {
    let malformed = || UploadError {
        control: file_control,
        message: m.t(key!("document-upload-malformed")).to_string(),
        too_large: false,
    };
    let mut form = form.map_err(|_| malformed())?;
    let mut fields = FormData::default();
    let mut file = None;
    while let Some(mut f) = form.next_field().await.map_err(|_| malformed())? {
        let name = f.name().unwrap_or("").to_string();
        let mut buf = bytes::BytesMut::new();
        let limit = if name == file_field {
            max
        } else {
            TEXT_FIELD_LIMIT
        };
        while let Some(chunk) = f.chunk().await.map_err(|_| malformed())? {
            if buf.len() + chunk.len() > limit {
                if name != file_field {
                    return Err(malformed());
                }
                let mut drained = 0usize;
                while let Ok(Some(c)) = f.chunk().await {
                    drained += c.len();
                    if drained > DRAIN_LIMIT {
                        break;
                    }
                }
                return Err(UploadError {
                    control: file_control,
                    message: format!(
                        "{}: is larger than the limit of {max} bytes",
                        m.t(key!("document-file"))
                    ),
                    too_large: true,
                });
            }
            buf.extend_from_slice(&chunk);
        }
        if name == file_field {
            let file_name = f.file_name().unwrap_or("").to_string();
            // A browser sends an empty part with an empty file name when no file was chosen.
            if !(file_name.is_empty() && buf.is_empty()) {
                file = Some((file_name, buf.freeze()));
            }
        } else {
            let text = String::from_utf8(buf.to_vec()).map_err(|_| malformed())?;
            fields.push(name, text);
        }
    }
    Ok(Upload { fields, file })
}
