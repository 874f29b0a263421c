//! Sentence splitting: the scope of a trigger never leaves its sentence, so
//! where sentences end decides how far "no" reaches.

use std::ops::Range;

/// Titles and short forms whose period does not end a sentence.
const ABBREVIATIONS: &[&str] =
    &["dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "approx", "incl", "e.g", "i.e"];

/// Splits `text` into sentences covering it, ending them at sentence-final
/// punctuation, at ";", at blank lines, at a line break before a list item,
/// at every offset in `breaks` (section headings), and, in run-on text
/// (`layout.run_on`), at every offset in `clauses` (where a clause opener
/// starts), except the main clause right after a subordinate one (`true`:
/// "if that fails | we will start" is one sentence).
pub(crate) fn split(
    text: &str,
    breaks: &[usize],
    clauses: &[(usize, bool)],
    layout: &Layout,
) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    crate::steps::add(bytes.len() + breaks.len() + clauses.len());
    // Ends are marked in a bit set and read back in order: found in two
    // scans, a few before the byte that finds them, they need no sort.
    let mut ends = EndSet::new(bytes.len());
    mark_ends(bytes, &mut ends, layout);
    // In a text all in capitals, a line break inside a phrase of the
    // lexicon ("...: NO\nIMPROVEMENT") is no end: the phrase goes on.
    if layout.capitals {
        for phrase in layout.phrases {
            crate::steps::add(phrase.len());
            (phrase.start + 1..phrase.end).for_each(|at| ends.unmark(at));
        }
    }
    for &end in breaks.iter().filter(|&&b| b > 0 && b < bytes.len()) {
        ends.mark(end);
    }
    let mut stretch = layout.run_on.iter().peekable();
    let mut subordinate_at: Option<usize> = None;
    for &(start, subordinate) in clauses {
        while stretch.next_if(|s| s.end <= start).is_some() {}
        if stretch.peek().is_none_or(|s| s.start >= start) {
            subordinate_at = None;
            continue;
        }
        let main_clause = subordinate_at.take().is_some_and(|at| start - at <= SUBORDINATE_REACH);
        if subordinate {
            subordinate_at = Some(start);
        }
        if !main_clause {
            ends.mark(start);
        }
    }
    // No end is at 0, so every end closes a sentence.
    let mut sentences = Vec::new();
    let mut start = 0;
    for end in ends.iter() {
        sentences.push(start..end);
        start = end;
    }
    if start < bytes.len() || sentences.is_empty() {
        sentences.push(start..bytes.len());
    }
    sentences
}

/// What sentence splitting knows of a text's layout: its lines, and
/// whether it is written all in capitals (where a line that goes on is
/// told by its hanging indent, not by a lower-case first word).
pub(crate) struct Layout<'a> {
    pub(crate) lines: &'a crate::layout::Lines,
    pub(crate) capitals: bool,
    /// The phrases of the lexicon found in the text, in order, apart.
    pub(crate) phrases: &'a [Range<usize>],
    /// Its stretches of run-on text ([`run_on_stretches`]), in order.
    pub(crate) run_on: &'a [Range<usize>],
}

/// How far after a subordinate clause's opener ("if", "unless") the
/// opener of its main clause may stand, in bytes: about ten words.
const SUBORDINATE_REACH: usize = 60;

/// The fewest words a stretch of text without punctuation has when it is
/// run-on text (speech recognition that wrote no punctuation): a long
/// sentence of ordinary prose, or a list, has a comma or a full stop long
/// before.
const RUN_ON_WORDS: usize = 50;

/// The stretches of run-on text: at least [`RUN_ON_WORDS`] words with no
/// punctuation between them (a full stop, comma, colon or semicolon not
/// inside a number, a bracket, a line break before anything but a word in
/// lower case: a dictation's wrapped line goes on).
pub(crate) fn run_on_stretches(bytes: &[u8]) -> Vec<Range<usize>> {
    crate::steps::add(bytes.len());
    // The few bytes that may end a stretch, found by three vectorised
    // scans, marked (each as the offset after it) and read back in order;
    // words are counted only in a stretch that ends.
    let mut may_end = EndSet::new(bytes.len());
    let scans = [
        memchr::memchr3_iter(b'.', b',', b':', bytes),
        memchr::memchr3_iter(b';', b'!', b'?', bytes),
        memchr::memchr3_iter(b'(', b')', b'\n', bytes),
    ];
    for i in scans.into_iter().flatten() {
        may_end.mark(i + 1);
    }
    let mut stretches = Vec::new();
    let mut start = 0;
    for i in may_end.iter().map(|after| after - 1) {
        if ends_stretch(bytes, i) {
            if is_run_on(&bytes[start..i]) {
                stretches.push(start..i);
            }
            start = i + 1;
        }
    }
    if is_run_on(&bytes[start..]) {
        stretches.push(start..bytes.len());
    }
    stretches
}

