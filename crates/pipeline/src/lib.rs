//! The one path a document takes: ingested text, then extraction, then policy
//! evaluation, to one [`Record`]. The CLI and the benches both call it, so
//! what is benchmarked is what runs.

use necessity_criteria::{evaluate_policy, route_case, PolicySet};
use necessity_extract::{extract_case, Lexicons};
use necessity_ingest::{Document, IngestFailure};
use necessity_record::{PolicyRef, Provenance, Record, Source, Status};
use std::panic::{self, AssertUnwindSafe};

pub mod batch;
pub mod output;
pub mod resume;

/// Error kind of a document the pipeline itself failed on (a bug, reported
/// per document so one bad note cannot stop a batch).
pub const INTERNAL_ERROR_KIND: &str = "internal";

/// The tool and version every record's provenance names (the workspace's
/// crates are released together, at one version).
pub const TOOL: &str = concat!("necessity ", env!("CARGO_PKG_VERSION"));

/// Everything built once per run and shared across threads.
pub struct Pipeline {
    pub lexicons: Lexicons,
    pub policies: PolicySet,
}

impl Pipeline {
    /// Decides one ingested document.
    pub fn record(&self, document: &Document) -> Record {
        let facts = extract_case(&self.lexicons, &document.text);
        let source = source_of(document);
        let evaluation = evaluate_policy(&self.policies, &facts);
        let routing = route_case(&self.policies, &facts, &evaluation, &source);
        Record {
            id: document.id.clone(),
            status: Status::Ok,
            error: None,
            source,
            determination: Some(evaluation.determination),
            provenance: Some(self.provenance(evaluation.policy.as_ref())),
            policy: evaluation.policy,
            facts: Some(facts),
            criteria: evaluation.criteria,
            route: Some(routing.route),
            pend_reasons: routing.reasons,
            authorization: evaluation.authorization,
        }
    }

    /// The record of a document that could not be read.
    pub fn failure_record(&self, failure: IngestFailure) -> Record {
        self.error_record(failure.id, *failure.source, &failure.kind, failure.message)
    }

    /// An error record with this run's provenance (no policy decided it).
    fn error_record(&self, id: String, source: Source, kind: &str, message: String) -> Record {
        let record = Record::error(id, source, kind, message);
        Record { provenance: Some(self.provenance(None)), ..record }
    }

    /// Which rule set decides: the tool, the deciding policy's file hash and
    /// the lexicons' hash, all computed once per run (when loaded).
    fn provenance(&self, policy: Option<&PolicyRef>) -> Provenance {
        let policy = policy.and_then(|p| self.policies.by_id(&p.id));
        Provenance {
            tool: TOOL.to_string(),
            policy_sha256: policy.map(|p| p.sha256.clone()),
            lexicons_sha256: self.lexicons.sha256().to_string(),
        }
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
                    let (id, source) = (document.id.clone(), source_of(&document));
                    self.error_record(id, source, INTERNAL_ERROR_KIND, message)
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

pub use necessity_record::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_ingest::Provenance as IngestProvenance;
    use necessity_record::{Format, PendKind, Route};

    fn pipeline() -> Pipeline {
        Pipeline { lexicons: Lexicons::builtin(), policies: PolicySet::default() }
    }

    fn document(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            format: Format::Text,
            bytes: text.len() as u64,
            lossy_utf8: false,
            provenance: IngestProvenance::default(),
        }
    }

    #[test]
    fn every_record_carries_a_route_and_the_rule_set_that_decided_it() {
        let seed = include_str!("../../../corpus/notes/seed-dupixent-adult.txt");
        let record = pipeline().record(&document("seed.txt", seed));
        assert_eq!(record.route, Some(Route::Approve), "{:?}", record.pend_reasons);
        let provenance = record.provenance.unwrap();
        assert_eq!(provenance.tool, TOOL);
        let policy = include_str!("../../../policies/dupixent-atopic-dermatitis.toml");
        assert_eq!(provenance.policy_sha256, Some(sha256_hex(policy.as_bytes())));
        assert_eq!(provenance.lexicons_sha256, Lexicons::builtin().sha256());

        let mut scanned = document("scan.pdf", seed);
        scanned.provenance.pages_failed = vec![2];
        let record = pipeline().record(&scanned);
        assert_eq!(record.route, Some(Route::Pend));
        assert_eq!(record.pend_reasons[0].kind, PendKind::PartialText);

        let failure = IngestFailure::new("x.pdf", Some(Format::Pdf), 9, "pdf_encrypted", "locked");
        let record = pipeline().decide(Err(failure));
        assert_eq!(record.route, Some(Route::Pend));
        assert_eq!(record.pend_reasons[0].kind, PendKind::Unreadable);
        let provenance = record.provenance.unwrap();
        assert_eq!((provenance.tool.as_str(), provenance.policy_sha256), (TOOL, None));
    }
}
