"""The analyst notebooks run top to bottom on the bundled demo data, and are committed with
their outputs stripped.

Each notebook runs in a fresh kernel of *this* interpreter: the test writes a ``python3``
kernelspec for ``sys.executable`` into a temporary Jupyter data directory placed first on
``JUPYTER_PATH``, so an older or foreign ``python3`` kernel installed on the machine is never
the one used. The kernel's working directory is the repository root.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import tiny_term

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [
    "01_build_a_term",
    "02_term_in_motion",
    "03_billing_risk",
    "04_what_if_capacity",
]
CELL_TIMEOUT = 240
"""Seconds one cell may take (the what-if solves take about 30 s together)."""


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data directory whose ``python3`` kernel is this interpreter."""
    data = tmp_path_factory.mktemp("jupyter")
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (otgroups tests)",
                "language": "python",
            }
        )
    )
    return data


def test_every_notebook_is_here() -> None:
    assert [p.stem for p in NOTEBOOKS] == NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped(path: Path) -> None:
    """Committed notebooks carry no outputs and no execution counts (nbformat v4)."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
        assert "attachments" not in cell or not cell.attachments, f"{path.name} cell {i}"


def run(nb: Any, kernel_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Execute ``nb`` in place in a kernel of this interpreter; the error outputs it left."""
    monkeypatch.setenv(
        "JUPYTER_PATH", os.pathsep.join([str(kernel_path), os.environ.get("JUPYTER_PATH", "")])
    )
    monkeypatch.delenv("OTGROUPS_DEIDENTIFY_SALT", raising=False)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    return [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(
    name: str, kernel_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Runs top to bottom without an error, on the bundled demo data."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    started = time.monotonic()
    errors = run(nb, kernel_path, monkeypatch)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{name}: {seconds:.1f} s", end="")
    assert not errors
    figures = [
        cell
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "application/vnd.plotly.v1+json" in output.get("data", {})
        or "text/html" in output.get("data", {})
    ]
    assert figures, f"{name} displayed nothing"


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("participants", "expected"),
    [(3, "0 requests waitlisted"), (1, "nobody is placed in a section")],
    ids=["nobody-waits", "nobody-placed"],
)
def test_build_a_term_on_a_sparse_term(
    participants: int,
    expected: str,
    kernel_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Notebook 01 tells the analyst to point ``TERM`` at their own term: it runs on one where
    everyone is placed (an empty waitlist) and one where nobody is (no roster to pick from)."""
    path = tmp_path / "term.json"
    path.write_text(json.dumps(tiny_term(participants)))
    nb = nbformat.read(ROOT / "notebooks" / "01_build_a_term.ipynb", as_version=4)
    setup = nb.cells[1]
    default = 'TERM = EXAMPLES / "demo_clinic.json"'
    assert setup.source.count(default) == 1
    setup.source = setup.source.replace(default, f"TERM = Path({str(path)!r})")
    assert not run(nb, kernel_path, monkeypatch)
    printed = [
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    ]
    assert any(expected in text for text in printed), printed
