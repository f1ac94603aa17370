//! Screening queries: validation with field-named errors and warnings.
//!
//! Only the name decides whether a query can be screened: a missing, empty, over-long or letterless name is an
//! error. A malformed optional qualifier (kind, birth date, country, identifier) never keeps a name from being
//! screened: it is left out and the query carries a [`QueryWarning`] naming the field.

use lists::EntityKind;
use serde::{Deserialize, Serialize};

/// Longest accepted name, in characters (after control characters are removed).
pub const MAX_NAME_CHARS: usize = 1000;
/// Most identifiers accepted in one query.
pub const MAX_IDENTIFIERS: usize = 20;
/// Most countries accepted in one query.
pub const MAX_COUNTRIES: usize = 50;

/// A validated screening query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EntityKind>,
    /// "YYYY", "YYYY-MM" or "YYYY-MM-DD".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Identifier numbers (passport, registration, IMO, ...), as written; compared on letters and digits only.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// Qualifiers that were malformed and left out; the name was screened without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<QueryWarning>,
}

/// An optional qualifier that was malformed and left out of the query. Displays as `field: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct QueryWarning {
    /// `kind`, `birth_date`, `countries` or `identifiers`.
    pub field: String,
    /// What was wrong, ending with what was done about it.
    pub message: String,
}

fn warn(field: &str, message: impl std::fmt::Display) -> QueryWarning {
    QueryWarning {
        field: field.to_string(),
        message: format!("{message}; screened without it"),
    }
}

/// A query field that failed validation. Displays as `field: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct QueryError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> QueryError {
    QueryError {
        field,
        message: message.into(),
    }
}

/// The JSON shape of a query as received (every field optional so that errors can name the field).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryInput {
    #[serde(default)]
    pub name: Option<serde_json::Value>,
    #[serde(default)]
    pub kind: Option<serde_json::Value>,
    #[serde(default)]
    pub birth_date: Option<serde_json::Value>,
    #[serde(default)]
    pub countries: Option<serde_json::Value>,
    #[serde(default)]
    pub identifiers: Option<serde_json::Value>,
}

impl Query {
    /// A query with only a name.
    pub fn name(name: &str) -> Result<Query, QueryError> {
        Query::new(name, None, None, &[], &[])
    }

    /// Validate and build a query. Control characters are removed from the name; an empty name, a name over
    /// [`MAX_NAME_CHARS`] characters or a name without letters or digits is an error naming the field. An
    /// impossible date, an unknown country code or a malformed identifier is left out with a warning
    /// ([`Query::warnings`]): a typo in a qualifier must not keep a name from being screened.
    pub fn new(
        name: &str,
        kind: Option<EntityKind>,
        birth_date: Option<&str>,
        countries: &[String],
        identifiers: &[String],
    ) -> Result<Query, QueryError> {
        let cleaned: String = name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if cleaned.is_empty() {
            return Err(err("name", "empty"));
        }
        let n = cleaned.chars().count();
        if n > MAX_NAME_CHARS {
            return Err(err(
                "name",
                format!("{n} characters; at most {MAX_NAME_CHARS} are accepted"),
            ));
        }
        if !cleaned.chars().any(char::is_alphanumeric) {
            return Err(err("name", "has no letters or digits"));
        }
        let mut warnings = Vec::new();
        let birth_date = match birth_date.map(str::trim) {
            None | Some("") => None,
            Some(d) => match validate_date(d) {
                Ok(d) => Some(d),
                Err(m) => {
                    warnings.push(warn("birth_date", m));
                    None
                }
            },
        };
        let mut cs = Vec::with_capacity(countries.len().min(MAX_COUNTRIES));
        for c in countries {
            let u = c.trim().to_ascii_uppercase();
            if !is_country_code(&u) {
                warnings.push(warn(
                    "countries",
                    format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
                ));
            } else if cs.len() == MAX_COUNTRIES {
                warnings.push(warn(
                    "countries",
                    format!(
                        "{} codes; at most {MAX_COUNTRIES} are used",
                        countries.len()
                    ),
                ));
                break;
            } else if !cs.contains(&u) {
                cs.push(u);
            }
        }
        let mut ids = Vec::new();
        for i in identifiers {
            let norm = normalize_identifier(i);
            if norm.len() < 4 || norm.len() > 64 {
                warnings.push(warn(
                    "identifiers",
                    format!("{i:?} must have 4 to 64 letters or digits"),
                ));
            } else if ids.len() == MAX_IDENTIFIERS {
                warnings.push(warn(
                    "identifiers",
                    format!(
                        "{} values; at most {MAX_IDENTIFIERS} are used",
                        identifiers.len()
                    ),
                ));
                break;
            } else {
                ids.push(i.trim().to_string());
            }
        }
        Ok(Query {
            name: cleaned,
            kind,
            birth_date,
            countries: cs,
            identifiers: ids,
            warnings,
        })
    }

    /// Validate a query received as JSON.
    pub fn from_input(input: &QueryInput) -> Result<Query, QueryError> {
        let name = match &input.name {
            Some(serde_json::Value::String(s)) => s.as_str(),
            None | Some(serde_json::Value::Null) => return Err(err("name", "missing")),
            Some(_) => return Err(err("name", "must be a string")),
        };
        let mut warnings = Vec::new();
        let kind = match &input.kind {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => parse_kind(s).or_else(|| {
                warnings.push(warn(
                    "kind",
                    format!("{s:?} is not one of person, organization, vessel, aircraft"),
                ));
                None
            }),
            Some(_) => {
                warnings.push(warn("kind", "must be a string"));
                None
            }
        };
        let birth_date = match &input.birth_date {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                warnings.push(warn(
                    "birth_date",
                    "must be a string YYYY, YYYY-MM or YYYY-MM-DD",
                ));
                None
            }
        };
        let countries = string_list(&input.countries, "countries", &mut warnings);
        let identifiers = string_list(&input.identifiers, "identifiers", &mut warnings);
        let mut q = Query::new(name, kind, birth_date, &countries, &identifiers)?;
        warnings.append(&mut q.warnings);
        q.warnings = warnings;
        Ok(q)
    }
}

