//! `run --out FILE --resume`: an output that outlives its run. The records
//! are written to `.FILE.<settings>.partial` beside FILE, which an interrupt
//! keeps (and a SIGKILL leaves anyway); the next run with the same settings
//! keeps the complete records already there, matched to the inputs by id in
//! order, drops a torn last line, and appends the rest. The finished file is
//! renamed to FILE and equals an uninterrupted run's byte for byte.

use crate::output::{OnInterrupt, OutputFormat, Unfinished, CSV_COLUMNS};
use necessity_ingest::Unit;
use necessity_record::spreadsheet::unquoted_cell;
use necessity_record::{Route, Status};
use serde::Deserialize;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The partial output of a resumable run, open for appending.
pub struct ResumableFile {
    file: File,
    partial: PathBuf,
    path: PathBuf,
    format: OutputFormat,
    /// The permissions of the file being replaced, which it keeps.
    replaced: Option<fs::Permissions>,
    _listed: Unfinished,
}

/// What the partial output already held that this run keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// Records kept, in input order.
    pub records: u64,
    /// How many of them are error records.
    pub errors: u64,
    /// How many of them a machine may act on (`route: approve`).
    pub approved: u64,
    /// Their documents' input bytes (`source.bytes`; 0 in CSV, which has no such column).
    pub bytes: u64,
    /// Whether the CSV header line is already written.
    pub header: bool,
    /// The first record that did not match the inputs (`kept id`, `input id`):
    /// it and the rest were dropped and are decided again.
    pub mismatch: Option<(String, String)>,
}

impl ResumableFile {
    /// Opens (or starts) the partial output of `path` for a run whose
    /// settings hash to `settings`: a run with other inputs, options or
    /// policies never continues another's records.
    pub fn open(path: &Path, settings: &str, format: OutputFormat) -> io::Result<ResumableFile> {
        // Through a link, the file it points to is replaced, as OutFile does.
        let (path, replaced) = match fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => {
                (fs::canonicalize(path)?, Some(metadata.permissions()))
            }
            Ok(_) => return Err(io::Error::other("--resume needs --out to name a regular file")),
            Err(_) => (path.to_path_buf(), None),
        };
        let partial = partial_path(&path, settings);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&partial)?;
        let listed = Unfinished::list(&partial, OnInterrupt::Keep);
        Ok(ResumableFile { file, partial, path, format, replaced, _listed: listed })
    }

    /// Where the records are written until the run completes.
    pub fn partial_path(&self) -> &Path {
        &self.partial
    }

    /// Other partial outputs of the same FILE (runs with other settings, or
    /// killed runs without `--resume`): never continued, and holding note
    /// text, so the user should hear of them.
    pub fn other_partials(&self) -> Vec<PathBuf> {
        let name =
            self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let directory = self.partial.parent().unwrap_or(Path::new("."));
        let Ok(entries) = fs::read_dir(directory) else { return Vec::new() };
        let mut others: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| *path != self.partial)
            .filter(|path| {
                let file =
                    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                file.starts_with(&prefix) && file.ends_with(".partial")
            })
            .collect();
        others.sort();
        others
    }

    /// Keeps the partial output's complete records that match `units` in
    /// order, truncates the file after them, and returns the units still to
    /// decide. The kept records of a patient whose notes go on among the
    /// units to decide are dropped too, and their notes decided again: a
    /// patient's notes are read together, as in an uninterrupted run.
    pub fn resume<I: Iterator<Item = Unit>>(
        &mut self,
        units: I,
    ) -> io::Result<(Kept, std::iter::Chain<std::vec::IntoIter<Unit>, I>)> {
        let mut units = units;
        let mut kept = Kept::default();
        let mut reader = KeptReader::new(self.file.try_clone()?, self.format)?;
        let mut end = reader.header_end;
        kept.header = reader.header_end > 0;
        // The kept records of the last patient's notes so far, with their units.
        let mut run: Vec<(Unit, KeptRecord)> = Vec::new();
        let mut pending = None;
        while let Some(record) = reader.next_record()? {
            let Some(unit) = units.next() else {
                kept.mismatch = Some((record.id, String::new()));
                break;
            };
            if unit.id() != record.id {
                kept.mismatch = Some((record.id, unit.id().to_string()));
                pending = Some(unit);
                break;
            }
            let same_patient = run.last().is_some_and(|(last, _)| {
                last.patient().is_some() && last.patient() == unit.patient()
            });
            // A run as long as the cap is one batch of its own: the notes
            // after it are read without it (see `MAX_PATIENT_NOTES`).
            if !same_patient || run.len() == crate::MAX_PATIENT_NOTES {
                run.drain(..).for_each(|(_, record)| kept.add(&record, &mut end));
            }
            run.push((unit, record));
        }
        let next = pending.or_else(|| units.next());
        let run_goes_on = next.as_ref().zip(run.last()).is_some_and(|(next, (last, _))| {
            next.patient().is_some() && next.patient() == last.patient()
        });
        let mut again = Vec::new();
        if run_goes_on {
            again.extend(run.into_iter().map(|(unit, _)| unit));
        } else {
            run.into_iter().for_each(|(_, record)| kept.add(&record, &mut end));
        }
        again.extend(next);
        self.file.set_len(end)?;
        self.file.seek(SeekFrom::End(0))?;
        Ok((kept, again.into_iter().chain(units)))
    }

    /// Moves the finished output into place.
    pub fn commit(self) -> io::Result<()> {
        if let Some(permissions) = self.replaced {
            self.file.set_permissions(permissions)?;
        }
        self.file.sync_all()?;
        fs::rename(&self.partial, &self.path)
    }
}

