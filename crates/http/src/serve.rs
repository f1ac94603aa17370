//! Serving the router on a TCP listener with limits that hold against slow and numerous clients: a
//! header-read timeout (a connection that never finishes its request head is closed), a timeout on each whole
//! request, and a cap on open connections (past it, new connections wait in the listen backlog instead of
//! using up file descriptors). `axum::serve` has no header timeout, so connections are served here with
//! hyper's HTTP/1.1 server directly.

use crate::error;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connection and request limits of the server. See docs/security.md ("Limits") for the flags that set them.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Time a client has to send a request's head (request line and headers) once it starts one or once the
    /// connection opens; past it the connection is closed.
    pub header_read_timeout: Duration,
    /// Time one request may take from its head to its response, body upload included; past it the client
    /// gets 408 problem+json.
    pub request_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            max_connections: 512,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting and lets open connections
/// finish their current request.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // the timeout's 408 becomes problem+json and carries the security headers like every other response
    let router = router
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(axum::middleware::map_response(error::problem_fallback))
        .layer(axum::middleware::from_fn(crate::security::headers));
    let service = TowerToHyperService::new(router);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and the like: wait a little rather than spin, and keep serving
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        // The peer address reaches handlers as axum's ConnectInfo (sign-in is rate-limited per address).
        let service = service.clone();
        let with_peer =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(peer));
                hyper::service::Service::call(&service, req)
            });
        let conn = http.serve_connection(TokioIo::new(stream), with_peer);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // errors here are a client's (reset, timeout, malformed request): nothing to report
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
