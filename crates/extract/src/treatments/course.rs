//! A course's time: how long it lasted (`duration_days`) and when the
//! drug was last used (`last_used`), read from the words written after the
//! drug in its own clause or row: "x 8 weeks", "from 03/2025 to 05/2025",
//! "stopped 11/02/2025", "2019-2021", "Dates: 09/2024 - 01/2025". Payers'
//! look-back windows and "drug and date of trial" read them.
//!
//! Dates are read with the one date grammar ([`crate::dates`]); what a date
//! means for the course (its start, its end, the time it was used) is read
//! from the words just before it and from a range joining two dates.

use super::floor_char_boundary;
use super::outcome::Outcomes;
use crate::dates::{Date, DatePatterns, FoundDate};
use crate::mentions::Note;
use necessity_context::steps;
use regex::Regex;
use std::ops::Range;

/// How far after a drug name the length and dates of its course are read.
const COURSE_AFTER: usize = 80;
/// How far after a drug name the length of its course is read.
const LENGTH_AFTER: usize = 128;
/// How far past that reach the dates of a list or period begun within it
/// are read.
const DATES_ON: usize = 48;
/// How far before a drug name a start verb is read ("restarted her on").
const STARTED_BEFORE: usize = 32;

/// The compiled window patterns of a course's time.
#[derive(Clone, Debug)]
pub struct CoursePatterns {
    duration: Regex,
    dates: DatePatterns,
    /// What joins the two ends of a period ("03/2025 - 05/2025", "February
    /// 2024 to July 2025").
    joint: Regex,
    /// A period still open ("09/2024 - present").
    open_end: Regex,
    /// Words that make the date after them the course's start.
    start_before: Regex,
    /// Words that make the date after them the course's end.
    end_before: Regex,
    /// A start verb right before the drug ("started Dupixent in 2024"):
    /// a date of the course with no word of its own is its start.
    started_drug: Regex,
    /// A last dose named right before the drug ("last Adbry injection
    /// was ...", "last dose of Adbry on ..."): a date with no word of its
    /// own is the course's last use.
    last_dose_drug: Regex,
    /// A use said to have ended right before the drug ("has not needed",
    /// "no longer uses").
    no_longer_drug: Regex,
    /// A clause that opens with a stop after a length, with no subject.
    stop_after_opening: Regex,
    /// What ends the clause a course's dates are read in: a semicolon, or
    /// a relative clause about a person ("..., who has eczema that I
    /// diagnosed in 2021").
    clause_end: Regex,
    /// What makes a date with no start or end word another event's: a
    /// clause of its own subject ("... and therefore when I saw her on
    /// 11/23/09", "..., he achieved control back in August 2004"), a new
    /// sentence, a drug level drawn on a day.
    other_event: Regex,
    /// What may open a row before its dates: a bullet or a number.
    row_bullet: Regex,
    /// What parts the dates of a list ("in 2024 and early 2025").
    date_list: Regex,
    /// A course's length written before what it counts ("a 10-day
    /// course", "5-day burst").
    length_before: Regex,
    /// A length in a field of a trial's own field group ("PRIOR TX 1
    /// DURATION: 6 months"); a requested drug's "Duration: 6 mo" is how
    /// long the request asks for.
    length_field: Regex,
    /// The same, ending in "of" right before the drug ("a 10-day course
    /// of cephalexin").
    length_of: Regex,
    /// A length joined to the drug right after it ("a 5-day prednisone
    /// burst").
    length_ahead: Regex,
    /// A line that is a row of a table: words, a gap of spaces, more words.
    table_row: Regex,
    /// A word of use whose object is "it" or "them", the drug named before
    /// ("she used it as directed twice a day x 4 weeks").
    used_it: Regex,
    /// A sentence that opens with the last dose of the drug the sentence
    /// before named ("Stop Adbry - lack of effect. Last dose was
    /// 12/30/2025").
    last_dose_opening: Regex,
}

/// How many of what: in digits (groups 1 and 2) or in words (3 and 4).
const COUNT_OF_UNITS: &str = r"
    (?: (\d+) (?:\s*|-)                                        # how many, in digits
        (days?|d|nights?|weeks?|wks?|wk|months?|mos?|years?|yrs?)   # of what
    | (an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)
        (?:\s+|-)                                                # or in words
        (days?|nights?|weeks?|wks?|wk|months?|mos?|years?|yrs?)   # ('(AD' is no day)
    ) \b";

/// A course's length written before what it counts ("10-day course").
const LENGTH_BEFORE: &str = r"\b
    (\d+|an?|one|two|three|four|five|six|seven|eight|ten|twelve|fourteen)  # how many
    [-\x20] (days?|weeks?|months?) \x20                                     # of what
    (?: course | burst | taper | trial | pack | supply | treatment ) \b     # a course
";

/// Words that may stand between a start or end verb and what it is about
/// ("stopped taking", "discontinued this").
const OBJECT: &str = r"(?: \s+ (?:taking|using|applying|it|this|them|her|him) )*";

/// Words that may stand between a start or end word and its date: "in",
/// "on", "around", a season or a part of the year ("stopped in the spring
/// of 2024", "since early 2023").
const LEAD_IN: &str = r"
    (?: \s+ (?:in|on|around|about|approximately|during|by) )?     # a preposition
    (?: \s+ the )?
    (?: \s+ (?:early|late|mid(?:-|\s)?|the\x20end\x20of|the\x20start\x20of) )?  # part of the year
    (?: \s+ (?:spring|summer|fall|autumn|winter) (?:\s+ of)? )?   # a season: the year alone counts
    \s* $";

