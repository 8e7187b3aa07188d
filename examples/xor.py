"""Lesson 1 — why non-linearity matters: XOR.

A 2-H-1 network is trained on the four XOR points once with no activation (a purely
linear model: stacked Dense layers collapse into one, so it can only draw a straight line)
and once with every registered activation, over several seeds (threshold, which has no
default threshold and value, uses the shared 1.0 and -1.0). The linear model never gets
more than 3 of 4 points right; most non-linear ones reach 100%, but threshold never does:
its derivative is 0 everywhere, so no gradient reaches the weights before it. ReLU is
seed-sensitive on XOR: with few hidden units, a unit whose pre-activation is negative on all
four points gets no gradient again ("dies"), and some seeds fail. The table shows it instead
of hiding it.

    python examples/xor.py [--seeds 10] [--hidden 4] [--plot xor.png] [--quick]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from minigrad.experiments import (
    Summary,
    all_activations,
    compare_activations,
    format_table,
    load_dataset,
    settings_note,
)


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def run(activations: Sequence[str] | None = None, seeds: int = 10, hidden: int = 4,
        epochs: int = 500, lr: float = 0.5, plot: str | None = "xor.png") -> list[Summary]:
    """Train and print the comparison; save the decision regions when ``plot`` is given.

    Every registered activation by default; one without defaults (threshold) gets the
    settings of ``minigrad.experiments.ACTIVATION_SETTINGS``, and the printout says which.
    """
    names = list(activations) if activations else all_activations()
    dataset = load_dataset("xor")
    print(f"XOR, 2-{hidden}-1 network, SGD (momentum 0.9) lr {lr}, {epochs} full-batch epochs, "
          f"{seeds} seeds per activation; 'identity' is the purely linear model")
    if settings_note(names):
        print(settings_note(names))
    print()
    summaries = compare_activations(dataset, names, seeds=seeds, hidden=(hidden,),
                                    epochs=epochs, lr=lr)
    print(format_table(summaries, seeds))
    if plot:
        from minigrad import plot as pictures

        pictures.decision_region_grid(summaries, dataset, path=plot, threshold=0.0)
        print(f"\ndecision regions of every activation and seed: {plot}")
    return summaries


def main(argv: Sequence[str] | None = None) -> list[Summary]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=_positive_int, default=10, metavar="N",
                        help="seeds per activation (default: %(default)s)")
    parser.add_argument("--hidden", type=_positive_int, default=4, metavar="N",
                        help="hidden units (default: %(default)s)")
    parser.add_argument("--epochs", type=_positive_int, default=500, metavar="N",
                        help="full-batch epochs (default: %(default)s)")
    parser.add_argument("--plot", default="xor.png", metavar="FILE",
                        help="picture of the decision regions ('' for none; needs matplotlib) "
                             "(default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="identity, sigmoid, tanh and relu with 3 seeds (for the tests)")
    args = parser.parse_args(argv)
    if args.quick:
        return run(["identity", "sigmoid", "tanh", "relu"], seeds=3, hidden=args.hidden,
                   epochs=args.epochs, plot=args.plot or None)
    return run(seeds=args.seeds, hidden=args.hidden, epochs=args.epochs, plot=args.plot or None)


if __name__ == "__main__":
    main()
