//! Dates as notes write them ("05/12/2025", "03/2025", "March 14, 2025",
//! "Oct '23", "2025", "since March"), read at a given offset, kept as
//! precise as written, and counted in days with `chrono`.

use chrono::{Datelike, Months, NaiveDate};
use necessity_context::steps;
use regex::Regex;
use std::ops::Range;

/// How far after its start a date may run ("September 14th, 2025" is 20).
const DATE_WIDTH: usize = 32;

/// How long a season lasts, in months.
const SEASON_MONTHS: u32 = 3;

/// A date as precisely as the note writes it: a year, a month of it, a day
/// of that; a month alone ("since March") has no year until the note's
/// date gives it one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrittenDate {
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
    /// For a month or season written as past ("last June", "last
    /// spring"), how many months before the note's date it began at the
    /// latest: the one before the current month, the last season that has
    /// ended. A season is kept as its first month.
    pub earlier_by_months: u32,
}

impl WrittenDate {
    /// The ISO 8601 form, as precise as written ("2025-03-14", "2025-03",
    /// "2025"); `None` without a year.
    pub fn iso(&self) -> Option<String> {
        let year = self.year?;
        Some(match (self.month, self.day) {
            (Some(month), Some(day)) => format!("{year:04}-{month:02}-{day:02}"),
            (Some(month), None) => format!("{year:04}-{month:02}"),
            _ => format!("{year:04}"),
        })
    }

    /// The first day the date can mean: its 1st of the month when only the
    /// month is written, its 1 January when only the year.
    pub fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year?, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// A date written without its year ("since March") as the latest such
    /// day on or before `today`: a start is never after the note. A past
    /// season ("last spring") is the latest that had ended by then.
    pub fn in_year_up_to(self, today: NaiveDate) -> WrittenDate {
        if self.year.is_some() {
            return self;
        }
        let latest = today.checked_sub_months(Months::new(self.earlier_by_months)).unwrap_or(today);
        let this_year = WrittenDate { year: Some(latest.year()), ..self };
        match this_year.first_day() {
            Some(day) if day <= latest => this_year,
            _ => WrittenDate { year: Some(latest.year() - 1), ..self },
        }
    }
}

/// Days from `start` (its first day) to `today`, when `start` is not after it.
pub fn days_between(start: &WrittenDate, today: NaiveDate) -> Option<f64> {
    let days = (today - start.first_day()?).num_days();
    (days >= 0).then_some(days as f64)
}

/// The compiled date grammar.
#[derive(Clone, Debug)]
pub struct DatePatterns {
    date: Regex,
}

/// Month names and their abbreviations, for the grammar.
const MONTH_NAME: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?
    |aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

impl DatePatterns {
    /// Compiles the grammar; it is fixed, so a failure is a bug caught by every test.
    pub fn new() -> Result<DatePatterns, regex::Error> {
        let m = MONTH_NAME;
        let date = crate::case_insensitive(&format!(
            r"^(?:
                (?P<us_m>\d{{1,2}}) [/.-] (?P<us_d>\d{{1,2}}) [/.-] (?P<us_y>\d{{4}}|\d{{2}})  # 05/12/2025, 5-12-25
              | (?P<iso_y>(?:19|20)\d{{2}}) - (?P<iso_m>\d{{1,2}}) (?:- (?P<iso_d>\d{{1,2}}))? # 2025-05-12, 2025-05
              | (?P<my_m>\d{{1,2}}) / (?P<my_y>(?:19|20)\d{{2}})                              # 05/2025
              | (?P<name_m>{m}) \.? \s+                                                       # March, Mar.
                (?: (?P<name_d>\d{{1,2}}) (?:st|nd|rd|th)? ,? \s+ )?                          #   14th,
                (?: of \s+ )? (?: (?P<name_y>(?:19|20)\d{{2}}) | '(?P<name_yy>\d{{2}}) )        #   2025, '25
              | (?P<dmy_d>\d{{1,2}}) (?:st|nd|rd|th)? \s+ (?: of \s+ )?                        # 14 (of)
                (?P<dmy_m>{m}) \.? ,? \s+ (?P<dmy_y>(?:19|20)\d{{2}})                          #   March 2025
              | (?P<year>(?:19|20)\d{{2}})                                                     # 2025
              | (?P<past_m>(?:last|this\s+past)\s+)?                                          # (last)
                (?P<bare_m>{m}) \.? (?: \s+ (?P<bare_d>\d{{1,2}}) (?:st|nd|rd|th)? )?          #   March (14): no year
              | (?P<past>(?:last|this\s+past)\s+)? (?:the\s+)?                               # (last)
                (?P<season>spring|summer|fall|autumn|winter)                                   #   spring
            ) (?: \b | $ )"
        ))?;
        Ok(DatePatterns { date })
    }

