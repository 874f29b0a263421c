//! CSV and JSON Lines archives: every row (line) is a document. Both stream
//! one row at a time, so files of gigabytes need no more memory than a row.

use crate::columns::{
    cell_value, choose, note_date, row_id, DATE_CANDIDATES, ID_CANDIDATES, PATIENT_CANDIDATES,
    TEXT_CANDIDATES,
};
use crate::csv_reader::{CsvReader, RawRecord, Swallowed};
use crate::discover::{io_failure, Unit};
use crate::jsonl_line::{JsonlFile, JsonlLine};
use crate::text::{document, too_large};
use crate::{kind, Document, IngestFailure, IngestOptions};
use necessity_record::Format;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The documents of one table file, in file order.
pub(crate) type Rows = Box<dyn Iterator<Item = Unit> + Send>;

/// Every row of a CSV file with a header line; quoted fields may span lines.
pub(crate) fn csv_rows(path: &Path, file_id: String, size: u64, options: &IngestOptions) -> Rows {
    match CsvRows::open(path, file_id.clone(), size, options) {
        Ok(rows) => Box::new(NotEmpty::new(
            rows.map(Unit::Ready),
            file_id,
            Format::Csv,
            size,
            "has no data rows",
        )),
        Err(failure) => Box::new(std::iter::once(Unit::Ready(Err(failure)))),
    }
}

/// Every non-blank line of a JSON Lines file, each a JSON object: lines are
/// only split here, and parsed where they are loaded ([`JsonlLine::load`]).
pub(crate) fn jsonl_rows(path: &Path, file_id: String, size: u64, options: &IngestOptions) -> Rows {
    match open_table(path, &file_id, Format::Jsonl, size) {
        Ok(reader) => Box::new(NotEmpty::new(
            JsonlLines {
                reader,
                file: Arc::new(JsonlFile {
                    file_id: file_id.clone(),
                    text_column: options.text_column.clone(),
                    id_column: options.id_column.clone(),
                    patient_column: options.patient_column.clone(),
                    date_column: options.date_column.clone(),
                    max_doc_bytes: options.max_doc_bytes,
                }),
                line_number: 0,
                done: false,
            },
            file_id,
            Format::Jsonl,
            size,
            "holds only blank lines",
        )),
        Err(failure) => Box::new(std::iter::once(Unit::Ready(Err(failure)))),
    }
}

/// A table file opened for reading, or one failure for the whole file when
/// it cannot be opened or is binary (a gzip or image under a table's name
/// would otherwise give a `malformed` record for every "line" of it).
fn open_table(
    path: &Path,
    file_id: &str,
    format: Format,
    size: u64,
) -> Result<BufReader<File>, IngestFailure> {
    let failure = |error: &std::io::Error| io_failure(file_id, Some(format), size, error);
    let mut reader = BufReader::new(File::open(path).map_err(|error| failure(&error))?);
    let head = reader.fill_buf().map_err(|error| failure(&error))?;
    if crate::text::looks_binary(head) {
        let message =
            "binary content (NUL bytes) where a table was expected; tables are read as UTF-8";
        return Err(IngestFailure::new(
            file_id,
            Some(format),
            size,
            kind::UNSUPPORTED_FORMAT,
            message,
        ));
    }
    Ok(reader)
}

/// A CSV file positioned after its header, with its columns chosen. Rows
/// that a stray quote swallowed are read again from the file, as the rows a
/// reader sees, each becoming a `csv_malformed` record: a merged note is
/// never decided, and no row goes without its record.
struct CsvRows {
    path: PathBuf,
    reader: CsvReader<BufReader<File>>,
    /// Swallowed spans still being read again, innermost last.
    spans: Vec<SwallowedSpan>,
    /// A failure to yield before anything else (a span that could not be read again).
    pending: Option<IngestFailure>,
    file_id: String,
    header_len: usize,
    text_index: usize,
    id_index: Option<usize>,
    patient_index: Option<usize>,
    date_index: Option<usize>,
    max_doc_bytes: u64,
    row_number: u64,
    done: bool,
}

