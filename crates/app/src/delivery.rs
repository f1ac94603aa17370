//! Delivery of notifications outside the service: e-mail over SMTP (`lettre`, plain text and HTML from the
//! templates below) and webhooks signed per the Standard Webhooks specification.
//!
//! Signing: the secret is `whsec_` followed by base64 of 32 random bytes; each message carries `webhook-id`
//! (the same on every retry), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
//! `v1,` and base64 of HMAC-SHA256 under the decoded secret over `id.timestamp.body`.

use crate::notify::{EmailJob, SmtpConfig, SmtpTls, WebhookJob};
use crate::{new_id, now, App};
use base64::Engine;
use hmac::{Hmac, Mac};

/// The plain-text e-mail: the notification's text, where to read it, and why it was sent.
const EMAIL_TEXT: &str = "{body}\n\nReference: {reference}\nSee your notifications in exportctl.\n\n--\nYou receive this e-mail because you turned on e-mail notifications in exportctl.\n";
/// The HTML e-mail (values are HTML-escaped before they are put in).
const EMAIL_HTML: &str = "<!doctype html>\n<html><body>\n<p>{body}</p>\n<p>Reference: <strong>{reference}</strong><br>See your notifications in exportctl.</p>\n<hr><p><small>You receive this e-mail because you turned on e-mail notifications in exportctl.</small></p>\n</body></html>\n";

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders the plain-text and HTML bodies of an e-mail.
pub fn render_email(body: &str, reference: &str) -> (String, String) {
    let text = EMAIL_TEXT
        .replace("{body}", body)
        .replace("{reference}", reference);
    let html = EMAIL_HTML
        .replace("{body}", &html_escape(body))
        .replace("{reference}", &html_escape(reference));
    (text, html)
}

/// A new webhook signing secret: `whsec_` and base64 of 32 random bytes.
pub fn new_webhook_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` value of `body` sent as message `id` at `timestamp` (Unix seconds) under `secret`.
pub fn sign_webhook(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "the webhook secret is not base64".to_string())?;
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|_| "bad webhook key".to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Checks a webhook endpoint: `https://` to a host that is not a loopback, private or link-local address nor
/// `localhost`, unless the host is in `allow` (then `http://` is accepted too). Returns what is wrong.
pub fn check_webhook_url(url: &str, allow: &[String]) -> Result<(), String> {
    let u = reqwest::Url::parse(url).map_err(|_| "is not a URL".to_string())?;
    let host = u.host_str().ok_or("has no host")?.to_string();
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not carry credentials".into());
    }
    if allow.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return match u.scheme() {
            "http" | "https" => Ok(()),
            _ => Err("must be an http or https URL".into()),
        };
    }
    if u.scheme() != "https" {
        return Err("must be an https URL".into());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let internal = match bare.parse::<std::net::IpAddr>() {
        Ok(a) => is_internal(a),
        Err(_) => bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost"),
    };
    if internal {
        return Err("must not point to a loopback, private or link-local address".into());
    }
    Ok(())
}

/// Whether an address is one a webhook must never reach: loopback, private, link-local, shared (CGNAT),
/// unspecified, broadcast or multicast, also as an IPv4-mapped IPv6 address.
pub fn is_internal(a: std::net::IpAddr) -> bool {
    match a {
        std::net::IpAddr::V4(a) => {
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || a.octets()[0] == 0
                || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64)
        }
        std::net::IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => is_internal(std::net::IpAddr::V4(v4)),
            None => {
                a.is_loopback()
                    || a.is_unspecified()
                    || a.is_multicast()
                    || (a.segments()[0] & 0xfe00) == 0xfc00
                    || (a.segments()[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Resolves a webhook's host at delivery time and refuses it unless every address it resolves to is public
/// (loopback too when `allow_loopback`): a name that pointed to a public address when the endpoint was
/// registered may point inside the network now (DNS rebinding). The request is then sent to the addresses
/// checked here, not resolved again.
pub async fn resolve_webhook_host(
    host: &str,
    port: u16,
    allow_loopback: bool,
) -> Result<Vec<std::net::SocketAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|_| "cannot resolve the webhook host".to_string())?
        .collect();
    if addrs.is_empty() {
        return Err("cannot resolve the webhook host".into());
    }
    for a in &addrs {
        let ip = a.ip();
        let loopback = match ip {
            std::net::IpAddr::V4(v) => v.is_loopback(),
            std::net::IpAddr::V6(v) => {
                v.is_loopback() || v.to_ipv4_mapped().is_some_and(|m| m.is_loopback())
            }
        };
        if is_internal(ip) && !(allow_loopback && loopback) {
            return Err(
                "the webhook host resolves to a loopback, private or link-local address".into(),
            );
        }
    }
    Ok(addrs)
}

async fn send_mail(smtp: &SmtpConfig, message: lettre::Message) -> Result<(), String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let mut builder = match smtp.tls {
        SmtpTls::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| format!("SMTP TLS setup: {e}"))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| format!("SMTP TLS setup: {e}"))?,
    }
    .port(smtp.port)
    .timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}

