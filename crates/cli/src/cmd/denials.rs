//! `exportctl denials import FILE` and `exportctl denials export --since DATE`: the denials register in the
//! service database. An import checks the whole file first; a malformed file changes nothing and the error
//! names its line and field. An export writes the notifications due to partners as JSON Lines.

use crate::config::{runtime, DbArgs};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct DenialsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: DenialsCommand,
}

#[derive(Subcommand)]
pub enum DenialsCommand {
    /// Import partner denials from a CSV or JSON Lines file (format from the extension .csv, .jsonl or
    /// .ndjson, or --format). Formats: docs/denials.md.
    Import {
        file: PathBuf,
        /// `csv` or `jsonl` (default: from the file's extension).
        #[arg(long)]
        format: Option<String>,
    },
    /// Write the notifications due to partners on or after DATE as JSON Lines (to stdout, or --out).
    Export {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        since: chrono::NaiveDate,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn format_of(
    file: &std::path::Path,
    given: Option<&str>,
) -> Result<app::denials::import::Format, String> {
    let name = match given {
        Some(f) => f.to_string(),
        None => match file.extension().and_then(|e| e.to_str()) {
            Some("csv") => "csv".into(),
            Some("jsonl") | Some("ndjson") => "jsonl".into(),
            _ => return Err(
                "cannot tell the format from the file name; give --format csv or --format jsonl"
                    .into(),
            ),
        },
    };
    name.parse()
}

pub fn run(a: DenialsArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let app =
            a.db.open_app_with(app::AppConfig {
                reload_interval: None,
                ..Default::default()
            })
            .await?;
        let shell = app::Principal::shell_operator();
        Ok(match a.command {
            DenialsCommand::Import { file, format } => {
                let format = match format_of(&file, format.as_deref()) {
                    Ok(f) => f,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(ExitCode::from(2));
                    }
                };
                let bytes = match std::fs::read(&file) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("error: cannot read {}: {e}", file.display());
                        return Ok(ExitCode::from(1));
                    }
                };
                match app.import_denials(&shell, format, &bytes).await {
                    Ok(s) => {
                        println!(
                            "{} added, {} updated, {} unchanged; {} open cases re-matched",
                            s.added, s.updated, s.unchanged, s.cases_rematched
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {}: {e}", file.display());
                        eprintln!("nothing was imported");
                        ExitCode::from(1)
                    }
                }
            }
            DenialsCommand::Export { since, out } => {
                let due = match app.denial_notifications(&shell, since).await {
                    Ok(d) => d,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(ExitCode::from(1));
                    }
                };
                let mut text = String::new();
                for n in &due {
                    text.push_str(&serde_json::to_string(n)?);
                    text.push('\n');
                }
                match out {
                    Some(p) => std::fs::write(&p, text)?,
                    None => std::io::stdout().write_all(text.as_bytes())?,
                }
                eprintln!("{} notifications due since {since}", due.len());
                ExitCode::SUCCESS
            }
        })
    })
}
