//! Dates in policy files: TOML local dates (`2017-01-01`) converted to [`chrono::NaiveDate`], and
//! inclusive effective periods.

use chrono::NaiveDate;

/// Converts a TOML datetime that must be a plain local date.
pub(crate) fn from_toml(d: &toml::value::Datetime) -> Result<NaiveDate, String> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or_else(|| format!("{d} is not a valid calendar date")),
        _ => Err(format!(
            "{d} must be a date (YYYY-MM-DD) without a time or offset"
        )),
    }
}

/// True when `day` lies in the inclusive period `from..=through` (`through` open-ended when `None`).
pub(crate) fn in_period(day: NaiveDate, from: NaiveDate, through: Option<NaiveDate>) -> bool {
    day >= from && through.is_none_or(|t| day <= t)
}
