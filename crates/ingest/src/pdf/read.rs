//! From a PDF's bytes to its text, page by page: the text layer through
//! `pdf-extract`; for pages without one (or all pages, when it fails),
//! poppler's `pdftotext`; for pages still without text, the page rendered
//! and recognised (OCR). Typed pages keep `pdf-extract`'s exact text, so a
//! PDF whose every page has a text layer reads as it always did.

use super::layer::text_layer;
use super::ocr::{is_blank, read_tsv};
use super::tools::{
    pdftotext_pages, recognise, render_page, render_resolution, ToolError, ToolFile,
};
use super::PdfFailure;
use crate::kind;
use std::ops::Range;
use std::time::Instant;

/// A PDF's text and how it was obtained.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct PdfText {
    pub(crate) text: String,
    /// Mean confidence (0-100, one decimal) of the recognised words, when
    /// some page was recognised.
    pub(crate) ocr_confidence: Option<f64>,
    /// 1-based pages that gave no text although they are not blank.
    pub(crate) pages_failed: Vec<u32>,
}

/// What one page gave.
#[derive(Debug, PartialEq)]
enum Page {
    /// Its share of the text layer (a range of the layer's whole text).
    Layer(Range<usize>),
    /// Text read another way: by `pdftotext`, or recognised.
    Read(String),
    /// No text yet.
    Empty,
    /// Rendered, and nothing is on it.
    Blank,
    /// It could not be read: no text, not blank.
    Failed,
}

/// The recognition of a document's pages so far.
#[derive(Default)]
struct Recognition {
    confidence_sum: f64,
    words: u32,
    /// A tool is not installed: no page can be recognised.
    missing: bool,
    /// The deadline passed: no more pages are tried.
    out_of_time: bool,
}

/// The text of the PDF in `bytes`; `file` is the same PDF for the tools,
/// which stop at `deadline` (the pages not read by then have failed).
pub(crate) fn read_pdf(
    bytes: &[u8],
    file: &ToolFile,
    deadline: Instant,
) -> Result<PdfText, PdfFailure> {
    let (layer_text, mut pages, layer_failure) = match text_layer(bytes) {
        Ok(layer) => {
            let pages: Vec<Page> = (0..layer.pages.len())
                .map(|index| match has_text(layer.page(index)) {
                    true => Page::Layer(layer.pages[index].clone()),
                    false => Page::Empty,
                })
                .collect();
            if !pages.is_empty() && !pages.contains(&Page::Empty) {
                return Ok(PdfText { text: layer.text, ..PdfText::default() });
            }
            (layer.text, pages, None)
        }
        Err(failure) => (String::new(), Vec::new(), Some(failure)),
    };
    let extracted = pdftotext_pages(file, deadline);
    fill_from_second_extractor(&mut pages, extracted.as_deref().ok());
    if pages.is_empty() {
        return Err(layer_failure.unwrap_or_else(|| no_text("the PDF has no pages")));
    }
    let mut recognition = Recognition {
        out_of_time: extracted == Err(ToolError::TimedOut),
        ..Recognition::default()
    };
    for (index, page) in pages.iter_mut().enumerate() {
        if *page == Page::Empty {
            *page = recognition.page(file, index as u32 + 1, deadline);
        }
    }
    let text = compose(&layer_text, &pages);
    if !has_text(&text) {
        return Err(recognition.why_no_text(&pages));
    }
    let pages_failed = (1..).zip(&pages).filter(|(_, page)| **page == Page::Failed);
    Ok(PdfText {
        text,
        ocr_confidence: recognition.mean_confidence(),
        pages_failed: pages_failed.map(|(number, _)| number).collect(),
    })
}

/// Takes `pdftotext`'s pages: all of them when the text layer gave none,
/// else those the layer lacks, when both count the pages alike.
fn fill_from_second_extractor(pages: &mut Vec<Page>, extracted: Option<&[String]>) {
    let Some(extracted) = extracted else { return };
    let read = |text: &String| if has_text(text) { Page::Read(text.clone()) } else { Page::Empty };
    if pages.is_empty() {
        *pages = extracted.iter().map(read).collect();
    } else if pages.len() == extracted.len() {
        for (page, text) in pages.iter_mut().zip(extracted) {
            if *page == Page::Empty {
                *page = read(text);
            }
        }
    }
}

impl Recognition {
    /// Renders page `number` and recognises it.
    fn page(&mut self, file: &ToolFile, number: u32, deadline: Instant) -> Page {
        if self.missing || self.out_of_time {
            return Page::Failed;
        }
        let dpi = render_resolution(file, number, deadline);
        let image = match render_page(file, number, dpi, deadline) {
            Ok(image) => image,
            Err(error) => return self.failed(error),
        };
        if is_blank(&image) {
            return Page::Blank;
        }
        let tsv = match recognise(&image, dpi, deadline) {
            Ok(tsv) => tsv,
            Err(error) => return self.failed(error),
        };
        let recognised = read_tsv(&tsv);
        if recognised.words == 0 {
            return Page::Failed;
        }
        self.confidence_sum += recognised.confidence_sum;
        self.words += recognised.words;
        Page::Read(recognised.text)
    }

