//! `/applications/{id}/documents` and `/applications/{id}/declarations`: files uploaded to a case (multipart,
//! checked by content, scanned) and the structured end-user declarations an officer verifies.

use super::{id, S};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, Caller};
use crate::AppState;
use app::documents::{
    Declaration, Document, DocumentVisibility, NewDeclaration, NewDocument, VerifyDeclaration,
};
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Role;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents))
        .routes(routes!(get_document_content))
        .routes(routes!(record_declaration, list_declarations))
        .routes(routes!(verify_declaration))
        .routes(routes!(verify_document))
}

/// The upload route: its body is bounded by the configured document size, not the JSON limit.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_document))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documentation of the wire format only")]
struct UploadForm {
    /// What the document is, e.g. `end-user-declaration`, `contract`: 1 to 64 lower-case letters, digits or '-'.
    kind: String,
    /// `shared` (the exporter sees it) or `internal` (staff only). Default: `shared` for exporters (who upload
    /// shared documents only), `internal` for the authority's users.
    visibility: Option<DocumentVisibility>,
    /// The file, with its file name. PDF, PNG, JPEG, plain text, ODF or OOXML, checked by content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// How much of an oversized upload is read (and discarded) before answering 413.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Largest text field of the form.
const TEXT_FIELD_LIMIT: usize = 1024;

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("body", format!("body: not a readable multipart form: {e}"))
}