/// Whether a stretch without punctuation has at least [`RUN_ON_WORDS`]
/// words (runs of ASCII letters and digits). Each word but the last has a
/// byte after it that is no word's, so a stretch shorter than twice that
/// many bytes less one has fewer, and its words need no count: most
/// stretches end at a comma long before.
fn is_run_on(stretch: &[u8]) -> bool {
    if stretch.len() + 1 < 2 * RUN_ON_WORDS {
        return false;
    }
    let mut in_word = false;
    let words = stretch.iter().fold(0, |words, &b| {
        let word_byte = b.is_ascii_alphanumeric();
        let starts = word_byte && !in_word;
        in_word = word_byte;
        words + usize::from(starts)
    });
    words >= RUN_ON_WORDS
}

/// Whether the byte at `i` is punctuation that ends a stretch of run-on
/// text: "0.1", "10:30" and "1,000" are none.
fn ends_stretch(bytes: &[u8], i: usize) -> bool {
    let digit_at =
        |at: Option<usize>| at.and_then(|at| bytes.get(at)).is_some_and(u8::is_ascii_digit);
    match bytes[i] {
        b'.' | b',' | b':' => !(digit_at(i.checked_sub(1)) && digit_at(Some(i + 1))),
        b';' | b'!' | b'?' => true,
        b'(' | b')' => true,
        b'\n' => {
            let rest = &bytes[i + 1..];
            let indent = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
            crate::steps::add(indent);
            !rest.get(indent).is_some_and(u8::is_ascii_lowercase)
        }
        _ => false,
    }
}

/// The offsets where sentences end, as one bit per byte of the text.
struct EndSet(Vec<u64>);

impl EndSet {
    fn new(len: usize) -> EndSet {
        EndSet(vec![0; len / 64 + 1])
    }

    /// Marks `end`; an end at 0 or past the text ends nothing.
    fn mark(&mut self, end: usize) {
        if end > 0 {
            if let Some(word) = self.0.get_mut(end / 64) {
                *word |= 1 << (end % 64);
            }
        }
    }

    /// Unmarks `end`.
    fn unmark(&mut self, end: usize) {
        if let Some(word) = self.0.get_mut(end / 64) {
            *word &= !(1 << (end % 64));
        }
    }

    /// The marked offsets, in order.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    i * 64 + bit
                })
            })
        })
    }
}

/// Marks each place where a sentence ends by the text's own punctuation
/// and lines. Every question a candidate asks reads a bounded stretch of
/// text, or one that the previous line break's question already read.
fn mark_ends(bytes: &[u8], ends: &mut EndSet, layout: &Layout) {
    let mut lines = LineEnds { layout: Some(layout), ..LineEnds::default() };
    // Two vectorised scans find the few bytes that may end a sentence.
    for i in memchr::memchr3_iter(b'.', b';', b'\n', bytes) {
        crate::steps::add(1);
        match bytes[i] {
            b'.' => full_stop(bytes, i, ends),
            b';' => ends.mark(i + 1),
            _ if lines.starts_item(bytes, i)
                || lines.leaves_item(bytes, i)
                || between_table_rows(bytes, i)
                || starts_dated_row(&bytes[i + 1..])
                || lines.answered_line_ends(bytes, i)
                || opens_label_line(bytes, i) =>
            {
                ends.mark(i + 1)
            }
            _ => {}
        }
    }
    for i in memchr::memchr3_iter(b'!', b'?', b')', bytes) {
        crate::steps::add(1);
        match bytes[i] {
            b')' => {
                if let Some(start) = inline_item_start(bytes, i) {
                    ends.mark(start);
                }
            }
            _ => full_stop(bytes, i, ends),
        }
    }
}

/// Whether the line after the line break at `newline` is a label line: it
/// starts with a capital and ends with a colon ("Current medication
/// profile (claims):"), introducing what follows it, so the line before
/// ("... NOT RECEIVED as of today") does not run into it. A wrapped line of
/// prose that ends with a colon starts in lower case ("the following\n
/// medications:") and goes on.
fn opens_label_line(bytes: &[u8], newline: usize) -> bool {
    let rest = &bytes[newline + 1..];
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    crate::steps::add(line.len());
    let content = line.trim_ascii();
    content.first().is_some_and(u8::is_ascii_uppercase) && content.ends_with(b":")
}

