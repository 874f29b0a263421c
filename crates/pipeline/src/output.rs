//! Writing records: JSON Lines (the contract), a flat CSV summary for
//! spreadsheets, or OMOP `NOTE_NLP` rows, to a file that appears only when
//! complete.

use crate::Decided;
use necessity_engine::{FactMention, Summary, NLP_SYSTEM, NOTE_NLP_COLUMNS, SUMMARY_COLUMNS};
use necessity_record::spreadsheet::safe_cell;
use necessity_record::Record;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;
use tempfile::NamedTempFile;

/// How records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// One case record per line, as the spec defines it.
    Jsonl,
    /// One row per document with the determination and the main facts.
    Csv,
    /// One row per evidence span of every fact, in the OMOP CDM `NOTE_NLP`
    /// table's columns (CSV with a header line).
    NoteNlp,
}

impl OutputFormat {
    /// Whether this format needs each record's `NOTE_NLP` mentions.
    pub fn needs_mentions(self) -> bool {
        self == OutputFormat::NoteNlp
    }
}

/// The CSV summary's columns, in order.
/// `route` comes last, so the columns before it keep their places.
pub const CSV_COLUMNS: [&str; 15] = SUMMARY_COLUMNS;

/// Writes records one at a time in the chosen format.
pub enum RecordWriter<W: Write> {
    Jsonl(W),
    Csv(Box<csv::Writer<W>>),
    NoteNlp(Box<NoteNlpWriter<W>>),
}

impl<W: Write> RecordWriter<W> {
    /// A writer of `format` into `inner`; the CSV formats start with their header row.
    pub fn new(format: OutputFormat, inner: W) -> io::Result<RecordWriter<W>> {
        Ok(match format {
            OutputFormat::Jsonl => RecordWriter::Jsonl(inner),
            OutputFormat::Csv => {
                let mut writer = csv::Writer::from_writer(inner);
                writer.write_record(CSV_COLUMNS)?;
                RecordWriter::Csv(Box::new(writer))
            }
            OutputFormat::NoteNlp => RecordWriter::NoteNlp(Box::new(NoteNlpWriter::new(inner)?)),
        })
    }

    /// A writer of `format` continuing an output that already has its
    /// header (a resumed run): no header row is written.
    /// `None` for `NOTE_NLP` rows, which are numbered across the output.
    pub fn continuing(format: OutputFormat, inner: W) -> Option<RecordWriter<W>> {
        match format {
            OutputFormat::Jsonl => Some(RecordWriter::Jsonl(inner)),
            OutputFormat::Csv => Some(RecordWriter::Csv(Box::new(csv::Writer::from_writer(inner)))),
            OutputFormat::NoteNlp => None,
        }
    }

