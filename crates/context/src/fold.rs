//! Whitespace folding: clinical text is full of double spaces and wrapped
//! lines ("negative   for", "history of\n  asthma"), so phrases are matched on
//! a copy where every whitespace run is one space, and offsets are mapped back.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

/// What [`Folded`] does besides folding whitespace runs, so that the
/// context engine and extraction share one folding and one offset mapping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FoldOptions {
    /// Lower-case ASCII letters, so that a case-sensitive automaton of
    /// lower-case phrases (smaller and faster) matches any case.
    pub lowercase: bool,
    /// Drop a hyphen that splits a word at a line end or in OCR text
    /// ("clobe-\ntasol", "burn- ing": a letter, the hyphen, whitespace, a
    /// lower-case letter) with the whitespace after it, so the word matches
    /// whole.
    pub join_hyphenated_words: bool,
    /// Read a zero or a one between two letters as the letter O or L, as
    /// OCR misreads them in faxes ("DERMATOL0GY", "Hist0ry", "c1obetasol",
    /// "triamcino1one"); no word of the lexicons holds either.
    pub digit_between_letters_is_letter: bool,
}

/// How the one walk reads a note: lower-cased (the automaton holds
/// lower-case phrases), a word hyphenated at a line end or by OCR joined
/// ("clobe-\ntasol"), a faxed "DERMATOL0GY" or "c1obetasol" read with its
/// letter O or L. The
/// copy before lower-casing is kept too, for phrases whose case matters.
pub(crate) const NOTE: FoldOptions = FoldOptions {
    lowercase: true,
    join_hyphenated_words: true,
    digit_between_letters_is_letter: true,
};

/// How a phrase looked for in a note is folded to compare with the note's
/// copy ([`NOTE`]), case aside.
pub(crate) const NEEDLE: FoldOptions = FoldOptions {
    lowercase: false,
    join_hyphenated_words: true,
    digit_between_letters_is_letter: true,
};

/// Whitespace folding alone.
#[cfg(test)]
pub(crate) const KEEP_CASE: FoldOptions = FoldOptions {
    lowercase: false,
    join_hyphenated_words: false,
    digit_between_letters_is_letter: false,
};

/// A copy of a text with every ASCII whitespace run replaced by one space
/// (and, by [`FoldOptions`], lower-cased or with split words joined), and the
/// means to map offsets in it back to the original: phrases are matched on
/// the copy, evidence spans are reported in the original.
pub struct Folded<'t> {
    /// Borrows the original when nothing needed changing: no copy is made.
    folded: Cow<'t, [u8]>,
    /// When lower-cased, the copy as it was before: the same offsets, the
    /// note's own case.
    cased: Option<Cow<'t, [u8]>>,
    /// Sorted (folded offset, original offset) pairs, one after each folded
    /// run or dropped hyphen; between two points offsets advance together.
    shifts: Vec<(usize, usize)>,
}

