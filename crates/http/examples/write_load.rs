//! Write and read throughput of the API, SQLite and PostgreSQL side by side (issue 16), and list/queue page
//! latency with many cases stored.
//!
//! ```sh
//! cargo run --release -p exportctl-http --example write_load -- [--clients 16] [--seconds 10] \
//!     [--scale 100000] [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--only sqlite|postgres] \
//!     [--keep] [--page-seconds 30]
//! ```
//!
//! For each database (a throw-away SQLite file, and a throw-away PostgreSQL database created on the server
//! `--postgres` names, default the local one) it seeds the demo users, serves the router on 127.0.0.1:0 and
//! then, over HTTP with CLIENTS concurrent clients:
//! - **drafts**: each client creates marketing applications (`POST /api/v1/applications`) as fast as answers
//!   come, for SECONDS; reported: drafts/s and p50/p99;
//! - **submissions**: each client submits those drafts (`POST .../submit`: re-checked, determined under the
//!   policy, screened, audited), one after another, for SECONDS (or until every draft is submitted);
//!   reported: submissions/s and p50/p99;
//! - **create + submit**: each client creates an application and submits it, and again, for SECONDS;
//!   reported: pairs/s and the p50/p99 of each request (the figure earlier runs reported as "submissions");
//! - **reads**: each client reads one of those cases (`GET /api/v1/applications/{id}`) for SECONDS;
//! - **pages at scale** (`--scale N`): tops the cases up to N submitted cases (through the use cases, not over
//!   HTTP, several at a time), then asks for the first page and a later page (by the `Link` cursor) of the
//!   case list (the officer's, filtered by destination, and the exporter's) and of each officer queue, 200
//!   times each (fewer, at least 5, once they have taken `--page-seconds`; the count is printed then), one at
//!   a time, and reports p50/p99 (a listing shorter than 101 pages: its first page only).
//!
//! On PostgreSQL the run then runs `ANALYZE`, as autovacuum would after such a load (autovacuum is off on some
//! machines). The PostgreSQL database is named on stderr when created; `--keep` leaves it in place afterwards (to look at
//! the query plans at that size with `psql`), otherwise it is dropped.
//!
//! Any answer but 2xx stops the run with the answer. Results: BENCHMARKS.md ("Operations").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: cannot read {v:?}"))
        })
        .unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

struct Setup {
    app: Arc<app::App>,
    base: String,
    exporter_token: String,
    officer_token: String,
    product: String,
}

