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
const MAX_HEADING_WORDS: usize = 7;

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
}

impl Heading {
    fn new(span: Range<usize>, hit: Option<HeadingHit>, lines: &Lines) -> Heading {
        let indent = lines.indent_at(span.start);
        match hit {
            Some(hit) => Heading {
                span,
                kind: hit.kind,
                default: hit.default.map(|axis| (axis, hit.entry)),
                phrase_span: hit.span,
                indent,
            },
            None => Heading {
                phrase_span: span.clone(),
                span,
                kind: SectionKind::Other,
                default: None,
                indent,
            },
        }
    }
}

/// Finds the headings of `text`; `phrase_within` names the first heading
/// phrase of the lexicon within a range, if any, and `whole_phrase` the one
/// that is all of a range (as `phrase_within` when its phrase spans the
/// range, without searching every short line).
pub(crate) fn find(
    text: &str,
    lines: &Lines,
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
        let Some(start) = heading_start(bytes, colon) else { continue };
        let hit = phrase_within(start..colon);
        if hit.is_some() || is_upper_case(&bytes[start..colon]) {
            with_colon.push(Heading::new(start..colon + 1, hit, lines));
        }
    }
    let alone = lines_alone(bytes).filter_map(|line| {
        let hit = whole_phrase(line.clone())?;
        Some(Heading::new(line, Some(hit), lines))
    });
    merge_by_start(with_colon, alone)
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

/// Where the heading that ends at `colon` starts, if the text before the
/// colon looks like a heading: a few words, at the start of a line, after a
/// comma or a sentence end, or (for upper-case headings) after a wide gap.
fn heading_start(bytes: &[u8], colon: usize) -> Option<usize> {
    let floor = colon.saturating_sub(MAX_HEADING_LEN + 1);
    let mut i = colon;
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
    while i < colon && bytes[i] == b' ' {
        i += 1;
    }
    let words = bytes[i..colon].split(|b| *b == b' ').filter(|w| !w.is_empty()).count();
    let starts_with_letter = bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
    (starts_with_letter && words <= MAX_HEADING_WORDS).then_some(i)
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

/// The sections that the headings open, each running to the next heading
/// that is not a subheading, with the index of its heading.
pub(crate) fn spans(headings: &[Heading], len: usize) -> (Vec<crate::Section>, Vec<usize>) {
    let mut opening: Vec<usize> = Vec::new();
    crate::steps::add(headings.len());
    for (i, heading) in headings.iter().enumerate() {
        let subheading = opening.last().is_some_and(|&open| heading.indent > headings[open].indent);
        if !subheading {
            opening.push(i);
        }
    }
    let sections = opening
        .iter()
        .enumerate()
        .map(|(n, &i)| crate::Section {
            kind: headings[i].kind,
            span: headings[i].span.start
                ..opening.get(n + 1).map_or(len, |&next| headings[next].span.start),
        })
        .collect();
    (sections, opening)
}
