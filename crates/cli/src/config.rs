//! Where the database is: `--database URL` / `EXPORTCTL_DATABASE_URL`, or an embedded SQLite file in
//! `--data-dir DIR` / `EXPORTCTL_DATA_DIR` (default `./data`). Shared by every subcommand that opens it; the
//! options are global, so `exportctl admin list-users --data-dir DIR` works as well as
//! `exportctl admin --data-dir DIR list-users`.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Directory for the embedded SQLite database (created if missing).
    #[arg(
        long,
        env = "EXPORTCTL_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL (postgres://... or sqlite://...); overrides --data-dir.
    #[arg(long = "database", env = "EXPORTCTL_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// File holding the database URL (keeps a password out of the environment and the process list).
    #[arg(
        long = "database-file",
        env = "EXPORTCTL_DATABASE_URL_FILE",
        global = true
    )]
    pub database_url_file: Option<PathBuf>,
}

impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("DbArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl DbArgs {
    /// The database URL to open, creating the data directory for SQLite.
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        if let Some(f) = &self.database_url_file {
            let u = std::fs::read_to_string(f)
                .with_context(|| format!("--database-file: cannot read {}", f.display()))?;
            let u = u.trim();
            anyhow::ensure!(!u.is_empty(), "--database-file: {} is empty", f.display());
            return Ok(u.to_string());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        let file = self.data_dir.join("exportctl.sqlite3");
        Ok(format!("sqlite://{}?mode=rwc", file.display()))
    }

    pub async fn open_app(&self) -> anyhow::Result<std::sync::Arc<app::App>> {
        self.open_app_with(app::AppConfig::default()).await
    }

    pub async fn open_app_with(
        &self,
        config: app::AppConfig,
    ) -> anyhow::Result<std::sync::Arc<app::App>> {
        let url = self.url()?;
        let store = store::Store::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        app::App::new(store, config)
            .await
            .map_err(|e| anyhow::anyhow!("cannot start: {e}"))
    }
}

/// Where the signing keys are: `--signing-key-file FILE` / `EXPORTCTL_SIGNING_KEY_FILE`, or
/// `signing-keys.json` in the data directory (created at first start). Never in the database.
#[derive(Args, Clone, Debug)]
pub struct KeyArgs {
    /// File holding the signing key ring (mode 0600); default: signing-keys.json in the data directory.
    #[arg(
        long = "signing-key-file",
        env = "EXPORTCTL_SIGNING_KEY_FILE",
        global = true
    )]
    pub signing_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key ring: the named file (which must exist), or the data directory's (created if missing).
    pub fn load(&self, data_dir: &std::path::Path) -> anyhow::Result<keys::KeyRing> {
        match &self.signing_key_file {
            Some(f) => keys::KeyRing::load(f)
                .with_context(|| "--signing-key-file / EXPORTCTL_SIGNING_KEY_FILE".to_string()),
            None => keys::KeyRing::load_or_create(data_dir).context("signing keys"),
        }
    }
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
