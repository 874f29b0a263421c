//! The MTSamples CSV end to end: 4,999 rows, some with quoted line breaks, 33
//! with an empty transcription, give exactly one record per row, in order.

use crate::run::{outcomes, records};
use crate::util::{necessity, shared_data};

#[test]
fn one_record_per_mtsamples_row_with_its_note_id() {
    let csv_path = shared_data().join("mtsamples").join("mtsamples.csv");
    let output = necessity().args(["run", "-q"]).arg(&csv_path).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "33 rows have no transcription");
    let outcomes = outcomes(&records(&output));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let note_ids: Vec<String> =
        reader.records().map(|row| row.unwrap().get(0).unwrap().to_string()).collect();
    assert_eq!(note_ids.len(), 4999);
    let ids: Vec<String> = outcomes.iter().map(|(id, _)| id.clone()).collect();
    let expected: Vec<String> = note_ids.iter().map(|id| format!("mtsamples.csv#{id}")).collect();
    assert_eq!(ids, expected);
    let empty = outcomes.iter().filter(|(_, kind)| kind == "empty").count();
    let ok = outcomes.iter().filter(|(_, kind)| kind == "ok").count();
    assert_eq!((empty, ok), (33, 4999 - 33));
}
