//! A real-browser test: headless Chromium (Debian packages `chromium` and `chromium-driver`) driven through
//! chromedriver with fantoccini, against the real router on SQLite with the demo data. The exporter signs in,
//! sees its dashboard and opens a case; the officer signs in, opens the queues, a queue and a case; anyone
//! checks a licence. A screenshot of every page goes to `$CARGO_TARGET_TMPDIR/browser/`; the test fails on any
//! severe browser console message and on horizontal scrolling at 360 px.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The chromedriver process, ended when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_driver() -> Driver {
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
    // chromedriver says when it listens: read its output until then (no sleeping).
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
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

struct Browser {
    c: Client,
    driver_url: String,
    base: String,
    shots: std::path::PathBuf,
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Clicks a link or a form's button and waits until the browser has left the page and loaded the next one:
    /// WebDriver's click may return while a form post and its redirect are still under way, so reading the
    /// URL at once is a race. Fails with the page's text when the URL does not change (for example a form
    /// answered with an error on the same path).
    async fn click(&self, css: &str) {
        let before = self.c.current_url().await.unwrap();
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
            let ready = self
                .c
                .execute("return document.readyState;", vec![])
                .await
                .unwrap();
            if now != before && ready == json!("complete") {
                return;
            }
            if std::time::Instant::now() > deadline {
                panic!(
                    "clicking {css} on {before} did not lead to another page; the page says: {}",
                    self.text().await
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }

    /// Saves a screenshot and fails on severe console messages so far.
    async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
        self.check_console(name).await;
    }

    async fn check_console(&self, page: &str) {
        let id = self.c.session_id().await.unwrap().expect("session id");
        let r = reqwest::Client::new()
            .post(format!("{}/session/{id}/se/log", self.driver_url))
            .json(&json!({"type": "browser"}))
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        let entries = v["value"].as_array().expect("browser log readable");
        let severe: Vec<_> = entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].to_string())
            .collect();
        assert!(severe.is_empty(), "console errors on {page}: {severe:?}");
    }

    async fn sign_in(&self, user: &str, password: &str) {
        self.goto("/sign-in").await;
        self.fill("#username", user).await;
        self.fill("#password", password).await;
        self.click("#sign-in-button").await;
    }

    async fn sign_out(&self) {
        self.click("form[action='/sign-out'] button").await;
        assert_eq!(self.path().await, "/");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_headless_chromium() {
    let driver = start_driver();
    // The service on SQLite with the demo data.
    let db = testdb::TestDb::new(testdb::Backend::Sqlite).await;
    let store = store::Store::connect(&db.url).await.unwrap();
    let app = app::App::new(store, app::AppConfig::default())
        .await
        .unwrap();
    let users = app.seed_demo_base().await.unwrap().0;
    let pw = |u: &str| {
        users
            .iter()
            .find(|x| x.username == u)
            .unwrap()
            .password
            .clone()
    };
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
    let driver_url = format!("http://127.0.0.1:{}", driver.1);
    // chromedriver listens on plain HTTP on the loopback: no TLS connector.
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .expect("a chromium session through chromedriver");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let b = Browser {
        c,
        driver_url,
        base: format!("http://{addr}"),
        shots,
    };

    // Home, at 360 px: no horizontal scrolling.
    b.c.set_window_size(360, 800).await.unwrap();
    b.goto("/").await;
    let fits =
        b.c.execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        json!(true),
        "the home page scrolls sideways at 360 px"
    );
    b.shot("home-360").await;
    b.c.set_window_size(1024, 900).await.unwrap();

    // Exporter: sign in, dashboard, a case.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    assert_eq!(b.path().await, "/exporter");
    let text = b.text().await;
    assert!(text.contains("Your organisation") && text.contains("Network Monitor (demo)"));
    b.shot("exporter-dashboard").await;
    b.click("a[href^='/exporter/cases/']").await;
    assert!(b.path().await.starts_with("/exporter/cases/"));
    assert!(b.text().await.contains("History"));
    b.shot("exporter-case").await;
    b.sign_out().await;

    // Officer: queues, the unassigned queue, a case.
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    assert_eq!(b.path().await, "/officer");
    b.shot("officer-queues").await;
    b.click("a[href='/officer/queues/mine']").await;
    assert!(b.text().await.contains("Assigned to me"));
    b.shot("officer-queue").await;
    b.click("a[href^='/officer/cases/']").await;
    let text = b.text().await;
    assert!(text.contains("Policy determinations") && text.contains("Parties"));
    b.shot("officer-case").await;
    b.sign_out().await;

    // Public verification of the demo's issued licence.
    let exp = app.authenticate(&users[1].token).await.unwrap();
    let number = app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find_map(|c| match c {
            app::views::CaseView::Exporter(c) => c.licence_issued.map(|l| l.number),
            _ => None,
        })
        .unwrap();
    b.goto("/verify").await;
    b.fill("#number", &number).await;
    b.click("form[action='/verify'] button").await;
    assert_eq!(b.path().await, format!("/verify/{number}"));
    assert!(b.text().await.contains("Valid: this licence is in force."));
    b.shot("verify").await;

    b.c.close().await.unwrap();
    server.abort();
}
