"""Execute the notebooks and save them with their outputs, from their jupytext scripts.

Each notebook's source is ``NN-name.py``, a jupytext percent script paired with
``NN-name.ipynb`` (``formats: ipynb,py:percent``): edit either in Jupyter with
jupytext installed and both stay in step. This script reads each script, runs it
in a fresh kernel with no ``KAITO_*`` variable in the environment (so each
notebook starts its fake server), drops what changes from run to run, and writes
the ``.ipynb``.

    .venv/bin/python notebooks/build.py          # every notebook
    .venv/bin/python notebooks/build.py 03 05    # the ones whose names start so
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
KERNEL = "python3"
CELL_TIMEOUT = 300
PAIRING = "ipynb,py:percent"


def scripts() -> list[Path]:
    """Every notebook's script, ``NN-name.py``, in order."""
    return sorted(HERE.glob("[0-9][0-9]-*.py"))


def read(script: Path) -> nbformat.NotebookNode:
    """The notebook of a script, with stable cell ids so that rebuilds diff cleanly."""
    nb = jupytext.read(script)
    for i, cell in enumerate(nb.cells, 1):
        cell.id = f"{script.stem[:2]}-{i:02d}"
    nb.metadata.setdefault("jupytext", {})["formats"] = PAIRING
    nb.metadata["jupytext"].pop("text_representation", None)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in ``notebooks/``; return the notebook."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAITO_")}
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(HERE)}},
        record_timing=False,
        coalesce_streams=True,
    ).execute(env=env)
    return nb


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run without a change of content."""
    language = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {
        key: language[key] for key in ("name", "file_extension", "mimetype") if key in language
    }
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def build(script: Path) -> Path:
    """Execute one script's notebook and save it beside the script; return its path."""
    nb = strip_volatile(execute(read(script)))
    nbformat.validate(nb)
    path = script.with_suffix(".ipynb")
    jupytext.write(nb, path)
    jupytext.write(nb, script, fmt="py:percent")  # the pairing header, kept in step
    return path


def main(argv: list[str]) -> None:
    """Build the notebooks whose names start with any argument, or all."""
    for script in scripts():
        if argv and not any(script.stem.startswith(a) for a in argv):
            continue
        path = build(script)
        print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
