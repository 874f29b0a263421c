//! CSV records read with bounded memory, each with the health of its quotes.
//!
//! `csv_core` parses (the same parser the `csv` crate drives) and never fails:
//! a quote that never closes simply runs to the end of the file, merging
//! every later row into one field, and a record is kept whole however big.
//! So this reader drives `csv_core` itself, keeps at most `limit` bytes of a
//! record (the rest is parsed and dropped), and watches the raw bytes of each
//! quoted field for the two signs that a quote swallowed rows: it is still
//! open at the end of the input, or it "closes" on a quote that text follows
//! (`"...\n3,"note`), which a well-formed file never has, after taking in
//! whole lines. `csv_core` keeps its state private, hence the small mirror of
//! its quoted-field states in [`FieldScan`].

use std::io::{self, BufRead};

const QUOTE: u8 = b'"';
const DELIMITER: u8 = b',';

/// One CSV record as read, with where it lies in the input.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    /// The unescaped fields, empty when the record passed the limit.
    pub fields: Vec<Vec<u8>>,
    /// How many fields the record has, kept or not.
    pub field_count: usize,
    /// Offset of the record in this reader's input.
    pub start: u64,
    /// Input bytes the record took, blank lines before it and its line end included.
    pub bytes: u64,
    /// True when the record was larger than the limit and its fields were dropped.
    pub truncated: bool,
    /// Set when a quoted field of the record took in lines that are not its own.
    pub swallowed: Option<Swallowed>,
}

/// A quoted field that took in whole lines of the input: the quote that
/// opened it was stray (or its closing quote lost), so the lines after the
/// one it opened on belong to other rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Swallowed {
    /// 1-based line of the input where the quote opened.
    pub opened_line: u64,
    /// Offset, from the start of this reader's input, of the line after it.
    pub span_start: u64,
    /// Offset where the swallowed span ends (the end of the record).
    pub span_end: u64,
    /// True when the quote was still open at the end of the input.
    pub at_end_of_input: bool,
}

/// Reads [`RawRecord`]s from `input`.
pub(crate) struct CsvReader<R> {
    input: R,
    core: csv_core::Reader,
    scratch: Vec<u8>,
    /// Bytes of the input consumed so far.
    offset: u64,
    /// 1-based line number of the next byte; `first_line` of the input.
    line: u64,
    limit: usize,
    at_end: bool,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader keeping at most `limit` bytes of any record; `first_line` is
    /// the line number of the input's first byte in the file.
    pub(crate) fn new(input: R, limit: usize, first_line: u64) -> CsvReader<R> {
        CsvReader {
            input,
            core: csv_core::Reader::new(),
            scratch: vec![0; 64 * 1024],
            offset: 0,
            line: first_line,
            limit,
            at_end: false,
        }
    }

    /// The next record, `None` at the end of the input.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        let start = self.offset;
        let mut record = RawRecord { start, ..RawRecord::default() };
        let mut field = Vec::new();
        let mut scan = FieldScan::new(true);
        let mut kept = 0usize;
        loop {
            let input = if self.at_end { &[][..] } else { fill(&mut self.input)? };
            if input.is_empty() {
                self.at_end = true;
            }
            let (result, nin, nout) = self.core.read_field(input, &mut self.scratch);
            scan.feed(&input[..nin], self.offset, &mut self.line);
            self.offset += nin as u64;
            self.input.consume(nin);
            kept += nout;
            if kept <= self.limit {
                field.extend_from_slice(&self.scratch[..nout]);
            } else {
                record.truncated = true;
            }
            match result {
                csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
                csv_core::ReadFieldResult::Field { record_end } => {
                    record.field_count += 1;
                    record.fields.push(std::mem::take(&mut field));
                    let swallowed = scan.swallowed(self.offset, self.at_end);
                    record.swallowed = record.swallowed.or(swallowed);
                    scan = FieldScan::new(false);
                    if record_end {
                        break;
                    }
                }
                csv_core::ReadFieldResult::End => return Ok(None),
            }
        }
        if record.truncated {
            record.fields.clear();
        }
        record.bytes = self.offset - start;
        Ok(Some(record))
    }
}

/// The reader's buffer, refilled when empty, retrying interrupted reads.
fn fill(input: &mut impl BufRead) -> io::Result<&[u8]> {
    loop {
        match input.fill_buf() {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            // A second call returns the same buffer: the borrow checker
            // cannot see that the first one ended on every path.
            Ok(_) => return input.fill_buf(),
            Err(error) => return Err(error),
        }
    }
}

/// Where a field stands in the quoting grammar (RFC 4180, as `csv_core`
/// reads it), from its raw bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuoteState {
    /// Nothing of the field read yet (blank lines before a record are skipped).
    Lead,
    /// Inside quotes.
    Quoted,
    /// A quote inside quotes: it closes the field, or a second one follows (`""`).
    MaybeClosed,
    /// The field did not start with a quote, or its quote closed cleanly.
    Plain,
    /// A closing quote that text followed: `csv_core` reads on leniently.
    ClosedThenText,
}

/// Follows one field's raw bytes to tell whether its quote took in lines.
struct FieldScan {
    state: QuoteState,
    first_of_record: bool,
    opened_line: u64,
    /// Offset just after the first line end inside the quotes.
    span_start: Option<u64>,
    /// Whether anything but white space came after that line end.
    took_text: bool,
}

