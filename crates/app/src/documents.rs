//! Case documents and end-user declarations.
//!
//! A document is a file uploaded to a case: its content is checked by what it is (sniffed, never by its name)
//! against an allow-list (PDF, PNG, JPEG, plain text, ODF and OOXML documents), bounded in size, hashed
//! (SHA-256) by the server and stored outside the database through the `object_store` crate, content-addressed
//! (`documents/sha256/<2 hex>/<sha256>`): the local file system under the data directory by default, an
//! S3-compatible store by configuration. The database keeps the metadata (a record of kind `document`, whose
//! state is its scan status).
//!
//! Scanning: with a scanner configured, every upload is `pending` until the `scan-document` job (the durable
//! job runner, so a crash loses nothing) has run the scanner command over it: exit 0 is `clean`, exit 1 is
//! `infected` (its uploader is notified), anything else is a failed attempt, retried. Only `clean` documents
//! (or `unscanned` ones, where no scanner is configured) can be downloaded.
//!
//! Reading follows the case: whoever may read the case may read its `shared` documents; `internal` documents
//! (uploaded by staff) are never shown to the exporter, who gets 404 as for a record that does not exist.
//!
//! The end-user declaration is a structured record (kind `declaration`) pointing at its signed file. A
//! required document counts toward approval only once the case's assigned officer has verified it: verifying
//! a declaration adds it to the case's `verified_documents` in the same transaction, which is what
//! [`crate::cases::approval_blocker_list`] looks at.

use crate::access::Kind;
use crate::cases::CASE;
use crate::model::{CaseBody, VerifiedDocument};
use crate::notify::{Audience, Event, Subject};
use crate::{audit, new_id, not_found, now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseState, Role};
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::sync::Arc;
use store::{Filter, Record};
use utoipa::ToSchema;

/// The record kind of documents (their state is the scan status).
pub const DOCUMENT: &str = "document";
/// The record kind of end-user declarations (their state is the verification: unverified, verified, rejected).
pub const DECLARATION: &str = "declaration";
/// Job kind: run the scanner over an uploaded document.
pub const SCAN_DOCUMENT: &str = "scan-document";
/// The document kind an end-user declaration's signed file has, and the required-document name it satisfies.
pub const END_USER_DECLARATION: &str = "end-user-declaration";
/// The default upload limit: 25 MB.
pub const DEFAULT_MAX_BYTES: usize = 25 * 1024 * 1024;

/// Where documents are stored, how large they may be, and how they are scanned.
#[derive(Debug, Clone)]
pub struct DocumentConfig {
    /// Where document contents are kept (None: uploads and downloads answer 503).
    pub store: Option<Arc<dyn ObjectStore>>,
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// The virus scanner; None: documents are stored `unscanned` and can be downloaded at once.
    pub scanner: Option<ScannerConfig>,
}

impl Default for DocumentConfig {
    fn default() -> Self {
        DocumentConfig {
            store: None,
            max_bytes: DEFAULT_MAX_BYTES,
            scanner: None,
        }
    }
}

