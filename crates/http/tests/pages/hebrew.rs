//! The pages in Hebrew, right to left: chosen by `?lang=he` (remembered in a cookie) or by `Accept-Language`,
//! the public pages and every signed-in page of each role, with no text of the English catalogue left.

use super::Pages;
use testdb::Backend;

pub(super) async fn public_pages_in_hebrew_right_to_left(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let he = "<html lang=\"he\" dir=\"rtl\">";
    let home = t.get("/?lang=he", None).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains(he) && home.body.contains("שירות רישוי הייצוא"));
    assert!(
        home.body.contains("href=\"/verify?lang=he\""),
        "links keep the chosen language"
    );
    let by_header = t
        .send(
            t.client
                .get(format!("{}/", t.base))
                .header("accept-language", "fr-FR, he-IL;q=0.9, en;q=0.8"),
            None,
        )
        .await;
    assert!(
        by_header.body.contains(he),
        "the best supported language of the header"
    );
    let english = t
        .send(
            t.client
                .get(format!("{}/", t.base))
                .header("accept-language", "he;q=0.2, en-GB"),
            None,
        )
        .await;
    assert!(english.body.contains("<html lang=\"en\" dir=\"ltr\">"));
    let forced = t
        .send(
            t.client
                .get(format!("{}/?lang=en", t.base))
                .header("accept-language", "he"),
            None,
        )
        .await;
    assert!(
        forced.body.contains("<html lang=\"en\""),
        "the query wins over the header"
    );
    // Verification keeps the language through the form's redirect.
    let exp = t.principal("demo-exporter").await;
    let number = t
        .app
        .licences(&exp, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .unwrap()
        .number;
    let r = t
        .get(&format!("/verify?number={number}&lang=he"), None)
        .await;
    assert_eq!(r.location, format!("/verify/{number}?lang=he"));
    let v = t.get(&r.location, None).await;
    assert_eq!(v.status, 200);
    assert!(v.body.contains(he) && v.body.contains("בתוקף: הרישיון הזה תקף."));
    // Sign-in, and its refusal, in Hebrew.
    let form = t.get("/sign-in?lang=he", None).await.body;
    assert!(form.contains(he) && form.contains("action=\"/sign-in?lang=he\""));
    let refused = t
        .post(
            "/sign-in?lang=he",
            None,
            &[("username", "nobody"), ("password", "wrong password")],
        )
        .await;
    assert!(refused.body.contains(he) && refused.body.contains("שם המשתמש או הסיסמה אינם נכונים."));
    // Pages behind sign-in follow the browser's language too.
    let s = t.sign_in("demo-exporter").await;
    let dash = t
        .send(
            t.client
                .get(format!("{}/exporter", t.base))
                .header("accept-language", "he"),
            Some(&s),
        )
        .await;
    assert!(dash.body.contains(he));
}

/// The English catalogue's texts of at least two words whose Hebrew text differs: none may be left on a
/// page in Hebrew (single words could be data, such as a party's name).
fn english_texts() -> Vec<String> {
    let parse = |src: &str| -> std::collections::HashMap<String, String> {
        src.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect()
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages/");
    let en = parse(&std::fs::read_to_string(format!("{dir}messages.en.txt")).unwrap());
    let he = parse(&std::fs::read_to_string(format!("{dir}messages.he.txt")).unwrap());
    let texts: Vec<String> = en
        .iter()
        .filter(|(k, v)| v.split_whitespace().count() >= 2 && he.get(*k) != Some(*v))
        .map(|(_, v)| v.clone())
        .collect();
    assert!(texts.len() > 200, "the catalogue scan is broken");
    texts
}

/// The text a reader sees: tags removed, the entities askama writes decoded.
/// Text marked `<span lang="en">` is left out: a notification's subject and text are data, written in English
/// when the change happened (like the e-mail sent with them), and the page says so to the browser.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        if rest[i..].starts_with("<span lang=\"en\"") {
            rest = rest[i..].find("</span>").map_or("", |j| &rest[i + j + 7..]);
            continue;
        }
        rest = rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]);
    }
    out.push_str(rest);
    out.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every signed-in page, for each role, in Hebrew: right to left, the language remembered from `?lang=he`
