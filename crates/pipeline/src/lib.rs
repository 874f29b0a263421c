//! From inputs to outputs: documents read by the ingester, decided by the
//! engine in parallel and handed on in input order (the [`Runner`]), and
//! written as records (the [`output`] module). `necessity run` and `eval`
//! both run documents through it; the deciding itself is the engine's alone.

use necessity_engine::{Engine, FactMention, PatientHistory};
use necessity_ingest::{Document, IngestFailure, IngestOptions, Unit};
use necessity_record::{Record, Source};
use rayon::ThreadPool;
use std::time::{Duration, Instant};

pub mod batch;
pub mod output;
pub mod resume;

use batch::ordered_map;

/// How many finished documents may wait for a slow earlier one (a PDF near
/// its timeout) before new documents stop starting: records are a few KB,
/// so this keeps memory flat while the other workers stay busy.
pub const REORDER_WINDOW: usize = 4096;

/// Rows of CSV files, lines of JSON Lines files and text files are quick to
/// load, so they go to the workers this many at a time: one hand-over (a
/// lock and a wake-up) per batch instead of per document. PDFs, whose
/// parsing is the slow part, still go one at a time so that a few large
/// ones spread over all workers.
const ROWS_PER_BATCH: usize = 32;

/// Most notes of one patient read together: a patient's notes in a row of
/// the input are one batch up to this many, and a longer run goes on in a
/// new batch whose notes do not see the ones before. It bounds what a
/// worker holds (the run's texts) whatever the archive.
pub const MAX_PATIENT_NOTES: usize = 256;

/// What one document gives the outputs: its record and, when asked for, the
/// `NOTE_NLP` mentions of its facts (read while its text is at hand).
#[derive(Clone, Debug, PartialEq)]
pub struct Decided {
    /// The document's case record.
    pub record: Record,
    /// Its facts' `NOTE_NLP` mentions; empty unless the runner was asked for them.
    pub mentions: Vec<FactMention>,
}

/// Decides whatever ingestion produced: a document through the engine
/// (a `timeout` error record if it is not decided by `deadline`), a
/// failure as its error record.
pub fn decide_ingested(
    engine: &Engine,
    ingested: Result<Document, IngestFailure>,
    with_mentions: bool,
    deadline: Option<Instant>,
) -> Decided {
    match ingested {
        Ok(document) => decide_document(engine, &document, with_mentions, deadline),
        Err(failure) => Decided {
            record: engine.error_record(
                failure.id,
                *failure.source,
                &failure.kind,
                failure.message,
            ),
            mentions: Vec::new(),
        },
    }
}

/// Decides one ingested document, its provenance kept in the record; a
/// `timeout` error record if it is not decided by `deadline`.
pub fn decide_document(
    engine: &Engine,
    document: &Document,
    with_mentions: bool,
    deadline: Option<Instant>,
) -> Decided {
    decide_in_history(engine, document, with_mentions, deadline, None)
}

/// [`decide_document`] of a note of a patient whose earlier notes
/// `history` holds (see [`Engine::decide_in_history`]).
pub fn decide_in_history(
    engine: &Engine,
    document: &Document,
    with_mentions: bool,
    deadline: Option<Instant>,
    history: Option<&mut PatientHistory>,
) -> Decided {
    let source = source_of(document);
    let record = engine.decide_in_history(&document.id, &document.text, source, deadline, history);
    let mentions =
        if with_mentions { engine.fact_mentions(&record, &document.text) } else { Vec::new() };
    Decided { record, mentions }
}

/// Where an ingested document came from, as its record's `source` says.
pub fn source_of(document: &Document) -> Source {
    let provenance = &document.provenance;
    Source {
        format: Some(document.format),
        bytes: document.bytes,
        sha256: None,
        lossy_utf8: document.lossy_utf8,
        ocr: provenance.ocr_confidence.is_some(),
        ocr_confidence: provenance.ocr_confidence,
        pages_failed: provenance.pages_failed.clone(),
        patient: provenance.patient.clone(),
        date: provenance.date.clone(),
    }
}