impl Write for ResumableFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// `.FILE.<first 16 hex digits of the settings' hash>.partial`, beside FILE:
/// hidden and ending `.partial`, so no run reads it as a note.
fn partial_path(path: &Path, settings: &str) -> PathBuf {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{settings}.partial"))
}

impl Kept {
    /// Counts `record` as kept, the output kept up to its end.
    fn add(&mut self, record: &KeptRecord, end: &mut u64) {
        self.records += 1;
        self.errors += u64::from(record.error);
        self.approved += u64::from(record.approved);
        self.bytes += record.bytes;
        *end = record.end;
    }
}

/// A complete record of the partial output, as far as resuming needs it.
struct KeptRecord {
    id: String,
    error: bool,
    approved: bool,
    bytes: u64,
    /// Offset just after the record's line end.
    end: u64,
}

/// Reads a partial output's complete records from its start: lines that end
/// with a line break and parse (a JSON record with an id, or a CSV row of the
/// summary's columns), up to the first that does not.
struct KeptReader {
    reader: BufReader<File>,
    format: OutputFormat,
    offset: u64,
    header_end: u64,
}

/// The fields of a JSON record that resuming reads.
#[derive(Deserialize)]
struct JsonKept {
    id: String,
    status: Status,
    #[serde(default)]
    source: Option<SourceBytes>,
    #[serde(default)]
    route: Option<Route>,
}

#[derive(Deserialize)]
struct SourceBytes {
    #[serde(default)]
    bytes: u64,
}

impl KeptReader {
    fn new(mut file: File, format: OutputFormat) -> io::Result<KeptReader> {
        file.seek(SeekFrom::Start(0))?;
        let mut reader =
            KeptReader { reader: BufReader::new(file), format, offset: 0, header_end: 0 };
        if format == OutputFormat::Csv {
            let header = reader.next_line()?;
            let expected = CSV_COLUMNS.join(",");
            if header.as_ref().is_some_and(|line| line.trim_end() == expected) {
                reader.header_end = reader.offset;
            } else {
                // No complete header: nothing of the file can be kept.
                reader.offset = 0;
            }
        }
        Ok(reader)
    }

