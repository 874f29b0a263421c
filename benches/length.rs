//! Time per byte against a note's length (issue #14): real notes (the
//! corpus's, one after another) cut to 1, 2, 4, ... 64 KB and decided by
//! the engine, as `necessity run` decides each. Linear extraction keeps the
//! time per byte flat; the printed curve and its 64 KB / 1 KB ratio say so.

// Each bench uses a part of the shared helpers.
#[allow(dead_code)]
mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

/// The lengths of the notes, in bytes.
const LENGTHS: [usize; 7] = [1 << 10, 2 << 10, 4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10];

/// A note of about `length` bytes: the corpus notes one after another,
/// cut at the last line break before `length`.
fn note_of(length: usize, corpus: &str) -> String {
    let text = corpus.repeat(length / corpus.len() + 1);
    let cut = text[..length].rfind('\n').unwrap_or(length);
    text[..cut].to_string()
}

fn bench_lengths(c: &mut Criterion) {
    let corpus = support::corpus_notes().join("\n\n");
    let engine = support::engine();
    let lengths: &[usize] = if support::measuring() { &LENGTHS } else { &LENGTHS[..2] };
    let notes: Vec<String> = lengths.iter().map(|&length| note_of(length, &corpus)).collect();
    let mut group = c.benchmark_group("note_length");
    for note in &notes {
        group.throughput(Throughput::Bytes(note.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(note.len()), note, |b, note| {
            b.iter(|| black_box(engine.decide("note", note)))
        });
    }
    group.finish();
    print_curve(&engine, &notes);
}

/// Times each length back to back (fastest of repeated runs of about the
/// same number of bytes) and prints ns per byte and the 64 KB / 1 KB ratio.
fn print_curve(engine: &necessity_engine::Engine, notes: &[String]) {
    let budget = if support::measuring() { Duration::from_secs(2) } else { Duration::ZERO };
    let per_byte: Vec<f64> = notes
        .iter()
        .map(|note| {
            let repeats = (256 << 10) / note.len();
            let fastest = support::fastest(3, budget, || {
                for _ in 0..repeats {
                    black_box(engine.decide("note", note));
                }
            });
            fastest.as_nanos() as f64 / (repeats * note.len()) as f64
        })
        .collect();
    let curve: Vec<String> = notes
        .iter()
        .zip(&per_byte)
        .map(|(note, ns)| format!("{:.0} KB {ns:.1}", note.len() as f64 / 1024.0))
        .collect();
    println!(
        "note length: ns per byte {}; longest/shortest {:.2}",
        curve.join(", "),
        per_byte[per_byte.len() - 1] / per_byte[0]
    );
}

criterion_group!(benches, bench_lengths);
criterion_main!(benches);
