//! Prints the facts extracted from each note file given, as JSON, for
//! checking a note by hand: `cargo run -p necessity-extract --example facts -- note.txt`.

use necessity_extract::{extract_case, Lexicons};

fn main() {
    let lexicons = Lexicons::builtin();
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let facts = extract_case(&lexicons, &text);
                match serde_json::to_string_pretty(&facts) {
                    Ok(json) => println!("{path}\n{json}"),
                    Err(e) => eprintln!("{path}: {e}"),
                }
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
