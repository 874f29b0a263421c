//! Enumerating inputs into [`Unit`]s: files and directories (recursive, sorted,
//! safe against symlink loops), `-` for standard input, and CSV/JSONL files
//! expanded into their rows, all in one deterministic order.

use crate::jsonl_line::JsonlLine;
use crate::table::{csv_rows, jsonl_rows, Rows};
use crate::text::{self, text_document};
use crate::{fhir, kind, pdf, Document, IngestFailure, IngestOptions};
use necessity_record::Format;
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The id standard input's document gets.
pub const STDIN_ID: &str = "stdin";

/// The magic bytes a PDF file starts with, for files without an extension.
const PDF_MAGIC: &[u8] = b"%PDF-";

/// A document-to-be whose id is already known. Rows of CSV files and
/// standard input are read while enumerating (they stream from one reader),
/// JSON Lines lines are split there and parsed by [`Unit::load`]; files
/// are read only by [`Unit::load`], which may run on any thread.
pub enum Unit {
    /// Already read, or already known to be unreadable.
    Ready(Result<Document, IngestFailure>),
    /// A JSON Lines line, read but not yet parsed.
    Line(JsonlLine),
    /// A text or PDF file still to be read.
    File(FileUnit),
    /// A PDF attached to a FHIR DocumentReference, still to be read.
    Attachment(fhir::PdfAttachment),
}

/// A text or PDF file whose reading (and parsing) is deferred.
pub struct FileUnit {
    id: String,
    path: PathBuf,
    size: u64,
    kind: FileKind,
}

/// How a text or PDF file will be read.
#[derive(Clone, Copy)]
enum FileKind {
    Text,
    Pdf,
    /// No extension: a PDF if it starts like one, else text.
    Sniffed,
}

impl Unit {
    /// The document's id, known before any of its content is read.
    pub fn id(&self) -> &str {
        match self {
            Unit::Ready(Ok(document)) => &document.id,
            Unit::Ready(Err(failure)) => &failure.id,
            Unit::Line(line) => line.id(),
            Unit::File(file) => &file.id,
            Unit::Attachment(attachment) => attachment.id(),
        }
    }

    /// The patient the input names for this document, known before its
    /// content is read (a CSV row, a JSON Lines line's field, a FHIR
    /// `subject`): a patient's notes are read together and sharded together.
    pub fn patient(&self) -> Option<&str> {
        match self {
            Unit::Ready(Ok(document)) => document.provenance.patient.as_deref(),
            Unit::Ready(Err(failure)) => failure.source.patient.as_deref(),
            Unit::Line(line) => line.patient(),
            Unit::File(_) => None,
            Unit::Attachment(attachment) => attachment.patient(),
        }
    }

    /// What `--shard` hashes: the patient when the input names one, so that
    /// a patient's notes stay in one shard, else the document's id.
    pub fn shard_key(&self) -> &str {
        self.patient().unwrap_or_else(|| self.id())
    }

    /// Whether loading this unit is quick and takes a predictable time (a
    /// row, a line, a text file), so that it may share a batch with others;
    /// a PDF's parse may take seconds and goes alone, so that several
    /// spread over the workers.
    pub fn is_quick(&self) -> bool {
        match self {
            Unit::Ready(_) | Unit::Line(_) => true,
            Unit::File(file) => matches!(file.kind, FileKind::Text),
            Unit::Attachment(_) => false,
        }
    }

    /// Reads (and for PDFs parses) the document: the expensive part.
    pub fn load(self, options: &IngestOptions) -> Result<Document, IngestFailure> {
        match self {
            Unit::Ready(result) => result,
            Unit::Line(line) => line.load(),
            Unit::File(file) => file.load(options),
            Unit::Attachment(attachment) => attachment.load(options),
        }
    }
}

