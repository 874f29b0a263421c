//! Reproducible samples of records: the same seed and input give the same
//! sample on any machine, because a record's chance is a keyed hash of
//! (seed, id) and nothing depends on threads, hash-map order or input size.
//!
//! Each record gets the rank `sha256(seed as 8 little-endian bytes ++ id)`,
//! read as a big-endian `u64` from the first 8 bytes; ties (repeated ids) go to
//! the earlier line. A stratum's sample is its lowest-ranked records, so the
//! input streams through keeping only the best candidates of each stratum.

use crate::field::{Field, Filter};
use crate::lines::{parse_line, LineError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BinaryHeap};
use std::io::BufRead;
use thiserror::Error;

/// How many records to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleSize {
    /// `n` in all, split over strata in proportion to their size.
    Total(usize),
    /// Up to `k` from every stratum, so small strata are seen as often as big ones.
    PerStratum(usize),
}

/// What to draw: the command line's `--n`/`--per-stratum`, `--seed`,
/// `--stratify` and `--where`.
#[derive(Clone, Debug)]
pub struct SampleSpec {
    /// The input as the manifest names it (its path on the command line).
    pub input: String,
    pub seed: u64,
    pub size: SampleSize,
    pub stratify: Option<(String, Field)>,
    pub filters: Vec<Filter>,
}

/// The drawn records, exactly as their input lines, in input order.
#[derive(Clone, Debug)]
pub struct Sample {
    pub lines: Vec<String>,
    pub manifest: Manifest,
}

/// What an auditor needs to redraw or describe a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// The input as named on the command line.
    pub input: String,
    /// SHA-256 of the input bytes, so a redraw can prove it used the same file.
    pub input_sha256: String,
    pub seed: u64,
    /// How the chance of each record is computed, in words.
    pub method: &'static str,
    /// `proportional` (with `n`) or `equal` (with `per_stratum`).
    pub allocation: &'static str,
    pub n: Option<usize>,
    pub per_stratum: Option<usize>,
    pub stratify: Option<String>,
    pub filters: Vec<String>,
    /// Records in the input.
    pub records_read: u64,
    /// Records that passed the filters: the population sampled from.
    pub population: u64,
    pub sampled: usize,
    pub strata: BTreeMap<String, StratumCounts>,
}

/// One stratum's size in the population and in the sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StratumCounts {
    pub population: u64,
    pub sample: usize,
}

/// The description of the method written to every manifest.
pub const METHOD: &str =
    "rank = first 8 bytes (big-endian) of sha256(seed as u64 little-endian ++ id); \
     each stratum keeps its lowest ranks, ties to the earlier line; \
     proportional allocation by largest remainder, ties to the stratum name that sorts first";

/// The stratum name used when no `--stratify` field is given.
const ALL: &str = "all";

/// Why a sample could not be drawn; names lines, never their text.
#[derive(Debug, Error)]
pub enum SampleError {
    #[error("reading records: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Line(#[from] LineError),
    #[error("line {line}: record has no string \"id\"")]
    NoId { line: u64 },
}

/// A record still in the running for its stratum's sample.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    rank: u64,
    index: u64,
    line: String,
}

/// The rank of a record: the smaller, the earlier it is drawn.
pub fn rank(seed: u64, id: &str) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("sha256 has 32 bytes"))
}

/// Streams JSONL records from `input` and draws the sample `spec` asks for.
pub fn draw(input: impl BufRead, spec: &SampleSpec) -> Result<Sample, SampleError> {
    let capacity = match spec.size {
        SampleSize::Total(n) | SampleSize::PerStratum(n) => n,
    };
    let mut strata: BTreeMap<String, (u64, BinaryHeap<Candidate>)> = BTreeMap::new();
    if let Some((_, field)) = &spec.stratify {
        for value in field.vocabulary() {
            strata.entry(value.to_string()).or_default();
        }
    }
    let (records_read, input_sha256) = scan(input, |index, line, record| {
        if !spec.filters.iter().all(|f| f.accepts(record)) {
            return;
        }
        let key = spec.stratify.as_ref().map_or(ALL.to_string(), |(_, f)| f.word(record));
        let id = record["id"].as_str().unwrap_or_default();
        let (count, heap) = strata.entry(key).or_default();
        *count += 1;
        offer(heap, capacity, rank(spec.seed, id), index, line);
    })?;
    let populations: BTreeMap<String, u64> =
        strata.iter().map(|(k, (count, _))| (k.clone(), *count)).collect();
    let allocation = allocate(spec.size, &populations);
    let mut drawn: Vec<Candidate> = Vec::new();
    let mut counts = BTreeMap::new();
    for (key, (population, heap)) in strata {
        let take = allocation.get(&key).copied().unwrap_or(0);
        drawn.extend(heap.into_sorted_vec().into_iter().take(take));
        counts.insert(key, StratumCounts { population, sample: take });
    }
    drawn.sort_by_key(|c| c.index);
    let manifest = Manifest {
        input: spec.input.clone(),
        input_sha256,
        seed: spec.seed,
        method: METHOD,
        allocation: match spec.size {
            SampleSize::Total(_) => "proportional",
            SampleSize::PerStratum(_) => "equal",
        },
        n: matches!(spec.size, SampleSize::Total(_)).then_some(capacity),
        per_stratum: matches!(spec.size, SampleSize::PerStratum(_)).then_some(capacity),
        stratify: spec.stratify.as_ref().map(|(name, _)| name.clone()),
        filters: spec.filters.iter().map(|f| f.text.clone()).collect(),
        records_read,
        population: counts.values().map(|c| c.population).sum(),
        sampled: drawn.len(),
        strata: counts,
    };
    Ok(Sample { lines: drawn.into_iter().map(|c| c.line).collect(), manifest })
}

