//! `necessity explain`: one note's determination as a reviewer reads it.

use anyhow::Context;
use necessity_criteria::{write_review_with_set_aside, PolicySet, SetAsideMention};
use necessity_extract::{extract_case_traced, Lexicons};
use necessity_ingest::{Document, Provenance};
use necessity_pipeline::Pipeline;
use necessity_record::Format;
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
    let document = Document {
        id: args.file.display().to_string(),
        lossy_utf8: matches!(text, std::borrow::Cow::Owned(_)),
        text: text.into_owned(),
        format: Format::Text,
        bytes: bytes.len() as u64,
        provenance: Provenance::default(),
    };
    // The one path from text to record that `run` takes, so the review
    // explains exactly the record `run` writes.
    let pipeline = Pipeline { lexicons: Lexicons::builtin(), policies };
    let record = pipeline.record(&document);
    let (_, set_aside) = extract_case_traced(&pipeline.lexicons, &document.text);
    let set_aside: Vec<SetAsideMention> = set_aside
        .iter()
        .map(|s| SetAsideMention {
            mention: &s.mention,
            taken_as: s.taken_as,
            why: s.why,
            trigger: s.trigger.as_ref().map(|(phrase, _)| phrase.as_str()),
        })
        .collect();
    let review =
        write_review_with_set_aside(&pipeline.policies, &record, &document.text, &set_aside);
    std::io::stdout().lock().write_all(review.as_bytes()).context("cannot write the review")?;
    Ok(crate::EXIT_OK)
}