/// Marks the end after a ".", "!" or "?" that closes a sentence: white
/// space after it (and any closing quote or bracket), and for a "." no
/// abbreviation before it.
fn full_stop(bytes: &[u8], i: usize, ends: &mut EndSet) {
    // A quotation or parenthesis may close after the full stop:
    // 'reports "itchy all over." Says it keeps flaring'.
    let end = i + 1 + closers_at(&bytes[i + 1..]);
    let closes = bytes.get(end).is_none_or(u8::is_ascii_whitespace);
    // Asked only of the last dot of a run, so a leader is read once.
    let no_end = || bytes[i] == b'.' && (follows_abbreviation(bytes, i) || ends_a_leader(bytes, i));
    if closes && !no_end() {
        ends.mark(end);
    }
}

/// Whether the "." at `i` ends a dotted leader: a run of three or more dots
/// after a space, with more text after it on the same line, joins a form's
/// label to its value ("Involvement of the hands ...... NOT MET") and ends
/// no sentence. An ellipsis at a line's end, or one that ends a word
/// ("better... then"), still does.
fn ends_a_leader(bytes: &[u8], i: usize) -> bool {
    let run = bytes[..=i].iter().rev().take_while(|&&b| b == b'.').count();
    crate::steps::add(run);
    let before = i.checked_sub(run).map(|at| bytes[at]);
    let after_space = matches!(before, Some(b' ' | b'\t'));
    let rest = &bytes[i + 1..];
    let gap = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    crate::steps::add(gap);
    run >= 3 && after_space && rest.get(gap).is_some_and(|&b| b != b'\n' && b != b'\r')
}

/// The length of the closing quotes and brackets at the start of `rest`
/// (ASCII, and the typographic ’ and ” of word processors).
fn closers_at(rest: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match rest.get(at..) {
            Some([b'"' | b'\'' | b')' | b']', ..]) => at += 1,
            Some([0xE2, 0x80, 0x99 | 0x9D, ..]) => at += 3,
            _ => return at,
        }
    }
}

/// What the line breaks seen so far have learnt about the white space
/// around them, so that a run of blank lines is read once, not once for
/// every line break in it.
#[derive(Default)]
struct LineEnds<'a> {
    /// The text's layout.
    layout: Option<&'a Layout<'a>>,
    /// The first byte after the last line break asked about that is not
    /// white space (or the end of the text), and where its run began.
    next_content: Option<(usize, usize)>,
    /// The last byte before a line break that is not white space, for the
    /// line break that found it: (line break, that byte or `None`).
    last_content: Option<(usize, Option<usize>)>,
    /// Whether the line that ends at that byte ends with an answer.
    answered: Option<(usize, bool)>,
}

impl LineEnds<'_> {
    /// True when the line break at `newline` ends a form's answered
    /// question ("Currently on a biologic: No"), so that its "No" does not
    /// negate the next question; not when the next line goes on in lower
    /// case ("...: no\n improvement").
    fn answered_line_ends(&mut self, bytes: &[u8], newline: usize) -> bool {
        let next = self.next_content(bytes, newline + 1);
        if bytes.get(next).is_some_and(u8::is_ascii_lowercase) || self.hangs(newline, next) {
            return false;
        }
        let Some(last) = self.last_content(bytes, newline) else { return false };
        match self.answered {
            Some((at, answered)) if at == last => answered,
            _ => {
                let answered = ends_with_answer(&bytes[..=last]);
                self.answered = Some((last, answered));
                answered
            }
        }
    }

    /// Whether the line after the line break at `newline` starts a new
    /// item ([`starts_new_item`]); in a text all in capitals, a label on a
    /// line that hangs under the one before goes on with it.
    fn starts_item(&mut self, bytes: &[u8], newline: usize) -> bool {
        let rest = &bytes[newline + 1..];
        if !starts_new_item(rest) {
            return false;
        }
        let next = self.next_content(bytes, newline + 1);
        let label = bytes.get(next).is_some_and(u8::is_ascii_alphabetic);
        !(label && self.hangs(newline, next))
    }

    /// Whether the line after the line break at `newline` steps back out
    /// of an indented list item: the line before opens with a bullet, and
    /// this one, not in lower case, is indented less than that bullet
    /// ("  - no vesicles, no erosions\n BSA ~6%"), so it belongs to the
    /// level above and the item's negation does not reach it. A wrapped
    /// item goes on at its own indent or in lower case.
    fn leaves_item(&mut self, bytes: &[u8], newline: usize) -> bool {
        let Some(layout) = self.layout else { return false };
        let lines = layout.lines;
        let this = lines.line_of(newline);
        let (start, content) = (lines.range(this).start, lines.content_of(this));
        let bullet_indent = content - start;
        if bullet_indent == 0 || content >= newline || !starts_with_bullet(&bytes[content..newline])
        {
            return false;
        }
        let next = self.next_content(bytes, newline + 1);
        let that = lines.line_of(next);
        that == this + 1
            && next - lines.range(that).start < bullet_indent
            && bytes.get(next).is_some_and(|b| !b.is_ascii_lowercase())
    }

    /// Whether, in a text all in capitals, the line at `next` hangs under
    /// the line that ends at `newline` (indented deeper): it goes on.
    fn hangs(&self, newline: usize, next: usize) -> bool {
        let Some(layout) = self.layout.filter(|l| l.capitals) else { return false };
        let lines = layout.lines;
        let (this, that) = (lines.line_of(newline), lines.line_of(next));
        let indent = |line: usize| lines.content_of(line) - lines.range(line).start;
        that == this + 1 && indent(that) > indent(this)
    }

    /// The first byte at or after `from` that is not white space.
    fn next_content(&mut self, bytes: &[u8], from: usize) -> usize {
        if let Some((run, next)) = self.next_content {
            if (run..=next).contains(&from) {
                return next;
            }
        }
        let next = from + bytes[from..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        crate::steps::add(next - from);
        self.next_content = Some((from, next));
        next
    }

    /// The last byte before `newline` that is not white space.
    fn last_content(&mut self, bytes: &[u8], newline: usize) -> Option<usize> {
        let mut at = newline;
        let found = loop {
            if let Some((seen, found)) = self.last_content {
                if at == seen {
                    break found;
                }
            }
            crate::steps::add(1);
            match at.checked_sub(1) {
                None => break None,
                Some(before) if bytes[before].is_ascii_whitespace() => at = before,
                Some(before) => break Some(before),
            }
        };
        self.last_content = Some((newline, found));
        found
    }
}

