//! Cells of the CSV files this tool writes (`run --format csv`, the review
//! page's verdicts) as a spreadsheet may open them, and back.

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell safe to open in a spreadsheet: one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would run as a formula (an id such as
/// `=HYPERLINK(...)` is a file name anyone can choose), so it gets a leading
/// `'`, which spreadsheets show as text. The review page's script applies
/// the same rule.
pub fn safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_START) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A cell as it was before [`safe_cell`] quoted it.
pub fn unquoted_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_read_back_as_written() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2.txt", "@SUM(A1)", "\tx", "plain", "'quoted", ""]
        {
            assert_eq!(unquoted_cell(&safe_cell(cell)), cell);
        }
        assert_eq!(safe_cell("=1+1"), "'=1+1");
        assert_eq!(safe_cell("note-1.txt"), "note-1.txt");
    }
}
