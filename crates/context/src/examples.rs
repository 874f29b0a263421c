//! Example sentences of lexicon rows. Every row of every `lexicons/*.tsv`
//! has one, and a test runs each and asserts that the row's meaning is found
//! at its phrase in it, so a row that a longer one hides, that a boundary
//! or case check loses, or that no note could ever match is caught.
//!
//! The convention: a comment line `#example: ...{}...` sets the example of
//! the rows after it, `{}` standing for each row's own phrase as written
//! (the first `{}` is where the row is checked; any other is the phrase
//! again); a row may instead end with its own example as a last field
//! beginning with `e.g. `. In either, `\n` stands for a line break.

use crate::find_phrase;
use std::ops::Range;

/// What a comment line starts with to set the rows' template.
pub const TEMPLATE: &str = "#example:";
/// What a row's last field starts with when it is the row's own example.
pub const OWN: &str = "e.g.";
/// What stands for a line break in an example (a row about layout needs
/// lines): the two characters `\n`.
pub const LINE_BREAK: &str = "\\n";

/// A row's example sentence, and where the row's phrase stands in it when
/// a template put it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub sentence: String,
    pub at: Option<Range<usize>>,
}

impl Example {
    /// Where `phrase` stands in the sentence: where the template put it,
    /// else its first occurrence on word boundaries (in the phrase's own
    /// case first, then in any case; a space matches any white space).
    pub fn locate(&self, phrase: &str) -> Option<Range<usize>> {
        let sentence = self.sentence.as_str();
        if let Some(at) = &self.at {
            return Some(at.clone());
        }
        let bounded = |r: &Range<usize>| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let (first, last) = (phrase.chars().next(), phrase.chars().next_back());
            (!word(first) || !word(sentence[..r.start].chars().next_back()))
                && (!word(last) || !word(sentence[r.end..].chars().next()))
        };
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(r) = sentence.get(from..).and_then(|rest| find_phrase(rest, phrase)) {
            let r = from + r.start..from + r.end;
            from = r.start + sentence[r.start..].chars().next().map_or(1, char::len_utf8);
            if bounded(&r) {
                found.push(r);
            }
        }
        let exact = found.iter().find(|r| sentence[(*r).clone()] == *phrase);
        exact.or(found.first()).cloned()
    }
}

/// Reads the examples of a file's rows as the file goes.
#[derive(Clone, Debug, Default)]
pub struct Examples {
    template: Option<String>,
}

impl Examples {
    /// Reads a comment line: a template line sets the template.
    pub fn comment(&mut self, line: &str) {
        if let Some(template) = line.strip_prefix(TEMPLATE) {
            self.template = Some(template.trim().to_string());
        }
    }

    /// The example of a row whose phrase is `phrase`: its own (taken off
    /// the end of `fields`), else the template with the phrase in it.
    pub fn of_row(&self, fields: &mut Vec<&str>, phrase: &str) -> Option<Example> {
        if let Some(own) = fields.last().and_then(|f| f.strip_prefix(OWN)) {
            let sentence = own.trim().replace(LINE_BREAK, "\n");
            fields.pop();
            return Some(Example { sentence, at: None });
        }
        let template = self.template.as_ref()?.replace(LINE_BREAK, "\n");
        let at = template.find("{}")?;
        let sentence = template.replace("{}", phrase);
        Some(Example { sentence, at: Some(at..at + phrase.len()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_own_examples() {
        let mut examples = Examples::default();
        let mut fields = vec!["no", "negated", "forward"];
        assert_eq!(examples.of_row(&mut fields, "no"), None);
        examples.comment("#example: She has {} rash.");
        examples.comment("# an ordinary comment");
        let made = examples.of_row(&mut fields, "no").unwrap();
        assert_eq!(made.sentence, "She has no rash.");
        assert_eq!(made.locate("no"), Some(8..10));
        let mut own = vec!["AD", "atopic_dermatitis", "cs", "e.g. Known AD, had AD flares."];
        let example = examples.of_row(&mut own, "AD").unwrap();
        assert_eq!(own, ["AD", "atopic_dermatitis", "cs"]);
        assert_eq!(example.locate("AD"), Some(6..8), "on word boundaries, in its case");
        let spaced = Example { sentence: "Seen by DERM\n  consult.".into(), at: None };
        assert_eq!(spaced.locate("derm consult"), Some(8..22));
        assert_eq!(spaced.locate("eczema"), None);
        examples.comment("#example: [{} note]\\nOld.\\n{}: x");
        let made = examples.of_row(&mut vec!["copied from"], "copied from").unwrap();
        assert_eq!(made.sentence, "[copied from note]\nOld.\ncopied from: x");
        assert_eq!(made.at, Some(1..12));
    }
}
