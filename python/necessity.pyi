"""Reads clinical notes and decides, with evidence, whether a requested drug is
medically necessary under a payer policy (the `necessity` engine, from Rust)."""

import os
from typing import Any, Iterable, Optional, Sequence, Union

import pyarrow

__version__: str

#: The built-in policy names (`Engine(policy=...)` takes them).
POLICIES: list[str]

#: `decide_arrow`'s schema in Spark's DDL, for `DataFrame.mapInArrow`.
SPARK_SCHEMA: str

PolicyChoice = Union[str, "os.PathLike[str]"]

class NecessityError(Exception):
    """Base of every error the engine raises; `kind` names it as the CLI does."""

    kind: str

class PolicyError(NecessityError):
    """A policy is unknown, unreadable or malformed, or two cover one drug (`kind` "policy")."""

class LexiconError(NecessityError):
    """A lexicon file is missing or malformed (`kind` "lexicon")."""

class UsageError(NecessityError):
    """The call cannot be served as given: a missing column, ids that do not match texts (`kind` "usage")."""

class InternalError(NecessityError):
    """A bug in the engine; the message never quotes a note (`kind` "internal")."""

class Engine:
    """Decides clinical notes under payer policies.

    `policy`: a built-in name (see `POLICIES`), a path to a policy TOML file, the
    TOML text itself (any string with a line break), or a list of these; the
    default policy when None. `lexicons`: a directory holding the files of the
    repository's `lexicons/` folder; the shipped lexicons when None.
    `threads`: the size of the engine's own thread pool for batches; rayon's
    global pool (one thread per CPU) when None. `max_doc_bytes`: a longer text
    is a `too_large` error record, as with `necessity run --max-doc-bytes`.
    Thread-safe: one engine may serve many Python threads at once.
    """

    def __init__(
        self,
        policy: Optional[Union[PolicyChoice, Sequence[PolicyChoice]]] = None,
        lexicons: Optional[Union[str, "os.PathLike[str]"]] = None,
        threads: Optional[int] = None,
        max_doc_bytes: int = 1048576,
    ) -> None: ...
    @property
    def policies(self) -> list[str]:
        """The ids of the policies this engine decides under."""
    def decide(self, text: str, id: Optional[str] = None) -> dict[str, Any]:
        """The case record of one note (the JSON of `necessity run`, as a dict); id "" when None."""
    def decide_batch(
        self, texts: Iterable[str], ids: Optional[Iterable[str]] = None
    ) -> list[dict[str, Any]]:
        """The records of many notes, in order, decided in parallel with the GIL
        released; ids default to the positions "0", "1", ..."""
    def decide_patient(
        self,
        texts: Iterable[str],
        dates: Optional[Sequence[Optional[str]]] = None,
        ids: Optional[Iterable[str]] = None,
        patient: Optional[str] = None,
    ) -> list[dict[str, Any]]:
        """The records of one patient's notes, in input order: the dated notes
        (ISO 8601) decided in date order, each with the earlier ones' history
        (a renewal's baseline from the start visit), the undated ones alone,
        as `necessity run --patient-column --date-column` reads them."""
    def decide_arrow(
        self,
        batch: pyarrow.RecordBatch,
        text_column: str = "text",
        id_column: Optional[str] = "id",
        patient_column: Optional[str] = None,
        date_column: Optional[str] = None,
    ) -> pyarrow.RecordBatch:
        """One output row per input row: the summary columns (see `arrow_schema()`)
        and the whole record as JSON in `record`. Null texts are `empty` error
        records; with `id_column=None` ids are the row positions in the batch.
        With `patient_column`, a patient's consecutive rows are decided together
        in `date_column` order, as `decide_patient` decides them."""
    def explain(self, text: str, id: Optional[str] = None) -> str:
        """The Markdown review `necessity explain` prints for this note."""

def arrow_schema() -> pyarrow.Schema:
    """The schema of the batches `Engine.decide_arrow` returns."""
