//! `serve --demo`: an illustrative organisation, one user per role (passwords and tokens returned for printing
//! at start-up) and sample cases in several states. Never runs without `--demo`.

use crate::final_advice::{FinalAdviceBody, FinalOutcome};
use crate::model::*;
use crate::{App, AppResult, Principal};
use domain::{
    AdviceRecommendation, CountryCode, DueDiligenceItem, EndUserType, LicenceKind, ReviewKind,
    Role, SecurityGrade,
};

/// Decided cases in the demo history (`serve --demo`).
pub const HISTORY_CASES: usize = 400;

/// A demo user's credentials, printed once at start-up.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub role: String,
    /// A random password for signing in to the pages.
    pub password: String,
    /// An API token.
    pub token: String,
}

/// Every demo user, the administrator first.
pub type DemoTokens = Vec<DemoUser>;

/// A random password of 20 letters and digits (about 119 bits), without look-alike characters.
fn demo_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("demo country codes are valid")
}

impl App {
    /// Seeds the demo data, its decision history included. Fails (changing nothing more) if the demo users
    /// already exist.
    pub async fn seed_demo(&self) -> AppResult<DemoTokens> {
        let (tokens, cast) = self.seed_demo_base().await?;
        self.seed_demo_history(&cast).await?;
        Ok(tokens)
    }

