//! The engine's own cost, without reading or writing JSON: every kit
//! sentence analysed and its target's context found (the work behind
//! `necessity context`), and whole notes of the sample corpus analysed with
//! every sentence asked about at once (the work behind extraction).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use necessity_context::kit::{self, KitRow};
use necessity_context::ContextEngine;
use std::hint::black_box;
use std::path::Path;

fn kit_rows() -> Vec<KitRow> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/context-kit/rsAnnotations-1-120-random.txt");
    let text = std::fs::read_to_string(&path).expect("the ConText kit beside the checkout");
    text.lines().enumerate().filter_map(|(i, line)| kit::parse_row(i + 1, line).ok()).collect()
}

fn corpus_notes() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/notes");
    let mut notes: Vec<String> = std::fs::read_dir(dir)
        .expect("the sample corpus")
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    notes.sort();
    notes
}

fn bench_kit(c: &mut Criterion) {
    let rows = kit_rows();
    let engine = ContextEngine::builtin();
    let bytes: usize = rows.iter().map(|row| row.sentence.len()).sum();
    let mut group = c.benchmark_group("context");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("kit_sentences", |b| {
        b.iter(|| {
            for row in &rows {
                let analysis = engine.analyze(&row.sentence);
                if let Some(span) = analysis.find(&row.target) {
                    black_box(analysis.context_of(span));
                }
            }
        })
    });
    let notes = corpus_notes();
    let bytes: usize = notes.iter().map(String::len).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("corpus_notes", |b| {
        b.iter(|| {
            for note in &notes {
                let analysis = engine.analyze(note);
                black_box(analysis.scopes(analysis.sentences()));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_kit);
criterion_main!(benches);
