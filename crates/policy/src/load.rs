//! Loading and checking a policy: TOML files -> [`PolicySet`], or every problem as a [`Diagnostic`] with
//! file, line and reason.
//!
//! A policy is any number of `.toml` files; each may hold any of the top-level sections `policy` (exactly
//! once overall), `country`, `control_entry`, `assessment`, `default_assessment`, `embargo`,
//! `wassenaar_participant` and `rule`. Each array element is parsed on its own so one bad element does not
//! hide the problems of the others; then references, versions and conditions are checked across files.

use crate::condition::{Condition, Fact, Vocabulary};
use crate::date;
use crate::model::{
    country_slot, Assessment, AuditIntervals, ControlEntry, ControlEntryVersion, Country,
    Deadlines, Effect, Embargo, EmbargoKind, HolidayYear, Moratorium, MoratoriumItems, PolicySet,
    Regime, Rule, RuleVersion, Source, VocabularyItem, VocabularyKind, WassenaarParticipation,
};
use chrono::{Datelike, NaiveDate};
use domain::workdays::{parse_time_zone, Calendar, Tz, WorkingWeek};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};
use toml::value::Datetime;
use toml::Spanned;

/// One problem found in a policy, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// File name as given (relative name for a directory).
    pub file: String,
    /// 1-based line; 0 when the problem is not at one place in the file.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The policy has problems; every one is listed.
    #[error("policy has {} problem(s); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Diagnostic>),
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LoadError {
    /// The diagnostics, when the policy is invalid.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            LoadError::Io { .. } => &[],
        }
    }
}

type SDate = Spanned<Datetime>;

/// An effective period `(from, through, byte offset of its start)`.
type Period = (NaiveDate, Option<NaiveDate>, usize);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: Spanned<String>,
    title: Option<String>,
    effective_from: SDate,
    #[serde(default)]
    documents: Vec<Spanned<String>>,
}

/// Provenance of one item: `[<item>.source]` with document, article, date and url (and `illustrative`, saying
/// why, when the figure is not the real one).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    document: Spanned<String>,
    article: Spanned<String>,
    date: SDate,
    url: Spanned<String>,
    illustrative: Option<Spanned<String>>,
}

type OptSource = Option<Spanned<RawSource>>;

/// `[[refusal_criterion]]`, `[[due_diligence_item]]`, `[[red_flag]]`: one vocabulary item.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    id: Spanned<String>,
    set: String,
    title: String,
    effective_from: SDate,
    effective_through: Option<SDate>,
    source: OptSource,
}

/// `[calendar]`: the authority's working week and time zone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    time_zone: Spanned<String>,
    working_days: Spanned<Vec<String>>,
    source: OptSource,
}

/// `[deadlines]`: time limits the policy sets on a case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    information_response_working_days: Spanned<u32>,
    appeal_calendar_days: Spanned<u32>,
    /// Months a granted marketing-licence exemption is valid (optional: without it a grant has no end).
    #[serde(default)]
    exemption_validity_months: Option<Spanned<u32>>,
    /// Months from one compliance audit of an exporter to the next, per risk rating (optional).
    #[serde(default)]
    audit_interval_months: Option<RawAuditIntervals>,
    source: OptSource,
}

/// `[deadlines.audit_interval_months]`: months between compliance audits per risk rating.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuditIntervals {
    high: Spanned<u32>,
    medium: Spanned<u32>,
    low: Spanned<u32>,
}

/// `[[holiday_year]]`: one year's public holidays, with their source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolidayYear {
    year: Spanned<i32>,
    source: OptSource,
    #[serde(default)]
    day: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: SDate,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: Spanned<String>,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    code: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    /// The control list, in words.
    list: Option<String>,
    /// The id of a `[[regime]]`; required (with `regime_source`) when the policy declares regimes.
    regime: Option<Spanned<String>>,
    regime_source: OptSource,
    parent: Option<Spanned<String>>,
    version: Spanned<Vec<RawEntryVersion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntryVersion {
    effective_from: SDate,
    effective_through: Option<SDate>,
    title: String,
    cyber_surveillance: bool,
    source: OptSource,
    flag_source: OptSource,
}

