//! A throw-away database per test: SQLite in a temporary directory, or a fresh PostgreSQL database created on
//! the server named by `EXPORTCTL_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`) and dropped
//! when the value is dropped. Tests never share a database and leave nothing behind.
//!
//! When no server answers there, the first PostgreSQL test of a test binary starts a throw-away cluster of its
//! own (`initdb` and `pg_ctl` from the installed server package, in a temporary directory, on a free port, as
//! the `postgres` user when running as root), which a watcher stops and deletes when the test binary exits.
//! Without the server binaries the failure says in one line what to install.

#![forbid(unsafe_code)]

use sqlx::Connection;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for the lifetime of this value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn configured_url() -> String {
    std::env::var("EXPORTCTL_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The server the tests use: the configured one, or a throw-away cluster when that one does not answer.
static ADMIN_URL: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
/// The same, for `Drop` (which cannot await).
static RESOLVED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn admin_url() -> String {
    ADMIN_URL
        .get_or_init(|| async {
            let url = configured_url();
            let answers = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                sqlx::PgConnection::connect(&url),
            )
            .await
            .is_ok_and(|c| c.is_ok());
            let url = if answers {
                url
            } else {
                match tokio::task::spawn_blocking(start_cluster).await {
                    Ok(Ok(u)) => u,
                    Ok(Err(e)) => panic!("PostgreSQL does not answer at {url} and {e}"),
                    Err(e) => panic!("starting a throw-away PostgreSQL cluster: {e}"),
                }
            };
            let _ = RESOLVED.set(url.clone());
            url
        })
        .await
        .clone()
}

/// The directory of `initdb` and `pg_ctl`: `pg_config --bindir`, the newest `/usr/lib/postgresql/*/bin`, or PATH.
fn server_bindir() -> Option<std::path::PathBuf> {
    let has = |d: &std::path::Path| d.join("initdb").exists() && d.join("pg_ctl").exists();
    if let Ok(o) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        let d = std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if has(&d) {
            return Some(d);
        }
    }
    let mut versions: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let d = e.path().join("bin");
            has(&d).then_some((v, d))
        })
        .collect();
    versions.sort();
    if let Some((_, d)) = versions.pop() {
        return Some(d);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has(d))
}

/// Runs a server binary, as the `postgres` user when this process is root (PostgreSQL refuses to run as root).
fn server_command(bin: &std::path::Path, as_postgres: bool) -> std::process::Command {
    if as_postgres {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        std::process::Command::new(bin)
    }
}

/// Starts a throw-away cluster and returns its admin URL; a watcher stops and deletes it when this process ends.
fn start_cluster() -> Result<String, String> {
    let bindir = server_bindir().ok_or(
        "no PostgreSQL server binaries (initdb, pg_ctl) were found to start one: install the server (Debian: \
         apt-get install postgresql) or point EXPORTCTL_TEST_PG at a running server",
    )?;
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let dir = std::env::temp_dir().join(format!(
        "exportctl-pg-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let data = dir.join("data");
    if root {
        let ok = std::process::Command::new("chown")
            .args(["-R", "postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!(
                "cannot give {} to the postgres user",
                dir.display()
            ));
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let run = |c: &mut std::process::Command, what: &str| -> Result<(), String> {
        let o = c.output().map_err(|e| format!("cannot run {what}: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    };
    run(
        server_command(&bindir.join("initdb"), root)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data),
        "initdb",
    )?;
    run(
        server_command(&bindir.join("pg_ctl"), root)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
                dir.display()
            ))
            .args(["-w", "start"]),
        "pg_ctl start",
    )?;
    // The watcher: when this process has gone, stop the cluster and delete its directory.
    let pg_ctl = bindir.join("pg_ctl");
    let stop = if root {
        format!(
            "runuser -u postgres -- {} -D {} -m immediate stop",
            pg_ctl.display(),
            data.display()
        )
    } else {
        format!(
            "{} -D {} -m immediate stop",
            pg_ctl.display(),
            data.display()
        )
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cluster's watcher: {e}"))?;
    eprintln!(
        "testdb: no PostgreSQL answered at {}; started a throw-away cluster on 127.0.0.1:{port} in {}",
        configured_url(),
        dir.display()
    );
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("t.sqlite3").display()
                );
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("exportctl_test_{}", uuid::Uuid::new_v4().simple());
                let base = admin_url().await;
                let mut c = sqlx::PgConnection::connect(&base)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {base}: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .await
                    .expect("create test database");
                let _ = c.close().await;
                let url = match base.rfind('/') {
                    Some(i) => format!("{}/{name}", &base[..i]),
                    None => panic!("bad EXPORTCTL_TEST_PG"),
                };
                TestDb {
                    url,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let Some(admin) = RESOLVED.get().cloned() else {
                return;
            };
            // Drop runs outside async: use a private runtime on a helper thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throw-away cluster starts from the installed server binaries and answers queries.
    #[tokio::test]
    async fn a_throwaway_cluster_starts_and_answers() {
        let url = tokio::task::spawn_blocking(start_cluster)
            .await
            .unwrap()
            .expect("cluster starts");
        let mut c = sqlx::PgConnection::connect(&url).await.expect("connects");
        let one: (i32,) = sqlx::query_as("SELECT 1").fetch_one(&mut c).await.unwrap();
        assert_eq!(one.0, 1);
        let _ = c.close().await;
    }
}