async fn setup(url: &str) -> Setup {
    let store = store::Store::connect(url).await.expect("connect");
    let app = app::App::new(store, app::AppConfig::default())
        .await
        .expect("open the app");
    app.import_demo_list().await.expect("demo list");
    let users = app.seed_demo_base().await.expect("seed demo").0;
    let token = |name: &str| {
        users
            .iter()
            .find(|u| u.username == name)
            .expect(name)
            .token
            .clone()
    };
    let exporter = app
        .authenticate(&token("demo-exporter"))
        .await
        .expect("exporter");
    let product = app
        .products(&exporter, None, &app::listing::Page::all())
        .await
        .expect("products")
        .items
        .into_iter()
        .find(|p| p.classification.is_some())
        .expect("a classified demo product")
        .id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = http_api::router(app.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    app::jobs::spawn_audit_sequencer(&app, Duration::from_millis(250));
    Setup {
        app,
        base: format!("http://{addr}"),
        exporter_token: token("demo-exporter"),
        officer_token: token("demo-officer"),
        product,
    }
}

const DESTINATIONS: [&str; 8] = ["DE", "FR", "IT", "MX", "BR", "JP", "CA", "NL"];

fn application(product: &str, i: usize) -> serde_json::Value {
    let dest = DESTINATIONS[i % DESTINATIONS.len()];
    serde_json::json!({"licence": "marketing", "marketing": {"products": [product], "destinations": [dest],
        "end_users": [{"name": format!("Load end user {i}"), "type": "government-law-enforcement", "country": dest}]}})
}

async fn send(req: reqwest::RequestBuilder) -> serde_json::Value {
    let r = req.send().await.expect("request");
    let status = r.status();
    let body = r.text().await.expect("body");
    assert!(status.is_success(), "answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
}

/// Runs `clients` concurrent clients for `seconds`: client `c` calls `step(c + n * clients, client)` for its
/// n-th step, again and again, until the time is up or a step answers `None` (nothing left to do). Returns
/// every step's result and the steps per second (over the time until the last client finished).
async fn drive<T, F, Fut>(clients: usize, seconds: u64, step: F) -> (Vec<T>, f64)
where
    T: Send + 'static,
    F: Fn(usize, reqwest::Client) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Option<T>> + Send,
{
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, step) = (reqwest::Client::new(), step.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = c;
            while Instant::now() < until {
                let Some(r) = step(i, client.clone()).await else {
                    break;
                };
                out.push(r);
                i += clients;
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    (all, rate)
}

/// Creates draft number `i` with the exporter's `token`: its id and how long the request took.
async fn create_draft(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    product: &str,
    i: usize,
) -> (String, Duration) {
    let t0 = Instant::now();
    let created = send(
        client
            .post(format!("{base}/api/v1/applications"))
            .bearer_auth(token)
            .json(&application(product, i)),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_string();
    (id, t0.elapsed())
}

/// Submits draft `id`: how long the request took.
async fn submit(client: &reqwest::Client, base: &str, token: &str, id: &str) -> Duration {
    let t0 = Instant::now();
    send(
        client
            .post(format!("{base}/api/v1/applications/{id}/submit"))
            .bearer_auth(token)
            .json(&serde_json::json!({})),
    )
    .await;
    t0.elapsed()
}

/// The exporter's base URL, token and product, for the steps of [`drive`].
fn exporter_of(s: &Setup) -> Arc<(String, String, String)> {
    Arc::new((s.base.clone(), s.exporter_token.clone(), s.product.clone()))
}

/// Each client creates drafts as fast as answers come for `seconds`: their ids, each request's time (sorted),
/// drafts/s.
async fn drafts(s: &Setup, clients: usize, seconds: u64) -> (Vec<String>, Vec<Duration>, f64) {
    let e = exporter_of(s);
    let (done, rate) = drive(clients, seconds, move |i, client| {
        let e = e.clone();
        async move { Some(create_draft(&client, &e.0, &e.1, &e.2, i).await) }
    })
    .await;
    let (ids, mut times): (Vec<String>, Vec<Duration>) = done.into_iter().unzip();
    times.sort();
    (ids, times, rate)
}

/// The clients submit the drafts `ids`, each taking the next one not yet taken, for `seconds` or until none is
/// left: the ids submitted, each request's time (sorted), submissions/s.
async fn submit_drafts(
    s: &Setup,
    ids: &[String],
    clients: usize,
    seconds: u64,
) -> (Vec<String>, Vec<Duration>, f64) {
    let (e, ids) = (exporter_of(s), Arc::new(ids.to_vec()));
    let next = Arc::new(AtomicUsize::new(0));
    let (done, rate) = drive(clients, seconds, move |_, client| {
        let (e, ids, next) = (e.clone(), ids.clone(), next.clone());
        async move {
            let id = ids.get(next.fetch_add(1, Ordering::Relaxed))?.clone();
            let took = submit(&client, &e.0, &e.1, &id).await;
            Some((id, took))
        }
    })
    .await;
    let (done, mut times): (Vec<String>, Vec<Duration>) = done.into_iter().unzip();
    times.sort();
    (done, times, rate)
}

/// Create-then-submit pairs for `seconds`: the ids submitted, each create's and each submit's time (sorted),
/// pairs/s.
async fn pairs(
    s: &Setup,
    clients: usize,
    seconds: u64,
) -> (Vec<String>, Vec<Duration>, Vec<Duration>, f64) {
    let e = exporter_of(s);
    let (done, rate) = drive(clients, seconds, move |i, client| {
        let e = e.clone();
        async move {
            let (id, create) = create_draft(&client, &e.0, &e.1, &e.2, i).await;
            let submitted = submit(&client, &e.0, &e.1, &id).await;
            Some((id, create, submitted))
        }
    })
    .await;
    let (mut ids, mut create, mut submitted) = (Vec::new(), Vec::new(), Vec::new());
    for (id, c, t) in done {
        ids.push(id);
        create.push(c);
        submitted.push(t);
    }
    create.sort();
    submitted.sort();
    (ids, create, submitted, rate)
}

/// Each client reads the cases `ids` in turn for `seconds`: each request's time (sorted), reads/s.
async fn reads(s: &Setup, ids: &[String], clients: usize, seconds: u64) -> (Vec<Duration>, f64) {
    let (e, ids) = (exporter_of(s), Arc::new(ids.to_vec()));
    let (mut times, rate) = drive(clients, seconds, move |i, client| {
        let (e, ids) = (e.clone(), ids.clone());
        async move {
            let id = &ids[i % ids.len()];
            let t0 = Instant::now();
            send(
                client
                    .get(format!("{}/api/v1/applications/{id}", e.0))
                    .bearer_auth(&e.1),
            )
            .await;
            Some(t0.elapsed())
        }
    })
    .await;
    times.sort();
    (times, rate)
}

/// Tops the stored cases up to `target` submitted ones through the use cases, `parallel` at a time.
async fn fill(s: &Setup, have: usize, target: usize, parallel: usize) {
    let exporter = s.app.authenticate(&s.exporter_token).await.unwrap();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(have));
    let mut tasks = Vec::new();
    for _ in 0..parallel {
        let (app, exporter, product, next) = (
            s.app.clone(),
            exporter.clone(),
            s.product.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= target {
                    break;
                }
                let body: app::model::NewApplication =
                    serde_json::from_value(application(&product, i)).unwrap();
                let c = app.create_application(&exporter, body).await.unwrap();
                app.submit_application(&exporter, c.id(), Default::default())
                    .await
                    .unwrap();
                if (i + 1) % 10_000 == 0 {
                    eprintln!("  {} cases stored", i + 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    eprintln!(
        "  stored {target} cases ({} new in {:.0} s)",
        target.saturating_sub(have),
        started.elapsed().as_secs_f64()
    );
}

/// p50/p99 of the first page and of a page further on (following `Link: rel="next"` `depth` times first); no
/// later page when the listing has fewer than `depth + 1` pages (their number is returned).
async fn page_latency(
    s: &Setup,
    token: &str,
    path: &str,
    depth: usize,
    budget: Duration,
) -> (Latency, Result<Latency, usize>) {
    let client = reqwest::Client::new();
    let mut later = format!("{}{path}", s.base);
    for walked in 0..depth {
        let r = client.get(&later).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{later}: {}", r.status());
        let Some(link) = r.headers().get("link") else {
            let first = time_page(&client, &format!("{}{path}", s.base), token, budget).await;
            return (first, Err(walked + 1));
        };
        let link = link.to_str().unwrap();
        let url = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string();
        later = if url.starts_with("http") {
            url
        } else {
            format!("{}{url}", s.base)
        };
    }
    let first = time_page(&client, &format!("{}{path}", s.base), token, budget).await;
    (first, Ok(time_page(&client, &later, token, budget).await))
}

/// Times GET `url` 200 times one after the other, or fewer (at least 5) when they take more than `budget`.
async fn time_page(client: &reqwest::Client, url: &str, token: &str, budget: Duration) -> Latency {
    let mut times = Vec::new();
    let started = Instant::now();
    // 200 requests, or fewer when they are slow: at most `budget` per page (a queue filtered after reading can
    // take seconds a page at this size); the count is reported with the percentiles.
    while times.len() < 200 && (times.len() < 5 || started.elapsed() < budget) {
        let t0 = Instant::now();
        let r = client.get(url).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.bytes().await.unwrap();
        times.push(t0.elapsed());
    }
    times.sort();
    Latency {
        n: times.len(),
        p50: pct(&times, 0.5),
        p99: pct(&times, 0.99),
    }
}

/// Percentiles of `n` timed requests, in ms.
struct Latency {
    n: usize,
    p50: f64,
    p99: f64,
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p50 {:.1} ms, p99 {:.1} ms", self.p50, self.p99)?;
        if self.n < 200 {
            write!(f, " (n = {})", self.n)?;
        }
        Ok(())
    }
}

async fn run(name: &str, url: &str, clients: usize, seconds: u64, scale: usize, budget: Duration) {
    eprintln!("{name}: seeding");
    let s = setup(url).await;
    let (drafted, times, rate) = drafts(&s, clients, seconds).await;
    println!(
        "| {name} | drafts | {clients} | {rate:.0}/s | p50 {:.1} ms, p99 {:.1} ms |",
        pct(&times, 0.5),
        pct(&times, 0.99)
    );
    let (submitted, times, rate) = submit_drafts(&s, &drafted, clients, seconds).await;
    println!(
        "| {name} | submissions | {clients} | {rate:.0}/s | p50 {:.1} ms, p99 {:.1} ms ({} of {} drafts) |",
        pct(&times, 0.5),
        pct(&times, 0.99),
        submitted.len(),
        drafted.len()
    );
    let (mut ids, create, submit, rate) = pairs(&s, clients, seconds).await;
    ids.extend(submitted);
    println!(
        "| {name} | create + submit | {clients} | {rate:.0}/s | create p50 {:.1} ms, p99 {:.1} ms; submit p50 {:.1} ms, p99 {:.1} ms |",
        pct(&create, 0.5),
        pct(&create, 0.99),
        pct(&submit, 0.5),
        pct(&submit, 0.99)
    );
    let (read, rate) = reads(&s, &ids, clients, seconds).await;
    println!(
        "| {name} | reads of a case | {clients} | {rate:.0}/s | p50 {:.1} ms, p99 {:.1} ms |",
        pct(&read, 0.5),
        pct(&read, 0.99)
    );
    let check = s.app.store.verify_audit(&[]).await.expect("verify");
    assert!(check.first_bad_seq.is_none(), "audit log: {check:?}");
    if scale > 0 {
        fill(&s, ids.len(), scale, clients.min(8)).await;
        if url.starts_with("postgres") {
            // What autovacuum does after a bulk load (it is off on some machines, this one included): without
            // statistics the planner takes the 100,000 cases for a few and sorts them for a page.
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            sqlx::query("ANALYZE")
                .execute(&pool)
                .await
                .expect("ANALYZE");
            eprintln!("  analyzed");
        }
        for (label, token, path) in [
            (
                "GET /api/v1/applications?limit=50",
                &s.officer_token,
                "/api/v1/applications?limit=50",
            ),
            (
                "GET /api/v1/applications?limit=50&destination=DE",
                &s.officer_token,
                "/api/v1/applications?limit=50&destination=DE",
            ),
            (
                "GET /api/v1/queues/unassigned?limit=50",
                &s.officer_token,
                "/api/v1/queues/unassigned?limit=50",
            ),
            (
                "GET /api/v1/queues/screening?limit=50",
                &s.officer_token,
                "/api/v1/queues/screening?limit=50",
            ),
            (
                "GET /api/v1/queues/overdue?limit=50",
                &s.officer_token,
                "/api/v1/queues/overdue?limit=50",
            ),
            (
                "GET /api/v1/queues/mine?limit=50",
                &s.officer_token,
                "/api/v1/queues/mine?limit=50",
            ),
            (
                "GET /api/v1/queues/awaiting-advice?limit=50",
                &s.officer_token,
                "/api/v1/queues/awaiting-advice?limit=50",
            ),
            (
                "GET /api/v1/queues/flagged?limit=50",
                &s.officer_token,
                "/api/v1/queues/flagged?limit=50",
            ),
            (
                "GET /api/v1/queues/denials?limit=50",
                &s.officer_token,
                "/api/v1/queues/denials?limit=50",
            ),
            (
                "GET /api/v1/applications?limit=50 (exporter)",
                &s.exporter_token,
                "/api/v1/applications?limit=50",
            ),
        ] {
            let (first, later) = page_latency(&s, token, path, 100, budget).await;
            let later = match later {
                Ok(l) => format!("page 101 {l}"),
                Err(pages) => format!("no page 101: {pages} page(s) in all"),
            };
            println!("| {name} | {label} | {scale} cases | first page {first} | {later} |");
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = arg(&args, "--clients", 16);
    let seconds: u64 = arg(&args, "--seconds", 10);
    let scale: usize = arg(&args, "--scale", 0);
    let pg: String = arg(
        &args,
        "--postgres",
        "postgres://postgres@127.0.0.1:5432/postgres".to_string(),
    );
    let only: String = arg(&args, "--only", String::new());
    let keep = args.iter().any(|a| a == "--keep");
    let budget = Duration::from_secs(arg(&args, "--page-seconds", 30));
    println!("| database | what | clients | rate | latency |");
    println!("|---|---|---|---|---|");
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("load.db").display());
        run("SQLite", &url, clients, seconds, scale, budget).await;
    }
    if only.is_empty() || only == "postgres" {
        let db = format!("exportctl_load_{}", std::process::id());
        let admin = sqlx::PgPool::connect(&pg)
            .await
            .expect("connect --postgres");
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&admin)
            .await
            .expect("create the load database");
        eprintln!("PostgreSQL: database {db}");
        let (head, _) = pg
            .rsplit_once('/')
            .expect("--postgres URL ends in /DATABASE");
        run(
            "PostgreSQL",
            &format!("{head}/{db}"),
            clients,
            seconds,
            scale,
            budget,
        )
        .await;
        if keep {
            eprintln!("PostgreSQL: kept database {db}");
        } else {
            sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
                .execute(&admin)
                .await
                .ok();
        }
    }
}
