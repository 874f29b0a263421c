//! Copied-forward text: an earlier visit's note pasted into today's. A
//! banner opens it ("[Pasted from previous encounter]", "*** Carried over
//! from 2023 visit ***", "=== Earlier note, for reference ===", "Interval
//! history from last visit:") and everything up to its end marker ("[End
//! of copied text]"), or else to the next heading of today's visit
//! ("Today:"), another banner, the end of its quoted lines or its
//! paragraph, is the earlier visit's, whatever headings it holds: its
//! "Plan: start X" is no request, its "flares have resolved" ends no flare
//! of today. An export of several dated visits ("Date of service: ...")
//! reads only the latest as current; the others are earlier visits too.
//!
//! A banner phrase counts only where a banner stands: in a heading, at
//! the start of a bracketed or framed line, or as a line's first words
//! before a colon (not "the rash was copied from a photo" in prose).

use crate::layout::Lines;
use crate::sections::{self, Heading};
use crate::{Axis, Banner, SectionKind};
use std::ops::Range;

/// A banner phrase found in the text, with its lexicon entry.
#[derive(Clone, Debug)]
pub(crate) struct BannerHit {
    pub(crate) entry: u32,
    pub(crate) banner: Banner,
    pub(crate) span: Range<usize>,
}

/// A block of earlier-visit text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// From its banner (or its visit's first line) to its end.
    pub(crate) span: Range<usize>,
    /// What opened it: a heading the banner stands in, or the banner
    /// itself (a bracketed or framed line), to be made a heading.
    pub(crate) opener: Opener,
    /// The banner entry and where its phrase is.
    pub(crate) entry: u32,
    pub(crate) phrase: Range<usize>,
    /// The banner phrase that ended it, when one did.
    pub(crate) ended_by: Option<Range<usize>>,
}

/// What opened a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Opener {
    /// The heading of this index holds the banner.
    Heading(usize),
    /// A banner line or bracket that is no heading yet: its span.
    Banner(Range<usize>),
}

/// How far a banner's closing bracket may be from its opening one.
const BANNER_REACH: usize = 240;
/// How far into a bracketed or framed line its banner phrase may start:
/// a few words ("--- Interval history carried forward ...").
const BANNER_LEAD: usize = 32;
/// The longest line whose label may hold a banner in its closing bracket.
const LABEL_LINE_LEN: usize = 160;
/// The marks that open a quoted line: straight and curly double quotes,
/// and the "> " and "| " of a quoted block.
const QUOTE_MARKS: [&[u8]; 4] = [b"\"", "\u{201c}".as_bytes(), b">", b"|"];
/// How many bytes may part a banner phrase from the colon that leads into
/// a quotation ("quoting the baseline in my letter of June 9, 2025:").
const QUOTE_LEAD_IN: usize = 96;
/// How far after a visit label its date may be, past a short aside after
/// its count ("VISIT 2 OF 2 (CURRENT) - 01/20/2026").
const DATE_REACH: usize = 24 + ASIDE_REACH;

/// The copied-forward blocks of a text, in order and apart, from its
/// banner phrases (in text order) and its headings (sorted).
pub(crate) fn find(
    bytes: &[u8],
    lines: &Lines,
    headings: &[Heading],
    banners: &[BannerHit],
) -> Vec<Block> {
    let reader = Reader { bytes, lines, headings, banners };
    let mut blocks: Vec<Block> = Vec::new();
    for (i, hit) in banners.iter().enumerate() {
        crate::steps::add(1);
        let after_last = blocks.last().is_none_or(|b| hit.span.start >= b.span.end);
        if hit.banner != Banner::Copied || !after_last {
            continue;
        }
        if let Some(block) = reader.block(i) {
            blocks.push(block);
        }
    }
    let visits = reader.earlier_visits();
    merge(blocks, visits)
}

