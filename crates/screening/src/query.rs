//! Screening queries: validation with field-named errors.

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
    /// [`MAX_NAME_CHARS`] characters, a name without letters or digits, an impossible date or an unknown country
    /// code is an error naming its field.
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
        let birth_date = match birth_date.map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(validate_date(d).map_err(|m| err("birth_date", m))?),
        };
        if countries.len() > MAX_COUNTRIES {
            return Err(err(
                "countries",
                format!("{} codes; at most {MAX_COUNTRIES}", countries.len()),
            ));
        }
        let mut cs = Vec::with_capacity(countries.len());
        for c in countries {
            let u = c.trim().to_ascii_uppercase();
            if !is_country_code(&u) {
                return Err(err(
                    "countries",
                    format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
                ));
            }
            if !cs.contains(&u) {
                cs.push(u);
            }
        }
        if identifiers.len() > MAX_IDENTIFIERS {
            return Err(err(
                "identifiers",
                format!("{} values; at most {MAX_IDENTIFIERS}", identifiers.len()),
            ));
        }
        let mut ids = Vec::new();
        for i in identifiers {
            let norm = normalize_identifier(i);
            if norm.len() < 4 || norm.len() > 64 {
                return Err(err(
                    "identifiers",
                    format!("{i:?} must have 4 to 64 letters or digits"),
                ));
            }
            ids.push(i.trim().to_string());
        }
        Ok(Query {
            name: cleaned,
            kind,
            birth_date,
            countries: cs,
            identifiers: ids,
        })
    }

    /// Validate a query received as JSON.
    pub fn from_input(input: &QueryInput) -> Result<Query, QueryError> {
        let name = match &input.name {
            Some(serde_json::Value::String(s)) => s.as_str(),
            None | Some(serde_json::Value::Null) => return Err(err("name", "missing")),
            Some(_) => return Err(err("name", "must be a string")),
        };
        let kind = match &input.kind {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(parse_kind(s).ok_or_else(|| {
                err(
                    "kind",
                    format!("{s:?} is not one of person, organization, vessel, aircraft"),
                )
            })?),
            Some(_) => return Err(err("kind", "must be a string")),
        };
        let birth_date = match &input.birth_date {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                return Err(err(
                    "birth_date",
                    "must be a string YYYY, YYYY-MM or YYYY-MM-DD",
                ))
            }
        };
        let countries = string_list(&input.countries, "countries")?;
        let identifiers = string_list(&input.identifiers, "identifiers")?;
        Query::new(name, kind, birth_date, &countries, &identifiers)
    }
}

fn string_list(
    v: &Option<serde_json::Value>,
    field: &'static str,
) -> Result<Vec<String>, QueryError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::String(s)) => Ok(vec![s.clone()]),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| err(field, "must be a list of strings"))
            })
            .collect(),
        Some(_) => Err(err(field, "must be a list of strings")),
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
        let e = Query::new("x", None, Some("1981-02-30"), &[], &[]).unwrap_err();
        assert_eq!(e.field, "birth_date");
        assert!(Query::new("x", None, Some("2000-02-29"), &[], &[]).is_ok());
        assert!(Query::new("x", None, Some("1900-02-29"), &[], &[]).is_err());
        assert!(Query::new("x", None, Some("81"), &[], &[]).is_err());
        assert_eq!(
            Query::new("x", None, None, &["ZZ".into()], &[])
                .unwrap_err()
                .field,
            "countries"
        );
        assert_eq!(
            Query::new("x", None, None, &["de".into()], &[])
                .unwrap()
                .countries,
            ["DE"]
        );
        let input: QueryInput = serde_json::from_str(r#"{"name":"x","kind":"robot"}"#).unwrap();
        assert_eq!(Query::from_input(&input).unwrap_err().field, "kind");
        let input: QueryInput = serde_json::from_str(r#"{"name":5}"#).unwrap();
        assert_eq!(
            Query::from_input(&input).unwrap_err().to_string(),
            "name: must be a string"
        );
        let input: QueryInput = serde_json::from_str(r#"{"name":"x","countries":"iq"}"#).unwrap();
        assert_eq!(Query::from_input(&input).unwrap().countries, ["IQ"]);
    }
}
