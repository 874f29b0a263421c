//! Whitespace folding: clinical text is full of double spaces and wrapped
//! lines ("negative   for", "history of\n  asthma"), so phrases are matched on
//! a copy where every whitespace run is one space, and offsets are mapped back.

use std::ops::Range;

/// A text with every ASCII whitespace run replaced by one space, and the
/// means to map offsets in it back to the original.
pub(crate) struct Folded<'t> {
    original: &'t str,
    /// `None` when the original needed no folding (no run longer than one
    /// space, no tab or line break): then offsets are the same.
    folded: Option<String>,
    /// Sorted (folded offset, original offset) pairs, one after each folded
    /// run; between two points offsets advance together.
    shifts: Vec<(usize, usize)>,
}

impl<'t> Folded<'t> {
    /// Folds `original`, copying it only when it has something to fold.
    pub(crate) fn new(original: &'t str) -> Folded<'t> {
        if !needs_folding(original.as_bytes()) {
            return Folded { original, folded: None, shifts: Vec::new() };
        }
        let bytes = original.as_bytes();
        let mut folded = Vec::with_capacity(bytes.len());
        let mut shifts = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let word_end =
                bytes[i..].iter().position(u8::is_ascii_whitespace).map_or(bytes.len(), |p| i + p);
            folded.extend_from_slice(&bytes[i..word_end]);
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
        // Only ASCII bytes were replaced, by ASCII, so UTF-8 stays valid.
        let folded = String::from_utf8(folded)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Folded { original, folded: Some(folded), shifts }
    }

    /// The folded text, where phrases are matched.
    pub(crate) fn text(&self) -> &str {
        self.folded.as_deref().unwrap_or(self.original)
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

/// True when the text has a whitespace run longer than one space, or white
/// space other than a space; found with vectorised searches, as most
/// sentences have none.
fn needs_folding(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"  ").is_some()
        || memchr::memchr3(b'\n', b'\t', b'\r', bytes).is_some()
        || memchr::memchr(b'\x0c', bytes).is_some()
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
        assert_eq!(folded.text(), "negative for fever");
        let fever = folded.text().find("fever").unwrap();
        let range = folded.original_range(fever..fever + 5);
        assert_eq!(&text[range], "fever");
        let phrase = folded.original_range(0..12);
        assert_eq!(&text[phrase], "negative   for");
    }

    #[test]
    fn unfolded_text_is_not_copied() {
        let folded = Folded::new("no fever today");
        assert!(folded.folded.is_none());
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
