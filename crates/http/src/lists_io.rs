//! Getting list files into the service without letting the transfer hurt it: uploads are read only after the
//! caller is known to be an administrator, and are streamed to a temporary file with a size cap rather than
//! buffered; downloads (`POST /lists/{format}/fetch`) go only to public addresses (or configured publisher
//! hosts), pinned after name resolution, with timeouts, no redirect to another host, and a size cap. Neither
//! ever echoes the transferred content in an error.

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Where and how list files may be downloaded from.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Hosts that may be fetched from even when they resolve to a loopback, private or link-local address
    /// (an internal mirror of the list publishers' files). Compared case-insensitively with the URL's host.
    pub allow_hosts: Vec<String>,
    /// Largest download accepted, in bytes.
    pub max_bytes: u64,
    /// Time to establish the connection.
    pub connect_timeout: Duration,
    /// Time for the whole download.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow_hosts: Vec::new(),
            max_bytes: crate::LIST_BODY_LIMIT as u64,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
        }
    }
}

fn too_large(field: &str, max: u64) -> ApiError {
    ApiError::status(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body",
        "The request body is too large",
        format!("{field}: larger than {max} bytes"),
    )
    .with_field(field)
}

/// Streams an upload's body into a temporary file, refusing it past `max` bytes, then reads it back whole
/// for the parsers. Call only once the caller is authorised.
pub async fn receive_upload(body: axum::body::Body, max: u64) -> ApiResult<Vec<u8>> {
    let tmp = tempfile::tempfile()
        .map_err(|e| ApiError::from(app::AppError::Internal(format!("temporary file: {e}"))))?;
    let mut file = tokio::fs::File::from_std(tmp);
    let mut body = body;
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| {
            ApiError::bad_request("body", "body: the upload was interrupted or is malformed")
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > max {
            return Err(too_large("body", max));
        }
        file.write_all(&data)
            .await
            .map_err(|e| ApiError::from(app::AppError::Internal(format!("temporary file: {e}"))))?;
    }
    let io =
        |e: std::io::Error| ApiError::from(app::AppError::Internal(format!("temporary file: {e}")));
    file.flush().await.map_err(io)?;
    file.seek(std::io::SeekFrom::Start(0)).await.map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    file.read_to_end(&mut bytes).await.map_err(io)?;
    Ok(bytes)
}

/// Whether an address is publicly routable: not loopback, private, link-local, unspecified, multicast,
/// broadcast, shared (CGNAT), documentation or reserved, for IPv4 and IPv6 (and IPv4 mapped into IPv6).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

/// Downloads a list file for import: returns its name (the URL's last path segment) and bytes.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> ApiResult<(String, Vec<u8>)> {
    let bad = |m: String| ApiError::invalid("url", format!("url: {m}"));
    let parsed = reqwest::Url::parse(url).map_err(|_| bad("not a valid URL".into()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be an http:// or https:// URL".into()));
    }
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| bad("has no port".into()))?;
    let host = parsed
        .host()
        .ok_or_else(|| bad("has no host".into()))?
        .to_owned();
    let host_name = parsed.host_str().unwrap_or_default().to_string();
    let addrs: Vec<SocketAddr> = match &host {
        url::Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(*ip), port)],
        url::Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(*ip), port)],
        url::Host::Domain(d) => tokio::net::lookup_host((d.as_str(), port))
            .await
            .map_err(|_| bad(format!("cannot resolve the host {d}")))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(bad(format!("the host {host_name} has no address")));
    }
    let allowed = policy
        .allow_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&host_name));
    if !allowed {
        if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(bad(format!(
                "{host_name} resolves to {}, a loopback, private, link-local or other non-public address; \
                 only public hosts (or hosts an administrator allowed with --fetch-allow-host) are fetched",
                a.ip()
            )));
        }
    }
    let origin = (host_name.clone(), port);
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        let same = attempt.url().host_str() == Some(origin.0.as_str())
            && attempt.url().port_or_known_default() == Some(origin.1);
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else if same {
            attempt.follow()
        } else {
            attempt.error("redirect to another host")
        }
    });
    let mut client = reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.timeout)
        .redirect(redirects)
        .no_proxy();
    if let url::Host::Domain(d) = &host {
        // connect to the addresses checked above, not to whatever a second lookup answers
        client = client.resolve_to_addrs(d, &addrs);
    }
    let client = client
        .build()
        .map_err(|e| ApiError::from(app::AppError::Internal(format!("HTTP client: {e}"))))?;
    let transfer = |e: reqwest::Error| {
        if e.is_redirect() {
            bad("the server redirected to another host (or too often); only redirects within the same host are followed".into())
        } else if e.is_timeout() {
            bad("the download timed out".into())
        } else if e.is_connect() {
            bad(format!("cannot connect to {host_name}"))
        } else {
            bad("the download failed".into())
        }
    };
    let mut resp = client.get(parsed.clone()).send().await.map_err(transfer)?;
    if !resp.status().is_success() {
        return Err(bad(format!("the server answered {}", resp.status())));
    }
    let over = || {
        bad(format!(
            "the file is larger than {} bytes",
            policy.max_bytes
        ))
    };
    if resp.content_length().is_some_and(|n| n > policy.max_bytes) {
        return Err(over());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transfer)? {
        if (bytes.len() + chunk.len()) as u64 > policy.max_bytes {
            return Err(over());
        }
        bytes.extend_from_slice(&chunk);
    }
    let name = parsed
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect())
        .unwrap_or_else(|| "download".to_string());
    Ok((name, bytes))
}
