//! Numeric values read in small windows next to their keywords: BSA, IGA,
//! itch NRS, EASI, age and weight. The regexes are compiled once, with the
//! lexicons, and only ever run over a window of a few dozen bytes.

pub mod current;
pub mod dates;

use crate::lexicon::MeasureKind;
use necessity_context::{steps, Lines};
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// How far from its keyword a value may be written.
const WINDOW: usize = 48;

/// How many characters of the sentence may part an itch word from its
/// "N/10" ("the itch at its worst over the last week is a 7/10"), and the
/// wider window that leaves room for the score itself.
const ITCH_REACH: usize = 40;
const ITCH_WINDOW: usize = 64;

/// The number words dictation uses, zero to nineteen (index = value); one
/// table drives both the window patterns and [`parse_number`].
const SMALL_WORDS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// The tens from twenty (index + 2 tens); "twenty-five" and "twenty five"
/// join one with a unit word.
const TENS_WORDS: [&str; 8] =
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// A number as notes write it: digits (with decimals) or number words up to
/// ninety-nine, as one capture group. Longer words come first so "seventeen"
/// is not read as "seven", and a word must end at a word boundary.
pub fn number_pattern() -> String {
    format!(r"(\d{{1,3}}(?:\.\d+)?|{})", number_words_pattern(SMALL_WORDS.len()))
}

/// The number words below `limit` (all compounds when `limit` is past
/// nineteen), without a capture group: "three" for an IGA, "twenty-five" for
/// an age.
fn number_words_pattern(limit: usize) -> String {
    let mut small: Vec<&str> = SMALL_WORDS.iter().take(limit).copied().collect();
    small.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let small = small.join("|");
    if limit < SMALL_WORDS.len() {
        return format!(r"(?:{small})\b");
    }
    let tens = TENS_WORDS.join("|");
    let ones = SMALL_WORDS[1..10].join("|");
    format!(r"(?:(?:{tens})(?:[\s-]+(?:{ones}))?|{small})\b")
}

/// Filler words allowed between a keyword and its value ("BSA of about 10%",
/// "BSA approx. 25%": an abbreviation keeps its full stop). A whole
/// parenthesis is tried before a lone bracket, so a scale written there
/// ("IGA (0-4): 3", "NRS (0–10) = 7") is skipped rather than its 0 read as
/// the value; "IGA (3)" still reads 3 by backtracking. Verbose syntax (as
/// every pattern of extraction): white space is not matched, `#` comments.
const FILLER: &str = r"(?:
      \([^)\n]{0,30}\)                # a parenthesis: a scale, a date
    | [\s:=~()\-]                     # punctuation between
    | \.{2,} | …                       # a form's dot leader: 'BSA ...... 22 %'
    | \b(?:approx|est|ca)\.           # an abbreviated estimate, with its stop
    | \b(?:of|is|was|at|approximately|approx|about|around|roughly|estimated|closer\x20to|close\x20to
          |involvement|involved|affected|score|scored|rated|current|currently|today
          |now|total|baseline)\b      # words between
    | \b(?:before|prior\x20to|pre-)\s*[a-z]+\b   # a time before a drug: 'before Dupixent 9/10'
    | \b(?:has|have|had)?\s*(?:improved|decreased|dropped|fallen|fell|declined
          |reduced|gone\x20down|went\x20down|come\x20down|came\x20down)?
      \s*from\b                      # a change 'from' the value ('improved from 28 to 6')
    )*
";

/// The bracket a form's answer field opens right before its value ("IGA
/// (optional): [3]", "BSA affected:\n  [8 %]"); an empty box ("[ ] 2")
/// is no answer, since only blanks may part the bracket from the number.
/// Or the answer label opening the line under a question ("Q: Please
/// provide the EASI score, if available." over "A: 13.8"), the rest of
/// the question holding no number.
const ANSWER: &str = r"(?:
      \[\s*                              # an answer field's bracket
    | [^\n\d]{0,40}? \n [\x20\t]*        # the rest of the question's line
      (?:A|Answer) [\x20\t]*:[\x20\t]*     # the answer's label on the next
    )?
";

/// The units an age is written with after its number, years or months (the
/// latter captured): "y", "yo", "y/o", "yrs", "years old", "mo", "months".
const AGE_UNITS: &str = r"(?:
      y/o | y\.o\. | yo | yrs? | years?(?:[\s-]+old)?   # years
    | (months?|mos?)(?:[\s-]+old)?                      # months, captured
    | y
    )
";

/// Words of a demographics line that are not part of a name: what follows
/// them is a room, bed, record number or measurement, never the age.
const NOT_NAME_WORDS: [&str; 16] = [
    "room", "rm", "bed", "mrn", "id", "no", "apt", "unit", "ward", "acct", "account", "wt",
    "weight", "ht", "height", "age",
];

/// The compiled window patterns.
#[derive(Clone, Debug)]
pub struct ValuePatterns {
    percent_after: Regex,
    percent_label: Regex,
    percent_before: Regex,
    iga_after: Regex,
    iga_five_scale: Regex,
    nrs_after: Regex,
    itch_out_of_ten: Regex,
    itch_on_scale: Regex,
    easi_after: Regex,
    number_before: Regex,
    age_after: Regex,
    age_prefix_not_now: Regex,
    weight_word: Regex,
    weight_unit_label: Regex,
    weight_after_label: Regex,
    weight_change: Regex,
    weight_not_patient: Regex,
    age_with_unit: Regex,
    area_limit: Regex,
    table_cell: Regex,
    range_bound: Regex,
    age_glued: Regex,
    name_line: Regex,
    birth_date_parenthesis: Regex,
    birth_date_comma: Regex,
    restated: Regex,
    arrow: Regex,
    changed_from: Regex,
    changed_to: Regex,
    years_before: Regex,
    temperature: Regex,
    region_weight: Regex,
    /// The date grammar, which dates values and finds the note's date.
    pub dates: dates::DatePatterns,
}

