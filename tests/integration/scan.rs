//! Scanned faxes end to end: a corpus note is typed into a PDF, printed and
//! scanned (each page rendered in black and white by poppler and wrapped,
//! as an image only, in a new PDF with no text layer, as a fax server sends
//! it), and `necessity run` must decide it as it decides the text note.
//!
//! Needs tesseract-ocr and poppler-utils (`scripts/install-ocr.sh`, which
//! `.ci/run` calls); without them these tests fail and say so.

use crate::run::{outcomes, records};
use crate::util::necessity;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Courier at this size, on this leading, fits a corpus note's 80-character
/// lines on a letter page with 0.5 inch margins.
const FONT_SIZE: i64 = 9;
const LEADING: i64 = 12;
const LINES_PER_PAGE: usize = 60;
const LETTER: [i64; 2] = [612, 792];

/// One page of a fixture PDF.
enum Page {
    /// Lines typed in Courier: a text layer.
    Typed(Vec<String>),
    /// A black-and-white image only (PBM rows, 1 = black), and its resolution.
    Scanned { width: u32, height: u32, rows: Vec<u8>, dpi: u32 },
    /// A uniform grey image: not blank, yet no text on it.
    Grey,
}

/// The PDF of `pages`.
fn pdf(pages: &[Page]) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let kids: Vec<Object> =
        pages.iter().map(|page| add_page(&mut document, pages_id, page).into()).collect();
    let count = kids.len() as i64;
    let tree = dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count };
    document.objects.insert(pages_id, Object::Dictionary(tree));
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

fn add_page(document: &mut Document, parent: ObjectId, page: &Page) -> ObjectId {
    let (resources, operations) = match page {
        Page::Typed(lines) => {
            let font = document.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
            });
            let resources = dictionary! { "Font" => dictionary! { "F1" => font } };
            let top = LETTER[1] - 36 - FONT_SIZE;
            let mut operations = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), FONT_SIZE.into()]),
                Operation::new("TL", vec![LEADING.into()]),
                Operation::new("Td", vec![36.into(), top.into()]),
            ];
            for line in lines {
                operations.push(Operation::new("Tj", vec![Object::string_literal(line.as_str())]));
                operations.push(Operation::new("T*", vec![]));
            }
            operations.push(Operation::new("ET", vec![]));
            (resources, operations)
        }
        Page::Scanned { width, height, rows, dpi } => {
            let image = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image",
                    "Width" => *width as i64, "Height" => *height as i64,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1,
                    // PBM's 1 is black, DeviceGray's 0 is.
                    "Decode" => vec![1.into(), 0.into()],
                },
                rows.clone(),
            );
            let scale = |pixels: u32| Object::Real(pixels as f32 * 72.0 / *dpi as f32);
            image_page(document, image, scale(*width), scale(*height))
        }
        Page::Grey => {
            let image = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => 64, "Height" => 64,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                },
                vec![128; 64 * 64],
            );
            image_page(document, image, Object::Integer(LETTER[0]), Object::Integer(LETTER[1]))
        }
    };
    let mut content = Stream::new(dictionary! {}, Content { operations }.encode().unwrap());
    content.compress().unwrap();
    let contents = document.add_object(content);
    let resources = document.add_object(resources);
    document.add_object(dictionary! {
        "Type" => "Page", "Parent" => parent, "Contents" => contents, "Resources" => resources,
        "MediaBox" => vec![0.into(), 0.into(), LETTER[0].into(), LETTER[1].into()],
    })
}

/// Resources and drawing operations of a page that is one image, drawn
/// `width` by `height` points from the top left corner.
fn image_page(
    document: &mut Document,
    mut image: Stream,
    width: Object,
    height: Object,
) -> (lopdf::Dictionary, Vec<Operation>) {
    image.compress().unwrap();
    let image = document.add_object(image);
    let resources = dictionary! { "XObject" => dictionary! { "Im1" => image } };
    let bottom = match &height {
        Object::Real(points) => LETTER[1] as f32 - points,
        _ => 0.0,
    };
    let operations = vec![
        Operation::new("q", vec![]),
        Operation::new("cm", vec![width, 0.into(), 0.into(), height, 0.into(), bottom.into()]),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
    ];
    (resources, operations)
}

