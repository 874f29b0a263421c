//! Extraction of one note, short and long: the per-document cost behind
//! the archive figures, without policy evaluation or output.

// Each bench uses a part of the shared helpers.
#[allow(dead_code)]
mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use necessity_extract::extract_case;
use std::hint::black_box;

fn bench_notes(c: &mut Criterion) {
    let mut notes = support::corpus_notes();
    notes.sort_by_key(String::len);
    let short = notes.first().expect("the corpus has notes").clone();
    let long = notes.last().expect("the corpus has notes").clone();
    let engine = support::engine();
    let lexicons = engine.lexicons();

    let mut group = c.benchmark_group("extract_note");
    for (name, note) in [("short", &short), ("long", &long)] {
        group.throughput(Throughput::Bytes(note.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(extract_case(lexicons, note))));
    }
    group.finish();
}

criterion_group!(benches, bench_notes);
criterion_main!(benches);
