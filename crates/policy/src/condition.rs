//! Rule conditions: CEL expressions over a fixed set of request facts.
//!
//! A condition is compiled once, when the policy is loaded. Its variables must be known [`Fact`]s and its
//! string literals must be values those facts can take (so `licence == 'exprot'` is reported, not silently
//! false). When every fact a condition uses has a finite domain and the product of the domains is small, the
//! condition is evaluated by CEL for every combination at load time and kept as a truth table: this both
//! proves that it yields a bool for every possible request and makes evaluation a table lookup. Other
//! conditions (those using `control_entries`, or too many large domains) are interpreted per request.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::{Context, Env, Program, Value};
use domain::{EndUserType, LicenceKind, SecurityGrade};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Largest truth table built at load time (number of fact combinations).
const MAX_TABLE: usize = 1 << 14;

/// A fact about a request that rule conditions can use, by its CEL variable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fact {
    /// `licence`: `'marketing'` or `'export'`.
    Licence,
    /// `security_grade`: `'unclassified'`, `'restricted'`, `'confidential'` or `'secret'`.
    SecurityGrade,
    /// `end_user_type`: `'government-law-enforcement'`, ..., `'private'`.
    EndUserType,
    /// `government_end_user`: the end user is of any `government-*` type.
    GovernmentEndUser,
    /// `destination`: ISO 3166-1 alpha-2 code, upper case.
    Destination,
    /// `tier`: 1 to 4, from the destination's assessment in force on the as-of date.
    Tier,
    /// `embargoed`: the destination is under a full (country-wide) UN arms embargo on the as-of date.
    Embargoed,
    /// `partial_embargo`: a partial UN arms embargo (on non-government actors or named groups) is in force for
    /// the destination on the as-of date.
    PartialEmbargo,
    /// `wassenaar`: the destination is a Wassenaar participating state on the as-of date.
    Wassenaar,
    /// `listed`: at least one control entry is given.
    Listed,
    /// `cyber_surveillance`: at least one given control entry is a cyber-surveillance item.
    CyberSurveillance,
    /// `catch_all_notified`: the authority notified a catch-all (human-rights) concern for a non-listed item.
    CatchAllNotified,
    /// `denial_match`: the application matches a denial in force (overlapping control entry, same destination,
    /// end user or consignee matched by screening), see docs/denials.md.
    DenialMatch,
    /// `evidence_of_misuse`: the authority holds evidence of misuse by the application's end user in the
    /// destination (an end user matched by screening with the end user of recorded evidence of that country),
    /// see docs/monitoring.md.
    EvidenceOfMisuse,
    /// `control_entries`: list of the canonical codes of the given control entries.
    ControlEntries,
    /// `regime`: the id of the licensing regime the item falls under (`[[regime]]`, e.g. `'defence'`,
    /// `'dual-use'`), or `'none'` when no entry in force and no catch-all notification controls it.
    Regime,
    /// `red_flag`: a human-rights adviser marked a red flag on the case. Known only when countersigning is
    /// evaluated (rules with effect `countersignatures`), after the advice is in.
    RedFlag,
    /// `refusal_advised`: an adviser recommended refusal. Known only when countersigning is evaluated.
    RefusalAdvised,
}

