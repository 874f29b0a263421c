//! The `necessity` Python module: the engine for Python, pandas, Arrow and
//! Spark. Every call goes through `necessity_engine::Engine`, the path the
//! CLI takes, so a record decided here is the record `necessity run` writes
//! for the same text. The GIL is released while notes are decided; batches
//! run on the engine's thread pool.

use ::arrow_schema::{ArrowError, DataType, Field, Schema};
use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use necessity_engine::{
    builtin_names, with_quiet_panics, EngineError, PatientNote, Summary, SUMMARY_COLUMNS,
};
use necessity_record::Record;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;

pyo3::create_exception!(
    necessity,
    NecessityError,
    PyException,
    "Base of every error the necessity engine raises; `kind` names it as the CLI does."
);
pyo3::create_exception!(
    necessity,
    PolicyError,
    NecessityError,
    "A policy is unknown, unreadable or malformed, or two cover one drug (the CLI exits 1)."
);
pyo3::create_exception!(
    necessity,
    LexiconError,
    NecessityError,
    "A lexicon file is missing or malformed (the CLI exits 1)."
);
pyo3::create_exception!(
    necessity,
    UsageError,
    NecessityError,
    "The call cannot be served as given: a missing column, ids that do not match texts (the CLI exits 2)."
);
pyo3::create_exception!(
    necessity,
    InternalError,
    NecessityError,
    "A bug in the engine; the message never quotes a note."
);

/// The column of the whole record, as JSON, after the summary's columns.
const RECORD_COLUMN: &str = "record";

/// A policy as Python passes it: a built-in name, a path, or TOML text.
#[derive(FromPyObject)]
enum PolicyItem {
    Text(String),
    Path(PathBuf),
}

/// One policy or several.
#[derive(FromPyObject)]
enum PolicyArg {
    One(PolicyItem),
    Many(Vec<PolicyItem>),
}

