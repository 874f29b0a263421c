//! The programs a PDF worker may use besides `pdf-extract`: poppler's
//! `pdftotext` (a second text extractor) and `pdftoppm` (renders a page to
//! an image), and `tesseract` (recognises the text of a rendered page).
//!
//! Poppler reads many files `pdf-extract` cannot, and renders everything a
//! fax holds (CCITT, JBIG2, JPEG 2000 images), which no Rust crate does as
//! well; Tesseract is the recogniser Debian packages. Each runs as a child
//! of the worker, tied to it ([`die_with_parent`]), under the worker's memory
//! cap (rlimits are inherited) and killed at the worker's deadline. None is
//! required: a program that is not installed is [`ToolError::Missing`].

use super::children::die_with_parent;
use super::read_capped;
use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;
use wait_timeout::ChildExt;

/// Resolution a page without a scanned image is rendered at for recognition:
/// Tesseract reads body text best at about 300 dpi.
const RENDER_DPI: u32 = 300;

/// Scans between these resolutions are rendered at their own (see
/// [`render_resolution`]); coarser ones are enlarged to [`RENDER_DPI`], finer
/// ones reduced to it, which costs recognition time and gains nothing.
const NATIVE_DPI: std::ops::RangeInclusive<u32> = 150..=400;

/// Largest output a tool may give: a text far past any note, or a page image
/// of about 16 x 20 inches at 300 dpi. Beyond it the page fails.
const MAX_TOOL_OUTPUT: u64 = 256 << 20;

/// Why a tool gave nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToolError {
    /// Not installed (not found on `PATH`).
    Missing,
    /// It ran and failed, crashed, or wrote more than [`MAX_TOOL_OUTPUT`].
    Failed,
    /// It was still running at the deadline and was killed.
    TimedOut,
}

/// A PDF as a path the tools can open: the input file itself or, for a PDF
/// that came as bytes (a FHIR attachment), an in-memory file the tools
/// inherit, so that the note never touches the disk.
pub(crate) enum ToolFile {
    Path(PathBuf),
    #[cfg(target_os = "linux")]
    Memory(std::fs::File),
    /// No way to hand these bytes to a tool on this platform.
    Unavailable,
}

impl ToolFile {
    /// An in-memory file holding `bytes` (Linux `memfd_create`), left open
    /// across `exec` so that children can open it as `/proc/self/fd/N`.
    #[cfg(target_os = "linux")]
    pub(crate) fn of_bytes(bytes: &[u8]) -> ToolFile {
        use std::os::unix::io::FromRawFd;
        // SAFETY: the name is a valid C string; a non-negative result is a
        // new descriptor that the File alone owns.
        let fd = unsafe { libc::memfd_create(c"necessity-pdf".as_ptr(), 0) };
        if fd < 0 {
            return ToolFile::Unavailable;
        }
        // SAFETY: see above.
        let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
        match file.write_all(bytes) {
            Ok(()) => ToolFile::Memory(file),
            Err(_) => ToolFile::Unavailable,
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub(crate) fn of_bytes(_bytes: &[u8]) -> ToolFile {
        ToolFile::Unavailable
    }

    fn path(&self) -> Option<PathBuf> {
        match self {
            ToolFile::Path(path) => Some(path.clone()),
            #[cfg(target_os = "linux")]
            ToolFile::Memory(file) => {
                use std::os::unix::io::AsRawFd;
                Some(PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd())))
            }
            ToolFile::Unavailable => None,
        }
    }
}

/// Each page's text by `pdftotext` (layout kept, so a form's table rows stay
/// on their lines), in page order.
pub(crate) fn pdftotext_pages(
    file: &ToolFile,
    deadline: Instant,
) -> Result<Vec<String>, ToolError> {
    let path = file.path().ok_or(ToolError::Missing)?;
    let args = [OsStr::new("-q"), "-layout".as_ref(), "-enc".as_ref(), "UTF-8".as_ref()];
    let output = run(
        "pdftotext",
        args.iter().copied().chain([path.as_os_str(), "-".as_ref()]),
        None,
        deadline,
    )?;
    let text = String::from_utf8_lossy(&output);
    // Every page ends with a form feed, the last one too.
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if pages.last().is_some_and(|last| last.trim().is_empty()) {
        pages.pop();
    }
    Ok(pages)
}

/// The resolution to render page `page` (1-based) at: that of its largest
/// image when it is a scan of a usual resolution, since a page is read best
/// as it was scanned (a 200 dpi fax scaled to 300 dpi blurs letters into
/// others: EASI became EAST), else [`RENDER_DPI`].
pub(crate) fn render_resolution(file: &ToolFile, page: u32, deadline: Instant) -> u32 {
    let Some(path) = file.path() else { return RENDER_DPI };
    let page = page.to_string();
    let args: [&OsStr; 6] = [
        "-list".as_ref(),
        "-f".as_ref(),
        page.as_ref(),
        "-l".as_ref(),
        page.as_ref(),
        path.as_os_str(),
    ];
    let Ok(list) = run("pdfimages", args, None, deadline) else { return RENDER_DPI };
    largest_image_ppi(&String::from_utf8_lossy(&list))
        .filter(|ppi| NATIVE_DPI.contains(ppi))
        .unwrap_or(RENDER_DPI)
}

