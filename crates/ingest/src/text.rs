//! Plain-text decoding shared by every format: UTF-8, repaired rather than
//! rejected, and the checks that turn an unusable text into a typed failure.

use crate::{kind, Document, IngestFailure, Provenance};
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

/// Decodes UTF-16 text that starts with its byte-order mark (what Windows
/// editors save as "Unicode"), replacing unpaired surrogates; `None` when the
/// bytes do not start with a UTF-16 mark.
pub(crate) fn decode_utf16_with_bom(bytes: &[u8]) -> Option<(String, bool)> {
    let from: fn([u8; 2]) -> u16 = match bytes {
        [0xff, 0xfe, ..] => u16::from_le_bytes,
        [0xfe, 0xff, ..] => u16::from_be_bytes,
        _ => return None,
    };
    let body = &bytes[2..];
    let units = body.chunks_exact(2).map(|pair| from([pair[0], pair[1]]));
    let mut text = String::with_capacity(body.len());
    let mut lossy = false;
    for decoded in char::decode_utf16(units) {
        text.push(decoded.unwrap_or_else(|_| {
            lossy = true;
            char::REPLACEMENT_CHARACTER
        }));
    }
    // An odd trailing byte is half a character.
    if body.len() % 2 == 1 {
        lossy = true;
        text.push(char::REPLACEMENT_CHARACTER);
    }
    Some((text, lossy))
}

/// A `too_large` failure of a document bigger than the cap.
pub(crate) fn too_large(
    id: String,
    format: Option<Format>,
    bytes: u64,
    cap: u64,
    what: &str,
) -> IngestFailure {
    let message = format!("{what} is larger than the {cap}-byte limit (--max-doc-bytes)");
    IngestFailure::new(id, format, bytes, kind::TOO_LARGE, message)
}

/// A whole text file (or standard input) as one document: UTF-8, or UTF-16
/// with a byte-order mark; a leading UTF-8 byte-order mark is dropped, so
/// offsets count from the first character of the note.
pub(crate) fn text_document(id: String, bytes: Vec<u8>) -> Result<Document, IngestFailure> {
    let size = bytes.len() as u64;
    let utf16 = decode_utf16_with_bom(&bytes);
    let binary = match &utf16 {
        Some((text, _)) => text.contains('\0'),
        None => looks_binary(&bytes),
    };
    if binary {
        return Err(IngestFailure::new(
            id,
            None,
            size,
            kind::UNSUPPORTED_FORMAT,
            "binary content (NUL bytes) where text was expected",
        ));
    }
    let (text, lossy_utf8) = utf16.unwrap_or_else(|| decode_utf8(bytes));
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
    Ok(Document { id, text, format, bytes, lossy_utf8, provenance: Provenance::default() })
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
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let utf16le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("BSA 12% é".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let document = text_document("a.txt".into(), utf16le.clone()).unwrap();
        assert_eq!((document.text.as_str(), document.lossy_utf8), ("BSA 12% é", false));
        assert_eq!(document.bytes, utf16le.len() as u64);
        let utf16be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("itch 8/10".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(text_document("b.txt".into(), utf16be).unwrap().text, "itch 8/10");
    }

    #[test]
    fn broken_utf16_is_repaired_and_flagged_and_nul_is_still_binary() {
        // An unpaired high surrogate, then an odd trailing byte.
        let document =
            text_document("a.txt".into(), vec![0xff, 0xfe, b'a', 0, 0x00, 0xd8, b'b', 0, 7])
                .unwrap();
        assert_eq!(document.text, "a\u{fffd}b\u{fffd}");
        assert!(document.lossy_utf8);
        let nul = text_document("c.txt".into(), vec![0xff, 0xfe, b'a', 0, 0, 0]).unwrap_err();
        assert_eq!(nul.kind, kind::UNSUPPORTED_FORMAT);
    }

    #[test]
    fn nul_bytes_are_binary() {
        let failure = text_document("a.txt".into(), b"PK\x03\x04\x00\x00".to_vec()).unwrap_err();
        assert_eq!(failure.kind, kind::UNSUPPORTED_FORMAT);
        assert!(!failure.message.contains("PK"));
    }
}
