"""The minigrad command: good runs, help, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:  # argparse exits on its own errors and on --help
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_saves_weights_and_picture(tmp_path, capsys):
    weights, picture = tmp_path / "m.npz", tmp_path / "m.png"
    code, out, _ = run(capsys, "train", "--dataset", "moons", "--epochs", "30", "--quiet",
                       "--optimizer", "adam", "--lr", "0.05", "--save", str(weights),
                       "--plot", str(picture))
    assert code == 0
    assert "test accuracy" in out
    state = mg.load(weights)
    assert set(state) == {"0.W", "0.b", "2.W", "2.b"}
    assert picture.stat().st_size > 10_000


def test_train_xor_reaches_full_accuracy(capsys):
    code, out, _ = run(capsys, "train", "--activation", "tanh", "--hidden", "4",
                       "--epochs", "300", "--lr", "0.5", "--quiet")
    assert code == 0
    assert "train accuracy 1.0000" in out


def test_compare_prints_the_table(tmp_path, capsys):
    picture = tmp_path / "xor.png"
    code, out, _ = run(capsys, "compare", "--activations", "identity,tanh", "--seeds", "2",
                       "--epochs", "200", "--plot", str(picture))
    assert code == 0
    lines = out.splitlines()
    identity = next(line for line in lines if line.startswith("identity"))
    tanh = next(line for line in lines if line.startswith("tanh"))
    assert identity.split()[-2] == "0/2" and tanh.split()[-2] == "2/2"
    assert picture.stat().st_size > 10_000


def test_plot_activations_and_gradcheck(tmp_path, capsys):
    picture = tmp_path / "gallery.png"
    code, out, _ = run(capsys, "plot-activations", "relu", "swish", "--out", str(picture))
    assert code == 0 and picture.stat().st_size > 10_000
    code, out, _ = run(capsys, "gradcheck")
    assert code == 0
    assert out.count(" ok") == len(mg.nn.activation_names())


@pytest.mark.parametrize("argv, message", [
    (("train", "--activation", "nope"), "unknown activation 'nope'"),
    (("train", "--dataset", "mnist"), "invalid choice: 'mnist'"),
    (("train", "--loss", "hinge"), "invalid choice: 'hinge'"),
    (("train", "--dataset", "spirals", "--loss", "bce"), "'bce' needs two classes"),
    (("train", "--hidden", "16,x"), "expected comma-separated positive widths"),
    (("train", "--hidden", "0"), "expected comma-separated positive widths"),
    (("train", "--epochs", "0"), "expected a positive integer, got 0"),
    (("train", "--lr", "-0.1"), "expected a positive number"),
    (("train", "--lr", "nan"), "expected a positive number"),
    (("train", "--plot", "/no/such/folder/x.png"), "does not exist"),
    (("compare", "--activations", "relu,bogus"), "unknown activation 'bogus'"),
    (("plot-activations", "bogus"), "unknown activation 'bogus'"),
    (("gradcheck", "bogus"), "unknown activation 'bogus'"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unwritable_output_is_refused(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, "plot-activations", "relu", "--out", str(folder / "g.png"))
    finally:
        folder.chmod(0o700)
    import os

    if os.geteuid() == 0:  # root may write anywhere: the check rightly lets it through
        assert code == 0
    else:
        assert code == 2 and "cannot write" in err


def test_missing_matplotlib_is_explained(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    code, _, err = run(capsys, "plot-activations", "--out", str(tmp_path / "g.png"))
    assert code == 2 and "pip install 'minigrad[plot]'" in err


def test_help_and_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "minigrad", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    for command in ("train", "compare", "plot-activations", "gradcheck"):
        assert command in done.stdout


def test_activation_gradient_error_is_small_for_every_activation():
    for name in mg.nn.activation_names():
        abs_err, _ = cli.activation_gradient_error(name)
        assert abs_err < 1e-6, name
    assert np.isfinite(cli.activation_gradient_error("gelu")[1])


@pytest.mark.parametrize("loss", ["cross_entropy", "mse", "bce"])
def test_train_with_each_loss(capsys, loss):
    code, out, _ = run(capsys, "train", "--dataset", "moons", "--loss", loss, "--epochs", "60",
                       "--optimizer", "adam", "--lr", "0.02", "--quiet")
    assert code == 0
    test_accuracy = float(out.strip().splitlines()[-1].rsplit(" ", 1)[-1])
    assert test_accuracy > 0.85


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_each_command_explains_itself(capsys, command):
    code, out, err = run(capsys, command, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"usage: minigrad {command} [-h]")
    if command in ("train", "compare"):
        # Every activation a user may name is listed, and so is what threshold does.
        assert all(name in out for name in mg.nn.activation_names())
        assert "threshold" in out and "--plot FILE" in out and ".png" in out
    elif command == "playground":
        # It names no activation: the page lists them all, plugins included.
        assert "--plugin FILE.py" in out and "minigrad[playground]" in out
    else:
        assert "threshold=1.0, value=-1.0" in " ".join(out.split())  # help text is wrapped


def test_version_and_abbreviations(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"minigrad {mg.__version__}\n"
    # "--seed" is no abbreviation of compare's "--seeds": a typo is refused, not obeyed.
    code, out, err = run(capsys, "compare", "--seed", "1")
    assert code == 2 and out == "" and "unrecognized arguments: --seed 1" in err


def test_train_and_compare_a_cnn_on_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    weights = tmp_path / "cnn.npz"
    code, out, _ = run(capsys, "train", "--dataset", "digits", "--model", "cnn", "--epochs",
                       "1", "--quiet", "--save", str(weights))
    assert code == 0, out
    assert "Conv2d" in out and "MaxPool2d" in out and "test accuracy" in out
    assert mg.load(weights)["0.W"].shape == (32, 1, 3, 3)
    code, out, _ = run(capsys, "compare", "--dataset", "digits", "--model", "cnn",
                       "--activations", "relu", "--seeds", "1", "--epochs", "1",
                       "--optimizer", "adam", "--lr", "0.003", "--batch-size", "32")
    assert code == 0
    assert "digits: cnn, adam" in out
    relu = next(line for line in out.splitlines() if line.startswith("relu"))
    assert float(relu.split()[3]) > 0.5  # test accuracy after one epoch; chance is 0.1
