//! `exportctl policy ...` (owned by the policy-engine work).
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check a policy directory (default: the shipped reference policy).
    Check { dir: Option<std::path::PathBuf> },
}

pub fn run(_c: PolicyCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("policy commands are not built yet")
}
