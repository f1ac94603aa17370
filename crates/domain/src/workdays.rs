//! Working-day arithmetic for processing-time targets: the authority's working week (configuration: the
//! reference deployment works Sunday to Thursday), its public holidays, and its time zone (an IANA name, so
//! "today" is the authority's day, not UTC's). Intervals during which the clock is stopped (awaiting the
//! exporter) are not counted.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
pub use chrono_tz::Tz;
use std::collections::BTreeSet;

/// An IANA time-zone name (`Asia/Jerusalem`, `Europe/London`, `UTC`) as a [`Tz`].
pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| format!("{name:?} is not an IANA time-zone name (e.g. Asia/Jerusalem)"))
}

/// The days of the week an authority works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingWeek {
    /// Indexed by [`Weekday::num_days_from_monday`].
    days: [bool; 7],
}

impl Default for WorkingWeek {
    fn default() -> Self {
        WorkingWeek::MONDAY_TO_FRIDAY
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WorkingWeek {
    /// Monday to Friday (the default, as before working weeks were configurable).
    pub const MONDAY_TO_FRIDAY: WorkingWeek = WorkingWeek {
        days: [true, true, true, true, true, false, false],
    };
    /// Sunday to Thursday (Israel's government offices; the reference deployment).
    pub const SUNDAY_TO_THURSDAY: WorkingWeek = WorkingWeek {
        days: [true, true, true, true, false, false, true],
    };

    /// Parses day names (`sun`, `mon`, ... or `sunday`, ..., any case); at least one day, none twice.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<WorkingWeek, String> {
        let mut days = [false; 7];
        for name in names {
            let n = name.trim().to_ascii_lowercase();
            let i = DAY_NAMES
                .iter()
                .position(|d| n == *d || (n.len() > 3 && n.starts_with(d) && is_full_name(&n)))
                .ok_or_else(|| {
                    format!(
                        "{name:?} is not a day of the week (use sun, mon, tue, wed, thu, fri, sat)"
                    )
                })?;
            if days[i] {
                return Err(format!("{name:?} is given twice"));
            }
            days[i] = true;
        }
        if !days.contains(&true) {
            return Err("a working week needs at least one day".to_string());
        }
        Ok(WorkingWeek { days })
    }

    pub fn contains(&self, day: Weekday) -> bool {
        self.days[day.num_days_from_monday() as usize]
    }

    /// The working days as short names, Monday first.
    pub fn names(&self) -> Vec<&'static str> {
        DAY_NAMES
            .iter()
            .zip(self.days)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect()
    }
}

fn is_full_name(n: &str) -> bool {
    matches!(
        n,
        "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
    )
}

/// A working-day calendar: working week, public holidays and time zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    week: WorkingWeek,
    holidays: BTreeSet<NaiveDate>,
    time_zone: Tz,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::new([])
    }
}