impl ValuePatterns {
    /// Compiles the window patterns; they are fixed, so a failure is a bug
    /// caught by every test.
    pub fn new() -> Result<ValuePatterns, regex::Error> {
        let ci = crate::case_insensitive;
        let number = number_pattern();
        let iga_word = number_words_pattern(6);
        // A range's upper end: "10-15", "10 – 15", "10 to 15".
        let range_to = r"\s*(?:-|–|to)\s*";
        Ok(ValuePatterns {
            percent_after: ci(&format!(
                r"^ {FILLER} {ANSWER}
                  {number}                            # the value
                  (?:{range_to}{number})?             # or a range, read by its lower end
                  \s*(?:%|percent\b|per\x20cent\b)    # as a percentage"
            ))?,
            percent_label: ci(&format!(
                r"^ \s+ (?:percent|pct)                # a label that names the unit
                  (?:\s+(?:current|today|now))? \s*:\s*   # ('BSA percent current:')
                  {number} \s* (?:$|[^/.\d\s])        # then the value alone"
            ))?,
            percent_before: ci(&format!(
                r"\b{number}                          # the value, before its keyword
                  (?:{range_to}{number})?             # or a range
                  \s*(?:%|percent|per\x20cent)        # as a percentage
                  \s*(?:of\s+)?                       # 'of'
                  (?:the\s+|her\s+|his\s+|their\s+|total\s+)*   # 'her total'
                  $                                   # right before the keyword"
            ))?,
            iga_after: ci(&format!(
                r"^ (?:\s*-?\s*AD\b)?                 # vIGA-AD's suffix
                  {FILLER} {ANSWER}
                  ([0-5]\b|{iga_word})                # the score
                  (?:\s*(?:/|out\x20of)\s*            # on a written scale:
                     ([0-5]|four|five)\b)?            #   4 or 5 points"
            ))?,
            iga_five_scale: ci(r"\b0 \s*(?:-|–|to)\s* 5\b   # a 0-5 scale")?,
            nrs_after: ci(&format!(
                r"^ (?:\s*(?:for\s+)?(?:the\s+)?
                     (?:itch|itching|pruritus)\b)?     # the scale first: 'NRS itch 4'
                  {FILLER} {ANSWER}
                  {number}                            # the score
                  (?:\s*(?:/|out\x20of)\s*(?:10|ten)\b)?   # of ten"
            ))?,
            itch_out_of_ten: ci(&format!(
                r"^ [^.;]{{0,{ITCH_REACH}}}?          # a few words of the sentence
                  \b{number}                          # the score
                  (?:\s*(?:-|–)\s*{number})?          # or a range
                  \s*(?:/|out\x20of)\s*(?:10|ten)\b   # of ten, always written"
            ))?,
            itch_on_scale: ci(&format!(
                r"^ \s*(?:severity|score|rating|intensity|level|scale)?\s*   # 'Itch severity'
                  \(\s*0\s*(?:-|–|to)\s*10\s*\)    # on a written 0-10 scale
                  \s*[:=]?\s*
                  {number}                            # the score"
            ))?,
            easi_after: ci(&format!(r"^ {FILLER} {ANSWER} {number}   # the score"))?,
            number_before: ci(&format!(r"\b{number} \s*-?\s* $   # a number right before"))?,
            age_after: ci(&format!(
                r"^ \s*(?::|=|of|is|\.{{2,}}:?|…)?\s*   # 'Age: ', 'age of', 'Age ......'
                  {number}(?:[yY]\b|\b)               # the age, maybe with a glued 'Y'
                  (?:[\s-]*(months?|mos?|weeks?|wks?))?   # in months or weeks
                  (?:\s*(?:years?|yrs?|y)?\.?,?\s*       # or years ('2 y', '2y') and
                     (\d{{1,2}})\s*(?:months?|mos?|m)\b)? # months: '2 y 4 mo', '2yr 10m'"
            ))?,
            age_prefix_not_now: ci(
                r"\b(?:at|since|until|from|by|before|after|when|diagnosed|onset
                     |starting|began|of)              # an event's time, not the age now
                  \s*(?:the\s+)?$",
            )?,
            weight_word: ci(r"\b(?:weight|weighs|weighing|wt)\b")?,
            weight_unit_label: ci(
                r"\b(?:weight|wt) \s* \(? \s* $  # 'Weight (' or 'WEIGHT ' before the unit",
            )?,
            weight_after_label: ci(
                r"^ \s* (?: \) \s* :? | : ) \s*   # the label's end: '): ', ')', ':'
                  (\d{1,3}(?:\.\d+)?) \b               # the weight",
            )?,
            years_before: ci(r"\b(\d{1,2})[\s-]*(?:years?|yrs?)    # whole years
                  [\s,-]*(?:and\s+)?$                 # before the months")?,
            restated: ci(r"^ [^.;\n]{0,30}?                    # a few words of the clause
                  \b(?:now|currently|today|at\x20present|presently)\b   # said to be now
                  \s*(?:is\s+|at\s+|of\s+)?
                  (\d{1,3}(?:\.\d+)?)                 # the value
                  \s*(%|percent\b)?                   # a percentage, for BSA")?,
            changed_from: ci(r"\bfrom\b   # a change from the value")?,
            changed_to: ci(
                r"^ \s*,?\s* (?:(?:at|on)\x20[^,;.]{0,24}?\s+)?   # 'at baseline', 'on 03/2025'
                  to \s+                               # to the later value
                  (\d{1,3}(?:\.\d+)?)                 # the value
                  \s*(%|percent\b)?                   # a percentage, for BSA",
            )?,
            arrow: ci(r"^ \s* (?:->|-->|=>|→|⇒) \s*             # an arrow to the later value
                  (?:[~≈]|about\s|approx\.?\s*)? \s*   # 'about' ('28% -> ~5%')
                  (\d{1,3}(?:\.\d+)?)                 # the value
                  \s*(%|percent\b)?                   # a percentage, for BSA")?,
            age_glued: ci(r"(?:^|[^\w.]) (\d{1,3}) $   # the number the sex is glued to")?,
            // Names are capitalised words, initials or short particles ("de");
            // the age is the first number after them, with a sex or a unit.
            name_line: Regex::new(&format!(
                r"(?x)^ [\x20\t]*
                  ((?:(?:[A-Z][A-Za-z'’\-]*\.?        # a name or initial
                        |[a-z]{{2,3}})                # or a particle
                      [\x20\t]*[,|]?[\x20\t]+){{0,5}}?)  # up to five of them, or cells
                  \(?[\x20\t]*                        # maybe in brackets: '(3 y, F)'
                  (\d{{1,3}})                         # the age
                  [\x20\t]*,?[\x20\t]*
                  (?:(M|F|(?i:male|female|man|woman|boy|girl))   # with the sex
                    |(?i:{AGE_UNITS}))                # or a unit
                  (?:[^\w/]|$)"
            ))?,
            birth_date_parenthesis: ci(&format!(
                r"^ [^\n(]{{0,28}}?                   # the date of birth
                  \(\s*(?:age\b[:\s]*)?               # '(', 'age'
                  (\d{{1,3}})\s*(?:{AGE_UNITS})?\s*   # the age, maybe a unit
                  (?:,\s*(?:M|F|male|female)\s*)?     # the sex beside it: '(71 y, F)'
                  \)"
            ))?,
            birth_date_comma: ci(&format!(
                r"^ [^\n]{{0,28}}?                    # the date of birth
                  [,;]\s*(?:age\b[:\s]*)?             # ', ', 'age'
                  (\d{{1,3}})\s*(?:{AGE_UNITS})       # the age with its unit
                  (?:[^\w/]|$)"
            ))?,
            region_weight: ci(r"\( \s* [x×] \s* 0?\.\d+ \s* \)   # a region's weight: '(x0.1)'")?,
            temperature: ci(r"\b(?:temp|temperature|fever|febrile|t)\b | °   # a temperature")?,
            range_bound: ci(r"(?:[<>≤≥]|\bto|\bfrom|-) \s*$   # a bound of a range")?,
            weight_change: ci(
                r"\b(?:loss|lost|gain|gained|down|up|increase|decrease|change|less|more
                     |greater|exceeds|over|under|below|above)\b   # a change or a bound",
            )?,
            table_cell: ci(r"^ \s*[~≈]?\s*                       # 'about'
                  (\d{1,3}(?:\.\d+)?)                 # the value
                  (?:\s*(?:-|–|to)\s*(\d{1,3}(?:\.\d+)?))?   # or a range
                  \s*(?:%|percent\b)?                 # a percentage
                  (?:\s*/\s*(\d{1,2})\b)?             # a written scale: '/5'")?,
            area_limit: ci(r"(?:
                      \b(?:apply|applied|applying|keep|kept|limit|limited|restrict|restricted
                          |use|used|using)\b          # treating the skin
                      [^.;:\n]{0,24}?
                      (?:[<≤]|\bless\s+than|\bunder|\bup\s+to|\bat\s+most|\bbelow)   # up to
                    | \b(?:no|not)\s+more\s+than      # 'no more than'
                    | \b(?:not\s+to|do\s+not|don't|never)\s+exceed   # 'not to exceed'
                    | \bmax(?:imum)?\.?(?:\s+of)?     # 'max'
                  )\s*$                               # right before the percentage")?,
            age_with_unit: ci(r"\b\d{1,3}[\s-]*                     # a number
                  (?:y/o|y\.o\.|yo|yrs?|years?|months?|mos?)   # in years or months
                  (?:[\s-]+old)?\b")?,
            dates: dates::DatePatterns::new()?,
            weight_not_patient: ci(
                r"\b(?:ideal|goal|target|birth|infant|baby|fetal|newborn|dry|estimated)
                  \s+(?:body\s+)?$                    # a weight that is not the patient's",
            )?,
        })
    }
}

/// A value and the span of the words that state it.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub number: f64,
    /// `Some(5)` when an IGA is written on a 0-5 scale.
    pub scale: Option<u8>,
    pub span: Range<usize>,
}

/// Reads a number written as digits or as words: "12", "0.5", "seven",
/// "twenty-five", "twenty five".
pub fn parse_number(word: &str) -> Option<f64> {
    let lower = word.to_ascii_lowercase();
    let small = |w: &str| SMALL_WORDS.iter().position(|s| *s == w);
    let tens = |w: &str| TENS_WORDS.iter().position(|t| *t == w).map(|n| (n + 2) * 10);
    let mut parts = lower.split(|c: char| c == '-' || c.is_whitespace()).filter(|p| !p.is_empty());
    let first = parts.next()?;
    let second = parts.next();
    if parts.next().is_some() {
        return None;
    }
    match (tens(first), second) {
        (Some(t), None) => Some(t as f64),
        (Some(t), Some(unit)) => {
            small(unit).filter(|u| (1..10).contains(u)).map(|u| (t + u) as f64)
        }
        (None, None) => small(first).map(|n| n as f64).or_else(|| first.parse().ok()),
        (None, Some(_)) => None,
    }
}

/// Whether a number word is a quantifier rather than a value: the "one" of
/// "IGA is one of the criteria".
fn is_quantifier(number: &str, rest: &str) -> bool {
    let word = number.starts_with(|c: char| c.is_ascii_alphabetic());
    let rest = rest.trim_start().as_bytes();
    word && rest.len() >= 2
        && rest[..2].eq_ignore_ascii_case(b"of")
        && rest.get(2).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// A window as an OCR'd fax should have read it: a letter O inside a number
/// ("3OO mg", "8/1O", "O.1%", a lowercase o only between digits) is a zero,
/// a lowercase l inside one ("2l.4") a one,
/// and a capital I between lowercase letters ("invoIved") is an l. Every
/// change keeps the byte length, so offsets into the window still hold; a
/// window without such misreadings is borrowed unchanged.
pub fn ocr_repaired(window: &str) -> Cow<'_, str> {
    let bytes = window.as_bytes();
    let mut fixed: Option<Vec<u8>> = None;
    for i in 0..bytes.len() {
        let current = |j: usize| fixed.as_ref().map_or(bytes[j], |f| f[j]);
        let prev = if i > 0 { Some(current(i - 1)) } else { None };
        let next = bytes.get(i + 1).copied();
        let replacement = match bytes[i] {
            b'O' if prev.is_some_and(|p| p.is_ascii_digit()) => Some(b'0'),
            b'O' if !prev.is_some_and(|p| p.is_ascii_alphanumeric())
                && next == Some(b'.')
                && bytes.get(i + 2).is_some_and(u8::is_ascii_digit) =>
            {
                Some(b'0')
            }
            b'o' if prev.is_some_and(|p| p.is_ascii_digit())
                && next.is_some_and(|n| n.is_ascii_digit()) =>
            {
                Some(b'0')
            }
            // "2l.4", "1l": a lowercase l between a digit and a digit or
            // a decimal point is a one.
            b'l' if prev.is_some_and(|p| p.is_ascii_digit())
                && (next.is_some_and(|n| n.is_ascii_digit())
                    || (next == Some(b'.')
                        && bytes.get(i + 2).is_some_and(u8::is_ascii_digit))) =>
            {
                Some(b'1')
            }
            b'I' if prev.is_some_and(|p| p.is_ascii_lowercase())
                && next.is_some_and(|n| n.is_ascii_lowercase()) =>
            {
                Some(b'l')
            }
            _ => None,
        };
        if let Some(r) = replacement {
            fixed.get_or_insert_with(|| bytes.to_vec())[i] = r;
        }
    }
    match fixed {
        // Only ASCII bytes were swapped for ASCII bytes: still UTF-8.
        Some(f) => Cow::Owned(String::from_utf8(f).unwrap_or_else(|_| window.to_string())),
        None => Cow::Borrowed(window),
    }
}

/// The window after `end`, cut at a blank line so a value of the next
/// paragraph is never read as this keyword's (wrapped lines are read on),
/// with OCR misreadings of digits repaired.
fn after(text: &str, end: usize, width: usize) -> (usize, Cow<'_, str>) {
    steps::add(width);
    let stop = floor_boundary(text, (end + width).min(text.len()));
    let window = &text[end..stop];
    let window = window.find("\n\n").map_or(window, |i| &window[..i]);
    (end, ocr_repaired(window))
}

/// The window before `start`, cut at a blank line, repaired like [`after`].
fn before(text: &str, start: usize, width: usize) -> (usize, Cow<'_, str>) {
    steps::add(width);
    let from = ceil_boundary(text, start.saturating_sub(width));
    let window = &text[from..start];
    match window.rfind("\n\n") {
        Some(i) => (from + i + 2, ocr_repaired(&window[i + 2..])),
        None => (from, ocr_repaired(window)),
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The most rows of a table of body surface by region that are read.
const REGION_ROWS: usize = 16;

/// The body surface a table gives region by region, under a header whose
/// only other cell names the rows ("Region   % BSA" over "Trunk, anterior
/// 4" ...): its "Total" row, or else the sum of its rows, when two or more
/// give a number and the whole is a share of the body.
fn regional_total(text: &str, lines: &Lines, keyword: &Range<usize>) -> Option<Value> {
    let header = lines.range(lines.line_of(keyword.start));
    let delimiter = delimiter_of(text, &header)?;
    let heads = cells(text, header.clone(), delimiter);
    let column = heads.iter().position(|c| c.start <= keyword.start && keyword.end <= c.end)?;
    if heads.len() != 2 || column != 1 {
        return None;
    }
    let (mut sum, mut rows, mut first, mut last) = (0.0, 0, None, 0);
    let mut line = lines.line_of(keyword.start) + 1;
    while line < lines.count() && rows < REGION_ROWS {
        let row = lines.range(line);
        line += 1;
        steps::add(row.len());
        let Some(cell) = spaced_row_value(text, row, delimiter) else { break };
        let (label, value, span) = cell;
        first.get_or_insert(span.start);
        last = span.end;
        if label.to_ascii_lowercase().contains("total") {
            return (value <= 100.0).then_some(Value {
                number: value,
                scale: None,
                span: span.start..span.end,
            });
        }
        sum += value;
        rows += 1;
    }
    let (sum, first) = (round(sum, 1), first?);
    (rows >= 2 && sum <= 100.0).then_some(Value { number: sum, scale: None, span: first..last })
}

/// A row of two cells, a label and a number ("Trunk, anterior   4"), with
/// the number's span; anything after the number in its cell (an aside in
/// brackets) is passed.
fn spaced_row_value(
    text: &str,
    row: Range<usize>,
    delimiter: Delimiter,
) -> Option<(&str, f64, Range<usize>)> {
    let cells = cells(text, row, delimiter);
    let (label, value) = (cells.first()?, cells.get(1)?);
    let written = &text[value.clone()];
    let digits =
        written.len() - written.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').len();
    let number = parse_number(written[..digits].trim_end_matches('.'))?;
    let label_text = &text[label.clone()];
    label_text.starts_with(|c: char| c.is_ascii_alphabetic()).then_some((
        label_text,
        number,
        value.start..value.start + digits,
    ))
}

/// Reads the value a keyword at `keyword` introduces, if the note writes one.
pub fn read_value(
    patterns: &ValuePatterns,
    tables: &mut Tables,
    lines: &Lines,
    kind: MeasureKind,
    text: &str,
    keyword: Range<usize>,
) -> Option<Value> {
    if kind.is_measure() {
        let present = table_value(patterns, tables, lines, kind, text, &keyword, Column::Present);
        if let Some(cell) = present {
            return cell;
        }
    }
    match kind {
        MeasureKind::Bsa => percent(patterns, text, &keyword, 100.0)
            .or_else(|| regional_total(text, lines, &keyword)),
        MeasureKind::Iga => iga(patterns, text, &keyword),
        MeasureKind::ItchNrs => bounded(&patterns.nrs_after, text, &keyword, WINDOW, 10.0),
        MeasureKind::Itch => bounded(&patterns.itch_out_of_ten, text, &keyword, ITCH_WINDOW, 10.0)
            .or_else(|| bounded(&patterns.itch_on_scale, text, &keyword, WINDOW, 10.0)),
        MeasureKind::Easi => bounded(&patterns.easi_after, text, &keyword, WINDOW, 72.0)
            .filter(|value| !is_a_change(text, value)),
        MeasureKind::AgeBefore => age_before(patterns, text, &keyword),
        MeasureKind::AgeAfter => age_after(patterns, text, &keyword),
        MeasureKind::AgeSex => age_sex(patterns, text, &keyword),
        MeasureKind::AgeNameLine => age_name_line(patterns, text, &keyword),
        MeasureKind::AgeBirthDate => age_birth_date(patterns, text, &keyword),
        MeasureKind::Weight => weight(patterns, text, &keyword),
    }
}

/// A value written past the end of its scale where the keyword leaves no
/// doubt about the scale ("BSA 150%", "itch 12/10"): a misreading or a typo
/// the reader does not take as the measure, and a reviewer must see.
pub fn out_of_scale(
    patterns: &ValuePatterns,
    kind: MeasureKind,
    text: &str,
    keyword: &Range<usize>,
) -> Option<Value> {
    let value = match kind {
        MeasureKind::Bsa => percent(patterns, text, keyword, f64::MAX)?,
        MeasureKind::Itch => {
            bounded(&patterns.itch_out_of_ten, text, keyword, ITCH_WINDOW, f64::MAX)?
        }
        _ => return None,
    };
    let max = if kind == MeasureKind::Bsa { 100.0 } else { 10.0 };
    (value.number > max).then_some(value)
}

/// Header words naming a table's present column ("Today", "Current", "This
/// visit").
const PRESENT_HEADERS: [&str; 7] =
    ["today", "today's", "current", "currently", "now", "present", "this visit"];
/// Header words naming a past column ("3 mo ago", "Baseline", "Prior").
const PAST_HEADERS: [&str; 13] = [
    "ago",
    "prior",
    "previous",
    "previously",
    "last",
    "baseline",
    "before",
    "initial",
    "initially",
    "earlier",
    "pretreatment",
    "pre-treatment",
    "historical",
];
/// Header words naming the column of values at a drug's start ("Baseline",
/// "At initiation", "Pre-treatment"): a renewal's baseline.
const BASELINE_HEADERS: [&str; 7] = [
    "baseline",
    "initiation",
    "before",
    "pretreatment",
    "pre-treatment",
    "pre-dupixent",
    "pre-dupilumab",
];
/// How many columns apart a spaced table's cell and its header may be.
const ALIGNMENT_SLACK: usize = 2;
/// How many lines above a row its header may be.
const TABLE_REACH: usize = 12;

/// How a table's columns are parted: by a character ('|', a tab) or, in a
/// plain-text export, by runs of two or more spaces with the columns aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delimiter {
    Char(char),
    Spaces,
}

/// A line's cells split on `delimiter`, as byte ranges into `text`: the
/// outer empty cells of a "| a | b |" row are dropped, and so are the empty
/// cells after the first of runs of tabs that align a column; spaced cells
/// are the runs of text between gaps of two or more blanks.
fn cells(text: &str, line: Range<usize>, delimiter: Delimiter) -> Vec<Range<usize>> {
    let delimiter = match delimiter {
        Delimiter::Char(c) => c,
        Delimiter::Spaces => return spaced_cells(text, line),
    };
    let mut found = Vec::new();
    let mut start = line.start;
    for (i, c) in text[line.clone()].char_indices() {
        if c == delimiter {
            found.push(start..line.start + i);
            start = line.start + i + c.len_utf8();
        }
    }
    found.push(start..line.end);
    let blank = |r: &Range<usize>| text[r.clone()].trim().is_empty();
    if delimiter == '\t' {
        // The first cell stays, blank or not: it is the label column.
        let mut index = 0;
        found.retain(|r| {
            index += 1;
            index == 1 || !blank(r)
        });
    } else {
        if found.first().is_some_and(blank) {
            found.remove(0);
        }
        if found.last().is_some_and(blank) {
            found.pop();
        }
    }
    found
}

/// The runs of text of a line between gaps of two or more blanks.
fn spaced_cells(text: &str, line: Range<usize>) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = line.start;
    while at < line.end {
        while at < line.end && bytes[at] == b' ' {
            at += 1;
        }
        let start = at;
        while at < line.end && !(bytes[at] == b' ' && bytes.get(at + 1) == Some(&b' ')) {
            at += 1;
        }
        let end = start + text[start..at].trim_end().len();
        if end > start {
            found.push(start..end);
        }
    }
    found
}

/// How a line's cells are parted, if it is a table row at all: a spaced
/// row has at least two cells.
fn delimiter_of(text: &str, line: &Range<usize>) -> Option<Delimiter> {
    let row = &text[line.clone()];
    if let Some(c) = ['|', '\t'].into_iter().find(|d| row.contains(*d)) {
        return Some(Delimiter::Char(c));
    }
    (spaced_cells(text, line.clone()).len() >= 2 && row.trim().contains("  "))
        .then_some(Delimiter::Spaces)
}

/// Whether a header cell names the present ("Today") or a past ("3 mo
/// ago", a month or a year) column.
fn header_is(cell: &str, words: &[&str]) -> bool {
    let lower = cell.to_ascii_lowercase();
    let split: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| match w.split_once(' ') {
        Some((a, b)) => split.windows(2).any(|p| p[0] == a && p[1] == b),
        None => split.contains(w),
    })
}

fn is_past_header(cell: &str) -> bool {
    let dated = cell.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        let w = w.to_ascii_lowercase();
        MONTHS.contains(&w.as_str())
            || (w.len() == 4 && (w.starts_with("19") || w.starts_with("20")))
    });
    dated || header_is(cell, &PAST_HEADERS) || cell.contains('/')
}

/// The table rows of a note read so far, by line: a note with many
/// measures on one long line reads the line, and the lines above it for a
/// header, once.
#[derive(Default)]
pub struct Tables {
    rows: HashMap<(usize, usize), Option<Row>>,
}

/// A line of a table: its cells, how they are parted, and its header.
struct Row {
    cells: Vec<Range<usize>>,
    delimiter: Delimiter,
    header: Option<Header>,
}

/// A line above a row naming a present column and a past one: its cells,
/// which is the present column, and which, if any, the baseline one.
struct Header {
    cells: Vec<Range<usize>>,
    line_start: usize,
    present: usize,
    baseline: Option<usize>,
    /// The first column dated to a day before the present one ("02/18/2026"
    /// left of "05/28/2026"), when no column is named the baseline: its
    /// cells are values of that day, a baseline when the course began then.
    first_dated: Option<usize>,
}

/// Which column of a table a value was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The present column ("Today"): today's value.
    Present,
    /// The baseline column ("Baseline", "At initiation").
    Baseline,
    /// The first column dated to a day, in a table with no baseline column.
    FirstDated,
}