/// Decides clinical notes under payer policies.
#[pyclass(frozen, module = "necessity", name = "Engine")]
struct Engine {
    inner: necessity_engine::Engine,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (policy=None, lexicons=None, threads=None, max_doc_bytes=necessity_engine::DEFAULT_MAX_DOC_BYTES))]
    fn new(
        py: Python<'_>,
        policy: Option<PolicyArg>,
        lexicons: Option<PathBuf>,
        threads: Option<usize>,
        max_doc_bytes: u64,
    ) -> PyResult<Engine> {
        let items = match policy {
            None => Vec::new(),
            Some(PolicyArg::One(item)) => vec![item],
            Some(PolicyArg::Many(items)) => items,
        };
        let mut builder = necessity_engine::Engine::builder().max_doc_bytes(max_doc_bytes);
        for (index, item) in items.into_iter().enumerate() {
            builder = match item {
                // A name or a path is one line; a policy's TOML never is.
                PolicyItem::Text(text) if text.contains('\n') => {
                    builder.policy_toml(text, format!("<policy {}>", index + 1))
                }
                PolicyItem::Text(choice) => builder.policy(choice),
                PolicyItem::Path(path) => builder.policy_file(path),
            };
        }
        if let Some(dir) = lexicons {
            builder = builder.lexicons_dir(dir);
        }
        if let Some(threads) = threads {
            builder = builder.threads(threads);
        }
        let inner = py.detach(|| builder.build()).map_err(engine_error)?;
        Ok(Engine { inner })
    }

    /// The record of one note, as a dict.
    #[pyo3(signature = (text, id=None))]
    fn decide(&self, py: Python<'_>, text: String, id: Option<String>) -> PyResult<Py<PyAny>> {
        let id = id.unwrap_or_default();
        let json = py.detach(|| guarded(|| Ok(to_json(&self.inner.decide(&id, &text)))))?;
        json_loads(py, &json)
    }

    /// The records of many notes, in order, as dicts; ids default to the
    /// positions ("0", "1", ...).
    #[pyo3(signature = (texts, ids=None))]
    fn decide_batch(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let texts: Vec<String> = strings(texts)?;
        let ids: Vec<String> = match ids {
            Some(ids) => strings(ids)?,
            None => (0..texts.len()).map(|n| n.to_string()).collect(),
        };
        if ids.len() != texts.len() {
            return Err(UsageError::new_err(format!(
                "{} ids for {} texts; give one id per text",
                ids.len(),
                texts.len()
            )));
        }
        let json = py.detach(|| {
            guarded(|| {
                let notes: Vec<(&str, &str)> =
                    ids.iter().zip(&texts).map(|(id, text)| (id.as_str(), text.as_str())).collect();
                Ok(to_json(&self.inner.decide_batch(&notes)))
            })
        })?;
        json_loads(py, &json)
    }

    /// The records of one patient's notes, as dicts in input order: the
    /// dated notes decided in date order, each with the earlier ones'
    /// history (a renewal's baseline from the start visit), the undated
    /// ones alone, as `necessity run --patient-column --date-column` does.
    #[pyo3(signature = (texts, dates=None, ids=None, patient=None))]
    fn decide_patient(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        dates: Option<&Bound<'_, PyAny>>,
        ids: Option<&Bound<'_, PyAny>>,
        patient: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let texts: Vec<String> = strings(texts)?;
        let ids: Vec<String> = match ids {
            Some(ids) => strings(ids)?,
            None => (0..texts.len()).map(|n| n.to_string()).collect(),
        };
        let dates: Vec<Option<String>> = match dates {
            Some(dates) => dates.extract()?,
            None => vec![None; texts.len()],
        };
        if ids.len() != texts.len() || dates.len() != texts.len() {
            return Err(UsageError::new_err(format!(
                "{} ids and {} dates for {} texts; give one of each per text",
                ids.len(),
                dates.len(),
                texts.len()
            )));
        }
        let json = py.detach(|| {
            guarded(|| {
                let notes: Vec<PatientNote> = (0..texts.len())
                    .map(|n| PatientNote {
                        id: &ids[n],
                        text: &texts[n],
                        date: dates[n].as_deref(),
                    })
                    .collect();
                Ok(to_json(&self.inner.decide_patient(patient.as_deref(), &notes)))
            })
        })?;
        json_loads(py, &json)
    }

    /// Decides every row of an Arrow record batch: the summary's columns
    /// plus the whole record as JSON in `record`, one row per input row.
    /// With `patient_column`, a patient's consecutive rows are read
    /// together in the order of `date_column`, as `necessity run` reads them.
    #[pyo3(signature = (batch, text_column="text", id_column=Some("id"), patient_column=None, date_column=None))]
    fn decide_arrow(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        text_column: &str,
        id_column: Option<&str>,
        patient_column: Option<&str>,
        date_column: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let batch = RecordBatch::from_pyarrow_bound(batch)?;
        let texts = string_column(&batch, text_column)?;
        let ids = id_column.map(|name| string_column(&batch, name)).transpose()?;
        let patients = patient_column.map(|name| string_column(&batch, name)).transpose()?;
        let dates = date_column.map(|name| string_column(&batch, name)).transpose()?;
        let decided = py.detach(|| {
            guarded(|| {
                let row_ids: Vec<String> = (0..texts.len())
                    .map(|row| match &ids {
                        Some(ids) => cell(Some(ids), row).unwrap_or_default().to_string(),
                        None => row.to_string(),
                    })
                    .collect();
                let note = |row: usize| PatientNote {
                    id: &row_ids[row],
                    text: cell(Some(&texts), row).unwrap_or_default(),
                    date: cell(dates.as_ref(), row),
                };
                let runs: Vec<(Option<&str>, Vec<PatientNote>)> =
                    patient_runs(texts.len(), |row| cell(patients.as_ref(), row))
                        .into_iter()
                        .map(|(patient, rows)| (patient, rows.into_iter().map(note).collect()))
                        .collect();
                let records = self.inner.decide_patients(&runs);
                summary_batch(&records)
                    .map_err(|error| InternalError::new_err(format!("building the batch: {error}")))
            })
        })?;
        Ok(decided.to_pyarrow(py)?.unbind())
    }

    /// The Markdown review `necessity explain` prints for this note.
    #[pyo3(signature = (text, id=None))]
    fn explain(&self, py: Python<'_>, text: String, id: Option<String>) -> PyResult<String> {
        let id = id.unwrap_or_else(|| "note".to_string());
        py.detach(|| guarded(|| Ok(self.inner.review(&id, &text))))
    }

    /// The ids of the policies this engine decides under.
    #[getter]
    fn policies(&self) -> Vec<String> {
        self.inner.policies().policies().iter().map(|policy| policy.id.clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!("necessity.Engine(policy={:?})", self.policies())
    }
}