/// Runs documents through the engine on a pool: each unit is read (a PDF
/// parsed in its worker process) and decided on the pool's threads, and the
/// results are handed on in input order.
pub struct Runner<'a> {
    /// What decides each document.
    pub engine: &'a Engine,
    /// How documents are read (columns, PDF limits, shard, ...).
    pub options: &'a IngestOptions,
    /// The threads documents are read and decided on.
    pub pool: &'a ThreadPool,
    /// Whether to read each record's `NOTE_NLP` mentions too.
    pub with_mentions: bool,
}

impl Runner<'_> {
    /// Decides every unit and passes each result to `sink`, in the order of
    /// `units`; the first error of `sink` stops the run and is returned.
    pub fn run<E>(
        &self,
        units: impl Iterator<Item = Unit> + Send,
        mut sink: impl FnMut(Decided) -> Result<(), E>,
    ) -> Result<(), E> {
        let decide_batch = |batch: Vec<Unit>| self.decide_batch(batch);
        // Still at most REORDER_WINDOW documents waiting, however the batches fall.
        let window = REORDER_WINDOW / ROWS_PER_BATCH;
        ordered_map(self.pool, batches(units), window, decide_batch, |decided| {
            decided.into_iter().try_for_each(&mut sink)
        })
    }

    /// Decides a batch, each run of one patient's notes in date order with
    /// the patient's history, and gives the results in the batch's order.
    fn decide_batch(&self, batch: Vec<Unit>) -> Vec<Decided> {
        let mut decided = Vec::with_capacity(batch.len());
        for run in patient_runs(batch) {
            match run.first().and_then(Unit::patient) {
                Some(_) => decided.extend(self.decide_patient(run)),
                None => decided.extend(run.into_iter().map(|unit| self.decide_alone(unit))),
            }
        }
        decided
    }

    /// Reads and decides one document on its own.
    fn decide_alone(&self, unit: Unit) -> Decided {
        // A document's time covers its reading (a PDF's parse) and its deciding.
        let deadline = Instant::now().checked_add(self.options.doc_timeout);
        let loaded = unit.load(self.options);
        decide_ingested(self.engine, loaded, self.with_mentions, deadline)
    }

    /// Reads the notes of one patient, decides the dated ones in date order
    /// (input order among equal dates), each with the history of those
    /// before it, and the others alone; results in the run's order.
    fn decide_patient(&self, run: Vec<Unit>) -> Vec<Decided> {
        let (mut loaded, order) = load_in_date_order(run, self.options);
        let mut history = PatientHistory::new();
        let mut decided: Vec<Option<Decided>> = vec![None; loaded.len()];
        for index in order {
            let Some((document, reading)) = loaded[index].take() else { continue };
            // The note's time covers its reading and its deciding, not its neighbours'.
            let deadline =
                Instant::now().checked_add(self.options.doc_timeout.saturating_sub(reading));
            decided[index] = Some(match document {
                Ok(document) if date_of(&document).is_some() => {
                    let history = Some(&mut history);
                    decide_in_history(self.engine, &document, self.with_mentions, deadline, history)
                }
                other => decide_ingested(self.engine, other, self.with_mentions, deadline),
            });
        }
        decided.into_iter().flatten().collect()
    }
}

/// A note of a patient's run as read, with the time its reading took.
type Loaded = (Result<Document, IngestFailure>, Duration);

/// Reads a run of one patient's notes, and the order they are decided in:
/// the dated notes first, in date order (input order among equal dates),
/// then the undated ones, which are read alone.
fn load_in_date_order(
    run: Vec<Unit>,
    options: &IngestOptions,
) -> (Vec<Option<Loaded>>, Vec<usize>) {
    let loaded: Vec<Option<Loaded>> = run
        .into_iter()
        .map(|unit| {
            let started = Instant::now();
            let loaded = unit.load(options);
            Some((loaded, started.elapsed()))
        })
        .collect();
    let document = |index: usize| loaded[index].as_ref().and_then(|(read, _)| read.as_ref().ok());
    let dates: Vec<Option<&str>> =
        (0..loaded.len()).map(|index| document(index).and_then(date_of)).collect();
    let order = necessity_engine::patient_order(&dates);
    (loaded, order)
}

