"""The ``minigrad`` command: train, compare activations, draw the gallery, check gradients.

Bad arguments exit with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from minigrad.experiments import LOSSES

if TYPE_CHECKING:
    from minigrad.experiments import Dataset, Head

EPILOG = """examples:
  minigrad compare --dataset xor --activations all --plot xor.png
  minigrad train --dataset spirals --hidden 32,32 --activation relu --optimizer adam --lr 0.01
  minigrad plot-activations relu swish h_swish --out gallery.png
  minigrad gradcheck leaky_relu gelu
"""


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage text stays in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
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
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive widths such as 16,16, got {text!r}")
    return tuple(int(p) for p in parts)


def _writable(path: str | None, what: str) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{what}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"{what}: cannot write {path}")


def _activation_list(text: str) -> list[str]:
    from minigrad.nn.activations import activation_names

    if text.strip().lower() == "all":
        return ["identity"] + [n for n in activation_names()
                               if n not in ("identity", "threshold")]
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        _activation(name)
    return names


def _activation(name: str) -> Any:
    """A layer for ``name`` (Threshold, which has no defaults, gets the gallery's values)."""
    from minigrad.nn.activations import get_activation
    from minigrad.plot import activation_kwargs

    try:
        return get_activation(name, **activation_kwargs(name))
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


def _needs_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            "pictures need matplotlib: pip install 'minigrad[plot]' (or pip install matplotlib)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="minigrad",
        description="Train small networks and see what activation functions change.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(sub: argparse.ArgumentParser, epochs: int, lr: float, hidden: str) -> None:
        from minigrad.experiments import DATASETS

        sub.add_argument("--dataset", default="xor", choices=DATASETS,
                         help="the problem (default: %(default)s)")
        sub.add_argument("--hidden", type=_hidden, default=_hidden(hidden), metavar="W[,W...]",
                         help=f"hidden layer widths (default: {hidden})")
        sub.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"),
                         help="sgd uses momentum 0.9 (default: %(default)s)")
        sub.add_argument("--lr", type=_positive_float, default=lr,
                         help="learning rate (default: %(default)s)")
        sub.add_argument("--epochs", type=_positive_int, default=epochs,
                         help="passes over the data (default: %(default)s)")
        sub.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                         help="samples per step (default: the whole training set)")
        sub.add_argument("--loss", default="auto", choices=LOSSES,
                         help="auto: bce (one logit) for xor, cross_entropy otherwise; mse "
                              "regresses one-hot targets (default: %(default)s)")
        sub.add_argument("--plot", metavar="PNG", help="also save a picture here")

    train = commands.add_parser(
        "train", help="train one network and report its accuracy",
        description="Train one MLP on a dataset; prints a progress bar and final metrics.")
    common(train, epochs=500, lr=0.1, hidden="16")
    train.add_argument("--activation", default="relu",
                       help="registry name, e.g. relu, tanh, leaky_relu (default: %(default)s)")
    train.add_argument("--seed", type=int, default=0, help="seed of everything (default: 0)")
    train.add_argument("--save", metavar="NPZ", help="save the trained weights here")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = commands.add_parser(
        "compare", help="train one network per activation and seed; print a table",
        description="The XOR lesson for any dataset: which activations learn it, how fast, "
                    "how reliably over seeds, and how many ReLU units died.")
    common(compare, epochs=500, lr=0.5, hidden="4")
    compare.add_argument("--activations", default="identity,sigmoid,tanh,relu",
                         metavar="NAMES|all",
                         help="comma-separated registry names or 'all' (default: %(default)s)")
    compare.add_argument("--seeds", type=_positive_int, default=5,
                         help="seeds per activation (default: %(default)s)")

    gallery = commands.add_parser(
        "plot-activations", help="draw every activation and its derivative",
        description="The seed article's graphs: each activation with its derivative on "
                    "x in [-10, 10).")
    gallery.add_argument("names", nargs="*", metavar="NAME", help="registry names (default: all)")
    gallery.add_argument("--out", default="activations.png", metavar="PNG",
                         help="output picture (default: %(default)s)")

    check = commands.add_parser(
        "gradcheck", help="finite-difference check of the activations' backward",
        description="Compare each activation's hand-written backward with central finite "
                    "differences (float64, random upstream gradient) and print the worst error.")
    check.add_argument("names", nargs="*", metavar="NAME", help="registry names (default: all)")
    check.add_argument("--seed", type=int, default=0, help="seed of the test points")
    return parser


