//! Section headings: "FAMILY HISTORY:", "Physical Exam:", MTSamples' inline
//! ",MEDICATIONS: ," and headings alone on their line. A section runs from its
//! heading to the next one, and some kinds give their mentions a default
//! context (a family-history section is about the family).

use crate::layout::Lines;
use crate::{Axis, SectionKind};
use std::ops::Range;

/// The longest heading text before its colon, in bytes.
const MAX_HEADING_LEN: usize = 60;
/// The most words a heading has.
pub(crate) const MAX_HEADING_WORDS: usize = 7;

/// A heading phrase of the lexicon found in the text.
#[derive(Clone, Debug)]
pub(crate) struct HeadingHit {
    pub(crate) kind: SectionKind,
    pub(crate) default: Option<Axis>,
    pub(crate) entry: u32,
    pub(crate) span: Range<usize>,
}

/// A heading found in the text.
#[derive(Clone, Debug)]
pub(crate) struct Heading {
    /// The heading text, up to and including its colon if it has one.
    pub(crate) span: Range<usize>,
    pub(crate) kind: SectionKind,
    /// The context every mention of the section has unless a trigger says
    /// otherwise, and the lexicon entry that gave it.
    pub(crate) default: Option<(Axis, u32)>,
    /// Where the heading phrase is, for reporting.
    pub(crate) phrase_span: Range<usize>,
    /// White space before the heading on its line (0 for a heading inside
    /// a line): an indented heading under a less indented one is a
    /// subheading ("  Plan:" inside a copied-forward prior visit) and does
    /// not end its section.
    pub(crate) indent: usize,
    /// Whether text follows the heading on its line ("Family history:
    /// sister with asthma."): an inline label, whose section ends sooner
    /// than a heading's that stands alone.
    pub(crate) inline: bool,
}

impl Heading {
    fn new(span: Range<usize>, hit: Option<HeadingHit>, lines: &Lines, inline: bool) -> Heading {
        let indent = lines.indent_at(span.start);
        match hit {
            Some(hit) => Heading {
                span,
                kind: hit.kind,
                default: hit.default.map(|axis| (axis, hit.entry)),
                phrase_span: hit.span,
                indent,
                inline,
            },
            None => Heading {
                phrase_span: span.clone(),
                span,
                kind: SectionKind::Other,
                default: None,
                indent,
                inline,
            },
        }
    }
}

/// Finds the headings of `text` (`capitals`: written all in capitals, see
/// [`crate::layout::in_capitals`]); `phrase_within` names the first heading
/// phrase of the lexicon within a range, if any, and `whole_phrase` the one
/// that is all of a range (as `phrase_within` when its phrase spans the
/// range, without searching every short line).
pub(crate) fn find(
    text: &str,
    lines: &Lines,
    capitals: bool,
    phrase_within: impl Fn(Range<usize>) -> Option<HeadingHit>,
    whole_phrase: impl Fn(Range<usize>) -> Option<HeadingHit>,
) -> Vec<Heading> {
    let bytes = text.as_bytes();
    crate::steps::add(bytes.len());
    let mut with_colon = Vec::new();
    for colon in memchr::memchr_iter(b':', bytes) {
        // A heading is read back at most its longest length from its colon.
        crate::steps::add(MAX_HEADING_LEN + 1);
        if bytes.get(colon + 1).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let Some((start, label_end)) = heading_start(bytes, colon) else { continue };
        let hit = phrase_within(start..label_end);
        // In a text all in capitals an unknown label is a heading only at
        // the start of a line that does not hang under the one before
        // or that the line before goes on into ("ADDED TO\nUPADACITINIB:")
        // ("VITALS    :", not "..., DISCUSSED WITH PARENTS):"); a label
        // whose brackets do not pair ends a bracket ("(INTERNAL\n
        // MEDICINE): no improvement").
        let line_initial = !capitals
            || (lines.starts_unhung_line(start) && !previous_line_goes_on(bytes, lines, start));
        let balanced = brackets_balance(&bytes[start..label_end]);
        if hit.is_some() || (line_initial && balanced && is_upper_case(&bytes[start..label_end])) {
            let inline = text_follows(bytes, colon + 1);
            with_colon.push(Heading::new(start..colon + 1, hit, lines, inline));
        }
    }
    let alone = lines_alone(bytes).filter_map(|line| {
        let inner = unframed(bytes, line.clone());
        let hit = match whole_phrase(inner.clone()) {
            Some(hit) => hit,
            // A block's head the lexicon does not name ("REQUESTED
            // REGIMEN") still ends the section before it; with a known
            // phrase after qualifying words it is that phrase's heading.
            None if block_head(bytes, lines, &inner) => {
                let qualified = qualified_heads(bytes, &inner).into_iter().find_map(&whole_phrase);
                let Some(hit) = qualified else {
                    return Some(Heading::new(line, None, lines, false));
                };
                HeadingHit { span: inner.clone(), ..hit }
            }
            None => return None,
        };
        // A heading that is all of its line's words covers the line, frame
        // included; one with a qualifier after a dash ("HPI - limited")
        // only its own words, so a trigger there still counts.
        let span = if hit.span.end == inner.end { line } else { hit.span.clone() };
        Some(Heading::new(span, Some(hit), lines, false))
    });
    merge_by_start(with_colon, alone)
}