/// The horizontal resolution of the largest image in `pdfimages -list`'s
/// table (after two header lines: page, num, type, width, height, color,
/// comp, bpc, enc, interp, object, ID, x-ppi, y-ppi, size, ratio).
fn largest_image_ppi(list: &str) -> Option<u32> {
    list.lines()
        .skip(2)
        .filter_map(|row| {
            let fields: Vec<&str> = row.split_whitespace().collect();
            let number = |at: usize| fields.get(at)?.parse::<u64>().ok();
            (fields.get(2) == Some(&"image")).then_some(())?;
            Some((number(3)? * number(4)?, u32::try_from(number(12)?).ok()?))
        })
        .max_by_key(|&(pixels, _)| pixels)
        .map(|(_, ppi)| ppi)
}

/// Page `page` (1-based) rendered in grey at `dpi`, as a binary PGM.
pub(crate) fn render_page(
    file: &ToolFile,
    page: u32,
    dpi: u32,
    deadline: Instant,
) -> Result<Vec<u8>, ToolError> {
    let path = file.path().ok_or(ToolError::Missing)?;
    let page = page.to_string();
    let dpi = dpi.to_string();
    let args: [&OsStr; 8] = [
        "-f".as_ref(),
        page.as_ref(),
        "-l".as_ref(),
        page.as_ref(),
        "-r".as_ref(),
        dpi.as_ref(),
        "-gray".as_ref(),
        path.as_os_str(),
    ];
    run("pdftoppm", args, None, deadline)
}

/// Tesseract's word table (TSV) for a page image rendered at `dpi`, English
/// model, one thread: documents are already read in parallel.
pub(crate) fn recognise(image: &[u8], dpi: u32, deadline: Instant) -> Result<String, ToolError> {
    let dpi = dpi.to_string();
    let args: [&OsStr; 7] = [
        "stdin".as_ref(),
        "stdout".as_ref(),
        "-l".as_ref(),
        "eng".as_ref(),
        "--dpi".as_ref(),
        dpi.as_ref(),
        "tsv".as_ref(),
    ];
    let output = run("tesseract", args, Some(image), deadline)?;
    Ok(String::from_utf8_lossy(&output).into_owned())
}

/// Runs `program` on `input` (its stdin) and returns its stdout, killing it
/// at `deadline`. Its stderr is discarded: it may quote the file.
fn run<'a>(
    program: &str,
    args: impl IntoIterator<Item = &'a OsStr>,
    input: Option<&[u8]>,
    deadline: Instant,
) -> Result<Vec<u8>, ToolError> {
    if Instant::now() >= deadline {
        return Err(ToolError::TimedOut);
    }
    let mut command = Command::new(program);
    command
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = match die_with_parent(&mut command).spawn() {
        Ok(child) => child,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(ToolError::Missing),
        Err(_) => return Err(ToolError::Failed),
    };
    let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
    std::thread::scope(|scope| {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            // A tool that stops reading (it failed) closes the pipe: fine.
            scope.spawn(move || stdin.write_all(input));
        }
        let reader = scope.spawn(move || match stdout {
            Some(stdout) => read_capped(stdout, MAX_TOOL_OUTPUT),
            None => Ok((Vec::new(), false)),
        });
        let status = child.wait_timeout(deadline.saturating_duration_since(Instant::now()));
        let status = match status {
            Ok(Some(status)) => Ok(status),
            Ok(None) => Err(ToolError::TimedOut),
            Err(_) => Err(ToolError::Failed),
        };
        if status.is_err() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let output = reader.join().unwrap_or(Ok((Vec::new(), true)));
        match (status?, output) {
            (status, Ok((output, false))) if status.success() => Ok(output),
            _ => Err(ToolError::Failed),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_missing_program_is_missing_not_failed() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let outcome = run("necessity-no-such-tool", [OsStr::new("x")], None, deadline);
        assert_eq!(outcome, Err(ToolError::Missing));
    }

    #[test]
    fn a_tool_past_the_deadline_is_killed() {
        let deadline = Instant::now() + Duration::from_millis(200);
        let outcome = run("sleep", [OsStr::new("30")], None, deadline);
        assert_eq!(outcome, Err(ToolError::TimedOut));
    }

    #[test]
    fn input_goes_in_and_output_comes_out() {
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(run("cat", [], Some(b"page"), deadline), Ok(b"page".to_vec()));
        assert_eq!(run("false", [], None, deadline), Err(ToolError::Failed));
    }

    #[test]
    fn the_largest_image_gives_the_resolution() {
        let list = "page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio
--------------------------------------------------------------------------------------------
   1     0 image     100   100  gray    1   8  image  no         9  0    72    72  1K 3%
   1     1 image    1700  2200  gray    1   1  ccitt  no        10  0   200   196  20K 4%
   1     2 smask   3400  4400  gray    1   8  image  no        11  0   400   400  20K 4%
";
        assert_eq!(largest_image_ppi(list), Some(200));
        assert_eq!(largest_image_ppi(&list[..200]), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn bytes_reach_a_tool_through_an_in_memory_file() {
        let file = ToolFile::of_bytes(b"%PDF-1.4 in memory");
        let path = file.path().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(
            run("cat", [path.as_os_str()], None, deadline),
            Ok(b"%PDF-1.4 in memory".to_vec())
        );
    }
}
