"""Make every picture under docs/, and the table printed beside it, from one place.

Usage::

    python docs/make_pictures.py           # rewrite docs/*.png and docs/*.txt
    python docs/make_pictures.py --check   # regenerate into a temporary folder and compare

Each picture is drawn by the ``minigrad`` command exactly as a user runs it; the table that
command prints is kept beside the picture (``docs/xor.txt``), and the README's copy of it is
checked against that file by the suite (tests/test_docs.py). ``--check`` (run by .ci/run)
fails when a picture or its table is stale: the table must match character for character,
the picture pixel for pixel up to a small tolerance for anti-aliasing differences between
matplotlib builds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent

# picture file -> the `minigrad` command that draws it (its printed table is kept as .txt)
PICTURES = {
    "xor.png": ["compare", "--dataset", "xor", "--activations", "all"],
}

# Root-mean-square pixel difference (0-255) allowed by --check.
TOLERANCE = 2.0


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


def check() -> list[str]:
    """What is stale under docs/: one line per picture or table that differs."""
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
            if not (DOCS / picture).exists():
                problems.append(f"docs/{picture} is missing")
                continue
            difference = compare_images(str(DOCS / picture), str(fresh / picture), TOLERANCE)
            if difference is not None:
                problems.append(f"docs/{picture} differs from a fresh drawing: {difference}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare docs/ with a fresh drawing instead of rewriting it")
    args = parser.parse_args(argv)
    if not args.check:
        make(DOCS)
        print(f"wrote {', '.join(PICTURES)} and their tables under {DOCS}")
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `python docs/make_pictures.py` and commit the result", file=sys.stderr)
        return 1
    print(f"docs/ is up to date ({len(PICTURES)} picture(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
