//! Plain-text decoding shared by every format: UTF-8, repaired rather than
//! rejected, and the checks that turn an unusable text into a typed failure.

use crate::{kind, Document, IngestFailure};
use necessity_record::Format;

/// How far into a text file to look for NUL bytes, the mark of binary content.
const BINARY_SNIFF_BYTES: usize = 8192;

/// Decodes UTF-8, replacing invalid sequences; the flag says whether any were,
/// so the record can warn that offsets refer to repaired text.
pub(crate) fn decode_utf8(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(error) => (String::from_utf8_lossy(error.as_bytes()).into_owned(), true),
    }
}

/// Whether bytes look like binary data rather than text (a NUL near the start).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)]).is_some()
}

/// A whole text file (or standard input) as one document.
pub(crate) fn text_document(id: String, bytes: Vec<u8>) -> Result<Document, IngestFailure> {
    let size = bytes.len() as u64;
    if looks_binary(&bytes) {
        return Err(IngestFailure::new(
            id,
            None,
            size,
            kind::UNSUPPORTED_FORMAT,
            "binary content (NUL bytes) where text was expected",
        ));
    }
    let (text, lossy_utf8) = decode_utf8(bytes);
    let text = strip_bom(text);
    document(id, text, Format::Text, size, lossy_utf8, "the file")
}

/// Builds a document, or an `empty` failure when the text is only whitespace;
/// `what` names the container in the message ("the file", "row 12").
pub(crate) fn document(
    id: String,
    text: String,
    format: Format,
    bytes: u64,
    lossy_utf8: bool,
    what: &str,
) -> Result<Document, IngestFailure> {
    if text.trim().is_empty() {
        let mut failure = IngestFailure::new(
            id,
            Some(format),
            bytes,
            kind::EMPTY,
            format!("{what} holds no text"),
        );
        failure.source.lossy_utf8 = lossy_utf8;
        return Err(failure);
    }
    Ok(Document { id, text, format, bytes, lossy_utf8 })
}

/// Drops a leading byte-order mark, which is encoding noise, not note text.
fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_repaired_and_flagged() {
        let document = text_document("a.txt".into(), b"BSA \xff 10%".to_vec()).unwrap();
        assert!(document.lossy_utf8);
        assert_eq!(document.text, "BSA \u{fffd} 10%");
        assert_eq!(document.bytes, 9);
    }

    #[test]
    fn valid_utf8_is_kept_as_is() {
        let document = text_document("a.txt".into(), "\u{feff}eczéma".as_bytes().to_vec()).unwrap();
        assert!(!document.lossy_utf8);
        assert_eq!(document.text, "eczéma");
    }

    #[test]
    fn whitespace_only_is_empty() {
        let failure = text_document("a.txt".into(), b" \n\t ".to_vec()).unwrap_err();
        assert_eq!(failure.kind, kind::EMPTY);
        assert_eq!(failure.source.format, Some(Format::Text));
    }

    #[test]
    fn nul_bytes_are_binary() {
        let failure = text_document("a.txt".into(), b"PK\x03\x04\x00\x00".to_vec()).unwrap_err();
        assert_eq!(failure.kind, kind::UNSUPPORTED_FORMAT);
        assert!(!failure.message.contains("PK"));
    }
}
