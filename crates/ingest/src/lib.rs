//! Ingestion: every input document becomes a [`Document`] or an
//! [`IngestFailure`], never nothing.
//!
//! Inputs are enumerated sequentially into cheap [`Unit`]s whose ids are known
//! before their content is read, so sharding and ordering cost nothing; the
//! expensive part (reading a file, parsing a PDF) happens in [`Unit::load`],
//! which a caller may run in parallel. [`read_documents`] is the sequential
//! composition of the two, the reference every other reader must agree with.

use necessity_record::{Format, Source};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

mod columns;
mod csv_reader;
mod discover;
mod fhir;
mod jsonl_line;
pub mod kind;
mod pdf;
mod shard;
mod table;
mod text;

pub use discover::{input_bytes, units, HiddenSkipped, Unit, Units};
pub use fhir::PdfAttachment;
pub use jsonl_line::JsonlLine;
pub use pdf::{
    kill_pdf_workers, run_pdf_worker, PdfWorkerLimits, TEST_ALLOCATE_MB_ENV, TEST_SLEEP_SECONDS_ENV,
};
pub use shard::{Shard, ShardParseError};

/// One note's text, ready for extraction, with the provenance a record reports.
#[derive(Clone, Debug)]
pub struct Document {
    /// Stable id: path relative to the input root, or `file#row` for CSV/JSONL
    /// (`file#resource id` for FHIR).
    pub id: String,
    pub text: String,
    pub format: Format,
    /// Size of the input the text came from, in bytes.
    pub bytes: u64,
    /// True when invalid UTF-8 was replaced while decoding.
    pub lossy_utf8: bool,
    /// What a record's `source` says beyond the above: OCR, failed pages,
    /// and the patient and date the input names (see [`Source`]).
    pub provenance: Provenance,
}

/// Where a document's text came from beyond its format and size, copied
/// into its record's `source`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// Mean OCR word confidence (0-100) when some text was recognised from images.
    pub ocr_confidence: Option<f64>,
    /// 1-based pages whose text could not be read.
    pub pages_failed: Vec<u32>,
    /// The patient the input names for this note.
    pub patient: Option<String>,
    /// The note's date as the input gives it.
    pub date: Option<String>,
}

/// A document that could not be read: becomes an error record.
#[derive(Clone, Debug)]
pub struct IngestFailure {
    pub id: String,
    /// Boxed: a failure travels in `Err` of every loader, which should stay small.
    pub source: Box<Source>,
    /// Machine-readable kind (`pdf_unreadable`, `timeout`, `unsupported_format`, ...).
    pub kind: String,
    /// Human-readable reason, never containing note text.
    pub message: String,
}

impl IngestFailure {
    /// Builds a failure; `kind` comes from [`kind`], so the vocabulary stays closed.
    pub fn new(
        id: impl Into<String>,
        format: Option<Format>,
        bytes: u64,
        kind: &str,
        message: impl Into<String>,
    ) -> IngestFailure {
        IngestFailure {
            id: id.into(),
            source: Box::new(Source { format, bytes, ..Source::default() }),
            kind: kind.to_string(),
            message: message.into(),
        }
    }
}

/// How inputs are read; the defaults suit the CLI's documented behaviour.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// CSV column / JSONL field holding the note text; `None` finds it by name.
    pub text_column: Option<String>,
    /// CSV column / JSONL field holding the note id; `None` finds it by name
    /// and falls back to the 1-based row (or line) number.
    pub id_column: Option<String>,
    /// CSV column / JSONL field naming the patient; `None` finds it by name
    /// (`patient_id`, `subject_id`, `patient`, `mrn`). A patient's notes
    /// are read together, and stay in one `--shard`.
    pub patient_column: Option<String>,
    /// CSV column / JSONL field holding the note's date; `None` finds it by
    /// name (`note_date`, `date`, `chartdate`, `charttime`, ...).
    pub date_column: Option<String>,
    /// Longest a document may take, read (a PDF parsed) and decided, before
    /// it becomes a `timeout` error record.
    pub doc_timeout: Duration,
    /// Address-space cap of the PDF worker process, in MiB.
    pub pdf_memory_mb: u64,
    /// Program that implements the hidden `pdf-worker` subcommand (the
    /// `necessity` binary itself). `None` parses PDFs in this process under
    /// `catch_unwind` only, without time or memory limits and with panic
    /// messages going to this process's panic hook: fine for trusted files and
    /// tests, never for archives (see [`IngestOptions::with_pdf_worker_of_this_binary`]).
    pub pdf_worker: Option<PathBuf>,
    /// Keep only this share of the documents (by a stable hash of the id).
    pub shard: Option<Shard>,
    /// Largest text a document may have, in bytes, beyond which it is a
    /// `too_large` error record: extraction time grows faster than the text,
    /// and one runaway file (a log dump, a whole chart) must not stall a batch.
    pub max_doc_bytes: u64,
    /// Also read hidden files and folders (names starting with `.`) met in a
    /// directory walk; a run's own `.partial` files are never read.
    pub hidden: bool,
    /// Files never read as documents, wherever a directory walk meets them:
    /// the run's own output and its temporary file, when they sit inside an
    /// input directory.
    pub skip_files: Vec<PathBuf>,
    /// FHIR resources of other types than DocumentReference met in Bundles
    /// and NDJSON files: not documents, so they get no record; counted here
    /// (shared by the clones of these options) for the run's summary.
    pub skipped_resources: Arc<AtomicU64>,
}

/// Default of [`IngestOptions::max_doc_bytes`]: far above a clinical note's
/// length, low enough that no single document holds a worker for long.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 1 << 20;

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            text_column: None,
            id_column: None,
            patient_column: None,
            date_column: None,
            doc_timeout: Duration::from_secs(30),
            pdf_memory_mb: 1024,
            pdf_worker: None,
            shard: None,
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            hidden: false,
            skip_files: Vec::new(),
            skipped_resources: Arc::default(),
        }
    }
}

impl IngestOptions {
    /// These options with PDFs parsed in worker processes of the running
    /// binary, which must be `necessity` (it implements `pdf-worker`): what
    /// any command reading untrusted archives wants.
    pub fn with_pdf_worker_of_this_binary(self) -> std::io::Result<IngestOptions> {
        Ok(IngestOptions { pdf_worker: Some(std::env::current_exe()?), ..self })
    }
}

pub use necessity_record::sortable_date;

/// Every document of `inputs` (files, directories, `-` for standard input),
/// in the order and with the ids `necessity run` uses.
pub fn read_documents(
    inputs: &[PathBuf],
    options: &IngestOptions,
) -> impl Iterator<Item = Result<Document, IngestFailure>> + Send + use<> {
    let options = options.clone();
    units(inputs, &options.clone()).map(move |unit| unit.load(&options))
}
