//! Browser journeys in headless Chromium (Debian `chromium` and `chromium-driver`) against the real router on
//! SQLite with the demo data, one browser session for the whole file. Every page visited is checked with
//! axe-core (npm package, installed into `tests/support` by .ci/run, injected through WebDriver): zero serious
//! or critical violations; every page is saved as a screenshot in `$CARGO_TARGET_TMPDIR/journeys/` and any
//! severe console message fails the test.
//!
//! The journeys: the exporter checks whether a licence is needed and applies for a marketing licence through
//! the forms; the officer takes the case from the queue, asks for information, which the exporter answers; the
//! human-rights adviser fills in the checklist; the officer approves with typed conditions and issues; the
//! exporter opens the licence and applies for an export licence citing it, uploads the signed end-user
//! declaration (a Word file) and records it; the officer verifies the declaration, approves and issues, then
//! suspends and reinstates the licence with reasons; an application naming a listed party gets a screening hit that the officer confirms, then refuses
//! citing refusal criteria; the policy administrator previews a staged policy's impact; anyone verifies the
//! licence, in Hebrew. The exporter's journey, from sign-in to an issued export licence, runs on PostgreSQL
//! too (the officer's part there through the use cases).

#[path = "support/browser.rs"]
mod browser_support;
#[path = "support/office.rs"]
mod office;

use browser_support::{start_driver, Browser, Service};
use serde_json::json;

/// The exporter's first page visits: "do I need a licence?" for the demo's Network Monitor to Italy. Returns
/// the product's id.
async fn exporter_checks(b: &Browser, s: &Service) -> String {
    b.sign_in("demo-exporter", &s.password("demo-exporter"))
        .await;
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
    product
}

/// The exporter applies for a marketing licence through the form (a mistake first: the error is beside the
/// field and the values are kept) and submits it. Returns the case's page.
async fn exporter_applies_for_marketing(
    b: &Browser,
    product: &str,
    end_user: &str,
    shots: &str,
) -> String {
    b.goto("/exporter/applications/new/marketing").await;
    b.tick(&format!("input[name='products'][value='{product}']"))
        .await;
    b.fill("#destinations", "IT, Q1").await;
    b.fill("#end_users_name", end_user).await;
    b.fill("#end_users_country", "IT").await;
    b.click("#save-draft").await;
    assert!(b.text().await.contains("There is a problem"));
    b.check(&format!("{shots}-error")).await;
    b.fill("#destinations", "IT").await;
    b.click("#save-draft").await;
    assert!(b.path().await.starts_with("/exporter/cases/"));
    let case_path = b.path().await;
    b.check(&format!("{shots}-draft")).await;
    b.click("#submit").await;
    assert!(b.text().await.to_lowercase().contains("submitted"));
    case_path
}

/// The exporter applies for an export licence citing the marketing licence of `marketing_case`, through the
/// form, and submits it. Returns the case's page.
async fn exporter_applies_for_export(
    b: &Browser,
    s: &Service,
    product: &str,
    marketing_case: &str,
) -> String {
    // The form offers the marketing licences by the reference of their case.
    let off = s.principal("demo-officer").await;
    let reference = s
        .app
        .application(&off, marketing_case)
        .await
        .unwrap()
        .reference()
        .to_string();
    b.goto("/exporter/applications/new/export").await;
    b.check("exporter-export-form").await;
    b.select("#product", product).await;
    b.fill("#destination", "IT").await;
    b.select("#marketing_authorisation", &reference).await;
    b.fill("#end_user_name", "Example Telecom SpA").await;
    b.select("#end_user_type", "private").await;
    b.fill("#end_user_country", "IT").await;
    b.fill("#consignee_name", "Example Telecom SpA").await;
    b.fill("#consignee_country", "IT").await;
    b.fill("#quantity", "2").await;
    b.fill("#value_amount", "250000.00").await;
    b.fill("#value_currency", "EUR").await;
    b.fill(
        "#end_use",
        "Lawful network monitoring of the operator's own network.",
    )
    .await;
    b.click("#save-draft").await;
    assert!(
        b.path().await.starts_with("/exporter/cases/"),
        "{}",
        b.text().await
    );
    let case_path = b.path().await;
    b.check("exporter-export-draft").await;
    b.click("#submit").await;
    assert!(b.text().await.to_lowercase().contains("submitted"));
    case_path
}