impl<'t> Folded<'t> {
    /// Folds `original`. Only ASCII bytes are dropped or changed, so the
    /// copy stays valid UTF-8 and lengths stay the same between edits.
    pub fn new(original: &'t str, options: FoldOptions) -> Folded<'t> {
        let bytes = original.as_bytes();
        crate::steps::add(bytes.len());
        let mut shifts = Vec::new();
        let mut folded = fold_edits(bytes, options.join_hyphenated_words, &mut shifts);
        if options.digit_between_letters_is_letter {
            read_digits_in_words_as_letters(&mut folded);
        }
        let mut cased = None;
        if options.lowercase {
            let lower = folded.to_ascii_lowercase();
            cased = Some(std::mem::replace(&mut folded, Cow::Owned(lower)));
        }
        Folded { folded, cased, shifts }
    }

    /// The folded text, where phrases are matched.
    pub fn bytes(&self) -> &[u8] {
        &self.folded
    }

    /// The folded text in the note's own case (the same as [`Folded::bytes`]
    /// unless lower-cased): where the case of a match is checked.
    pub fn cased(&self) -> &[u8] {
        self.cased.as_deref().unwrap_or(&self.folded)
    }

    /// The folded offset of an original offset; one inside a folded run or
    /// a dropped hyphen maps to the end of that edit in the folded text.
    pub fn folded_offset(&self, original: usize) -> usize {
        let i = self.shifts.partition_point(|&(_, o)| o <= original);
        let along = match i.checked_sub(1) {
            None => original,
            Some(before) => {
                let (f, o) = self.shifts[before];
                f + (original - o)
            }
        };
        self.shifts.get(i).map_or(along, |&(next, _)| along.min(next))
    }

    /// The original offset of a folded offset.
    pub fn original_offset(&self, folded: usize) -> usize {
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
    pub fn original_range(&self, folded: Range<usize>) -> Range<usize> {
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

/// Copies `bytes` with each whitespace run as one space and, if `join`,
/// each word-splitting hyphen dropped with the whitespace after it, noting
/// a shift after every edit that moved offsets or was not a plain space.
/// Text between edits is copied in one piece: vectorised searches find the
/// edits, which are rare next to single spaces. Borrows `bytes` when there
/// is no edit.
fn fold_edits<'b>(bytes: &'b [u8], join: bool, shifts: &mut Vec<(usize, usize)>) -> Cow<'b, [u8]> {
    let mut edits = Edits::new(bytes, join);
    let Some(mut edit) = edits.next_from(0) else {
        return Cow::Borrowed(bytes);
    };
    let mut folded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    loop {
        match edit {
            Edit::Run(found) => {
                folded.extend_from_slice(&bytes[i..found]);
                // A run that a line break or tab ends may begin with a
                // space already copied.
                if found > i && bytes[found - 1] == b' ' {
                    folded.pop();
                }
                i = found + whitespace_after(bytes, found);
                folded.push(b' ');
            }
            Edit::Hyphen(at) => {
                folded.extend_from_slice(&bytes[i..at]);
                i = at + 1 + whitespace_after(bytes, at + 1);
            }
        }
        shifts.push((folded.len(), i));
        match edits.next_from(i) {
            Some(next) => edit = next,
            None => break,
        }
    }
    folded.extend_from_slice(&bytes[i..]);
    Cow::Owned(folded)
}

/// Replaces each "0" between two ASCII letters by an "O" of the case of the
/// letter before it; same length, so offsets do not move.
fn read_digits_in_words_as_letters(folded: &mut Cow<'_, [u8]>) {
    let is_digit_in_word = |bytes: &[u8], i: usize| {
        i > 0
            && bytes[i - 1].is_ascii_alphabetic()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
    };
    let digits: Vec<usize> =
        memchr::memchr2_iter(b'0', b'1', folded).filter(|&i| is_digit_in_word(folded, i)).collect();
    if digits.is_empty() {
        return;
    }
    let bytes = folded.to_mut();
    for i in digits {
        let letter = if bytes[i] == b'0' { b'o' } else { b'l' };
        bytes[i] =
            if bytes[i - 1].is_ascii_uppercase() { letter.to_ascii_uppercase() } else { letter };
    }
}

fn whitespace_after(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().take_while(|b| b.is_ascii_whitespace()).count()
}

/// Whether the hyphen at `at` splits one word: a letter before it, white
/// space after it, then a lowercase letter ("clobe-\ntasol", "burn- ing").
fn joins_word(bytes: &[u8], at: usize) -> bool {
    let letter_before = at > 0 && bytes[at - 1].is_ascii_alphabetic();
    let space = whitespace_after(bytes, at + 1);
    let next = bytes.get(at + 1 + space);
    letter_before && space > 0 && next.is_some_and(u8::is_ascii_lowercase)
}

/// One place where the folded copy differs from the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    /// A whitespace run to fold starts here.
    Run(usize),
    /// A word-splitting hyphen.
    Hyphen(usize),
}

/// Finds where whitespace needs folding (two spaces in a row, or a tab,
/// line break or form feed) and, if asked, word-splitting hyphens. Each
/// search result is kept until passed, so the text is scanned once per kind.
struct Edits<'b> {
    bytes: &'b [u8],
    double_space: Option<usize>,
    /// A line break or tab.
    other: Option<usize>,
    /// Kept apart from `other`: searched together, a text without form
    /// feeds would be scanned to its end again at every line break.
    form_feed: Option<usize>,
    /// Always `None` when hyphens are not joined.
    hyphen: Option<usize>,
}

