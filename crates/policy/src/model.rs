//! The loaded, checked policy: [`PolicySet`] and the reference data and rules it holds, with the lookups
//! the service needs (control entries by code or alias, countries, assessments, embargoes as of a date).

use crate::condition::Condition;
use crate::date::in_period;
use chrono::NaiveDate;
use domain::workdays::Calendar;
use domain::{Outcome, ReviewKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Where an item of reference data comes from: the document, the article, paragraph or resolution in it, the
/// document's date and where to read it. `illustrative` is set when the figure is not the real one (the real
/// one is not public) and says why; docs/policy.md lists those items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    pub document: String,
    pub article: String,
    pub date: NaiveDate,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illustrative: Option<String>,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {} ({})", self.document, self.article, self.date)?;
        if self.illustrative.is_some() {
            write!(f, " [illustrative]")?;
        }
        Ok(())
    }
}

/// An ISO 3166-1 alpha-2 country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// Upper-case alpha-2 code.
    pub code: String,
    /// English short name.
    pub name: String,
}

/// A control-list entry (EU/US code) with its Wassenaar dotted aliases and versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlEntry {
    /// Canonical code, e.g. `4A005`.
    pub code: String,
    /// Aliases, e.g. `4.A.5`.
    pub aliases: Vec<String>,
    /// The control list the entry comes from, in words (e.g. "Wassenaar Arrangement Dual-Use List, Cat. 4").
    pub list: Option<String>,
    /// The id of the licensing regime the entry falls under (a `[[regime]]` of the policy), with its source;
    /// `None` only in a policy that declares no regimes.
    pub regime: Option<String>,
    pub regime_source: Option<Source>,
    /// For a sub-entry (a part of an entry whose cyber-surveillance flag differs from the rest), the
    /// canonical code of the entry it is part of.
    pub parent: Option<String>,
    /// Versions, ordered by effective date, contiguous.
    pub versions: Vec<ControlEntryVersion>,
}

/// One version of a control entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlEntryVersion {
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    pub title: String,
    /// A cyber-surveillance item (EU 2021/821 Art. 2(20)).
    pub cyber_surveillance: bool,
    /// Where the entry's wording and effective date come from.
    pub source: Source,
    /// Where the cyber-surveillance flag comes from.
    pub flag_source: Source,
}

impl ControlEntry {
    /// The version in force on `day`.
    pub fn version_on(&self, day: NaiveDate) -> Option<&ControlEntryVersion> {
        self.versions
            .iter()
            .find(|v| in_period(day, v.effective_from, v.effective_through))
    }

    /// Whether the latest version marks the entry as a cyber-surveillance item.
    pub fn is_cyber_surveillance(&self) -> bool {
        self.versions.last().is_some_and(|v| v.cyber_surveillance)
    }

    /// Title of the latest version.
    pub fn title(&self) -> &str {
        self.versions.last().map_or("", |v| v.title.as_str())
    }
}

/// A licensing regime (`[[regime]]`): which steps an item controlled under it goes through. In the reference
/// policy, as in Israel: `defence` (Defense Export Control Law 2007: marketing licence, then export licence)
/// and `dual-use` (the economy ministry's dual-use order: export licence only). Regimes are declared in order
/// of precedence: an item whose entries fall under several is under the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regime {
    pub id: String,
    pub title: String,
    /// Marketing abroad needs a marketing licence (or a marketing-licence exemption), and an export
    /// application must cite one.
    pub marketing_licence: bool,
    /// A non-listed item made controlled by a catch-all notification falls under this regime (at most one
    /// regime says so).
    pub catch_all: bool,
    pub source: Source,
}

/// One version of a country assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    /// 1 (least concern) to 4 (most).
    pub tier: u8,
    pub indicators: Vec<String>,
    pub rationale: String,
    pub source: Source,
}

/// What a UN arms embargo covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmbargoKind {
    /// The whole country: every transfer to it is prohibited (fact `embargoed`).
    Full,
    /// Non-government actors or named groups only (fact `partial_embargo`): the reference rules prohibit
    /// transfers to non-government end users and send government end users to a foreign-affairs review.
    Partial,
}

