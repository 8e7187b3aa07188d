"""Lesson 3 — small classifiers: which activations carve which shapes, and real digits.

Part 1 trains softmax cross-entropy networks on four toy problems (spirals, moons, circles,
blobs) with a few activations and draws the decision regions of each (its best seed, with
the training points as circles and the test points as crosses, and both accuracies), side by
side: the linear model can only cut the plane with straight lines; the others bend them.

Part 2 is real data: scikit-learn's bundled 8x8 digits (no download), a 64-64-10 MLP with
ReLU and Adam on a stratified 80/20 split (random_state=0), standardized on the training part.

    python examples/classifiers.py [--plot classifiers.png] [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import minigrad as mg
from minigrad import nn, optim
from minigrad.experiments import compare_activations, format_table, load_dataset, make_mlp

PROBLEMS = ("spirals", "moons", "circles", "blobs")
ACTIVATIONS = ("identity", "tanh", "relu", "swish")


def toy_problems(problems: Sequence[str] = PROBLEMS, activations: Sequence[str] = ACTIVATIONS,
                 seeds: int = 2, epochs: int = 300, plot: str | None = None) -> dict[str, Any]:
    """Compare activations on each problem; print a table each; draw one grid of regions."""
    results = {}
    panels = {}
    for problem in problems:
        dataset = load_dataset(problem)
        summaries = compare_activations(dataset, activations, seeds=seeds, hidden=(32, 32),
                                        epochs=epochs, lr=0.01, optimizer="adam",
                                        batch_size=32)
        print(f"\n{problem} ({len(dataset.X_train)} training points, "
              f"{dataset.n_classes} classes), 2-32-32-{dataset.n_classes}, Adam lr 0.01")
        print(format_table(summaries, seeds))
        results[problem] = summaries
        for s in summaries:
            panels[f"{problem}: {s.activation}"] = (s.best_run, dataset, seeds)
    if plot:
        _draw(panels, plot, columns=len(activations))
        print(f"\ndecision regions: {plot}")
    return results


def _draw(panels: dict[str, Any], path: str, columns: int) -> None:
    """One panel per (problem, activation): its best seed's regions, with both accuracies."""
    from minigrad import plot as pictures

    plt = pictures.pyplot()
    rows = -(-len(panels) // columns)
    with plt.style.context(pictures.STYLE):
        fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.4 * rows + 0.8),
                                 squeeze=False)
        for ax, (title, (run, dataset, seeds)) in zip(axes.flat, panels.items()):
            best = "best of 1 seed" if seeds == 1 else f"best of {seeds} seeds"
            pictures.decision_regions(
                run.model, dataset.X_train, dataset.y_train, ax=ax, X_test=dataset.X_test,
                y_test=dataset.y_test,
                title=f"{title} ({best})\ntrain {100 * run.train_accuracy:.0f}%, "
                      f"test {100 * run.test_accuracy:.0f}%")
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in list(axes.flat)[len(panels):]:
            ax.remove()
        n_classes = max(dataset.n_classes for _, dataset, _ in panels.values())
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.8 / fig.get_figheight()))
        fig.suptitle("Decision regions of each activation's best seed (by test accuracy); "
                     "accuracies of that seed", fontsize=11, y=1.0, va="top")
        pictures.region_legend(fig, n_classes, "separate", loc="upper center", frameon=False,
                               bbox_to_anchor=(0.5, 1 - 0.3 / fig.get_figheight()),
                               ncol=n_classes + 2, fontsize=9)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)


def digits(epochs: int = 30, seed: int = 0) -> dict[str, float]:
    """The 64-64-10 MLP on scikit-learn's digits; returns accuracies and training time."""
    dataset = load_dataset("digits", seed=0)
    mg.manual_seed(seed)
    model = make_mlp(64, (64,), 10, "relu", rng=seed)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    history = mg.fit(model, dataset.X_train, dataset.y_train, loss=nn.CrossEntropyLoss(),
                     optimizer=opt, epochs=epochs, batch_size=32, verbose=0, rng=seed)
    seconds = time.perf_counter() - start
    test = mg.evaluate(model, dataset.X_test, dataset.y_test, nn.CrossEntropyLoss())
    print(f"\ndigits: {len(dataset.X_train)} train / {len(dataset.X_test)} test images, "
          f"64-64-10 ReLU MLP, Adam lr 1e-3, batch 32, {epochs} epochs in {seconds:.2f} s")
    print(f"  train accuracy {history['accuracy'][-1]:.4f}, test accuracy {test['accuracy']:.4f}")
    return {"train_accuracy": history["accuracy"][-1], "test_accuracy": test["accuracy"],
            "seconds": seconds}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plot", default="classifiers.png", metavar="FILE",
                        help="picture path ('' for none) (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="fewer problems and epochs")
    args = parser.parse_args(argv)
    if args.quick:
        toys = toy_problems(("moons",), ("identity", "relu"), seeds=1, epochs=60,
                            plot=args.plot or None)
    else:
        toys = toy_problems(plot=args.plot or None)
    return {"toys": toys, "digits": digits()}


if __name__ == "__main__":
    main()
