//! Template notes cut into sections and sentences, the parts the generator
//! recombines.

use crate::vocab::Vocabulary;
use crate::SynthError;
use std::collections::BTreeMap;
use std::path::Path;

/// One sentence (or list item) of a template, and how it was laid out.
#[derive(Clone, Debug)]
pub struct Sentence {
    pub text: String,
    /// True when it began a line in the template (list items, one-line fields).
    pub starts_line: bool,
}

/// A section of a template note: its header as written, and its sentences.
#[derive(Clone, Debug)]
pub struct Section {
    /// The header as written, without the colon; empty for text before any header.
    pub header: String,
    pub sentences: Vec<Sentence>,
    /// True when the section mentions dermatology content.
    pub relevant: bool,
}

/// Every template, cut up and indexed for recombination.
#[derive(Default)]
pub struct Templates {
    pub sections: Vec<Section>,
    /// Each template note as the list of its sections' indexes.
    pub notes: Vec<Vec<usize>>,
    /// Template notes with at least one relevant section: skeletons of relevant notes.
    pub relevant_notes: Vec<usize>,
    /// Sections with the same header key (uppercased header), across templates.
    pub by_header: BTreeMap<String, Vec<usize>>,
    /// Headed sections without dermatology content: the body of filler.
    pub filler_sections: Vec<usize>,
    /// Headerless openings (letterheads, patient lines) without dermatology content.
    pub preambles: Vec<usize>,
}

/// What a source note may contribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Its relevant sections and its layout, and its filler.
    Template,
    /// Only its sections without dermatology content.
    FillerOnly,
}

impl Templates {
    /// Adds every `*.txt` file directly in `dir`, in file-name order so the
    /// same directory always yields the same archive.
    pub fn add_dir(&mut self, dir: &Path, vocab: &Vocabulary) -> Result<(), SynthError> {
        let unreadable = |e: std::io::Error| SynthError::Templates {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(unreadable)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(unreadable)?;
        paths.retain(|p| p.extension().is_some_and(|x| x == "txt"));
        paths.sort();
        for path in &paths {
            let bytes = std::fs::read(path).map_err(unreadable)?;
            self.add_text(&String::from_utf8_lossy(&bytes), Role::Template, vocab);
        }
        Ok(())
    }

    /// Adds the non-dermatology sections of every note in one column of a
    /// CSV file (such as MTSamples' `transcription`), whose line breaks were
    /// flattened to " ," when it was scraped.
    pub fn add_filler_csv(
        &mut self,
        path: &Path,
        column: &str,
        vocab: &Vocabulary,
    ) -> Result<(), SynthError> {
        let bad = |message: String| SynthError::Templates { path: path.to_path_buf(), message };
        let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?;
        let at = headers
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| bad(format!("no column named {column:?}")))?;
        for row in reader.records() {
            let row = row.map_err(|e| bad(e.to_string()))?;
            let text = row.get(at).unwrap_or_default();
            self.add_text(&unflatten(text), Role::FillerOnly, vocab);
        }
        Ok(())
    }

    /// Errors unless there is something to build both kinds of note from.
    pub fn check(&self, source: &Path) -> Result<(), SynthError> {
        if self.relevant_notes.is_empty() || self.filler_sections.is_empty() {
            return Err(SynthError::NoTemplates { path: source.to_path_buf() });
        }
        Ok(())
    }

    /// Cuts one note up and indexes its parts for the given role.
    pub fn add_text(&mut self, text: &str, role: Role, vocab: &Vocabulary) {
        let mut note = Vec::new();
        for mut section in split_sections(text) {
            if section.sentences.is_empty() {
                continue;
            }
            section.relevant = vocab.is_relevant(&section.header)
                || section.sentences.iter().any(|s| vocab.is_relevant(&s.text));
            if role == Role::FillerOnly && section.relevant {
                continue;
            }
            let index = self.sections.len();
            match (section.relevant, section.header.is_empty()) {
                (false, true) => self.preambles.push(index),
                (false, false) => self.filler_sections.push(index),
                (true, _) => {}
            }
            self.by_header.entry(section.header.to_uppercase()).or_default().push(index);
            self.sections.push(section);
            note.push(index);
        }
        if role == Role::Template && note.iter().any(|&i| self.sections[i].relevant) {
            self.relevant_notes.push(self.notes.len());
        }
        if !note.is_empty() {
            self.notes.push(note);
        }
    }

    /// The sections that share this section's header, itself included.
    pub fn same_header(&self, section: usize) -> &[usize] {
        &self.by_header[&self.sections[section].header.to_uppercase()]
    }
}

/// Restores the line breaks a scrape flattened to commas (" ,", ".,",
/// "HEADER:,", ",HEADER"), so headers start lines again. A comma inside
/// prose ("itchy, dry") or a number ("1,000") stays.
fn unflatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        let flattened = " .:,".contains(prev) || next == ',' || next.is_uppercase();
        out.push(if c == ',' && flattened { '\n' } else { c });
        prev = c;
    }
    out
}