/// Advice of every kind the case requires, given by the demo advisers through the use case.
async fn advise(s: &Service, case_id: &str, skip_human_rights: bool) {
    let off = s.principal("demo-officer").await;
    let app::views::CaseView::Internal(c) = s.app.application(&off, case_id).await.unwrap() else {
        panic!("officer view")
    };
    for k in &c.body.required_reviews {
        let user = match k {
            domain::ReviewKind::HumanRights if skip_human_rights => continue,
            domain::ReviewKind::HumanRights => "demo-hr-adviser",
            domain::ReviewKind::Defence => "demo-defence-adviser",
            domain::ReviewKind::ForeignAffairs => "demo-fa-adviser",
            _ => "demo-cyber-adviser",
        };
        let checklist = if *k == domain::ReviewKind::HumanRights {
            domain::DueDiligenceItem::ALL
                .iter()
                .map(|i| app::model::ChecklistAnswer {
                    item: *i,
                    answer: "checked, no concern".into(),
                })
                .collect()
        } else {
            vec![]
        };
        s.app
            .give_advice(
                &s.principal(user).await,
                case_id,
                app::model::NewAdvice {
                    recommendation: domain::AdviceRecommendation::Approve,
                    criteria: vec![],
                    text: "no objection".into(),
                    conditions: vec![],
                    checklist,
                    red_flags: vec![],
                    entities: vec![],
                },
            )
            .await
            .unwrap();
    }
}

/// The officer's part through the use cases: review, advice, approval, issue.
async fn officer_issues(s: &Service, case_id: &str) {
    let off = s.principal("demo-officer").await;
    s.app
        .assign(
            &off,
            case_id,
            app::model::AssignBody {
                officer_id: None,
                expected_version: None,
            },
        )
        .await
        .unwrap();
    advise(s, case_id, false).await;
    let countersigners = [
        s.principal("demo-officer-2").await,
        s.principal("demo-senior-officer").await,
    ];
    s.app
        .decide_countersigned(
            &off,
            &countersigners,
            case_id,
            app::final_advice::FinalAdviceBody {
                outcome: app::final_advice::FinalOutcome::Approve,
                reason: "Advice favourable.".into(),
                conditions: vec![],
                criteria: vec![],
                entities: vec![],
                expected_version: None,
            },
        )
        .await
        .unwrap();
    s.app
        .issue(&off, case_id, app::model::ActionBody::default())
        .await
        .unwrap();
}