/// The most words before a heading phrase that qualify it on a line of
/// its own ("OTHER MEDICAL HISTORY", "Pertinent Family History").
const LEAD_WORDS: usize = 2;

/// Whether a line alone stands as a block's head: two or more words, all
/// capitalised and nothing but letters, a blank line (or nothing) above it
/// and the line under it indented deeper ("OTHER MEDICAL HISTORY" over
/// "  Hypothyroidism - levothyroxine"). A capitalised line of prose ("NO
/// KNOWN MEDICAL HISTORY" over text at its own indent) heads no block.
fn block_head(bytes: &[u8], lines: &Lines, inner: &Range<usize>) -> bool {
    let text = &bytes[inner.clone()];
    crate::steps::add(text.len());
    let plain = text.iter().all(|b| b.is_ascii_alphabetic() || *b == b' ');
    let mut starts = word_starts(text);
    let capitalised = starts.clone().all(|i| text[i].is_ascii_uppercase());
    if !plain || !capitalised || starts.nth(1).is_none() {
        return false;
    }
    let indent = |line: usize| lines.content_of(line) - lines.range(line).start;
    let line = lines.line_of(inner.start);
    let blank_above = line == 0 || bytes[lines.range(line - 1)].trim_ascii().is_empty();
    blank_above && line + 1 < lines.count() && indent(line + 1) > indent(line)
}

/// Where a heading phrase may start after one to [`LEAD_WORDS`] words that
/// qualify it, on a block's head.
fn qualified_heads(bytes: &[u8], inner: &Range<usize>) -> Vec<Range<usize>> {
    let text = &bytes[inner.clone()];
    word_starts(text).skip(1).take(LEAD_WORDS).map(|at| inner.start + at..inner.end).collect()
}

/// Where the words of a plain line start.
fn word_starts(text: &[u8]) -> impl Iterator<Item = usize> + Clone + '_ {
    (0..text.len()).filter(|&i| text[i].is_ascii_alphabetic() && (i == 0 || text[i - 1] == b' '))
}

/// Two lists of headings, each in text order, as one in text order; of two
/// at the same start, the one with a colon.
fn merge_by_start(with_colon: Vec<Heading>, alone: impl Iterator<Item = Heading>) -> Vec<Heading> {
    let mut merged: Vec<Heading> = Vec::with_capacity(with_colon.len());
    let mut alone = alone.peekable();
    for heading in with_colon {
        crate::steps::add(1);
        while let Some(line) = alone.next_if(|line| line.span.start <= heading.span.start) {
            if line.span.start < heading.span.start {
                push_new(&mut merged, line);
            }
        }
        push_new(&mut merged, heading);
    }
    alone.for_each(|line| push_new(&mut merged, line));
    merged
}

/// Pushes a heading unless one already starts where it does.
fn push_new(headings: &mut Vec<Heading>, heading: Heading) {
    if headings.last().is_none_or(|last| last.span.start != heading.span.start) {
        headings.push(heading);
    }
}

