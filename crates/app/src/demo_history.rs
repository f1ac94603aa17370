//! A deterministic decision history for the demo (issue 11): several hundred cases submitted and decided from
//! 2017 to today, across destinations, control entries, end-user types, outcomes and processing times, so that
//! the statistics page means something at once: issued, refused and withdrawn cases, about 3% lapsed (an
//! information request never answered, closed after its deadline) and about a quarter of the refusals nothing
//! blocked overturned on appeal by another officer and issued. Every case goes through the ordinary use cases
//! (create, submit, assign, advice, approve or refuse, issue, withdraw, request information and lapse, appeal
//! and its decision), each run "as of" its own day with
//! [`crate::as_of`], so each is evaluated under the policy in force that day and its decision fact carries
//! that day. Same seed, same history.

use crate::appeals::{AppealBody, AppealDecisionBody};
use crate::final_advice::{FinalAdviceBody, FinalOutcome};
use crate::model::*;
use crate::{App, AppError, AppResult, Principal};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use domain::{
    AdviceRecommendation, CountryCode, DueDiligenceItem, EndUserType, LicenceKind,
    RefusalCriterion, ReviewKind,
};

/// The people the history is made by.
pub struct HistoryCast {
    pub exporter: Principal,
    pub officer: Principal,
    /// One adviser per review kind.
    pub advisers: Vec<Principal>,
    /// Countersigners of final advice, in order: another officer, then a senior officer.
    pub countersigners: Vec<Principal>,
    /// Classified products of the exporter.
    pub products: Vec<String>,
}

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (t, w) in items {
            if x < *w {
                return t;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

const DESTINATIONS: &[(&str, u64)] = &[
    ("DE", 14),
    ("FR", 12),
    ("GB", 10),
    ("US", 10),
    ("NL", 6),
    ("IT", 6),
    ("ES", 5),
    ("JP", 5),
    ("CA", 4),
    ("AU", 4),
    ("MX", 5),
    ("BR", 5),
    ("IN", 4),
    ("SG", 3),
    ("AE", 3),
    ("CO", 2),
    ("KE", 1),
    ("PH", 1),
];
const END_USERS: &[(EndUserType, u64)] = &[
    (EndUserType::GovernmentLawEnforcement, 10),
    (EndUserType::GovernmentIntelligence, 3),
    (EndUserType::GovernmentMilitary, 2),
    (EndUserType::GovernmentOther, 1),
    (EndUserType::Private, 2),
];

/// 10:00 UTC on `d`.
fn at(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).unwrap_or_default())
}

/// The next working day after `d` (weekends skipped).
fn next_working(d: NaiveDate, days: i64) -> NaiveDate {
    let mut x = d;
    let mut left = days;
    while left > 0 {
        x += Duration::days(1);
        if x.weekday().num_days_from_monday() < 5 {
            left -= 1;
        }
    }
    x
}

