//! `exportctl`: the one binary. Each subcommand lives in its own file under `cmd/`.

#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

mod cmd;
mod config;
mod config_file;

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
    /// The configuration file of `serve`: check one before starting with it.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Checks a `serve` configuration file (TOML, keyed by flag name): every key a flag of `serve`, every value
    /// accepted by that flag. Prints the settings it holds; exits 1 naming the first bad one.
    Check {
        /// The file.
        file: std::path::PathBuf,
    },
}

/// `serve --config FILE` / `EXPORTCTL_CONFIG`: the file's settings become arguments after `serve`, except
/// those given on the command line or set in the environment.
fn with_config_file(args: Vec<std::ffi::OsString>) -> anyhow::Result<Vec<std::ffi::OsString>> {
    let strings: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if strings.get(1).map(String::as_str) != Some("serve") {
        return Ok(args);
    }
    let Some(file) = config_file::named(&strings[2..]) else {
        return Ok(args);
    };
    let cli = Cli::command();
    let serve = cli.find_subcommand("serve").expect("serve is a subcommand");
    let extra = config_file::file_args(serve, &file, &strings[2..], &|e| {
        std::env::var_os(e).is_some()
    })?;
    let mut out: Vec<std::ffi::OsString> = args[..2].to_vec();
    out.extend(extra);
    out.extend(args[2..].iter().cloned());
    Ok(out)
}

fn config_check(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let cli = Cli::command();
    let serve = cli.find_subcommand("serve").expect("serve is a subcommand");
    let extra = config_file::file_args(serve, file, &[], &|_| false)?;
    let mut args: Vec<std::ffi::OsString> = vec!["exportctl".into(), "serve".into()];
    args.extend(extra.iter().cloned());
    if let Err(e) = Cli::try_parse_from(&args) {
        eprintln!("{}: {}", file.display(), e.render().to_string().trim_end());
        return Ok(ExitCode::from(1));
    }
    let mut settings = Vec::new();
    let mut it = extra
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .peekable();
    while let Some(flag) = it.next() {
        let key = flag.trim_start_matches('-').to_string();
        let value = match it.peek() {
            Some(v) if !v.starts_with("--") => it.next().unwrap_or_default(),
            _ => "true".to_string(),
        };
        // A database URL may carry a password.
        let value = if key == "database" {
            "<redacted>".to_string()
        } else {
            value
        };
        settings.push(format!("  {key} = {value}"));
    }
    println!(
        "{}: ok, {} setting(s) for `exportctl serve`",
        file.display(),
        settings.len()
    );
    for s in settings {
        println!("{s}");
    }
    Ok(ExitCode::SUCCESS)
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
    let args = match with_config_file(hoist_db_options(std::env::args_os().collect())) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
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
        Command::Config(ConfigCommand::Check { file }) => config_check(&file),
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
