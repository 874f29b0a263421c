//! Words a scan misread, read as what they stand for: a drug name with a
//! digit for a letter ("hydrocort1sone", "c1obetasol"), a dose with a letter
//! O for a zero ("6OO mg"), and in a document that says it was recognised
//! from an image ("OCR"), a drug name with one letter read as its look-alike
//! ("desonlde", "Dupixcnt"). Each repair replaces one byte with one byte, so
//! evidence offsets still point into the note as given (see
//! `the_note_as_read`).

use crate::lexicon::{Meaning, Vocabulary};
use std::collections::HashSet;

/// The drug names a misread word may stand for: every one-word drug term of
/// the vocabulary at least [`MIN_LEN`] letters long, in lower case.
#[derive(Clone, Debug, Default)]
pub struct DrugWords {
    words: HashSet<Vec<u8>>,
}

/// Shorter names are too close to other words to repair towards.
const MIN_LEN: usize = 6;

/// Digits a scan reads for letters, with the letters they may stand for.
const DIGIT_LETTERS: [(u8, &[u8]); 3] = [(b'0', b"o"), (b'1', b"il"), (b'5', b"s")];

/// Letters a scan reads for one another ("desonlde", "Dupixcnt").
const LETTER_LOOKALIKES: [(u8, u8); 4] = [(b'l', b'i'), (b'i', b'l'), (b'c', b'e'), (b'e', b'c')];

/// How many misread digits a word may hold (each may stand for two letters).
const MAX_DIGITS: usize = 3;

impl DrugWords {
    /// The one-word drug names of `vocabulary`.
    pub fn of(vocabulary: &Vocabulary) -> DrugWords {
        let words = vocabulary
            .terms
            .iter()
            .zip(&vocabulary.senses)
            .filter(|(_, senses)| senses.iter().flatten().any(|m| matches!(m, Meaning::Drug(_))))
            .map(|(term, _)| term.phrase.to_ascii_lowercase())
            .filter(|phrase| {
                phrase.len() >= MIN_LEN && phrase.bytes().all(|b| b.is_ascii_lowercase())
            })
            .map(String::into_bytes)
            .collect();
        DrugWords { words }
    }

    /// The repairs (offset, byte) that read the misread words of `bytes`.
    pub fn repairs(&self, bytes: &[u8]) -> Vec<(usize, u8)> {
        let scanned = memchr::memmem::find(bytes, b"OCR").is_some();
        let mut repairs = Vec::new();
        let mut start = 0;
        while start < bytes.len() {
            // Outside a scan only a word with a digit is repaired, so the
            // walk goes from digit to digit and reads just their words.
            if !scanned {
                let Some(digit) = bytes[start..].iter().position(u8::is_ascii_digit) else {
                    necessity_context::steps::add(bytes.len() - start);
                    break;
                };
                let word_start = bytes[start..start + digit]
                    .iter()
                    .rposition(|b| !b.is_ascii_alphanumeric())
                    .map_or(start, |at| start + at + 1);
                necessity_context::steps::add(word_start - start);
                start = word_start;
            }
            let len = bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            necessity_context::steps::add(len + 1);
            if len > 0 {
                let word = &bytes[start..start + len];
                repairs.extend(
                    self.word_repairs(word, scanned).into_iter().map(|(i, b)| (start + i, b)),
                );
            }
            start += len + 1;
        }
        repairs
    }

    /// The repairs of one word (offsets within it).
    fn word_repairs(&self, word: &[u8], scanned: bool) -> Vec<(usize, u8)> {
        let digits = word.iter().filter(|b| b.is_ascii_digit()).count();
        if digits > 0 && word.iter().all(|b| b.is_ascii_digit() || matches!(b, b'O' | b'o')) {
            return zeros_read_as_letters(word);
        }
        // Most words hold no digit in a document not scanned: nothing to read.
        if word.len() < MIN_LEN || (digits == 0 && !scanned) {
            return Vec::new();
        }
        let lower = word.to_ascii_lowercase();
        if digits > 0 && digits <= MAX_DIGITS && word.iter().any(u8::is_ascii_alphabetic) {
            return self.letters_for_digits(word, &lower);
        }
        if digits == 0 && !self.words.contains(&lower) {
            return self.lookalike_letter(word, &lower);
        }
        Vec::new()
    }