impl FileUnit {
    fn load(self, options: &IngestOptions) -> Result<Document, IngestFailure> {
        let cap = options.max_doc_bytes;
        let kind = match self.kind {
            FileKind::Sniffed => self.sniff()?,
            // A PDF under a text name is still a PDF, whose text may be small:
            // look before calling the file too large.
            FileKind::Text if self.size > cap => self.sniff()?,
            known => known,
        };
        if let FileKind::Pdf = kind {
            return pdf::pdf_document(self.id, pdf::PdfInput::File(&self.path), self.size, options);
        }
        let too_large =
            || text::too_large(self.id.clone(), Some(Format::Text), self.size, cap, "the file");
        if self.size > cap {
            return Err(too_large());
        }
        let bytes = File::open(&self.path)
            .and_then(|file| read_listed(file, self.size, cap))
            .map_err(|error| io_failure(&self.id, Some(Format::Text), self.size, &error))?;
        if bytes.len() as u64 > cap {
            // The file grew since it was listed.
            return Err(too_large());
        }
        // A PDF saved under a text name is still a PDF.
        if bytes.starts_with(PDF_MAGIC) {
            return pdf::pdf_document(self.id, pdf::PdfInput::File(&self.path), self.size, options);
        }
        text_document(self.id, bytes)
    }

    fn sniff(&self) -> Result<FileKind, IngestFailure> {
        let mut head = Vec::with_capacity(PDF_MAGIC.len());
        File::open(&self.path)
            .and_then(|file| file.take(PDF_MAGIC.len() as u64).read_to_end(&mut head))
            .map_err(|error| io_failure(&self.id, None, self.size, &error))?;
        Ok(if head == PDF_MAGIC { FileKind::Pdf } else { FileKind::Text })
    }
}

