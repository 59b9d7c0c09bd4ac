//! Document dates: the many ways archives write a date, read into `YYYY-MM-DD`.
//!
//! Pure functions, no I/O: the parsers use them for a brief's date, and
//! query-side date filters can use them for the dates a user types.
//!
//! Read: ISO dates with or without zero padding (`2017-02-07`, `2017-2-7`,
//! `2017/2/7`, `2017.2.7`, `20170207`), with a time and a zone (RFC 3339);
//! RFC 2822 (`Tue, 7 Feb 2017 10:00:00 +0000`); month names in either order
//! (`7 February 2017`, `Feb. 7, 2017`, `Tuesday, February 7th, 2017`,
//! `7-Feb-2017`, Reuters' `26-FEB-1987 15:01:01.79`); day and month in
//! figures (`7/2/2017`) when only one reading is a date (`25/12/2017`) or
//! by the order the user gave (`--date-order dmy|mdy`); epoch seconds (9 to
//! 11 digits) and milliseconds (12 or 13 digits). A date with a time keeps
//! the calendar day it was written in, whatever its zone.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

/// How to read `7/2/2017`, where day and month could be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// Day first: 7 February 2017 (Europe, most of the world).
    Dmy,
    /// Month first: July 2, 2017 (United States).
    Mdy,
}

impl DateOrder {
    pub fn from_name(name: &str) -> Option<DateOrder> {
        match name.trim().to_ascii_lowercase().as_str() {
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            _ => None,
        }
    }
}

/// Why a date could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not a date in any form we know.
    Unknown,
    /// `7/2/2017` without `--date-order`: both readings are dates.
    Ambiguous,
}

/// Reads a date written as text; `order` settles `7/2/2017`.
pub fn parse_date(raw: &str, order: Option<DateOrder>) -> Result<NaiveDate, DateError> {
    let s = raw.trim().trim_end_matches(['.', ',']).trim();
    if s.is_empty() {
        return Err(DateError::Unknown);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Ok(dt.date_naive());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return digits(s).ok_or(DateError::Unknown);
    }
    if let Some(result) = numeric(s, order) {
        return result;
    }
    with_month_name(s).ok_or(DateError::Unknown)
}

/// `YYYY-MM-DD`, or `None` when the text is not a date (ambiguous included).
pub fn normalize(raw: &str, order: Option<DateOrder>) -> Option<String> {
    parse_date(raw, order).ok().map(format_date)
}

/// A date as the index stores and prints it.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Epoch seconds (or milliseconds, from 12 digits on) as a UTC date.
pub fn from_epoch(value: i64) -> Option<NaiveDate> {
    let secs = if value.unsigned_abs() >= 100_000_000_000 {
        value / 1000
    } else {
        value
    };
    DateTime::from_timestamp(secs, 0).map(|dt| dt.date_naive())
}

fn ymd(y: i64, m: i64, d: i64) -> Option<NaiveDate> {
    if !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    )
}

/// All digits: `20170207`, or epoch seconds / milliseconds.
fn digits(s: &str) -> Option<NaiveDate> {
    let n: i64 = s.parse().ok()?;
    match s.len() {
        8 => ymd(n / 10_000, n / 100 % 100, n % 100),
        9..=13 => from_epoch(n),
        _ => None,
    }
}

/// `2017-2-7`, `2017/02/07T10:00`, `7/2/2017`, `25.12.2017 14:00`: three
/// groups of digits at the start, separated by one of `-`, `/`, `.`.
fn numeric(s: &str, order: Option<DateOrder>) -> Option<Result<NaiveDate, DateError>> {
    let head = s
        .split(|c: char| c.is_whitespace() || c == 'T' || c == ',')
        .next()?;
    let sep = head.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = head.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if parts[0].len() == 4 {
        return Some(ymd(n[0], n[1], n[2]).ok_or(DateError::Unknown));
    }
    if parts[2].len() != 4 {
        return Some(Err(DateError::Unknown));
    }
    let dmy = ymd(n[2], n[1], n[0]);
    let mdy = ymd(n[2], n[0], n[1]);
    Some(match (dmy, mdy, order) {
        (Some(a), Some(b), _) if a == b => Ok(a),
        (Some(a), Some(_), Some(DateOrder::Dmy)) => Ok(a),
        (Some(_), Some(b), Some(DateOrder::Mdy)) => Ok(b),
        (Some(_), Some(_), None) => Err(DateError::Ambiguous),
        (Some(a), None, _) | (None, Some(a), _) => Ok(a),
        (None, None, _) => Err(DateError::Unknown),
    })
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A month's number from its name or abbreviation (`Feb`, `Feb.`, `Sept`,
/// `February`), in any case.
fn month_of(word: &str) -> Option<u32> {
    let lower = word.trim_end_matches('.').to_lowercase();
    if lower.len() < 3 || !lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let index = MONTHS.iter().position(|m| lower.starts_with(m))?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][index];
    // An abbreviation or the full name, not another word sharing a prefix
    // ("marching", "mayor").
    (full.starts_with(&lower) || lower == "sept").then_some(index as u32 + 1)
}

/// A day of the month: `7`, `07`, `7th`, `1st`.
fn day_of(word: &str) -> Option<i64> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if !matches!(
        suffix.to_ascii_lowercase().as_str(),
        "" | "st" | "nd" | "rd" | "th"
    ) {
        return None;
    }
    (1..=2)
        .contains(&digits.len())
        .then(|| digits.parse().ok())
        .flatten()
}

