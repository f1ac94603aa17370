//! `/applications/{id}/notes`: case notes, internal or shared with the exporter; immutable once written.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Body, Caller};
use crate::AppState;
use app::notes::{NewNote, Note};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_note, list_notes))
}

/// Write a case note
///
/// Officers and advisers write `internal` notes (never shown to the exporter) or `shared` ones; exporters write `shared` notes only. A note cannot be changed or deleted: a correction is a new note. Each mentioned user (by id) must be able to read the note and is notified (the notification names the case, not the note).
#[utoipa::path(post, path = "/api/v1/applications/{id}/notes", params(("id" = String, Path)), request_body(content = NewNote, example = json!({"text": "End user confirmed by the embassy.", "visibility": "internal", "mentions": []})), responses((status = 201, body = Note), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_note(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<NewNote>,
) -> ApiResult<(StatusCode, Json<Note>)> {
    id("id", &i)?;
    Ok((StatusCode::CREATED, Json(s.app.add_note(&p, &i, b).await?)))
}

/// List case notes
///
/// The notes on a case the caller may read, oldest first; exporters see shared notes only.
#[utoipa::path(get, path = "/api/v1/applications/{id}/notes", params(("id" = String, Path)), responses((status = 200, body = [Note]), (status = 404, body = Problem)))]
async fn list_notes(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<Note>>> {
    id("id", &i)?;
    Ok(Json(s.app.notes(&p, &i).await?))
}
