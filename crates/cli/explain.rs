//! `necessity explain`: one note's determination as a reviewer reads it.

use anyhow::Context;
use necessity_criteria::{
    evaluate_policy, write_review_with_set_aside, PolicySet, SetAsideMention,
};
use necessity_extract::{extract_case_traced, Lexicons};
use std::io::Write;
use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// The note to review (plain text; invalid UTF-8 is replaced).
    file: PathBuf,
    /// Policy to decide with: a built-in name or a .toml file; repeat for
    /// several (default: dupixent-atopic-dermatitis).
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
    let (facts, set_aside) = extract_case_traced(&Lexicons::builtin(), &text);
    let evaluation = evaluate_policy(&policies, &facts);
    let set_aside: Vec<SetAsideMention> = set_aside
        .iter()
        .map(|s| SetAsideMention {
            mention: &s.mention,
            taken_as: s.taken_as,
            why: s.why,
            trigger: s.trigger.as_ref().map(|(phrase, _)| phrase.as_str()),
        })
        .collect();
    let name = args.file.display().to_string();
    let review =
        write_review_with_set_aside(&policies, &facts, &evaluation, &name, &text, &set_aside);
    std::io::stdout().lock().write_all(review.as_bytes()).context("cannot write the review")?;
    Ok(crate::EXIT_OK)
}