/// The document store a `--document-store` setting names: `local` (content-addressed files under
/// `data_dir/documents`) or an S3-compatible bucket `s3://BUCKET[/PREFIX]`, configured by the standard AWS_*
/// environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT,
/// AWS_ALLOW_HTTP) given in `env` (the process environment for `serve`). The error names what is wrong.
pub fn object_store_for(
    setting: &str,
    data_dir: &std::path::Path,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Arc<dyn ObjectStore>, String> {
    if setting == "local" {
        let dir = data_dir.join("documents");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create document directory {}: {e}", dir.display()))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(&dir)
            .map_err(|e| format!("document store {}: {e}", dir.display()))?;
        return Ok(Arc::new(fs));
    }
    let Some(rest) = setting.strip_prefix("s3://") else {
        return Err(format!(
            "{setting:?}: write `local` or `s3://BUCKET[/PREFIX]`"
        ));
    };
    let (bucket, prefix) = match rest.split_once('/') {
        Some((b, p)) => (b, p.trim_matches('/')),
        None => (rest, ""),
    };
    if bucket.is_empty() {
        return Err(format!("{setting:?}: the bucket name is missing"));
    }
    let mut builder = object_store::aws::AmazonS3Builder::new();
    for (key, value) in env {
        if !key.starts_with("AWS_") {
            continue;
        }
        // The variables `AmazonS3Builder::from_env` reads, from the given environment.
        if let Ok(k) = key
            .to_ascii_lowercase()
            .parse::<object_store::aws::AmazonS3ConfigKey>()
        {
            builder = builder.with_config(k, value);
        }
    }
    // A store that does not answer fails the request within seconds (the default retries for three
    // minutes while the client waits); the upload is refused with 503 and nothing is recorded.
    let retry = object_store::RetryConfig {
        max_retries: 3,
        retry_timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let s3 = builder
        .with_bucket_name(bucket)
        .with_retry(retry)
        .build()
        .map_err(|e| format!("cannot configure the S3 store: {e}"))?;
    Ok(if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
    })
}

/// A scanner command (e.g. `clamdscan --no-summary`), run with the path of a file holding the document as
/// its last argument. Exit status 0: clean; 1: infected; anything else (or no answer within `timeout`): the
/// scan failed and is retried.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    pub program: std::path::PathBuf,
    pub args: Vec<String>,
    pub timeout: std::time::Duration,
}

/// Who may read a document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentVisibility {
    /// Staff only: never shown to the exporter.
    Internal,
    /// Shown to the exporter organisation too.
    Shared,
}

impl DocumentVisibility {
    pub const ALL: &'static [DocumentVisibility] =
        &[DocumentVisibility::Internal, DocumentVisibility::Shared];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentVisibility::Internal => "internal",
            DocumentVisibility::Shared => "shared",
        }
    }
}

/// Where a document's virus scan stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ScanStatus {
    /// Waiting for the scanner: cannot be downloaded yet.
    Pending,
    /// The scanner found nothing.
    Clean,
    /// The scanner flagged it: it can never be downloaded.
    Infected,
    /// No scanner is configured.
    Unscanned,
}

impl ScanStatus {
    pub const ALL: &'static [ScanStatus] = &[
        ScanStatus::Pending,
        ScanStatus::Clean,
        ScanStatus::Infected,
        ScanStatus::Unscanned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Pending => "pending",
            ScanStatus::Clean => "clean",
            ScanStatus::Infected => "infected",
            ScanStatus::Unscanned => "unscanned",
        }
    }

    /// Whether a document in this status may be downloaded.
    pub fn downloadable(self) -> bool {
        matches!(self, ScanStatus::Clean | ScanStatus::Unscanned)
    }
}

/// A document's metadata (its content is in the object store).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Document {
    pub id: String,
    pub case_id: String,
    /// What the document is, e.g. `end-user-declaration`, `contract`, `technical-description`.
    pub kind: String,
    /// The file name given at upload (for display and download only; the type is checked by content).
    pub name: String,
    /// The media type found in the content.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, computed by the server.
    pub sha256: String,
    pub visibility: DocumentVisibility,
    pub scan: ScanStatus,
    /// When the scanner answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<String>,
    /// The uploader's id (not shown to exporters for documents uploaded by the authority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<String>,
    pub uploaded_by_role: Role,
    pub created_at: String,
    /// The assigned officer's check of a document of a kind other than the end-user declaration (whose check
    /// is on its declaration record); absent until checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// A document to store: what the HTTP layer read from the multipart form.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: String,
    pub name: String,
    pub visibility: DocumentVisibility,
    pub content: bytes::Bytes,
}

/// The outcome of an officer's check of a declaration.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VerificationOutcome {
    Verified,
    Rejected,
}

impl VerificationOutcome {
    pub const ALL: &'static [VerificationOutcome] =
        &[VerificationOutcome::Verified, VerificationOutcome::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationOutcome::Verified => "verified",
            VerificationOutcome::Rejected => "rejected",
        }
    }
}