/// A list of strings (or one string); anything else, or a non-string element, is left out with a warning.
fn string_list(
    v: &Option<serde_json::Value>,
    field: &'static str,
    warnings: &mut Vec<QueryWarning>,
) -> Vec<String> {
    match v {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| {
                let s = x.as_str().map(str::to_string);
                if s.is_none() {
                    warnings.push(warn(field, format!("{x} is not a string")));
                }
                s
            })
            .collect(),
        Some(_) => {
            warnings.push(warn(field, "must be a list of strings"));
            Vec::new()
        }
    }
}

/// Parse an entity kind: person/individual, organization/organisation/entity/company, vessel, aircraft.
pub fn parse_kind(s: &str) -> Option<EntityKind> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "person" | "individual" => EntityKind::Person,
        "organization" | "organisation" | "entity" | "company" => EntityKind::Organization,
        "vessel" => EntityKind::Vessel,
        "aircraft" => EntityKind::Aircraft,
        _ => return None,
    })
}

/// Identifier comparison form: letters and digits, upper case.
pub fn normalize_identifier(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Check a "YYYY", "YYYY-MM" or "YYYY-MM-DD" date (years 1800-2100, real calendar days).
pub fn validate_date(d: &str) -> Result<String, String> {
    let bad = || format!("{d:?} is not a date YYYY, YYYY-MM or YYYY-MM-DD");
    let parts: Vec<&str> = d.split('-').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(bad());
    }
    let lens = [4, 2, 2];
    let mut nums = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if p.len() != lens[i] || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        nums.push(p.parse::<u32>().map_err(|_| bad())?);
    }
    let y = nums[0];
    if !(1800..=2100).contains(&y) {
        return Err(format!("year {y} is outside 1800-2100"));
    }
    if let Some(&m) = nums.get(1) {
        if !(1..=12).contains(&m) {
            return Err(format!("month {m:02} does not exist"));
        }
        if let Some(&day) = nums.get(2) {
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            let max = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if day == 0 || day > max {
                return Err(format!("day {day:02} does not exist in {y}-{m:02}"));
            }
        }
    }
    Ok(d.to_string())
}

const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Whether `c` (upper case) is an ISO 3166-1 alpha-2 code (plus XK, Kosovo, which lists use).
pub fn is_country_code(c: &str) -> bool {
    c.len() == 2 && COUNTRY_CODES.split(' ').any(|x| x == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert_eq!(Query::name("").unwrap_err().field, "name");
        assert_eq!(
            Query::name(" \u{0000}\t ").unwrap_err().to_string(),
            "name: empty"
        );
        assert_eq!(Query::name("!!!").unwrap_err().field, "name");
        assert!(Query::name(&"a".repeat(10_000))
            .unwrap_err()
            .to_string()
            .starts_with("name: 10000 characters"));
        assert_eq!(Query::name("Foo\u{0007}Bar").unwrap().name, "Foo Bar");
        // A malformed qualifier is left out with a warning naming its field; the name is still screened.
        let q = Query::new("x", None, Some("1981-02-30"), &[], &[]).unwrap();
        assert_eq!(q.birth_date, None);
        assert_eq!(q.warnings.len(), 1);
        assert_eq!(q.warnings[0].field, "birth_date");
        assert!(q.warnings[0].to_string().ends_with("screened without it"));
        assert!(Query::new("x", None, Some("2000-02-29"), &[], &[])
            .unwrap()
            .warnings
            .is_empty());
        assert_eq!(
            Query::new("x", None, Some("1900-02-29"), &[], &[])
                .unwrap()
                .birth_date,
            None
        );
        assert_eq!(
            Query::new("x", None, Some("81"), &[], &[])
                .unwrap()
                .warnings[0]
                .field,
            "birth_date"
        );
        let q = Query::new("x", None, None, &["ZZ".into(), "de".into()], &["12".into()]).unwrap();
        assert_eq!(q.countries, ["DE"], "the good code is kept");
        assert_eq!(
            q.warnings
                .iter()
                .map(|w| w.field.as_str())
                .collect::<Vec<_>>(),
            ["countries", "identifiers"]
        );
        assert!(q.identifiers.is_empty());
        let input: QueryInput = serde_json::from_str(
            r#"{"name":"x","kind":"robot","birth_date":5,"countries":[1,"iq"]}"#,
        )
        .unwrap();
        let q = Query::from_input(&input).unwrap();
        assert_eq!((q.kind, q.birth_date.as_deref()), (None, None));
        assert_eq!(q.countries, ["IQ"]);
        assert_eq!(
            q.warnings
                .iter()
                .map(|w| w.field.as_str())
                .collect::<Vec<_>>(),
            ["kind", "birth_date", "countries"]
        );
        // Only the name is required.
        let input: QueryInput = serde_json::from_str(r#"{"kind":"person"}"#).unwrap();
        assert_eq!(
            Query::from_input(&input).unwrap_err().to_string(),
            "name: missing"
        );
        let input: QueryInput = serde_json::from_str(r#"{"name":5}"#).unwrap();
        assert_eq!(
            Query::from_input(&input).unwrap_err().to_string(),
            "name: must be a string"
        );
        let input: QueryInput = serde_json::from_str(r#"{"name":"x","countries":"iq"}"#).unwrap();
        assert_eq!(Query::from_input(&input).unwrap().countries, ["IQ"]);
    }
}