/// Keeps the record if it is among the `capacity` lowest (rank, index) so
/// far; the line is copied only then, so a long input costs little memory.
fn offer(heap: &mut BinaryHeap<Candidate>, capacity: usize, rank: u64, index: u64, line: &str) {
    let beats_worst = heap.peek().is_none_or(|worst| (rank, index) < (worst.rank, worst.index));
    if heap.len() < capacity || (capacity > 0 && beats_worst) {
        heap.push(Candidate { rank, index, line: line.to_string() });
        if heap.len() > capacity {
            heap.pop();
        }
    }
}

/// Reads every non-blank line as a JSON record with an id, handing each to
/// `visit` with its record index; returns the record count and input SHA-256.
fn scan(
    mut input: impl BufRead,
    mut visit: impl FnMut(u64, &str, &serde_json::Value),
) -> Result<(u64, String), SampleError> {
    let mut hasher = Sha256::new();
    let mut buffer = String::new();
    let (mut line_number, mut records) = (0u64, 0u64);
    loop {
        buffer.clear();
        if input.read_line(&mut buffer)? == 0 {
            break;
        }
        hasher.update(buffer.as_bytes());
        line_number += 1;
        let line = buffer.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = parse_line(line, line_number)?;
        if !record.get("id").is_some_and(serde_json::Value::is_string) {
            return Err(SampleError::NoId { line: line_number });
        }
        visit(records, line, &record);
        records += 1;
    }
    Ok((records, hex(&hasher.finalize())))
}

/// How many records each stratum contributes.
fn allocate(size: SampleSize, populations: &BTreeMap<String, u64>) -> BTreeMap<String, usize> {
    match size {
        SampleSize::PerStratum(k) => populations
            .iter()
            .map(|(key, &population)| {
                (key.clone(), usize::try_from(population).unwrap_or(usize::MAX).min(k))
            })
            .collect(),
        SampleSize::Total(n) => proportional(n, populations),
    }
}

/// Largest-remainder (Hamilton) allocation of `n` over strata by size, in
/// integer arithmetic so every machine rounds alike.
fn proportional(n: usize, populations: &BTreeMap<String, u64>) -> BTreeMap<String, usize> {
    let total: u64 = populations.values().sum();
    let n = (n as u128).min(total as u128);
    if total == 0 {
        return populations.keys().map(|k| (k.clone(), 0)).collect();
    }
    let mut shares: BTreeMap<String, usize> = BTreeMap::new();
    let mut remainders: Vec<(u128, &str)> = Vec::new();
    for (key, &population) in populations {
        let quota = n * population as u128;
        shares.insert(key.clone(), (quota / total as u128) as usize);
        remainders.push((quota % total as u128, key));
    }
    let given: u128 = shares.values().map(|&s| s as u128).sum();
    // Largest remainder first; among equal remainders the name that sorts first.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (_, key) in remainders.into_iter().take((n - given) as usize) {
        *shares.get_mut(key).expect("every stratum has a share") += 1;
    }
    shares
}

