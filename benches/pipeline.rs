//! The whole pipeline per MB of text, against a bare aho-corasick scan of the
//! same lexicon over the same bytes: the floor no extractor can beat. The
//! ratio of the two, printed at the end, is the number issue #6 tracks.

// Each bench uses a part of the shared helpers.
#[allow(dead_code)]
mod support;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use necessity_engine::Engine;
use necessity_extract::extract_case;
use necessity_ingest::Document;
use necessity_pipeline::decide_document;
use std::hint::black_box;
use std::time::Duration;

/// The bare scan: the extractor's own patterns, matched as its main scan
/// matches them (case-sensitive spellings, leftmost-longest) by aho-corasick's
/// fastest automaton, a full DFA, so the baseline is a floor.
fn scanner(engine: &Engine) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(engine.lexicons().scan_terms())
        .expect("the extractor's terms build an automaton")
}

fn scan_all(scanner: &AhoCorasick, documents: &[Document]) -> usize {
    documents.iter().map(|d| scanner.find_iter(d.text.as_bytes()).count()).sum()
}

fn extract_all(engine: &Engine, documents: &[Document]) {
    for document in documents {
        black_box(extract_case(engine.lexicons(), &document.text));
    }
}

/// Records and their JSON lines, as `necessity run` writes them (to a
/// reused buffer, leaving out only the file write).
fn run_all(engine: &Engine, documents: &[Document], line: &mut Vec<u8>) {
    for document in documents {
        line.clear();
        let record = decide_document(engine, document, false, None).record;
        serde_json::to_writer(&mut *line, &record).expect("record serialises");
        line.push(b'\n');
        black_box(&line);
    }
}

fn bench_archive(c: &mut Criterion) {
    let megabytes = if support::measuring() { 4 } else { 1 };
    let documents = support::archive(megabytes << 20);
    let bytes = support::text_bytes(&documents);
    let engine = support::engine();
    let scanner = scanner(&engine);
    let mut line = Vec::new();

    let mut group = c.benchmark_group("archive");
    group.throughput(Throughput::Bytes(bytes)).sample_size(10);
    group.bench_function("scan", |b| b.iter(|| scan_all(&scanner, &documents)));
    group.bench_function("extract", |b| b.iter(|| extract_all(&engine, &documents)));
    group.bench_function("pipeline", |b| b.iter(|| run_all(&engine, &documents, &mut line)));
    group.finish();

    print_ratio(bytes, &engine, &scanner, &documents);
}

/// Times scan and pipeline back to back in this run and prints their ratio.
fn print_ratio(bytes: u64, engine: &Engine, scanner: &AhoCorasick, documents: &[Document]) {
    let (rounds, budget) =
        if support::measuring() { (5, Duration::from_secs(3)) } else { (1, Duration::ZERO) };
    let mut line = Vec::new();
    let scan = support::fastest(rounds, budget, || {
        black_box(scan_all(scanner, documents));
    });
    let run = support::fastest(rounds, budget, || run_all(engine, documents, &mut line));
    let rate = |time: Duration| bytes as f64 / time.as_secs_f64() / 1e6;
    println!(
        "archive: {} documents, {:.1} MB; scan {:.0} MB/s, pipeline {:.0} MB/s ({:.0} documents/s); \
         pipeline/scan time ratio {:.2}",
        documents.len(),
        bytes as f64 / 1e6,
        rate(scan),
        rate(run),
        documents.len() as f64 / run.as_secs_f64(),
        run.as_secs_f64() / scan.as_secs_f64(),
    );
}

criterion_group!(benches, bench_archive);
criterion_main!(benches);