fn year_of(word: &str) -> Option<i64> {
    (word.len() == 4).then(|| word.parse().ok()).flatten()
}

/// `7 February 2017`, `Feb. 7, 2017`, `Tuesday, 7 Feb 2017 10:00 GMT`,
/// `7-Feb-2017`, `26-FEB-1987 15:01:01.79`: the first three words that make
/// day, month and year in either order (a weekday in front is skipped).
fn with_month_name(s: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-' || c == '/')
        .filter(|w| !w.is_empty())
        .collect();
    for start in 0..words.len().min(2) {
        let w = &words[start..];
        if w.len() < 3 {
            return None;
        }
        if let (Some(m), Some(d), Some(y)) = (month_of(w[0]), day_of(w[1]), year_of(w[2])) {
            return ymd(y, i64::from(m), d);
        }
        if let (Some(d), Some(m), Some(y)) = (day_of(w[0]), month_of(w[1]), year_of(w[2])) {
            return ymd(y, i64::from(m), d);
        }
        // Only a weekday may stand before the date.
        if !is_weekday(w[0]) {
            return None;
        }
    }
    None
}

fn is_weekday(word: &str) -> bool {
    let lower = word.trim_end_matches('.').to_lowercase();
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .any(|day| lower.len() >= 3 && day.starts_with(&lower))
        || matches!(lower.as_str(), "tues" | "thur" | "thurs")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Option<String> {
        normalize(s, None)
    }

    #[test]
    fn iso_with_and_without_padding_and_times() {
        for s in [
            "2017-02-07",
            "2017-2-7",
            "2017/2/7",
            "2017/02/07",
            "2017.2.7",
            "20170207",
            "2017-02-07T10:00:00Z",
            "2017-02-07T23:30:00-05:00",
            "2017-02-07 10:00:00",
            "2017-2-7 9:05",
            "  2017-02-07  ",
        ] {
            assert_eq!(read(s).as_deref(), Some("2017-02-07"), "{s}");
        }
    }

    #[test]
    fn rfc_2822_and_rfc_3339() {
        assert_eq!(
            read("Tue, 7 Feb 2017 10:00:00 +0000").as_deref(),
            Some("2017-02-07")
        );
        assert_eq!(
            read("Tue, 07 Feb 2017 23:59:59 GMT").as_deref(),
            Some("2017-02-07")
        );
        // The calendar day as written, not moved to UTC.
        assert_eq!(
            read("2017-02-07T23:30:00.123+09:00").as_deref(),
            Some("2017-02-07")
        );
    }

    #[test]
    fn month_names_in_either_order() {
        for s in [
            "7 February 2017",
            "7 Feb 2017",
            "Feb. 7, 2017",
            "Feb 7, 2017",
            "February 7 2017",
            "February 7th, 2017",
            "Tuesday, February 7, 2017",
            "Tue 7 Feb 2017",
            "7-Feb-2017",
            "07-FEB-2017 15:01:01.79",
            "Sept. 7, 2017",
        ] {
            let expected = if s.starts_with("Sept") {
                "2017-09-07"
            } else {
                "2017-02-07"
            };
            assert_eq!(read(s).as_deref(), Some(expected), "{s}");
        }
        assert_eq!(
            read("26-FEB-1987 15:01:01.79").as_deref(),
            Some("1987-02-26")
        );
    }

    #[test]
    fn day_and_month_in_figures_need_an_order_when_ambiguous() {
        assert_eq!(parse_date("7/2/2017", None), Err(DateError::Ambiguous));
        assert_eq!(
            normalize("7/2/2017", Some(DateOrder::Dmy)).as_deref(),
            Some("2017-02-07")
        );
        assert_eq!(
            normalize("7/2/2017", Some(DateOrder::Mdy)).as_deref(),
            Some("2017-07-02")
        );
        // Only one reading is a date: no order needed, and a given order
        // does not turn it into nothing.
        assert_eq!(read("25/12/2017").as_deref(), Some("2017-12-25"));
        assert_eq!(read("12/25/2017").as_deref(), Some("2017-12-25"));
        assert_eq!(
            normalize("12/25/2017", Some(DateOrder::Dmy)).as_deref(),
            Some("2017-12-25")
        );
        // Both readings the same day.
        assert_eq!(read("5/5/2017").as_deref(), Some("2017-05-05"));
        assert_eq!(read("25.12.2017 14:00").as_deref(), Some("2017-12-25"));
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        assert_eq!(read("1486425600").as_deref(), Some("2017-02-07"));
        assert_eq!(read("1486425600000").as_deref(), Some("2017-02-07"));
        assert_eq!(
            from_epoch(1_486_425_600).map(format_date).as_deref(),
            Some("2017-02-07")
        );
    }

    #[test]
    fn what_is_not_a_date() {
        for s in [
            "",
            "yesterday",
            "2017-13-02",
            "2017-02-30",
            "31/31/2017",
            "7/2/17",
            "February 2017",
            "Marching 7 2017",
            "12345",
            "the 7 February 2017 talks",
        ] {
            assert_eq!(read(s), None, "{s}");
        }
        assert_eq!(parse_date("yesterday", None), Err(DateError::Unknown));
    }
}