/// An end-user declaration to record on a case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclaration {
    /// The person who signed for the end user.
    pub signatory_name: String,
    /// The signatory's position in the end-user organisation.
    pub signatory_position: String,
    /// The end-user organisation.
    pub end_user_organisation: String,
    /// The date the declaration was signed (not in the future).
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    /// The version of the declaration's terms the end user signed, e.g. `2021-12`.
    pub terms_version: String,
    /// The last day the declaration is valid (on or after `signed_on`).
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
    /// The id of the signed file: a document of kind `end-user-declaration` uploaded to the same case.
    pub document_id: String,
}

/// An officer's verification of a declaration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Verification {
    pub outcome: VerificationOutcome,
    /// Why (required when rejected).
    pub reason: Option<String>,
    /// The officer's id (not shown to exporters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: String,
}

/// A stored end-user declaration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Declaration {
    pub id: String,
    pub case_id: String,
    pub signatory_name: String,
    pub signatory_position: String,
    pub end_user_organisation: String,
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    pub terms_version: String,
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
    pub document_id: String,
    /// The officer's verification; None until an officer has checked it.
    pub verification: Option<Verification>,
    pub recorded_by_role: Role,
    pub created_at: String,
}

/// The officer's decision on a declaration.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyDeclaration {
    pub outcome: VerificationOutcome,
    /// Why; required when the outcome is `rejected`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Payload of a `scan-document` job.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ScanJob {
    pub document_id: String,
}

/// What the content is, if it is an allowed type: the media type found by its magic bytes, or `text/plain`
/// for UTF-8 text without control characters other than tab, line feed, carriage return and form feed.
pub fn sniff(content: &[u8]) -> Result<&'static str, String> {
    const ALLOWED: &[&str] = &[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ];
    match infer::get(content) {
        Some(t) => ALLOWED
            .iter()
            .find(|a| **a == t.mime_type())
            .copied()
            .ok_or_else(|| {
                format!(
                    "is {} content, which is not accepted (PDF, PNG, JPEG, plain text, ODF or OOXML documents only)",
                    t.mime_type()
                )
            }),
        None => match std::str::from_utf8(content) {
            Ok(s)
                if !s.chars().any(|c| {
                    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')
                }) =>
            {
                Ok("text/plain")
            }
            _ => Err(
                "is not of an accepted type (PDF, PNG, JPEG, plain text, ODF or OOXML documents only)"
                    .into(),
            ),
        },
    }
}

/// Where content with this digest is kept in the object store.
fn object_path(sha256: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("documents/sha256/{}/{sha256}", &sha256[..2]))
}

/// Validates a document kind: 1 to 64 lower-case ASCII letters, digits and '-'.
fn document_kind(field: &str, v: &str) -> AppResult<String> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(AppError::invalid(
            field,
            "must be a document kind such as \"end-user-declaration\" or \"contract\": 1 to 64 lower-case letters, digits or '-'",
        ))
    }
}

/// Whether `reader` may read a document of `visibility` on `case`.
fn may_read(reader: &Principal, visibility: DocumentVisibility, case: &Record<CaseBody>) -> bool {
    reader.admits(Kind::Case, case)
        && (visibility == DocumentVisibility::Shared || reader.role != Role::Exporter)
}

/// The exporter's view of a document: who at the authority uploaded it is not shown.
fn for_reader(who: &Principal, mut d: Document) -> Document {
    if who.role == Role::Exporter && d.uploaded_by_role != Role::Exporter {
        d.uploaded_by = None;
    }
    if who.role == Role::Exporter {
        if let Some(v) = d.verification.as_mut() {
            v.by = None;
        }
    }
    d
}

/// The reason of an officer's check: required for a rejection, bounded when given.
fn verification_reason(v: &VerifyDeclaration) -> AppResult<Option<String>> {
    match (&v.outcome, v.reason.as_deref()) {
        (VerificationOutcome::Rejected, None) => Err(AppError::invalid(
            "reason",
            "say why the document is rejected",
        )),
        (_, Some(r)) => Ok(Some(text("reason", r, 2000)?)),
        (_, None) => Ok(None),
    }
}

