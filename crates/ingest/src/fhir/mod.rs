//! FHIR R4 input, as payers receive notes: a `DocumentReference` (its
//! attachment as base64 `data` in text/plain, text/html or application/pdf),
//! alone in a `.json` file, in a `Bundle`, one a line in Bulk Data NDJSON,
//! or in the NDJSON files a Bulk Data `$export` manifest lists.
//!
//! Each DocumentReference is one document, named `<file>#<resource id>`,
//! with the patient (`subject`) and date it names, so that a patient's notes
//! can be read together. Resources of other types are not documents: they
//! are counted ([`IngestOptions::skipped_resources`]), not recorded.

use crate::columns::row_id;
use crate::pdf::{pdf_document, PdfInput};
use crate::text::{decode_utf16_with_bom, decode_utf8, document, looks_binary};
use crate::{kind, Document, IngestFailure, IngestOptions, Provenance};
use base64::engine::{general_purpose, GeneralPurpose};
use base64::Engine as _;
use necessity_record::Format;
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;

mod files;
mod html;

pub(crate) use files::{holds_resources, json_units, ndjson_units, Units};

/// The resource type that is a document.
const DOCUMENT_REFERENCE: &str = "DocumentReference";

/// A `DocumentReference`, the fields read here (R4); others are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentReference {
    subject: Option<Reference>,
    date: Option<String>,
    context: Option<Context>,
    #[serde(default)]
    content: Vec<Content>,
}

#[derive(Deserialize)]
struct Reference {
    reference: Option<String>,
    identifier: Option<Identifier>,
}

#[derive(Deserialize)]
struct Identifier {
    value: Option<String>,
}

#[derive(Deserialize)]
struct Context {
    period: Option<Period>,
}

#[derive(Deserialize)]
struct Period {
    start: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    attachment: Attachment,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    content_type: Option<String>,
    data: Option<String>,
    url: Option<String>,
}

/// How an attachment of each media type is read, in order of preference:
/// the text as written first, the PDF (which may need OCR) last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Media {
    Plain,
    Html,
    Pdf,
}

impl Media {
    /// The media type of a `contentType` (parameters such as `charset`
    /// aside), when it is one read here.
    fn of(content_type: &str) -> Option<Media> {
        match essence(content_type).as_str() {
            "text/plain" | "text/markdown" => Some(Media::Plain),
            "text/html" | "application/xhtml+xml" => Some(Media::Html),
            "application/pdf" => Some(Media::Pdf),
            _ => None,
        }
    }
}

/// `type/subtype` of a media type, lowercased, without parameters.
fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// The `charset` parameter of a media type, if any.
fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })
}

/// A PDF attached to a DocumentReference, read (through the PDF worker) when
/// its unit is loaded, so that many PDFs waiting for a worker do not sit in
/// memory: one from an NDJSON line is decoded again from the file then.
pub struct PdfAttachment {
    id: String,
    provenance: Provenance,
    bytes: AttachmentBytes,
}

enum AttachmentBytes {
    /// Decoded already (from a `.json` file, held whole anyway).
    Decoded(Vec<u8>),
    /// The NDJSON line of the resource, and which of its contents.
    Line { path: PathBuf, offset: u64, length: u64, content: usize },
}

impl PdfAttachment {
    /// The document's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The patient the DocumentReference's `subject` names, if any.
    pub fn patient(&self) -> Option<&str> {
        self.provenance.patient.as_deref()
    }

    /// Reads the PDF: its text as a FHIR document, or an error record's failure.
    pub fn load(self, options: &IngestOptions) -> Result<Document, IngestFailure> {
        let PdfAttachment { id, provenance, bytes } = self;
        let bytes = match bytes {
            AttachmentBytes::Decoded(bytes) => bytes,
            AttachmentBytes::Line { path, offset, length, content } => {
                files::reread_attachment(&path, offset, length, content)
                    .map_err(|(kind, message)| failure(&id, &provenance, 0, kind, message))?
            }
        };
        let size = bytes.len() as u64;
        match pdf_document(id, PdfInput::Bytes(&bytes), size, options) {
            Ok(document) => Ok(as_fhir(document, provenance)),
            Err(failure) => Err(with_provenance(failure, &provenance)),
        }
    }
}

