//! The lexicons' hash that every record's provenance carries: the same for
//! the shipped and the loaded files, reproducible with `sha256sum`, and
//! different as soon as one file changes.

use necessity_extract::Lexicons;
use std::path::PathBuf;
use std::process::Command;

fn lexicons_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lexicons")
}

#[test]
fn lexicons_hash_is_sha256sum_of_the_files_listing() {
    let builtin = Lexicons::builtin();
    let loaded = Lexicons::load(&lexicons_dir()).unwrap();
    assert_eq!(builtin.sha256(), loaded.sha256(), "the shipped files are the directory's");
    let shell = Command::new("sh")
        .arg("-c")
        .arg("sha256sum *.tsv | sha256sum")
        .current_dir(lexicons_dir())
        .env("LC_ALL", "C")
        .output()
        .expect("sh and sha256sum run");
    let expected = String::from_utf8(shell.stdout).unwrap();
    assert_eq!(expected.split_whitespace().next(), Some(builtin.sha256()));

    let changed = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(lexicons_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, changed.path().join(path.file_name().unwrap())).unwrap();
    }
    let drugs = changed.path().join("drugs.tsv");
    let text = std::fs::read_to_string(&drugs).unwrap();
    std::fs::write(&drugs, format!("{text}# one more comment line\n")).unwrap();
    assert_ne!(Lexicons::load(changed.path()).unwrap().sha256(), builtin.sha256());
}
