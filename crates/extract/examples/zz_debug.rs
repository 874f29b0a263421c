use necessity_context::ContextEngine;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let needle = &args[2];
    let a = ContextEngine::builtin().analyze(&text);
    let mut from = 0;
    while let Some(i) = text[from..].find(needle.as_str()) {
        let s = from + i;
        let r = s..s + needle.len();
        let sent = a.sentence_of(s);
        println!(
            "{:?} section={:?} sentence={:?}\n  ctx={:?}",
            r,
            a.section_of(s),
            &text[sent],
            a.context_of(r.clone())
        );
        from = s + 1;
    }
}
