//! Which of a note's values are current, which are the baseline of a drug,
//! and which disagree.
//!
//! Every value keyword's value is read in its window, asked of the mention
//! layer (a negated, family or hypothetical value is no one's), then dated
//! by its frame: the cue nearest it in its clause ("today", "at
//! presentation", "baseline", a date), else one earlier in its sentence, a
//! bracket right after it ("(2022)"), or a time phrase opening the sentence
//! before it in its paragraph ("At presentation he had ... . BSA was 60%").
//! A value dated before now is not current: the current values are those of
//! the latest examination (a date more than [`STALE_DAYS`] before the
//! note's, or well before the latest dated value, is an earlier one). When
//! the note says nothing was scored today, no old value becomes current.

use super::dates::{Date, DatePatterns};
use super::{
    column_head, out_of_scale, read_value, restatement, table_value, visit_row_value, Column,
    Tables, Value, ValuePatterns, VisitRow,
};
use crate::lexicon::{Cue, DiagnosisTerm, Meaning, MeasureKind, ValueCue, Vocabulary};
use crate::mentions::{Mention, Note, Question, Reason};
use crate::words;
use chrono::{Datelike, Days, NaiveDate};
use necessity_context::{steps, Axis, SectionKind};
use necessity_record::Outcome;
use std::cell::{OnceCell, RefCell};
use std::ops::Range;

/// A value dated more than this many days before the note's own date is
/// from an earlier examination: payers read severity "within the last 90
/// days", and a letter quotes the latest visit within weeks of it.
pub const STALE_DAYS: i64 = 90;

/// A dated value more than this many days before the latest dated value of
/// the note is from an earlier examination than that one.
const SAME_EXAM_DAYS: u64 = 14;

/// How far from a value its dating cue may stand, in its clause or its
/// sentence.
const FRAME_REACH: usize = 80;
/// How far from a finding (a site, a treatment's start) its dating cue may
/// stand in its clause.
const FINDING_FRAME_REACH: usize = 160;

/// How long a written date may be ("September 30th, 2025"): a date that
/// ends where a window starts is read whole.
const LONGEST_DATE: usize = 24;

/// How long a bracket right after a value may be to date it ("(2022)",
/// "(visit date 01/2025)").
const BRACKET_REACH: usize = 32;

/// How wide the first column of a line is, where a timeline writes its
/// dates.
const LINE_OPENING: usize = 24;

/// How far before a value the cue heading a list of values in its clause
/// may stand ("At baseline, ... his EASI was 27, IGA 4, BSA 34% and itch
/// NRS 8/10").
const LIST_REACH: usize = 160;

/// How many lines of values a heading line may stand over.
const HEADING_REACH: usize = 6;

/// How long a heading line over values may be: a label, not a paragraph.
const HEADING_WIDTH: usize = 120;

/// How long a label opening a value's line may be ("Photo-based estimate
/// today:").
const LINE_LABEL: usize = 48;

/// How far into the sentence before a value a time phrase may open it.
const OPENING_REACH: usize = 4;

/// How long the one word naming an occasion before its date may be
/// ("Exam 04/06/2026:", "Consult 03/02/2026:").
const OCCASION_WORD: usize = 16;

/// How far after "before" or "prior to" a drug or a start must follow for
/// it to date a baseline ("before starting Dupixent").
const BEFORE_REACH: usize = 32;

/// How far before "not assessed" a measure's keyword may be ("IGA/EASI
/// not done").
const NOT_SCORED_REACH: usize = 24;
/// How far before a value the quotation mark opening the quoted note it
/// stands in may be.
const QUOTE_REACH: usize = 160;
/// How far before a value the quotation mark opening an excerpt on its own
/// line may be (a few lines of a quoted note).
const EXCERPT_REACH: usize = 480;

/// Where the quotation still open at the end of `before` opens: the last
/// of an odd number of straight quotes, or a curly opening quote not
/// closed after it.
fn opening_quote(before: &[u8]) -> Option<usize> {
    let straight: Vec<usize> = memchr::memchr_iter(b'"', before).collect();
    if straight.len() % 2 == 1 {
        return straight.last().copied();
    }
    let open = memchr::memmem::rfind(before, "\u{201C}".as_bytes())?;
    memchr::memmem::find(&before[open..], "\u{201D}".as_bytes()).is_none().then_some(open)
}

/// The four severity measures, as the record names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Bsa,
    Iga,
    Itch,
    Easi,
}

impl Measure {
    /// Every measure, in the record's order.
    pub const ALL: [Measure; 4] = [Measure::Bsa, Measure::Iga, Measure::Itch, Measure::Easi];

    /// The measure a keyword's kind reads, if it reads one.
    fn of(kind: MeasureKind) -> Option<Measure> {
        match kind {
            MeasureKind::Bsa => Some(Measure::Bsa),
            MeasureKind::Iga => Some(Measure::Iga),
            MeasureKind::ItchNrs | MeasureKind::Itch => Some(Measure::Itch),
            MeasureKind::Easi => Some(Measure::Easi),
            _ => None,
        }
    }

    /// The record's key of the measure (`bsa_percent`).
    pub fn key(self) -> &'static str {
        match self {
            Measure::Bsa => "bsa_percent",
            Measure::Iga => "iga",
            Measure::Itch => "itch_nrs",
            Measure::Easi => "easi",
        }
    }

    /// A reviewer's name for the measure.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Bsa => "BSA",
            Measure::Iga => "IGA",
            Measure::Itch => "itch NRS",
            Measure::Easi => "EASI",
        }
    }

    /// Whether a clinician scores it by examining the skin; the patient
    /// rates the itch, with or without an examination.
    fn examined(self) -> bool {
        self != Measure::Itch
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One value per measure.
pub type PerMeasure<T> = [T; 4];

/// Per measure, the values dated to a day, in text order, with their day.
pub type OnDay = PerMeasure<Vec<(Date, Value)>>;

/// A value dated at or before a drug's start, and the agents its clause
/// names: it is the baseline of the drug being continued when it names
/// none or that one.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineValue {
    pub value: Value,
    pub agents: Vec<String>,
}

/// The values of a note: the current measures, age and weight, with the
/// words that state them; the baseline candidates; current values of one
/// measure that disagree; and the note's own date.
#[derive(Default)]
pub struct ValueFacts {
    pub measures: PerMeasure<Option<Value>>,
    pub age: Option<Value>,
    pub weight: Option<Value>,
    pub baseline: PerMeasure<Option<BaselineValue>>,
    /// The values dated to a day, in text order, with their day: the
    /// baseline of a course whose start is that day.
    pub on_day: OnDay,
    /// For a measure whose current values disagree, all of them.
    pub conflicts: Vec<(Measure, Vec<Value>)>,
    /// Current values written past the end of their scale ("BSA 150%").
    pub out_of_scale: Vec<(Measure, Value)>,
    pub note_date: Option<(Date, Range<usize>)>,
}

/// When a value was taken, as its clause and paragraph tell.
#[derive(Clone, Debug, PartialEq)]
enum Frame {
    Now,
    Undated,
    /// Dated to a day, a month or a year; weighed against the note's date.
    Dated(Date),
    Earlier,
    /// At or before a drug's start; the agents its clause names.
    Baseline(Vec<String>),
    /// A week of a course ("at week 16"): the latest week named is current.
    Week(u32),
}

/// How current a value is, once its frame is weighed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// Dated in a note that gives no date of its own, or weeks before the
    /// note's date: it may be quoted from an earlier visit, so the note's
    /// undated values (its own examination) come first.
    Dated,
    /// Nothing dates it before now, or it is dated within [`STALE_DAYS`]
    /// of the note's date.
    Undated,
    /// Said to be today's.
    Now,
}

/// A line without the number or letter that opens it as a list item ("2.
/// Baseline assessment", "b) Current").
fn without_item_number(line: &str) -> &str {
    let line = line.trim_start();
    let mark = line.find(['.', ')']).filter(|&at| {
        (1..=2).contains(&at) && line[..at].chars().all(|c| c.is_ascii_alphanumeric())
    });
    match mark {
        Some(at) if line[at + 1..].starts_with(' ') => &line[at + 1..],
        _ => line,
    }
}

/// A value that may be current, with its frame and where it stands.
struct Candidate {
    measure: Option<Measure>,
    kind: MeasureKind,
    value: Value,
    frame: Frame,
    /// The words that gave the frame, for `explain`.
    cue: Option<Range<usize>>,
}

/// Reads every value keyword and keeps, for each measure, its most current
/// statement (the last of equally current ones), and for age and weight
/// their first (the patient's introduction).
pub fn values(
    patterns: &ValuePatterns,
    vocabulary: &Vocabulary,
    note: &Note,
    skin_note: bool,
    note_date: Option<(Date, Range<usize>)>,
) -> ValueFacts {
    let framer = Framer::new(note, vocabulary, &patterns.dates);
    let Stated { candidates, baseline, on_day, out_of_scale } =
        candidates(patterns, note, skin_note, &framer);
    let today = note_date.as_ref().map(|(date, _)| date.last());
    let ranked = ranked(candidates, today);
    let unscored = unscored(note);
    let mut facts =
        ValueFacts { baseline, on_day, note_date, out_of_scale, ..ValueFacts::default() };
    let current = select(note, ranked, &unscored, &mut facts);
    facts.conflicts = conflicts(note.text(), current, addendum_start(note));
    if facts.age.is_none() {
        let day = facts.note_date.as_ref().filter(|(date, _)| date.is_day());
        facts.age = day.and_then(|(date, _)| age_from_birth_date(patterns, note, date.last()));
    }
    facts
}

/// Ages under this many years are counted in months (months/12), as an
/// infant's age is written; older ones in whole years.
const AGE_IN_MONTHS_UNDER: u32 = 2;

/// The age a date of birth gives on the note's date `today`, when the note
/// states no age itself ("DOB: 07/19/1991" on a form dated 11/03/2025:
/// 34): whole years, or months/12 under [`AGE_IN_MONTHS_UNDER`] years.
/// Only a date written to the day, on or before `today`.
fn age_from_birth_date(patterns: &ValuePatterns, note: &Note, today: NaiveDate) -> Option<Value> {
    let text = note.text();
    steps::add(note.mentions().len());
    note.mentions().iter().find_map(|mention| {
        if !matches!(mention.meaning, Meaning::Measure(MeasureKind::AgeBirthDate))
            || note.judge(mention, Question::VALUE).is_err()
        {
            return None;
        }
        let rest = text.get(mention.span.end..)?;
        let from = mention.span.end + (rest.len() - rest.trim_start_matches([':', '.', ' ']).len());
        let (written, span) = patterns.dates.read_at(text, from)?;
        let born = written.date().filter(Date::is_day)?.first();
        let months = today.years_since(born).map(|_| {
            let whole =
                (today.year() - born.year()) * 12 + today.month() as i32 - born.month() as i32;
            whole - i32::from(today.day() < born.day())
        })?;
        let months = u32::try_from(months).ok()?;
        let years = match months / 12 < AGE_IN_MONTHS_UNDER {
            true => super::round(f64::from(months) / 12.0, 2),
            false => f64::from(months / 12),
        };
        Some(Value { number: years, scale: None, span: mention.span.start..span.end })
    })
}

/// Keeps the most current value of each measure (the last of equally
/// current ones) and the first age and weight, says in the trace why the
/// others are not current, and returns the current values of each measure.
fn select(
    note: &Note,
    ranked: Vec<(Candidate, Option<Rank>)>,
    unscored: &PerMeasure<Option<Range<usize>>>,
    facts: &mut ValueFacts,
) -> PerMeasure<Vec<(Rank, Value)>> {
    steps::add(ranked.len());
    let mut held: PerMeasure<Option<Rank>> = [None; 4];
    let mut current: PerMeasure<Vec<(Rank, Value)>> = Default::default();
    // The weight kept: the first, or the first said to be today's
    // ("Weight: 73.5 kg today" over "at that time he weighed 54.0 kg").
    let mut weight_rank: Option<Option<Rank>> = None;
    for (candidate, rank) in ranked {
        let Some(measure) = candidate.measure else {
            match candidate.kind {
                MeasureKind::Weight if weight_rank.is_none_or(|kept| rank > kept) => {
                    weight_rank = Some(rank);
                    facts.weight = Some(candidate.value);
                }
                MeasureKind::Weight => {}
                _ => {
                    facts.age.get_or_insert(candidate.value);
                }
            }
            continue;
        };
        let (span, taken_as) = (&candidate.value.span, "a current value");
        let Some(rank) = rank else {
            let why = match candidate.frame {
                Frame::Baseline(_) => "a baseline, not today's",
                _ => "dated before the latest examination",
            };
            note.trace_set_aside(span, taken_as, why, candidate.cue);
            continue;
        };
        if let (true, Some(cue)) = (rank < Rank::Now, &unscored[measure.index()]) {
            note.trace_set_aside(span, taken_as, "not scored today", Some(cue.clone()));
            continue;
        }
        let i = measure.index();
        if held[i].is_none_or(|h| rank >= h) {
            facts.measures[i] = Some(candidate.value.clone());
            held[i] = Some(rank);
        }
        current[i].push((rank, candidate.value));
    }
    current
}