/// The headings with a heading for each block whose banner is none yet,
/// each block's opening heading made a prior visit's (historical by
/// default, the banner's phrase reported), and the index of each block's
/// opening heading.
pub(crate) fn with_openers(
    headings: Vec<Heading>,
    blocks: &[Block],
    lines: &Lines,
) -> (Vec<Heading>, Vec<usize>) {
    if blocks.is_empty() {
        return (headings, Vec::new());
    }
    crate::steps::add(headings.len() + blocks.len());
    let opener_of = |block: &Block, heading: Option<&Heading>| {
        let span = match (&block.opener, heading) {
            (Opener::Heading(_), Some(heading)) => heading.span.clone(),
            _ => span_or_phrase(block),
        };
        // A heading that already says "prior visit" keeps its own phrase.
        let own = heading.and_then(|h| match h.default {
            Some((Axis::Historical, entry)) => Some((entry, h.phrase_span.clone())),
            _ => None,
        });
        let (entry, phrase_span) = own.unwrap_or((block.entry, block.phrase.clone()));
        Heading {
            indent: lines.indent_at(span.start),
            inline: heading.is_some_and(|h| h.inline),
            span,
            kind: SectionKind::PriorVisit,
            default: Some((Axis::Historical, entry)),
            phrase_span,
        }
    };
    let mut merged: Vec<Heading> = Vec::with_capacity(headings.len() + blocks.len());
    let mut openers = Vec::with_capacity(blocks.len());
    let mut blocks = blocks.iter().peekable();
    for (i, heading) in headings.into_iter().enumerate() {
        // A banner of its own that starts before this heading comes first;
        // a heading inside such a banner is dropped.
        while let Some(block) = blocks.next_if(|b| match &b.opener {
            Opener::Banner(span) => span.start <= heading.span.start,
            Opener::Heading(h) => *h < i,
        }) {
            openers.push(merged.len());
            merged.push(opener_of(block, None));
        }
        if merged.last().is_some_and(|last| heading.span.start < last.span.end) {
            continue;
        }
        match blocks.peek() {
            Some(block) if block.opener == Opener::Heading(i) => {
                openers.push(merged.len());
                merged.push(opener_of(block, Some(&heading)));
                blocks.next();
            }
            _ => merged.push(heading),
        }
    }
    for block in blocks {
        openers.push(merged.len());
        merged.push(opener_of(block, None));
    }
    (merged, openers)
}

/// Where a block's own banner is.
fn span_or_phrase(block: &Block) -> Range<usize> {
    match &block.opener {
        Opener::Banner(span) => span.clone(),
        Opener::Heading(_) => block.phrase.clone(),
    }
}

/// Two lists of blocks, each in order and apart, as one: a block inside
/// another is dropped.
fn merge(copied: Vec<Block>, visits: Vec<Block>) -> Vec<Block> {
    if visits.is_empty() {
        return copied;
    }
    let mut all: Vec<Block> = copied.into_iter().chain(visits).collect();
    crate::steps::add(all.len());
    all.sort_by_key(|b| (b.span.start, usize::MAX - b.span.end));
    let mut kept: Vec<Block> = Vec::with_capacity(all.len());
    for block in all {
        if kept.last().is_none_or(|last| block.span.start >= last.span.end) {
            kept.push(block);
        }
    }
    kept
}

/// Where a banner stands, which decides where its block starts and ends.
enum Stand {
    /// In a heading: the block runs from the heading; an inline heading's
    /// block is its own text ("Exam (copied forward): BSA 20%").
    Heading(usize),
    /// In brackets that hold the copied text after a colon: "[Copied from
    /// 04/2025 visit: BSA 35%, IGA 4]". The block is the brackets.
    Bracketed(Range<usize>, Range<usize>),
    /// A line, or brackets, of its own: the block follows it.
    Line(Range<usize>),
    /// A line's first words with the copied text after a colon: the block
    /// is that labelled text.
    Labelled(Range<usize>),
}