/// in a cookie, and no text of the English catalogue left on it (data, such as names, states and references,
/// stays as entered).
pub(super) async fn signed_in_pages_in_hebrew_have_no_english_left(b: Backend) {
    let t = Pages::start(b, Default::default()).await;
    let english = english_texts();
    let exp = t.principal("demo-exporter").await;
    let cases = t
        .app
        .applications(&exp, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    let number = t
        .app
        .licences(&exp, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items[0]
        .number
        .clone();
    let admin = t.principal("demo-admin").await;
    let user = t
        .app
        .users(&admin, &app::listing::Page::all())
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let hr = t.principal("demo-hr-adviser").await;
    let advised = t
        .app
        .applications(&hr, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items;
    let mut visits: Vec<(&str, String)> = vec![
        ("demo-exporter", "/exporter".into()),
        ("demo-exporter", "/exporter/registration".into()),
        ("demo-exporter", "/exporter/products/new".into()),
        ("demo-exporter", "/exporter/check".into()),
        (
            "demo-exporter",
            "/exporter/applications/new/marketing".into(),
        ),
        ("demo-exporter", "/exporter/applications/new/export".into()),
        ("demo-exporter", format!("/exporter/licences/{number}")),
        ("demo-exporter", "/notifications".into()),
        ("demo-officer", "/officer".into()),
        ("demo-officer", "/officer/queues/unassigned".into()),
        ("demo-officer", "/officer/queues/mine".into()),
        ("demo-officer", "/registrations".into()),
        ("demo-officer", "/notifications".into()),
        ("demo-officer", "/statistics".into()),
        ("demo-hr-adviser", "/adviser".into()),
        ("demo-policy-admin", "/policy".into()),
        ("demo-auditor", "/auditor".into()),
        ("demo-admin", "/admin".into()),
        ("demo-admin", "/admin/organisations".into()),
        ("demo-admin", "/admin/users".into()),
        ("demo-admin", format!("/admin/users/{user}")),
        ("demo-admin", "/admin/tokens".into()),
        ("demo-admin", "/admin/lists".into()),
        ("demo-exporter", "/exporter/exemptions".into()),
        ("demo-officer", "/officer/exemptions".into()),
    ];
    for c in &cases {
        visits.push(("demo-exporter", format!("/exporter/cases/{}", c.id())));
        visits.push(("demo-officer", format!("/officer/cases/{}", c.id())));
        // The application form reused to edit a draft or a returned case, and to vary an issued licence.
        match c.state() {
            domain::CaseState::Draft | domain::CaseState::ReturnedForEditing => {
                visits.push(("demo-exporter", format!("/exporter/cases/{}/edit", c.id())))
            }
            domain::CaseState::Issued => visits.push((
                "demo-exporter",
                format!("/exporter/cases/{}/variation", c.id()),
            )),
            _ => {}
        }
    }
    for c in &advised {
        visits.push(("demo-hr-adviser", format!("/adviser/cases/{}", c.id())));
    }
    let mut sessions = std::collections::HashMap::new();
    for (who, path) in &visits {
        if !sessions.contains_key(who) {
            let s = t.sign_in(who).await;
            // The choice made once with ?lang=he is remembered in a cookie.
            let first = t.get("/dashboard?lang=he", Some(&s)).await;
            let remembered = first
                .set_cookie
                .iter()
                .find(|c| c.starts_with("exportctl_lang="))
                .expect("the language cookie");
            assert!(remembered.starts_with("exportctl_lang=he;"), "{remembered}");
            sessions.insert(*who, s);
        }
        let s = &sessions[who];
        let p = t
            .send(
                t.client.get(format!("{}{path}", t.base)).header(
                    "cookie",
                    format!("exportctl_session={s}; exportctl_lang=he"),
                ),
                None,
            )
            .await;
        assert_eq!(p.status, 200, "{who} {path}: {}", p.body);
        assert!(
            p.body.contains("<html lang=\"he\" dir=\"rtl\">"),
            "{who} {path} is not in Hebrew"
        );
        let text = visible_text(&p.body);
        let left: Vec<&String> = english
            .iter()
            .filter(|e| text.contains(e.as_str()))
            .collect();
        assert!(left.is_empty(), "{who} {path} shows English: {left:?}");
    }
    assert!(visits.len() > 30, "{} pages visited", visits.len());
}
