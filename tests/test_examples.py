"""Every example runs in a fast mode and its lesson holds, and each one answers --help."""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")


def test_xor_linear_fails_and_nonlinear_learns(tmp_path, capsys):
    picture = tmp_path / "xor.png"
    summaries = {s.activation: s for s in load("xor")["main"](["--quick", "--plot",
                                                                str(picture)])}
    assert all(run.train_accuracy <= 0.75 for run in summaries["identity"].runs)
    assert summaries["identity"].converged == 0
    for name in ("sigmoid", "tanh"):
        assert summaries[name].converged == 3, name
    assert summaries["relu"].converged >= 1  # seed-sensitive, but it can learn XOR
    out = capsys.readouterr().out
    assert "converged" in out and "identity" in out
    assert picture.stat().st_size > 10_000


def test_activation_gallery_and_seed_softmax(tmp_path, capsys):
    picture = tmp_path / "gallery.png"
    with np.errstate(all="ignore"):
        results = load("activations")["main"](["--out", str(picture)])
    assert picture.stat().st_size > 50_000
    assert np.all(np.isnan(results["naive_large"]))
    np.testing.assert_allclose(results["stable_large"],
                               [4.24835426e-18, 9.35762297e-14, 1.92874985e-22,
                                8.75651076e-27, 1.0], rtol=1e-8)
    np.testing.assert_allclose(results["stable_small"],
                               [0.00870909, 0.08686608, 0.7839675, 0.01435887, 0.10609846],
                               rtol=1e-6)
    assert "overflow encountered in exp" in capsys.readouterr().out


def test_digits_reach_the_promised_accuracy():
    pytest.importorskip("sklearn")
    result = load("classifiers")["digits"]()
    assert result["test_accuracy"] >= 0.975


def test_toy_classifiers_bend_the_boundary(tmp_path):
    picture = tmp_path / "toys.png"
    toys = load("classifiers")["toy_problems"](("circles",), ("identity", "relu"), seeds=1,
                                               epochs=60, plot=str(picture))
    by_name = {s.activation: s for s in toys["circles"]}
    assert by_name["identity"].runs[0].test_accuracy < 0.8
    assert by_name["relu"].runs[0].test_accuracy > 0.95
    assert picture.stat().st_size > 10_000


def test_manual_backprop_example_matches_autograd(capsys):
    grads = load("manual_backprop")["main"]([])
    assert set(grads) == {"0.W", "0.b", "2.W", "2.b", "4.W", "4.b"}
    assert capsys.readouterr().out.count("identical to the hand-computed gradient: True") == 6


def test_custom_activation_example(capsys):
    from minigrad import nn
    from minigrad.nn import activations

    names, canonical = dict(activations._NAMES), set(activations._CANONICAL)
    try:
        load("custom_activation")["main"]([])
        assert "squareplus" in nn.activation_names()
    finally:  # leave the registry as the other tests expect it
        activations._NAMES.clear()
        activations._NAMES.update(names)
        activations._CANONICAL.clear()
        activations._CANONICAL.update(canonical)
    out = capsys.readouterr().out
    assert "gradcheck(Squareplus): True" in out and "squareplus" in out


def test_vanishing_gradients_ordering(tmp_path, capsys):
    picture = tmp_path / "vanishing.png"
    result = load("vanishing_gradients")["main"](["--quick", "--plot", str(picture)])
    norms = {name: [r.grad_norm for r in report if r.grad_norm is not None]
             for name, report in result["at_init"].items()}
    # Sigmoid's gradient shrinks by orders of magnitude toward the input; tanh and ReLU
    # keep it within a factor of ten from the last layer to the first.
    assert norms["sigmoid"][0] < norms["relu"][0] / 100
    assert norms["sigmoid"][0] < norms["sigmoid"][-1] / 1000
    for name in ("tanh", "relu"):
        assert 0.1 < norms[name][0] / norms[name][-1] < 10, name
    # After training: ReLU has dead units; the smooth activations have none (measured, not
    # left out), and only sigmoid and tanh get a saturation figure.
    shares = {name: ([r.dead_share for r in report if r.kind != "Dense"],
                     [r.saturated_share for r in report if r.kind != "Dense"])
              for name, (report, _) in result["trained"].items()}
    assert max(shares["relu"][0]) > 0
    for name in ("sigmoid", "tanh", "swish"):
        assert shares[name][0] and all(share == 0.0 for share in shares[name][0]), name
    for name in ("sigmoid", "tanh"):
        assert all(share is not None for share in shares[name][1]), name
    for name in ("relu", "swish"):
        assert all(share is None for share in shares[name][1]), name
    lines = {line.split(":")[0].strip(): line for line in capsys.readouterr().out.splitlines()
             if "train accuracy" in line}
    assert "dead units" in lines["sigmoid"] and "saturated units" in lines["sigmoid"]
    assert "dead units" in lines["relu"] and "saturated" not in lines["relu"]
    assert picture.stat().st_size > 10_000


def test_autograd_demo_runs(capsys):
    load("autograd_demo")["main"]([])
    assert "finite differences agree: True" in capsys.readouterr().out


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.stem)
def test_every_example_answers_help_without_running(tmp_path, script):
    # In an empty folder: an example that ignored --help and ran would write its pictures
    # here or print its results; one that answers it prints the lesson and stops.
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {script.name} [-h]")
    lesson = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    assert lesson and lesson.splitlines()[0] in done.stdout  # the description is the lesson
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_cnn_digits_prints_the_table_and_beats_chance(capsys):
    pytest.importorskip("sklearn")
    result = load("cnn_digits")["main"](["--epochs", "2", "--mlp-epochs", "2",
                                          "--activations", "relu,identity"])
    assert list(result["rows"]) == ["relu", "identity"]
    for cnn, mlp in result["rows"].values():
        assert cnn.test_accuracy > 0.8 and mlp.test_accuracy > 0.5  # chance is 0.1
        assert cnn.model[0].__class__.__name__ == "Conv2d"
    out = capsys.readouterr().out
    assert "CNN test acc" in out and "MLP test acc" in out
    assert out.count("\nrelu ") == 1 and "\nidentity " in out
    assert "with ReLU: CNN test accuracy" in out


def test_cnn_digits_reaches_the_promised_accuracy():
    # The lesson's full-length CNN (ReLU, 30 epochs, seed 0); its time is measured, not tested.
    pytest.importorskip("sklearn")
    run = load("cnn_digits")["train_cnn"]("relu", epochs=30, seed=0)
    assert run.test_accuracy >= 0.985