/// Reads a file listed at `size` bytes, at most `cap + 1` of them: in one
/// `read` when the file still has its listed size (a short read of a
/// regular file is its end), reading on only when it grew or came short.
fn read_listed(mut file: File, size: u64, cap: u64) -> io::Result<Vec<u8>> {
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    let listed = usize::try_from(size).unwrap_or(usize::MAX).min(limit);
    // One byte more than listed, so that a file that grew is seen at once.
    let mut bytes = vec![0; listed.saturating_add(1).min(limit)];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
        if filled == listed {
            break;
        }
    }
    bytes.truncate(filled);
    if filled > listed {
        // It grew since it was listed: the rest, up to the cap.
        file.take((limit - filled) as u64).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Every unit of `inputs`, in order, restricted to `options.shard` if set.
pub fn units(inputs: &[PathBuf], options: &IngestOptions) -> Units {
    Units {
        inputs: inputs.iter().cloned().collect(),
        walk: None,
        rows: None,
        resources: None,
        skip: options.skip_files.iter().filter_map(|path| Identity::of(path)).collect(),
        hidden_skipped: HiddenSkipped::default(),
        options: options.clone(),
    }
}

/// How many hidden files and folders a walk left out, readable while the
/// walk goes on in another thread: the run's summary reports it.
#[derive(Clone, Debug, Default)]
pub struct HiddenSkipped(Arc<AtomicU64>);

impl HiddenSkipped {
    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// The entries of a directory walk, sorted, following links, without the
/// hidden ones unless asked (a folder's hidden entries are `.DS_Store`,
/// `.git`, editors' and our own leftovers, never notes).
fn walk_entries(
    root: &Path,
    hidden: bool,
    skipped: HiddenSkipped,
) -> Box<dyn Iterator<Item = walkdir::Result<walkdir::DirEntry>> + Send> {
    let entries = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
    Box::new(entries.filter_entry(move |entry| {
        let keep = entry.depth() == 0 || !is_hidden_leftover(entry.file_name(), hidden);
        if !keep {
            skipped.add_one();
        }
        keep
    }))
}

/// Whether a walk leaves `name` out: a hidden name unless `hidden`, and
/// always the temporary output of a run (`.records.jsonl.XXXX.partial`),
/// which is never a note.
fn is_hidden_leftover(name: &OsStr, hidden: bool) -> bool {
    let name = name.as_encoded_bytes();
    name.starts_with(b".") && (!hidden || name.ends_with(b".partial"))
}

/// Bytes of every file `inputs` name, walked as [`units`] walks them, for a
/// progress bar's total; standard input and what cannot be read count 0.
pub fn input_bytes(inputs: &[PathBuf], options: &IngestOptions) -> u64 {
    let size = |path: &Path| fs::metadata(path).map_or(0, |metadata| metadata.len());
    inputs
        .iter()
        .filter(|input| input.as_os_str() != "-")
        .map(|input| match fs::metadata(input) {
            Ok(metadata) if metadata.is_dir() => {
                walk_entries(input, options.hidden, HiddenSkipped::default())
                    .filter_map(Result::ok)
                    .filter(|entry| !entry.file_type().is_dir())
                    .map(|entry| size(entry.path()))
                    .sum()
            }
            Ok(metadata) => metadata.len(),
            Err(_) => 0,
        })
        .sum()
}

/// A directory being walked; ids are paths relative to `root`.
struct Walk {
    root: PathBuf,
    entries: Box<dyn Iterator<Item = walkdir::Result<walkdir::DirEntry>> + Send>,
}

/// The units of some inputs, in order: see [`units`].
pub struct Units {
    inputs: VecDeque<PathBuf>,
    walk: Option<Walk>,
    rows: Option<Rows>,
    /// The DocumentReferences of a FHIR file being read.
    resources: Option<fhir::Units>,
    /// The files of `options.skip_files` that exist.
    skip: Vec<Identity>,
    hidden_skipped: HiddenSkipped,
    options: IngestOptions,
}

impl Units {
    /// The count of hidden files and folders left out, updated as the walk goes.
    pub fn hidden_skipped(&self) -> HiddenSkipped {
        self.hidden_skipped.clone()
    }
}

/// What makes a file the same file under any path (links, `..`, relative
/// or absolute): its device and inode on Unix, its canonical path elsewhere.
#[derive(PartialEq, Eq)]
struct Identity(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl Identity {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Identity> {
        fs::metadata(path).ok().map(|metadata| Identity::of_metadata(path, &metadata))
    }

    #[cfg(unix)]
    fn of_metadata(_path: &Path, metadata: &fs::Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt;
        Identity((metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Option<Identity> {
        path.canonicalize().ok().map(Identity)
    }

    #[cfg(not(unix))]
    fn of_metadata(path: &Path, _metadata: &fs::Metadata) -> Identity {
        Identity(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
    }
}

impl Iterator for Units {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let shard = self.options.shard;
        std::iter::from_fn(|| self.next_unit())
            .find(|unit| shard.is_none_or(|shard| shard.contains(unit.shard_key())))
    }
}

impl Units {
    /// The next unit, whatever its shard.
    fn next_unit(&mut self) -> Option<Unit> {
        loop {
            if let Some(resources) = &mut self.resources {
                match resources.next() {
                    Some(unit) => return Some(unit),
                    None => self.resources = None,
                }
            }
            if let Some(rows) = &mut self.rows {
                match rows.next() {
                    Some(row) => return Some(row),
                    None => self.rows = None,
                }
            }
            if let Some(walk) = &mut self.walk {
                match walk.entries.next() {
                    Some(Ok(entry)) if entry.file_type().is_dir() => {}
                    Some(Ok(entry)) => {
                        let id = relative_id(&walk.root, entry.path());
                        if let Some(unit) = self.open_walked(entry.path(), id) {
                            return Some(unit);
                        }
                    }
                    // A loop leads back to a directory already walked: its
                    // documents are read there, exactly once.
                    Some(Err(error)) if error.loop_ancestor().is_some() => {}
                    Some(Err(error)) => {
                        return Some(Unit::Ready(Err(walk_failure(&walk.root, &error))))
                    }
                    None => self.walk = None,
                }
                continue;
            }
            let input = self.inputs.pop_front()?;
            if input.as_os_str() == "-" {
                return Some(Unit::Ready(read_stdin(self.options.max_doc_bytes)));
            }
            match fs::metadata(&input) {
                Ok(metadata) if metadata.is_dir() => {
                    let skipped = self.hidden_skipped.clone();
                    let entries = walk_entries(&input, self.options.hidden, skipped);
                    self.walk = Some(Walk { root: input, entries });
                }
                Ok(_) => {
                    let id = input.file_name().map_or_else(|| display_id(&input), name_id);
                    if let Some(unit) = self.open(&input, id) {
                        return Some(unit);
                    }
                }
                Err(error) => {
                    return Some(Unit::Ready(Err(io_failure(&display_id(&input), None, 0, &error))))
                }
            }
        }
    }

    /// [`Units::open`] for a file met in a directory walk, unless it is one
    /// of the files to skip.
    fn open_walked(&mut self, path: &Path, id: String) -> Option<Unit> {
        if !self.skip.is_empty() {
            if let Ok(metadata) = fs::metadata(path) {
                if self.skip.contains(&Identity::of_metadata(path, &metadata)) {
                    return None;
                }
            }
        }
        self.open(path, id)
    }

    /// The unit of one file, or `None` when the file is a table whose rows
    /// now come from `self.rows`.
    fn open(&mut self, path: &Path, id: String) -> Option<Unit> {
        let reader = Reader::for_path(path);
        let format = reader.format();
        let failure = |kind: &str, size: u64, message: String| {
            let failure = IngestFailure::new(id.clone(), format, size, kind, message);
            Some(Unit::Ready(Err(failure)))
        };
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                return Some(Unit::Ready(Err(io_failure(&id, reader.format(), 0, &error))))
            }
        };
        let size = metadata.len();
        if !metadata.is_file() {
            return failure(kind::UNSUPPORTED_FORMAT, 0, "not a regular file".to_string());
        }
        if size == 0 {
            return failure(kind::EMPTY, 0, "the file is empty".to_string());
        }
        match reader {
            Reader::File(kind) => {
                Some(Unit::File(FileUnit { id, path: path.to_path_buf(), size, kind }))
            }
            Reader::Csv => {
                self.rows = Some(csv_rows(path, id, size, &self.options));
                None
            }
            Reader::Jsonl if fhir::holds_resources(path) => {
                self.resources = Some(fhir::ndjson_units(path, id, size, &self.options));
                None
            }
            Reader::Jsonl => {
                self.rows = Some(jsonl_rows(path, id, size, &self.options));
                None
            }
            Reader::Json => {
                // A manifest met in a walk is left to the walk, which reads its files.
                let walked = self.walk.is_some();
                self.resources = Some(fhir::json_units(path, id, size, &self.options, walked));
                None
            }
            Reader::Unsupported(extension) => {
                let message = format!(
                    "files ending .{extension} are not read (text, PDF, CSV, JSON Lines and FHIR JSON are)"
                );
                failure(kind::UNSUPPORTED_FORMAT, size, message)
            }
        }
    }
}

/// How a file is read, decided from its name alone.
enum Reader {
    File(FileKind),
    Csv,
    Jsonl,
    /// FHIR JSON: a resource, a Bundle or a Bulk Data manifest.
    Json,
    /// The (lowercased) extension of a file this tool does not read.
    Unsupported(String),
}

impl Reader {
    fn for_path(path: &Path) -> Reader {
        let extension = path
            .extension()
            .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "txt" | "text" | "md" => Reader::File(FileKind::Text),
            "" => Reader::File(FileKind::Sniffed),
            "pdf" => Reader::File(FileKind::Pdf),
            "csv" => Reader::Csv,
            "jsonl" | "ndjson" => Reader::Jsonl,
            "json" => Reader::Json,
            _ => Reader::Unsupported(extension),
        }
    }

    /// The format a record of this file reports, when the name tells it.
    fn format(&self) -> Option<Format> {
        match self {
            Reader::File(FileKind::Text) => Some(Format::Text),
            Reader::File(FileKind::Pdf) => Some(Format::Pdf),
            Reader::Csv => Some(Format::Csv),
            Reader::Jsonl => Some(Format::Jsonl),
            Reader::Json => Some(Format::Fhir),
            Reader::File(FileKind::Sniffed) | Reader::Unsupported(_) => None,
        }
    }
}

fn read_stdin(cap: u64) -> Result<Document, IngestFailure> {
    let mut bytes = Vec::new();
    let mut stdin = io::stdin().lock();
    (&mut stdin)
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| io_failure(STDIN_ID, Some(Format::Text), 0, &error))?;
    if bytes.len() as u64 > cap {
        // The rest is left unread: standard input may never end (`< /dev/zero`).
        let size = bytes.len() as u64;
        let what = "standard input";
        return Err(text::too_large(STDIN_ID.to_string(), Some(Format::Text), size, cap, what));
    }
    text_document(STDIN_ID.to_string(), bytes)
}

/// `path` relative to `root` with `/` separators, the same on every platform.
fn relative_id(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = relative.components().map(|part| name_id(part.as_os_str())).collect();
    parts.join("/")
}

fn display_id(path: &Path) -> String {
    name_id(path.as_os_str())
}

/// A file name as it appears in ids: itself when it is UTF-8, else with
/// each byte that is not written `%XX` (hex); a `%` that would read as such
/// an escape (followed by two hex digits) is written `%25`, so `caf\xE9.txt`
/// (`caf%E9.txt`) and a file really named `caf%E9.txt` (`caf%25E9.txt`) keep
/// distinct ids. Replacing bytes with one character instead would give
/// different files the same id.
fn name_id(name: &OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut id = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        for (at, c) in valid.char_indices() {
            let rest = valid.as_bytes()[at + 1..].iter().take(2);
            if c == '%' && rest.filter(|b| b.is_ascii_hexdigit()).count() == 2 {
                id.push_str("%25");
            } else {
                id.push(c);
            }
        }
        for byte in chunk.invalid() {
            id.push_str(&format!("%{byte:02X}"));
        }
    }
    id
}

fn walk_failure(root: &Path, error: &walkdir::Error) -> IngestFailure {
    // The root itself (a directory given that cannot be read) is named by its path.
    let id = error
        .path()
        .filter(|path| *path != root)
        .map_or_else(|| display_id(root), |path| relative_id(root, path));
    let reason = error.io_error().map_or_else(
        || "cannot walk the directory".to_string(),
        |io| format!("cannot read: {}", io.kind()),
    );
    IngestFailure::new(id, None, 0, kind::IO, reason)
}

pub(crate) fn io_failure(
    id: &str,
    format: Option<Format>,
    size: u64,
    error: &io::Error,
) -> IngestFailure {
    IngestFailure::new(id, format, size, kind::IO, format!("cannot read: {}", error.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, content: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn ids(inputs: &[PathBuf], options: &IngestOptions) -> Vec<String> {
        units(inputs, options).map(|unit| unit.id().to_string()).collect()
    }

    #[test]
    fn directories_are_walked_in_sorted_order_with_relative_ids() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("b/2.txt"), b"two");
        write(&dir.path().join("b/1.md"), b"one");
        write(&dir.path().join("a.txt"), b"a");
        write(&dir.path().join("c.csv"), b"id,text\n9,x\n");
        let inputs = [dir.path().to_path_buf()];
        assert_eq!(
            ids(&inputs, &IngestOptions::default()),
            ["a.txt", "b/1.md", "b/2.txt", "c.csv#9"]
        );
    }

    #[test]
    fn file_inputs_are_named_by_file_name_and_missing_ones_fail() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("x/note.txt"), b"note");
        let inputs = [dir.path().join("x/note.txt"), dir.path().join("missing.txt")];
        let loaded: Vec<_> = read_all(&inputs);
        assert_eq!(loaded[0].as_ref().unwrap().id, "note.txt");
        assert_eq!(loaded[1].as_ref().unwrap_err().kind, kind::IO);
    }

    #[test]
    fn odd_files_become_typed_failures() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("empty.txt"), b"");
        write(&dir.path().join("image.png"), b"\x89PNG\r\n\x1a\n");
        write(&dir.path().join("plain"), b"no extension, text");
        let loaded = read_all(&[dir.path().to_path_buf()]);
        assert_eq!(loaded[0].as_ref().unwrap_err().kind, kind::EMPTY);
        assert_eq!(loaded[0].as_ref().unwrap_err().source.format, Some(Format::Text));
        assert_eq!(loaded[1].as_ref().unwrap_err().kind, kind::UNSUPPORTED_FORMAT);
        assert_eq!(loaded[2].as_ref().unwrap().text, "no extension, text");
    }

    #[test]
    fn a_pdf_under_a_text_name_is_sniffed_whatever_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = [b"%PDF-1.7\n".as_slice(), &[b' '; 100]].concat();
        write(&dir.path().join("scan.txt"), &pdf);
        write(&dir.path().join("note.txt"), &[b'x'; 110]);
        let options = IngestOptions { max_doc_bytes: 50, ..IngestOptions::default() };
        let loaded: Vec<_> = units(&[dir.path().to_path_buf()], &options)
            .map(|unit| unit.load(&options).unwrap_err())
            .map(|failure| (failure.id, failure.kind, failure.source.format))
            .collect();
        assert_eq!(
            loaded,
            [
                ("note.txt".to_string(), kind::TOO_LARGE.to_string(), Some(Format::Text)),
                ("scan.txt".to_string(), kind::PDF_UNREADABLE.to_string(), Some(Format::Pdf)),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end_and_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("notes/a.txt"), b"a");
        std::os::unix::fs::symlink(dir.path().join("notes"), dir.path().join("notes/again"))
            .unwrap();
        assert_eq!(ids(&[dir.path().to_path_buf()], &IngestOptions::default()), ["notes/a.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_distinct_ids() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = |bytes: &[u8]| dir.path().join(OsStr::from_bytes(bytes));
        write(&name(b"caf\xe9/\xff.txt"), b"one");
        write(&name(b"caf\xe9/\xfe.txt"), b"two");
        write(&name(b"\xc3\xa9t\xe9.txt"), b"three");
        let inputs = [dir.path().to_path_buf()];
        assert_eq!(
            ids(&inputs, &IngestOptions::default()),
            ["caf%E9/%FE.txt", "caf%E9/%FF.txt", "\u{e9}t%E9.txt"]
        );
        assert_eq!(ids(&[name(b"caf\xe9/\xff.txt")], &IngestOptions::default()), ["%FF.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_written_like_an_escape_keeps_its_own_id() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join(OsStr::from_bytes(b"caf\xe9.txt")), b"one");
        write(&dir.path().join("caf%E9.txt"), b"two");
        write(&dir.path().join("50% BSA.txt"), b"three");
        let ids = ids(&[dir.path().to_path_buf()], &IngestOptions::default());
        assert_eq!(ids, ["50% BSA.txt", "caf%25E9.txt", "caf%E9.txt"]);
    }

    #[test]
    fn hidden_files_and_folders_are_skipped_and_counted_unless_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a.txt"), b"a");
        write(&dir.path().join(".DS_Store"), b"junk");
        write(&dir.path().join(".git/HEAD"), b"ref");
        write(&dir.path().join("b/.note.txt.swp"), b"swap");
        write(&dir.path().join("b/.records.jsonl.Xy12.partial"), b"{}");
        let inputs = [dir.path().to_path_buf()];
        let mut walk = units(&inputs, &IngestOptions::default());
        let skipped = walk.hidden_skipped();
        let found: Vec<String> = walk.by_ref().map(|unit| unit.id().to_string()).collect();
        assert_eq!(found, ["a.txt"]);
        assert_eq!(skipped.get(), 4);
        let hidden = IngestOptions { hidden: true, ..IngestOptions::default() };
        assert_eq!(
            ids(&inputs, &hidden),
            [".DS_Store", ".git/HEAD", "a.txt", "b/.note.txt.swp"],
            "--hidden reads them all but a run's own .partial"
        );
        assert_eq!(input_bytes(&inputs, &IngestOptions::default()), 1);
        // A hidden input named directly is read, as ripgrep does.
        assert_eq!(ids(&[dir.path().join(".DS_Store")], &IngestOptions::default()), [".DS_Store"]);
    }

    #[test]
    fn shards_partition_the_units() {
        let dir = tempfile::tempdir().unwrap();
        let rows: String = (0..50).map(|n| format!("{n},note {n}\n")).collect();
        write(&dir.path().join("n.csv"), format!("id,text\n{rows}").as_bytes());
        let inputs = [dir.path().to_path_buf()];
        let all = ids(&inputs, &IngestOptions::default());
        let mut union: Vec<String> = (0..3)
            .flat_map(|k| {
                let options =
                    IngestOptions { shard: crate::Shard::new(k, 3), ..IngestOptions::default() };
                ids(&inputs, &options)
            })
            .collect();
        union.sort();
        let mut expected = all.clone();
        expected.sort();
        assert_eq!(union, expected);
        assert_eq!(all.len(), 50);
    }

    fn read_all(inputs: &[PathBuf]) -> Vec<Result<Document, IngestFailure>> {
        crate::read_documents(inputs, &IngestOptions::default()).collect()
    }
}