impl CoursePatterns {
    /// Every date written in `window`, as the one date grammar reads them.
    pub(super) fn dates_in<'w>(
        &'w self,
        window: &'w str,
    ) -> impl Iterator<Item = crate::dates::FoundDate> + 'w {
        self.dates.dates_in(window)
    }

    /// Compiles the window patterns; they are fixed, so a failure is a bug
    /// caught by every test.
    pub fn new() -> Result<CoursePatterns, regex::Error> {
        let ci = crate::case_insensitive;
        Ok(CoursePatterns {
            duration: ci(&format!(
                r"(?:\bx\s*~?\s*|\(                           # x, x ~, (
                  | \b(?:daily|every\s+day|nightly|bid|tid|qd|qhs)\s+   # a frequency, then an
                    (?:about\x20|approximately\x20|~)                  # approximate length
                  | \bfor\s+(?:the\s+(?:past|last)\s+)?               # for, for the past
                    (?:about\x20|approximately\x20|~)?
                  | (?:\x20\x20|\t)[\x20\t]*~?                        # a table's length cell
                  | \b(?:stopped|stopping|discontinued|quit|ceased|refused)  # a stop after its length
                    \s+(?:it\s+|them\s+|using\s+it\s+)?after\s+(?:about\s+|approximately\s+|~)?
                  | \btaper(?:ed|ing)?\s+over\s+)                        # a taper over its length
                  {COUNT_OF_UNITS}"
            ))?,
            length_field: ci(&format!(
                r"\b(?:duration|length)                  # a form's length field
                  (?:\x20of\x20(?:use|trial|therapy|treatment))? :\s*
                  (?:about\x20|approx\.?\x20|approximately\x20|~)?
                  {COUNT_OF_UNITS}"
            ))?,
            dates: DatePatterns::new()?,
            joint: ci(
                r"^ \s* (?: - | – | — | to | through | thru | until | till  # between two dates
                  | \| ) \s* $                                             # or two cells of a row",
            )?,
            open_end: ci(r"^ \s* (?: - | – | — | to | through | until ) \s*   # a range's joint
                  (?: present | now | current | today | ongoing | date ) \b     # with no end yet")?,
            start_before: ci(&format!(
                r"\b (?: since | started | start | start\x20date:? | began | begun
                  | initiated | commenced | from | restarted | resumed
                  | prescribed | ordered | recommended | offered ) {OBJECT} {LEAD_IN}"
            ))?,
            end_before: ci(&format!(
                r"(?: \b (?: until | till | through | thru | stopped | discontinued | ended | quit
                  | completed | finished | stop\x20date:?
                  | last\x20(?:used|applied|taken|dose|filled|use|given|received) )
                  | \b d/?c'?d? ) {OBJECT} {LEAD_IN}"
            ))?,
            started_drug: ci(r"\b (?: started | start | began | begun | initiated | commenced
                  | restarted | restarting | resumed | placed | put | switched | changed )  # a start verb
                  (?: \s+ (?: on | to | back | her | him | his | their | it | them
                  | taking | using ) )*                                       # its object's lead-in
                  \s* $")?,
            last_dose_drug: ci(r"\b last \s+                              # last
                  (?: (?: dose | injection | shot | application | fill | infusion )
                      \s+ of \s+ (?: the \s+ | her \s+ | his \s+ )? )?    # dose of
                  $")?,
            no_longer_drug: ci(
                r"\b (?: no \s+ longer \s+ (?: needs? | needed | uses? | using | requires? )
                  | (?: has | have | had ) \s+ not \s+ (?: needed | required ) )
                  \s+ (?: any \s+ | the \s+ | her \s+ | his \s+ )?
                  (?: [^.;\n]{0,48}? (?: , | \s or | \s and ) \s+ )?   # a drug listed before
                  $",
            )?,
            stop_after_opening: ci(r"^ \s* (?: and \s+ )? (?: was \s+ )?
                  (?: stopped | discontinued | d/c'?d | quit )                # a stop
                  \s+ (?: it \s+ | them \s+ )? after \b                    # after a length")?,
            clause_end: ci(r"; | \b (?: who | whose ) \b   # a new clause")?,
            other_event: ci(r"\b (?: i | he | she | we | they | you ) \b   # a subject of its own
                  | \b (?: then | when | where ) \b                          # a clause joined on
                  | \b and \x20 (?: so | therefore | later | subsequently     # with a verb of its own
                    | underwent | had | has | was | were | is | developed | went ) \b
                  | \b levels? \b                                         # a drug level's day
                  | (?-i: [.!?] [\s,]* [A-Z] )                             # a new sentence")?,
            row_bullet: ci(r"^ \s* (?: [-*•·] | \d{1,2} [.)] )? \s* $   # a bullet or a number")?,
            date_list: ci(&format!(r"^ \s* ,? \s* (?: and | or | & )? {LEAD_IN}"))?,
            length_before: ci(LENGTH_BEFORE)?,
            length_of: ci(&format!(r"{LENGTH_BEFORE} \s+ of \s+ $"))?,
            length_ahead: ci(r"\b
                (\d+|one|two|three|four|five|six|seven|eight|ten|twelve|fourteen)  # how many
                - (days?|weeks?|months?) \s+ $                                    # -day, the drug next")?,
            table_row: Regex::new(
                r"(?x) ^ [\x20\t]* \S [^\n]*? \S (?: \x20{3,} | \t ) \S   # words, a gap, words",
            )?,
            used_it: ci(r"\b ( used | applied | took | taken | using | applying | taking )
                \s+ (?: it | them ) \b                      # a use of the drug named before")?,
            last_dose_opening: ci(
                r"^ \s* (?: (?: her | his | their | the | pt'?s? | patient'?s ) \s+ )?
                  last \s+ (?: dose | injection | shot | infusion )    # the last dose
                  (?: \s+ (?: was | given | taken ) )?                  # was
                  (?: \s+ (?: on | at ) )? [\s:\-]*                   # on",
            )?,
        })
    }
}

/// What the words after a drug say of the course's time.
#[derive(Clone, Debug, Default)]
pub(super) struct CourseTime {
    /// How long the course lasted, in days, and the words that say so.
    pub duration: Option<(f64, Range<usize>)>,
    /// When the drug was last used, and the words that say so.
    pub last_used: Option<LastUse>,
    /// A period written as still open ("09/2024 - present").
    pub ongoing: bool,
    /// A start written with "since" and no end ("hydrocortisone since
    /// 10/2025"): in use now, unless the note tells of a stop.
    pub since_open: bool,
    /// Words right before the drug say its use ended ("has not needed
    /// triamcinolone since September"): not in use now.
    pub no_longer: bool,
}

/// When a drug was last used, as a course's dates say.
#[derive(Clone, Debug)]
pub(super) struct LastUse {
    pub date: Date,
    /// The words that say so.
    pub words: Range<usize>,
    /// Written as the course's end (a period's end, a date after a stop
    /// word), not only as a date of it ("in 2023").
    pub stated_end: bool,
}

/// Reads the course's time after the drug mention at `span`: its stated
/// length ("x 8 weeks", "for a month", "(3 months)"), else the days between
/// both ends of a dated period, and its last use: the end of a period, a
/// date after a stop word, or a date of the course with no start word
/// ("in March 2025", "(2021)"). A start date alone ("started 06/2024") is
/// no last use. `judged` tells that the mention's outcome is a failure,
/// an intolerance or a contraindication.
pub(super) fn course_time(
    patterns: &CoursePatterns,
    note: &Note,
    span: &Range<usize>,
    planned: bool,
    judged: bool,
    outcomes: &Outcomes,
) -> CourseTime {
    let text = note.text();
    // A form's drug field owns the fields under it, however long, and the
    // brand its value names beside the agent.
    let fields_end = drug_field_end(note, span.start);
    let grouped = fields_end.is_some() && opens_field_group(note, span.start);
    // ... as does a past course's other name in brackets right after it
    // ("Tralokinumab (Adbry), 300 mg ... started 12/15/2025"); a planned
    // drug's fields are its request's.
    let prose = !planned && fields_end.is_none();
    let next_same = outcomes.next_drug_from(span.end).filter(|_| prose).filter(|&next| {
        text[span.end..next].trim() == "(" && outcomes.next_other_drug_after(span) != Some(next)
    });
    // A field of a course the note judges (a trial that failed or was not
    // tolerated) reads past its brand to the fields under it ("Drug:
    // pimecrolimus 1% cream (Elidel) ... Dates: 06/16/2025 - 06/26/2025").
    let past_field = fields_end.is_some() && judged && !planned;
    let next_drug = match grouped || past_field || next_same.is_some() {
        true => outcomes.next_other_drug_after(span),
        false => outcomes.next_drug_from(span.end),
    };
    let next_drug = next_drug.unwrap_or(text.len());
    let sentence_end = fields_end.unwrap_or_else(|| hung_lines_end(patterns, note, span.start));
    let reach = |usual: usize| match fields_end {
        Some(end) => end,
        None => span.end + usual,
    };
    // Dates read on past the length's reach while they go on a list or a
    // period begun within it ("(03/2023-06/2023, and again 09/2024-12/2024)").
    let end = reach(COURSE_AFTER + DATES_ON).min(sentence_end).min(next_drug);
    let end = floor_char_boundary(text, end).max(span.end);
    let end = own_row_end(patterns, text, span.end..end);
    steps::add(end - span.end);
    let dates_after = &text[span.end..end];
    // A length may follow a long regimen ("... to the hands, wrists and
    // elbows x 14 days"), read as far as the sentence or the next drug.
    // Past the usual reach, a stop the sentence splitter kept ("on heparin
    // and transferred 8/16/95.,In addition ... for 2 months") ends it.
    let length_reach = match stop_clause_after(patterns, note, sentence_end) {
        // "started 01/2026; discontinued after about 10 days": a stop with
        // no subject of its own after the course's sentence is its end.
        Some(clause_end) if fields_end.is_none() => {
            (span.end + 2 * LENGTH_AFTER).min(clause_end).min(next_drug)
        }
        _ => reach(LENGTH_AFTER).min(sentence_end).min(next_drug),
    };
    let usual = floor_char_boundary(text, (span.end + COURSE_AFTER).min(length_reach));
    let window = &text[span.end..floor_char_boundary(text, length_reach).max(span.end)];
    steps::add(window.len());
    let stop = window
        .match_indices('.')
        .find(|(at, _)| window[at + 1..].starts_with([' ', ',', '\n', '\r']))
        .map_or(window.len(), |(at, _)| at);
    let length_end = (span.end + stop).max(usual).max(span.end);
    let after = &text[span.end..length_end];
    let stated = stated_length(patterns, after, grouped && !planned);
    let stated = stated.map(|(d, r)| (d, shift(r, span.end)));
    let stated = stated.or_else(|| (!planned).then(|| length_in_unit_column(note, span)).flatten());
    let stated = stated.or_else(|| {
        let in_prose = fields_end.is_none();
        in_prose.then(|| length_said_of_it_next(patterns, note, span, planned, outcomes)).flatten()
    });
    // A date in the next clause ("...; seen again 04/2026") is not the course's.
    let clause_end = patterns.clause_end.find(dates_after).map_or(dates_after.len(), |m| m.start());
    let clause = &dates_after[..clause_end];
    let lead = floor_char_boundary(text, span.start.saturating_sub(STARTED_BEFORE));
    steps::add(span.start - lead);
    let before = &text[lead..span.start];
    let started = planned || patterns.started_drug.is_match(before);
    let words_before = if started {
        Lead::Started
    } else if patterns.last_dose_drug.is_match(before) {
        Lead::LastDose
    } else if patterns.no_longer_drug.is_match(before) {
        Lead::NoLonger
    } else {
        Lead::Plain
    };
    let stated = stated.or_else(|| {
        let found = patterns
            .length_of
            .captures(before)
            .or_else(|| patterns.length_ahead.captures(before))?;
        let days = length_days(found.get(1)?.as_str(), found.get(2)?.as_str())?;
        // The words end at the course ("10-day course"), not at its "of".
        let whole = found.get(0)?;
        let words = whole.as_str().trim_end().trim_end_matches(['o', 'f', 'O', 'F']).trim_end();
        Some((days, shift(whole.start()..whole.start() + words.len(), lead)))
    });
    let date_reach = if fields_end.is_some() { clause.len() } else { COURSE_AFTER };
    let mut dated = dated_course(patterns, clause, words_before, date_reach);
    dated.shift(span.end);
    if dated.last.is_none() && dated.period.is_none() && !dated.ongoing {
        if let Some(row) = row_dates(patterns, note, span, outcomes) {
            dated = row;
        }
    }
    if dated.last.is_none() && !planned {
        dated.last = last_dose_said_next(patterns, note, span, outcomes);
    }
    // A fill table's last-fill column ends the course there, though the
    // date in the row reads as only a date of it.
    if let Some(last) = last_fill_cell(patterns, note, span).filter(|_| !planned) {
        dated.last = Some(last);
    }
    // "started 01/2026; discontinued after about 10 days": a start and a
    // length, the end neither written nor open, date the last use.
    if let (None, false, false, false, Some((began, at)), Some((days, words))) =
        (&dated.last, dated.ongoing, dated.since_open, planned, &dated.start, &stated)
    {
        if let Some(date) = began.ended_after(*days as i64) {
            let words = at.start.min(words.start)..at.end.max(words.end);
            dated.last = Some(LastUse { date, words, stated_end: false });
        }
    }
    CourseTime {
        duration: stated.or(dated.period),
        last_used: dated.last,
        ongoing: dated.ongoing,
        since_open: dated.since_open,
        no_longer: words_before == Lead::NoLonger,
    }
}

/// A length told of "it" in the sentence after the course's, when that
/// sentence names no drug of its own: "... started triamcinolone 0.1%
/// ointment BID. Reports she used it as directed twice a day x 4 weeks"
/// (a start the sentence before told is a course since, when "used" says
/// so).
fn length_said_of_it_next(
    patterns: &CoursePatterns,
    note: &Note,
    span: &Range<usize>,
    planned: bool,
    outcomes: &Outcomes,
) -> Option<(f64, Range<usize>)> {
    let next = note.sentence(note.sentence_index(span.start) + 1);
    if next.is_empty() || outcomes.next_drug_from(span.end).is_some_and(|d| d < next.end) {
        return None;
    }
    let text = note.text();
    let body = &text[next.clone()];
    steps::add(body.len());
    let used = patterns.used_it.captures(body)?;
    // A drug started in the sentence before was used since if the words say
    // so in the past ("she used it"); "using it" may be the plan's.
    if planned && used.get(1).is_some_and(|verb| verb.as_str().ends_with("ing")) {
        return None;
    }
    let from = next.start + used.get(0)?.end();
    let after = &text[from..floor_char_boundary(text, (from + LENGTH_AFTER).min(next.end))];
    let (days, words) = stated_length(patterns, after, false)?;
    Some((days, shift(words, from)))
}

/// A last dose dated in the sentence after the course's, when that
/// sentence opens with it and names no drug of its own: "1. Stop Adbry -
/// lack of effect. Last dose was 12/30/2025; no washout needed."
fn last_dose_said_next(
    patterns: &CoursePatterns,
    note: &Note,
    span: &Range<usize>,
    outcomes: &Outcomes,
) -> Option<LastUse> {
    let next = note.sentence(note.sentence_index(span.start) + 1);
    if next.is_empty() || outcomes.next_drug_from(span.end).is_some_and(|d| d < next.end) {
        return None;
    }
    let body = &note.text()[next.clone()];
    steps::add(body.len().min(DATE_AFTER_LAST_DOSE));
    let opening = patterns.last_dose_opening.find(body)?;
    let rest =
        &body[opening.end()..floor_char_boundary(body, opening.end() + DATE_AFTER_LAST_DOSE)];
    let found = patterns.dates.dates_in(rest).next().filter(|d| d.span.start == 0)?;
    let from = next.start + opening.end();
    let words = next.start + (body.len() - body.trim_start().len())..from + found.span.end;
    Some(LastUse { date: found.date, words, stated_end: true })
}

/// How far after "last dose was" its date is read.
const DATE_AFTER_LAST_DOSE: usize = 24;

/// Where the clause after a course's sentence ends, when it opens with a
/// stop after a length and no subject of its own ("; stopped after 9
/// days", "; discontinued after about\n 10 days").
fn stop_clause_after(patterns: &CoursePatterns, note: &Note, sentence_end: usize) -> Option<usize> {
    let text = note.text();
    if sentence_end >= text.len() || !text[..sentence_end].ends_with(';') {
        return None;
    }
    let rest = &text[sentence_end..floor_char_boundary(text, sentence_end + STOP_OPENING)];
    steps::add(rest.len());
    patterns.stop_after_opening.is_match(rest).then(|| note.sentence_of(sentence_end).end)
}

/// How far into a clause its opening stop is read.
const STOP_OPENING: usize = 48;

/// How far above a table row its header is looked for.
const HEADER_REACH: usize = 4096;

/// The length a bar-drawn table's row gives in a column whose header
/// names the unit ("| Agent | Dates | Weeks used | Result |" over "| 2 |
/// Triamcinolone 0.1% | 04/25 - | 8 | INADEQUATE |"): the row's cell in
/// that column holds a bare number. The header is the nearest line above,
/// within the table (no blank line between), with as many cells, one of
/// them naming weeks, days or months and none holding a digit.
fn length_in_unit_column(note: &Note, span: &Range<usize>) -> Option<(f64, Range<usize>)> {
    let (text, lines) = (note.text(), note.lines());
    let row_line = lines.line_of(span.start);
    let row = lines.range(row_line);
    if !text[row.clone()].contains('|') {
        return None;
    }
    let cells = |range: Range<usize>| -> Vec<Range<usize>> {
        let line = &text[range.clone()];
        let bars: Vec<usize> = line.match_indices('|').map(|(i, _)| range.start + i).collect();
        bars.windows(2).map(|w| w[0] + 1..w[1]).collect()
    };
    let row_cells = cells(row.clone());
    let floor = row.start.saturating_sub(HEADER_REACH);
    let mut above = row_line;
    while above > 0 {
        above -= 1;
        let range = lines.range(above);
        steps::add(range.len() + 1);
        let line = text[range.clone()].trim();
        if line.is_empty() || range.start < floor {
            return None;
        }
        let header = cells(range);
        if header.len() != row_cells.len()
            || header.iter().any(|c| text[c.clone()].contains(|c: char| c.is_ascii_digit()))
        {
            continue;
        }
        for (column, cell) in header.iter().enumerate() {
            let Some(unit) = unit_named(&text[cell.clone()]) else { continue };
            let value = &row_cells[column];
            let number = text[value.clone()].trim();
            let Ok(count) = number.parse::<f64>() else { continue };
            let at = value.start + text[value.clone()].find(number).unwrap_or(0);
            return length_days(&count.to_string(), unit).map(|days| (days, at..at + number.len()));
        }
    }
    None
}

/// The unit of time a table's header cell names ("Weeks used", "Duration
/// (days)"), as `length_days` reads it.
fn unit_named(cell: &str) -> Option<&'static str> {
    let lower = cell.to_ascii_lowercase();
    let words: Vec<&str> =
        lower.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).collect();
    words.iter().find_map(|w| match *w {
        "weeks" | "wks" | "wk" | "week" => Some("weeks"),
        "days" | "day" => Some("days"),
        "months" | "mos" | "month" => Some("months"),
        _ => None,
    })
}

