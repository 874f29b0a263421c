//! The error kinds an [`IngestFailure`](crate::IngestFailure) carries: a closed
//! vocabulary that audits and dashboards count by, so it lives in one place.

/// The file or row holds no text (only whitespace, or nothing at all).
pub const EMPTY: &str = "empty";
/// Not a format this tool reads (binary junk, images, archives, ...).
pub const UNSUPPORTED_FORMAT: &str = "unsupported_format";
/// A CSV row or JSON Lines line that cannot be parsed.
pub const MALFORMED: &str = "malformed";
/// CSV rows a quote that never closes (or closes inside a later row) ran
/// together: each such row is this error, never a merged note decided.
pub const CSV_MALFORMED: &str = "csv_malformed";
/// A CSV file without the text column, or without the id column asked for.
pub const MISSING_COLUMN: &str = "missing_column";
/// The operating system refused to read the input.
pub const IO: &str = "io";
/// The PDF parser failed or crashed on the file.
pub const PDF_UNREADABLE: &str = "pdf_unreadable";
/// The PDF needs a password.
pub const PDF_ENCRYPTED: &str = "pdf_encrypted";
/// The PDF parsed but holds no text layer (scans, images, empty pages).
pub const PDF_NO_TEXT: &str = "pdf_no_text";
/// Parsing took longer than `--doc-timeout`.
pub const TIMEOUT: &str = "timeout";
/// Parsing needed more memory than `--pdf-memory-mb`, or the text is too big.
pub const TOO_LARGE: &str = "too_large";
/// A FHIR file, resource or line that does not parse or does not follow
/// FHIR R4 (a DocumentReference field of the wrong type, base64 that does
/// not decode, a manifest output outside the manifest's folder).
pub const FHIR_MALFORMED: &str = "fhir_malformed";
/// A FHIR DocumentReference without an attachment that can be read: no
/// content, a url only (never fetched), or no text/plain, text/html or
/// application/pdf data.
pub const FHIR_NO_ATTACHMENT: &str = "fhir_no_attachment";
