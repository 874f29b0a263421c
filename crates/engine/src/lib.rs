//! The engine: the one path from a note's text to its case record.
//!
//! An [`Engine`] holds what is built once (the compiled lexicons and the
//! selected policies) and decides notes: extraction, then policy evaluation,
//! then the record. The `necessity` CLI (`run`, `explain`, `eval`), the
//! benches and the Python package all call it, so what is measured, reviewed
//! and shipped is one path. It reads no files beyond the policies and
//! lexicons it is given: PDFs, CSV and the command line belong to the callers.
//!
//! ```
//! use necessity_engine::Engine;
//! use necessity_record::Determination;
//!
//! let engine = Engine::builder().policy("dupixent-atopic-dermatitis").build()?;
//! let note = "34-year-old with atopic dermatitis, BSA 30%, IGA 4. Failed clobetasol \
//!             0.05% ointment and tacrolimus. Plan: start Dupixent 600 mg then 300 mg q2w.";
//! let record = engine.decide("note-1", note);
//! assert_eq!(record.facts.as_ref().unwrap().requested_drug.as_deref(), Some("dupilumab"));
//! assert_ne!(record.determination, Some(Determination::NotApplicable));
//! # Ok::<(), necessity_engine::EngineError>(())
//! ```

#![warn(missing_docs)]

mod builder;
mod history;
mod note_nlp;
mod summary;

pub use builder::{EngineBuilder, EngineError};
pub use history::PatientHistory;
pub use necessity_criteria::{builtin_names, PolicySet, DEFAULT_POLICY};
pub use necessity_extract::Lexicons;
pub use note_nlp::{FactMention, NOTE_NLP_COLUMNS, NOTE_NLP_TEXT_CHARS};
pub use summary::{Summary, SUMMARY_COLUMNS};

use necessity_context::steps::{self, DeadlinePassed};
use necessity_criteria::{
    evaluate_policy, route_case, write_review_with_set_aside, Evaluation, SetAsideMention,
};
use necessity_extract::{extract_case_dated, extract_case_traced};
pub use necessity_record::sha256_hex;

/// One note of a patient as a caller holds it: the date is the export's
/// (a date column), which orders the patient's notes and dates a note
/// whose text states none.
#[derive(Clone, Copy, Debug)]
pub struct PatientNote<'a> {
    /// The note's id.
    pub id: &'a str,
    /// The note's text.
    pub text: &'a str,
    /// Its date as the export gives it (ISO 8601 or as written), if any.
    pub date: Option<&'a str>,
}

/// The order a patient's notes are decided in: the dated ones (a date
/// [`necessity_record::sortable_date`] reads) by date, input order among
/// equal dates, then the undated ones, which are read alone. The one rule
/// for `necessity run`, `explain` and the bindings.
pub fn patient_order(dates: &[Option<&str>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..dates.len()).collect();
    // The sort is stable: equal dates keep the input order.
    order.sort_by_key(|&index| {
        let date = dates[index].and_then(necessity_record::sortable_date);
        (date.is_none(), date)
    });
    order
}
use necessity_record::{Facts, Format, PolicyRef, Provenance, Record, Source, Status};
use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::Instant;

/// The error kinds of records the engine itself writes; the same words as
/// the ingester's kinds for the same failures (a test of the runner checks).
pub mod kind {
    /// The text holds nothing but white space.
    pub const EMPTY: &str = "empty";
    /// The text is longer than the engine's `max_doc_bytes`.
    pub const TOO_LARGE: &str = "too_large";
    /// Deciding the text hit a bug; the message never quotes the note.
    pub const INTERNAL: &str = "internal";
    /// Deciding the text did not finish before its deadline.
    pub const TIMEOUT: &str = "timeout";
}

/// Default of [`EngineBuilder::max_doc_bytes`], as `necessity run
/// --max-doc-bytes` defaults: far above a clinical note, low enough that one
/// runaway text (a log dump, a whole chart) cannot hold a thread for minutes.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 1 << 20;

/// The name and version NOTE_NLP rows and provenance give for this system.
pub const NLP_SYSTEM: &str = concat!("necessity ", env!("CARGO_PKG_VERSION"));