    /// The next complete line (with its line end), `None` at a torn or absent one.
    fn next_line(&mut self) -> io::Result<Option<String>> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Ok(None);
        }
        self.offset += line.len() as u64;
        Ok(String::from_utf8(line).ok())
    }

    fn next_record(&mut self) -> io::Result<Option<KeptRecord>> {
        if self.format == OutputFormat::Csv && self.header_end == 0 {
            return Ok(None);
        }
        match self.format {
            OutputFormat::Jsonl => {
                let Some(line) = self.next_line()? else { return Ok(None) };
                let Ok(record) = serde_json::from_str::<JsonKept>(&line) else { return Ok(None) };
                Ok(Some(KeptRecord {
                    id: record.id,
                    error: record.status == Status::Error,
                    approved: record.route == Some(Route::Approve),
                    bytes: record.source.map_or(0, |source| source.bytes),
                    end: self.offset,
                }))
            }
            OutputFormat::Csv => self.next_csv_row(),
            // Not resumable (rows are numbered across the output): nothing is kept.
            OutputFormat::NoteNlp => Ok(None),
        }
    }

    /// A CSV row may span lines (an id with a line break is quoted), so rows
    /// are read with the csv parser from the row's first byte, and kept only
    /// when they end on a line break and have the summary's columns.
    fn next_csv_row(&mut self) -> io::Result<Option<KeptRecord>> {
        let mut raw = Vec::new();
        // A row whose quote is still open has not ended yet: read another line.
        while raw.is_empty() || quote_open(&raw) {
            let read = self.reader.read_until(b'\n', &mut raw)?;
            if read == 0 || !raw.ends_with(b"\n") {
                return Ok(None);
            }
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&raw[..]);
        let mut row = csv::StringRecord::new();
        if !reader.read_record(&mut row).unwrap_or(false) || row.len() != CSV_COLUMNS.len() {
            return Ok(None);
        }
        self.offset += raw.len() as u64;
        Ok(Some(KeptRecord {
            id: unquoted_cell(&row[0]).to_string(),
            error: &row[1] == "error",
            approved: row.get(CSV_COLUMNS.len() - 1) == Some(Route::Approve.as_str()),
            bytes: 0,
            end: self.offset,
        }))
    }
}