/// How many lines hanging under a drug's line are read as its own.
const HUNG_LINES: usize = 2;

/// Where the drug's words end: at the end of its sentence, or, when a
/// form's item opens with the drug and its line ends with no full stop,
/// at the end of the first sentence of each line that hangs under it
/// (indented deeper: "1. Triamcinolone 0.1% ointment, BID" over "
/// Dates: 10/06/2025 - 12/01/2025 (8 weeks)"). A heading that only names
/// the drug ("4. CONCURRENT THERAPY (topical ruxolitinib)") or a line that
/// ends its sentence ("e-prescribed 08/18/2026.") owns no line under it.
fn hung_lines_end(patterns: &CoursePatterns, note: &Note, drug: usize) -> usize {
    let (text, lines) = (note.text(), note.lines());
    let sentence_end = note.sentence_of(drug).end;
    let first = lines.line_of(drug);
    let own_line = lines.range(first);
    let lead = drug - own_line.start;
    if lead > ROW_LEAD {
        return sentence_end;
    }
    steps::add(lead);
    let opens_item = patterns.row_bullet.is_match(&text[own_line.start..drug]);
    let ended = text[own_line.clone()].trim_end().ends_with(['.', '!', '?']);
    if !opens_item || ended {
        return sentence_end;
    }
    let mut end = sentence_end;
    for next in (first + 1..lines.count()).take(HUNG_LINES) {
        steps::add(1);
        let (line, content) = (lines.range(next), lines.content_of(next));
        if content >= line.end || line.start > end + 1 || lines.starts_unhung_line(content) {
            break;
        }
        end = end.max(note.sentence_of(content).end.min(line.end));
    }
    end
}

