//! Every library crate carries its own data: what it embeds with
//! `include_str!` or `include_bytes!` is inside the files `cargo package`
//! archives, so each crate builds from its published package alone. The
//! lexicons and policies stay in the repository's root folders, where users
//! find them; each crate that embeds them holds a symbolic link to the folder,
//! and `cargo package` archives the files the link leads to.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// (package name, crate directory) of every library crate of the workspace.
fn library_crates() -> Vec<(String, PathBuf)> {
    let out = cargo()
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1"])
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .filter(|package| {
            let kinds = package["targets"].as_array().into_iter().flatten();
            let is_lib = kinds.clone().any(|target| target["kind"][0] == "lib");
            let unpublished = package["publish"].as_array().is_some_and(Vec::is_empty);
            is_lib && !unpublished
        })
        .map(|package| {
            let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
            (package["name"].as_str().unwrap().to_string(), manifest.parent().unwrap().into())
        })
        .collect()
}

/// The files `cargo package` would archive for one package.
fn packaged_files(name: &str) -> BTreeSet<PathBuf> {
    let out = cargo()
        .args(["package", "--list", "--offline", "--allow-dirty", "-p", name])
        .output()
        .expect("cargo package runs");
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(PathBuf::from).collect()
}

/// The literal paths of every `include_str!("...")` and `include_bytes!("...")` in `source`.
fn embedded_paths(source: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for macro_call in ["include_str!(\"", "include_bytes!(\""] {
        for (at, _) in source.match_indices(macro_call) {
            let rest = &source[at + macro_call.len()..];
            if let Some(end) = rest.find('"') {
                paths.push(rest[..end].to_string());
            }
        }
    }
    paths
}

/// `path` with `.` and `..` resolved lexically; `None` when it climbs above its start.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

#[test]
fn every_library_crate_packages_the_data_it_embeds() {
    let crates = library_crates();
    assert!(crates.len() >= 8, "the workspace's library crates: {crates:?}");
    let mut problems = Vec::new();
    let mut embedded = 0;
    for (name, dir) in &crates {
        let files = packaged_files(name);
        for source in files.iter().filter(|file| file.extension().is_some_and(|x| x == "rs")) {
            let text = std::fs::read_to_string(dir.join(source)).unwrap_or_default();
            for literal in embedded_paths(&text) {
                embedded += 1;
                let target = normalise(&source.parent().unwrap_or(Path::new("")).join(&literal));
                if !target.is_some_and(|target| files.contains(&target)) {
                    problems.push(format!("{name}: {} embeds {literal:?}", source.display()));
                }
            }
        }
    }
    assert!(embedded >= 15, "the lexicons and policies are embedded ({embedded} found)");
    assert!(problems.is_empty(), "embedded files outside their package:\n{}", problems.join("\n"));
}

#[test]
fn the_checks_catch_a_path_outside_the_crate() {
    let source = r#"const A: &str = include_str!("../../../lexicons/drugs.tsv");"#;
    assert_eq!(embedded_paths(source), ["../../../lexicons/drugs.tsv"]);
    let from = Path::new("src").join("../../../lexicons/drugs.tsv");
    assert_eq!(normalise(&from), None);
    let inside = Path::new("src").join("../lexicons/drugs.tsv");
    assert_eq!(normalise(&inside), Some(PathBuf::from("lexicons/drugs.tsv")));
}
