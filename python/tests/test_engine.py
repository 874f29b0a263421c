"""The Python package: the same records as the CLI, batches, Arrow, errors
that never quote a note, and the GIL released while deciding."""

import json
import pathlib
import threading
import time

import pyarrow as pa
import pytest

import necessity
from conftest import run_cli

SECRET = "Mrs Zelda Quimby of 12 Larkspur Lane"


def test_decide_gives_the_record_the_cli_writes(cli, seed_note):
    engine = necessity.Engine()
    text = seed_note.read_text()
    record = engine.decide(text, id=seed_note.name)
    [expected] = run_cli(cli, seed_note)
    assert record == expected
    assert record["determination"] == "medically_necessary"
    assert engine.decide(text)["id"] == ""


def test_every_corpus_note_is_decided_as_the_cli_decides_it(cli, repo):
    notes = sorted((repo / "corpus" / "notes").glob("*.txt"))
    expected = run_cli(cli, repo / "corpus" / "notes")
    engine = necessity.Engine()
    found = engine.decide_batch([n.read_bytes().decode("utf-8") for n in notes], ids=[n.name for n in notes])
    assert found == expected


def test_a_batch_is_the_notes_decided_one_by_one_in_order():
    engine = necessity.Engine(threads=2)
    texts = [f"Atopic dermatitis, BSA {n}%. Plan: start Dupixent." for n in range(50)]
    batch = engine.decide_batch(texts)
    assert [r["id"] for r in batch] == [str(n) for n in range(50)]
    assert batch == [engine.decide(t, id=str(n)) for n, t in enumerate(texts)]
    assert [r["facts"]["measures"]["bsa_percent"] for r in batch[:3]] == [0, 1, 2]
    assert engine.decide_batch((t for t in texts[:2]), ids=("a", "b"))[1]["id"] == "b"


def test_blank_and_oversized_texts_are_error_records():
    engine = necessity.Engine(max_doc_bytes=100)
    blank = engine.decide("   \n")
    assert blank["status"] == "error" and blank["error"]["kind"] == "empty"
    large = engine.decide(SECRET * 10)
    assert large["error"]["kind"] == "too_large"
    assert "Quimby" not in json.dumps(large["error"])


def test_policies_by_name_path_text_and_list(repo):
    adbry = repo / "policies" / "adbry-atopic-dermatitis.toml"
    assert necessity.Engine(policy="adbry-atopic-dermatitis").policies == ["adbry-atopic-dermatitis"]
    assert necessity.Engine(policy=adbry).policies == ["adbry-atopic-dermatitis"]
    assert necessity.Engine(policy=str(adbry)).policies == ["adbry-atopic-dermatitis"]
    assert necessity.Engine(policy=adbry.read_text()).policies == ["adbry-atopic-dermatitis"]
    both = necessity.Engine(policy=["dupixent-atopic-dermatitis", adbry])
    # A built-in name brings its renewal policy.
    assert both.policies == [
        "dupixent-atopic-dermatitis",
        "dupixent-atopic-dermatitis-continuation",
        "adbry-atopic-dermatitis",
    ]
    assert necessity.Engine().policies == [
        "dupixent-atopic-dermatitis",
        "dupixent-atopic-dermatitis-continuation",
    ]
    assert "adbry-atopic-dermatitis" in necessity.POLICIES


def test_errors_are_typed_with_the_clis_kinds(tmp_path):
    with pytest.raises(necessity.PolicyError) as unknown:
        necessity.Engine(policy="no-such-policy")
    assert unknown.value.kind == "policy"
    assert "dupixent-atopic-dermatitis" in str(unknown.value)
    with pytest.raises(necessity.PolicyError, match=r"<policy 1>:2:"):
        necessity.Engine(policy="[policy]\nid = = 1\n")
    with pytest.raises(necessity.LexiconError) as lexicons:
        necessity.Engine(lexicons=tmp_path)
    assert lexicons.value.kind == "lexicon" and "drugs.tsv" in str(lexicons.value)
    assert issubclass(necessity.UsageError, necessity.NecessityError)
    assert necessity.InternalError.kind == "internal"


