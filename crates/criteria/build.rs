//! Embeds every file of this crate's `policies/` folder (a link to the
//! repository's, so `cargo package` archives the files) as a built-in
//! policy named by its file stem, so a policy shipped is one file added,
//! with no list of names in the code.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let folder = manifest.join("policies");
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = format!("const BUILTIN: [(&str, &str); {}] = [\n", files.len());
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("policy file names are UTF-8");
        let path = path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
