//! The layout of a note found once: lines (where each starts and where its
//! text starts after its indent), paragraphs and list items, so that "which
//! line", "how far is this indented", "which paragraph" and "which item"
//! cost a look-up, not a scan back to the previous line break for every
//! question.

use std::ops::Range;

/// Line starts and indents of one text.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    /// The offset of each line's first byte; the first is 0.
    starts: Vec<usize>,
    /// The offset of each line's first byte that is not a space or tab.
    content: Vec<usize>,
    len: usize,
}

impl Lines {
    /// Indexes the lines of `bytes` in one pass.
    pub fn new(bytes: &[u8]) -> Lines {
        crate::steps::add(bytes.len());
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let content = starts
            .iter()
            .map(|&start| {
                let blank = bytes[start..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
                start + blank
            })
            .collect();
        Lines { starts, content, len: bytes.len() }
    }

    /// The index of the line that holds `offset` (the last line for the end
    /// of the text).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// How many lines there are.
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of line `line`, without its line break.
    pub fn range(&self, line: usize) -> Range<usize> {
        let end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        self.starts[line]..end
    }

    /// The offset of line `line`'s first byte after its indent.
    pub fn content_of(&self, line: usize) -> usize {
        self.content[line]
    }

    /// Whether `at` starts the text of its line (after its indent) and the
    /// line does not hang under the line before (indented deeper than it,
    /// as the wrapped lines of a field are).
    pub fn starts_unhung_line(&self, at: usize) -> bool {
        let line = self.line_of(at);
        if self.content[line] != at {
            return false;
        }
        let indent = |l: usize| self.content[l] - self.starts[l];
        let blank = |l: usize| self.content[l] >= self.range(l).end;
        line == 0 || blank(line - 1) || indent(line) <= indent(line - 1)
    }

    /// The start of the line that holds `offset`.
    pub fn start_of(&self, offset: usize) -> usize {
        self.starts[self.line_of(offset)]
    }

    /// The spaces and tabs between the start of its line and `at`, when
    /// only those are there; 0 otherwise (a heading inside a line).
    pub fn indent_at(&self, at: usize) -> usize {
        let line = self.line_of(at);
        if at <= self.content[line] {
            at - self.starts[line]
        } else {
            0
        }
    }
}

/// Whether a text is written in capitals (a legacy system's export, a
/// teleprinter fax): at most one letter in twenty in lower case. In such a
/// text case says nothing: an upper-case word is no heading and a line
/// that starts with one no new sentence.
pub fn in_capitals(bytes: &[u8]) -> bool {
    crate::steps::add(bytes.len());
    let (mut upper, mut lower) = (0, 0);
    let mut rest = bytes.len();
    // Counted a block at a time (the counts vectorise), stopping once even
    // capitals in all the rest could not outweigh the lower case seen: in
    // most notes, after a few blocks.
    for block in bytes.chunks(CAPITALS_BLOCK) {
        upper += block.iter().map(|b| u32::from(b.is_ascii_uppercase())).sum::<u32>() as usize;
        lower += block.iter().map(|b| u32::from(b.is_ascii_lowercase())).sum::<u32>() as usize;
        rest -= block.len();
        if lower * 19 > upper + rest {
            return false;
        }
    }
    upper + lower >= CAPITALS_MIN_LETTERS && lower * 20 <= upper + lower
}

/// How many bytes [`in_capitals`] counts between checks.
const CAPITALS_BLOCK: usize = 1024;

/// The fewest letters a text has before its case is judged.
const CAPITALS_MIN_LETTERS: usize = 40;

/// The blank lines ("\n\n") that part a note's paragraphs, in order.
#[derive(Clone, Debug, Default)]
pub struct Paragraphs(Vec<usize>);

impl Paragraphs {
    /// Finds the paragraph breaks of `bytes` in one vectorised scan.
    pub fn new(bytes: &[u8]) -> Paragraphs {
        crate::steps::add(bytes.len());
        Paragraphs(memchr::memmem::find_iter(bytes, b"\n\n").collect())
    }

    /// Which paragraph holds byte `offset` (0 for the first).
    pub fn index_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&blank| blank + 2 <= offset)
    }

    /// How many paragraphs there are.
    pub fn count(&self) -> usize {
        self.0.len() + 1
    }
}

