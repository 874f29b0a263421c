//! Ingestion: every input document becomes a [`Document`] or an
//! [`IngestFailure`], never nothing. (Issue #2 builds this crate out.)

use necessity_record::{Format, Source};

/// One note's text, ready for extraction, with the provenance a record reports.
#[derive(Clone, Debug)]
pub struct Document {
    /// Stable id: path relative to the input root, or `file#row` for CSV/JSONL.
    pub id: String,
    pub text: String,
    pub format: Format,
    /// Size of the input the text came from, in bytes.
    pub bytes: u64,
    /// True when invalid UTF-8 was replaced while decoding.
    pub lossy_utf8: bool,
}

/// A document that could not be read: becomes an error record.
#[derive(Clone, Debug)]
pub struct IngestFailure {
    pub id: String,
    pub source: Source,
    /// Machine-readable kind (`pdf_unreadable`, `timeout`, `unsupported_format`, ...).
    pub kind: String,
    /// Human-readable reason, never containing note text.
    pub message: String,
}
