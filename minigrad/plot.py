"""Pictures with matplotlib (the optional ``plot`` extra, imported only when a picture is made).

Every function returns the matplotlib Figure and, given ``path``, also writes it there.
Without a display the Agg backend is used, so pictures work on servers and in CI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.functions import stack
from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor

# The seed article used "seaborn-whitegrid", which matplotlib renamed in 3.6.
STYLE = "seaborn-v0_8-whitegrid"

_SOFTMAX_FAMILY = {"Softmax", "LogSoftmax", "Softmin"}
SEED_ORDER = ("sigmoid", "relu", "leaky_relu", "relu6", "swish", "hard_swish", "softmax",
              "identity")


def pyplot() -> Any:
    """matplotlib.pyplot, with a clear message when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "pictures need matplotlib: pip install 'minigrad[plot]' (or pip install matplotlib)"
        ) from None
    if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig: Any, path: str | os.PathLike[str] | None) -> Any:
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def activation_curve(layer: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values and derivatives of an activation layer on the points ``x``.

    Elementwise activations are evaluated on ``x`` directly. A softmax-family layer acts
    on a vector, so it is shown on the two-class input ``[x, 0]`` (its first output), which
    is the sigmoid-like curve it reduces to. Derivatives come from the layer's own backward.
    """
    t = Tensor(x, requires_grad=True)
    if type(layer).__name__ in _SOFTMAX_FAMILY:
        out = layer(stack([t, np.zeros_like(x)], axis=-1))[:, 0]
    else:
        out = layer(t)
    out.backward(np.ones_like(out.data))
    assert t.grad is not None
    return out.data, t.grad


def activation_gallery(
    names: Sequence[str] | None = None,
    x: np.ndarray | None = None,
    path: str | os.PathLike[str] | None = None,
    columns: int = 5,
) -> Any:
    """The seed article's graphs: every activation with its derivative, one panel each.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names (default: every registered activation).
    x : ndarray, optional
        Points to plot (default ``np.arange(-10, 10, 0.1)``, as in the article).
    path : path, optional
        Where to save the picture.
    columns : int, default=5
    """
    from minigrad.experiments import activation_settings
    from minigrad.nn.activations import activation_names, get_activation

    plt = pyplot()
    if names is None:
        # The seed article's eight first, in its order, then the rest alphabetically.
        seed = [n for n in SEED_ORDER if n in activation_names()]
        names = seed + [n for n in activation_names() if n not in seed]
    names = list(names)
    x = np.arange(-10, 10, 0.1) if x is None else np.asarray(x, dtype=float)
    rows = -(-len(names) // columns)
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows),
                                 squeeze=False)
        for ax, name in zip(axes.flat, names):
            layer = get_activation(name, **activation_settings(name))
            y, dy = activation_curve(layer, x)
            ax.plot(x, y, label=f"{name}(x)", color="tab:blue")
            ax.plot(x, dy, label="derivative", color="tab:orange", linestyle="--")
            ax.set_title(repr(layer), fontsize=10)
            ax.legend(fontsize=7, loc="best")
        for ax in list(axes.flat)[len(names):]:
            ax.axis("off")
        fig.tight_layout()
    return _finish(fig, path)


def _grid(X: np.ndarray, steps: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pad_x = 0.1 * (X[:, 0].max() - X[:, 0].min() + 1e-9)
    pad_y = 0.1 * (X[:, 1].max() - X[:, 1].min() + 1e-9)
    xs = np.linspace(X[:, 0].min() - pad_x, X[:, 0].max() + pad_x, steps)
    ys = np.linspace(X[:, 1].min() - pad_y, X[:, 1].max() + pad_y, steps)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_regions(model: Any, X: Any, y: Any, ax: Any = None, title: str | None = None,
                     path: str | os.PathLike[str] | None = None, threshold: float = 0.5) -> Any:
    """Colour the plane by the class ``model`` predicts, with the samples on top.

    Works for 2-D inputs; a single output is thresholded at ``threshold``, several outputs
    are arg-maxed.
    """
    plt = pyplot()
    X = np.asarray(X, dtype=float)
    labels = np.asarray(y).reshape(len(X), -1)
    labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_regions: needs 2-D inputs (N, 2), got shape {X.shape}")
    xx, yy, points = _grid(X)
    model.eval()
    with no_grad():
        out = np.asarray(model(points).data)
    if out.ndim == 1 or out.shape[-1] == 1:
        classes = (out.reshape(-1) > threshold).astype(int)
    else:
        classes = out.argmax(axis=-1)
    n_classes = int(max(classes.max(), labels.max())) + 1
    with plt.style.context(STYLE):
        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(4, 4))
        cmap = plt.get_cmap("tab10")
        ax.contourf(xx, yy, classes.reshape(xx.shape), levels=np.arange(n_classes + 1) - 0.5,
                    colors=[cmap(i) for i in range(n_classes)], alpha=0.3)
        ax.scatter(X[:, 0], X[:, 1], c=[cmap(int(i)) for i in labels], edgecolors="k",
                   linewidths=0.5, s=25)
        if title:
            ax.set_title(title, fontsize=10)
    if fig is not None:
        return _finish(fig, path)
    return ax.figure


def decision_region_grid(models: Mapping[str, Any], X: Any, y: Any,
                         path: str | os.PathLike[str] | None = None, columns: int = 4,
                         threshold: float = 0.5) -> Any:
    """One decision-region panel per model, side by side, titled by the mapping's keys."""
    plt = pyplot()
    rows = -(-len(models) // columns)
    cols = min(columns, len(models))
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 3.3 * rows), squeeze=False)
        for ax, (title, model) in zip(axes.flat, models.items()):
            decision_regions(model, X, y, ax=ax, title=title, threshold=threshold)
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in list(axes.flat)[len(models):]:
            ax.axis("off")
        fig.tight_layout()
    return _finish(fig, path)


def training_curves(history: Any, path: str | os.PathLike[str] | None = None) -> Any:
    """Loss (and accuracy, when recorded) per epoch from a :class:`~minigrad.History`."""
    plt = pyplot()
    record = history.history
    panels = ["loss"] + (["accuracy"] if "accuracy" in record else [])
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
        for ax, key in zip(axes.flat, panels):
            epochs = np.arange(1, len(record[key]) + 1)
            ax.plot(epochs, record[key], label=f"train {key}")
            if f"val_{key}" in record:
                ax.plot(epochs, record[f"val_{key}"], label=f"validation {key}")
            ax.set_xlabel("epoch")
            ax.set_title(key)
            ax.legend()
        fig.tight_layout()
    return _finish(fig, path)


def gradient_norms(reports: Mapping[str, Any], path: str | os.PathLike[str] | None = None,
                   title: str = "gradient norm per layer") -> Any:
    """Gradient norm of each layer with parameters, one line per labelled report.

    ``reports`` maps a label (say, the activation's name) to a
    :class:`~minigrad.diagnostics.FlowReport`; the y axis is logarithmic, so vanishing
    gradients show as a steep slope toward the input.
    """
    plt = pyplot()
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for label, report in reports.items():
            norms = [row.grad_norm for row in report if row.grad_norm is not None]
            ax.plot(np.arange(1, len(norms) + 1), norms, marker="o", label=label)
        ax.set_yscale("log")
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("mean gradient norm")
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
    return _finish(fig, path)
