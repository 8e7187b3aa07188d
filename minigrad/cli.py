"""The ``minigrad`` command: train, compare activations, draw the gallery, check gradients.

Every argument is checked before any work starts (names known, numbers in range, lists well
formed, output paths writable and of a supported kind, optional dependencies importable). A
bad one exits with status 2 and one line on stderr naming the option, what it expects and
what it got: never a traceback, and nothing is trained or written first.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from minigrad import __version__
from minigrad.experiments import DATASETS, LOSSES

if TYPE_CHECKING:
    from minigrad.experiments import Dataset, Head

EPILOG = """examples:
  minigrad compare --dataset xor --activations all --plot xor.png
  minigrad train --dataset spirals --hidden 32,32 --activation relu --optimizer adam --lr 0.01
  minigrad plot-activations relu swish h_swish --out gallery.png
  minigrad gradcheck leaky_relu gelu

Run 'minigrad COMMAND --help' for the options of one command. Pictures need matplotlib
(pip install 'minigrad[plot]'); the digits dataset needs scikit-learn ('minigrad[sklearn]').
"""

# Formats matplotlib writes with its default backend and no extra tools (pgf needs LaTeX).
PICTURE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "eps", "ps")
# Wider layers are no toy any more; far wider ones end in a MemoryError deep inside NumPy.
MAX_WIDTH = 10_000
# Threshold has no default threshold and value (in PyTorch either); train, plot-activations
# and gradcheck use the gallery's 1.0 and -1.0 (with 0 and 0 it would be ReLU).
THRESHOLD_NOTE = "threshold uses threshold=1.0, value=-1.0"
NAMES_HINT = " (give the NAMEs together, before or after the options)"
ALL_NOTE = ("'all' leaves out threshold, which has no default threshold and value: "
            "try minigrad train --activation threshold")


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


def _bad(option: str, message: str) -> UsageError:
    return UsageError(f"argument {option}: {message}")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage text stays in --help), and an
    unknown option is reported by the command it was given to."""

    commands: Mapping[str, argparse.ArgumentParser] = {}
    # argparse cannot take "NAME --seed 1 NAME": the names must come together.
    names_hint = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: compare's --seeds would otherwise take "--seed 1" as one seed.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            owner = self.commands.get(getattr(parsed, "command", None) or "", self)
            words = [e for e in extra if not e.startswith("-")]
            hint = getattr(owner, "names_hint", "") if words else ""
            owner.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
        return parsed


# --------------------------------------------------------------------------- argument types
# argparse reports what these raise as "argument --OPTION: message".


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _hidden(text: str) -> tuple[int, ...]:
    expected = f"expected comma-separated positive widths such as 16,16, got {text!r}"
    widths = []
    for part in text.split(","):
        if not re.fullmatch(r"[0-9]+", part.strip()):
            what = "an empty width" if not part.strip() else f"{part.strip()!r}"
            raise argparse.ArgumentTypeError(f"{expected} ({what})")
        widths.append(int(part))
    if min(widths) < 1:
        raise argparse.ArgumentTypeError(f"{expected} (a width of 0)")
    if max(widths) > MAX_WIDTH:
        raise argparse.ArgumentTypeError(f"{expected} (widths are at most {MAX_WIDTH})")
    return tuple(widths)


def _output(*extensions: str) -> Any:
    """A type accepting a file name that ends in one of ``extensions``."""
    listed = ", ".join(f".{e}" for e in extensions)

    def check(text: str) -> str:
        if os.path.splitext(text)[1].lower().lstrip(".") not in extensions:
            raise argparse.ArgumentTypeError(
                f"expected a file name ending in {listed}, got {text!r}")
        return text

    return check


def _activation_name(text: str) -> str:
    _activation(text)
    return text


# --------------------------------------------------------------------------- checks