/// True when a line ends with a short answer after a colon: a word of
/// [`ANSWERS`], or the whole value of a labelled line ("Ruxolitinib
/// cream: never used", "Photos: not taken").
fn ends_with_answer(line: &[u8]) -> bool {
    ends_with_answer_word(line) || is_short_field(line)
}

/// The most words a labelled line's value has when it is a short answer.
const SHORT_VALUE_WORDS: usize = 4;

/// True when a line is a label and a colon, then a value of a few words
/// ("Photos: not taken"), the label starting its line.
fn is_short_field(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    let floor = line.len().saturating_sub(LABEL_REACH + SHORT_VALUE_BYTES + 1);
    let tail = &line[floor..];
    crate::steps::add(tail.len());
    let Some(colon) = tail.iter().rposition(|b| *b == b':') else { return false };
    let value = &tail[colon + 1..];
    let words = value.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).count();
    if value.len() > SHORT_VALUE_BYTES || !(1..=SHORT_VALUE_WORDS).contains(&words) {
        return false;
    }
    // The label starts its line (after its indent).
    let line_start = tail[..colon].iter().rposition(|b| *b == b'\n').map(|n| n + 1);
    let Some(start) = line_start.or((floor == 0).then_some(0)) else { return false };
    let last_word = value.rsplit(u8::is_ascii_whitespace).next().unwrap_or_default();
    let goes_on = CONTINUING.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(last_word));
    !goes_on && starts_with_label(tail[start..].trim_ascii_start())
}

/// Words that a value does not end with: "Assessment: not controlled on"
/// goes on to the next line.
pub(crate) const CONTINUING: [&str; 18] = [
    "on", "with", "of", "and", "or", "to", "for", "despite", "after", "by", "in", "the", "a", "an",
    "from", "than", "at", "but",
];

/// The longest value of a labelled line that is a short answer, in bytes.
const SHORT_VALUE_BYTES: usize = 32;

/// True when a line ends with a word of [`ANSWERS`] after a colon.
fn ends_with_answer_word(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    // No answer is longer than its longest word: reading further back
    // would find nothing more.
    let floor = line.len().saturating_sub(LONGEST_ANSWER + 1);
    let word_start = line[floor..]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic() && *b != b'/')
        .map_or(floor, |p| floor + p + 1);
    let answer = &line[word_start..];
    if answer.len() > LONGEST_ANSWER || (word_start == floor && floor > 0) {
        return false;
    }
    let before = line[..word_start].trim_ascii_end();
    before.ends_with(b":") && ANSWERS.iter().any(|a| answer.eq_ignore_ascii_case(a))
}

/// The short answers of a form's question.
const ANSWERS: [&[u8]; 5] = [b"yes", b"no", b"n/a", b"none", b"unknown"];
/// The longest of them.
const LONGEST_ANSWER: usize = 7;

