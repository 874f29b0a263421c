//! Prints the sections the engine finds in a note: kind, byte range and
//! line numbers (no note text), to see where a section starts and ends.
//!
//! `cargo run -p necessity-context --example sections -- note.txt`

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: sections NOTE.txt");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{path}: {error}");
            std::process::exit(1);
        }
    };
    let engine = necessity_context::ContextEngine::builtin();
    let analysis = engine.analyze(&text);
    let lines = analysis.lines();
    for section in analysis.sections() {
        let (from, to) =
            (lines.line_of(section.span.start) + 1, lines.line_of(section.span.end) + 1);
        println!(
            "{:<16} bytes {:>6}..{:<6} lines {from}..{to}",
            section.kind.name(),
            section.span.start,
            section.span.end
        );
    }
}