    /// Seeds the demo users, organisation, products and sample cases, and returns who makes the decision
    /// history ([`App::seed_demo_history`]), which `serve --demo` seeds while it already answers.
    pub async fn seed_demo_base(
        &self,
    ) -> AppResult<(DemoTokens, crate::demo_history::HistoryCast)> {
        let root = self.bootstrap_admin("demo-admin").await?;
        let root_token = root
            .token
            .ok_or_else(|| crate::AppError::Internal("bootstrap gave no token".into()))?
            .token;
        let admin = self.authenticate(&root_token).await?;
        let mut tokens = vec![DemoUser {
            username: "demo-admin".into(),
            role: "admin".into(),
            password: demo_password(),
            token: root_token,
        }];
        let org = self
            .create_organisation(
                &admin,
                NewOrganisation {
                    name: "Example Cyber Systems Ltd (demo)".into(),
                    country: cc("IL"),
                },
            )
            .await?;
        let make =
            |username: &str, role: Role, kind: Option<ReviewKind>, org_id: Option<String>| {
                let admin = admin.clone();
                let username = username.to_string();
                async move {
                    let u = self
                        .create_user(
                            &admin,
                            NewUser {
                                username: username.clone(),
                                role,
                                review_kind: kind,
                                org_id,
                                token_days: Some(30),
                            },
                        )
                        .await?;
                    // The same path as a real user: the administrator hands over an enrolment secret, the
                    // user exchanges it for its token.
                    let secret = u
                        .enrolment
                        .ok_or_else(|| crate::AppError::Internal("no enrolment secret".into()))?
                        .secret;
                    let token = self
                        .enrol(EnrolRequest {
                            username: username.clone(),
                            secret,
                            label: Some("demo".into()),
                            days: Some(30),
                        })
                        .await?
                        .token;
                    let p = self.authenticate(&token).await?;
                    AppResult::Ok((username, role.to_string(), token, p))
                }
            };
        let mut principals: Vec<Principal> = Vec::new();
        for (name, role, kind, org_id) in [
            ("demo-exporter", Role::Exporter, None, Some(org.id.clone())),
            ("demo-officer", Role::Officer, None, None),
            (
                "demo-hr-adviser",
                Role::Adviser,
                Some(ReviewKind::HumanRights),
                None,
            ),
            (
                "demo-defence-adviser",
                Role::Adviser,
                Some(ReviewKind::Defence),
                None,
            ),
            (
                "demo-fa-adviser",
                Role::Adviser,
                Some(ReviewKind::ForeignAffairs),
                None,
            ),
            (
                "demo-cyber-adviser",
                Role::Adviser,
                Some(ReviewKind::EconomyCyber),
                None,
            ),
            ("demo-policy-admin", Role::PolicyAdmin, None, None),
            ("demo-auditor", Role::Auditor, None, None),
            ("demo-customs", Role::Customs, None, None),
            // Issue 12: countersigners of final advice (another officer, and a senior officer).
            ("demo-officer-2", Role::Officer, None, None),
            ("demo-senior-officer", Role::Officer, None, None),
        ] {
            let (username, role, token, p) = make(name, role, kind, org_id).await?;
            tokens.push(DemoUser {
                username,
                role,
                password: demo_password(),
                token,
            });
            principals.push(p);
        }
        let (exporter, officer, defence) = (
            principals[0].clone(),
            principals[1].clone(),
            principals[3].clone(),
        );
        let countersigners = principals[9..11].to_vec();
        self.set_user_grade(
            &admin,
            &countersigners[1].user_id,
            GradeChange {
                grade: domain::OfficerGrade::Senior,
                reason: "senior licensing officer (demo)".into(),
            },
        )
        .await?;
        let reg = self
            .file_registration(
                &exporter,
                NewRegistration {
                    company_name: "Example Cyber Systems Ltd".into(),
                    registration_number: "51-000000-0".into(),
                    address: "1 Example Street, Tel Aviv".into(),
                    country: cc("IL"),
                    contact_email: "compliance@example.test".into(),
                },
            )
            .await?;
        self.decide_registration(
            &officer,
            &reg.id,
            RegistrationDecision {
                approve: true,
                reason: "documents complete (demo)".into(),
                expected_version: None,
            },
        )
        .await?;
        let forensic = self
            .create_product(
                &exporter,
                NewProduct {
                    name: "Forensic Extractor (demo)".into(),
                    version: "3.1".into(),
                    description:
                        "Mobile forensic extraction for law enforcement (illustrative record)"
                            .into(),
                    control_entries: vec!["5A004.b".into()],
                    capability_tags: vec!["forensics".into()],
                },
            )
            .await?;
        let monitor = self
            .create_product(
                &exporter,
                NewProduct {
                    name: "Network Monitor (demo)".into(),
                    version: "7.0".into(),
                    description: "Carrier-class IP monitoring (illustrative record)".into(),
                    control_entries: vec!["5.A.1.j".into()],
                    capability_tags: vec!["network".into()],
                },
            )
            .await?;
        for (p, g) in [
            (&forensic, SecurityGrade::Restricted),
            (&monitor, SecurityGrade::Secret),
        ] {
            self.classify_product(
                &defence,
                &p.id,
                ClassifyProduct {
                    control_entries: p.claimed_control_entries.clone(),
                    security_grade: g,
                    note: Some("confirmed (demo)".into()),
                },
            )
            .await?;
        }
        let ml = |products: Vec<String>, dest: &str, t: EndUserType| NewApplication {
            licence: LicenceKind::Marketing,
            marketing: Some(MarketingDetails {
                products,
                destinations: vec![cc(dest)],
                end_users: vec![EndUser {
                    name: "National Police (demo)".into(),
                    end_user_type: t,
                    country: Some(cc(dest)),
                }],
            }),
            export: None,
        };
        // A draft, a submitted case, a case under review awaiting human-rights advice, an issued licence, a
        // surrendered one and an exhausted one.
        self.create_application(
            &exporter,
            ml(
                vec![forensic.id.clone()],
                "DE",
                EndUserType::GovernmentLawEnforcement,
            ),
        )
        .await?;
        let sub = self
            .create_application(
                &exporter,
                ml(
                    vec![monitor.id.clone()],
                    "MX",
                    EndUserType::GovernmentLawEnforcement,
                ),
            )
            .await?;
        self.submit_application(&exporter, sub.id(), ActionBody::default())
            .await?;
        let rev = self
            .create_application(
                &exporter,
                ml(
                    vec![monitor.id.clone()],
                    "BR",
                    EndUserType::GovernmentIntelligence,
                ),
            )
            .await?;
        self.submit_application(&exporter, rev.id(), ActionBody::default())
            .await?;
        self.assign(
            &officer,
            rev.id(),
            AssignBody {
                officer_id: None,
                expected_version: None,
            },
        )
        .await?;
        self.demo_issue(
            &exporter,
            &officer,
            &principals[2..6],
            &countersigners,
            ml(
                vec![monitor.id.clone()],
                "FR",
                EndUserType::GovernmentLawEnforcement,
            ),
            vec![],
        )
        .await?;
        // Issue 17: evidence of misuse recorded by the human-rights adviser, linked to that licence by its end
        // user and destination, its reassessment open in the officers' queue.
        self.record_evidence(
            &principals[2],
            crate::monitoring::evidence::NewEvidence {
                source_kind: crate::monitoring::evidence::SourceKind::ForensicLab,
                source_name: "Illustrative research lab (demo)".into(),
                reported_on: self.today(),
                country: cc("FR"),
                end_user: "National Police (demo)".into(),
                capability: "IP network monitoring".into(),
                control_entries: vec![],
                link: "https://example.org/demo-report".into(),
                summary: "Illustrative report (demo): monitoring of journalists attributed to the end user"
                    .into(),
            },
        )
        .await?;
        // Issue 12: a licence its holder gave back.
        let given_back = self
            .demo_issue(
                &exporter,
                &officer,
                &principals[2..6],
                &countersigners,
                ml(
                    vec![monitor.id.clone()],
                    "DE",
                    EndUserType::GovernmentLawEnforcement,
                ),
                vec![],
            )
            .await?;
        self.surrender_licence(
            &exporter,
            &given_back,
            ActionBody {
                expected_version: None,
                reason: Some("the contract was cancelled (demo)".into()),
            },
        )
        .await?;
        // Issue 12: a licence for two units, both shipped, so exhausted.
        let used_up = self
            .demo_issue(
                &exporter,
                &officer,
                &principals[2..6],
                &countersigners,
                ml(
                    vec![monitor.id.clone()],
                    "BR",
                    EndUserType::GovernmentLawEnforcement,
                ),
                vec![Condition::QuantityLimit { max: 2 }],
            )
            .await?;
        let number = self
            .case_record(&officer, &used_up)
            .await?
            .body
            .licence_issued
            .map(|l| l.number)
            .ok_or_else(|| crate::AppError::Internal("the demo licence was not issued".into()))?;
        self.record_shipment(
            &exporter,
            &number,
            crate::shipments::NewShipment {
                declaration_reference: "DEMO-26-000001".into(),
                shipped_on: self.today(),
                quantity: 2,
                value: Money {
                    amount: "80000.00".into(),
                    currency: "EUR".into(),
                },
            },
        )
        .await?;
        // Issue 12: final advice being drafted, and final advice awaiting its countersignatures (an
        // intelligence end user in a tier 3 destination, Mexico: two, the second by the senior officer).
        let drafting = self
            .demo_advised(
                &exporter,
                &officer,
                &principals[2..6],
                ml(
                    vec![monitor.id.clone()],
                    "FR",
                    EndUserType::GovernmentLawEnforcement,
                ),
            )
            .await?;
        self.draft_final_advice(
            &officer,
            &drafting,
            FinalAdviceBody {
                outcome: FinalOutcome::Approve,
                reason: "advice favourable; reporting condition drafted (demo)".into(),
                conditions: vec![Condition::ReportingObligation {
                    every_months: 6,
                    text: "report deployments".into(),
                    attestations: vec![],
                    max_targets: None,
                }],
                criteria: vec![],
                entities: vec![],
                expected_version: None,
            },
        )
        .await?;
        let to_countersign = self
            .demo_advised(
                &exporter,
                &officer,
                &principals[2..6],
                ml(
                    vec![monitor.id.clone()],
                    "MX",
                    EndUserType::GovernmentIntelligence,
                ),
            )
            .await?;
        self.draft_final_advice(
            &officer,
            &to_countersign,
            FinalAdviceBody {
                outcome: FinalOutcome::Refuse,
                reason: "risk of use for internal repression (demo)".into(),
                conditions: vec![],
                criteria: vec![domain::RefusalCriterion::C2],
                entities: vec![],
                expected_version: None,
            },
        )
        .await?;
        self.submit_final_advice(&officer, &to_countersign, ActionBody::default())
            .await?;
        // Issue 12: a case returned to the exporter for editing, and one the policy finds not controlled,
        // concluded "no licence required" straight from review.
        let returned = self
            .create_application(
                &exporter,
                ml(
                    vec![forensic.id.clone()],
                    "CA",
                    EndUserType::GovernmentLawEnforcement,
                ),
            )
            .await?;
        self.submit_application(&exporter, returned.id(), ActionBody::default())
            .await?;
        let assign = || AssignBody {
            officer_id: None,
            expected_version: None,
        };
        self.assign(&officer, returned.id(), assign()).await?;
        self.return_for_editing(
            &officer,
            returned.id(),
            ActionBody {
                expected_version: None,
                reason: Some("name the end user's unit, not only the agency (demo)".into()),
            },
        )
        .await?;
        let router = self
            .create_product(
                &exporter,
                NewProduct {
                    name: "Office Router (demo)".into(),
                    version: "2.4".into(),
                    description:
                        "Small-office router without monitoring functions (illustrative record)"
                            .into(),
                    control_entries: vec![],
                    capability_tags: vec!["network".into()],
                },
            )
            .await?;
        self.classify_product(
            &defence,
            &router.id,
            ClassifyProduct {
                control_entries: vec![],
                security_grade: SecurityGrade::Unclassified,
                note: Some("no control entry applies (demo)".into()),
            },
        )
        .await?;
        let nlr = self
            .create_application(
                &exporter,
                ml(
                    vec![router.id.clone()],
                    "DE",
                    EndUserType::GovernmentLawEnforcement,
                ),
            )
            .await?;
        self.submit_application(&exporter, nlr.id(), ActionBody::default())
            .await?;
        self.assign(&officer, nlr.id(), assign()).await?;
        self.conclude_no_licence_required(
            &officer,
            nlr.id(),
            ActionBody {
                expected_version: None,
                reason: Some("not controlled: no control entry applies (demo)".into()),
            },
        )
        .await?;
        // Issue 12: a partial decision — two products to France and Germany; the forensic tool needs no licence
        // (the letter), Germany is refused, the monitor is licensed to France.
        let mut both = ml(
            vec![monitor.id.clone(), forensic.id.clone()],
            "FR",
            EndUserType::GovernmentLawEnforcement,
        );
        if let Some(m) = both.marketing.as_mut() {
            m.destinations.push(cc("DE"));
            m.end_users.push(EndUser {
                name: "Federal Criminal Police (demo)".into(),
                end_user_type: EndUserType::GovernmentLawEnforcement,
                country: Some(cc("DE")),
            });
        }
        let partial = self
            .demo_advised(&exporter, &officer, &principals[2..6], both)
            .await?;
        self.decide_countersigned(
            &officer,
            &countersigners,
            &partial,
            FinalAdviceBody {
                outcome: FinalOutcome::Approve,
                reason:
                    "licensed to France; Germany refused; the forensic tool needs no licence (demo)"
                        .into(),
                conditions: vec![],
                criteria: vec![],
                entities: vec![
                    crate::partial::FinalEntityAdvice {
                        target: crate::model::AdviceTarget::Product {
                            id: forensic.id.clone(),
                        },
                        outcome: FinalOutcome::NoLicenceRequired,
                        criteria: vec![],
                    },
                    crate::partial::FinalEntityAdvice {
                        target: crate::model::AdviceTarget::Destination {
                            country: "DE".into(),
                        },
                        outcome: FinalOutcome::Refuse,
                        criteria: vec![domain::RefusalCriterion::C7],
                    },
                ],
                expected_version: None,
            },
        )
        .await?;
        self.issue(&officer, &partial, ActionBody::default())
            .await?;
        // Issue 12: a licence varied (a second product added), its variation issued: the original is
        // superseded.
        let varied = self
            .demo_issue(
                &exporter,
                &officer,
                &principals[2..6],
                &countersigners,
                ml(
                    vec![monitor.id.clone()],
                    "FR",
                    EndUserType::GovernmentLawEnforcement,
                ),
                vec![],
            )
            .await?;
        let variation = self
            .create_variation(
                &exporter,
                &varied,
                NewVariation {
                    marketing: ml(
                        vec![monitor.id.clone(), forensic.id.clone()],
                        "FR",
                        EndUserType::GovernmentLawEnforcement,
                    )
                    .marketing,
                    export: None,
                    reason: "add the forensic extractor to the same licence (demo)".into(),
                },
            )
            .await?;
        self.demo_advise_draft(&exporter, &officer, &principals[2..6], variation.id())
            .await?;
        self.demo_approve_and_issue(&officer, &countersigners, variation.id(), vec![])
            .await?;
        // A decision history from 2017 to today, for the statistics page.
        let mut products = vec![forensic.id.clone(), monitor.id.clone()];
        for (name, entry, grade) in [
            ("Intrusion Platform (demo)", "4A005", SecurityGrade::Secret),
            (
                "Exploit Framework (demo)",
                "4D004",
                SecurityGrade::Confidential,
            ),
            (
                "Lawful Intercept Suite (demo)",
                "5D001.e",
                SecurityGrade::Confidential,
            ),
        ] {
            let p = self
                .create_product(
                    &exporter,
                    NewProduct {
                        name: name.into(),
                        version: "1.0".into(),
                        description: "Illustrative record for the demo history".into(),
                        control_entries: vec![entry.into()],
                        capability_tags: vec![],
                    },
                )
                .await?;
            self.classify_product(
                &defence,
                &p.id,
                ClassifyProduct {
                    control_entries: p.claimed_control_entries.clone(),
                    security_grade: grade,
                    note: Some("confirmed (demo)".into()),
                },
            )
            .await?;
            products.push(p.id);
        }
        let cast = crate::demo_history::HistoryCast {
            exporter: exporter.clone(),
            officer: officer.clone(),
            advisers: principals[2..6].to_vec(),
            countersigners: countersigners.clone(),
            products,
        };
        for u in &tokens {
            self.set_password(&admin, &u.username, &u.password).await?;
        }
        Ok((tokens, cast))
    }