/// Where the note's first addendum starts ("ATTENDING ADDENDUM"), if it
/// has one that is a current fact.
pub(crate) fn addendum_start(note: &Note) -> Option<usize> {
    steps::add(note.mentions().len());
    note.mentions()
        .iter()
        .find(|m| {
            matches!(m.meaning, Meaning::Value(ValueCue::Addendum))
                && note.judge(m, Question::AFFIRMED).is_ok()
        })
        .map(|m| m.span.start)
}

/// The measures whose most current values disagree, with those values. An
/// addendum's values supersede those written before it: only they count;
/// so does an editor's correction in square brackets right after a value
/// ("IGA 2 [LMV: IGA 3 - moderate.]").
fn conflicts(
    text: &str,
    current: PerMeasure<Vec<(Rank, Value)>>,
    addendum: Option<usize>,
) -> Vec<(Measure, Vec<Value>)> {
    let mut found = Vec::new();
    for (measure, values) in Measure::ALL.into_iter().zip(current) {
        let top = values.iter().map(|(rank, _)| *rank).max();
        let mut top_values: Vec<Value> =
            values.into_iter().filter(|(rank, _)| Some(*rank) == top).map(|(_, v)| v).collect();
        if let Some(at) = addendum.filter(|&at| top_values.iter().any(|v| v.span.start > at)) {
            top_values.retain(|v| v.span.start > at);
        }
        // Two keywords of one statement ("Investigator Global Assessment
        // (vIGA-AD) was 4") read one number.
        top_values.sort_by_key(|v| v.span.end);
        top_values.dedup_by_key(|v| v.span.end);
        let corrected: Vec<usize> = top_values
            .iter()
            .map(|v| v.span.end)
            .filter(|&end| {
                correction_bracket(text, end).is_some_and(|inside| {
                    let first = top_values.partition_point(|v| v.span.start < inside.start);
                    top_values.get(first).is_some_and(|later| later.span.start < inside.end)
                })
            })
            .collect();
        top_values.retain(|v| !corrected.contains(&v.span.end));
        let disagree = top_values.windows(2).any(|w| (w[0].number - w[1].number).abs() > 1e-6);
        if disagree {
            found.push((measure, top_values));
        }
    }
    found
}

/// The inside of a square bracket opened right after a value that ends
/// at `end` (only blanks and a full stop between): an editor's inline
/// correction of it, when it holds a value of the same measure ("BSA ~8%.
/// [LMV: re-examined ... Total BSA closer to 14%.]").
fn correction_bracket(text: &str, end: usize) -> Option<Range<usize>> {
    let lead =
        text.get(end..crate::treatments::floor_char_boundary(text, end + CORRECTION_LEAD + 1))?;
    steps::add(lead.len());
    let open = end + lead.find('[')?;
    if !text[end..open].bytes().all(|b| matches!(b, b'.' | b' ' | b'\t' | b'\n')) {
        return None;
    }
    let reach = crate::treatments::floor_char_boundary(text, open + CORRECTION_REACH);
    steps::add(reach - open);
    let close = text[open + 1..reach].find([']', '['])?;
    let inside = open + 1..open + 1 + close;
    text[inside.end..].starts_with(']').then_some(inside)
}

/// How far a correction's bracket may reach.
const CORRECTION_REACH: usize = 400;

/// How many blanks and stops may part a value from the bracket that
/// corrects it.
const CORRECTION_LEAD: usize = 3;

/// Whether a fact's words are dated before the note's latest examination,
/// read as a value's are ("involvement of the hands and face" in "per 2022
/// records: BSA 30%, involvement of the hands and face"): other findings
/// ask it so that one rule dates every current fact.
pub struct Dating<'a, 't, 'v> {
    framer: Framer<'a, 't, 'v>,
    today: Option<NaiveDate>,
}

impl<'a, 't, 'v> Dating<'a, 't, 'v> {
    /// Dates the facts of `note`, whose own date is `today` (if known).
    pub fn new(
        patterns: &'a ValuePatterns,
        vocabulary: &'a Vocabulary,
        note: &'a Note<'t, 'v>,
        today: Option<NaiveDate>,
    ) -> Self {
        // A finding's words are one clause's subject, listed at length
        // ("on 09/24/2025 her BSA was 28%, EASI 24.1 and IGA 4, with
        // involvement of both hands and the neck"): the clause's date
        // reaches further than a value's.
        let framer =
            Framer { reach: FINDING_FRAME_REACH, ..Framer::new(note, vocabulary, &patterns.dates) };
        Dating { framer, today }
    }

    /// Whether the words at `span` are dated before now: an earlier or
    /// baseline time, or a date more than [`STALE_DAYS`] before the note
    /// (or a year before its year).
    pub fn before_now(&self, span: &Range<usize>) -> bool {
        match self.framer.frame(span, &(0..0)).frame {
            Frame::Earlier | Frame::Baseline(_) => true,
            Frame::Dated(date) => self.today.is_some_and(|today| {
                date.first() <= today && dated_rank(&date, Some(today), None).is_none()
            }),
            Frame::Now | Frame::Undated | Frame::Week(_) => false,
        }
    }

    /// Whether the words at `span` are dated before now by a date or a
    /// drug's start in their own sentence ("05/2025 - 07/2025: continued to
    /// flare", "before Dupixent"), not by an earlier-time word alone (a
    /// state that goes on is told with one: "ongoing flares since last
    /// summer") nor by a date opening the sentence before, which sets the
    /// scene of values, not of what the sentence says goes on.
    pub fn dated_before_now(&self, span: &Range<usize>) -> bool {
        let found = self.framer.frame(span, &(0..0));
        let note = self.framer.note;
        let own_sentence = note.sentence_of(found.span.start) == note.sentence_of(span.start);
        own_sentence && !matches!(found.frame, Frame::Earlier) && self.before_now(span)
    }
}

/// How a value was read from its keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The value the keyword states.
    Stated,
    /// A current value restated after it ("BSA was 30% last year, now 5%"):
    /// its own words decide whether it is a current fact, not the keyword's.
    Restated,
    /// The value an arrow or a "from ... to" leads to ("EASI 28 -> 6"):
    /// restated, and the words between the two date the first.
    ArrowTo,
    /// The cell of a table's baseline column.
    BaselineCell,
    /// The cell of a table's first column dated to a day, when none is the
    /// baseline's: a value of that day only.
    DatedCell,
    /// The value an arrow leads away from ("EASI 28 -> 6"): an earlier one.
    ArrowFrom,
    /// A value past the end of its scale ("BSA 150%"): no value, a caveat.
    OutOfScale,
}

/// What the keywords of a note state: the candidates for current values,
/// the first baseline value of each measure, and values past the end of
/// their scale.
struct Stated {
    candidates: Vec<Candidate>,
    baseline: PerMeasure<Option<BaselineValue>>,
    on_day: OnDay,
    out_of_scale: Vec<(Measure, Value)>,
}

/// A value a keyword states: how it was read and, for the value an arrow
/// leads to, the span between the two values, whose words date the first.
struct Read<'n, 'v> {
    kind: MeasureKind,
    mention: &'n Mention<'v>,
    value: Value,
    role: Role,
    between: Range<usize>,
    /// For a table's present cell, its column's header cell, which dates it.
    head: Option<Range<usize>>,
}

/// Every value every keyword states, read in its window: the stated value,
/// a restated or arrowed one after it, a table's baseline cell, or a value
/// past its scale.
fn read_keywords<'n, 'v>(
    patterns: &ValuePatterns,
    note: &'n Note<'_, 'v>,
    skin_note: bool,
) -> Vec<Read<'n, 'v>> {
    let text = note.text();
    let lines = note.lines();
    let mut tables = Tables::default();
    let mut read = Vec::new();
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Measure(kind) = mention.meaning else { continue };
        let kind = *kind;
        let skin_only = matches!(kind, MeasureKind::Bsa | MeasureKind::Itch | MeasureKind::ItchNrs);
        if skin_only && !skin_note {
            continue;
        }
        let keyword = mention.span.clone();
        let one = |value, role| Read { kind, mention, value, role, between: 0..0, head: None };
        if kind.is_measure() {
            let cell =
                table_value(patterns, &mut tables, lines, kind, text, &keyword, Column::Baseline);
            if let Some(Some(cell)) = cell {
                read.push(one(cell, Role::BaselineCell));
            }
            let dated =
                table_value(patterns, &mut tables, lines, kind, text, &keyword, Column::FirstDated);
            if let Some(Some(cell)) = dated {
                let head = column_head(&tables, lines, &keyword, Column::FirstDated);
                read.push(Read { head, ..one(cell, Role::DatedCell) });
            }
        }
        let Some(first) = read_value(patterns, &mut tables, lines, kind, text, keyword.clone())
        else {
            if let Some(past_the_end) = out_of_scale(patterns, kind, text, &keyword) {
                read.push(one(past_the_end, Role::OutOfScale));
            }
            // A measure heading a column of a table of visits: its latest
            // row, dated by its first cell, and its baseline row.
            if kind.is_measure() {
                let row = |which| visit_row_value(patterns, lines, kind, text, &keyword, which);
                if let Some((value, head)) = row(VisitRow::Latest) {
                    read.push(Read { head: Some(head), ..one(value, Role::Stated) });
                }
                if let Some((value, _)) = row(VisitRow::Baseline) {
                    read.push(one(value, Role::BaselineCell));
                }
            }
            continue;
        };
        let in_table = kind.is_measure()
            && matches!(
                table_value(patterns, &mut tables, lines, kind, text, &keyword, Column::Present),
                Some(Some(_))
            );
        let head =
            in_table.then(|| column_head(&tables, lines, &keyword, Column::Present)).flatten();
        let restated = restatement(patterns, kind, text, &first);
        let arrow = restated.as_ref().is_some_and(|r| r.arrow);
        let first_start = first.span.start;
        let role = if arrow { Role::ArrowFrom } else { Role::Stated };
        read.push(Read { head, ..one(first, role) });
        if let Some(restated) = restated {
            let (role, between) = match arrow {
                true => (Role::ArrowTo, first_start..restated.value.span.start),
                false => (Role::Restated, 0..0),
            };
            read.push(Read { kind, mention, value: restated.value, role, between, head: None });
        }
    }
    read
}