impl Fact {
    /// Every fact, in the order reasons list them.
    pub const ALL: &'static [Fact] = &[
        Fact::Licence,
        Fact::SecurityGrade,
        Fact::EndUserType,
        Fact::GovernmentEndUser,
        Fact::Destination,
        Fact::Tier,
        Fact::Embargoed,
        Fact::PartialEmbargo,
        Fact::Wassenaar,
        Fact::Listed,
        Fact::CyberSurveillance,
        Fact::CatchAllNotified,
        Fact::DenialMatch,
        Fact::EvidenceOfMisuse,
        Fact::ControlEntries,
        Fact::Regime,
        Fact::RedFlag,
        Fact::RefusalAdvised,
    ];

    /// Facts about the advice given on a case, known only when countersigning is evaluated.
    pub const ADVICE: &'static [Fact] = &[Fact::RedFlag, Fact::RefusalAdvised];

    /// The CEL variable name.
    pub fn name(self) -> &'static str {
        match self {
            Fact::Licence => "licence",
            Fact::SecurityGrade => "security_grade",
            Fact::EndUserType => "end_user_type",
            Fact::GovernmentEndUser => "government_end_user",
            Fact::Destination => "destination",
            Fact::Tier => "tier",
            Fact::Embargoed => "embargoed",
            Fact::PartialEmbargo => "partial_embargo",
            Fact::Wassenaar => "wassenaar",
            Fact::Listed => "listed",
            Fact::CyberSurveillance => "cyber_surveillance",
            Fact::CatchAllNotified => "catch_all_notified",
            Fact::DenialMatch => "denial_match",
            Fact::EvidenceOfMisuse => "evidence_of_misuse",
            Fact::ControlEntries => "control_entries",
            Fact::Regime => "regime",
            Fact::RedFlag => "red_flag",
            Fact::RefusalAdvised => "refusal_advised",
        }
    }

    /// The fact with this CEL variable name.
    pub fn from_name(name: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// Values of the string-valued facts, used to check literals and to enumerate domains.
pub(crate) struct Vocabulary<'a> {
    pub countries: &'a [String],
    /// Canonical control-entry codes.
    pub entries: &'a [String],
    /// Aliases (Wassenaar dotted form), for a helpful message.
    pub aliases: &'a [String],
    /// `'none'` then the declared regime ids.
    pub regimes: &'a [String],
}

impl Vocabulary<'_> {
    fn domain_size(&self, fact: Fact) -> Option<usize> {
        Some(match fact {
            Fact::Licence => LicenceKind::ALL.len(),
            Fact::SecurityGrade => SecurityGrade::ALL.len(),
            Fact::EndUserType => EndUserType::ALL.len(),
            Fact::Destination => self.countries.len(),
            Fact::Tier => 4,
            Fact::Regime => self.regimes.len(),
            Fact::GovernmentEndUser
            | Fact::Embargoed
            | Fact::PartialEmbargo
            | Fact::Wassenaar
            | Fact::Listed
            | Fact::CyberSurveillance
            | Fact::CatchAllNotified
            | Fact::DenialMatch
            | Fact::EvidenceOfMisuse
            | Fact::RedFlag
            | Fact::RefusalAdvised => 2,
            Fact::ControlEntries => return None,
        })
    }

    fn domain_value(&self, fact: Fact, i: usize) -> Value {
        match fact {
            Fact::Licence => LicenceKind::ALL
                .get(i)
                .map_or(Value::Null, |v| v.as_str().into()),
            Fact::SecurityGrade => SecurityGrade::ALL
                .get(i)
                .map_or(Value::Null, |v| v.as_str().into()),
            Fact::EndUserType => EndUserType::ALL
                .get(i)
                .map_or(Value::Null, |v| v.as_str().into()),
            Fact::Destination => self
                .countries
                .get(i)
                .map_or(Value::Null, |v| v.as_str().into()),
            Fact::Tier => Value::Int(i as i64 + 1),
            Fact::Regime => self
                .regimes
                .get(i)
                .map_or(Value::Null, |v| v.as_str().into()),
            Fact::ControlEntries => Value::List(Arc::new(Vec::new())),
            _ => Value::Bool(i == 1),
        }
    }

    fn string_values(&self, fact: Fact) -> Vec<&str> {
        match fact {
            Fact::Licence => LicenceKind::ALL.iter().map(|v| v.as_str()).collect(),
            Fact::SecurityGrade => SecurityGrade::ALL.iter().map(|v| v.as_str()).collect(),
            Fact::EndUserType => EndUserType::ALL.iter().map(|v| v.as_str()).collect(),
            Fact::Destination => self.countries.iter().map(String::as_str).collect(),
            Fact::ControlEntries => self.entries.iter().map(String::as_str).collect(),
            Fact::Regime => self.regimes.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// The values of every fact for one request, as the engine computed them.
pub(crate) struct FactValues<'a> {
    pub licence: LicenceKind,
    pub security_grade: SecurityGrade,
    pub end_user_type: EndUserType,
    pub destination_index: usize,
    pub destination: &'a str,
    pub tier: u8,
    pub embargoed: bool,
    pub partial_embargo: bool,
    pub wassenaar: bool,
    pub listed: bool,
    pub cyber_surveillance: bool,
    pub catch_all_notified: bool,
    pub denial_match: bool,
    pub evidence_of_misuse: bool,
    pub control_entries: &'a [&'a str],
    /// Index into the regime domain (`'none'` first, then the declared regimes), and the id.
    pub regime_index: usize,
    pub regime: &'a str,
    pub red_flag: bool,
    pub refusal_advised: bool,
}