async fn text_field(mut f: Field<'_>, name: &str) -> ApiResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = f.chunk().await.map_err(malformed)? {
        if buf.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(ApiError::invalid(
                name,
                format!("{name}: must be at most {TEXT_FIELD_LIMIT} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::invalid(name, format!("{name}: must be UTF-8")))
}

/// Upload a document
///
/// A `multipart/form-data` form with `kind`, optional `visibility` and `file` (with its file name). The file's type is checked by its content (PDF, PNG, JPEG, plain text, ODF or OOXML documents; anything else answers 422 naming `file`), its size against the configured limit (default 25 MB; 413 naming `file`); the server computes its SHA-256. With a virus scanner configured the document is `pending` until scanned and can be downloaded only once `clean`. Exporters upload `shared` documents only and only while the application is a draft or open.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", params(("id" = String, Path)), request_body(content = UploadForm, content_type = "multipart/form-data"), responses((status = 201, body = Document), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem, description = "The document store did not answer; nothing was recorded")))]
async fn upload_document(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Document>)> {
    id("id", &i)?;
    let mut form = form.map_err(|_| {
        ApiError::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "media-type",
            "Unsupported media type",
            "content-type: the upload must be multipart/form-data".into(),
        )
        .with_field("content-type")
    })?;
    let max = s.app.config.documents.max_bytes;
    let (mut kind, mut visibility, mut file) = (None, None, None);
    while let Some(mut f) = form.next_field().await.map_err(malformed)? {
        let name = f.name().unwrap_or("").to_string();
        let repeated = match name.as_str() {
            "kind" => kind.is_some(),
            "visibility" => visibility.is_some(),
            "file" => file.is_some(),
            other => {
                let field = if other.is_empty() { "body" } else { other };
                return Err(ApiError::invalid(
                    field,
                    format!("{field}: unknown field; the form takes kind, visibility and file"),
                ));
            }
        };
        if repeated {
            return Err(ApiError::invalid(
                name.clone(),
                format!("{name}: given twice"),
            ));
        }
        match name.as_str() {
            "kind" => kind = Some(text_field(f, "kind").await?),
            "visibility" => {
                let v = text_field(f, "visibility").await?;
                visibility = Some(match v.as_str() {
                    "shared" => DocumentVisibility::Shared,
                    "internal" => DocumentVisibility::Internal,
                    _ => {
                        return Err(ApiError::invalid(
                            "visibility",
                            "visibility: must be \"shared\" or \"internal\"",
                        ))
                    }
                })
            }
            _ => {
                let file_name = f
                    .file_name()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::invalid("file", "file: send it with a file name"))?;
                let mut buf = bytes::BytesMut::new();
                while let Some(chunk) = f.chunk().await.map_err(malformed)? {
                    if buf.len() + chunk.len() > max {
                        // Read on a little, so that the client finishes sending and reads the answer rather than
                        // seeing its connection closed mid-upload.
                        let mut drained = 0usize;
                        while let Ok(Some(c)) = f.chunk().await {
                            drained += c.len();
                            if drained > DRAIN_LIMIT {
                                break;
                            }
                        }
                        return Err(app::AppError::TooLarge {
                            field: "file".into(),
                            reason: format!("is larger than the limit of {max} bytes"),
                        }
                        .into());
                    }
                    buf.extend_from_slice(&chunk);
                }
                file = Some((file_name, buf.freeze()));
            }
        }
    }
    let kind = kind.ok_or_else(|| ApiError::invalid("kind", "kind: is required"))?;
    let (name, content) = file.ok_or_else(|| ApiError::invalid("file", "file: is required"))?;
    let visibility = visibility.unwrap_or(if p.role() == Role::Exporter {
        DocumentVisibility::Shared
    } else {
        DocumentVisibility::Internal
    });
    let doc = s
        .app
        .upload_document(
            &p,
            &i,
            NewDocument {
                kind,
                name,
                visibility,
                content,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// List documents
///
/// The documents of an application the caller may read, oldest first, with their scan status; exporters see `shared` documents only.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", params(("id" = String, Path)), responses((status = 200, body = [Document]), (status = 404, body = Problem)))]
async fn list_documents(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<Document>>> {
    id("id", &i)?;
    Ok(Json(s.app.documents(&p, &i).await?))
}

/// A file name safe for a `Content-Disposition` header: ASCII letters, digits, '.', '-' and '_' only.
fn safe_file_name(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n.trim_matches('.').is_empty() {
        "document".into()
    } else {
        n
    }
}

/// Download a document
///
/// The document's content, with the media type found at upload, if the caller may read it. A document still `pending` its virus scan, or found `infected`, answers 409.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents/{document_id}/content", params(("id" = String, Path), ("document_id" = String, Path)), responses((status = 200, description = "The document's content, in the media type found at upload (one of the accepted types)", content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "text/plain"), (Vec<u8> = "application/vnd.oasis.opendocument.text"), (Vec<u8> = "application/vnd.oasis.opendocument.spreadsheet"), (Vec<u8> = "application/vnd.oasis.opendocument.presentation"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.presentationml.presentation"))), (status = 404, body = Problem), (status = 409, body = Problem), (status = 503, body = Problem, description = "The document store did not answer")))]
async fn get_document_content(
    State(s): S,
    Caller(p): Caller,
    Path((i, d)): Path<(String, String)>,
) -> ApiResult<Response> {
    id("id", &i)?;
    id("document_id", &d)?;
    let (doc, content) = s.app.document_content(&p, &i, &d).await?;
    Ok((
        [
            (header::CONTENT_TYPE, doc.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", safe_file_name(&doc.name)),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        content,
    )
        .into_response())
}

/// Record an end-user declaration
///
/// The structured declaration (signatory, position, end-user organisation, date signed, terms version, validity) pointing at its signed file, a document of kind `end-user-declaration` uploaded to the same application. It counts toward approval only once the assigned officer has verified it.
#[utoipa::path(post, path = "/api/v1/applications/{id}/declarations", params(("id" = String, Path)), request_body(content = NewDeclaration, example = json!({"signatory_name": "Anna Schmidt", "signatory_position": "Head of procurement", "end_user_organisation": "Bundespolizei", "signed_on": "2026-11-02", "terms_version": "2021-12", "valid_until": "2027-11-01", "document_id": "0f6c1f0e2b4d4c6a9e8f7a6b5c4d3e2f"})), responses((status = 201, body = Declaration), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn record_declaration(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<NewDeclaration>,
) -> ApiResult<(StatusCode, Json<Declaration>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.record_declaration(&p, &i, b).await?),
    ))
}

/// List end-user declarations
///
/// The declarations recorded on an application, oldest first, with their verification.
#[utoipa::path(get, path = "/api/v1/applications/{id}/declarations", params(("id" = String, Path)), responses((status = 200, body = [Declaration]), (status = 404, body = Problem)))]
async fn list_declarations(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<Declaration>>> {
    id("id", &i)?;
    Ok(Json(s.app.declarations(&p, &i).await?))
}

/// Verify or reject an end-user declaration
///
/// The assigned officer's check: `verified` (its signed file must be clean and the declaration still valid) makes the required document count toward approval; `rejected` needs a `reason`. Decided once: a correction is a new declaration.
#[utoipa::path(post, path = "/api/v1/applications/{id}/declarations/{declaration_id}/verification", params(("id" = String, Path), ("declaration_id" = String, Path)), request_body(content = VerifyDeclaration, example = json!({"outcome": "verified"})), responses((status = 200, body = Declaration), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn verify_declaration(
    State(s): S,
    Caller(p): Caller,
    Path((i, d)): Path<(String, String)>,
    Body(b): Body<VerifyDeclaration>,
) -> ApiResult<Json<Declaration>> {
    id("id", &i)?;
    id("declaration_id", &d)?;
    Ok(Json(s.app.verify_declaration(&p, &i, &d, b).await?))
}

/// Verify or reject a document
///
/// The assigned officer's check of an uploaded document of any kind but `end-user-declaration` (whose check is on its declaration): `verified` (the document must be clean or unscanned) makes it count toward approval as a required document of its kind; `rejected` needs a `reason`. Decided once: a correction is a new upload. The exporter sees the outcome and reason on the document, not who decided.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents/{document_id}/verification", params(("id" = String, Path), ("document_id" = String, Path)), request_body(content = VerifyDeclaration, example = json!({"outcome": "rejected", "reason": "The contract is not signed by the end user."})), responses((status = 200, body = Document), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn verify_document(
    State(s): S,
    Caller(p): Caller,
    Path((i, d)): Path<(String, String)>,
    Body(b): Body<VerifyDeclaration>,
) -> ApiResult<Json<Document>> {
    id("id", &i)?;
    id("document_id", &d)?;
    Ok(Json(s.app.verify_document(&p, &i, &d, b).await?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn download_names_cannot_break_the_header() {
        assert_eq!(super::safe_file_name("eud \"x\".pdf"), "eud__x_.pdf");
        assert_eq!(super::safe_file_name(".."), "document");
        assert_eq!(super::safe_file_name("שלום.txt"), "____.txt");
    }
}
