//! Rendered pages snapshotted (as the OpenAPI surface is: a file per page under `tests/pages/snapshots/`,
//! rewritten with UPDATE_SNAPSHOTS=1), with record ids, CSRF tokens, times, dates and licence/case references
//! redacted, so that a change to what a page shows is visible in review.

use super::Pages;
use testdb::Backend;

/// Replaces what differs between runs: 32- and 64-hex ids and tokens, RFC 3339 times, ISO dates, and the
/// year-and-serial of references (`ML-2026-000004`).
fn redact(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let hex_run = |from: usize| {
        b[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count()
    };
    let digits = |from: usize, n: usize| {
        from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    while i < b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if boundary {
            let n = hex_run(i);
            if (n == 32 || n == 64) && b.get(i + n).is_none_or(|c| !c.is_ascii_alphanumeric()) {
                out.push_str("[id]");
                i += n;
                continue;
            }
            // YYYY-MM-DD, optionally followed by a time up to its Z.
            if digits(i, 4)
                && b.get(i + 4) == Some(&b'-')
                && digits(i + 5, 2)
                && b.get(i + 7) == Some(&b'-')
                && digits(i + 8, 2)
            {
                let mut j = i + 10;
                if b.get(j) == Some(&b'T') {
                    while j < b.len()
                        && b[j] != b'Z'
                        && (b[j].is_ascii_digit() || b":.T".contains(&b[j]))
                    {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'Z') {
                        j += 1;
                    }
                    out.push_str("[time]");
                } else {
                    out.push_str("[date]");
                }
                i = j;
                continue;
            }
            // A reference's year and serial: 2026-000004.
            if digits(i, 4) && b.get(i + 4) == Some(&b'-') && digits(i + 5, 6) {
                out.push_str("[year]-[serial]");
                i += 11;
                continue;
            }
        }
        let ch = html[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn check(name: &str, html: &str) -> Option<String> {
    let got = redact(html);
    let file = format!(
        "{}/tests/pages/snapshots/{name}.html",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(std::path::Path::new(&file).parent().unwrap()).unwrap();
        std::fs::write(&file, &got).unwrap();
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    (got != want).then(|| name.to_string())
}

pub(super) async fn rendered_pages_match_their_snapshots(b: Backend) {
    assert_eq!(redact("a 0123456789abcdef0123456789abcdef b"), "a [id] b");
    assert_eq!(
        redact("at 2026-11-30T02:30:44.753Z on 2026-11-30, ML-2026-000004"),
        "at [time] on [date], ML-[year]-[serial]"
    );
    let t = Pages::start(b, Default::default()).await;
    let exporter = t.sign_in("demo-exporter").await;
    let officer = t.sign_in("demo-officer").await;
    let admin = t.sign_in("demo-admin").await;
    let br = t
        .app
        .queue(
            &t.principal("demo-officer").await,
            "mine",
            &app::listing::Page::all(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.destinations == ["BR"])
        .unwrap()
        .id;
    let mut changed = Vec::new();
    for (name, path, cookie) in [
        ("home", "/".to_string(), None),
        ("verify-he", "/verify?lang=he".to_string(), None),
        ("sign-in", "/sign-in".to_string(), None),
        (
            "exporter-dashboard",
            "/exporter".to_string(),
            Some(&exporter),
        ),
        (
            "exporter-check",
            "/exporter/check".to_string(),
            Some(&exporter),
        ),
        (
            "exporter-marketing-application",
            "/exporter/applications/new/marketing".to_string(),
            Some(&exporter),
        ),
        (
            "officer-queue",
            "/officer/queues/mine".to_string(),
            Some(&officer),
        ),
        (
            "officer-case",
            format!("/officer/cases/{br}"),
            Some(&officer),
        ),
        ("admin", "/admin".to_string(), Some(&admin)),
        (
            "registrations",
            "/registrations?state=all".to_string(),
            Some(&admin),
        ),
        ("admin-lists", "/admin/lists".to_string(), Some(&admin)),
    ] {
        let p = t.get(&path, cookie.map(String::as_str)).await;
        assert_eq!(p.status, 200, "{path}");
        changed.extend(check(name, &p.body));
    }
    assert!(
        changed.is_empty(),
        "rendered pages changed: {changed:?}; review the diff and run with UPDATE_SNAPSHOTS=1"
    );
}