    /// Writes one decided document: its record, or its mentions' rows.
    pub fn write(&mut self, decided: &Decided) -> io::Result<()> {
        match self {
            RecordWriter::Jsonl(inner) => {
                serde_json::to_writer(&mut *inner, &decided.record)?;
                inner.write_all(b"\n")
            }
            RecordWriter::Csv(writer) => write_safe_row(writer, &csv_row(&decided.record)),
            RecordWriter::NoteNlp(writer) => writer.write(&decided.mentions),
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        let mut inner = match self {
            RecordWriter::Jsonl(inner) => inner,
            RecordWriter::Csv(writer) => writer.into_inner().map_err(|error| error.into_error())?,
            RecordWriter::NoteNlp(writer) => {
                writer.csv.into_inner().map_err(|error| error.into_error())?
            }
        };
        inner.flush()?;
        Ok(inner)
    }
}

/// A CSV writer's error as the I/O error it is, so a broken pipe or a full
/// disk keeps its kind (the `csv` crate's own conversion makes every error `Other`).
fn into_io_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Writes a row of cells, each made safe for a spreadsheet (a cell that
/// would run as a formula gets a leading quote).
fn write_safe_row<W: Write>(writer: &mut csv::Writer<W>, row: &[String]) -> io::Result<()> {
    let cells = row.iter().map(|cell| safe_cell(cell).into_owned());
    writer.write_record(cells).map_err(into_io_error)
}

/// One record as a row of [`CSV_COLUMNS`]; absent values are empty cells.
pub fn csv_row(record: &Record) -> [String; 15] {
    Summary::of(record).cells()
}

/// Writes `NOTE_NLP` rows, numbering them from 1 across the output and
/// dating them all with the start of the run.
pub struct NoteNlpWriter<W: Write> {
    csv: csv::Writer<W>,
    next_id: u64,
    /// `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS`, UTC.
    date: String,
    datetime: String,
}

impl<W: Write> NoteNlpWriter<W> {
    fn new(inner: W) -> io::Result<NoteNlpWriter<W>> {
        let mut csv = csv::Writer::from_writer(inner);
        csv.write_record(NOTE_NLP_COLUMNS)?;
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let datetime = now.trim_end_matches('Z').replacen('T', " ", 1);
        let date = datetime.get(..10).unwrap_or_default().to_string();
        Ok(NoteNlpWriter { csv, next_id: 1, date, datetime })
    }

    fn write(&mut self, mentions: &[FactMention]) -> io::Result<()> {
        for mention in mentions {
            let row = note_nlp_row(self.next_id, mention, &self.date, &self.datetime);
            write_safe_row(&mut self.csv, &row)?;
            self.next_id += 1;
        }
        Ok(())
    }
}

/// One mention as a row of [`NOTE_NLP_COLUMNS`]: concept ids are 0 (no
/// standard concept is mapped), the section's name is in `term_modifiers`.
pub fn note_nlp_row(id: u64, mention: &FactMention, date: &str, datetime: &str) -> [String; 14] {
    [
        id.to_string(),
        mention.note_id.clone(),
        "0".to_string(),
        mention.snippet.clone(),
        mention.offset.to_string(),
        mention.lexical_variant.clone(),
        "0".to_string(),
        "0".to_string(),
        NLP_SYSTEM.to_string(),
        date.to_string(),
        datetime.to_string(),
        if mention.term_exists { "Y" } else { "N" }.to_string(),
        mention.term_temporal.to_string(),
        mention.term_modifiers.clone(),
    ]
}

/// Where `--out` writes. A regular file (new or replaced, also through a
/// symbolic link) is an [`AtomicFile`]; a device or a pipe (`/dev/null`,
/// `/dev/stdout`, a FIFO) is written in place, since renaming a file over it
/// would replace the device itself (as root, `/dev/null` with a plain file).
pub enum OutFile {
    /// A regular file, renamed into place on commit.
    Atomic(AtomicFile),
    /// A device or pipe, written directly.
    Special(File),
}

impl OutFile {
    /// Opens what `path` names for writing, as described on [`OutFile`].
    pub fn create(path: &Path) -> io::Result<OutFile> {
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => {
                // Through a link, replace the file it points to, not the link.
                let target = fs::canonicalize(path)?;
                let file = AtomicFile::create(&target)?;
                // A replaced file keeps its permissions.
                file.temp.as_file().set_permissions(metadata.permissions())?;
                Ok(OutFile::Atomic(file))
            }
            Ok(metadata) if !metadata.is_dir() => {
                Ok(OutFile::Special(fs::OpenOptions::new().write(true).open(path)?))
            }
            _ => Ok(OutFile::Atomic(AtomicFile::create(path)?)),
        }
    }

    /// The temporary file being written, if any.
    pub fn temp_path(&self) -> Option<&Path> {
        match self {
            OutFile::Atomic(file) => Some(file.temp_path()),
            OutFile::Special(_) => None,
        }
    }

    /// Finishes the output: renames a regular file into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            OutFile::Atomic(file) => file.commit(),
            OutFile::Special(mut file) => file.flush(),
        }
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutFile::Atomic(file) => file.write(buf),
            OutFile::Special(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutFile::Atomic(file) => file.flush(),
            OutFile::Special(file) => file.flush(),
        }
    }
}