/// What the block finder reads.
struct Reader<'a> {
    bytes: &'a [u8],
    lines: &'a Lines,
    headings: &'a [Heading],
    banners: &'a [BannerHit],
}

impl Reader<'_> {
    /// The block opened by banner `i`, if it stands where a banner may.
    fn block(&self, i: usize) -> Option<Block> {
        let hit = &self.banners[i];
        let (opener, span, ended_by) = match self.stand(&hit.span)? {
            Stand::Heading(h) => {
                let heading = &self.headings[h];
                if heading.inline {
                    let next = self.headings.get(h + 1).map_or(self.bytes.len(), |n| n.span.start);
                    let end = sections::inline_end(self.bytes, self.lines, &heading.span, next);
                    (Opener::Heading(h), heading.span.start..end, None)
                } else {
                    let (end, by) = self.end_of(i, heading.span.end);
                    (Opener::Heading(h), heading.span.start..end, by)
                }
            }
            Stand::Bracketed(banner, whole) => (Opener::Banner(banner), whole, None),
            Stand::Line(line) => {
                let (end, by) = self.end_of(i, line.end);
                (Opener::Banner(line.clone()), line.start..end, by)
            }
            Stand::Labelled(label) => {
                let end = sections::inline_end(self.bytes, self.lines, &label, self.bytes.len());
                (Opener::Banner(label.clone()), label.start..end, None)
            }
        };
        Some(Block { span, opener, entry: hit.entry, phrase: hit.span.clone(), ended_by })
    }

    /// Where a banner phrase at `phrase` stands, if where a banner may.
    fn stand(&self, phrase: &Range<usize>) -> Option<Stand> {
        if let Some(h) = self.heading_holding(phrase) {
            return Some(Stand::Heading(h));
        }
        let line = self.lines.range(self.lines.line_of(phrase.start));
        let content = self.lines.content_of(self.lines.line_of(phrase.start))..line.end;
        let text = &self.bytes[content.clone()];
        crate::steps::add(BANNER_LEAD);
        let lead = phrase.start - content.start;
        // A bracket that closes before the phrase ("[PA.01] PAYER ...") is a
        // field's code, not the banner's frame.
        let bracket = match text.first() {
            Some(&open @ (b'[' | b'(' | b'<')) if lead <= BANNER_LEAD => {
                Some(self.closing(content.start, open).filter(|&close| close >= phrase.end))
            }
            _ => None,
        };
        match bracket {
            Some(None) => None,
            Some(Some(close)) => {
                let inside = phrase.end..close;
                let colon =
                    memchr::memchr(b':', &self.bytes[inside.clone()]).map(|c| c + phrase.end);
                match colon.filter(|&c| !self.bytes[c + 1..close].trim_ascii().is_empty()) {
                    Some(colon) => {
                        Some(Stand::Bracketed(content.start..colon + 1, content.start..close + 1))
                    }
                    None => Some(Stand::Line(content.start..self.line_end_after(close + 1))),
                }
            }
            None if framed(text) && lead <= BANNER_LEAD => {
                Some(Stand::Line(content.start..line.end))
            }
            _ if self.in_label_aside(phrase, content.clone(), &line) => {
                Some(Stand::Line(content.start..line.end))
            }
            _ if self.in_wrapped_label_aside(phrase, content.clone(), &line) => {
                let next = self.lines.range(self.lines.line_of(line.start) + 1);
                Some(Stand::Line(content.start..next.end))
            }
            _ => match self.leads_into_a_quote(phrase, &line) {
                Some(end) => Some(Stand::Line(content.start..end)),
                None => self.labelled_stand(phrase, lead, &content, &line),
            },
        }
    }

    /// Where a banner phrase that opens its line stands: as the label of
    /// the copied text after its colon, or as a line of its own.
    fn labelled_stand(
        &self,
        phrase: &Range<usize>,
        lead: usize,
        content: &Range<usize>,
        line: &Range<usize>,
    ) -> Option<Stand> {
        match lead {
            0 => {
                let rest = &self.bytes[phrase.end..line.end];
                let colon = memchr::memchr(b':', rest).map(|c| phrase.end + c);
                match colon {
                    Some(c) if !self.bytes[c + 1..line.end].trim_ascii().is_empty() => {
                        Some(Stand::Labelled(content.start..c + 1))
                    }
                    Some(_) => Some(Stand::Line(content.clone())),
                    None => None,
                }
            }
            _ => None,
        }
    }

    /// Whether a banner phrase stands in the bracket that ends a line's
    /// label, the copied text under it: "HPI (carried forward from
    /// 07/2025, not updated):" or "Exam of 03/2024 (copied forward):"
    /// (a comma in the aside keeps it from reading as a heading). The
    /// label before the bracket is a heading's few words.
    fn in_label_aside(
        &self,
        phrase: &Range<usize>,
        content: Range<usize>,
        line: &Range<usize>,
    ) -> bool {
        // A label line is short; a long line is prose, and is not read.
        if line.end - content.start > LABEL_LINE_LEN {
            return false;
        }
        crate::steps::add(line.end - content.start);
        let text = &self.bytes[content.start..line.end];
        let Some(label) = text.trim_ascii_end().strip_suffix(b"):") else { return false };
        let (at, end) = (phrase.start - content.start, phrase.end - content.start);
        let Some(open) = label.get(..at).and_then(|before| memchr::memrchr(b'(', before)) else {
            return false;
        };
        let aside = &label[open + 1..];
        let head = &label[..open];
        let words = head.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).count();
        end <= label.len()
            && !aside.contains(&b'(')
            && !aside.contains(&b')')
            && head.first().is_some_and(u8::is_ascii_alphabetic)
            && (1..=sections::MAX_HEADING_WORDS).contains(&words)
    }

    /// Whether a banner phrase stands in a label's aside that wraps onto
    /// the next line and closes there: "BASELINE (quoted from our letter
    /// of medical necessity dated 05/12/2025," over "J. Whitcombe, MD):".
    fn in_wrapped_label_aside(
        &self,
        phrase: &Range<usize>,
        content: Range<usize>,
        line: &Range<usize>,
    ) -> bool {
        let next = self.lines.line_of(line.start) + 1;
        // A phrase run over a line break ends past its first line.
        let rest = self.bytes.get(phrase.end..line.end);
        if next >= self.lines.count() || rest.is_none_or(|rest| rest.contains(&b')')) {
            return false;
        }
        let both = content.start..self.lines.range(next).end;
        self.in_label_aside(phrase, both.clone(), &both)
            && !self.bytes[line.end..both.end].contains(&b'(')
    }

    /// Where the lead into a quotation ends, when a banner phrase leads
    /// into one: its sentence ends in a colon at a line's end a few words
    /// after the phrase (on its line or the next: "which I quote in full
    /// below because\nit summarizes her earlier course:"), with no
    /// sentence's end between, and the next line that is not blank opens
    /// with a quote mark ("From Dr. Lee's note of 06/2026, for reference:"
    /// over "\"BSA 35%. Start Dupixent.\""). The quote marks make the lines
    /// another note's words; a line such as "Changes since last visit:" over
    /// today's findings quotes nothing. The lead ends at the blank lines'
    /// end.
    fn leads_into_a_quote(&self, phrase: &Range<usize>, line: &Range<usize>) -> Option<usize> {
        // A phrase run over a line break ends past its first line.
        if phrase.end > line.end {
            return None;
        }
        let reach = (phrase.end + QUOTE_LEAD_IN + 1).min(self.bytes.len());
        crate::steps::add(reach - phrase.end);
        let window = &self.bytes[phrase.end..reach];
        let colon = memchr::memchr(b':', window)?;
        let lead_in = &window[..colon];
        let breaks = lead_in.iter().filter(|&&b| b == b'\n').count();
        if breaks > 1 || lead_in.iter().any(|b| matches!(b, b'.' | b';' | b'"')) {
            return None;
        }
        let colon_line = self.lines.line_of(phrase.end + colon);
        let colon_line_end = self.lines.range(colon_line).end;
        if !self.bytes[phrase.end + colon + 1..colon_line_end].trim_ascii().is_empty() {
            return None;
        }
        let (mut next, mut end) = (colon_line + 1, colon_line_end);
        for _ in 0..=1 {
            if next >= self.lines.count() {
                return None;
            }
            let range = self.lines.range(next);
            let quoted = &self.bytes[self.lines.content_of(next).min(range.end)..range.end];
            crate::steps::add(QUOTE_MARKS.len());
            if QUOTE_MARKS.iter().any(|mark| quoted.starts_with(mark)) {
                return Some(end);
            }
            if !quoted.trim_ascii().is_empty() {
                return None;
            }
            // The lead takes in the blank line, up to the quote's line.
            (end, next) = ((range.end + 1).min(self.bytes.len()), next + 1);
        }
        None
    }

    /// The index of the heading whose span holds `phrase`.
    fn heading_holding(&self, phrase: &Range<usize>) -> Option<usize> {
        let i = self.headings.partition_point(|h| h.span.end <= phrase.start);
        self.headings
            .get(i)
            .filter(|h| h.span.start <= phrase.start && phrase.end <= h.span.end)
            .map(|_| i)
    }

    /// The bracket that closes the one opening at `open_at`, within reach.
    fn closing(&self, open_at: usize, open: u8) -> Option<usize> {
        let close = match open {
            b'[' => b']',
            b'(' => b')',
            _ => b'>',
        };
        let end = (open_at + BANNER_REACH).min(self.bytes.len());
        crate::steps::add(end - open_at);
        memchr::memchr(close, &self.bytes[open_at..end]).map(|c| open_at + c)
    }

    /// The end of the line that `from` is on when only white space
    /// follows it there, else `from`.
    fn line_end_after(&self, from: usize) -> usize {
        let line = self.lines.range(self.lines.line_of(from.min(self.bytes.len())));
        let rest = &self.bytes[from.min(line.end)..line.end];
        if rest.trim_ascii().is_empty() {
            line.end
        } else {
            from
        }
    }

    /// Where the block of banner `i`, whose text starts at `from`, ends,
    /// and the banner that ended it: its end marker (the marker's line
    /// included) before any other banner opens a block; else the next
    /// heading of today's visit or the next banner; else the end of its
    /// quoted lines or its paragraph.
    fn end_of(&self, i: usize, from: usize) -> (usize, Option<Range<usize>>) {
        let mut stop: Option<(usize, Range<usize>)> = None;
        for hit in &self.banners[i + 1..] {
            crate::steps::add(1);
            if hit.span.start < from {
                continue;
            }
            match hit.banner {
                Banner::End if self.marks(&hit.span) => {
                    let line = self.lines.range(self.lines.line_of(hit.span.start));
                    return ((line.end + 1).min(self.bytes.len()), Some(hit.span.clone()));
                }
                Banner::Copied if self.stand(&hit.span).is_some() => {
                    let start = self.lines.start_of(hit.span.start);
                    stop = stop.or(Some((start, hit.span.clone())));
                    break;
                }
                Banner::Current | Banner::Visit if stop.is_none() && self.marks(&hit.span) => {
                    let at = self
                        .heading_holding(&hit.span)
                        .map_or(hit.span.start, |h| self.headings[h].span.start);
                    stop = Some((self.lines.start_of(at).max(from), hit.span.clone()));
                }
                _ => {}
            }
        }
        let limit = stop.as_ref().map_or(self.bytes.len(), |(at, _)| *at);
        let fallback = self.paragraph_end(from, limit);
        match stop {
            Some((at, by)) if at <= fallback => (at, Some(by)),
            _ => (fallback, None),
        }
    }

    /// Whether an end or today banner stands where one may: in a heading,
    /// at the start of a bracketed or framed line, or as a line's first
    /// words.
    fn marks(&self, phrase: &Range<usize>) -> bool {
        if self.heading_holding(phrase).is_some() {
            return true;
        }
        let line = self.lines.line_of(phrase.start);
        let content = self.lines.content_of(line);
        let lead = phrase.start - content;
        let text = &self.bytes[content..self.lines.range(line).end];
        lead == 0
            || (lead <= BANNER_LEAD
                && (framed(text) || text.first() == Some(&b'[') || labelled(&text[..lead])))
    }

    /// Where copied text that starts at `from` ends without a marker: at
    /// the first blank or framed line, or, when its lines are quoted ("> "
    /// or "| "), at the first line that is not.
    /// Read no further than `limit`, where it ends anyway.
    fn paragraph_end(&self, from: usize, limit: usize) -> usize {
        let first = self.lines.line_of(from.min(self.bytes.len()));
        let first = if self.lines.range(first).start < from { first + 1 } else { first };
        let mut quote: Option<u8> = None;
        for line in first..self.lines.count() {
            crate::steps::add(1);
            let range = self.lines.range(line);
            if range.start >= limit {
                return limit;
            }
            let text = &self.bytes[self.lines.content_of(line).min(range.end)..range.end];
            let mark = text.first().copied().filter(|b| matches!(b, b'>' | b'|'));
            if line == first {
                quote = mark;
            }
            let unquoted = quote.is_some() && mark != quote;
            if text.trim_ascii().is_empty() || (line > first && framed(text)) || unquoted {
                return range.start;
            }
        }
        self.bytes.len()
    }

    /// The visits of a multi-visit export that are not the latest: each
    /// runs from its first line to the next visit's.
    fn earlier_visits(&self) -> Vec<Block> {
        let visits: Vec<(&BannerHit, Date)> = self
            .banners
            .iter()
            .filter(|hit| hit.banner == Banner::Visit)
            .inspect(|_| crate::steps::add(DATE_REACH))
            .filter_map(|hit| Some((hit, self.visit_date(&hit.span)?)))
            .collect();
        let Some(latest) = visits.iter().map(|(_, date)| *date).max() else { return Vec::new() };
        if visits.iter().all(|(_, date)| *date == latest) {
            return Vec::new();
        }
        // A visit starts with its paragraph (its title and header lines),
        // but not before the previous visit's label.
        let starts: Vec<usize> = visits
            .iter()
            .enumerate()
            .map(|(n, (hit, _))| {
                let floor = n.checked_sub(1).map_or(0, |p| visits[p].0.span.end);
                self.paragraph_start(hit.span.start, floor)
            })
            .collect();
        let mut blocks = Vec::new();
        let mut n = 0;
        while n < visits.len() {
            let (hit, date) = visits[n];
            // The same visit's label again (a page header) goes on with it.
            let next = (n + 1..visits.len()).find(|&m| visits[m].1 != date);
            let end = next.map_or(self.bytes.len(), |m| starts[m]);
            if date != latest {
                blocks.push(Block {
                    span: starts[n]..end,
                    opener: self
                        .heading_holding(&hit.span)
                        .map_or_else(|| Opener::Banner(hit.span.clone()), Opener::Heading),
                    entry: hit.entry,
                    phrase: hit.span.clone(),
                    ended_by: None,
                });
            }
            n = next.unwrap_or(visits.len());
        }
        blocks
    }

    /// The date a visit label gives, when it stands at the start of its
    /// line (after any frame) or of a column of a header line ("Patient:
    /// Lucas A.   DOB 02/03/2017   Visit: 01/20/2026") and a date follows
    /// its colon.
    fn visit_date(&self, label: &Range<usize>) -> Option<Date> {
        let line = self.lines.line_of(label.start);
        let content = self.lines.content_of(line);
        let lead = &self.bytes[content..label.start];
        let opens_line =
            lead.iter().all(|b| is_frame_byte(*b) || matches!(b, b' ' | b'[')) || labelled(lead);
        let opens_column = lead.ends_with(b"  ") || lead.ends_with(b"\t");
        if !(opens_line || opens_column) {
            return None;
        }
        let end = self.lines.range(line).end.min(label.end + DATE_REACH);
        let after = &self.bytes[label.end..end];
        let colon = after.iter().position(|b| !matches!(b, b' ' | b'.' | b'\t'))?;
        let label_rest = &after[colon..];
        let after = skip_aside(skip_count(label_rest));
        // "Date of service: 01/02/2025", "ENCOUNTER 2 of 4 | 01/02/2025".
        let separated = [b':', b'|', b'-', b','].iter().find_map(|&sep| after.strip_prefix(&[sep]));
        // A counted visit's date may follow its count after blanks or the
        // label's closing bracket: "ENCOUNTER 2 of 4   01/02/2025",
        // "[ENCOUNTER 2 of 4]  01/02/2025". An uncounted "visit" before a
        // date with no separator is prose ("visit 01/02/2025 missed").
        let counted = after.len() < label_rest.len();
        let after = match separated {
            Some(after) => after,
            // "ENCOUNTER 2 of 2" alone on its line: its date is on the
            // header line under it ("Date: 01/27/2026   Provider: ...").
            None if counted
                && after.strip_prefix(b"]").unwrap_or(after).trim_ascii().is_empty() =>
            {
                return self.date_line_under(line);
            }
            None if counted => after.strip_prefix(b"]").unwrap_or(after),
            None => return None,
        };
        Date::read(after.trim_ascii_start())
    }

    /// The date of a "Date: ..." line (or "Date of service: ...") right
    /// under `line`, past at most one rule of frame bytes.
    fn date_line_under(&self, line: usize) -> Option<Date> {
        for below in (line + 1..self.lines.count()).take(2) {
            crate::steps::add(1);
            let range = self.lines.range(below);
            let text =
                self.bytes[self.lines.content_of(below).min(range.end)..range.end].trim_ascii();
            if framed(text) && text.iter().all(|b| is_frame_byte(*b)) {
                continue;
            }
            let labelled = text.get(..4).is_some_and(|label| label.eq_ignore_ascii_case(b"date"));
            // The label's colon within a short label ("Date of service:").
            let colon = text.iter().take(20).position(|b| *b == b':').filter(|_| labelled)?;
            return Date::read(text[colon + 1..].trim_ascii_start());
        }
        None
    }

    /// The start of the paragraph that holds `offset`, or `floor` when
    /// the paragraph started before it.
    fn paragraph_start(&self, offset: usize, floor: usize) -> usize {
        let mut line = self.lines.line_of(offset);
        while line > 0 && self.lines.range(line).start > floor {
            crate::steps::add(1);
            let above = self.lines.range(line - 1);
            if self.bytes[above].trim_ascii().is_empty() {
                break;
            }
            line -= 1;
        }
        self.lines.range(line).start.max(floor)
    }
}

