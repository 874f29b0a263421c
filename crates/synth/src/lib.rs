//! Seeded synthetic note archives, so that speed and memory can be measured
//! at the scale batch users run (millions of notes) without real patient data.
//!
//! Template notes are cut into sections and sentences ([`Templates`]), and a
//! [`Generator`] recombines them into an endless, seeded stream of varied
//! notes, most of them non-dermatology filler as in a real archive. The
//! writers stream that to a JSON Lines file or a directory of `.txt` notes
//! until the requested size is reached, holding one note at a time.

mod compose;
mod dice;
mod templates;
mod vocab;

pub use compose::{Generator, Note};
pub use templates::{Role, Templates};
pub use vocab::Vocabulary;

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Below this many bytes left, no further note is started.
const SMALLEST_NOTE: u64 = 96;
/// How many notes a `txt-dir` archive puts in one subdirectory.
const NOTES_PER_DIR: u64 = 1000;

/// Why an archive could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{file} line {line}: {message}")]
    Data { file: &'static str, line: usize, message: String },
    #[error("cannot read templates in {path}: {message}")]
    Templates { path: PathBuf, message: String },
    #[error("{path}: templates need a dermatology note and a non-dermatology section")]
    NoTemplates { path: PathBuf },
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{dir} exists and is not empty; a txt-dir archive needs a new or empty directory")]
    OutputNotEmpty { dir: PathBuf },
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub notes: u64,
    pub relevant_notes: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
struct JsonlNote<'a> {
    id: &'a str,
    text: &'a str,
}

/// The id of the `index`-th note of an archive.
pub fn note_id(index: u64) -> String {
    format!("note-{index:09}")
}

/// Writes notes as JSON Lines (`{"id": ..., "text": ...}` a line) until
/// `bytes` are written, shortening the last note so the total lands just
/// under `bytes`.
pub fn write_jsonl<W: Write>(
    generator: &mut Generator,
    bytes: u64,
    out: W,
    out_path: &Path,
) -> Result<Summary, SynthError> {
    let failed = |source| SynthError::Write { path: out_path.to_path_buf(), source };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut summary = Summary::default();
    let mut line = Vec::with_capacity(64 * 1024);
    while bytes - summary.bytes >= SMALLEST_NOTE {
        let note = generator.next_note();
        let id = note_id(summary.notes);
        let room = (bytes - summary.bytes) as usize;
        if !jsonl_line(&id, &note.text, room, &mut line) {
            break;
        }
        out.write_all(&line).map_err(failed)?;
        summary.add(&note, line.len());
    }
    out.flush().map_err(failed)?;
    Ok(summary)
}

/// Serialises one note into `line`, cutting its text at a word boundary if
/// the line would not fit in `room` bytes. False when not even an empty
/// note fits.
fn jsonl_line(id: &str, text: &str, room: usize, line: &mut Vec<u8>) -> bool {
    let mut text = text;
    loop {
        line.clear();
        serde_json::to_writer(&mut *line, &JsonlNote { id, text }).expect("a Vec never fails");
        line.push(b'\n');
        if line.len() <= room {
            return true;
        }
        if text.is_empty() {
            return false;
        }
        // Escapes make JSON longer than text; cut in proportion and retry.
        let keep = text.len() * room / line.len();
        text = cut_at_word(text, keep.saturating_sub(1));
    }
}

/// The longest prefix of `text` of at most `max` bytes ending before a space.
fn cut_at_word(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = &text[..end];
    prefix.rfind(' ').map_or(prefix, |space| &prefix[..space])
}

/// Writes notes as `.txt` files under `dir` (a subdirectory per thousand
/// notes) until `bytes` of text are written.
pub fn write_txt_dir(
    generator: &mut Generator,
    bytes: u64,
    dir: &Path,
) -> Result<Summary, SynthError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SynthError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(failed(dir))?;
    if std::fs::read_dir(dir).map_err(failed(dir))?.next().is_some() {
        return Err(SynthError::OutputNotEmpty { dir: dir.to_path_buf() });
    }
    let mut summary = Summary::default();
    while bytes - summary.bytes >= SMALLEST_NOTE {
        let note = generator.next_note();
        let text = cut_at_word(&note.text, (bytes - summary.bytes) as usize);
        let sub = dir.join(format!("{:06}", summary.notes / NOTES_PER_DIR));
        if summary.notes % NOTES_PER_DIR == 0 {
            std::fs::create_dir_all(&sub).map_err(failed(&sub))?;
        }
        let path = sub.join(format!("{}.txt", note_id(summary.notes)));
        std::fs::write(&path, text).map_err(failed(&path))?;
        summary.add(&note, text.len());
    }
    Ok(summary)
}

impl Summary {
    fn add(&mut self, note: &Note, written: usize) {
        self.notes += 1;
        self.relevant_notes += u64::from(note.relevant);
        self.bytes += written as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_whole_words_and_char_boundaries() {
        assert_eq!(cut_at_word("itch 8/10 nightly", 12), "itch 8/10");
        assert_eq!(cut_at_word("é é", 2), "é");
        assert_eq!(cut_at_word("fits as is", 99), "fits as is");
    }

    #[test]
    fn a_line_is_cut_to_fit_its_room() {
        let mut line = Vec::new();
        let text = "word \"quoted\"\n".repeat(50);
        assert!(jsonl_line("note-1", &text, 200, &mut line));
        assert!(line.len() <= 200 && line.len() > 150, "{} bytes", line.len());
        assert!(serde_json::from_slice::<serde_json::Value>(&line).is_ok());
        assert!(!jsonl_line("note-1", &text, 10, &mut line));
    }
}