/// The case of a verification, read in `tx`: visible to the officer, assigned to them (or to nobody), open.
async fn case_to_verify(
    tx: &mut store::Tx,
    who: &Principal,
    case_id: &str,
    what: &str,
) -> AppResult<Record<CaseBody>> {
    let case = crate::case_store::tx_get(tx, case_id)
        .await
        .map_err(not_found("application"))?;
    let case = who.visible(Kind::Case, case)?;
    if let Some(a) = case.assigned_to.as_deref().filter(|a| *a != who.user_id) {
        let name = match tx.user_by_id(a).await {
            Ok(u) => u.username,
            Err(store::StoreError::NotFound) => a.to_string(),
            Err(e) => return Err(e.into()),
        };
        return Err(AppError::Forbidden(format!(
            "the case is assigned to {name}; only the assigned officer acts on it (re-assign it to yourself first)"
        )));
    }
    let state: CaseState = case.state.parse().map_err(AppError::Internal)?;
    if !state.is_open() {
        return Err(AppError::Conflict(format!(
            "the application is {state}: {what} are verified while it is open"
        )));
    }
    Ok(case)
}

impl App {
    fn document_store(&self) -> AppResult<&Arc<dyn ObjectStore>> {
        self.config
            .documents
            .store
            .as_ref()
            .ok_or_else(|| AppError::Unavailable("no document store is configured".into()))
    }

