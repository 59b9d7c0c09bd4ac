//! Dates on the query side: the `DATE` of `--since`, `--until` and
//! `date:` (`2026`, `2026-02`, `2026-02-05`, or any date a brief may carry)
//! as spans of days, date ranges, and the periods (year, month, ISO week) a
//! timeline counts briefs in.
//! Days are counted from 1970-01-01, as the index stores them.

use chrono::Datelike;
use std::fmt;

/// An inclusive range of days; `None` leaves a side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl DateRange {
    /// Whether the range filters anything.
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// The days in both ranges.
    pub fn intersect(self, other: DateRange) -> DateRange {
        let max = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let min = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        DateRange {
            from: max(self.from, other.from),
            to: min(self.to, other.to),
        }
    }

    pub fn contains(&self, day: i64) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// No day can be in it.
    pub fn is_empty(&self) -> bool {
        matches!((self.from, self.to), (Some(f), Some(t)) if f > t)
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (Some(a), Some(b)) => write!(f, "{} to {}", ymd(a), ymd(b)),
            (Some(a), None) => write!(f, "since {}", ymd(a)),
            (None, Some(b)) => write!(f, "until {}", ymd(b)),
            (None, None) => f.write_str("any date"),
        }
    }
}

/// The days a `DATE` covers, first and last: a year (`2026`), a month
/// (`2026-02`) or a day (`2026-02-05`). `/` and `.` also separate the parts.
/// Any other form a brief's own date may take (`5 February 2026`,
/// `Feb. 5, 2026`, RFC 3339; `crate::dates`) is the one day it names.
pub fn span(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    figures_span(text).or_else(|| {
        let date = crate::dates::parse_date(text, None).ok()?;
        let day = days(
            i64::from(date.year()),
            i64::from(date.month()),
            i64::from(date.day()),
        )?;
        Some((day, day))
    })
}

/// `span` of a year, a month or a day written in figures.
fn figures_span(text: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| -> Option<i64> {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y] => {
            let y = number(y, 4..=4)?;
            Some((days(y, 1, 1)?, days(y, 12, 31)?))
        }
        [y, m] => {
            let (y, m) = (number(y, 4..=4)?, number(m, 1..=2)?);
            Some((days(y, m, 1)?, days(y, m, month_length(y, m))?))
        }
        [y, m, d] => {
            let (y, m, d) = (number(y, 4..=4)?, number(m, 1..=2)?, number(d, 1..=2)?);
            let day = days(y, m, d)?;
            Some((day, day))
        }
        _ => None,
    }
}

/// The message for a `DATE` that is not one.
pub fn bad_date(text: &str) -> String {
    format!("`{text}` is not a date: give a year (2026), a month (2026-02) or a day (2026-02-05)")
}

