//! Working-day arithmetic for processing-time targets: weekends and configured public holidays excluded, and
//! intervals during which the clock is stopped (awaiting the exporter) not counted.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// A working-day calendar.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// Working days in the half-open interval (start, end]: the day a case arrives does not count, the day it is
    /// decided does. Zero when end <= start.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = start;
        while d < end {
            d = d.succ_opt().expect("date in range");
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Elapsed working days of a clock that ran during `running` intervals (each (start, end], end None =
    /// still running at `today`), with stopped intervals in between excluded.
    pub fn elapsed(&self, running: &[(NaiveDate, Option<NaiveDate>)], today: NaiveDate) -> u32 {
        running
            .iter()
            .map(|(s, e)| self.working_days_between(*s, e.unwrap_or(today)))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_excluded() {
        let c = Calendar::new([d("2026-12-25")]);
        // Mon 2026-11-23 -> Mon 2026-11-30: Tue..Fri + Mon = 5
        assert_eq!(c.working_days_between(d("2026-11-23"), d("2026-11-30")), 5);
        // Thu 24 Dec -> Mon 28 Dec: Fri 25 is a holiday, Sat/Sun weekend, Mon counts = 1
        assert_eq!(c.working_days_between(d("2026-12-24"), d("2026-12-28")), 1);
        assert_eq!(c.working_days_between(d("2026-12-28"), d("2026-12-24")), 0);
    }

    #[test]
    fn stopped_clock_is_not_counted() {
        let c = Calendar::default();
        // running Mon 2 -> Fri 6 Nov (4 days), stopped, running again Mon 16 -> Wed 18 (2 days)
        let running = [
            (d("2026-11-02"), Some(d("2026-11-06"))),
            (d("2026-11-16"), None),
        ];
        assert_eq!(c.elapsed(&running, d("2026-11-18")), 6);
    }
}
