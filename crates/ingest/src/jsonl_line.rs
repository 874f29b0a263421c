//! One JSON Lines line, read by the reader and parsed by a worker: the
//! reader only finds where a line ends (one `memchr` per line), so the JSON
//! parse runs in parallel, outside the reader's lock. Fields are parsed
//! borrowing from the line: keys and values without escapes are not copied,
//! and a text without escapes becomes the document's text in the line's own
//! buffer.

use crate::columns::{
    cell_value, choose, note_date, row_id, DATE_CANDIDATES, ID_CANDIDATES, PATIENT_CANDIDATES,
    TEXT_CANDIDATES,
};
use crate::table::missing_column_message;
use crate::text::{decode_utf8, document, too_large};
use crate::{kind, Document, IngestFailure};
use necessity_record::Format;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// What every line of one JSON Lines file shares.
pub(crate) struct JsonlFile {
    pub(crate) file_id: String,
    pub(crate) text_column: Option<String>,
    pub(crate) id_column: Option<String>,
    pub(crate) patient_column: Option<String>,
    pub(crate) date_column: Option<String>,
    pub(crate) max_doc_bytes: u64,
}

/// A line of a JSON Lines file, read but not yet parsed (not blank, without
/// its byte-order mark).
pub struct JsonlLine {
    file: Arc<JsonlFile>,
    /// 1-based line number in the file.
    number: u64,
    bytes: Vec<u8>,
    /// The document's id and patient, parsed when asked before the line is
    /// loaded (a shard or a resumed run chooses lines by id, the runner
    /// keeps a patient's notes together).
    keys: OnceLock<(String, Option<String>)>,
}

/// A line's fields, sorted by key, the last of a repeated key kept: the
/// order and the choice a `serde_json::Map` (a `BTreeMap`) gives.
type Fields<'a> = Vec<(Cow<'a, str>, Field<'a>)>;

/// The value of one field, as far as choosing and reading a note needs it.
enum Field<'a> {
    Str(Cow<'a, str>),
    Number(serde_json::Number),
    Null,
    /// A boolean, array or object.
    Other,
}