/// A swallowed span of the file being read again as rows.
struct SwallowedSpan {
    reader: CsvReader<BufReader<std::io::Take<File>>>,
    /// Where the span starts in the file, and its length.
    start: u64,
    length: u64,
    origin: StrayQuote,
}

/// The row whose quote swallowed the rows after it, for their messages.
#[derive(Clone, Copy)]
struct StrayQuote {
    row: u64,
    line: u64,
    never_closes: bool,
}

impl StrayQuote {
    fn how(&self) -> &'static str {
        if self.never_closes {
            "never closes"
        } else {
            "closes only inside a later row"
        }
    }
}

/// A file's rows, or one `empty` failure for the whole file when it has none
/// (a CSV with only its header, a JSON Lines file of blank lines): a file
/// given as input is never dropped without a record.
struct NotEmpty<I> {
    rows: I,
    yielded: bool,
    file: Option<IngestFailure>,
}

impl<I> NotEmpty<I> {
    fn new(rows: I, file_id: String, format: Format, size: u64, why: &str) -> NotEmpty<I> {
        let file =
            IngestFailure::new(file_id, Some(format), size, kind::EMPTY, format!("the file {why}"));
        NotEmpty { rows, yielded: false, file: Some(file) }
    }
}

impl<I: Iterator<Item = Unit>> Iterator for NotEmpty<I> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        match self.rows.next() {
            Some(row) => {
                self.yielded = true;
                Some(row)
            }
            None if self.yielded => None,
            None => self.file.take().map(|failure| Unit::Ready(Err(failure))),
        }
    }
}

impl CsvRows {
    fn open(
        path: &Path,
        file_id: String,
        size: u64,
        options: &IngestOptions,
    ) -> Result<CsvRows, IngestFailure> {
        let file = open_table(path, &file_id, Format::Csv, size)?;
        let limit = row_limit(options.max_doc_bytes);
        let mut reader = CsvReader::new(file, limit, 1);
        let fail = |kind: &str, message: String| {
            IngestFailure::new(file_id.clone(), Some(Format::Csv), size, kind, message)
        };
        let header = reader.next_record().map_err(|error| {
            fail(kind::IO, format!("cannot read the header line: cannot read: {}", error.kind()))
        })?;
        let header = header.unwrap_or_default();
        if let Some(swallowed) = header.swallowed {
            let message = format!(
                "the header line cannot be parsed: the quote opened on line {} never closes",
                swallowed.opened_line
            );
            return Err(fail(kind::CSV_MALFORMED, message));
        }
        if header.truncated {
            let message = format!("the header line is longer than the {limit}-byte limit");
            return Err(fail(kind::CSV_MALFORMED, message));
        }
        let names: Vec<Cow<str>> =
            header.fields.iter().map(|f| String::from_utf8_lossy(f)).collect();
        let names = || names.iter().map(|name| name.as_ref());
        let text_index = choose(names(), options.text_column.as_deref(), TEXT_CANDIDATES)
            .ok_or_else(|| {
                fail(
                    kind::MISSING_COLUMN,
                    missing_column_message("text", options.text_column.as_deref()),
                )
            })?;
        let id_index = choose(names(), options.id_column.as_deref(), ID_CANDIDATES);
        if id_index.is_none() {
            if let Some(wanted) = &options.id_column {
                return Err(fail(kind::MISSING_COLUMN, format!("no id column named {wanted:?}")));
            }
        }
        let optional = |requested: &Option<String>, candidates, what| {
            let index = choose(names(), requested.as_deref(), candidates);
            match (index, requested) {
                (None, Some(wanted)) => {
                    Err(fail(kind::MISSING_COLUMN, format!("no {what} column named {wanted:?}")))
                }
                _ => Ok(index),
            }
        };
        let patient_index = optional(&options.patient_column, PATIENT_CANDIDATES, "patient")?;
        let date_index = optional(&options.date_column, DATE_CANDIDATES, "date")?;
        Ok(CsvRows {
            path: path.to_path_buf(),
            reader,
            spans: Vec::new(),
            pending: None,
            file_id,
            header_len: header.field_count,
            text_index,
            id_index,
            patient_index,
            date_index,
            max_doc_bytes: options.max_doc_bytes,
            row_number: 0,
            done: false,
        })
    }