/// What one DocumentReference becomes.
pub(crate) enum Reading {
    /// Its text, or why it has none.
    Ready(Result<Document, IngestFailure>),
    /// A PDF still to be read.
    Pdf(PdfAttachment),
}

/// Where the resource sits in its file, to name it and to find it again.
pub(crate) struct Place<'a> {
    /// The id of the file (or of the manifest's NDJSON file).
    pub(crate) file_id: &'a str,
    /// 1-based line (NDJSON) or entry (Bundle) number, for a resource without an id.
    pub(crate) number: u64,
    /// Size of the resource's JSON, when known, for error records.
    pub(crate) bytes: u64,
    /// The NDJSON line holding it, so that a PDF can be read again later.
    pub(crate) line: Option<(&'a std::path::Path, u64)>,
}

/// Reads a parsed DocumentReference.
pub(crate) fn document_reference(resource: Value, place: &Place) -> Reading {
    let resource_id = resource.get("id").and_then(Value::as_str).map(str::to_string);
    let id = row_id(place.file_id, resource_id.as_deref(), place.number);
    let resource: DocumentReference = match serde_path_to_error::deserialize(resource) {
        Ok(resource) => resource,
        Err(error) => {
            // The path names the field; serde's own message may quote its value.
            let message = format!(
                "the DocumentReference does not follow FHIR R4: {} has the wrong type",
                error.path()
            );
            let provenance = Provenance::default();
            return Reading::Ready(Err(failure(
                &id,
                &provenance,
                place.bytes,
                kind::FHIR_MALFORMED,
                message,
            )));
        }
    };
    let provenance = provenance_of(&resource);
    let fail = |kind: &str, message: String| {
        Reading::Ready(Err(failure(&id, &provenance, place.bytes, kind, message)))
    };
    let Some((index, media, data, content_type)) = chosen_attachment(&resource) else {
        return fail(kind::FHIR_NO_ATTACHMENT, no_attachment_reason(&resource));
    };
    if let (Media::Pdf, Some((path, offset))) = (media, place.line) {
        let bytes = AttachmentBytes::Line {
            path: path.to_path_buf(),
            offset,
            length: place.bytes,
            content: index,
        };
        return Reading::Pdf(PdfAttachment { id, provenance, bytes });
    }
    let bytes = match decode_base64(data) {
        Ok(bytes) => bytes,
        Err(message) => return fail(kind::FHIR_MALFORMED, message.to_string()),
    };
    match media {
        Media::Pdf => {
            let bytes = AttachmentBytes::Decoded(bytes);
            Reading::Pdf(PdfAttachment { id, provenance, bytes })
        }
        Media::Plain | Media::Html => {
            Reading::Ready(match text_attachment(id, bytes, media, content_type) {
                Ok(document) => Ok(as_fhir(document, provenance)),
                Err(failure) => Err(with_provenance(failure, &provenance)),
            })
        }
    }
}

/// The attachment to read: inline data of the most preferred media type,
/// with its index among the contents.
fn chosen_attachment(resource: &DocumentReference) -> Option<(usize, Media, &str, &str)> {
    resource
        .content
        .iter()
        .enumerate()
        .filter_map(|(index, content)| {
            let attachment = &content.attachment;
            let content_type = attachment.content_type.as_deref()?;
            Some((index, Media::of(content_type)?, attachment.data.as_deref()?, content_type))
        })
        .min_by_key(|&(index, media, _, _)| (media, index))
}

/// Why no attachment can be read, naming types, never content.
fn no_attachment_reason(resource: &DocumentReference) -> String {
    let attachments = resource.content.iter().map(|content| &content.attachment);
    if resource.content.is_empty() {
        return "the DocumentReference has no content".to_string();
    }
    let readable =
        |attachment: &&Attachment| attachment.content_type.as_deref().and_then(Media::of).is_some();
    if attachments.clone().filter(readable).all(|attachment| attachment.data.is_none())
        && attachments.clone().any(|attachment| attachment.url.is_some())
    {
        return "the attachment is given by url only; inline base64 data is read, urls are not fetched".to_string();
    }
    let mut found: Vec<String> = attachments
        .map(|attachment| {
            attachment.content_type.as_deref().map_or_else(|| "no contentType".to_string(), essence)
        })
        .collect();
    found.dedup();
    format!(
        "no attachment with inline data of a type read here (text/plain, text/html, application/pdf); found {}",
        found.join(", ")
    )
}