impl std::fmt::Display for EmbargoKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EmbargoKind::Full => "full",
            EmbargoKind::Partial => "partial",
        })
    }
}

/// One UN arms-embargo period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Embargo {
    pub country: String,
    pub kind: EmbargoKind,
    /// Whom a partial embargo covers, in words (e.g. "non-governmental entities and individuals").
    pub applies_to: Option<String>,
    /// The resolution that imposed (or re-shaped) the embargo.
    pub source: Source,
    /// The resolution that lifted or re-shaped it, when the period has an end.
    pub ended_by: Option<Source>,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
}

/// One period of Wassenaar participation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WassenaarParticipation {
    pub country: String,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    pub source: Source,
}

/// What a rule does when its condition holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Decides the outcome (the first outcome rule that holds wins).
    Outcome(Outcome),
    /// Adds a required review (only for `licence-required`).
    Review(ReviewKind),
    /// Adds a required document (only for `licence-required`).
    Document(String),
    /// Sets the time target in working days (only for `licence-required`; the largest wins).
    TargetWorkingDays(u32),
    /// How many countersignatures the final advice on a case needs, and whether the last is by a senior
    /// officer. Evaluated when the officer submits final advice (`countersigning`), with the advice facts; the
    /// largest count wins, and the senior requirement holds when any rule that fired sets it.
    Countersignatures(Countersignatures),
}

/// The countersignatures a rule requires (`effect = { countersignatures = { count = 2, senior = true } }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Countersignatures {
    /// 1 to 5.
    pub count: u8,
    /// The last countersignature is by a senior officer.
    #[serde(default)]
    pub senior: bool,
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Outcome(o) => write!(f, "outcome {o}"),
            Effect::Review(r) => write!(f, "review {r}"),
            Effect::Document(d) => write!(f, "document {d}"),
            Effect::TargetWorkingDays(n) => write!(f, "target {n} working days"),
            Effect::Countersignatures(c) if c.senior => write!(
                f,
                "{} countersignature(s), the last by a senior officer",
                c.count
            ),
            Effect::Countersignatures(c) => write!(f, "{} countersignature(s)", c.count),
        }
    }
}

/// A rule with its versions.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: Option<String>,
    pub effect: Effect,
    /// Versions, ordered by effective date.
    pub versions: Vec<RuleVersion>,
}

/// One version of a rule.
#[derive(Debug)]
pub struct RuleVersion {
    pub version: u32,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    /// The CEL condition as written.
    pub when: String,
    /// Why the rule fires, in words.
    pub reason: String,
    pub(crate) condition: Condition,
}

impl Rule {
    /// The version in force on `day`.
    pub fn version_on(&self, day: NaiveDate) -> Option<&RuleVersion> {
        self.versions
            .iter()
            .find(|v| in_period(day, v.effective_from, v.effective_through))
    }
}

/// What a moratorium covers of the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoratoriumItems {
    /// Every cyber-surveillance item: a control entry flagged `cyber_surveillance` on the day, or an item made
    /// one by a catch-all notification.
    AllCyberSurveillance,
    /// These control entries (canonical codes).
    Entries(Vec<String>),
}

/// A moratorium: a labelled section of the policy (`[[moratorium]]`, docs/policy.md "Moratoria"). While it is
/// in force, every determination it covers is `prohibited` naming it, whatever the rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moratorium {
    pub id: String,
    pub title: Option<String>,
    pub items: MoratoriumItems,
    /// Destinations (alpha-2 codes); `None`: every destination.
    pub destinations: Option<Vec<String>>,
    /// End-user types; `None`: every end user.
    pub end_user_types: Option<Vec<domain::EndUserType>>,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    /// Why, in words: quoted in every determination it decides.
    pub reason: String,
}

impl Moratorium {
    /// Whether the moratorium is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        in_period(day, self.effective_from, self.effective_through)
    }
}