/// True when the period at `dot` closes an abbreviation such as "Dr.".
fn follows_abbreviation(bytes: &[u8], dot: usize) -> bool {
    // A word longer than every abbreviation is none: read no further back.
    let floor = dot.saturating_sub(LONGEST_ABBREVIATION + 1);
    let word_start = bytes[floor..dot]
        .iter()
        .rposition(|b| !(b.is_ascii_alphabetic() || *b == b'.'))
        .map_or(floor, |p| floor + p + 1);
    let word = &bytes[word_start..dot];
    ABBREVIATIONS.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(word))
}

/// The length of the longest of [`ABBREVIATIONS`].
const LONGEST_ABBREVIATION: usize = 6;

/// Where the item starts when the ")" at `paren` closes an inline list
/// number ("1) esophagitis  2) hiatal hernia"), whose items do not share a
/// scope: one or two digits after white space, and white space after.
fn inline_item_start(bytes: &[u8], paren: usize) -> Option<usize> {
    // Three digits are already too many: no need to count further.
    let digits = bytes[..paren].iter().rev().take(3).take_while(|b| b.is_ascii_digit()).count();
    let start = paren - digits;
    let spaced_before = start > 0 && bytes[start - 1].is_ascii_whitespace();
    let spaced_after = bytes.get(paren + 1).is_some_and(u8::is_ascii_whitespace);
    ((1..=2).contains(&digits) && spaced_before && spaced_after).then_some(start)
}

/// True when the line after a line break starts a new item: a blank line,
/// a bullet, a number followed by "." or ")", or a label such as "Skin:".
pub(crate) fn starts_new_item(rest: &[u8]) -> bool {
    let content = rest.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(rest.len());
    crate::steps::add(content + LABEL_REACH);
    let rest = &rest[content..];
    match rest.first() {
        None | Some(b'\n' | b'\r') => true,
        Some(b) if b.is_ascii_alphabetic() => starts_with_label(rest),
        _ => starts_with_bullet(rest),
    }
}

/// Whether the line break at `newline` parts two rows of a table drawn
/// with bars, the second naming its own first cell ([`starts_table_row`]).
fn between_table_rows(bytes: &[u8], newline: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &bytes[..newline]).map_or(0, |at| at + 1);
    let this = bytes[line_start..newline].trim_ascii();
    let next = bytes[newline + 1..].trim_ascii_start();
    crate::steps::add(newline - line_start);
    let row = |line: &[u8]| {
        line.first() == Some(&b'|') && memchr::memchr_iter(b'|', line).nth(2).is_some()
    };
    row(this)
        && next.first() == Some(&b'|')
        && starts_table_row(next)
        && !in_grid(bytes, line_start)
}

/// Whether a line opens a row of a table laid out in columns by a date
/// cell ("03/14/2025  HYDROCORTISONE 2.5% CREAM  30 GM", "2025-06-02\tTAC"):
/// a date then a column gap of two spaces or a tab. Such a row is its own
/// sentence, so a comment under one fill ("stopped after ~10 days,
/// burning") says nothing of the fills below it; a wrapped line of prose
/// does not open with a date and a column gap.
fn starts_dated_row(line: &[u8]) -> bool {
    let numeric = line
        .iter()
        .take(DATE_CELL_LEN)
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'/' | b'-' | b'.'));
    let date = numeric.count();
    crate::steps::add(date);
    let digits = line[..date].iter().filter(|b| b.is_ascii_digit()).count();
    let separators = date - digits;
    (6..=8).contains(&digits)
        && separators == 2
        && (line[date..].starts_with(b"  ") || line.get(date) == Some(&b'\t'))
}

/// The longest date cell [`starts_dated_row`] reads ("2025-06-02").
const DATE_CELL_LEN: usize = 10;

/// How many lines above a table row are looked at for the border of a grid.
const GRID_REACH: usize = 12;

/// Whether the table row starting at `line_start` is in a grid drawn with
/// "+----+" borders between its rows: there the lines between two borders
/// are one row, its cells wrapped ("| Prednisone 40 mg | Improved while
/// taking; |" over "| taper (ER visit)  | flared back within 2 wks |").
fn in_grid(bytes: &[u8], line_start: usize) -> bool {
    let mut end = line_start;
    for _ in 0..GRID_REACH {
        if end == 0 {
            return false;
        }
        let start = memchr::memrchr(b'\n', &bytes[..end - 1]).map_or(0, |at| at + 1);
        let line = bytes[start..end - 1].trim_ascii();
        crate::steps::add(line.len());
        match line.first() {
            Some(b'|') => end = start,
            first => return first == Some(&b'+'),
        }
    }
    false
}