/// Where the heading that ends at `colon` starts and where its words end
/// (before any fill up to the colon), if the text before the colon looks
/// like a heading: a few words, at the start of a line, after a
/// comma or a sentence end, or (for upper-case headings) after a wide gap.
fn heading_start(bytes: &[u8], colon: usize) -> Option<(usize, usize)> {
    let label_end = colon - padding_before(bytes, colon);
    let floor = label_end.saturating_sub(MAX_HEADING_LEN + 1);
    let mut i = label_end;
    while i > floor {
        let b = bytes[i - 1];
        let gap = b == b' ' && i >= 2 && bytes[i - 2] == b' ';
        if b == b'\n' || b == b'\r' || b == b'\t' || b == b',' || b == b'.' || b == b';' || gap {
            break;
        }
        if !(b.is_ascii_alphanumeric()
            || matches!(b, b' ' | b'/' | b'&' | b'-' | b'(' | b')' | b'\''))
        {
            return None;
        }
        i -= 1;
    }
    if i == floor && floor > 0 {
        return None;
    }
    while i < label_end && bytes[i] == b' ' {
        i += 1;
    }
    let mut words = bytes[i..label_end].split(|b| *b == b' ').filter(|w| !w.is_empty());
    let count = words.clone().count();
    let starts_with_letter = bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
    // A label ending in a past verb is prose that tells what was ("Her
    // plan was: start dupilumab" of a colleague's earlier visit), no
    // heading of today's note.
    let told = words.next_back().is_some_and(|last| {
        PAST_VERBS.iter().any(|verb| last.eq_ignore_ascii_case(verb.as_bytes()))
    });
    (starts_with_letter && count <= MAX_HEADING_WORDS && !told).then_some((i, label_end))
}

/// Verbs that make the words before a colon a sentence told in the past.
const PAST_VERBS: [&str; 3] = ["was", "were", "had"];

/// What follows a heading phrase on a line of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Qualifier {
    /// Nothing: the phrase is the whole line.
    None,
    /// A bracket that says whose or what kind ("History of Present Illness
    /// (per mother)").
    Bracketed,
    /// A few words after a dash ("HPI - limited").
    Dashed,
}

/// The most words a heading's bracketed qualifier has.
const BRACKETED_WORDS: usize = 4;
/// The most words a heading's qualifier after a dash has.
const DASHED_WORDS: usize = 3;

/// How the rest of a line after a heading phrase qualifies it, if it is a
/// qualifier at all (not a sentence that happens to start with a heading
/// word: "Skin is clear").
pub(crate) fn qualifier(rest: &[u8]) -> Option<Qualifier> {
    crate::steps::add(rest.len());
    let rest = rest.trim_ascii();
    let words = |b: &[u8]| b.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).count();
    if rest.is_empty() {
        return Some(Qualifier::None);
    }
    if let Some(inside) = rest.strip_prefix(b"(").and_then(|r| r.strip_suffix(b")")) {
        let plain = !inside.contains(&b'(') && !inside.contains(&b')');
        return (plain && words(inside) <= BRACKETED_WORDS).then_some(Qualifier::Bracketed);
    }
    let dashes: [&[u8]; 3] = [b"-", "\u{2013}".as_bytes(), "\u{2014}".as_bytes()];
    let after = dashes.iter().find_map(|d| rest.strip_prefix(*d))?;
    let plain = after.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ' || *b == b'/');
    (plain && (1..=DASHED_WORDS).contains(&words(after))).then_some(Qualifier::Dashed)
}

/// The fill a fixed-width export puts between a label and its colon
/// ("FAM HX    :", "HPI.........:"): two or more spaces or dots, or none.
fn padding_before(bytes: &[u8], colon: usize) -> usize {
    let run = bytes[..colon]
        .iter()
        .rev()
        .take(MAX_HEADING_LEN)
        .take_while(|b| matches!(b, b' ' | b'.'))
        .count();
    crate::steps::add(run);
    if run >= 2 {
        run
    } else {
        0
    }
}

/// Bytes that frame a heading alone on its line: "=== Plan ===",
/// "*** HPI ***", "[Assessment]", "-- Exam --".
fn is_frame_byte(b: u8) -> bool {
    matches!(b, b'=' | b'*' | b'#' | b'~' | b'_' | b'-' | b'[' | b']' | b'<' | b'>' | b'|')
}

