//! Dates as notes write them, in one grammar: "02/17/2026", "2/7/26",
//! "5-3-24", "17.02.2026", "2025-03-14", "2025-03", "06/2024", "March 3,
//! 2026", "12 January 2026", "June 2025", "Oct '23", a bare "2022", and
//! without a year "since March", "last June", "last spring", "the spring
//! of 2024". Two ways to read it: every dated date in a window
//! ([`DatePatterns::dates_in`], for values, note dates and courses), and
//! the date written at an offset ([`DatePatterns::read_at`], for a start
//! after "since"). Dates are kept as precise as written and counted in
//! days with `chrono`; every look is a window of a few dozen bytes.

use chrono::{Datelike, Months, NaiveDate};
use necessity_context::steps;
use regex::{Captures, Regex};
use std::ops::Range;
use std::sync::OnceLock;

/// How far after its start a date read at an offset may run ("September
/// 14th, 2025" is 20).
const DATE_WIDTH: usize = 56;

/// How long a season lasts, in months.
const SEASON_MONTHS: u32 = 3;

/// A calendar date as precisely as the note writes it: a day, a month or a
/// year (a season of a year is its year).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl Date {
    /// A calendar day; `None` when there is no such day ("02/30/2026").
    pub fn day(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day)?;
        Some(Date { year, month: Some(month), day: Some(day) })
    }

    /// A month of a year ("06/2024").
    pub fn month(year: i32, month: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Date { year, month: Some(month), day: None })
    }

    /// A year alone ("2022").
    pub fn year(year: i32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, 1, 1)?;
        Some(Date { year, month: None, day: None })
    }

    /// The first day the date may mean.
    pub fn first(&self) -> NaiveDate {
        let (month, day) = (self.month.unwrap_or(1), self.day.unwrap_or(1));
        NaiveDate::from_ymd_opt(self.year, month, day).unwrap_or(NaiveDate::MIN)
    }

    /// The last day the date may mean (the end of its month or year).
    pub fn last(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(_), Some(_)) => self.first(),
            (Some(month), None) => {
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(self.year, month + 1, 1)
                };
                next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
            }
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }

    /// The date a course begun on this date and lasting `days` ended, as
    /// precisely as its start is written: the day after a day; a month or
    /// a year itself when the course was too short to leave it by much (two
    /// weeks of a month, a month of a year: "started 01/2026, stopped after
    /// 10 days" ended in 01/2026).
    pub fn ended_after(&self, days: i64) -> Option<Date> {
        if self.is_day() {
            let end = self.first().checked_add_signed(chrono::Duration::days(days))?;
            return Date::day(end.year(), end.month(), end.day());
        }
        let within = if self.is_year() { 31 } else { 14 };
        (0..=within).contains(&days).then_some(*self)
    }

    /// Whether the note gives only the year.
    pub fn is_year(&self) -> bool {
        self.month.is_none()
    }

    /// Whether the note gives the day, not only a month or a year.
    pub fn is_day(&self) -> bool {
        self.day.is_some()
    }

    /// ISO 8601 as precisely as written: `2026-02-17`, `2026-02`, `2026`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }
}

/// A date as the note writes it, its year possibly missing: a month alone
/// ("since March") has no year until the note's date gives it one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrittenDate {
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
    /// For a month or season written as past ("last June", "last
    /// spring"), how many months before the note's date it began at the
    /// latest: the one before the current month, the last season that has
    /// ended. A season is kept as its first month.
    pub earlier_by_months: u32,
    /// A season ("spring of 2024"): its month is the season's first, as a
    /// start counts it, but the date is no more precise than its year.
    pub season: bool,
}

impl WrittenDate {
    /// The ISO 8601 form, as precise as written ("2025-03-14", "2025-03",
    /// "2025"; a season as its first month, "2024-03"); `None` without a year.
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

