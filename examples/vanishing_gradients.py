"""Lesson 6 — vanishing gradients made visible.

A 10-layer network (9 hidden layers of 32 units) with sigmoid, tanh, ReLU or swish between
the layers. Before training, one backward pass shows the gradient norm of every layer: with
sigmoid (whose derivative is at most 1/4) it shrinks by orders of magnitude toward the
input, so the first layers barely learn; tanh, ReLU and swish keep it level. Then each network
trains for a few epochs with diagnostics on, which reports for every activation the share of
dead units (derivative 0 on every training input) and, for sigmoid and tanh, the share of
saturated units (derivative below 1% of its peak).

    python examples/vanishing_gradients.py [--plot vanishing.png] [--quick]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import minigrad as mg
from minigrad import nn, optim
from minigrad.diagnostics import gradient_flow
from minigrad.experiments import load_dataset, make_mlp

ACTIVATIONS = ("sigmoid", "tanh", "relu", "swish")


def run(depth: int = 10, width: int = 32, epochs: int = 20, plot: str | None = None
        ) -> dict[str, Any]:
    dataset = load_dataset("spirals", n_samples=600, seed=0)
    loss = nn.CrossEntropyLoss()
    at_init, trained = {}, {}
    for name in ACTIVATIONS:
        model = make_mlp(dataset.n_features, [width] * (depth - 1), dataset.n_classes, name,
                         rng=0)
        at_init[name] = gradient_flow(model, dataset.X_train, dataset.y_train, loss)
        history = mg.fit(model, dataset.X_train, dataset.y_train, loss=loss,
                         optimizer=optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                         epochs=epochs, batch_size=32, verbose=0, rng=0, diagnostics=True)
        trained[name] = (history.diagnostics[-1], history["accuracy"][-1])

    print(f"gradient norm per Dense layer before training ({depth} layers, width {width}, "
          "layer 1 is next to the input):")
    print(f"{'layer':<7}" + "".join(f"{name:>12}" for name in ACTIVATIONS))
    dense_rows = {name: [r for r in report if r.grad_norm is not None]
                  for name, report in at_init.items()}
    for i in range(depth):
        print(f"{i + 1:<7}" + "".join(f"{dense_rows[n][i].grad_norm:>12.2e}" for n in ACTIVATIONS))
    for name in ACTIVATIONS:
        first, last = dense_rows[name][0].grad_norm, dense_rows[name][-1].grad_norm
        print(f"{name:>8}: first/last layer gradient ratio {first / last:.1e}")

    print(f"\nafter {epochs} epochs of SGD (diagnostics of the last epoch):")
    for name, (report, accuracy) in trained.items():
        shares = {"dead": [r.dead_share for r in report if r.dead_share is not None],
                  "saturated": [r.saturated_share for r in report
                                if r.saturated_share is not None]}
        # Mean over the activation layers; saturation is measured for sigmoid and tanh only.
        extra = "  ".join(f"{what} units {100 * sum(values) / len(values):.1f}%"
                          for what, values in shares.items() if values)
        print(f"  {name:>8}: train accuracy {accuracy:.3f}  {extra}")
    print("\nfull report for sigmoid:\n" + str(trained["sigmoid"][0]))
    if plot:
        from minigrad import plot as pictures

        pictures.gradient_norms(at_init, path=plot,
                                title=f"gradient norm per layer at initialisation ({depth} layers)")
        print(f"\npicture: {plot}")
    return {"at_init": at_init, "trained": trained}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plot", default="vanishing.png", metavar="FILE",
                        help="picture path ('' for none) (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="fewer epochs (for the tests)")
    args = parser.parse_args(argv)
    return run(epochs=2 if args.quick else 20, plot=args.plot or None)


if __name__ == "__main__":
    main()