impl FactValues<'_> {
    /// Position of this request's value in the fact's domain (see [`Vocabulary::domain_value`]).
    fn index(&self, fact: Fact) -> usize {
        match fact {
            Fact::Licence => self.licence as usize,
            Fact::SecurityGrade => self.security_grade as usize,
            Fact::EndUserType => self.end_user_type as usize,
            Fact::GovernmentEndUser => usize::from(self.end_user_type.is_government()),
            Fact::Destination => self.destination_index,
            Fact::Tier => usize::from(self.tier.saturating_sub(1)),
            Fact::Embargoed => usize::from(self.embargoed),
            Fact::PartialEmbargo => usize::from(self.partial_embargo),
            Fact::Wassenaar => usize::from(self.wassenaar),
            Fact::Listed => usize::from(self.listed),
            Fact::CyberSurveillance => usize::from(self.cyber_surveillance),
            Fact::CatchAllNotified => usize::from(self.catch_all_notified),
            Fact::DenialMatch => usize::from(self.denial_match),
            Fact::EvidenceOfMisuse => usize::from(self.evidence_of_misuse),
            Fact::ControlEntries => 0,
            Fact::Regime => self.regime_index,
            Fact::RedFlag => usize::from(self.red_flag),
            Fact::RefusalAdvised => usize::from(self.refusal_advised),
        }
    }

    fn value(&self, fact: Fact) -> Value {
        match fact {
            Fact::Licence => self.licence.as_str().into(),
            Fact::SecurityGrade => self.security_grade.as_str().into(),
            Fact::EndUserType => self.end_user_type.as_str().into(),
            Fact::GovernmentEndUser => Value::Bool(self.end_user_type.is_government()),
            Fact::Destination => self.destination.into(),
            Fact::Tier => Value::Int(i64::from(self.tier)),
            Fact::Embargoed => Value::Bool(self.embargoed),
            Fact::PartialEmbargo => Value::Bool(self.partial_embargo),
            Fact::Wassenaar => Value::Bool(self.wassenaar),
            Fact::Listed => Value::Bool(self.listed),
            Fact::CyberSurveillance => Value::Bool(self.cyber_surveillance),
            Fact::CatchAllNotified => Value::Bool(self.catch_all_notified),
            Fact::DenialMatch => Value::Bool(self.denial_match),
            Fact::EvidenceOfMisuse => Value::Bool(self.evidence_of_misuse),
            Fact::RedFlag => Value::Bool(self.red_flag),
            Fact::RefusalAdvised => Value::Bool(self.refusal_advised),
            Fact::Regime => self.regime.into(),
            Fact::ControlEntries => Value::List(Arc::new(
                self.control_entries
                    .iter()
                    .map(|c| Value::from(*c))
                    .collect(),
            )),
        }
    }
}