/// `[[regime]]`: a licensing regime and the steps it has.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    id: Spanned<String>,
    title: String,
    marketing_licence: bool,
    #[serde(default)]
    catch_all: bool,
    source: OptSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssessment {
    country: Spanned<String>,
    version: Spanned<Vec<RawAssessmentVersion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaultAssessment {
    version: Spanned<Vec<RawAssessmentVersion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssessmentVersion {
    effective_from: SDate,
    effective_through: Option<SDate>,
    tier: Spanned<i64>,
    #[serde(default)]
    indicators: Vec<String>,
    rationale: String,
    source: OptSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmbargo {
    country: Spanned<String>,
    kind: Spanned<EmbargoKind>,
    applies_to: Option<String>,
    effective_from: SDate,
    effective_through: Option<SDate>,
    source: OptSource,
    ended_by: OptSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParticipant {
    country: Spanned<String>,
    effective_from: SDate,
    effective_through: Option<SDate>,
    source: OptSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: Option<String>,
    effect: Spanned<Effect>,
    version: Spanned<Vec<RawRuleVersion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleVersion {
    version: Spanned<u32>,
    effective_from: SDate,
    effective_through: Option<SDate>,
    when: Spanned<String>,
    reason: String,
}

/// A moratorium's scope as written: a word (`"all"`, `"all-cyber-surveillance"`) or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawScope {
    Word(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoratorium {
    id: Spanned<String>,
    title: Option<String>,
    /// `"all-cyber-surveillance"` or a list of control entries.
    items: Spanned<RawScope>,
    /// `"all"` or a list of alpha-2 codes.
    destinations: Spanned<RawScope>,
    /// `"all"` or a list of end-user types.
    end_user_types: Spanned<RawScope>,
    effective_from: SDate,
    effective_through: Option<SDate>,
    reason: Spanned<String>,
}

/// Something parsed from file number `.0`.
struct At<T>(usize, T);

#[derive(Default)]
struct Raw {
    manifests: Vec<At<RawManifest>>,
    countries: Vec<At<RawCountry>>,
    regimes: Vec<At<RawRegime>>,
    entries: Vec<At<RawEntry>>,
    assessments: Vec<At<RawAssessment>>,
    defaults: Vec<At<RawDefaultAssessment>>,
    embargoes: Vec<At<RawEmbargo>>,
    participants: Vec<At<RawParticipant>>,
    rules: Vec<At<RawRule>>,
    moratoria: Vec<At<RawMoratorium>>,
    calendars: Vec<At<RawCalendar>>,
    deadlines: Vec<At<RawDeadlines>>,
    vocabulary: Vec<(VocabularyKind, At<RawVocabulary>)>,
    holiday_years: Vec<At<RawHolidayYear>>,
}

const SECTIONS: &str = "policy, country, regime, control_entry, assessment, default_assessment, embargo, \
     wassenaar_participant, rule, moratorium, calendar, deadlines, holiday_year, refusal_criterion, due_diligence_item, \
     red_flag";

struct Checker<'a> {
    files: &'a [(String, String)],
    diags: Vec<Diagnostic>,
    /// Some file had TOML syntax errors: whole-policy checks (a missing manifest...) would be noise.
    syntax_errors: bool,
}

impl Checker<'_> {
    fn line(&self, file: usize, offset: usize) -> usize {
        self.files.get(file).map_or(0, |(_, text)| {
            let end = offset.min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        })
    }

    fn at(&mut self, file: usize, offset: usize, message: impl Into<String>) {
        let line = self.line(file, offset);
        let name = self
            .files
            .get(file)
            .map_or_else(String::new, |f| f.0.clone());
        self.diags.push(Diagnostic {
            file: name,
            line,
            message: message.into(),
        });
    }

    fn nowhere(&mut self, file: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: file.to_string(),
            line: 0,
            message: message.into(),
        });
    }

    fn date(&mut self, file: usize, d: &SDate) -> Option<NaiveDate> {
        match date::from_toml(d.get_ref()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.at(file, d.span().start, e);
                None
            }
        }
    }

    fn opt_date(&mut self, file: usize, d: &Option<SDate>) -> Result<Option<NaiveDate>, ()> {
        match d {
            None => Ok(None),
            Some(d) => self.date(file, d).map(Some).ok_or(()),
        }
    }

    /// Checks an item's source: present, every field filled, a web address. `what` names the item and `at` is
    /// where it starts, for the diagnostic when the source is missing. Returns a default on any problem (the
    /// diagnostic then keeps the policy from loading).
    fn source(&mut self, file: usize, at: usize, what: &str, src: &OptSource) -> Source {
        let Some(src) = src else {
            self.at(
                file,
                at,
                format!("{what} has no source: give document, article, date and url (see docs/policy.md, Provenance)"),
            );
            return Source::default();
        };
        let r = src.get_ref();
        for (field, value) in [
            ("document", &r.document),
            ("article", &r.article),
            ("url", &r.url),
        ] {
            if value.get_ref().trim().is_empty() {
                self.at(
                    file,
                    value.span().start,
                    format!("{what}: source {field} must not be empty"),
                );
            }
        }
        let url = r.url.get_ref().trim();
        if !url.is_empty()
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(char::is_whitespace))
        {
            self.at(
                file,
                r.url.span().start,
                format!("{what}: source url {url:?} is not an http(s) address"),
            );
        }
        if let Some(i) = &r.illustrative {
            if i.get_ref().trim().is_empty() {
                self.at(
                    file,
                    i.span().start,
                    format!("{what}: source illustrative must say why the figure is illustrative"),
                );
            }
        }
        let date = self.date(file, &r.date).unwrap_or_default();
        Source {
            document: r.document.get_ref().trim().to_string(),
            article: r.article.get_ref().trim().to_string(),
            date,
            url: url.to_string(),
            illustrative: r
                .illustrative
                .as_ref()
                .map(|i| i.get_ref().trim().to_string()),
        }
    }

    /// Parses one element; records a diagnostic for every field that fails, not only the first: serde stops
    /// at the first error, so the field it points into is taken out and the element parsed again, until it
    /// parses or the error points at no field. Errors that only follow from a field taken out ("missing field
    /// `x`" after `x` was reported) are not reported twice.
    fn element<T: DeserializeOwned>(
        &mut self,
        file: usize,
        mut value: Spanned<DeValue<'_>>,
    ) -> Option<T> {
        let start = value.span().start;
        let mut removed: Vec<String> = Vec::new();
        loop {
            let de = toml::de::ValueDeserializer::from(value.clone());
            let e = match T::deserialize(de) {
                Ok(v) => return removed.is_empty().then_some(v),
                Err(e) => e,
            };
            let message = e.message().trim().to_string();
            if !removed.iter().any(|k| message.contains(&format!("`{k}`"))) {
                self.at(file, e.span().map_or(start, |s| s.start), message);
            }
            let (Some(at), DeValue::Table(table)) = (e.span(), value.get_mut()) else {
                return None;
            };
            let culprit = table
                .iter()
                .find(|(k, v)| {
                    k.span().contains(&at.start)
                        || v.span().contains(&at.start)
                        || (k.span().start <= at.start && at.start < v.span().end)
                })
                .map(|(k, _)| k.get_ref().to_string())?;
            table.remove(culprit.as_str());
            removed.push(culprit);
        }
    }

    fn parse_file(&mut self, file: usize, raw: &mut Raw) {
        let Some((_, text)) = self.files.get(file) else {
            return;
        };
        // The recovering parser reports every syntax error and still returns what it could read.
        let (root, errors) = DeTable::parse_recoverable(text);
        for e in &errors {
            let offset = e.span().map_or(0, |s| s.start);
            self.at(file, offset, format!("TOML syntax: {}", e.message().trim()));
        }
        if !errors.is_empty() {
            self.syntax_errors = true;
        }
        let root = root.into_inner();
        for (key, value) in root {
            let name = key.get_ref().to_string();
            let key_at = key.span().start;
            macro_rules! items {
                ($vec:expr) => {{
                    match value.into_inner() {
                        DeValue::Array(a) => {
                            for item in a {
                                if let Some(v) = self.element(file, item) {
                                    $vec.push(At(file, v));
                                }
                            }
                        }
                        _ => self.at(
                            file,
                            key_at,
                            format!("`{name}` must be an array of tables ([[{name}]])"),
                        ),
                    }
                }};
            }
            match name.as_str() {
                "policy" => {
                    if let Some(v) = self.element(file, value) {
                        raw.manifests.push(At(file, v));
                    }
                }
                "default_assessment" => {
                    if let Some(v) = self.element(file, value) {
                        raw.defaults.push(At(file, v));
                    }
                }
                "calendar" => {
                    if let Some(v) = self.element(file, value) {
                        raw.calendars.push(At(file, v));
                    }
                }
                "deadlines" => {
                    if let Some(v) = self.element(file, value) {
                        raw.deadlines.push(At(file, v));
                    }
                }
                "holiday_year" => items!(raw.holiday_years),
                "refusal_criterion" | "due_diligence_item" | "red_flag" => {
                    let kind = match name.as_str() {
                        "refusal_criterion" => VocabularyKind::RefusalCriterion,
                        "due_diligence_item" => VocabularyKind::DueDiligenceItem,
                        _ => VocabularyKind::RedFlag,
                    };
                    let mut items: Vec<At<RawVocabulary>> = Vec::new();
                    items!(items);
                    raw.vocabulary.extend(items.into_iter().map(|i| (kind, i)));
                }
                "country" => items!(raw.countries),
                "regime" => items!(raw.regimes),
                "control_entry" => items!(raw.entries),
                "assessment" => items!(raw.assessments),
                "embargo" => items!(raw.embargoes),
                "wassenaar_participant" => items!(raw.participants),
                "rule" => items!(raw.rules),
                "moratorium" => items!(raw.moratoria),
                other => self.at(
                    file,
                    key_at,
                    format!("unknown section `{other}`, expected one of: {SECTIONS}"),
                ),
            }
        }
    }

    /// Checks that periods do not overlap and, when `contiguous`, leave no gap. `what` names the item.
    fn periods(&mut self, file: usize, what: &str, items: &mut [Period], contiguous: bool) {
        for (from, through, at) in items.iter() {
            if let Some(t) = through {
                if t < from {
                    self.at(
                        file,
                        *at,
                        format!("{what}: effective_through {t} is before effective_from {from}"),
                    );
                }
            }
        }
        items.sort_by_key(|p| p.0);
        for pair in items.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            match a.1 {
                None => self.at(
                    file,
                    b.2,
                    format!("{what}: version from {} overlaps the open-ended version from {}", b.0, a.0),
                ),
                Some(t) if b.0 <= t => self.at(
                    file,
                    b.2,
                    format!("{what}: version from {} overlaps the version {} to {}", b.0, a.0, t),
                ),
                Some(t) if contiguous && t.succ_opt() != Some(b.0) => self.at(
                    file,
                    b.2,
                    format!(
                        "{what}: gap between the version ending {t} and the version from {} (versions must be contiguous)",
                        b.0
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// The value of the `regime` fact for an item no regime controls.
pub(crate) const NO_REGIME: &str = "none";

fn upper(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

/// Loads and checks a policy from `(file name, content)` pairs.
pub(crate) fn load(files: &[(String, String)]) -> Result<PolicySet, LoadError> {
    let mut c = Checker {
        files,
        diags: Vec::new(),
        syntax_errors: false,
    };
    let mut raw = Raw::default();
    for i in 0..files.len() {
        c.parse_file(i, &mut raw);
    }
    let first_file = files
        .first()
        .map_or("(policy)", |f| f.0.as_str())
        .to_string();

    // Manifest.
    let mut version = String::new();
    let mut title = None;
    let mut effective_from = NaiveDate::MIN;
    let mut documents: Vec<String> = Vec::new();
    match raw.manifests.len() {
        0 if c.syntax_errors => {}
        0 => c.nowhere(&first_file, "no [policy] manifest in any file"),
        n => {
            for extra in raw.manifests.iter().skip(1) {
                c.at(
                    extra.0,
                    extra.1.version.span().start,
                    format!("[policy] given {n} times; give it once"),
                );
            }
            let At(f, m) = &raw.manifests[0];
            if m.version.get_ref().trim().is_empty() {
                c.at(
                    *f,
                    m.version.span().start,
                    "policy version must not be empty",
                );
            }
            version = m.version.get_ref().trim().to_string();
            title = m.title.clone();
            if let Some(d) = c.date(*f, &m.effective_from) {
                effective_from = d;
            }
            for d in &m.documents {
                if documents.contains(d.get_ref()) {
                    c.at(
                        *f,
                        d.span().start,
                        format!("document `{}` listed twice", d.get_ref()),
                    );
                }
                documents.push(d.get_ref().clone());
            }
        }
    }

    // Countries.
    let mut countries: Vec<Country> = Vec::new();
    let mut seen = HashSet::new();
    for At(f, rc) in &raw.countries {
        let code = rc.code.get_ref().trim();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            c.at(
                *f,
                rc.code.span().start,
                format!("country code {code:?} must be two upper-case letters"),
            );
            continue;
        }
        if !seen.insert(code.to_string()) {
            c.at(
                *f,
                rc.code.span().start,
                format!("country {code} listed twice"),
            );
            continue;
        }
        countries.push(Country {
            code: code.to_string(),
            name: rc.name.clone(),
        });
    }
    countries.sort_by(|a, b| a.code.cmp(&b.code));
    let mut country_slots = vec![u16::MAX; 26 * 26];
    for (i, ct) in countries.iter().enumerate() {
        if let (Some(slot), Ok(i)) = (country_slot(&ct.code), u16::try_from(i)) {
            country_slots[slot] = i;
        }
    }
    let index_of = |code: &str| -> Option<usize> {
        let slot = country_slot(code)?;
        let i = *country_slots.get(slot)?;
        (i != u16::MAX && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(usize::from(i))
    };
    let n = countries.len();
    let unknown_country = |code: &str| format!("unknown country {code:?}: not in the country list");

    // Regimes, in order of precedence.
    let mut regimes: Vec<Regime> = Vec::new();
    for At(f, rr) in &raw.regimes {
        let id = rr.id.get_ref().trim().to_string();
        let at = rr.id.span().start;
        let what = format!("regime {id}");
        let source = c.source(*f, at, &what, &rr.source);
        if id.is_empty()
            || id == NO_REGIME
            || !id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            c.at(*f, at, format!("regime id {id:?} must be lower-case letters and hyphens, and not {NO_REGIME:?}"));
            continue;
        }
        if regimes.iter().any(|r| r.id == id) {
            c.at(*f, at, format!("regime {id} declared twice"));
            continue;
        }
        if rr.catch_all && regimes.iter().any(|r| r.catch_all) {
            c.at(
                *f,
                at,
                format!("{what}: only one regime may take catch-all items (catch_all = true)"),
            );
        }
        regimes.push(Regime {
            id,
            title: rr.title.trim().to_string(),
            marketing_licence: rr.marketing_licence,
            catch_all: rr.catch_all,
            source,
        });
    }

    // Control entries.
    let mut entries: Vec<ControlEntry> = Vec::new();
    let mut entry_regime: Vec<Option<usize>> = Vec::new();
    let mut entry_lookup: HashMap<String, usize> = HashMap::new();
    for At(f, re) in &raw.entries {
        let code = re.code.get_ref().trim().to_string();
        let mut names = vec![(code.clone(), re.code.span().start)];
        names.extend(
            re.aliases
                .iter()
                .map(|a| (a.get_ref().trim().to_string(), a.span().start)),
        );
        let idx = entries.len();
        for (name, at) in &names {
            if name.is_empty() {
                c.at(*f, *at, "control entry code or alias must not be empty");
            } else if entry_lookup.insert(upper(name), idx).is_some() {
                c.at(
                    *f,
                    *at,
                    format!("control entry code or alias {name:?} is used twice"),
                );
            }
        }
        let mut versions = Vec::new();
        let mut periods = Vec::new();
        for v in re.version.get_ref() {
            let from = c.date(*f, &v.effective_from);
            let through = c.opt_date(*f, &v.effective_through);
            let what = match from {
                Some(d) => format!("control entry {code} version from {d}"),
                None => format!("control entry {code}"),
            };
            let source = c.source(*f, v.effective_from.span().start, &what, &v.source);
            let flag_source = c.source(
                *f,
                v.effective_from.span().start,
                &format!("{what} (cyber_surveillance flag, flag_source)"),
                &v.flag_source,
            );
            if let (Some(from), Ok(through)) = (from, through) {
                periods.push((from, through, v.effective_from.span().start));
                versions.push(ControlEntryVersion {
                    effective_from: from,
                    effective_through: through,
                    title: v.title.clone(),
                    cyber_surveillance: v.cyber_surveillance,
                    source,
                    flag_source,
                });
            }
        }
        if re.version.get_ref().is_empty() {
            c.at(
                *f,
                re.version.span().start,
                format!("control entry {code} has no version"),
            );
        }
        c.periods(*f, &format!("control entry {code}"), &mut periods, true);
        versions.sort_by_key(|v| v.effective_from);
        // The regime: named, declared and sourced when the policy declares regimes; absent otherwise.
        let at = re.code.span().start;
        let (regime, regime_source) = match (&re.regime, regimes.is_empty()) {
            (None, true) => {
                if re.regime_source.is_some() {
                    c.at(
                        *f,
                        at,
                        format!("control entry {code}: regime_source without a regime"),
                    );
                }
                (None, None)
            }
            (None, false) => {
                c.at(
                    *f,
                    at,
                    format!(
                        "control entry {code} names no regime; give `regime` (one of: {}) and `regime_source`",
                        regimes.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
                (None, None)
            }
            (Some(r), _) => {
                let id = r.get_ref().trim().to_string();
                if !regimes.iter().any(|x| x.id == id) {
                    c.at(
                        *f,
                        r.span().start,
                        format!("control entry {code}: regime {id:?} is not a declared [[regime]]"),
                    );
                }
                let source = c.source(
                    *f,
                    r.span().start,
                    &format!("control entry {code} (regime, regime_source)"),
                    &re.regime_source,
                );
                (Some(id), Some(source))
            }
        };
        entry_regime.push(
            regime
                .as_ref()
                .and_then(|id| regimes.iter().position(|x| &x.id == id)),
        );
        entries.push(ControlEntry {
            code,
            aliases: re
                .aliases
                .iter()
                .map(|a| a.get_ref().trim().to_string())
                .collect(),
            list: re.list.clone(),
            regime,
            regime_source,
            parent: re.parent.as_ref().map(|p| p.get_ref().trim().to_string()),
            versions,
        });
    }
    // Sub-entries: the parent must be another entry's canonical code, itself no sub-entry.
    for (At(f, re), e) in raw.entries.iter().zip(&entries) {
        let (Some(p), Some(rp)) = (&e.parent, &re.parent) else {
            continue;
        };
        let parent = entries.iter().find(|x| &x.code == p);
        match parent {
            None => c.at(
                *f,
                rp.span().start,
                format!("control entry {}: parent {p:?} is not the code of another entry", e.code),
            ),
            Some(x) if x.code == e.code || x.parent.is_some() => c.at(
                *f,
                rp.span().start,
                format!(
                    "control entry {}: parent {p:?} must be another entry that is not itself a sub-entry",
                    e.code
                ),
            ),
            Some(_) => {}
        }
    }

    // Assessments.
    let assessment_versions =
        |c: &mut Checker<'_>, f: usize, what: &str, vs: &[RawAssessmentVersion]| {
            let mut out = Vec::new();
            let mut periods = Vec::new();
            for v in vs {
                let tier = *v.tier.get_ref();
                if !(1..=4).contains(&tier) {
                    c.at(
                        f,
                        v.tier.span().start,
                        format!("{what}: tier {tier} is not 1, 2, 3 or 4"),
                    );
                }
                let from = c.date(f, &v.effective_from);
                let through = c.opt_date(f, &v.effective_through);
                let item = match from {
                    Some(d) => format!("{what} version from {d}"),
                    None => what.to_string(),
                };
                let source = c.source(f, v.effective_from.span().start, &item, &v.source);
                if let (Some(from), Ok(through), Ok(tier)) = (from, through, u8::try_from(tier)) {
                    periods.push((from, through, v.effective_from.span().start));
                    out.push(Assessment {
                        effective_from: from,
                        effective_through: through,
                        tier: tier.clamp(1, 4),
                        indicators: v.indicators.clone(),
                        rationale: v.rationale.clone(),
                        source,
                    });
                }
            }
            c.periods(f, what, &mut periods, true);
            out.sort_by_key(|a| a.effective_from);
            out
        };
    let mut assessments: Vec<Vec<Assessment>> = vec![Vec::new(); n];
    let mut assessed: HashMap<usize, (usize, usize)> = HashMap::new();
    for At(f, ra) in &raw.assessments {
        let code = ra.country.get_ref().trim().to_string();
        let at = ra.country.span().start;
        let Some(i) = index_of(&code) else {
            c.at(*f, at, unknown_country(&code));
            continue;
        };
        if let Some((pf, _)) = assessed.insert(i, (*f, at)) {
            let where_ = files.get(pf).map_or("", |x| x.0.as_str());
            c.at(
                *f,
                at,
                format!(
                    "country {code} is assessed twice (also in {where_}); add versions instead"
                ),
            );
            continue;
        }
        if ra.version.get_ref().is_empty() {
            c.at(
                *f,
                ra.version.span().start,
                format!("assessment of {code} has no version"),
            );
        }
        assessments[i] = assessment_versions(
            &mut c,
            *f,
            &format!("assessment of {code}"),
            ra.version.get_ref(),
        );
    }
    let mut default_assessment = Vec::new();
    match raw.defaults.as_slice() {
        [] if c.syntax_errors => {}
        [] => c.nowhere(
            &first_file,
            "no [default_assessment] for countries without an assessment",
        ),
        [At(f, d), rest @ ..] => {
            for At(g, e) in rest {
                c.at(
                    *g,
                    e.version.span().start,
                    "[default_assessment] given more than once",
                );
            }
            if d.version.get_ref().is_empty() {
                c.at(
                    *f,
                    d.version.span().start,
                    "default assessment has no version",
                );
            }
            default_assessment =
                assessment_versions(&mut c, *f, "default assessment", d.version.get_ref());
        }
    }
    if effective_from != NaiveDate::MIN
        && !default_assessment.is_empty()
        && !default_assessment
            .iter()
            .any(|a| date::in_period(effective_from, a.effective_from, a.effective_through))
    {
        c.nowhere(
            &first_file,
            format!("the default assessment has no version in force on the policy's effective date {effective_from}"),
        );
    }

    // Embargoes and Wassenaar participation: periods per country, gaps allowed.
    let mut embargoes: Vec<Vec<Embargo>> = vec![Vec::new(); n];
    let mut embargo_periods: BTreeMap<usize, (usize, Vec<Period>)> = BTreeMap::new();
    for At(f, e) in &raw.embargoes {
        let code = e.country.get_ref().trim().to_string();
        let Some(i) = index_of(&code) else {
            c.at(*f, e.country.span().start, unknown_country(&code));
            continue;
        };
        let from = c.date(*f, &e.effective_from);
        let through = c.opt_date(*f, &e.effective_through);
        let at = e.effective_from.span().start;
        let what = match from {
            Some(d) => format!("embargo on {code} from {d}"),
            None => format!("embargo on {code}"),
        };
        let source = c.source(*f, at, &what, &e.source);
        let kind = *e.kind.get_ref();
        let applies_to = e
            .applies_to
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if kind == EmbargoKind::Partial && applies_to.is_none() {
            c.at(
                *f,
                e.kind.span().start,
                format!("{what}: a partial embargo needs applies_to (whom it covers)"),
            );
        }
        if kind == EmbargoKind::Full && e.applies_to.is_some() {
            c.at(
                *f,
                e.kind.span().start,
                format!("{what}: applies_to is only for a partial embargo"),
            );
        }
        let ended_by = match (&e.effective_through, &e.ended_by) {
            (Some(_), None) => {
                c.at(
                    *f,
                    at,
                    format!("{what} ends but has no ended_by: give the source that lifted or changed it"),
                );
                None
            }
            (None, Some(s)) => {
                c.at(
                    *f,
                    s.span().start,
                    format!("{what}: ended_by is only for a period with an effective_through"),
                );
                None
            }
            (Some(_), Some(_)) => {
                Some(c.source(*f, at, &format!("{what} (ended_by)"), &e.ended_by))
            }
            (None, None) => None,
        };
        if let (Some(from), Ok(through)) = (from, through) {
            embargo_periods
                .entry(i)
                .or_insert((*f, Vec::new()))
                .1
                .push((from, through, at));
            embargoes[i].push(Embargo {
                country: code,
                kind,
                applies_to: applies_to.map(str::to_string),
                source,
                ended_by,
                effective_from: from,
                effective_through: through,
            });
        }
    }
    for (i, (f, mut p)) in embargo_periods {
        let code = countries.get(i).map_or("", |x| x.code.as_str()).to_string();
        c.periods(f, &format!("embargo on {code}"), &mut p, false);
    }
    let mut wassenaar: Vec<Vec<WassenaarParticipation>> = vec![Vec::new(); n];
    let mut wa_periods: BTreeMap<usize, (usize, Vec<Period>)> = BTreeMap::new();
    for At(f, p) in &raw.participants {
        let code = p.country.get_ref().trim().to_string();
        let Some(i) = index_of(&code) else {
            c.at(*f, p.country.span().start, unknown_country(&code));
            continue;
        };
        let from = c.date(*f, &p.effective_from);
        let through = c.opt_date(*f, &p.effective_through);
        let what = match from {
            Some(d) => format!("Wassenaar participation of {code} from {d}"),
            None => format!("Wassenaar participation of {code}"),
        };
        let source = c.source(*f, p.effective_from.span().start, &what, &p.source);
        if let (Some(from), Ok(through)) = (from, through) {
            wa_periods.entry(i).or_insert((*f, Vec::new())).1.push((
                from,
                through,
                p.effective_from.span().start,
            ));
            wassenaar[i].push(WassenaarParticipation {
                country: code,
                effective_from: from,
                effective_through: through,
                source,
            });
        }
    }
    for (i, (f, mut p)) in wa_periods {
        let code = countries.get(i).map_or("", |x| x.code.as_str()).to_string();
        c.periods(
            f,
            &format!("Wassenaar participation of {code}"),
            &mut p,
            false,
        );
    }

    let (calendar, calendar_source, holiday_years) = check_calendar(&mut c, &raw);
    let deadlines = check_deadlines(&mut c, &raw);
    let vocabulary = check_vocabulary(&mut c, &raw, &first_file);

    // Rules.
    let env = Arc::new(cel::Env::stdlib());
    let country_codes: Vec<String> = countries.iter().map(|x| x.code.clone()).collect();
    let entry_codes: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
    let aliases: Vec<String> = entries
        .iter()
        .flat_map(|e| e.aliases.iter().cloned())
        .collect();
    let regime_ids: Vec<String> = std::iter::once(NO_REGIME.to_string())
        .chain(regimes.iter().map(|r| r.id.clone()))
        .collect();
    let vocab = Vocabulary {
        countries: &country_codes,
        entries: &entry_codes,
        aliases: &aliases,
        regimes: &regime_ids,
    };
    let mut rules = Vec::new();
    let mut rule_ids = HashSet::new();
    let mut has_outcome = false;
    for At(f, rr) in &raw.rules {
        let id = rr.id.get_ref().trim().to_string();
        if id.is_empty() {
            c.at(*f, rr.id.span().start, "rule id must not be empty");
        }
        if !rule_ids.insert(id.clone()) {
            c.at(
                *f,
                rr.id.span().start,
                format!("rule id {id:?} is used twice"),
            );
        }
        let effect = rr.effect.get_ref().clone();
        match &effect {
            Effect::Document(d) if !documents.contains(d) => c.at(
                *f,
                rr.effect.span().start,
                format!(
                    "rule {id}: unknown document {d:?} (the manifest lists: {})",
                    documents.join(", ")
                ),
            ),
            Effect::TargetWorkingDays(0) => c.at(
                *f,
                rr.effect.span().start,
                format!("rule {id}: target_working_days must be positive"),
            ),
            Effect::Countersignatures(cs) if !(1..=5).contains(&cs.count) => c.at(
                *f,
                rr.effect.span().start,
                format!("rule {id}: countersignatures count must be between 1 and 5"),
            ),
            Effect::Outcome(_) => has_outcome = true,
            _ => {}
        }
        if rr.version.get_ref().is_empty() {
            c.at(
                *f,
                rr.version.span().start,
                format!("rule {id} has no version"),
            );
        }
        let mut versions = Vec::new();
        let mut periods = Vec::new();
        let mut numbers = HashSet::new();
        for v in rr.version.get_ref() {
            let number = *v.version.get_ref();
            if !numbers.insert(number) {
                c.at(
                    *f,
                    v.version.span().start,
                    format!("rule {id}: version {number} is given twice"),
                );
            }
            let from = c.date(*f, &v.effective_from);
            let through = c.opt_date(*f, &v.effective_through);
            let condition = match Condition::compile(v.when.get_ref(), &env, &vocab) {
                Ok(cond)
                    if !matches!(effect, Effect::Countersignatures(_))
                        && cond.facts().iter().any(|x| Fact::ADVICE.contains(x)) =>
                {
                    c.at(
                        *f,
                        v.when.span().start,
                        format!(
                            "rule {id} version {number}: {} is known only when countersigning is evaluated \
                             (effect countersignatures), not when a request is determined",
                            Fact::ADVICE
                                .iter()
                                .filter(|x| cond.facts().contains(x))
                                .map(|x| x.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    None
                }
                Ok(cond) => Some(cond),
                Err(errors) => {
                    for e in errors {
                        c.at(
                            *f,
                            v.when.span().start,
                            format!("rule {id} version {number}: {e}"),
                        );
                    }
                    None
                }
            };
            if let (Some(from), Ok(through), Some(condition)) = (from, through, condition) {
                periods.push((from, through, v.effective_from.span().start));
                versions.push(RuleVersion {
                    version: number,
                    effective_from: from,
                    effective_through: through,
                    when: v.when.get_ref().trim().to_string(),
                    reason: v.reason.trim().to_string(),
                    condition,
                });
            }
        }
        c.periods(*f, &format!("rule {id}"), &mut periods, true);
        versions.sort_by_key(|v| v.effective_from);
        for pair in versions.windows(2) {
            if pair[1].version <= pair[0].version {
                let at = rr.version.span().start;
                c.at(
                    *f,
                    at,
                    format!("rule {id}: version numbers must increase with effective dates"),
                );
            }
        }
        rules.push(Rule {
            id,
            title: rr.title.clone(),
            effect,
            versions,
        });
    }
    let moratoria = check_moratoria(&mut c, &raw, &entries, &entry_lookup, &country_codes);

    if !has_outcome && !c.syntax_errors {
        c.nowhere(
            &first_file,
            "no rule has an outcome effect, so no determination could be made",
        );
    }

    if !c.diags.is_empty() {
        // A syntax error explains any other complaint about the same line.
        let syntax: HashSet<(String, usize)> = c
            .diags
            .iter()
            .filter(|d| d.message.starts_with("TOML syntax"))
            .map(|d| (d.file.clone(), d.line))
            .collect();
        c.diags.retain(|d| {
            d.message.starts_with("TOML syntax") || !syntax.contains(&(d.file.clone(), d.line))
        });
        return Err(LoadError::Invalid(c.diags));
    }
    Ok(PolicySet {
        version,
        title,
        effective_from,
        documents,
        countries,
        country_slots,
        assessments,
        embargoes,
        wassenaar,
        default_assessment,
        entries,
        regimes,
        entry_regime,
        entry_lookup,
        rules,
        moratoria,
        env,
        calendar,
        calendar_source,
        holiday_years,
        deadlines,
        vocabulary,
    })
}

/// The moratoria: ids unique; items `"all-cyber-surveillance"` or known control entries; destinations and
/// end-user types `"all"` or known values; a period; a reason.
fn check_moratoria(
    c: &mut Checker<'_>,
    raw: &Raw,
    entries: &[ControlEntry],
    entry_lookup: &HashMap<String, usize>,
    countries: &[String],
) -> Vec<Moratorium> {
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for At(f, m) in &raw.moratoria {
        let f = *f;
        let id = m.id.get_ref().trim().to_string();
        if id.is_empty() {
            c.at(f, m.id.span().start, "moratorium id must not be empty");
        } else if !ids.insert(id.clone()) {
            c.at(
                f,
                m.id.span().start,
                format!("moratorium id {id:?} is used twice"),
            );
        }
        let what = format!("moratorium {id}");
        let mut ok = !id.is_empty();
        let at = m.items.span().start;
        let items = match m.items.get_ref() {
            RawScope::Word(w) if w == "all-cyber-surveillance" => {
                MoratoriumItems::AllCyberSurveillance
            }
            RawScope::List(list) if !list.is_empty() => {
                let mut codes: Vec<String> = Vec::new();
                for e in list {
                    match entry_lookup.get(&upper(e)).and_then(|&i| entries.get(i)) {
                        Some(entry) if !codes.contains(&entry.code) => {
                            codes.push(entry.code.clone())
                        }
                        Some(_) => {}
                        None => {
                            c.at(f, at, format!("{what}: items: unknown control entry {e:?}"));
                            ok = false;
                        }
                    }
                }
                MoratoriumItems::Entries(codes)
            }
            _ => {
                c.at(
                    f,
                    at,
                    format!("{what}: items must be \"all-cyber-surveillance\" or a non-empty list of control entries"),
                );
                ok = false;
                MoratoriumItems::Entries(Vec::new())
            }
        };
        let at = m.destinations.span().start;
        let destinations = match m.destinations.get_ref() {
            RawScope::Word(w) if w == "all" => None,
            RawScope::List(list) if !list.is_empty() => {
                let mut codes: Vec<String> = Vec::new();
                for d in list {
                    let code = upper(d);
                    if !countries.contains(&code) {
                        c.at(
                            f,
                            at,
                            format!("{what}: destinations: unknown country {d:?}"),
                        );
                        ok = false;
                    } else if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
                Some(codes)
            }
            _ => {
                c.at(
                    f,
                    at,
                    format!("{what}: destinations must be \"all\" or a non-empty list of ISO 3166-1 alpha-2 codes"),
                );
                ok = false;
                None
            }
        };
        let at = m.end_user_types.span().start;
        let end_user_types = match m.end_user_types.get_ref() {
            RawScope::Word(w) if w == "all" => None,
            RawScope::List(list) if !list.is_empty() => {
                let mut types: Vec<domain::EndUserType> = Vec::new();
                for t in list {
                    match t.trim().parse::<domain::EndUserType>() {
                        Ok(t) if !types.contains(&t) => types.push(t),
                        Ok(_) => {}
                        Err(e) => {
                            c.at(f, at, format!("{what}: end_user_types: {e}"));
                            ok = false;
                        }
                    }
                }
                Some(types)
            }
            _ => {
                c.at(
                    f,
                    at,
                    format!("{what}: end_user_types must be \"all\" or a non-empty list of end-user types"),
                );
                ok = false;
                None
            }
        };
        let from = c.date(f, &m.effective_from);
        let through = c.opt_date(f, &m.effective_through);
        let reason = m.reason.get_ref().trim().to_string();
        if reason.is_empty() {
            c.at(
                f,
                m.reason.span().start,
                format!("{what}: reason must say why"),
            );
            ok = false;
        }
        let (Some(from), Ok(through)) = (from, through) else {
            continue;
        };
        if let Some(t) = through.filter(|t| *t < from) {
            c.at(
                f,
                m.effective_from.span().start,
                format!("{what}: effective_through {t} is before effective_from {from}"),
            );
            ok = false;
        }
        if ok {
            out.push(Moratorium {
                id,
                title: m.title.as_ref().map(|t| t.trim().to_string()),
                items,
                destinations,
                end_user_types,
                effective_from: from,
                effective_through: through,
                reason,
            });
        }
    }
    out
}

/// The deadlines: `[deadlines]` at most once, each limit between 1 and 365 days, with its source.
fn check_deadlines(c: &mut Checker<'_>, raw: &Raw) -> Option<Deadlines> {
    let mut out = None;
    for (n, At(f, d)) in raw.deadlines.iter().enumerate() {
        let at = d.information_response_working_days.span().start;
        if n > 0 {
            c.at(*f, at, "[deadlines] given more than once");
            continue;
        }
        for (name, v) in [
            (
                "information_response_working_days",
                &d.information_response_working_days,
            ),
            ("appeal_calendar_days", &d.appeal_calendar_days),
        ] {
            if !(1..=365).contains(v.get_ref()) {
                c.at(
                    *f,
                    v.span().start,
                    format!("deadlines {name}: must be between 1 and 365"),
                );
            }
        }
        if let Some(m) = &d.exemption_validity_months {
            if !(1..=120).contains(m.get_ref()) {
                c.at(
                    *f,
                    m.span().start,
                    "deadlines exemption_validity_months: must be between 1 and 120",
                );
            }
        }
        let audit_interval_months = d.audit_interval_months.as_ref().map(|a| {
            for (name, v) in [("high", &a.high), ("medium", &a.medium), ("low", &a.low)] {
                if !(1..=120).contains(v.get_ref()) {
                    c.at(
                        *f,
                        v.span().start,
                        format!("deadlines audit_interval_months.{name}: must be between 1 and 120"),
                    );
                }
            }
            if !(a.high.get_ref() <= a.medium.get_ref() && a.medium.get_ref() <= a.low.get_ref()) {
                c.at(
                    *f,
                    a.high.span().start,
                    "deadlines audit_interval_months: a higher risk is audited at least as often (high <= medium <= low)",
                );
            }
            AuditIntervals {
                high: *a.high.get_ref(),
                medium: *a.medium.get_ref(),
                low: *a.low.get_ref(),
            }
        });
        let source = c.source(*f, at, "the deadlines", &d.source);
        out = Some(Deadlines {
            audit_interval_months,
            information_response_working_days: *d.information_response_working_days.get_ref(),
            appeal_calendar_days: *d.appeal_calendar_days.get_ref(),
            exemption_validity_months: d.exemption_validity_months.as_ref().map(|m| *m.get_ref()),
            source,
        });
    }
    out
}

/// The vocabulary: ids unique per kind, each with its source; when a policy gives a kind at all, every value
/// the API accepts for it must be there and nothing else (the API's enums are fixed at build time).
fn check_vocabulary(c: &mut Checker<'_>, raw: &Raw, first_file: &str) -> Vec<VocabularyItem> {
    let mut out: Vec<VocabularyItem> = Vec::new();
    for (kind, At(f, v)) in &raw.vocabulary {
        let id = v.id.get_ref().trim().to_string();
        let at = v.id.span().start;
        let what = format!("{} {id}", kind.name());
        if out.iter().any(|x| x.kind == *kind && x.id == id) {
            c.at(*f, at, format!("{what} is given twice"));
            continue;
        }
        if !kind.api_values().contains(&id.as_str()) {
            c.at(
                *f,
                at,
                format!(
                    "{what} is not a value the API accepts ({})",
                    kind.api_values().join(", ")
                ),
            );
        }
        let from = c.date(*f, &v.effective_from);
        let through = c.opt_date(*f, &v.effective_through);
        let source = c.source(*f, v.effective_from.span().start, &what, &v.source);
        if let (Some(from), Ok(through)) = (from, through) {
            c.periods(*f, &what, &mut [(from, through, at)], false);
            out.push(VocabularyItem {
                kind: *kind,
                id,
                set: v.set.trim().to_string(),
                title: v.title.trim().to_string(),
                effective_from: from,
                effective_through: through,
                source,
            });
        }
    }
    for kind in VocabularyKind::ALL {
        if !raw.vocabulary.iter().any(|(k, _)| k == kind) {
            continue;
        }
        for value in kind.api_values() {
            if !out.iter().any(|x| x.kind == *kind && x.id == *value) {
                c.nowhere(
                    first_file,
                    format!(
                        "{} {value} (a value the API accepts) is missing from the vocabulary",
                        kind.name()
                    ),
                );
            }
        }
    }
    out
}

/// The calendar: `[calendar]` at most once (without it: Monday to Friday, UTC), and public holidays per year,
/// each year once, each date in its year and given once, each year with its source.
fn check_calendar(c: &mut Checker<'_>, raw: &Raw) -> (Calendar, Option<Source>, Vec<HolidayYear>) {
    let mut week = WorkingWeek::default();
    let mut time_zone = Tz::UTC;
    let mut calendar_source = None;
    for (n, At(f, cal)) in raw.calendars.iter().enumerate() {
        if n > 0 {
            c.at(
                *f,
                cal.time_zone.span().start,
                "[calendar] given more than once",
            );
            continue;
        }
        match parse_time_zone(cal.time_zone.get_ref()) {
            Ok(tz) => time_zone = tz,
            Err(e) => c.at(
                *f,
                cal.time_zone.span().start,
                format!("calendar time_zone: {e}"),
            ),
        }
        match WorkingWeek::parse(cal.working_days.get_ref().iter().map(String::as_str)) {
            Ok(w) => week = w,
            Err(e) => c.at(
                *f,
                cal.working_days.span().start,
                format!("calendar working_days: {e}"),
            ),
        }
        calendar_source =
            Some(c.source(*f, cal.time_zone.span().start, "the calendar", &cal.source));
    }
    let mut years: Vec<HolidayYear> = Vec::new();
    let mut all_days = Vec::new();
    for At(f, hy) in &raw.holiday_years {
        let year = *hy.year.get_ref();
        let at = hy.year.span().start;
        if years.iter().any(|y| y.year == year) {
            c.at(*f, at, format!("holidays of {year} are given twice"));
            continue;
        }
        let what = format!("holidays of {year}");
        let source = c.source(*f, at, &what, &hy.source);
        let mut days = Vec::new();
        for d in &hy.day {
            let Some(date) = c.date(*f, &d.date) else {
                continue;
            };
            if date.year() != year {
                c.at(
                    *f,
                    d.date.span().start,
                    format!("{what}: {date} is not in {year}"),
                );
            } else if days.iter().any(|(x, _)| *x == date) {
                c.at(
                    *f,
                    d.date.span().start,
                    format!("{what}: {date} is given twice"),
                );
            } else if d.name.trim().is_empty() {
                c.at(
                    *f,
                    d.date.span().start,
                    format!("{what}: {date} needs a name"),
                );
            } else {
                days.push((date, d.name.trim().to_string()));
            }
        }
        days.sort();
        all_days.extend(days.iter().map(|(d, _)| *d));
        years.push(HolidayYear { year, source, days });
    }
    years.sort_by_key(|y| y.year);
    (
        Calendar::with_week(week, time_zone, all_days),
        calendar_source,
        years,
    )
}

impl PolicySet {
    /// Loads and checks a policy from `(file name, content)` pairs, e.g. a staged policy uploaded over the API.
    /// Every problem is reported in [`LoadError::Invalid`].
    pub fn load_files(files: Vec<(String, String)>) -> Result<PolicySet, LoadError> {
        load(&files)
    }

    /// Loads and checks every `*.toml` file directly in `dir` (in name order).
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<PolicySet, LoadError> {
        load(&read_dir(dir.as_ref())?)
    }

    /// Checks `(file name, content)` pairs and returns every diagnostic (empty when the policy is valid).
    pub fn check_files(files: Vec<(String, String)>) -> Vec<Diagnostic> {
        match load(&files) {
            Ok(_) => Vec::new(),
            Err(e) => e.diagnostics().to_vec(),
        }
    }
}

/// Reads the `*.toml` files of a policy directory as `(file name, content)` pairs, sorted by name.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            let content = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, content));
        }
    }
    files.sort();
    Ok(files)
}
