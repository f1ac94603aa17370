//! The public pages in Hebrew, right to left: chosen by `?lang=he` or by `Accept-Language`.

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
    // Pages behind sign-in stay in English (no Hebrew catalogue for them).
    let s = t.sign_in("demo-exporter").await;
    let dash = t
        .send(
            t.client
                .get(format!("{}/exporter", t.base))
                .header("accept-language", "he"),
            Some(&s),
        )
        .await;
    assert!(dash.body.contains("<html lang=\"en\" dir=\"ltr\">"));
}
