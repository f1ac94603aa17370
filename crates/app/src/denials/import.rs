//! Strict import of partner denials from CSV or JSON Lines (formats in docs/denials.md). The whole file is
//! parsed and validated before anything is stored; the first error names its line and field, and a file with
//! an error changes nothing.

use super::{register_reference, DenialBody, DenialInput, DeniedParty, DENIAL, IN_FORCE};
use crate::{audit, new_id, now, App, AppError, AppResult, Principal};
use domain::{CountryCode, Role};
use serde::Serialize;
use store::Record;
use utoipa::ToSchema;

/// The CSV columns, in this order, in the header line.
pub const CSV_COLUMNS: &[&str] = &[
    "regime",
    "denying_state",
    "reference",
    "date",
    "control_entries",
    "item_description",
    "end_user_name",
    "end_user_address",
    "end_user_country",
    "consignee_name",
    "consignee_address",
    "consignee_country",
    "destination",
    "end_use",
    "criteria",
    "renewed_on",
];

/// Largest file accepted, in lines.
pub const MAX_LINES: usize = 200_000;

/// An import file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::JsonLines),
            _ => Err(format!(
                "{s:?} is not a denials file format; use csv or jsonl"
            )),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ImportSummary {
    /// Denials new to the register.
    pub added: usize,
    /// Denials already in the register (same denying state and reference) whose details changed.
    pub updated: usize,
    /// Denials already in the register with the same details.
    pub unchanged: usize,
    /// Open cases whose denial matches changed.
    pub cases_rematched: usize,
}

fn at_line(line: usize, field: &str, reason: impl Into<String>) -> AppError {
    AppError::invalid(format!("line {line}: {field}"), reason)
}

/// Parses a whole file into (line number, details). Nothing is validated against the policy here.
pub fn parse(format: Format, bytes: &[u8]) -> AppResult<Vec<(usize, DenialInput)>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        at_line(line, "file", "is not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::JsonLines => parse_jsonl(text),
        Format::Csv => parse_csv(text),
    }
}

fn parse_jsonl(text: &str) -> AppResult<Vec<(usize, DenialInput)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if out.len() == MAX_LINES {
            return Err(at_line(
                line,
                "file",
                format!("more than {MAX_LINES} denials"),
            ));
        }
        let de = &mut serde_json::Deserializer::from_str(raw);
        let d: DenialInput = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "line".to_string()
            } else {
                path
            };
            at_line(line, &field, e.into_inner().to_string())
        })?;
        out.push((line, d));
    }
    if out.is_empty() {
        return Err(at_line(1, "file", "holds no denial"));
    }
    Ok(out)
}

