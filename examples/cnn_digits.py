"""Lesson 7 — a lesson with images: a small CNN on the 8x8 digits, next to the MLP.

The MLP of the classifiers lesson reads each digit as 64 numbers in a row: it would learn
just as well if every image's pixels were shuffled the same way. A convolutional network
reads it as an image: Conv2d(1, 32, 3, padding=1) slides 32 small 3x3 filters over the
picture (the same weights at every position), the activation bends their responses,
MaxPool2d(2) keeps the strongest response of each 2x2 block (8x8 becomes 4x4), and Flatten
and one Dense layer turn the 32 maps of 4x4 into the 10 class scores.

Same data as the MLP lesson: scikit-learn's bundled digits (no download), a stratified 80/20
split (random_state=0), standardized on the training part; Adam, batch 32. Each activation
trains one CNN (lr 3e-3) and one 64-64-10 MLP (lr 1e-3, 30 epochs, as in the classifiers
lesson) from the same seed, and the table prints their test accuracies and training seconds.
Note that max-pooling is itself non-linear: even the "identity" CNN is not a linear model.

    python examples/cnn_digits.py [--epochs 30] [--seed 0] [--activations relu,tanh,identity]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from minigrad.experiments import RunResult, load_dataset, train_run

ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
CHANNELS = 32
CNN_LR = 3e-3
MLP_LR = 1e-3


def train_cnn(activation: str = "relu", epochs: int = 30, seed: int = 0,
              channels: int = CHANNELS) -> RunResult:
    """The CNN of the lesson on the digits (the CLI's ``--model cnn`` builds the same one)."""
    return train_run(load_dataset("digits", seed=0), activation, seed, (), epochs, CNN_LR,
                     optimizer="adam", batch_size=32, model="cnn", channels=channels)


def train_mlp(activation: str = "relu", epochs: int = 30, seed: int = 0) -> RunResult:
    """The 64-64-10 MLP of the classifiers lesson, trained the same way."""
    return train_run(load_dataset("digits", seed=0), activation, seed, (64,), epochs, MLP_LR,
                     optimizer="adam", batch_size=32)


def format_rows(rows: dict[str, tuple[RunResult, RunResult]]) -> str:
    header = f"{'activation':<12}{'CNN test acc':>13}{'CNN s':>8}{'MLP test acc':>14}{'MLP s':>8}"
    lines = [header, "-" * len(header)]
    for name, (cnn, mlp) in rows.items():
        lines.append(f"{name:<12}{cnn.test_accuracy:>13.4f}{cnn.seconds:>8.1f}"
                     f"{mlp.test_accuracy:>14.4f}{mlp.seconds:>8.1f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30, metavar="N",
                        help="the CNN's epochs (default: %(default)s)")
    parser.add_argument("--mlp-epochs", type=int, default=30, metavar="N",
                        help="the MLP's epochs (default: %(default)s, as in the classifiers "
                             "lesson)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of the weights and the shuffling (default: %(default)s)")
    parser.add_argument("--activations", default=",".join(ACTIVATIONS), metavar="NAMES",
                        help="comma-separated activation names (default: %(default)s)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.activations.split(",") if name.strip()]
    dataset = load_dataset("digits", seed=0)
    print(f"digits: {len(dataset.X_train)} train / {len(dataset.X_test)} test images of 8x8, "
          f"Adam, batch 32, seed {args.seed}")
    print(f"CNN: Conv2d(1, {CHANNELS}, 3, padding=1) -> activation -> MaxPool2d(2) -> "
          f"Flatten -> Dense({CHANNELS * 16}, 10), lr {CNN_LR:g}, {args.epochs} epochs")
    print(f"MLP: Dense(64, 64) -> activation -> Dense(64, 10), lr {MLP_LR:g}, "
          f"{args.mlp_epochs} epochs\n")
    rows = {name: (train_cnn(name, args.epochs, args.seed),
                   train_mlp(name, args.mlp_epochs, args.seed)) for name in names}
    print(format_rows(rows))
    if "relu" in rows:
        cnn, mlp = rows["relu"]
        print(f"\nwith ReLU: CNN test accuracy {cnn.test_accuracy:.4f} in {cnn.seconds:.1f} s, "
              f"MLP {mlp.test_accuracy:.4f} in {mlp.seconds:.1f} s")
    return {"rows": rows}


if __name__ == "__main__":
    main()