/// The typed pages of a text note.
fn typed(note: &str) -> Vec<Page> {
    let lines: Vec<String> = note.lines().map(str::to_string).collect();
    lines.chunks(LINES_PER_PAGE).map(|chunk| Page::Typed(chunk.to_vec())).collect()
}

/// `pages` printed and scanned at `dpi` in black and white, page by page.
fn scan(pages: Vec<Page>, dpi: u32) -> Vec<Page> {
    let dir = tempfile::tempdir().unwrap();
    let typed = dir.path().join("typed.pdf");
    fs::write(&typed, pdf(&pages)).unwrap();
    (1..=pages.len()).map(|number| render(&typed, number, dpi)).collect()
}

/// Page `number` of `pdf` rendered by pdftoppm as a 1-bit image.
fn render(pdf: &Path, number: usize, dpi: u32) -> Page {
    let number = number.to_string();
    let output = Command::new("pdftoppm")
        .args(["-mono", "-r", &dpi.to_string(), "-f", &number, "-l", &number])
        .arg(pdf)
        .stderr(Stdio::null())
        .output()
        .expect("pdftoppm runs (scripts/install-ocr.sh installs poppler-utils)");
    assert!(output.status.success(), "pdftoppm failed");
    let pbm = output.stdout;
    // "P4\n<width> <height>\n" then rows of packed bits.
    let mut header = pbm.splitn(4, |byte| byte.is_ascii_whitespace());
    assert_eq!(header.next(), Some(&b"P4"[..]));
    let mut number =
        || -> u32 { std::str::from_utf8(header.next().unwrap()).unwrap().parse().unwrap() };
    let (width, height) = (number(), number());
    let rows = header.next().unwrap().to_vec();
    assert_eq!(rows.len(), width.div_ceil(8) as usize * height as usize);
    Page::Scanned { width, height, rows, dpi }
}

/// A corpus note's text.
fn note(name: &str) -> String {
    fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes").join(name))
        .unwrap()
}

/// The one record `necessity run` gives for `bytes` saved as `name`.
fn decide(name: &str, bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    let output =
        necessity().args(["run", "-q", "--doc-timeout", "120"]).arg(&path).output().unwrap();
    let mut records = records(&output);
    assert_eq!(records.len(), 1, "{:?}", outcomes(&records));
    records.remove(0)
}

/// The text the PDF worker reads from `bytes`: what evidence offsets index.
fn worker_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.pdf");
    fs::write(&path, bytes).unwrap();
    let output =
        necessity().args(["pdf-worker", "--seconds", "120", "--"]).arg(&path).output().unwrap();
    assert!(output.status.success(), "the worker read nothing");
    let output = String::from_utf8(output.stdout).unwrap();
    output.split_once('\n').unwrap().1.to_string()
}