/// A whole line: an object, or the kind of the other JSON value it holds.
enum Line<'a> {
    Object(Fields<'a>),
    Not(&'static str),
}

impl JsonlLine {
    pub(crate) fn new(file: Arc<JsonlFile>, number: u64, bytes: Vec<u8>) -> JsonlLine {
        JsonlLine { file, number, bytes, keys: OnceLock::new() }
    }

    /// The document's id: `file#id` from the id field, else `file#line`.
    pub fn id(&self) -> &str {
        &self.keys().0
    }

    /// The patient the line names, if any.
    pub fn patient(&self) -> Option<&str> {
        self.keys().1.as_deref()
    }

    fn keys(&self) -> &(String, Option<String>) {
        self.keys.get_or_init(|| {
            let line = String::from_utf8_lossy(&self.bytes);
            match serde_json::from_str::<Line>(&line) {
                Ok(Line::Object(fields)) => {
                    (self.id_of(&fields).0, self.scalar(&fields, FileColumn::Patient))
                }
                _ => (self.line_id(), None),
            }
        })
    }

    /// The value of the patient or date field, as text, if the line has one.
    fn scalar(&self, fields: &Fields, column: FileColumn) -> Option<String> {
        let (requested, candidates) = match column {
            FileColumn::Patient => (&self.file.patient_column, PATIENT_CANDIDATES),
            FileColumn::Date => (&self.file.date_column, DATE_CANDIDATES),
        };
        let keys = fields.iter().map(|(key, _)| key.as_ref());
        let value = match &fields[choose(keys, requested.as_deref(), candidates)?].1 {
            Field::Str(value) => cell_value(Some(value)),
            Field::Number(value) => Some(value.to_string()),
            _ => None,
        };
        match column {
            FileColumn::Patient => value,
            FileColumn::Date => note_date(value.as_deref()),
        }
    }

    /// Parses the line into its document, or the failure that says why it
    /// has none (never quoting a value).
    pub fn load(mut self) -> Result<Document, IngestFailure> {
        let bytes = self.bytes.len() as u64;
        let (line, lossy_utf8) = decode_utf8(std::mem::take(&mut self.bytes));
        let fail = |id: String, kind: &str, message: String| {
            let mut failure = IngestFailure::new(id, Some(Format::Jsonl), bytes, kind, message);
            failure.source.lossy_utf8 = lossy_utf8;
            failure
        };
        let number = self.number;
        let mut fields = match serde_json::from_str::<Line>(&line) {
            Ok(Line::Object(fields)) => fields,
            // Valid JSON of another type: name the type, never the value.
            Ok(Line::Not(what)) => {
                let message = format!("line {number} is {what}, not a JSON object");
                return Err(fail(self.line_id(), kind::MALFORMED, message));
            }
            // serde_json messages can quote the input; report position and category only.
            Err(error) => {
                let message = format!(
                    "line {number} is not a JSON object ({:?} error at column {})",
                    error.classify(),
                    error.column()
                );
                return Err(fail(self.line_id(), kind::MALFORMED, message));
            }
        };
        let (id, id_key) = self.id_of(&fields);
        let file = &self.file;
        if id_key.is_none() {
            if let Some(wanted) = &file.id_column {
                let message = format!("line {number} has no id field named {wanted:?}");
                return Err(fail(id, kind::MALFORMED, message));
            }
        }
        let patient = self.scalar(&fields, FileColumn::Patient);
        let date = self.scalar(&fields, FileColumn::Date);
        let keys = || fields.iter().map(|(key, _)| key.as_ref());
        let text_key = choose(keys(), file.text_column.as_deref(), TEXT_CANDIDATES);
        let what = format!("the text field of line {number}");
        let text = match text_key.map(|at| std::mem::replace(&mut fields[at].1, Field::Null)) {
            Some(Field::Str(text)) if text.len() as u64 > file.max_doc_bytes => {
                return Err(too_large(id, Some(Format::Jsonl), bytes, file.max_doc_bytes, &what));
            }
            Some(Field::Str(Cow::Owned(text))) => Text::Unescaped(text),
            Some(Field::Str(Cow::Borrowed(text))) => Text::InLine(offset_in(&line, text)),
            Some(Field::Null) => return Err(fail(id, kind::EMPTY, format!("{what} is null"))),
            Some(_) => return Err(fail(id, kind::MALFORMED, format!("{what} is not a string"))),
            None => {
                let missing = missing_column_message("text", file.text_column.as_deref());
                return Err(fail(id, kind::MALFORMED, format!("line {number}: {missing}")));
            }
        };
        drop(fields);
        let text = match text {
            Text::Unescaped(text) => text,
            Text::InLine(range) => {
                // The text is the line's bytes as they are: keep them in the
                // line's own buffer instead of copying them out.
                let mut line = line;
                line.truncate(range.end);
                line.drain(..range.start);
                line
            }
        };
        let mut document = document(id, text, Format::Jsonl, bytes, lossy_utf8, &what)?;
        document.provenance.patient = patient;
        document.provenance.date = date;
        Ok(document)
    }

    /// The id and the position of the id field among `fields`, if any.
    fn id_of(&self, fields: &Fields) -> (String, Option<usize>) {
        let keys = fields.iter().map(|(key, _)| key.as_ref());
        let id_key = choose(keys, self.file.id_column.as_deref(), ID_CANDIDATES);
        let value = id_key.and_then(|at| match &fields[at].1 {
            Field::Str(value) => Some(Cow::Borrowed(value.as_ref())),
            Field::Number(value) => Some(Cow::Owned(value.to_string())),
            _ => None,
        });
        (row_id(&self.file.file_id, value.as_deref(), self.number), id_key)
    }

    /// The id of a line whose fields cannot be read: `file#line`.
    fn line_id(&self) -> String {
        row_id(&self.file.file_id, None, self.number)
    }
}

/// The fields of a line beside its text and id that a record's `source` reports.
#[derive(Clone, Copy)]
enum FileColumn {
    Patient,
    Date,
}

/// Where a document's text is once its line is parsed.
enum Text {
    /// Escapes were decoded into a text of its own.
    Unescaped(String),
    /// The text is these bytes of the line.
    InLine(std::ops::Range<usize>),
}

/// The byte range of `part`, a slice of `whole`, within it.
fn offset_in(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

impl<'de> Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Line<'de>, D::Error> {
        deserializer.deserialize_any(LineVisitor)
    }
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Line<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line<'de>, A::Error> {
        let mut fields: Fields = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            fields.push((key, map.next_value()?));
        }
        // Sorted by key (stable), then the last of each key kept.
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.reverse();
        fields.dedup_by(|later, kept| later.0 == kept.0);
        fields.reverse();
        Ok(Line::Object(fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Line<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Line::Not("an array (JSON Lines holds one object per line)"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Line<'de>, E> {
        Ok(Line::Not("a string"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Line<'de>, E> {
        Ok(Line::Not("a number"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Line<'de>, E> {
        Ok(Line::Not("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Line<'de>, E> {
        Ok(Line::Not("a number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Line<'de>, E> {
        Ok(Line::Not("a boolean"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Line<'de>, E> {
        Ok(Line::Not("null"))
    }
}

/// A key, borrowed from the line when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(StrVisitor).map(Key)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(value))
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field<'de>, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value.to_string())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Field<'de>, E> {
        Ok(Field::Number(value.into()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Field<'de>, E> {
        Ok(Field::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Field<'de>, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Field::Null, Field::Number))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(bytes: &[u8]) -> JsonlLine {
        let file = JsonlFile {
            file_id: "n.jsonl".into(),
            text_column: None,
            id_column: None,
            patient_column: None,
            date_column: None,
            max_doc_bytes: 1 << 20,
        };
        JsonlLine::new(Arc::new(file), 7, bytes.to_vec())
    }

    #[test]
    fn the_id_asked_before_loading_is_the_loaded_documents_id() {
        for bytes in [
            br#"{"note_id": 12, "text": "BSA 10%"}"#.as_slice(),
            br#"{"id": "a\u0062", "text": "x"}"#,
            br#"{"text": "no id"}"#,
            br#"not json"#,
            br#"{"id": 1.5e3, "text": "x"}"#,
        ] {
            let asked = line(bytes).id().to_string();
            let loaded = line(bytes).load().map_or_else(|f| f.id, |d| d.id);
            assert_eq!(asked, loaded);
        }
        assert_eq!(line(br#"{"id": "a\u0062", "text": "x"}"#).id(), "n.jsonl#ab");
        assert_eq!(line(br#"{"text": "x"}"#).id(), "n.jsonl#7");
    }

    #[test]
    fn texts_with_and_without_escapes_are_read_whole() {
        let plain = line(br#"{"id": 1, "text": "Eczema, BSA 10%.", "z": [1, {"a": null}]}"#);
        assert_eq!(plain.load().unwrap().text, "Eczema, BSA 10%.");
        let escaped = line(br#"{"text": "Eczema\nBSA \"10%\" \u00e9", "id": 2}"#);
        assert_eq!(escaped.load().unwrap().text, "Eczema\nBSA \"10%\" é");
    }

    #[test]
    fn a_repeated_key_counts_once_with_its_last_value_as_a_map_keeps_it() {
        let document = line(br#"{"text": "first", "id": 3, "text": "last"}"#).load().unwrap();
        assert_eq!((document.id.as_str(), document.text.as_str()), ("n.jsonl#3", "last"));
        // Keys are taken in sorted order: "TEXT" comes before "text".
        let document = line(br#"{"text": "lower", "TEXT": "upper"}"#).load().unwrap();
        assert_eq!(document.text, "upper");
    }
}