    /// The id of a row: its id cell when the row has the header's shape.
    fn id_of(&self, record: &RawRecord) -> String {
        let cell = self
            .id_index
            .filter(|_| record.fields.len() == self.header_len)
            .and_then(|index| record.fields.get(index))
            .map(|cell| String::from_utf8_lossy(cell));
        row_id(&self.file_id, cell.as_deref(), self.row_number)
    }

    fn failure(&self, record: &RawRecord, kind: &str, message: String) -> IngestFailure {
        IngestFailure::new(self.id_of(record), Some(Format::Csv), record.bytes, kind, message)
    }

    /// The document (or failure) of the row just read from the file.
    fn row(&mut self, mut record: RawRecord) -> Result<Document, IngestFailure> {
        let row = self.row_number;
        if let Some(swallowed) = record.swallowed {
            // The row is its first line; the swallowed lines are records of their own.
            record.bytes = swallowed.span_start - record.start;
            let origin = StrayQuote {
                row,
                line: swallowed.opened_line,
                never_closes: swallowed.at_end_of_input,
            };
            self.read_again(swallowed, 0, origin);
            let message = format!(
                "row {row} cannot be parsed: the quote opened on line {} {}, so the rows after it \
                 were read as its text",
                origin.line,
                origin.how()
            );
            return Err(self.failure(&record, kind::CSV_MALFORMED, message));
        }
        if record.truncated {
            let id = self.id_of(&record);
            let limit = row_limit(self.max_doc_bytes) as u64;
            return Err(too_large(
                id,
                Some(Format::Csv),
                record.bytes,
                limit,
                &format!("row {row}"),
            ));
        }
        if record.field_count != self.header_len {
            let message = format!(
                "row {row} cannot be parsed: it has {} fields where the header has {}",
                record.field_count, self.header_len
            );
            return Err(self.failure(&record, kind::MALFORMED, message));
        }
        self.row_document(&record)
    }

    /// Queues the rows of a swallowed span (offsets from `base` in the file)
    /// to be read again.
    fn read_again(&mut self, swallowed: Swallowed, base: u64, origin: StrayQuote) {
        let start = base + swallowed.span_start;
        let length = swallowed.span_end - swallowed.span_start;
        let opened = File::open(&self.path).and_then(|mut file| {
            file.seek(SeekFrom::Start(start))?;
            Ok(BufReader::new(file.take(length)))
        });
        match opened {
            Ok(input) => {
                let limit = row_limit(self.max_doc_bytes);
                let reader = CsvReader::new(input, limit, swallowed.opened_line + 1);
                self.spans.push(SwallowedSpan { reader, start, length, origin });
            }
            Err(error) => {
                let id = row_id(&self.file_id, None, self.row_number + 1);
                self.pending = Some(io_failure(&id, Some(Format::Csv), length, &error));
            }
        }
    }

    /// The next row of the innermost swallowed span, if any is left.
    fn next_swallowed(&mut self) -> Option<Result<Document, IngestFailure>> {
        while let Some(span) = self.spans.last_mut() {
            let (start, length, origin) = (span.start, span.length, span.origin);
            match span.reader.next_record() {
                Ok(Some(mut record)) => {
                    self.row_number += 1;
                    if let Some(inner) = record.swallowed {
                        record.bytes = inner.span_start - record.start;
                        // A span ending where this one ends replaces it, so a
                        // file of stray quotes never piles up open files.
                        if inner.span_end == length {
                            self.spans.pop();
                        }
                        self.read_again(inner, start, origin);
                    }
                    let message = format!(
                        "row {} lies inside the quote opened at row {} (line {}), which {}",
                        self.row_number,
                        origin.row,
                        origin.line,
                        origin.how()
                    );
                    return Some(Err(self.failure(&record, kind::CSV_MALFORMED, message)));
                }
                Ok(None) => {
                    self.spans.pop();
                }
                Err(error) => {
                    self.spans.pop();
                    self.row_number += 1;
                    let id = row_id(&self.file_id, None, self.row_number);
                    return Some(Err(io_failure(&id, Some(Format::Csv), 0, &error)));
                }
            }
        }
        None
    }

