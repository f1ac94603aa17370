//! Evaluation: a [`Request`] and a [`PolicySet`] -> an explained [`Determination`]. Pure: no I/O, no clock.

use crate::condition::{Fact, FactValues};
use crate::model::{Effect, EmbargoKind, Moratorium, MoratoriumItems, PolicySet};
use chrono::NaiveDate;
use domain::{CountryCode, EndUserType, LicenceKind, Outcome, ReviewKind, SecurityGrade};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What to determine: one product (its control entries and grade) to one destination and end user, for one
/// licence kind, as of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The date whose policy applies (a case's submission date; today for a pre-application check).
    pub as_of: NaiveDate,
    pub licence: LicenceKind,
    /// Control-entry codes or aliases; empty when the item is not listed.
    #[serde(default)]
    pub control_entries: Vec<String>,
    pub security_grade: SecurityGrade,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub end_user_type: EndUserType,
    /// The authority notified a catch-all (human-rights) concern for a non-listed item.
    #[serde(default)]
    pub catch_all_notified: bool,
    /// The application matches a denial in force (see docs/denials.md); false when not known (a
    /// pre-application check, or a request stored before this fact existed).
    #[serde(default)]
    pub denial_match: bool,
    /// The authority holds evidence of misuse by the end user in the destination (docs/monitoring.md); false
    /// when not known (a pre-application check, or a request stored before this fact existed).
    #[serde(default)]
    pub evidence_of_misuse: bool,
}

/// The result of evaluating policy for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Determination {
    pub outcome: Outcome,
    /// Required reviews, in the order of the review kinds; empty unless `licence-required`.
    pub required_reviews: Vec<ReviewKind>,
    /// Required documents, in rule order; empty unless `licence-required`.
    pub required_documents: Vec<String>,
    /// Time target; `None` unless `licence-required`.
    pub target_working_days: Option<u32>,
    /// The version string of the policy used.
    pub policy_version: String,
    /// The licensing regime the item falls under on the as-of date (the policy's `[[regime]]` id, e.g.
    /// `defence` or `dual-use`); `None` when nothing controls the item or the policy declares no regimes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// Whether the item's regime has a marketing step: marketing needs a marketing licence (or its exemption)
    /// and an export application must cite one. False when nothing controls the item; true for a controlled
    /// item under a policy that declares no regimes (the two-step flow).
    #[serde(default = "yes")]
    pub marketing_step: bool,
    /// Every rule that fired, in evaluation order.
    pub rules: Vec<FiredRule>,
}

fn yes() -> bool {
    true
}

/// A rule that fired, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FiredRule {
    pub id: String,
    pub version: u32,
    pub effect: Effect,
    /// The rule's reason followed by the facts its condition used, with their values and sources.
    pub reason: String,
}

/// Why a request could not be evaluated. Each message starts with the request field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("as_of: {as_of} is before the policy's effective date {effective_from}")]
    BeforePolicy {
        as_of: NaiveDate,
        effective_from: NaiveDate,
    },
    #[error("destination: {0:?} is not a known ISO 3166-1 alpha-2 country")]
    UnknownCountry(String),
    #[error("control_entries: {0:?} is not a known control entry")]
    UnknownControlEntry(String),
    #[error("destination: {country} has no assessment in force on {as_of}")]
    NoAssessment { country: String, as_of: NaiveDate },
    #[error("policy: rule {rule} version {version} could not be evaluated: {message}")]
    Condition {
        rule: String,
        version: u32,
        message: String,
    },
    #[error("policy: no outcome rule applies to this request on {0}")]
    NoOutcome(NaiveDate),
}

struct Resolved<'a> {
    set: &'a PolicySet,
    req: &'a Request,
    facts: FactValues<'a>,
    embargo: Option<&'a crate::model::Embargo>,
    /// Given entries that are not in force on the as-of date (not controlled yet, or no longer).
    not_in_force: Vec<&'a str>,
    tier_from: Option<NaiveDate>,
    cyber_codes: Vec<&'a str>,
    /// The regime and the entries that put the item under it (empty for a catch-all item).
    regime: Option<&'a crate::model::Regime>,
    regime_codes: Vec<&'a str>,
}

