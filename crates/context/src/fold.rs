//! Whitespace folding: clinical text is full of double spaces and wrapped
//! lines ("negative   for", "history of\n  asthma"), so phrases are matched on
//! a copy where every whitespace run is one space, and offsets are mapped back.

use std::ops::Range;

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
/// space.
fn fold_runs(bytes: &[u8], shifts: &mut Vec<(usize, usize)>) -> Vec<u8> {
    let mut folded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let word_end =
            bytes[i..].iter().position(u8::is_ascii_whitespace).map_or(bytes.len(), |p| i + p);
        folded.extend(bytes[i..word_end].iter().map(u8::to_ascii_lowercase));
        i = word_end;
        if i == bytes.len() {
            break;
        }
        let run_start = i;
        i += bytes[i..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        folded.push(b' ');
        if i - run_start > 1 || bytes[run_start] != b' ' {
            shifts.push((folded.len(), i));
        }
    }
    folded
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

    #[test]
    fn phrase_with_space_needs_space_in_text() {
        assert_eq!(find_phrase("heartrate", "heart rate"), None);
        assert_eq!(find_phrase("heart\n rate", "heart  rate"), Some(0..11));
    }
}