impl Row {
    /// The row's cell under header column `column`: by position for
    /// delimited rows (a header without a label cell is shifted right by
    /// the missing ones), by alignment for spaced ones.
    fn cell_under(&self, line_start: usize, column: usize) -> Option<&Range<usize>> {
        let header = self.header.as_ref()?;
        if self.delimiter != Delimiter::Spaces {
            let at = column + self.cells.len().saturating_sub(header.cells.len());
            return (at > 0).then(|| self.cells.get(at)).flatten();
        }
        header.cells.get(column)?;
        // Columns of a spaced table line up loosely: a value may end a
        // column or two before its header starts ("Today 03/2026" over a
        // "2" one place to its left). A cell is under the header cell
        // nearest it, within that slack.
        let gap = |cell: &Range<usize>, head: &Range<usize>| {
            let (start, end) = (cell.start - line_start, cell.end - line_start);
            let (from, to) = (head.start - header.line_start, head.end - header.line_start);
            from.saturating_sub(end).max(start.saturating_sub(to))
        };
        self.cells.iter().skip(1).find(|cell| {
            let nearest = header.cells.iter().enumerate().min_by_key(|(_, head)| gap(cell, head));
            nearest.is_some_and(|(at, head)| at == column && gap(cell, head) <= ALIGNMENT_SLACK)
        })
    }
}

/// A measure in the label cell of a table row whose header names a present
/// column and a past one ("Measure | Today | 3 mo ago"): the cell of
/// `column`, never another. `None` when the keyword is not in such a row
/// (or the table has no such column); `Some(None)` when the cell states no
/// value.
pub fn table_value(
    patterns: &ValuePatterns,
    tables: &mut Tables,
    lines: &Lines,
    kind: MeasureKind,
    text: &str,
    keyword: &Range<usize>,
    column: Column,
) -> Option<Option<Value>> {
    let line_start = lines.start_of(keyword.start);
    let line_end = lines.range(lines.line_of(keyword.end)).end;
    let row = tables
        .rows
        .entry((line_start, line_end))
        .or_insert_with(|| read_row(text, lines, line_start..line_end))
        .as_ref()?;
    // The keyword labels the row: it is in the first cell.
    let label = row.cells.first()?;
    if !(label.start <= keyword.start && keyword.end <= label.end) || row.cells.len() < 2 {
        return None;
    }
    // A cell that states its own value ("EASI: 28   IGA: 4" under a
    // heading line) is a labelled value, not a row's label.
    let rest_of_label = &text[keyword.end..label.end];
    if states_a_number(rest_of_label) || patterns.region_weight.is_match(rest_of_label) {
        return None;
    }
    let header = row.header.as_ref()?;
    let at = match column {
        Column::Present => header.present,
        Column::Baseline => header.baseline?,
        Column::FirstDated => header.first_dated?,
    };
    Some(
        row.cell_under(line_start, at)
            .and_then(|cell| cell_value(patterns, kind, text, keyword, cell)),
    )
}

/// Which row of a table of visits a measure's column is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitRow {
    /// The row that says it is today's, else the latest dated one.
    Latest,
    /// The row that names the baseline ("Baseline - first dose").
    Baseline,
}

