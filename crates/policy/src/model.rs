//! The loaded, checked policy: [`PolicySet`] and the reference data and rules it holds, with the lookups
//! the service needs (control entries by code or alias, countries, assessments, embargoes as of a date).

use crate::condition::Condition;
use crate::date::in_period;
use chrono::NaiveDate;
use domain::{Outcome, ReviewKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

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
    /// The control regime or list the entry belongs to.
    pub regime: Option<String>,
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

/// One version of a country assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
    /// 1 (least concern) to 4 (most).
    pub tier: u8,
    pub indicators: Vec<String>,
    pub rationale: String,
}

/// One UN arms-embargo period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Embargo {
    pub country: String,
    pub source: String,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
}

/// One period of Wassenaar participation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WassenaarParticipation {
    pub country: String,
    pub effective_from: NaiveDate,
    pub effective_through: Option<NaiveDate>,
}

/// What a rule does when its condition holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Outcome(o) => write!(f, "outcome {o}"),
            Effect::Review(r) => write!(f, "review {r}"),
            Effect::Document(d) => write!(f, "document {d}"),
            Effect::TargetWorkingDays(n) => write!(f, "target {n} working days"),
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
    /// Upper-cased code or alias -> index into `entries`.
    pub(crate) entry_lookup: HashMap<String, usize>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) env: Arc<cel::Env>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("version", &self.version)
            .field("effective_from", &self.effective_from)
            .field("countries", &self.countries.len())
            .field("entries", &self.entries.len())
            .field("rules", &self.rules.len())
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

    /// The UN arms embargo on `country` in force on `day`, if any.
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
}