/// The bytes of a base64 `data` element (white space allowed, padding optional).
fn decode_base64(data: &str) -> Result<Vec<u8>, &'static str> {
    const LENIENT: GeneralPurpose =
        GeneralPurpose::new(&base64::alphabet::STANDARD, general_purpose::PAD_INDIFFERENT);
    let compact: Vec<u8> = data.bytes().filter(|byte| !byte.is_ascii_whitespace()).collect();
    LENIENT.decode(compact).map_err(|_| "the attachment's data is not valid base64")
}

/// A text or HTML attachment as a document: decoded by its `charset`, else
/// as UTF-8 (or UTF-16 with a byte-order mark), as text files are.
fn text_attachment(
    id: String,
    bytes: Vec<u8>,
    media: Media,
    content_type: &str,
) -> Result<Document, IngestFailure> {
    let size = bytes.len() as u64;
    let encoding =
        charset(content_type).and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    let (text, lossy) = match encoding {
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            let (text, _, lossy) = encoding.decode(&bytes);
            (text.into_owned(), lossy)
        }
        _ if looks_binary(&bytes) && decode_utf16_with_bom(&bytes).is_none() => {
            let message = "binary content (NUL bytes) in a text attachment";
            return Err(IngestFailure::new(
                id,
                Some(Format::Fhir),
                size,
                kind::UNSUPPORTED_FORMAT,
                message,
            ));
        }
        _ => decode_utf16_with_bom(&bytes).unwrap_or_else(|| decode_utf8(bytes)),
    };
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    let text = match media {
        Media::Html => html::html_text(&text),
        Media::Plain | Media::Pdf => text,
    };
    document(id, text, Format::Fhir, size, lossy, "the attachment")
}

/// The patient and date a DocumentReference names.
fn provenance_of(resource: &DocumentReference) -> Provenance {
    let patient = resource.subject.as_ref().and_then(|subject| {
        subject.reference.clone().or_else(|| subject.identifier.as_ref()?.value.clone())
    });
    let date =
        resource.date.clone().or_else(|| resource.context.as_ref()?.period.as_ref()?.start.clone());
    Provenance { patient, date, ..Provenance::default() }
}

/// A document read from an attachment, as a FHIR document with its provenance.
fn as_fhir(mut document: Document, provenance: Provenance) -> Document {
    document.format = Format::Fhir;
    document.provenance.patient = provenance.patient;
    document.provenance.date = provenance.date;
    document
}

/// A FHIR error record's failure, with the patient and date when known.
fn failure(
    id: &str,
    provenance: &Provenance,
    bytes: u64,
    kind: &str,
    message: impl Into<String>,
) -> IngestFailure {
    with_provenance(IngestFailure::new(id, None, bytes, kind, message), provenance)
}

