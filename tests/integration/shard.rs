//! `--shard K/N`: the N shards of an archive hold exactly the records of one
//! single run, each once, in the single run's order.

use crate::run::READABLE_PDF;
use crate::util::{necessity, shared_data};
use std::fs;
use std::path::Path;

fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rows: String =
        (1..=120).map(|n| format!("{n},\"Note {n}: eczema,\nBSA {n}%.\"\n")).collect();
    fs::write(dir.path().join("notes.csv"), format!("note_id,transcription\n{rows},\n")).unwrap();
    let lines: String = (1..=40).map(|n| format!("{{\"text\": \"Line note {n}.\"}}\n")).collect();
    fs::write(dir.path().join("notes.jsonl"), lines).unwrap();
    fs::create_dir(dir.path().join("letters")).unwrap();
    for n in 1..=25 {
        fs::write(dir.path().join(format!("letters/{n:03}.txt")), format!("Letter {n}.")).unwrap();
    }
    fs::write(dir.path().join("letters/broken.pdf"), b"%PDF-1.4 garbage").unwrap();
    fs::copy(shared_data().join("pdfs").join(READABLE_PDF), dir.path().join(READABLE_PDF)).unwrap();
    dir
}

fn run_lines(dir: &Path, extra: &[&str]) -> Vec<String> {
    let output = necessity().args(["run", "-q"]).args(extra).arg(dir).output().unwrap();
    let code = output.status.code();
    assert!(code == Some(0) || code == Some(3), "{extra:?}: exit {code:?}");
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn shards_together_hold_exactly_the_single_run() {
    let dir = archive();
    let single = run_lines(dir.path(), &[]);
    assert_eq!(single.len(), 121 + 40 + 25 + 1 + 1);
    let count = 3;
    let shards: Vec<Vec<String>> =
        (0..count).map(|k| run_lines(dir.path(), &["--shard", &format!("{k}/{count}")])).collect();
    assert!(shards.iter().all(|shard| !shard.is_empty()), "every shard gets work");
    for shard in &shards {
        let mut positions = shard.iter().map(|line| single.iter().position(|l| l == line));
        let positions: Vec<usize> =
            positions.by_ref().map(|p| p.expect("record of the single run")).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "a shard keeps input order");
    }
    let mut together: Vec<String> = shards.concat();
    let mut expected = single.clone();
    together.sort();
    expected.sort();
    assert_eq!(together, expected, "each record exactly once");
}

#[test]
fn a_single_shard_is_the_whole_archive() {
    let dir = archive();
    assert_eq!(run_lines(dir.path(), &["--shard", "0/1"]), run_lines(dir.path(), &[]));
}