/// Lexicons, policies and a thread pool, built once and shared by every
/// thread (`Engine` is `Send + Sync`); each `decide` is independent.
pub struct Engine {
    /// The user's lexicons, or the shipped ones compiled on first use (a
    /// process that only fails early never pays for them).
    lexicons: OnceLock<Lexicons>,
    policies: PolicySet,
    /// The engine's own pool for batches; `None` uses rayon's global pool.
    pool: Option<rayon::ThreadPool>,
    max_doc_bytes: u64,
}

impl Engine {
    /// A builder: policies by name, file or TOML text, lexicons shipped or
    /// from a directory, the batch thread pool.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The default engine: the default policy and the shipped lexicons.
    pub fn new() -> Result<Engine, EngineError> {
        Engine::builder().build()
    }

    /// The lexicons facts are read with.
    pub fn lexicons(&self) -> &Lexicons {
        self.lexicons.get_or_init(Lexicons::builtin)
    }

    /// The policies cases are decided under.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// Decides one note given as text: the record of a plain-text document
    /// `id`. Never panics: a bug while deciding gives an `internal` error
    /// record, and white space alone or a text above `max_doc_bytes` gives an
    /// `empty` or `too_large` one, as `necessity run` would.
    pub fn decide(&self, id: &str, text: &str) -> Record {
        let source =
            Source { format: Some(Format::Text), bytes: text.len() as u64, ..Source::default() };
        self.decide_with_source(id, text, source)
    }

    /// Decides one note whose provenance the caller knows (an ingested file,
    /// a CSV row, a PDF page set): `source` is copied into the record, with
    /// the SHA-256 of `text` added when the text is decided.
    pub fn decide_with_source(&self, id: &str, text: &str, source: Source) -> Record {
        self.decide_before(id, text, source, None)
    }

    /// [`Engine::decide_with_source`] with a deadline: a note still being
    /// read when `deadline` passes is abandoned (at the next checkpoint of
    /// the layer's loops, within microseconds) and gets a `timeout` error
    /// record, so that no document holds a worker past its time.
    pub fn decide_before(
        &self,
        id: &str,
        text: &str,
        source: Source,
        deadline: Option<Instant>,
    ) -> Record {
        self.decide_in_history(id, text, source, deadline, None)
    }

    /// [`Engine::decide_before`] of a note of a patient whose earlier notes
    /// (in date order) `history` holds: a renewal's missing baseline and
    /// earlier failed treatments may come from them, with evidence naming
    /// their ids (see [`PatientHistory`] for the rule). The note's own facts
    /// are then added to `history` for the patient's later notes. With no
    /// history the note is read alone, as every note without a patient is.
    pub fn decide_in_history(
        &self,
        id: &str,
        text: &str,
        source: Source,
        deadline: Option<Instant>,
        history: Option<&mut PatientHistory>,
    ) -> Record {
        if let Some(record) = self.refusal(id, text, &source) {
            return record;
        }
        // Compiled before the clock runs: the first note does not pay for it.
        self.lexicons();
        let earlier = history.as_deref();
        let dated = source.date.as_deref().and_then(necessity_record::sortable_date);
        let evaluate = || with_quiet_panics(|| self.evaluate(text, dated, earlier));
        let decided = panic::catch_unwind(AssertUnwindSafe(|| match deadline {
            Some(deadline) => steps::before(deadline, evaluate),
            None => Ok(evaluate()),
        }));
        let source = Source { sha256: Some(sha256_hex(text.as_bytes())), ..source };
        match decided {
            Ok(Ok((facts, evaluation, own))) => {
                if let (Some(history), Some(own)) = (history, own) {
                    history.remember(id, &own);
                }
                self.record_of(id, source, facts, evaluation)
            }
            Ok(Err(DeadlinePassed)) => self.error_record(
                id.to_string(),
                source,
                kind::TIMEOUT,
                "deciding this document did not finish in the time allowed".to_string(),
            ),
            // The panic message may quote the note: it goes to the process's
            // panic hook (see `install_quiet_panic_hook`), never into the record.
            Err(_) => self.error_record(
                id.to_string(),
                source,
                kind::INTERNAL,
                "deciding this document failed (internal error)".to_string(),
            ),
        }
    }

