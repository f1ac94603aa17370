//! `/public`: what anyone may read without signing in — the latest signed checkpoint of the audit log and
//! the public keys that verify it (and signed licences).

use super::S;
use crate::error::ApiResult;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_checkpoint))
        .routes(routes!(get_keys))
}

/// A public signing key. (The shape of `keys::PublicKey`, documented here.)
#[derive(ToSchema)]
#[allow(dead_code)]
struct PublicKey {
    /// Key id: the C2SP signed-note key hash, 8 hex digits.
    id: String,
    /// Always `ed25519`.
    algorithm: String,
    /// Key name, as in signature lines.
    name: String,
    /// The 32-byte Ed25519 public key, standard base64.
    public_key: String,
    /// `current` (signs now) or `retired` (only verifies what it signed before).
    status: String,
    created_at: String,
    retired_at: Option<String>,
    /// The C2SP signed-note verifier key `name+id+base64(0x01 || key)`, as note tools take it.
    verifier: String,
}

/// Latest audit checkpoint
///
/// The latest signed checkpoint of the audit log, as text in the C2SP tlog-checkpoint signed-note format: origin line, tree size, base64 root hash, a `Timestamp:` extension line, a blank line, then `— <key name> <base64(key id || Ed25519 signature)>`. No sign-in. Checkpoints are made hourly and on demand; see docs/audit.md.
#[utoipa::path(get, path = "/api/v1/public/checkpoint", security(()), responses(
    (status = 200, description = "The signed checkpoint", body = String, content_type = "text/plain"),
    (status = 404, description = "No checkpoint has been made yet", body = crate::error::Problem, content_type = "application/problem+json"),
))]
async fn get_checkpoint(State(s): S) -> ApiResult<impl IntoResponse> {
    let c = s.app.latest_checkpoint().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        c.note,
    ))
}

/// Public signing keys
///
/// The keys that sign audit checkpoints and licences, current and retired, with their ids and signed-note verifier keys. No sign-in.
#[utoipa::path(get, path = "/api/v1/public/keys", security(()), responses((status = 200, body = [PublicKey])))]
async fn get_keys(State(s): S) -> ApiResult<Json<Vec<keys::PublicKey>>> {
    Ok(Json(s.app.public_keys()?))
}
