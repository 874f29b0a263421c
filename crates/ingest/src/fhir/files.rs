//! The files FHIR arrives in: a `.json` file holding one resource, a
//! `Bundle` or a Bulk Data manifest; and NDJSON, one resource a line, read
//! line by line so that an export of any size needs memory for one line.

use super::{document_reference, Place, Reading, DOCUMENT_REFERENCE};
use crate::discover::{io_failure, Unit};
use crate::table::{read_line_capped, UTF8_BOM};
use crate::text::too_large;
use crate::{kind, IngestFailure, IngestOptions};
use necessity_record::Format;
use serde::Deserialize;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The units of one FHIR file, in file order.
pub(crate) type Units = Box<dyn Iterator<Item = Unit> + Send>;

/// Longest NDJSON line (one resource, its attachment inline) read; a longer
/// one is `too_large`, skipped unread. A 48 MB PDF fits.
const MAX_RESOURCE_BYTES: u64 = 64 << 20;

/// Largest `.json` file (one resource, a Bundle, a manifest) read: it is
/// parsed whole, so larger exports belong in NDJSON.
const MAX_JSON_BYTES: u64 = 256 << 20;

/// Whether the JSON Lines file at `path` holds FHIR resources: its first
/// value is an object with a `resourceType`. Only that value is read.
pub(crate) fn holds_resources(path: &Path) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "resourceType")]
        resource_type: Option<String>,
    }
    let Ok(file) = File::open(path) else { return false };
    let mut reader = BufReader::new(file);
    if reader.fill_buf().is_ok_and(|head| head.starts_with(UTF8_BOM)) {
        reader.consume(UTF8_BOM.len());
    }
    let mut values = serde_json::Deserializer::from_reader(reader).into_iter::<Probe>();
    values.next().and_then(Result::ok).is_some_and(|probe| probe.resource_type.is_some())
}

/// Every DocumentReference of a Bulk Data NDJSON file.
pub(crate) fn ndjson_units(
    path: &Path,
    file_id: String,
    size: u64,
    options: &IngestOptions,
) -> Units {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => {
            let failure = io_failure(&file_id, Some(Format::Fhir), size, &error);
            return Box::new(std::iter::once(Unit::Ready(Err(failure))));
        }
    };
    Box::new(NdjsonResources {
        reader: BufReader::new(file),
        path: path.to_path_buf(),
        file_id,
        size,
        offset: 0,
        line_number: 0,
        met_any: false,
        done: false,
        skipped: Arc::clone(&options.skipped_resources),
    })
}

struct NdjsonResources {
    reader: BufReader<File>,
    path: PathBuf,
    file_id: String,
    size: u64,
    /// Byte offset of the next line.
    offset: u64,
    line_number: u64,
    /// Whether any resource was met (a file of blank lines is one `empty` record).
    met_any: bool,
    done: bool,
    skipped: Arc<AtomicU64>,
}

impl Iterator for NdjsonResources {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        while !self.done {
            let start = self.offset;
            let mut line = Vec::new();
            let (length, cut) =
                match read_line_capped(&mut self.reader, MAX_RESOURCE_BYTES, &mut line) {
                    Ok(read) => read,
                    Err(error) => {
                        self.done = true;
                        let id = format!("{}#{}", self.file_id, self.line_number + 1);
                        return Some(Unit::Ready(Err(io_failure(
                            &id,
                            Some(Format::Fhir),
                            0,
                            &error,
                        ))));
                    }
                };
            if length == 0 {
                self.done = true;
                break;
            }
            self.offset += length;
            self.line_number += 1;
            if cut {
                self.met_any = true;
                let id = format!("{}#{}", self.file_id, self.line_number);
                let what = format!("line {}", self.line_number);
                let failure = too_large(id, Some(Format::Fhir), length, MAX_RESOURCE_BYTES, &what);
                return Some(Unit::Ready(Err(failure)));
            }
            if start == 0 && line.starts_with(UTF8_BOM) {
                line.drain(..UTF8_BOM.len());
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.met_any = true;
            let place = Place {
                file_id: &self.file_id,
                number: self.line_number,
                bytes: length,
                line: Some((&self.path, start)),
            };
            match resource_of_line(&line, &place) {
                Ok(Some(resource)) => return Some(unit(document_reference(resource, &place))),
                Ok(None) => {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                }
                Err(message) => {
                    let id = format!("{}#{}", self.file_id, self.line_number);
                    let failure = IngestFailure::new(
                        id,
                        Some(Format::Fhir),
                        length,
                        kind::FHIR_MALFORMED,
                        message,
                    );
                    return Some(Unit::Ready(Err(failure)));
                }
            }
        }
        // A file given is never dropped without a record.
        (!std::mem::replace(&mut self.met_any, true)).then(|| {
            let message = "the file holds only blank lines";
            let failure = IngestFailure::new(
                &self.file_id,
                Some(Format::Fhir),
                self.size,
                kind::EMPTY,
                message,
            );
            Unit::Ready(Err(failure))
        })
    }
}