def test_lexicons_from_a_directory(repo, seed_note):
    text = seed_note.read_text()
    shipped = necessity.Engine().decide(text)
    assert necessity.Engine(lexicons=repo / "lexicons").decide(text) == shipped


def test_no_note_text_in_exceptions():
    engine = necessity.Engine()
    with pytest.raises(necessity.UsageError) as mismatch:
        engine.decide_batch([SECRET, SECRET], ids=["only-one"])
    with pytest.raises(necessity.UsageError) as one_string:
        engine.decide_batch(SECRET)
    batch = pa.record_batch({"note": [SECRET]})
    with pytest.raises(necessity.UsageError) as missing:
        engine.decide_arrow(batch)
    undecodable = pa.record_batch({"id": ["a"], "text": pa.array([b"\xff" + SECRET.encode()])})
    with pytest.raises(necessity.UsageError) as binary:
        engine.decide_arrow(undecodable)
    for error in (mismatch, one_string, missing, binary):
        assert "Quimby" not in str(error.value) and "Larkspur" not in str(error.value)
        assert error.value.kind == "usage"
    assert "no column 'text'" in str(missing.value) or 'no column "text"' in str(missing.value)


def test_decide_arrow_rows_are_the_records(seed_note):
    engine = necessity.Engine(threads=2)
    seed = seed_note.read_text()
    texts = [seed, "Mild acne.", None, seed]
    batch = pa.record_batch({"id": ["a", "b", "c", "d"], "text": texts, "other": [1, 2, 3, 4]})
    out = engine.decide_arrow(batch)
    assert out.schema == necessity.arrow_schema()
    assert out.num_rows == 4
    rows = out.to_pylist()
    records = [json.loads(row["record"]) for row in rows]
    assert records[0] == engine.decide(seed, id="a")
    assert records[1] == engine.decide("Mild acne.", id="b")
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    assert rows[0]["determination"] == "medically_necessary"
    assert rows[0]["requested_drug"] == "dupilumab"
    assert rows[0]["bsa_percent"] == records[0]["facts"]["measures"]["bsa_percent"]
    assert rows[0]["treatments"] == len(records[0]["facts"]["treatments"])
    assert rows[0]["persistent_flares"] is True
    assert rows[0]["sites"] == ";".join(records[0]["facts"]["high_impact_sites"])
    assert (rows[2]["status"], rows[2]["error_kind"], rows[2]["determination"]) == ("error", "empty", None)
    assert rows[2]["treatments"] is None
    by_position = engine.decide_arrow(batch.select(["text"]), id_column=None)
    assert by_position.column("id").to_pylist() == ["0", "1", "2", "3"]
    numbered = pa.record_batch({"note_id": [7, 8], "note": ["BSA 10%.", "BSA 20%."]})
    named = engine.decide_arrow(numbered, text_column="note", id_column="note_id")
    assert named.column("id").to_pylist() == ["7", "8"]
    wide = pa.record_batch({"id": pa.array(["x"], pa.large_string()), "text": pa.array([seed], pa.large_string())})
    assert json.loads(engine.decide_arrow(wide).column("record")[0].as_py()) == engine.decide(seed, id="x")
    assert necessity.SPARK_SCHEMA.startswith("id string, status string, error_kind string")
    assert necessity.SPARK_SCHEMA.endswith("persistent_flares boolean, route string, record string")
    assert rows[0]["route"] == records[0]["route"]


def test_the_gil_is_released_while_deciding(seed_note):
    """While one thread decides a large batch, another keeps running Python."""
    engine = necessity.Engine(threads=1)
    texts = [seed_note.read_text()] * 1500
    inside = threading.Event()
    done = threading.Event()
    ticks = []

    def decide():
        inside.set()
        engine.decide_batch(texts)
        done.set()

    worker = threading.Thread(target=decide)
    worker.start()
    inside.wait()
    started = time.perf_counter()
    while not done.is_set():
        ticks.append(time.perf_counter())
    worker.join()
    elapsed = time.perf_counter() - started
    # Holding the GIL for the whole batch would leave this loop a handful of
    # turns at its 5 ms switch interval; released, it spins freely.
    assert elapsed > 0.05, "the batch was too quick to tell"
    assert len(ticks) > 1000 * elapsed, f"{len(ticks)} turns in {elapsed:.2f} s"


