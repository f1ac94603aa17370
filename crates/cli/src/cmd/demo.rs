//! `exportctl demo history [--data-dir DIR | --database URL]`: seeds the demo users, organisation, products
//! and sample cases, then the deterministic decision history (several hundred cases decided from 2017 to two
//! weeks ago, each through the application's use cases as on its day), into the database named by the usual
//! options, as `serve --demo` does, without serving. Prints the demo users (one line each, shown once).

use crate::config::{runtime, DbArgs, KeyArgs};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(subcommand)]
    pub command: DemoCommand,
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Seed the demo data and its decision history (refused if the demo users already exist).
    History,
}

pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let DemoCommand::History = a.command;
    runtime()?.block_on(async move {
        // The signing key ring lives in the data directory (or the named file), whichever the database.
        std::fs::create_dir_all(&a.db.data_dir).with_context(|| {
            format!("cannot create data directory {}", a.db.data_dir.display())
        })?;
        let ring = a.keys.load(&a.db.data_dir)?;
        let app =
            a.db.open_app_with(app::AppConfig {
                reload_interval: None,
                required_lists: vec![app::screening_svc::DEMO_LIST_SOURCE.to_string()],
                signing_keys: Some(std::sync::Arc::new(ring)),
                ..Default::default()
            })
            .await?;
        app.import_demo_list()
            .await
            .map_err(|e| anyhow::anyhow!("cannot load the demo list: {e}"))?;
        let (tokens, cast) = match app.seed_demo_base().await {
            Ok(x) => x,
            Err(app::AppError::Conflict(m)) => {
                app.store.close().await;
                eprintln!("error: demo data already present ({m}); the history is seeded once, into a database without it");
                return Ok(ExitCode::from(1));
            }
            Err(e) => anyhow::bail!("cannot seed demo data: {e}"),
        };
        let n = app
            .seed_demo_history(&cast)
            .await
            .map_err(|e| anyhow::anyhow!("cannot seed the demo history: {e}"))?;
        app.store.close().await;
        eprintln!(
            "demo data and a decision history of {n} cases seeded. One line per user (shown once): username role password token"
        );
        for u in tokens {
            println!("{} {} {} {}", u.username, u.role, u.password, u.token);
        }
        Ok(ExitCode::SUCCESS)
    })
}
