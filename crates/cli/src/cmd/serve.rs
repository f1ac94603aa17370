//! `exportctl serve`: migrate the database, load reference data, optionally seed demo data, serve the API.

use crate::config::{runtime, DbArgs, KeyArgs};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "EXPORTCTL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address and port for Prometheus metrics (`GET /metrics`); off unless given. Keep it off the public
    /// network: metrics are not behind sign-in.
    #[arg(long, env = "EXPORTCTL_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// A TOML file with any of these settings, keyed by flag name (`listen = "0.0.0.0:8080"`); the command
    /// line and the environment win over it. Check one with `exportctl config check FILE`.
    #[arg(long, env = "EXPORTCTL_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
    /// The signing key ring (audit checkpoints; licences are signed with its current key).
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Seconds between signed checkpoints of the audit log (one is also made at start when the log grew).
    #[arg(long, env = "EXPORTCTL_CHECKPOINT_INTERVAL", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=86400))]
    pub checkpoint_interval: u64,
    /// Seed an illustrative organisation, one user per role (tokens printed) and sample cases.
    #[arg(long)]
    pub demo: bool,
    /// Public holidays excluded from working-day counts (YYYY-MM-DD, comma-separated or repeated).
    #[arg(long = "holiday", env = "EXPORTCTL_HOLIDAYS", value_delimiter = ',')]
    pub holidays: Vec<chrono::NaiveDate>,
    /// The authority's working week, as day names (e.g. sun,mon,tue,wed,thu); default: the reference
    /// policy's calendar (Sunday to Thursday).
    #[arg(long = "working-days", env = "EXPORTCTL_WORKING_DAYS", value_delimiter = ',', num_args = 1.., value_parser = day_name)]
    pub working_days: Vec<String>,
    /// The authority's time zone (IANA name, e.g. Asia/Jerusalem) in which today and case clocks are taken;
    /// default: the reference policy's calendar (Asia/Jerusalem).
    #[arg(long = "time-zone", env = "EXPORTCTL_TIME_ZONE", value_parser = time_zone)]
    pub time_zone: Option<domain::workdays::Tz>,
    /// Target working days for marketing licences when the policy sets none.
    #[arg(long, env = "EXPORTCTL_TARGET_MARKETING_DAYS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub target_marketing_days: u32,
    /// Target working days for export licences when the policy sets none.
    #[arg(long, env = "EXPORTCTL_TARGET_EXPORT_DAYS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub target_export_days: u32,
    /// List sources every case must be screened against before approval (comma-separated source ids, e.g.
    /// un-sc,ofac-sdn,eu-fsf,uk,us-csl-el; see `exportctl lists status`). `--demo` adds its illustrative list.
    #[arg(long = "required-lists", env = "EXPORTCTL_REQUIRED_LISTS", value_delimiter = ',', value_parser = source_id)]
    pub required_lists: Vec<String>,
    /// What a confirmed hit means, per list source or source and programme, over the reference choices
    /// (every list blocks approval except the BIS Unverified List, `us-csl-uvl`, which asks for an end-use
    /// check): comma-separated `SOURCE[/PROGRAMME]=block|end-use-check`, e.g. `us-csl-el=end-use-check`.
    #[arg(long = "hit-consequence", env = "EXPORTCTL_HIT_CONSEQUENCES", value_delimiter = ',', value_parser = hit_consequence)]
    pub hit_consequences: Vec<(String, lists::HitConsequence)>,
    /// Largest allowed fall in a list source's record count against its version in force (share, 0 to 1);
    /// a larger fall needs `force`.
    #[arg(long, env = "EXPORTCTL_MAX_LIST_DROP", default_value_t = 0.2, value_parser = crate::cmd::lists::share)]
    pub max_list_drop: f64,
    /// Seconds between checks for list and policy versions and denials-register changes committed by another
    /// process (the CLI, another server on the same database).
    #[arg(long, env = "EXPORTCTL_RELOAD_INTERVAL", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub reload_interval: u64,
    /// Longest lifetime of an API token, in days (enrolment asks for at most this much).
    #[arg(long, env = "EXPORTCTL_MAX_TOKEN_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub max_token_days: u32,
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
    /// SMTP relay for e-mail notifications (host name); without it no e-mail is sent (in-app notifications
    /// and webhooks still are).
    #[arg(long, env = "EXPORTCTL_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP relay port.
    #[arg(long, env = "EXPORTCTL_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// Transport security to the relay: starttls, tls (implicit, usually port 465) or none (a relay on the
    /// same host only).
    #[arg(long, env = "EXPORTCTL_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: app::notify::SmtpTls,
    /// SMTP user name (with --smtp-password-file).
    #[arg(long, env = "EXPORTCTL_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// File holding the SMTP password (never the password itself on the command line).
    #[arg(long, env = "EXPORTCTL_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<std::path::PathBuf>,
    /// Sender address of notification e-mail.
    #[arg(
        long,
        env = "EXPORTCTL_SMTP_FROM",
        default_value = "exportctl@localhost"
    )]
    pub smtp_from: String,
    /// Attempts of a background job (an e-mail, a webhook message) before it is marked failed.
    #[arg(long, env = "EXPORTCTL_JOB_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub job_max_attempts: u32,
    /// Seconds before a failed job's first retry; each further retry waits twice as long.
    #[arg(long, env = "EXPORTCTL_JOB_RETRY_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub job_retry_secs: u64,
    /// Seconds between runs of the job runner.
    #[arg(long, env = "EXPORTCTL_JOB_INTERVAL_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub job_interval_secs: u64,
    /// Webhook receivers allowed over plain HTTP or on private addresses (host names or addresses,
    /// comma-separated); every other webhook must be https to a public host.
    #[arg(
        long = "webhook-allow-hosts",
        env = "EXPORTCTL_WEBHOOK_ALLOW_HOSTS",
        value_delimiter = ','
    )]
    pub webhook_allow_hosts: Vec<String>,
    /// Accept webhook hosts whose name resolves to a loopback address (a receiver on the same machine, tests);
    /// private and link-local addresses stay refused.
    #[arg(long, env = "EXPORTCTL_WEBHOOK_ALLOW_LOOPBACK")]
    pub webhook_allow_loopback: bool,
    /// Where case documents are stored: `local` (content-addressed files under DATA_DIR/documents) or an
    /// S3-compatible bucket `s3://BUCKET[/PREFIX]`, configured by the standard AWS_* variables
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT, AWS_ALLOW_HTTP).
    #[arg(long, env = "EXPORTCTL_DOCUMENT_STORE", default_value = "local")]
    pub document_store: String,
    /// Largest document accepted by upload, in MB (10^6 bytes).
    #[arg(long, env = "EXPORTCTL_DOCUMENT_MAX_MB", default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=2048))]
    pub document_max_mb: u64,
    /// Virus scanner command run over each uploaded document, the file's path appended (e.g.
    /// "clamdscan --no-summary --fdpass"): exit 0 clean, 1 infected, anything else a failure (retried).
    /// Without it documents are stored `unscanned`.
    #[arg(long, env = "EXPORTCTL_SCANNER")]
    pub scanner: Option<String>,
    /// Seconds the scanner has for one document.
    #[arg(long, env = "EXPORTCTL_SCANNER_TIMEOUT_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub scanner_timeout_secs: u64,
}

