//! `exportctl serve`: migrate the database, load reference data, optionally seed demo data, serve the API.

use crate::config::{runtime, DbArgs};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "EXPORTCTL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Seed an illustrative organisation, one user per role (tokens printed) and sample cases.
    #[arg(long)]
    pub demo: bool,
    /// Public holidays excluded from working-day counts (YYYY-MM-DD, comma-separated or repeated).
    #[arg(long = "holiday", env = "EXPORTCTL_HOLIDAYS", value_delimiter = ',')]
    pub holidays: Vec<chrono::NaiveDate>,
    /// Target working days for marketing licences when the policy sets none.
    #[arg(long, env = "EXPORTCTL_TARGET_MARKETING_DAYS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub target_marketing_days: u32,
    /// Target working days for export licences when the policy sets none.
    #[arg(long, env = "EXPORTCTL_TARGET_EXPORT_DAYS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub target_export_days: u32,
    /// Seconds a client has to send a request's headers; slower connections are closed.
    #[arg(long, env = "EXPORTCTL_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds one request may take, upload included; slower requests get 408.
    #[arg(long, env = "EXPORTCTL_REQUEST_TIMEOUT_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub request_timeout_secs: u64,
    /// Most client connections open at once; further connections wait to be accepted.
    #[arg(long, env = "EXPORTCTL_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_connections: u64,
    /// Hosts `POST /lists/{format}/fetch` may download from although they resolve to a loopback, private or
    /// link-local address (an internal mirror of the publishers' files); comma-separated or repeated.
    #[arg(
        long = "fetch-allow-host",
        env = "EXPORTCTL_FETCH_ALLOW_HOSTS",
        value_delimiter = ','
    )]
    pub fetch_allow_hosts: Vec<String>,
}

pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    runtime()?.block_on(async move {
        let config = app::AppConfig {
            holidays: a.holidays.clone(),
            target_marketing_days: a.target_marketing_days,
            target_export_days: a.target_export_days,
            ..Default::default()
        };
        let app = a.db.open_app_with(config).await?;
        if a.demo {
            match app.seed_demo().await {
                Ok(tokens) => {
                    println!("demo data seeded; API tokens (shown once):");
                    for (user, role, token) in tokens {
                        println!("  {user:<22} {role:<12} {token}");
                    }
                }
                Err(app::AppError::Conflict(m)) => {
                    println!("demo data already present ({m}); earlier tokens stay valid")
                }
                Err(e) => return Err(anyhow::anyhow!("cannot seed demo data: {e}")),
            }
        }
        let expiry = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match expiry.expire_due(app::today()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(expired = n, "licences expired"),
                    Err(e) => tracing::error!(error = %e, "expiry job failed"),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        tracing::info!(addr = %a.listen, "exportctl listening");
        eprintln!("exportctl listening on http://{}", a.listen);
        let limits = http::ServeLimits {
            header_read_timeout: std::time::Duration::from_secs(a.header_timeout_secs),
            request_timeout: std::time::Duration::from_secs(a.request_timeout_secs),
            max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
        };
        let fetch = http::lists_io::FetchPolicy {
            allow_hosts: a.fetch_allow_hosts.clone(),
            ..Default::default()
        };
        http::serve(listener, http::router_with(app, fetch), limits, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("server failed")?;
        Ok(ExitCode::SUCCESS)
    })
}