    /// The record of a document that was not decided (unreadable, empty, a
    /// bug): it pends as `unreadable` and names the rule set of the run.
    pub fn error_record(&self, id: String, source: Source, kind: &str, message: String) -> Record {
        let record = Record::error(id, source, kind, message);
        Record { provenance: Some(self.provenance(None)), ..record }
    }

    /// Decides many notes, `(id, text)` each, in parallel on the engine's
    /// thread pool (or rayon's global pool when none was set with
    /// [`EngineBuilder::threads`]); records come back in input order.
    pub fn decide_batch<I, T>(&self, notes: &[(I, T)]) -> Vec<Record>
    where
        I: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        self.install(|| {
            notes.par_iter().map(|(id, text)| self.decide(id.as_ref(), text.as_ref())).collect()
        })
    }

    /// Decides the notes of one patient as `necessity run` decides a
    /// patient's run of rows: the dated notes in date order (see
    /// [`patient_order`]), each with the history of those before it, the
    /// undated ones alone; records in the order of `notes`, each `source`
    /// naming `patient` and the note's date.
    pub fn decide_patient(&self, patient: Option<&str>, notes: &[PatientNote<'_>]) -> Vec<Record> {
        let dates: Vec<Option<&str>> = notes.iter().map(|note| note.date).collect();
        let mut history = PatientHistory::new();
        let mut records: Vec<Option<Record>> = vec![None; notes.len()];
        for index in patient_order(&dates) {
            let note = &notes[index];
            let source = Source {
                format: Some(Format::Text),
                bytes: note.text.len() as u64,
                patient: patient.map(str::to_string),
                date: note.date.map(str::to_string),
                ..Source::default()
            };
            let dated = note.date.and_then(necessity_record::sortable_date).is_some();
            let history = dated.then_some(&mut history);
            records[index] =
                Some(self.decide_in_history(note.id, note.text, source, None, history));
        }
        records.into_iter().flatten().collect()
    }

    /// [`Engine::decide_patient`] of many patients, in parallel on the
    /// engine's pool (one patient's notes stay in order on one thread);
    /// records in input order.
    pub fn decide_patients(
        &self,
        patients: &[(Option<&str>, Vec<PatientNote<'_>>)],
    ) -> Vec<Record> {
        self.install(|| {
            let runs: Vec<Vec<Record>> = patients
                .par_iter()
                .map(|(patient, notes)| self.decide_patient(*patient, notes))
                .collect();
            runs.into_iter().flatten().collect()
        })
    }

    /// Runs `work` on the engine's thread pool, so that rayon's parallel
    /// iterators inside it use that pool; on the global pool when none was set.
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// The Markdown review of one note given as text, as `necessity explain`
    /// prints it: the route and its reasons first, then the determination,
    /// every criterion with the note's words, and the mentions set aside.
    /// `note` names the document in the review.
    pub fn review(&self, note: &str, text: &str) -> String {
        let source =
            Source { format: Some(Format::Text), bytes: text.len() as u64, ..Source::default() };
        self.review_with_source(note, text, source)
    }

    /// [`Engine::review`] of a note whose provenance the caller knows, as
    /// [`Engine::decide_with_source`] takes it (a scan's failed pages pend).
    pub fn review_with_source(&self, note: &str, text: &str, source: Source) -> String {
        self.review_in_history(note, text, source, None)
    }

    /// [`Engine::review_with_source`] of a note of a patient whose earlier
    /// notes `history` holds, decided as [`Engine::decide_in_history`]
    /// decides it: facts taken from an earlier note are quoted with its id.
    pub fn review_in_history(
        &self,
        note: &str,
        text: &str,
        source: Source,
        history: Option<&PatientHistory>,
    ) -> String {
        // The review must not add this note to the caller's history.
        let mut history = history.cloned();
        let record = self.decide_in_history(note, text, source, None, history.as_mut());
        let (_, set_aside) = extract_case_traced(self.lexicons(), text);
        let set_aside: Vec<SetAsideMention> = set_aside
            .iter()
            .map(|s| SetAsideMention {
                mention: &s.mention,
                taken_as: s.taken_as,
                why: s.why,
                trigger: s.trigger.as_ref().map(|(phrase, _)| phrase.as_str()),
            })
            .collect();
        write_review_with_set_aside(&self.policies, &record, text, &set_aside)
    }

    /// Which rule set decides: the tool, the deciding policy's file hash and
    /// the lexicons' hash, all computed once (when loaded).
    fn provenance(&self, policy: Option<&PolicyRef>) -> Provenance {
        let policy = policy.and_then(|p| self.policies.by_id(&p.id));
        Provenance {
            tool: NLP_SYSTEM.to_string(),
            policy_sha256: policy.map(|p| p.sha256.clone()),
            lexicons_sha256: self.lexicons().sha256().to_string(),
        }
    }

    /// The record of a decided note: its facts, the policy's criteria and
    /// determination, and whether a machine may act on it (the route).
    fn record_of(&self, id: &str, source: Source, facts: Facts, evaluation: Evaluation) -> Record {
        let routing = route_case(&self.policies, &facts, &evaluation, &source);
        Record {
            id: id.to_string(),
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

    /// Extraction, the merge of the patient's earlier facts when there is a
    /// history, then policy evaluation: the step every output shares. The
    /// note's own facts come back too when there is a history to add them to.
    /// A note whose text states no date takes the one its input gives it
    /// (`dated`, an ISO 8601 date column): an export's date is the visit's,
    /// and time on therapy and look-back windows count from it.
    fn evaluate(
        &self,
        text: &str,
        dated: Option<&str>,
        history: Option<&PatientHistory>,
    ) -> (Facts, Evaluation, Option<Facts>) {
        let mut facts = extract_case_dated(self.lexicons(), text, dated);
        let own = history.map(|history| {
            let own = facts.clone();
            history.merge_into(&mut facts);
            own
        });
        let evaluation = evaluate_policy(&self.policies, &facts);
        (facts, evaluation, own)
    }

    /// The error record of a text that is not decided at all.
    fn refusal(&self, id: &str, text: &str, source: &Source) -> Option<Record> {
        let (kind, message) = if text.trim().is_empty() {
            (kind::EMPTY, "the document holds no text".to_string())
        } else if text.len() as u64 > self.max_doc_bytes {
            let cap = self.max_doc_bytes;
            (kind::TOO_LARGE, format!("the document is larger than the {cap}-byte limit"))
        } else {
            return None;
        };
        Some(self.error_record(id.to_string(), source.clone(), kind, message))
    }
}

/// Replaces the process's panic hook with one that reports only where a
/// panic happened: panic messages can quote note text (string slicing
/// panics print the string), and notes must not reach logs. The engine
/// turns a panic while deciding into an `internal` error record; this keeps
/// the default hook from printing the message first. For a program that
/// decides notes and nothing else (the CLI); a library loaded into another
/// program's process wants [`install_scoped_quiet_panic_hook`].
pub fn install_quiet_panic_hook() {
    panic::set_hook(Box::new(report_place));
}

/// Keeps the process's panic hook for panics elsewhere, and reports a panic
/// inside [`with_quiet_panics`] (every decision is) by its place only: for
/// the engine loaded into another program (the Python module), whose own
/// panics keep their messages. Installed once, however often it is called.
pub fn install_scoped_quiet_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET_DEPTH.with(Cell::get) > 0 {
                report_place(info);
            } else {
                previous(info);
            }
        }));
    });
}

thread_local! {
    /// How many [`with_quiet_panics`] scopes this thread is in.
    static QUIET_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `work` with a panic on this thread reported by its place only, by
/// the hook of [`install_scoped_quiet_panic_hook`]: for code that handles
/// note text outside [`Engine::decide`] (a binding converting a batch).
pub fn with_quiet_panics<R>(work: impl FnOnce() -> R) -> R {
    struct Scope;
    impl Drop for Scope {
        fn drop(&mut self) {
            QUIET_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }
    QUIET_DEPTH.with(|depth| depth.set(depth.get() + 1));
    let _scope = Scope;
    work()
}

/// Prints where a panic happened, never its message.
fn report_place(info: &panic::PanicHookInfo<'_>) {
    let place =
        info.location().map_or_else(String::new, |at| format!(" at {}:{}", at.file(), at.line()));
    eprintln!("necessity: internal error{place}; the document concerned becomes an error record");
}

#[cfg(test)]
mod tests;