/// The values every keyword states, with their frames, and the first
/// baseline value of each measure. A value set aside only as historical
/// (or in copied-forward text) may still be a baseline.
fn candidates(patterns: &ValuePatterns, note: &Note, skin_note: bool, framer: &Framer) -> Stated {
    let read = read_keywords(patterns, note, skin_note);
    let spans: Vec<Range<usize>> = read.iter().map(|r| r.value.span.clone()).collect();
    let scopes = note.scopes(&spans);
    let mut stated = Stated {
        candidates: Vec::new(),
        baseline: Default::default(),
        on_day: Default::default(),
        out_of_scale: Vec::new(),
    };
    for (Read { kind, mention, value, role, between, head }, scope) in read.into_iter().zip(scopes)
    {
        // A value of a block about another skin disease is that disease's.
        if of_another_disease(note, &value.span) {
            continue;
        }
        let mut verdict = note.judge_span(&value.span, scope, Question::VALUE);
        if !matches!(role, Role::Restated | Role::ArrowTo) {
            verdict = verdict.and_then(|_| note.judge(mention, Question::VALUE));
        }
        // A table's present cell is dated by its column's header, not by
        // the other columns' ("Baseline 11/2025   Today 01/2026").
        // The header cell's own words date it ("03/02/2026" under "Week
        // 52"); only a cell that says nothing is read in its surroundings.
        let by_column = head.map(|head| {
            framer.nearest(&head, &head, true).unwrap_or_else(|| framer.frame(&head, &(0..0)))
        });
        let by_column = by_column.filter(|found| !matches!(found.frame, Frame::Undated));
        let Found { frame, span: cue } =
            by_column.unwrap_or_else(|| framer.frame(&value.span, &between));
        let frame = match (role, frame) {
            (Role::BaselineCell, _) => Frame::Baseline(framer.agents(&value.span)),
            // "at week 34 (EASI 27.5 -> 2.4)": the value an arrow leaves is
            // earlier than the one it reaches, whatever frames them both.
            (Role::ArrowFrom, Frame::Undated | Frame::Dated(_) | Frame::Now | Frame::Week(_)) => {
                Frame::Earlier
            }
            (_, frame) => frame,
        };
        let cue = (!cue.is_empty()).then_some(cue);
        let measure = Measure::of(kind);
        if let (Some(measure), Frame::Baseline(agents)) = (measure, &frame) {
            if verdict.is_ok() || only_past(verdict) {
                let slot = &mut stated.baseline[measure.index()];
                slot.get_or_insert(BaselineValue { value: value.clone(), agents: agents.clone() });
            }
        }
        if let (Some(measure), Frame::Dated(date)) = (measure, &frame) {
            let stated_then = matches!(role, Role::Stated | Role::ArrowFrom | Role::DatedCell);
            if date.is_day() && stated_then && (verdict.is_ok() || only_past(verdict)) {
                stated.on_day[measure.index()].push((*date, value.clone()));
            }
        }
        let past = matches!(frame, Frame::Earlier | Frame::Baseline(_));
        match (role, measure) {
            (Role::OutOfScale, Some(measure)) if verdict.is_ok() && !past => {
                stated.out_of_scale.push((measure, value));
            }
            (Role::OutOfScale | Role::BaselineCell | Role::DatedCell, _) => {}
            _ if verdict.is_ok() => {
                stated.candidates.push(Candidate { measure, kind, value, frame, cue });
            }
            _ => {}
        }
    }
    stated
}

/// How many lines above a value the opening of its block is looked for.
const BLOCK_LINES: usize = 12;

/// Whether a value stands in a block about another skin disease: the
/// paragraph it stands in, or the heading it is indented under, opens by
/// naming an affirmed diagnosis other than atopic dermatitis ("(2)
/// Vitiligo - ... Treated area <10% BSA", "Vitiligo:" over "  - ... about
/// 3% BSA").
pub(crate) fn of_another_disease(note: &Note, span: &Range<usize>) -> bool {
    let (text, lines) = (note.text(), note.lines());
    let own = lines.line_of(span.start);
    let indent = |l: usize| lines.content_of(l) - lines.range(l).start;
    let base = note
        .item_at(span.start)
        .map_or(indent(own), |item| indent(own).min(indent(lines.line_of(item.start))));
    let (mut paragraph, mut heading) = (own, None);
    for _ in 0..BLOCK_LINES {
        steps::add(1);
        if paragraph == 0 || text[lines.range(paragraph - 1)].trim().is_empty() {
            break;
        }
        paragraph -= 1;
        if heading.is_none() && indent(paragraph) < base {
            heading = Some(paragraph);
        }
    }
    // The line its sentence opens on, too: "Psoriasis: well-demarcated
    // plaques ..., scattered scalp plaques" under an "O:" heading.
    let sentence_line = lines.line_of(note.sentence(note.sentence_index(span.start)).start);
    [Some(paragraph), heading, Some(sentence_line)]
        .into_iter()
        .flatten()
        .any(|l| opens_with_another_disease(note, l))
}

/// Whether line `line` opens (after a bullet or a number) with an affirmed
/// diagnosis other than atopic dermatitis.
fn opens_with_another_disease(note: &Note, line: usize) -> bool {
    let text = note.text();
    let range = note.lines().range(line);
    note.mentions_in(&range).take(2).any(|m| {
        let other = match m.meaning {
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, .. }) => {
                diagnosis != "atopic_dermatitis"
            }
            Meaning::Diagnosis(DiagnosisTerm::Comorbid) => true,
            _ => false,
        };
        let opens = !text[range.start..m.span.start].contains(char::is_alphabetic);
        other && opens && note.judge(m, Question::DIAGNOSIS).is_ok()
    })
}

/// Whether a value was set aside only because it is in the past: a
/// historical trigger or copied-forward text (a baseline is in the past).
fn only_past(verdict: Result<(), Reason>) -> bool {
    matches!(
        verdict,
        Err(Reason::Context(Axis::Historical, _) | Reason::Section(SectionKind::PriorVisit))
    )
}

/// Each candidate with how current it is (`None`: not current). A dated
/// value is today's when dated to the note's day, and from an earlier
/// examination when dated more than [`STALE_DAYS`] before the note or
/// [`SAME_EXAM_DAYS`] before the latest dated value; a future date
/// ("follow-up 03/03/2026") dates nothing.
fn ranked(candidates: Vec<Candidate>, today: Option<NaiveDate>) -> Vec<(Candidate, Option<Rank>)> {
    steps::add(3 * candidates.len());
    let past = |date: &Date| today.is_none_or(|today| date.first() <= today);
    let last_week = candidates
        .iter()
        .filter_map(|c| match c.frame {
            Frame::Week(week) if c.measure.is_some() => Some(week),
            _ => None,
        })
        .max();
    // A value said to be today's ("Today BSA 4%") is dated the note's day:
    // a value dated weeks before it is an earlier examination's.
    let latest = candidates
        .iter()
        .filter_map(|c| match &c.frame {
            Frame::Dated(date) if c.measure.is_some() && past(date) => Some(date.first()),
            Frame::Now if c.measure.is_some() => today,
            _ => None,
        })
        .max();
    candidates
        .into_iter()
        .map(|candidate| {
            let rank = match &candidate.frame {
                Frame::Now => Some(Rank::Now),
                Frame::Undated => Some(Rank::Undated),
                Frame::Earlier | Frame::Baseline(_) => None,
                Frame::Week(week) => (Some(*week) == last_week).then_some(Rank::Undated),
                Frame::Dated(date) if !past(date) => Some(Rank::Undated),
                Frame::Dated(date) => dated_rank(date, today, latest),
            };
            (candidate, rank)
        })
        .collect()
}

/// How current a value dated `date` (not after the note) is.
fn dated_rank(date: &Date, today: Option<NaiveDate>, latest: Option<NaiveDate>) -> Option<Rank> {
    if let Some(today) = today {
        // Only a day says today: a month or a year may hold earlier visits.
        if date.is_day() && date.last() >= today.checked_sub_days(Days::new(1))? {
            return Some(Rank::Now);
        }
        // A year alone before the note's year is an earlier year's visit.
        let earlier_year = date.is_year() && date.last() < today.with_day0(0)?.with_month0(0)?;
        if (today - date.last()).num_days() > STALE_DAYS || earlier_year {
            return None;
        }
    }
    let earlier_exam = latest
        .and_then(|latest| latest.checked_sub_days(Days::new(SAME_EXAM_DAYS)))
        .is_some_and(|bound| date.last() < bound);
    // Weeks before the note's date ("** 09/16/2025: BSA 10%" copied into a
    // note of 12/9/2025) it is an earlier visit's: the note's own undated
    // examination comes first, and the dated value holds only alone.
    let weeks_before = today
        .and_then(|today| today.checked_sub_days(Days::new(SAME_EXAM_DAYS)))
        .is_some_and(|bound| date.last() < bound);
    let rank = if today.is_some() && !weeks_before { Rank::Undated } else { Rank::Dated };
    (!earlier_exam).then_some(rank)
}

/// For each measure, whether the note says it was not scored today: an
/// examination deferred or not done ("exam deferred", "no exam
/// (telephone)") for the measures a clinician scores, or the measure named
/// right before a "not assessed" ("BSA not assessed; IGA/EASI not done").
fn unscored(note: &Note) -> PerMeasure<Option<Range<usize>>> {
    let text = note.text();
    let mut unscored: PerMeasure<Option<Range<usize>>> = Default::default();
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        match mention.meaning {
            Meaning::Value(ValueCue::NoExamToday) => {
                let today = note.judge(mention, Question::NOT_HYPOTHETICAL).is_ok()
                    && note.judge(mention, Question::NOT_HISTORICAL).is_ok();
                if today && !modified(text, mention.span.start) {
                    for measure in Measure::ALL.into_iter().filter(|m| m.examined()) {
                        unscored[measure.index()] = Some(mention.span.clone());
                    }
                }
            }
            Meaning::Value(ValueCue::NotScored) => {
                let start = mention.span.start;
                let before = start.saturating_sub(NOT_SCORED_REACH)..start;
                steps::add(note.mentions_from(&before).len());
                let sentence = note.sentence_index(start);
                for keyword in note.mentions_in(&before) {
                    let Meaning::Measure(kind) = keyword.meaning else { continue };
                    let between = text.get(keyword.span.end..start).unwrap_or("0");
                    let named = keyword.sentence == sentence
                        && !between.contains(|c: char| c.is_ascii_digit() || c == ';');
                    if let (Some(measure), true) = (Measure::of(*kind), named) {
                        unscored[measure.index()] = Some(mention.span.clone());
                    }
                }
            }
            _ => {}
        }
    }
    unscored
}

/// The frame of the cue nearest the value at `span` (one before it wins a
/// tie); but a date beside a word of the past ("per 2020 records",
/// "baseline 07/2024") is that past, and the word decides.
fn pick(cues: Vec<Found>, span: &Range<usize>) -> Option<Found> {
    let distance = |cue: &Range<usize>| {
        if cue.end <= span.start {
            (span.start - cue.end, 0)
        } else if cue.start >= span.end {
            (cue.start - span.end, 1)
        } else {
            (0, 0)
        }
    };
    let nearest = cues.iter().min_by_key(|found| distance(&found.span))?;
    let past_word = cues
        .iter()
        .filter(|found| matches!(found.frame, Frame::Earlier | Frame::Baseline(_)))
        .min_by_key(|found| distance(&found.span));
    // A week of the course beside its calendar date ("at week 16 (October
    // 2025)") orders the course's time points.
    let week = cues.iter().find(|found| matches!(found.frame, Frame::Week(_)));
    match (&nearest.frame, past_word, week) {
        (Frame::Dated(_) | Frame::Week(_), Some(word), _) => Some(word.clone()),
        (Frame::Dated(_), None, Some(week)) => Some(week.clone()),
        _ => Some(nearest.clone()),
    }
}

/// The inside of the bracket around `cue` that closes before `limit`
/// (from `floor` at the most), if the cue is in one.
fn enclosing_bracket(
    text: &[u8],
    floor: usize,
    cue: &Range<usize>,
    limit: usize,
) -> Option<Range<usize>> {
    steps::add(limit.saturating_sub(floor));
    let is_open = |b: &u8| matches!(b, b'(' | b'[');
    let is_close = |b: &u8| matches!(b, b')' | b']');
    // A cue may run past the limit (a phrase wrapped over a line break).
    let after = text.get(cue.end..limit)?;
    let close = after.iter().position(is_close)?;
    if after[..close].iter().any(is_open) {
        return None;
    }
    let before = text.get(floor..cue.start)?;
    let open = before.iter().rposition(|b| is_open(b) || is_close(b));
    let start = match open {
        Some(i) if is_open(&before[i]) => floor + i + 1,
        Some(_) => return None,
        None => floor,
    };
    Some(start..cue.end + close)
}

/// Whether a word stands right before a phrase on its line: "rectal exam
/// deferred" defers another examination than the skin's.
fn modified(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '\t']);
    before.ends_with(|c: char| c.is_alphabetic())
}

