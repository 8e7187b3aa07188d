"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
# A block followed by "prints" and a plain block promises that output, character for character.
PRINTS = dict(re.findall(r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", TEXT, re.S))


def test_readme_has_examples():
    assert len(BLOCKS) >= 4 and PRINTS


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    from minigrad.nn import activations

    monkeypatch.chdir(tmp_path)  # examples may save files
    names, canonical = dict(activations._NAMES), set(activations._CANONICAL)
    try:
        exec(compile(BLOCKS[index], f"README block {index}", "exec"), {"__name__": "readme"})
        if BLOCKS[index] in PRINTS:
            assert capsys.readouterr().out == PRINTS[BLOCKS[index]]
    finally:  # an example may register an activation; leave the registry as it was
        activations._NAMES.clear()
        activations._NAMES.update(names)
        activations._CANONICAL.clear()
        activations._CANONICAL.update(canonical)