impl<'b> Edits<'b> {
    fn new(bytes: &'b [u8], join: bool) -> Edits<'b> {
        Edits {
            bytes,
            double_space: double_space(bytes, 0),
            other: other_space(bytes, 0),
            form_feed: form_feed(bytes, 0),
            hyphen: if join { joining_hyphen(bytes, 0) } else { None },
        }
    }

    /// The first edit at or after `from`.
    fn next_from(&mut self, from: usize) -> Option<Edit> {
        if self.double_space.is_some_and(|at| at < from) {
            self.double_space = double_space(self.bytes, from);
        }
        if self.other.is_some_and(|at| at < from) {
            self.other = other_space(self.bytes, from);
        }
        if self.form_feed.is_some_and(|at| at < from) {
            self.form_feed = form_feed(self.bytes, from);
        }
        if self.hyphen.is_some_and(|at| at < from) {
            self.hyphen = joining_hyphen(self.bytes, from);
        }
        let run = self.double_space.into_iter().chain(self.other).chain(self.form_feed).min();
        // A hyphen is never whitespace, so the two never tie.
        match (run, self.hyphen) {
            (Some(run), Some(hyphen)) if hyphen < run => Some(Edit::Hyphen(hyphen)),
            (Some(run), _) => Some(Edit::Run(run)),
            (None, hyphen) => hyphen.map(Edit::Hyphen),
        }
    }
}

fn double_space(bytes: &[u8], from: usize) -> Option<usize> {
    // Built once: building a searcher per call costs more than the search.
    static FINDER: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"  "));
    finder.find(bytes.get(from..)?).map(|p| from + p)
}

fn other_space(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr3(b'\n', b'\t', b'\r', bytes.get(from..)?).map(|p| from + p)
}

fn form_feed(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\x0c', bytes.get(from..)?).map(|p| from + p)
}

