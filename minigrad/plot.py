"""Pictures with matplotlib (the optional ``plot`` extra, imported only when a picture is made).

Every function returns the matplotlib Figure and, given ``path``, also writes it there.
Without a display the Agg backend is used, so pictures work on servers and in CI.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.functions import stack
from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor

# The seed article used "seaborn-whitegrid", which matplotlib renamed in 3.6.
STYLE = "seaborn-v0_8-whitegrid"

# What the gallery draws for the activations that act on a vector: the first output on the
# pair (x, 0), the two-class case (so Softmax's panel is exactly Sigmoid's curve).
_SOFTMAX_FAMILY = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmin": "softmin"}
SEED_ORDER = ("sigmoid", "relu", "leaky_relu", "relu6", "swish", "hard_swish", "softmax",
              "identity")

# The gallery's default x-range. [-4, 4] resolves the kinks near 0 (the shrink functions'
# at ±0.5, Hardtanh's at ±1, the 0/1 steps of the derivatives) that vanish on the article's
# [-10, 10], and still shows sigmoid and tanh saturate and the hard functions' kinks at ±3.
# A panel is widened to show every kink within ±GALLERY_REACH (ReLU6's cap at 6); kinks
# farther out (Softplus's switch to x at 20) are numerical hand-overs no eye could see.
GALLERY_XLIM = (-4.0, 4.0)
GALLERY_REACH = 10.0
GALLERY_POINTS = 1601


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


# --------------------------------------------------------------------------- activations


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


def curve_label(layer: Any) -> str:
    """What :func:`activation_curve` draws for ``layer``, in words: ``"f(x)"``, or for the
    softmax family the component shown, e.g. ``"softmax([x, 0])[0]"``."""
    vector = _SOFTMAX_FAMILY.get(type(layer).__name__)
    return "f(x)" if vector is None else f"{vector}([x, 0])[0]"


def default_xlim(layer: Any) -> tuple[float, float]:
    """The gallery's x-range for ``layer``: :data:`GALLERY_XLIM`, widened to show each kink
    within ``±GALLERY_REACH`` with a margin of 2."""
    kinks = [k for k in getattr(layer, "kinks", ()) if abs(k) <= GALLERY_REACH]
    lo, hi = GALLERY_XLIM
    return min([lo, *(k - 2.0 for k in kinks)]), max([hi, *(k + 2.0 for k in kinks)])


def activation_gallery(
    names: Sequence[str] | None = None,
    x: np.ndarray | None = None,
    path: str | os.PathLike[str] | None = None,
    columns: int = 5,
    xlim: tuple[float, float] | None = None,
) -> Any:
    """The seed article's graphs: every activation with its derivative, one panel each.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names (default: every registered activation).
    x : ndarray, optional
        Points to plot, for every panel (default: 1601 points spanning ``xlim``).
    path : path, optional
        Where to save the picture.
    columns : int, default=5
        Panels per row at most; fewer names use fewer columns, and the figure is sized to
        the panels drawn.
    xlim : (float, float), optional
        The x-range of every panel. Default: :data:`GALLERY_XLIM`, ``[-4, 4]``, where the
        kinks near 0 are visible (on the seed article's ``[-10, 10]`` the shrink functions'
        kinks at ±0.5 vanish), widened per panel to show a kink farther out (ReLU6's at 6).

    The softmax family acts on vectors: its panel draws the first output on ``[x, 0]``
    and says so in its title.
    """
    from minigrad.experiments import activation_settings
    from minigrad.nn.activations import activation_names, get_activation

    plt = pyplot()
    if names is None:
        # The seed article's eight first, in its order, then the rest alphabetically.
        seed = [n for n in SEED_ORDER if n in activation_names()]
        names = seed + [n for n in activation_names() if n not in seed]
    names = list(names)
    if not names:
        raise ValueError("activation_gallery: no activation names given")
    if xlim is not None and not (math.isfinite(xlim[0]) and math.isfinite(xlim[1])
                                 and xlim[0] < xlim[1]):
        raise ValueError(f"activation_gallery: xlim must be two finite numbers LO < HI, "
                         f"got {xlim!r}")
    points = None if x is None else np.asarray(x, dtype=float)
    cols = max(1, min(len(names), columns))
    rows = -(-len(names) // cols)
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.7 * rows + 0.3),
                                 squeeze=False)
        for ax, name in zip(axes.flat, names):
            layer = get_activation(name, **activation_settings(name))
            if points is not None:
                lo, hi = float(points.min()), float(points.max())
                where = points
            else:
                lo, hi = xlim if xlim is not None else default_xlim(layer)
                where = np.linspace(lo, hi, GALLERY_POINTS)
            y, dy = activation_curve(layer, where)
            for kink in getattr(layer, "kinks", ()):
                if lo <= kink <= hi:
                    ax.axvline(kink, color="grey", linestyle=":", linewidth=1)
            ax.plot(where, y, color="tab:blue")
            ax.plot(where, dy, color="tab:orange", linestyle="--")
            ax.set_xlim(lo, hi)
            label = curve_label(layer)
            title = repr(layer) if label == "f(x)" else f"{layer!r}\ndrawn: {label}"
            ax.set_title(title, fontsize=10)
        for ax in list(axes.flat)[len(names):]:
            ax.remove()
        handles = [plt.Line2D([], [], color="tab:blue", label="activation f(x)"),
                   plt.Line2D([], [], color="tab:orange", linestyle="--",
                              label="derivative f'(x) (from its backward)"),
                   plt.Line2D([], [], color="grey", linestyle=":", label="kink")]
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))
        fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=9, frameon=False,
                   bbox_to_anchor=(0.5, 1.0))
    return _finish(fig, path)


# --------------------------------------------------------------------------- decision regions


def _grid(X: np.ndarray, steps: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pad_x = 0.1 * (X[:, 0].max() - X[:, 0].min() + 1e-9)
    pad_y = 0.1 * (X[:, 1].max() - X[:, 1].min() + 1e-9)
    xs = np.linspace(X[:, 0].min() - pad_x, X[:, 0].max() + pad_x, steps)
    ys = np.linspace(X[:, 1].min() - pad_y, X[:, 1].max() + pad_y, steps)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _labels(X: np.ndarray, y: Any) -> np.ndarray:
    labels = np.asarray(y).reshape(len(X), -1)
    return labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0].astype(int)


def _points(X: Any, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{name}: needs 2-D inputs (N, 2), got shape {X.shape}")
    return X


def _same_points(X_train: np.ndarray, X_test: np.ndarray | None) -> bool:
    return X_test is not None and X_test.shape == X_train.shape and np.array_equal(X_train,
                                                                                  X_test)


def _draw_regions(ax: Any, model: Any, X: np.ndarray, labels: np.ndarray,
                  X_test: np.ndarray | None, test_labels: np.ndarray | None, threshold: float,
                  n_classes: int, steps: int = 200, size: float | None = None) -> None:
    plt = pyplot()
    xx, yy, grid = _grid(X if X_test is None else np.concatenate([X, X_test]), steps)
    model.eval()
    with no_grad():
        out = np.asarray(model(grid).data)
    if out.ndim == 1 or out.shape[-1] == 1:
        classes = (out.reshape(-1) > threshold).astype(int)
    else:
        classes = out.argmax(axis=-1)
    cmap = plt.get_cmap("tab10")
    ax.contourf(xx, yy, classes.reshape(xx.shape), levels=np.arange(n_classes + 1) - 0.5,
                colors=[cmap(i) for i in range(n_classes)], alpha=0.3)
    # Markers shrink as the points grow many, so a crowded panel stays readable.
    size = float(np.clip(1500.0 / len(X), 6.0, 30.0)) if size is None else size
    ax.scatter(X[:, 0], X[:, 1], c=[cmap(int(i)) for i in labels], marker="o",
               edgecolors="k", linewidths=0.4, s=size)
    if X_test is not None and test_labels is not None and not _same_points(X, X_test):
        ax.scatter(X_test[:, 0], X_test[:, 1], c=[cmap(int(i)) for i in test_labels],
                   marker="X", edgecolors="k", linewidths=0.4, s=size * 2.5)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())


def region_legend(owner: Any, n_classes: int, test: str = "separate", **kwargs: Any) -> Any:
    """A legend for decision-region pictures on ``owner`` (a Figure or an Axes): one entry
    per class (region colour and point colour) and the point markers.

    ``test`` says what the test points are: ``"separate"`` (crosses, apart from the filled
    circles of the training points), ``"same"`` (the training points, as for XOR: drawn
    once) or ``"none"`` (only training points drawn). ``kwargs`` go to ``legend``.
    """
    plt = pyplot()
    from matplotlib.patches import Patch

    cmap = plt.get_cmap("tab10")
    handles: list[Any] = [Patch(facecolor=cmap(i), alpha=0.5, edgecolor=cmap(i),
                                label=f"class {i}") for i in range(n_classes)]
    point = {"separate": "training point", "same": "point (train = test)",
             "none": "training point"}[test]
    handles.append(plt.Line2D([], [], marker="o", linestyle="", color="grey",
                              markeredgecolor="k", label=point))
    if test == "separate":
        handles.append(plt.Line2D([], [], marker="X", linestyle="", color="grey",
                                  markeredgecolor="k", markersize=8, label="test point"))
    return owner.legend(handles=handles, **kwargs)


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def decision_regions(model: Any, X: Any, y: Any, ax: Any = None, title: str | None = None,
                     path: str | os.PathLike[str] | None = None, threshold: float = 0.5,
                     X_test: Any = None, y_test: Any = None, legend: bool | None = None) -> Any:
    """Colour the plane by the class ``model`` predicts, with the samples on top.

    Works for 2-D inputs; a single output is thresholded at ``threshold``, several outputs
    are arg-maxed. The training points ``X, y`` are filled circles; test points
    ``X_test, y_test``, when given and different, are crosses. ``legend`` (default: on when
    the function makes its own figure) puts the class colours and markers under the panel.
    """
    plt = pyplot()
    X = _points(X, "decision_regions")
    labels = _labels(X, y)
    test_points = None if X_test is None else _points(X_test, "decision_regions")
    test_labels = None if test_points is None else _labels(test_points, y_test)
    n_classes = int(max(labels.max(), -1 if test_labels is None else test_labels.max())) + 1
    with plt.style.context(STYLE):
        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(4.5, 4.5))
        n_classes = max(n_classes, 2)
        _draw_regions(ax, model, X, labels, test_points, test_labels, threshold, n_classes)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        if title:
            ax.set_title(title, fontsize=10)
        if legend or (legend is None and fig is not None):
            test = ("none" if test_points is None else
                    "same" if _same_points(X, test_points) else "separate")
            region_legend(ax, n_classes, test, loc="upper center", fontsize=8,
                          bbox_to_anchor=(0.5, -0.12), ncol=min(n_classes + 2, 4),
                          frameon=False)
    if fig is not None:
        fig.tight_layout()
        return _finish(fig, path)
    return ax.figure


def decision_region_grid(summaries: Sequence[Any], dataset: Any,
                         path: str | os.PathLike[str] | None = None, threshold: float = 0.5,
                         panel: float = 1.35, steps: int = 120) -> Any:
    """The decision regions of every run: one row per activation, one panel per seed.

    ``summaries`` are :class:`~minigrad.experiments.Summary` objects (an activation and its
    runs, as :func:`~minigrad.experiments.compare_activations` returns them) and
    ``dataset`` the :class:`~minigrad.experiments.Dataset` they were trained on. Each row
    is labelled with the activation and how many seeds converged (100% training accuracy);
    each panel with its seed and accuracy, in red when that run did not converge. Training
    points are filled circles, test points crosses (XOR's test points are its training
    points: drawn once, and the legend says so). ``panel`` is a panel's side in inches.
    """
    plt = pyplot()
    summaries = list(summaries)
    if not summaries or not all(s.runs for s in summaries):
        raise ValueError("decision_region_grid: needs at least one activation with runs")
    X = _points(dataset.X_train, "decision_region_grid")
    X_test = _points(dataset.X_test, "decision_region_grid")
    labels, test_labels = _labels(X, dataset.y_train), _labels(X_test, dataset.y_test)
    same = _same_points(X, X_test)
    n_classes = max(int(max(labels.max(), test_labels.max())) + 1, 2)
    rows, cols = len(summaries), max(len(s.runs) for s in summaries)
    # Inches: the row labels at the left, the legend at the top, a title above each panel.
    left, top, title_h, gap = 1.5, 0.75, 0.28 if same else 0.42, 0.12
    width = left + cols * panel + (cols - 1) * gap + 0.1
    height = top + rows * (panel + title_h) + 0.15
    size = float(np.clip(600.0 / len(X), 4.0, 28.0))
    with plt.style.context(STYLE):
        fig = plt.figure(figsize=(width, height))
        axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw=dict(
            left=left / width, right=1 - 0.1 / width, top=1 - (top + title_h) / height,
            bottom=0.15 / height, wspace=gap / panel, hspace=title_h / panel))
        for row, summary in zip(axes, summaries):
            for ax, run in zip(row, summary.runs):
                _draw_regions(ax, run.model, X, labels, X_test, test_labels, threshold,
                              n_classes, steps=steps, size=size)
                if same:
                    title = f"seed {run.seed}: accuracy {_percent(run.train_accuracy)}"
                else:
                    title = (f"seed {run.seed}\ntrain {_percent(run.train_accuracy)}, "
                             f"test {_percent(run.test_accuracy)}")
                ax.set_title(title, fontsize=7, pad=2,
                             color="black" if run.train_accuracy == 1.0 else "tab:red")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_xlabel("x1", fontsize=6, labelpad=1)
                ax.set_ylabel("x2", fontsize=6, labelpad=1)
            for ax in row[len(summary.runs):]:
                ax.remove()
            row[0].annotate(f"{summary.activation}\n{summary.converged}/{len(summary.runs)} "
                            f"converged", xy=(0, 0.5), xycoords="axes fraction",
                            xytext=(-12, 0), textcoords="offset points", ha="right",
                            va="center", fontsize=9, fontweight="bold")
        name = getattr(dataset, "name", "data")
        what = "the 4 points are both train and test" if same else (
            f"{len(X)} training and {len(X_test)} test points")
        fig.suptitle(f"{name}: decision regions of every seed ({what}); converged = 100% "
                     f"training accuracy,\nred title = that seed did not converge",
                     fontsize=9, y=1 - 0.08 / height, va="top")
        region_legend(fig, n_classes, "same" if same else "separate", loc="upper center",
                      bbox_to_anchor=(0.5, 1 - 0.5 / height), ncol=n_classes + 2, fontsize=8,
                      frameon=False)
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
