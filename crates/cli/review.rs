//! `necessity review`: one self-contained HTML page to review sampled records
//! beside their notes, with every evidence span highlighted.

use anyhow::Context as _;
use necessity_audit::page::render_page;
use necessity_audit::review::{build_case, read_records, Case, Note, Palette};
use necessity_ingest::{units, IngestOptions};
use necessity_pipeline::output::write_output;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Records to review (JSON Lines), usually the output of `necessity sample`.
    records: PathBuf,
    /// The input `necessity run` read (directory or file): notes are read
    /// again from here and checked against each record's sha256.
    #[arg(long, value_name = "INPUT_ROOT")]
    notes: PathBuf,
    /// Where to write the HTML page.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// CSV column / JSONL field holding the note text, as given to `run`.
    #[arg(long, value_name = "NAME")]
    text_column: Option<String>,
    /// CSV column / JSONL field holding the note id, as given to `run`.
    #[arg(long, value_name = "NAME")]
    id_column: Option<String>,
    /// Read hidden files and folders under the notes root, as `run --hidden` did.
    #[arg(long)]
    hidden: bool,
    /// Page title [default: "Audit review: <records file name>"].
    #[arg(long)]
    title: Option<String>,
}

/// More cases than an audit team reviews: the page still works, but slowly.
const LARGE_PAGE: usize = 5_000;

/// A sampled note as read again: its text or the ingest failure's kind.
type Reread = Result<String, String>;

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let file =
        File::open(&args.records).with_context(|| format!("opening {}", args.records.display()))?;
    let records = read_records(BufReader::new(file))
        .with_context(|| format!("reading {}", args.records.display()))?;
    let wanted: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let notes = reread_notes(&args, &wanted)?;
    let mut palette = Palette::default();
    let cases: Vec<Case> = records
        .iter()
        .map(|record| {
            let note = match notes.get(&record.id) {
                None => Note::Missing,
                Some(Ok(text)) => Note::Text(text),
                Some(Err(kind)) => Note::Unreadable(kind),
            };
            build_case(record, note, &mut palette)
        })
        .collect();
    let title = args.title.clone().unwrap_or_else(|| {
        let name = args.records.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        format!("Audit review: {name}")
    });
    // The page holds whole notes: owner-only, and never seen half-written.
    write_output(&args.out, render_page(&title, &cases).as_bytes())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if cases.len() > LARGE_PAGE {
        eprintln!(
            "necessity review: {} cases make a heavy page; `necessity sample` draws a reviewable one",
            cases.len()
        );
    }
    let flagged = cases.iter().filter(|c| !c.warnings.is_empty()).count();
    eprintln!(
        "necessity review: {} cases ({} with warnings: missing, changed or unreadable notes) -> {}",
        cases.len(),
        flagged,
        args.out.display()
    );
    Ok(crate::EXIT_OK)
}

/// Reads again, with `run`'s ids, only the documents of sampled records:
/// enumerating is cheap, so unsampled notes (and PDFs) are never parsed.
fn reread_notes(args: &Args, wanted: &HashSet<&str>) -> anyhow::Result<HashMap<String, Reread>> {
    anyhow::ensure!(args.notes.exists(), "notes input {} does not exist", args.notes.display());
    let options = IngestOptions {
        text_column: args.text_column.clone(),
        id_column: args.id_column.clone(),
        pdf_worker: std::env::current_exe().ok(),
        hidden: args.hidden,
        ..IngestOptions::default()
    };
    let notes = units(std::slice::from_ref(&args.notes), &options)
        .filter(|unit| wanted.contains(unit.id()))
        .map(|unit| match unit.load(&options) {
            Ok(document) => (document.id, Ok(document.text)),
            Err(failure) => (failure.id, Err(failure.kind)),
        })
        .collect();
    Ok(notes)
}