    fn row_document(&self, record: &RawRecord) -> Result<Document, IngestFailure> {
        let id = self.id_of(record);
        let bytes = record.bytes;
        let Some(cell) = record.fields.get(self.text_index) else {
            let message = format!("row {} has no text field", self.row_number);
            return Err(IngestFailure::new(id, Some(Format::Csv), bytes, kind::MALFORMED, message));
        };
        let what = format!("the text field of row {}", self.row_number);
        if cell.len() as u64 > self.max_doc_bytes {
            return Err(too_large(id, Some(Format::Csv), bytes, self.max_doc_bytes, &what));
        }
        let text = String::from_utf8_lossy(cell);
        let lossy_utf8 = matches!(text, Cow::Owned(_));
        let mut document = document(id, text.into_owned(), Format::Csv, bytes, lossy_utf8, &what)?;
        let cell = |index: Option<usize>| {
            index
                .and_then(|index| record.fields.get(index))
                .map(|cell| String::from_utf8_lossy(cell))
        };
        document.provenance.patient = cell_value(cell(self.patient_index).as_deref());
        document.provenance.date = note_date(cell(self.date_index).as_deref());
        Ok(document)
    }
}

impl Iterator for CsvRows {
    type Item = Result<Document, IngestFailure>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(failure) = self.pending.take() {
            return Some(Err(failure));
        }
        if let Some(row) = self.next_swallowed() {
            return Some(row);
        }
        if self.done {
            return None;
        }
        match self.reader.next_record() {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(record)) => {
                self.row_number += 1;
                Some(self.row(record))
            }
            Err(error) => {
                // An I/O error leaves the reader where it was: stop rather than loop.
                self.done = true;
                self.row_number += 1;
                let id = row_id(&self.file_id, None, self.row_number);
                let message = format!(
                    "row {} cannot be parsed: cannot read: {}",
                    self.row_number,
                    error.kind()
                );
                Some(Err(IngestFailure::new(id, Some(Format::Csv), 0, kind::IO, message)))
            }
        }
    }
}

/// The most of one CSV row kept in memory: room for the text at its
/// largest (`--max-doc-bytes`) and the other cells; a longer row is parsed
/// to its end but not kept, and is `too_large` (or `csv_malformed`).
fn row_limit(max_doc_bytes: u64) -> usize {
    usize::try_from(max_doc_bytes.saturating_mul(TABLE_ROW_FACTOR)).unwrap_or(usize::MAX)
}

/// A JSON Lines reader: splits lines; fields are chosen per line, since
/// objects may differ, where each line is parsed.
struct JsonlLines {
    reader: BufReader<File>,
    file: Arc<JsonlFile>,
    line_number: u64,
    done: bool,
}

/// The UTF-8 byte-order mark some editors put at the start of a file.
pub(crate) const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// How many times `--max-doc-bytes` a JSON Lines line or a CSV row may take
/// before it is `too_large` unkept: room for the other fields and for escapes
/// (`\u00e9` is six bytes for two of text).
const TABLE_ROW_FACTOR: u64 = 4;

