//! Section headings: "FAMILY HISTORY:", "Physical Exam:", MTSamples' inline
//! ",MEDICATIONS: ," and headings alone on their line. A section runs from its
//! heading to the next one, and some kinds give their mentions a default
//! context (a family-history section is about the family).

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
}

/// Finds the headings of `text`, given the lexicon's heading phrases found
/// in it (sorted by start).
pub(crate) fn find(text: &str, phrases: &[HeadingHit]) -> Vec<Heading> {
    let bytes = text.as_bytes();
    let mut headings = Vec::new();
    for colon in memchr::memchr_iter(b':', bytes) {
        if bytes.get(colon + 1).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let Some(start) = heading_start(bytes, colon) else { continue };
        let known = first_within(phrases, start..colon);
        match known {
            Some(hit) => headings.push(Heading {
                span: start..colon + 1,
                kind: hit.kind,
                default: hit.default.map(|axis| (axis, hit.entry)),
                phrase_span: hit.span.clone(),
            }),
            None if is_upper_case(&bytes[start..colon]) => headings.push(Heading {
                span: start..colon + 1,
                kind: SectionKind::Other,
                default: None,
                phrase_span: start..colon,
            }),
            None => {}
        }
    }
    headings.extend(phrases.iter().filter(|hit| alone_on_line(bytes, &hit.span)).map(|hit| {
        Heading {
            span: hit.span.clone(),
            kind: hit.kind,
            default: hit.default.map(|axis| (axis, hit.entry)),
            phrase_span: hit.span.clone(),
        }
    }));
    headings.sort_by_key(|h| h.span.start);
    headings.dedup_by_key(|h| h.span.start);
    headings
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

fn first_within(phrases: &[HeadingHit], range: Range<usize>) -> Option<&HeadingHit> {
    let from = phrases.partition_point(|h| h.span.start < range.start);
    phrases[from..]
        .iter()
        .take_while(|h| h.span.start < range.end)
        .find(|h| h.span.end <= range.end)
}

fn is_upper_case(bytes: &[u8]) -> bool {
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    letters >= 2 && !bytes.iter().any(u8::is_ascii_lowercase)
}

/// True when nothing but white space shares the line with `span`, and the
/// line ends with a line break.
fn alone_on_line(bytes: &[u8], span: &Range<usize>) -> bool {
    let mut before = bytes[..span.start].iter().rev().take_while(|b| **b != b'\n');
    let after = bytes[span.end..].iter().position(|b| !(*b == b' ' || *b == b'\t' || *b == b'\r'));
    before.all(u8::is_ascii_whitespace) && after.is_some_and(|p| bytes[span.end + p] == b'\n')
}

/// The sections that the headings open, each running to the next heading.
pub(crate) fn spans(headings: &[Heading], len: usize) -> Vec<crate::Section> {
    headings
        .iter()
        .enumerate()
        .map(|(i, h)| crate::Section {
            kind: h.kind,
            span: h.span.start..headings.get(i + 1).map_or(len, |next| next.span.start),
        })
        .collect()
}
