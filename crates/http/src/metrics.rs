//! Prometheus metrics, served on a listen address of their own (`serve --metrics-listen`), never on the
//! public one: request counts by method, route template and status; request latency by method and route
//! template; the durable job queue (jobs by kind and state, age of the oldest waiting job); the database
//! pool's use; and the application's screening and policy-evaluation timings (`app::metrics`). Routes are
//! templates (`/api/v1/applications/{id}`), never paths, so no identifier, name or token reaches a label.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, LazyLock};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    jobs: Family<JobLabels, Gauge>,
    oldest_waiting: Family<KindLabels, Gauge<f64, AtomicU64>>,
    pool_open: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    registry: Registry,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let requests = Family::<RequestLabels, Counter>::default();
    // 1 ms to about 16 s, doubling.
    let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
        Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
            0.001, 2.0, 15,
        ))
    });
    let jobs = Family::<JobLabels, Gauge>::default();
    let oldest_waiting = Family::<KindLabels, Gauge<f64, AtomicU64>>::default();
    let (pool_open, pool_idle, pool_max) = (Gauge::default(), Gauge::default(), Gauge::default());
    let mut registry = Registry::default();
    registry.register(
        "exportctl_http_requests",
        "HTTP requests answered, by method, route template and status",
        requests.clone(),
    );
    registry.register(
        "exportctl_http_request_duration_seconds",
        "Time to answer an HTTP request, by method and route template",
        latency.clone(),
    );
    registry.register(
        "exportctl_jobs",
        "Durable jobs by kind and state (pending and running: the queue; failed: gave up after every attempt)",
        jobs.clone(),
    );
    registry.register(
        "exportctl_job_oldest_waiting_seconds",
        "Age of the oldest pending job that is due, by kind (0 when none waits)",
        oldest_waiting.clone(),
    );
    registry.register(
        "exportctl_db_pool_connections_open",
        "Database connections open",
        pool_open.clone(),
    );
    registry.register(
        "exportctl_db_pool_connections_idle",
        "Database connections open and idle",
        pool_idle.clone(),
    );
    registry.register(
        "exportctl_db_pool_connections_max",
        "Most database connections the pool opens",
        pool_max.clone(),
    );
    app::metrics::register(&mut registry);
    Metrics {
        requests,
        latency,
        jobs,
        oldest_waiting,
        pool_open,
        pool_idle,
        pool_max,
        registry,
    }
});

/// Records one answered request (called by the request middleware, `observe`).
pub(crate) fn record(method: &str, route: &str, status: u16, seconds: f64) {
    let m = &*METRICS;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.to_string(),
            route: route.to_string(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels {
            method: method.to_string(),
            route: route.to_string(),
        })
        .observe(seconds);
}

/// The router of the metrics listen address: `GET /metrics` in the OpenMetrics text format.
pub fn router(app: Arc<app::App>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(app)
}

async fn metrics(State(app): State<Arc<app::App>>) -> axum::response::Response {
    let m = &*METRICS;
    match app.job_counts().await {
        Ok(counts) => {
            let now = chrono::Utc::now();
            m.jobs.clear();
            m.oldest_waiting.clear();
            for c in counts {
                m.jobs
                    .get_or_create(&JobLabels {
                        kind: c.kind.clone(),
                        state: c.state.clone(),
                    })
                    .set(c.count);
                if c.state == "pending" {
                    let age = c
                        .oldest_run_at
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| (now - t.with_timezone(&chrono::Utc)).num_milliseconds())
                        .unwrap_or(0)
                        .max(0);
                    m.oldest_waiting
                        .get_or_create(&KindLabels { kind: c.kind })
                        .set(age as f64 / 1000.0);
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: reading the job queue failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
        }
    }
    let (open, idle, max) = app.pool_use();
    m.pool_open.set(i64::from(open));
    m.pool_idle.set(i64::from(idle));
    m.pool_max.set(i64::from(max));
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &m.registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
