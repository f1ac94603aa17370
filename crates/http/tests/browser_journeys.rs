//! Browser journeys in headless Chromium (Debian `chromium` and `chromium-driver`) against the real router on
//! SQLite with the demo data, one browser session for the whole file. Every page visited is checked with
//! axe-core (npm package, installed into `tests/support` by .ci/run, injected through WebDriver): zero serious
//! or critical violations; every page is saved as a screenshot in `$CARGO_TARGET_TMPDIR/journeys/` and any
//! severe console message fails the test.
//!
//! The journeys: the exporter checks whether a licence is needed and applies for a marketing licence through
//! the forms; the officer takes the case from the queue, asks for information, which the exporter answers; the
//! human-rights adviser fills in the checklist; the officer approves with typed conditions and issues; the
//! exporter opens the licence; the policy administrator previews a staged policy's impact; anyone verifies the
//! licence, in Hebrew.

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
fn axe_source() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; install it with `npm ci --prefix crates/http/tests/support` (.ci/run does)",
            p.display()
        )
    })
}

struct Browser {
    c: Client,
    driver_url: String,
    base: String,
    shots: std::path::PathBuf,
    axe: String,
    /// Pages checked so far.
    checked: std::cell::Cell<usize>,
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

    /// Clicks and waits until the next page has loaded (the URL changes or, with `same_url`, the old page's
    /// body is gone), without sleeping for a fixed time.
    async fn click(&self, css: &str) {
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
            // The old page's element goes stale once a new document replaced it (a form answered on the same
            // address, e.g. with an error, replaces it too).
            let stale = old_body.tag_name().await.is_err();
            let ready = self
                .c
                .execute("return document.readyState;", vec![])
                .await
                .unwrap();
            if (now != before || stale) && ready == json!("complete") {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "clicking {css} on {before} did not lead to another page"
            );
            tokio::task::yield_now().await;
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    async fn select(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Screenshot, console check and the axe-core check of the page now shown.
    async fn check(&self, name: &str) {
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
        // WebDriver scripts are not subject to the page's Content-Security-Policy.
        self.c
            .execute(&format!("{}\nreturn true;", self.axe), vec![])
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
        self.checked.set(self.checked.get() + 1);
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
async fn journeys_with_accessibility_checks() {
    let driver = start_driver();
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
    let principal = |u: &str| {
        let token = users
            .iter()
            .find(|x| x.username == u)
            .unwrap()
            .token
            .clone();
        let app = app.clone();
        async move { app.authenticate(&token).await.unwrap() }
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
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .expect("a chromium session through chromedriver");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("journeys");
    std::fs::create_dir_all(&shots).unwrap();
    let b = Browser {
        c,
        driver_url,
        base: format!("http://{addr}"),
        shots,
        axe: axe_source(),
        checked: Default::default(),
    };

    // Public home page.
    b.goto("/").await;
    b.check("home").await;

    // Exporter: "do I need a licence?", then a marketing-licence application through the form.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    assert_eq!(b.path().await, "/exporter");
    b.check("exporter-dashboard").await;
    b.click("#link-check").await;
    b.check("exporter-check").await;
    let product = b
        .c
        .execute(
            "return [...document.querySelectorAll('#product option')].find(o => o.text.startsWith('Network Monitor')).value;",
            vec![],
        )
        .await
        .unwrap();
    let product = product.as_str().unwrap().to_string();
    b.select("#product", &product).await;
    b.fill("#destination", "IT").await;
    b.select("#end_user_type", "government-law-enforcement")
        .await;
    b.click("#run-check").await;
    assert!(b.text().await.contains("Rules and reasons"));
    b.check("exporter-check-answer").await;
    b.goto("/exporter/applications/new/marketing").await;
    // A mistake first: the error is beside the field and the values are kept.
    b.c.find(Locator::Css(&format!(
        "input[name='products'][value='{product}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.fill("#destinations", "IT, Q1").await;
    b.fill("#end_users_name", "Polizia di Stato").await;
    b.fill("#end_users_country", "IT").await;
    b.click("#save-draft").await;
    assert!(b.text().await.contains("There is a problem"));
    b.check("exporter-application-error").await;
    b.fill("#destinations", "IT").await;
    b.click("#save-draft").await;
    assert!(b.path().await.starts_with("/exporter/cases/"));
    let case_path = b.path().await;
    let case_id = case_path.rsplit('/').next().unwrap().to_string();
    b.check("exporter-draft").await;
    b.click("#submit").await;
    assert!(b.text().await.to_lowercase().contains("submitted"));
    b.sign_out().await;

    // Officer: the filtered unassigned queue, the case, start review, request information.
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    b.check("officer-queues").await;
    b.goto("/officer/queues/unassigned?destination=IT").await;
    b.check("officer-queue-filtered").await;
    b.click(&format!("a[href='/officer/cases/{case_id}']"))
        .await;
    b.check("officer-case-submitted").await;
    b.click("#start-review").await;
    b.fill("#question", "Which units will operate the system?")
        .await;
    b.click("form[action$='/request-information'] button").await;
    assert!(b.text().await.to_lowercase().contains("awaiting-exporter"));
    b.sign_out().await;

    // Exporter answers.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    b.goto(&case_path).await;
    b.check("exporter-information-request").await;
    b.fill("#answer", "The cyber-crime unit only, under warrant.")
        .await;
    b.click("#send-answer").await;
    assert!(b.text().await.to_lowercase().contains("under-review"));
    b.sign_out().await;

    // Human-rights adviser: the checklist item by item.
    let off = principal("demo-officer").await;
    let app::views::CaseView::Internal(c) = app.application(&off, &case_id).await.unwrap() else {
        panic!("officer view")
    };
    for k in &c.body.required_reviews {
        if *k == domain::ReviewKind::HumanRights {
            b.sign_in("demo-hr-adviser", &pw("demo-hr-adviser")).await;
            b.goto(&format!("/adviser/cases/{case_id}")).await;
            b.check("adviser-checklist").await;
            b.c.find(Locator::Css(
                "input[name='recommendation'][value='approve']",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
            b.fill("#text", "Safeguards adequate.").await;
            for item in domain::DueDiligenceItem::ALL {
                b.fill(&format!("#item-{}", item.as_str()), "checked, no concern")
                    .await;
            }
            b.click("#send-advice").await;
            assert!(b.text().await.contains("You have given your advice"));
            b.sign_out().await;
        } else {
            let user = match k {
                domain::ReviewKind::Defence => "demo-defence-adviser",
                domain::ReviewKind::ForeignAffairs => "demo-fa-adviser",
                _ => "demo-cyber-adviser",
            };
            app.give_advice(
                &principal(user).await,
                &case_id,
                app::model::NewAdvice {
                    recommendation: domain::AdviceRecommendation::Approve,
                    criteria: vec![],
                    text: "no objection".into(),
                    conditions: vec![],
                    checklist: vec![],
                    red_flags: vec![],
                },
            )
            .await
            .unwrap();
        }
    }

    // Officer approves with typed conditions and issues the licence.
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    b.goto(&format!("/officer/cases/{case_id}")).await;
    b.check("officer-case-decide").await;
    b.fill("#approve-reason", "Advice favourable; safeguards adequate.")
        .await;
    b.fill("#cond_report_months", "6").await;
    b.fill("#cond_report_text", "Report every deployment.")
        .await;
    b.fill("#cond_quantity", "5").await;
    b.click("#approve").await;
    assert!(b.text().await.to_lowercase().contains("approved"));
    b.click("#issue").await;
    assert!(b.text().await.to_lowercase().contains("issued"));
    b.check("officer-case-issued").await;
    b.sign_out().await;

    // Exporter: the licence page.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    b.goto(&case_path).await;
    b.click("#licence-link").await;
    assert!(b.path().await.starts_with("/exporter/licences/"));
    let number = b.path().await.rsplit('/').next().unwrap().to_string();
    assert!(b.text().await.contains("Report every deployment."));
    b.check("exporter-licence").await;
    b.sign_out().await;

    // Policy administrator: stage the reference rules unchanged and preview the impact.
    b.sign_in("demo-policy-admin", &pw("demo-policy-admin"))
        .await;
    b.check("policy-versions").await;
    let (name, content) = policy::reference_files()
        .into_iter()
        .find(|(n, _)| n.contains("rules"))
        .expect("a rules file");
    b.select("#file", &name).await;
    // Typing a whole file is slow; set the textarea's value directly.
    b.c.execute(
        "document.getElementById('content').value = arguments[0];",
        vec![json!(content)],
    )
    .await
    .unwrap();
    b.click("#stage-policy").await;
    b.click("a[id^='impact-']").await;
    assert!(b.text().await.contains("Impact of the staged policy"));
    b.check("policy-impact").await;
    b.sign_out().await;

    // Anyone: verification, in Hebrew.
    b.goto("/verify?lang=he").await;
    b.fill("#number", &number).await;
    b.click("form[action='/verify'] button").await;
    assert_eq!(b.path().await, format!("/verify/{number}"));
    assert!(b.text().await.contains("בתוקף"));
    b.check("verify-hebrew").await;

    assert!(b.checked.get() >= 15);
    b.c.close().await.unwrap();
    server.abort();
}
