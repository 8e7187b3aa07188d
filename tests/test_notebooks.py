"""Every lesson notebook under notebooks/ runs top to bottom in a fresh kernel.

Each notebook is executed with nbclient (one test per notebook, a timeout per cell) in a fresh
IPython kernel of this interpreter, from its own folder, as a learner runs it. A cell that
raises fails the test with the cell and its traceback.

Warnings: in the kernel, a hidden first cell (not saved anywhere) turns every warning raised
from minigrad's modules or from the notebook's own cells into an error, as the rest of the
suite does with ``filterwarnings = error``; and any output on stderr (where a warning from
anywhere else would appear) fails the test, since a learner would see it. In this pytest
process only the notebook machinery runs (jupyter_client, zmq, nbclient), so its deprecation
warnings, which say nothing about minigrad, are ignored during the execution.

nbmake (a pytest plugin doing the same) works with pytest 9, but it offers no way to make a
warning raised inside the kernel fail a test without hidden metadata in each notebook.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))

# Run first in the kernel, never saved: warnings from minigrad or from the cells are errors.
STRICT_WARNINGS = """\
import warnings
warnings.filterwarnings("error", module=r"minigrad(\\.|$)")
warnings.filterwarnings("error", module=r"__main__$")
"""


def test_every_lesson_has_a_notebook() -> None:
    names = {path.name for path in PATHS}
    for lesson in ("01_activations", "01_activations_ja", "02_backprop_by_hand",
                   "03_xor_nonlinearity", "04_custom_activation", "05_vanishing_gradients"):
        assert f"{lesson}.ipynb" in names


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(STRICT_WARNINGS))
    client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        client.execute()
    stderr = [
        f"cell {index - 1}: {output['text']}"
        for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]
    assert not stderr, f"{path.name} wrote to stderr:\n" + "\n".join(stderr)