/// How many field lines under a form's drug field are read as its own.
const FIELD_LINES: usize = 3;
/// How many field lines of a drug's numbered field group are its own.
const GROUP_FIELD_LINES: usize = 12;
/// How far into its line a drug field's value may start.
const FIELD_LABEL_REACH: usize = 48;

/// Where a form's drug field ends with the fields under it, when the
/// drug is the value of a field that opens its line ("Agent and
/// strength: Mometasone furoate 0.1% ointment") and the line ends with
/// no full stop.
fn drug_field_end(note: &Note, drug: usize) -> Option<usize> {
    let (text, lines) = (note.text(), note.lines());
    let first = lines.line_of(drug);
    let own_line = lines.range(first);
    // A field's label is a few words: a long line before the drug is prose.
    if drug - own_line.start > FIELD_LABEL_REACH {
        return None;
    }
    let before = text[own_line.start..drug].trim();
    steps::add(before.len());
    let label = before.as_bytes();
    let field = before.ends_with(':')
        && (necessity_context::starts_with_label(label)
            || necessity_context::field_group(label).is_some());
    let ended = text[own_line].trim_end().ends_with(['.', '!', '?']);
    (field && !ended).then(|| field_lines_end(note, first, note.sentence_of(drug).end))
}

/// True when the drug's line opens an export's numbered field group
/// ("PRIOR TX 1 AGENT: triamcinolone ...").
fn opens_field_group(note: &Note, drug: usize) -> bool {
    let lines = note.lines();
    let line = lines.line_of(drug);
    let written = &note.text().as_bytes()[lines.content_of(line)..lines.range(line).end];
    necessity_context::field_group(written).is_some()
}

/// Where a form's drug field ends with the fields under it: the lines at
/// its indent that open with a label of their own ("Directions: ...",
/// "Dates of use: 09/02/2025 to 10/14/2025"), and the lines a field's
/// value wraps onto (in lower case), up to a blank line or other text.
fn field_lines_end(note: &Note, first: usize, sentence_end: usize) -> usize {
    let (text, lines) = (note.text(), note.lines());
    let indent = |l: usize| lines.content_of(l) - lines.range(l).start;
    let mut end = sentence_end.max(lines.range(first).end);
    let mut fields = 0;
    // An export's numbered field group ("PRIOR TX 1 AGENT:" over "PRIOR TX
    // 1 STOP:") owns its fields however many, up to a bound.
    let group = |l: usize| {
        necessity_context::field_group(&text.as_bytes()[lines.content_of(l)..lines.range(l).end])
    };
    let own_group = group(first);
    for next in first + 1..lines.count() {
        steps::add(1);
        let (line, content) = (lines.range(next), lines.content_of(next));
        if content >= line.end || indent(next) != indent(first) {
            break;
        }
        let written = &text[content..line.end];
        let wrapped = written.starts_with(|c: char| c.is_ascii_lowercase());
        let grouped = own_group.is_some() && group(next) == own_group;
        if grouped {
            if fields == GROUP_FIELD_LINES {
                break;
            }
            fields += 1;
        } else if !wrapped {
            if fields >= FIELD_LINES || !necessity_context::starts_with_label(written.as_bytes()) {
                break;
            }
            fields += 1;
        }
        end = line.end;
    }
    end
}

/// The dates a row opens with, before the drug it dates ("- 03/2021 -
/// 11/2022: tacrolimus 0.1% ointment - failed", "2019 | methotrexate"):
/// the dates stand between the row's bullet and its first colon or bar,
/// and the drug is the first of the row, a few words after. Spans are
/// offsets in the note.
fn row_dates(
    patterns: &CoursePatterns,
    note: &Note,
    span: &Range<usize>,
    outcomes: &Outcomes,
) -> Option<DatedCourse> {
    let text = note.text();
    let line_start = note.lines().start_of(span.start);
    if span.start - line_start > ROW_LEAD || outcomes.next_drug_from(line_start)? < span.start {
        return None;
    }
    let prefix = &text[line_start..span.start];
    steps::add(prefix.len());
    let separator = prefix.find([':', '|'])?;
    let (head, tail) = (&prefix[..separator], &prefix[separator + 1..]);
    let first = patterns.dates.dates_in(head).next()?;
    let last_end = patterns.dates.dates_in(head).last()?.span.end;
    let bare = patterns.row_bullet.is_match(&head[..first.span.start])
        && head[last_end..].trim().is_empty()
        && tail.len() <= ROW_TAIL;
    if !bare {
        return None;
    }
    let lead = if patterns.started_drug.is_match(tail) { Lead::Started } else { Lead::Plain };
    let mut dated = dated_course(patterns, head, lead, head.len());
    dated.shift(line_start);
    Some(dated)
}