/// A line's text without the frame around it ("=== Plan ===", "[HPI]"):
/// a frame opens with two or more frame bytes or a "[", so that a
/// bulleted "- Neck" keeps its bullet. The line itself when it has none.
pub(crate) fn unframed(bytes: &[u8], line: Range<usize>) -> Range<usize> {
    if !is_framed(bytes, &line) {
        return line;
    }
    let framing = |b: &u8| is_frame_byte(*b) || b.is_ascii_whitespace();
    let content = &bytes[line.clone()];
    let start = content.iter().position(|b| !framing(b)).unwrap_or(content.len());
    let end = content.iter().rposition(|b| !framing(b)).map_or(start, |p| p + 1);
    line.start + start..line.start + end.max(start)
}

/// Whether a line opens with a frame: two or more frame bytes ("==",
/// "**"), or a "[".
fn is_framed(bytes: &[u8], line: &Range<usize>) -> bool {
    let content = &bytes[line.clone()];
    let frame = content.iter().take_while(|b| is_frame_byte(**b)).count();
    frame >= 2 || content.first() == Some(&b'[')
}

/// Whether the line before the one that `at` starts ends with a word that
/// goes on ("to", "of", "with": [`crate::sentences::CONTINUING`]).
fn previous_line_goes_on(bytes: &[u8], lines: &Lines, at: usize) -> bool {
    let line = lines.line_of(at);
    if line == 0 {
        return false;
    }
    let previous = &bytes[lines.range(line - 1)];
    let last = previous.trim_ascii_end().rsplit(|b| !b.is_ascii_alphabetic()).next();
    crate::steps::add(previous.len().min(LAST_WORD));
    last.is_some_and(|word| {
        crate::sentences::CONTINUING.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(word))
    })
}

/// The longest word read back at a line's end.
const LAST_WORD: usize = 16;

/// Whether every ")" of a label closes a "(" of it.
pub(crate) fn brackets_balance(label: &[u8]) -> bool {
    let mut depth = 0i32;
    for b in label {
        match b {
            b'(' => depth += 1,
            b')' if depth == 0 => return false,
            b')' => depth -= 1,
            _ => {}
        }
    }
    true
}

fn is_upper_case(bytes: &[u8]) -> bool {
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    letters >= 2 && !bytes.iter().any(u8::is_ascii_lowercase)
}

/// The trimmed content of every short line that ends with a line break:
/// where a heading without a colon may stand.
fn lines_alone(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes).filter_map(move |end| {
        let line = start..end;
        start = end + 1;
        crate::steps::add(line.len() + 1);
        let content = &bytes[line.clone()];
        let first = content.iter().position(|b| !b.is_ascii_whitespace())?;
        let last = content.iter().rposition(|b| !b.is_ascii_whitespace())?;
        (last - first < MAX_HEADING_LEN).then_some(line.start + first..line.start + last + 1)
    })
}

/// Whether anything but white space follows `from` on its line.
fn text_follows(bytes: &[u8], from: usize) -> bool {
    let rest = &bytes[from.min(bytes.len())..];
    let line = memchr::memchr(b'\n', rest).map_or(rest, |end| &rest[..end]);
    crate::steps::add(line.len().min(LABEL_LOOKAHEAD));
    line.iter().take(LABEL_LOOKAHEAD).any(|b| !b.is_ascii_whitespace())
}

/// How far after a colon its line is read for text.
const LABEL_LOOKAHEAD: usize = 16;

