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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_dates_convert_or_explain() {
        let d: toml::value::Datetime = "2021-11-25".parse().expect("datetime");
        assert_eq!(
            from_toml(&d),
            Ok(NaiveDate::from_ymd_opt(2021, 11, 25).expect("date"))
        );
        let t: toml::value::Datetime = "2021-11-25T10:00:00".parse().expect("datetime");
        assert!(from_toml(&t).unwrap_err().contains("without a time"));
    }

    #[test]
    fn periods_are_inclusive() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert!(in_period(
            d("2020-10-18"),
            d("2010-06-09"),
            Some(d("2020-10-18"))
        ));
        assert!(!in_period(
            d("2020-10-19"),
            d("2010-06-09"),
            Some(d("2020-10-18"))
        ));
        assert!(!in_period(d("2010-06-08"), d("2010-06-09"), None));
        assert!(in_period(d("2099-01-01"), d("2010-06-09"), None));
    }
}