/// The final advice drafted on the case page is submitted there; the countersigners the policy asks for
/// accept through the use case; the officer then decides as advised on the page.
async fn countersign_and_decide(b: &Browser, s: &Service, case_id: &str) {
    assert!(b.text().await.to_lowercase().contains("final-review"));
    b.click("#submit-final-advice").await;
    let off = s.principal("demo-officer").await;
    let app::views::CaseView::Internal(c) = s.app.application(&off, case_id).await.unwrap() else {
        panic!("officer view")
    };
    let needed = usize::from(c.body.countersigning.map_or(0, |r| r.count));
    for u in ["demo-officer-2", "demo-senior-officer"]
        .into_iter()
        .take(needed)
    {
        s.app
            .countersign(
                &s.principal(u).await,
                case_id,
                app::final_advice::CountersignBody {
                    decision: app::final_advice::CountersignDecision::Accept,
                    reasons: None,
                    expected_version: None,
                },
            )
            .await
            .unwrap();
    }
    b.goto(&format!("/officer/cases/{case_id}")).await;
    b.click("#decide-as-advised").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_with_accessibility_checks() {
    let driver = start_driver();
    let service = Service::start(testdb::Backend::Sqlite).await;
    // The illustrative list of invented names, so that a party can be a listed one.
    service.app.import_demo_list().await.unwrap();
    let app = &service.app;
    let pw = |u: &str| service.password(u);
    let b = Browser::open(&driver, &service.base, "journeys", true).await;

    // Public home page.
    b.goto("/").await;
    b.check("home").await;

    // Exporter: "do I need a licence?", then a marketing-licence application through the form.
    let product = exporter_checks(&b, &service).await;
    let case_path =
        exporter_applies_for_marketing(&b, &product, "Polizia di Stato", "exporter-application")
            .await;
    let case_id = case_path.rsplit('/').next().unwrap().to_string();
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

    // Human-rights adviser: the checklist item by item (the other advisers through the use case).
    let off = service.principal("demo-officer").await;
    let app::views::CaseView::Internal(c) = app.application(&off, &case_id).await.unwrap() else {
        panic!("officer view")
    };
    if c.body
        .required_reviews
        .contains(&domain::ReviewKind::HumanRights)
    {
        b.sign_in("demo-hr-adviser", &pw("demo-hr-adviser")).await;
        b.goto(&format!("/adviser/cases/{case_id}")).await;
        b.check("adviser-checklist").await;
        b.tick("input[name='recommendation'][value='approve']")
            .await;
        b.fill("#text", "Safeguards adequate.").await;
        for item in domain::DueDiligenceItem::ALL {
            b.fill(&format!("#item-{}", item.as_str()), "checked, no concern")
                .await;
        }
        b.click("#send-advice").await;
        assert!(b.text().await.contains("You have given your advice"));
        b.sign_out().await;
    }
    advise(&service, &case_id, true).await;

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
    countersign_and_decide(&b, &service, &case_id).await;
    assert!(b.text().await.to_lowercase().contains("approved"));
    b.click("#issue").await;
    assert!(b.text().await.to_lowercase().contains("issued"));
    b.check("officer-case-issued").await;
    b.sign_out().await;

    // Exporter: the licence page, then an export licence citing it.
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    b.goto(&case_path).await;
    b.click("#licence-link").await;
    assert!(b.path().await.starts_with("/exporter/licences/"));
    let number = b.path().await.rsplit('/').next().unwrap().to_string();
    assert!(b.text().await.contains("Report every deployment."));
    b.check("exporter-licence").await;
    let export_path = exporter_applies_for_export(&b, &service, &product, &case_id).await;
    let export_id = export_path.rsplit('/').next().unwrap().to_string();
    // The signed end-user declaration (a Word document) uploaded and described through the forms.
    let eud = service.files.path().join("end-user-declaration.docx");
    std::fs::write(&eud, office::docx("End-user declaration, signed.")).unwrap();
    b.fill("#kind", "end-user-declaration").await;
    b.choose_file("#file", &eud).await;
    b.click("#upload-document").await;
    assert!(b.text().await.contains("end-user-declaration.docx"));
    b.fill("#signatory_name", "Giulia Rossi").await;
    b.fill("#signatory_position", "Head of security").await;
    b.fill("#end_user_organisation", "Example Telecom SpA")
        .await;
    b.fill("#signed_on", "2026-01-05").await;
    b.fill("#terms_version", "2021-12").await;
    b.fill("#valid_until", "2099-12-31").await;
    b.click("#record-declaration").await;
    assert!(b.text().await.contains("Giulia Rossi"));
    b.check("exporter-documents").await;
    b.sign_out().await;

    // Officer: the export case from the queue; review, advice, approval and issue through the pages.
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    b.goto("/officer/queues/unassigned?licence=export").await;
    b.click(&format!("a[href='/officer/cases/{export_id}']"))
        .await;
    b.check("officer-export-case").await;
    b.click("#start-review").await;
    // The declaration verified from the case page.
    b.tick("form[action*='/declarations/'] input[value='verified']")
        .await;
    b.click("form[action*='/declarations/'] button").await;
    assert!(b.text().await.to_lowercase().contains("verified"));
    b.check("officer-declaration-verified").await;
    advise(&service, &export_id, false).await;
    b.goto(&format!("/officer/cases/{export_id}")).await;
    b.fill(
        "#approve-reason",
        "Private operator, own network; advice favourable.",
    )
    .await;
    b.click("#approve").await;
    countersign_and_decide(&b, &service, &export_id).await;
    assert!(b.text().await.to_lowercase().contains("approved"));
    b.click("#issue").await;
    assert!(b.text().await.to_lowercase().contains("issued"));
    b.check("officer-export-issued").await;
    // The licence's life after issue: suspended, then reinstated, each with its reason.
    b.fill("#suspend-reason", "The end user is under investigation.")
        .await;
    b.click("#suspend").await;
    assert!(b.text().await.to_lowercase().contains("suspended"));
    b.check("officer-licence-suspended").await;
    b.fill("#reinstate-reason", "The investigation found nothing.")
        .await;
    b.click("#reinstate").await;
    assert!(b.text().await.to_lowercase().contains("issued"));
    b.sign_out().await;
    b.sign_in("demo-exporter", &pw("demo-exporter")).await;
    b.goto(&export_path).await;
    b.click("#licence-link").await;
    assert!(b.path().await.starts_with("/exporter/licences/"));
    assert!(b.text().await.contains("Example Telecom SpA"));
    b.check("exporter-export-licence").await;

    // A listed party: the exporter applies naming it; the officer confirms the hit and refuses.
    let listed = exporter_applies_for_marketing(
        &b,
        &product,
        "Zyxwv Fictional Interception Works",
        "exporter-listed-party",
    )
    .await;
    let listed_id = listed.rsplit('/').next().unwrap().to_string();
    b.sign_out().await;
    b.sign_in("demo-officer", &pw("demo-officer")).await;
    b.goto("/officer/queues/screening").await;
    b.check("officer-screening-queue").await;
    b.click(&format!("a[href='/officer/cases/{listed_id}']"))
        .await;
    b.click("#start-review").await;
    assert!(b.text().await.contains("Zyxwv"));
    b.check("officer-screening-hit").await;
    b.tick("input[name='decision'][value='confirm']").await;
    b.fill(
        "textarea[id^='hit-reason-']",
        "Same entity: name and address match.",
    )
    .await;
    b.click("form[action*='/hits/'] button").await;
    assert!(b.text().await.contains("confirmed"));
    b.check("officer-hit-confirmed").await;
    // A decision, refusal included, waits for the required advice.
    advise(&service, &listed_id, false).await;
    b.goto(&format!("/officer/cases/{listed_id}")).await;
    b.tick("input[name='criteria'][value='criterion-1']").await;
    b.tick("input[name='criteria'][value='criterion-7']").await;
    b.fill("#refuse-reason", "The end user is a listed party.")
        .await;
    b.click("#refuse").await;
    countersign_and_decide(&b, &service, &listed_id).await;
    let refused = app.application(&off, &listed_id).await.unwrap();
    assert_eq!(
        refused.state(),
        domain::CaseState::Refused,
        "{}",
        b.text().await
    );
    b.check("officer-case-refused").await;
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

    assert!(b.checked.get() >= 25, "{} pages checked", b.checked.get());
    b.c.close().await.unwrap();
}

/// The exporter's journey on PostgreSQL: sign-in, the licence check, a marketing application through the
/// forms, its licence, and an export application citing it up to the issued export licence (the officer's and
/// the advisers' parts through the use cases).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporter_journey_on_postgres() {
    let driver = start_driver();
    let service = Service::start(testdb::Backend::Postgres).await;
    let b = Browser::open(&driver, &service.base, "journeys-postgres", true).await;
    let product = exporter_checks(&b, &service).await;
    let case_path =
        exporter_applies_for_marketing(&b, &product, "Polizia di Stato", "pg-application").await;
    let case_id = case_path.rsplit('/').next().unwrap().to_string();
    officer_issues(&service, &case_id).await;
    b.goto(&case_path).await;
    b.click("#licence-link").await;
    assert!(b.path().await.starts_with("/exporter/licences/"));
    b.check("pg-marketing-licence").await;
    let export_path = exporter_applies_for_export(&b, &service, &product, &case_id).await;
    let export_id = export_path.rsplit('/').next().unwrap().to_string();
    officer_issues(&service, &export_id).await;
    b.goto(&export_path).await;
    assert!(b.text().await.to_lowercase().contains("issued"));
    b.click("#licence-link").await;
    assert!(b.path().await.starts_with("/exporter/licences/"));
    assert!(b.text().await.contains("Example Telecom SpA"));
    b.check("pg-export-licence").await;
    b.sign_out().await;
    b.c.close().await.unwrap();
}