    /// The calendar date, as precise as written (a season as its year);
    /// `None` without a year.
    pub fn date(&self) -> Option<Date> {
        let year = self.year?;
        match (self.month, self.day) {
            _ if self.season => Date::year(year),
            (Some(month), Some(day)) => Date::day(year, month, day),
            (Some(month), None) => Date::month(year, month),
            _ => Date::year(year),
        }
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

/// A dated date found in a window, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundDate {
    pub span: Range<usize>,
    pub date: Date,
    /// Only a year was written ("2022"): a date where a year may stand
    /// alone, a count or an amount elsewhere.
    pub year_alone: bool,
}

/// How far before a dated range end its yearless start may begin.
const YEARLESS_START_REACH: usize = 12;

/// Month names and their abbreviations; a word boundary follows them.
const MONTH_NAME: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?
    |aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// The days of a month as dictation writes them, first to thirty-first;
/// a compound joins "twenty" or "thirty" to a unit's ordinal.
const ORDINAL_DAYS: [&str; 21] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "thirtieth",
];

/// An ordinal day in words: "twelfth", "twenty-second", "thirty first".
fn ordinal_day_pattern() -> String {
    let units = ORDINAL_DAYS[..9].join("|");
    let all = ORDINAL_DAYS.join("|");
    format!(r"(?:twenty[\x20-](?:{units})|thirty[\x20-]first|{all})")
}

/// The day an ordinal in words names: "twenty-second" -> 22.
fn ordinal_day(words: &str) -> Option<u32> {
    let lower = words.to_ascii_lowercase();
    let (tens, unit) = match lower.split_once([' ', '-']) {
        Some(("twenty", unit)) => (20, unit),
        Some(("thirty", unit)) => (30, unit),
        Some(_) => return None,
        None => (0, lower.as_str()),
    };
    let at = ORDINAL_DAYS.iter().position(|d| *d == unit)? as u32;
    Some(match at {
        19 => 20,
        20 => 30,
        _ => tens + at + 1,
    })
}

/// A year of this century in words: "twenty twenty-five", "two thousand
/// and six".
const YEAR_WORDS: &str = r"(?:twenty|two[\x20-]thousand(?:[\x20-]and)?)[\x20-]
    (?:twenty(?:[\x20-](?:one|two|three|four|five|six|seven|eight|nine))?
    |ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen
    |one|two|three|four|five|six|seven|eight|nine)";

/// The year a year in words names: "twenty twenty-five" -> 2025.
fn year_in_words(words: &str) -> Option<i32> {
    let lower = words.to_ascii_lowercase().replace('-', " ");
    let rest = lower
        .strip_prefix("two thousand and ")
        .or_else(|| lower.strip_prefix("two thousand "))
        .or_else(|| lower.strip_prefix("twenty "))?;
    Some(2000 + crate::values::parse_number(rest)? as i32)
}

/// The compiled date grammar, and the few patterns that read around a date.
#[derive(Clone, Debug)]
pub struct DatePatterns {
    date: Regex,
    /// "last" or "this past" before a month or season without a year.
    past: Regex,
    /// What may not follow a bare year: a unit makes it an amount ("2000 IU").
    amount_after: Regex,
    /// What may part a bare label from its date: punctuation, a weekday
    /// ("Date:  Tue 04/14/2026"), never words ("Date of injury: ...").
    pub(crate) label_gap: Regex,
    /// What may follow a letter's date on its line: a time ("14:20").
    pub(crate) time_after: Regex,
    /// A week of a course as a time point: "week 16", "wk 8".
    week: Regex,
    /// The start of a range written without its year before a dated end
    /// ("6/2-7/14/25"): the end's year is the start's.
    yearless_start: Regex,
}

impl DatePatterns {
    /// The grammar, compiled once for the process (a clone shares it); it
    /// is fixed, so a failure is a bug caught by every test.
    pub fn new() -> Result<DatePatterns, regex::Error> {
        static COMPILED: OnceLock<Result<DatePatterns, regex::Error>> = OnceLock::new();
        COMPILED.get_or_init(DatePatterns::compile).clone()
    }