impl ServeArgs {
    /// Notification delivery settings from the flags (the SMTP password read from its file).
    fn notify_config(&self) -> anyhow::Result<app::notify::NotifyConfig> {
        let password = match &self.smtp_password_file {
            Some(f) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("--smtp-password-file {}", f.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            ),
            None => None,
        };
        let smtp = self.smtp_host.as_ref().map(|host| app::notify::SmtpConfig {
            host: host.clone(),
            port: self.smtp_port,
            tls: self.smtp_tls,
            username: self.smtp_username.clone(),
            password,
            from: self.smtp_from.clone(),
        });
        if let Some(s) = &smtp {
            if !app::notify::is_email_address(&s.from) {
                anyhow::bail!("--smtp-from {:?} is not an e-mail address", s.from);
            }
        }
        Ok(app::notify::NotifyConfig {
            smtp,
            max_attempts: self.job_max_attempts,
            retry_base: std::time::Duration::from_secs(self.job_retry_secs),
            webhook_allow_hosts: self.webhook_allow_hosts.clone(),
            webhook_allow_loopback: self.webhook_allow_loopback,
            ..Default::default()
        })
    }

    /// Document storage, size limit and scanner from the flags.
    fn document_config(&self) -> anyhow::Result<app::documents::DocumentConfig> {
        let store = app::documents::object_store_for(
            &self.document_store,
            &self.db.data_dir,
            std::env::vars(),
        )
        .map_err(|e| anyhow::anyhow!("--document-store: {e}"))?;
        let scanner = match &self.scanner {
            Some(cmd) => {
                let mut parts = cmd.split_whitespace().map(str::to_string);
                let program = parts
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--scanner is empty"))?;
                Some(app::documents::ScannerConfig {
                    program: program.into(),
                    args: parts.collect(),
                    timeout: std::time::Duration::from_secs(self.scanner_timeout_secs),
                })
            }
            None => {
                tracing::warn!(
                    "no virus scanner configured (--scanner): documents are stored unscanned"
                );
                None
            }
        };
        Ok(app::documents::DocumentConfig {
            store: Some(store),
            max_bytes: usize::try_from(self.document_max_mb * 1_000_000)
                .context("--document-max-mb is too large")?,
            scanner,
        })
    }
}

