"""Every notebook runs top to bottom in a real Jupyter kernel, and is committed with its outputs."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SCRIPTS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.py"))
CELL_TIMEOUT = 120


def _code_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _problems(cell: Any) -> list[str]:
    """Return what is wrong with a code cell's outputs: errors, tracebacks, stderr."""
    found = []
    for output in cell.outputs:
        if output.output_type == "error":
            found.append(f"error {output.ename}: {output.evalue}")
        elif output.output_type == "stream" and output.name == "stderr":
            found.append(f"stderr: {output.text[:200]!r}")
        elif "Traceback" in str(output):
            found.append("an output contains a Traceback")
    return [f"cell {cell.get('id')}: {problem}" for problem in found]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_is_committed_with_its_outputs(path: Path) -> None:
    committed = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(committed)  # executed in memory: the committed file is never written
    for cell in _code_cells(nb):
        cell.outputs, cell.execution_count = [], None
    # Without KAITO_API_KEY (tests/conftest.py clears it too) each notebook starts its
    # fake server instead of calling the real API, whatever the caller's shell holds.
    env = {k: v for k, v in os.environ.items() if k != "KAITO_API_KEY"}

    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    ).execute(env=env)

    fresh_cells, committed_cells = _code_cells(nb), _code_cells(committed)
    problems = [p for cell in fresh_cells for p in _problems(cell)]
    problems += [f"committed {p}" for cell in committed_cells for p in _problems(cell)]
    for fresh, saved in zip(fresh_cells, committed_cells, strict=True):
        if fresh.outputs and not saved.outputs:
            problems.append(
                f"committed cell {saved.get('id')} has no outputs: run notebooks/build.py"
            )
        if "execution" in saved.metadata:
            problems.append(f"committed cell {saved.get('id')} keeps execution timestamps")
    assert not problems, "\n".join(problems)


def test_every_notebook_is_paired_with_its_script() -> None:
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in SCRIPTS]
    for path in NOTEBOOKS:
        formats = nbformat.read(path, as_version=4).metadata.get("jupytext", {}).get("formats")
        assert formats == "ipynb,py:percent", path.name


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_a_notebook_and_its_script_hold_the_same_cells(script: Path) -> None:
    """An edit to one of the pair without the other (or without build.py) is caught here."""
    ours = [(c.cell_type, c.source.strip()) for c in jupytext.read(script).cells]
    committed = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    theirs = [(c.cell_type, c.source.strip()) for c in committed.cells]
    assert ours == theirs, (
        f"{script.name} and its .ipynb differ: run notebooks/build.py {script.stem[:2]}"
    )
