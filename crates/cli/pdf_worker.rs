//! `necessity pdf-worker`: parses one PDF in a child process of `run`, so a
//! parser that panics, hangs or eats memory costs one document, not the batch.
//! Users never call it; `run` starts it with the limits below.

use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Address-space cap of this process, in MiB.
    #[arg(long, default_value_t = 1024)]
    memory_mb: u64,
    /// CPU-time cap of this process, in seconds (a backstop to the parent's timer).
    #[arg(long, default_value_t = 60)]
    cpu_seconds: u64,
    /// Wall-clock seconds the parent allows before it kills this process:
    /// OCR stops short of them, keeping the pages read by then.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// The PDF file to parse; `-` reads it from standard input.
    path: PathBuf,
}

/// Runs the subcommand: the PDF's text on stdout, its fate in the exit status.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let limits = necessity_ingest::PdfWorkerLimits {
        memory_mb: args.memory_mb,
        cpu_seconds: args.cpu_seconds,
        seconds: args.seconds,
    };
    Ok(necessity_ingest::run_pdf_worker(&args.path, limits))
}