/// Splits `s3://bucket/prefix` into the bucket URL and the key prefix.
fn source_id(s: &str) -> Result<String, String> {
    let s = s.trim();
    if lists::is_source_id(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a list source id (un-sc, ofac-sdn, ofac-non-sdn, us-csl-<sub-list>, bis-dpl, eu-fsf, uk)"
        ))
    }
}

fn hit_consequence(s: &str) -> Result<(String, lists::HitConsequence), String> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: write SOURCE[/PROGRAMME]=block|end-use-check"))?;
    let (source, programme) = match key.split_once('/') {
        Some((src, p)) => (src, Some(p)),
        None => (key, None),
    };
    let source = source_id(source)?;
    if programme.is_some_and(|p| p.trim().is_empty()) {
        return Err(format!("{s:?}: the programme after '/' is empty"));
    }
    let key = match programme {
        Some(p) => format!("{source}/{}", p.trim()),
        None => source,
    };
    Ok((key, lists::HitConsequence::parse(value)?))
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
        // Bind first: a port in use fails before any database is created or migrated.
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        let addr = listener.local_addr().unwrap_or(a.listen);
        let metrics_listener = match a.metrics_listen {
            Some(m) => Some(
                tokio::net::TcpListener::bind(m)
                    .await
                    .with_context(|| format!("cannot listen on {m} (--metrics-listen)"))?,
            ),
            None => None,
        };
        let mut required_lists = a.required_lists.clone();
        if a.demo
            && !required_lists
                .iter()
                .any(|r| r == app::screening_svc::DEMO_LIST_SOURCE)
        {
            required_lists.push(app::screening_svc::DEMO_LIST_SOURCE.to_string());
        }
        std::fs::create_dir_all(&a.db.data_dir).with_context(|| {
            format!("cannot create data directory {}", a.db.data_dir.display())
        })?;
        let ring = a.keys.load(&a.db.data_dir)?;
        let working_week = if a.working_days.is_empty() {
            None
        } else {
            Some(
                domain::workdays::WorkingWeek::parse(a.working_days.iter().map(String::as_str))
                    .map_err(|e| anyhow::anyhow!("--working-days: {e}"))?,
            )
        };
        let config = app::AppConfig {
            holidays: a.holidays.clone(),
            working_week,
            time_zone: a.time_zone,
            target_marketing_days: a.target_marketing_days,
            target_export_days: a.target_export_days,
            required_lists,
            hit_consequences: a.hit_consequences.iter().cloned().collect(),
            max_list_drop: a.max_list_drop,
            reload_interval: Some(std::time::Duration::from_secs(a.reload_interval)),
            max_token_days: a.max_token_days,
            sessions: app::auth::SessionConfig {
                idle_minutes: a.session_idle_minutes,
                absolute_hours: a.session_absolute_hours,
                secure_cookie: a.secure_cookies,
            },
            signing_keys: Some(std::sync::Arc::new(ring)),
            notify: a.notify_config()?,
            documents: a.document_config()?,
            ..Default::default()
        };
        let app = a.db.open_app_with(config).await?;
        app::jobs::spawn_job_runner(&app, std::time::Duration::from_secs(a.job_interval_secs));
        app::jobs::spawn_audit_sequencer(&app, std::time::Duration::from_millis(250));
        if a.demo {
            app.import_demo_list()
                .await
                .map_err(|e| anyhow::anyhow!("cannot load the demo list: {e}"))?;
            match app.seed_demo_base().await {
                Ok((tokens, cast)) => {
                    // The decision history (hundreds of cases through the use cases) is seeded while the
                    // service already answers; the statistics fill in as it proceeds.
                    let seeding = app.clone();
                    tokio::spawn(async move {
                        if let Err(e) = seeding.seed_demo_history(&cast).await {
                            tracing::error!(error = %e, "cannot seed the demo history");
                        }
                    });
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
        app.checkpoint_job(false)
            .await
            .map_err(|e| anyhow::anyhow!("cannot make the audit checkpoint: {e}"))?;
        let checkpoints = app.clone();
        let every = std::time::Duration::from_secs(a.checkpoint_interval);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                match checkpoints.checkpoint_job(true).await {
                    Ok(Some(c)) => tracing::info!(size = c.size, id = c.id, "audit checkpoint signed"),
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, "audit checkpoint job failed"),
                }
            }
        });
        // Before announcing the server: from here a stop signal ends it cleanly.
        let stop = stop_requested();
        println!("{}", next_steps(&app, addr, a.demo).await?);
        let expiry = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match expiry.expire_due(expiry.today()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(expired = n, "licences expired"),
                    Err(e) => tracing::error!(error = %e, "expiry job failed"),
                }
            }
        });
        tracing::info!(%addr, "exportctl listening");
        eprintln!("exportctl listening on http://{addr}");
        if let Some(l) = metrics_listener {
            let maddr = l.local_addr().ok();
            eprintln!(
                "metrics on http://{}/metrics",
                maddr.map(|a| a.to_string()).unwrap_or_default()
            );
            let router = http::metrics::router(app.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(l, router).await {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            });
        }
        let limits = http::ServeLimits {
            header_read_timeout: std::time::Duration::from_secs(a.header_timeout_secs),
            request_timeout: std::time::Duration::from_secs(a.request_timeout_secs),
            max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
        };
        let fetch = http::lists_io::FetchPolicy {
            allow_hosts: a.fetch_allow_hosts.clone(),
            ..Default::default()
        };
        let store = app.store.clone();
        http::serve(
            listener,
            http::router_with(app, fetch),
            limits,
            stop,
        )
        .await
        .context("server failed")?;
        // The last requests' audit events are chained before the process ends (the next start would, too).
        if let Err(e) = store.sequence_audit().await {
            tracing::warn!(error = %e, "cannot sequence the last audit events");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on Ctrl-C or SIGTERM (what a service manager or container runtime sends): the server then stops
/// accepting, lets requests in flight finish, and exits with success. The handlers are installed when this is
/// called, before the server announces itself, so a signal sent as soon as it is up is not lost.
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(
            |e| tracing::warn!(error = %e, "cannot watch SIGTERM; only Ctrl-C stops the server"),
        )
        .ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            () = term => {}
        }
        tracing::info!("stopping: requests in flight finish first");
    }
}

