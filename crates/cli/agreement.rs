//! `necessity agreement`: how often reviewers agreed with the determinations,
//! from the verdict CSV the review page exports.

use anyhow::Context as _;
use necessity_audit::agreement::{agreement, drop_repeated, read_verdicts};
use std::fs::File;
use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Verdict CSV files exported by the review page (several reviewers'
    /// files are counted together, one verdict per row).
    #[arg(required = true)]
    verdicts: Vec<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let mut verdicts = Vec::new();
    for path in &args.verdicts {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        verdicts
            .extend(read_verdicts(file).with_context(|| format!("reading {}", path.display()))?);
    }
    let repeated = drop_repeated(&mut verdicts);
    if repeated > 0 {
        eprintln!(
            "necessity agreement: warning: {repeated} verdict row(s) repeat a row already read in \
             every column (the same export given twice?); each is counted once"
        );
    }
    let report = agreement(&verdicts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(crate::EXIT_OK)
}