    /// The date written at `from` (after blanks), and where it is; `None`
    /// when none is, or it is no calendar date (13/40/2025).
    pub fn read_at(&self, text: &str, from: usize) -> Option<(WrittenDate, Range<usize>)> {
        let rest = text.get(from..)?;
        let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let mut end = (start + DATE_WIDTH).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        steps::add(end - from);
        let window = &text[start..end];
        let caps = self.date.captures(window)?;
        let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let month_named = |name: &str| caps.name(name).and_then(|m| month_of(m.as_str()));
        let full_year = |y: u32| if y < 100 { 2000 + y as i32 } else { y as i32 };
        let (year, month, day) = if let Some(m) = number("us_m") {
            (number("us_y").map(full_year), Some(m), number("us_d"))
        } else if let Some(y) = number("iso_y") {
            (Some(y as i32), number("iso_m"), number("iso_d"))
        } else if let Some(m) = number("my_m") {
            (number("my_y").map(full_year), Some(m), None)
        } else if let Some(m) = month_named("name_m") {
            (number("name_y").or(number("name_yy")).map(full_year), Some(m), number("name_d"))
        } else if let Some(m) = month_named("dmy_m") {
            (number("dmy_y").map(full_year), Some(m), number("dmy_d"))
        } else if let Some(y) = number("year") {
            (Some(y as i32), None, None)
        } else if let Some(season) = caps.name("season") {
            (None, season_start(season.as_str()), None)
        } else {
            (None, month_named("bare_m"), number("bare_d"))
        };
        let earlier_by_months = match (caps.name("past"), caps.name("past_m")) {
            (Some(_), _) => SEASON_MONTHS,
            (None, Some(_)) => 1,
            (None, None) => 0,
        };
        let written = WrittenDate { year, month, day, earlier_by_months };
        // Every part must make a calendar date (a leap year for a bare 29 February).
        let check = WrittenDate { year: Some(year.unwrap_or(2024)), ..written };
        check.first_day()?;
        let matched = caps.get(0)?;
        Some((written, start + matched.start()..start + matched.end()))
    }
}

/// The first month of a season, as a start counts it (spring -> March).
fn season_start(season: &str) -> Option<u32> {
    match season.to_ascii_lowercase().as_str() {
        "spring" => Some(3),
        "summer" => Some(6),
        "fall" | "autumn" => Some(9),
        "winter" => Some(12),
        _ => None,
    }
}

/// The month a name or abbreviation means ("Sept." -> 9).
fn month_of(name: &str) -> Option<u32> {
    let stem = name.trim_end_matches('.').to_ascii_lowercase();
    let index =
        crate::values::MONTHS.iter().position(|m| m.starts_with(&stem[..3.min(stem.len())]));
    index.map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(Option<String>, String)> {
        let patterns = DatePatterns::new().unwrap();
        patterns.read_at(text, 0).map(|(date, span)| {
            let iso = date.iso().or_else(|| date.month.map(|m| format!("--{m:02}")));
            (iso, text[span].to_string())
        })
    }

    fn iso(text: &str) -> Option<String> {
        read(text).and_then(|(iso, _)| iso)
    }

    #[test]
    fn numeric_dates_keep_their_precision() {
        assert_eq!(iso("05/12/2025 (first dose)"), Some("2025-05-12".into()));
        assert_eq!(iso("5-3-24"), Some("2024-05-03".into()));
        assert_eq!(iso("2025-03-14."), Some("2025-03-14".into()));
        assert_eq!(iso("2025-03"), Some("2025-03".into()));
        assert_eq!(iso("03/2025, then"), Some("2025-03".into()));
        assert_eq!(iso("2019"), Some("2019".into()));
    }

    #[test]
    fn named_months_with_and_without_a_year() {
        assert_eq!(iso("March 14, 2025 at"), Some("2025-03-14".into()));
        assert_eq!(iso("Sept. 2024"), Some("2024-09".into()));
        assert_eq!(iso("14th of February 2026"), Some("2026-02-14".into()));
        assert_eq!(iso("Oct '23"), Some("2023-10".into()));
        assert_eq!(read("March, when"), Some((Some("--03".into()), "March".into())));
    }

    #[test]
    fn a_past_month_or_season_is_the_last_one_before_the_note() {
        let patterns = DatePatterns::new().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 3, 11).unwrap();
        let start =
            |text: &str| patterns.read_at(text, 0).and_then(|(d, _)| d.in_year_up_to(today).iso());
        assert_eq!(start("last spring"), Some("2025-03".into()));
        assert_eq!(start("last winter,"), Some("2025-12".into()));
        assert_eq!(start("the fall"), Some("2025-09".into()));
        assert_eq!(start("this past summer"), Some("2025-06".into()));
        assert_eq!(start("last March"), Some("2025-03".into()));
        assert_eq!(start("last June"), Some("2025-06".into()));
        assert_eq!(start("March"), Some("2026-03".into()));
    }

    #[test]
    fn what_is_no_date() {
        assert_eq!(read("300 mg every 2 weeks"), None);
        assert_eq!(read("13/40/2025"), None);
        assert_eq!(read("maybe later"), None);
        assert_eq!(read("Marchetti"), None, "a name that starts like a month");
        assert_eq!(read("02/30/2025"), None, "no 30 February");
    }

    #[test]
    fn days_count_from_the_first_day_written() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
        let march =
            WrittenDate { year: Some(2025), month: Some(3), day: None, earlier_by_months: 0 };
        assert_eq!(days_between(&march, today), Some(382.0));
        let later = WrittenDate { year: Some(2026), month: Some(4), ..march };
        assert_eq!(days_between(&later, today), None, "a start after the note");
        let bare = WrittenDate { year: None, ..march };
        assert_eq!(bare.in_year_up_to(today).iso(), Some("2026-03".into()));
        let april = WrittenDate { year: None, month: Some(4), ..march };
        assert_eq!(april.in_year_up_to(today).iso(), Some("2025-04".into()));
    }
}