/// A failure as a FHIR document's, with the patient and date when known.
fn with_provenance(mut failure: IngestFailure, provenance: &Provenance) -> IngestFailure {
    failure.source.format = Some(Format::Fhir);
    failure.source.patient = provenance.patient.clone();
    failure.source.date = provenance.date.clone();
    failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base64(bytes: &[u8]) -> String {
        general_purpose::STANDARD.encode(bytes)
    }

    fn reference(content: Value) -> Value {
        json!({
            "resourceType": "DocumentReference",
            "id": "note-1",
            "subject": {"reference": "Patient/p7"},
            "date": "2026-02-25T10:00:00Z",
            "content": content,
        })
    }

    fn read(resource: Value) -> Reading {
        let place = Place { file_id: "export.ndjson", number: 3, bytes: 100, line: None };
        document_reference(resource, &place)
    }

    fn ready(reading: Reading) -> Result<Document, IngestFailure> {
        match reading {
            Reading::Ready(result) => result,
            Reading::Pdf(_) => panic!("a PDF where text was expected"),
        }
    }

    #[test]
    fn a_text_attachment_is_a_fhir_document_with_patient_and_date() {
        let note = "Atopic dermatitis, BSA 12%.\n";
        let content = json!([{"attachment": {"contentType": "text/plain; charset=utf-8", "data": base64(note.as_bytes())}}]);
        let document = ready(read(reference(content))).unwrap();
        assert_eq!((document.id.as_str(), document.text.as_str()), ("export.ndjson#note-1", note));
        assert_eq!((document.format, document.bytes), (Format::Fhir, note.len() as u64));
        assert_eq!(document.provenance.patient.as_deref(), Some("Patient/p7"));
        assert_eq!(document.provenance.date.as_deref(), Some("2026-02-25T10:00:00Z"));
    }

    #[test]
    fn the_text_rendition_is_preferred_and_html_is_read_as_shown() {
        let pdf =
            json!({"attachment": {"contentType": "application/pdf", "data": base64(b"%PDF-1.4")}});
        let html = json!({"attachment": {"contentType": "text/html", "data": base64(b"<p>IGA&nbsp;3</p><p>BSA 12%</p>")}});
        let document = ready(read(reference(json!([pdf, html])))).unwrap();
        assert_eq!(document.text, "IGA 3\n\nBSA 12%\n");
        assert!(matches!(read(reference(json!([pdf]))), Reading::Pdf(_)));
    }

    #[test]
    fn a_charset_is_honoured_and_the_context_period_dates_a_note() {
        let mut resource = reference(json!([{"attachment": {
            "contentType": "text/plain; charset=ISO-8859-1", "data": base64(b"Ecz\xe9ma")}}]));
        resource["date"] = Value::Null;
        resource["context"] = json!({"period": {"start": "2026-01-02"}});
        resource["subject"] = json!({"identifier": {"value": "MRN-1"}});
        let document = ready(read(resource)).unwrap();
        assert_eq!((document.text.as_str(), document.lossy_utf8), ("Eczéma", false));
        assert_eq!(document.provenance.date.as_deref(), Some("2026-01-02"));
        assert_eq!(document.provenance.patient.as_deref(), Some("MRN-1"));
    }

    #[test]
    fn unreadable_attachments_are_typed_failures_that_name_no_content() {
        let failure = |content: Value| ready(read(reference(content))).unwrap_err();
        let none = failure(json!([]));
        assert_eq!(
            (none.kind.as_str(), none.source.format),
            (kind::FHIR_NO_ATTACHMENT, Some(Format::Fhir))
        );
        assert_eq!(none.source.patient.as_deref(), Some("Patient/p7"));
        let url =
            failure(json!([{"attachment": {"contentType": "text/plain", "url": "Binary/1"}}]));
        assert!(url.message.contains("url only"), "{}", url.message);
        let tiff = failure(json!([{"attachment": {"contentType": "image/tiff", "data": "AAAA"}}]));
        assert_eq!(tiff.kind, kind::FHIR_NO_ATTACHMENT);
        assert!(tiff.message.ends_with("found image/tiff"), "{}", tiff.message);
        let garbled =
            failure(json!([{"attachment": {"contentType": "text/plain", "data": "%%%"}}]));
        assert_eq!(garbled.kind, kind::FHIR_MALFORMED);
        let empty = failure(
            json!([{"attachment": {"contentType": "text/plain", "data": base64(b"  \n")}}]),
        );
        assert_eq!(empty.kind, kind::EMPTY);
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_without_its_value() {
        let mut resource = reference(json!([]));
        resource["subject"] = json!("Mrs Secret");
        let failure = ready(read(resource)).unwrap_err();
        assert_eq!(failure.kind, kind::FHIR_MALFORMED);
        assert_eq!(failure.id, "export.ndjson#note-1");
        assert!(failure.message.ends_with(": subject has the wrong type"), "{}", failure.message);
        assert!(!failure.message.contains("Secret"), "{}", failure.message);
        let resource = reference(json!([{"attachment": {"contentType": "text/plain", "data": 7}}]));
        let failure = ready(read(resource)).unwrap_err();
        assert!(failure.message.contains("content[0].attachment.data"), "{}", failure.message);
    }

    #[test]
    fn base64_may_wrap_lines_and_drop_padding() {
        assert_eq!(decode_base64("QlNB\nIDEy\r\nJQ"), Ok(b"BSA 12%".to_vec()));
        assert!(decode_base64("QlNB!").is_err());
    }
}
