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
pub struct Templates {
    pub sections: Vec<Section>,
    /// Each template note as the list of its sections' indexes.
    pub notes: Vec<Vec<usize>>,
    /// Template notes with at least one relevant section.
    pub relevant_notes: Vec<usize>,
    /// Sections with the same header key (uppercased header), across templates.
    pub by_header: BTreeMap<String, Vec<usize>>,
    /// Sections without dermatology content: the source of filler.
    pub filler_sections: Vec<usize>,
}

impl Templates {
    /// Reads every `*.txt` file directly in `dir`, in file-name order so the
    /// same directory always yields the same archive.
    pub fn from_dir(dir: &Path, vocab: &Vocabulary) -> Result<Templates, SynthError> {
        let unreadable = |e: std::io::Error| SynthError::Templates {
            dir: dir.to_path_buf(),
            message: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(unreadable)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(unreadable)?;
        paths.retain(|p| p.extension().is_some_and(|x| x == "txt"));
        paths.sort();
        let mut texts = Vec::with_capacity(paths.len());
        for path in &paths {
            let bytes = std::fs::read(path).map_err(unreadable)?;
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        Templates::from_texts(&texts, vocab).map_err(|e| match e {
            SynthError::NoTemplates { .. } => SynthError::NoTemplates { dir: dir.to_path_buf() },
            other => other,
        })
    }

    /// Cuts the given notes up; at least one must have dermatology content,
    /// and at least one section must be filler.
    pub fn from_texts(texts: &[String], vocab: &Vocabulary) -> Result<Templates, SynthError> {
        let mut templates = Templates {
            sections: Vec::new(),
            notes: Vec::new(),
            relevant_notes: Vec::new(),
            by_header: BTreeMap::new(),
            filler_sections: Vec::new(),
        };
        for text in texts {
            templates.add_note(text, vocab);
        }
        if templates.relevant_notes.is_empty() || templates.filler_sections.is_empty() {
            return Err(SynthError::NoTemplates { dir: Default::default() });
        }
        Ok(templates)
    }

    fn add_note(&mut self, text: &str, vocab: &Vocabulary) {
        let mut note = Vec::new();
        for mut section in split_sections(text) {
            if section.sentences.is_empty() {
                continue;
            }
            section.relevant = section.sentences.iter().any(|s| vocab.is_relevant(&s.text));
            let index = self.sections.len();
            if !section.relevant {
                self.filler_sections.push(index);
            }
            self.by_header.entry(section.header.to_uppercase()).or_default().push(index);
            self.sections.push(section);
            note.push(index);
        }
        if note.iter().any(|&i| self.sections[i].relevant) {
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

/// Cuts a note at its section headers.
fn split_sections(text: &str) -> Vec<Section> {
    let mut sections =
        vec![Section { header: String::new(), sentences: Vec::new(), relevant: false }];
    for line in text.lines() {
        let line = line.trim();
        let body = match split_header(line) {
            Some((header, rest)) => {
                sections.push(Section {
                    header: header.to_string(),
                    sentences: Vec::new(),
                    relevant: false,
                });
                rest
            }
            None => line,
        };
        let current = sections.last_mut().expect("sections starts non-empty");
        push_sentences(&mut current.sentences, body);
    }
    sections
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
    fn notes_split_into_headed_sections() {
        let vocab = Vocabulary::builtin().unwrap();
        let texts =
            vec!["HPI: Eczema flaring. Failed tacrolimus.\nSOCIAL HISTORY:\nNo tobacco.\n"
                .to_string()];
        let templates = Templates::from_texts(&texts, &vocab).unwrap();
        let headers: Vec<_> = templates.sections.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, ["HPI", "SOCIAL HISTORY"]);
        assert_eq!(templates.filler_sections, [1]);
        assert_eq!(templates.relevant_notes, [0]);
    }
}
