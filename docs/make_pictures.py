"""Make every picture under docs/, and the table printed beside it, and the outputs of every
notebook under notebooks/, from one place.

Usage::

    python docs/make_pictures.py           # rewrite docs/*.png and docs/*.txt, run the notebooks
    python docs/make_pictures.py --check   # regenerate into a temporary folder and compare

Each picture is drawn by the ``minigrad`` command exactly as a user runs it; the table that
command prints is kept beside the picture (``docs/xor.txt``), and the README's copy of it is
checked against that file by the suite (tests/test_docs.py). ``docs/graph.png`` is what the
README's mg.viz example draws (the block is run as written); ``docs/playground.png`` is the
playground's page in a headless Chromium after a fixed number of training steps (the browser
tests make it too, and compare). ``--check`` (run by .ci/run) fails when a picture or its
table is stale: the table must match character for character, the picture pixel for pixel
up to a small tolerance for anti-aliasing differences between matplotlib builds.

Each notebook is executed top to bottom in a fresh kernel (nbclient) and saved with its outputs,
so the outputs a reader sees on the page are those of the current code. ``--check`` executes a
copy of each in a temporary folder and compares, cell by cell, the text a reader sees (stdout,
stderr, the plain-text form of results and errors); images, execution counts, memory
addresses (``at 0x7f...``) and lines that report a time are not compared. It names the first
cell that differs in each notebook.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
NOTEBOOKS = DOCS.parent / "notebooks"

# picture file -> the `minigrad` command that draws it (its printed table is kept as .txt)
PICTURES = {
    "xor.png": ["compare", "--dataset", "xor", "--activations", "all"],
}

# The graph picture is what the README's "See backprop" example draws: that block is run
# as written and its `graph` rendered, so the picture cannot drift from the code shown.
GRAPH = "graph.png"

# The README's screenshot of the playground: the page in a headless Chromium, trained by a
# fixed number of steps (minigrad.playground.browser.readme_screenshot), so it is the same at
# every run. Needs Debian's chromium and Playwright (.ci/run installs both).
PLAYGROUND = "playground.png"

# Root-mean-square pixel difference (0-255) allowed by --check.
TOLERANCE = 2.0


def draw_readme_graph(path: Path) -> None:
    """Run the README's example that builds ``graph`` with mg.viz and render it to ``path``."""
    import minigrad as mg

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```$", readme, re.S | re.M)
    code = next(block for block in blocks if "mg.viz.draw_graph" in block)
    namespace: dict[str, object] = {"__name__": "readme"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "README (See backprop)", "exec"), namespace)
    mg.viz.render(namespace["graph"], path)


def make(folder: Path) -> None:
    """Draw every picture into ``folder``, each with the table its command printed."""
    from minigrad.cli import main

    for picture, command in PICTURES.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main([*command, "--plot", str(folder / picture)])
        if status:
            raise SystemExit(f"make_pictures: `minigrad {' '.join(command)}` exited {status}")
        table = "".join(line + "\n" for line in out.getvalue().splitlines()
                        if not line.startswith("saved picture"))
        (folder / picture).with_suffix(".txt").write_text(table, encoding="utf-8")
    draw_readme_graph(folder / GRAPH)
    screenshot_playground(folder / PLAYGROUND)


def screenshot_playground(path: Path) -> None:
    """Serve the playground and save the README's screenshot of it to ``path``."""
    from minigrad.playground import browser

    if browser.find_chromium() is None:
        raise SystemExit(f"make_pictures: the playground screenshot needs a browser: "
                         f"{browser.INSTALL_HINT}")
    with browser.running_server() as url, browser.chromium() as chrome:
        browser.readme_screenshot(chrome, url, str(path))


def run_notebook(path: Path, save_to: Path | None = None) -> object:
    """Execute the notebook at ``path`` in a fresh kernel, from its own folder; save it with
    its outputs to ``save_to`` (when given) and return it. A cell that raises stops with
    nbclient's CellExecutionError naming the cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if save_to is not None:
        nbformat.write(nb, save_to)
    return nb


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


# A line that reports a duration ("0.31 s", "12ms", "3.2 it/s") is not compared.
_TIMING = re.compile(r"\d(\.\d+)?\s*(s|ms|us|µs|ns|sec|seconds|it/s|s/it)\b")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def cell_texts(nb: object) -> list[tuple[int, str]]:
    """(cell number, the text a reader sees below it) for every code cell of ``nb``."""
    texts = []
    for index, cell in enumerate(nb.cells):  # type: ignore[attr-defined]
        if cell.cell_type != "code":
            continue
        parts: list[str] = []
        stream = None  # consecutive writes to one stream may arrive as one output or several
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output["name"] != stream:
                    parts.append(f"[{output['name']}]\n")
                    stream = output["name"]
                parts.append(_text(output["text"]))
                continue
            stream = None
            if kind in ("execute_result", "display_data"):
                if "text/plain" in output.get("data", {}):
                    parts.append(f"[{kind}]\n{_text(output['data']['text/plain'])}\n")
            elif kind == "error":
                parts.append(f"[error]\n{output['ename']}: {output['evalue']}\n")
        lines = [_ADDRESS.sub(" at 0x…", line) for line in "".join(parts).splitlines()
                 if not _TIMING.search(line)]
        texts.append((index, "\n".join(lines)))
    return texts


def check_notebooks(folder: Path) -> list[str]:
    """Execute a copy of every notebook in ``folder``; one line per notebook whose outputs
    differ from the committed ones (the first differing cell) or that fails to run."""
    import difflib

    import nbformat

    problems = []
    for path in notebook_paths():
        name = f"notebooks/{path.name}"
        try:
            fresh = run_notebook(path, save_to=folder / path.name)
        except Exception as error:  # a cell raised: report it, check the rest
            problems.append(f"{name} fails to run: {type(error).__name__}: "
                            f"{str(error).strip().splitlines()[-1] if str(error).strip() else ''}")
            continue
        kept = cell_texts(nbformat.read(path, as_version=4))
        new = cell_texts(fresh)
        if [i for i, _ in kept] != [i for i, _ in new]:
            problems.append(f"{name}: its cells changed while running (?)")
            continue
        for (index, old_text), (_, new_text) in zip(kept, new):
            if old_text != new_text:
                source = fresh.cells[index].source.strip().splitlines()  # type: ignore[attr-defined]
                diff = "\n".join(difflib.unified_diff(
                    old_text.splitlines(), new_text.splitlines(), "committed", "now",
                    lineterm="", n=1))
                problems.append(f"{name}: the output of cell {index} "
                                f"({source[0] if source else 'empty'!r}...) differs from what "
                                f"the code prints now:\n{diff}")
                break
    return problems


def check() -> list[str]:
    """What is stale under docs/ and notebooks/: one line per picture, table or notebook."""
    from matplotlib.testing.compare import compare_images

    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        make(fresh)
        for picture in PICTURES:
            table = Path(picture).with_suffix(".txt")
            kept = DOCS / table
            if not kept.exists() or kept.read_text() != (fresh / table).read_text():
                problems.append(f"docs/{table} differs from what `minigrad` prints now")
        for picture in [*PICTURES, GRAPH, PLAYGROUND]:
            if not (DOCS / picture).exists():
                problems.append(f"docs/{picture} is missing")
                continue
            try:
                difference = compare_images(str(DOCS / picture), str(fresh / picture),
                                            TOLERANCE)
            except Exception as error:  # matplotlib raises when the sizes differ
                difference = str(error)
            if difference is not None:
                problems.append(f"docs/{picture} differs from a fresh drawing: {difference}")
        problems.extend(check_notebooks(fresh))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare docs/ with a fresh drawing instead of rewriting it")
    args = parser.parse_args(argv)
    if not args.check:
        make(DOCS)
        print(f"wrote {', '.join(PICTURES)} (with their tables), {GRAPH} and {PLAYGROUND} "
              f"under {DOCS}")
        for path in notebook_paths():
            run_notebook(path, save_to=path)
            print(f"ran notebooks/{path.name} and saved its outputs")
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `python docs/make_pictures.py` and commit the result", file=sys.stderr)
        return 1
    print(f"docs/ is up to date ({len(PICTURES) + 2} picture(s)), and so are the outputs of "
          f"{len(notebook_paths())} notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