/// The runs a batch is decided in: a patient's consecutive notes together,
/// every note without a patient alone.
fn patient_runs(batch: Vec<Unit>) -> Vec<Vec<Unit>> {
    let mut runs: Vec<Vec<Unit>> = Vec::new();
    for unit in batch {
        match runs.last_mut() {
            Some(run) if unit.patient().is_some() && run[0].patient() == unit.patient() => {
                run.push(unit);
            }
            _ => runs.push(vec![unit]),
        }
    }
    runs
}

/// The `n`-th unit (from 0) of `units` with the notes of its patient that
/// `run` reads with it, as the [`Runner`] groups them, and its place in
/// that run: so that `explain` reviews a note with the same earlier notes
/// as the record `run` wrote. `None` when there are not that many units.
pub fn patient_run_of(
    units: impl Iterator<Item = Unit> + Send,
    n: usize,
) -> Option<(Vec<Unit>, usize)> {
    let mut before = 0;
    for batch in batches(units) {
        if n >= before + batch.len() {
            before += batch.len();
            continue;
        }
        for run in patient_runs(batch) {
            if n < before + run.len() {
                return Some((run, n - before));
            }
            before += run.len();
        }
    }
    None
}

/// The history of a patient's notes that `run` decides before the note at
/// `index` of `run` (see [`patient_run_of`]), and that note as read: the
/// earlier dated notes are decided in date order to build it, as the
/// [`Runner`] decides them. An undated note has no history: it is read alone.
/// `None` when `index` is outside `run`.
pub fn history_before(
    engine: &Engine,
    options: &IngestOptions,
    run: Vec<Unit>,
    index: usize,
) -> Option<(Option<PatientHistory>, Result<Document, IngestFailure>)> {
    let has_patient = run.get(index)?.patient().is_some();
    let (mut loaded, order) = load_in_date_order(run, options);
    let (chosen, _) = loaded.get_mut(index).and_then(Option::take)?;
    let dated = chosen.as_ref().ok().and_then(date_of).is_some();
    if !has_patient || !dated {
        return Some((None, chosen));
    }
    let mut history = PatientHistory::new();
    for earlier in order.into_iter().take_while(|&i| i != index) {
        if let Some((Ok(document), _)) = loaded[earlier].take() {
            if date_of(&document).is_some() {
                decide_in_history(engine, &document, false, None, Some(&mut history));
            }
        }
    }
    Some((Some(history), chosen))
}

/// The date a note is ordered by among its patient's notes, if it has one
/// that orders (ISO 8601): a note without one is read alone.
fn date_of(document: &Document) -> Option<&str> {
    document.provenance.date.as_deref().and_then(necessity_ingest::sortable_date)
}

