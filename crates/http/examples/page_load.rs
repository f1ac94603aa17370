//! Page render times and weights: the officer's case page and a queue page over 1,000 submitted cases.
//!
//! `cargo run -p exportctl-http --example page_load [-- REQUESTS]` seeds the demo data and 1,000 submitted
//! marketing applications on a throw-away SQLite database (through the same use cases as the API), serves the
//! router on 127.0.0.1:0, signs the officer in through the sign-in form, then requests each page REQUESTS times
//! (default 100) one after another and prints p50/p99 latency and the body size. Results: BENCHMARKS.md.
//!
//! `-- REQUESTS --wrk SECONDS[:CONNECTIONS]` then loads the case page and the queue page with `wrk`
//! (Debian `wrk`, must be on the PATH) for SECONDS each over CONNECTIONS keep-alive connections (default 4),
//! with the officer's session cookie, and prints wrk's p50/p99 latency and throughput for each.

use std::time::{Duration, Instant};

const CASES: usize = 1000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let requests: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);
    // `--wrk SECONDS[:CONNECTIONS]`
    let wrk: Option<(u32, u32)> = args
        .iter()
        .position(|a| a == "--wrk")
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            let (secs, conns) = v.split_once(':').unwrap_or((v, "4"));
            (
                secs.parse().expect("--wrk SECONDS"),
                conns.parse().expect("--wrk SECONDS:CONNECTIONS"),
            )
        });
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let store = store::Store::connect(&url).await.unwrap();
    let app = app::App::new(store, app::AppConfig::default())
        .await
        .unwrap();
    let users = app.seed_demo_base().await.unwrap().0;
    let user = |name: &str| users.iter().find(|u| u.username == name).unwrap().clone();
    let exporter = app
        .authenticate(&user("demo-exporter").token)
        .await
        .unwrap();
    let product = app
        .products(&exporter, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|p| p.classification.is_some())
        .unwrap()
        .id;
    let seeding = Instant::now();
    let destinations = ["DE", "FR", "IT", "MX", "BR", "JP", "CA", "NL"];
    let mut last = String::new();
    for i in 0..CASES {
        let dest = domain::CountryCode::parse(destinations[i % destinations.len()]).unwrap();
        let c = app
            .create_application(
                &exporter,
                app::model::NewApplication {
                    licence: domain::LicenceKind::Marketing,
                    marketing: Some(app::model::MarketingDetails {
                        products: vec![product.clone()],
                        destinations: vec![dest.clone()],
                        end_users: vec![app::model::EndUser {
                            name: format!("End user {i}"),
                            end_user_type: domain::EndUserType::GovernmentLawEnforcement,
                            country: Some(dest),
                        }],
                    }),
                    export: None,
                },
            )
            .await
            .unwrap();
        app.submit_application(&exporter, c.id(), Default::default())
            .await
            .unwrap();
        last = c.id().to_string();
    }
    eprintln!("seeded {CASES} submitted cases in {:?}", seeding.elapsed());

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
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let officer = user("demo-officer");
    let r = client
        .post(format!("{base}/sign-in"))
        .form(&[
            ("username", "demo-officer"),
            ("password", officer.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    println!("| page | requests | p50 | p99 | body |");
    println!("|---|---|---|---|---|");
    let pages = [
        (
            "queue overview (/officer: counts of the five queues over 1,000 cases)",
            "/officer".to_string(),
        ),
        (
            "queue page (unassigned, 1,000 cases, first 50 shown)",
            "/officer/queues/unassigned".to_string(),
        ),
        (
            "queue page filtered (destination=DE)",
            "/officer/queues/unassigned?destination=DE".to_string(),
        ),
        ("case page", format!("/officer/cases/{last}")),
        ("stylesheet", "/static/style.css".to_string()),
    ];
    for (name, path) in &pages {
        let mut times = Vec::with_capacity(requests);
        let mut size = 0;
        for _ in 0..requests {
            let t = Instant::now();
            let r = client
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            size = r.bytes().await.unwrap().len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| {name} | {requests} | {:.1} ms | {:.1} ms | {:.1} KB |",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            size as f64 / 1024.0
        );
    }
    if let Some((secs, conns)) = wrk {
        println!();
        println!(
            "| page (wrk, {secs} s, {conns} connections) | requests | p50 | p99 | requests/s |"
        );
        println!("|---|---|---|---|---|");
        for (name, path) in pages.iter().filter(|(_, p)| p.starts_with("/officer/")) {
            let out = std::process::Command::new("wrk")
                .args([
                    "-t",
                    "1",
                    "-c",
                    &conns.to_string(),
                    "-d",
                    &format!("{secs}s"),
                ])
                .args(["--latency", "-H", &format!("Cookie: {cookie}")])
                .arg(format!("{base}{path}"))
                .output()
                .expect("run wrk (apt-get install -y wrk)");
            let text = String::from_utf8_lossy(&out.stdout);
            // wrk prints "  50%   12.34ms" in its latency distribution, "N requests in ..." and
            // "Requests/sec: ...", and counts non-2xx answers separately (none is expected).
            let field = |prefix: &str| {
                text.lines()
                    .map(str::trim)
                    .find(|l| l.starts_with(prefix))
                    .and_then(|l| l[prefix.len()..].split_whitespace().next())
                    .unwrap_or("?")
                    .to_string()
            };
            assert!(
                !text.contains("Non-2xx"),
                "{path}: wrk saw error answers:\n{text}"
            );
            let total = text
                .lines()
                .find(|l| l.contains("requests in"))
                .and_then(|l| l.split_whitespace().next())
                .unwrap_or("?");
            println!(
                "| {name} | {total} | {} | {} | {} |",
                field("50%"),
                field("99%"),
                field("Requests/sec:")
            );
        }
    }
}
