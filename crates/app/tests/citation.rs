//! The citation rules of an export application (`export.marketing_authorisation`), through the submit use
//! case on both backends: an issued marketing licence of the same organisation covering the same product and
//! destination, cited by case reference or licence number, and valid on the day; or an exemption of the same
//! organisation for the same product and destination. Another organisation's licence or exemption answers
//! exactly like one that does not exist; a licence not issued, for another product or destination, or expired
//! is refused naming the field.

use app::model::{
    ActionBody, ClassifyProduct, EndUser, EnrolRequest, ExportDetails, Money, NewApplication,
    NewOrganisation, NewProduct, NewRegistration, NewUser, Party, PreApplicationCheck,
    RegistrationDecision,
};
use app::{App, AppConfig, AppError, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{CountryCode, EndUserType, LicenceKind, Role, SecurityGrade};
use store::Store;
use testdb::{Backend, TestDb};

const FIELD: &str = "export.marketing_authorisation";

fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).unwrap()
}

fn export(product: &str, dest: &str, cited: &str) -> NewApplication {
    NewApplication {
        licence: LicenceKind::Export,
        marketing: None,
        export: Some(ExportDetails {
            product: product.into(),
            end_user: EndUser {
                name: "National Police".into(),
                end_user_type: EndUserType::GovernmentLawEnforcement,
                country: Some(cc(dest)),
            },
            consignee: Party {
                name: "Logistics SA".into(),
                country: cc(dest),
            },
            destination: cc(dest),
            quantity: 2,
            value: Money {
                amount: "1000.00".into(),
                currency: "EUR".into(),
            },
            end_use: "investigation of serious crime".into(),
            documents: vec![],
            marketing_authorisation: Some(cited.into()),
            intermediaries: vec![],
        }),
    }
}

/// Creates an export application citing `cited` and submits it: Ok(state) or the refusal.
async fn submit(
    app: &App,
    who: &Principal,
    product: &str,
    dest: &str,
    cited: &str,
) -> Result<String, AppError> {
    let c = app
        .create_application(who, export(product, dest, cited))
        .await
        .expect("a draft may cite anything");
    app.submit_application(who, c.id(), ActionBody::default())
        .await
        .map(|v| v.state().to_string())
}

/// The refusal's text, asserting that it names the citation field.
#[track_caller]
fn refused(r: Result<String, AppError>) -> String {
    match r {
        Err(AppError::Invalid { field, reason }) if field == FIELD => reason,
        other => panic!("expected a refusal naming {FIELD}, got {other:?}"),
    }
}

/// A second organisation, registered, with an exporter and a classified product of its own.
async fn other_organisation(
    app: &App,
    admin: &Principal,
    officer: &Principal,
) -> (Principal, String) {
    let org = app
        .create_organisation(
            admin,
            NewOrganisation {
                name: "Other Corp".into(),
                country: cc("IL"),
            },
        )
        .await
        .unwrap();
    let u = app
        .create_user(
            admin,
            NewUser {
                username: "other-exporter".into(),
                role: Role::Exporter,
                review_kind: None,
                org_id: Some(org.id.clone()),
                token_days: None,
            },
        )
        .await
        .unwrap();
    let token = app
        .enrol(EnrolRequest {
            username: "other-exporter".into(),
            secret: u.enrolment.unwrap().secret,
            label: None,
            days: None,
        })
        .await
        .unwrap()
        .token;
    let exporter = app.authenticate(&token).await.unwrap();
    let reg = app
        .file_registration(
            &exporter,
            NewRegistration {
                company_name: "Other Corp".into(),
                registration_number: "51-2".into(),
                address: "2 Street".into(),
                country: cc("IL"),
                contact_email: "c@other.test".into(),
            },
        )
        .await
        .unwrap();
    app.decide_registration(
        officer,
        &reg.id,
        RegistrationDecision {
            approve: true,
            reason: "complete".into(),
            expected_version: None,
        },
    )
    .await
    .unwrap();
    let p = app
        .create_product(
            &exporter,
            NewProduct {
                name: "Monitor".into(),
                version: "1".into(),
                description: "d".into(),
                control_entries: vec!["5.A.1.j".into()],
                capability_tags: vec![],
            },
        )
        .await
        .unwrap();
    (exporter, p.id)
}

async fn classify(
    app: &App,
    defence: &Principal,
    product: &str,
    entry: &str,
    grade: SecurityGrade,
) {
    app.classify_product(
        defence,
        product,
        ClassifyProduct {
            control_entries: vec![entry.into()],
            security_grade: grade,
            note: None,
        },
    )
    .await
    .unwrap();
}

