//! `exportctl backup --to FILE` and `exportctl restore --from FILE`: an online, consistent copy of the embedded
//! SQLite database, checked by verifying its audit log, and its restoration in place of the configured
//! database (with the service stopped). A PostgreSQL database is backed up and restored with `pg_dump` and
//! `pg_restore` (docs/operations.md); both commands say so rather than doing half of it.

use crate::config::{runtime, DbArgs};
use anyhow::Context;
use app::Principal;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The file to write (must not exist).
    #[arg(long = "to", value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A file written by `exportctl backup`.
    #[arg(long = "from", value_name = "FILE")]
    pub from: PathBuf,
    /// Replace an existing database (stop every `serve` on it first).
    #[arg(long)]
    pub force: bool,
}

/// Verifies the audit log of the SQLite database in `file`; its event count and root.
async fn verified(file: &Path) -> anyhow::Result<(i64, String)> {
    let url = format!("sqlite://{}", file.display());
    let store = store::Store::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("{}: not an exportctl database: {e}", file.display()))?;
    let app = app::App::new(
        store,
        app::AppConfig {
            reload_interval: None,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let v = app
        .verify_audit_log(&Principal::shell_operator(), None)
        .await;
    app.store.close().await;
    let v = v.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if let (Some(seq), Some(p)) = (v.report.first_bad_seq, &v.report.problem) {
        anyhow::bail!(
            "{}: the audit log is broken at event {seq}: {p}",
            file.display()
        );
    }
    Ok((v.report.events, v.report.root))
}

/// The SQLite file behind the configured database, or an error naming the PostgreSQL procedure.
fn sqlite_file(db: &DbArgs) -> anyhow::Result<PathBuf> {
    let url = db.url()?;
    let Some(rest) = url.strip_prefix("sqlite://") else {
        anyhow::bail!(
            "--database: a PostgreSQL database is restored with pg_restore (docs/operations.md)"
        );
    };
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

pub fn backup(a: BackupArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let url = a.db.url()?;
        let store = store::Store::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        let r = store.backup_to(&a.to).await;
        store.close().await;
        r.map_err(|e| anyhow::anyhow!("--to: {e}"))?;
        match verified(&a.to).await {
            Ok((events, root)) => {
                println!(
                    "backup written to {}: audit log intact, {events} events, root {root}",
                    a.to.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                // A copy that does not verify is no backup: do not leave it looking like one.
                let _ = std::fs::remove_file(&a.to);
                Err(e.context("the backup did not verify and was removed"))
            }
        }
    })
}

pub fn restore(a: RestoreArgs) -> anyhow::Result<ExitCode> {
    let target = sqlite_file(&a.db)?;
    anyhow::ensure!(
        a.from.is_file(),
        "--from: {} is not a file",
        a.from.display()
    );
    if target.exists() && !a.force {
        anyhow::bail!(
            "{} exists: stop every `serve` on it, then pass --force to replace it",
            target.display()
        );
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Work on a copy next to the target: the backup stays untouched, and the target is only replaced (by a
    // rename, atomic on one file system) once the copy opened, migrated forward and verified.
    let staging = dir.join(format!(
        ".{}.restoring",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(&a.from, &staging)
        .with_context(|| format!("--from: cannot read {}", a.from.display()))?;
    let checked = runtime()?.block_on(verified(&staging));
    let (events, root) = match checked {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            for ext in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", staging.display()));
            }
            return Err(e.context(format!("--from: {} was not restored", a.from.display())));
        }
    };
    // The old database's write-ahead log belongs to it, not to the restored file.
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", target.display()));
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    println!(
        "restored {} from {}: audit log intact, {events} events, root {root}",
        target.display(),
        a.from.display()
    );
    Ok(ExitCode::SUCCESS)
}
