//! `necessity explain`: one document's determination as a reviewer reads it.
//! The document is read as `run` reads it (text, a PDF in its worker
//! process, one row of a CSV or JSON Lines file) and decided by the same
//! engine, so the review explains the record `run` writes.

use crate::engine_args::EngineArgs;
use crate::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use anyhow::Context;
use necessity_ingest::{units, Document, IngestOptions};
use necessity_record::Format;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// The document to review: a text file or a PDF; a CSV or JSON Lines
    /// file (or a directory) with --row or --id to choose one of its documents.
    file: PathBuf,
    /// Which document of a file holding several: the N-th, from 1, in the
    /// order `run` writes their records.
    #[arg(long, value_name = "N", conflicts_with = "id", value_parser = clap::value_parser!(u64).range(1..))]
    row: Option<u64>,
    /// Which document of a file holding several, by its record id as `run`
    /// writes it (`notes.csv#123`) or by the id column's value alone (`123`).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// CSV column / JSONL field holding the note text (as `run` takes it).
    #[arg(long, value_name = "NAME")]
    text_column: Option<String>,
    /// CSV column / JSONL field holding the note id (as `run` takes it).
    #[arg(long, value_name = "NAME")]
    id_column: Option<String>,
    /// CSV column / JSONL field naming the patient (as `run` takes it): the
    /// review reads the patient's earlier notes as `run` does.
    #[arg(long, value_name = "NAME")]
    patient_column: Option<String>,
    /// CSV column / JSONL field holding the note's date (as `run` takes it).
    #[arg(long, value_name = "NAME")]
    date_column: Option<String>,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Writes the Markdown review of one document to stdout.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    necessity_engine::install_quiet_panic_hook();
    // Policies and lexicons first: a broken one must fail before any note is read.
    let engine = args.engine.builder().build()?;
    let options = IngestOptions {
        text_column: args.text_column.clone(),
        id_column: args.id_column.clone(),
        patient_column: args.patient_column.clone(),
        date_column: args.date_column.clone(),
        ..IngestOptions::default()
    }
    .with_pdf_worker_of_this_binary()
    .context("cannot find this program to run PDF workers")?;
    let chosen = match choose(&args, &options) {
        Ok(chosen) => chosen,
        Err(problem) => {
            eprintln!("necessity explain: {problem}");
            return Ok(EXIT_USAGE);
        }
    };
    // The note is read with the earlier notes of its patient that `run`
    // reads with it, so the review explains the record `run` writes.
    let all = units(std::slice::from_ref(&args.file), &options);
    let read = necessity_pipeline::patient_run_of(all, chosen)
        .and_then(|(run, index)| necessity_pipeline::history_before(&engine, &options, run, index));
    let Some((history, loaded)) = read else {
        eprintln!("necessity explain: {} changed while it was read", args.file.display());
        return Ok(EXIT_FAILURE);
    };
    let document = match loaded {
        Ok(document) => document,
        Err(failure) => {
            // The ingester's messages name kinds, rows and offsets, never note text.
            eprintln!(
                "necessity explain: cannot read {}: {} ({})",
                failure.id, failure.kind, failure.message
            );
            return Ok(EXIT_FAILURE);
        }
    };
    let source = necessity_pipeline::source_of(&document);
    let label = label(&args.file, &document);
    let review = engine.review_in_history(&label, &document.text, source, history.as_ref());
    std::io::stdout().lock().write_all(review.as_bytes()).context("cannot write the review")?;
    Ok(EXIT_OK)
}

/// How the review names the document: the path as given for a text or PDF
/// file, the record id for a row (or a file found in a directory).
fn label(input: &Path, document: &Document) -> String {
    let whole_file = input.is_file() && matches!(document.format, Format::Text | Format::Pdf);
    if whole_file {
        input.display().to_string()
    } else {
        document.id.clone()
    }
}

/// Which document to review, as its place (from 0) among the input's
/// documents: the input's only one, or the one `--row` or `--id` chooses;
/// otherwise why none can be chosen (a usage error).
fn choose(args: &Args, options: &IngestOptions) -> Result<usize, String> {
    let input = &args.file;
    let all = || units(std::slice::from_ref(input), options);
    let name = input.display();
    if let Some(row) = args.row {
        let index = usize::try_from(row - 1).unwrap_or(usize::MAX);
        let count = all().take(index.saturating_add(1)).count();
        if count > index {
            return Ok(index);
        }
        let count = all().count();
        return Err(format!("{name} holds {count} document(s); --row goes from 1 to {count}"));
    }
    if let Some(id) = &args.id {
        return all().position(|unit| is_id(unit.id(), id)).ok_or_else(|| {
            format!("{name} holds no document with id {id:?} (ids are as `run` writes them)")
        });
    }
    let mut documents = all();
    let Some(first) = documents.next() else {
        return Err(format!("{name} holds no document to review"));
    };
    match documents.next() {
        None => Ok(0),
        Some(_) => {
            let count = 2 + documents.count();
            Err(format!(
                "{name} holds {count} documents; choose one with --row N (1 to {count}) \
                 or --id ID (the record id, such as {:?})",
                first.id()
            ))
        }
    }
}

/// Whether `wanted` names the record id `id`: the whole id, or the part
/// after the `#` of a row's id.
fn is_id(id: &str, wanted: &str) -> bool {
    id == wanted || id.strip_suffix(wanted).is_some_and(|file| file.ends_with('#'))
}

#[cfg(test)]
mod tests {
    use super::is_id;

    #[test]
    fn a_row_is_named_by_its_whole_id_or_its_row_part() {
        assert!(is_id("notes.csv#12", "notes.csv#12"));
        assert!(is_id("notes.csv#12", "12"));
        assert!(!is_id("notes.csv#112", "12"));
        assert!(!is_id("notes.csv#12", "csv#12"));
        assert!(is_id("derm/a.txt", "derm/a.txt"));
    }
}
