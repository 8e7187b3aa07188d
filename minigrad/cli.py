"""The ``minigrad`` command: train, compare activations, draw the gallery, check gradients.

Every argument is checked before any work starts (names known, numbers in range, lists well
formed, output paths writable and of a supported kind, optional dependencies importable; the
checks are in :mod:`minigrad.cli_checks`). A bad one exits with status 2 and one line on
stderr naming the option, what it expects and what it got: never a traceback, and nothing
is trained or written first.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from minigrad import __version__
from minigrad.cli_checks import (
    MAX_WIDTH,
    UsageError,
    activation_layer,
    activation_list,
    activation_name,
    bad,
    hidden_widths,
    known_names,
    needs_matplotlib,
    needs_playground,
    non_negative_int,
    output_file,
    port_number,
    positive_float,
    positive_int,
    prepare,
    writable,
    x_range,
)
from minigrad.experiments import DATASETS, LOSSES, MODELS, activation_settings, settings_note

EPILOG = """examples:
  minigrad compare --dataset xor --activations all --plot xor.png
  minigrad train --dataset spirals --hidden 32,32 --activation relu --optimizer adam --lr 0.01
  minigrad train --dataset digits --model cnn --optimizer adam --lr 0.003 --batch-size 32
  minigrad plot-activations relu swish h_swish --xlim -6,6 --out gallery.png
  minigrad gradcheck leaky_relu gelu
  minigrad playground