/// The DocumentReference on an NDJSON line; `None` for a resource of
/// another type; a message (position and category only, never the line's
/// content) when the line is not a resource.
fn resource_of_line(line: &[u8], place: &Place) -> Result<Option<Value>, String> {
    let number = place.number;
    let value: Value = serde_json::from_slice(line).map_err(|error| {
        format!(
            "line {number} is not JSON ({:?} error at column {})",
            error.classify(),
            error.column()
        )
    })?;
    match value.get("resourceType").and_then(Value::as_str) {
        Some(DOCUMENT_REFERENCE) => Ok(Some(value)),
        Some(_) => Ok(None),
        None if value.is_object() => Err(format!("line {number} has no resourceType")),
        None => Err(format!("line {number} is not a JSON object")),
    }
}

/// The bytes of content `content` of the DocumentReference on the NDJSON line
/// at `offset`, read again when its PDF is about to be read.
pub(crate) fn reread_attachment(
    path: &Path,
    offset: u64,
    length: u64,
    content: usize,
) -> Result<Vec<u8>, (&'static str, String)> {
    let mut line = Vec::new();
    File::open(path)
        .and_then(|mut file| {
            file.seek(SeekFrom::Start(offset))?;
            file.take(length).read_to_end(&mut line)
        })
        .map_err(|error| (kind::IO, format!("cannot read: {}", error.kind())))?;
    if offset == 0 && line.starts_with(UTF8_BOM) {
        line.drain(..UTF8_BOM.len());
    }
    let changed = || (kind::IO, "the file changed while it was read".to_string());
    let value: Value = serde_json::from_slice(&line).map_err(|_| changed())?;
    let data = value
        .pointer(&format!("/content/{content}/attachment/data"))
        .and_then(Value::as_str)
        .ok_or_else(changed)?;
    super::decode_base64(data).map_err(|message| (kind::FHIR_MALFORMED, message.to_string()))
}

/// Every DocumentReference of a `.json` file: one resource, a `Bundle`, or
/// (given directly, not met in a folder, whose walk reads its files anyway)
/// a Bulk Data manifest's NDJSON files.
pub(crate) fn json_units(
    path: &Path,
    file_id: String,
    size: u64,
    options: &IngestOptions,
    walked: bool,
) -> Units {
    let fail = |kind: &str, message: String| -> Units {
        let failure = IngestFailure::new(file_id.clone(), Some(Format::Fhir), size, kind, message);
        Box::new(std::iter::once(Unit::Ready(Err(failure))))
    };
    if size > MAX_JSON_BYTES {
        let failure = too_large(file_id, Some(Format::Fhir), size, MAX_JSON_BYTES, "a JSON file");
        return Box::new(std::iter::once(Unit::Ready(Err(failure))));
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let failure = io_failure(&file_id, Some(Format::Fhir), size, &error);
            return Box::new(std::iter::once(Unit::Ready(Err(failure))));
        }
    };
    let json = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
    let value: Value = match serde_json::from_slice(json) {
        Ok(value) => value,
        Err(error) => {
            let message = format!(
                "the file is not JSON ({:?} error at line {} column {})",
                error.classify(),
                error.line(),
                error.column()
            );
            return fail(kind::FHIR_MALFORMED, message);
        }
    };
    let skipped = Arc::clone(&options.skipped_resources);
    match value.get("resourceType").and_then(Value::as_str) {
        Some(DOCUMENT_REFERENCE) => {
            let place = Place { file_id: &file_id, number: 1, bytes: size, line: None };
            Box::new(std::iter::once(unit(document_reference(value, &place))))
        }
        Some("Bundle") => bundle_units(value, file_id, size, skipped),
        Some(_) => {
            skipped.fetch_add(1, Ordering::Relaxed);
            Box::new(std::iter::empty())
        }
        None if value.get("output").is_some_and(Value::is_array) => match walked {
            true => Box::new(std::iter::empty()),
            false => manifest_units(value, path, options),
        },
        None => fail(
            kind::UNSUPPORTED_FORMAT,
            "a JSON file that is neither a FHIR resource nor a Bulk Data manifest".to_string(),
        ),
    }
}