/// A complete, checked policy: reference data plus rules. Build it with [`PolicySet::load_dir`],
/// [`PolicySet::load_files`] or [`crate::reference`].
pub struct PolicySet {
    pub(crate) version: String,
    pub(crate) title: Option<String>,
    pub(crate) effective_from: NaiveDate,
    pub(crate) documents: Vec<String>,
    /// Sorted by code.
    pub(crate) countries: Vec<Country>,
    /// Index into `countries` by `(a-'A')*26 + (b-'A')`; `u16::MAX` when unknown.
    pub(crate) country_slots: Vec<u16>,
    /// Per country index.
    pub(crate) assessments: Vec<Vec<Assessment>>,
    pub(crate) embargoes: Vec<Vec<Embargo>>,
    pub(crate) wassenaar: Vec<Vec<WassenaarParticipation>>,
    pub(crate) default_assessment: Vec<Assessment>,
    pub(crate) entries: Vec<ControlEntry>,
    /// In order of precedence; empty in a policy that declares none.
    pub(crate) regimes: Vec<Regime>,
    /// Per entry, the index of its regime in `regimes`.
    pub(crate) entry_regime: Vec<Option<usize>>,
    /// Upper-cased code or alias -> index into `entries`.
    pub(crate) entry_lookup: HashMap<String, usize>,
    pub(crate) rules: Vec<Rule>,
    /// In file order; the first in force that covers a request decides it.
    pub(crate) moratoria: Vec<Moratorium>,
    pub(crate) env: Arc<cel::Env>,
    /// Working week, time zone and public holidays (Monday to Friday, UTC, none when the policy sets none).
    pub(crate) calendar: Calendar,
    pub(crate) calendar_source: Option<Source>,
    pub(crate) holiday_years: Vec<HolidayYear>,
    /// `[deadlines]` (none when the policy sets none: no information deadline, no appeal window).
    pub(crate) deadlines: Option<Deadlines>,
    pub(crate) vocabulary: Vec<VocabularyItem>,
}

/// Time limits the policy sets on a case (`[deadlines]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadlines {
    /// Working days the exporter has to answer an information request; after it the officer may close the
    /// case as lapsed.
    pub information_response_working_days: u32,
    /// Calendar days after a refusal in which the exporter may appeal.
    pub appeal_calendar_days: u32,
    /// Months a granted marketing-licence exemption stays valid (none: no end).
    pub exemption_validity_months: Option<u32>,
    /// Months from one compliance audit of an exporter to the next, per risk rating (none: the officer
    /// schedules each audit by hand, with no next-due date).
    pub audit_interval_months: Option<AuditIntervals>,
    pub source: Source,
}

/// Months between compliance audits of an exporter, per risk rating (`[deadlines.audit_interval_months]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AuditIntervals {
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

/// The kinds of vocabulary a policy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VocabularyKind {
    RefusalCriterion,
    DueDiligenceItem,
    RedFlag,
}

impl VocabularyKind {
    pub const ALL: &'static [VocabularyKind] = &[
        VocabularyKind::RefusalCriterion,
        VocabularyKind::DueDiligenceItem,
        VocabularyKind::RedFlag,
    ];

    /// The section name, as `policy check` names the kind.
    pub fn name(self) -> &'static str {
        match self {
            VocabularyKind::RefusalCriterion => "refusal_criterion",
            VocabularyKind::DueDiligenceItem => "due_diligence_item",
            VocabularyKind::RedFlag => "red_flag",
        }
    }

    /// The values the API accepts for this kind (the wire values of the domain enums).
    pub fn api_values(self) -> Vec<&'static str> {
        match self {
            VocabularyKind::RefusalCriterion => domain::RefusalCriterion::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
            VocabularyKind::DueDiligenceItem => domain::DueDiligenceItem::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
            VocabularyKind::RedFlag => domain::RedFlag::ALL.iter().map(|v| v.as_str()).collect(),
        }
    }
}

