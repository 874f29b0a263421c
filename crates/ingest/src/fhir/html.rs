//! HTML attachments as the text a browser shows: html5ever's tokenizer (the
//! HTML standard's rules, entities decoded) with the tags dropped, white
//! space collapsed outside `<pre>`, scripts, styles and the head left out,
//! and block elements as line ends, since the extractor reads a note line
//! by line (a paragraph or a table ends with an empty line, as in a typed
//! note; a table's cells are two spaces apart, as in a typed form).

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

/// The text of an HTML document or fragment.
pub(crate) fn html_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(TextSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    // Without a tree builder no token blocks the tokenizer (no scripts run).
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let text = tokenizer.sink.text.take();
    format!("{}\n", text.trim_end())
}

/// How an element breaks the text around it.
#[derive(Clone, Copy, PartialEq)]
enum Break {
    /// Ends a paragraph: an empty line before and after.
    Paragraph,
    /// Ends a line.
    Line,
    /// A table cell: two spaces from the previous one.
    Cell,
    /// Its content is not shown.
    Hidden,
    /// Inline: no break.
    None,
}

fn break_of(name: &str) -> Break {
    match name {
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "ul" | "ol" | "dl"
        | "blockquote" | "pre" | "section" | "article" | "header" | "footer" | "hr" | "main"
        | "aside" | "nav" | "figure" | "form" | "fieldset" => Break::Paragraph,
        "br" | "div" | "li" | "tr" | "dt" | "dd" | "caption" | "address" | "figcaption"
        | "legend" | "option" => Break::Line,
        "td" | "th" => Break::Cell,
        "head" | "script" | "style" | "template" | "title" | "textarea" | "xmp" | "iframe"
        | "noembed" | "noframes" | "object" => Break::Hidden,
        _ => Break::None,
    }
}

/// Collects the shown text as tokens arrive.
#[derive(Default)]
struct TextSink {
    text: RefCell<String>,
    /// Open elements whose content is hidden.
    hidden: RefCell<u32>,
    /// Open `<pre>` elements, inside which white space is kept.
    pre: RefCell<u32>,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => return self.tag(&tag),
            Token::CharacterTokens(characters) if *self.hidden.borrow() == 0 => {
                self.characters(&characters)
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl TextSink {
    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let start = tag.kind == TagKind::StartTag && !tag.self_closing;
        let kind = break_of(name);
        let count = |counter: &RefCell<u32>| {
            let mut counter = counter.borrow_mut();
            *counter = if start { *counter + 1 } else { counter.saturating_sub(1) };
        };
        match kind {
            Break::Hidden if tag.self_closing => {}
            Break::Hidden => count(&self.hidden),
            Break::Paragraph => self.end_line(true),
            Break::Line => self.end_line(false),
            Break::Cell if start => self.separate_cell(),
            Break::Cell | Break::None => {}
        }
        if name == "pre" {
            count(&self.pre);
        }
        // Elements whose content the tokenizer must not read as markup.
        match (start, name) {
            (true, "script") => TokenSinkResult::RawData(RawKind::ScriptData),
            (true, "style" | "xmp" | "iframe" | "noembed" | "noframes") => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            (true, "title" | "textarea") => TokenSinkResult::RawData(RawKind::Rcdata),
            _ => TokenSinkResult::Continue,
        }
    }

    fn characters(&self, characters: &str) {
        let mut text = self.text.borrow_mut();
        if *self.pre.borrow() > 0 {
            text.push_str(characters);
            return;
        }
        for character in characters.chars() {
            // A no-break space shows as a space.
            if character.is_whitespace() {
                if !text.is_empty() && !text.ends_with([' ', '\n']) {
                    text.push(' ');
                }
            } else {
                text.push(character);
            }
        }
    }

    /// Ends the current line, and with `paragraph` leaves an empty line.
    fn end_line(&self, paragraph: bool) {
        let mut text = self.text.borrow_mut();
        let kept = text.trim_end_matches(' ').len();
        text.truncate(kept);
        if text.is_empty() {
            return;
        }
        let wanted = if paragraph { "\n\n" } else { "\n" };
        while !text.ends_with(wanted) {
            text.push('\n');
        }
    }

    fn separate_cell(&self) {
        let mut text = self.text.borrow_mut();
        let kept = text.trim_end_matches(' ').len();
        text.truncate(kept);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push_str("  ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_entities_decode_and_blocks_end_lines() {
        let html = "<!DOCTYPE html><html><head><title>Note</title><style>p { color: red }</style>\
            </head><body><h1>Dermatology   follow-up</h1><p>Atopic dermatitis,\n  BSA 12&nbsp;% &amp; \
            IGA&#160;3.<br>Itch 8/10 &lt;worst&gt;.</p><script>alert('x < y')</script>\
            <ul><li>Triamcinolone: failed</li><li>Tacrolimus: burning</li></ul>\
            <table><tr><th>Drug</th><th>Outcome</th></tr><tr><td>Dupixent</td><td>requested</td></tr></table>\
            <pre>EASI  19.5\n  IGA 3</pre>caf&eacute;</body></html>";
        assert_eq!(
            html_text(html),
            "Dermatology follow-up\n\nAtopic dermatitis, BSA 12 % & IGA 3.\nItch 8/10 <worst>.\n\n\
             Triamcinolone: failed\nTacrolimus: burning\n\nDrug  Outcome\nDupixent  requested\n\n\
             EASI  19.5\n  IGA 3\n\ncafé\n"
        );
    }

    #[test]
    fn a_fragment_without_tags_is_its_text() {
        assert_eq!(html_text("BSA 12% &gt; 10%"), "BSA 12% > 10%\n");
        assert_eq!(html_text("<div></div>"), "\n");
    }
}