impl App {
    /// Sends one notification by e-mail, if its user still wants e-mail.
    pub(crate) async fn deliver_email(&self, j: EmailJob) -> Result<(), String> {
        use lettre::message::{header::ContentType, MultiPart, SinglePart};
        let Some(smtp) = &self.config.notify.smtp else {
            return Err("no SMTP relay is configured".into());
        };
        let n = match self
            .store
            .notification(&j.user_id, &j.notification_id)
            .await
        {
            Ok(n) => n,
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        };
        let prefs = self
            .store
            .preferences(&j.user_id)
            .await
            .map_err(|e| e.to_string())?;
        let Some(to) = prefs.email.filter(|_| prefs.email_enabled) else {
            return Ok(());
        };
        let reference = n.reference.as_deref().unwrap_or(&n.record_id);
        let (text, html) = render_email(&n.body, reference);
        let message = lettre::Message::builder()
            .from(
                smtp.from
                    .parse()
                    .map_err(|_| "bad sender address".to_string())?,
            )
            .to(to
                .parse()
                .map_err(|_| "bad recipient address".to_string())?)
            .subject(n.subject.as_str())
            .message_id(Some(format!("<{}@exportctl>", n.id)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|e| format!("cannot build the message: {e}"))?;
        send_mail(smtp, message).await
    }

    /// Sends one webhook message (one attempt) and logs the attempt; `last` says whether a failure is final.
    pub(crate) async fn deliver_webhook(
        &self,
        j: WebhookJob,
        attempt: i64,
        last: bool,
    ) -> Result<(), String> {
        let w = match self.store.webhook(&j.webhook_id).await {
            Ok(w) if w.active => w,
            Ok(_) | Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        };
        let result = self.post_webhook(&w, &j).await;
        let (status_code, error) = match &result {
            Ok(code) if (200..300).contains(code) => (Some(i64::from(*code)), None),
            Ok(code) => (Some(i64::from(*code)), Some(format!("answered {code}"))),
            Err(e) => (None, Some(e.clone())),
        };
        let outcome = match (&error, last) {
            (None, _) => "delivered",
            (Some(_), false) => "retrying",
            (Some(_), true) => "failed",
        };
        self.store
            .insert_delivery(&store::DeliveryRow {
                id: new_id(),
                webhook_id: w.id.clone(),
                org_id: w.org_id.clone(),
                message_id: j.message_id.clone(),
                event: j.event.clone(),
                attempt,
                at: now(),
                status_code,
                error: error.clone(),
                outcome: outcome.into(),
            })
            .await
            .map_err(|e| e.to_string())?;
        match error {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    async fn post_webhook(&self, w: &store::WebhookRow, j: &WebhookJob) -> Result<u16, String> {
        let allow = &self.config.notify.webhook_allow_hosts;
        check_webhook_url(&w.url, allow)?;
        let url = reqwest::Url::parse(&w.url).map_err(|_| "is not a URL".to_string())?;
        let host = url.host_str().ok_or("has no host")?.to_string();
        let mut builder = reqwest::Client::builder()
            .timeout(self.config.notify.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if !allow.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs =
                resolve_webhook_host(&host, port, self.config.notify.webhook_allow_loopback)
                    .await?;
            // Pin the connection to the addresses just checked, for host names (an address is used as is).
            if host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[') {
                builder = builder.resolve_to_addrs(&host, &addrs);
            }
        }
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign_webhook(&w.secret, &j.message_id, timestamp, &j.body)?;
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        let resp = client
            .post(&w.url)
            .header("content-type", "application/json")
            .header("webhook-id", &j.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(j.body.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_string()
                } else if e.is_connect() {
                    "cannot connect".to_string()
                } else {
                    "request failed".to_string()
                }
            })?;
        Ok(resp.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        let sig = sign_webhook(secret, id, 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn webhook_urls_must_be_public_https_unless_allowed() {
        assert!(check_webhook_url("https://hooks.example.com/x", &[]).is_ok());
        assert!(check_webhook_url("http://hooks.example.com/x", &[]).is_err());
        assert!(check_webhook_url("https://127.0.0.1/x", &[]).is_err());
        assert!(check_webhook_url("https://10.1.2.3/x", &[]).is_err());
        assert!(check_webhook_url("https://[::1]/x", &[]).is_err());
        assert!(check_webhook_url("https://localhost/x", &[]).is_err());
        assert!(check_webhook_url("https://u:p@hooks.example.com/x", &[]).is_err());
        assert!(check_webhook_url("http://127.0.0.1:9/x", &["127.0.0.1".into()]).is_ok());
        assert!(check_webhook_url("not a url", &[]).is_err());
    }

    #[test]
    fn internal_addresses_include_mapped_and_shared_ranges() {
        for a in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
        ] {
            assert!(is_internal(a.parse().unwrap()), "{a}");
        }
        for a in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "::ffff:93.184.216.34",
        ] {
            assert!(!is_internal(a.parse().unwrap()), "{a}");
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_at_delivery_unless_allowed() {
        // `localhost` stands for any name whose DNS answer points inside (a rebinding attack): the check is on
        // the addresses the name resolves to now, not on the name.
        let refused = resolve_webhook_host("localhost", 443, false).await;
        assert!(refused.unwrap_err().contains("loopback"));
        let allowed = resolve_webhook_host("localhost", 443, true).await.unwrap();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()));
        assert!(resolve_webhook_host("127.0.0.1", 443, false).await.is_err());
        assert!(resolve_webhook_host("10.0.0.1", 443, true).await.is_err());
    }

    #[test]
    fn html_email_escapes_values() {
        let (text, html) = render_email("a <b> & c", "ML-1");
        assert!(text.contains("a <b> & c"));
        assert!(html.contains("a &lt;b&gt; &amp; c"));
    }
}