impl App {
    /// Seeds `n` decided cases between 2017-01-02 and two weeks before `today`. Returns how many were
    /// decided (a case the policy of its day refuses to evaluate is skipped).
    pub async fn seed_history(
        &self,
        cast: &HistoryCast,
        n: usize,
        seed: u64,
        today: NaiveDate,
    ) -> AppResult<usize> {
        let mut rng = Rng(seed);
        // Appeals draw from a stream of their own, so that adding them left every other case as it was.
        let mut appeals = Rng(seed ^ 0xA99E_A15A_A99E_A15A);
        let start = NaiveDate::from_ymd_opt(2017, 1, 2).unwrap_or_default();
        let span = (today - Duration::days(75) - start).num_days().max(1) as u64;
        // Submission days in order, so references and facts follow time.
        let mut days: Vec<i64> = (0..n).map(|_| rng.below(span) as i64).collect();
        days.sort_unstable();
        let mut decided = 0;
        for d in days {
            let submitted = next_working(start + Duration::days(d), 0);
            match self
                .history_case(cast, &mut rng, &mut appeals, submitted, today)
                .await
            {
                Ok(true) => decided += 1,
                Ok(false) => {}
                Err(AppError::Invalid { .. } | AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(decided)
    }

    async fn history_case(
        &self,
        cast: &HistoryCast,
        rng: &mut Rng,
        appeals: &mut Rng,
        day: NaiveDate,
        today: NaiveDate,
    ) -> AppResult<bool> {
        let dest_code: &&str = rng.pick(DESTINATIONS);
        let dest = CountryCode::parse(dest_code).map_err(AppError::Internal)?;
        let product = cast.products[rng.below(cast.products.len() as u64) as usize].clone();
        let eut = *rng.pick(END_USERS);
        let app = NewApplication {
            licence: LicenceKind::Marketing,
            marketing: Some(MarketingDetails {
                products: vec![product],
                destinations: vec![dest.clone()],
                end_users: vec![EndUser {
                    name: "National Police (demo)".into(),
                    end_user_type: eut,
                    country: Some(dest),
                }],
            }),
            export: None,
        };
        let (ex, off) = (&cast.exporter, &cast.officer);
        let case = crate::as_of(at(day), async {
            let c = self.create_application(ex, app).await?;
            self.submit_application(ex, c.id(), ActionBody::default())
                .await
        })
        .await?;
        let id = case.id().to_string();
        let roll = rng.below(100);
        // Processing time in working days: mostly quick, a long tail.
        let wd = match rng.below(10) {
            0..=5 => 2 + rng.below(15),
            6..=8 => 10 + rng.below(25),
            _ => 30 + rng.below(50),
        } as i64;
        if roll < 7 {
            let when = next_working(day, 1 + wd / 3);
            crate::as_of(
                at(when),
                self.withdraw_application(ex, &id, ActionBody::default()),
            )
            .await?;
            return Ok(true);
        }
        let assign_day = next_working(day, 1);
        crate::as_of(
            at(assign_day),
            self.assign(
                off,
                &id,
                AssignBody {
                    officer_id: None,
                    expected_version: None,
                },
            ),
        )
        .await?;
        if (7..10).contains(&roll) {
            // About 3% lapse: the officer asks for information the exporter never gives, and closes the
            // case once the answer is overdue.
            let (asked, officer) = (next_working(assign_day, 1), off);
            crate::as_of(
                at(asked),
                self.request_information(
                    officer,
                    &id,
                    InfoRequestBody {
                        question:
                            "Please provide the end user's signed declaration (demo history)."
                                .into(),
                        expected_version: None,
                    },
                ),
            )
            .await?;
            let due = self.information_deadline(asked).ok_or_else(|| {
                AppError::Internal("the reference policy sets no information deadline".into())
            })?;
            crate::as_of(
                at(next_working(due, 1)),
                self.lapse_case(officer, &id, ActionBody::default()),
            )
            .await?;
            return Ok(true);
        }
        let advice_day = next_working(day, (wd / 2).max(1));
        let required = self
            .case_view(crate::case_store::get(&self.store, &id).await?)?
            .body
            .required_reviews;
        let refuse = roll >= 90;
        for k in &required {
            let adviser = cast
                .advisers
                .iter()
                .find(|a| a.review_kind == Some(*k))
                .ok_or_else(|| AppError::Internal(format!("no {k} adviser")))?;
            let checklist = if *k == ReviewKind::HumanRights {
                DueDiligenceItem::ALL
                    .iter()
                    .map(|i| ChecklistAnswer {
                        item: *i,
                        answer: "reviewed (demo history)".into(),
                    })
                    .collect()
            } else {
                vec![]
            };
            let (recommendation, criteria) = if refuse && *k == ReviewKind::HumanRights {
                (AdviceRecommendation::Refuse, vec![RefusalCriterion::C2])
            } else {
                (AdviceRecommendation::Approve, vec![])
            };
            let advice = NewAdvice {
                recommendation,
                criteria,
                text: "demo history".into(),
                conditions: vec![],
                checklist,
                red_flags: vec![],
                entities: vec![],
            };
            crate::as_of(at(advice_day), self.give_advice(adviser, &id, advice)).await?;
        }
        let decide_day = next_working(day, wd.max(2));
        // What blocks approval is known before the final advice is drafted: such a case is advised to refuse.
        let blocked = !self.approval_blockers(off, &id).await?.is_empty();
        if !refuse && !blocked {
            crate::as_of(
                at(decide_day),
                self.decide_countersigned(
                    off,
                    &cast.countersigners,
                    &id,
                    FinalAdviceBody {
                        outcome: FinalOutcome::Approve,
                        reason: "advice favourable (demo history)".into(),
                        conditions: vec![],
                        criteria: vec![],
                        entities: vec![],
                        expected_version: None,
                    },
                ),
            )
            .await?;
            crate::as_of(
                at(next_working(decide_day, 1)),
                self.issue(off, &id, ActionBody::default()),
            )
            .await?;
            return Ok(true);
        }
        let criteria = match rng.below(4) {
            0 => vec![RefusalCriterion::C2, RefusalCriterion::C7],
            1 => vec![RefusalCriterion::C1],
            2 => vec![RefusalCriterion::C7],
            _ => vec![RefusalCriterion::C2],
        };
        crate::as_of(
            at(decide_day),
            self.decide_countersigned(
                off,
                &cast.countersigners,
                &id,
                FinalAdviceBody {
                    outcome: FinalOutcome::Refuse,
                    reason: "risk of misuse (demo history)".into(),
                    conditions: vec![],
                    criteria,
                    entities: vec![],
                    expected_version: None,
                },
            ),
        )
        .await?;
        // About a quarter of the refusals that nothing blocked are appealed and overturned by another officer,
        // who then issues the licence (`issued-on-appeal`). A blocked refusal could not be overturned (the
        // approval checks apply), and a history stays in the past.
        if !blocked && appeals.below(4) == 0 {
            let (filed, reviewed) = (
                next_working(decide_day, 5),
                next_working(decide_day, 15 + appeals.below(20) as i64),
            );
            let issued = next_working(reviewed, 1);
            if issued >= today {
                return Ok(true);
            }
            let reviewer = cast
                .countersigners
                .first()
                .ok_or_else(|| AppError::Internal("no second officer".into()))?;
            crate::as_of(
                at(filed),
                self.file_appeal(
                    ex,
                    &id,
                    AppealBody {
                        grounds:
                            "The end user has since accepted independent oversight (demo history)."
                                .into(),
                        documents: vec![],
                        expected_version: None,
                    },
                ),
            )
            .await?;
            crate::as_of(
                at(reviewed),
                self.decide_appeal(
                    reviewer,
                    &id,
                    AppealDecisionBody {
                        outcome: AppealOutcome::Overturned,
                        reason: "the risk is mitigated by the new safeguards (demo history)".into(),
                        expected_version: None,
                    },
                ),
            )
            .await?;
            crate::as_of(at(issued), self.issue(reviewer, &id, ActionBody::default())).await?;
        }
        Ok(true)
    }
}
