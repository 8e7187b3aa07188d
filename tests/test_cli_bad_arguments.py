"""The README's promise: bad arguments exit with status 2 and one line saying what is wrong.

Every subcommand is run with a table of bad arguments. Each must be refused before any work
(training, gradient checks, pictures and weight files are booby-trapped here), with exit
status 2, exactly one line on stderr that names the option and what was expected or what
came, nothing on stdout, and no file written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import cli

# (argv, option the line must name, what it must say). "{tmp}" is an empty folder that is
# also the working directory, "{ro}" a folder nobody may write to.
TRAIN = [
    (["--activation", "threshol"], "--activation", "unknown activation 'threshol'"),
    (["--activation", ""], "--activation", "unknown activation ''"),
    (["--activation", "relu,tanh"], "--activation", "unknown activation 'relu,tanh'"),
    (["--dataset", "mnist"], "--dataset", "invalid choice: 'mnist'"),
    (["--dataset", ""], "--dataset", "invalid choice: ''"),
    (["--hidden", "16,,16"], "--hidden", "got '16,,16' (an empty width)"),
    (["--hidden", ""], "--hidden", "got '' (an empty width)"),
    (["--hidden", "16,"], "--hidden", "got '16,' (an empty width)"),
    (["--hidden", "0"], "--hidden", "got '0' (a width of 0)"),
    (["--hidden=-4"], "--hidden", "got '-4' ('-4')"),
    (["--hidden", "16,x"], "--hidden", "got '16,x' ('x')"),
    (["--hidden", "8.5"], "--hidden", "got '8.5' ('8.5')"),
    (["--hidden", "20000"], "--hidden", "widths are at most 10000"),
    (["--epochs", "0"], "--epochs", "expected a positive integer, got 0"),
    (["--epochs", "-3"], "--epochs", "expected a positive integer, got -3"),
    (["--epochs", "2.5"], "--epochs", "expected a positive integer, got '2.5'"),
    (["--epochs", "ten"], "--epochs", "expected a positive integer, got 'ten'"),
    (["--epochs"], "--epochs", "expected one argument"),
    (["--lr", "0"], "--lr", "expected a positive number, got 0"),
    (["--lr=-0.1"], "--lr", "expected a positive number, got -0.1"),
    (["--lr", "nan"], "--lr", "expected a positive number, got nan"),
    (["--lr", "inf"], "--lr", "expected a positive number, got inf"),
    (["--lr", "fast"], "--lr", "expected a positive number, got 'fast'"),
    (["--batch-size", "0"], "--batch-size", "expected a positive integer, got 0"),
    (["--batch-size", "all"], "--batch-size", "expected a positive integer, got 'all'"),
    (["--seed", "-1"], "--seed", "expected a non-negative integer, got -1"),
    (["--seed", "x"], "--seed", "expected a non-negative integer, got 'x'"),
    (["--seed", "1.5"], "--seed", "expected a non-negative integer, got '1.5'"),
    (["--loss", "hinge"], "--loss", "invalid choice: 'hinge'"),
    (["--dataset", "spirals", "--loss", "bce"], "--loss", "'bce' needs two classes"),
    (["--optimizer", "rmsprop"], "--optimizer", "invalid choice: 'rmsprop'"),
    (["--plot", "out.txt"], "--plot", "ending in .png, .pdf, .svg"),
    (["--plot", "out"], "--plot", "got 'out'"),
    (["--plot", ""], "--plot", "got ''"),
    (["--plot", "{tmp}/missing/x.png"], "--plot", "does not exist"),
    (["--plot", "{ro}/x.png"], "--plot", "permission denied"),
    (["--plot", "{tmp}/pictures.png"], "--plot", "got the folder"),
    (["--save", "model.pt"], "--save", "ending in .npz, got 'model.pt'"),
    (["--save", "model"], "--save", "ending in .npz, got 'model'"),
    (["--save", "{tmp}/missing/m.npz"], "--save", "does not exist"),
    (["--save", "{ro}/m.npz"], "--save", "permission denied"),
    (["--bogus"], "--bogus", "unrecognized arguments"),
    (["--activations", "relu"], "--activations", "unrecognized arguments"),
    (["relu"], "relu", "unrecognized arguments"),
    (["--model", "cnn"], "--model", "only --dataset digits has them, got --dataset xor"),
    (["--model", "cnn", "--dataset", "spirals"], "--model", "got --dataset spirals"),
    (["--model", "cnn", "--dataset", "moons", "--epochs", "1"], "--model", "got --dataset moons"),
    (["--model", "cnn", "--dataset", "digits", "--hidden", "16"], "--hidden",
     "the cnn has fixed layers"),
    (["--model", "rnn"], "--model", "invalid choice: 'rnn'"),
    (["--model", ""], "--model", "invalid choice: ''"),
    (["--model"], "--model", "expected one argument"),
]
COMPARE = [
    (["--activations", ""], "--activations", "names such as relu,tanh or 'all', got ''"),
    (["--activations", " , "], "--activations", "got ' , '"),
    (["--activations", "relu,,tanh"], "--activations", "got 'relu,,tanh' (an empty name)"),
    (["--activations", "relu,"], "--activations", "got 'relu,' (an empty name)"),
    (["--activations", "relu,bogus"], "--activations", "unknown activation 'bogus'"),
    (["--activations", "all,relu"], "--activations", "unknown activation 'all'"),
    (["--activations", "relu,tanh,relu"], "--activations", "'relu' is given twice"),
    (["--activations", "relu;tanh"], "--activations", "unknown activation 'relu;tanh'"),
    (["--seeds", "0"], "--seeds", "expected a positive integer, got 0"),
    (["--seeds", "-2"], "--seeds", "expected a positive integer, got -2"),
    (["--seeds", "many"], "--seeds", "expected a positive integer, got 'many'"),
    (["--hidden", "4,,4"], "--hidden", "got '4,,4' (an empty width)"),
    (["--epochs", "0"], "--epochs", "expected a positive integer, got 0"),
    (["--lr", "0"], "--lr", "expected a positive number, got 0"),
    (["--batch-size", "-1"], "--batch-size", "expected a positive integer, got -1"),
    (["--dataset", "cifar"], "--dataset", "invalid choice: 'cifar'"),
    (["--dataset", "blobs", "--loss", "bce"], "--loss", "'bce' needs two classes"),
    (["--optimizer", "lbfgs"], "--optimizer", "invalid choice: 'lbfgs'"),
    (["--dataset", "digits", "--plot", "{tmp}/d.png"], "--plot", "digits has 64 features"),
    (["--plot", "xor.gif"], "--plot", "got 'xor.gif'"),
    (["--plot", "{tmp}/missing/x.png"], "--plot", "does not exist"),
    (["--plot", "{ro}/x.png"], "--plot", "permission denied"),
    (["--save", "x.npz"], "--save", "unrecognized arguments"),
    (["--seed", "1"], "--seed", "unrecognized arguments"),
    (["--model", "cnn", "--dataset", "blobs"], "--model", "got --dataset blobs"),
    (["--model", "cnn", "--plot", "{tmp}/x.png"], "--model", "got --dataset xor"),
    (["--model", "cnn", "--dataset", "digits", "--hidden", "4,4"], "--hidden",
     "the cnn has fixed layers"),
    (["--model", "CNN"], "--model", "invalid choice: 'CNN'"),
]
PLOT_ACTIVATIONS = [
    (["bogus"], "NAME", "unknown activation 'bogus'"),
    ([""], "NAME", "unknown activation ''"),
    (["relu", "swish", "relu"], "NAME", "'relu' is given twice"),
    (["relu", "--out", "out.txt"], "--out", "ending in .png, .pdf, .svg"),
    (["--out", "gallery"], "--out", "got 'gallery'"),
    (["--out", ""], "--out", "got ''"),
    (["--out", "{tmp}/missing/g.png"], "--out", "does not exist"),
    (["--out", "{ro}/g.png"], "--out", "permission denied"),
    (["--out", "{tmp}/pictures.png"], "--out", "got the folder"),
    (["--out"], "--out", "expected one argument"),
    (["relu", "--out", "{tmp}/g.png", "swish"], "swish", "give the NAMEs together"),
    (["--frob"], "--frob", "unrecognized arguments"),
    (["--xlim", "4,-4"], "--xlim", "got '4,-4' (LO is not below HI)"),
    (["--xlim", "2,2"], "--xlim", "got '2,2' (LO is not below HI)"),
    (["--xlim", "4"], "--xlim", "expected LO,HI such as -4,4"),
    (["--xlim", "1,2,3"], "--xlim", "got '1,2,3'"),
    (["--xlim", "a,b"], "--xlim", "got 'a,b'"),
    (["--xlim", ""], "--xlim", "got ''"),
    (["--xlim", "-inf,1"], "--xlim", "got '-inf,1'"),
    (["--xlim=nan,1"], "--xlim", "got 'nan,1'"),
    (["--xlim", "-1e6,1"], "--xlim", "within ±10000"),
    (["--xlim"], "--xlim", "expected one argument"),
    (["relu", "--xlim", "-4,4", "--out", "out.txt"], "--out", "ending in .png"),
]
GRADCHECK = [
    (["bogus"], "NAME", "unknown activation 'bogus'"),
    (["relu", "leaky-relu", "gelu", "Leaky_ReLU"], "NAME", "'Leaky_ReLU' is given twice"),
    ([""], "NAME", "unknown activation ''"),
    (["--seed", "-1", "relu"], "--seed", "expected a non-negative integer, got -1"),
    (["--seed", "x"], "--seed", "expected a non-negative integer, got 'x'"),
    (["--seed", "1.5"], "--seed", "expected a non-negative integer, got '1.5'"),
    (["--seed"], "--seed", "expected one argument"),
    (["relu", "--seed", "1", "gelu"], "gelu", "give the NAMEs together"),
    (["--out", "x.png"], "--out", "unrecognized arguments"),
]
TOP_LEVEL = [
    (["frobnicate"], "COMMAND", "invalid choice: 'frobnicate'"),
    ([], "COMMAND", "arguments are required"),
    (["--bogus"], "COMMAND", "arguments are required"),
    (["--bogus", "gradcheck"], "--bogus", "unrecognized arguments"),
]
TABLE = ([(["train", *argv], option, said) for argv, option, said in TRAIN]
         + [(["compare", *argv], option, said) for argv, option, said in COMPARE]
         + [(["plot-activations", *argv], option, said) for argv, option, said in PLOT_ACTIVATIONS]
         + [(["gradcheck", *argv], option, said) for argv, option, said in GRADCHECK]
         + TOP_LEVEL)


def _trap(name: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} ran before the bad argument was refused")
    return refuse


@pytest.fixture
def no_work(monkeypatch):
    """Make everything heavy, and everything that writes a file, fail loudly if called."""
    from minigrad import experiments, plot

    for owner, name in ((mg, "fit"), (mg, "evaluate"), (mg, "save"),
                        (experiments, "compare_activations"), (experiments, "train_run"),
                        (experiments, "fit"), (experiments, "make_mlp"),
                        (experiments, "make_cnn"), (experiments, "make_model"),
                        (plot, "activation_gallery"), (plot, "decision_regions"),
                        (plot, "decision_region_grid"), (plot, "training_curves"),
                        (cli, "activation_gradient_error")):
        monkeypatch.setattr(owner, name, _trap(f"{owner.__name__}.{name}"))


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """An empty working folder, a read-only folder in it, and a folder named like a picture."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    (tmp_path / "pictures.png").mkdir()
    if os.geteuid() == 0:  # root writes anywhere: deny it the read-only folder by hand
        real_access = os.access

        def access(path, mode, *args, **kwargs):
            if mode & os.W_OK and os.path.abspath(path).startswith(str(ro)):
                return False
            return real_access(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    monkeypatch.chdir(tmp_path)
    yield tmp_path, ro
    ro.chmod(0o700)


def _contents(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(code: int, out: str, err: str, argv: list[str], option: str,
                   said: str) -> None:
    command = next((a for a in argv if a in cli.COMMANDS), None)
    assert code == 2, (argv, err)
    assert out == "", argv
    assert err.endswith("\n") and err.count("\n") == 1, err  # exactly one line
    assert "Traceback" not in err
    assert err.startswith(f"minigrad {command}: error: " if command else "minigrad: error: ")
    assert option in err, (option, err)
    assert said in err, (said, err)


@pytest.mark.parametrize("argv, option, said", TABLE, ids=[" ".join(a) for a, _, _ in TABLE])
def test_bad_argument_is_refused_in_one_line(capsys, no_work, folders, argv, option, said):
    tmp, ro = folders
    before = _contents(tmp)
    argv = [a.replace("{tmp}", str(tmp)).replace("{ro}", str(ro)) for a in argv]
    said = said.replace("{tmp}", str(tmp))
    code, out, err = run(capsys, argv)
    assert_refused(code, out, err, argv, option, said)
    assert _contents(tmp) == before  # no output file


@pytest.mark.parametrize("argv, missing, option", [
    (["train", "--plot", "x.png"], "matplotlib", "--plot"),
    (["train", "--dataset", "moons", "--plot", "x.pdf", "--epochs", "1"], "matplotlib", "--plot"),
    (["compare", "--plot", "x.png"], "matplotlib", "--plot"),
    (["compare", "--dataset", "digits", "--plot", "x.png"], "matplotlib", "--plot"),
    (["plot-activations"], "matplotlib", "--out"),
    (["plot-activations", "relu", "--out", "g.svg"], "matplotlib", "--out"),
    (["train", "--dataset", "digits"], "sklearn", "--dataset"),
    (["compare", "--dataset", "digits", "--activations", "relu"], "sklearn", "--dataset"),
])
def test_missing_optional_dependency_is_refused_first(capsys, monkeypatch, no_work, folders,
                                                      argv, missing, option):
    tmp, _ = folders
    before = _contents(tmp)
    for name in [m for m in sys.modules if m == missing or m.startswith(f"{missing}.")]:
        monkeypatch.setitem(sys.modules, name, None)  # importing it now fails
    monkeypatch.setitem(sys.modules, missing, None)
    code, out, err = run(capsys, argv)
    extra = {"matplotlib": "pip install 'minigrad[plot]'",
             "sklearn": "pip install 'minigrad[sklearn]'"}[missing]
    assert_refused(code, out, err, argv, option, extra)
    assert _contents(tmp) == before


def test_nothing_heavy_runs_before_a_late_bad_argument(capsys, monkeypatch, folders):
    """The checks that need the dataset (loss, 2-D plot) still come before any training."""
    from minigrad import experiments

    calls: list[str] = []

    def record(name):
        def fake(*args, **kwargs):
            calls.append(name)
            raise RuntimeError(f"{name} called")
        return fake

    monkeypatch.setattr(mg, "fit", record("fit"))
    monkeypatch.setattr(experiments, "compare_activations", record("compare_activations"))
    for argv in (["compare", "--dataset", "digits", "--plot", "d.png", "--activations", "all"],
                 ["compare", "--dataset", "spirals", "--loss", "bce"],
                 ["train", "--dataset", "blobs", "--loss", "bce", "--save", "m.npz"]):
        code, out, err = run(capsys, argv)
        assert code == 2 and out == "" and err.count("\n") == 1, err
    assert calls == []
    # The same traps do catch work when the arguments are good: the test above can fail.
    for argv, name in ((["train", "--epochs", "1", "--quiet"], "fit"),
                       (["compare", "--epochs", "1", "--seeds", "1"], "compare_activations")):
        with pytest.raises(RuntimeError, match=f"{name} called"):
            cli.main(argv)
    assert calls == ["fit", "compare_activations"]
    capsys.readouterr()


def test_threshold_trains_with_the_gallery_values(capsys):
    code = cli.main(["train", "--activation", "threshold", "--epochs", "2", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Threshold(threshold=1.0, value=-1.0)" in out


def test_compare_all_means_every_registered_activation(capsys, monkeypatch):
    from minigrad import experiments

    seen: list[list[str]] = []

    def fake_compare(dataset, names, **kwargs):
        seen.append(list(names))
        return []

    monkeypatch.setattr(experiments, "compare_activations", fake_compare)
    assert cli.main(["compare", "--activations", "all"]) == 0
    out = capsys.readouterr().out
    assert "leaves out" not in out
    assert f"{len(mg.nn.activation_names())} activations" in out
    assert "threshold uses threshold=1.0, value=-1.0" in out
    assert seen[0][0] == "identity"  # the linear baseline heads the table
    assert sorted(seen[0]) == mg.nn.activation_names()


def test_compare_trains_threshold_with_the_gallery_values(capsys):
    code = cli.main(["compare", "--activations", "relu,threshold", "--epochs", "2",
                     "--seeds", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "threshold uses threshold=1.0, value=-1.0" in out
    assert any(line.startswith("threshold ") for line in out.splitlines())


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"minigrad {mg.__version__}\n" and captured.err == ""


# --------------------------------------------------------------------------- the real program

ENTRY_POINT = shutil.which("minigrad", path=str(Path(sys.executable).parent))


@pytest.fixture
def entry_point():
    if ENTRY_POINT is None:
        pytest.skip("the minigrad entry point is not installed beside this Python")
    return ENTRY_POINT


@pytest.mark.parametrize("argv, option", [
    (["train", "--activation", "nope"], "--activation"),
    (["train", "--seed", "-1"], "--seed"),
    (["gradcheck", "--seed", "-1", "relu"], "--seed"),
    (["plot-activations", "relu", "--out", "out.txt"], "--out"),
    (["compare", "--hidden", "16,,16"], "--hidden"),
    (["compare", "--activations", ""], "--activations"),
])
def test_installed_command_exits_2_with_one_line(tmp_path, entry_point, argv, option):
    done = subprocess.run([entry_point, *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and option in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_installed_command_refuses_plot_without_matplotlib_before_training(tmp_path,
                                                                           entry_point):
    # A matplotlib that cannot be imported, first on the path: as if it were not installed.
    fake = tmp_path / "site" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('matplotlib is not installed')\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    done = subprocess.run([entry_point, "compare", "--activations", "all", "--epochs", "100000",
                           "--plot", "x.png"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--plot" in done.stderr
    assert "pip install 'minigrad[plot]'" in done.stderr
    assert list(work.iterdir()) == []


def test_installed_command_version(entry_point):
    done = subprocess.run([entry_point, "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"minigrad {mg.__version__}\n", "")
