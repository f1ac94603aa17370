//! `exportctl`: the one binary. Each subcommand lives in its own file under `cmd/`.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;
mod config;

#[derive(Parser)]
#[command(
    name = "exportctl",
    version,
    about = "Licensing system for exports of dual-use cyber technology"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (JSON API) on the embedded SQLite database or PostgreSQL.
    Serve(cmd::serve::ServeArgs),
    /// Administration from the shell: organisations, users, tokens.
    Admin(cmd::admin::AdminArgs),
    /// Import sanctions lists into the service database and show their status.
    Lists(cmd::lists::ListsArgs),
    /// Evaluate and check licensing policy.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// Screen names (JSON Lines) against sanctions and denied-party list files.
    Screen(cmd::screen::ScreenArgs),
    /// Public statistics: write the report of a period to a file.
    Stats(cmd::stats::StatsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => cmd::serve::run(a),
        Command::Admin(a) => cmd::admin::run(a),
        Command::Lists(a) => cmd::lists::run(a),
        Command::Policy(c) => cmd::policy::run(c),
        Command::Screen(a) => cmd::screen::run(a),
        Command::Stats(a) => cmd::stats::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
