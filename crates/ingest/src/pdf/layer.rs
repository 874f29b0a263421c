//! A PDF's text layer through `pdf-extract`, with where each page's text
//! starts: the text is exactly what `pdf_extract::extract_text_from_mem`
//! gives, so records of PDFs whose every page has text do not change, and
//! the page ranges say which pages have none (scans to recognise).

use super::PdfFailure;
use crate::kind;
use pdf_extract::{ConvertToFmt, MediaBox, OutputDev, OutputError, PlainTextOutput, Transform};
use std::cell::RefCell;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

/// The text layer of a whole PDF, and each page's share of it in page order.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct TextLayer {
    pub(crate) text: String,
    /// Byte ranges of `text`, one per page; together they cover it exactly.
    pub(crate) pages: Vec<Range<usize>>,
}

impl TextLayer {
    /// The text of page `index` (0-based).
    pub(crate) fn page(&self, index: usize) -> &str {
        &self.text[self.pages[index].clone()]
    }
}

/// The text layer of the PDF in `bytes`; a parser error or panic is a failure.
pub(crate) fn text_layer(bytes: &[u8]) -> Result<TextLayer, PdfFailure> {
    match panic::catch_unwind(AssertUnwindSafe(|| paged_text(bytes))) {
        Ok(Ok(layer)) => Ok(layer),
        Ok(Err(error)) => Err(classify(&error)),
        Err(_) => Err(PdfFailure::new(kind::PDF_UNREADABLE, "the PDF parser crashed on this file")),
    }
}

/// What `extract_text_from_mem` does, with an output that notes page starts.
fn paged_text(bytes: &[u8]) -> Result<TextLayer, OutputError> {
    let mut document = pdf_extract::Document::load_mem(bytes)?;
    if document.is_encrypted() {
        document.decrypt("")?;
    }
    let text = SharedText::default();
    let mut output =
        PagedOutput { plain: PlainTextOutput::new(text.clone()), text, starts: vec![] };
    pdf_extract::output_doc(&document, &mut output)?;
    let PagedOutput { text, starts, .. } = output;
    let text = text.0.take();
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    let pages = starts.iter().zip(ends).map(|(&start, end)| start..end).collect();
    Ok(TextLayer { text, pages })
}

/// The text being written, readable while the plain-text output writes it.
#[derive(Clone, Default)]
struct SharedText(Rc<RefCell<String>>);

impl std::fmt::Write for SharedText {
    fn write_str(&mut self, piece: &str) -> std::fmt::Result {
        self.0.borrow_mut().push_str(piece);
        Ok(())
    }
}

impl ConvertToFmt for SharedText {
    type Writer = SharedText;
    fn convert(self) -> SharedText {
        self
    }
}

/// `pdf-extract`'s plain-text output, noting where each page begins.
struct PagedOutput {
    plain: PlainTextOutput<SharedText>,
    text: SharedText,
    starts: Vec<usize>,
}

impl OutputDev for PagedOutput {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.starts.push(self.text.0.borrow().len());
        self.plain.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.plain.end_page()
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        self.plain.output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.plain.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.plain.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.plain.end_line()
    }
}

/// A parser error as a kind and a fixed message: lopdf messages can quote
/// strings from the file, which may be note text.
fn classify(error: &OutputError) -> PdfFailure {
    use lopdf::Error as E;
    let unreadable = |why: &str| {
        PdfFailure::new(kind::PDF_UNREADABLE, format!("the PDF cannot be parsed: {why}"))
    };
    match error {
        OutputError::PdfError(
            E::Decryption(_) | E::InvalidPassword | E::UnsupportedSecurityHandler(_),
        ) => PdfFailure::new(
            kind::PDF_ENCRYPTED,
            "the PDF is encrypted and does not open without a password",
        ),
        OutputError::PdfError(E::Parse(_) | E::IndirectObject { .. } | E::InvalidOffset(_)) => {
            unreadable("syntax error")
        }
        OutputError::PdfError(E::Xref(_) | E::MissingXrefEntry | E::ObjectNotFound(_)) => {
            unreadable("broken cross-reference table")
        }
        OutputError::PdfError(E::Decompress(_) | E::InvalidStream(_)) => {
            unreadable("a stream does not decode")
        }
        OutputError::PdfError(E::ReferenceCycle(_) | E::ReferenceLimit) => {
            unreadable("reference cycle")
        }
        // The bytes are already in memory: an I/O error here is truncated data.
        OutputError::PdfError(E::IO(_)) => unreadable("truncated or damaged data"),
        _ => unreadable("invalid structure"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        let failure =
            text_layer(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n%%EOF").unwrap_err();
        assert_eq!(failure.kind, kind::PDF_UNREADABLE);
    }
}