/// The items of a note's lists: each runs from a line that opens with a
/// bullet or an item number ("- ", "•", "2.", "3)") to the line before the
/// next line that starts anything new (another item, a blank line, a
/// labelled line such as "Plan:"), so that what one item says can be kept
/// from the next.
///
/// An export's numbered field group is an item too: the lines whose labels
/// share a name and a number ("PRIOR TX 1 AGENT: ...", "PRIOR TX 1 STOP:
/// ...", "PRIOR TX 1 RESPONSE: ...") say one thing, up to the first line of
/// another group or of none.
pub fn list_items(bytes: &[u8], lines: &Lines) -> Vec<Range<usize>> {
    let mut items: Vec<Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut open_group: Option<&[u8]> = None;
    for line in 0..lines.count() {
        let range = lines.range(line);
        // A line opens an item or a new thing in a few bytes after its indent.
        crate::steps::add(1 + range.len().min(crate::sentences::LABEL_REACH));
        let content = &bytes[lines.content[line].min(range.end)..range.end];
        let group = field_group(content);
        let in_open_group = group.is_some() && group == open_group;
        let opens =
            crate::sentences::starts_with_bullet(content) || (group.is_some() && !in_open_group);
        let ends_group = open_group.is_some() && !in_open_group;
        if opens
            || ends_group
            || crate::sentences::starts_new_item(&bytes[range.start..range.end]) && !in_open_group
        {
            if let Some(start) = open.take() {
                items.push(start..lines.range(line - 1).end);
            }
        }
        if opens {
            open = Some(range.start);
        }
        if opens || ends_group {
            open_group = group;
        }
    }
    if let Some(start) = open {
        items.push(start..bytes.len());
    }
    items
}

/// The name and number of a numbered field group a line's label opens
/// with ("PRIOR TX 1" of "PRIOR TX 1 RESPONSE: Inadequate"): upper-case
/// words, a number of one or two digits, and the field's own words up to
/// the colon, within a label's reach.
pub fn field_group(line: &[u8]) -> Option<&[u8]> {
    static GROUP: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?x)
            ^( [A-Z][A-Za-z]*(?:\x20[A-Za-z]+)*   # the group's name: PRIOR TX
               \x20[0-9]{1,2} )                    # its number
            \x20[A-Za-z]+(?:\x20[A-Za-z]+)*:       # the field's own words, then a colon",
        )
        .expect("the field group grammar compiles")
    });
    let head = &line[..line.len().min(crate::sentences::LABEL_REACH)];
    // Most lines open with no capital or hold no digit: no grammar is run.
    if !head.first().is_some_and(u8::is_ascii_uppercase) || !head.iter().any(u8::is_ascii_digit) {
        return None;
    }
    GROUP.captures(head).and_then(|c| c.get(1)).map(|m| m.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_indents() {
        let text = "a\n  b: x\n\n\tc";
        let lines = Lines::new(text.as_bytes());
        assert_eq!(lines.count(), 4);
        assert_eq!(lines.line_of(0), 0);
        assert_eq!(lines.line_of(1), 0);
        assert_eq!(lines.line_of(2), 1);
        assert_eq!(lines.line_of(text.len()), 3);
        assert_eq!(&text[lines.range(1)], "  b: x");
        assert_eq!(&text[lines.range(2)], "");
        assert_eq!(lines.indent_at(4), 2);
        assert_eq!(lines.indent_at(7), 0, "inside the line");
        assert_eq!(lines.indent_at(11), 1);
        assert_eq!(lines.start_of(6), 2);
    }

    #[test]
    fn paragraphs_and_items() {
        let text = "Tried:\n- clobetasol\n  wrapped\n2) tacrolimus\n\nPlan: start";
        let paragraphs = Paragraphs::new(text.as_bytes());
        assert_eq!(paragraphs.count(), 2);
        assert_eq!(paragraphs.index_of(text.find("Plan").unwrap()), 1);
        assert_eq!(paragraphs.index_of(3), 0);
        let items = list_items(text.as_bytes(), &Lines::new(text.as_bytes()));
        let items: Vec<&str> = items.into_iter().map(|r| &text[r]).collect();
        assert_eq!(items, ["- clobetasol\n  wrapped", "2) tacrolimus"]);
    }

    #[test]
    fn a_numbered_field_group_is_an_item() {
        let text = "FLARE STATUS: Y\nPRIOR TX 1 AGENT: triamcinolone\nPRIOR TX 1 STOP: 2025-11\n\
                    PRIOR TX 1 RESPONSE: Inadequate\nPRIOR TX 2 AGENT: tacrolimus\n\
                    PRIOR TX 2 RESPONSE: burning\nSECONDARY DX 1: E11.9\nPLAN: start";
        let items = list_items(text.as_bytes(), &Lines::new(text.as_bytes()));
        let items: Vec<&str> = items.into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            items,
            [
                "PRIOR TX 1 AGENT: triamcinolone\nPRIOR TX 1 STOP: 2025-11\nPRIOR TX 1 RESPONSE: Inadequate",
                "PRIOR TX 2 AGENT: tacrolimus\nPRIOR TX 2 RESPONSE: burning",
            ]
        );
    }

    #[test]
    fn typographic_bullets_and_a_word_processors_o_open_items() {
        let text = "Tried:\n\u{2013} clobetasol\n\u{2014} tacrolimus\n\u{25aa} crisaborole\n\
                    \u{25e6} pimecrolimus\n\u{2022} ruxolitinib\n* desonide\no halobetasol\n\
                    or wrapped\nOther:";
        let items = list_items(text.as_bytes(), &Lines::new(text.as_bytes()));
        let items: Vec<&str> = items.into_iter().map(|r| &text[r]).collect();
        assert_eq!(items.len(), 7, "{items:?}");
        assert_eq!(items[6], "o halobetasol\nor wrapped", "'or' is a word, not a bullet");
    }
}