/// Writes `contents` to `path` as every output of this tool is written:
/// whole or not at all (see [`OutFile`]), readable by its owner only when
/// new (outputs quote note text), a replaced file keeping its permissions.
pub fn write_output(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OutFile::create(path)?;
    file.write_all(contents)?;
    file.commit()
}

/// A file written under a temporary name in its final directory and renamed
/// into place by [`AtomicFile::commit`]: a crash or an error never leaves a
/// partial file under the final name.
pub struct AtomicFile {
    temp: NamedTempFile,
    path: PathBuf,
    _listed: Unfinished,
}

impl AtomicFile {
    /// Starts writing what will become `path`.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name =
            path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(directory)?;
        let listed = Unfinished::list(temp.path(), OnInterrupt::Delete);
        Ok(AtomicFile { temp, path: path.to_path_buf(), _listed: listed })
    }

    /// Where the file is being written until it is committed, so that a
    /// reader of the same directory can leave it alone.
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Moves the finished file into place.
    pub fn commit(self) -> io::Result<()> {
        self.temp.as_file().sync_all()?;
        self.temp.persist(&self.path).map_err(|error| error.error)?;
        Ok(())
    }
}

/// What an interrupt does with an output still being written: an atomic
/// output is deleted, a resumable one kept for `--resume`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnInterrupt {
    Delete,
    Keep,
}

/// An entry in the list of unfinished outputs, taken off the list when its
/// file is committed or dropped (`NamedTempFile` deletes the file itself then).
pub(crate) struct Unfinished(PathBuf);

impl Unfinished {
    pub(crate) fn list(temp: &Path, on_interrupt: OnInterrupt) -> Unfinished {
        unfinished().insert(temp.to_path_buf(), on_interrupt);
        Unfinished(temp.to_path_buf())
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        unfinished().remove(&self.0);
    }
}

/// The temporary files of every output not yet committed or dropped: a
/// signal ends the process without running destructors, so the handler
/// needs this list to leave no `.partial` file behind (but the resumable ones).
fn unfinished() -> MutexGuard<'static, BTreeMap<PathBuf, OnInterrupt>> {
    static UNFINISHED: Mutex<BTreeMap<PathBuf, OnInterrupt>> = Mutex::new(BTreeMap::new());
    // A panic while the lock was held leaves a map that is still valid.
    UNFINISHED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What an interrupt did with the outputs being written.
#[derive(Debug, Default)]
pub struct Interrupted {
    /// Temporary files deleted.
    pub deleted: usize,
    /// Partial outputs kept for `--resume`.
    pub kept: Vec<PathBuf>,
}