/// Whether a line is a row of a table drawn with bars that names its own
/// first cell ("| Clobetasol ointment | 0.05% | Partial |"): no row's words
/// run into the next. A line whose first cell is blank or indented goes on
/// with the row above ("|  | still flaring |", "|    (BSA / EASI)  | ..."
/// in a grid whose rows wrap), and a box drawn round prose has a bar at
/// each end of its lines only, not the three of two cells.
fn starts_table_row(line: &[u8]) -> bool {
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    crate::steps::add(line.len());
    let blanks = line[1..].iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    let first = line.get(1 + blanks);
    let named =
        blanks <= 1 && first.is_some_and(|b| !matches!(b, b'|' | b'-' | b'=' | b':' | b'+'));
    named && memchr::memchr_iter(b'|', line).nth(2).is_some()
}

/// True when a line's text (after its indent) opens with a bullet or an
/// item number: "- ", "* ", "+", "#", "1. ", "2) ", a typographic bullet
/// or dash ("•", "▪", "◦", "–", "—"), the letter "o" that a word
/// processor's second-level bullet becomes ("o Tacrolimus: never used"),
/// or a form's field code: a bracket of three or more bytes and no space,
/// then a space ("[TX.02] AGENT ...."; a tick box "[x]" is none).
pub fn starts_with_bullet(line: &[u8]) -> bool {
    match line.first() {
        Some(b'-' | b'*' | b'+' | b'#') => true,
        Some(b'[') => {
            let close = line.iter().take(FIELD_CODE_REACH).position(|b| *b == b']' || *b == b'\n');
            crate::steps::add(close.unwrap_or(FIELD_CODE_REACH));
            close.is_some_and(|at| {
                at > 3
                    && line[at] == b']'
                    && !line[1..at].contains(&b' ')
                    && line.get(at + 1).is_some_and(u8::is_ascii_whitespace)
            })
        }
        Some(b'0'..=b'9') => {
            let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
            crate::steps::add(digits);
            // "1. " and "2) " number items; "0.05% ointment" is a wrapped strength.
            matches!(line.get(digits), Some(b'.' | b')'))
                && line.get(digits + 1).is_none_or(u8::is_ascii_whitespace)
        }
        Some(b'o') => {
            matches!(line.get(1), Some(b' ' | b'\t'))
                && line.get(2).is_some_and(|b| b.is_ascii_alphabetic())
        }
        _ => BULLETS.iter().any(|bullet| line.starts_with(bullet.as_bytes())),
    }
}

/// How far into a line the "]" of a field code or tick box may be.
const FIELD_CODE_REACH: usize = 12;

/// Typographic bullets and dashes that open a list item.
const BULLETS: [&str; 9] = ["•", "▪", "◦", "–", "—", "●", "○", "■", "‣"];

/// How far into a line its label's colon may be.
pub const LABEL_REACH: usize = 40;

/// True when a line opens with a short capitalised label and a colon
/// ("Itch: 8/10", "Current Medications:") or a dotted leader ("Diagnosis
/// .......... Atopic dermatitis"), not a wrapped line that happens to hold
/// a colon ("four-week courses during 2024: inadequate response").
pub fn starts_with_label(line: &[u8]) -> bool {
    label_end(line).is_some()
}