    /// A drug name with digits for letters: every reading of its digits
    /// ("1" as "i" or "l") is tried, and one that is a drug name is kept.
    fn letters_for_digits(&self, word: &[u8], lower: &[u8]) -> Vec<(usize, u8)> {
        let mut readings: Vec<Vec<u8>> = vec![lower.to_vec()];
        for (i, &b) in word.iter().enumerate() {
            let Some((_, letters)) = DIGIT_LETTERS.iter().find(|(digit, _)| *digit == b) else {
                continue;
            };
            readings = readings
                .into_iter()
                .flat_map(|reading| {
                    letters.iter().map(move |&letter| {
                        let mut read = reading.clone();
                        read[i] = letter;
                        read
                    })
                })
                .collect();
        }
        let Some(found) = readings.into_iter().find(|r| self.words.contains(r)) else {
            return Vec::new();
        };
        keep_case(word, &found)
    }

    /// A drug name with one letter read as its look-alike.
    fn lookalike_letter(&self, word: &[u8], lower: &[u8]) -> Vec<(usize, u8)> {
        for (i, &b) in lower.iter().enumerate() {
            for &(seen, meant) in &LETTER_LOOKALIKES {
                if b != seen {
                    continue;
                }
                let mut read = lower.to_vec();
                read[i] = meant;
                if self.words.contains(&read) {
                    return keep_case(word, &read);
                }
            }
        }
        Vec::new()
    }
}

/// The bytes of `word` that differ from `read`, in the word's case.
fn keep_case(word: &[u8], read: &[u8]) -> Vec<(usize, u8)> {
    word.iter()
        .zip(read)
        .enumerate()
        .filter(|(_, (w, r))| !w.eq_ignore_ascii_case(r))
        .map(|(i, (w, r))| (i, if w.is_ascii_uppercase() { r.to_ascii_uppercase() } else { *r }))
        .collect()
}

/// A number with a letter O for a zero ("6OO", "3OO"): it opens with a
/// digit ("O2" is oxygen) and holds nothing but digits and O's.
fn zeros_read_as_letters(word: &[u8]) -> Vec<(usize, u8)> {
    if !word[0].is_ascii_digit() {
        return Vec::new();
    }
    word.iter().enumerate().filter(|(_, b)| !b.is_ascii_digit()).map(|(i, _)| (i, b'0')).collect()
}

#[cfg(test)]
mod tests {
    use crate::Lexicons;

    fn read(text: &str) -> String {
        let lexicons = Lexicons::builtin();
        let mut bytes = text.as_bytes().to_vec();
        for (at, b) in lexicons.drug_words().repairs(text.as_bytes()) {
            bytes[at] = b;
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn digits_read_for_letters_in_a_drug_name_are_letters() {
        assert_eq!(read("hydrocort1sone 2.5% oint"), "hydrocortisone 2.5% oint");
        assert_eq!(read("C1obetasol 0.05%"), "Clobetasol 0.05%");
        assert_eq!(read("0pzelura 1.5% cr"), "opzelura 1.5% cr");
        assert_eq!(read("Dupixent 6OO mg then 3OO mg"), "Dupixent 600 mg then 300 mg");
        // Codes and words that read as no drug are left alone.
        assert_eq!(read("L20.9 q2w B12 O2 x1 Form1234"), "L20.9 q2w B12 O2 x1 Form1234");
    }

    #[test]
    fn a_lookalike_letter_is_read_only_in_a_scanned_document() {
        assert_eq!(
            read("[OCR] desonlde 0.05% cream, Dupixcnt"),
            "[OCR] desonide 0.05% cream, Dupixent"
        );
        assert_eq!(read("desonlde 0.05% cream"), "desonlde 0.05% cream");
        // A word that is a drug name as written stays.
        assert_eq!(read("[OCR] Dupixent and clobetasol"), "[OCR] Dupixent and clobetasol");
    }
}