fn joining_hyphen(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    memchr::memchr_iter(b'-', rest).map(|p| from + p).find(|&at| joins_word(bytes, at))
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
        let folded = Folded::new(text, LOWER);
        assert_eq!(folded.bytes(), b"negative for fever");
        let fever = 13;
        let range = folded.original_range(fever..fever + 5);
        assert_eq!(&text[range], "fever");
        let phrase = folded.original_range(0..12);
        assert_eq!(&text[phrase], "negative   for");
    }

    #[test]
    fn unfolded_text_keeps_its_offsets() {
        let folded = Folded::new("No Fever today", LOWER);
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
            let folded = Folded::new(&text, LOWER);
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

    const JOIN: FoldOptions = FoldOptions { join_hyphenated_words: true, ..KEEP_CASE };
    const LOWER: FoldOptions = FoldOptions { lowercase: true, ..KEEP_CASE };

    #[test]
    fn the_note_keeps_its_case_beside_the_lower_case_copy() {
        let text = "DERMATOL0GY:  Clobe-\ntasol";
        let folded = Folded::new(text, NOTE);
        assert_eq!(folded_str(&folded), "dermatology: clobetasol");
        assert_eq!(folded.cased(), b"DERMATOLOGY: Clobetasol");
        for (original, folded_at) in
            [(0, 0), (12, 12), (13, 13), (14, 13), (19, 18), (20, 18), (21, 18), (25, 22)]
        {
            assert_eq!(folded.folded_offset(original), folded_at, "{original}");
        }
        assert_eq!(Folded::new("abc", KEEP_CASE).cased(), b"abc");
    }

    fn folded_str<'a>(folded: &'a Folded) -> &'a str {
        std::str::from_utf8(folded.bytes()).unwrap()
    }

    #[test]
    fn offsets_map_back_across_several_runs() {
        let text = "a  b\n\n c\t\td";
        let folded = Folded::new(text, KEEP_CASE);
        assert_eq!(folded_str(&folded), "a b c d");
        let offsets: Vec<usize> = (0..7).map(|f| folded.original_offset(f)).collect();
        // Each space maps to the start of its run, each letter to itself.
        assert_eq!(offsets, [0, 1, 3, 4, 7, 8, 10]);
        assert_eq!(&text[folded.original_range(2..5)], "b\n\n c");
        assert_eq!(folded.original_range(3..3), 4..4);
    }

    #[test]
    fn a_zero_or_one_inside_a_word_reads_as_a_letter_only_when_asked() {
        let ocr = FoldOptions { digit_between_letters_is_letter: true, ..KEEP_CASE };
        let text = "DERMATOL0GY Hist0ry 300 mg B0 T2N0M0 0.1% c1obetasol IL-13 x10 1a";
        assert_eq!(
            folded_str(&Folded::new(text, ocr)),
            "DERMATOLOGY History 300 mg B0 T2NOM0 0.1% clobetasol IL-13 x10 1a"
        );
        assert_eq!(folded_str(&Folded::new(text, KEEP_CASE)), text);
    }

    #[test]
    fn crlf_is_one_space() {
        let text = "itch\r\nsevere \r\n\r\n  at night";
        let folded = Folded::new(text, KEEP_CASE);
        assert_eq!(folded_str(&folded), "itch severe at night");
        assert_eq!(&text[folded.original_range(5..11)], "severe");
        assert_eq!(&text[folded.original_range(12..20)], "at night");
        assert_eq!(&text[folded.original_range(0..11)], "itch\r\nsevere");
    }

    #[test]
    fn hyphens_split_across_lines_join_only_when_asked() {
        let text = "Prior: clobe-\ntasol, burn- ing";
        let joined = Folded::new(text, JOIN);
        assert_eq!(folded_str(&joined), "Prior: clobetasol, burning");
        assert_eq!(&text[joined.original_range(7..17)], "clobe-\ntasol");
        assert_eq!(&text[joined.original_range(19..26)], "burn- ing");
        assert_eq!(&text[joined.original_range(7..12)], "clobe");
        assert_eq!(&text[joined.original_range(12..17)], "tasol");
        let kept = Folded::new(text, KEEP_CASE);
        assert_eq!(folded_str(&kept), "Prior: clobe- tasol, burn- ing");
    }

    #[test]
    fn hyphens_that_do_not_split_a_word_stay() {
        for text in ["follow-up", "Type- 2", "x -\ny", "Type-\nA", "ends-", "ends- ", "1-\nday"] {
            let folded = Folded::new(text, JOIN);
            let expected = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(folded_str(&folded).trim_end(), expected, "{text:?}");
        }
    }

    #[test]
    fn case_is_kept_unless_lowercase_is_asked() {
        let text = "Negative  FOR Fever";
        assert_eq!(folded_str(&Folded::new(text, KEEP_CASE)), "Negative FOR Fever");
        assert_eq!(folded_str(&Folded::new(text, LOWER)), "negative for fever");
        let both = FoldOptions { lowercase: true, join_hyphenated_words: true, ..KEEP_CASE };
        assert_eq!(
            folded_str(&Folded::new("Clobe-\nTasol Ecze-\nma", both)),
            "clobe- tasol eczema"
        );
    }

    #[test]
    fn text_with_nothing_to_fold_is_not_copied() {
        for text in ["No fever today.", "follow-up - Type- 2", ""] {
            for options in [KEEP_CASE, JOIN] {
                let folded = Folded::new(text, options);
                assert!(matches!(folded.folded, Cow::Borrowed(_)), "{text:?}");
                assert_eq!(folded.bytes(), text.as_bytes());
                assert!(folded.shifts.is_empty());
            }
        }
        assert!(matches!(Folded::new("a\nb", KEEP_CASE).folded, Cow::Owned(_)));
        assert!(matches!(Folded::new("a  b", KEEP_CASE).folded, Cow::Owned(_)));
        assert!(matches!(Folded::new("ab-\ncd", JOIN).folded, Cow::Owned(_)));
        assert!(matches!(Folded::new("no fever", LOWER).folded, Cow::Owned(_)));
    }

    proptest::proptest! {
        /// Every folded range on char boundaries maps back to a range of the
        /// original on char boundaries, which folds to the same bytes.
        #[test]
        fn folded_ranges_map_to_char_boundary_ranges(
            text in "([aZé -]|\n|\r\n|\t|\u{0c}|→){0,24}",
            lowercase: bool,
            join_hyphenated_words: bool,
        ) {
            let options = FoldOptions { lowercase, join_hyphenated_words, ..KEEP_CASE };
            let folded = Folded::new(&text, options);
            let copy = std::str::from_utf8(folded.bytes()).unwrap();
            let bounds: Vec<usize> =
                (0..=copy.len()).filter(|&i| copy.is_char_boundary(i)).collect();
            for (n, &start) in bounds.iter().enumerate() {
                for &end in &bounds[n..] {
                    let range = folded.original_range(start..end);
                    proptest::prop_assert!(range.start <= range.end && range.end <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(range.start));
                    proptest::prop_assert!(text.is_char_boundary(range.end));
                    let again = Folded::new(&text[range], options);
                    proptest::prop_assert_eq!(again.bytes(), &folded.bytes()[start..end]);
                }
            }
        }
    }

    #[test]
    fn phrase_with_space_needs_space_in_text() {
        assert_eq!(find_phrase("heartrate", "heart rate"), None);
        assert_eq!(find_phrase("heart\n rate", "heart  rate"), Some(0..11));
    }
}
