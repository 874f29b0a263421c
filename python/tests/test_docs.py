"""The pandas recipes of the README and docs/python.md run as written."""

import os
import re

import pytest


def python_block_after(path, heading_pattern):
    """The first ```python block after the line matching `heading_pattern`."""
    text = path.read_text()
    start = re.search(heading_pattern, text, re.MULTILINE).end()
    return re.search(r"```python\n(.*?)```", text[start:], re.DOTALL).group(1)


@pytest.mark.parametrize(
    "document, heading",
    [("README.md", r"^pandas, one dict per row"), ("docs/python.md", r"^## pandas")],
)
def test_pandas_recipe_runs(repo, mtsamples, document, heading):
    code = python_block_after(repo / document, heading)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        scope = {}
        exec(compile(code, document, "exec"), scope)
    finally:
        os.chdir(cwd)
    df, decided = scope["df"], scope["decided"]
    assert len(df) == len(decided) == 4999
    assert df["record"].iloc[0]["status"] == "ok"
    assert list(decided["id"][:2]) == ["mtsamples.csv#1", "mtsamples.csv#2"]
    assert (decided["status"] == "error").sum() == 33