impl FieldScan {
    fn new(first_of_record: bool) -> FieldScan {
        FieldScan {
            state: QuoteState::Lead,
            first_of_record,
            opened_line: 0,
            span_start: None,
            took_text: false,
        }
    }

    /// Reads `raw`, which starts at `offset` of the input; counts its lines.
    fn feed(&mut self, raw: &[u8], offset: u64, line: &mut u64) {
        for (at, &byte) in raw.iter().enumerate() {
            self.step(byte, offset + at as u64, *line);
            if byte == b'\n' {
                *line += 1;
            }
        }
    }

    fn step(&mut self, byte: u8, at: u64, line: u64) {
        use QuoteState::*;
        self.state = match (self.state, byte) {
            (Lead, b'\r' | b'\n') if self.first_of_record => Lead,
            (Lead, QUOTE) => {
                self.opened_line = line;
                Quoted
            }
            (Lead, _) => Plain,
            (Quoted, QUOTE) => MaybeClosed,
            (Quoted, b'\n') => {
                self.span_start.get_or_insert(at + 1);
                Quoted
            }
            (Quoted, other) => {
                self.took_text |= self.span_start.is_some() && !other.is_ascii_whitespace();
                Quoted
            }
            (MaybeClosed, QUOTE) => Quoted,
            (MaybeClosed, DELIMITER | b'\r' | b'\n') => Plain,
            (MaybeClosed, _) => ClosedThenText,
            (state @ (Plain | ClosedThenText), _) => state,
        };
    }

    /// The lines this field swallowed, now that it ended at `end`.
    fn swallowed(&self, end: u64, at_end_of_input: bool) -> Option<Swallowed> {
        let open_at_end = self.state == QuoteState::Quoted;
        if !(open_at_end || self.state == QuoteState::ClosedThenText) || !self.took_text {
            return None;
        }
        Some(Swallowed {
            opened_line: self.opened_line,
            span_start: self.span_start?,
            span_end: end,
            at_end_of_input: open_at_end && at_end_of_input,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8], limit: usize) -> Vec<RawRecord> {
        let mut reader = CsvReader::new(input, limit, 1);
        std::iter::from_fn(|| reader.next_record().unwrap()).collect()
    }

    fn texts(record: &RawRecord) -> Vec<&str> {
        record.fields.iter().map(|f| std::str::from_utf8(f).unwrap()).collect()
    }

    #[test]
    fn well_formed_records_parse_as_csv_does() {
        let input = b"id,text\n1,\"a \"\"b\"\"\nc\"\r\n\n2,plain\n";
        let all = records(input, 1 << 20);
        assert_eq!(all.len(), 3);
        assert_eq!(texts(&all[1]), ["1", "a \"b\"\nc"]);
        assert_eq!(texts(&all[2]), ["2", "plain"]);
        assert!(all.iter().all(|r| r.swallowed.is_none() && !r.truncated));
        assert_eq!(all.iter().map(|r| r.bytes).sum::<u64>(), input.len() as u64);
    }

    #[test]
    fn a_quote_open_at_the_end_swallowed_the_lines_after_it() {
        let input = b"id,text\n1,one\n2,\"two\n3,three\n4,four\n";
        let all = records(input, 1 << 20);
        assert_eq!(all.len(), 3);
        let swallowed = all[2].swallowed.expect("the quote of row 2 never closes");
        assert_eq!(swallowed.opened_line, 3);
        assert!(swallowed.at_end_of_input);
        assert_eq!(&input[swallowed.span_start as usize..], b"3,three\n4,four\n");
        assert_eq!(swallowed.span_end, input.len() as u64);
    }

    #[test]
    fn a_quote_closed_by_a_later_rows_opening_quote_swallowed_lines() {
        let input = b"id,text\n2,\"two\nmore\n3,\"three\nb\"\n4,\"four\"\n";
        let all = records(input, 1 << 20);
        let swallowed = all[1].swallowed.expect("row 2's quote closes on row 3's");
        assert!(!swallowed.at_end_of_input);
        let span = &input[swallowed.span_start as usize..swallowed.span_end as usize];
        assert_eq!(span, b"more\n3,\"three\n");
        assert!(all[3].swallowed.is_none());
    }

    #[test]
    fn an_open_quote_that_took_in_only_a_line_end_swallowed_nothing() {
        let all = records(b"id,text\n1,\"one\n", 1 << 20);
        assert_eq!(texts(&all[1]), ["1", "one\n"]);
        assert!(all[1].swallowed.is_none());
        let lenient = records(b"id,text\n1,\"one\" said\n", 1 << 20);
        assert!(lenient[1].swallowed.is_none(), "text after a quote on one line is read as before");
    }

    #[test]
    fn records_past_the_limit_are_parsed_but_not_kept() {
        let big = format!("id,text\n1,\"{}\"\n2,small\n", "x\n".repeat(1000));
        let all = records(big.as_bytes(), 100);
        assert!(all[1].truncated && all[1].fields.is_empty());
        assert_eq!(all[1].field_count, 2);
        assert_eq!(texts(&all[2]), ["2", "small"]);
    }
}