/// Cuts a note at its section headers.
fn split_sections(text: &str) -> Vec<Section> {
    let mut sections =
        vec![Section { header: String::new(), sentences: Vec::new(), relevant: false }];
    for line in logical_lines(text) {
        let body = match split_header(&line) {
            Some((header, rest)) => {
                sections.push(Section {
                    header: header.to_string(),
                    sentences: Vec::new(),
                    relevant: false,
                });
                rest
            }
            None => &line,
        };
        let current = sections.last_mut().expect("sections starts non-empty");
        push_sentences(&mut current.sentences, body);
    }
    sections
}

/// A wrapped line shorter than this ends its logical line (form fields, signatures).
const WRAP_WIDTH: usize = 50;

/// The note's lines with hard-wrapped prose joined back: a line continues the
/// one before when that one was long and this one starts no list item or header.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let trimmed = line.trim().trim_start_matches(',').trim_start();
        if trimmed.is_empty() {
            open = false;
            continue;
        }
        let continues = open && !starts_item(trimmed) && split_header(trimmed).is_none();
        match lines.last_mut() {
            Some(last) if continues => {
                if !last.ends_with('-') {
                    last.push(' ');
                }
                last.push_str(trimmed);
            }
            _ => lines.push(trimmed.to_string()),
        }
        open = line.trim_end().len() >= WRAP_WIDTH;
    }
    lines
}

/// True for a line that opens a list item: `-`, `*`, `[ ]`, `1.`, `2)`.
fn starts_item(line: &str) -> bool {
    let bytes = line.as_bytes();
    let numbered = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    matches!(bytes[0], b'-' | b'*' | b'[')
        || (numbered > 0 && matches!(bytes.get(numbered), Some(b'.' | b')')))
}

/// A header is a short label ending in a colon at the start of a line:
/// upper case with text after it ("HPI: ..."), or any case alone on its line
/// ("Assessment and plan:").
fn split_header(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let (label, rest) = (line[..colon].trim(), line[colon + 1..].trim());
    let label_chars = |c: char| c.is_alphabetic() || " /&-'()".contains(c);
    if label.is_empty() || label.len() > 48 || !label.chars().all(label_chars) {
        return None;
    }
    let upper = !label.chars().any(|c| c.is_lowercase());
    let alone = rest.is_empty() && label.split_whitespace().count() <= 6;
    (upper || alone).then_some((label, rest))
}

/// Splits one line into sentences at `.`, `?` or `!` followed by a space.
fn push_sentences(out: &mut Vec<Sentence>, line: &str) {
    let mut starts_line = true;
    let mut rest = line;
    while !rest.is_empty() {
        let end = sentence_end(rest).unwrap_or(rest.len());
        let sentence = rest[..end].trim();
        if !sentence.is_empty() {
            out.push(Sentence { text: sentence.to_string(), starts_line });
            starts_line = false;
        }
        rest = &rest[end..];
    }
}

/// Byte index just past the first sentence of `text`, if it ends before the text does.
fn sentence_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len()).find(|&i| {
        matches!(bytes[i - 1], b'.' | b'?' | b'!')
            && bytes[i] == b' '
            && bytes.get(i + 1).is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_labels_not_sentences_with_colons() {
        assert_eq!(split_header("HPI: itchy rash."), Some(("HPI", "itchy rash.")));
        assert_eq!(split_header("Assessment and plan:"), Some(("Assessment and plan", "")));
        assert_eq!(split_header("She reports: itching at night."), None);
        assert_eq!(split_header("Time 10:30"), None);
    }

    #[test]
    fn sentences_split_at_terminal_punctuation() {
        let mut out = Vec::new();
        push_sentences(&mut out, "BSA 10.5 percent. IGA 3. Start dupilumab.");
        let texts: Vec<_> = out.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["BSA 10.5 percent.", "IGA 3.", "Start dupilumab."]);
        assert!(out[0].starts_line && !out[1].starts_line);
    }

    #[test]
    fn wrapped_prose_is_joined_and_items_are_not() {
        let text = "She keeps flaring every few weeks, mostly on the neck and\n\
                    upper chest, with sleep disruption.\n- Start dupilumab.\n- RTC 3 months.";
        assert_eq!(
            logical_lines(text),
            [
                "She keeps flaring every few weeks, mostly on the neck and upper chest, \
                 with sleep disruption.",
                "- Start dupilumab.",
                "- RTC 3 months."
            ]
        );
    }

    #[test]
    fn flattened_csv_layout_is_restored() {
        let text =
            unflatten("HPI:,  Itchy, dry for 3 days.,PLAN: , Fluids, 1,000 mL.,Sincerely,,XYZ");
        assert_eq!(
            logical_lines(&text),
            ["HPI:", "Itchy, dry for 3 days.", "PLAN:", "Fluids, 1,000 mL.", "Sincerely", "XYZ"]
        );
    }

    #[test]
    fn notes_split_into_headed_sections() {
        let vocab = Vocabulary::builtin().unwrap();
        let texts = ["HPI: Eczema flaring. Failed tacrolimus.\nSOCIAL HISTORY:\nNo tobacco.\n"];
        let mut templates = Templates::default();
        texts.iter().for_each(|t| templates.add_text(t, Role::Template, &vocab));
        let headers: Vec<_> = templates.sections.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, ["HPI", "SOCIAL HISTORY"]);
        assert_eq!(templates.filler_sections, [1]);
        assert_eq!(templates.relevant_notes, [0]);
    }
}