fn parse_csv(text: &str) -> AppResult<Vec<(usize, DenialInput)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| at_line(1, "header", e.to_string()))?
        .clone();
    let got: Vec<&str> = header.iter().map(str::trim).collect();
    if got != CSV_COLUMNS {
        return Err(at_line(
            1,
            "header",
            format!("the header must be exactly: {}", CSV_COLUMNS.join(",")),
        ));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            at_line(line, "row", e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if out.len() == MAX_LINES {
            return Err(at_line(
                line,
                "file",
                format!("more than {MAX_LINES} denials"),
            ));
        }
        let col = |name: &str| -> &str {
            let i = CSV_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
            rec.get(i).unwrap_or("").trim()
        };
        let list = |name: &str| -> Vec<String> {
            col(name)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let country = |name: &str| -> AppResult<Option<CountryCode>> {
            match col(name) {
                "" => Ok(None),
                c => CountryCode::parse(c)
                    .map(Some)
                    .map_err(|e| at_line(line, name, e)),
            }
        };
        let required_country = |name: &str| -> AppResult<CountryCode> {
            country(name)?.ok_or_else(|| at_line(line, name, "must not be empty"))
        };
        let date = |name: &str| -> AppResult<Option<chrono::NaiveDate>> {
            match col(name) {
                "" => Ok(None),
                d => d
                    .parse()
                    .map(Some)
                    .map_err(|_| at_line(line, name, format!("{d:?} is not a date (YYYY-MM-DD)"))),
            }
        };
        let opt = |name: &str| -> Option<String> {
            Some(col(name).to_string()).filter(|s| !s.is_empty())
        };
        let consignee = match opt("consignee_name") {
            Some(name) => Some(DeniedParty {
                name,
                address: opt("consignee_address"),
                country: country("consignee_country")?,
            }),
            None => {
                if opt("consignee_address").is_some() || opt("consignee_country").is_some() {
                    return Err(at_line(
                        line,
                        "consignee_name",
                        "a consignee address or country is given without its name",
                    ));
                }
                None
            }
        };
        let d = DenialInput {
            regime: col("regime").into(),
            denying_state: required_country("denying_state")?,
            reference: col("reference").into(),
            date: date("date")?.ok_or_else(|| at_line(line, "date", "must not be empty"))?,
            control_entries: list("control_entries"),
            item_description: col("item_description").into(),
            end_user: DeniedParty {
                name: col("end_user_name").into(),
                address: opt("end_user_address"),
                country: country("end_user_country")?,
            },
            consignee,
            destination: required_country("destination")?,
            end_use: col("end_use").into(),
            criteria: list("criteria"),
            renewed_on: date("renewed_on")?,
        };
        out.push((line, d));
    }
    if out.is_empty() {
        return Err(at_line(2, "file", "holds no denial"));
    }
    Ok(out)
}

/// The CSV field for a validation error's field (the JSON path), so a CSV error names the CSV column.
fn csv_field(field: &str) -> String {
    match field {
        "end_user.name" => "end_user_name".into(),
        "end_user.address" => "end_user_address".into(),
        "end_user.country" => "end_user_country".into(),
        "consignee.name" => "consignee_name".into(),
        "consignee.address" => "consignee_address".into(),
        "consignee.country" => "consignee_country".into(),
        f => match f.split_once('[') {
            Some((base, _)) => base.to_string(),
            None => f.to_string(),
        },
    }
}

impl App {
    /// Imports a partner denials file: every line parsed and validated first; then, in one transaction, each
    /// denial is added, or updated when the register already holds the same denying state and reference.
    /// Open cases are re-matched afterwards.
    pub async fn import_denials(
        &self,
        who: &Principal,
        format: Format,
        bytes: &[u8],
    ) -> AppResult<ImportSummary> {
        who.require(&[Role::Officer, Role::Admin], "import denials")?;
        let parsed = parse(format, bytes)?;
        let mut valid: Vec<DenialInput> = Vec::with_capacity(parsed.len());
        let mut seen = std::collections::HashMap::new();
        for (line, d) in parsed {
            let d = self.validate_denial("", d).map_err(|e| match e {
                AppError::Invalid { field, reason } => {
                    let field = if format == Format::Csv {
                        csv_field(&field)
                    } else {
                        field
                    };
                    at_line(line, &field, reason)
                }
                other => other,
            })?;
            if let Some(first) = seen.insert(register_reference(&d), line) {
                return Err(at_line(
                    line,
                    "reference",
                    format!("repeats the denying state and reference of line {first}"),
                ));
            }
            valid.push(d);
        }
        let mut summary = ImportSummary {
            added: 0,
            updated: 0,
            unchanged: 0,
            cases_rematched: 0,
        };
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        for d in valid {
            let key = register_reference(&d);
            match tx.get_by_reference::<DenialBody>(DENIAL, &key).await {
                Ok(before) if before.body.details == d => summary.unchanged += 1,
                Ok(before) => {
                    if before.body.own {
                        return Err(AppError::Conflict(format!(
                            "{key} is a denial of this authority; an import does not change it"
                        )));
                    }
                    let mut after = before.clone();
                    after.body.details = d;
                    after.search = after.body.details.end_user.name.to_lowercase();
                    after.version += 1;
                    after.updated_at = now();
                    tx.update(&after).await?;
                    audit(
                        &mut tx,
                        who,
                        "import-denial",
                        DENIAL,
                        &after.id,
                        Some(&before.body),
                        Some(&after.body),
                        None,
                    );
                    summary.updated += 1;
                }
                Err(store::StoreError::NotFound) => {
                    let mut rec = Record::new(
                        new_id(),
                        DENIAL,
                        None,
                        IN_FORCE,
                        DenialBody {
                            details: d,
                            own: false,
                            case_id: None,
                            case_reference: None,
                            event: None,
                            recorded_by: who.user_id.clone(),
                            revocation: None,
                        },
                        now(),
                    );
                    rec.reference = Some(key);
                    rec.search = rec.body.details.end_user.name.to_lowercase();
                    tx.insert(&rec).await?;
                    audit(
                        &mut tx,
                        who,
                        "import-denial",
                        DENIAL,
                        &rec.id,
                        None::<&()>,
                        Some(&rec.body),
                        None,
                    );
                    summary.added += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        if summary.added + summary.updated > 0 {
            summary.cases_rematched = self.register_changed().await?;
        }
        Ok(summary)
    }
}
