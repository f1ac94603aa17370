//! The verifiable audit log's use cases: signed checkpoints (C2SP tlog-checkpoint signed notes, made on a
//! schedule and on demand, all kept), the public checkpoint and keys, search for auditors, inclusion and
//! consistency proofs, and verification against the signed checkpoints. See docs/audit.md.

use crate::{App, AppError, AppResult, Principal};
use domain::Role;
use serde::{Deserialize, Serialize};
use store::{AuditEvent, AuditFilter, CheckpointRow, TrustedHead, VerifyReport};

/// The checkpoint origin line for a key ring: `<key name>/audit`.
pub fn origin(ring: &keys::KeyRing) -> String {
    format!("{}/audit", ring.name())
}

/// The note text of a checkpoint: origin, size, base64 root, and a `Timestamp: <unix nanoseconds>` extension
/// line (as Sigstore's Rekor writes it), so that the signature also covers the time.
pub fn checkpoint_text(
    origin: &str,
    size: u64,
    root: &tlog::Hash,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let body = tlog::Checkpoint {
        origin: origin.to_string(),
        size,
        root: *root,
    }
    .body();
    format!(
        "{body}Timestamp: {}\n",
        at.timestamp_nanos_opt().unwrap_or_default()
    )
}

/// Signs a checkpoint of (size, root) with the ring's current key: the signed note and the key id.
pub fn sign_checkpoint(
    ring: &keys::KeyRing,
    size: u64,
    root: &tlog::Hash,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(String, String), String> {
    let text = checkpoint_text(&origin(ring), size, root, at);
    let note = keys::note::sign(&text, ring.name(), ring.current()).map_err(|e| e.to_string())?;
    Ok((note, ring.current().id.to_string()))
}

/// Opens a signed checkpoint note with `verifiers` and returns the tree head it commits to.
pub fn open_checkpoint(
    note: &str,
    verifiers: &[keys::note::NoteVerifier],
) -> Result<tlog::Checkpoint, String> {
    let opened = keys::note::open(note, verifiers).map_err(|e| e.to_string())?;
    tlog::Checkpoint::parse(&opened.text).map_err(|e| e.to_string())
}

/// The result of verifying the audit log: the store's report, and the stored checkpoints that could not be
/// used because their signature did not check out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditVerification {
    #[serde(flatten)]
    pub report: VerifyReport,
    /// Stored checkpoints whose signature failed (id and reason): someone wrote them without the key.
    pub bad_checkpoints: Vec<String>,
}

impl AuditVerification {
    pub fn intact(&self) -> bool {
        self.report.first_bad_seq.is_none() && self.bad_checkpoints.is_empty()
    }
}

/// An inclusion proof of one event, with what is needed to check it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InclusionProof {
    /// The event's sequence number (leaf index + 1).
    pub seq: i64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// The event's leaf hash, SHA-256(0x00 || canonical bytes), base64.
    pub leaf_hash: String,
    /// The event's canonical bytes (the leaf's data) as text.
    pub entry: String,
    /// Root hash of the tree of `tree_size` events, base64.
    pub root: String,
    /// The audit path, RFC 9162 §2.1.3, base64 hashes from the leaf upwards.
    pub proof: Vec<String>,
    /// The latest signed checkpoint, when it is for `tree_size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    /// RFC 9162 §2.1.4, base64 hashes.
    pub proof: Vec<String>,
}

const AUDITORS: &[Role] = &[Role::Auditor, Role::Admin];

impl App {
    /// The signing key ring, when the service was given one.
    pub fn signing_keys(&self) -> Option<&keys::KeyRing> {
        self.config.signing_keys.as_deref()
    }

    fn ring(&self) -> AppResult<&keys::KeyRing> {
        self.signing_keys()
            .ok_or_else(|| AppError::Unavailable("no signing keys configured".into()))
    }

    /// Signs and stores a checkpoint of the whole log now (administrators, auditors, the service).
    pub async fn make_checkpoint(&self, who: &Principal) -> AppResult<CheckpointRow> {
        who.require(AUDITORS, "make an audit checkpoint")?;
        let ring = self.ring()?;
        let at = chrono::Utc::now();
        let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(self
            .store
            .audit_checkpoint(&stamp, |size, root| sign_checkpoint(ring, size, root, at))
            .await?)
    }

    /// The scheduled checkpoint: made when there is none yet or the log grew since the latest (`force`: always).
    pub async fn checkpoint_job(&self, force: bool) -> AppResult<Option<CheckpointRow>> {
        let latest = self.store.latest_audit_checkpoint().await?;
        let size = self.store.audit_tree_size().await?;
        if !force && latest.is_some_and(|c| c.size as u64 == size) {
            return Ok(None);
        }
        self.make_checkpoint(&Principal::system()).await.map(Some)
    }

    /// The latest signed checkpoint (public).
    pub async fn latest_checkpoint(&self) -> AppResult<CheckpointRow> {
        self.store
            .latest_audit_checkpoint()
            .await?
            .ok_or(AppError::NotFound("checkpoint"))
    }

    /// Every stored checkpoint, oldest first (administrators, auditors).
    pub async fn checkpoints(&self, who: &Principal) -> AppResult<Vec<CheckpointRow>> {
        who.require(AUDITORS, "read the audit checkpoints")?;
        Ok(self.store.audit_checkpoints().await?)
    }

