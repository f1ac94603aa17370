//! `exportctl lists import FORMAT PATH` and `exportctl lists status`: list versions in the service database.
//! An import parses the whole file first; a malformed file changes nothing (the version in force stays).

use crate::config::{runtime, DbArgs};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct ListsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: ListsCommand,
}

#[derive(Subcommand)]
pub enum ListsCommand {
    /// Import a list file (FORMAT: un-sc-xml, ofac-csv, ofac-enhanced-xml, us-csl-csv, bis-dpl, eu-fsf-xml, uk-sanctions).
    Import { format: String, path: PathBuf },
    /// Per list: version, record count, imported at.
    Status,
}

pub fn run(a: ListsArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let app = a.db.open_app().await?;
        let code = match a.command {
            ListsCommand::Import { format, path } => {
                let format: lists::ListFormat = match format.parse() {
                    Ok(f) => f,
                    Err(e) => {
                        eprintln!("error: FORMAT: {e}");
                        return Ok(ExitCode::from(2));
                    }
                };
                let t0 = Instant::now();
                eprintln!("[1/3] parsing {} as {format} ...", path.display());
                let p2 = path.clone();
                let parsed = tokio::task::spawn_blocking(move || lists::import(format, &p2)).await?;
                let snap = match parsed {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("error: {e}");
                        eprintln!("nothing was imported; the list version in force stays in force");
                        return Ok(ExitCode::from(1));
                    }
                };
                eprintln!(
                    "[2/3] parsed {} records in {:.1}s; storing and rebuilding the screening index ...",
                    snap.entries.len(),
                    t0.elapsed().as_secs_f64()
                );
                let row = app.import_list(&app::Principal::shell_operator(), snap).await;
                match row {
                    Ok(row) => {
                        eprintln!("[3/3] re-screening open cases and issued licences ...");
                        let (cases, hits) = app.rescreen_all().await.unwrap_or((0, 0));
                        println!(
                            "imported {} version {} ({} records) in {:.1}s; re-screened {cases} cases, {hits} new hits",
                            row.format,
                            row.version,
                            row.record_count,
                            t0.elapsed().as_secs_f64()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(1)
                    }
                }
            }
            ListsCommand::Status => {
                let rows = app.list_status(&app::Principal::shell_operator()).await;
                match rows {
                    Ok(rows) => {
                        println!("{:<18} {:<8} {:>8}  {:<25} version", "list", "active", "records", "imported at");
                        for r in rows {
                            println!(
                                "{:<18} {:<8} {:>8}  {:<25} {}",
                                r.format,
                                if r.active { "yes" } else { "no" },
                                r.record_count,
                                r.imported_at,
                                r.version
                            );
                        }
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(1)
                    }
                }
            }
        };
        app.store.close().await;
        Ok(code)
    })
}
