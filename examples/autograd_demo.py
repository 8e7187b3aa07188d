"""Autograd in a few lines: a tiny expression, its gradient, and a finite-difference check.

y = relu(x @ W + b).sum() is built from Tensors that record how they were made; one call to
y.backward() walks that record backwards and leaves dy/dx, dy/dW and dy/db in each Tensor's
.grad. mg.gradcheck then compares them with central finite differences.

    python examples/autograd_demo.py
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import minigrad as mg


def main(argv: Sequence[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    x = mg.Tensor([[1.0, 2.0]], requires_grad=True)
    W = mg.Tensor(np.array([[0.5, -1.0, 0.25], [1.5, 0.25, -0.75]]), requires_grad=True)
    b = mg.Tensor(np.zeros(3), requires_grad=True)
    y = (x @ W + b).relu().sum()
    y.backward()
    print(f"y = relu(x @ W + b).sum() = {y.item():.4f}")
    print("dy/dx =", x.grad)
    print("dy/dW =\n", W.grad)
    print("dy/db =", b.grad)
    checked = mg.gradcheck(lambda x_, W_, b_: (x_ @ W_ + b_).relu().sum(), x, W, b)
    print("finite differences agree:", checked)


if __name__ == "__main__":
    main()
