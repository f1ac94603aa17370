//! `exportctl screen ...` (owned by the screening work).
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct ScreenArgs {
    /// FORMAT:PATH of a list file to screen against; repeatable.
    #[arg(long = "list", required = true)]
    pub lists: Vec<String>,
    /// JSON Lines queries, or - for standard input.
    #[arg(long)]
    pub input: String,
    #[arg(long)]
    pub threshold: Option<f64>,
    #[arg(long)]
    pub limit: Option<usize>,
}

pub fn run(_a: ScreenArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("screen is not built yet")
}
