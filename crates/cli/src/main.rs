//! `exportctl`: the one binary. Each subcommand lives in its own file under `cmd/`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

#[derive(Parser)]
#[command(name = "exportctl", version, about = "Licensing system for exports of dual-use cyber technology")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate and check licensing policy.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// Screen names (JSON Lines) against sanctions and denied-party list files.
    Screen(cmd::screen::ScreenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(c) => cmd::policy::run(c),
        Command::Screen(a) => cmd::screen::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
