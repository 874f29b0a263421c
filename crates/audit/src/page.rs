//! The review page: one self-contained HTML file (no network, no external
//! script, style or font) that renders one case at a time from embedded JSON.
//!
//! Note text never becomes markup: it travels as JSON inside a
//! `<script type="application/json">` element with `<`, `>` and `&` escaped,
//! and the page's script puts it into the DOM with `textContent`. A
//! Content-Security-Policy that allows only the page's own script (by hash)
//! stops any script a note might smuggle in, should either defence fail.

use crate::review::Case;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

const SCRIPT: &str = include_str!("page/review.js");
const STYLE: &str = include_str!("page/review.css");

/// What the page embeds besides the cases.
#[derive(Serialize)]
struct PageData<'a> {
    /// Names the page's verdicts in localStorage, so two samples never mix.
    key: String,
    title: &'a str,
    cases: &'a [Case],
}

/// Renders the review page for `cases`.
pub fn render_page(title: &str, cases: &[Case]) -> String {
    let cases_json = serde_json::to_string(cases).expect("cases serialise");
    let key = crate::sample::hex(&Sha256::digest(cases_json.as_bytes()))[..16].to_string();
    let data =
        serde_json::to_string(&PageData { key, title, cases }).expect("page data serialises");
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'sha256-{script_hash}'; style-src 'unsafe-inline'; img-src 'none'; \
         connect-src 'none'; form-action 'none'; base-uri 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{BODY}\n\
         <script type=\"application/json\" id=\"review-data\">{data}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        title = escape_html(title),
        data = escape_json_for_script(&data),
    )
}

/// The page's static skeleton; the script fills it.
const BODY: &str = r#"<header id="top">
  <div class="bar">
    <h1 id="title"></h1>
    <div class="filters">
      <nav id="filters" aria-label="Filter by determination"></nav>
      <label class="route-filter">Route <select id="route-filter">
        <option value="">all</option><option value="approve">approve</option>
        <option value="pend">pend</option></select></label>
      <label class="verdict-filter">Show <select id="verdict-filter">
        <option value="">all verdicts</option><option value="undecided">undecided</option>
        <option value="agree">agreed</option><option value="disagree">disagreed</option></select></label>
    </div>
  </div>
  <div class="bar second">
    <p class="help"><kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> next/previous case ·
      <kbd>a</kbd> agree · <kbd>d</kbd> disagree · <kbd>c</kbd> comment · <kbd>Esc</kbd> leave comment ·
      click an evidence quote to find it in the note</p>
    <span id="progress" role="status"></span>
    <label class="reviewer">Reviewer <input id="reviewer" autocomplete="name" placeholder="your name" required></label>
    <button id="export" type="button">Export verdicts (CSV)</button>
    <span id="export-hint" role="alert" hidden>Enter your name: it goes into every exported row.</span>
    <span id="storage-warning" hidden>Verdicts are not saved: this browser refuses local storage; export before closing.</span>
  </div>
</header>
<main>
  <ol id="case-list" aria-label="Cases"></ol>
  <article id="note-pane" aria-label="Note">
    <div id="case-head"></div>
    <div id="banners"></div>
    <pre id="note"></pre>
  </article>
  <aside id="panel" aria-label="Determination and criteria">
    <div id="verdict-box">
      <div class="verdict-buttons">
        <button id="agree" type="button">Agree <kbd>a</kbd></button>
        <button id="disagree" type="button">Disagree <kbd>d</kbd></button>
      </div>
      <textarea id="comment" rows="3" placeholder="Comment (why you disagree, what is missing)"></textarea>
    </div>
    <h2>Route</h2>
    <div id="route-box"></div>
    <h2>Criteria</h2>
    <table id="criteria"><thead><tr><th>Criterion</th><th>Reason and evidence</th></tr></thead><tbody></tbody></table>
    <h2>Facts</h2>
    <table id="facts"><tbody></tbody></table>
  </aside>
</main>
<pre id="selftest" hidden></pre>"#;

/// Escapes text for HTML content and attribute values: `& < > " '`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Makes JSON safe inside a `<script>` element: no `</script>`, `<!--` or
/// entity can form, and JSON.parse still reads the same value.
pub fn escape_json_for_script(json: &str) -> String {
    json.replace('&', "\\u0026")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let json = serde_json::to_string("</script><img onerror=x> & \u{2028}").unwrap();
        let safe = escape_json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(
            serde_json::from_str::<String>(&safe).unwrap(),
            "</script><img onerror=x> & \u{2028}"
        );
    }

    #[test]
    fn page_is_self_contained_and_hashes_its_script() {
        let page = render_page("<Sample & co>", &[]);
        assert!(page.contains("<title>&lt;Sample &amp; co&gt;</title>"));
        for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
            assert!(!page.contains(external), "page refers to {external}");
        }
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
        assert!(page.contains(&format!("'sha256-{hash}'")));
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")), "script embedded verbatim");
        assert!(!SCRIPT.contains("</script") && !SCRIPT.contains("innerHTML"));
    }
}
