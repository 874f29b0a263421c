//! `necessity synth` (issue #6): a seeded archive of realistic synthetic
//! notes, for measuring speed and memory at archive scale.

use anyhow::Context;
use necessity_pipeline::output::OutFile;
use necessity_synth::{write_jsonl, write_txt_dir, Generator, Summary, Templates, Vocabulary};
use std::path::PathBuf;

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Size of the archive to write, in bytes (suffixes k, M, G: powers of 1024).
    #[arg(long, value_parser = parse_size)]
    bytes: u64,
    /// Same seed, same templates: byte-identical archive on any machine.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// JSON Lines file to write (`-` for standard output), or the directory of a txt-dir archive.
    #[arg(long)]
    out: PathBuf,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Directory of template notes (`*.txt`) to recombine.
    #[arg(long, default_value = "corpus/notes")]
    from: PathBuf,
    /// CSV file of other notes (such as MTSamples) whose non-dermatology
    /// sections become filler; repeatable.
    #[arg(long)]
    filler_csv: Vec<PathBuf>,
    /// Column of `--filler-csv` that holds the note text.
    #[arg(long, default_value = "transcription")]
    filler_column: String,
    /// Percentage of notes built on dermatology templates; the rest is filler.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    relevant_percent: u32,
}

/// How the archive is laid out on disk.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// One `{"id", "text"}` object a line.
    Jsonl,
    /// One `.txt` file a note, a thousand to a subdirectory.
    TxtDir,
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let vocab = Vocabulary::builtin()?;
    let mut templates = Templates::default();
    templates.add_dir(&args.from, &vocab)?;
    for csv in &args.filler_csv {
        templates.add_filler_csv(csv, &args.filler_column, &vocab)?;
    }
    templates.check(&args.from)?;
    let mut generator = Generator::new(&templates, &vocab, args.seed, args.relevant_percent);
    let summary = match args.format {
        Format::Jsonl if args.out.as_os_str() == "-" => {
            write_jsonl(&mut generator, args.bytes, std::io::stdout().lock(), &args.out)?
        }
        Format::Jsonl => {
            let context = || format!("cannot write {}", args.out.display());
            let mut file = OutFile::create(&args.out).with_context(context)?;
            let summary = write_jsonl(&mut generator, args.bytes, &mut file, &args.out)?;
            file.commit().with_context(context)?;
            summary
        }
        Format::TxtDir => write_txt_dir(&mut generator, args.bytes, &args.out)?,
    };
    report(&summary);
    Ok(crate::EXIT_OK)
}

fn report(summary: &Summary) {
    eprintln!(
        "necessity synth: {} notes ({} dermatology), {} bytes",
        summary.notes, summary.relevant_notes, summary.bytes
    );
}

/// Parses `1000`, `64k`, `100M`, `1G` (binary multiples).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'k' | 'K')) => (&text[..at], 10),
        Some((at, 'm' | 'M')) => (&text[..at], 20),
        Some((at, 'g' | 'G')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let value: u64 = digits.parse().map_err(|_| format!("not a size: {text:?}"))?;
    value.checked_mul(1 << shift).ok_or_else(|| format!("size too large: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("1T").is_err());
    }
}