/// One refusal criterion, due-diligence checklist item or red flag, with its period and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VocabularyItem {
    pub kind: VocabularyKind,
    /// The value the API uses, e.g. `criterion-2`.
    pub id: String,
    /// The set it belongs to, e.g. `eu-common-position-2008-944`.
    pub set: String,
    pub title: String,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    pub source: Source,
}

/// One year's public holidays and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolidayYear {
    pub year: i32,
    pub source: Source,
    /// Dates with their names, in date order.
    pub days: Vec<(NaiveDate, String)>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("version", &self.version)
            .field("effective_from", &self.effective_from)
            .field("countries", &self.countries.len())
            .field("entries", &self.entries.len())
            .field("rules", &self.rules.len())
            .field("moratoria", &self.moratoria.len())
            .finish_non_exhaustive()
    }
}

pub(crate) fn country_slot(code: &str) -> Option<usize> {
    let b = code.as_bytes();
    if b.len() != 2 {
        return None;
    }
    let (x, y) = (b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase());
    if !x.is_ascii_uppercase() || !y.is_ascii_uppercase() {
        return None;
    }
    Some(usize::from(x - b'A') * 26 + usize::from(y - b'A'))
}

impl PolicySet {
    /// The policy version string from the manifest, e.g. `reference-2017.1`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The policy's title from the manifest.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The first as-of date the policy can evaluate.
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }

    /// Documents rules may require.
    pub fn documents(&self) -> &[String] {
        &self.documents
    }

    /// A control entry by canonical code or alias, case-insensitively (`4a005`, `4.A.5`).
    pub fn control_entry(&self, code_or_alias: &str) -> Option<&ControlEntry> {
        self.entry_index(code_or_alias)
            .and_then(|i| self.entries.get(i))
    }

    pub(crate) fn entry_index(&self, code_or_alias: &str) -> Option<usize> {
        let t = code_or_alias.trim();
        if t.bytes().any(|b| b.is_ascii_lowercase()) {
            self.entry_lookup.get(&t.to_ascii_uppercase()).copied()
        } else {
            self.entry_lookup.get(t).copied()
        }
    }

    /// Every control entry, in file order.
    pub fn control_entries(&self) -> &[ControlEntry] {
        &self.entries
    }

    /// The licensing regimes, in order of precedence (empty when the policy declares none).
    pub fn regimes(&self) -> &[Regime] {
        &self.regimes
    }

    /// A regime by id.
    pub fn regime(&self, id: &str) -> Option<&Regime> {
        self.regimes.iter().find(|r| r.id == id)
    }

    /// A country by alpha-2 code, case-insensitively.
    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_index(code.trim())
            .and_then(|i| self.countries.get(i))
    }

    pub(crate) fn country_index(&self, code: &str) -> Option<usize> {
        let slot = country_slot(code)?;
        match self.country_slots.get(slot) {
            Some(&i) if i != u16::MAX => Some(usize::from(i)),
            _ => None,
        }
    }

    /// Every country, sorted by code.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The assessment of `country` in force on `day` (the default assessment when it has none).
    pub fn assessment(&self, country: &str, day: NaiveDate) -> Option<&Assessment> {
        self.country_index(country)
            .and_then(|i| self.assessment_at(i, day))
    }

    pub(crate) fn assessment_at(&self, index: usize, day: NaiveDate) -> Option<&Assessment> {
        let own = self.assessments.get(index).map_or(&[][..], Vec::as_slice);
        own.iter()
            .chain(self.default_assessment.iter())
            .find(|a| in_period(day, a.effective_from, a.effective_through))
    }

    /// The UN arms embargo (full or partial) on `country` in force on `day`, if any.
    pub fn embargo(&self, country: &str, day: NaiveDate) -> Option<&Embargo> {
        self.country_index(country)
            .and_then(|i| self.embargo_at(i, day))
    }

    pub(crate) fn embargo_at(&self, index: usize, day: NaiveDate) -> Option<&Embargo> {
        self.embargoes
            .get(index)?
            .iter()
            .find(|e| in_period(day, e.effective_from, e.effective_through))
    }

    /// Whether `country` is a Wassenaar participating state on `day`.
    pub fn is_wassenaar_participant(&self, country: &str, day: NaiveDate) -> bool {
        self.country_index(country)
            .is_some_and(|i| self.wassenaar_at(i, day))
    }

    pub(crate) fn wassenaar_at(&self, index: usize, day: NaiveDate) -> bool {
        self.wassenaar.get(index).is_some_and(|w| {
            w.iter()
                .any(|p| in_period(day, p.effective_from, p.effective_through))
        })
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The moratoria, in file order.
    pub fn moratoria(&self) -> &[Moratorium] {
        &self.moratoria
    }

    /// The authority's working-day calendar: working week, time zone and the public holidays of every year
    /// the policy lists.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Every item of reference data with its source, named as `policy check` names it (`embargo on ER from
    /// 2009-12-23`), in file-section order.
    pub fn provenance(&self) -> Vec<(String, &Source)> {
        let mut out = Vec::new();
        for r in &self.regimes {
            out.push((format!("regime {}", r.id), &r.source));
        }
        for e in &self.entries {
            if let Some(s) = &e.regime_source {
                out.push((format!("control entry {} (regime)", e.code), s));
            }
            for v in &e.versions {
                let what = format!("control entry {} version from {}", e.code, v.effective_from);
                out.push((what.clone(), &v.source));
                out.push((format!("{what} (cyber_surveillance flag)"), &v.flag_source));
            }
        }
        for (c, list) in self.countries.iter().zip(&self.assessments) {
            for a in list {
                out.push((
                    format!("assessment of {} version from {}", c.code, a.effective_from),
                    &a.source,
                ));
            }
        }
        for a in &self.default_assessment {
            out.push((
                format!("default assessment version from {}", a.effective_from),
                &a.source,
            ));
        }
        for e in self.embargoes.iter().flatten() {
            let what = format!("embargo on {} from {}", e.country, e.effective_from);
            out.push((what.clone(), &e.source));
            if let Some(end) = &e.ended_by {
                out.push((format!("{what} (ended_by)"), end));
            }
        }
        for p in self.wassenaar.iter().flatten() {
            out.push((
                format!(
                    "Wassenaar participation of {} from {}",
                    p.country, p.effective_from
                ),
                &p.source,
            ));
        }
        for v in &self.vocabulary {
            out.push((format!("{} {}", v.kind.name(), v.id), &v.source));
        }
        if let Some(s) = &self.calendar_source {
            out.push(("the calendar".to_string(), s));
        }
        for y in &self.holiday_years {
            out.push((format!("holidays of {}", y.year), &y.source));
        }
        out
    }

    /// The vocabulary items of `kind`, in file order.
    pub fn vocabulary(&self, kind: VocabularyKind) -> impl Iterator<Item = &VocabularyItem> {
        self.vocabulary.iter().filter(move |v| v.kind == kind)
    }

    /// Whether `id` may be used as a `kind` on `day`: in force in the vocabulary, or any value when the policy
    /// gives no vocabulary of that kind.
    pub fn vocabulary_allows(&self, kind: VocabularyKind, id: &str, day: NaiveDate) -> bool {
        let mut items = self.vocabulary(kind).peekable();
        if items.peek().is_none() {
            return true;
        }
        items.any(|v| v.id == id && in_period(day, v.effective_from, v.effective_through))
    }

    /// Where the working week and time zone come from (`None` when the policy has no `[calendar]`).
    pub fn calendar_source(&self) -> Option<&Source> {
        self.calendar_source.as_ref()
    }

    /// The public holidays per year with their sources, in year order.
    pub fn holiday_years(&self) -> &[HolidayYear] {
        &self.holiday_years
    }

    /// The deadlines the policy sets, if it sets them.
    pub fn deadlines(&self) -> Option<&Deadlines> {
        self.deadlines.as_ref()
    }
}
