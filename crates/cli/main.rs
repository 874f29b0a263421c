//! `necessity`: reads clinical notes and decides, with evidence, whether a
//! requested drug is medically necessary under a payer policy.
//!
//! This file only parses the command line and dispatches; each subcommand
//! lives in its own module and the work lives in the library crates.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod agreement;
mod context;
mod engine_args;
mod eval;
mod explain;
mod pdf_worker;
mod review;
mod run;
mod sample;
mod synth;

/// Exit status when every document was read and decided.
pub const EXIT_OK: u8 = 0;
/// Exit status when the command could not do its job at all (bad policy,
/// unwritable output, ...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit status for usage errors (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit status when all records were written but some are error records.
pub const EXIT_SOME_ERRORS: u8 = 3;
/// Exit status when an evaluation falls below its `--min` threshold.
pub const EXIT_BELOW_THRESHOLD: u8 = 4;
/// Exit status after Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Parser)]
#[command(name = "necessity", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide every document of one or more inputs; one JSON record per document.
    Run(run::Args),
    /// One note's determination as a reviewer reads it (Markdown).
    Explain(explain::Args),
    /// Accuracy of records against gold records.
    Eval(eval::Args),
    /// Context (negated, historical, hypothetical, family, uncertain) of target phrases.
    Context(context::Args),
    /// A reproducible sample of records for audit.
    Sample(sample::Args),
    /// A self-contained HTML page to review sampled records beside their notes.
    Review(review::Args),
    /// Agreement rate of reviewers' verdicts, with confidence intervals.
    Agreement(agreement::Args),
    /// Generate a seeded archive of realistic synthetic notes for benchmarks.
    Synth(synth::Args),
    /// Internal: parse one PDF in an isolated child process.
    #[command(hide = true)]
    PdfWorker(pdf_worker::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A PDF worker is killed by its parent and has no outputs of its own.
    if !matches!(cli.command, Command::PdfWorker(_)) {
        discard_outputs_on_interrupt();
    }
    let result = match cli.command {
        Command::Run(args) => run::execute(args),
        Command::Explain(args) => explain::execute(args),
        Command::Eval(args) => eval::execute(args),
        Command::Context(args) => context::execute(args),
        Command::Sample(args) => sample::execute(args),
        Command::Review(args) => review::execute(args),
        Command::Agreement(args) => agreement::execute(args),
        Command::Synth(args) => synth::execute(args),
        Command::PdfWorker(args) => pdf_worker::execute(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader of our output left (`necessity run | head`): like
        // ripgrep, stop quietly and successfully, since nobody wants the rest.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("necessity: {error:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// On Ctrl-C or SIGTERM (a cancelled Slurm or Kubernetes job), deletes the
/// `.partial` files of unfinished outputs before exiting: a signal skips
/// destructors, and an interrupted batch must leave nothing half-written.
fn discard_outputs_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        // Workers would die with this process anyway (parent-death signal);
        // killing their groups first also stops what they started.
        necessity_ingest::kill_pdf_workers();
        let interrupted = necessity_pipeline::output::discard_unfinished_outputs();
        eprintln!(
            "necessity: interrupted; {} unfinished output file(s) removed",
            interrupted.deleted
        );
        for kept in interrupted.kept {
            eprintln!("necessity: partial output kept for --resume: {}", kept.display());
        }
        std::process::exit(EXIT_INTERRUPTED);
    });
    if let Err(error) = installed {
        eprintln!("necessity: warning: cannot handle interrupts ({error}); an interrupted run may leave a .partial file");
    }
}
