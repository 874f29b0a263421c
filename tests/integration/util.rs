//! Shared helpers of the end-to-end tests.

use std::path::PathBuf;
use std::process::Command;

/// The `necessity` binary cargo built for these tests.
pub fn necessity() -> Command {
    Command::new(env!("CARGO_BIN_EXE_necessity"))
}

/// `../shared/data` beside the checkout, where the real test material lives.
pub fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

#[test]
fn binary_prints_help() {
    let out = necessity().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("run"));
}