# --------------------------------------------------------------------------- commands


def cmd_train(args: argparse.Namespace) -> int:
    import minigrad as mg
    from minigrad.experiments import make_mlp, make_optimizer

    _activation(args.activation)
    _writable(args.plot, "--plot")
    _writable(args.save, "--save")
    if args.plot:
        _needs_matplotlib()
    mg.manual_seed(args.seed)
    dataset = _load(args.dataset)
    head = _head(dataset, args.loss)
    loss = head.loss
    model = make_mlp(dataset.n_features, args.hidden, head.width, args.activation,
                     rng=args.seed)
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr)
    print(f"{dataset.name}: {len(dataset.X_train)} training / {len(dataset.X_test)} test "
          f"samples, {dataset.n_classes} classes")
    print(model)
    history = mg.fit(model, dataset.X_train, head.targets(dataset.y_train),
                     loss=loss, optimizer=opt, epochs=args.epochs, batch_size=args.batch_size,
                     verbose=0 if args.quiet else 1, rng=args.seed)
    test = mg.evaluate(model, dataset.X_test, head.targets(dataset.y_test), loss)
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
    _writable(args.plot, "--plot")
    if args.plot:
        _needs_matplotlib()
    dataset = _load(args.dataset)
    head = _head(dataset, args.loss)
    print(f"{dataset.name}: hidden {','.join(map(str, args.hidden))}, {args.optimizer} "
          f"lr {args.lr}, {args.epochs} epochs, {args.seeds} seeds per activation")
    summaries = compare_activations(dataset, names, seeds=args.seeds, hidden=args.hidden,
                                    epochs=args.epochs, lr=args.lr, optimizer=args.optimizer,
                                    batch_size=args.batch_size, progress=sys.stderr.isatty(),
                                    loss=args.loss)
    print(format_table(summaries, args.seeds))
    if args.plot:
        from minigrad import plot

        if dataset.n_features != 2:
            raise UsageError(f"--plot draws decision regions of 2-D data; {dataset.name} has "
                             f"{dataset.n_features} features")
        models = {f"{s.activation} ({s.converged}/{args.seeds} seeds)": s.best_run.model
                  for s in summaries}
        plot.decision_region_grid(models, dataset.X_train, dataset.y_train, path=args.plot,
                                  threshold=head.threshold)
        print(f"saved picture to {args.plot}")
    return 0


def cmd_plot_activations(args: argparse.Namespace) -> int:
    for name in args.names:
        _activation(name)
    _writable(args.out, "--out")
    _needs_matplotlib()
    from minigrad import plot

    plot.activation_gallery(args.names or None, path=args.out)
    print(f"saved picture to {args.out}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from minigrad.nn.activations import activation_names

    names = args.names or activation_names()
    for name in names:
        _activation(name)
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


def _head(dataset: Dataset, loss: str) -> Head:
    from minigrad.experiments import output_head

    try:
        return output_head(dataset, loss)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _load(name: str) -> Dataset:
    from minigrad.experiments import load_dataset

    try:
        return load_dataset(name)
    except ImportError as error:
        raise UsageError(str(error)) from None


COMMANDS = {"train": cmd_train, "compare": cmd_compare,
            "plot-activations": cmd_plot_activations, "gradcheck": cmd_gradcheck}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"minigrad {args.command}: error: {error}", file=sys.stderr)
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