/// Dates values by the cues around them; reads a note's brackets and
/// semicolons once.
struct Framer<'a, 't, 'v> {
    note: &'a Note<'t, 'v>,
    vocabulary: &'a Vocabulary,
    dates: &'a DatePatterns,
    /// Where a clause may break (brackets and semicolons), in order; found
    /// on first use.
    breaks: OnceCell<Vec<usize>>,
    /// Where the semicolons are, in order.
    semicolons: OnceCell<Vec<usize>>,
    /// Cues in this span date another value than the one being framed.
    skipped: RefCell<Range<usize>>,
    /// How far from the words it frames a cue may stand in their clause.
    reach: usize,
}

/// A cue found near a value: its span and the frame it gives.
#[derive(Clone)]
struct Found {
    span: Range<usize>,
    frame: Frame,
}

impl<'a, 't, 'v> Framer<'a, 't, 'v> {
    fn new(note: &'a Note<'t, 'v>, vocabulary: &'a Vocabulary, dates: &'a DatePatterns) -> Self {
        Framer {
            note,
            vocabulary,
            dates,
            breaks: OnceCell::new(),
            semicolons: OnceCell::new(),
            skipped: RefCell::new(0..0),
            reach: FRAME_REACH,
        }
    }

    /// The frame of the value at `span`.
    /// The frame of a value; cues inside `skipped` (between an arrow's two
    /// values, which date the first) do not count.
    fn frame(&self, span: &Range<usize>, skipped: &Range<usize>) -> Found {
        self.skipped.replace(skipped.clone());
        let found = self.found(span);
        self.skipped.replace(0..0);
        found.unwrap_or(Found { span: span.end..span.end, frame: Frame::Undated })
    }

    /// The cue that dates the value at `span`, if any does.
    fn found(&self, span: &Range<usize>) -> Option<Found> {
        let sentence = self.note.sentence_of(span.start);
        let clause = self.clause(&sentence, span, true);
        let near = clause.start.max(span.start.saturating_sub(self.reach))
            ..clause.end.min(span.end + self.reach);
        if let Some(found) = self.nearest(&near, span, true) {
            return Some(found);
        }
        if let Some(found) = self.head_of_list(&clause, span) {
            return Some(found);
        }
        if let Some(found) = self.quotation_intro(&sentence, span) {
            return Some(found);
        }
        if let Some(found) = self.quoted_excerpt_header(span) {
            return Some(found);
        }
        let wide = self.clause(&sentence, span, false);
        let before = wide.start.max(span.start.saturating_sub(self.reach))..span.start;
        if let Some(found) = self.nearest_outside_brackets(&before, span) {
            return Some(found);
        }
        if let Some(found) = self.bracket_after(span) {
            return Some(found);
        }
        if let Some(found) = self.line_opening(span) {
            return Some(found);
        }
        if let Some(found) = self.sentence_opening(span) {
            return Some(found);
        }
        if let Some(found) = self.heading_above(span) {
            return Some(found);
        }
        self.opening(span)
    }

    /// The clause of `span` in `sentence`: cut at semicolons and, when
    /// `brackets`, at brackets ("EASI 18 today (EASI was 28 in January)"
    /// dates each EASI apart).
    fn clause(&self, sentence: &Range<usize>, span: &Range<usize>, brackets: bool) -> Range<usize> {
        let text = self.note.text().as_bytes();
        let breaks = match brackets {
            true => self.breaks.get_or_init(|| {
                steps::add(2 * text.len());
                let round = memchr::memchr3_iter(b'(', b')', b';', text);
                let square = memchr::memchr2_iter(b'[', b']', text);
                let mut all: Vec<usize> = round.chain(square).collect();
                all.sort_unstable();
                all
            }),
            false => self.semicolons.get_or_init(|| {
                steps::add(text.len());
                memchr::memchr_iter(b';', text).collect()
            }),
        };
        let before = breaks.partition_point(|&b| b < span.start);
        let start = breaks[..before]
            .last()
            .filter(|&&b| b >= sentence.start)
            .map_or(sentence.start, |&b| b + 1);
        let stop = sentence.end.max(span.end);
        let after = breaks.partition_point(|&b| b < span.end);
        let end = breaks.get(after).filter(|&&b| b < stop).map_or(stop, |&b| b);
        start..end
    }

    /// The dating cue or date in `range` nearest the value at `span` (a
    /// cue before it wins a tie), cues after it only when `after`.
    fn nearest(&self, range: &Range<usize>, span: &Range<usize>, after: bool) -> Option<Found> {
        let cues = self.cues(range);
        // A cue after the value is another value's when that value stands
        // between: its keyword ("EASI 28 at first, EASI today 4.2") or its
        // number ("EASI 12, down from 28 at baseline"); a date's digits
        // are no value ("IGA 4 per 2020 records").
        let text = self.note.text().as_bytes();
        let another_value = |cue: &Range<usize>| {
            let between = span.end..cue.start;
            steps::add(between.len() * cues.len().max(1));
            let in_a_date = |i: usize| {
                cues.iter().any(|c| matches!(c.frame, Frame::Dated(_)) && c.span.contains(&i))
            };
            between.clone().any(|i| text[i].is_ascii_digit() && !in_a_date(i))
                || self.note.mentions_in(&between).any(|m| matches!(m.meaning, Meaning::Measure(_)))
                || self.opens_a_later_line(span, cue)
        };
        let kept: Vec<Found> = cues
            .iter()
            .filter(|found| {
                let cue = &found.span;
                let (before, inside) = (cue.end <= span.start, cue.start < span.end);
                match (before, inside) {
                    (true, _) => !self.follows_a_number(cue),
                    (false, true) => after,
                    (false, false) => after && !another_value(cue),
                }
            })
            .cloned()
            .collect();
        pick(kept, span)
    }

    /// The dating cue or date in `range`, before the value at `span`,
    /// nearest it but not inside a bracket that closes before it: an aside
    /// ("BSA 8% today (it was 20% in 2022), IGA 3") dates only itself.
    fn nearest_outside_brackets(&self, range: &Range<usize>, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text().as_bytes();
        // A cue in a bracket that closes before the value and holds a
        // number of its own (another value) is an aside.
        let aside = |cue: &Range<usize>| {
            enclosing_bracket(text, range.start, cue, span.start).is_some_and(|inside| {
                inside.clone().any(|i| text[i].is_ascii_digit() && !cue.contains(&i))
            })
        };
        steps::add(range.len());
        let cues = self.cues(range).into_iter().filter(|found| {
            found.span.end <= span.start
                && !aside(&found.span)
                && !self.follows_a_number(&found.span)
        });
        pick(cues.collect(), span)
    }

    /// Whether a cue word comes right after a number: it dates that value
    /// ("from 30 at baseline to 4", "EASI 28 before Dupixent"), not one
    /// further on. A date dates what follows it.
    fn follows_a_number(&self, cue: &Range<usize>) -> bool {
        let text = self.note.text();
        let before = text[..cue.start].trim_end_matches([' ', '\t', '%', ',', ':']);
        let word = text.get(cue.clone()).unwrap_or_default();
        before.ends_with(|c: char| c.is_ascii_digit())
            && !word.starts_with(|c: char| c.is_ascii_digit())
            && self.dates.dates_in(word).next().is_none()
    }

    /// The dating cues of `range`: the lexicon's, and the dates written there.
    fn cues(&self, range: &Range<usize>) -> Vec<Found> {
        let text = self.note.text();
        steps::add(self.note.mentions_from(range).len());
        let mut found: Vec<Found> = self
            .note
            .mentions_in(range)
            .filter_map(|m| {
                let frame = match m.meaning {
                    Meaning::Value(ValueCue::Now) => Frame::Now,
                    Meaning::Value(ValueCue::Earlier) => Frame::Earlier,
                    Meaning::Value(ValueCue::Baseline) => Frame::Baseline(self.agents(&m.span)),
                    Meaning::Value(ValueCue::Before) if self.before_an_earlier_time(m) => {
                        Frame::Earlier
                    }
                    Meaning::Value(ValueCue::Before) if self.before_a_start(m) => {
                        Frame::Baseline(self.agents(&m.span))
                    }
                    _ => return None,
                };
                Some(Found { span: m.span.clone(), frame })
            })
            .collect();
        let skipped = self.skipped.borrow().clone();
        // A date that ends in the range is read whole, though it starts
        // before it ("January 15, 2026" cut at "2026").
        let from = super::ceil_boundary(text, range.start.saturating_sub(LONGEST_DATE));
        if let Some(window) = text.get(from..range.end) {
            let at = |span: Range<usize>| from + span.start..from + span.end;
            // A date after "since" starts what goes on now ("hand eczema
            // since 2020"): it dates nothing before now.
            let since = |span: &Range<usize>| {
                let before = text[..span.start].trim_end();
                let last_word = before.get(before.len().saturating_sub(5)..);
                last_word.is_some_and(|word| word.eq_ignore_ascii_case("since"))
            };
            found.extend(
                self.dates
                    .dates_in(window)
                    .map(|date| Found { span: at(date.span), frame: Frame::Dated(date.date) })
                    .filter(|found| !since(&found.span)),
            );
            found.extend(
                self.dates
                    .weeks_in(window)
                    .map(|(span, week)| Found { span: at(span), frame: Frame::Week(week) }),
            );
        }
        found.retain(|cue| {
            let skip = skipped.start <= cue.span.start && cue.span.end <= skipped.end;
            cue.span.end > range.start && !skip
        });
        found
    }

    /// Whether "before" or "prior to" points back to a time the note told
    /// ("Before that, hydrocortisone cream for months"): an earlier time,
    /// not before a course began.
    fn before_an_earlier_time(&self, cue: &Mention) -> bool {
        let next_word = words::terms(&self.note.text()[cue.span.end..]).next();
        next_word.is_some_and(|(_, w)| words::is_one_of(w, &["that", "then", "this"]))
    }

    /// Whether "before" or "prior to" is followed, in its sentence, by a
    /// drug or a start ("before Dupixent", "prior to starting it").
    fn before_a_start(&self, cue: &Mention) -> bool {
        let reach = cue.span.end..cue.span.end + BEFORE_REACH;
        self.note.mentions_in(&reach).any(|m| {
            m.sentence == cue.sentence
                && matches!(
                    m.meaning,
                    Meaning::Drug(_) | Meaning::Cue(Cue::Outcome(Outcome::Planned), _)
                )
        })
    }

    /// The agents named in the clause (cut at semicolons) around `span`.
    fn agents(&self, span: &Range<usize>) -> Vec<String> {
        let sentence = self.note.sentence_of(span.start);
        let clause = self.clause(&sentence, span, false);
        // A clause without stops (dictation) is read near the span only.
        let near = clause.start.max(span.start.saturating_sub(FRAME_REACH))
            ..clause.end.min(span.end + FRAME_REACH);
        steps::add(self.note.mentions_from(&near).len());
        let mut agents: Vec<String> = self
            .note
            .mentions_in(&near)
            .filter_map(|m| match m.meaning {
                Meaning::Drug(id) => Some(self.vocabulary.drugs[*id].agent.clone()),
                _ => None,
            })
            .collect();
        agents.dedup();
        agents
    }

    /// A date or cue in a bracket right after the value: "BSA 30% (2022)".
    fn bracket_after(&self, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text();
        let rest = text.get(span.end..)?;
        let open = rest.len() - rest.trim_start().len();
        if !rest[open..].starts_with(['(', '[']) {
            return None;
        }
        let from = span.end + open + 1;
        let window = super::floor_boundary(text, (from + BRACKET_REACH).min(text.len()));
        let close = from + text[from..window].find([')', ']'])?;
        // Only a bracket that dates the value: no number of its own ("(it
        // was 14% in the spring)" is another value, dated apart).
        let found = self.cues(&(from..close)).into_iter().min_by_key(|f| f.span.start)?;
        let own = |i: usize| found.span.contains(&i);
        let other_number =
            text[from..close].char_indices().any(|(i, c)| c.is_ascii_digit() && !own(from + i));
        (!other_number).then_some(found)
    }