impl Iterator for JsonlLines {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let limit = self.file.max_doc_bytes.saturating_mul(TABLE_ROW_FACTOR);
        while !self.done {
            let mut line = Vec::new();
            match read_line_capped(&mut self.reader, limit, &mut line) {
                Ok((0, _)) => self.done = true,
                Ok((length, cut)) => {
                    self.line_number += 1;
                    if cut {
                        let id = row_id(&self.file.file_id, None, self.line_number);
                        let what = format!("line {}", self.line_number);
                        let failure = too_large(id, Some(Format::Jsonl), length, limit, &what);
                        return Some(Unit::Ready(Err(failure)));
                    }
                    // A byte-order mark (Windows editors) is not part of the JSON.
                    if self.line_number == 1 && line.starts_with(UTF8_BOM) {
                        line.drain(..UTF8_BOM.len());
                    }
                    if !line.iter().all(u8::is_ascii_whitespace) {
                        let line = JsonlLine::new(self.file.clone(), self.line_number, line);
                        return Some(Unit::Line(line));
                    }
                }
                Err(error) => {
                    self.done = true;
                    self.line_number += 1;
                    let id = row_id(&self.file.file_id, None, self.line_number);
                    return Some(Unit::Ready(Err(io_failure(&id, Some(Format::Jsonl), 0, &error))));
                }
            }
        }
        None
    }
}

/// Reads one line (with its newline) into `line`, keeping at most `limit`
/// bytes and skipping the rest of a longer one, so a runaway line costs no
/// memory. Returns the line's whole length and whether it was cut.
pub(crate) fn read_line_capped(
    reader: &mut impl BufRead,
    limit: u64,
    line: &mut Vec<u8>,
) -> std::io::Result<(u64, bool)> {
    let mut length = 0u64;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            return Ok((length, length > limit));
        }
        let (chunk, ended) = match memchr::memchr(b'\n', buffer) {
            Some(end) => (&buffer[..=end], true),
            None => (buffer, false),
        };
        let taken = chunk.len();
        if length + taken as u64 <= limit {
            line.extend_from_slice(chunk);
        } else {
            line.clear();
        }
        length += taken as u64;
        reader.consume(taken);
        if ended {
            return Ok((length, length > limit));
        }
    }
}