/// Whether a line's text opens with a frame of two or more frame bytes
/// ("***", "===", "--").
/// Whether the words before a banner on its line are a short label
/// parted from it by a dash, written in capitals ("FOLLOW-UP - DATE OF
/// SERVICE: 8/19/2025"): the banner still opens its block.
fn labelled(before: &[u8]) -> bool {
    let Some(label) = before.strip_suffix(b"- ").or_else(|| before.strip_suffix(b"-- ")) else {
        return false;
    };
    let label = label.trim_ascii_end();
    !label.is_empty()
        && label.iter().any(u8::is_ascii_alphabetic)
        && !label.iter().any(u8::is_ascii_lowercase)
}

fn framed(text: &[u8]) -> bool {
    text.iter().take_while(|b| is_frame_byte(**b)).count() >= 2
}

fn is_frame_byte(b: u8) -> bool {
    matches!(b, b'=' | b'*' | b'#' | b'~' | b'_' | b'-' | b'<' | b'>' | b'|')
}

/// A visit date, ordered: year, month, day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Date(u16, u8, u8);

impl Date {
    /// The date at the start of `text`: "03/04/2025", "3/4/25",
    /// "2025-03-04".
    fn read(text: &[u8]) -> Option<Date> {
        if text.first().is_some_and(u8::is_ascii_alphabetic) {
            return Date::read_named(text);
        }
        let numbers: Vec<(u32, usize)> = text
            .split(|b| matches!(b, b'/' | b'-' | b'.'))
            .take(3)
            .map(|part| {
                let digits = part.iter().take_while(|b| b.is_ascii_digit()).count();
                let value = std::str::from_utf8(&part[..digits]).ok()?.parse().ok()?;
                Some((value, digits))
            })
            .collect::<Option<_>>()?;
        let [(a, a_digits), (b, _), (c, c_digits)] = numbers[..] else { return None };
        let (year, month, day) = match (a_digits, c_digits) {
            (4, _) => (a, b, c),
            (_, 4) => (c, a, b),
            (_, 2) => (2000 + c, a, b),
            _ => return None,
        };
        let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
        valid.then_some(Date(u16::try_from(year).ok()?, month as u8, day as u8))
    }
}