/// The sections that the headings open, each running to the next heading
/// that is not a subheading, with the index of its heading. An inline
/// label's section ends sooner (see [`inline_end`]), and what follows it
/// up to the next heading is in no section: which section an inline
/// label stood in is not known ("ALLERGIES: NKDA." after "HPI:" and
/// after "FAMILY HISTORY" reads the same). A copied-forward block (its
/// span and the index of its opening heading) is a section of its own
/// whatever headings it holds, and the section it was copied into goes on
/// after it.
pub(crate) fn spans(
    bytes: &[u8],
    headings: &[Heading],
    lines: &Lines,
    blocks: &[(Range<usize>, usize)],
) -> (Vec<crate::Section>, Vec<usize>) {
    crate::steps::add(headings.len() + blocks.len());
    // Headings inside a block (its own opener too) open no section.
    let mut in_block = vec![false; headings.len()];
    let mut b = 0;
    for (i, heading) in headings.iter().enumerate() {
        while blocks.get(b).is_some_and(|(span, _)| span.end <= heading.span.start) {
            b += 1;
        }
        in_block[i] = blocks.get(b).is_some_and(|(span, _)| span.start <= heading.span.start);
    }
    let mut opening: Vec<usize> = Vec::new();
    for (i, heading) in headings.iter().enumerate() {
        let subheading = opening.last().is_some_and(|&open| heading.indent > headings[open].indent);
        if !subheading && !in_block[i] {
            opening.push(i);
        }
    }
    let base = opening.iter().enumerate().map(|(n, &i)| {
        let heading = &headings[i];
        let next = opening.get(n + 1).map_or(bytes.len(), |&next| headings[next].span.start);
        let end = if heading.inline { inline_end(bytes, lines, &heading.span, next) } else { next };
        (crate::Section { kind: heading.kind, span: heading.span.start..end }, i)
    });
    let blocks = blocks.iter().map(|(span, opener)| {
        (crate::Section { kind: headings[*opener].kind, span: span.clone() }, *opener)
    });
    overlay(base, blocks).into_iter().unzip()
}

/// Sections with blocks laid over them: each block cuts its span out of
/// the sections it covers. Both come in order, apart.
fn overlay(
    base: impl Iterator<Item = (crate::Section, usize)>,
    blocks: impl Iterator<Item = (crate::Section, usize)>,
) -> Vec<(crate::Section, usize)> {
    let mut out = Vec::new();
    let mut blocks = blocks.peekable();
    let mut covered = 0;
    for (section, heading) in base {
        crate::steps::add(1);
        let mut cursor = section.span.start.max(covered);
        while let Some((block, opener)) = blocks.next_if(|(b, _)| b.span.start < section.span.end) {
            crate::steps::add(1);
            if block.span.start > cursor {
                let kind = section.kind;
                out.push((crate::Section { kind, span: cursor..block.span.start }, heading));
            }
            cursor = cursor.max(block.span.end);
            covered = covered.max(block.span.end);
            out.push((block, opener));
        }
        if cursor < section.span.end {
            out.push((
                crate::Section { kind: section.kind, span: cursor..section.span.end },
                heading,
            ));
        }
    }
    out.extend(blocks);
    out
}

/// Where the section of an inline label ends, at the latest at `next`:
/// at the paragraph break, at the next line-initial "Label:", known or
/// not ("On inspection:", "Our ask:"), or at a line that starts a new
/// sentence after a line that ended one; a line indented deeper than the
/// label goes on with it. A heading alone on its line (a real FAMILY HISTORY block) runs on to the
/// next heading instead.
pub(crate) fn inline_end(bytes: &[u8], lines: &Lines, label: &Range<usize>, next: usize) -> usize {
    let first = lines.line_of(label.end) + 1;
    let heading_indent = label.start - lines.start_of(label.start);
    for line in first..lines.count() {
        let start = lines.range(line).start;
        if start >= next {
            break;
        }
        crate::steps::add(1);
        let content = lines.content_of(line).min(next);
        let rest = &bytes[content..next];
        let blank = rest.first().is_none_or(|b| matches!(b, b'\n' | b'\r'));
        if blank {
            return start;
        }
        // A line indented under the label's text goes on with it ("HPI   :
        // ..." then lines aligned after the colon, "SKIN:" among them).
        if content - start > heading_indent {
            continue;
        }
        let previous = bytes[..start - 1].trim_ascii_end();
        let sentence_ended = previous.last().is_some_and(|b| matches!(b, b'.' | b'!' | b'?'));
        let new_sentence = sentence_ended && starts_sentence(rest);
        if new_sentence || crate::sentences::starts_with_label(rest) {
            return start;
        }
    }
    next
}

/// Whether a line's text opens a sentence: a capitalised word ("She",
/// "Worst"; not a word of a text all in capitals, where every line
/// starts with one).
fn starts_sentence(text: &[u8]) -> bool {
    matches!(text, [first, second, ..] if first.is_ascii_uppercase() && second.is_ascii_lowercase())
}
