//! Which CSV column / JSONL field holds the note text and which its id: one
//! rule for both formats, so the same archive gets the same ids either way.

/// Names tried, in order and case-insensitively, for the note text.
pub(crate) const TEXT_CANDIDATES: &[&str] = &["transcription", "text", "note"];
/// Names tried, in order and case-insensitively, for the note id.
pub(crate) const ID_CANDIDATES: &[&str] = &["note_id", "row_id", "id"];

/// Position of the column to use among `names`: the one the user named (an
/// exact match wins over a case-insensitive one), else the first candidate
/// present. `None` when nothing fits.
pub(crate) fn choose<'a>(
    names: impl Iterator<Item = &'a str> + Clone,
    requested: Option<&str>,
    candidates: &[&str],
) -> Option<usize> {
    match requested {
        Some(wanted) => names
            .clone()
            .position(|name| name == wanted)
            .or_else(|| names.clone().position(|name| name.eq_ignore_ascii_case(wanted))),
        None => candidates.iter().find_map(|wanted| {
            names.clone().position(|name| name.trim().eq_ignore_ascii_case(wanted))
        }),
    }
}

/// The id of a row: `file#value` from the id column, or `file#row` when there
/// is no id column or the cell is blank.
pub(crate) fn row_id(file_id: &str, id_value: Option<&str>, row_number: u64) -> String {
    match id_value.map(str::trim).filter(|value| !value.is_empty()) {
        Some(value) => format!("{file_id}#{value}"),
        None => format!("{file_id}#{row_number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(names: &[&str], requested: Option<&str>, candidates: &[&str]) -> Option<usize> {
        choose(names.iter().copied(), requested, candidates)
    }

    #[test]
    fn finds_text_column_by_name_in_priority_order() {
        let mtsamples =
            ["note_id", "description", "medical_specialty", "sample_name", "transcription"];
        assert_eq!(pick(&mtsamples, None, TEXT_CANDIDATES), Some(4));
        let mimic = ["ROW_ID", "SUBJECT_ID", "CATEGORY", "TEXT"];
        assert_eq!(pick(&mimic, None, TEXT_CANDIDATES), Some(3));
        assert_eq!(pick(&["note", "Text"], None, TEXT_CANDIDATES), Some(1));
        assert_eq!(pick(&["a", "b"], None, TEXT_CANDIDATES), None);
    }

    #[test]
    fn finds_id_column_by_name_in_priority_order() {
        assert_eq!(pick(&["id", "ROW_ID", "TEXT"], None, ID_CANDIDATES), Some(1));
        assert_eq!(pick(&["Id", "text"], None, ID_CANDIDATES), Some(0));
        assert_eq!(pick(&["note_id", "id"], None, ID_CANDIDATES), Some(0));
        assert_eq!(pick(&["text"], None, ID_CANDIDATES), None);
    }

    #[test]
    fn requested_column_wins_and_prefers_exact_case() {
        assert_eq!(pick(&["text", "body"], Some("body"), TEXT_CANDIDATES), Some(1));
        assert_eq!(pick(&["Body", "body"], Some("body"), TEXT_CANDIDATES), Some(1));
        assert_eq!(pick(&["BODY"], Some("body"), TEXT_CANDIDATES), Some(0));
        assert_eq!(pick(&["text"], Some("body"), TEXT_CANDIDATES), None);
    }

    #[test]
    fn row_ids_use_the_id_value_or_the_row_number() {
        assert_eq!(row_id("notes.csv", Some(" 1234 "), 7), "notes.csv#1234");
        assert_eq!(row_id("notes.csv", Some(""), 7), "notes.csv#7");
        assert_eq!(row_id("notes.csv", None, 7), "notes.csv#7");
    }
}