/// Deletes the temporary file of every output still being written, but
/// the resumable ones, for a process about to exit on Ctrl-C or SIGTERM.
pub fn discard_unfinished_outputs() -> Interrupted {
    let mut unfinished = unfinished();
    let mut interrupted = Interrupted::default();
    for (path, on_interrupt) in std::mem::take(&mut *unfinished) {
        match on_interrupt {
            OnInterrupt::Delete => {
                interrupted.deleted += usize::from(fs::remove_file(&path).is_ok())
            }
            OnInterrupt::Keep => interrupted.kept.push(path),
        }
    }
    interrupted
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_engine::FactMention;
    use necessity_record::{Facts, Format, Source, Status};
    use std::fs;

    fn record(id: &str) -> Record {
        let source = Source { format: Some(Format::Text), bytes: 3, ..Source::default() };
        let mut record = Record::error(id.into(), source, "empty", "the file holds no text".into());
        record.status = Status::Ok;
        record.error = None;
        record.facts = Some(Facts { requested_drug: Some("dupilumab".into()), ..Facts::default() });
        record
    }

    fn decided(record: Record) -> Decided {
        Decided { record, mentions: Vec::new() }
    }

    #[test]
    fn csv_rows_have_one_cell_per_column() {
        let mut writer = RecordWriter::new(OutputFormat::Csv, Vec::new()).unwrap();
        writer.write(&decided(record("a, \"b\".txt"))).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "a, \"b\".txt");
        assert_eq!(&row[4], "dupilumab");
        assert_eq!(&row[12], "0");
        assert_eq!(&row[14], "pend", "the route, last");
    }

    #[test]
    fn csv_cells_that_read_as_formulas_are_quoted() {
        let mut writer = RecordWriter::new(OutputFormat::Csv, Vec::new()).unwrap();
        for id in ["=HYPERLINK(\"http://x\")", "+1", "-2.txt", "@SUM(A1)", "plain-id"] {
            writer.write(&decided(record(id))).unwrap();
        }
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let ids: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|row| row.unwrap()[0].to_string())
            .collect();
        assert_eq!(ids, ["'=HYPERLINK(\"http://x\")", "'+1", "'-2.txt", "'@SUM(A1)", "plain-id"]);
    }

    #[test]
    fn note_nlp_rows_are_numbered_across_documents() {
        let mention = |note_id: &str, offset: usize, exists: bool| FactMention {
            note_id: note_id.to_string(),
            section: "hpi",
            snippet: "BSA 10%, IGA 3.".to_string(),
            offset,
            lexical_variant: "BSA 10%".to_string(),
            term_exists: exists,
            term_temporal: "present",
            term_modifiers: "fact=measures.bsa_percent;value=10;section=hpi".to_string(),
        };
        let mut writer = RecordWriter::new(OutputFormat::NoteNlp, Vec::new()).unwrap();
        let first = Decided { record: record("a"), mentions: vec![mention("a", 0, true)] };
        let second = Decided { record: record("b"), mentions: vec![mention("b", 4, false); 2] };
        writer.write(&first).unwrap();
        writer.write(&decided(record("error, no facts"))).unwrap();
        writer.write(&second).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), NOTE_NLP_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let cell = |row: usize, column: &str| {
            let at = NOTE_NLP_COLUMNS.iter().position(|c| *c == column).unwrap();
            rows[row][at].to_string()
        };
        assert_eq!(rows.len(), 3);
        assert_eq!((0..3).map(|r| cell(r, "note_nlp_id")).collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(cell(0, "note_id"), "a");
        assert_eq!(cell(1, "offset"), "4");
        assert_eq!((cell(0, "term_exists"), cell(1, "term_exists")), ("Y".into(), "N".into()));
        assert_eq!(cell(0, "nlp_system"), NLP_SYSTEM);
        assert_eq!(cell(0, "nlp_date").len(), "2026-01-31".len());
        assert!(cell(0, "nlp_datetime").starts_with(&cell(0, "nlp_date")));
        assert_eq!(cell(2, "section_concept_id"), "0");
    }

    #[test]
    fn jsonl_is_one_record_per_line() {
        let mut writer = RecordWriter::new(OutputFormat::Jsonl, Vec::new()).unwrap();
        writer.write(&decided(record("a"))).unwrap();
        writer.write(&decided(record("b"))).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        let back: Vec<Record> =
            text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(back, [record("a"), record("b")]);
    }

    #[cfg(unix)]
    #[test]
    fn out_file_through_a_link_replaces_the_target_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("records.jsonl");
        fs::write(&target, b"old\n").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("latest.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut file = OutFile::create(&link).unwrap();
        file.write_all(b"new\n").unwrap();
        file.commit().unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn out_file_on_a_device_writes_in_place() {
        // Through a link of our own: were the device replaced, only the link would be.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        let mut file = OutFile::create(&link).unwrap();
        assert!(file.temp_path().is_none());
        file.write_all(b"{}\n").unwrap();
        file.commit().unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file");
    }

    #[cfg(unix)]
    #[test]
    fn write_output_is_owner_only_when_new() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("review.html");
        write_output(&page, b"<html>").unwrap();
        assert_eq!(fs::metadata(&page).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file");
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"{}\n").unwrap();
        assert!(!path.exists());
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}\n");
        let abandoned = AtomicFile::create(&dir.path().join("other.jsonl")).unwrap();
        drop(abandoned);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
