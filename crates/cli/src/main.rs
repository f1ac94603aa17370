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
    Serve(Box<cmd::serve::ServeArgs>),
    /// Administration from the shell: organisations, users, tokens.
    Admin(cmd::admin::AdminArgs),
    /// The verifiable audit log: verify, export, prove, checkpoint, check proofs offline.
    Audit(cmd::audit::AuditArgs),
    /// The signing keys (checkpoints, licences): list them, rotate to a new one.
    Keys(cmd::keys::KeysArgs),
    /// The denials register: import partner denials, export the notifications due to partners.
    Denials(cmd::denials::DenialsArgs),
    /// Import sanctions lists into the service database and show their status.
    Lists(cmd::lists::ListsArgs),
    /// Evaluate and check licensing policy.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// Screen names (JSON Lines) against sanctions and denied-party list files.
    Screen(cmd::screen::ScreenArgs),
    /// Public statistics: write the report of a period to a file.
    Stats(cmd::stats::StatsArgs),
    /// Signed licences: verify one offline with the authority's public keys.
    Licence(cmd::licence::LicenceArgs),
    /// Write a verified copy of the SQLite database while it stays in use.
    Backup(cmd::backup::BackupArgs),
    /// Replace the SQLite database with a backup, once the backup's audit log verifies.
    Restore(cmd::backup::RestoreArgs),
    /// Demo data: seed the deterministic decision history (as `serve --demo` does) without serving.
    Demo(cmd::demo::DemoArgs),
}

/// Options that say where the database is; accepted anywhere on the line.
const DB_OPTIONS: &[&str] = &["--data-dir", "--database", "--database-file"];

/// Moves database options given before the subcommand (`exportctl --data-dir D admin list-users`) to just after
/// it, where the subcommands declare them (global from there down), so that they are accepted anywhere.
fn hoist_db_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut head = Vec::new();
    let mut moved = Vec::new();
    let mut it = args.into_iter();
    if let Some(bin) = it.next() {
        head.push(bin);
    }
    while let Some(a) = it.next() {
        let text = a.to_string_lossy().into_owned();
        let name = text.split('=').next().unwrap_or("");
        if DB_OPTIONS.contains(&name) {
            let has_value = text.contains('=');
            moved.push(a);
            if !has_value {
                if let Some(v) = it.next() {
                    moved.push(v);
                }
            }
        } else if text.starts_with('-') {
            head.push(a);
        } else {
            // The subcommand: the moved options go right after it, then the rest as given.
            head.push(a);
            head.extend(moved);
            head.extend(it);
            return head;
        }
    }
    head.extend(moved);
    head
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(hoist_db_options(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Serve(a) => cmd::serve::run(*a),
        Command::Admin(a) => cmd::admin::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Keys(a) => cmd::keys::run(a),
        Command::Denials(a) => cmd::denials::run(a),
        Command::Lists(a) => cmd::lists::run(a),
        Command::Policy(c) => cmd::policy::run(c),
        Command::Screen(a) => cmd::screen::run(a),
        Command::Stats(a) => cmd::stats::run(a),
        Command::Licence(a) => cmd::licence::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Backup(a) => cmd::backup::backup(a),
        Command::Restore(a) => cmd::backup::restore(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hoist_db_options;

    fn hoist(args: &[&str]) -> Vec<String> {
        hoist_db_options(args.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn database_options_before_the_subcommand_move_after_it() {
        assert_eq!(
            hoist(&["x", "--data-dir", "d", "admin", "list-users"]),
            ["x", "admin", "--data-dir", "d", "list-users"]
        );
        assert_eq!(
            hoist(&[
                "x",
                "--database=postgres://h/db",
                "--data-dir",
                "d",
                "lists",
                "status"
            ]),
            [
                "x",
                "lists",
                "--database=postgres://h/db",
                "--data-dir",
                "d",
                "status"
            ]
        );
        // Elsewhere on the line they stay where they are.
        assert_eq!(
            hoist(&["x", "admin", "list-users", "--data-dir", "d"]),
            ["x", "admin", "list-users", "--data-dir", "d"]
        );
        assert_eq!(hoist(&["x", "--version"]), ["x", "--version"]);
    }
}
