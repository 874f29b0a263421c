//! Dates as notes write them ("02/17/2026", "March 3, 2026", "06/2024",
//! "June 2025", a bare "2022" where a year may stand alone), and the note's
//! own date: the visit, letter or form date it states. One grammar serves
//! both, and every look is a window of a few dozen bytes.

use crate::lexicon::{DateLabel, Meaning, ValueCue};
use crate::mentions::{Mention, Note, Question, Reason};
use chrono::NaiveDate;
use necessity_context::steps;
use necessity_context::SectionKind;
use regex::{Captures, Regex};
use std::ops::Range;

/// Month names and their abbreviations, longest first so "September" is
/// not read as "Sep" and a word boundary follows.
const MONTH_NAMES: &str = r"(?:january|february|march|april|may|june|july|august|september
    |october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)";

/// A date as precisely as the note writes it: a day, a month or a year.
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

/// A date found in a window, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundDate {
    pub span: Range<usize>,
    pub date: Date,
    /// Only a year was written ("2022"): a date where a year may stand
    /// alone, a count or an amount elsewhere.
    pub year_alone: bool,
}

/// The compiled date grammar.
#[derive(Clone, Debug)]
pub struct DatePatterns {
    date: Regex,
    /// What may not follow a bare year: a unit makes it an amount ("2000 IU").
    amount_after: Regex,
    /// What may part a bare label from its date: punctuation, a weekday
    /// ("Date:  Tue 04/14/2026"), never words ("Date of injury: ...").
    label_gap: Regex,
    /// What may follow a letter's date on its line: a time ("14:20").
    time_after: Regex,
    /// A week of a course as a time point: "week 16", "wk 8".
    week: Regex,
}

