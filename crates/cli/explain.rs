//! `necessity explain`: one note's determination as a reviewer reads it.

use anyhow::Context;
use necessity_criteria::{evaluate_policy, write_review, PolicySet};
use necessity_extract::{extract_case, Lexicons};
use std::io::Write;
use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// The note to review (plain text; invalid UTF-8 is replaced).
    file: PathBuf,
    /// Policy to decide with: a built-in name (with its renewal), a bundle
    /// or a .toml file; repeat for several (default: dupixent-atopic-dermatitis
    /// and its renewal).
    #[arg(long = "policy", value_name = "NAME|PATH")]
    policies: Vec<String>,
}

/// Writes the Markdown review of one note to stdout.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    // Policies first: a broken policy must fail before any note is read.
    let policies = PolicySet::select(&args.policies)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let facts = extract_case(&Lexicons::builtin(), &text);
    let evaluation = evaluate_policy(&policies, &facts);
    let review =
        write_review(&policies, &facts, &evaluation, &args.file.display().to_string(), &text);
    std::io::stdout().lock().write_all(review.as_bytes()).context("cannot write the review")?;
    Ok(crate::EXIT_OK)
}