/// Groups consecutive quick units (rows, lines, text files) into batches,
/// never parting the notes of one patient (up to [`MAX_PATIENT_NOTES`]
/// of them); every other unit is a batch of one.
fn batches(units: impl Iterator<Item = Unit> + Send) -> impl Iterator<Item = Vec<Unit>> + Send {
    let mut units = units.peekable();
    std::iter::from_fn(move || {
        let first = units.next()?;
        if !first.is_quick() {
            return Some(vec![first]);
        }
        let mut batch = vec![first];
        let mut run = 1;
        loop {
            let last = batch.last().and_then(Unit::patient).map(str::to_string);
            let same_patient = |unit: &Unit| last.is_some() && unit.patient() == last.as_deref();
            let next = units.next_if(|unit| {
                unit.is_quick()
                    && if same_patient(unit) {
                        run < MAX_PATIENT_NOTES
                    } else {
                        batch.len() < ROWS_PER_BATCH
                    }
            });
            let Some(unit) = next else { break };
            run = if same_patient(&unit) { run + 1 } else { 1 };
            batch.push(unit);
        }
        Some(batch)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_ingest::{kind, units, Unit};
    use necessity_record::{Format, Status};
    use std::path::PathBuf;

    #[test]
    fn the_engine_and_the_ingester_use_the_same_error_words() {
        assert_eq!(necessity_engine::kind::EMPTY, kind::EMPTY);
        assert_eq!(necessity_engine::kind::TOO_LARGE, kind::TOO_LARGE);
        assert_eq!(necessity_engine::kind::TIMEOUT, kind::TIMEOUT);
    }

    fn run_all(inputs: &[PathBuf], with_mentions: bool) -> Vec<Decided> {
        let engine = Engine::new().unwrap();
        let options = IngestOptions::default();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let runner = Runner { engine: &engine, options: &options, pool: &pool, with_mentions };
        let mut out = Vec::new();
        runner
            .run(units(inputs, &options), |decided| {
                out.push(decided);
                Ok::<(), ()>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn every_document_gives_one_record_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let rows: String = (1..=70).map(|n| format!("{n},\"Note {n}: BSA {n}%.\"\n")).collect();
        std::fs::write(dir.path().join("a.csv"), format!("id,text\n{rows}3000,\"  \"\n")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "Atopic dermatitis, BSA 12%.").unwrap();
        std::fs::write(dir.path().join("c.txt"), "").unwrap();
        let decided = run_all(&[dir.path().to_path_buf()], false);
        let ids: Vec<&str> = decided.iter().map(|d| d.record.id.as_str()).collect();
        let mut expected: Vec<String> = (1..=70).map(|n| format!("a.csv#{n}")).collect();
        expected.extend(["a.csv#3000", "b.txt", "c.txt"].map(String::from));
        assert_eq!(ids, expected);
        let text = &decided[71].record;
        assert_eq!(text.source.format, Some(Format::Text));
        assert_eq!(text.source.sha256.as_deref().map(str::len), Some(64));
        assert_eq!(decided[70].record.error.as_ref().unwrap().kind, kind::EMPTY);
        assert_eq!(decided[72].record.status, Status::Error);
        assert!(decided.iter().all(|d| d.mentions.is_empty()));
    }

    /// The patients of each batch of a CSV of `runs` (patient, notes) in a row.
    fn batch_patients(runs: &[(&str, usize)]) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("id,patient_id,text\n");
        for (patient, notes) in runs {
            csv.extend((0..*notes).map(|n| format!("{patient}{n},{patient},BSA {n}%\n")));
        }
        std::fs::write(dir.path().join("a.csv"), csv).unwrap();
        let options = IngestOptions::default();
        let units = units(&[dir.path().to_path_buf()], &options);
        let patient = |unit: &Unit| unit.patient().unwrap_or("-").to_string();
        batches(units).map(|batch| batch.iter().map(patient).collect()).collect()
    }

    #[test]
    fn batches_never_part_a_patients_notes_below_the_cap() {
        let batches = batch_patients(&[("a", 20), ("b", 50), ("c", 3), ("d", 1)]);
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        // a (20) fills a batch that b joins and keeps whole; c and d share one.
        assert_eq!(sizes, [70, 4]);
        let long = batch_patients(&[("a", MAX_PATIENT_NOTES + 10), ("b", 2)]);
        let sizes: Vec<usize> = long.iter().map(Vec::len).collect();
        assert_eq!(sizes, [MAX_PATIENT_NOTES, 12], "a run past the cap goes on in a new batch");
    }

    #[test]
    fn the_run_of_a_note_is_the_one_the_runner_reads_it_in() {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("id,patient_id,text\n");
        for (patient, notes) in [("a", 20), ("b", 50), ("", 2), ("c", 3)] {
            csv.extend((0..notes).map(|n| format!("{patient}{n},{patient},BSA {n}%\n")));
        }
        std::fs::write(dir.path().join("a.csv"), csv).unwrap();
        let options = IngestOptions::default();
        let run_of = |n: usize| {
            let (run, index) = patient_run_of(units(&[dir.path().to_path_buf()], &options), n)?;
            Some((run.iter().map(|u| u.id().to_string()).collect::<Vec<_>>(), index))
        };
        let (run, index) = run_of(25).unwrap();
        assert_eq!((run.len(), index, run[index].as_str()), (50, 5, "a.csv#b5"));
        // Notes without a patient are each read alone.
        assert_eq!(run_of(71).unwrap(), (vec!["a.csv#1".to_string()], 0));
        let (run, index) = run_of(74).unwrap();
        assert_eq!((run.len(), index), (3, 2));
        assert_eq!(run_of(75), None);
    }

    #[test]
    fn a_patients_notes_are_decided_in_date_order_and_given_back_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let initial = "Atopic dermatitis, EASI 28, BSA 30%, IGA 4. Failed clobetasol 0.05% \
                       ointment and tacrolimus. Plan: start Dupixent 600 mg then 300 mg q2w.";
        let renewal = "Atopic dermatitis. Continues Dupixent 300 mg every 2 weeks, started \
                       03/2025. EASI 6. Plan: continue Dupixent, reauthorization requested.";
        let csv = format!(
            "id,mrn,date,text\n2,p,2025-11-20,\"{renewal}\"\n1,p,2025-03-10,\"{initial}\"\n\
             3,p,,\"{renewal}\"\n"
        );
        std::fs::write(dir.path().join("p.csv"), csv).unwrap();
        let decided = run_all(&[dir.path().to_path_buf()], false);
        let ids: Vec<&str> = decided.iter().map(|d| d.record.id.as_str()).collect();
        assert_eq!(ids, ["p.csv#2", "p.csv#1", "p.csv#3"]);
        let facts = |n: usize| decided[n].record.facts.as_ref().unwrap();
        assert_eq!(facts(0).measures_baseline.easi, Some(28.0));
        let evidence = &facts(0).evidence["measures_baseline.easi"][0];
        assert_eq!(evidence.note_id.as_deref(), Some("p.csv#1"));
        assert_eq!(facts(1).measures_baseline.easi, None);
        assert_eq!(facts(2).measures_baseline.easi, None, "an undated note is read alone");
    }

    #[test]
    fn mentions_come_with_their_record_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("n.txt"), "Atopic dermatitis, BSA 12%.").unwrap();
        let decided = run_all(&[dir.path().to_path_buf()], true);
        let facts = decided[0].record.facts.as_ref().unwrap();
        let spans: usize = facts.evidence.values().map(Vec::len).sum();
        assert!(spans > 0);
        assert_eq!(decided[0].mentions.len(), spans);
    }
    #[test]
    fn every_record_carries_a_route_and_the_rule_set_that_decided_it() {
        use necessity_record::{PendKind, Route};
        let engine = Engine::new().unwrap();
        let note = "34-year-old with atopic dermatitis, BSA 30%, IGA 4, seen in dermatology. \
                    Failed clobetasol 0.05% ointment and tacrolimus. \
                    Plan: start Dupixent 600 mg then 300 mg q2w.";
        let document = |id: &str| Document {
            id: id.into(),
            text: note.into(),
            format: Format::Text,
            bytes: note.len() as u64,
            lossy_utf8: false,
            provenance: necessity_ingest::Provenance::default(),
        };
        let record = decide_document(&engine, &document("note.txt"), false, None).record;
        assert_eq!(record.route, Some(Route::Approve), "{:?}", record.pend_reasons);
        let provenance = record.provenance.unwrap();
        assert_eq!(provenance.tool, necessity_engine::NLP_SYSTEM);
        let policy = engine.policies().by_id("dupixent-atopic-dermatitis").unwrap();
        assert_eq!(provenance.policy_sha256.as_deref(), Some(policy.sha256.as_str()));
        assert_eq!(provenance.lexicons_sha256, engine.lexicons().sha256());

        let mut scanned = document("scan.pdf");
        scanned.provenance.pages_failed = vec![2];
        let record = decide_document(&engine, &scanned, false, None).record;
        assert_eq!(record.route, Some(Route::Pend));
        assert_eq!(record.pend_reasons[0].kind, PendKind::PartialText);

        let failure = IngestFailure::new("x.pdf", Some(Format::Pdf), 9, "pdf_encrypted", "locked");
        let record = decide_ingested(&engine, Err(failure), false, None).record;
        assert_eq!(record.route, Some(Route::Pend));
        assert_eq!(record.pend_reasons[0].kind, PendKind::Unreadable);
        let provenance = record.provenance.unwrap();
        assert_eq!(provenance.policy_sha256, None);
    }
}