/// A compiled rule condition.
pub(crate) struct Condition {
    program: Program,
    /// Facts the condition uses, in [`Fact::ALL`] order.
    facts: Vec<Fact>,
    table: Option<TruthTable>,
}

struct TruthTable {
    /// (fact, stride) for every fact used.
    strides: Vec<(Fact, usize)>,
    bits: Vec<bool>,
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condition")
            .field("facts", &self.facts)
            .field("tabled", &self.table.is_some())
            .finish()
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::String(s) => format!("'{s}'"),
        other => format!("{:?}", other.type_of()),
    }
}

impl Condition {
    /// Compiles and checks `source`. Errors are messages for a diagnostic.
    pub fn compile(
        source: &str,
        env: &Arc<Env>,
        vocab: &Vocabulary<'_>,
    ) -> Result<Condition, Vec<String>> {
        check_shape(source).map_err(|e| vec![e])?;
        let program = env.compile(source).map_err(|e| {
            vec![format!(
                "condition does not parse: {}",
                e.to_string().trim()
            )]
        })?;
        let depth = tree_depth(program.expression());
        if depth > MAX_CONDITION_DEPTH {
            return Err(vec![format!(
                "condition is nested {depth} levels deep; at most {MAX_CONDITION_DEPTH} are allowed"
            )]);
        }
        let mut errors = Vec::new();
        let mut local = BTreeSet::new();
        let mut literals = Vec::new();
        walk(program.expression(), &mut local, &mut literals);
        let mut facts = BTreeSet::new();
        for var in program.references().variables() {
            if local.contains(var) || var.starts_with('@') {
                continue;
            }
            match Fact::from_name(var) {
                Some(f) => {
                    facts.insert(f);
                }
                None => errors.push(format!(
                    "condition uses unknown fact `{var}` (known facts: {})",
                    Fact::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        let facts: Vec<Fact> = facts.into_iter().collect();
        let string_facts: Vec<Fact> = facts
            .iter()
            .copied()
            .filter(|f| !vocab.string_values(*f).is_empty())
            .collect();
        for lit in &literals {
            let known = string_facts
                .iter()
                .any(|f| vocab.string_values(*f).contains(&lit.as_str()));
            if known {
                continue;
            }
            if string_facts.contains(&Fact::ControlEntries) && vocab.aliases.contains(lit) {
                errors.push(format!(
                    "condition compares control_entries with alias '{lit}': control_entries holds canonical codes"
                ));
            } else if string_facts.is_empty() {
                errors.push(format!(
                    "condition uses string '{lit}' but no string-valued fact"
                ));
            } else {
                errors.push(format!(
                    "condition uses '{lit}', which is not a value of {}",
                    string_facts
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut condition = Condition {
            program,
            facts,
            table: None,
        };
        condition.build_table(env, vocab)?;
        Ok(condition)
    }

    /// Evaluates the condition over every combination of its facts' values when that is small, proving it
    /// yields a bool everywhere; otherwise evaluates it once on a sample request to catch type errors.
    fn build_table(&mut self, env: &Arc<Env>, vocab: &Vocabulary<'_>) -> Result<(), Vec<String>> {
        let mut sizes = Vec::with_capacity(self.facts.len());
        let mut total: Option<usize> = Some(1);
        for f in &self.facts {
            let size = vocab.domain_size(*f);
            total = match (total, size) {
                (Some(t), Some(s)) => t.checked_mul(s).filter(|n| *n <= MAX_TABLE),
                _ => None,
            };
            sizes.push(size.unwrap_or(1));
        }
        let combos = total.unwrap_or(1);
        let mut bits = Vec::with_capacity(combos);
        for n in 0..combos {
            let mut ctx = Context::with_env(Arc::clone(env));
            let mut rest = n;
            let mut shown = Vec::new();
            for (f, size) in self.facts.iter().zip(&sizes) {
                let i = if *size == 0 { 0 } else { rest % size };
                rest /= (*size).max(1);
                let v = vocab.domain_value(*f, i);
                shown.push(format!("{}={}", f.name(), describe(&v)));
                ctx.add_variable_from_value(f.name(), v);
            }
            match self.program.execute(&ctx) {
                Ok(Value::Bool(b)) => bits.push(b),
                Ok(other) => {
                    return Err(vec![format!(
                        "condition yields {} instead of a bool (with {})",
                        describe(&other),
                        shown.join(", ")
                    )])
                }
                Err(e) => {
                    return Err(vec![format!(
                        "condition fails to evaluate (with {}): {e}",
                        shown.join(", ")
                    )])
                }
            }
        }
        if total.is_some() {
            let mut stride = 1;
            let mut strides = Vec::with_capacity(self.facts.len());
            for (f, size) in self.facts.iter().zip(&sizes) {
                strides.push((*f, stride));
                stride *= size;
            }
            self.table = Some(TruthTable { strides, bits });
        }
        Ok(())
    }

    /// Facts the condition uses.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// Evaluates the condition for one request.
    pub fn holds(&self, facts: &FactValues<'_>, env: &Arc<Env>) -> Result<bool, String> {
        if let Some(t) = &self.table {
            let i: usize = t.strides.iter().map(|(f, s)| facts.index(*f) * s).sum();
            return t
                .bits
                .get(i)
                .copied()
                .ok_or_else(|| "fact outside the policy's domain".to_string());
        }
        let mut ctx = Context::with_env(Arc::clone(env));
        for f in &self.facts {
            ctx.add_variable_from_value(f.name(), facts.value(*f));
        }
        match self.program.execute(&ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "condition yields {} instead of a bool",
                describe(&other)
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Collects comprehension-local variable names and string literals.
/// Longest condition source accepted (the reference conditions are under 200 bytes).
pub const MAX_CONDITION_BYTES: usize = 4096;
/// Deepest nesting accepted: of brackets in the source, and of the parsed expression tree. The CEL parser,
/// checker and evaluator recurse over the tree, so a deeply nested condition would overflow the stack and
/// abort the whole process; these limits are checked first, without recursion.
pub const MAX_CONDITION_DEPTH: usize = 32;

/// Size and bracket nesting of a condition's source, checked before the CEL parser sees it. Scans once,
/// iteratively; brackets inside string literals do not count.
fn check_shape(source: &str) -> Result<(), String> {
    if source.len() > MAX_CONDITION_BYTES {
        return Err(format!(
            "condition is {} bytes long; at most {MAX_CONDITION_BYTES} are allowed",
            source.len()
        ));
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in source.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_CONDITION_DEPTH {
        return Err(format!(
            "condition nests brackets {deepest} levels deep; at most {MAX_CONDITION_DEPTH} are allowed"
        ));
    }
    Ok(())
}

/// Depth of an expression tree, computed with an explicit stack (no recursion).
fn tree_depth<'a>(root: &'a IdedExpr) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&'a IdedExpr, usize)> = vec![(root, 1)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        let mut push = |x: &'a IdedExpr| stack.push((x, d + 1));
        match &e.expr {
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    push(t);
                }
                c.args.iter().for_each(&mut push);
            }
            Expr::Comprehension(c) => {
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    push(x);
                }
            }
            Expr::List(l) => l.elements.iter().for_each(&mut push),
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        push(&me.key);
                        push(&me.value);
                    }
                }
            }
            Expr::Select(s) => push(&s.operand),
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        push(&f.value);
                    }
                }
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    deepest
}

fn walk(e: &IdedExpr, local: &mut BTreeSet<String>, literals: &mut Vec<String>) {
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, local, literals);
            }
            for a in &c.args {
                walk(a, local, literals);
            }
        }
        Expr::Comprehension(c) => {
            local.insert(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                local.insert(v.clone());
            }
            local.insert(c.accu_var.clone());
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                walk(x, local, literals);
            }
        }
        Expr::List(l) => {
            for x in &l.elements {
                walk(x, local, literals);
            }
        }
        Expr::Literal(LiteralValue::String(s)) => literals.push(s.to_string()),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, local, literals);
                    walk(&me.value, local, literals);
                }
            }
        }
        Expr::Select(s) => walk(&s.operand, local, literals),
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(&f.value, local, literals);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The truth table and the interpreter agree on every reference condition for a spread of fact values.
    #[test]
    fn tables_agree_with_interpretation() {
        let set = crate::reference();
        let countries: Vec<String> = set.countries().iter().map(|c| c.code.clone()).collect();
        let regimes: Vec<String> = ["none", "defence", "dual-use"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vocab = Vocabulary {
            countries: &countries,
            entries: &[],
            aliases: &[],
            regimes: &regimes,
        };
        let mut checked = 0;
        for rule in set.rules() {
            for v in &rule.versions {
                let tabled = Condition::compile(&v.when, &set.env, &vocab).expect("compiles");
                assert!(
                    tabled.table.is_some(),
                    "{} is small enough to table",
                    v.when
                );
                let mut interpreted =
                    Condition::compile(&v.when, &set.env, &vocab).expect("compiles");
                interpreted.table = None;
                for n in 0..10240usize {
                    let facts = FactValues {
                        licence: LicenceKind::ALL[n % 2],
                        security_grade: SecurityGrade::ALL[(n / 2) % 4],
                        end_user_type: EndUserType::ALL[(n / 8) % 5],
                        destination_index: (n * 7) % countries.len(),
                        destination: &countries[(n * 7) % countries.len()],
                        tier: 1 + ((n / 40) % 4) as u8,
                        embargoed: (n / 160) % 2 == 1,
                        partial_embargo: (n / 5120) % 2 == 1,
                        wassenaar: (n / 320) % 2 == 1,
                        listed: (n / 640) % 2 == 1,
                        cyber_surveillance: (n / 1280) % 2 == 1,
                        catch_all_notified: (n / 2560) % 2 == 1,
                        denial_match: (n / 3) % 2 == 1,
                        evidence_of_misuse: (n / 11) % 2 == 1,
                        control_entries: &[],
                        regime_index: (n / 11) % 3,
                        regime: &regimes[(n / 11) % 3],
                        red_flag: (n / 5) % 2 == 1,
                        refusal_advised: (n / 7) % 2 == 1,
                    };
                    assert_eq!(
                        tabled.holds(&facts, &set.env),
                        interpreted.holds(&facts, &set.env),
                        "{} at {n}",
                        v.when
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40_000);
    }

    #[test]
    fn comprehension_variables_are_not_facts_and_large_domains_are_interpreted() {
        let env = Arc::new(Env::stdlib());
        let countries: Vec<String> = (b'A'..=b'Z')
            .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
            .collect();
        let entries = vec!["4A005".to_string()];
        let vocab = Vocabulary {
            countries: &countries,
            entries: &entries,
            aliases: &[],
            regimes: &[],
        };
        let c = Condition::compile("control_entries.exists(e, e == '4A005')", &env, &vocab)
            .expect("compiles");
        assert!(c.table.is_none());
        assert_eq!(c.facts(), &[Fact::ControlEntries]);
        // 676 destinations x 5 end-user types x 4 grades x 2 licences > MAX_TABLE: interpreted.
        let big = "destination == 'FR' && end_user_type == 'private' && security_grade == 'secret' && licence == 'export'";
        assert!(Condition::compile(big, &env, &vocab)
            .expect("compiles")
            .table
            .is_none());
        assert!(Condition::compile("destination == 'FR'", &env, &vocab)
            .expect("compiles")
            .table
            .is_some());
    }
}
