//! `exportctl audit ...`: the verifiable audit log from the shell. `verify`, `export`, `prove`,
//! `prove-consistency` and `checkpoint` open the database; `check-proof` and `check-consistency` need only
//! the public key (a C2SP verifier key string, or the JSON of `/api/v1/public/keys`) and the files, no
//! database and no network. Formats: docs/audit.md.

use crate::config::{runtime, DbArgs, KeyArgs};
use app::audit_log::{open_checkpoint, ConsistencyProof, InclusionProof};
use app::Principal;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and the Merkle tree from the database and check them against the head and
    /// every signed checkpoint; exit 1 naming the first inconsistent event.
    Verify {
        /// A checkpoint (signed note) kept outside the database: proves the database still holds the log
        /// it committed to (detects truncated or rewritten logs).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Write the events as JSON Lines (each with its leaf hash) to standard output.
    Export {
        /// Only events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
    /// Print the inclusion proof of an event (JSON) against the latest checkpoint, for `check-proof`.
    Prove {
        /// The event's sequence number.
        event_id: i64,
        /// Prove against this tree size instead of the latest checkpoint's.
        #[arg(long)]
        tree_size: Option<u64>,
    },
    /// Print the consistency proof (JSON) between two tree sizes (default new size: the whole log).
    ProveConsistency {
        old_size: u64,
        new_size: Option<u64>,
    },
    /// Sign and store a checkpoint of the whole log now and print it.
    Checkpoint,
    /// Check an inclusion proof (from `audit prove` or the API) with only the public key: the checkpoint's
    /// signature, the entry's leaf hash and the audit path.
    CheckProof {
        /// The proof JSON file (`-` for standard input).
        proof: PathBuf,
        /// The checkpoint to check against, if the proof does not carry it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// A verifier key `name+id+base64`, or @FILE holding the JSON of /api/v1/public/keys or verifier keys,
        /// one a line. Repeatable.
        #[arg(long = "public-key", required = true)]
        public_keys: Vec<String>,
    },
    /// Check that a newer checkpoint extends an older one, with only the public key: both signatures and
    /// the consistency proof (from `audit prove-consistency` or the API).
    CheckConsistency {
        old_checkpoint: PathBuf,
        new_checkpoint: PathBuf,
        /// The consistency proof JSON (`-` for standard input); not needed when the sizes are equal.
        #[arg(long)]
        proof: Option<PathBuf>,
        /// As for check-proof.
        #[arg(long = "public-key", required = true)]
        public_keys: Vec<String>,
    },
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| anyhow::anyhow!("{what}: cannot read standard input: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{what}: cannot read {}: {e}", path.display()))
}

/// Verifier keys from `--public-key` values.
fn verifiers(values: &[String]) -> anyhow::Result<Vec<keys::note::NoteVerifier>> {
    let mut out = Vec::new();
    for v in values {
        let strings: Vec<String> = match v.strip_prefix('@') {
            Some(file) => {
                let text = read(Path::new(file), "--public-key")?;
                match serde_json::from_str::<Vec<keys::PublicKey>>(&text) {
                    Ok(keys) => keys.into_iter().map(|k| k.verifier).collect(),
                    Err(_) => text
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect(),
                }
            }
            None => vec![v.clone()],
        };
        for s in strings {
            out.push(
                keys::note::NoteVerifier::parse(&s)
                    .map_err(|e| anyhow::anyhow!("--public-key: {e}"))?,
            );
        }
    }
    anyhow::ensure!(!out.is_empty(), "--public-key: no key given");
    Ok(out)
}