/// What to do next, printed at start-up: where the API is, how to authenticate, whether a first administrator
/// is needed, and how to import the real sanctions lists.
async fn next_steps(app: &app::App, addr: SocketAddr, demo: bool) -> anyhow::Result<String> {
    use std::fmt::Write;
    let base = format!("http://{addr}");
    let mut out = String::from("next steps:\n");
    writeln!(
        out,
        "  API:               {base}/api/v1/ (health: {base}/healthz)"
    )?;
    writeln!(out, "  OpenAPI document:  {base}/api/v1/openapi.json")?;
    writeln!(
        out,
        "  authenticate:      send a token as a header, e.g. curl -H 'Authorization: Bearer TOKEN' {base}/api/v1/applications"
    )?;
    let users = app
        .store
        .users()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read users: {e}"))?;
    if users.is_empty() {
        writeln!(
            out,
            "  no users exist yet: create the first administrator with\n    exportctl admin create-user --username root --role admin\n  and its token with\n    exportctl admin create-token --user root\n  (with the same --data-dir or --database)"
        )?;
    } else if demo {
        writeln!(
            out,
            "  try:               curl -H 'Authorization: Bearer <officer token above>' {base}/api/v1/queues/unassigned"
        )?;
    }
    let missing = app.missing_required_lists();
    if demo {
        writeln!(
            out,
            "  screening:         the demo loaded a small illustrative list ({}, invented names), not a real one",
            app::screening_svc::DEMO_LIST_SOURCE
        )?;
    }
    if !missing.is_empty() {
        writeln!(
            out,
            "  screening:         required list(s) not imported yet: {} (approvals wait for them)",
            missing.join(", ")
        )?;
    }
    write!(
        out,
        "  real lists:        exportctl lists import FORMAT PATH (FORMAT: {}), or POST {base}/api/v1/lists/FORMAT;\n                     require them with --required-lists (e.g. un-sc,ofac-sdn,eu-fsf,uk)",
        lists::ListFormat::ALL.map(|f| f.as_str()).join(", ")
    )?;
    Ok(out)
}