impl Resolved<'_> {
    fn describe(&self, out: &mut String, fact: Fact) {
        let f = &self.facts;
        let dest = f.destination;
        let as_of = self.req.as_of;
        let _ = match fact {
            Fact::Licence => write!(out, "licence={}", f.licence),
            Fact::SecurityGrade => write!(out, "security_grade={}", f.security_grade),
            Fact::EndUserType => write!(out, "end_user_type={}", f.end_user_type),
            Fact::GovernmentEndUser => {
                write!(
                    out,
                    "government_end_user={} ({})",
                    f.end_user_type.is_government(),
                    f.end_user_type
                )
            }
            Fact::Destination => write!(out, "destination={dest}"),
            Fact::Tier => match self.tier_from {
                Some(d) => write!(out, "tier={} ({dest} assessment from {d})", f.tier),
                None => write!(out, "tier={} ({dest})", f.tier),
            },
            Fact::Embargoed => match self.embargo.filter(|e| e.kind == EmbargoKind::Full) {
                Some(e) => write!(
                    out,
                    "embargoed=true ({dest}: {}, from {})",
                    e.source.document, e.effective_from
                ),
                None => write!(out, "embargoed=false ({dest} on {as_of})"),
            },
            Fact::PartialEmbargo => match self.embargo.filter(|e| e.kind == EmbargoKind::Partial) {
                Some(e) => write!(
                    out,
                    "partial_embargo=true ({dest}: {}, from {}, on {})",
                    e.source.document,
                    e.effective_from,
                    e.applies_to.as_deref().unwrap_or("named groups")
                ),
                None => write!(out, "partial_embargo=false ({dest} on {as_of})"),
            },
            Fact::Wassenaar => write!(out, "wassenaar={} ({dest} on {as_of})", f.wassenaar),
            Fact::Listed => {
                if f.listed {
                    write!(out, "listed=true ({})", f.control_entries.join(", "))
                } else if self.not_in_force.is_empty() {
                    write!(out, "listed=false (no control entry)")
                } else {
                    write!(
                        out,
                        "listed=false ({} not in force on {as_of})",
                        self.not_in_force.join(", ")
                    )
                }
            }
            Fact::CyberSurveillance => {
                if f.cyber_surveillance {
                    write!(
                        out,
                        "cyber_surveillance=true ({})",
                        self.cyber_codes.join(", ")
                    )
                } else if f.listed {
                    write!(
                        out,
                        "cyber_surveillance=false ({})",
                        f.control_entries.join(", ")
                    )
                } else {
                    write!(out, "cyber_surveillance=false")
                }
            }
            Fact::CatchAllNotified => write!(out, "catch_all_notified={}", f.catch_all_notified),
            Fact::DenialMatch => write!(out, "denial_match={}", f.denial_match),
            Fact::EvidenceOfMisuse => write!(out, "evidence_of_misuse={}", f.evidence_of_misuse),
            Fact::ControlEntries => {
                write!(out, "control_entries=[{}]", f.control_entries.join(", "))
            }
            Fact::Regime => match self.regime {
                Some(r) if self.regime_codes.is_empty() => {
                    write!(out, "regime={} (catch-all notification; {})", r.id, r.title)
                }
                Some(r) => write!(
                    out,
                    "regime={} ({}; {})",
                    r.id,
                    self.regime_codes.join(", "),
                    r.title
                ),
                None => write!(out, "regime={}", f.regime),
            },
            Fact::RedFlag => write!(out, "red_flag={}", f.red_flag),
            Fact::RefusalAdvised => write!(out, "refusal_advised={}", f.refusal_advised),
        };
    }

    /// Whether moratorium `m` covers this request (its period is checked by the caller).
    fn covered_by(&self, m: &Moratorium) -> bool {
        let f = &self.facts;
        let items = match &m.items {
            MoratoriumItems::AllCyberSurveillance => f.cyber_surveillance || f.catch_all_notified,
            MoratoriumItems::Entries(codes) => f
                .control_entries
                .iter()
                .any(|c| codes.iter().any(|m| m.as_str() == *c)),
        };
        items
            && m.destinations
                .as_ref()
                .is_none_or(|d| d.iter().any(|d| d.as_str() == f.destination))
            && m.end_user_types
                .as_ref()
                .is_none_or(|t| t.contains(&f.end_user_type))
    }

    /// "moratorium M (title) from DATE: reason (what it covers, and this request's facts)".
    fn moratorium_reason(&self, m: &Moratorium) -> String {
        let mut out = format!("moratorium {}", m.id);
        if let Some(t) = &m.title {
            let _ = write!(out, " ({t})");
        }
        let _ = write!(out, " from {}: {} (", m.effective_from, m.reason);
        match &m.items {
            MoratoriumItems::AllCyberSurveillance => {
                out.push_str("all cyber-surveillance items: ");
                if self.facts.cyber_surveillance {
                    self.describe(&mut out, Fact::CyberSurveillance);
                } else {
                    self.describe(&mut out, Fact::CatchAllNotified);
                }
            }
            MoratoriumItems::Entries(codes) => {
                let _ = write!(out, "items {}: ", codes.join(", "));
                self.describe(&mut out, Fact::ControlEntries);
            }
        }
        out.push_str("; ");
        if m.destinations.is_none() {
            out.push_str("all destinations: ");
        }
        self.describe(&mut out, Fact::Destination);
        out.push_str("; ");
        if m.end_user_types.is_none() {
            out.push_str("all end users: ");
        }
        self.describe(&mut out, Fact::EndUserType);
        out.push(')');
        out
    }

    fn reason(&self, text: &str, facts: &[Fact]) -> String {
        let mut out = String::with_capacity(text.len() + 48 * facts.len() + 4);
        out.push_str(text);
        if !facts.is_empty() {
            out.push_str(" (");
            for (i, fact) in facts.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                self.describe(&mut out, *fact);
            }
            out.push(')');
        }
        out
    }
}