fn hashes(field: &'static str, v: &[String]) -> anyhow::Result<Vec<tlog::Hash>> {
    v.iter()
        .map(|h| tlog::decode_hash(field, h).map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

/// The key ring when one exists (verification never creates one).
fn existing_ring(db: &DbArgs, k: &KeyArgs) -> anyhow::Result<Option<keys::KeyRing>> {
    if k.signing_key_file.is_none() && !db.data_dir.join(keys::FILE_NAME).exists() {
        return Ok(None);
    }
    k.load(&db.data_dir).map(Some)
}

/// `audit verify` (also `admin verify-audit`).
pub fn verify(db: &DbArgs, k: &KeyArgs, checkpoint: Option<&Path>) -> anyhow::Result<ExitCode> {
    let extra = checkpoint.map(|p| read(p, "--checkpoint")).transpose()?;
    let ring = existing_ring(db, k)?;
    runtime()?.block_on(async move {
        let config = app::AppConfig {
            signing_keys: ring.map(std::sync::Arc::new),
            reload_interval: None,
            ..Default::default()
        };
        let app = db.open_app_with(config).await?;
        let r = app
            .verify_audit_log(&Principal::shell_operator(), extra.as_deref())
            .await;
        app.store.close().await;
        let v = match r {
            Ok(v) => v,
            Err(app::AppError::Invalid { field, reason }) => {
                eprintln!("error: --{field}: {reason}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => anyhow::bail!("{e}"),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
        if let (Some(seq), Some(p)) = (v.report.first_bad_seq, &v.report.problem) {
            eprintln!("audit log broken at event {seq}: {p}");
            return Ok(ExitCode::from(1));
        }
        if !v.bad_checkpoints.is_empty() {
            eprintln!(
                "stored checkpoints that do not verify: {}",
                v.bad_checkpoints.join("; ")
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!(
            "audit log intact: {} events, root {}, {} signed checkpoint(s) checked",
            v.report.events, v.report.root, v.report.checkpoints_checked
        );
        Ok(ExitCode::SUCCESS)
    })
}

fn check_proof(
    proof: &Path,
    checkpoint: Option<&Path>,
    public_keys: &[String],
) -> anyhow::Result<ExitCode> {
    let verifiers = verifiers(public_keys)?;
    let p: InclusionProof = serde_json::from_str(&read(proof, "proof")?)
        .map_err(|e| anyhow::anyhow!("proof: not an inclusion proof: {e}"))?;
    let note = match checkpoint {
        Some(f) => read(f, "--checkpoint")?,
        None => p.checkpoint.clone().ok_or_else(|| {
            anyhow::anyhow!("--checkpoint: the proof carries no checkpoint; give one")
        })?,
    };
    let cp = open_checkpoint(&note, &verifiers).map_err(|e| anyhow::anyhow!("checkpoint: {e}"))?;
    let fail = |why: String| -> anyhow::Result<ExitCode> {
        eprintln!("invalid: {why}");
        Ok(ExitCode::from(1))
    };
    if cp.size != p.tree_size {
        return fail(format!(
            "the proof is for a tree of {} events, the checkpoint for {}",
            p.tree_size, cp.size
        ));
    }
    let leaf = tlog::leaf_hash(p.entry.as_bytes());
    if tlog::b64(&leaf) != p.leaf_hash {
        return fail("the entry does not hash to the leaf hash".into());
    }
    let entry: serde_json::Value = serde_json::from_str(&p.entry)
        .map_err(|e| anyhow::anyhow!("proof: entry is not JSON: {e}"))?;
    if entry["seq"].as_i64() != Some(p.seq) || p.seq < 1 {
        return fail("the entry's seq is not the proof's".into());
    }
    match tlog::verify_inclusion(
        p.seq as u64 - 1,
        cp.size,
        &leaf,
        &hashes("proof", &p.proof)?,
        &cp.root,
    ) {
        Ok(()) => {
            println!(
                "valid: event {} is in the log {} of {} events (root {})",
                p.seq,
                cp.origin,
                cp.size,
                tlog::b64(&cp.root)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e.to_string()),
    }
}

fn check_consistency(
    old: &Path,
    new: &Path,
    proof: Option<&Path>,
    public_keys: &[String],
) -> anyhow::Result<ExitCode> {
    let verifiers = verifiers(public_keys)?;
    let old_cp = open_checkpoint(&read(old, "old checkpoint")?, &verifiers)
        .map_err(|e| anyhow::anyhow!("old checkpoint: {e}"))?;
    let new_cp = open_checkpoint(&read(new, "new checkpoint")?, &verifiers)
        .map_err(|e| anyhow::anyhow!("new checkpoint: {e}"))?;
    if old_cp.origin != new_cp.origin {
        eprintln!(
            "invalid: the checkpoints are of different logs ({} and {})",
            old_cp.origin, new_cp.origin
        );
        return Ok(ExitCode::from(1));
    }
    let path = match proof {
        Some(f) => {
            let p: ConsistencyProof = serde_json::from_str(&read(f, "--proof")?)
                .map_err(|e| anyhow::anyhow!("--proof: not a consistency proof: {e}"))?;
            if (p.old_size, p.new_size) != (old_cp.size, new_cp.size) {
                eprintln!(
                    "invalid: the proof is for sizes {} -> {}, the checkpoints are {} -> {}",
                    p.old_size, p.new_size, old_cp.size, new_cp.size
                );
                return Ok(ExitCode::from(1));
            }
            hashes("proof", &p.proof)?
        }
        None => Vec::new(),
    };
    match tlog::verify_consistency(old_cp.size, new_cp.size, &old_cp.root, &new_cp.root, &path) {
        Ok(()) => {
            println!(
                "valid: the log of {} events extends the log of {} events ({})",
                new_cp.size, old_cp.size, new_cp.origin
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!(
                "invalid: {e}{}",
                if proof.is_none() && old_cp.size != new_cp.size {
                    " (give --proof)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::from(1))
        }
    }
}

pub fn run(a: AuditArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        AuditCommand::Verify { checkpoint } => {
            return verify(&a.db, &a.keys, checkpoint.as_deref())
        }
        AuditCommand::CheckProof {
            proof,
            checkpoint,
            public_keys,
        } => return check_proof(proof, checkpoint.as_deref(), public_keys),
        AuditCommand::CheckConsistency {
            old_checkpoint,
            new_checkpoint,
            proof,
            public_keys,
        } => {
            return check_consistency(
                old_checkpoint,
                new_checkpoint,
                proof.as_deref(),
                public_keys,
            )
        }
        _ => {}
    }
    let ring = match a.command {
        AuditCommand::Checkpoint => Some(a.keys.load(&a.db.data_dir)?),
        _ => existing_ring(&a.db, &a.keys)?,
    };
    runtime()?.block_on(async move {
        let config = app::AppConfig {
            signing_keys: ring.map(std::sync::Arc::new),
            reload_interval: None,
            ..Default::default()
        };
        let app = a.db.open_app_with(config).await?;
        let who = Principal::shell_operator();
        let r: Result<(), app::AppError> = async {
            use std::io::Write;
            match a.command {
                AuditCommand::Export { after } => {
                    let out = std::io::stdout();
                    let mut out = std::io::BufWriter::new(out.lock());
                    let mut after = after;
                    loop {
                        let batch = app
                            .search_audit(&who, &store::AuditFilter::default(), after, 1000)
                            .await?;
                        let Some(last) = batch.last() else { break };
                        after = last.seq;
                        for e in &batch {
                            let mut v = serde_json::to_value(e)
                                .map_err(|e| app::AppError::Internal(e.to_string()))?;
                            v["leaf_hash"] =
                                tlog::b64(&tlog::leaf_hash(&store::event_bytes(e))).into();
                            writeln!(out, "{v}")
                                .map_err(|e| app::AppError::Internal(e.to_string()))?;
                        }
                    }
                    out.flush()
                        .map_err(|e| app::AppError::Internal(e.to_string()))?;
                }
                AuditCommand::Prove {
                    event_id,
                    tree_size,
                } => {
                    let size = match tree_size {
                        Some(s) => Some(s),
                        None => app
                            .store
                            .latest_audit_checkpoint()
                            .await?
                            .map(|c| c.size as u64),
                    };
                    let p = app.inclusion_proof(&who, event_id, size).await?;
                    println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
                }
                AuditCommand::ProveConsistency { old_size, new_size } => {
                    let p = app.consistency_proof(&who, old_size, new_size).await?;
                    println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
                }
                AuditCommand::Checkpoint => {
                    let c = app.make_checkpoint(&who).await?;
                    print!("{}", c.note);
                }
                _ => unreachable!("handled above"),
            }
            Ok(())
        }
        .await;
        app.store.close().await;
        match r {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(app::AppError::Invalid { field, reason }) => {
                eprintln!("error: {field}: {reason}");
                Ok(ExitCode::from(1))
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(1))
            }
        }
    })
}