/// The date in the last cell of a drug's row in a claims or fill table
/// whose header names that column a last fill or use ("NDC  Product  Fills
/// Last fill" over "51672-1258-03  CLOBETASOL ... OINT  3  10/03/2024"): the
/// last use the table knows, so an end, and the course not in use after it
/// unless another mention says so.
fn last_fill_cell(patterns: &CoursePatterns, note: &Note, span: &Range<usize>) -> Option<LastUse> {
    let (text, lines) = (note.text(), note.lines());
    let line = lines.line_of(span.start);
    let row = lines.range(line);
    // A name broken over two lines ("Betamethasone\ndipropionate") is
    // prose, and a row longer than a table's is not read.
    if span.end > row.end || row.len() > FILL_ROW_LEN {
        return None;
    }
    let cell = last_cell(&text[span.end..row.end])?;
    let found = patterns.dates.dates_in(cell).next().filter(|f| f.span.len() == cell.len())?;
    let above = (line.saturating_sub(HEADER_LOOK)..line).rev().map(|l| &text[lines.range(l)]);
    for header in above {
        steps::add(header.len().min(FILL_ROW_LEN));
        if header.len() > FILL_ROW_LEN || header.trim().is_empty() {
            return None;
        }
        let rule = header.bytes().all(|b| matches!(b, b'-' | b'=' | b'|' | b'+' | b' ' | b'\t'));
        if rule || patterns.dates.dates_in(header).next().is_some() {
            continue;
        }
        let named = last_cell(header).is_some_and(|heading| {
            let heading = heading.to_ascii_lowercase();
            LAST_USE_COLUMNS.iter().any(|column| heading.contains(column))
        });
        if !named {
            return None;
        }
        let at = cell.as_ptr() as usize - text.as_ptr() as usize;
        let words = at + found.span.start..at + found.span.end;
        return Some(LastUse { date: found.date, words, stated_end: true });
    }
    None
}

/// The last cell of a row: the text after its last column gap (two blanks,
/// a tab or a bar), if the row has one.
fn last_cell(row: &str) -> Option<&str> {
    let row = row.trim_end();
    let gap = row.rfind(['\t', '|']).max(row.rfind("  ").map(|at| at + 1))?;
    let cell = row[gap + 1..].trim();
    (!cell.is_empty()).then_some(cell)
}

/// How many lines above a row its table's header may stand (its rows and
/// rules between).
const HEADER_LOOK: usize = 12;

/// The longest row or header of a fill table read.
const FILL_ROW_LEN: usize = 200;

/// Column headings of a table's last use of a drug.
const LAST_USE_COLUMNS: [&str; 5] =
    ["last fill", "last dispensed", "last use", "stop date", "end date"];

/// How far from the start of its row a drug may be for the row's opening
/// dates to be its own, and how many bytes may part the dates' colon from
/// the drug ("started ").
const ROW_LEAD: usize = 64;
const ROW_TAIL: usize = 24;

/// Where the words of a drug's row end within `window`: at a line break
/// before a row of a table (a line of columns parted by wide gaps, "9 mo
/// (Jun 2025)      Referral; ..."), whose dates are its own; a line of
/// wrapped prose goes on.
fn own_row_end(patterns: &CoursePatterns, text: &str, window: Range<usize>) -> usize {
    for at in memchr::memchr_iter(b'\n', text[window.clone()].as_bytes()) {
        let next = window.start + at + 1;
        let look = floor_char_boundary(text, next + ROW_LOOK);
        let line = &text[next..look];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        steps::add(line.len());
        if patterns.table_row.is_match(line) {
            return window.start + at;
        }
    }
    window.end
}

/// How much of the next line shows whether it is a row of a table.
const ROW_LOOK: usize = 120;

fn shift(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

/// The length a course states: "x 8 weeks" (56), "for a month" (30),
/// "daily for 4 weeks" (28), "(3 months)" (90), "12 wks", "5-day burst";
/// not an interval ("every 2 weeks") or a time ago ("3 months ago").
/// A trial's own field group (`in_group`) may state it in a length field.
fn stated_length(
    patterns: &CoursePatterns,
    after: &str,
    in_group: bool,
) -> Option<(f64, Range<usize>)> {
    let field = || in_group.then(|| patterns.length_field.captures(after)).flatten();
    let found = patterns
        .duration
        .captures(after)
        .or_else(field)
        .or_else(|| patterns.length_before.captures(after))?;
    let words = found.get(0)?;
    // "for 3 months ago" is no length ("stopped x 2 weeks ago" neither).
    if after[words.end()..].trim_start().to_ascii_lowercase().starts_with("ago") {
        return None;
    }
    // A taper timed from an event to come ("tapered over 4 weeks after the
    // first dose") is a plan, not how long the course ran.
    let next_word = after[words.end()..].split_whitespace().next().unwrap_or_default();
    let timed = ["after", "once", "when"].iter().any(|w| next_word.eq_ignore_ascii_case(w));
    if words.as_str().to_ascii_lowercase().contains("over") && timed {
        return None;
    }
    // A length in a table's cell ("  ~3 weeks  ") fills the cell: a column
    // gap or the line's end follows it.
    let rest = &after[words.end()..];
    let in_cell = words.as_str().starts_with([' ', '\t']);
    if in_cell
        && !(rest.starts_with("  ") || rest.starts_with(['\t', '\n', '\r']) || rest.is_empty())
    {
        return None;
    }
    // Digits or words (`duration`'s groups 1-2 or 3-4), or `length_before`'s 1-2.
    let count = found.get(1).or_else(|| found.get(3))?.as_str();
    let unit = found.get(2).or_else(|| found.get(4))?.as_str();
    Some((length_days(count, unit)?, words.range()))
}

/// The days a count of units makes ("six", "weeks": 42): weeks of 7 days,
/// months of 30, years of 365.
fn length_days(count: &str, unit: &str) -> Option<f64> {
    let count = match count.to_ascii_lowercase().as_str() {
        "a" | "an" | "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "fourteen" => 14.0,
        digits => digits.parse::<f64>().ok()?,
    };
    let days = match unit.to_ascii_lowercase().chars().next()? {
        // A night is a day's use ("refused it after 2 nights").
        'd' | 'n' => 1.0,
        'w' => 7.0,
        'm' => 30.0,
        _ => 365.0,
    };
    Some(count * days)
}

/// What the dates of a clause say, spans relative to it.
#[derive(Default)]
struct DatedCourse {
    /// The days between both ends of a period written to the month or day.
    period: Option<(f64, Range<usize>)>,
    last: Option<LastUse>,
    ongoing: bool,
    since_open: bool,
    /// The latest start written, and its words.
    start: Option<(Date, Range<usize>)>,
}

impl DatedCourse {
    /// Makes its spans offsets in the note, the clause starting at `by`.
    fn shift(&mut self, by: usize) {
        if let Some((_, words)) = &mut self.period {
            *words = shift(words.clone(), by);
        }
        if let Some(last) = &mut self.last {
            last.words = shift(last.words.clone(), by);
        }
        if let Some((_, words)) = &mut self.start {
            *words = shift(words.clone(), by);
        }
    }
}

/// What a date means for the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Start,
    End,
    /// A date of the course with no start or end word: when it was used.
    Used,
}

/// What the words right before a drug make of its first date that has no
/// word of its own.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lead {
    /// Nothing: a date of use.
    Plain,
    /// A start verb ("started Dupixent in 2024"): its start.
    Started,
    /// A last dose ("last Adbry injection was 2026-05-05", "last dose of
    /// Adbry on 05/05/2026"): its last use.
    LastDose,
    /// A use that ended ("has not needed mometasone since December
    /// 2025"): its "since" is the last use, not a start.
    NoLonger,
}

