"""Shared fixtures: the repository, its seed note, and the `necessity` CLI the
package's records are compared with."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def mtsamples() -> pathlib.Path:
    path = SHARED / "mtsamples" / "mtsamples.csv"
    assert path.exists(), f"the shared data must sit beside the checkout: {path}"
    return path


@pytest.fixture(scope="session")
def seed_note() -> pathlib.Path:
    return REPO / "corpus" / "notes" / "seed-dupixent-adult.txt"


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The CLI binary: $NECESSITY_BIN, else the workspace's debug build
    (built here if missing; `cargo test` has built it in CI)."""
    given = os.environ.get("NECESSITY_BIN")
    if given:
        return pathlib.Path(given)
    subprocess.run(["cargo", "build", "--quiet", "--bin", "necessity"], cwd=REPO, check=True)
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return pathlib.Path(json.loads(metadata.stdout)["target_directory"]) / "debug" / "necessity"


def run_cli(cli: pathlib.Path, *args: object) -> list:
    """The records `necessity run ARGS` writes, as dicts."""
    out = subprocess.run(
        [str(cli), "run", "-q", *map(str, args)], capture_output=True, text=True
    )
    assert out.returncode in (0, 3), out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]