/// The value under a measure that heads a column of a delimited table
/// whose rows are dated visits ("| date | EASI | vIGA |" over "|
/// 11/12/2025 | 7.5 | 2 |" and "| 01/22/2026 (today) | 6.2 | 2 |"), in the
/// row `which` picks, with the row's first cell, which dates it.
pub fn visit_row_value(
    patterns: &ValuePatterns,
    lines: &Lines,
    kind: MeasureKind,
    text: &str,
    keyword: &Range<usize>,
    which: VisitRow,
) -> Option<(Value, Range<usize>)> {
    let line = lines.range(lines.line_of(keyword.start));
    // A header is a short line: a long one (a note exported on one line)
    // is read no further, so each keyword costs a bounded read.
    if line.len() > MAX_VISIT_LINE {
        return None;
    }
    let delimiter @ Delimiter::Char(_) = delimiter_of(text, &line)? else { return None };
    let header = cells(text, line.clone(), delimiter);
    let at = header.iter().position(|c| c.start <= keyword.start && keyword.end <= c.end)?;
    if at == 0 || states_a_number(&text[keyword.end..header[at].end]) {
        return None;
    }
    let rows = visit_rows(text, lines, lines.line_of(keyword.start) + 1, delimiter)?;
    let row = match which {
        VisitRow::Latest => rows
            .iter()
            .find(|r| r.today)
            .or_else(|| rows.iter().filter(|r| !r.today).max_by_key(|r| r.date)),
        VisitRow::Baseline => rows.iter().find(|r| r.baseline),
    }?;
    let cell = row.cells.get(at)?;
    let mut value = cell_value(patterns, kind, text, keyword, cell)?;
    // Its evidence is its row up to the cell ("01/22/2026 (today) | 6.2"),
    // on one line, not the keyword's header above it.
    let head = row.cells.first()?.clone();
    let lead = text[head.clone()].len() - text[head.clone()].trim_start().len();
    value.span = head.start + lead..cell.start + text[cell.clone()].trim_end().len();
    Some((value, head))
}

/// A row of a table of visits: its cells, its date, and whether it says
/// it is today's or the baseline.
struct VisitRowCells {
    cells: Vec<Range<usize>>,
    date: Option<(u32, u32, u32)>,
    today: bool,
    baseline: bool,
}

/// The rows of a table of visits from line `first`, past a border, to the
/// first line of another shape; `None` unless every row is a dated visit.
fn visit_rows(
    text: &str,
    lines: &Lines,
    first: usize,
    delimiter: Delimiter,
) -> Option<Vec<VisitRowCells>> {
    let mut rows = Vec::new();
    let mut next = first;
    while next < lines.count() && rows.len() < MAX_VISIT_ROWS {
        let row = lines.range(next);
        next += 1;
        steps::add(row.len());
        if is_border(&text[row.clone()]) {
            continue;
        }
        if row.len() > MAX_VISIT_LINE || delimiter_of(text, &row) != Some(delimiter) {
            break;
        }
        let whole = &text[row.clone()];
        let cells = cells(text, row, delimiter);
        let first = cells.first().map_or("", |c| text[c.clone()].trim());
        let date = first.split_whitespace().next().and_then(day_date);
        let today = header_is(whole, &["today", "current"]);
        let baseline = header_is(whole, &BASELINE_HEADERS);
        rows.push(VisitRowCells { cells, date, today, baseline });
    }
    let visits = rows.len() >= 2 && rows.iter().all(|r| r.date.is_some() || r.today);
    visits.then_some(rows)
}

/// The most rows of a table of visits read under its header.
const MAX_VISIT_ROWS: usize = 24;
/// The longest line read as a header or a row of a table of visits.
const MAX_VISIT_LINE: usize = 512;

/// Whether the words after a keyword in its cell hold a number outside
/// brackets: "EASI: 28" states a value, "IGA (0-4)" only names its scale.
fn states_a_number(rest: &str) -> bool {
    let mut depth = 0usize;
    rest.chars().any(|c| {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && c.is_ascii_digit()
    })
}

/// The header cell of `column` over the table row whose label holds
/// `keyword`, once [`table_value`] has read the row: it dates the row's
/// cell in that column, whatever the other columns' headers say
/// ("Baseline 11/2025   Today 01/2026").
pub fn column_head(
    tables: &Tables,
    lines: &Lines,
    keyword: &Range<usize>,
    column: Column,
) -> Option<Range<usize>> {
    let line_start = lines.start_of(keyword.start);
    let line_end = lines.range(lines.line_of(keyword.end)).end;
    let header = tables.rows.get(&(line_start, line_end))?.as_ref()?.header.as_ref()?;
    let at = match column {
        Column::Present => Some(header.present),
        Column::Baseline => header.baseline,
        Column::FirstDated => header.first_dated,
    };
    header.cells.get(at?).cloned()
}

/// The cells of a table row and its header, or `None` for a line that is
/// no table row.
fn read_row(text: &str, lines: &Lines, line: Range<usize>) -> Option<Row> {
    steps::add(line.len());
    let delimiter = delimiter_of(text, &line)?;
    let cells = cells(text, line.clone(), delimiter);
    Some(Row { header: header_above(text, lines, line.start, delimiter), cells, delimiter })
}

/// The header of the table row that starts at `line_start`: within
/// [`TABLE_REACH`] lines above it, before a line that is no table row.
fn header_above(
    text: &str,
    lines: &Lines,
    line_start: usize,
    delimiter: Delimiter,
) -> Option<Header> {
    let mut end = line_start;
    // One line of a header wrapped under it ("Baseline (07/15/2025," over
    // "before first dose)") may stand between it and the rows.
    let mut wrapped = None;
    for _ in 0..TABLE_REACH {
        if end == 0 {
            return None;
        }
        let above_end = end - 1;
        let above_start = lines.start_of(above_end);
        end = above_start;
        let above = above_start..above_end;
        steps::add(above.len());
        if is_border(&text[above.clone()]) {
            continue;
        }
        if delimiter_of(text, &above) != Some(delimiter) {
            if wrapped.is_none() && delimiter == Delimiter::Spaces && is_wrapped_cell(text, &above)
            {
                wrapped = Some(above_start);
                continue;
            }
            return None;
        }
        // Under a wrapped line, only the line right above it is the header.
        let under_wrap = wrapped.is_some_and(|w| lines.start_of(above_end + 1) == w);
        if wrapped.is_some() && !under_wrap {
            return None;
        }
        let header = cells(text, above, delimiter);
        // A header wrapped over two lines ("| Measure | Baseline | Current |"
        // over "|  | (date: 06/10/2025) | (date: 02/03/2026) |") names its
        // columns on the upper line and dates them on the lower.
        let upper = upper_header(text, lines, above_start, delimiter, header.len());
        let names = |words: &[&str]| {
            let at = |row: &[Range<usize>]| {
                row.iter().position(|c| {
                    let cell = &text[c.clone()];
                    header_is(cell, words)
                        && !(words != PRESENT_HEADERS && header_is(cell, &PRESENT_HEADERS))
                })
            };
            at(&header).or_else(|| upper.as_deref().and_then(at))
        };
        let named = names(&PRESENT_HEADERS);
        let past = header.iter().any(|c| {
            let cell = &text[c.clone()];
            is_past_header(cell) && !header_is(cell, &PRESENT_HEADERS)
        });
        // Without a "Today" column, the last time point right of a past
        // one is the latest ("Baseline | Week 16", "06/2025 | 01/2026").
        let newest_first = newest_first(text, &header);
        let present = named
            .or(newest_first.map(|(newest, _)| newest))
            .or_else(|| latest_time_point(text, &header));
        if let (Some(present), true) = (present, past) {
            let baseline = names(&BASELINE_HEADERS);
            let earliest = match newest_first {
                Some((_, oldest)) => Some(oldest).filter(|&at| at != present),
                None => header
                    .iter()
                    .position(|c| is_day_date(text[c.clone()].trim()))
                    .filter(|&at| at < present),
            };
            let first_dated = earliest.filter(|_| baseline.is_none());
            return Some(Header {
                cells: header,
                line_start: above_start,
                present,
                baseline,
                first_dated,
            });
        }
    }
    None
}

/// Whether a line only draws a table's border ("+-----+-----+", "|---|").
fn is_border(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && line.chars().all(|c| matches!(c, '+' | '-' | '=' | '|' | ':' | ' '))
}

/// The line over a header line, past a border, when it is a row of as
/// many cells: the upper half of a header wrapped over two lines.
fn upper_header(
    text: &str,
    lines: &Lines,
    header_start: usize,
    delimiter: Delimiter,
    width: usize,
) -> Option<Vec<Range<usize>>> {
    let mut end = header_start;
    for _ in 0..2 {
        let above_start = lines.start_of(end.checked_sub(1)?);
        let above = above_start..end - 1;
        end = above_start;
        steps::add(above.len());
        if is_border(&text[above.clone()]) {
            continue;
        }
        if delimiter_of(text, &above) != Some(delimiter) || delimiter == Delimiter::Spaces {
            return None;
        }
        let mut upper = cells(text, above, delimiter);
        // A header line whose label cell is blank ("   | 03/03/2025 | ...")
        // lost that cell; the upper line keeps its label ("Measure").
        if upper.len() == width + 1 {
            upper.remove(0);
        }
        return (upper.len() == width).then_some(upper);
    }
    None
}

/// Whether a line is the rest of a header cell wrapped onto it: one
/// indented cell ending in the bracket that the header line opened
/// ("      before first dose)"), or a note on a header cell in brackets
/// of its own ("      (before dupilumab)" under "Baseline 07/21/2025").
fn is_wrapped_cell(text: &str, line: &Range<usize>) -> bool {
    let row = &text[line.clone()];
    let cell = row.trim();
    let indented = row.starts_with("  ");
    let bracketed = cell.starts_with('(') && cell.matches('(').count() == 1;
    let closes = !cell.contains('(') || bracketed;
    indented && cell.ends_with(')') && closes && !cell.contains("  ")
}

/// The rightmost column of a header that names a time point (a week or
/// month of a course, a date) after a past or baseline column.
fn latest_time_point(text: &str, header: &[Range<usize>]) -> Option<usize> {
    let first_past = header.iter().position(|c| is_past_header(&text[c.clone()]))?;
    let time_point = |cell: &str| {
        let has_digit = cell.contains(|c: char| c.is_ascii_digit());
        let course = header_is(cell, &COURSE_HEADERS);
        has_digit && (course || is_past_header(cell)) && !header_is(cell, &BASELINE_HEADERS)
    };
    let last = header.iter().rposition(|c| time_point(&text[c.clone()]))?;
    (last > first_past).then_some(last)
}

/// A header whose columns are dates to the day written newest first
/// ("01/09/2026 | 09/18/2025 | 06/12/2025", as a flowsheet prints them):
/// the newest column and the oldest.
fn newest_first(text: &str, header: &[Range<usize>]) -> Option<(usize, usize)> {
    let dated: Vec<(usize, (u32, u32, u32))> = header
        .iter()
        .enumerate()
        .filter_map(|(at, c)| Some((at, day_date(text[c.clone()].trim())?)))
        .collect();
    let descending = dated.len() >= 2 && dated.windows(2).all(|pair| pair[0].1 > pair[1].1);
    descending.then(|| (dated[0].0, dated[dated.len() - 1].0))
}

/// A header cell's date to the day as (year, month, day), a two-digit
/// year of this century.
fn day_date(cell: &str) -> Option<(u32, u32, u32)> {
    if !is_day_date(cell) {
        return None;
    }
    let mut parts = cell.split('/').map(|p| p.parse::<u32>().ok());
    let (month, day, year) = (parts.next()??, parts.next()??, parts.next()??);
    Some((if year < 100 { 2000 + year } else { year }, month, day))
}