impl Calendar {
    /// Monday to Friday, UTC, with these public holidays.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar::with_week(WorkingWeek::default(), Tz::UTC, holidays)
    }

    /// A calendar with its own working week and time zone.
    pub fn with_week(
        week: WorkingWeek,
        time_zone: Tz,
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Calendar {
            week,
            holidays: holidays.into_iter().collect(),
            time_zone,
        }
    }

    /// The same calendar with more holidays (e.g. extra days the deployment configures).
    pub fn and_holidays(mut self, more: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(more);
        self
    }

    pub fn working_week(&self) -> WorkingWeek {
        self.week
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The authority's date at the instant `now`.
    pub fn date_at(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }

    /// The authority's date now.
    pub fn today(&self) -> NaiveDate {
        self.date_at(Utc::now())
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.week.contains(d.weekday()) && !self.holidays.contains(&d)
    }

    /// Working days in the half-open interval (start, end]: the day a case arrives does not count, the day it is
    /// decided does. Zero when end <= start.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = start;
        while d < end {
            let Some(next) = d.succ_opt() else {
                break;
            };
            d = next;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The `n`th working day after `start` (`start` itself does not count, as in
    /// [`Calendar::working_days_between`]): a deadline of `n` working days from `start`. `start` when `n` is 0;
    /// the last representable date if the calendar runs out (it never does with a non-empty working week; the
    /// walk stops after 100 years in any case).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        let mut steps = 0;
        while left > 0 && steps < 36_600 {
            steps += 1;
            let Some(next) = d.succ_opt() else {
                break;
            };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The `n`th working day before `end` (`end` itself does not count): the day of a reminder `n` working days
    /// before a deadline.
    pub fn working_days_before(&self, end: NaiveDate, n: u32) -> NaiveDate {
        let mut d = end;
        let mut left = n;
        let mut steps = 0;
        while left > 0 && steps < 36_600 {
            steps += 1;
            let Some(prev) = d.pred_opt() else {
                break;
            };
            d = prev;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
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

    #[test]
    fn sunday_to_thursday_week() {
        let c = Calendar::with_week(WorkingWeek::SUNDAY_TO_THURSDAY, Tz::Asia__Jerusalem, []);
        // Thu 2026-11-26 -> Sun 2026-11-29: Fri and Sat are the weekend, Sunday counts.
        assert!(c.is_working_day(d("2026-11-29")));
        assert!(!c.is_working_day(d("2026-11-27")));
        assert!(!c.is_working_day(d("2026-11-28")));
        assert_eq!(c.working_days_between(d("2026-11-26"), d("2026-11-29")), 1);
        // A full week has five working days in either convention.
        assert_eq!(c.working_days_between(d("2026-11-22"), d("2026-11-29")), 5);
        let week = WorkingWeek::parse(["Sun", "mon", "tuesday", "wed", "thu"]).expect("week");
        assert_eq!(week, WorkingWeek::SUNDAY_TO_THURSDAY);
        assert_eq!(week.names(), vec!["mon", "tue", "wed", "thu", "sun"]);
        assert!(WorkingWeek::parse(["mon", "mon"])
            .unwrap_err()
            .contains("twice"));
        assert!(WorkingWeek::parse(["funday"])
            .unwrap_err()
            .contains("not a day"));
        assert!(WorkingWeek::parse([]).is_err());
        assert_eq!(parse_time_zone("Asia/Jerusalem"), Ok(Tz::Asia__Jerusalem));
        assert!(parse_time_zone("Mars/Olympus")
            .unwrap_err()
            .contains("IANA"));
    }

    /// Full day names are accepted only when complete: a prefix longer than three letters or a word that merely
    /// starts with a day's abbreviation is not a day.
    #[test]
    fn day_names_are_abbreviations_or_full_names() {
        let week = WorkingWeek::parse(["MONDAY", " fri ", "Saturday"]).expect("week");
        assert_eq!(week.names(), vec!["mon", "fri", "sat"]);
        assert!(week.contains(Weekday::Sat) && !week.contains(Weekday::Sun));
        for bad in ["mond", "monxyz", "thurs", "sundays", "", "mo"] {
            assert!(
                WorkingWeek::parse([bad])
                    .unwrap_err()
                    .contains("is not a day of the week"),
                "{bad:?}"
            );
        }
        assert_eq!(WorkingWeek::default(), WorkingWeek::MONDAY_TO_FRIDAY);
        assert_eq!(
            WorkingWeek::MONDAY_TO_FRIDAY.names(),
            vec!["mon", "tue", "wed", "thu", "fri"]
        );
    }

    /// The calendar keeps what it was built with, and added holidays stop counting.
    #[test]
    fn calendar_parts_and_added_holidays() {
        let c = Calendar::with_week(
            WorkingWeek::SUNDAY_TO_THURSDAY,
            Tz::Asia__Jerusalem,
            [d("2026-12-06")],
        );
        assert_eq!(c.working_week(), WorkingWeek::SUNDAY_TO_THURSDAY);
        assert_eq!(c.time_zone(), Tz::Asia__Jerusalem);
        // Sun 6 Dec is a holiday: Sat 5 -> Thu 10 counts Mon..Thu = 4.
        assert_eq!(c.working_days_between(d("2026-12-05"), d("2026-12-10")), 4);
        let c = c.and_holidays([d("2026-12-08"), d("2026-12-06")]);
        assert_eq!(
            c.holidays().collect::<Vec<_>>(),
            vec![d("2026-12-06"), d("2026-12-08")]
        );
        assert!(!c.is_working_day(d("2026-12-08")) && c.is_working_day(d("2026-12-07")));
        assert_eq!(c.working_days_between(d("2026-12-05"), d("2026-12-10")), 3);
        // The same day in and out: nothing; a day that is a holiday at the end: not counted.
        assert_eq!(c.working_days_between(d("2026-12-07"), d("2026-12-07")), 0);
        assert_eq!(c.working_days_between(d("2026-12-07"), d("2026-12-08")), 0);
        assert_eq!(c.working_days_between(d("2026-12-08"), d("2026-12-09")), 1);
        assert_eq!(Calendar::default().time_zone(), Tz::UTC);
        assert_eq!(
            Calendar::default().working_week(),
            WorkingWeek::MONDAY_TO_FRIDAY
        );
        assert_eq!(Calendar::new([d("2026-12-25")]).holidays().count(), 1);
        // Open intervals run to `today`; intervals add up.
        let cal = Calendar::default();
        assert_eq!(cal.elapsed(&[], d("2026-11-30")), 0);
        assert_eq!(cal.elapsed(&[(d("2026-11-27"), None)], d("2026-11-30")), 1);
    }

    #[test]
    fn today_follows_the_clock_in_the_calendar_s_zone() {
        let c = Calendar::with_week(WorkingWeek::SUNDAY_TO_THURSDAY, Tz::Pacific__Kiritimati, []);
        let before = c.date_at(Utc::now());
        let today = c.today();
        let after = c.date_at(Utc::now());
        assert!(
            before <= today && today <= after,
            "{before} {today} {after}"
        );
    }

    #[test]
    fn deadlines_in_working_days() {
        let c = Calendar::with_week(
            WorkingWeek::SUNDAY_TO_THURSDAY,
            Tz::Asia__Jerusalem,
            [d("2026-12-03")],
        );
        // From Mon 2026-11-30: Tue 1, Wed 2, (Thu 3 holiday), (Fri, Sat), Sun 6, Mon 7 = 4 working days.
        assert_eq!(c.add_working_days(d("2026-11-30"), 4), d("2026-12-07"));
        assert_eq!(c.working_days_between(d("2026-11-30"), d("2026-12-07")), 4);
        assert_eq!(c.add_working_days(d("2026-11-30"), 0), d("2026-11-30"));
        // 20 working days of the reference week: four weeks.
        let plain = Calendar::with_week(WorkingWeek::SUNDAY_TO_THURSDAY, Tz::Asia__Jerusalem, []);
        assert_eq!(plain.add_working_days(d("2026-11-30"), 20), d("2026-12-28"));
        // Back from the deadline: the reminder day.
        assert_eq!(c.working_days_before(d("2026-12-07"), 4), d("2026-11-30"));
        assert_eq!(c.working_days_before(d("2026-12-07"), 1), d("2026-12-06"));
    }

    #[test]
    fn today_is_the_authoritys_date() {
        let c = Calendar::with_week(WorkingWeek::SUNDAY_TO_THURSDAY, Tz::Asia__Jerusalem, []);
        // 22:30 UTC on 2026-11-29 is already 00:30 on 2026-11-30 in Jerusalem (UTC+2 in winter).
        let late: DateTime<Utc> = "2026-11-29T22:30:00Z".parse().expect("instant");
        assert_eq!(c.date_at(late), d("2026-11-30"));
        assert_eq!(Calendar::default().date_at(late), d("2026-11-29"));
        // 21:30 UTC in summer (UTC+3) is 00:30 the next day; 20:59 UTC is still the same day.
        let summer: DateTime<Utc> = "2026-07-01T21:30:00Z".parse().expect("instant");
        assert_eq!(c.date_at(summer), d("2026-07-02"));
        let before: DateTime<Utc> = "2026-07-01T20:59:00Z".parse().expect("instant");
        assert_eq!(c.date_at(before), d("2026-07-01"));
    }
}
