//! Which CSV column / JSONL field holds the note text and which its id: one
//! rule for both formats, so the same archive gets the same ids either way.

/// Names tried, in order and case-insensitively, for the note text.
pub(crate) const TEXT_CANDIDATES: &[&str] = &["transcription", "text", "note"];
/// Names tried, in order and case-insensitively, for the note id.
pub(crate) const ID_CANDIDATES: &[&str] = &["note_id", "row_id", "id"];
/// Names tried, in order and case-insensitively, for the patient a note is
/// about (MIMIC's `SUBJECT_ID`, a medical record number).
pub(crate) const PATIENT_CANDIDATES: &[&str] = &["patient_id", "subject_id", "patient", "mrn"];
/// Names tried, in order and case-insensitively, for the note's date
/// (MIMIC's `CHARTDATE` before its `CHARTTIME`, which is often blank).
pub(crate) const DATE_CANDIDATES: &[&str] =
    &["note_date", "date", "chartdate", "charttime", "encounter_date", "visit_date"];

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

/// A patient or date cell as the record reports it: trimmed, `None` when blank.
pub(crate) fn cell_value(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|value| !value.is_empty()).map(str::to_string)
}

/// A note's date as the record reports it: an ISO 8601 date (with its
/// time, if any) as given, a US `M/D/YYYY` date written as ISO, anything
/// else as given (kept, but not ordered: see [`crate::sortable_date`]).
pub(crate) fn note_date(value: Option<&str>) -> Option<String> {
    let value = cell_value(value)?;
    if crate::sortable_date(&value).is_some() {
        return Some(value);
    }
    let us_date = value.split_whitespace().next().and_then(|date| {
        let mut parts = date.split('/').map(str::parse::<u32>);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Ok(month)), Some(Ok(day)), Some(Ok(year)), None)
                if (1..=12).contains(&month) && (1..=31).contains(&day) && year >= 1000 =>
            {
                Some(format!("{year:04}-{month:02}-{day:02}"))
            }
            _ => None,
        }
    });
    Some(us_date.unwrap_or(value))
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
    fn finds_patient_and_date_columns_by_name() {
        let mimic = ["ROW_ID", "SUBJECT_ID", "HADM_ID", "CHARTDATE", "CHARTTIME", "TEXT"];
        assert_eq!(pick(&mimic, None, PATIENT_CANDIDATES), Some(1));
        assert_eq!(pick(&mimic, None, DATE_CANDIDATES), Some(3));
        let export = ["note_id", "MRN", "encounter_date", "note"];
        assert_eq!(pick(&export, None, PATIENT_CANDIDATES), Some(1));
        assert_eq!(pick(&export, None, DATE_CANDIDATES), Some(2));
        assert_eq!(pick(&["id", "text"], None, PATIENT_CANDIDATES), None);
    }

    #[test]
    fn dates_are_iso_where_they_can_be() {
        assert_eq!(note_date(Some(" 2024-03-15 ")).as_deref(), Some("2024-03-15"));
        assert_eq!(note_date(Some("2150-03-04 12:30:00")).as_deref(), Some("2150-03-04 12:30:00"));
        assert_eq!(note_date(Some("3/5/2024")).as_deref(), Some("2024-03-05"));
        assert_eq!(note_date(Some("13/5/2024")).as_deref(), Some("13/5/2024"));
        assert_eq!(note_date(Some("last spring")).as_deref(), Some("last spring"));
        assert_eq!(note_date(Some("  ")), None);
        assert_eq!(note_date(None), None);
    }

    #[test]
    fn row_ids_use_the_id_value_or_the_row_number() {
        assert_eq!(row_id("notes.csv", Some(" 1234 "), 7), "notes.csv#1234");
        assert_eq!(row_id("notes.csv", Some(""), 7), "notes.csv#7");
        assert_eq!(row_id("notes.csv", None, 7), "notes.csv#7");
    }
}