    /// Takes a new marketing application through submission, assignment, every required advice (favourable),
    /// approval with a reporting condition and `limits`, and issue. Returns the case id. `advisers` are the human-rights,
    /// defence, foreign-affairs and economy-cyber advisers, in that order.
    async fn demo_issue(
        &self,
        exporter: &Principal,
        officer: &Principal,
        advisers: &[Principal],
        countersigners: &[Principal],
        application: NewApplication,
        limits: Vec<Condition>,
    ) -> AppResult<String> {
        let id = self
            .demo_advised(exporter, officer, advisers, application)
            .await?;
        self.demo_approve_and_issue(officer, countersigners, &id, limits)
            .await?;
        Ok(id)
    }

    /// Approves advised case `id` as countersigned, with a reporting condition and `limits`, and issues it.
    async fn demo_approve_and_issue(
        &self,
        officer: &Principal,
        countersigners: &[Principal],
        id: &str,
        limits: Vec<Condition>,
    ) -> AppResult<()> {
        let id = id.to_string();
        self.decide_countersigned(
            officer,
            countersigners,
            &id,
            FinalAdviceBody {
                outcome: FinalOutcome::Approve,
                reason: "advice favourable (demo)".into(),
                conditions: [Condition::ReportingObligation {
                    every_months: 6,
                    text: "report deployments".into(),
                    attestations: vec![],
                    max_targets: None,
                }]
                .into_iter()
                .chain(limits)
                .collect(),
                criteria: vec![],
                entities: vec![],
                expected_version: None,
            },
        )
        .await?;
        self.issue(officer, &id, ActionBody::default()).await?;
        Ok(())
    }