    fn failed(&mut self, error: ToolError) -> Page {
        match error {
            ToolError::Missing => self.missing = true,
            ToolError::TimedOut => self.out_of_time = true,
            ToolError::Failed => {}
        }
        Page::Failed
    }

    fn mean_confidence(&self) -> Option<f64> {
        let mean = self.confidence_sum / f64::from(self.words.max(1));
        (self.words > 0).then(|| (mean * 10.0).round() / 10.0)
    }

    /// Why no page gave text, as a failure.
    fn why_no_text(&self, pages: &[Page]) -> PdfFailure {
        let count = pages.len();
        if self.out_of_time {
            PdfFailure::new(
                kind::TIMEOUT,
                format!("no text was read from the PDF's {count} page(s) within --doc-timeout"),
            )
        } else if self.missing {
            no_text(
                "the PDF has no text layer, and OCR is unavailable (install tesseract-ocr and poppler-utils)",
            )
        } else if pages.iter().all(|page| *page == Page::Blank) {
            no_text(format!("the PDF's {count} page(s) are blank"))
        } else {
            no_text(format!(
                "the PDF has no text layer, and OCR recognised no text on its {count} page(s)"
            ))
        }
    }
}

/// The document's text: the layer's pages exactly as extracted, and each
/// page read otherwise as a block of lines of its own.
fn compose(layer_text: &str, pages: &[Page]) -> String {
    let mut text = String::new();
    for page in pages {
        match page {
            Page::Layer(range) => text.push_str(&layer_text[range.clone()]),
            Page::Read(block) => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(block.trim_end());
                text.push('\n');
            }
            Page::Empty | Page::Blank | Page::Failed => {}
        }
    }
    text
}

fn has_text(text: &str) -> bool {
    !text.trim().is_empty()
}

fn no_text(message: impl Into<String>) -> PdfFailure {
    PdfFailure::new(kind::PDF_NO_TEXT, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_pages_stay_exact_and_read_pages_are_blocks() {
        let layer = "Page one\n\nthree";
        let pages = [
            Page::Layer(0..8),
            Page::Read("BSA 12%  \n".into()),
            Page::Blank,
            Page::Layer(8..15),
            Page::Failed,
            Page::Read("IGA 3".into()),
        ];
        assert_eq!(compose(layer, &pages), "Page one\nBSA 12%\n\n\nthree\nIGA 3\n");
        assert_eq!(compose(layer, &[Page::Layer(0..15)]), layer);
    }

    #[test]
    fn the_second_extractor_fills_what_the_layer_lacks_when_pages_agree() {
        let extracted = ["one".to_string(), "two".into(), " \n".into()];
        let mut pages = vec![Page::Layer(0..3), Page::Empty, Page::Empty];
        fill_from_second_extractor(&mut pages, Some(&extracted));
        assert_eq!(pages, [Page::Layer(0..3), Page::Read("two".into()), Page::Empty]);
        let mut pages = vec![Page::Empty];
        fill_from_second_extractor(&mut pages, Some(&extracted));
        assert_eq!(pages, [Page::Empty], "page counts differ: nothing is taken");
        let mut pages = vec![];
        fill_from_second_extractor(&mut pages, Some(&extracted));
        assert_eq!(pages, [Page::Read("one".into()), Page::Read("two".into()), Page::Empty]);
    }

    #[test]
    fn why_there_is_no_text() {
        let missing = Recognition { missing: true, ..Recognition::default() };
        let failure = missing.why_no_text(&[Page::Failed]);
        assert_eq!(failure.kind, kind::PDF_NO_TEXT);
        assert!(failure.message.contains("OCR is unavailable"), "{}", failure.message);
        let late = Recognition { out_of_time: true, ..Recognition::default() };
        assert_eq!(late.why_no_text(&[Page::Failed]).kind, kind::TIMEOUT);
        let ran = Recognition::default();
        assert!(ran
            .why_no_text(&[Page::Blank, Page::Blank])
            .message
            .contains("2 page(s) are blank"));
        assert!(ran
            .why_no_text(&[Page::Blank, Page::Failed])
            .message
            .contains("recognised no text"));
    }

    #[test]
    fn no_page_is_tried_once_time_is_up_or_a_tool_is_missing() {
        // A file no tool could open: a page that were tried would fail too,
        // but these return before any tool runs.
        let file = ToolFile::Unavailable;
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        let mut late = Recognition { out_of_time: true, ..Recognition::default() };
        assert_eq!(late.page(&file, 1, deadline), Page::Failed);
        let mut missing = Recognition { missing: true, ..Recognition::default() };
        assert_eq!(missing.page(&file, 1, deadline), Page::Failed);
        // A deadline already passed stops the first tool.
        let mut recognition = Recognition::default();
        let path = ToolFile::Path("missing.pdf".into());
        assert_eq!(recognition.page(&path, 1, Instant::now()), Page::Failed);
        assert!(recognition.out_of_time);
    }

    #[test]
    fn confidence_is_the_mean_over_words_to_one_decimal() {
        let recognition =
            Recognition { confidence_sum: 90.0 + 85.0 + 80.04, words: 3, ..Recognition::default() };
        assert_eq!(recognition.mean_confidence(), Some(85.0));
        assert_eq!(Recognition::default().mean_confidence(), None);
    }
}