/// Reads the dates of the clause after a drug: periods ("03/2025 -
/// 05/2025", "from 2019 to 2021", "09/2024 - present") and single dates,
/// each a start, an end or a time of use by the words just before it; a
/// drug `started` by the verb before it has its start in a first date with
/// no word of its own ("started Dupixent in 2024"), and a drug `lead` by a
/// last dose its last use there. A date starting after `reach` is read only
/// as the next of a list or period.
fn dated_course(patterns: &CoursePatterns, clause: &str, lead: Lead, reach: usize) -> DatedCourse {
    let dates: Vec<FoundDate> = patterns.dates.dates_in(clause).collect();
    let mut course = DatedCourse::default();
    let mut start: Option<(Date, usize)> = None;
    let mut latest_start: Option<Date> = None;
    let mut previous: Option<Role> = None;
    let mut since = false;
    let mut from = 0;
    let mut i = 0;
    while i < dates.len() {
        steps::add(1);
        let date = &dates[i];
        let before = &clause[from..date.span.start];
        let marker = |re: &Regex| re.find(before).map(|m| from + m.start());
        // Past the usual reach, only a date its start or end word names
        // ("..., used for six months and stopped 03/2025", "- current, in
        // use since 2024") still dates the course.
        let named =
            marker(&patterns.end_before).is_some() || marker(&patterns.start_before).is_some();
        if date.span.start > reach && previous.is_none() && !named {
            break;
        }
        let next = dates.get(i + 1);
        // Two cells of a row join as a period only when the second is later
        // ("Start | Stop"), not fill dates beside a period.
        let joined = next.filter(|n| {
            let between = &clause[date.span.end..n.span.start];
            patterns.joint.is_match(between)
                && (!between.contains('|') || period(&date.date, &n.date, 0..0).is_some())
        });
        let (role, words_start) = match (
            marker(&patterns.start_before),
            marker(&patterns.end_before),
            previous.filter(|_| patterns.date_list.is_match(before)),
        ) {
            (Some(at), _, _) => {
                let since_word =
                    clause[at..].get(..5).is_some_and(|w| w.eq_ignore_ascii_case("since"));
                if since_word && lead == Lead::NoLonger {
                    (Role::End, at)
                } else {
                    since |= since_word;
                    (Role::Start, at)
                }
            }
            (None, Some(at), _) => (Role::End, at),
            // "in 2024 and early 2025": a list of dates shares its role.
            (None, None, Some(role)) => (role, date.span.start),
            (None, None, None) if lead == Lead::Started && i == 0 => (Role::Start, date.span.start),
            (None, None, None) if lead == Lead::LastDose && i == 0 => (Role::End, date.span.start),
            (None, None, None) if joined.is_none() && patterns.other_event.is_match(before) => {
                from = date.span.end;
                previous = None;
                i += 1;
                continue;
            }
            (None, None, None) => (Role::Used, date.span.start),
        };
        previous = Some(role);
        if let Some(end) = joined {
            // A period: both ends written.
            record_end(&mut course, end.date, words_start..end.span.end, true);
            course.period = course
                .period
                .take()
                .or_else(|| period(&date.date, &end.date, words_start..end.span.end));
            latest_start = later(latest_start, date.date);
            from = end.span.end;
            i += 2;
            continue;
        }
        if let Some(open) = patterns.open_end.find(&clause[date.span.end..]) {
            course.ongoing = true;
            latest_start = later(latest_start, date.date);
            from = date.span.end + open.end();
            i += 1;
            continue;
        }
        match role {
            Role::Start => {
                start = Some((date.date, words_start));
                latest_start = later(latest_start, date.date);
                if course.start.as_ref().is_none_or(|(kept, _)| is_later(&date.date, kept)) {
                    course.start = Some((date.date, words_start..date.span.end));
                }
            }
            Role::End | Role::Used => {
                record_end(&mut course, date.date, words_start..date.span.end, role == Role::End);
                if let (Role::End, Some((began, at))) = (role, start) {
                    course.period = course
                        .period
                        .take()
                        .or_else(|| period(&began, &date.date, at..date.span.end));
                }
            }
        }
        from = date.span.end;
        i += 1;
    }
    // "2019-2020, restarted in 2024": used after the end written, and no
    // later end is known.
    if let (Some(began), Some(last)) = (latest_start, &course.last) {
        if began.first() > last.date.first() {
            course.last = None;
        }
    }
    course.since_open = since && course.last.is_none() && !course.ongoing;
    course
}

/// Keeps the later of a course's end dates.
fn record_end(course: &mut DatedCourse, date: Date, words: Range<usize>, stated_end: bool) {
    if course.last.as_ref().is_none_or(|kept| is_later(&date, &kept.date)) {
        course.last = Some(LastUse { date, words, stated_end });
    }
}

fn later(kept: Option<Date>, date: Date) -> Option<Date> {
    Some(match kept {
        Some(k) if !is_later(&date, &k) => k,
        _ => date,
    })
}

/// Whether `date` is later than `kept`, the more precise one winning a tie
/// of first days ("2021-03" over "2021").
pub(super) fn is_later(date: &Date, kept: &Date) -> bool {
    (date.first(), date.iso().len()) > (kept.first(), kept.iso().len())
}

