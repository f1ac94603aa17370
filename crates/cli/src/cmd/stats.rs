//! `exportctl stats report --period 2026 --format html|csv|json [--out DIR] [--as-of TIME]`: the statistics
//! of a period written to a file, the same figures the API and the page publish (disclosure control applied).

use crate::config::{runtime, DbArgs};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: StatsCommand,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Html,
    Csv,
    Json,
}

#[derive(Subcommand)]
pub enum StatsCommand {
    /// Write the report of a period (a year such as 2026, or a quarter such as 2026-Q3) to
    /// DIR/statistics-PERIOD.FORMAT and print the file's path.
    Report {
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "html")]
        format: Format,
        /// Directory to write to (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Count only facts recorded until this RFC 3339 time (default: the latest recorded fact).
        #[arg(long)]
        as_of: Option<String>,
        /// Counts from 1 to this minus one are suppressed.
        #[arg(long, default_value_t = 5)]
        threshold: u32,
    },
}

pub fn run(a: StatsArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let StatsCommand::Report {
            period,
            format,
            out,
            as_of,
            threshold,
        } = a.command;
        if threshold == 0 {
            anyhow::bail!("--threshold must be at least 1");
        }
        let app =
            a.db.open_app_with(app::AppConfig {
                reload_interval: None,
                stats_threshold: threshold,
                ..Default::default()
            })
            .await?;
        let report = match app.public_statistics(&period, as_of.as_deref()).await {
            Ok(r) => r,
            Err(app::AppError::Invalid { field, reason }) => {
                eprintln!("error: --{}: {reason}", field.replace('_', "-"));
                return Ok(ExitCode::from(2));
            }
            Err(e) => return Err(e.into()),
        };
        let (ext, text) = match format {
            Format::Json => ("json", serde_json::to_string_pretty(&report)? + "\n"),
            Format::Csv => ("csv", stats::to_csv(&report)),
            Format::Html => ("html", http::pages::statistics::report_html(report)?),
        };
        std::fs::create_dir_all(&out)?;
        let path = out.join(format!("statistics-{period}.{ext}"));
        std::fs::write(&path, text)?;
        println!("{}", path.display());
        Ok(ExitCode::SUCCESS)
    })
}