/// The DocumentReferences among a Bundle's entries; the entry number names
/// one without an id.
fn bundle_units(bundle: Value, file_id: String, size: u64, skipped: Arc<AtomicU64>) -> Units {
    let entries = match bundle {
        Value::Object(mut bundle) => match bundle.remove("entry") {
            Some(Value::Array(entries)) => entries,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if entries.is_empty() {
        let failure = IngestFailure::new(
            file_id,
            Some(Format::Fhir),
            size,
            kind::EMPTY,
            "the Bundle has no entries",
        );
        return Box::new(std::iter::once(Unit::Ready(Err(failure))));
    }
    Box::new(entries.into_iter().zip(1..).filter_map(move |(entry, number)| {
        let resource = match entry {
            Value::Object(mut entry) => entry.remove("resource"),
            _ => None,
        };
        match resource {
            Some(resource)
                if resource.get("resourceType").and_then(Value::as_str)
                    == Some(DOCUMENT_REFERENCE) =>
            {
                let place = Place { file_id: &file_id, number, bytes: 0, line: None };
                Some(unit(document_reference(resource, &place)))
            }
            _ => {
                skipped.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }))
}

/// A Bulk Data `$export` manifest: the NDJSON files of its `output` whose
/// `type` is DocumentReference (or not given), found in the manifest's folder.
fn manifest_units(manifest: Value, path: &Path, options: &IngestOptions) -> Units {
    #[derive(Deserialize)]
    struct Manifest {
        output: Vec<Output>,
    }
    #[derive(Deserialize)]
    struct Output {
        #[serde(rename = "type")]
        resource_type: Option<String>,
        url: String,
    }
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file_id =
        path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let manifest: Manifest = match serde_json::from_value(manifest) {
        Ok(manifest) => manifest,
        Err(_) => {
            let message = "the manifest's output is not a list of {type, url}";
            let failure =
                IngestFailure::new(file_id, Some(Format::Fhir), 0, kind::FHIR_MALFORMED, message);
            return Box::new(std::iter::once(Unit::Ready(Err(failure))));
        }
    };
    let options = options.clone();
    let outputs = manifest.output.into_iter().filter(|output| {
        output.resource_type.as_deref().is_none_or(|kind| kind == DOCUMENT_REFERENCE)
    });
    Box::new(outputs.flat_map(move |output| -> Units {
        let relative = match output_path(&output.url) {
            Ok(relative) => relative,
            Err(message) => {
                let id = format!("{file_id}#{}", output.url);
                let failure =
                    IngestFailure::new(id, Some(Format::Fhir), 0, kind::FHIR_MALFORMED, message);
                return Box::new(std::iter::once(Unit::Ready(Err(failure))));
            }
        };
        let id = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let path = folder.join(&relative);
        match std::fs::metadata(&path) {
            Ok(metadata) => ndjson_units(&path, id, metadata.len(), &options),
            Err(error) => Box::new(std::iter::once(Unit::Ready(Err(io_failure(
                &id,
                Some(Format::Fhir),
                0,
                &error,
            ))))),
        }
    }))
}

/// Where a manifest's output `url` is, relative to the manifest's folder: a
/// URL's last path segment (the export was downloaded beside its manifest),
/// or a relative path that stays inside the folder.
fn output_path(url: &str) -> Result<PathBuf, String> {
    let path = match url.split_once("://") {
        Some((_, rest)) => {
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            rest.rsplit('/').next().unwrap_or_default()
        }
        None => url,
    };
    let relative = PathBuf::from(path);
    let inside = relative.components().all(|part| matches!(part, Component::Normal(_)));
    if path.is_empty() || !inside {
        return Err(
            "the manifest names a file outside its folder; output urls are read relative to it"
                .to_string(),
        );
    }
    Ok(relative)
}

fn unit(reading: Reading) -> Unit {
    match reading {
        Reading::Ready(result) => Unit::Ready(result),
        Reading::Pdf(attachment) => Unit::Attachment(attachment),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use serde_json::json;
    use std::fs;

    fn base64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn note(id: &str, text: &str) -> Value {
        json!({"resourceType": "DocumentReference", "id": id,
               "content": [{"attachment": {"contentType": "text/plain", "data": base64(text)}}]})
    }

    /// `(id, text or error kind)` of each unit, loaded.
    fn outcomes(units: Units, options: &IngestOptions) -> Vec<(String, String)> {
        units
            .map(|unit| (unit.id().to_string(), unit.load(options)))
            .map(|(id, loaded)| {
                (id, loaded.map_or_else(|failure| failure.kind, |document| document.text))
            })
            .collect()
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(id, outcome)| (id.to_string(), outcome.to_string())).collect()
    }

    #[test]
    fn ndjson_lines_are_resources_others_are_counted_and_bad_lines_fail_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("DocumentReference.ndjson");
        let lines = [
            note("a", "BSA 12%").to_string(),
            String::new(),
            json!({"resourceType": "Patient", "id": "p"}).to_string(),
            "{not json \"Mrs Secret\"".to_string(),
            json!({"id": "x"}).to_string(),
            note("b", "IGA 3").to_string(),
        ];
        fs::write(&path, format!("\u{feff}{}\n", lines.join("\n"))).unwrap();
        assert!(holds_resources(&path));
        let options = IngestOptions::default();
        let units = ndjson_units(&path, "d.ndjson".into(), 0, &options);
        assert_eq!(
            outcomes(units, &options),
            pairs(&[
                ("d.ndjson#a", "BSA 12%"),
                ("d.ndjson#4", kind::FHIR_MALFORMED),
                ("d.ndjson#5", kind::FHIR_MALFORMED),
                ("d.ndjson#b", "IGA 3"),
            ])
        );
        assert_eq!(options.skipped_resources.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn notes_in_json_lines_are_not_resources() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.jsonl");
        fs::write(&path, "{\"id\": 1, \"text\": \"resourceType\"}\n").unwrap();
        assert!(!holds_resources(&path));
        fs::write(&path, "not json\n").unwrap();
        assert!(!holds_resources(&path));
    }

    #[test]
    fn an_ndjson_file_of_blank_lines_is_one_empty_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.ndjson");
        fs::write(&path, "\n \n").unwrap();
        let options = IngestOptions::default();
        let units = ndjson_units(&path, "d.ndjson".into(), 3, &options);
        assert_eq!(outcomes(units, &options), pairs(&[("d.ndjson", kind::EMPTY)]));
    }

    fn json_outcomes(name: &str, content: &Value, walked: bool) -> (Vec<(String, String)>, u64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        fs::write(&path, content.to_string()).unwrap();
        let options = IngestOptions::default();
        let units = json_units(&path, name.into(), 10, &options, walked);
        (outcomes(units, &options), options.skipped_resources.load(Ordering::Relaxed))
    }

    #[test]
    fn a_bundle_gives_its_document_references_by_id_or_entry_number() {
        let mut unnamed = note("", "EASI 19.5");
        unnamed.as_object_mut().unwrap().remove("id");
        let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": note("n1", "BSA 12%")},
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {"fullUrl": "urn:uuid:1"},
            {"resource": unnamed},
        ]});
        let (outcomes, skipped) = json_outcomes("b.json", &bundle, false);
        assert_eq!(outcomes, pairs(&[("b.json#n1", "BSA 12%"), ("b.json#4", "EASI 19.5")]));
        assert_eq!(skipped, 2);
        let (empty, _) = json_outcomes("e.json", &json!({"resourceType": "Bundle"}), false);
        assert_eq!(empty, pairs(&[("e.json", kind::EMPTY)]));
    }

    #[test]
    fn json_that_is_no_fhir_is_unsupported_and_broken_json_is_malformed() {
        let (other, _) = json_outcomes("package.json", &json!({"name": "x"}), false);
        assert_eq!(other, pairs(&[("package.json", kind::UNSUPPORTED_FORMAT)]));
        let (single, _) = json_outcomes("r.json", &note("r", "IGA 3"), false);
        assert_eq!(single, pairs(&[("r.json#r", "IGA 3")]));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.json");
        fs::write(&path, "{\"resourceType\": \"Bundle\", \"entry\": [").unwrap();
        let options = IngestOptions::default();
        let units = json_units(&path, "cut.json".into(), 30, &options, false);
        assert_eq!(outcomes(units, &options), pairs(&[("cut.json", kind::FHIR_MALFORMED)]));
    }

    #[test]
    fn a_manifest_reads_its_document_reference_files_from_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("files")).unwrap();
        fs::write(
            dir.path().join("DocumentReference.1.ndjson"),
            format!("{}\n", note("a", "BSA 12%")),
        )
        .unwrap();
        fs::write(dir.path().join("files/more.ndjson"), format!("{}\n", note("b", "IGA 3")))
            .unwrap();
        let manifest = json!({
            "transactionTime": "2026-02-25T10:00:00Z",
            "request": "https://fhir.example.org/$export",
            "requiresAccessToken": true,
            "output": [
                {"type": "DocumentReference", "url": "https://fhir.example.org/out/DocumentReference.1.ndjson?sig=1"},
                {"type": "Patient", "url": "https://fhir.example.org/out/Patient.1.ndjson"},
                {"url": "files/more.ndjson"},
                {"type": "DocumentReference", "url": "missing.ndjson"},
                {"type": "DocumentReference", "url": "../elsewhere.ndjson"},
            ],
            "error": [],
        });
        let path = dir.path().join("manifest.json");
        fs::write(&path, manifest.to_string()).unwrap();
        let options = IngestOptions::default();
        let units = json_units(&path, "manifest.json".into(), 10, &options, false);
        assert_eq!(
            outcomes(units, &options),
            pairs(&[
                ("DocumentReference.1.ndjson#a", "BSA 12%"),
                ("files/more.ndjson#b", "IGA 3"),
                ("missing.ndjson", kind::IO),
                ("manifest.json#../elsewhere.ndjson", kind::FHIR_MALFORMED),
            ])
        );
        // Met in a folder, whose walk reads the same files.
        let units = json_units(&path, "manifest.json".into(), 10, &options, true);
        assert_eq!(units.count(), 0);
    }

    #[test]
    fn output_urls_resolve_inside_the_manifest_folder() {
        assert_eq!(
            output_path("https://h/a/b/DocRef.ndjson?x=1"),
            Ok(PathBuf::from("DocRef.ndjson"))
        );
        assert_eq!(output_path("sub/DocRef.ndjson"), Ok(PathBuf::from("sub/DocRef.ndjson")));
        assert!(output_path("/etc/passwd").is_err());
        assert!(output_path("a/../../b.ndjson").is_err());
        assert!(output_path("https://h/").is_err());
    }

    #[test]
    fn a_pdf_on_an_ndjson_line_is_read_again_when_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.ndjson");
        let pdf = json!({"resourceType": "DocumentReference", "id": "scan",
            "content": [{"attachment": {"contentType": "application/pdf", "data": base64("%PDF-1.7 broken")}}]});
        fs::write(&path, format!("{}\n{}\n", note("a", "x"), pdf)).unwrap();
        let options = IngestOptions::default();
        let units: Vec<Unit> = ndjson_units(&path, "d.ndjson".into(), 0, &options).collect();
        assert!(matches!(units[1], Unit::Attachment(_)));
        let offset = note("a", "x").to_string().len() as u64 + 1;
        let line = pdf.to_string().len() as u64 + 1;
        assert_eq!(reread_attachment(&path, offset, line, 0), Ok(b"%PDF-1.7 broken".to_vec()));
        let failure = units.into_iter().nth(1).unwrap().load(&options).unwrap_err();
        assert_eq!(
            (failure.id.as_str(), failure.source.format),
            ("d.ndjson#scan", Some(Format::Fhir))
        );
        assert_eq!(failure.kind, kind::PDF_UNREADABLE);
    }
}