def test_two_threads_decide_at_once_with_one_engine(seed_note):
    engine = necessity.Engine()
    text = seed_note.read_text()
    expected = engine.decide(text, id="x")
    results = []

    def decide():
        results.append(engine.decide_batch([text] * 40, ids=["x"] * 40))

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert all(record == expected for batch in results for record in batch)


def test_explain_is_the_review_the_cli_prints(seed_note):
    review = necessity.Engine().explain(seed_note.read_text(), id="seed")
    assert review.startswith("# Medical necessity review")
    assert "**Determination: MEDICALLY NECESSARY" in review
    assert "- Note: `seed`" in review


INITIAL = (
    "Atopic dermatitis, EASI 28, BSA 30%, IGA 4. Failed clobetasol 0.05% ointment and "
    "tacrolimus. Plan: start Dupixent 600 mg then 300 mg q2w."
)
RENEWAL = (
    "Atopic dermatitis. Continues Dupixent 300 mg every 2 weeks, started 03/2025. EASI 6. "
    "Plan: continue Dupixent, reauthorization requested."
)


def baseline_easi(record: dict):
    """The record's baseline EASI (a record leaves out a baseline it has none of)."""
    return record["facts"].get("measures_baseline", {}).get("easi")


def test_a_patients_notes_are_read_in_date_order_as_the_cli_reads_them(cli, tmp_path):
    engine = necessity.Engine()
    # The renewal comes first; its date puts it after the start visit.
    # Ids as the CLI names rows of notes.jsonl, so evidence from an earlier note names it alike.
    texts, dates, ids = [RENEWAL, INITIAL], ["2025-11-20", "2025-03-02"], ["notes.jsonl#n2", "notes.jsonl#n1"]
    records = engine.decide_patient(texts, dates=dates, ids=ids, patient="p7")
    assert [r["id"] for r in records] == ids
    assert baseline_easi(records[0]) == 28
    assert records[0]["determination"] == "medically_necessary"
    assert records[0]["source"]["patient"] == "p7"
    # Alone, the renewal has no baseline.
    assert baseline_easi(engine.decide(RENEWAL)) is None
    # The CLI reading the same rows with patient and date fields decides the same.
    export = tmp_path / "notes.jsonl"
    export.write_text(
        "".join(
            json.dumps({"id": i.split("#")[1], "patient_id": "p7", "note_date": d, "text": t}) + "\n"
            for t, d, i in zip(texts, dates, ids)
        )
    )
    expected = run_cli(cli, export)
    assert [r["facts"] for r in records] == [r["facts"] for r in expected]
    assert [r["criteria"] for r in records] == [r["criteria"] for r in expected]


def test_decide_arrow_reads_a_patients_consecutive_rows_together():
    engine = necessity.Engine(threads=2)
    batch = pa.RecordBatch.from_pydict(
        {
            "id": ["a2", "a1", "b1", "c1"],
            "patient": ["A", "A", None, "C"],
            "date": ["2025-11-20", "2025-03-02", "2025-11-20", None],
            "text": [RENEWAL, INITIAL, RENEWAL, RENEWAL],
        }
    )
    out = engine.decide_arrow(batch, patient_column="patient", date_column="date")
    records = [json.loads(r) for r in out.column("record").to_pylist()]
    assert [r["id"] for r in records] == ["a2", "a1", "b1", "c1"]
    baselines = [baseline_easi(r) for r in records]
    # Only patient A's renewal has an earlier note to take its baseline from.
    assert baselines == [28, None, None, None]
    together = engine.decide_patient([RENEWAL, INITIAL], ["2025-11-20", "2025-03-02"], ["a2", "a1"], "A")
    assert records[:2] == together
    # Without the columns, every row is read alone, as before.
    alone = engine.decide_arrow(batch)
    assert [baseline_easi(json.loads(r)) for r in alone.column("record").to_pylist()] == [None] * 4


def test_decide_patient_wants_one_date_and_id_per_text():
    engine = necessity.Engine()
    with pytest.raises(necessity.UsageError):
        engine.decide_patient([RENEWAL, INITIAL], dates=["2025-11-20"])