/// Evaluates `request` under `set` as of `request.as_of`.
///
/// Outcome rules are tried in order and the first whose condition holds decides; only for
/// `licence-required` are review, document and target rules then applied.
pub fn evaluate(request: &Request, set: &PolicySet) -> Result<Determination, EvalError> {
    with_resolved(request, set, AdviceFacts::default(), decide)
}

/// What the advice on a case says, for the countersigning rules (facts `red_flag`, `refusal_advised`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdviceFacts {
    /// A human-rights adviser marked a red flag.
    pub red_flag: bool,
    /// An adviser recommended refusal.
    pub refusal_advised: bool,
}

/// The countersignatures final advice needs: the largest count of the countersigning rules that hold for any
/// of the case's requests, the last by a senior officer when any rule that fired says so; every rule that
/// fired, with its reason. No rule holding: none needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Countersigning {
    pub count: u8,
    pub senior: bool,
    pub policy_version: String,
    pub rules: Vec<FiredRule>,
}

/// Evaluates the countersigning rules (effect `countersignatures`) in force on each request's `as_of` for
/// every request of a case (its products x destinations x end users), with what the advice says.
pub fn countersigning(
    requests: &[Request],
    advice: AdviceFacts,
    set: &PolicySet,
) -> Result<Countersigning, EvalError> {
    let mut out = Countersigning {
        count: 0,
        senior: false,
        policy_version: set.version.clone(),
        rules: Vec::new(),
    };
    for request in requests {
        with_resolved(request, set, advice, |r| {
            for rule in &set.rules {
                let Effect::Countersignatures(c) = rule.effect else {
                    continue;
                };
                let Some(v) = rule.version_on(r.req.as_of) else {
                    continue;
                };
                let holds = v.condition.holds(&r.facts, &set.env).map_err(|message| {
                    EvalError::Condition {
                        rule: rule.id.clone(),
                        version: v.version,
                        message,
                    }
                })?;
                if !holds || out.rules.iter().any(|f| f.id == rule.id) {
                    continue;
                }
                out.count = out.count.max(c.count);
                out.senior |= c.senior;
                out.rules.push(FiredRule {
                    id: rule.id.clone(),
                    version: v.version,
                    effect: rule.effect.clone(),
                    reason: r.reason(&v.reason, v.condition.facts()),
                });
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Resolves the facts of `request` under `set` and hands them to `then`.
fn with_resolved<T>(
    request: &Request,
    set: &PolicySet,
    advice: AdviceFacts,
    then: impl FnOnce(&Resolved<'_>) -> Result<T, EvalError>,
) -> Result<T, EvalError> {
    let as_of = request.as_of;
    if as_of < set.effective_from {
        return Err(EvalError::BeforePolicy {
            as_of,
            effective_from: set.effective_from,
        });
    }
    let destination = request.destination.as_str();
    let ci = set
        .country_index(destination)
        .ok_or_else(|| EvalError::UnknownCountry(destination.to_string()))?;
    let mut codes: Vec<&str> = Vec::with_capacity(request.control_entries.len());
    let mut cyber_codes: Vec<&str> = Vec::new();
    let mut not_in_force: Vec<&str> = Vec::new();
    // The regime of the item: of the entries in force, the one declared first (the regimes are in order of
    // precedence); for a non-listed item made controlled by a catch-all notification, the catch-all regime.
    let mut regime_index: Option<usize> = None;
    for code in &request.control_entries {
        let index = set
            .entry_index(code)
            .ok_or_else(|| EvalError::UnknownControlEntry(code.clone()))?;
        let entry = set
            .entries
            .get(index)
            .ok_or_else(|| EvalError::UnknownControlEntry(code.clone()))?;
        // An entry added to the control list after the as-of date (or removed before it) did not control
        // the item on that day: it counts as not listed, and the reason says so.
        let Some(version) = entry.version_on(as_of) else {
            if !not_in_force.contains(&entry.code.as_str()) {
                not_in_force.push(&entry.code);
            }
            continue;
        };
        if let Some(Some(ri)) = set.entry_regime.get(index) {
            regime_index = Some(regime_index.map_or(*ri, |x: usize| x.min(*ri)));
        }
        if !codes.contains(&entry.code.as_str()) {
            codes.push(&entry.code);
            if version.cyber_surveillance {
                cyber_codes.push(&entry.code);
            }
        }
    }
    let assessment = set
        .assessment_at(ci, as_of)
        .ok_or_else(|| EvalError::NoAssessment {
            country: destination.to_string(),
            as_of,
        })?;
    let own_assessment = set
        .assessments
        .get(ci)
        .is_some_and(|v| v.iter().any(|a| std::ptr::eq(a, assessment)));
    if codes.is_empty() && request.catch_all_notified {
        regime_index = set.regimes.iter().position(|r| r.catch_all);
    }
    let regime = regime_index.and_then(|i| set.regimes.get(i));
    let regime_codes: Vec<&str> = match regime_index {
        Some(ri) if !codes.is_empty() => codes
            .iter()
            .copied()
            .filter(|c| {
                set.entry_index(c)
                    .and_then(|i| set.entry_regime.get(i).copied().flatten())
                    == Some(ri)
            })
            .collect(),
        _ => Vec::new(),
    };
    let embargo = set.embargo_at(ci, as_of);
    let resolved = Resolved {
        set,
        req: request,
        facts: FactValues {
            licence: request.licence,
            security_grade: request.security_grade,
            end_user_type: request.end_user_type,
            destination_index: ci,
            destination,
            tier: assessment.tier,
            embargoed: embargo.is_some_and(|e| e.kind == EmbargoKind::Full),
            partial_embargo: embargo.is_some_and(|e| e.kind == EmbargoKind::Partial),
            wassenaar: set.wassenaar_at(ci, as_of),
            listed: !codes.is_empty(),
            cyber_surveillance: !cyber_codes.is_empty(),
            catch_all_notified: request.catch_all_notified,
            denial_match: request.denial_match,
            evidence_of_misuse: request.evidence_of_misuse,
            control_entries: &codes,
            regime_index: regime_index.map_or(0, |i| i + 1),
            regime: regime.map_or(crate::load::NO_REGIME, |r| r.id.as_str()),
            red_flag: advice.red_flag,
            refusal_advised: advice.refusal_advised,
        },
        embargo,
        not_in_force,
        tier_from: own_assessment.then_some(assessment.effective_from),
        cyber_codes,
        regime,
        regime_codes,
    };
    then(&resolved)
}

fn decide(r: &Resolved<'_>) -> Result<Determination, EvalError> {
    let set = r.set;
    let as_of = r.req.as_of;
    let mut fired = Vec::new();
    let mut outcome = None;
    // A moratorium in force that covers the request decides before any rule: `prohibited`, naming it.
    if let Some(m) = set
        .moratoria
        .iter()
        .find(|m| m.in_force_on(as_of) && r.covered_by(m))
    {
        fired.push(FiredRule {
            id: format!("moratorium:{}", m.id),
            version: 1,
            effect: Effect::Outcome(Outcome::Prohibited),
            reason: r.moratorium_reason(m),
        });
        outcome = Some(Outcome::Prohibited);
    }
    let outcome_rules: &[crate::model::Rule] = if outcome.is_some() { &[] } else { &set.rules };
    for rule in outcome_rules {
        let Effect::Outcome(o) = rule.effect else {
            continue;
        };
        let Some(v) = rule.version_on(as_of) else {
            continue;
        };
        let holds =
            v.condition
                .holds(&r.facts, &set.env)
                .map_err(|message| EvalError::Condition {
                    rule: rule.id.clone(),
                    version: v.version,
                    message,
                })?;
        if holds {
            fired.push(FiredRule {
                id: rule.id.clone(),
                version: v.version,
                effect: rule.effect.clone(),
                reason: r.reason(&v.reason, v.condition.facts()),
            });
            outcome = Some(o);
            break;
        }
    }
    let outcome = outcome.ok_or(EvalError::NoOutcome(as_of))?;
    let mut reviews = BTreeSet::new();
    let mut documents: Vec<String> = Vec::new();
    let mut target: Option<u32> = None;
    if outcome == Outcome::LicenceRequired {
        for rule in &set.rules {
            if matches!(
                rule.effect,
                Effect::Outcome(_) | Effect::Countersignatures(_)
            ) {
                continue;
            }
            let Some(v) = rule.version_on(as_of) else {
                continue;
            };
            let holds =
                v.condition
                    .holds(&r.facts, &set.env)
                    .map_err(|message| EvalError::Condition {
                        rule: rule.id.clone(),
                        version: v.version,
                        message,
                    })?;
            if !holds {
                continue;
            }
            match &rule.effect {
                Effect::Review(k) => {
                    reviews.insert(*k);
                }
                Effect::Document(d) => {
                    if !documents.contains(d) {
                        documents.push(d.clone());
                    }
                }
                Effect::TargetWorkingDays(n) => target = Some(target.map_or(*n, |t| t.max(*n))),
                Effect::Outcome(_) | Effect::Countersignatures(_) => {}
            }
            fired.push(FiredRule {
                id: rule.id.clone(),
                version: v.version,
                effect: rule.effect.clone(),
                reason: r.reason(&v.reason, v.condition.facts()),
            });
        }
    }
    let controlled = r.facts.listed || r.facts.catch_all_notified;
    Ok(Determination {
        outcome,
        required_reviews: reviews.into_iter().collect(),
        required_documents: documents,
        target_working_days: target,
        policy_version: set.version.clone(),
        regime: r.regime.map(|x| x.id.clone()),
        marketing_step: match r.regime {
            Some(x) => x.marketing_licence,
            None => controlled && set.regimes.is_empty(),
        },
        rules: fired,
    })
}