/// The schema of `decide_arrow`'s batches, as a `pyarrow.Schema`.
/// The value of a string column's row, `None` for no column or a null.
fn cell(column: Option<&StringArray>, row: usize) -> Option<&str> {
    column.filter(|c| c.is_valid(row)).map(|c| c.value(row))
}

/// A batch's rows grouped as `necessity run` groups a file's rows: a
/// patient's consecutive rows together, every row without a patient alone.
fn patient_runs<'a>(
    rows: usize,
    patient: impl Fn(usize) -> Option<&'a str>,
) -> Vec<(Option<&'a str>, Vec<usize>)> {
    let mut runs: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for row in 0..rows {
        let this = patient(row);
        match runs.last_mut() {
            Some((Some(last), run)) if this == Some(*last) => run.push(row),
            _ => runs.push((this, vec![row])),
        }
    }
    runs
}

#[pyfunction(name = "arrow_schema")]
fn schema_of_batches(py: Python<'_>) -> PyResult<Py<PyAny>> {
    Ok(schema().to_pyarrow(py)?.unbind())
}

/// Runs `work` with a panic turned into `InternalError`, its message (which
/// may quote a note) left out and its place reported by the quiet hook.
fn guarded<T>(work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    panic::catch_unwind(AssertUnwindSafe(|| with_quiet_panics(work))).unwrap_or_else(|_| {
        Err(InternalError::new_err(
            "internal error in the necessity engine (details left out: they could quote a note)",
        ))
    })
}

fn engine_error(error: EngineError) -> PyErr {
    let message = error.to_string();
    match error {
        EngineError::Policy(_) => PolicyError::new_err(message),
        EngineError::Lexicon(_) => LexiconError::new_err(message),
        EngineError::Threads(_) => NecessityError::new_err(message),
    }
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Records are plain data: serialising them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn json_loads(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.getattr("loads")?.call1((json,))?.unbind())
}

/// Every item of a Python iterable, as strings (a list, a tuple, a pandas Series).
fn strings(values: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if values.is_instance_of::<pyo3::types::PyString>() {
        return Err(UsageError::new_err("expected a sequence of texts, got one str"));
    }
    values.try_iter()?.map(|item| item?.extract::<String>()).collect()
}

/// A column of the batch as UTF-8 text (strings of any width, numbers for ids).
fn string_column(batch: &RecordBatch, name: &str) -> PyResult<StringArray> {
    let Some(column) = batch.column_by_name(name) else {
        let names: Vec<String> =
            batch.schema().fields().iter().map(|field| format!("{:?}", field.name())).collect();
        return Err(UsageError::new_err(format!(
            "the batch has no column {name:?}; its columns: {}",
            names.join(", ")
        )));
    };
    // Unsafe casts fail on a cell they cannot convert (invalid UTF-8)
    // rather than make it null, which would read as an empty note. The
    // error could quote the cell: only the type is reported.
    let options = arrow_cast::CastOptions { safe: false, ..Default::default() };
    let text = arrow_cast::cast_with_options(column, &DataType::Utf8, &options).map_err(|_| {
        UsageError::new_err(format!(
            "column {name:?} ({}) cannot be read as UTF-8 text",
            column.data_type()
        ))
    })?;
    Ok(text.as_string::<i32>().clone())
}

