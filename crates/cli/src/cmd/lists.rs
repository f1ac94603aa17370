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
    /// Each list source in the file (ofac-sdn, ofac-non-sdn, each CSL sub-list, ...) gets its own version; a
    /// source whose version is already in force is left as it is.
    Import {
        format: String,
        path: PathBuf,
        /// Import even when a source's record count falls by more than the allowed share (audited).
        #[arg(long)]
        force: bool,
        /// Largest allowed fall in a source's record count against its version in force, as a share (0 to 1).
        #[arg(long, env = "EXPORTCTL_MAX_LIST_DROP", default_value_t = 0.2, value_parser = share)]
        max_drop: f64,
    },
    /// Per list: version, record count, imported at.
    Status,
}

/// A share between 0 and 1.
pub fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a share between 0 and 1 (e.g. 0.2)")),
    }
}

pub fn run(a: ListsArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let max_list_drop = match &a.command {
            ListsCommand::Import { max_drop, .. } => *max_drop,
            ListsCommand::Status => 0.2,
        };
        let app = a
            .db
            .open_app_with(app::AppConfig {
                max_list_drop,
                reload_interval: None,
                ..Default::default()
            })
            .await?;
        let code = match a.command {
            ListsCommand::Import {
                format,
                path,
                force,
                ..
            } => {
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
                let imported = app
                    .import_list(&app::Principal::shell_operator(), snap, force)
                    .await;
                match imported {
                    Ok(sources) => {
                        for s in &sources {
                            let r = &s.row;
                            if s.created {
                                println!(
                                    "imported {} version {} ({} records)",
                                    r.source, r.version, r.record_count
                                );
                            } else {
                                println!(
                                    "unchanged {} version {} ({} records): already in force",
                                    r.source, r.version, r.record_count
                                );
                            }
                            if let Some(why) = &s.forced {
                                println!("  {why}");
                            }
                        }
                        if sources.iter().any(|s| s.created) {
                            eprintln!("[3/3] re-screening open cases and issued licences ...");
                            let (cases, hits) = app.rescreen_all().await.unwrap_or((0, 0));
                            // The import's durable re-screen job: done now (a no-op pass after the one
                            // above), so a server on this database does not repeat it.
                            if let Err(e) =
                                app.run_pending_of(Some(app::screening_svc::RESCREEN)).await
                            {
                                eprintln!("warning: the re-screen job stays queued: {e}");
                            }
                            println!(
                                "done in {:.1}s; re-screened {cases} cases, {hits} new hits",
                                t0.elapsed().as_secs_f64()
                            );
                        } else {
                            println!("nothing new to import");
                        }
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(1)
                    }
                }
            }
            ListsCommand::Status => {
                let rows = app
                    .list_status(&app::Principal::shell_operator(), &app::listing::Page::all())
                    .await
                    .map(|p| p.items);
                match rows {
                    Ok(rows) => {
                        println!("{:<18} {:<18} {:<8} {:>8}  {:<25} version", "source", "format", "active", "records", "imported at");
                        for r in rows {
                            println!(
                                "{:<18} {:<18} {:<8} {:>8}  {:<25} {}",
                                r.source,
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