    /// Stores a document on a case the caller may read and records its metadata (and, with a scanner, the
    /// job that scans it) in one transaction.
    pub async fn upload_document(
        &self,
        who: &Principal,
        case_id: &str,
        d: NewDocument,
    ) -> AppResult<Document> {
        who.require(
            &[Role::Officer, Role::Adviser, Role::Exporter],
            "upload case documents",
        )?;
        if who.role == Role::Exporter && d.visibility == DocumentVisibility::Internal {
            return Err(AppError::Forbidden(
                "exporters upload shared documents only".into(),
            ));
        }
        let kind = document_kind("kind", &d.kind)?;
        let name = text("name", &d.name, 255)?;
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(AppError::invalid(
                "name",
                "must be a file name, without '/' or '\\'",
            ));
        }
        if d.content.is_empty() {
            return Err(AppError::invalid("file", "is empty"));
        }
        if d.content.len() > self.config.documents.max_bytes {
            return Err(AppError::TooLarge {
                field: "file".into(),
                reason: format!(
                    "is larger than the limit of {} bytes",
                    self.config.documents.max_bytes
                ),
            });
        }
        let content_type = sniff(&d.content).map_err(|r| AppError::invalid("file", r))?;
        let case = self.case_record(who, case_id).await?;
        let state: CaseState = case.state.parse().map_err(AppError::Internal)?;
        if who.role == Role::Exporter && !(state == CaseState::Draft || state.is_open()) {
            return Err(AppError::Conflict(format!(
                "the application is {state}: documents can be added while it is a draft or open"
            )));
        }
        let sha256 = hex::encode(sha2::Sha256::digest(&d.content));
        let size = d.content.len() as u64;
        // Content-addressed: storing the same content twice writes the same object. An object whose record
        // is not committed below is unreferenced, never half a document.
        self.document_store()?
            .put(&object_path(&sha256), d.content.into())
            .await
            .map_err(|e| AppError::Unavailable(format!("document store: {e}")))?;
        let scan = if self.config.documents.scanner.is_some() {
            ScanStatus::Pending
        } else {
            ScanStatus::Unscanned
        };
        let doc = Document {
            id: new_id(),
            case_id: case.id.clone(),
            kind,
            name,
            content_type: content_type.into(),
            size,
            sha256,
            visibility: d.visibility,
            scan,
            scanned_at: None,
            uploaded_by: Some(who.user_id.clone()),
            uploaded_by_role: who.role,
            created_at: now(),
            verification: None,
        };
        let mut rec = Record::new(
            doc.id.clone(),
            DOCUMENT,
            case.org_id.clone(),
            scan.as_str(),
            doc.clone(),
            doc.created_at.clone(),
        );
        rec.tags = format!(",case:{},", case.id);
        let mut tx = self.store.begin().await?;
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "upload-document",
            DOCUMENT,
            &doc.id,
            None::<&()>,
            Some(&doc),
            None,
        );
        if scan == ScanStatus::Pending {
            let payload = ScanJob {
                document_id: doc.id.clone(),
            };
            self.enqueue(
                &mut tx,
                SCAN_DOCUMENT,
                &payload,
                Some((format!("{SCAN_DOCUMENT}-{}", doc.id), now())),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(for_reader(who, doc))
    }

    /// The documents of a case the caller may read, oldest first (exporters: shared documents only).
    pub async fn documents(&self, who: &Principal, case_id: &str) -> AppResult<Vec<Document>> {
        let case = self.case_record(who, case_id).await?;
        let rows = self
            .store
            .list::<Document>(
                DOCUMENT,
                &Filter {
                    tags: vec![format!("case:{}", case.id)],
                    ..Default::default()
                },
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| may_read(who, r.body.visibility, &case))
            .map(|r| for_reader(who, r.body))
            .collect())
    }

    /// One document of a case, if the caller may read it.
    async fn document_record(
        &self,
        who: &Principal,
        case_id: &str,
        document_id: &str,
    ) -> AppResult<(Record<CaseBody>, Record<Document>)> {
        let case = self.case_record(who, case_id).await?;
        let doc = self
            .store
            .get::<Document>(DOCUMENT, document_id)
            .await
            .map_err(not_found("document"))?;
        if doc.body.case_id != case.id || !may_read(who, doc.body.visibility, &case) {
            return Err(AppError::NotFound("document"));
        }
        Ok((case, doc))
    }

    /// A document's metadata and content, if the caller may read it and its scan allows.
    pub async fn document_content(
        &self,
        who: &Principal,
        case_id: &str,
        document_id: &str,
    ) -> AppResult<(Document, bytes::Bytes)> {
        let (_, doc) = self.document_record(who, case_id, document_id).await?;
        let d = doc.body;
        match d.scan {
            ScanStatus::Pending => {
                return Err(AppError::Conflict(format!(
                    "document {} is waiting for its virus scan; it can be downloaded once it is found clean",
                    d.id
                )))
            }
            ScanStatus::Infected => {
                return Err(AppError::Conflict(format!(
                    "document {} was found infected by the virus scanner and cannot be downloaded",
                    d.id
                )))
            }
            ScanStatus::Clean | ScanStatus::Unscanned => {}
        }
        let content = self.read_object(&d.sha256).await?;
        Ok((for_reader(who, d), content))
    }

    /// Reads stored content and checks it is still what was uploaded.
    async fn read_object(&self, sha256: &str) -> AppResult<bytes::Bytes> {
        let content = self
            .document_store()?
            .get(&object_path(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    AppError::Internal(format!("document content {sha256} is missing"))
                }
                e => AppError::Unavailable(format!("document store: {e}")),
            })?
            .bytes()
            .await
            .map_err(|e| AppError::Unavailable(format!("document store: {e}")))?;
        if hex::encode(sha2::Sha256::digest(&content)) != sha256 {
            return Err(AppError::Internal(format!(
                "document content {sha256} does not match its digest"
            )));
        }
        Ok(content)
    }

    /// Runs the scanner over one pending document and records its answer (the `scan-document` job). The
    /// error is the job's `last_error`.
    pub(crate) async fn scan_document(&self, j: ScanJob) -> Result<(), String> {
        let Some(scanner) = &self.config.documents.scanner else {
            return Err("no scanner is configured".into());
        };
        let doc = match self.store.get::<Document>(DOCUMENT, &j.document_id).await {
            Ok(d) => d,
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        };
        if doc.body.scan != ScanStatus::Pending {
            return Ok(());
        }
        let content = self
            .read_object(&doc.body.sha256)
            .await
            .map_err(|e| format!("cannot read the document: {e:?}"))?;
        let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let path = dir.path().join("document");
        tokio::fs::write(&path, &content)
            .await
            .map_err(|e| format!("temporary file: {e}"))?;
        let run = tokio::process::Command::new(&scanner.program)
            .args(&scanner.args)
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .status();
        let status = tokio::time::timeout(scanner.timeout, run)
            .await
            .map_err(|_| "the scanner did not answer in time".to_string())?
            .map_err(|e| format!("cannot run the scanner: {e}"))?;
        let verdict = match status.code() {
            Some(0) => ScanStatus::Clean,
            Some(1) => ScanStatus::Infected,
            Some(c) => return Err(format!("the scanner failed (exit status {c})")),
            None => return Err("the scanner was killed by a signal".into()),
        };
        self.record_scan(&j.document_id, verdict)
            .await
            .map_err(|e| e.to_string())
    }

    async fn record_scan(&self, document_id: &str, verdict: ScanStatus) -> AppResult<()> {
        let system = Principal::system();
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let before = tx.get::<Document>(DOCUMENT, document_id).await?;
        if before.body.scan != ScanStatus::Pending {
            return Ok(());
        }
        let mut after = before.clone();
        after.body.scan = verdict;
        after.body.scanned_at = Some(now());
        after.state = verdict.as_str().into();
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        audit(
            &mut tx,
            &system,
            "scan-document",
            DOCUMENT,
            document_id,
            Some(&serde_json::json!({"scan": before.body.scan})),
            Some(&serde_json::json!({"scan": verdict})),
            None,
        );
        if verdict == ScanStatus::Infected {
            if let Some(uploader) = after.body.uploaded_by.clone() {
                let case = crate::case_store::tx_get(&mut tx, &after.body.case_id).await?;
                let subject = Subject {
                    record_kind: CASE,
                    record_id: &case.id,
                    reference: case.reference.as_deref(),
                    state: &case.state,
                    org_id: case.org_id.as_deref(),
                };
                self.notify(
                    &mut tx,
                    &system,
                    Event::DocumentInfected,
                    &subject,
                    Audience::Users(vec![uploader]),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records an end-user declaration on a case (its exporter or an officer), pointing at its signed file.
    pub async fn record_declaration(
        &self,
        who: &Principal,
        case_id: &str,
        n: NewDeclaration,
    ) -> AppResult<Declaration> {
        who.require(&[Role::Officer, Role::Exporter], "record declarations")?;
        let signatory_name = text("signatory_name", &n.signatory_name, 200)?;
        let signatory_position = text("signatory_position", &n.signatory_position, 200)?;
        let end_user_organisation = text("end_user_organisation", &n.end_user_organisation, 300)?;
        let terms_version = text("terms_version", &n.terms_version, 50)?;
        crate::record_id("document_id", &n.document_id)?;
        if n.signed_on > self.today() {
            return Err(AppError::invalid("signed_on", "must not be in the future"));
        }
        if n.valid_until < n.signed_on {
            return Err(AppError::invalid(
                "valid_until",
                "must be on or after signed_on",
            ));
        }
        let case = self.case_record(who, case_id).await?;
        let state: CaseState = case.state.parse().map_err(AppError::Internal)?;
        if !(state == CaseState::Draft || state.is_open()) {
            return Err(AppError::Conflict(format!(
                "the application is {state}: declarations can be recorded while it is a draft or open"
            )));
        }
        let doc = match self.store.get::<Document>(DOCUMENT, &n.document_id).await {
            Ok(d) if d.body.case_id == case.id && may_read(who, d.body.visibility, &case) => d,
            Ok(_) | Err(store::StoreError::NotFound) => {
                return Err(AppError::invalid(
                    "document_id",
                    "no such document on this application",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        if doc.body.kind != END_USER_DECLARATION {
            return Err(AppError::invalid(
                "document_id",
                format!(
                    "is a {:?} document; the signed file must be uploaded as kind \"{END_USER_DECLARATION}\"",
                    doc.body.kind
                ),
            ));
        }
        if doc.body.scan == ScanStatus::Infected {
            return Err(AppError::invalid(
                "document_id",
                "was found infected by the virus scanner",
            ));
        }
        let d = Declaration {
            id: new_id(),
            case_id: case.id.clone(),
            signatory_name,
            signatory_position,
            end_user_organisation,
            signed_on: n.signed_on,
            terms_version,
            valid_until: n.valid_until,
            document_id: doc.id.clone(),
            verification: None,
            recorded_by_role: who.role,
            created_at: now(),
        };
        let mut rec = Record::new(
            d.id.clone(),
            DECLARATION,
            case.org_id.clone(),
            "unverified",
            d.clone(),
            d.created_at.clone(),
        );
        rec.tags = format!(",case:{},", case.id);
        self.insert_audited(who, "record-declaration", &rec).await?;
        Ok(d)
    }

    /// The declarations of a case the caller may read, oldest first.
    pub async fn declarations(
        &self,
        who: &Principal,
        case_id: &str,
    ) -> AppResult<Vec<Declaration>> {
        let case = self.case_record(who, case_id).await?;
        let rows = self
            .store
            .list::<Declaration>(
                DECLARATION,
                &Filter {
                    tags: vec![format!("case:{}", case.id)],
                    ..Default::default()
                },
            )
            .await?;
        let exporter = who.role == Role::Exporter;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut d = r.body;
                // Exporters see the outcome and its reason, not which officer decided.
                if exporter {
                    if let Some(v) = d.verification.as_mut() {
                        v.by = None;
                    }
                }
                d
            })
            .collect())
    }

    /// The assigned officer verifies or rejects a declaration; a verified one counts toward approval (it is
    /// added to the case's `verified_documents` in the same transaction). Decided once: a correction is a new
    /// declaration.
    pub async fn verify_declaration(
        &self,
        who: &Principal,
        case_id: &str,
        declaration_id: &str,
        v: VerifyDeclaration,
    ) -> AppResult<Declaration> {
        who.require(&[Role::Officer], "verify declarations")?;
        let reason = verification_reason(&v)?;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let case = case_to_verify(&mut tx, who, case_id, "declarations").await?;
        let before = tx
            .get::<Declaration>(DECLARATION, declaration_id)
            .await
            .map_err(not_found("declaration"))?;
        if before.body.case_id != case.id {
            return Err(AppError::NotFound("declaration"));
        }
        if let Some(done) = &before.body.verification {
            return Err(AppError::Conflict(format!(
                "declaration {declaration_id} was already {} on {}; record a new declaration to correct it",
                done.outcome.as_str(),
                done.at
            )));
        }
        let at = now();
        if v.outcome == VerificationOutcome::Verified {
            let doc = tx
                .get::<Document>(DOCUMENT, &before.body.document_id)
                .await
                .map_err(not_found("document"))?;
            if !doc.body.scan.downloadable() {
                return Err(AppError::Conflict(format!(
                    "the signed file {} is {}: a declaration is verified once its file is found clean",
                    doc.id,
                    doc.body.scan.as_str()
                )));
            }
            if before.body.valid_until < self.today() {
                return Err(AppError::Conflict(format!(
                    "the declaration expired on {}; ask the exporter for a current one",
                    before.body.valid_until
                )));
            }
            let verified = VerifiedDocument {
                kind: END_USER_DECLARATION.into(),
                document_id: before.body.document_id.clone(),
                declaration_id: Some(before.id.clone()),
                valid_until: Some(before.body.valid_until),
                verified_by: who.user_id.clone(),
                verified_at: at.clone(),
            };
            add_verified_document(&mut tx, who, &case, verified, reason.as_deref()).await?;
        }
        let mut after = before.clone();
        after.body.verification = Some(Verification {
            outcome: v.outcome,
            reason: reason.clone(),
            by: Some(who.user_id.clone()),
            at: at.clone(),
        });
        after.state = v.outcome.as_str().into();
        after.version += 1;
        after.updated_at = at;
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "verify-declaration",
            DECLARATION,
            declaration_id,
            Some(&before.body),
            Some(&after.body),
            reason.as_deref(),
        );
        tx.commit().await?;
        Ok(after.body)
    }

    /// The assigned officer verifies or rejects an uploaded document of any kind but the end-user
    /// declaration (which is checked through its structured [`Declaration`]). A verified document counts
    /// toward approval as a required document of its kind: it is added to the case's `verified_documents` in
    /// the same transaction. Decided once: a correction is a new upload.
    pub async fn verify_document(
        &self,
        who: &Principal,
        case_id: &str,
        document_id: &str,
        v: VerifyDeclaration,
    ) -> AppResult<Document> {
        who.require(&[Role::Officer], "verify documents")?;
        let reason = verification_reason(&v)?;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let case = case_to_verify(&mut tx, who, case_id, "documents").await?;
        let before = tx
            .get::<Document>(DOCUMENT, document_id)
            .await
            .map_err(not_found("document"))?;
        if before.body.case_id != case.id {
            return Err(AppError::NotFound("document"));
        }
        if before.body.kind == END_USER_DECLARATION {
            return Err(AppError::Conflict(format!(
                "document {document_id} is the signed file of an end-user declaration: verify the declaration \
                 recorded for it (POST /api/v1/applications/{}/declarations/{{declaration_id}}/verification)",
                case.id
            )));
        }
        if let Some(done) = &before.body.verification {
            return Err(AppError::Conflict(format!(
                "document {document_id} was already {} on {}; upload a new document to correct it",
                done.outcome.as_str(),
                done.at
            )));
        }
        let at = now();
        if v.outcome == VerificationOutcome::Verified {
            if !before.body.scan.downloadable() {
                return Err(AppError::Conflict(format!(
                    "document {document_id} is {}: a document is verified once it is found clean",
                    before.body.scan.as_str()
                )));
            }
            let verified = VerifiedDocument {
                kind: before.body.kind.clone(),
                document_id: before.id.clone(),
                declaration_id: None,
                valid_until: None,
                verified_by: who.user_id.clone(),
                verified_at: at.clone(),
            };
            add_verified_document(&mut tx, who, &case, verified, reason.as_deref()).await?;
        }
        let mut after = before.clone();
        after.body.verification = Some(Verification {
            outcome: v.outcome,
            reason: reason.clone(),
            by: Some(who.user_id.clone()),
            at: at.clone(),
        });
        after.version += 1;
        after.updated_at = at;
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "check-document",
            DOCUMENT,
            document_id,
            Some(&serde_json::json!({"verification": null})),
            Some(&serde_json::json!({"verification": after.body.verification})),
            reason.as_deref(),
        );
        tx.commit().await?;
        Ok(after.body)
    }
}

/// Adds a verified document to the case's `verified_documents` (what approval counts as a required document
/// of its kind), with its `verify-document` audit event, in `tx`.
async fn add_verified_document(
    tx: &mut store::Tx,
    who: &Principal,
    case: &Record<CaseBody>,
    verified: VerifiedDocument,
    reason: Option<&str>,
) -> AppResult<()> {
    let mut c = case.clone();
    c.updated_at = verified.verified_at.clone();
    c.body.verified_documents.push(verified);
    c.version += 1;
    (c.tags, c.search) = crate::listing::case_index(&c.body);
    tx.update(&c).await?;
    audit(
        tx,
        who,
        "verify-document",
        CASE,
        &c.id,
        Some(&serde_json::json!({"version": case.version})),
        Some(
            &serde_json::json!({"version": c.version, "verified_documents": c.body.verified_documents}),
        ),
        reason,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj\n").unwrap(), "application/pdf");
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]).unwrap(),
            "image/png"
        );
        assert_eq!(
            sniff(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            sniff("Declaration\r\nשלום\n".as_bytes()).unwrap(),
            "text/plain"
        );
        // An executable, an archive, a GIF and binary junk are refused whatever they are called.
        assert!(sniff(b"MZ\x90\x00\x03\x00\x00\x00").is_err());
        assert!(sniff(b"\x7fELF\x02\x01\x01\x00").is_err());
        assert!(sniff(b"GIF89a\x01\x00").is_err());
        assert!(sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00").is_err());
        assert!(sniff(&[0u8, 1, 2, 3, 0xfe]).is_err());
    }

    #[test]
    fn document_kinds_are_slugs() {
        assert!(document_kind("kind", "end-user-declaration").is_ok());
        assert!(document_kind("kind", "").is_err());
        assert!(document_kind("kind", "Contract").is_err());
        assert!(document_kind("kind", "a/b").is_err());
    }
}