/// The facts a reviewer checks first: they must survive the fax.
fn key_facts(record: &Value) -> Value {
    let facts = &record["facts"];
    let treatments: Vec<Value> = facts["treatments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|treatment| serde_json::json!([treatment["agent"], treatment["outcome"]]))
        .collect();
    serde_json::json!({
        "determination": record["determination"],
        "requested_drug": facts["requested_drug"],
        "diagnosis": facts["diagnosis"],
        "age_years": facts["age_years"],
        "measures": facts["measures"],
        "high_impact_sites": facts["high_impact_sites"],
        "treatments": treatments,
        "dosing": facts["dosing"],
    })
}

/// Every evidence span of `value` (a record or a part of it).
fn spans(value: &Value, found: &mut Vec<(usize, usize, String)>) {
    match value {
        Value::Object(object) => {
            if let (Some(start), Some(end), Some(text)) =
                (object.get("start"), object.get("end"), object.get("text"))
            {
                let offset = |value: &Value| value.as_u64().unwrap() as usize;
                found.push((offset(start), offset(end), text.as_str().unwrap().to_string()));
            }
            object.values().for_each(|value| spans(value, found));
        }
        Value::Array(values) => values.iter().for_each(|value| spans(value, found)),
        _ => {}
    }
}

#[test]
fn a_scanned_prior_authorization_form_is_decided_as_its_text() {
    for name in ["a-pa-form-complete.txt", "seed-dupixent-adult.txt"] {
        let text = note(name);
        let typed_record = decide(name, text.as_bytes());
        let scan = pdf(&scan(typed(&text), 200));
        let scanned_record = decide("fax.pdf", &scan);
        assert_eq!(scanned_record["status"], "ok", "{name}: {scanned_record}");
        let source = &scanned_record["source"];
        assert_eq!((source["format"].as_str(), source["ocr"].as_bool()), (Some("pdf"), Some(true)));
        let confidence = source["ocr_confidence"].as_f64().unwrap();
        assert!(confidence > 85.0, "{name}: a clean scan recognised at {confidence}");
        assert!(source.get("pages_failed").is_none(), "{name}: {source}");
        assert_eq!(key_facts(&scanned_record), key_facts(&typed_record), "{name}");
        // Evidence quotes the recognised text at its offsets.
        let recognised = worker_text(&scan);
        let mut evidence = Vec::new();
        spans(&scanned_record, &mut evidence);
        assert!(!evidence.is_empty());
        for (start, end, quoted) in evidence {
            assert_eq!(recognised.get(start..end), Some(quoted.as_str()), "{name}");
        }
    }
}

#[test]
fn failed_pages_and_low_confidence_reach_the_record() {
    let text = note("a-pa-form-complete.txt");
    let clean = decide("clean.pdf", &pdf(&scan(typed(&text), 200)));
    let clean_confidence = clean["source"]["ocr_confidence"].as_f64().unwrap();
    // A typed cover sheet, a grey page that holds nothing legible, and the
    // form scanned at a resolution too coarse to read well.
    let mut pages = vec![Page::Typed(vec!["FAX COVER SHEET".into(), "Pages: 3".into()])];
    pages.push(Page::Grey);
    pages.extend(scan(typed(&text), 75));
    let record = decide("fax.pdf", &pdf(&pages));
    assert_eq!(record["status"], "ok", "{record}");
    let source = &record["source"];
    assert_eq!(source["ocr"], true);
    assert_eq!(source["pages_failed"], serde_json::json!([2]));
    let confidence = source["ocr_confidence"].as_f64().unwrap();
    assert!(
        confidence < clean_confidence - 5.0,
        "a coarse scan recognised at {confidence}, a clean one at {clean_confidence}"
    );
}

#[test]
fn a_scan_without_ocr_tools_is_pdf_no_text_saying_why() {
    // A PATH with poppler but not tesseract, then one with neither.
    let bin = tempfile::tempdir().unwrap();
    for tool in ["pdftoppm", "pdftotext"] {
        let found = which(tool).expect("poppler-utils is installed (scripts/install-ocr.sh)");
        std::os::unix::fs::symlink(found, bin.path().join(tool)).unwrap();
    }
    let empty = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fax.pdf");
    fs::write(&path, pdf(&scan(typed("Atopic dermatitis, BSA 12%."), 100))).unwrap();
    for path_variable in [bin.path(), empty.path()] {
        let output =
            necessity().args(["run", "-q"]).arg(&path).env("PATH", path_variable).output().unwrap();
        assert_eq!(output.status.code(), Some(3));
        let record = &records(&output)[0];
        assert_eq!(record["error"]["kind"], "pdf_no_text");
        let message = record["error"]["message"].as_str().unwrap();
        assert!(message.contains("OCR is unavailable"), "{message}");
    }
}

/// Where `program` is on this process's PATH.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

#[test]
fn a_scanned_fax_attached_to_a_fhir_document_reference_is_recognised() {
    use base64::Engine as _;
    let text = note("a-pa-form-complete.txt");
    let typed_record = decide("form.txt", text.as_bytes());
    let scan = pdf(&scan(typed(&text), 200));
    let resource = serde_json::json!({
        "resourceType": "DocumentReference",
        "id": "fax-1",
        "subject": {"reference": "Patient/p1"},
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "data": base64::engine::general_purpose::STANDARD.encode(&scan),
        }}],
    });
    // The PDF reaches the worker on its stdin and the OCR tools as an
    // in-memory file: nothing of it is written to disk.
    let record = decide("DocumentReference.ndjson", format!("{resource}\n").as_bytes());
    assert_eq!(record["id"], "DocumentReference.ndjson#fax-1");
    assert_eq!(record["source"]["format"], "fhir");
    assert_eq!(record["source"]["ocr"], true, "{record}");
    assert_eq!(key_facts(&record), key_facts(&typed_record));
}