    fn compile() -> Result<DatePatterns, regex::Error> {
        let ci = crate::case_insensitive;
        let (year, m) = (r"(?:19|20)\d{2}", MONTH_NAME);
        let (ordinal, year_words) = (ordinal_day_pattern(), YEAR_WORDS);
        Ok(DatePatterns {
            date: ci(&format!(
                r"\b(?:
                    (?P<iso_y>{year}) - (?P<iso_m>\d{{1,2}})
                    (?: - (?P<iso_d>\d{{1,2}}) )?                 # 2026-02-17, 2025-03
                  | (?P<us_m>\d{{1,2}}) / (?P<us_d>\d{{1,2}}) /
                    (?P<us_y>{year}|\d{{2}})                      # 02/17/2026, 2/17/26
                  | (?P<dash_m>\d{{1,2}}) - (?P<dash_d>\d{{1,2}}) -
                    (?P<dash_y>{year}|\d{{2}})                    # 02-17-2026, 5-3-24
                  | (?P<dot_m>\d{{1,2}}) \. (?P<dot_d>\d{{1,2}}) \.
                    (?P<dot_y>{year}|\d{{2}})                     # 17.02.2026
                  | (?P<my_m>\d{{1,2}}) (?:[/\-] | \x20/\x20) (?P<my_y>{year})  # 06/2024, a form's 06 / 2024
                  | (?P<hdm_d>\d{{1,2}}) - (?P<hdm_m>{m}) -
                    (?P<hdm_y>{year}|\d{{2}})                     # 27-Jan-2026, 27-JAN-26
                  | (?P<dm_d>\d{{1,2}})(?:st|nd|rd|th)?[\x20\t]+(?:of[\x20\t]+)?
                    (?P<dm_m>{m})\.?,?[\x20\t]+
                    (?P<dm_y>{year})                              # 12 January 2026
                  | (?P<md_m>{m})\.?[\x20\t]+
                    (?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?,?[\x20\t]+
                    (?P<md_y>{year})                              # March 3, 2026; june 2 2026
                  | (?P<wmd_m>{m})[\x20\t]+(?:the[\x20\t]+)?
                    (?: (?P<wmd_d>{ordinal}) | (?P<wmd_dd>\d{{1,2}})(?:st|nd|rd|th)? )
                    ,?[\x20\t]+ (?: (?P<wmd_y>{year}) | (?P<wmd_yw>{year_words}) )
                                                                  # July twenty-second, twenty twenty-five
                  | (?:the[\x20\t]+)? (?P<wdm_d>{ordinal}) [\x20\t]+ of [\x20\t]+
                    (?P<wdm_m>{m}) ,?[\x20\t]+ (?: (?P<wdm_y>{year}) | (?P<wdm_yw>{year_words}) )
                                                                  # the twelfth of March 2026
                  | (?P<m_m>{m})\.?,?(?:[\x20\t]+|[\x20\t]*\r?\n[\x20\t]*)(?:of[\x20\t]+)?
                    (?: (?P<m_y>{year}) | '(?P<m_yy>\d{{2}}) )    # June 2025, Sept. 2024, Oct '23; wrapped
                  | (?P<y>{year})                                 # 2022, where a year may stand alone
                  | (?P<bare_m>{m}) \.?
                    (?: [\x20\t]+ (?P<bare_d>\d{{1,2}}) (?:st|nd|rd|th)? )?   # March (14): no year
                  | (?:(?:the|this)[\x20\t]+)? (?P<season>spring|summer|fall|autumn|winter)
                    (?: ,?[\x20\t]+ (?:of[\x20\t]+)? (?P<season_y>{year}) )?  # (this) spring (of 2024)
                )\b"
            ))?,
            past: ci(r"^ (?:last|this\s+past) \s+   # a month or season before the note's")?,
            amount_after: ci(r"^ [\x20\t]* (?:mg|mcg|iu|units?|ml|kcal|cal|%|x\b)   # an amount")?,
            label_gap: ci(
                r"^ (?:[\x20\t]*/[\x20\t]*[a-z][a-z\x20\t]{0,40})?   # a second title (Progress note / Reauthorization)
                  (?:[\x20\t]*\([a-z\x20\t]{1,20}\))?   # how, in brackets (Submitted electronically (ePA))
                  [\s:.=|\-]*                      # punctuation, dot leaders
                  (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?   # a weekday
                  $",
            )?,
            week: ci(r"\b (?:week|wk) \x20? (\d{1,3}) \b   # week 16 of a course")?,
            yearless_start: ci(r"(?:^|[^\d/.])
                (\d{1,2}) / (\d{1,2})          # month / day, no year
                [\x20\t]* [-\u{2013}] [\x20\t]* $   # then a dash to the dated end")?,
            time_after: ci(
                r"^ ,?\s* \d{1,2}:\d{2} (?::\d{2})? \s* (?:[ap]\.?m\.?)? \s* $   # a time",
            )?,
        })
    }

    /// Every dated date in `window` (a year at least), in order, with
    /// spans relative to it; months and seasons with no year are passed.
    pub fn dates_in<'w>(&'w self, window: &'w str) -> impl Iterator<Item = FoundDate> + 'w {
        steps::add(window.len());
        let found = self.date.captures_iter(window).filter_map(move |c| {
            let whole = c.get(0)?;
            let year_alone = c.name("y").is_some();
            if year_alone && self.amount_after.is_match(&window[whole.end()..]) {
                return None;
            }
            Some(FoundDate { span: whole.range(), date: written(&c)?.date()?, year_alone })
        });
        found.flat_map(move |end| [self.yearless_start_before(window, &end), Some(end)]).flatten()
    }

    /// The start of a range whose year only its end writes ("6/2-7/14/25"
    /// is 2025-06-02 to 2025-07-14; "11/20-1/5/26" starts in 2025).
    fn yearless_start_before(&self, window: &str, end: &FoundDate) -> Option<FoundDate> {
        let (Some(end_month), Some(_)) = (end.date.month, end.date.day) else { return None };
        let from = end.span.start.saturating_sub(YEARLESS_START_REACH);
        let before = window.get(from..end.span.start)?;
        // Most dates follow no dash: read nothing more for them.
        if !before.trim_end_matches([' ', '\t']).ends_with(['-', '\u{2013}']) {
            return None;
        }
        let caps = self.yearless_start.captures(before)?;
        let (month, day) = (caps.get(1)?, caps.get(2)?);
        let month_number: u32 = month.as_str().parse().ok()?;
        let year = end.date.year - i32::from(month_number > end_month);
        let date = Date::day(year, month_number, day.as_str().parse().ok()?)?;
        let span = from + month.start()..from + day.end();
        Some(FoundDate { span, date, year_alone: false })
    }

    /// Every week of a course named as a time point in `window` ("at week
    /// 16"), with spans relative to it.
    pub fn weeks_in<'w>(
        &'w self,
        window: &'w str,
    ) -> impl Iterator<Item = (Range<usize>, u32)> + 'w {
        steps::add(window.len());
        self.week
            .captures_iter(window)
            .filter_map(|c| Some((c.get(0)?.range(), c.get(1)?.as_str().parse().ok()?)))
    }

    /// The first date of `window` written to the day or month (a bare
    /// year or a season is not enough for a note's date).
    pub(crate) fn first_precise(&self, window: &str) -> Option<FoundDate> {
        self.dates_in(window).find(|d| !d.date.is_year())
    }

    /// The date written at `from` (after blanks), year or not, and where it
    /// is; `None` when none is, or it is no calendar date (13/40/2025).
    pub fn read_at(&self, text: &str, from: usize) -> Option<(WrittenDate, Range<usize>)> {
        let rest = text.get(from..)?;
        let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let mut end = (start + DATE_WIDTH).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        steps::add(end - from);
        let window = text.get(start..end)?;
        let past = self.past.find(window).map_or(0, |m| m.end());
        let caps = self.date.captures(&window[past..])?;
        let matched = caps.get(0)?;
        let year_alone = caps.name("y").is_some();
        let amount = year_alone && self.amount_after.is_match(&window[past + matched.end()..]);
        if matched.start() != 0 || amount {
            return None;
        }
        let mut date = written(&caps)?;
        if past > 0 && date.year.is_none() {
            date.earlier_by_months = if date.season { SEASON_MONTHS } else { 1 };
        }
        Some((date, start..start + past + matched.end()))
    }
}

/// The date a match of the grammar writes; `None` when its parts make no
/// calendar date (a leap year stands in for a missing one: "February 29").
fn written(c: &Captures) -> Option<WrittenDate> {
    let number = |name: &str| c.name(name)?.as_str().parse::<u32>().ok();
    let year = |name: &str| {
        let digits = c.name(name)?.as_str();
        let value: i32 = digits.parse().ok()?;
        // A two-digit year is of this century up to 50, else the last.
        Some(match digits.len() {
            2 if value <= 50 => 2000 + value,
            2 => 1900 + value,
            _ => value,
        })
    };
    let named = |name: &str| month_of(c.name(name)?.as_str());
    let at = |year: Option<i32>, month: Option<u32>, day: Option<u32>| WrittenDate {
        year,
        month,
        day,
        ..WrittenDate::default()
    };
    let date = if let Some(y) = year("iso_y") {
        at(Some(y), number("iso_m"), number("iso_d"))
    } else if let Some((y, first, second)) =
        [("us_y", "us_m", "us_d"), ("dash_y", "dash_m", "dash_d"), ("dot_y", "dot_m", "dot_d")]
            .into_iter()
            .find_map(|(y, m, d)| Some((year(y)?, number(m)?, number(d)?)))
    {
        // Day first when the first number cannot be a month ("17/02/2026").
        let (month, day) = if first > 12 { (second, first) } else { (first, second) };
        at(Some(y), Some(month), Some(day))
    } else if let Some(y) = year("my_y") {
        at(Some(y), number("my_m"), None)
    } else if let Some(y) = year("hdm_y") {
        at(Some(y), named("hdm_m"), number("hdm_d"))
    } else if let Some(y) = year("dm_y") {
        at(Some(y), named("dm_m"), number("dm_d"))
    } else if let Some(y) = year("md_y") {
        at(Some(y), named("md_m"), number("md_d"))
    } else if let Some(m) = named("wmd_m") {
        let day = c.name("wmd_d").and_then(|d| ordinal_day(d.as_str())).or(number("wmd_dd"));
        let y = year("wmd_y").or_else(|| year_in_words(c.name("wmd_yw")?.as_str()));
        at(Some(y?), Some(m), Some(day?))
    } else if let Some(m) = named("wdm_m") {
        let y = year("wdm_y").or_else(|| year_in_words(c.name("wdm_yw")?.as_str()));
        at(Some(y?), Some(m), Some(ordinal_day(c.name("wdm_d")?.as_str())?))
    } else if let Some(y) = year("m_y").or_else(|| year("m_yy")) {
        at(Some(y), named("m_m"), None)
    } else if let Some(y) = year("y") {
        at(Some(y), None, None)
    } else if let Some(season) = c.name("season") {
        WrittenDate { season: true, ..at(year("season_y"), season_start(season.as_str()), None) }
    } else {
        at(None, Some(named("bare_m")?), number("bare_d"))
    };
    // Every part must make a calendar date.
    NaiveDate::from_ymd_opt(
        date.year.unwrap_or(2024),
        date.month.unwrap_or(1),
        date.day.unwrap_or(1),
    )?;
    Some(date)
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

/// The month a name or abbreviation names ("Sept." -> 9).
fn month_of(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.get(..3)?;
    crate::values::MONTHS.iter().position(|m| m.starts_with(stem)).map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(window: &str) -> Vec<(String, bool)> {
        let patterns = DatePatterns::new().unwrap();
        patterns.dates_in(window).map(|d| (d.date.iso(), d.year_alone)).collect()
    }

    fn iso(window: &str) -> Vec<String> {
        dates(window).into_iter().map(|(iso, _)| iso).collect()
    }

    /// The date read at the start of `text`: its ISO form ("--03" for a
    /// month with no year) and its words.
    fn read(text: &str) -> Option<(Option<String>, String)> {
        let patterns = DatePatterns::new().unwrap();
        patterns.read_at(text, 0).map(|(date, span)| {
            let iso = date.iso().or_else(|| date.month.map(|m| format!("--{m:02}")));
            (iso, text[span].to_string())
        })
    }

    fn read_iso(text: &str) -> Option<String> {
        read(text).and_then(|(iso, _)| iso)
    }

    #[test]
    fn dictated_dates_in_words() {
        assert_eq!(iso("July twenty-second, twenty twenty-five, in the office"), ["2025-07-22"]);
        assert_eq!(iso("on the twelfth of March 2026."), ["2026-03-12"]);
        assert_eq!(iso("the first of March, two thousand and twenty-six"), ["2026-03-01"]);
        assert_eq!(iso("march fourth twenty twenty six"), ["2026-03-04"]);
        assert_eq!(iso("March 12th, twenty twenty-six"), ["2026-03-12"]);
        // No day of the calendar: no date.
        assert_eq!(read_iso("February thirtieth, twenty twenty-six"), None);
    }

    #[test]
    fn dates_as_notes_write_them() {
        assert_eq!(iso("seen 02/17/2026 in clinic"), ["2026-02-17"]);
        assert_eq!(iso("seen 2/7/26"), ["2026-02-07"]);
        assert_eq!(iso("on 2025-11-04."), ["2025-11-04"]);
        assert_eq!(iso("since 06/2024"), ["2024-06"]);
        assert_eq!(iso("(05/2025-11/2025)"), ["2025-05", "2025-11"]);
        // A form's month and year boxes leave a blank either side of the slash.
        assert_eq!(iso("Date started:  11 / 2024"), ["2024-11"]);
        assert_eq!(iso("Received 12 January 2026;"), ["2026-01-12"]);
        assert_eq!(iso("Date of visit: 27-Jan-2026"), ["2026-01-27"]);
        assert_eq!(iso("DOB 02-JUN-81"), ["1981-06-02"]);
        assert_eq!(iso("March 3, 2026"), ["2026-03-03"]);
        assert_eq!(iso("date of service may 19 2026 this is"), ["2026-05-19"]);
        assert_eq!(iso("The June 2025 note"), ["2025-06"]);
        assert_eq!(iso("in Sept. 2024"), ["2024-09"]);
        assert_eq!(iso("the 3rd of March 2024"), ["2024-03-03"]);
        assert_eq!(iso("stopped Oct '23"), ["2023-10"]);
        // A month and its year wrapped onto the next line.
        assert_eq!(iso("was stopped in November\n   2025 because"), ["2025-11"]);
        assert_eq!(iso("from 2025-03 on"), ["2025-03"]);
        // A British letter writes the day first when it cannot be a month.
        assert_eq!(iso("seen 17/02/2026"), ["2026-02-17"]);
    }

    #[test]
    fn a_range_s_yearless_start_takes_its_end_s_year() {
        assert_eq!(iso("dates: 6/2-7/14/25"), ["2025-06-02", "2025-07-14"]);
        assert_eq!(iso("11/20 - 1/5/2026 then"), ["2025-11-20", "2026-01-05"]);
        // A score or a fraction before a dash starts no range.
        assert_eq!(iso("itch 8/10-ish on 7/14/25"), ["2025-07-14"]);
        assert_eq!(iso("BSA 1.5/2-7/14/25"), ["2025-07-14"]);
    }

    #[test]
    fn a_season_of_a_year_is_its_year_and_a_date_without_a_year_is_passed() {
        assert_eq!(iso("last applied in the spring of 2024"), ["2024"]);
        assert_eq!(dates("in the fall 2023,"), [("2023".to_string(), false)]);
        assert!(iso("since March, and last spring").is_empty());
        // "last" before a dated month does not hide it.
        assert_eq!(iso("last March 2025"), ["2025-03"]);
    }

    #[test]
    fn a_bare_year_is_marked_and_an_amount_is_no_year() {
        assert_eq!(dates("records (2022): BSA 30%"), [("2022".to_string(), true)]);
        assert!(dates("vitamin D3 2000 IU daily").is_empty());
        assert!(dates("2000 mg").is_empty());
        assert_eq!(read("2000 mg daily"), None);
    }

    #[test]
    fn numbers_that_are_no_dates() {
        for plain in [
            "BP 124/80",
            "itch 8/10",
            "itch 7-8/10",
            "300 mg/2 mL",
            "BSA 10-15%",
            "(30-<60 KG)",
            "02/30/2026",
            "2019-2021",
        ] {
            assert!(iso(plain).iter().all(|d| d.len() == 4), "{plain}");
        }
        // "may" and "march" as words are no dates without a year after.
        assert!(iso("she may start in march").is_empty());
    }

    #[test]
    fn read_at_keeps_the_precision_written() {
        assert_eq!(read_iso("05/12/2025 (first dose)"), Some("2025-05-12".into()));
        assert_eq!(read_iso("5-3-24"), Some("2024-05-03".into()));
        assert_eq!(read_iso("2025-03-14."), Some("2025-03-14".into()));
        assert_eq!(read_iso("2025-03"), Some("2025-03".into()));
        assert_eq!(read_iso("03/2025, then"), Some("2025-03".into()));
        assert_eq!(read_iso("2019"), Some("2019".into()));
        assert_eq!(read_iso("March 14, 2025 at"), Some("2025-03-14".into()));
        assert_eq!(read_iso("Sept. 2024"), Some("2024-09".into()));
        assert_eq!(read_iso("14th of February 2026"), Some("2026-02-14".into()));
        assert_eq!(read_iso("Oct '23"), Some("2023-10".into()));
        assert_eq!(read("March, when"), Some((Some("--03".into()), "March".into())));
        assert_eq!(
            read("the spring of 2024 on"),
            Some((Some("2024-03".into()), "the spring of 2024".into()))
        );
    }

    #[test]
    fn read_at_reads_only_at_its_offset() {
        assert_eq!(read("300 mg every 2 weeks"), None);
        assert_eq!(read("13/40/2025"), None);
        assert_eq!(read("maybe later"), None);
        assert_eq!(read("Marchetti"), None, "a name that starts like a month");
        assert_eq!(read("02/30/2025"), None, "no 30 February");
        assert_eq!(read("a visit on 03/2025"), None, "a date further on");
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
        // "this fall" is the latest fall begun by the note's date.
        assert_eq!(start("this winter."), Some("2025-12".into()));
        assert_eq!(start("this fall"), Some("2025-09".into()));
        assert_eq!(start("last March"), Some("2025-03".into()));
        assert_eq!(start("last June"), Some("2025-06".into()));
        assert_eq!(start("March"), Some("2026-03".into()));
        assert_eq!(read("last week"), None, "no month after 'last'");
    }

    #[test]
    fn days_count_from_the_first_day_written() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
        let march = WrittenDate { year: Some(2025), month: Some(3), ..WrittenDate::default() };
        assert_eq!(days_between(&march, today), Some(382.0));
        let later = WrittenDate { year: Some(2026), month: Some(4), ..march };
        assert_eq!(days_between(&later, today), None, "a start after the note");
        let bare = WrittenDate { year: None, ..march };
        assert_eq!(bare.in_year_up_to(today).iso(), Some("2026-03".into()));
        let april = WrittenDate { year: None, month: Some(4), ..march };
        assert_eq!(april.in_year_up_to(today).iso(), Some("2025-04".into()));
    }

    #[test]
    fn dates_compare_by_their_days() {
        let month = Date::month(2024, 2).unwrap();
        assert_eq!(month.last().to_string(), "2024-02-29");
        assert_eq!(Date::year(2022).unwrap().last().to_string(), "2022-12-31");
        let visit = Date::day(2026, 2, 17).unwrap();
        assert_eq!((visit.first() - Date::day(2026, 2, 10).unwrap().last()).num_days(), 7);
        assert!(Date::day(2026, 2, 30).is_none());
    }
}