    /// Whether a cue after the value opens a line of its own, after the
    /// value's: a timeline's next row, which it dates.
    fn opens_a_later_line(&self, span: &Range<usize>, cue: &Range<usize>) -> bool {
        let lines = self.note.lines();
        let line_start = lines.start_of(cue.start);
        // A line that opens in lower case goes on with the sentence of the
        // line before ("... EASI 24.6" over "at 03/2025 and ..."): no row.
        let continues = self.note.text()[line_start..cue.start]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_lowercase());
        line_start > span.end && cue.start - line_start < LINE_OPENING && !continues
    }

    /// A date or time phrase in the first column of the value's line: a
    /// timeline or visit table dates its rows ("Jun 2025   Referral; BSA
    /// 60%").
    fn line_opening(&self, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text();
        let line_start = self.note.lines().start_of(span.start);
        // A label that opens the line dates the values after its colon,
        // past semicolons ("Photo-based estimate today: BSA 2%; vIGA-AD 1").
        let head_end = super::floor_boundary(text, span.start.min(line_start + LINE_LABEL));
        let head = &text[line_start..head_end];
        steps::add(head.len());
        let label_end = head.find(':').map_or(0, |colon| line_start + colon);
        let first_column = line_start..span.start.min((line_start + LINE_OPENING).max(label_end));
        let found = self.cues(&first_column).into_iter().min_by_key(|found| found.span.start)?;
        // A cue whose sentence ends before the value ("... last summer,
        // which settled. PP-NRS 9.") is that sentence's, unless it is the
        // label of the line, which dates all the line says ("Pre-Dupixent:
        // EASI 27.5, BSA 40%. Face and hands involved.").
        let labels_the_line = label_end > line_start && found.span.end <= label_end;
        let between = text.get(found.span.end..span.start)?;
        let ended = between.contains(". ") || between.contains(['!', '?']);
        (!ended || labels_the_line).then_some(found)
    }

    /// The cue that opens the value's sentence, when the sentence wraps
    /// over lines ("Before starting Dupixent in June she had widespread
    /// involvement - face, neck ... - with\nEASI 29.3, IGA 4 and about 30%
    /// BSA"): a time frame set first dates all the sentence tells.
    fn sentence_opening(&self, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text();
        let sentence = self.note.sentence_of(span.start);
        let lead = sentence.start
            + (text[sentence.clone()].len() - text[sentence.clone()].trim_start().len());
        let opening = lead..super::floor_boundary(text, (lead + LINE_OPENING).min(span.start));
        let found = self.cues(&opening).into_iter().min_by_key(|found| found.span.start)?;
        // On the cue's own line the nearer cues decide ("At baseline she
        // was seen by a colleague, ... and her itch NRS is 6").
        let lines = self.note.lines();
        (lines.line_of(span.start) > lines.line_of(found.span.start)).then_some(found)
    }

    /// The cue of the words that lead into a quotation holding the value
    /// ("Seen by dermatology 09/15/2026; their note states: \"BSA 18%, EASI
    /// 17.5\""): quoted words are the quoted note's, dated as it is, past
    /// the semicolon that ends the lead's clause.
    fn quotation_intro(&self, sentence: &Range<usize>, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text().as_bytes();
        let from = sentence.start.max(span.start.saturating_sub(QUOTE_REACH));
        let before = &text[from..span.start];
        steps::add(before.len());
        let open = opening_quote(before)? + from;
        // The lead may be the clause before a semicolon the sentence
        // splitter ended a sentence at ("09/15/2026; their note states:").
        let previous = text[..sentence.start].trim_ascii_end();
        let lead_from = match previous.last() {
            Some(b';') => self.note.sentence_of(previous.len() - 1).start,
            _ => sentence.start,
        };
        let lead = lead_from.max(open.saturating_sub(self.reach))..open;
        self.nearest_outside_brackets(&lead, &(open..open + 1))
    }

    /// The date on the line above a quoted excerpt the value stands in,
    /// when the quotation opens its own line ("[2] Dermatology - Dr. A.
    /// Vorhees, 06/18/2025" over "\"New pt. ... BSA ~12%. ...\""): a packet
    /// of excerpts from dated notes dates each excerpt's values by its
    /// header.
    fn quoted_excerpt_header(&self, span: &Range<usize>) -> Option<Found> {
        let text = self.note.text();
        let from =
            crate::treatments::floor_char_boundary(text, span.start.saturating_sub(EXCERPT_REACH));
        let before = &text.as_bytes()[from..span.start];
        steps::add(before.len());
        let open = opening_quote(before)? + from;
        let lines = self.note.lines();
        let line = lines.line_of(open);
        if line == 0 || lines.content_of(line) != open {
            return None;
        }
        // Only a header that ends in its date ("..., 06/18/2025"): a lead-in
        // sentence ("Baseline, as documented in our request dated 04/28/2025
        // (approved 05/02/2025), quoted here:") is read as one.
        let header = lines.range(line - 1);
        let end = header.start + text[header.clone()].trim_end().len();
        self.nearest_outside_brackets(&header, &(open..open + 1))
            .filter(|found| found.span.end == end)
    }

    /// The cue that heads a run of values listed in one clause ("At
    /// baseline, the visit of his first dose, his EASI was 27, IGA 4, BSA
    /// 34% and itch NRS 8/10"): a value further than the clause's reach
    /// from it shares the frame of the values before it, when another
    /// measure's keyword stands between the cue and the value.
    fn head_of_list(&self, clause: &Range<usize>, span: &Range<usize>) -> Option<Found> {
        let listed = clause.start.max(span.start.saturating_sub(LIST_REACH))..span.start;
        let found = self.nearest_outside_brackets(&listed, span)?;
        let between = found.span.end..span.start;
        steps::add(self.note.mentions_from(&between).len());
        let measures = self.note.mentions_in(&between).filter(
            |m| matches!(m.meaning, Meaning::Measure(kind) if Measure::of(*kind).is_some()),
        );
        (measures.count() > 0).then_some(found)
    }

    /// The cue of the heading line over a block of values ("Baseline
    /// assessment prior to starting Dupixent   Date: 07/29/2025" over
    /// "EASI: 28   IGA: 4   BSA: 35 %"; "Disease severity - CURRENT (visit
    /// 09/08/2026):" over the current scores): a form dates the lines of
    /// values under a label line. The value's line and those between it
    /// and the heading open with a measure's keyword (a run of values, no
    /// sentence of their own); the heading holds no measure, is no
    /// sentence's end ("Seen in 2022." dates nothing under it) and is
    /// another sentence than the value's (a sentence wrapped over lines
    /// is read as one by the clause rules).
    fn heading_above(&self, span: &Range<usize>) -> Option<Found> {
        let (text, lines) = (self.note.text(), self.note.lines());
        let mut line = lines.line_of(span.start);
        let mut passed_prose = false;
        for _ in 0..HEADING_REACH {
            steps::add(1);
            let row = lines.range(line);
            if !passed_prose && !self.opens_with_a_measure(&row) {
                return None;
            }
            line = line.checked_sub(1)?;
            let above = lines.range(line);
            let heading = text.get(above.clone())?.trim_end();
            if heading.trim().is_empty() || heading.len() > HEADING_WIDTH {
                return None;
            }
            if self.opens_with_a_measure(&above) {
                continue;
            }
            let measure = self.note.mentions_in(&above).any(
                |m| matches!(m.meaning, Meaning::Measure(kind) if Measure::of(*kind).is_some()),
            );
            let ended = heading.ends_with(['.', '!', '?']);
            let own_sentence = self.note.sentence_of(above.end.saturating_sub(1))
                == self.note.sentence_of(span.start);
            let cues = self.cues(&above);
            let opens_block = line == 0 || lines.content_of(line - 1) >= lines.range(line - 1).end;
            let words = without_item_number(heading);
            let prose = ended || own_sentence || words.contains(". ") || words.ends_with(',');
            // Prose that dates nothing between the values and the block's
            // heading ("CURRENT STATUS (office visit today)" over "Weight 61
            // kg. Plaques of the eyelids ..." over "BSA 16%  EASI 22.6") is
            // passed: the heading is the block's first line.
            if !measure && cues.is_empty() && (prose || (passed_prose && !opens_block)) {
                passed_prose = true;
                continue;
            }
            if measure || prose || (passed_prose && !opens_block) {
                return None;
            }
            return pick(cues, span);
        }
        None
    }

    /// Whether a line's first words, past its indent and bullet, are a
    /// measure's keyword: a line of values.
    fn opens_with_a_measure(&self, line: &Range<usize>) -> bool {
        let text = self.note.text();
        let row = text.get(line.clone()).unwrap_or_default();
        let lead = row.len() - row.trim_start_matches([' ', '\t', '-', '*', '•']).len();
        let first = line.start + lead;
        self.note.mentions_in(&(first..line.end)).next().is_some_and(|m| {
            m.span.start == first
                && matches!(m.meaning, Meaning::Measure(kind) if Measure::of(*kind).is_some())
        })
    }

    /// A time phrase ("At presentation", "On 06/12/2025") opening the
    /// sentence before the value's, in its paragraph: it sets the scene of
    /// what follows. A one-word adverb ("Initially ...") dates only its own
    /// sentence.
    fn opening(&self, span: &Range<usize>) -> Option<Found> {
        let index = self.note.sentence_index(span.start);
        let previous = self.note.sentence(index.checked_sub(1)?);
        let text = self.note.text();
        let sentence = &text[previous.clone()];
        let lead = previous.start + (sentence.len() - sentence.trim_start().len());
        if self.note.paragraph_of(lead) != self.note.paragraph_of(span.start) {
            return None;
        }
        let window = lead..super::floor_boundary(text, (lead + FRAME_REACH).min(previous.end));
        let first = self.cues(&window).into_iter().min_by_key(|found| found.span.start)?;
        let phrase = text.get(first.span.clone()).unwrap_or_default();
        // A date read whole may start before the sentence: it opens nothing.
        // A date may follow one word that names the occasion ("Exam
        // 04/06/2026: plaques on the hands ... . BSA 35%").
        let dated = matches!(first.frame, Frame::Dated(_));
        // "Before Dupixent (clinic visit 08/25/2025) his eczema covered
        // about 40% of his body. His EASI was 31.5": a baseline opening a
        // sentence frames the next one as a date does.
        let baseline = matches!(first.frame, Frame::Baseline(_));
        let lead_words = text.get(lead..first.span.start.max(lead)).unwrap_or_default();
        let one_word = lead_words.len() <= OCCASION_WORD
            && lead_words.strip_suffix(' ').is_some_and(|w| w.chars().all(char::is_alphabetic));
        let opens = first.span.start >= lead
            && (first.span.start - lead <= OPENING_REACH || (dated && one_word))
            && (phrase.contains(' ') || dated || baseline);
        opens.then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use crate::mentions::Note;
    use crate::{extract_case, Lexicons};
    use necessity_record::{Facts, Measures, PendKind};

    fn facts(text: &str) -> Facts {
        extract_case(&Lexicons::builtin(), text)
    }

    /// The four measures as (BSA, IGA, itch, EASI).
    fn measures(text: &str) -> [Option<f64>; 4] {
        let m = facts(text).measures;
        [m.bsa_percent, m.iga, m.itch_nrs, m.easi]
    }

    #[test]
    fn a_quoted_excerpt_is_dated_by_the_header_line_above_it() {
        let text = "Packet date: 02/10/2026\nAtopic dermatitis.\n\
                    [2] Dermatology - Dr. A. Vorhees, 06/18/2025\n\
                    \"New pt. Widespread plaques. BSA ~12%. Start triamcinolone.\"\n\n\
                    [4] Dermatology - Dr. A. Vorhees, 01/28/2026\n\
                    \"F/u AD. Exam: plaques on the hands. BSA 18%. vIGA-AD 3.\"\n";
        assert_eq!(measures(text)[..2], [Some(18.0), Some(3.0)]);
        assert!(facts(text).caveats.is_empty(), "the earlier excerpt's value is no current one");
    }

    #[test]
    fn an_editors_correction_in_brackets_supersedes_the_value_before_it() {
        let text = "Atopic dermatitis.\nBSA ~8%. [LMV: re-examined with the attending - neck and \
                    hands also involved. Total BSA closer to 14%.]\nIGA 2 [LMV: IGA 3 - moderate.]\n";
        assert_eq!(measures(text)[..2], [Some(14.0), Some(3.0)]);
        assert!(facts(text).caveats.is_empty(), "a correction is no conflict");
        // Two values apart, neither in a bracket after the other, disagree.
        let text = "Atopic dermatitis.\nBSA 8% on the trunk.\nLater exam: BSA 14%.\n";
        assert_eq!(facts(text).caveats.len(), 1);
    }

    #[test]
    fn a_value_of_a_block_about_another_skin_disease_is_its_own() {
        let text = "Atopic dermatitis:\n  - Neck: lichenified plaques.\n  - EASI 19.2; vIGA-AD 3; \
                    BSA (eczema only) 12%.\nVitiligo:\n  - Depigmented patches on the knees and\n\
                    \x20   shins, about 3% BSA; no eczema within the patches.\n";
        assert_eq!(measures(text)[0], Some(12.0));
        let text = "Atopic dermatitis, BSA 18%, IGA 3.\n\n(2) Vitiligo - non-segmental, on \
                    ruxolitinib cream\nto the face. Treated area 10% BSA.\n";
        assert_eq!(measures(text)[0], Some(18.0));
        assert!(facts(text).caveats.is_empty(), "no measure conflict");
    }

    /// The baseline kept when the note continues `continued` (the renewal
    /// helper sets `continuation_of`; here it is set by hand).
    fn baseline(text: &str, continued: Option<&str>) -> Measures {
        let lexicons = Lexicons::builtin();
        let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, false);
        let mut facts = Facts { continuation_of: continued.map(String::from), ..Facts::default() };
        let date = crate::values::dates::note_date(&lexicons.values.dates, &note);
        let (values, on_day) = crate::record_values(&mut facts, &lexicons, &note, true, date);
        crate::record_baseline(&mut facts, text, values, on_day);
        facts.measures_baseline
    }

    #[test]
    fn a_value_dated_weeks_before_the_note_gives_way_to_its_own_examination() {
        let text = "Encounter Date: 12/9/2025\nAtopic dermatitis. Start Dupixent.\n\n\
                    Interval History\n** 09/16/2025: Atopic dermatitis, BSA 10%, vIGA 2.\n\n\
                    Exam\n  BSA: 18 %\n  vIGA-AD: 3\n";
        assert_eq!(measures(text)[..2], [Some(18.0), Some(3.0)]);
        assert!(facts(text).caveats.is_empty(), "no measure conflict");
        // Alone, a value of a visit within the last 90 days is still current.
        let alone = "Encounter Date: 12/9/2025\nAtopic dermatitis.\n** 11/02/2025: BSA 10%.\n";
        assert_eq!(measures(alone)[0], Some(10.0));
    }

    #[test]
    fn an_addendums_values_supersede_the_notes_earlier_ones() {
        let text = "Visit date: 02/11/2026. Atopic dermatitis.\nExam: BSA ~6%. vIGA-AD 2.\n\n\
                    ATTENDING ADDENDUM 02/11/2026\nOn my exam after gloves were removed: \
                    BSA ~12%, vIGA-AD 3.\n";
        assert_eq!(measures(text)[..2], [Some(12.0), Some(3.0)]);
        assert!(facts(text).caveats.is_empty(), "no measure conflict");
        // Without an addendum two values of one exam disagree.
        let text = "Visit date: 02/11/2026. Atopic dermatitis.\nExam: BSA ~6%.\nBSA ~12%.\n";
        assert!(!facts(text).caveats.is_empty());
    }

    #[test]
    fn a_time_frame_opening_a_wrapped_sentence_dates_its_values() {
        let text = "Date: 01/06/2026. Atopic dermatitis, continuing Dupixent.\n\
                    Before starting Dupixent in June she had widespread involvement -\n\
                    face, neck, antecubital/popliteal fossae, trunk and both hands - with\n\
                    EASI 29.3, IGA 4 and about 30% BSA, despite triamcinolone.\n\n\
                    At her visit on 12/30/2025 her skin was almost clear: EASI 3.5, IGA 1,\n\
                    BSA roughly 3%.\n";
        assert_eq!(measures(text), [Some(3.0), Some(1.0), None, Some(3.5)]);
        let before = baseline(text, Some("dupilumab"));
        assert_eq!((before.bsa_percent, before.easi), (Some(30.0), Some(29.3)));
    }

    #[test]
    fn a_table_column_dated_the_day_the_course_started_is_its_baseline() {
        let text = "Date: 05/28/2026\nReauthorization request for Dupixent; atopic dermatitis.\n\
                    He took his loading dose (600 mg, two pens) in our clinic on 02/18/2026.\n\n\
                    \x20  measure     02/18/2026     05/28/2026\n\
                    \x20  BSA         25 %           8 %\n\
                    \x20  EASI        22.0           7.1\n\n\
                    Continue Dupixent 300 mg every 2 weeks.\n";
        let facts = crate::extract_case(&Lexicons::builtin(), text);
        assert_eq!(
            facts.time_on_therapy.as_ref().and_then(|t| t.start.as_deref()),
            Some("2026-02-18")
        );
        let b = &facts.measures_baseline;
        assert_eq!((b.bsa_percent, b.easi), (Some(25.0), Some(22.0)));
        assert_eq!((facts.measures.bsa_percent, facts.measures.easi), (Some(8.0), Some(7.1)));
        // A column dated another day is no baseline, nor a current value.
        let other = text.replace("02/18/2026     05", "03/18/2026     05");
        let facts = crate::extract_case(&Lexicons::builtin(), &other);
        assert_eq!(facts.measures_baseline.easi, None);
        assert_eq!(facts.measures.easi, Some(7.1));
    }

    #[test]
    fn a_value_dated_the_day_the_continued_course_started_is_its_baseline() {
        // The start visit's exam, dated by the one word naming it, is the
        // baseline of the course that started that day.
        let text = "Visit date: 02/02/2027\nAtopic dermatitis. Reauthorization requested.\n\
                    Consult 08/03/2026: eczema of the trunk and arms.\n\
                    BSA 30%, EASI 22.\n\
                    He is on Adbry 300 mg every 2 weeks since the 08/03/2026 first injection, \
                    much better.\nToday BSA 4%, EASI 3.\n";
        let facts = crate::extract_case(&Lexicons::builtin(), text);
        assert_eq!(facts.continuation_of.as_deref(), Some("tralokinumab"));
        let b = facts.measures_baseline;
        assert_eq!((b.bsa_percent, b.easi), (Some(30.0), Some(22.0)));
        assert_eq!((facts.measures.bsa_percent, facts.measures.easi), (Some(4.0), Some(3.0)));
        // Counter-example: values of another day are no baseline.
        let other = text.replace("Consult 08/03/2026", "Consult 11/03/2026");
        let facts = crate::extract_case(&Lexicons::builtin(), &other);
        assert_eq!(facts.measures_baseline.bsa_percent, None);
    }

    #[test]
    fn a_date_of_birth_gives_the_age_on_the_notes_date() {
        let form = "Date of service: 11/03/2025\nMember DOB: 07/19/1991   Sex: F\nEczema.";
        assert_eq!(facts(form).age_years, Some(34.0));
        let infant = "Visit date: 03/02/2026\nDOB: 09/20/2024\nEczema of the cheeks.";
        assert_eq!(facts(infant).age_years, Some(1.42));
        // A stated age wins; without the note's day, or with a birth date
        // after it, no age is made up.
        let stated = "Date of service: 11/03/2025\nDOB: 07/19/1991\n35-year-old woman.";
        assert_eq!(facts(stated).age_years, Some(35.0));
        assert_eq!(facts("DOB: 07/19/1991\nEczema.").age_years, None);
        let later = "Date of service: 11/03/2025\nDOB: 07/19/2026\nEczema.";
        assert_eq!(facts(later).age_years, None);
    }

    #[test]
    fn a_tables_present_cell_is_dated_by_its_own_column() {
        let table = "Atopic dermatitis, on dupilumab.\n\
                     Scores      Baseline 09/02/2025      Today 02/10/2026\n\
                     EASI        27.5                     6.5\n";
        assert_eq!(measures(table)[3], Some(6.5));
        // A present column dated long before the note is not today's.
        let old = "Date of visit: 03/02/2026\nAtopic dermatitis.\n\
                   Scores      06/2024      01/2025\nEASI        30           12\n";
        assert_eq!(measures(old)[3], None);
    }

    #[test]
    fn a_value_dated_weeks_before_todays_exam_is_an_earlier_exams() {
        let note = "Date of visit: 06/30/2026\nAtopic dermatitis.\n\
                    At the allergy visit 05/02/2026 EASI was 19.5.\n\
                    Today BSA 5%, IGA 2.\n";
        assert_eq!(measures(note), [Some(5.0), Some(2.0), None, None]);
        // Without a value said to be today's, a value of a recent visit stands.
        let letter = "Date of visit: 06/30/2026\nAtopic dermatitis.\nAt the visit 06/20/2026 EASI was 19.5.\n";
        assert_eq!(measures(letter)[3], Some(19.5));
    }

    #[test]
    fn a_quoted_notes_values_are_dated_by_the_words_leading_into_it() {
        let quoted = "Date of visit: 06/30/2026\nAtopic dermatitis.\n\
                      Allergy saw her 04/11/2026; their letter reads: \"EASI 21, BSA 20%; \
                      start tacrolimus.\" Better since.\nToday BSA 5%.\n";
        assert_eq!(measures(quoted), [Some(5.0), None, None, None]);
        let curly = quoted
            .replace("reads: \"", "reads: \u{201C}")
            .replace(".\" Better", ".\u{201D} Better");
        assert_eq!(measures(&curly), [Some(5.0), None, None, None]);
        // A quotation led by no date is as current as its words say.
        let patient =
            "Date of visit: 06/30/2026\nAtopic dermatitis. She says: \"my EASI was 21 today\".\n";
        assert_eq!(measures(patient)[3], Some(21.0));
    }

    #[test]
    fn a_heading_line_dates_the_values_under_it() {
        let form = "Renewal of dupilumab for atopic dermatitis.\n\n\
                    B. Scores before the first injection          Date: 03/02/2026\n\
                    \x20  BSA: 30 %      EASI: 25.5      IGA: 4\n\
                    C. Scores at this review                     Date: 09/01/2026\n\
                    \x20  BSA: 5 %       EASI: 3.0       IGA: 1\n\
                    Signed 09/03/2026\n";
        let f = facts(form);
        assert_eq!(measures(form), [Some(5.0), Some(1.0), None, Some(3.0)]);
        assert!(f.caveats.is_empty(), "{:?}", f.caveats);
        let base = baseline(form, Some("dupilumab"));
        assert_eq!((base.bsa_percent, base.easi, base.iga), (Some(30.0), Some(25.5), Some(4.0)));
        // A heading ending in a colon, its cue in a bracket, over bulleted lines.
        let bulleted = "Atopic dermatitis on Dupixent.\n\
                        Severity (baseline, 01/2026):\n  - BSA 40%\n  - IGA 4\n\
                        Severity (today):\n  - BSA 6%\n  - IGA 2\n";
        assert_eq!(measures(bulleted)[..2], [Some(6.0), Some(2.0)]);
        // Counter-example: a sentence that ends above the values dates
        // nothing under it.
        let prose = "Date: 09/01/2026\nAtopic dermatitis. Seen at baseline in March.\nBSA 12%.";
        assert_eq!(measures(prose)[0], Some(12.0));
    }

    #[test]
    fn a_label_opening_the_line_dates_its_values_past_semicolons() {
        let text = "Date: 03/02/2026\nAtopic dermatitis on dupilumab.\n\
                    Estimated from the photos today: BSA about 3%; vIGA-AD 1 (almost clear).\n\
                    Week 16 review (01/05/2026): BSA 9%, vIGA-AD 2.\n";
        let f = facts(text);
        assert_eq!((f.measures.bsa_percent, f.measures.iga), (Some(3.0), Some(1.0)));
        assert!(f.caveats.is_empty(), "{:?}", f.caveats);
        // Counter-example: a label that states no time dates nothing; the
        // later of two undated values of the line holds.
        let text = "Atopic dermatitis.\nScores by the nurse: IGA 3; on recheck IGA 2.\n";
        assert_eq!(measures(text)[1], Some(2.0));
    }

    #[test]
    fn a_list_of_values_shares_the_cue_that_heads_it() {
        let text = "Atopic dermatitis on dupilumab. At baseline, the day of her very first \
                    injection in clinic, the EASI was 26.0, the IGA 4, the BSA 30% and the \
                    worst itch NRS 9/10. Today: EASI 4, IGA 1, BSA 3%, itch NRS 2.";
        assert_eq!(measures(text), [Some(3.0), Some(1.0), Some(2.0), Some(4.0)]);
        assert!(facts(text).caveats.is_empty());
        // Counter-example: a cue far before a lone value, with no other
        // value between, does not reach it.
        let lone = "Atopic dermatitis. At baseline she was seen by a colleague, who wrote a long \
                    note about her work and her sleep and her family, and her itch NRS is 6.";
        assert_eq!(measures(lone)[2], Some(6.0));
    }

    #[test]
    fn a_value_at_a_course_start_is_its_baseline() {
        let text = "Atopic dermatitis. Adbry 02/2025 to 09/2025: EASI 22 at start, worse \
                    later; stopped. Exam today: EASI 17.5.";
        assert_eq!(measures(text)[3], Some(17.5));
        assert!(facts(text).caveats.is_empty());
        let text = "Atopic dermatitis. At that initiation visit her BSA was 40%. Today BSA 4%.";
        assert_eq!(measures(text)[0], Some(4.0));
    }

    #[test]
    fn a_value_of_an_earlier_time_is_not_current() {
        let cases = [
            "Atopic dermatitis. The first consult in 2021 is summarised: EASI 31 at the initial consult.",
            "Atopic dermatitis. Baseline BSA 40% (06/2024). Plan: renew.",
            "Atopic dermatitis. IGA 4 per 2020 records; no recent scoring.",
            "Atopic dermatitis. At presentation her BSA was 35%.",
            "Atopic dermatitis. Her BSA was 30% last winter.",
        ];
        for text in cases {
            assert_eq!(measures(text), [None; 4], "{text}");
        }
        // A past word after another number is that number's.
        let text = "Atopic dermatitis. EASI 12, down from 28 at baseline.";
        assert_eq!(measures(text)[3], Some(12.0));
        // Counter-examples: today's values, and a date that is today's.
        let text = "Atopic dermatitis. EASI 19 today (clinic visit 01/2025).";
        assert_eq!(measures(text)[3], Some(19.0));
        let text = "Date of service: 02/03/2026\nAtopic dermatitis. Exam 02/03/2026: BSA 14%.";
        assert_eq!(measures(text)[0], Some(14.0));
    }

    #[test]
    fn a_value_dated_long_before_the_note_is_from_an_earlier_exam() {
        let text = "Date: 03/10/2026\nAtopic dermatitis. A clinic note of 09/2025 gives BSA 22%. \
                    Exam today: BSA 7%.";
        assert_eq!(measures(text)[0], Some(7.0));
        // Alone it is still no current value.
        let text = "Date: 03/10/2026\nAtopic dermatitis. A clinic note of 09/2025 gives BSA 22%.";
        assert_eq!(measures(text)[0], None);
        // A letter written days after the visit it reports: that visit is
        // the latest examination.
        let text = "March 12, 2026\n\nRe: atopic dermatitis\nAt her visit on 02/26/2026 the EASI \
                    was 24 and the IGA 3.";
        assert_eq!(measures(text), [None, Some(3.0), None, Some(24.0)]);
        // A long date is read whole however far before the value it starts,
        // and only a day, not a year, says today.
        let text = "January 20, 2026\n\nAt her most recent visit on January 15, 2026, her \
                    Validated Investigator Global Assessment was 3.";
        let f = facts(text);
        assert_eq!(f.measures.iga, Some(3.0));
        assert_eq!(f.evidence["measures.iga"][0].text, "Investigator Global Assessment was 3");
        let text = "Date: 03/10/2026\nAtopic dermatitis. BSA 22% (2026). Exam today: BSA 7%.";
        assert_eq!(facts(text).measures.bsa_percent, Some(7.0));
        assert!(facts(text).caveats.is_empty());
        // The latest of two dated visits wins.
        let text = "April 2, 2026\n\nAtopic dermatitis. On 01/15/2026 the EASI was 30. On \
                    03/20/2026 the EASI was 21.";
        assert_eq!(measures(text)[3], Some(21.0));
    }

    #[test]
    fn the_time_phrase_opening_a_sentence_dates_the_next_one() {
        let text = "Atopic dermatitis. At presentation the rash covered the trunk and arms. The \
                    BSA was 45% and the IGA 4.\n\nToday the IGA is 2.";
        assert_eq!(measures(text), [None, Some(2.0), None, None]);
        // A timeline's first column dates its row.
        let text = "Date: 01/20/2026\nAtopic dermatitis.\n\n 03/2025     first visit; BSA 50%\n                     01/2026     review; BSA 8%\n";
        assert_eq!(measures(text)[0], Some(8.0));
        // The latest week of a course is current.
        let text = "Atopic dermatitis on dupilumab. At week 4 the EASI was 20. At week 12 \
                    (March 2025) the EASI was 6. Week 4: IGA 3.";
        assert_eq!(measures(text)[3], Some(6.0));
        assert_eq!(measures(text)[1], None);
        // A one-word adverb dates only its own sentence.
        let text = "Atopic dermatitis. Initially she used emollients alone. BSA 12%, IGA 3.";
        assert_eq!(measures(text)[..2], [Some(12.0), Some(3.0)]);
    }

    #[test]
    fn no_old_value_becomes_current_when_nothing_was_scored_today() {
        let text = "Atopic dermatitis. Telehealth follow-up; skin exam deferred. BSA 25% and \
                    IGA 3 at her last clinic visit. Itch 6/10 this week.";
        assert_eq!(measures(text), [None, None, Some(6.0), None]);
        let text = "Atopic dermatitis. EASI 20 on the chart. BSA not assessed; IGA and EASI not \
                    done today.";
        assert_eq!(measures(text)[3], None);
        // Another examination deferred says nothing of the skin's.
        let text = "Atopic dermatitis. Rectal exam deferred. BSA 12%.";
        assert_eq!(measures(text)[0], Some(12.0));
        let text = "Atopic dermatitis. Hands examined; remainder of skin not examined. BSA 4%.";
        assert_eq!(measures(text)[0], Some(4.0));
    }

    #[test]
    fn a_table_in_spaced_columns_is_read_in_its_present_column() {
        let text = "Atopic dermatitis on dupilumab.\n\n\
                    \x20              Before dupilumab (03/2025)     Today\n\
                    \x20  EASI         31.5                           5.0\n\
                    \x20  BSA          40%                            4%\n";
        assert_eq!(measures(text), [Some(4.0), None, None, Some(5.0)]);
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.easi, b.bsa_percent), (Some(31.5), Some(40.0)));
    }

    #[test]
    fn a_response_milestone_is_no_score() {
        let text = "Atopic dermatitis on dupilumab. EASI down 59% (EASI-50 reached, not EASI75).";
        assert_eq!(measures(text)[3], None);
        let text = "Atopic dermatitis on dupilumab. EASI 11.6 today, EASI-75 not reached.";
        assert_eq!(measures(text)[3], Some(11.6));
    }

    #[test]
    fn a_header_wrapped_onto_a_second_line_still_heads_its_table() {
        let text = "Atopic dermatitis on dupilumab.\n\n\
                    \x20                  Pre-treatment (03/04/2025,     Current (09/30/2025)\n\
                    \x20                  week 0 visit)\n\
                    \x20  EASI            33.1                           7.5\n\
                    \x20  vIGA-AD         4                              2\n";
        assert_eq!(measures(text), [None, Some(2.0), None, Some(7.5)]);
        assert!(facts(text).caveats.is_empty());
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.easi, b.iga), (Some(33.1), Some(4.0)));
        // A note in brackets of its own under a header cell is part of it.
        let text = "Atopic dermatitis on dupilumab.\n\n\
                    \x20                  Baseline 07/21/2025    Today 01/20/2026\n\
                    \x20                  (before dupilumab)\n\
                    \x20  EASI            28.0                   11.6\n\
                    \x20  vIGA-AD         4                      3\n";
        assert_eq!(measures(text), [None, Some(3.0), None, Some(11.6)]);
        assert_eq!(baseline(text, Some("dupilumab")).easi, Some(28.0));
        // A line of prose between a header-like line and a row parts them.
        let text = "Atopic dermatitis on dupilumab.\n\n\
                    \x20  Scores       Baseline      Current\n\
                    Seen today with her mother.\n\
                    \x20  EASI         33.1          7.5\n";
        assert_eq!(baseline(text, Some("dupilumab")).easi, None);
    }

    #[test]
    fn a_blocks_heading_dates_its_values_past_prose_that_dates_nothing() {
        let text = "Date: 02/10/2026\nAtopic dermatitis.\n\nPRIOR BIOLOGIC\n  Adbry: partial \
                    response at week 16 (EASI 31 -> 17), not sustained.\n\n\
                    CURRENT STATUS (office visit today)\n  Weight 61 kg. Plaques on the eyelids,\n\
                    \x20 neck and back. Hands clear.\n     BSA 16%      EASI 22.6\n";
        assert_eq!(measures(text)[3], Some(22.6));
        assert!(facts(text).caveats.is_empty());
        // Prose that dates itself ends the walk up: its date is its own.
        let text = "Date: 02/10/2026\nAtopic dermatitis.\n\nCURRENT STATUS\n  Seen in 2022.\n\
                    \x20    EASI 22.6\n";
        assert_eq!(measures(text)[3], Some(22.6));
    }

    #[test]
    fn the_value_an_arrow_leaves_is_earlier_whatever_its_week() {
        let text = "Atopic dermatitis on dupilumab. BSA 2%. EASI 2.4. Excellent response at \
                    week 34 (EASI 27.5 -> 2.4).";
        assert_eq!(measures(text)[3], Some(2.4));
        assert!(facts(text).caveats.is_empty());
    }

    #[test]
    fn a_date_on_the_next_line_of_the_sentence_dates_the_value() {
        // Prose wrapped before its date goes on in lower case; a timeline's
        // next row opens with its own date.
        let text =
            "Date: 10/07/2025\n\nAtopic dermatitis, EASI 12.0 today (improved from EASI 24.6\n\
                    at 03/2025 and 18.2 at 07/2025).\n";
        assert_eq!(measures(text)[3], Some(12.0));
        assert!(facts(text).caveats.is_empty());
    }

    #[test]
    fn a_tables_date_row_under_its_names_row_dates_each_column() {
        // The names row keeps its label cell ("Measure"), the date row
        // under it has none; the present cell is dated by its own header
        // cell (03/02/2026), not by the "Week 16" beside it, so a prose
        // "EASI 3.1 at week 52" leaves it current.
        let text = "Atopic dermatitis on dupilumab since 03/03/2025. Date: 03/02/2026.\n\n\
                    \x20 Measure        |  Baseline    |  Week 16     |  Week 52\n\
                    \x20                |  03/03/2025  |  06/23/2025  |  03/02/2026\n\
                    \x20 ---------------+--------------+--------------+-----------\n\
                    \x20 EASI (0-72)    |  26.0        |  7.2         |  3.1\n\
                    \x20 BSA (%)        |  32          |  9           |  3\n\n\
                    Sustained response (EASI 3.1 at week 52).\n";
        assert_eq!(measures(text), [Some(3.0), None, None, Some(3.1)]);
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.easi, b.bsa_percent), (Some(26.0), Some(32.0)));
    }

    #[test]
    fn a_value_at_the_time_of_initiation_is_a_baseline_not_today_s() {
        let text = "Atopic dermatitis on Dupixent since 01/2026. At the time of initiation \
                    his disease was severe: EASI 31.2, IGA 4. Reauthorization requested.";
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.easi, b.iga), (Some(31.2), Some(4.0)));
    }

    #[test]
    fn a_value_before_the_patients_first_injection_is_a_baseline() {
        let text = "Atopic dermatitis on dupilumab since 03/2025. At that 03/04/2025 visit, \
                    before her first injection, her EASI was 26.2. EASI today 4.1.";
        assert_eq!(measures(text)[3], Some(4.1));
        assert_eq!(baseline(text, Some("dupilumab")).easi, Some(26.2));
    }

    #[test]
    fn a_baseline_opening_a_sentence_frames_the_next_one() {
        let text = "10 February 2026\nRenewal of Dupixent for atopic dermatitis.\n\
                    Before Dupixent (clinic visit 08/25/2025) his eczema covered about 40% of \
                    his body. His EASI was 31.5 and his IGA 4.\n\n\
                    At his visit on 3 February 2026 the change was striking. EASI 6.2, IGA 1.\n";
        assert_eq!(measures(text), [None, Some(1.0), None, Some(6.2)]);
        assert!(facts(text).caveats.is_empty(), "{:?}", facts(text).caveats);
        // Counter-example: "before that" points back to a time the note
        // told, and frames nothing after it.
        let sequence = "Atopic dermatitis. Triamcinolone for 6 weeks, minimal benefit. Before \
                        that, hydrocortisone 2.5% cream for months. Ongoing flares, itch 6/10.";
        assert_eq!(measures(sequence)[2], Some(6.0));
    }

    #[test]
    fn an_arrow_leads_from_an_earlier_value_to_the_current_one() {
        let text = "Atopic dermatitis, much improved on dupilumab (EASI 26 -> 3.5; BSA 30% -> 5%).";
        assert_eq!(measures(text), [Some(5.0), None, None, Some(3.5)]);
        assert!(facts(text).caveats.is_empty());
        // The later value may be estimated ("BSA 28% -> ~5%").
        let about = "Atopic dermatitis, almost clear on dupilumab: BSA 28% -> ~5%, vIGA 4 -> 1.";
        assert_eq!(measures(about), [Some(5.0), Some(1.0), None, None]);
        let text = "Atopic dermatitis on dupilumab: EASI improved from 30 at baseline to 4 and \
                    the BSA has come down from 40% to 6%.";
        assert_eq!(measures(text), [Some(6.0), None, None, Some(4.0)]);
        let b = baseline(text, Some("dupilumab"));
        assert_eq!(b.easi, Some(30.0));
        // A range stays a range.
        assert_eq!(measures("Atopic dermatitis. BSA 10 to 15%.")[0], Some(10.0));
    }

    #[test]
    fn two_current_values_of_one_measure_that_disagree_are_a_caveat() {
        let f = facts("Atopic dermatitis. Exam today: BSA 9%. Assessment: BSA 26% today, severe.");
        let [caveat] = &f.caveats[..] else { panic!("one caveat: {:?}", f.caveats) };
        assert_eq!(caveat.kind, PendKind::MeasureConflict);
        assert_eq!(caveat.field.as_deref(), Some("measures.bsa_percent"));
        assert_eq!(caveat.evidence.len(), 2);
        // A current and an earlier value, a range, or one value said twice
        // are no conflict.
        for text in [
            "Atopic dermatitis. BSA 9% today; BSA 26% in 2024.",
            "Atopic dermatitis. BSA 10-15%.",
            "Atopic dermatitis. BSA 12%. Assessment: BSA 12%, moderate.",
        ] {
            assert!(facts(text).caveats.is_empty(), "{text}");
        }
    }

    #[test]
    fn the_baseline_is_kept_only_on_a_continuation_of_its_drug() {
        let text = "Atopic dermatitis on Dupixent. Baseline EASI 28 and IGA 4; EASI 28 before \
                    starting Dupixent. Today EASI 6, IGA 1.";
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.easi, b.iga), (Some(28.0), Some(4.0)));
        assert_eq!(measures(text)[3], Some(6.0));
        // Not a continuation: no baseline.
        assert!(baseline(text, None).is_empty());
        // A baseline before another drug is not this drug's.
        let text = "Atopic dermatitis. BSA 35% before she started tacrolimus; today BSA 10%.";
        assert_eq!(baseline(text, Some("dupilumab")).bsa_percent, None);
        let text = "Atopic dermatitis. Pre-treatment BSA 30%, vIGA 4 at initiation of \
                    dupilumab (05/2025). Now BSA 3%.";
        let b = baseline(text, Some("dupilumab"));
        assert_eq!((b.bsa_percent, b.iga), (Some(30.0), Some(4.0)));
        // A recall period or a season's habit dates nothing.
        assert_eq!(
            measures("Atopic dermatitis. Itch has been 8/10 over the last month.")[2],
            Some(8.0)
        );
        assert_eq!(
            measures("Atopic dermatitis. BSA 20%, always worse in the winter.")[0],
            Some(20.0)
        );
        // "before" alone dates nothing: the itch is today's.
        assert_eq!(measures("Atopic dermatitis. Itch 8/10, worst before bed.")[2], Some(8.0));
    }

    #[test]
    fn a_baseline_has_evidence() {
        let text = "Eczema on dupilumab. Baseline EASI 30. EASI now 8.";
        let lexicons = Lexicons::builtin();
        let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, false);
        let mut f = Facts { continuation_of: Some("dupilumab".into()), ..Facts::default() };
        let date = crate::values::dates::note_date(&lexicons.values.dates, &note);
        let (values, on_day) = crate::record_values(&mut f, &lexicons, &note, true, date);
        crate::record_baseline(&mut f, text, values, on_day);
        let evidence = &f.evidence["measures_baseline.easi"];
        assert_eq!(evidence[0].text, "EASI 30");
    }

    #[test]
    fn a_value_past_the_end_of_its_scale_is_a_caveat_not_a_value() {
        let f = facts("Atopic dermatitis. BSA 150% on exam today. Itch 12/10.");
        assert_eq!((f.measures.bsa_percent, f.measures.itch_nrs), (None, None));
        let kinds: Vec<_> = f.caveats.iter().map(|c| (c.kind, c.field.clone().unwrap())).collect();
        assert_eq!(
            kinds,
            [
                (PendKind::MeasureOutOfScale, "measures.bsa_percent".to_string()),
                (PendKind::MeasureOutOfScale, "measures.itch_nrs".to_string())
            ]
        );
        // A limit on treated skin, an earlier value and an in-scale value are none.
        for text in [
            "Atopic dermatitis. BSA 12%. Itch 8/10.",
            "Atopic dermatitis. BSA was 120% in 2019 records.",
            "Atopic dermatitis. Serum IgA 150 mg/dL.",
        ] {
            assert!(facts(text).caveats.is_empty(), "{text}");
        }
    }

    #[test]
    fn explain_tells_why_a_value_is_not_current() {
        let text = "Atopic dermatitis. EASI 30 at presentation. Video visit, exam deferred; \
                    BSA 20% on the chart.";
        let (_, set_aside) = crate::extract_case_traced(&Lexicons::builtin(), text);
        let why: Vec<(&str, &str, Option<&str>)> = set_aside
            .iter()
            .filter(|s| s.taken_as == "a current value")
            .map(|s| (s.mention.text.as_str(), s.why, s.trigger.as_ref().map(|t| t.0.as_str())))
            .collect();
        assert_eq!(
            why,
            [
                ("EASI 30", "dated before the latest examination", Some("at presentation")),
                ("BSA 20%", "not scored today", Some("exam deferred")),
            ]
        );
    }

    #[test]
    fn a_site_dated_before_now_is_not_involved_now() {
        let text = "Date: 02/10/2026\nAtopic dermatitis. Outside records (2022): BSA 30%, eczema \
                    of the hands and face.\nSkin exam deferred (video).";
        assert!(facts(text).high_impact_sites.is_empty());
        let text = "Date: 02/10/2026\nAtopic dermatitis: eczema of the hands since 2020.";
        assert_eq!(facts(text).high_impact_sites, [necessity_record::Site::Hands]);
        let text = "Date: 02/10/2026\nAtopic dermatitis. Exam today: eczema of the hands.";
        assert_eq!(facts(text).high_impact_sites, [necessity_record::Site::Hands]);
        let text =
            "Atopic dermatitis. At presentation, eczema of the neck. Now eczema of the feet.";
        assert_eq!(facts(text).high_impact_sites, [necessity_record::Site::Feet]);
    }

    #[test]
    fn a_label_opening_the_line_dates_all_the_line_says() {
        // The label's time reaches past the stop that ends its scores.
        let text = "Date: 02/10/2026\nAtopic dermatitis on Adbry, renewal requested.\n\
                    Before Adbry: EASI 24, BSA 30%. Neck and hands with eczema.\n\
                    Today: eczema of the feet only, BSA 3%.\n";
        assert_eq!(facts(text).high_impact_sites, [necessity_record::Site::Feet]);
        // Counter-example: a label that states no time dates nothing.
        let text = "Date: 02/10/2026\nAtopic dermatitis.\n\
                    Exam: EASI 24, BSA 30%. Neck and hands with eczema.\n";
        assert_eq!(
            facts(text).high_impact_sites,
            [necessity_record::Site::Neck, necessity_record::Site::Hands]
        );
    }

    /// Age and weight as the record writes them.
    fn age_weight(text: &str) -> (Option<f64>, Option<f64>) {
        let f = facts(text);
        (f.age_years, f.weight_kg)
    }

    #[test]
    fn a_table_of_body_surface_by_region_gives_its_sum_or_its_total() {
        let text = "Atopic dermatitis.\nExtent by region (palm method):\n\
                    \x20 Region                 % BSA\n\
                    \x20 Head / neck            0\n\
                    \x20 Trunk, anterior        4\n\
                    \x20 Trunk, posterior       3.5\n\
                    \x20 Upper extremities      3     (hands clear)\n\
                    \x20 Lower extremities      2\n\nvIGA-AD 2.\n";
        assert_eq!(measures(text)[0], Some(12.5));
        let total =
            text.replace("Lower extremities      2\n", "Lower extremities      2\n  Total   13\n");
        assert_eq!(measures(&total)[0], Some(13.0));
    }

    #[test]
    fn todays_weight_outweighs_one_at_the_start_and_a_gain_is_no_weight() {
        let text = "Patient: J. O.   DOB 08/03/2009 (16 y)   Date: 02/17/2026\n\
                    Dupixent started 04/15/2025. At that time he weighed 54.0 kg (119 lb), so he \
                    was loaded with 400 mg.\n\n\
                    Weight: 73.5 kg (162 lb) today - a gain of about 19.5 kg since starting.\n\
                    Atopic dermatitis, clear on Dupixent; continue 300 mg every 2 weeks.\n";
        assert_eq!(age_weight(text).1, Some(73.5));
        assert_eq!(age_weight("Eczema. Up a gain of about 19.5 kg since the start.").1, None);
        // A unit alone after a department's name is still a weight.
        assert_eq!(
            age_weight("FOLLOW-UP\nPatient: H. V.   60 y   M   95 kg\nEczema.").1,
            Some(95.0)
        );
    }

    #[test]
    fn ages_on_demographic_lines_and_form_fields() {
        assert_eq!(age_weight("Age/Sex: 46 y / M\nEczema.").0, Some(46.0));
        assert_eq!(age_weight("Age ............ 52 y      Sex: F\n").0, Some(52.0));
        assert_eq!(age_weight("AGE/SEX   : 15Y / M\n").0, Some(15.0));
        assert_eq!(age_weight("Patient:  Ada Brook   (3 y, F)   MRN 1\n").0, Some(3.0));
        assert_eq!(age_weight("DOB 03/22/2016 (9 y)\n").0, Some(9.0));
        assert_eq!(age_weight("Phone note: 52 yo F calling about eczema.").0, Some(52.0));
    }

    #[test]
    fn the_patient_named_through_the_caller() {
        let text = "Telephone call from father about his daughter Maya, 7 years old, whose \
                    eczema is worse.";
        assert_eq!(age_weight(text).0, Some(7.0));
        let text = "Mom called regarding her son Eli, a 4-year-old with an itchy rash.";
        assert_eq!(age_weight(text).0, Some(4.0));
        // A relative's age is the relative's.
        let text = "Eczema since infancy. Her brother (age 12) uses Dupixent.";
        assert_eq!(age_weight(text).0, None);
        let text = "Atopic dermatitis. The patient's daughter, 7 years old, also has eczema.";
        assert_eq!(age_weight(text).0, None);
    }

    #[test]
    fn weights_as_faxes_write_them() {
        assert_eq!(age_weight("Eczema. Wt: 60 lb").1, Some(27.2));
        assert_eq!(age_weight("Eczema. Weight 60 Ib (measured 10/09/2025)").1, Some(27.2));
        assert_eq!(age_weight("Eczema. Weight: 27.2 kg (measured 10/09/2025).").1, Some(27.2));
        assert_eq!(age_weight("WT 115 LB   HT 5'6\"").1, Some(52.2));
    }
}