/// Whether a header cell is a date to the day and nothing else
/// ("02/18/2026", "2/18/26").
fn is_day_date(cell: &str) -> bool {
    let parts: Vec<&str> = cell.split('/').collect();
    let digits =
        |p: &str, max: usize| (1..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 3
        && digits(parts[0], 2)
        && digits(parts[1], 2)
        && (parts[2].len() == 2 || parts[2].len() == 4)
        && digits(parts[2], 4)
}

/// Header words naming a time point of a course ("Week 16", "Month 4").
const COURSE_HEADERS: [&str; 5] = ["week", "wk", "month", "mo", "visit"];

/// The value a table cell states for a measure.
fn cell_value(
    patterns: &ValuePatterns,
    kind: MeasureKind,
    text: &str,
    keyword: &Range<usize>,
    cell: &Range<usize>,
) -> Option<Value> {
    let c = patterns.table_cell.captures(&text[cell.clone()])?;
    let mut number: f64 = c.get(1)?.as_str().parse().ok()?;
    if let Some(upper) = c.get(2).and_then(|m| m.as_str().parse::<f64>().ok()) {
        number = number.min(upper);
    }
    let written_scale = c.get(3).and_then(|m| m.as_str().parse::<u8>().ok());
    let mut scale = None;
    let max = match kind {
        MeasureKind::Bsa => 100.0,
        MeasureKind::Iga => {
            let label = &text[keyword.start..cell.start];
            if written_scale == Some(5) || patterns.iga_five_scale.is_match(label) {
                scale = Some(5);
                5.0
            } else {
                4.0
            }
        }
        MeasureKind::ItchNrs | MeasureKind::Itch => 10.0,
        _ => 72.0,
    };
    (number <= max).then_some(Value {
        number,
        scale,
        span: keyword.start..cell.start + c.get(0)?.end(),
    })
}

/// A later value restated after one for the same keyword: the "now 5%" of
/// "BSA was 30% last year, now 5%", the "now 2" of "IGA was 4 at diagnosis,
/// now 2", the "6" of "EASI 28 -> 6" (then `arrow`: the first value is the
/// earlier one).
#[derive(Clone, Debug, PartialEq)]
pub struct Restatement {
    pub value: Value,
    pub arrow: bool,
}

/// The [`Restatement`] after `first`, if the note writes one.
pub fn restatement(
    patterns: &ValuePatterns,
    kind: MeasureKind,
    text: &str,
    first: &Value,
) -> Option<Restatement> {
    let max = match kind {
        MeasureKind::Bsa => 100.0,
        MeasureKind::Iga => 4.0,
        MeasureKind::ItchNrs | MeasureKind::Itch => 10.0,
        MeasureKind::Easi => 72.0,
        _ => return None,
    };
    let (base, window) = after(text, first.span.end, WINDOW);
    let window = &*window;
    // "from 28 to 6" leads like an arrow; "10 to 15" alone is a range.
    let from = patterns.changed_from.is_match(&text[first.span.clone()]);
    let arrow = patterns
        .arrow
        .captures(window)
        .or_else(|| from.then(|| patterns.changed_to.captures(window)).flatten());
    let c = match &arrow {
        Some(c) => c,
        None => &patterns.restated.captures(window)?,
    };
    let number = c.get(1)?;
    let unit = c.get(2);
    // A percentage is BSA's; an arrow may leave the second one's unit out.
    if (kind == MeasureKind::Bsa) != unit.is_some() && !(arrow.is_some() && unit.is_none()) {
        return None;
    }
    let value: f64 = number.as_str().parse().ok()?;
    let end = unit.map_or(number.end(), |u| u.end());
    let value = Value { number: value, scale: None, span: base + number.start()..base + end };
    (value.number <= max).then_some(Restatement { value, arrow: arrow.is_some() })
}

/// BSA: "BSA 10%", "BSA of 10-15 %", "10% BSA", "ten percent of her body
/// surface area". A range keeps its lower bound.
fn percent(
    patterns: &ValuePatterns,
    text: &str,
    keyword: &Range<usize>,
    max: f64,
) -> Option<Value> {
    let (base, window) = after(text, keyword.end, WINDOW);
    let window = &*window;
    // "of her skin" is read only after its percent: what follows it ("care
    // of the skin: 2.5% hydrocortisone") is no extent.
    let skin = text[keyword.clone()].to_ascii_lowercase().ends_with("skin");
    let found =
        patterns.percent_after.captures(window).or_else(|| patterns.percent_label.captures(window));
    if let Some(c) = found.filter(|_| !skin) {
        let number = parse_number(c.get(1)?.as_str())?;
        let end = base + c.get(0)?.end();
        return (number <= max).then_some(Value { number, scale: None, span: keyword.start..end });
    }
    let (base, window) = before(text, keyword.start, WINDOW);
    let window = &*window;
    let c = patterns.percent_before.captures(window)?;
    // "apply to <20% BSA", "no more than 10% BSA": a limit on how much skin
    // to treat, not a measurement.
    if patterns.area_limit.is_match(&window[..c.get(1)?.start()]) {
        return None;
    }
    let number = parse_number(c.get(1)?.as_str())?;
    let start = base + c.get(1)?.start();
    (number <= max).then_some(Value { number, scale: None, span: start..keyword.end })
}

/// IGA: "IGA 4", "IGA 4/4", "vIGA-AD 3 (moderate)", "IGA 4/5" or "on a 0-5
/// scale" (reported with scale 5).
fn iga(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    let (base, window) = after(text, keyword.end, WINDOW);
    let window = &*window;
    let c = patterns.iga_after.captures(window)?;
    let written = c.get(1)?;
    if is_quantifier(written.as_str(), &window[written.end()..]) {
        return None;
    }
    // "IGA (0-4) | 2": the scale's lower end is no score.
    let rest = window[written.end()..].trim_start();
    if written.as_str() == "0"
        && rest.strip_prefix(['-', '–']).is_some_and(|r| r.trim_start().starts_with(['4', '5']))
    {
        return None;
    }
    let number = parse_number(written.as_str())?;
    let written_scale = c.get(2).and_then(|m| parse_number(m.as_str())).map(|s| s as u8);
    let scale = match written_scale {
        Some(5) => Some(5),
        Some(4) => None,
        Some(_) => return None,
        None => patterns.iga_five_scale.is_match(window).then_some(5),
    };
    if number > 4.0 && scale.is_none() {
        return None;
    }
    Some(Value { number, scale, span: keyword.start..base + c.get(0)?.end() })
}

/// A number after the keyword, within `0..=max`.
fn bounded(
    pattern: &Regex,
    text: &str,
    keyword: &Range<usize>,
    width: usize,
    max: f64,
) -> Option<Value> {
    let (base, window) = after(text, keyword.end, width);
    let window = &*window;
    let c = pattern.captures(window)?;
    let written = c.get(1)?;
    if is_quantifier(written.as_str(), &window[written.end()..]) {
        return None;
    }
    let mut number = parse_number(written.as_str())?;
    // A range ("7-8/10") keeps its lower bound; two numbers falling ("9-4")
    // are no range, and the one next to the scale is the value.
    if let Some(upper) = c.get(2).and_then(|m| parse_number(m.as_str())) {
        if upper < number {
            number = upper;
        }
    }
    (number <= max).then_some(Value {
        number,
        scale: None,
        span: keyword.start..base + c.get(0)?.end(),
    })
}

/// Whether an EASI read is a percentage, which only a change of the score
/// is ("EASI -64%", "EASI reduced 84%"): EASI is scored 0-72, never in
/// percent.
fn is_a_change(text: &str, value: &Value) -> bool {
    let end = floor_boundary(text, (value.span.end + CHANGE_REACH).min(text.len()));
    let rest = text.get(value.span.end..end).unwrap_or_default().trim_start();
    rest.starts_with('%') || rest.get(..7).is_some_and(|w| w.eq_ignore_ascii_case("percent"))
}

/// How far after an EASI a percent sign or word may stand.
const CHANGE_REACH: usize = 12;

fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

/// "34-year-old", "34 yo", "18-month-old" (1.5), "6 weeks old".
fn age_before(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    let (base, window) = before(text, keyword.start, 32);
    let window = &*window;
    let c = patterns.number_before.captures(window)?;
    let number = parse_number(c.get(1)?.as_str())?;
    let mut start = base + c.get(1)?.start();
    let unit = text[keyword.clone()].to_ascii_lowercase();
    let years = if unit.starts_with("mo") {
        // "2-year, 2-month-old" is 2 years and 2 months.
        let whole = patterns.years_before.captures(&window[..c.get(1)?.start()]);
        let whole_years =
            whole.as_ref().and_then(|w| w.get(1)).and_then(|y| y.as_str().parse().ok());
        if let Some(w) = whole.as_ref().and_then(|w| w.get(1)) {
            start = base + w.start();
        }
        whole_years.unwrap_or(0.0) + number / 12.0
    } else if unit.starts_with("week") {
        number / 52.0
    } else {
        number
    };
    (years < 120.0).then_some(Value {
        number: round(years, 2),
        scale: None,
        span: start..keyword.end,
    })
}

/// How far after "Age" its value may run ("Age: 4 years 2 months").
const AGE_AFTER_REACH: usize = 24;

/// "Age: 34", "aged 34", "age of thirty-five"; not "at age 2", "since age
/// 5" or "before the age of four", which date an event rather than give the
/// patient's age.
fn age_after(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    let (_, prefix) = before(text, keyword.start, 16);
    let prefix = &*prefix;
    if patterns.age_prefix_not_now.is_match(prefix) {
        return None;
    }
    let (base, window) = after(text, keyword.end, AGE_AFTER_REACH);
    let window = &*window;
    let c = patterns.age_after.captures(window)?;
    let written = c.get(1)?;
    if is_quantifier(written.as_str(), &window[written.end()..]) {
        return None;
    }
    let number = parse_number(written.as_str())?;
    let months: Option<f64> = c.get(3).and_then(|m| m.as_str().parse().ok());
    let years = match (c.get(2).map(|u| u.as_str().to_ascii_lowercase()), months) {
        (Some(unit), _) if unit.starts_with('w') => number / 52.0,
        (Some(_), _) => number / 12.0,
        (None, Some(months)) if months < 12.0 => number + months / 12.0,
        (None, _) => number,
    };
    (years < 120.0).then_some(Value {
        number: round(years, 2),
        scale: None,
        span: keyword.start..base + c.get(0)?.end(),
    })
}

/// "28M", "45 F": an age glued to the patient's sex, as terse notes write
/// it; not a temperature ("101F").
fn age_sex(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    // The keyword is the last digit and the letter ("8M" of "28M").
    let (base, window) = before(text, keyword.end - 1, 24);
    let window = &*window;
    let c = patterns.age_glued.captures(window)?;
    if patterns.temperature.is_match(window) {
        return None;
    }
    let number = c.get(1)?;
    let years: f64 = number.as_str().parse().ok()?;
    (years <= 110.0).then_some(Value {
        number: years,
        scale: None,
        span: base + number.start()..keyword.end,
    })
}

/// The rest of the line after a label, up to `width` bytes.
pub(crate) fn rest_of_line(text: &str, end: usize, width: usize) -> &str {
    steps::add(width);
    let stop = floor_boundary(text, (end + width).min(text.len()));
    let window = &text[end..stop];
    window.find(['\n', '\r']).map_or(window, |i| &window[..i])
}

/// Years from an age number and whether a months unit was written.
fn age_years(number: f64, in_months: bool) -> Option<f64> {
    let years = if in_months { round(number / 12.0, 2) } else { number };
    (years < 120.0).then_some(years)
}

/// "Patient: Lucas Ferreira, 33 M", "Name: Sofia Lindgren, 19, F", "Pt:
/// Daniel Okoro, 35 y, M, 84 kg", "Patient: Tomasz W | 29 y | M": on a
/// demographics line (its fields parted by commas or bars), the first number
/// after the name, followed by the patient's sex or an age unit. A weight
/// ("70 kg"), a date or a room ("Room 12 F") is never the age.
fn age_name_line(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    let line = rest_of_line(text, keyword.end, 72);
    let c = patterns.name_line.captures(line)?;
    let name = c.get(1)?.as_str();
    let not_name = name
        .split(|ch: char| !ch.is_alphanumeric())
        .any(|word| NOT_NAME_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)));
    if not_name {
        return None;
    }
    let number = c.get(2)?;
    let years = age_years(number.as_str().parse().ok()?, c.get(4).is_some())?;
    Some(Value { number: years, scale: None, span: keyword.start..keyword.end + number.end() })
}

