//! What the browser tests share: starting chromedriver (Debian `chromium-driver`) without sleeping, the service
//! on a throw-away database with the demo data, a headless Chromium session, and a [`Browser`] that clicks and
//! waits for the next page, saves screenshots, fails on severe console messages and (when axe-core is
//! installed into `tests/support` by `npm ci --prefix crates/http/tests/support`) on serious or critical
//! accessibility violations. Included by `browser.rs` and `browser_journeys.rs` with `#[path]`.

#![allow(dead_code)] // Each test file uses its own part of the helpers.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The chromedriver process, ended when dropped.
pub struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Driver {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.1)
    }
}

/// Starts chromedriver on a free port and waits for it to say it listens (no sleeping).
pub fn start_driver() -> Driver {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists(),
        "chromedriver missing: install it with `apt-get install -y chromium chromium-driver` (.ci/run does)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("started successfully") => break,
            Some(Ok(_)) => continue,
            _ => panic!("chromedriver exited before it started"),
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Driver(child, port)
}

/// axe-core's browser build, as `npm ci --prefix crates/http/tests/support` installs it.
pub fn axe_source() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; install it with `npm ci --prefix crates/http/tests/support` (.ci/run does)",
            p.display()
        )
    })
}

/// The real router on 127.0.0.1:0 over a fresh database (SQLite or PostgreSQL) with the demo data.
pub struct Service {
    pub app: Arc<app::App>,
    pub users: Vec<app::demo::DemoUser>,
    pub base: String,
    server: tokio::task::JoinHandle<()>,
    _db: testdb::TestDb,
    /// Where uploaded documents are kept; also a place for files the browser uploads.
    pub files: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Service {
    pub async fn start(backend: testdb::Backend) -> Service {
        let db = testdb::TestDb::new(backend).await;
        let store = store::Store::connect(&db.url).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        std::fs::create_dir(files.path().join("store")).unwrap();
        let mut config = app::AppConfig::default();
        config.documents.store = Some(Arc::new(
            object_store::local::LocalFileSystem::new_with_prefix(files.path().join("store"))
                .unwrap(),
        ));
        let app = app::App::new(store, config).await.unwrap();
        let users = app.seed_demo_base().await.unwrap().0;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = http_api::router(app.clone());
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Service {
            app,
            users,
            base: format!("http://{addr}"),
            server,
            _db: db,
            files,
        }
    }

    fn user(&self, name: &str) -> &app::demo::DemoUser {
        self.users
            .iter()
            .find(|u| u.username == name)
            .unwrap_or_else(|| panic!("no demo user {name}"))
    }

    /// A demo user's password.
    pub fn password(&self, name: &str) -> String {
        self.user(name).password.clone()
    }

    /// A demo user's principal, for setting up what a journey does not do through the pages.
    pub async fn principal(&self, name: &str) -> app::Principal {
        self.app.authenticate(&self.user(name).token).await.unwrap()
    }
}

/// A headless Chromium session on the service.
pub struct Browser {
    pub c: Client,
    driver_url: String,
    pub base: String,
    shots: std::path::PathBuf,
    /// axe-core's source, when pages are checked for accessibility.
    axe: Option<String>,
    /// Pages checked so far.
    pub checked: std::cell::Cell<usize>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new browser session; screenshots go to `$CARGO_TARGET_TMPDIR/{shots}/`; `axe` runs axe-core on every
    /// checked page.
    pub async fn open(driver: &Driver, base: &str, shots: &str, axe: bool) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()), "--window-size=1024,900"
                ]
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        // chromedriver listens on plain HTTP on the loopback: no TLS connector.
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .expect("a chromium session through chromedriver");
        let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shots);
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            c,
            driver_url: driver.url(),
            base: base.to_string(),
            shots,
            axe: axe.then(axe_source),
            checked: Default::default(),
            _profile: profile,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    pub async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Clicks and waits until the next page has loaded (the URL changes or the old page's body is gone, as
    /// when a form is answered on the same address), without sleeping for a fixed time: WebDriver's click
    /// may return while a form post and its redirect are still under way.
    pub async fn click(&self, css: &str) {
        let before = self.c.current_url().await.unwrap();
        let old_body = self.c.find(Locator::Css("body")).await.unwrap();
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let now = self.c.current_url().await.unwrap();
            let stale = old_body.tag_name().await.is_err();
            let ready = self
                .c
                .execute("return document.readyState;", vec![])
                .await
                .unwrap();
            if (now != before || stale) && ready == json!("complete") {
                return;
            }
            if std::time::Instant::now() > deadline {
                panic!(
                    "clicking {css} on {before} did not lead to another page; the page says: {}",
                    self.text().await
                );
            }
            tokio::task::yield_now().await;
        }
    }

    /// Clicks an element that does not leave the page (a radio button, a checkbox).
    pub async fn tick(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Chooses a local file in a file input.
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// The screenshot, the console check and (with axe) the accessibility check of the page now shown.
    pub async fn check(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
        let id = self.c.session_id().await.unwrap().expect("session id");
        let v: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/session/{id}/se/log", self.driver_url))
            .json(&json!({"type": "browser"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // A form answered with its errors (400) is logged as a failed load of the page itself: that is the
        // page under test, not an error in it.
        let here = self.c.current_url().await.unwrap().to_string();
        let severe: Vec<_> = v["value"]
            .as_array()
            .expect("browser log readable")
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .filter(|e| {
                let m = e["message"].as_str().unwrap_or("");
                !(m.starts_with(&format!("{here} - ")) && m.contains("status of 400"))
            })
            .map(|e| e["message"].to_string())
            .collect();
        assert!(severe.is_empty(), "console errors on {name}: {severe:?}");
        if let Some(axe) = &self.axe {
            // WebDriver scripts are not subject to the page's Content-Security-Policy.
            self.c
                .execute(&format!("{axe}\nreturn true;"), vec![])
                .await
                .expect("axe-core injected");
            let found = self
                .c
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     axe.run(document, { resultTypes: ['violations'] })
                       .then(r => done(r.violations
                         .filter(v => v.impact === 'serious' || v.impact === 'critical')
                         .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                       .catch(e => done(['axe failed: ' + e]));",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(found, json!([]), "accessibility violations on {name}");
        }
        self.checked.set(self.checked.get() + 1);
    }

    pub async fn sign_in(&self, user: &str, password: &str) {
        self.goto("/sign-in").await;
        self.fill("#username", user).await;
        self.fill("#password", password).await;
        self.click("#sign-in-button").await;
    }

    pub async fn sign_out(&self) {
        self.click("form[action='/sign-out'] button").await;
        assert_eq!(self.path().await, "/");
    }
}