/// Whether a CSV row's quotes leave a field open (an odd number of `"`).
fn quote_open(raw: &[u8]) -> bool {
    raw.iter().filter(|&&byte| byte == b'"').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_ingest::{units, IngestOptions};

    fn read_all(path: &Path) -> Vec<u8> {
        fs::read(path).unwrap()
    }

    fn notes(count: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..count {
            fs::write(dir.path().join(format!("n{n:02}.txt")), format!("note {n}")).unwrap();
        }
        dir
    }

    fn line(id: &str) -> String {
        format!("{{\"id\":\"{id}\",\"status\":\"ok\",\"source\":{{\"bytes\":6}}}}\n")
    }

    #[test]
    fn complete_matching_records_are_kept_and_a_torn_line_dropped() {
        let inputs = notes(5);
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("records.jsonl");
        let mut file = ResumableFile::open(&path, "abc", OutputFormat::Jsonl).unwrap();
        let torn = format!("{}{}{{\"id\":\"n02.t", line("n00.txt"), line("n01.txt"));
        file.write_all(torn.as_bytes()).unwrap();
        drop(file);
        let mut file = ResumableFile::open(&path, "abc", OutputFormat::Jsonl).unwrap();
        let all = units(&[inputs.path().to_path_buf()], &IngestOptions::default());
        let (kept, rest) = file.resume(all).unwrap();
        assert_eq!((kept.records, kept.bytes, kept.mismatch), (2, 12, None));
        let rest: Vec<String> = rest.map(|unit| unit.id().to_string()).collect();
        assert_eq!(rest, ["n02.txt", "n03.txt", "n04.txt"]);
        let partial = file.partial_path().to_path_buf();
        assert_eq!(
            read_all(&partial),
            format!("{}{}", line("n00.txt"), line("n01.txt")).as_bytes()
        );
        file.write_all(line("n02.txt").as_bytes()).unwrap();
        file.commit().unwrap();
        assert!(!partial.exists());
        assert!(read_all(&path).ends_with(line("n02.txt").as_bytes()));
    }

    #[test]
    fn a_patient_whose_notes_go_on_is_decided_again_whole() {
        let inputs = tempfile::tempdir().unwrap();
        let csv = "id,patient_id,text\n1,a,x\n2,b,x\n3,b,x\n4,b,x\n5,c,x\n";
        fs::write(inputs.path().join("n.csv"), csv).unwrap();
        let ids =
            |ids: &[&str]| -> Vec<String> { ids.iter().map(|id| format!("n.csv#{id}")).collect() };
        // Interrupted inside patient b's notes, then after them.
        for (written, kept_records, rest) in [
            (&["1", "2", "3"][..], 1, &["2", "3", "4", "5"][..]),
            (&["1", "2", "3", "4"], 4, &["5"]),
        ] {
            let out = tempfile::tempdir().unwrap();
            let path = out.path().join("records.jsonl");
            let mut file = ResumableFile::open(&path, "abc", OutputFormat::Jsonl).unwrap();
            let lines: String = ids(written).iter().map(|id| line(id)).collect();
            file.write_all(lines.as_bytes()).unwrap();
            drop(file);
            let mut file = ResumableFile::open(&path, "abc", OutputFormat::Jsonl).unwrap();
            let all = units(&[inputs.path().join("n.csv")], &IngestOptions::default());
            let (kept, left) = file.resume(all).unwrap();
            assert_eq!(kept.records, kept_records);
            let left: Vec<String> = left.map(|unit| unit.id().to_string()).collect();
            assert_eq!(left, ids(rest));
            let kept_lines: String =
                ids(written).iter().take(kept_records as usize).map(|id| line(id)).collect();
            assert_eq!(read_all(file.partial_path()), kept_lines.as_bytes());
        }
    }

    #[test]
    fn records_that_do_not_match_the_inputs_are_decided_again() {
        let inputs = notes(3);
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("records.jsonl");
        let mut file = ResumableFile::open(&path, "abc", OutputFormat::Jsonl).unwrap();
        file.write_all(format!("{}{}", line("n00.txt"), line("gone.txt")).as_bytes()).unwrap();
        let all = units(&[inputs.path().to_path_buf()], &IngestOptions::default());
        let (kept, rest) = file.resume(all).unwrap();
        assert_eq!(kept.records, 1);
        assert_eq!(kept.mismatch, Some(("gone.txt".to_string(), "n01.txt".to_string())));
        assert_eq!(rest.count(), 2);
        assert_eq!(read_all(file.partial_path()), line("n00.txt").as_bytes());
    }

    #[test]
    fn csv_rows_are_kept_after_a_complete_header_only() {
        let inputs = notes(2);
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("records.csv");
        let header = CSV_COLUMNS.join(",");
        let row = |id: &str| format!("{id},ok,,,,,,,,,,,0,false,pend\n");
        let mut file = ResumableFile::open(&path, "abc", OutputFormat::Csv).unwrap();
        file.write_all(format!("{header}\n{}n01.txt,o", row("n00.txt")).as_bytes()).unwrap();
        let all = units(&[inputs.path().to_path_buf()], &IngestOptions::default());
        let (kept, rest) = file.resume(all).unwrap();
        assert!(kept.header);
        assert_eq!((kept.records, rest.count()), (1, 1));
        let mut torn =
            ResumableFile::open(&out.path().join("b.csv"), "x", OutputFormat::Csv).unwrap();
        torn.write_all(b"id,stat").unwrap();
        let all = units(&[inputs.path().to_path_buf()], &IngestOptions::default());
        let (kept, rest) = torn.resume(all).unwrap();
        assert_eq!((kept.header, kept.records, rest.count()), (false, 0, 2));
        assert!(read_all(torn.partial_path()).is_empty());
    }

    #[test]
    fn other_settings_write_another_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let a = ResumableFile::open(&path, "aaaa", OutputFormat::Jsonl).unwrap();
        let b = ResumableFile::open(&path, "bbbb", OutputFormat::Jsonl).unwrap();
        assert_ne!(a.partial_path(), b.partial_path());
        assert_eq!(a.other_partials(), [b.partial_path().to_path_buf()]);
        let name = a.partial_path().file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, ".records.jsonl.aaaa.partial");
    }
}
