//! The one path a document takes: ingested text, then extraction, then policy
//! evaluation, to one [`Record`]. The CLI and the benches both call it, so
//! what is benchmarked is what runs.

use necessity_criteria::{evaluate_policy, PolicySet};
use necessity_extract::{extract_case, Lexicons};
use necessity_ingest::{Document, IngestFailure};
use necessity_record::{Record, Source, Status};
use sha2::{Digest, Sha256};
use std::panic::{self, AssertUnwindSafe};

pub mod batch;
pub mod output;
pub mod resume;

/// Error kind of a document the pipeline itself failed on (a bug, reported
/// per document so one bad note cannot stop a batch).
pub const INTERNAL_ERROR_KIND: &str = "internal";

/// Everything built once per run and shared across threads.
pub struct Pipeline {
    pub lexicons: Lexicons,
    pub policies: PolicySet,
}

impl Pipeline {
    /// Decides one ingested document.
    pub fn record(&self, document: &Document) -> Record {
        let facts = extract_case(&self.lexicons, &document.text);
        let evaluation = evaluate_policy(&self.policies, &facts);
        Record {
            id: document.id.clone(),
            status: Status::Ok,
            error: None,
            source: source_of(document),
            determination: Some(evaluation.determination),
            policy: evaluation.policy,
            facts: Some(facts),
            criteria: evaluation.criteria,
            route: None,
            pend_reasons: Vec::new(),
            authorization: None,
            provenance: None,
        }
    }

    /// The record of a document that could not be read.
    pub fn failure_record(&self, failure: IngestFailure) -> Record {
        Record::error(failure.id, *failure.source, &failure.kind, failure.message)
    }

    /// The record of whatever ingestion produced. A panic while deciding
    /// becomes an `internal` error record for that document alone; the panic
    /// message is left to the process's panic hook, never put in the record,
    /// since it may quote the note.
    pub fn decide(&self, ingested: Result<Document, IngestFailure>) -> Record {
        match ingested {
            Ok(document) => panic::catch_unwind(AssertUnwindSafe(|| self.record(&document)))
                .unwrap_or_else(|_| {
                    let message = "deciding this document failed (internal error)".to_string();
                    Record::error(
                        document.id.clone(),
                        source_of(&document),
                        INTERNAL_ERROR_KIND,
                        message,
                    )
                }),
            Err(failure) => self.failure_record(failure),
        }
    }
}

/// Provenance of an ingested document, with the hash of the text as ingested.
fn source_of(document: &Document) -> Source {
    let provenance = &document.provenance;
    Source {
        format: Some(document.format),
        bytes: document.bytes,
        sha256: Some(sha256_hex(document.text.as_bytes())),
        lossy_utf8: document.lossy_utf8,
        ocr: provenance.ocr_confidence.is_some(),
        ocr_confidence: provenance.ocr_confidence,
        pages_failed: provenance.pages_failed.clone(),
        patient: provenance.patient.clone(),
        date: provenance.date.clone(),
    }
}

/// Lowercase hex SHA-256, as records report the ingested text's hash.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
