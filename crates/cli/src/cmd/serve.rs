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
    /// Minutes after which an unused browser session ends.
    #[arg(long, env = "EXPORTCTL_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub session_idle_minutes: u32,
    /// Hours after sign-in at which a browser session ends, however used.
    #[arg(long, env = "EXPORTCTL_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub session_absolute_hours: u32,
    /// Mark the session cookie Secure: set it when the service is reached over HTTPS (directly or behind a
    /// TLS-terminating proxy).
    #[arg(long, env = "EXPORTCTL_SECURE_COOKIES")]
    pub secure_cookies: bool,
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
            sessions: app::auth::SessionConfig {
                idle_minutes: a.session_idle_minutes,
                absolute_hours: a.session_absolute_hours,
                secure_cookie: a.secure_cookies,
            },
            ..Default::default()
        };
        let app = a.db.open_app_with(config).await?;
        if a.demo {
            match app.seed_demo().await {
                Ok(tokens) => {
                    // One line per user, fields separated by single spaces (scripts read it with awk).
                    eprintln!(
                        "demo data seeded; sign in at http://{}/sign-in. One line per user (shown once): username role password token",
                        a.listen
                    );
                    for u in tokens {
                        println!("{} {} {} {}", u.username, u.role, u.password, u.token);
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
        // With the peer address, for the sign-in rate limit per address.
        axum::serve(
            listener,
            http::router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("server failed")?;
        Ok(ExitCode::SUCCESS)
    })
}