/// Days since 1970-01-01 of a valid calendar day.
pub fn days(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > month_length(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Days since 1970-01-01 of year, month (1-12) and day, unchecked
/// (Howard Hinnant's days_from_civil).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar day of a day number: (year, month, day).
pub fn civil(days: i64) -> (i64, i64, i64) {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` of a day number.
pub fn ymd(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn month_length(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The length of a timeline's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Year,
    Month,
    /// ISO weeks, Monday to Sunday.
    Week,
}

impl By {
    pub fn name(self) -> &'static str {
        match self {
            By::Year => "year",
            By::Month => "month",
            By::Week => "week",
        }
    }

    pub fn from_name(name: &str) -> Option<By> {
        match name {
            "year" => Some(By::Year),
            "month" => Some(By::Month),
            "week" => Some(By::Week),
            _ => None,
        }
    }

    /// The first day of the period holding `day`.
    pub fn start(self, day: i64) -> i64 {
        let (y, m, _) = civil(day);
        match self {
            By::Year => days(y, 1, 1).unwrap_or(day),
            By::Month => days(y, m, 1).unwrap_or(day),
            // 1970-01-01 was a Thursday: Monday is day 4 of its week.
            By::Week => day - (day + 3).rem_euclid(7),
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: i64) -> i64 {
        let (y, m, _) = civil(start);
        match self {
            By::Year => days(y + 1, 1, 1).unwrap_or(start + 366),
            By::Month if m == 12 => days(y + 1, 1, 1).unwrap_or(start + 31),
            By::Month => days(y, m + 1, 1).unwrap_or(start + 31),
            By::Week => start + 7,
        }
    }

    /// How a person names the period: `2026`, `2026-02`, `2026-W06`.
    pub fn label(self, start: i64) -> String {
        let (y, m, _) = civil(start);
        match self {
            By::Year => format!("{y:04}"),
            By::Month => format!("{y:04}-{m:02}"),
            By::Week => {
                // The ISO year is the year of the week's Thursday.
                let thursday = start + 3;
                let (iso_year, _, _) = civil(thursday);
                let first = days(iso_year, 1, 1).unwrap_or(thursday);
                let week = (thursday - first) / 7 + 1;
                format!("{iso_year:04}-W{week:02}")
            }
        }
    }
}

/// Counts of briefs per period, every period from the first to the last
/// (empty ones included), from the dates of the matching briefs.
pub fn bucket(dates: &[i64], by: By) -> Vec<(i64, u64)> {
    let (Some(&min), Some(&max)) = (dates.iter().min(), dates.iter().max()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = by.start(min);
    while start <= max {
        out.push((start, 0));
        start = by.next(start);
    }
    for &day in dates {
        let s = by.start(day);
        if let Ok(i) = out.binary_search_by_key(&s, |&(start, _)| start) {
            out[i].1 += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_years_months_and_days() {
        assert_eq!(
            span("2026").map(|(a, b)| (ymd(a), ymd(b))),
            Some(("2026-01-01".into(), "2026-12-31".into()))
        );
        assert_eq!(
            span("2024-02").map(|(a, b)| (ymd(a), ymd(b))),
            Some(("2024-02-01".into(), "2024-02-29".into()))
        );
        assert_eq!(
            span("2026-2").map(|(a, b)| (ymd(a), ymd(b))),
            Some(("2026-02-01".into(), "2026-02-28".into()))
        );
        assert_eq!(
            span("2026-02-05").map(|(a, _)| ymd(a)),
            Some("2026-02-05".into())
        );
        assert_eq!(
            span("2026/02/05").map(|(a, _)| ymd(a)),
            Some("2026-02-05".into())
        );
        for (text, day) in [
            ("5 February 2026", "2026-02-05"),
            ("Feb. 5, 2026", "2026-02-05"),
            ("2026-02-05T23:30:00+01:00", "2026-02-05"),
        ] {
            assert_eq!(
                span(text).map(|(a, b)| (ymd(a), ymd(b))),
                Some((day.into(), day.into())),
                "{text}"
            );
        }
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-02-30",
            "soon",
            "2026-02-05-01",
            "-2026",
        ] {
            assert_eq!(span(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_and_civil_agree_with_the_indexer() {
        for day in [-800_000, -1, 0, 6_265, 11_017, 20_500, 3_000_000] {
            let (y, m, d) = civil(day);
            assert_eq!(days(y, m, d), Some(day));
            if y >= 0 {
                assert_eq!(crate::brief::date_days(&ymd(day)), Some(day));
            }
        }
        assert_eq!(ymd(0), "1970-01-01");
    }

    #[test]
    fn periods_start_step_and_name() {
        let day = days(2026, 2, 5).unwrap(); // a Thursday
        assert_eq!(ymd(By::Year.start(day)), "2026-01-01");
        assert_eq!(ymd(By::Month.start(day)), "2026-02-01");
        assert_eq!(ymd(By::Week.start(day)), "2026-02-02");
        assert_eq!(By::Week.label(By::Week.start(day)), "2026-W06");
        assert_eq!(
            ymd(By::Month.next(days(2025, 12, 1).unwrap())),
            "2026-01-01"
        );
        // 2027-01-01 is a Friday: its week is the last of ISO year 2026.
        let new_year = days(2027, 1, 1).unwrap();
        assert_eq!(By::Week.label(By::Week.start(new_year)), "2026-W53");
        assert_eq!(
            By::Week.label(By::Week.start(days(1987, 2, 26).unwrap())),
            "1987-W09"
        );
    }

    #[test]
    fn buckets_cover_every_period_between() {
        let dates = [
            days(2026, 1, 3).unwrap(),
            days(2026, 3, 9).unwrap(),
            days(2026, 3, 20).unwrap(),
        ];
        let counts: Vec<(String, u64)> = bucket(&dates, By::Month)
            .into_iter()
            .map(|(s, n)| (By::Month.label(s), n))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("2026-01".to_string(), 1),
                ("2026-02".to_string(), 0),
                ("2026-03".to_string(), 2)
            ]
        );
        assert!(bucket(&[], By::Year).is_empty());
    }

    #[test]
    fn ranges_intersect_and_contain() {
        let a = DateRange {
            from: Some(10),
            to: None,
        };
        let b = DateRange {
            from: Some(5),
            to: Some(20),
        };
        assert_eq!(
            a.intersect(b),
            DateRange {
                from: Some(10),
                to: Some(20)
            }
        );
        assert!(a.intersect(b).contains(20) && !a.intersect(b).contains(21));
        assert!(DateRange {
            from: Some(3),
            to: Some(2)
        }
        .is_empty());
    }
}
