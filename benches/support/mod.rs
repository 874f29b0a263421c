//! What the benches share: the bundled corpus, a seeded in-memory archive
//! built like `necessity synth` builds one, and the engine the CLI runs.

use necessity_engine::Engine;
use necessity_ingest::Document;
use necessity_record::Format;
use necessity_synth::{note_id, Generator, Templates, Vocabulary};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The workspace root, where `corpus/` lives and `../shared/data` is reached from.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True under `cargo bench`; false when `cargo test --all-targets` runs the
/// bench once as a smoke test, where inputs are kept small.
pub fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// The bundled corpus notes (text only), in file-name order.
pub fn corpus_notes() -> Vec<String> {
    let dir = root().join("corpus/notes");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|path| std::fs::read_to_string(path).expect("corpus note")).collect()
}

/// A seeded archive of about `bytes` of text, as `necessity synth --seed 1`
/// writes one from the corpus (with MTSamples filler when the shared data is
/// there), held as ingested documents.
pub fn archive(bytes: usize) -> Vec<Document> {
    let vocab = Vocabulary::builtin().expect("synth vocabulary");
    let mut templates = Templates::default();
    templates.add_dir(&root().join("corpus/notes"), &vocab).expect("corpus templates");
    let mtsamples = root().join("../shared/data/mtsamples/mtsamples.csv");
    if mtsamples.exists() {
        templates.add_filler_csv(&mtsamples, "transcription", &vocab).expect("MTSamples filler");
    }
    let mut generator = Generator::new(&templates, &vocab, 1, 10);
    let mut documents = Vec::new();
    let mut total = 0;
    while total < bytes {
        let text = generator.next_note().text;
        total += text.len();
        let id = note_id(documents.len() as u64);
        documents.push(Document {
            id,
            bytes: text.len() as u64,
            text,
            format: Format::Jsonl,
            lossy_utf8: false,
            provenance: Default::default(),
        });
    }
    documents
}

/// Total text bytes of the documents.
pub fn text_bytes(documents: &[Document]) -> u64 {
    documents.iter().map(|d| d.text.len() as u64).sum()
}

/// The engine `necessity run` uses by default.
pub fn engine() -> Engine {
    Engine::new().expect("the default engine builds")
}

/// Fastest of repeated timings of `work`: at least `rounds` runs, and more
/// until `budget` is spent. The minimum is the least disturbed by other load.
pub fn fastest(rounds: usize, budget: Duration, mut work: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < rounds || started.elapsed() < budget {
        let lap = Instant::now();
        work();
        best = best.min(lap.elapsed());
        runs += 1;
    }
    best
}
