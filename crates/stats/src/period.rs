//! Statistical periods: a calendar year (`2026`) or quarter (`2026-Q3`).

use chrono::NaiveDate;

/// A calendar year or quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    label: String,
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a period string is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError(pub String);

impl std::fmt::Display for PeriodError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Period {
    /// Parses `YYYY` or `YYYY-Qn` (n = 1..4), years 2000 to 2100.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let bad = || {
            PeriodError(format!(
                "{s:?} is not a period: give a year (2026) or a quarter (2026-Q3)"
            ))
        };
        let (y, q) = match s.split_once('-') {
            None => (s, None),
            Some((y, q)) => {
                let n = q.strip_prefix('Q').ok_or_else(bad)?;
                let n: u32 = match n {
                    "1" => 1,
                    "2" => 2,
                    "3" => 3,
                    "4" => 4,
                    _ => return Err(bad()),
                };
                (y, Some(n))
            }
        };
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(PeriodError(format!(
                "{s:?}: the year must be between 2000 and 2100"
            )));
        }
        let (m0, m1) = match q {
            None => (1, 12),
            Some(n) => (3 * n - 2, 3 * n),
        };
        let from = NaiveDate::from_ymd_opt(year, m0, 1).ok_or_else(bad)?;
        let next = if m1 == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, m1 + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period {
            label: s.to_string(),
            from,
            to: next.pred_opt().ok_or_else(bad)?,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }
    /// First day (inclusive).
    pub fn from(&self) -> NaiveDate {
        self.from
    }
    /// Last day (inclusive).
    pub fn to(&self) -> NaiveDate {
        self.to
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// The calendar year of this period and its four quarters, year first: the periods whose tables add up
    /// (the year's cells are the sums of the quarters'), protected together by disclosure control.
    pub fn year_family(&self) -> Vec<Period> {
        let year = &self.label[..4];
        std::iter::once(year.to_string())
            .chain((1..=4).map(|q| format!("{year}-Q{q}")))
            .filter_map(|l| Period::parse(&l).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_quarters() {
        let p = Period::parse("2026").unwrap();
        assert_eq!(
            (p.from().to_string(), p.to().to_string()),
            ("2026-01-01".into(), "2026-12-31".into())
        );
        let q = Period::parse("2024-Q1").unwrap();
        assert_eq!(
            (q.from().to_string(), q.to().to_string()),
            ("2024-01-01".into(), "2024-03-31".into())
        );
        let q = Period::parse("2025-Q4").unwrap();
        assert_eq!(q.to().to_string(), "2025-12-31");
        let family: Vec<String> = q.year_family().iter().map(|p| p.label().into()).collect();
        assert_eq!(family, ["2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
        assert_eq!(Period::parse("2025").unwrap().year_family().len(), 5);
        for bad in [
            "",
            "26",
            "2026-Q5",
            "2026-Q0",
            "2026-q1",
            "1999",
            "2026-01",
            "２０２６",
            "2026-Q1x",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
