"""Lesson 2 — the seed article's graphs and its softmax overflow, with every activation.

Draws each registered activation and its derivative into one gallery picture, on x in
[-4, 4] rather than the article's [-10, 10], where the kinks near 0 (the shrink functions'
at ±0.5) would vanish; a panel widens to show a kink farther out (ReLU6's at 6), and
Softmax, LogSoftmax and Softmin, which act on vectors, draw their first output on [x, 0]
(their titles say so; softmax's curve is then sigmoid's). Then it repeats the article's
softmax experiment: the naive formula exp(x) / sum(exp(x)) overflows on
[1010, 1020, 1000, 990, 1050] and returns nan, while subtracting the maximum first (what
nn.Softmax does) gives the right answer.

    python examples/activations.py [--out activations.png]
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence

import numpy as np

import minigrad as mg
from minigrad import nn


def naive_softmax(x: np.ndarray) -> np.ndarray:
    """The article's first version: overflows for large inputs."""
    exp_x = np.exp(x)
    return exp_x / np.sum(exp_x)


def softmax_demo() -> dict[str, np.ndarray]:
    """Print the article's two softmax examples, naive and stable; return the results."""
    np.set_printoptions(precision=8)
    results = {}
    softmax = nn.Softmax()
    for label, values in (("small", [0.5, 2.8, 5.0, 1.0, 3.0]),
                          ("large", [1010.0, 1020.0, 1000.0, 990.0, 1050.0])):
        x = np.array(values)
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            naive = naive_softmax(x)
        stable = softmax(mg.Tensor(x)).data
        print(f"x = {x}")
        print(f"  naive  exp(x)/sum(exp(x)): {naive}")
        for warning in caught:
            print(f"    {warning.category.__name__}: {warning.message}")
        print(f"  nn.Softmax (max subtracted): {stable}  sum = {stable.sum():.1f}")
        results[f"naive_{label}"], results[f"stable_{label}"] = naive, stable
    return results


def main(argv: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="activations.png", metavar="FILE",
                        help="gallery picture ('' for none) (default: %(default)s)")
    args = parser.parse_args(argv)
    results = softmax_demo()
    if args.out:
        from minigrad import plot

        plot.activation_gallery(path=args.out)
        print(f"\ngallery of {len(nn.activation_names())} activations: {args.out}")
    return results


if __name__ == "__main__":
    main()
