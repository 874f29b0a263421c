//! Whitespace folding: clinical text is full of double spaces and wrapped
//! lines ("negative   for", "history of\n  asthma"), so phrases are matched on
//! a copy where every whitespace run is one space, and offsets are mapped back.

use std::ops::Range;
use std::sync::OnceLock;

/// A lower-case copy of a text with every ASCII whitespace run replaced by
/// one space, and the means to map offsets in it back to the original.
pub(crate) struct Folded {
    folded: Vec<u8>,
    /// Sorted (folded offset, original offset) pairs, one after each folded
    /// run; between two points offsets advance together.
    shifts: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds and lower-cases `original` (ASCII only, so UTF-8 stays valid
    /// and lengths stay the same outside whitespace runs). Lower case lets
    /// the phrase automaton be case-sensitive, which is smaller and faster.
    pub(crate) fn new(original: &str) -> Folded {
        let bytes = original.as_bytes();
        let mut shifts = Vec::new();
        let folded = fold_runs(bytes, &mut shifts);
        Folded { folded, shifts }
    }

    /// The folded text, where phrases are matched.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.folded
    }

    /// The original offset of a folded offset.
    pub(crate) fn original_offset(&self, folded: usize) -> usize {
        let i = self.shifts.partition_point(|&(f, _)| f <= folded);
        match i.checked_sub(1) {
            None => folded,
            Some(i) => {
                let (f, o) = self.shifts[i];
                o + (folded - f)
            }
        }
    }

    /// The original range of a folded range.
    pub(crate) fn original_range(&self, folded: Range<usize>) -> Range<usize> {
        let start = self.original_offset(folded.start);
        // The end maps from its last byte so a match ending at a space does
        // not swallow the rest of the run.
        let end = if folded.end > folded.start {
            self.original_offset(folded.end - 1) + 1
        } else {
            start
        };
        start..end
    }
}

/// Copies `bytes` in lower case with each whitespace run as one space,
/// noting a shift after every run that changed length or was not a plain
/// space. Text between such runs is copied in one piece: vectorised
/// searches find the runs, which are rare next to single spaces.
fn fold_runs(bytes: &[u8], shifts: &mut Vec<(usize, usize)>) -> Vec<u8> {
    let mut folded = Vec::with_capacity(bytes.len());
    let mut runs = IrregularRuns::new(bytes);
    let mut i = 0;
    while let Some(found) = runs.next_from(i) {
        folded.extend_from_slice(&bytes[i..found]);
        // A run that a line break or tab ends may begin with a space
        // already copied.
        if found > i && bytes[found - 1] == b' ' {
            folded.pop();
        }
        i = found + bytes[found..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        folded.push(b' ');
        shifts.push((folded.len(), i));
    }
    folded.extend_from_slice(&bytes[i..]);
    folded.make_ascii_lowercase();
    folded
}

/// Finds where whitespace needs folding: two spaces in a row, or a tab,
/// line break or form feed. Each search result is kept until passed, so
/// the text is scanned once per kind.
struct IrregularRuns<'b> {
    bytes: &'b [u8],
    double_space: Option<usize>,
    other: Option<usize>,
}

impl<'b> IrregularRuns<'b> {
    fn new(bytes: &'b [u8]) -> IrregularRuns<'b> {
        IrregularRuns { bytes, double_space: double_space(bytes, 0), other: other_space(bytes, 0) }
    }

    /// The first position at or after `from` where a run to fold starts.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        if self.double_space.is_some_and(|at| at < from) {
            self.double_space = double_space(self.bytes, from);
        }
        if self.other.is_some_and(|at| at < from) {
            self.other = other_space(self.bytes, from);
        }
        self.double_space.into_iter().chain(self.other).min()
    }
}

fn double_space(bytes: &[u8], from: usize) -> Option<usize> {
    // Built once: building a searcher per call costs more than the search.
    static FINDER: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"  "));
    finder.find(bytes.get(from..)?).map(|p| from + p)
}

fn other_space(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let breaks = memchr::memchr3(b'\n', b'\t', b'\r', rest);
    breaks.into_iter().chain(memchr::memchr(b'\x0c', rest)).min().map(|p| from + p)
}

/// Finds `needle` in `haystack` as `necessity context` finds targets:
/// ASCII case-insensitively, a whitespace run in the needle matching any
/// whitespace run in the haystack, and without allocating.
pub fn find_phrase(haystack: &str, needle: &str) -> Option<Range<usize>> {
    let needle = needle.trim().as_bytes();
    let hay = haystack.as_bytes();
    let first = *needle.first()?;
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while from < hay.len() {
        let at = from + memchr::memchr2(lower, upper, &hay[from..])?;
        if let Some(end) = match_at(hay, at, needle) {
            return Some(at..end);
        }
        from = at + 1;
    }
    None
}

/// The end of `needle` matched at `at`, if it matches there.
fn match_at(hay: &[u8], at: usize, needle: &[u8]) -> Option<usize> {
    let (mut h, mut n) = (at, 0);
    while n < needle.len() {
        if needle[n].is_ascii_whitespace() {
            if !hay.get(h)?.is_ascii_whitespace() {
                return None;
            }
            while n < needle.len() && needle[n].is_ascii_whitespace() {
                n += 1;
            }
            while h < hay.len() && hay[h].is_ascii_whitespace() {
                h += 1;
            }
            continue;
        }
        if !hay.get(h)?.eq_ignore_ascii_case(&needle[n]) {
            return None;
        }
        h += 1;
        n += 1;
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_offsets_map_back() {
        let text = "negative   for\n\tfever";
        let folded = Folded::new(text);
        assert_eq!(folded.bytes(), b"negative for fever");
        let fever = 13;
        let range = folded.original_range(fever..fever + 5);
        assert_eq!(&text[range], "fever");
        let phrase = folded.original_range(0..12);
        assert_eq!(&text[phrase], "negative   for");
    }

    #[test]
    fn unfolded_text_keeps_its_offsets() {
        let folded = Folded::new("No Fever today");
        assert_eq!(folded.bytes(), b"no fever today");
        assert!(folded.shifts.is_empty());
        assert_eq!(folded.original_range(3..8), 3..8);
    }

    #[test]
    fn phrase_matches_across_whitespace_runs_and_case() {
        let text = "The LUNGS WERE DECREASED AT THE   BILATERAL BASES.";
        let range = find_phrase(text, "lungs were decreased at the bilateral bases").unwrap();
        assert_eq!(&text[range], "LUNGS WERE DECREASED AT THE   BILATERAL BASES");
        assert_eq!(find_phrase(text, "pneumonia"), None);
        assert_eq!(find_phrase(text, ""), None);
    }

    proptest::proptest! {
        #[test]
        fn folding_maps_every_word_back(text in "[aB \\n\\t\\r]{0,40}") {
            let folded = Folded::new(&text);
            let expected = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            let got = String::from_utf8(folded.bytes().to_vec()).unwrap();
            proptest::prop_assert_eq!(got.trim(), expected.to_ascii_lowercase());
            let mut at = 0;
            for word in got.split(' ') {
                if !word.is_empty() {
                    let range = folded.original_range(at..at + word.len());
                    proptest::prop_assert_eq!(text[range].to_ascii_lowercase(), word);
                }
                at += word.len() + 1;
            }
        }
    }

    #[test]
    fn phrase_with_space_needs_space_in_text() {
        assert_eq!(find_phrase("heartrate", "heart rate"), None);
        assert_eq!(find_phrase("heart\n rate", "heart  rate"), Some(0..11));
    }
}