/// One day name for `--working-days` (checked as a whole week when the service starts).
fn day_name(s: &str) -> Result<String, String> {
    domain::workdays::WorkingWeek::parse([s]).map(|_| s.trim().to_string())
}

fn time_zone(s: &str) -> Result<domain::workdays::Tz, String> {
    domain::workdays::parse_time_zone(s)
}

#[cfg(test)]
mod hit_consequence_flag {
    use super::hit_consequence;
    use lists::HitConsequence;

    #[test]
    fn parses_source_and_programme_and_names_mistakes() {
        assert_eq!(
            hit_consequence("us-csl-el=end-use-check"),
            Ok(("us-csl-el".into(), HitConsequence::EndUseCheck))
        );
        assert_eq!(
            hit_consequence("ofac-sdn/CYBER2=block"),
            Ok(("ofac-sdn/CYBER2".into(), HitConsequence::Block))
        );
        assert!(hit_consequence("ofac-sdn")
            .unwrap_err()
            .contains("SOURCE[/PROGRAMME]"));
        assert!(hit_consequence("nolist=block")
            .unwrap_err()
            .contains("not a list source id"));
        assert!(hit_consequence("ofac-sdn=warn")
            .unwrap_err()
            .contains("block, end-use-check"));
        assert!(hit_consequence("ofac-sdn/=block")
            .unwrap_err()
            .contains("programme"));
    }
}