pub(crate) fn missing_column_message(what: &str, requested: Option<&str>) -> String {
    match requested {
        Some(name) => format!("no {what} column named {name:?}"),
        None => {
            let names = if what == "text" { TEXT_CANDIDATES } else { ID_CANDIDATES };
            format!(
                "no {what} column (looked for {}; name one with --{what}-column)",
                names.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rows(
        name: &str,
        content: &[u8],
        options: &IngestOptions,
    ) -> Vec<Result<Document, IngestFailure>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        File::create(&path).unwrap().write_all(content).unwrap();
        let size = content.len() as u64;
        let rows = if name.ends_with(".csv") {
            csv_rows(&path, name.to_string(), size, options)
        } else {
            jsonl_rows(&path, name.to_string(), size, options)
        };
        rows.map(|unit| unit.load(options)).collect()
    }

    fn ids(rows: &[Result<Document, IngestFailure>]) -> Vec<String> {
        rows.iter()
            .map(|row| row.as_ref().map_or_else(|f| f.id.clone(), |d| d.id.clone()))
            .collect()
    }

    #[test]
    fn csv_multiline_quoted_fields_are_one_row() {
        let csv = b"ROW_ID,CATEGORY,TEXT\n11,Nursing,\"line one\nline \"\"two\"\"\"\n12,Physician,\"x\r\ny\"\n";
        let rows = rows("notes.csv", csv, &IngestOptions::default());
        assert_eq!(ids(&rows), ["notes.csv#11", "notes.csv#12"]);
        assert_eq!(rows[0].as_ref().unwrap().text, "line one\nline \"two\"");
        assert_eq!(rows[1].as_ref().unwrap().format, Format::Csv);
    }

    #[test]
    fn csv_empty_and_malformed_rows_become_failures_in_place() {
        let csv = b"id,text\n1,fine\n2,\n3,a,b\n4,\"also fine\"\n";
        let rows = rows("n.csv", csv, &IngestOptions::default());
        assert_eq!(ids(&rows), ["n.csv#1", "n.csv#2", "n.csv#3", "n.csv#4"]);
        assert_eq!(rows[1].as_ref().unwrap_err().kind, kind::EMPTY);
        let ragged = rows[2].as_ref().unwrap_err();
        assert_eq!(ragged.kind, kind::MALFORMED);
        assert_eq!(
            ragged.message,
            "row 3 cannot be parsed: it has 3 fields where the header has 2"
        );
        assert!(rows[3].is_ok());
    }

    /// Ten rows, the second opening a quote it never closes.
    fn ten_rows_one_stray_quote() -> String {
        let mut csv = String::from("id,text\n");
        for n in 1..=10 {
            let quote = if n == 2 { "\"" } else { "" };
            csv.push_str(&format!("{n},{quote}Note {n}: atopic dermatitis with BSA {n}0%.\n"));
        }
        csv
    }

    #[test]
    fn csv_unclosed_quote_gives_every_swallowed_row_its_error_record() {
        let rows = rows("n.csv", ten_rows_one_stray_quote().as_bytes(), &IngestOptions::default());
        let expected: Vec<String> = (1..=10).map(|n| format!("n.csv#{n}")).collect();
        assert_eq!(ids(&rows), expected, "ten rows, ten records");
        assert!(rows[0].is_ok());
        let failures: Vec<&IngestFailure> =
            rows[1..].iter().map(|r| r.as_ref().unwrap_err()).collect();
        assert!(failures.iter().all(|f| f.kind == kind::CSV_MALFORMED));
        assert_eq!(
            failures[0].message,
            "row 2 cannot be parsed: the quote opened on line 3 never closes, so the rows after it \
             were read as its text"
        );
        assert_eq!(
            failures[1].message,
            "row 3 lies inside the quote opened at row 2 (line 3), which never closes"
        );
        assert!(failures.iter().all(|f| !f.message.contains("Note")), "no note text");
        let bytes: u64 =
            rows.iter().map(|r| r.as_ref().map_or_else(|f| f.source.bytes, |d| d.bytes)).sum();
        assert_eq!(bytes, ten_rows_one_stray_quote().len() as u64 - "id,text\n".len() as u64);
    }

    #[test]
    fn csv_quote_closed_inside_a_later_row_is_malformed_and_reading_goes_on() {
        let csv = b"id,text\n1,\"one\"\n2,\"two\nmore\n3,\"three\n4,\"four\"\n";
        let rows = rows("n.csv", csv, &IngestOptions::default());
        // Row 3 ("more") has no id cell; row 4 is "3,..." cut at the span's end.
        assert_eq!(ids(&rows), ["n.csv#1", "n.csv#2", "n.csv#3", "n.csv#3", "n.csv#4"]);
        let kinds: Vec<&str> =
            rows.iter().map(|r| r.as_ref().map_or_else(|f| f.kind.as_str(), |_| "ok")).collect();
        assert_eq!(
            kinds,
            ["ok", kind::CSV_MALFORMED, kind::CSV_MALFORMED, kind::CSV_MALFORMED, "ok"]
        );
        assert_eq!(rows[4].as_ref().unwrap().text, "four");
    }

    #[test]
    fn csv_runaway_row_costs_no_memory_beyond_the_row_limit() {
        // A quote opened on row 1 of a file far larger than the row limit.
        let options = IngestOptions { max_doc_bytes: 64, ..IngestOptions::default() };
        let mut csv = String::from("id,text\n1,\"stray\n");
        for n in 2..=2000 {
            csv.push_str(&format!("{n},note {n}\n"));
        }
        let rows = rows("n.csv", csv.as_bytes(), &options);
        assert_eq!(rows.len(), 2000);
        assert!(rows.iter().all(|r| r.as_ref().unwrap_err().kind == kind::CSV_MALFORMED));
        assert_eq!(ids(&rows)[1999], "n.csv#2000");
    }

    #[test]
    fn csv_closed_row_past_the_row_limit_is_too_large() {
        let options = IngestOptions { max_doc_bytes: 8, ..IngestOptions::default() };
        let csv = format!("id,text\n1,\"{}\"\n2,fine\n", "word\n".repeat(20));
        let rows = rows("n.csv", csv.as_bytes(), &options);
        assert_eq!(ids(&rows), ["n.csv#1", "n.csv#2"]);
        assert_eq!(rows[0].as_ref().unwrap_err().kind, kind::TOO_LARGE);
        assert_eq!(rows[1].as_ref().unwrap().text, "fine");
    }

    #[test]
    fn csv_header_byte_order_mark_is_not_part_of_a_name() {
        let rows = rows("n.csv", b"\xef\xbb\xbfnote_id,text\n8,x\n", &IngestOptions::default());
        assert_eq!(ids(&rows), ["n.csv#8"]);
    }

    #[test]
    fn csv_without_id_column_numbers_rows() {
        let rows = rows("n.csv", b"note,author\n\"a\",x\n\"b\",y\n", &IngestOptions::default());
        assert_eq!(ids(&rows), ["n.csv#1", "n.csv#2"]);
    }

    #[test]
    fn csv_requested_columns_are_used() {
        let options = IngestOptions {
            text_column: Some("body".into()),
            id_column: Some("mrn_note".into()),
            ..IngestOptions::default()
        };
        let rows = rows("n.csv", b"text,body,mrn_note\nwrong,right,77\n", &options);
        assert_eq!(ids(&rows), ["n.csv#77"]);
        assert_eq!(rows[0].as_ref().unwrap().text, "right");
    }

    #[test]
    fn csv_patient_and_date_columns_fill_the_provenance() {
        let csv = b"note_id,SUBJECT_ID,CHARTDATE,TEXT\n1, p7 ,3/5/2024,a\n2,,2024-04-01,b\n";
        let found = rows("n.csv", csv, &IngestOptions::default());
        let first = &found[0].as_ref().unwrap().provenance;
        assert_eq!(first.patient.as_deref(), Some("p7"));
        assert_eq!(first.date.as_deref(), Some("2024-03-05"));
        let second = &found[1].as_ref().unwrap().provenance;
        assert_eq!((second.patient.as_deref(), second.date.as_deref()), (None, Some("2024-04-01")));
        let named =
            IngestOptions { patient_column: Some("who".into()), ..IngestOptions::default() };
        let missing = rows("n.csv", csv, &named);
        assert_eq!(missing[0].as_ref().unwrap_err().kind, kind::MISSING_COLUMN);
    }

    #[test]
    fn jsonl_patient_and_date_fields_fill_the_provenance() {
        let jsonl = b"{\"id\": 1, \"MRN\": 42, \"note_date\": \"2024-03-05\", \"text\": \"a\"}\n{\"id\": 2, \"text\": \"b\"}\n";
        let rows = rows("n.jsonl", jsonl, &IngestOptions::default());
        let first = &rows[0].as_ref().unwrap().provenance;
        assert_eq!(
            (first.patient.as_deref(), first.date.as_deref()),
            (Some("42"), Some("2024-03-05"))
        );
        assert_eq!(rows[1].as_ref().unwrap().provenance.patient, None);
    }

    #[test]
    fn csv_without_text_column_is_one_failure() {
        let rows = rows("n.csv", b"a,b\n1,2\n3,4\n", &IngestOptions::default());
        assert_eq!(ids(&rows), ["n.csv"]);
        assert_eq!(rows[0].as_ref().unwrap_err().kind, kind::MISSING_COLUMN);
    }

    #[test]
    fn csv_invalid_utf8_cell_is_flagged() {
        let rows = rows("n.csv", b"id,text\n1,caf\xe9\n", &IngestOptions::default());
        let document = rows[0].as_ref().unwrap();
        assert!(document.lossy_utf8);
        assert_eq!(document.text, "caf\u{fffd}");
    }

    #[test]
    fn jsonl_lines_choose_fields_per_line_and_fail_in_place() {
        let jsonl = b"{\"note_id\": 5, \"text\": \"a\"}\n\n{\"TEXT\": \"b\"}\nnot json \"secret\"\n{\"id\": \"x\", \"text\": \"\"}\n{\"id\": \"y\", \"text\": 3}\n";
        let rows = rows("n.jsonl", jsonl, &IngestOptions::default());
        assert_eq!(ids(&rows), ["n.jsonl#5", "n.jsonl#3", "n.jsonl#4", "n.jsonl#x", "n.jsonl#y"]);
        assert_eq!(rows[1].as_ref().unwrap().text, "b");
        let bad = rows[2].as_ref().unwrap_err();
        assert_eq!(bad.kind, kind::MALFORMED);
        assert!(!bad.message.contains("secret"));
        assert_eq!(rows[3].as_ref().unwrap_err().kind, kind::EMPTY);
        assert_eq!(rows[4].as_ref().unwrap_err().kind, kind::MALFORMED);
    }

    #[test]
    fn jsonl_byte_order_mark_is_not_part_of_the_first_object() {
        let rows = rows(
            "n.jsonl",
            b"\xef\xbb\xbf{\"id\": 1, \"text\": \"a\"}\n",
            &IngestOptions::default(),
        );
        assert_eq!(ids(&rows), ["n.jsonl#1"]);
        assert_eq!(rows[0].as_ref().unwrap().text, "a");
    }

    #[test]
    fn jsonl_lines_past_the_cap_are_skipped_unread() {
        let options = IngestOptions { max_doc_bytes: 4, ..IngestOptions::default() };
        let long = format!("{{\"text\": \"{}\"}}\n", "x".repeat(100));
        let jsonl = format!("{long}{{\"text\": \"ok\"}}\n{long}");
        let rows = rows("n.jsonl", jsonl.as_bytes(), &options);
        assert_eq!(ids(&rows), ["n.jsonl#1", "n.jsonl#2", "n.jsonl#3"]);
        assert_eq!(rows[0].as_ref().unwrap_err().kind, kind::TOO_LARGE);
        assert_eq!(rows[0].as_ref().unwrap_err().source.bytes, long.len() as u64);
        assert_eq!(rows[1].as_ref().unwrap().text, "ok");
        assert_eq!(rows[2].as_ref().unwrap_err().kind, kind::TOO_LARGE);
    }

    #[test]
    fn jsonl_lines_of_other_json_types_name_the_type_only() {
        let jsonl = b"[{\"text\": \"eczema\"}]\n42\n\"eczema\"\nnull\n";
        let messages: Vec<String> = rows("n.jsonl", jsonl, &IngestOptions::default())
            .into_iter()
            .map(|row| row.unwrap_err().message)
            .collect();
        assert_eq!(
            messages,
            [
                "line 1 is an array (JSON Lines holds one object per line), not a JSON object",
                "line 2 is a number, not a JSON object",
                "line 3 is a string, not a JSON object",
                "line 4 is null, not a JSON object",
            ]
        );
    }

    #[test]
    fn binary_tables_are_one_failure_not_one_per_line() {
        let binary: Vec<u8> = (0..4000u32).map(|n| (n * 7 % 251) as u8).collect();
        for name in ["archive.jsonl", "archive.csv"] {
            let rows = rows(name, &binary, &IngestOptions::default());
            assert_eq!(ids(&rows), [name]);
            assert_eq!(rows[0].as_ref().unwrap_err().kind, kind::UNSUPPORTED_FORMAT);
        }
    }

    #[test]
    fn jsonl_string_in_place_of_object_does_not_leak() {
        let rows = rows("n.jsonl", b"\"patient has eczema\"\n", &IngestOptions::default());
        let failure = rows[0].as_ref().unwrap_err();
        assert!(!failure.message.contains("eczema"), "{}", failure.message);
    }
}