Run 'minigrad COMMAND --help' for the options of one command. Pictures need matplotlib
(pip install 'minigrad[plot]'); the digits dataset needs scikit-learn ('minigrad[sklearn]').
"""

# Formats matplotlib writes with its default backend and no extra tools (pgf needs LaTeX).
PICTURE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "eps", "ps")
NAMES_HINT = " (give the NAMEs together, before or after the options)"


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
    settings = settings_note()
    pictures = ", ".join(f".{e}" for e in PICTURE_FORMATS)

    def dataset_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--dataset", default="xor", choices=DATASETS,
                         help="the problem: xor (the 4 corners), moons, circles, spirals, "
                              "blobs (300 points each) or digits (scikit-learn's 8x8 digits, "
                              "needs scikit-learn) (default: %(default)s)")

    def common(sub: argparse.ArgumentParser, epochs: int, lr: float, hidden: str) -> None:
        sub.add_argument("--model", default="mlp", choices=MODELS,
                         help="mlp: Dense layers with the activation between them; cnn (digits "
                              "only): Conv2d(1, 32, 3, padding=1) -> activation -> "
                              "MaxPool2d(2) -> Flatten -> Dense(512, 10) on the 8x8 images "
                              "(default: %(default)s)")
        sub.add_argument("--hidden", type=hidden_widths, default=None, metavar="W[,W...]",
                         help=f"hidden layer widths of the mlp, one per layer, e.g. 32,32 for "
                              f"two layers of 32 units; each 1 to {MAX_WIDTH} (default: "
                              f"{hidden}; the cnn has none)")
        sub.set_defaults(default_hidden=hidden_widths(hidden))
        sub.add_argument("--loss", default="auto", choices=LOSSES,
                         help="auto: bce (one logit) for xor, cross_entropy otherwise; mse "
                              "regresses one-hot targets; bce needs two classes "
                              "(default: %(default)s)")
        sub.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"),
                         help="sgd uses momentum 0.9 (default: %(default)s)")
        sub.add_argument("--lr", type=positive_float, default=lr, metavar="RATE",
                         help="learning rate, a positive number (default: %(default)s)")
        sub.add_argument("--epochs", type=positive_int, default=epochs, metavar="N",
                         help="passes over the training data (default: %(default)s)")
        sub.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                         help="samples per step (default: the whole training set)")

    train = commands.add_parser(
        "train", help="train one network and report its accuracy",
        description="Train one MLP (Dense layers with the activation between them), or on "
                    "digits a small CNN (--model cnn), on a dataset; print the model, a "
                    "progress bar and the final loss and accuracies.")
    dataset_option(train)
    train.add_argument("--activation", type=activation_name, default="relu", metavar="NAME",
                       help=f"the activation between the layers, one of: {names} "
                            f"({settings}) (default: %(default)s)")
    common(train, epochs=500, lr=0.1, hidden="16")
    train.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                       help="seed of the weights and the shuffling, a non-negative integer "
                            "(default: %(default)s)")
    train.add_argument("--plot", type=output_file(*PICTURE_FORMATS), metavar="FILE",
                       help=f"also save a picture ({pictures}; needs matplotlib): the decision "
                            "regions for 2-D data, the training curves otherwise")
    train.add_argument("--save", type=output_file("npz"), metavar="FILE.npz",
                       help="save the trained weights here (load them with mg.load)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    compare = commands.add_parser(
        "compare", help="train one network per activation and seed; print a table",
        description="The XOR lesson for any dataset: train one MLP (or on digits, with "
                    "--model cnn, one small CNN) per activation and seed "
                    "(seeds 0 to N-1) and print, per activation, the medians over seeds of "
                    "the final loss and the accuracies, the epochs to 100% training accuracy, "
                    "how many seeds converged and the share of dead units (derivative 0 on "
                    "every training input).")
    dataset_option(compare)
    compare.add_argument("--activations", default="identity,sigmoid,tanh,relu",
                         metavar="NAMES|all",
                         help=f"comma-separated activation names from: {names}; or all "
                              f"(every one; {settings}) (default: %(default)s)")
    common(compare, epochs=500, lr=0.5, hidden="4")
    compare.add_argument("--seeds", type=positive_int, default=5, metavar="N",
                         help="seeds per activation (default: %(default)s)")
    compare.add_argument("--plot", type=output_file(*PICTURE_FORMATS), metavar="FILE",
                         help=f"also save the decision regions of every run, one row of "
                              f"panels (one per seed) per activation ({pictures}; needs "
                              f"matplotlib; 2-D datasets only, not digits)")

    gallery = commands.add_parser(
        "plot-activations", help="draw every activation and its derivative",
        description="Draw each activation (solid) and its derivative (dashed, from its own "
                    "backward), one panel each, into one picture; its kinks are dotted. "
                    "Softmax, LogSoftmax and Softmin act on vectors: their panels draw the "
                    "first output on [x, 0], as their titles say. Needs matplotlib.")
    gallery.names_hint = NAMES_HINT
    gallery.add_argument("names", nargs="*", metavar="NAME",
                         help=f"activation names (default: all; {settings})")
    gallery.add_argument("--out", type=output_file(*PICTURE_FORMATS), default="activations.png",
                         metavar="FILE", help=f"the picture ({pictures}) (default: %(default)s)")
    gallery.add_argument("--xlim", type=x_range, metavar="LO,HI",
                         help="the x-range of every panel, e.g. -10,10 (default: -4,4, where "
                              "the kinks near 0 are visible, widened per panel to show a kink "
                              "farther out, such as ReLU6's at 6)")

    check = commands.add_parser(
        "gradcheck", help="finite-difference check of the activations' backward",
        description="Compare each activation's hand-written backward with central finite "
                    "differences (float64, random upstream gradient) and print the worst "
                    "error. Exit status 1 if any activation fails.")
    check.names_hint = NAMES_HINT
    check.add_argument("names", nargs="*", metavar="NAME",
                       help=f"activation names (default: all; {settings})")
    check.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                       help="seed of the random test points, a non-negative integer "
                            "(default: %(default)s)")

    playground = commands.add_parser(
        "playground", help="a live web page: swap activations and watch backprop",
        description="Serve the playground, a web page that trains a small network with "
                    "minigrad while you watch: datasets, layers, an activation per layer, "
                    "decision regions, every unit's output and gradient, backprop step by "
                    "step, two activations side by side, and an export to a Python script. "
                    "Needs the playground extra: pip install 'minigrad[playground]'.")
    playground.add_argument("--host", default="127.0.0.1",
                            help="the address to listen on; the default is reachable from "
                                 "this machine only (default: %(default)s)")
    playground.add_argument("--port", type=port_number, default=8000, metavar="N",
                            help="the TCP port, 1 to 65535 (default: %(default)s)")
    playground.add_argument("--no-browser", action="store_true",
                            help="print the address without opening a browser")
    playground.add_argument("--plugin", action="append", default=[], metavar="FILE.py",
                            help="a Python file that registers activations with "
                                 "minigrad.nn.register_activation; they appear in the page "
                                 "(repeat for several files)")
    return parser


# --------------------------------------------------------------------------- commands


def cmd_train(args: argparse.Namespace) -> int:
    import minigrad as mg
    from minigrad.experiments import make_model, make_optimizer, model_inputs

    dataset, head = prepare(args)
    mg.manual_seed(args.seed)
    model = make_model(args.model, dataset, head.width, args.activation, hidden=args.hidden,
                       rng=args.seed, **activation_settings(args.activation))
    X_train, X_test = model_inputs(args.model, dataset)
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr)
    print(f"{dataset.name}: {len(dataset.X_train)} training / {len(dataset.X_test)} test "
          f"samples, {dataset.n_classes} classes")
    print(model)
    # Accuracy is asked for: the MSE head is a classifier although its loss is a regression's.
    history = mg.fit(model, X_train, head.targets(dataset.y_train),
                     loss=head.loss, optimizer=opt, epochs=args.epochs,
                     batch_size=args.batch_size, verbose=0 if args.quiet else 1, rng=args.seed,
                     metrics=("accuracy",))
    test = mg.evaluate(model, X_test, head.targets(dataset.y_test), head.loss,
                       metrics=("accuracy",))
    print(f"final: loss {history['loss'][-1]:.4f}, train accuracy "
          f"{history['accuracy'][-1]:.4f}, test accuracy {test['accuracy']:.4f}")
    if args.save:
        mg.save(model, args.save)
        print(f"saved weights to {args.save}")
    if args.plot:
        from minigrad import plot

        if dataset.n_features == 2:
            fig = plot.decision_regions(
                model, dataset.X_train, dataset.y_train, X_test=dataset.X_test,
                y_test=dataset.y_test, path=args.plot, threshold=head.threshold,
                title=f"{args.activation} on {dataset.name}, seed {args.seed}: train accuracy "
                      f"{100 * history['accuracy'][-1]:.0f}%, test {100 * test['accuracy']:.0f}%")
        else:
            fig = plot.training_curves(history, path=args.plot)
        plot.pyplot().close(fig)
        print(f"saved picture to {args.plot}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from minigrad.experiments import compare_activations, format_table

    names = activation_list(args.activations)
    dataset, head = prepare(args)
    if args.plot and dataset.n_features != 2:
        raise bad("--plot", f"draws decision regions of 2-D data, and {dataset.name} has "
                            f"{dataset.n_features} features: leave --plot out")
    layers = "cnn" if args.model == "cnn" else f"hidden {','.join(map(str, args.hidden))}"
    print(f"{dataset.name}: {layers}, {args.optimizer} "
          f"lr {args.lr}, {args.epochs} epochs, {args.seeds} seeds per activation")
    notes = [f"{len(names)} activations"] if args.activations.strip().lower() == "all" else []
    note = settings_note(names)
    notes += [note] if note else []
    if notes:
        print("; ".join(notes))
    summaries = compare_activations(dataset, names, seeds=args.seeds, hidden=args.hidden,
                                    epochs=args.epochs, lr=args.lr, optimizer=args.optimizer,
                                    batch_size=args.batch_size, progress=sys.stderr.isatty(),
                                    loss=args.loss, model=args.model)
    print(format_table(summaries, args.seeds))
    if args.plot:
        from minigrad import plot

        fig = plot.decision_region_grid(summaries, dataset, path=args.plot,
                                        threshold=head.threshold)
        plot.pyplot().close(fig)
        print(f"saved picture to {args.plot}")
    return 0


def cmd_plot_activations(args: argparse.Namespace) -> int:
    # Names are checked here, not by argparse, so a misplaced option is reported as such.
    known_names("NAME", args.names)
    writable("--out", args.out)
    needs_matplotlib("--out")
    from minigrad import plot

    fig = plot.activation_gallery(args.names or None, path=args.out, xlim=args.xlim)
    plot.pyplot().close(fig)
    print(f"saved picture to {args.out}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from minigrad.nn.activations import activation_names

    known_names("NAME", args.names)
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

    layer = activation_layer(name)
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


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--xlim -4,4`` as ``--xlim=-4,4``: argparse would take ``-4,4`` for an option."""
    joined: list[str] = []
    for word in argv:
        if joined and joined[-1] == "--xlim" and re.match(r"-([0-9.]|inf|nan)", word, re.I):
            joined[-1] = f"--xlim={word}"
        else:
            joined.append(word)
    return joined


def cmd_playground(args: argparse.Namespace) -> int:
    needs_playground()
    from minigrad.playground.server import serve

    return serve(args.host, args.port, open_browser=not args.no_browser, plugins=args.plugin)


COMMANDS = {"train": cmd_train, "compare": cmd_compare,
            "plot-activations": cmd_plot_activations, "gradcheck": cmd_gradcheck,
            "playground": cmd_playground}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
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