    /// The public signing keys (public).
    pub fn public_keys(&self) -> AppResult<Vec<keys::PublicKey>> {
        Ok(self.ring()?.public_keys())
    }

    /// Audit events matching a filter, paginated by sequence number.
    pub async fn search_audit(
        &self,
        who: &Principal,
        filter: &AuditFilter,
        after_seq: i64,
        limit: i64,
    ) -> AppResult<Vec<AuditEvent>> {
        who.require(AUDITORS, "read the audit log")?;
        if !(1..=1000).contains(&limit) {
            return Err(AppError::invalid("limit", "must be between 1 and 1000"));
        }
        if after_seq < 0 {
            return Err(AppError::invalid("after", "must not be negative"));
        }
        for (field, v) in [("from", &filter.from), ("until", &filter.until)] {
            if let Some(v) = v {
                chrono::DateTime::parse_from_rfc3339(v).map_err(|e| {
                    AppError::invalid(field, format!("{v:?} is not an RFC 3339 time: {e}"))
                })?;
            }
        }
        // Times are stored as UTC text with milliseconds: normalise the bounds so text order is time order.
        let norm = |v: &Option<String>| {
            v.as_ref().map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| {
                        t.with_timezone(&chrono::Utc)
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    })
                    .unwrap_or_else(|_| v.clone())
            })
        };
        let filter = AuditFilter {
            from: norm(&filter.from),
            until: norm(&filter.until),
            ..filter.clone()
        };
        Ok(self.store.search_audit(&filter, after_seq, limit).await?)
    }

    async fn checked_size(&self, field: &str, size: Option<u64>) -> AppResult<u64> {
        let tree = self.store.audit_tree_size().await?;
        match size {
            None => Ok(tree),
            Some(s) if s > tree => Err(AppError::invalid(
                field,
                format!("{s} is larger than the log ({tree} events)"),
            )),
            Some(s) => Ok(s),
        }
    }

    /// The inclusion proof of event `seq` in the tree of `size` events (default: the whole log).
    pub async fn inclusion_proof(
        &self,
        who: &Principal,
        seq: i64,
        size: Option<u64>,
    ) -> AppResult<InclusionProof> {
        who.require(AUDITORS, "read audit proofs")?;
        let size = self.checked_size("tree_size", size).await?;
        if seq < 1 || seq as u64 > size {
            return Err(AppError::invalid(
                "seq",
                format!("event {seq} is not among the first {size} events"),
            ));
        }
        let event = self.store.audit_event(seq).await?;
        let entry = store::event_bytes(&event);
        let proof = self.store.audit_inclusion_proof(seq, size).await?;
        let root = self.store.audit_root(size).await?;
        let checkpoint = self
            .store
            .latest_audit_checkpoint()
            .await?
            .filter(|c| c.size as u64 == size)
            .map(|c| c.note);
        Ok(InclusionProof {
            seq,
            tree_size: size,
            leaf_hash: tlog::b64(&tlog::leaf_hash(&entry)),
            entry: String::from_utf8(entry).map_err(|e| AppError::Internal(e.to_string()))?,
            root: tlog::b64(&root),
            proof: proof.iter().map(tlog::b64).collect(),
            checkpoint,
        })
    }

    /// The consistency proof between the trees of `old` and `new` events (default: the whole log).
    pub async fn consistency_proof(
        &self,
        who: &Principal,
        old: u64,
        new: Option<u64>,
    ) -> AppResult<ConsistencyProof> {
        who.require(AUDITORS, "read audit proofs")?;
        let new = self.checked_size("new_size", new).await?;
        if old > new {
            return Err(AppError::invalid(
                "old_size",
                format!("{old} is larger than the new size {new}"),
            ));
        }
        let proof = self.store.audit_consistency_proof(old, new).await?;
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            old_root: tlog::b64(&self.store.audit_root(old).await?),
            new_root: tlog::b64(&self.store.audit_root(new).await?),
            proof: proof.iter().map(tlog::b64).collect(),
        })
    }

    /// Recomputes chain and tree and checks them against every stored checkpoint whose signature verifies
    /// with the service's keys, and against `extra` (a checkpoint note kept outside the database).
    pub async fn verify_audit_log(
        &self,
        who: &Principal,
        extra: Option<&str>,
    ) -> AppResult<AuditVerification> {
        who.require(AUDITORS, "verify the audit log")?;
        let verifiers = self
            .signing_keys()
            .map(keys::note::NoteVerifier::from_ring)
            .unwrap_or_default();
        let mut trusted = Vec::new();
        let mut bad = Vec::new();
        for c in self.store.audit_checkpoints().await? {
            match open_checkpoint(&c.note, &verifiers) {
                Ok(cp) => trusted.push(TrustedHead {
                    size: cp.size,
                    root: cp.root,
                }),
                Err(e) => bad.push(format!("checkpoint {}: {e}", c.id)),
            }
        }
        if let Some(note) = extra {
            let cp = open_checkpoint(note, &verifiers)
                .map_err(|e| AppError::invalid("checkpoint", e))?;
            trusted.push(TrustedHead {
                size: cp.size,
                root: cp.root,
            });
        }
        let report = self.store.verify_audit(&trusted).await?;
        Ok(AuditVerification {
            report,
            bad_checkpoints: bad,
        })
    }
}