/// The days between both ends of a period, when both are written to the
/// month or day (a month counts from its first day); a range of bare years
/// ("2019-2021") does not say how long the course was.
fn period(start: &Date, end: &Date, words: Range<usize>) -> Option<(f64, Range<usize>)> {
    if start.is_year() || end.is_year() {
        return None;
    }
    let days = (end.first() - start.first()).num_days();
    (days > 0).then_some((days as f64, words))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(clause: &str) -> (Option<String>, Option<f64>, bool, Option<String>) {
        let patterns = CoursePatterns::new().unwrap();
        let course = dated_course(&patterns, clause, Lead::Plain, clause.len());
        let words = course.last.as_ref().map(|l| clause[l.words.clone()].to_string());
        (course.last.map(|l| l.date.iso()), course.period.map(|(d, _)| d), course.ongoing, words)
    }

    fn last(clause: &str) -> Option<String> {
        read(clause).0
    }

    #[test]
    fn a_table_s_length_cell_is_the_course_s_length() {
        let patterns = CoursePatterns::new().unwrap();
        let length = |after: &str| stated_length(&patterns, after, false).map(|(days, _)| days);
        assert_eq!(
            length(" 0.05% cream   BID hands    06/2025   ~4 weeks    no benefit"),
            Some(28.0)
        );
        assert_eq!(length(" 0.1% ointment\tBID\t3 months\n"), Some(90.0));
        assert_eq!(length(" cream   BID   6 weeks"), Some(42.0));
        // Not a cell: words go on after the number, or no gap stands before it.
        assert_eq!(length(" 300 mg   2 weeks apart, then monthly"), None);
        assert_eq!(length(" 300 mg every 2 weeks"), None);
    }

    #[test]
    fn an_approximate_length_after_x_or_a_frequency_is_the_course_s_length() {
        let patterns = CoursePatterns::new().unwrap();
        let length = |after: &str| stated_length(&patterns, after, false).map(|(days, _)| days);
        assert_eq!(length(" 0.1% ointment BID x ~10 wks, inadequate"), Some(70.0));
        assert_eq!(length(" BID to hands every day ~10 wks (6/2 to mid-Aug)"), Some(70.0));
        assert_eq!(length(" daily about 6 weeks"), Some(42.0));
        // A time ago is no length, and a frequency alone gives none.
        assert_eq!(length(" BID ~3 weeks ago"), None);
        assert_eq!(length(" BID 2 weeks on, 1 week off"), None);
    }

    #[test]
    fn a_stop_after_a_length_is_the_course_s_length() {
        let patterns = CoursePatterns::new().unwrap();
        let length = |after: &str| stated_length(&patterns, after, false).map(|(days, _)| days);
        assert_eq!(length(" 2% ointment (2022), stopped after 5 days: it burned"), Some(5.0));
        assert_eq!(length(" 10 mg daily - discontinued after 3 months (nausea)"), Some(90.0));
        assert_eq!(length(" cream; she quit after a week"), Some(7.0));
        assert_eq!(length(" 1% cream, stopped after five days"), Some(5.0));
        assert_eq!(length(" 0.1% to the eyelids; she stopped\nafter 1 week"), Some(7.0));
        assert_eq!(length(" 40 mg tapered over 12 days, 10/2025"), Some(12.0));
        assert_eq!(length(" to be tapered over 4 weeks after the first dose"), None);
        // Another event after a time is no length of the course.
        assert_eq!(length(" 0.1% ointment; improved after 2 weeks"), None);
        assert_eq!(length(" 0.1% ointment, flared again after 3 weeks"), None);
    }

    #[test]
    fn the_end_of_a_period_is_the_last_use_and_its_length_the_days_between() {
        let (last, days, ongoing, words) =
            read(" 0.05% oint   Dates: 09/2024 - 01/2025   Outcome: failed");
        assert_eq!((last.as_deref(), days, ongoing), (Some("2025-01"), Some(122.0), false));
        assert_eq!(words.as_deref(), Some("09/2024 - 01/2025"));
        let (last, days, _, words) = read(" 300 mg q2w from February 2024 to July 2025: stopped");
        assert_eq!((last.as_deref(), days), (Some("2025-07"), Some(516.0)));
        assert_eq!(words.as_deref(), Some("from February 2024 to July 2025"));
        assert_eq!(read(" (03/2025-05/2025)").1, Some(61.0));
    }

    #[test]
    fn a_range_of_years_dates_the_end_but_not_the_length() {
        assert_eq!(
            read(" 20 mg weekly, 2018-2019: failed"),
            (Some("2019".into()), None, false, Some("2018-2019".into()))
        );
        assert_eq!(last(" from 2019 to 2021"), Some("2021".into()));
    }

    #[test]
    fn a_date_after_a_stop_word_or_of_the_course_is_its_last_use() {
        assert_eq!(last(" was stopped 11/02/2025 for burning"), Some("2025-11-02".into()));
        assert_eq!(last(" in March 2025, no help"), Some("2025-03".into()));
        assert_eq!(last(" (2021): inadequate response"), Some("2021".into()));
        assert_eq!(
            read(" last applied in the spring of 2024").3.as_deref(),
            Some("last applied in the spring of 2024")
        );
        assert_eq!(last(" last applied in the spring of 2024"), Some("2024".into()));
        assert_eq!(last(" until late 2023"), Some("2023".into()));
        // Start and stop dates give both the end and the length.
        assert_eq!(
            read(" started 03/2019, stopped 09/2019 - ineffective").0.as_deref(),
            Some("2019-09")
        );
        assert_eq!(read(" started 03/2019, stopped 09/2019 - ineffective").1, Some(184.0));
    }

    #[test]
    fn a_start_date_alone_or_an_open_period_is_no_last_use() {
        assert_eq!(last(" 300 mg q2w since 06/2023"), None);
        assert_eq!(last(" started in 06/2024"), None);
        assert_eq!(last(" began 2023 and failed after 5 months"), None);
        let (last, days, ongoing, _) = read(" 09/2024 - present, helps");
        assert_eq!((last, days, ongoing), (None, None, true));
        // Used again after the end written: the last use is unknown.
        assert_eq!(read(" 2019-2020, restarted in 2024").0, None);
    }

    #[test]
    fn a_date_after_a_drug_started_before_it_is_its_start() {
        let patterns = CoursePatterns::new().unwrap();
        let course = dated_course(&patterns, " in 2024, and you did well on it", Lead::Started, 80);
        assert!(course.last.is_none());
        // The same date with a stop word is still an end.
        let course = dated_course(&patterns, " in 2022, stopped in 2024", Lead::Started, 80);
        assert_eq!(course.last.map(|l| l.date.iso()).as_deref(), Some("2024"));
    }

    #[test]
    fn a_date_of_another_event_in_the_clause_is_no_last_use() {
        for clause in [
            " and so when we met again on 11/23/2024 she wished to stop",
            ", she reached good control in August 2024",
            " and had knee surgery on 5/7/2021",
            " level 12.1 on January 23, 2025",
            ".,On 7/22/2023 she had a fever",
        ] {
            assert_eq!(last(clause), None, "{clause}");
        }
        // A stop word still dates its own course across other words.
        assert_eq!(last(", which he stopped taking in October 2024"), Some("2024-10".into()));
        assert_eq!(
            last(" given as adjuvant therapy, completed September, 2023"),
            Some("2023-09".into())
        );
        assert_eq!(last(" during a hospital stay in 2022"), Some("2022".into()));
    }

    #[test]
    fn numbers_that_are_no_dates_date_nothing() {
        for clause in
            [" 2000 IU daily", " 300 mg/2 mL q2w", " BID x 8 weeks", " 10-15% BSA", " 3 months ago"]
        {
            assert_eq!(read(clause), (None, None, false, None), "{clause}");
        }
    }

    /// The `last_used` and `duration_days` the record gives an agent.
    fn course_of(text: &str, agent: &str) -> (Option<String>, Option<f64>) {
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let treatment = facts.treatments.iter().find(|t| t.agent == agent);
        treatment.map_or((None, None), |t| (t.last_used.clone(), t.duration_days))
    }

    #[test]
    fn a_length_joined_to_the_drug_before_it_is_the_course_s_length() {
        let text = "Atopic dermatitis. He had a 7-day prednisone burst in 02/2025 for asthma.";
        assert_eq!(course_of(text, "prednisone").1, Some(7.0));
        let text = "Atopic dermatitis. She took a 3-week course of doxycycline last year.";
        assert_eq!(course_of(text, "doxycycline").1, Some(21.0));
        // A dose before the drug is no length.
        let text = "Atopic dermatitis. She takes 10 mg cetirizine daily.";
        assert_eq!(course_of(text, "cetirizine").1, None);
    }

    #[test]
    fn a_length_told_of_it_in_the_next_sentence_is_the_course_s_length() {
        let text = "Atopic dermatitis. Started triamcinolone 0.1% ointment BID in 10/2025. \
            She used it twice a day x 4 weeks, no improvement.";
        assert_eq!(course_of(text, "triamcinolone").1, Some(28.0));
        // Not when the next sentence names a drug of its own.
        let other = "Atopic dermatitis. Started triamcinolone 0.1% ointment BID in 10/2025. \
            She used it with tacrolimus x 4 weeks.";
        assert_eq!(course_of(other, "triamcinolone").1, None);
    }

    #[test]
    fn a_course_in_use_at_the_notes_date_was_last_used_then() {
        let text = "Date of service: 02/17/2026\nAtopic dermatitis. Continues tacrolimus 0.1% \
                    ointment twice daily, still flaring on it. Clobetasol was stopped in 2024.";
        assert_eq!(course_of(text, "tacrolimus").0.as_deref(), Some("2026-02-17"));
        assert_eq!(course_of(text, "clobetasol").0.as_deref(), Some("2024"));
        // An undated note leaves a course in use undated.
        let undated = text.replace("Date of service: 02/17/2026\n", "");
        assert_eq!(course_of(&undated, "tacrolimus").0, None);
    }

    #[test]
    fn a_dated_form_row_gives_the_last_use_and_the_days_between() {
        let text = "Atopic dermatitis.\nPrior therapies:\n\
                    - Triamcinolone 0.1% cream   Dates: 03/2024 - 06/2024   Outcome: failed\n\
                    - Hydrocortisone 2.5% cream   Outcome: failed\n";
        assert_eq!(course_of(text, "triamcinolone"), (Some("2024-06".into()), Some(92.0)));
        // The next row's drug takes no date of the row above.
        assert_eq!(course_of(text, "hydrocortisone").0, None);
    }

    #[test]
    fn a_line_hanging_under_the_drug_dates_its_course() {
        let text =
            "Atopic dermatitis.\nTopicals tried\n  1. Mometasone 0.1% cream, daily to the arms\n\
                    \x20    Dates: 03/03/2025 - 04/28/2025, every day\n\
                    \x20    Outcome: no better\n  2. Pimecrolimus 1% cream\n";
        assert_eq!(course_of(text, "mometasone"), (Some("2025-04-28".into()), Some(56.0)));
        // Counter-examples: a line at the same indent, or after a blank
        // line, is not the drug's.
        let flat = "Atopic dermatitis.\nMometasone 0.1% cream, daily to the arms.\n\
                    Seen 03/03/2025 - 04/28/2025 in another clinic\n";
        assert_eq!(course_of(flat, "mometasone").1, None);
        let apart = "Atopic dermatitis.\n  1. Mometasone 0.1% cream\n\n     03/2025 - 04/2025\n";
        assert_eq!(course_of(apart, "mometasone").1, None);
        // A line that ends its sentence owns no line under it.
        let ended = "Atopic dermatitis.\n- Mometasone 0.1% cream, ordered 08/18/2026.\n\
                     \x20  No claim paid 08/2026-10/2026.\n";
        assert_eq!(course_of(ended, "mometasone").1, None);
    }

    #[test]
    fn start_and_stop_cells_of_a_row_are_a_period() {
        let text = "Atopic dermatitis.\n\
                    Drug                  | Start      | Stop       | Outcome\n\
                    Triamcinolone 0.1%    | 03/18/2025 | 04/08/2025 | partial response only\n";
        assert_eq!(course_of(text, "triamcinolone"), (Some("2025-04-08".into()), Some(21.0)));
        // Fill dates before a period are no period of their own.
        let fills = "Atopic dermatitis.\n\
                     | Triamcinolone 0.1% | 01/06/2026, 02/04/2026 | 01/06/2026 - 02/20/2026 | no help |\n";
        assert_eq!(course_of(fills, "triamcinolone"), (Some("2026-02-20".into()), Some(45.0)));
    }

    #[test]
    fn a_forms_drug_field_owns_the_fields_under_it() {
        let text = "Atopic dermatitis.\n4. Topical corticosteroid trial\n\
                    \x20  Agent and strength: Mometasone furoate 0.1% ointment\n\
                    \x20  Directions: apply once daily to hands and feet\n\
                    \x20  Dates of use: 09/02/2025 to 10/14/2025 = 42 consecutive days (two fills\n\
                    \x20  and a refill; fill history attached)\n\
                    \x20  Result:  [x] Inadequate efficacy\n";
        assert_eq!(course_of(text, "mometasone"), (Some("2025-10-14".into()), Some(42.0)));
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let outcome = facts.treatments.iter().find(|t| t.agent == "mometasone").map(|t| t.outcome);
        assert_eq!(outcome, Some(necessity_record::Outcome::Failed), "the result field is its");
        // A blank line ends the fields.
        let apart = "Atopic dermatitis.\n   Agent: Mometasone 0.1% ointment\n\n\
                     \x20  Seen 09/02/2025 to 10/14/2025 elsewhere\n";
        assert_eq!(course_of(apart, "mometasone").1, None);
    }

    #[test]
    fn an_exports_numbered_field_group_is_its_drugs() {
        let text = "DX: atopic dermatitis\n\
                    PRIOR_TX_1_AGENT: triamcinolone acetonide 0.1% ointment\n\
                    PRIOR_TX_1_SITE: trunk, extremities\nPRIOR_TX_1_START: 2025-05\n\
                    PRIOR_TX_1_STOP: 2025-11\nPRIOR_TX_1_DURATION: 6 months, BID\n\
                    PRIOR_TX_1_RESPONSE: Inadequate - flares recurred within days of tapering\n\
                    PRIOR_TX_2_AGENT: tacrolimus 0.1% ointment (Protopic)\n\
                    PRIOR_TX_2_START: 2025-06\nPRIOR_TX_2_STOP: 2025-09\n\
                    PRIOR_TX_2_DURATION: approx 3 months\nPRIOR_TX_2_RESPONSE: Not assessable\n\
                    PRIOR_TX_2_ADVERSE_EFFECT: Intense burning with each application\n\
                    REQUESTED_DRUG: Dupixent 300 mg\nDURATION: 6 months\n";
        assert_eq!(course_of(text, "triamcinolone"), (Some("2025-11".into()), Some(180.0)));
        assert_eq!(course_of(text, "tacrolimus"), (Some("2025-09".into()), Some(90.0)));
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let outcome = |agent: &str| {
            facts.treatments.iter().find(|t| t.agent == agent).map(|t| (t.outcome, t.duration_days))
        };
        use necessity_record::Outcome;
        assert_eq!(
            outcome("triamcinolone").map(|o| o.0),
            Some(Outcome::Failed),
            "its response field"
        );
        assert_eq!(outcome("tacrolimus").map(|o| o.0), Some(Outcome::Intolerant));
        // A requested drug's length field is how long the request asks for.
        assert_eq!(outcome("dupilumab").map(|o| o.1), Some(None));
    }

    #[test]
    fn a_last_dose_named_before_the_drug_dates_its_last_use() {
        let text = "Atopic dermatitis. Date: May 19, 2026. Last Adbry injection was 2026-05-05.";
        assert_eq!(course_of(text, "tralokinumab").0.as_deref(), Some("2026-05-05"));
        let text = "Atopic dermatitis. Last dose of Adbry on 05/05/2026, then a flare.";
        assert_eq!(course_of(text, "tralokinumab").0.as_deref(), Some("2026-05-05"));
        // The course in use, its last injection dated, and stopped in the plan.
        let text = "Atopic dermatitis.\nDate: May 19, 2026\nShe has been on Adbry (tralokinumab) \
                    300 mg every 2 weeks for 8 months with an inadequate response. Last Adbry \
                    injection was 2026-05-05.\nPLAN\n- Discontinue Adbry.\n- Start Dupixent.\n";
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let last = facts.treatments.iter().find(|t| t.agent == "tralokinumab");
        assert_eq!(last.and_then(|t| t.last_used.as_deref()), Some("2026-05-05"));
    }

    #[test]
    fn a_last_dose_opening_the_next_sentence_dates_the_course_before() {
        let text = "Atopic dermatitis. Date: 01/13/2026\nPlan:\n1. Stop Adbry - lack of effect. \
                    Last dose was 12/30/2025; no washout needed.\n2. Start Dupixent.";
        assert_eq!(course_of(text, "tralokinumab").0.as_deref(), Some("2025-12-30"));
        // A sentence that names a drug of its own dates that one.
        let text = "Atopic dermatitis. Stop Adbry. Last dose of Eucrisa was 12/30/2025.";
        assert_eq!(course_of(text, "tralokinumab").0, None);
    }

    #[test]
    fn a_start_and_a_short_length_date_the_last_use() {
        let text = "Atopic dermatitis.\n   - Tacrolimus 0.1% ointment BID, started 01/2026; \
                    discontinued after about\n     10 days because of burning and stinging.\n";
        assert_eq!(course_of(text, "tacrolimus"), (Some("2026-01".into()), Some(10.0)));
        let text =
            "Atopic dermatitis. Crisaborole was started 11/04/2025 and stopped after 5 days.";
        assert_eq!(course_of(text, "crisaborole").0.as_deref(), Some("2025-11-09"));
        // A longer course may have left its month or year.
        let text =
            "Atopic dermatitis. Methotrexate was started in 2022 and stopped after 6 months.";
        assert_eq!(course_of(text, "methotrexate"), (None, Some(180.0)));
    }

    #[test]
    fn a_tables_unit_column_gives_the_rows_length() {
        let text = "Atopic dermatitis.\n\
            +---+------------------------------+---------+-------+--------------+\n\
            | # | Agent / strength             | Dates   | Weeks | Result       |\n\
            |   |                              | (mm/yy) | used  |              |\n\
            +---+------------------------------+---------+-------+--------------+\n\
            | 1 | Hydrocortisone 2.5% cream    | 01/25 - |   10  | Minimal help |\n\
            | 2 | Triamcinolone 0.1% ointment  | 04/25 - |    8  | INADEQUATE   |\n";
        assert_eq!(course_of(text, "hydrocortisone").1, Some(70.0));
        assert_eq!(course_of(text, "triamcinolone").1, Some(56.0));
        // A column that names no unit gives none.
        let text = "Atopic dermatitis.\n| Agent | Refills |\n| Triamcinolone 0.1% | 8 |\n";
        assert_eq!(course_of(text, "triamcinolone").1, None);
    }

    #[test]
    fn a_stop_date_past_the_usual_reach_still_ends_the_course() {
        let text =
            "Atopic dermatitis.\n * Tacrolimus 0.1% ointment BID to neck, eyelids and scalp \
                    margin, used for six months and\n   stopped 03/2025: partial response.\n";
        assert_eq!(course_of(text, "tacrolimus"), (Some("2025-03".into()), Some(180.0)));
        // A date with no end word that far is not the course's.
        let far = "Atopic dermatitis.\n * Tacrolimus 0.1% ointment BID to neck, eyelids and scalp \
                   margin, used for six months, as reviewed 03/2025.\n";
        assert_eq!(course_of(far, "tacrolimus").0, None);
    }

    #[test]
    fn the_visit_date_or_another_drugs_date_is_no_last_use() {
        let text = "Atopic dermatitis. Seen 01/05/2026. Tried pimecrolimus without benefit; \
                    crisaborole stopped 10/2025 for burning.";
        assert_eq!(course_of(text, "pimecrolimus").0, None);
        assert_eq!(course_of(text, "crisaborole").0.as_deref(), Some("2025-10"));
    }
}
