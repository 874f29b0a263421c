//! Reading what the recogniser gives: Tesseract's word table (TSV) as text
//! with a confidence (laid out by where the lines are on the page, since
//! the extractor reads a note line by line), and a rendered page's pixels to tell a blank page (no
//! text, nothing failed) from a scan that gave no words (a failed page).

/// What Tesseract recognised on one page.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Recognised {
    /// Words of a line joined by a space, lines by a newline; where the page
    /// shows an empty line between two lines (a gap taller than most of a
    /// line), an empty line, as the writer left it.
    pub(crate) text: String,
    /// Sum of the words' confidences (0-100 each), to average over pages.
    pub(crate) confidence_sum: f64,
    pub(crate) words: u32,
}

/// One row of Tesseract's TSV: the level (4 = line, 5 = word), the line it
/// belongs to (block, paragraph and line numbers), its box's top and height
/// in pixels, the confidence and the text.
struct Row<'a> {
    level: &'a str,
    line: (&'a str, &'a str, &'a str),
    top: i64,
    height: i64,
    confidence: f64,
    text: &'a str,
}

impl<'a> Row<'a> {
    fn parse(row: &'a str) -> Option<Row<'a>> {
        let fields: Vec<&str> = row.split('\t').collect();
        let [level, _page, block, paragraph, line, _word, _left, top, _width, height, confidence, text] =
            fields[..]
        else {
            return None;
        };
        Some(Row {
            level,
            line: (block, paragraph, line),
            top: top.parse().ok()?,
            height: height.parse().ok()?,
            confidence: confidence.parse().ok()?,
            text: text.trim(),
        })
    }
}

const LINE_LEVEL: &str = "4";
const WORD_LEVEL: &str = "5";

/// A gap between two lines taller than this share of a line's height is an
/// empty line on the page: typed lines sit about a third of a line apart.
const EMPTY_LINE_GAP: f64 = 0.75;

/// The words of a TSV table, in reading order, laid out as lines.
pub(crate) fn read_tsv(tsv: &str) -> Recognised {
    let rows: Vec<Row> = tsv.lines().skip(1).filter_map(Row::parse).collect();
    let line_box = |line| {
        rows.iter()
            .find(|row| row.level == LINE_LEVEL && row.line == line)
            .map(|row| (row.top, row.height))
    };
    let mut recognised = Recognised::default();
    let mut previous: Option<(&str, &str, &str)> = None;
    for word in rows.iter().filter(|row| row.level == WORD_LEVEL) {
        if word.text.is_empty() || word.confidence < 0.0 {
            continue;
        }
        let separator = match previous {
            None => "",
            Some(line) if line == word.line => " ",
            Some(line) => match (line_box(line), line_box(word.line)) {
                (Some((top, height)), Some((next_top, next_height)))
                    if (next_top - (top + height)) as f64
                        > EMPTY_LINE_GAP * height.max(next_height) as f64 =>
                {
                    "\n\n"
                }
                _ => "\n",
            },
        };
        recognised.text.push_str(separator);
        recognised.text.push_str(word.text);
        recognised.confidence_sum += word.confidence.min(100.0);
        recognised.words += 1;
        previous = Some(word.line);
    }
    if !recognised.text.is_empty() {
        recognised.text.push('\n');
    }
    recognised
}

/// A pixel at most this bright counts as ink.
const INK: u8 = 128;
/// A page with at most one ink pixel in this many is blank: room for the
/// specks of a fax line, not for one short word at 300 dpi.
const BLANK_RATIO: usize = 20_000;

/// Whether a binary greyscale PGM (`pdftoppm -gray`) is a blank page. An
/// image that does not parse is not blank, so it still goes to recognition.
pub(crate) fn is_blank(pgm: &[u8]) -> bool {
    let Some((width, height, pixels)) = pgm_pixels(pgm) else {
        return false;
    };
    let ink = pixels.iter().filter(|&&pixel| pixel <= INK).count();
    ink <= (width * height) / BLANK_RATIO
}

/// Width, height and the 8-bit pixels of a binary PGM: `P5`, width, height
/// and the maximum value as decimal numbers separated by white space, one
/// white-space byte, then the pixels.
fn pgm_pixels(pgm: &[u8]) -> Option<(usize, usize, &[u8])> {
    let rest = pgm.strip_prefix(b"P5")?;
    let mut numbers = [0usize; 3];
    let mut at = 0;
    for number in &mut numbers {
        while rest.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        let digits = rest[at..].iter().take_while(|byte| byte.is_ascii_digit()).count();
        *number = std::str::from_utf8(&rest[at..at + digits]).ok()?.parse().ok()?;
        at += digits;
    }
    let [width, height, max] = numbers;
    let pixels = rest.get(at + 1..)?;
    (max < 256 && pixels.len() >= width.checked_mul(height)?)
        .then(|| (width, height, &pixels[..width * height]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";

    fn tsv(rows: &[&str]) -> String {
        [HEADER].iter().chain(rows).copied().collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn words_are_laid_out_as_lines_with_the_empty_lines_of_the_page() {
        let table = tsv(&[
            "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t",
            "4\t1\t1\t1\t1\t0\t10\t10\t90\t20\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t96.5\tBSA:",
            "5\t1\t1\t1\t1\t2\t70\t10\t30\t20\t90.5\t15%",
            // The next line 8 pixels below: the next typed line.
            "4\t1\t1\t1\t2\t0\t10\t38\t50\t20\t-1\t",
            "5\t1\t1\t1\t2\t1\t10\t38\t50\t20\t80\tIGA",
            "5\t1\t1\t1\t2\t2\t10\t38\t50\t20\t95\t ",
            // A new block, but only 10 pixels below: still the next line.
            "4\t1\t2\t1\t1\t0\t10\t68\t50\t20\t-1\t",
            "5\t1\t2\t1\t1\t1\t10\t68\t50\t20\t73\tDupixent",
            // 40 pixels below: an empty line between.
            "4\t1\t2\t1\t2\t0\t10\t128\t50\t20\t-1\t",
            "5\t1\t2\t1\t2\t1\t10\t128\t50\t20\t88\tq2w",
        ]);
        let recognised = read_tsv(&table);
        assert_eq!(recognised.text, "BSA: 15%\nIGA\nDupixent\n\nq2w\n");
        assert_eq!(recognised.words, 5);
        assert_eq!(recognised.confidence_sum, 96.5 + 90.5 + 80.0 + 73.0 + 88.0);
    }

    #[test]
    fn a_table_without_words_is_empty() {
        let recognised = read_tsv(&tsv(&["1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t"]));
        assert_eq!(recognised, Recognised::default());
        assert_eq!(read_tsv(""), Recognised::default());
    }

    fn pgm(width: usize, height: usize, pixel: impl Fn(usize) -> u8) -> Vec<u8> {
        let mut image = format!("P5\n{width} {height}\n255\n").into_bytes();
        image.extend((0..width * height).map(pixel));
        image
    }

    #[test]
    fn white_pages_and_specks_are_blank_ink_and_grey_are_not() {
        assert!(is_blank(&pgm(200, 300, |_| 255)));
        // Two specks in 60,000 pixels: fax noise.
        assert!(is_blank(&pgm(200, 300, |at| if at % 30_000 == 7 { 0 } else { 250 })));
        assert!(!is_blank(&pgm(200, 300, |at| if at % 50 == 0 { 0 } else { 255 })));
        assert!(!is_blank(&pgm(200, 300, |_| 100)));
    }

    #[test]
    fn images_that_do_not_parse_are_not_blank() {
        assert!(!is_blank(b"P6\n2 2\n255\n\xff\xff\xff\xff"));
        assert!(!is_blank(b"P5\n20 20\n255\n\xff"));
        assert!(!is_blank(b"P5\n"));
    }
}