/// "DOB: 01 Aug 2001 (23 y)", "DOB 3/4/2001 (age 23)", "DOB 2001-08-01, 23
/// yo": the age written beside a date of birth, in parentheses or after a
/// comma with its unit; never a part of the date itself.
fn age_birth_date(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    let line = rest_of_line(text, keyword.end, 64);
    let c = patterns
        .birth_date_parenthesis
        .captures(line)
        .or_else(|| patterns.birth_date_comma.captures(line))?;
    let number = c.get(1)?;
    let years = age_years(number.as_str().parse().ok()?, c.get(2).is_some())?;
    Some(Value { number: years, scale: None, span: keyword.start..keyword.end + c.get(0)?.end() })
}

/// How far before a weight's unit its number and label may be, not
/// counting a form's padding ("Weight:            154 lb").
const WEIGHT_REACH: usize = 40;

/// The blanks of a form's padding (runs of spaces) in the
/// `2 * WEIGHT_REACH` bytes before `start`, which the reach does not count.
fn padding(text: &str, start: usize) -> usize {
    let from = ceil_boundary(text, start.saturating_sub(2 * WEIGHT_REACH));
    steps::add(start - from);
    text.as_bytes()[from..start].windows(2).filter(|pair| pair == b"  ").count()
}

/// "Weight (lb): 194", "Wt (kg) 61.5": the unit in the label, the number
/// after it.
fn weight_after_unit_label(
    patterns: &ValuePatterns,
    text: &str,
    keyword: &Range<usize>,
    before: &str,
) -> Option<Value> {
    let label = patterns.weight_unit_label.find(before)?;
    let (_, after) = after(text, keyword.end, 16);
    let c = patterns.weight_after_label.captures(&after)?;
    let number: f64 = c.get(1)?.as_str().parse().ok()?;
    let in_kg = text[keyword.clone()].to_ascii_lowercase().starts_with('k');
    // The window may be repaired (OCR), so its offsets are only near.
    let start = ceil_boundary(text, keyword.start.saturating_sub(before.len() - label.start()));
    kilograms(number, in_kg, start..keyword.end + c.get(0)?.end())
}

/// A weight in kilograms (pounds converted), if it can be a person's.
fn kilograms(number: f64, in_kg: bool, span: Range<usize>) -> Option<Value> {
    let kg = if in_kg { number } else { round(number * 0.45359237, 1) };
    (kg > 0.0 && kg < 400.0).then_some(Value { number: kg, scale: None, span })
}

/// "Weight: 70 kg", "weighs 154 lb" (69.9 kg), "30-year-old woman, 61 kg".
/// Pounds need a weight word (notes count pounds lost and gained); a weight
/// change ("weight loss of 10 lb"), a rate ("mg/kg") or a bound of a range
/// ("15 to <30 kg") is not the patient's weight.
fn weight(patterns: &ValuePatterns, text: &str, keyword: &Range<usize>) -> Option<Value> {
    if text.as_bytes().get(keyword.end) == Some(&b'/') || text[..keyword.start].ends_with('/') {
        return None;
    }
    // A unit that begins a compound ("5 kilo-ohms") is no weight.
    let rest = &text.as_bytes()[keyword.end..];
    if rest.first() == Some(&b'-') && rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let (base, window) = before(text, keyword.start, WEIGHT_REACH + padding(text, keyword.start));
    let window = &*window;
    let Some(c) = patterns.number_before.captures(window) else {
        return weight_after_unit_label(patterns, text, keyword, window);
    };
    let number_at = c.get(1)?;
    let number: f64 = number_at.as_str().parse().ok()?;
    let lead = &window[..number_at.start()];
    if patterns.range_bound.is_match(lead) {
        return None;
    }
    let unit = text[keyword.clone()].to_ascii_lowercase();
    let in_kg = unit.starts_with('k');
    let start = match patterns.weight_word.find_iter(lead).last() {
        Some(word) => {
            let between = &lead[word.end()..];
            let whose = &lead[..word.start()];
            // "Age and weight: 24 years old, 145 lb": an age may stand
            // between the label and the weight; no other number may.
            let between = patterns.age_with_unit.replace_all(between, "");
            if patterns.weight_change.is_match(&between)
                || between.contains(|c: char| c.is_ascii_digit())
                || patterns.weight_not_patient.is_match(whose)
            {
                return None;
            }
            base + word.start()
        }
        // "a gain of about 19.5 kg since starting" is a change, not a weight:
        // the words right before the number on its line say so.
        None if in_kg && !says_a_change(patterns, lead) => base + number_at.start(),
        None => return None,
    };
    kilograms(number, in_kg, start..keyword.end)
}

/// How far before a weight's number the words that make it a change are
/// looked for ("a gain of about 19.5 kg").
const WEIGHT_CHANGE_REACH: usize = 24;

/// Whether the words right before a number, on its line, make it a change
/// or a bound of a weight rather than one.
fn says_a_change(patterns: &ValuePatterns, lead: &str) -> bool {
    let line = lead.rsplit('\n').next().unwrap_or(lead);
    let from = ceil_boundary(line, line.len().saturating_sub(WEIGHT_CHANGE_REACH));
    patterns.weight_change.is_match(&line[from..])
}