impl Date {
    /// A date written with its month's name first: "December 22, 2025",
    /// "Dec. 22 2025".
    fn read_named(text: &[u8]) -> Option<Date> {
        const MONTHS: [&[u8]; 12] = [
            b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
            b"dec",
        ];
        let name = text.get(..3)?;
        let month = MONTHS.iter().position(|m| name.eq_ignore_ascii_case(m))? + 1;
        let mut numbers = text
            .split(|b| !b.is_ascii_digit())
            .filter(|part| !part.is_empty())
            .take(2)
            .map(|part| std::str::from_utf8(part).ok()?.parse::<u32>().ok());
        let (day, year) = (numbers.next()??, numbers.next()??);
        let valid = (1..=31).contains(&day) && (1900..=2100).contains(&year);
        valid.then_some(Date(u16::try_from(year).ok()?, month as u8, day as u8))
    }
}

/// How long an aside after a visit's count may be ("(CURRENT) ").
const ASIDE_REACH: usize = 24;

/// `bytes` after a short aside in brackets, if it starts with one:
/// "VISIT 2 OF 2 (CURRENT) - 01/20/2026" is dated like "VISIT 2 OF 2 - ...".
fn skip_aside(bytes: &[u8]) -> &[u8] {
    if bytes.first() != Some(&b'(') {
        return bytes;
    }
    match bytes.iter().take(ASIDE_REACH).position(|b| *b == b')') {
        Some(close) => bytes[close + 1..].trim_ascii_start(),
        None => bytes,
    }
}

/// `bytes` after a visit's count ("2 of 4 "), if it starts with one.
fn skip_count(bytes: &[u8]) -> &[u8] {
    let digits = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(bytes);
    if n == 0 {
        return bytes;
    }
    let rest = bytes[n..].trim_ascii_start();
    match rest.strip_prefix(b"of").or_else(|| rest.strip_prefix(b"OF")) {
        Some(rest) => {
            let rest = rest.trim_ascii_start();
            let m = digits(rest);
            if m == 0 {
                bytes
            } else {
                rest[m..].trim_ascii_start()
            }
        }
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_their_usual_forms() {
        assert_eq!(Date::read(b"03/04/2025 10:00"), Some(Date(2025, 3, 4)));
        assert_eq!(Date::read(b"3/4/25"), Some(Date(2025, 3, 4)));
        assert_eq!(Date::read(b"2025-03-04"), Some(Date(2025, 3, 4)));
        assert_eq!(Date::read(b"13/45/2025"), None);
        assert_eq!(Date::read(b"pending"), None);
        assert!(Date::read(b"01/02/2025") < Date::read(b"12/01/2025"));
    }
}