def _activation(name: str) -> Any:
    """A layer for ``name`` (Threshold, which has no defaults, gets the gallery's values);
    an unknown name raises argparse's error type, which every caller reports as one line."""
    from minigrad.nn.activations import get_activation
    from minigrad.plot import activation_kwargs

    try:
        return get_activation(name, **activation_kwargs(name))
    except (ValueError, TypeError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _no_duplicates(option: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if _key(name) in seen:
            raise _bad(option, f"{name!r} is given twice")
        seen.add(_key(name))


def _known(option: str, names: Sequence[str]) -> None:
    for name in names:
        try:
            _activation(name)
        except argparse.ArgumentTypeError as error:
            raise _bad(option, str(error)) from None
    _no_duplicates(option, names)


def _all_trainable() -> list[str]:
    from minigrad.nn.activations import activation_names

    return ["identity"] + [n for n in activation_names() if n not in ("identity", "threshold")]


def _activation_list(text: str) -> list[str]:
    """The names of ``--activations``: 'all' or a comma-separated list, every one known."""
    if text.strip().lower() == "all":
        return _all_trainable()
    expected = f"expected comma-separated activation names such as relu,tanh or 'all', got {text!r}"
    names = [part.strip() for part in text.split(",")]
    if not any(names):
        raise _bad("--activations", expected)
    if not all(names):
        raise _bad("--activations", f"{expected} (an empty name)")
    _known("--activations", names)
    if "threshold" in map(_key, names):
        # compare builds its networks without hyper-parameters, and Threshold has none.
        raise _bad("--activations", "threshold cannot be compared: it has no default threshold "
                                    "and value; try minigrad train --activation threshold")
    return names


def _writable(option: str, path: str | None) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise _bad(option, f"expected a file name, got the folder {path!r}")
    if not os.path.isdir(folder):
        raise _bad(option, f"cannot write {path!r}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise _bad(option, f"cannot write {path!r}: permission denied")


def _needs_matplotlib(option: str) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise _bad(option, "pictures need matplotlib, which is not installed: "
                           "pip install 'minigrad[plot]' (or pip install matplotlib)") from None


def _needs_sklearn(dataset: str) -> None:
    if dataset != "digits":
        return
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise _bad("--dataset", "digits ships with scikit-learn, which is not installed: "
                                "pip install 'minigrad[sklearn]' (or pip install scikit-learn)"
                   ) from None


def _load(name: str) -> Dataset:
    from minigrad.experiments import load_dataset

    try:
        return load_dataset(name)
    except (ImportError, ValueError) as error:
        raise _bad("--dataset", str(error)) from None


def _head(dataset: Dataset, loss: str) -> Head:
    from minigrad.experiments import output_head

    try:
        return output_head(dataset, loss)
    except ValueError as error:
        raise _bad("--loss", str(error)) from None


def _prepare(args: argparse.Namespace) -> tuple[Dataset, Head]:
    """The checks train and compare share, in the order a user would fix them; then the
    dataset (cheap to make) and its output head, whose checks need the dataset."""
    _writable("--plot", args.plot)
    _writable("--save", getattr(args, "save", None))
    if args.plot:
        _needs_matplotlib("--plot")
    _needs_sklearn(args.dataset)
    dataset = _load(args.dataset)
    return dataset, _head(dataset, args.loss)


# --------------------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    from minigrad.nn.activations import activation_names

    parser = _Parser(
        prog="minigrad",
        description="Train small networks and see what activation functions change.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.commands = commands.choices
    names = ", ".join(activation_names())
    pictures = ", ".join(f".{e}" for e in PICTURE_FORMATS)

    def dataset_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--dataset", default="xor", choices=DATASETS,
                         help="the problem: xor (the 4 corners), moons, circles, spirals, "
                              "blobs (300 points each) or digits (scikit-learn's 8x8 digits, "
                              "needs scikit-learn) (default: %(default)s)")

    def common(sub: argparse.ArgumentParser, epochs: int, lr: float, hidden: str) -> None:
        sub.add_argument("--hidden", type=_hidden, default=_hidden(hidden), metavar="W[,W...]",
                         help=f"hidden layer widths, one per layer, e.g. 32,32 for two layers "
                              f"of 32 units; each 1 to {MAX_WIDTH} (default: {hidden})")
        sub.add_argument("--loss", default="auto", choices=LOSSES,
                         help="auto: bce (one logit) for xor, cross_entropy otherwise; mse "
                              "regresses one-hot targets; bce needs two classes "
                              "(default: %(default)s)")
        sub.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"),
                         help="sgd uses momentum 0.9 (default: %(default)s)")
        sub.add_argument("--lr", type=_positive_float, default=lr, metavar="RATE",
                         help="learning rate, a positive number (default: %(default)s)")
        sub.add_argument("--epochs", type=_positive_int, default=epochs, metavar="N",
                         help="passes over the training data (default: %(default)s)")
        sub.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                         help="samples per step (default: the whole training set)")

    train = commands.add_parser(
        "train", help="train one network and report its accuracy",
        description="Train one MLP (Dense layers with the activation between them) on a "
                    "dataset; print the model, a progress bar and the final loss and "
                    "accuracies.")
    dataset_option(train)
    train.add_argument("--activation", type=_activation_name, default="relu", metavar="NAME",
                       help=f"the activation between the layers, one of: {names} "
                            f"({THRESHOLD_NOTE}) (default: %(default)s)")
    common(train, epochs=500, lr=0.1, hidden="16")
    train.add_argument("--seed", type=_seed, default=0, metavar="N",
                       help="seed of the weights and the shuffling, a non-negative integer "
                            "(default: %(default)s)")
    train.add_argument("--plot", type=_output(*PICTURE_FORMATS), metavar="FILE",
                       help=f"also save a picture ({pictures}; needs matplotlib): the decision "
                            "regions for 2-D data, the training curves otherwise")
    train.add_argument("--save", type=_output("npz"), metavar="FILE.npz",
                       help="save the trained weights here (load them with mg.load)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = commands.add_parser(
        "compare", help="train one network per activation and seed; print a table",
        description="The XOR lesson for any dataset: train one MLP per activation and seed "
                    "(seeds 0 to N-1) and print, per activation, the medians over seeds of "
                    "the final loss and the accuracies, the epochs to 100% training accuracy, "
                    "how many seeds converged and the share of dead ReLU-family units.")
    dataset_option(compare)
    compare.add_argument("--activations", default="identity,sigmoid,tanh,relu",
                         metavar="NAMES|all",
                         help=f"comma-separated activation names from: {names}; or all "
                              f"({ALL_NOTE}) (default: %(default)s)")
    common(compare, epochs=500, lr=0.5, hidden="4")
    compare.add_argument("--seeds", type=_positive_int, default=5, metavar="N",
                         help="seeds per activation (default: %(default)s)")
    compare.add_argument("--plot", type=_output(*PICTURE_FORMATS), metavar="FILE",
                         help=f"also save the decision regions of each activation's best seed "
                              f"({pictures}; needs matplotlib; 2-D datasets only, not digits)")

    gallery = commands.add_parser(
        "plot-activations", help="draw every activation and its derivative",
        description="Draw each activation (solid) and its derivative (dashed) on x in "
                    "[-10, 10), one panel each, into one picture. Needs matplotlib.")
    gallery.names_hint = NAMES_HINT
    gallery.add_argument("names", nargs="*", metavar="NAME",
                         help=f"activation names (default: all; {THRESHOLD_NOTE})")
    gallery.add_argument("--out", type=_output(*PICTURE_FORMATS), default="activations.png",
                         metavar="FILE", help=f"the picture ({pictures}) (default: %(default)s)")

    check = commands.add_parser(
        "gradcheck", help="finite-difference check of the activations' backward",
        description="Compare each activation's hand-written backward with central finite "
                    "differences (float64, random upstream gradient) and print the worst "
                    "error. Exit status 1 if any activation fails.")
    check.names_hint = NAMES_HINT
    check.add_argument("names", nargs="*", metavar="NAME",
                       help=f"activation names (default: all; {THRESHOLD_NOTE})")
    check.add_argument("--seed", type=_seed, default=0, metavar="N",
                       help="seed of the random test points, a non-negative integer "
                            "(default: %(default)s)")
    return parser


# --------------------------------------------------------------------------- commands


def cmd_train(args: argparse.Namespace) -> int:
    import minigrad as mg
    from minigrad.experiments import make_mlp, make_optimizer
    from minigrad.plot import activation_kwargs

    dataset, head = _prepare(args)
    mg.manual_seed(args.seed)
    model = make_mlp(dataset.n_features, args.hidden, head.width, args.activation,
                     rng=args.seed, **activation_kwargs(args.activation))
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr)
    print(f"{dataset.name}: {len(dataset.X_train)} training / {len(dataset.X_test)} test "
          f"samples, {dataset.n_classes} classes")
    print(model)
    # Accuracy is asked for: the MSE head is a classifier although its loss is a regression's.
    history = mg.fit(model, dataset.X_train, head.targets(dataset.y_train),
                     loss=head.loss, optimizer=opt, epochs=args.epochs,
                     batch_size=args.batch_size, verbose=0 if args.quiet else 1, rng=args.seed,
                     metrics=("accuracy",))
    test = mg.evaluate(model, dataset.X_test, head.targets(dataset.y_test), head.loss,
                       metrics=("accuracy",))
    print(f"final: loss {history['loss'][-1]:.4f}, train accuracy "
          f"{history['accuracy'][-1]:.4f}, test accuracy {test['accuracy']:.4f}")
    if args.save:
        mg.save(model, args.save)
        print(f"saved weights to {args.save}")
    if args.plot:
        from minigrad import plot

        if dataset.n_features == 2:
            plot.decision_regions(model, dataset.X_train, dataset.y_train,
                                  title=f"{args.activation} on {dataset.name}", path=args.plot,
                                  threshold=head.threshold)
        else:
            plot.training_curves(history, path=args.plot)
        print(f"saved picture to {args.plot}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from minigrad.experiments import compare_activations, format_table

    names = _activation_list(args.activations)
    dataset, head = _prepare(args)
    if args.plot and dataset.n_features != 2:
        raise _bad("--plot", f"draws decision regions of 2-D data, and {dataset.name} has "
                             f"{dataset.n_features} features: leave --plot out")
    print(f"{dataset.name}: hidden {','.join(map(str, args.hidden))}, {args.optimizer} "
          f"lr {args.lr}, {args.epochs} epochs, {args.seeds} seeds per activation")
    if args.activations.strip().lower() == "all":
        print(f"{len(names)} activations; {ALL_NOTE}")
    summaries = compare_activations(dataset, names, seeds=args.seeds, hidden=args.hidden,
                                    epochs=args.epochs, lr=args.lr, optimizer=args.optimizer,
                                    batch_size=args.batch_size, progress=sys.stderr.isatty(),
                                    loss=args.loss)
    print(format_table(summaries, args.seeds))
    if args.plot:
        from minigrad import plot

        models = {f"{s.activation} ({s.converged}/{args.seeds} seeds)": s.best_run.model
                  for s in summaries}
        plot.decision_region_grid(models, dataset.X_train, dataset.y_train, path=args.plot,
                                  threshold=head.threshold)
        print(f"saved picture to {args.plot}")
    return 0


def cmd_plot_activations(args: argparse.Namespace) -> int:
    # Names are checked here, not by argparse, so a misplaced option is reported as such.
    _known("NAME", args.names)
    _writable("--out", args.out)
    _needs_matplotlib("--out")
    from minigrad import plot

    plot.activation_gallery(args.names or None, path=args.out)
    print(f"saved picture to {args.out}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from minigrad.nn.activations import activation_names

    _known("NAME", args.names)
    names = args.names or activation_names()
    failures = 0
    print(f"{'activation':<14}{'worst abs error':>16}{'worst rel error':>16}  result")
    for name in names:
        abs_err, rel_err = activation_gradient_error(name, seed=args.seed)
        # The same tolerance as mg.gradcheck: |analytic - numeric| <= 1e-5 + 1e-3 |numeric|.
        ok = abs_err <= 1e-5 or rel_err <= 1e-3
        failures += not ok
        print(f"{name:<14}{abs_err:>16.2e}{rel_err:>16.2e}  {'ok' if ok else 'FAILED'}")
    return 1 if failures else 0


def activation_gradient_error(name: str, seed: int = 0) -> tuple[float, float]:
    """Worst absolute and relative difference between an activation's backward and central
    differences (float64, random upstream gradient), on random points kept off its kinks."""
    from minigrad.gradcheck import compare_gradients
    from minigrad.tensor import Tensor

    layer = _activation(name)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-4.0, 4.0, size=(6, 5))
    for kink in getattr(layer, "kinks", ()):
        x[np.abs(x - kink) < 1e-3] += 1e-2
    worst_abs = worst_rel = 0.0
    for _, analytic, numeric in compare_gradients(layer, Tensor(x, requires_grad=True),
                                                  seed=seed):
        diff = np.abs(analytic - numeric)
        worst_abs = max(worst_abs, float(diff.max()))
        worst_rel = max(worst_rel, float((diff / np.maximum(np.abs(numeric), 1e-8)).max()))
    return worst_abs, worst_rel


COMMANDS = {"train": cmd_train, "compare": cmd_compare,
            "plot-activations": cmd_plot_activations, "gradcheck": cmd_gradcheck}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, and argparse's own one-line errors
        return stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 2
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"minigrad {args.command}: error: {error} (see minigrad {args.command} --help)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