/// The Arrow type of a summary column.
fn column_type(name: &str) -> DataType {
    match name {
        "age_years" | "bsa_percent" | "iga" | "itch_nrs" | "easi" => DataType::Float64,
        "treatments" => DataType::Int64,
        "persistent_flares" => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

/// `decide_arrow`'s schema: the summary's columns, then the record as JSON.
fn schema() -> Schema {
    let columns = SUMMARY_COLUMNS.iter().chain([&RECORD_COLUMN]);
    Schema::new(columns.map(|name| Field::new(*name, column_type(name), true)).collect::<Vec<_>>())
}

/// The schema in Spark's DDL, for `mapInArrow`.
fn spark_schema() -> String {
    let ddl = |data_type: &DataType| match data_type {
        DataType::Float64 => "double",
        DataType::Int64 => "bigint",
        DataType::Boolean => "boolean",
        _ => "string",
    };
    let schema = schema();
    let fields: Vec<String> =
        schema.fields().iter().map(|f| format!("{} {}", f.name(), ddl(f.data_type()))).collect();
    fields.join(", ")
}

/// The records as a batch of [`schema`].
fn summary_batch(records: &[Record]) -> Result<RecordBatch, ArrowError> {
    let rows: Vec<Summary> = records.iter().map(Summary::of).collect();
    let text = |cell: &dyn Fn(&Summary) -> Option<String>| -> ArrayRef {
        Arc::new(rows.iter().map(cell).collect::<StringArray>())
    };
    let number = |cell: &dyn Fn(&Summary) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(cell).collect::<Float64Array>())
    };
    let owned = |value: Option<&str>| value.map(str::to_string);
    let columns: Vec<ArrayRef> = vec![
        text(&|row| Some(row.id.to_string())),
        text(&|row| Some(row.status.to_string())),
        text(&|row| owned(row.error_kind)),
        text(&|row| owned(row.determination)),
        text(&|row| owned(row.requested_drug)),
        text(&|row| owned(row.diagnosis)),
        number(&|row| row.age_years),
        number(&|row| row.bsa_percent),
        number(&|row| row.iga),
        number(&|row| row.itch_nrs),
        number(&|row| row.easi),
        text(&|row| row.sites.clone()),
        Arc::new(rows.iter().map(|row| row.treatments.map(|n| n as i64)).collect::<Int64Array>()),
        Arc::new(rows.iter().map(|row| row.persistent_flares).collect::<BooleanArray>()),
        text(&|row| owned(row.route)),
        Arc::new(records.iter().map(|record| Some(to_json(record))).collect::<StringArray>()),
    ];
    RecordBatch::try_new(Arc::new(schema()), columns)
}

/// Reads clinical notes and decides, with evidence, whether a requested drug
/// is medically necessary under a payer policy: `Engine`, its errors,
/// `arrow_schema()`, `SPARK_SCHEMA` and `POLICIES` (the built-in policy names).
#[pymodule]
fn necessity(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    // Panics while deciding are reported by place only; others in this
    // process keep their own hook.
    necessity_engine::install_scoped_quiet_panic_hook();
    module.add_class::<Engine>()?;
    let errors: [(&str, Bound<'_, PyType>, &str); 5] = [
        ("NecessityError", py.get_type::<NecessityError>(), "error"),
        ("PolicyError", py.get_type::<PolicyError>(), "policy"),
        ("LexiconError", py.get_type::<LexiconError>(), "lexicon"),
        ("UsageError", py.get_type::<UsageError>(), "usage"),
        ("InternalError", py.get_type::<InternalError>(), "internal"),
    ];
    for (name, class, kind) in errors {
        class.setattr("kind", kind)?;
        module.add(name, class)?;
    }
    module.add_function(wrap_pyfunction!(schema_of_batches, module)?)?;
    module.add("SPARK_SCHEMA", spark_schema())?;
    module.add("POLICIES", builtin_names())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
