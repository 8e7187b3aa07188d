"""Lesson 5 — write your own activation, check it, register it, swap it in by name.

Squareplus (Barron, 2021) is a smooth ReLU made of a square root instead of exp:

    squareplus(x) = (x + sqrt(x^2 + b)) / 2,   d/dx = (1 + x / sqrt(x^2 + b)) / 2

We write it as a Layer with forward and backward on NumPy arrays, check the backward with
finite differences (mg.gradcheck), register it under a name, and train XOR with it exactly
as with any built-in activation.

    python examples/custom_activation.py
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.experiments import compare_activations, format_table, load_dataset


class Squareplus(nn.Layer):
    """Squareplus: (x + sqrt(x^2 + b)) / 2, a smooth ReLU; derivative (1 + x/sqrt(x^2+b))/2."""

    kinks = ()  # smooth everywhere

    def __init__(self, b: float = 4.0) -> None:
        if b <= 0:
            raise ValueError(f"Squareplus: b must be positive, got {b}")
        self.b = float(b)

    def forward(self, ctx, x):
        root = np.sqrt(x * x + self.b)
        ctx.x, ctx.root = x, root  # what backward needs, on this call's context
        return 0.5 * (x + root)

    def backward(self, ctx, dout):
        return dout * 0.5 * (1.0 + ctx.x / ctx.root)

    def extra_repr(self) -> str:
        return f"b={self.b}"


def main(argv: Sequence[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    x = mg.Tensor(np.linspace(-3, 3, 7), requires_grad=True)
    print("gradcheck(Squareplus):", mg.gradcheck(Squareplus(), x))

    nn.register_activation("squareplus", Squareplus, overwrite=True)
    print("registered; get_activation('squareplus') ->", nn.get_activation("squareplus"))

    summaries = compare_activations(load_dataset("xor"), ["relu", "squareplus"], seeds=5,
                                    hidden=(4,), epochs=500, lr=0.5)
    print(format_table(summaries, seeds=5))


if __name__ == "__main__":
    main()
