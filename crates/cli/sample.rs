//! `necessity sample`: a reproducible sample of records for audit, and the
//! manifest that lets anyone redraw it.

use anyhow::Context as _;
use necessity_audit::field::{Field, Filter};
use necessity_audit::sample::{draw, SampleSize, SampleSpec};
use necessity_pipeline::output::{write_output, OutFile};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Records written by `necessity run` (JSON Lines); `-` reads standard input.
    records: PathBuf,
    /// Sample size, split over strata in proportion to their size.
    #[arg(long, required_unless_present = "per_stratum", conflicts_with = "per_stratum")]
    n: Option<usize>,
    /// Draw up to K records from every stratum instead (equal allocation).
    #[arg(long, value_name = "K", requires = "stratify")]
    per_stratum: Option<usize>,
    /// Seed: the same seed and input give the same sample on any machine.
    #[arg(long)]
    seed: u64,
    /// Stratify by a field: determination, route, status, policy, a fact
    /// such as requested_drug, or criterion.<id>.
    #[arg(long, value_name = "FIELD")]
    stratify: Option<String>,
    /// Keep only records whose FIELD reads VALUE (comma: any of several);
    /// repeat to require several conditions.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    filters: Vec<String>,
    /// Write the sampled records here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the manifest here [default: beside --out as <name>.manifest.json,
    /// or to standard error when the sample goes to standard output].
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let spec = match spec(&args) {
        Ok(spec) => spec,
        Err(error) => {
            eprintln!("necessity sample: {error}");
            return Ok(crate::EXIT_USAGE);
        }
    };
    let sample = draw(open(&args.records)?, &spec)
        .with_context(|| format!("sampling {}", args.records.display()))?;
    match &args.out {
        Some(path) => {
            let context = || format!("cannot write {}", path.display());
            let mut file = BufWriter::new(OutFile::create(path).with_context(context)?);
            write_lines(&mut file, &sample.lines).with_context(context)?;
            let file = file.into_inner().map_err(|error| error.into_error());
            file.and_then(OutFile::commit).with_context(context)?;
        }
        None => {
            write_lines(std::io::stdout().lock(), &sample.lines).context("writing the sample")?
        }
    }
    let manifest = serde_json::to_string_pretty(&sample.manifest)? + "\n";
    let manifest_path = args
        .manifest
        .clone()
        .or_else(|| args.out.as_ref().map(|o| o.with_extension("manifest.json")));
    match &manifest_path {
        Some(path) => write_output(path, manifest.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => eprint!("{manifest}"),
    }
    eprintln!(
        "necessity sample: {} of {} records (population after filters {}), seed {}{}",
        sample.manifest.sampled,
        sample.manifest.records_read,
        sample.manifest.population,
        spec.seed,
        manifest_path.map(|p| format!("; manifest {}", p.display())).unwrap_or_default(),
    );
    Ok(crate::EXIT_OK)
}

fn spec(args: &Args) -> anyhow::Result<SampleSpec> {
    let size = match (args.n, args.per_stratum) {
        (_, Some(k)) => SampleSize::PerStratum(k),
        (Some(n), None) => SampleSize::Total(n),
        (None, None) => anyhow::bail!("give --n or --per-stratum"),
    };
    let stratify = match &args.stratify {
        Some(name) => Some((name.clone(), Field::parse(name)?)),
        None => None,
    };
    let filters = args.filters.iter().map(|f| Filter::parse(f)).collect::<Result<_, _>>()?;
    let input = args.records.display().to_string();
    Ok(SampleSpec { input, seed: args.seed, size, stratify, filters })
}

fn open(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

fn write_lines(mut out: impl Write, lines: &[String]) -> std::io::Result<()> {
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}