async fn citation_rules(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = App::new(Store::connect(&db.url).await.unwrap(), AppConfig::default())
        .await
        .unwrap();
    let (tokens, cast) = app.seed_demo_base().await.unwrap();
    let admin = app.authenticate(&tokens[0].token).await.unwrap();
    let (ex, off) = (&cast.exporter, &cast.officer);
    // The demo's advisers: human rights, defence, foreign affairs, economy/cyber.
    let defence = &cast.advisers[1];
    // The demo issues one marketing licence (monitor to FR) and leaves one submitted (monitor to MX).
    let licence = app
        .licences(off, None, &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("the demo issues a marketing licence");
    let (forensic, monitor) = (&cast.products[0], &cast.products[1]);
    let issued = app.application(off, &licence.case_id).await.unwrap();
    let issued_ref = issued.reference().to_string();
    assert_eq!(licence.number, format!("L-{issued_ref}"));
    let valid_until: NaiveDate = licence.content.valid_until;
    let pending = app
        .applications(off, &Default::default(), &app::listing::Page::all())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.state() == domain::CaseState::Submitted)
        .expect("the demo leaves a submitted application");
    let pending_ref = pending.reference().to_string();

    // Valid: the licence by its case reference and by its licence number, with spaces around.
    for cited in [
        issued_ref.clone(),
        licence.number.clone(),
        format!(" {issued_ref} "),
    ] {
        assert_eq!(
            submit(&app, ex, monitor, "FR", &cited).await.unwrap(),
            "submitted",
            "{cited}"
        );
    }
    // No citation: refused, naming the outcome the policy in force gives the item.
    let mut uncited = export(monitor, "FR", "");
    uncited.export.as_mut().unwrap().marketing_authorisation = None;
    let draft = app.create_application(ex, uncited).await.unwrap();
    let why = refused(
        app.submit_application(ex, draft.id(), ActionBody::default())
            .await
            .map(|v| v.state().to_string()),
    );
    assert_eq!(
        why,
        format!(
            "required: the policy in force finds product {monitor} to FR licence-required under a regime \
             with a marketing step; cite the marketing licence or marketing-licence exemption covering it \
             and this destination"
        )
    );
    // Another product, another destination, a licence not issued: each refused, saying what is wrong.
    for (product, dest, cited) in [
        (forensic, "FR", &issued_ref),
        (monitor, "DE", &issued_ref),
        (monitor, "MX", &pending_ref),
    ] {
        let why = refused(submit(&app, ex, product, dest, cited).await);
        assert_eq!(
            why,
            format!(
                "marketing licence {cited} is not a valid issued marketing licence of this organisation covering \
                 product {product} and destination {dest}"
            )
        );
    }
    // Valid through its last day, refused the day after.
    let day = |d: NaiveDate| -> DateTime<Utc> { d.and_hms_opt(9, 0, 0).unwrap().and_utc() };
    assert_eq!(
        app::as_of(
            day(valid_until),
            submit(&app, ex, monitor, "FR", &issued_ref)
        )
        .await
        .unwrap(),
        "submitted"
    );
    let why = refused(
        app::as_of(
            day(valid_until.succ_opt().unwrap()),
            submit(&app, ex, monitor, "FR", &issued_ref),
        )
        .await,
    );
    assert!(
        why.starts_with(&format!(
            "marketing licence {issued_ref} is not a valid issued"
        )),
        "{why}"
    );

    // An exemption of the organisation covers its product and destination only.
    classify(&app, defence, forensic, "4D004", SecurityGrade::Restricted).await;
    let exemption = app
        .pre_application_check(
            ex,
            PreApplicationCheck {
                product: Some(forensic.clone()),
                control_entries: None,
                security_grade: None,
                destination: cc("DE"),
                end_user_type: EndUserType::GovernmentLawEnforcement,
                licence: None,
                record_exemption: true,
            },
        )
        .await
        .unwrap()
        .exemption
        .expect("restricted 4D004 to DE is exempt")
        .id;
    // Requested only: it authorises nothing until an officer grants it.
    assert!(refused(submit(&app, ex, forensic, "DE", &exemption).await)
        .contains("is requested, not granted by an officer"));
    app.decide_exemption(
        off,
        &exemption,
        app::exemptions::ExemptionDecision {
            grant: true,
            reason: "restricted item, tier 1 destination".into(),
            expected_version: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        submit(&app, ex, forensic, "DE", &exemption).await.unwrap(),
        "submitted"
    );
    for (product, dest) in [(monitor, "DE"), (forensic, "FR")] {
        assert_eq!(
            refused(submit(&app, ex, product, dest, &exemption).await),
            format!(
                "exemption {exemption} does not cover product {product} and destination {dest}"
            )
        );
    }

    // Another organisation citing this organisation's licence, licence number or exemption gets the same answer
    // as for a reference or an id that does not exist.
    let (other, other_product) = other_organisation(&app, &admin, off).await;
    classify(
        &app,
        defence,
        &other_product,
        "5.A.1.j",
        SecurityGrade::Secret,
    )
    .await;
    let missing_answer = |cited: &str| {
        format!(
            "{cited:?} is neither a marketing licence nor a marketing-licence exemption of this organisation; an \
             export licence application must cite a valid marketing licence or exemption covering the same \
             product and destination"
        )
    };
    for (dest, cited) in [
        ("FR", issued_ref.as_str()),
        ("FR", licence.number.as_str()),
        ("DE", exemption.as_str()),
        ("FR", "ML-2026-999999"),
        ("DE", "00000000-0000-4000-8000-000000000000"),
        ("DE", "not an id"),
    ] {
        assert_eq!(
            refused(submit(&app, &other, &other_product, dest, cited).await),
            missing_answer(cited),
            "{cited}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_rules_sqlite() {
    // Boxed: the whole scenario's future is large in a debug build, and block_on keeps it on the test
    // thread's stack.
    Box::pin(citation_rules(Backend::Sqlite)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_rules_postgres() {
    Box::pin(citation_rules(Backend::Postgres)).await
}