impl DatePatterns {
    /// Compiles the grammar; it is fixed, so a failure is a bug caught by
    /// every test.
    pub fn new() -> Result<DatePatterns, regex::Error> {
        let ci = crate::case_insensitive;
        let year = r"(?:19|20)\d{2}";
        Ok(DatePatterns {
            date: ci(&format!(
                r"\b(?:
                    (?P<iso_y>{year}) - (?P<iso_m>\d{{1,2}}) - (?P<iso_d>\d{{1,2}})   # 2026-02-17
                  | (?P<us_m>\d{{1,2}}) / (?P<us_d>\d{{1,2}}) /
                    (?P<us_y>{year}|\d{{2}})                      # 02/17/2026, 2/17/26
                  | (?P<dash_m>\d{{1,2}}) - (?P<dash_d>\d{{1,2}}) -
                    (?P<dash_y>{year})                            # 02-17-2026
                  | (?P<dot_m>\d{{1,2}}) \. (?P<dot_d>\d{{1,2}}) \.
                    (?P<dot_y>{year})                             # 17.02.2026
                  | (?P<my_m>\d{{1,2}}) [/\-] (?P<my_y>{year})    # 06/2024
                  | (?P<dm_d>\d{{1,2}})(?:st|nd|rd|th)?[\x20\t]+(?:of[\x20\t]+)?
                    (?P<dm_m>{MONTH_NAMES})\.?,?[\x20\t]+
                    (?P<dm_y>{year})                              # 12 January 2026
                  | (?P<md_m>{MONTH_NAMES})\.?[\x20\t]+
                    (?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?,?[\x20\t]+
                    (?P<md_y>{year})                              # March 3, 2026; june 2 2026
                  | (?P<m_m>{MONTH_NAMES})\.?,?[\x20\t]+(?:of[\x20\t]+)?
                    (?P<m_y>{year})                               # June 2025, Sept. 2024
                  | (?P<y>{year})                                 # 2022, where a year may stand alone
                )\b"
            ))?,
            amount_after: ci(r"^ [\x20\t]* (?:mg|mcg|iu|units?|ml|kcal|cal|%|x\b)   # an amount")?,
            label_gap: ci(r"^ [\s:.=|\-]*                      # punctuation, dot leaders
                  (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?   # a weekday
                  $")?,
            week: ci(r"\b (?:week|wk) \x20? (\d{1,3}) \b   # week 16 of a course")?,
            time_after: ci(
                r"^ ,?\s* \d{1,2}:\d{2} (?::\d{2})? \s* (?:[ap]\.?m\.?)? \s* $   # a time",
            )?,
        })
    }

    /// Every date in `window`, in order, with spans relative to it.
    pub fn dates_in<'w>(&'w self, window: &'w str) -> impl Iterator<Item = FoundDate> + 'w {
        steps::add(window.len());
        self.date.captures_iter(window).filter_map(move |c| {
            let whole = c.get(0)?;
            let year_alone = c.name("y").is_some();
            if year_alone && self.amount_after.is_match(&window[whole.end()..]) {
                return None;
            }
            Some(FoundDate { span: whole.range(), date: read_date(&c)?, year_alone })
        })
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
    /// year is not enough for a note's date).
    fn first_precise(&self, window: &str) -> Option<FoundDate> {
        self.dates_in(window).find(|d| !d.year_alone)
    }
}

/// The date a match of the grammar writes.
fn read_date(c: &Captures) -> Option<Date> {
    let number = |name: &str| c.name(name)?.as_str().parse::<u32>().ok();
    let year = |name: &str| {
        let written = c.name(name)?.as_str();
        let value: i32 = written.parse().ok()?;
        // A two-digit year is of this century up to 50, else the last.
        Some(match written.len() {
            2 if value <= 50 => 2000 + value,
            2 => 1900 + value,
            _ => value,
        })
    };
    let month_named = |name: &str| month_of(c.name(name)?.as_str());
    if let Some(y) = year("iso_y") {
        return Date::day(y, number("iso_m")?, number("iso_d")?);
    }
    for (y, m, d) in
        [("us_y", "us_m", "us_d"), ("dash_y", "dash_m", "dash_d"), ("dot_y", "dot_m", "dot_d")]
    {
        if let Some(y) = year(y) {
            let (first, second) = (number(m)?, number(d)?);
            // Day first when the first number cannot be a month ("17/02/2026").
            return Date::day(y, first, second).or_else(|| Date::day(y, second, first));
        }
    }
    if let Some(y) = year("my_y") {
        return Date::month(y, number("my_m")?);
    }
    if let Some(y) = year("dm_y") {
        return Date::day(y, month_named("dm_m")?, number("dm_d")?);
    }
    if let Some(y) = year("md_y") {
        return Date::day(y, month_named("md_m")?, number("md_d")?);
    }
    if let Some(y) = year("m_y") {
        return Date::month(y, month_named("m_m")?);
    }
    Date::year(year("y")?)
}

/// The month a name or abbreviation names (1-12).
fn month_of(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let stem = lower.get(..3)?;
    super::MONTHS.iter().position(|m| m.starts_with(stem)).map(|i| i as u32 + 1)
}

/// How far after its label a note's date may be written ("Date of
/// service (DOS): 02/17/2026"), and after a signature label, which a
/// name may part from its date ("E-signed: A. Lowry MD  06/03/2026").
const LABEL_REACH: usize = 40;
const SIGNED_REACH: usize = 64;

/// How many bytes may part a named label from its date ("Encounter
/// date/time: ...", "Date of service (DOS): ...").
const NAMED_LABEL_GAP: usize = 16;

/// How many lines at the top of a note a letter's date line may stand on.
const LETTER_LINES: usize = 15;

/// The note's own date, the visit, letter or form date it states, with the
/// words that state it: a visit label first ("Date of service:",
/// "Encounter date:", "DOS"), then a document's date ("Date:", a letter's
/// date line), a signature date, and last a fax or received date. Of labels
/// of one rank the first counts. Copied-forward or prior-visit text never
/// dates the note.
pub fn note_date(patterns: &DatePatterns, note: &Note) -> Option<(Date, Range<usize>)> {
    let text = note.text();
    let mut best: Option<(DateLabel, Date, Range<usize>)> = None;
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Value(ValueCue::Date { label, line_start }) = mention.meaning else {
            continue;
        };
        if best.as_ref().is_some_and(|(rank, _, _)| rank <= label)
            || (*line_start && !starts_a_cell(text, mention.span.start))
            || in_the_past(note, mention)
        {
            continue;
        }
        let reach = if *label == DateLabel::Signed { SIGNED_REACH } else { LABEL_REACH };
        let window = super::rest_of_line(text, mention.span.end, reach);
        let Some(found) = patterns.first_precise(window) else { continue };
        // A bare label's date follows it ("Date of injury:" is no "Date:");
        // a named one may carry a few words ("Encounter date/time:"), and
        // a signature's date may stand after a name.
        let gap = &window[..found.span.start];
        let follows = match (*label, *line_start) {
            (DateLabel::Signed, _) => true,
            (_, true) => patterns.label_gap.is_match(gap),
            (_, false) => gap.len() <= NAMED_LABEL_GAP,
        };
        if !follows {
            continue;
        }
        // A label run over a line break ("... Visit" then "Date:") starts
        // on the date's line.
        let label_text = &text[mention.span.clone()];
        let start = mention.span.start + label_text.rfind('\n').map_or(0, |i| i + 1);
        best = Some((*label, found.date, start..mention.span.end + found.span.end));
    }
    let letter = best.as_ref().is_none_or(|(rank, _, _)| *rank > DateLabel::Document);
    if letter {
        if let Some((date, span)) = letter_date_line(patterns, note) {
            return Some((date, span));
        }
    }
    best.map(|(_, date, span)| (date, span))
}

/// Whether a date label is in the past: after a historical trigger
/// ("at the last visit"), or in copied-forward text. A section heading's
/// default ("Occupation:" above a "Date:" line) does not make it so.
fn in_the_past(note: &Note, mention: &Mention) -> bool {
    match note.judge(mention, Question::NOT_HISTORICAL) {
        Ok(()) => mention.section == SectionKind::PriorVisit,
        Err(Reason::Context(_, cause)) => {
            !cause.is_heading() || mention.section == SectionKind::PriorVisit
        }
        Err(_) => true,
    }
}

/// Whether a label starts its line or a column of a form ("Date: ..." at
/// the left, or after a run of spaces, a tab or a bar), not a word inside
/// a phrase ("Start date").
fn starts_a_cell(text: &str, start: usize) -> bool {
    let before = &text.as_bytes()[..start];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lead = &before[line_start..];
    let trimmed = lead.trim_ascii_end();
    trimmed.iter().all(|b| !b.is_ascii_alphanumeric())
        || lead.ends_with(b"  ")
        || matches!(trimmed.last(), Some(b'|' | b'\t'))
}

/// A letter's date line: one of the first lines of the note that holds a
/// date to the day and nothing else ("March 3, 2026").
fn letter_date_line(patterns: &DatePatterns, note: &Note) -> Option<(Date, Range<usize>)> {
    let text = note.text();
    let lines = note.lines();
    (0..lines.count().min(LETTER_LINES)).find_map(|index| {
        let range = lines.range(index);
        let line = &text[range.clone()];
        let trimmed = line.trim();
        if trimmed.len() > 32 {
            return None;
        }
        let lead = line.len() - line.trim_start().len();
        let found = patterns.first_precise(trimmed)?;
        let rest = &trimmed[found.span.end..];
        let whole = found.span.start == 0
            && (rest.is_empty() || patterns.time_after.is_match(rest))
            && found.date.is_day();
        let at = range.start + lead;
        whole.then(|| (found.date, at..at + trimmed.len()))
    })
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

    #[test]
    fn dates_as_notes_write_them() {
        assert_eq!(iso("seen 02/17/2026 in clinic"), ["2026-02-17"]);
        assert_eq!(iso("seen 2/7/26"), ["2026-02-07"]);
        assert_eq!(iso("on 2025-11-04."), ["2025-11-04"]);
        assert_eq!(iso("since 06/2024"), ["2024-06"]);
        assert_eq!(iso("(05/2025-11/2025)"), ["2025-05", "2025-11"]);
        assert_eq!(iso("Received 12 January 2026;"), ["2026-01-12"]);
        assert_eq!(iso("March 3, 2026"), ["2026-03-03"]);
        assert_eq!(iso("date of service may 19 2026 this is"), ["2026-05-19"]);
        assert_eq!(iso("The June 2025 note"), ["2025-06"]);
        assert_eq!(iso("in Sept. 2024"), ["2024-09"]);
        assert_eq!(iso("the 3rd of March 2024"), ["2024-03-03"]);
        // A British letter writes the day first when it cannot be a month.
        assert_eq!(iso("seen 17/02/2026"), ["2026-02-17"]);
    }

    #[test]
    fn a_bare_year_is_marked_and_an_amount_is_no_year() {
        assert_eq!(dates("records (2022): BSA 30%"), [("2022".to_string(), true)]);
        assert!(dates("vitamin D3 2000 IU daily").is_empty());
        assert!(dates("2000 mg").is_empty());
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
        ] {
            assert!(iso(plain).is_empty(), "{plain}");
        }
        // "may" and "march" as words are no months without a year after.
        assert!(iso("she may start in march").is_empty());
    }

    /// The note's date as the record writes it, and its evidence.
    fn note_date_of(text: &str) -> Option<(String, String)> {
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let evidence = facts.evidence.get("note_date").map(|e| e[0].text.clone());
        facts.note_date.zip(evidence)
    }

    #[test]
    fn the_visit_date_comes_before_a_document_or_signature_date() {
        let text = "Dermatology follow-up\nDate: 03/02/2026\nDate of service: 02/27/2026\n\
                    Signed 03/04/2026";
        let (date, words) = note_date_of(text).unwrap();
        assert_eq!((date.as_str(), words.as_str()), ("2026-02-27", "Date of service: 02/27/2026"));
        let text = "Clinic note\nDate:  Thu 01/08/2026\nSeen for eczema.\nE-signed 01/09/2026";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-08");
        let text = "Seen for eczema.\nElectronically signed by A. Reyes, MD  11/21/2025 16:02";
        assert_eq!(note_date_of(text).unwrap().0, "2025-11-21");
        let text = "Encounter date/time: 05/06/2026 10:14\nCall about a refill.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-05-06");
        let text = "encounter summary dictated date of service april 3 2026 patient seen";
        assert_eq!(note_date_of(text).unwrap().0, "2026-04-03");
    }

    #[test]
    fn a_letters_date_line_dates_the_letter() {
        let text = "Northside Skin Clinic\n12 Elm Road\n\nJanuary 9, 2026\n\nDear Reviewer,\n\
                    I saw her on 12/30/2025.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-09");
        let text = "Phone note\n02/11/2026 09:40\nMother called about the rash.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-11");
    }

    #[test]
    fn another_date_of_the_patient_is_not_the_notes() {
        for text in [
            "Date of injury: 04/02/2025\nSeen for a burn.",
            "Start date: 05/12/2025 (dupilumab)\nRenewal requested.",
            "Date of last visit: 10/01/2025\nItch is worse.",
            "DOB: 02/17/1990\nEczema.",
            "She may start in March 2026 if approved.",
        ] {
            assert_eq!(note_date_of(text), None, "{text}");
        }
        // A heading's default ("Occupation:") does not date a label away.
        let text = "Patient: A. B.\nOccupation: chef\nDate: 10/28/2025\n";
        assert_eq!(note_date_of(text).unwrap().0, "2025-10-28");
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