    /// Takes a new marketing application through submission, assignment and every required advice
    /// (favourable): ready for final advice. Returns the case id.
    async fn demo_advised(
        &self,
        exporter: &Principal,
        officer: &Principal,
        advisers: &[Principal],
        application: NewApplication,
    ) -> AppResult<String> {
        let iss = self.create_application(exporter, application).await?;
        self.demo_advise_draft(exporter, officer, advisers, iss.id())
            .await?;
        Ok(iss.id().to_string())
    }

    /// Takes draft `id` through submission, assignment and every required advice (favourable).
    async fn demo_advise_draft(
        &self,
        exporter: &Principal,
        officer: &Principal,
        advisers: &[Principal],
        id: &str,
    ) -> AppResult<()> {
        let iss = self.application(exporter, id).await?;
        self.submit_application(exporter, iss.id(), ActionBody::default())
            .await?;
        self.assign(
            officer,
            iss.id(),
            AssignBody {
                officer_id: None,
                expected_version: None,
            },
        )
        .await?;
        let case = self.case_view(self.case_record(officer, iss.id()).await?)?;
        for k in &case.body.required_reviews {
            let adviser = match k {
                ReviewKind::HumanRights => &advisers[0],
                ReviewKind::Defence => &advisers[1],
                ReviewKind::ForeignAffairs => &advisers[2],
                ReviewKind::EconomyCyber => &advisers[3],
            };
            let checklist = if *k == ReviewKind::HumanRights {
                DueDiligenceItem::ALL
                    .iter()
                    .map(|i| ChecklistAnswer {
                        item: *i,
                        answer: "reviewed; no concern found (demo)".into(),
                    })
                    .collect()
            } else {
                vec![]
            };
            self.give_advice(
                adviser,
                iss.id(),
                NewAdvice {
                    recommendation: AdviceRecommendation::Approve,
                    criteria: vec![],
                    text: "no objection (demo)".into(),
                    conditions: vec![],
                    checklist,
                    red_flags: vec![],
                    entities: vec![],
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A decision history from 2017 to today, for the statistics page, made through the use cases.
    pub async fn seed_demo_history(
        &self,
        cast: &crate::demo_history::HistoryCast,
    ) -> AppResult<usize> {
        let started = std::time::Instant::now();
        let n = self
            .seed_history(cast, HISTORY_CASES, 2017, crate::today())
            .await?;
        tracing::info!(
            cases = n,
            ms = started.elapsed().as_millis() as u64,
            "demo history seeded"
        );
        Ok(n)
    }
}