/// Month names: they date a value ("in January") or a treatment row, and a
/// date may abbreviate them to their first letters.
pub(crate) const MONTHS: [&str; 12] = [
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
];

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: MeasureKind, text: &str, keyword: &str) -> Option<(f64, Option<u8>, String)> {
        let patterns = ValuePatterns::new().unwrap();
        let start = text.find(keyword).unwrap();
        let lines = Lines::new(text.as_bytes());
        let keyword = start..start + keyword.len();
        read_value(&patterns, &mut Tables::default(), &lines, kind, text, keyword)
            .map(|v| (v.number, v.scale, text[v.span].to_string()))
    }

    #[test]
    fn bsa_forms() {
        assert_eq!(read(MeasureKind::Bsa, "BSA 10%", "BSA").unwrap().0, 10.0);
        assert_eq!(read(MeasureKind::Bsa, "BSA of about 10-15 %.", "BSA").unwrap().0, 10.0);
        let (n, _, span) = read(MeasureKind::Bsa, "covers 12% BSA", "BSA").unwrap();
        assert_eq!((n, span.as_str()), (12.0, "12% BSA"));
        let text = "ten percent of her body surface area";
        assert_eq!(read(MeasureKind::Bsa, text, "body surface").unwrap().0, 10.0);
        assert!(read(MeasureKind::Bsa, "BSA was measured", "BSA").is_none());
    }

    #[test]
    fn bsa_after_an_abbreviated_estimate() {
        assert_eq!(read(MeasureKind::Bsa, "BSA approx. 30 %", "BSA").unwrap().0, 30.0);
        assert_eq!(read(MeasureKind::Bsa, "BSA est. 15%.", "BSA").unwrap().0, 15.0);
        assert_eq!(read(MeasureKind::Bsa, "BSA: ca. 40%", "BSA").unwrap().0, 40.0);
    }

    #[test]
    fn percent_of_the_skin() {
        // "of her skin" names the body surface as plainly as "BSA" does.
        let (n, _, span) =
            read(MeasureKind::Bsa, "Exam: roughly 35% of his skin is involved", "of his skin")
                .unwrap();
        assert_eq!((n, span.as_str()), (35.0, "35% of his skin"));
        let text = "she estimates about fifteen percent of the skin";
        assert_eq!(read(MeasureKind::Bsa, text, "of the skin").unwrap().0, 15.0);
        assert!(read(MeasureKind::Bsa, "dryness of her skin", "of her skin").is_none());
        let care = "care of the skin: 2.5% hydrocortisone";
        assert!(read(MeasureKind::Bsa, care, "of the skin").is_none());
    }

    #[test]
    fn table_reads_the_present_column() {
        let table = "Measure        | Today | 3 mo ago\nBSA (%)        | 6     | 28\n\
                     IGA (0-4)      | 2     | 4\nEASI           | 7.8   | 31.2\n\
                     Peak itch NRS  | 4     | 9\n";
        assert_eq!(read(MeasureKind::Bsa, table, "BSA").unwrap().0, 6.0);
        assert_eq!(read(MeasureKind::Iga, table, "IGA").unwrap().0, 2.0);
        assert_eq!(read(MeasureKind::Easi, table, "EASI").unwrap().0, 7.8);
        assert_eq!(read(MeasureKind::ItchNrs, table, "itch NRS").unwrap().0, 4.0);
        // The present column may come last, in a tab table without a label
        // header, and a blank present cell is no value (not the past one).
        let tabs = "\tBaseline (Jan 2025)\tCurrent\nEASI\t30.5\t12\nBSA\t40%\t\t\n";
        assert_eq!(read(MeasureKind::Easi, tabs, "EASI").unwrap().0, 12.0);
        assert!(read(MeasureKind::Bsa, tabs, "BSA").is_none());
        let blank = "| Score | Prior visit | This visit |\n|---|---|---|\n| IGA | 4 |  |\n";
        assert!(read(MeasureKind::Iga, blank, "IGA").is_none());
        let md = "| Score | Prior visit | This visit |\n|---|---|---|\n| vIGA-AD | 4 | 3 |\n";
        assert_eq!(read(MeasureKind::Iga, md, "vIGA").unwrap().0, 3.0);
        // Without a present column the row is read as before.
        assert_eq!(read(MeasureKind::Easi, "EASI\t14\t20", "EASI").unwrap().0, 14.0);
        // A cell that states its own value is no row label: a line of
        // labelled values under a heading that looks like a header.
        let labelled = "Scores before the first dose        Date: 03/02/2026\n\
                        EASI: 28        IGA: 4\n";
        assert_eq!(read(MeasureKind::Easi, labelled, "EASI").unwrap().0, 28.0);
        assert_eq!(read(MeasureKind::Iga, labelled, "IGA").unwrap().0, 4.0);
    }

    #[test]
    fn a_header_wrapped_over_two_lines_between_borders_names_and_dates_columns() {
        let table = "+---------+------------+------------+\n\
                     | Score   | Baseline   | Current    |\n\
                     |         | (03/2025)  | (01/2026)  |\n\
                     +---------+------------+------------+\n\
                     | EASI    |   28.5     |    5.5     |\n\
                     | IGA     |    4       |     1      |\n";
        assert_eq!(read(MeasureKind::Easi, table, "EASI").unwrap().0, 5.5);
        assert_eq!(read(MeasureKind::Iga, table, "IGA").unwrap().0, 1.0);
        let lexicons = crate::Lexicons::builtin();
        let note =
            crate::mentions::Note::read(&lexicons.vocabulary, lexicons.context(), table, false);
        let keyword = table.find("EASI").unwrap();
        let baseline = table_value(
            &lexicons.values,
            &mut Tables::default(),
            note.lines(),
            MeasureKind::Easi,
            table,
            &(keyword..keyword + 4),
            Column::Baseline,
        );
        assert_eq!(baseline.flatten().map(|v| v.number), Some(28.5));
        // A worksheet's weighted region row is a part of the score, not it.
        let regions = "| Measure          | Baseline | Today |\n\
                       | EASI head (x0.1) |   1.2    |  0.4  |\n\
                       | EASI total       |  20.5    |  6.5  |\n";
        let at = regions.find("EASI head").unwrap();
        let lines = Lines::new(regions.as_bytes());
        let region = read_value(
            &lexicons.values,
            &mut Tables::default(),
            &lines,
            MeasureKind::Easi,
            regions,
            at..at + 4,
        );
        assert_eq!(region, None);
        let total = regions.find("EASI total").unwrap();
        let read_total = read_value(
            &lexicons.values,
            &mut Tables::default(),
            &lines,
            MeasureKind::Easi,
            regions,
            total..total + 4,
        );
        assert_eq!(read_total.map(|v| v.number), Some(6.5));
        // Counter-example: without the upper line no column is the baseline.
        let lower = &table[table.find("|         |").unwrap()..];
        let keyword = lower.find("EASI").unwrap();
        let lines = Lines::new(lower.as_bytes());
        let baseline = table_value(
            &lexicons.values,
            &mut Tables::default(),
            &lines,
            MeasureKind::Easi,
            lower,
            &(keyword..keyword + 4),
            Column::Baseline,
        );
        assert_eq!(baseline, None);
    }

    #[test]
    fn a_spaced_cell_a_column_off_its_header_is_under_it() {
        let header = format!("{:12}{:21}{}\n", "Score", "Baseline (01/2025)", "Today");
        let near = format!("{header}{:12}{:20}{}\n", "Itch NRS", "8", "3");
        assert_eq!(read(MeasureKind::ItchNrs, &near, "Itch NRS").unwrap().0, 3.0);
        // A value that stands under another header is not the present one.
        let under_baseline = format!("{header}{:12}{:6}{}\n", "Itch NRS", "", "8");
        assert!(read(MeasureKind::ItchNrs, &under_baseline, "Itch NRS").is_none());
    }

    #[test]
    fn table_without_a_today_column_reads_its_latest_time_point() {
        let table = "| Score | Baseline | Week 8 | Week 16 |\n|---|---|---|---|\n\
                     | EASI | 28 | 12 | 5 |\n";
        assert_eq!(read(MeasureKind::Easi, table, "EASI").unwrap().0, 5.0);
        let dated = "\t06/2025\t01/2026\nBSA\t30%\t8%\n";
        assert_eq!(read(MeasureKind::Bsa, dated, "BSA").unwrap().0, 8.0);
        // A flowsheet printed newest first: its first date is today's.
        let newest_first = "  Row                 01/09/2026   09/18/2025   06/12/2025\n  \
                            BSA involved (%)         16           11            9\n";
        assert_eq!(read(MeasureKind::Bsa, newest_first, "BSA").unwrap().0, 16.0);
    }

    #[test]
    fn a_measure_heading_a_table_of_visits_reads_today_s_row_and_the_baseline_row() {
        let table = "| date | EASI | vIGA |\n|---|---|---|\n| 05/14/2025 (baseline) | 31.2 | 4 |\n\
                     | 11/12/2025 | 7.5 | 2 |\n| 01/22/2026 (today) | 6.2 | 2 |\n";
        let patterns = ValuePatterns::new().unwrap();
        let read = |text: &str, which| {
            let lines = Lines::new(text.as_bytes());
            let at = text.find("EASI").unwrap();
            visit_row_value(&patterns, &lines, MeasureKind::Easi, text, &(at..at + 4), which)
                .map(|(value, _)| value.number)
        };
        assert_eq!(read(table, VisitRow::Latest), Some(6.2));
        assert_eq!(read(table, VisitRow::Baseline), Some(31.2));
        // A table of drugs is no table of visits.
        let drugs = "| drug | EASI |\n| clobetasol | 20 |\n| tacrolimus | 18 |\n";
        assert_eq!(read(drugs, VisitRow::Latest), None);
    }

    #[test]
    fn a_time_before_a_drug_may_stand_between_a_keyword_and_its_value() {
        let before = "Peak itch NRS:  before Dupixent 9/10  ->  today 2/10";
        assert_eq!(read(MeasureKind::ItchNrs, before, "itch NRS").unwrap().0, 9.0);
        assert_eq!(read(MeasureKind::Easi, "EASI: baseline 28 -> 6", "EASI").unwrap().0, 28.0);
    }

    #[test]
    fn treatment_area_limit_is_no_bsa() {
        assert!(read(MeasureKind::Bsa, "ruxolitinib cream (apply to <20% BSA)", "BSA").is_none());
        assert!(read(MeasureKind::Bsa, "use on no more than 10% BSA", "BSA").is_none());
        assert!(read(MeasureKind::Bsa, "keep it under 20 percent BSA", "BSA").is_none());
        assert!(read(MeasureKind::Bsa, "not to exceed 20% body surface", "body surface").is_none());
        // A measured extent keeps its value.
        assert_eq!(read(MeasureKind::Bsa, "eczema on 12% BSA", "BSA").unwrap().0, 12.0);
        assert_eq!(read(MeasureKind::Bsa, "used TCS; 15% BSA", "BSA").unwrap().0, 15.0);
    }

    #[test]
    fn iga_forms_and_scale() {
        assert_eq!(read(MeasureKind::Iga, "IGA 4/4", "IGA").unwrap().0, 4.0);
        assert_eq!(read(MeasureKind::Iga, "vIGA-AD 3 (moderate)", "vIGA").unwrap().0, 3.0);
        assert_eq!(read(MeasureKind::Iga, "IGA 4/5", "IGA").unwrap().1, Some(5));
        assert_eq!(read(MeasureKind::Iga, "IGA 5 on a 0-5 scale", "IGA").unwrap().1, Some(5));
        assert!(read(MeasureKind::Iga, "IGA 150 mg/dL", "IGA").is_none());
    }

    #[test]
    fn a_forms_dot_leader_parts_the_label_from_its_value() {
        assert_eq!(read(MeasureKind::Bsa, "BSA ......... 14 %", "BSA").unwrap().0, 14.0);
        assert_eq!(read(MeasureKind::Iga, "IGA ......... 3 (moderate)", "IGA").unwrap().0, 3.0);
        assert_eq!(read(MeasureKind::Easi, "EASI ........ 19.5", "EASI").unwrap().0, 19.5);
        assert_eq!(read(MeasureKind::ItchNrs, "PP-NRS …… 8/10", "PP-NRS").unwrap().0, 8.0);
        // Counter-example: a sentence's stop does not lead to the next number.
        assert!(read(MeasureKind::Easi, "EASI. 3 plaques on the arm", "EASI").is_none());
    }

    #[test]
    fn a_forms_bracketed_answer_is_the_value() {
        let text = "3. Percent of body surface area (BSA) involved:\n   [12 %]";
        assert_eq!(read(MeasureKind::Bsa, text, "BSA").unwrap().0, 12.0);
        let text = "Investigator Global Assessment (optional): [3]";
        assert_eq!(read(MeasureKind::Iga, text, "Investigator Global Assessment").unwrap().0, 3.0);
        let text = "Worst itch NRS (optional): [6/10]";
        assert_eq!(read(MeasureKind::ItchNrs, text, "itch NRS").unwrap().0, 6.0);
        assert_eq!(read(MeasureKind::Easi, "EASI score: [ 17.5 ]", "EASI").unwrap().0, 17.5);
        // Counter-examples: an empty answer, and an empty box before a
        // number, give no value.
        assert!(read(MeasureKind::Easi, "EASI (optional): [ ]", "EASI").is_none());
        assert!(read(MeasureKind::Iga, "IGA: [ ] 2  [x] 3", "IGA").is_none());
    }

    #[test]
    fn an_answer_labelled_under_its_question_is_the_value() {
        let text = "Q: Enter the EASI score, if one was taken.\nA: 18.5";
        assert_eq!(read(MeasureKind::Easi, text, "EASI").unwrap().0, 18.5);
        let text = "Q7. Body surface area (BSA) affected?\n    Answer: 12%";
        assert_eq!(read(MeasureKind::Bsa, text, "BSA").unwrap().0, 12.0);
        let text = "Q: Peak itch NRS (0-10), if known.\nA: 6";
        assert_eq!(read(MeasureKind::ItchNrs, text, "itch NRS").unwrap().0, 6.0);
        // Counter-examples: a number on the question's line is another's,
        // and a line under it that is no answer gives nothing.
        let text = "Q: EASI on 2 visits?\nA: 18.5";
        assert_ne!(read(MeasureKind::Easi, text, "EASI").map(|v| v.0), Some(18.5));
        assert!(
            read(MeasureKind::Easi, "EASI score, if available.\nPlan: 4 weeks", "EASI").is_none()
        );
    }

    #[test]
    fn itch_forms() {
        assert_eq!(read(MeasureKind::ItchNrs, "PP-NRS 8", "PP-NRS").unwrap().0, 8.0);
        assert_eq!(read(MeasureKind::Itch, "itch 8/10", "itch").unwrap().0, 8.0);
        let text = "worst itch 7 out of 10";
        assert_eq!(read(MeasureKind::Itch, text, "worst itch").unwrap().0, 7.0);
        assert!(read(MeasureKind::Itch, "itch is bothersome", "itch").is_none());
    }

    #[test]
    fn itch_with_the_scale_named_first() {
        let nrs =
            |text: &str, keyword: &str| read(MeasureKind::ItchNrs, text, keyword).map(|v| v.0);
        assert_eq!(nrs("NRS itch 4 today", "NRS"), Some(4.0));
        assert_eq!(nrs("NRS pruritus 8.", "NRS"), Some(8.0));
        assert_eq!(nrs("NRS for itch: 5", "NRS"), Some(5.0));
        assert_eq!(nrs("WI-NRS 9", "WI-NRS"), Some(9.0));
        assert_eq!(nrs("PP-NRS (worst itch, past 24 h): 7", "PP-NRS"), Some(7.0));
        // Another scale's score is no itch.
        assert_eq!(nrs("NRS pain 6", "NRS"), None);
        let itch = |text: &str| read(MeasureKind::Itch, text, "Itch").map(|v| v.0);
        assert_eq!(itch("Itch severity (0-10):  7"), Some(7.0));
        assert_eq!(itch("Itch (0–10) = 6"), Some(6.0));
        assert_eq!(itch("Itch (since 2019): 7 nights"), None);
    }

    #[test]
    fn itch_range_keeps_its_lower_bound() {
        let text = "pruritus 5-6/10 at night";
        assert_eq!(read(MeasureKind::Itch, text, "pruritus").unwrap().0, 5.0);
        let text = "itching, now 3 – 4 out of 10";
        assert_eq!(read(MeasureKind::Itch, text, "itching").unwrap().0, 3.0);
        assert_eq!(read(MeasureKind::Itch, "itch 9-4/10", "itch").unwrap().0, 4.0);
    }

    #[test]
    fn easi_keeps_decimals() {
        assert_eq!(read(MeasureKind::Easi, "EASI score of 18.4", "EASI").unwrap().0, 18.4);
        // A percentage after EASI is a change of the score, not the score.
        assert!(read(MeasureKind::Easi, "improved at week 12 (EASI -64%)", "EASI").is_none());
        assert!(read(MeasureKind::Easi, "EASI down 75 percent", "EASI").is_none());
        assert_eq!(read(MeasureKind::Easi, "EASI 12 (75% better)", "EASI").unwrap().0, 12.0);
    }

    #[test]
    fn ages() {
        assert_eq!(read(MeasureKind::AgeBefore, "a 34-year-old", "year-old").unwrap().0, 34.0);
        assert_eq!(read(MeasureKind::AgeBefore, "34yo male", "yo").unwrap().0, 34.0);
        assert_eq!(read(MeasureKind::AgeBefore, "18-month-old", "month-old").unwrap().0, 1.5);
        assert_eq!(read(MeasureKind::AgeBefore, "4-month-old", "month-old").unwrap().0, 0.33);
        assert_eq!(
            read(MeasureKind::AgeBefore, "a 2-year, 6-month-old", "month-old").unwrap().0,
            2.5
        );
        assert_eq!(read(MeasureKind::AgeAfter, "Age: 34", "Age").unwrap().0, 34.0);
        assert!(read(MeasureKind::AgeAfter, "eczema since age 2", "age").is_none());
        let text = "most children outgrow it before the age of five";
        assert!(read(MeasureKind::AgeAfter, text, "age").is_none());
        assert!(read(MeasureKind::AgeAfter, "diagnosed at the age of 3", "age").is_none());
        assert_eq!(read(MeasureKind::AgeAfter, "Age: 18-month-old", "Age").unwrap().0, 1.5);
        // Years and months in a form's field.
        assert_eq!(read(MeasureKind::AgeAfter, "Age:  3 y 5 mo", "Age").unwrap().0, 3.42);
        assert_eq!(read(MeasureKind::AgeAfter, "Age: 1 yr 9m  Sex: F", "Age").unwrap().0, 1.75);
        assert_eq!(read(MeasureKind::AgeAfter, "Age: 4 years 2 months", "Age").unwrap().0, 4.17);
        assert_eq!(read(MeasureKind::AgeAfter, "Age 41 M", "Age").unwrap().0, 41.0);
        assert_eq!(read(MeasureKind::AgeAfter, "Age: 9, 30 mg", "Age").unwrap().0, 9.0);
        assert_eq!(read(MeasureKind::AgeSex, "28M hx AD", "8M").unwrap().0, 28.0);
        assert!(read(MeasureKind::AgeSex, "Temp 101F", "1F").is_none());
    }

    #[test]
    fn ages_on_demographic_lines() {
        let age = |text: &str, label: &str| {
            let kind = if label.starts_with('D') {
                MeasureKind::AgeBirthDate
            } else {
                MeasureKind::AgeNameLine
            };
            read(kind, text, label).map(|v| v.0)
        };
        assert_eq!(age("Patient: Ana de Lima, 52 F\n", "Patient:"), Some(52.0));
        assert_eq!(age("Name: T. Obi, 27, M", "Name:"), Some(27.0));
        assert_eq!(age("Pt: Omar Haddad 61 yo, male, 90 kg", "Pt:"), Some(61.0));
        assert_eq!(age("Member: Kim Lee, 18 mo, F", "Member:"), Some(1.5));
        assert_eq!(
            age("Patient: Tomasz Wierzbicki | 29 y | M | Wt 74.2 kg", "Patient:"),
            Some(29.0)
        );
        assert_eq!(age("Patient: Jo Park    Age: 40", "Patient:"), None);
        assert_eq!(age("Patient: Jo Park, 70 kg, F", "Patient:"), None);
        assert_eq!(age("Patient: Room 12 F", "Patient:"), None);
        assert_eq!(age("Patient: Jo Park 04/05/1990 F", "Patient:"), None);
        assert_eq!(age("Patient: Jo Park\n12 F", "Patient:"), None);
        assert_eq!(age("DOB: 14 Mar 1979 (46 y)  Sex: F", "DOB"), Some(46.0));
        assert_eq!(age("DOB 2/9/2012 (age 13)", "DOB"), Some(13.0));
        assert_eq!(age("DOB 03/09/1954  (71 y, F)", "DOB"), Some(71.0));
        assert_eq!(age("DOB 03/09/1954  (MRN 71, F)", "DOB"), None);
        assert_eq!(age("DOB: 2019-02-01, 6 yrs", "DOB"), Some(6.0));
        assert_eq!(age("DOB: March 3, 1990", "DOB"), None);
        assert_eq!(age("DOB: 03/03/1990 (MRN 445)", "DOB"), None);
    }

    #[test]
    fn number_words_share_one_reading() {
        assert_eq!(parse_number("seventeen"), Some(17.0));
        assert_eq!(parse_number("Twenty-five"), Some(25.0));
        assert_eq!(parse_number("ninety nine"), Some(99.0));
        assert_eq!(parse_number("forty"), Some(40.0));
        assert_eq!(parse_number("2.5"), Some(2.5));
        assert_eq!(parse_number("twenty-ten"), None);
        assert_eq!(parse_number("five twenty"), None);
        let text = "a sixty-two year old gentleman";
        assert_eq!(read(MeasureKind::AgeBefore, text, "year old").unwrap().0, 62.0);
        let text = "This seventeen-year-old boy";
        assert_eq!(read(MeasureKind::AgeBefore, text, "year-old").unwrap().0, 17.0);
        assert_eq!(read(MeasureKind::AgeAfter, "Aged thirty one,", "Aged").unwrap().0, 31.0);
        assert_eq!(read(MeasureKind::Iga, "IGA was four today", "IGA").unwrap().0, 4.0);
        assert_eq!(read(MeasureKind::Iga, "the IGA is two out of four", "IGA").unwrap().0, 2.0);
        let text = "itching at its worst this past week was eight out of ten";
        assert_eq!(read(MeasureKind::Itch, text, "itching").unwrap().0, 8.0);
        assert_eq!(read(MeasureKind::ItchNrs, "itch NRS is six", "itch NRS").unwrap().0, 6.0);
        let text = "EASI of twenty-one point";
        assert_eq!(read(MeasureKind::Easi, text, "EASI").unwrap().0, 21.0);
        let text = "about twenty five percent of the body surface area";
        assert_eq!(read(MeasureKind::Bsa, text, "body surface").unwrap().0, 25.0);
    }

    #[test]
    fn number_words_need_a_value_reading() {
        // A word that starts a quantifier or another word is no value.
        assert!(read(MeasureKind::Iga, "IGA is one of the criteria", "IGA").is_none());
        assert!(read(MeasureKind::Iga, "IGA is fourth on the list", "IGA").is_none());
        assert!(read(MeasureKind::AgeAfter, "age one of the risks", "age").is_none());
        assert!(read(MeasureKind::Itch, "itch, one of ten symptoms", "itch").is_none());
        assert!(read(MeasureKind::Iga, "IGA seven", "IGA").is_none());
    }

    #[test]
    fn scale_in_parentheses_is_not_the_value() {
        assert_eq!(read(MeasureKind::Iga, "IGA (0-4): 2", "IGA").unwrap().0, 2.0);
        assert_eq!(read(MeasureKind::Iga, "IGA (0–4) = 3", "IGA").unwrap().0, 3.0);
        let (n, scale, _) =
            read(MeasureKind::Iga, "vIGA (0 to 5 scale) 5, very severe", "vIGA").unwrap();
        assert_eq!((n, scale), (5.0, Some(5)));
        assert_eq!(read(MeasureKind::Iga, "IGA (3)", "IGA").unwrap().0, 3.0);
        assert!(read(MeasureKind::Iga, "IGA (0-4) | pending", "IGA").is_none());
        assert_eq!(read(MeasureKind::Iga, "IGA 0 - clear", "IGA").unwrap().0, 0.0);
        let text = "Peak pruritus NRS (0-10): 9";
        assert_eq!(read(MeasureKind::ItchNrs, text, "Peak pruritus NRS").unwrap().0, 9.0);
        assert_eq!(read(MeasureKind::ItchNrs, "NRS 6 (0-10)", "NRS").unwrap().0, 6.0);
        assert_eq!(read(MeasureKind::Easi, "EASI (0-72): 24.5", "EASI").unwrap().0, 24.5);
    }

    #[test]
    fn ocr_misread_digits() {
        assert_eq!(ocr_repaired("3OO mg, 8/1O, O.1% and 1o5"), "300 mg, 8/10, 0.1% and 105");
        assert_eq!(ocr_repaired("BSA invoIved"), "BSA involved");
        assert_eq!(ocr_repaired("EASI 2l.4, 3l0 mg"), "EASI 21.4, 310 mg");
        // A unit after a number stays: "2l of fluid", "5ml", "3 lb".
        for plain in ["2l of fluid", "5ml", "3 lb", "10l"] {
            assert_eq!(ocr_repaired(plain), plain);
        }
        // Ordinary words and a leading O that is not a decimal stay.
        for plain in ["No rash. Oct 2O", "O2 sat 98%", "one or two", "10 oz", "Ointment", "IGA"] {
            assert_eq!(ocr_repaired(plain).replace("2O", "20"), plain.replace("2O", "20"));
        }
        assert_eq!(ocr_repaired("O2 sat"), "O2 sat");
        assert_eq!(read(MeasureKind::Bsa, "BSA invoIvement: 4O%", "BSA").unwrap().0, 40.0);
        assert_eq!(read(MeasureKind::Itch, "itch 9/1O", "itch").unwrap().0, 9.0);
        assert_eq!(read(MeasureKind::Easi, "EASI 2O.5", "EASI").unwrap().0, 20.5);
    }

    #[test]
    fn weights() {
        assert_eq!(read(MeasureKind::Weight, "Weight: 70 kg", "kg").unwrap().0, 70.0);
        assert_eq!(read(MeasureKind::Weight, "weighs 154 lb", "lb").unwrap().0, 69.9);
        assert!(read(MeasureKind::Weight, "5 mg/kg", "kg").is_none());
        assert!(read(MeasureKind::Weight, "lost 10 pounds", "pounds").is_none());
        assert!(read(MeasureKind::Weight, "weight loss of 10 pounds", "pounds").is_none());
        assert!(read(MeasureKind::Weight, "(weight 15 to <30 kg)", "kg").is_none());
        assert!(read(MeasureKind::Weight, "Ideal body weight 170 pounds", "pounds").is_none());
        assert!(read(MeasureKind::Weight, "infant weighing 7 pounds", "pounds").is_none());
        assert!(read(MeasureKind::Weight, "weight less than 4 kg", "kg").is_none());
        assert_eq!(read(MeasureKind::Weight, "woman, 61 kg", "kg").unwrap().0, 61.0);
        let text = "Age and weight:\n24 years old, 145 lb.";
        assert_eq!(read(MeasureKind::Weight, text, "lb").unwrap().0, 65.8);
        assert_eq!(read(MeasureKind::Weight, "Wt/age: 9 y/o, 70 lbs", "lbs").unwrap().0, 31.8);
        assert_eq!(read(MeasureKind::Weight, "he weighs about 90 kilos", "kilos").unwrap().0, 90.0);
        assert!(read(MeasureKind::Weight, "impedance under 5 kilo-ohms", "kilo").is_none());
        assert_eq!(read(MeasureKind::Weight, "weight 70 kg-", "kg").unwrap().0, 70.0);
        // Another number between the label and the pounds is no age.
        assert!(read(MeasureKind::Weight, "weight 3 visits ago, 150 lb", "lb").is_none());
    }

    #[test]
    fn weights_in_form_fields() {
        // The unit in the label, the number after it.
        assert_eq!(read(MeasureKind::Weight, "Weight (lb):   176", "lb").unwrap().0, 79.8);
        assert_eq!(read(MeasureKind::Weight, "Wt (kg) 61.5", "kg").unwrap().0, 61.5);
        assert_eq!(read(MeasureKind::Weight, "PATIENT WEIGHT KG: 72.6", "KG").unwrap().0, 72.6);
        assert!(read(MeasureKind::Weight, "Dose (mg/kg): 2", "kg").is_none());
        // A form's padding does not count toward the label's reach.
        let padded = format!("Weight:{}132 lb (per parent)", " ".repeat(48));
        assert_eq!(read(MeasureKind::Weight, &padded, "lb").unwrap().0, 59.9);
        let far = format!("Weight trend reviewed in detail with the family{}132 lb", ".".repeat(8));
        assert!(read(MeasureKind::Weight, &far, "lb").is_none());
    }
}
