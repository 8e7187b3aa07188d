"""Lesson 4 — backpropagation by hand, layer by layer, checked against autograd.

Every layer has a hand-written forward(ctx, x, *params) and backward(ctx, dout). Here we
drive them ourselves: forward through each layer with a fresh context, the loss's forward,
then backward in reverse order, each layer handing back the gradient for its input (and
for its parameters). Then autograd does the same with loss.backward(), and the gradients
are compared: they are identical, bit for bit, because autograd calls exactly these methods.

    python examples/manual_backprop.py
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from minigrad import nn


def main(argv: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 4))
    y = np.array([0, 2, 1, 2, 0, 1])
    model = nn.Sequential(nn.Dense(4, 8, rng=0), nn.Tanh(), nn.Dense(8, 8, rng=1), nn.ReLU(),
                          nn.Dense(8, 3, rng=2))
    loss_fn = nn.CrossEntropyLoss()

    print("forward, by hand:")
    out, contexts = X, []
    for i, layer in enumerate(model):
        ctx = nn.Context()
        out = layer.forward(ctx, out, *layer.param_arrays())
        contexts.append(ctx)
        print(f"  {i}: {layer!r:<48} -> output {out.shape}")
    loss_ctx = nn.Context()
    loss = loss_fn.forward(loss_ctx, out, y)
    print(f"  loss {loss_fn!r}: {float(loss):.6f}")

    print("backward, by hand (reverse order):")
    dout = loss_fn.backward(loss_ctx, np.ones_like(loss))[0]
    print(f"  loss -> d(loss)/d(logits) {dout.shape}, norm {np.linalg.norm(dout):.6f}")
    by_hand: dict[str, np.ndarray] = {}
    for i in reversed(range(len(model))):
        layer = model[i]
        grads = layer.backward(contexts[i], dout)
        grads = grads if isinstance(grads, tuple) else (grads,)
        dout = grads[0]
        params = ", ".join(f"d{name} norm {np.linalg.norm(g):.6f}"
                           for (name, _), g in zip(layer.named_parameters(), grads[1:]))
        for (name, _), g in zip(layer.named_parameters(), grads[1:]):
            by_hand[f"{i}.{name}"] = g
        print(f"  {i}: {type(layer).__name__:<6} dx {dout.shape} norm "
              f"{np.linalg.norm(dout):.6f}" + (f"; {params}" if params else ""))

    print("autograd: loss_fn(model(X), y).backward()")
    model.zero_grad()
    loss_fn(model(X), y).backward()
    for name, p in model.named_parameters():
        same = np.array_equal(p.grad, by_hand[name])
        print(f"  {name:<4} identical to the hand-computed gradient: {same}")
        if not same:
            raise AssertionError(f"{name}: autograd and manual backprop differ")
    return by_hand


if __name__ == "__main__":
    main()