/// Lowercase hexadecimal, as sha256 sums are written in records.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const DETERMINATIONS: [&str; 3] =
        ["medically_necessary", "not_medically_necessary", "insufficient_documentation"];

    /// `count` records whose determinations cycle with weights 6:3:1.
    fn records(count: usize) -> String {
        (0..count)
            .map(|i| {
                let d = match i % 10 {
                    0..=5 => DETERMINATIONS[0],
                    6..=8 => DETERMINATIONS[1],
                    _ => DETERMINATIONS[2],
                };
                format!("{{\"id\":\"note-{i}.txt\",\"status\":\"ok\",\"determination\":\"{d}\"}}\n")
            })
            .collect()
    }

    fn spec(size: SampleSize, stratify: Option<&str>) -> SampleSpec {
        SampleSpec {
            input: "records.jsonl".to_string(),
            seed: 7,
            size,
            stratify: stratify.map(|s| (s.to_string(), Field::parse(s).unwrap())),
            filters: vec![],
        }
    }

    fn ids(sample: &Sample) -> Vec<String> {
        sample
            .lines
            .iter()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect()
    }

    #[test]
    fn same_seed_same_sample_and_order_does_not_matter() {
        let input = records(500);
        let a = draw(Cursor::new(&input), &spec(SampleSize::Total(50), None)).unwrap();
        let b = draw(Cursor::new(&input), &spec(SampleSize::Total(50), None)).unwrap();
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.lines.len(), 50);
        let reversed: String = input.lines().rev().map(|l| format!("{l}\n")).collect();
        let c = draw(Cursor::new(&reversed), &spec(SampleSize::Total(50), None)).unwrap();
        let (mut x, mut y) = (ids(&a), ids(&c));
        x.sort();
        y.sort();
        assert_eq!(x, y, "membership depends on (seed, id) only");
        let mut other = spec(SampleSize::Total(50), None);
        other.seed = 8;
        assert_ne!(draw(Cursor::new(&input), &other).unwrap().lines, a.lines);
    }

    #[test]
    fn rank_is_fixed_across_machines() {
        // sha256([7, 0, 0, 0, 0, 0, 0, 0] ++ "a.txt") starts dd4e18c500b4ad0d (computed with Python's hashlib).
        assert_eq!(rank(7, "a.txt"), 0xdd4e_18c5_00b4_ad0d);
        assert_ne!(rank(7, "a.txt"), rank(8, "a.txt"));
    }

    #[test]
    fn proportional_strata_counts() {
        let sample =
            draw(Cursor::new(records(1000)), &spec(SampleSize::Total(50), Some("determination")))
                .unwrap();
        let m = &sample.manifest;
        let sample_of = |k: &str| m.strata[k].sample;
        assert_eq!(
            [
                sample_of(DETERMINATIONS[0]),
                sample_of(DETERMINATIONS[1]),
                sample_of(DETERMINATIONS[2])
            ],
            [30, 15, 5]
        );
        assert_eq!(m.strata[DETERMINATIONS[0]].population, 600);
        assert_eq!(m.strata["not_applicable"], StratumCounts::default(), "empty stratum listed");
        assert_eq!(m.sampled, 50);
        assert_eq!(sample.lines.len(), 50);
    }

    #[test]
    fn largest_remainder_breaks_ties_by_name() {
        let populations =
            BTreeMap::from([("a", 1), ("b", 1), ("c", 1)].map(|(k, v)| (k.to_string(), v)));
        let shares = proportional(2, &populations);
        let expected =
            BTreeMap::from([("a", 1), ("b", 1), ("c", 0)].map(|(k, v)| (k.to_string(), v)));
        assert_eq!(shares, expected);
    }

    #[test]
    fn equal_allocation_caps_small_strata() {
        let sample =
            draw(Cursor::new(records(30)), &spec(SampleSize::PerStratum(5), Some("determination")))
                .unwrap();
        let m = &sample.manifest;
        assert_eq!(m.strata[DETERMINATIONS[0]].sample, 5);
        assert_eq!(m.strata[DETERMINATIONS[2]], StratumCounts { population: 3, sample: 3 });
        assert_eq!(m.sampled, 13);
        assert_eq!(m.allocation, "equal");
    }

    #[test]
    fn edge_cases_n_zero_too_large_and_empty() {
        let all = draw(Cursor::new(records(20)), &spec(SampleSize::Total(100), None)).unwrap();
        assert_eq!(
            all.lines,
            records(20).lines().collect::<Vec<_>>(),
            "everything, in input order"
        );
        let none = draw(Cursor::new(records(20)), &spec(SampleSize::Total(0), None)).unwrap();
        assert!(none.lines.is_empty());
        assert_eq!(none.manifest.population, 20);
        let empty =
            draw(Cursor::new(""), &spec(SampleSize::Total(5), Some("determination"))).unwrap();
        assert!(empty.lines.is_empty());
        assert_eq!(empty.manifest.strata.len(), 4);
    }

    #[test]
    fn filters_restrict_the_population() {
        let mut s = spec(SampleSize::Total(1000), Some("determination"));
        s.filters.push(Filter::parse("determination=insufficient_documentation").unwrap());
        let sample = draw(Cursor::new(records(100)), &s).unwrap();
        assert_eq!(sample.manifest.population, 10);
        assert_eq!(sample.manifest.records_read, 100);
        assert_eq!(sample.manifest.filters, ["determination=insufficient_documentation"]);
        assert!(sample.lines.iter().all(|l| l.contains("insufficient_documentation")));
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let err =
            draw(Cursor::new("{\"id\":\"a\"}\n\nnot json\n"), &spec(SampleSize::Total(1), None))
                .unwrap_err();
        assert!(matches!(&err, SampleError::Line(e) if e.line == 3), "{err}");
        let err = draw(Cursor::new("{\"x\":1}\n"), &spec(SampleSize::Total(1), None)).unwrap_err();
        assert!(matches!(err, SampleError::NoId { line: 1 }));
    }

    #[test]
    fn input_hash_is_of_the_bytes() {
        let input = records(3);
        let sample = draw(Cursor::new(&input), &spec(SampleSize::Total(1), None)).unwrap();
        assert_eq!(sample.manifest.input_sha256, hex(&Sha256::digest(input.as_bytes())));
    }
}