/// Where the label that opens a line ends (at its colon or its dotted
/// leader), if the line opens with one ([`starts_with_label`]): what
/// stands before it names the field, what follows is its value.
pub fn label_end(line: &[u8]) -> Option<usize> {
    if !line.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    let label = line.iter().take(LABEL_REACH).position(|b| {
        !(b.is_ascii_alphabetic() || matches!(b, b' ' | b'/' | b'&' | b'-' | b'(' | b')'))
    });
    let leader = |end: usize| end > 0 && line[end - 1] == b' ' && line[end..].starts_with(b"...");
    label.filter(|&end| {
        (line[end] == b':' || leader(end))
            && line[..end].split(|b| *b == b' ').filter(|w| !w.is_empty()).count() <= 4
            && crate::sections::brackets_balance(&line[..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentences of `text` as analysis splits it.
    fn sentences_of(text: &str, breaks: &[usize], clauses: &[usize]) -> Vec<Range<usize>> {
        let lines = crate::layout::Lines::new(text.as_bytes());
        let capitals = crate::layout::in_capitals(text.as_bytes());
        let clauses: Vec<(usize, bool)> = clauses.iter().map(|&at| (at, false)).collect();
        let run_on = run_on_stretches(text.as_bytes());
        split(
            text,
            breaks,
            &clauses,
            &Layout { lines: &lines, capitals, phrases: &[], run_on: &run_on },
        )
    }

    fn pieces<'a>(text: &'a str, breaks: &[usize]) -> Vec<&'a str> {
        sentences_of(text, breaks, &[]).into_iter().map(|r| text[r].trim()).collect()
    }

    #[test]
    fn a_field_code_or_tick_box_opens_a_line_as_a_bullet_does() {
        assert!(starts_with_bullet(b"[TX.02] AGENT .... TACROLIMUS"));
        assert!(starts_with_bullet(b"[PA.01] PAYER ..."));
        // A tick box or a bracketed aside is no field code.
        assert!(!starts_with_bullet(b"[x] Initial"));
        assert!(!starts_with_bullet(b"[ ] Renewal"));
        assert!(!starts_with_bullet(b"[see attached] note"));
        assert_eq!(
            pieces("RESULT .... INADEQUATE RESPONSE\n[TX.02] AGENT .... TACROLIMUS", &[]),
            ["RESULT .... INADEQUATE RESPONSE", "[TX.02] AGENT .... TACROLIMUS"]
        );
    }

    #[test]
    fn each_row_of_a_table_laid_out_by_date_is_its_own_sentence() {
        let text = "06/02/2025  TRIAMCINOLONE 0.1% OINTMENT   80 GM\n  >> stopped after\n  >> 10 days, burning\n10/01/2025  CETIRIZINE 10 MG TABLET   30\n2025-11-03\tMUPIROCIN\n";
        assert_eq!(
            pieces(text, &[]),
            [
                "06/02/2025  TRIAMCINOLONE 0.1% OINTMENT   80 GM\n  >> stopped after\n  >> 10 days, burning",
                "10/01/2025  CETIRIZINE 10 MG TABLET   30",
                "2025-11-03\tMUPIROCIN"
            ]
        );
        // A wrapped line of prose that opens with a date runs on.
        let prose = "She used it until\n03/14/2025 when it ran out.";
        assert_eq!(pieces(prose, &[]).len(), 1);
    }

    #[test]
    fn each_row_of_a_table_drawn_with_bars_is_its_own_sentence() {
        let table = "| Tacrolimus | 0.1% | could not continue |\n| Clobetasol | 0.05% | flaring |";
        assert_eq!(
            pieces(table, &[]),
            ["| Tacrolimus | 0.1% | could not continue |", "| Clobetasol | 0.05% | flaring |"]
        );
        // A row's wrapped line, a box round prose and a grid's wrapped row go on.
        assert_eq!(pieces("| Tacrolimus | could not |\n|            | continue |", &[]).len(), 1);
        assert_eq!(
            pieces("| Flaring despite triamcinolone and |\n| tacrolimus x 6 weeks |", &[]).len(),
            1
        );
        let grid = "+---+---+\n| Prednisone 40 mg | Improved while taking, |\n\
                    | taper (ER visit) | flared back within 2 wks |\n+---+---+";
        let rows =
            "| Prednisone 40 mg | Improved while taking, |\n| taper (ER visit) | flared back";
        assert!(
            pieces(grid, &[]).iter().any(|piece| piece.contains(rows)),
            "{:?}",
            pieces(grid, &[])
        );
    }

    #[test]
    fn ends_at_punctuation_and_semicolons() {
        assert_eq!(pieces("No fever. Cough; wheeze", &[]), ["No fever.", "Cough;", "wheeze"]);
    }

    #[test]
    fn a_closing_quote_or_parenthesis_stays_with_its_sentence() {
        let text = "Reports \"itchy all over.\" Known AD (since 2019.) Flaring; ok.\u{201d} Next";
        assert_eq!(
            pieces(text, &[]),
            [
                "Reports \"itchy all over.\"",
                "Known AD (since 2019.)",
                "Flaring;",
                "ok.\u{201d}",
                "Next"
            ]
        );
        assert_eq!(pieces("He said \"no.\"x", &[]).len(), 1, "no space after: no end");
    }

    #[test]
    fn an_answered_form_line_ends_its_sentence() {
        let form = "Currently on a biologic: No\nPersistent flares despite topical therapy: Yes\nX";
        assert_eq!(
            pieces(form, &[]),
            ["Currently on a biologic: No", "Persistent flares despite topical therapy: Yes", "X"]
        );
        assert_eq!(pieces("She says no\nmore itching", &[]).len(), 1, "no colon, no answer");
        assert_eq!(pieces("Tacrolimus: no\n  improvement.", &[]).len(), 1, "a wrapped line");
    }

    #[test]
    fn a_dotted_leader_joins_a_label_to_its_value() {
        let form = "Hands involved ...... NOT MET. Age ... MET.";
        assert_eq!(pieces(form, &[]), ["Hands involved ...... NOT MET.", "Age ... MET."]);
        let trailing = "She felt better ...\nThen it came back.";
        assert_eq!(sentences_of(trailing, &[], &[]).len(), 2, "an ellipsis at a line's end ends");
        let prose = "She felt better... Then it came back.";
        assert_eq!(sentences_of(prose, &[], &[]).len(), 2, "an ellipsis ending a word ends");
    }

    #[test]
    fn a_form_line_with_a_dotted_leader_starts_a_sentence() {
        let form = "   Doses missed ....... none\n   Diagnosis .......... Atopic dermatitis\n";
        assert_eq!(pieces(form, &[]).len(), 2);
        let wrapped = "   She has missed none of them\n   since the start ... of May";
        assert_eq!(pieces(wrapped, &[]).len(), 1, "a wrapped line in lower case goes on");
    }

    #[test]
    fn a_label_line_starts_a_sentence() {
        let text = "Chart notes were not received\n  Current medications (claims):\n  cetirizine";
        assert_eq!(pieces(text, &[]).len(), 2);
        let wrapped = "She was not given the following\nmedications: cetirizine";
        assert_eq!(pieces(wrapped, &[]).len(), 1, "a wrapped line in lower case goes on");
    }

    #[test]
    fn abbreviations_and_decimals_do_not_end_sentences() {
        assert_eq!(pieces("Seen by Dr. Smith with BSA 2.5 today.", &[]).len(), 1);
        assert_eq!(pieces("No other biologic (incl. topical ruxolitinib) used.", &[]).len(), 1);
    }

    #[test]
    fn list_lines_and_blank_lines_end_sentences() {
        let text = "Denies:\n- fever\n2) cough\nwrapped line\n\nnew paragraph";
        assert_eq!(
            pieces(text, &[]),
            ["Denies:", "- fever", "2) cough\nwrapped line", "", "new paragraph"]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_line_indented_less_than_a_bullet_leaves_its_item() {
        let text = " Skin:\n  - no vesicles, no erosions\n BSA ~6%   vIGA 2\n";
        assert_eq!(pieces(text, &[]), ["Skin:", "- no vesicles, no erosions", "BSA ~6%   vIGA 2"]);
        let wrapped = "  - no vesicles, no\n erosions today\n  - Face clear\n    Neck clear";
        assert_eq!(
            pieces(wrapped, &[]),
            ["- no vesicles, no\n erosions today", "- Face clear\n    Neck clear"],
            "a wrapped line in lower case, or one indented deeper, goes on"
        );
    }

    #[test]
    fn inline_numbered_items_end_sentences() {
        let text = "DIAGNOSIS:  1) Esophagitis s/p biopsy  2) Hiatal hernia (0.7-1.1 cm) x 2";
        assert_eq!(
            pieces(text, &[]),
            ["DIAGNOSIS:", "1) Esophagitis s/p biopsy", "2) Hiatal hernia (0.7-1.1 cm) x 2"]
        );
    }

    #[test]
    fn a_labelled_line_ends_a_sentence() {
        let text = "Denies fever and\nItch: 8/10\nwrapped still";
        assert_eq!(pieces(text, &[]), ["Denies fever and", "Itch: 8/10\nwrapped still"]);
    }

    #[test]
    fn clause_openers_end_sentences_of_run_on_text_only() {
        let run_on =
            "seen for eczema of the arms and legs that is worse in winter and keeps him up \
                      at night with itching and scratching until the skin bleeds and he has tried \
                      many creams from the store over the years with little change so far and \
                      no asthma no allergies he works as a cook";
        let he = run_on.rfind("he works").unwrap();
        assert!(sentences_of(run_on, &[], &[he]).iter().any(|s| s.start == he));
        let prose = "He has no asthma, no allergies; he works as a cook.";
        let he = prose.rfind("he works").unwrap();
        assert!(!sentences_of(prose, &[], &[he]).iter().any(|s| s.start == he));
        let numbers = format!("{}0.1 10:30 1,000 {}", "word ".repeat(30), "word ".repeat(30));
        assert_eq!(run_on_stretches(numbers.as_bytes()).len(), 1, "numbers are no punctuation");
        let words = "word ".repeat(60);
        let wrapped = format!("{words}\nand more");
        assert_eq!(run_on_stretches(wrapped.as_bytes()), vec![0..wrapped.len()]);
        let listed = format!("{words}\nNext line");
        assert_eq!(run_on_stretches(listed.as_bytes()), vec![0..words.len()]);
    }

    #[test]
    fn breaks_end_sentences() {
        assert_eq!(
            pieces("Itchy rash,MEDICATIONS: none", &[11]),
            ["Itchy rash,", "MEDICATIONS: none"]
        );
    }
}
