"""docs/ holds only what docs/make_pictures.py makes, and the README shows the same numbers.

Whether the pictures are fresh is checked by ``python docs/make_pictures.py --check`` in
.ci/run (it retrains the demo, about 20 s); this file checks, in no time, that nothing
under docs/ was made by hand and that the README's table is the one kept beside the picture.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _make_pictures():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_pictures", DOCS / "make_pictures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_file_under_docs_comes_from_the_script():
    script = _make_pictures()
    pictures = script.PICTURES
    made = {"make_pictures.py", script.GRAPH, script.PLAYGROUND} | set(pictures) | {
        Path(p).with_suffix(".txt").name for p in pictures}
    present = {p.name for p in DOCS.iterdir() if p.name != "__pycache__"}
    assert present == made


def test_the_readme_shows_each_picture_and_its_table_as_made():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [text for lang, text in re.findall(r"^```(\w*)\n(.*?)^```$", readme, re.S | re.M)
              if not lang]
    script = _make_pictures()
    assert f"(docs/{script.GRAPH})" in readme
    assert f"(docs/{script.PLAYGROUND})" in readme
    for picture in script.PICTURES:
        assert f"(docs/{picture})" in readme
        table = (DOCS / picture).with_suffix(".txt").read_text(encoding="utf-8")
        assert table in blocks, f"the README's copy of docs/{picture}'s table is not current"
