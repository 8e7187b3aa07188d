"""The lessons' experiments, shared by the examples and the ``minigrad`` command.

``load_dataset`` names the toy problems (and scikit-learn's bundled digits), ``make_mlp``
builds a multi-layer perceptron with any registered activation, ``make_cnn`` a small
convolutional network for the digits images (``make_model`` picks one of the two by name), and
``compare_activations`` trains one such network per activation and seed and summarises
what happened: the table of the XOR lesson, for any dataset.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad import data, nn, optim
from minigrad.callbacks import History
from minigrad.diagnostics import activation_stats
from minigrad.nn.activations.registry import _normalise
from minigrad.random import make_rng
from minigrad.train import evaluate, fit

DATASETS = ("xor", "moons", "circles", "spirals", "blobs", "digits")
# "cnn" needs a dataset of images (Dataset.image_shape set): digits.
MODELS = ("mlp", "cnn")

# Activations that get He initialisation in make_mlp (rectifier-like: zero or small slope
# below 0, identity above); the rest get Xavier.
HE_INIT = frozenset({"ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU"})

# Keyword settings of the activations that have no defaults, used wherever one is built by
# name alone (the CLI, compare_activations, the examples). Threshold has none (in PyTorch
# either): 1.0 and -1.0 show its shape, where 0 and 0 would make it ReLU.
ACTIVATION_SETTINGS: dict[str, dict[str, Any]] = {"threshold": {"threshold": 1.0, "value": -1.0}}


def activation_settings(name: str,
                        settings: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The keyword settings for building ``name``: its entry in ``settings``, else in
    :data:`ACTIVATION_SETTINGS`, else none.

    Names are matched as the registry matches them (any case; hyphens and spaces read as
    underscores).

    Examples
    --------
    >>> activation_settings("Threshold")
    {'threshold': 1.0, 'value': -1.0}
    >>> activation_settings("leaky_relu", {"leaky-relu": {"alpha": 0.2}})
    {'alpha': 0.2}
    """
    key = _normalise(name, "activation_settings")
    for table in (settings or {}, ACTIVATION_SETTINGS):
        found = {_normalise(k, "activation_settings"): v for k, v in table.items()}.get(key)
        if found is not None:
            return dict(found)
    return {}


def settings_note(names: Sequence[str] | None = None) -> str:
    """The :data:`ACTIVATION_SETTINGS` of ``names`` (default: all of them) in words, for help
    texts and printouts; empty when none of ``names`` has settings.

    Examples
    --------
    >>> settings_note(["relu", "threshold"])
    'threshold uses threshold=1.0, value=-1.0'
    """
    wanted = None if names is None else {_normalise(n, "settings_note") for n in names}
    return "; ".join(f"{name} uses " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
                     for name, kwargs in ACTIVATION_SETTINGS.items()
                     if wanted is None or name in wanted)


def all_activations() -> list[str]:
    """Every registered activation, ``identity`` (the linear baseline) first."""
    return ["identity"] + [name for name in nn.activation_names() if name != "identity"]


@dataclass
class Dataset:
    """Train and test parts of a classification problem."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    # XOR is the classic 2-H-1 network: one logit. The others use softmax cross-entropy.
    single_output: bool = False
    # (channels, height, width) of each row of X, for images (digits: (1, 8, 8)); else None.
    image_shape: tuple[int, int, int] | None = None

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def images(self, X: np.ndarray) -> np.ndarray:
        """The rows of ``X`` as (N, C, H, W) images, the layout Conv2d reads."""
        if self.image_shape is None:
            raise ValueError(f"{self.name} is not a dataset of images: a cnn needs digits")
        return X.reshape(len(X), *self.image_shape)


def load_dataset(name: str, n_samples: int | None = None, noise: float | None = None,
                 seed: int = 0) -> Dataset:
    """A named problem, split 75/25 (stratified) and standardized on its training part.

    XOR is the four corners of the square, used for training and testing alike: the lesson
    is whether the network can represent it at all. ``digits`` needs scikit-learn.
    """
    key = name.lower()
    if key == "xor":
        X, y = data.make_xor()
        return Dataset("xor", X, y, X, y, 2, single_output=True)
    if key == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError(
                "the digits dataset ships with scikit-learn: pip install 'minigrad[sklearn]'"
            ) from None
        bunch = load_digits()
        X, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
        test_size = 0.2
    elif key in ("moons", "circles", "spirals", "blobs"):
        n = 300 if n_samples is None else n_samples
        make = getattr(data, f"make_{key}")
        default_noise = {"moons": 0.2, "circles": 0.1, "spirals": 0.05, "blobs": 1.0}[key]
        amount = default_noise if noise is None else noise
        if key == "blobs":
            X, y = make(n_samples=n, cluster_std=amount, rng=seed)
        else:
            X, y = make(n_samples=n, noise=amount, rng=seed)
        test_size = 0.25
    else:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    X_train, X_test, y_train, y_test = data.train_test_split(
        X, y, test_size=test_size, rng=seed, stratify=y)
    scaler = data.Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return Dataset(key, X_train, y_train, X_test, y_test, int(y.max()) + 1,
                   image_shape=(1, 8, 8) if key == "digits" else None)


def make_mlp(n_inputs: int, hidden: Sequence[int], n_outputs: int, activation: str,
             rng: Any = None, init: str | None = None, **activation_kwargs: Any) -> nn.Sequential:
    """Dense layers of the given widths with ``activation`` between them (none at the end).

    ``activation="identity"`` gives a purely linear model. The weight init defaults to
    He for ReLU-family activations and Xavier for the rest.
    """
    generator = make_rng(rng)
    scheme = init or ("he" if nn.get_activation(activation, **activation_kwargs).__class__
                      .__name__ in HE_INIT else "xavier")
    layers: list[nn.Module] = []
    width = n_inputs
    for size in hidden:
        layers.append(nn.Dense(width, size, init=scheme, rng=generator))
        layers.append(nn.get_activation(activation, **activation_kwargs))
        width = size
    layers.append(nn.Dense(width, n_outputs, init="xavier", rng=generator))
    return nn.Sequential(*layers)


def make_cnn(image_shape: Sequence[int], n_outputs: int, activation: str, channels: int = 32,
             rng: Any = None, **activation_kwargs: Any) -> nn.Sequential:
    """Conv2d(C, channels, 3, padding=1) -> activation -> MaxPool2d(2) -> Flatten -> Dense.

    The smallest convolutional network of the lesson: one layer of 3x3 filters that keeps the
    image size, max-pooling that halves it, and a Dense layer from the pooled feature maps to
    the outputs. It reads (N, C, H, W) images (:meth:`Dataset.images`); H and W must be even.
    The convolution keeps PyTorch's default init; the Dense layer gets Xavier.
    """
    generator = make_rng(rng)
    c, h, w = (int(n) for n in image_shape)
    if h % 2 or w % 2:
        raise ValueError(f"make_cnn: pooling halves the image, so H and W must be even, "
                         f"got {h}x{w}")
    return nn.Sequential(
        nn.Conv2d(c, channels, 3, padding=1, rng=generator),
        nn.get_activation(activation, **activation_kwargs),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dense(channels * (h // 2) * (w // 2), n_outputs, rng=generator),
    )


def make_model(kind: str, dataset: Dataset, n_outputs: int, activation: str,
               hidden: Sequence[int] = (16,), channels: int = 32, rng: Any = None,
               **activation_kwargs: Any) -> nn.Sequential:
    """``kind="mlp"``: :func:`make_mlp` with ``hidden`` widths; ``kind="cnn"``:
    :func:`make_cnn` with ``channels`` filters (images only). Feed it :func:`model_inputs`."""
    key = kind.lower()
    if key == "mlp":
        return make_mlp(dataset.n_features, hidden, n_outputs, activation, rng=rng,
                        **activation_kwargs)
    if key == "cnn":
        if dataset.image_shape is None:
            raise ValueError(f"model 'cnn' needs images; {dataset.name} has none: use digits")
        return make_cnn(dataset.image_shape, n_outputs, activation, channels=channels, rng=rng,
                        **activation_kwargs)
    raise ValueError(f"unknown model {kind!r}; choose one of: {', '.join(MODELS)}")


def model_inputs(kind: str, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The training and test inputs as model ``kind`` reads them: rows for an MLP, (N, C, H, W)
    images for a CNN."""
    if kind.lower() == "cnn":
        return dataset.images(dataset.X_train), dataset.images(dataset.X_test)
    return dataset.X_train, dataset.X_test


LOSSES = ("auto", "cross_entropy", "bce", "mse")


@dataclass
class Head:
    """How a network's outputs meet the labels: output width, loss, and target shaping."""

    width: int
    loss: Any
    kind: str  # "logit" (one logit, BCE), "logits" (softmax CE) or "one_hot" (MSE)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Integer labels shaped for this head's loss."""
        if self.kind == "logit":
            return y.reshape(-1, 1).astype(np.float64)
        if self.kind == "one_hot":
            return data.one_hot(y, self.width)
        return y

    @property
    def threshold(self) -> float:
        """Where a single output splits the classes (a logit at 0); unused for several."""
        return 0.0 if self.kind == "logit" else 0.5


def output_head(dataset: Dataset, loss: str = "auto") -> Head:
    """The head for ``loss``: ``"bce"`` (one logit, BCE-with-logits; two classes only),
    ``"cross_entropy"`` (one logit per class, softmax cross-entropy), ``"mse"`` (one output
    per class regressed on one-hot targets), or ``"auto"``: BCE for XOR's classic 2-H-1
    network, cross-entropy for the rest."""
    key = loss.lower()
    if key == "auto":
        key = "bce" if dataset.single_output else "cross_entropy"
    if key == "bce":
        if dataset.n_classes != 2:
            raise ValueError(f"loss 'bce' needs two classes; {dataset.name} has "
                             f"{dataset.n_classes}: use cross_entropy")
        return Head(1, nn.BCEWithLogitsLoss(), "logit")
    if key == "cross_entropy":
        return Head(dataset.n_classes, nn.CrossEntropyLoss(), "logits")
    if key == "mse":
        return Head(dataset.n_classes, nn.MSELoss(), "one_hot")
    raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")


def make_optimizer(name: str, params: Any, lr: float) -> Any:
    """``"sgd"`` (momentum 0.9) or ``"adam"``."""
    key = name.lower()
    if key == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if key == "adam":
        return optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose sgd or adam")


@dataclass
class RunResult:
    """One training run of one activation and seed.

    ``dead_share`` is the mean, over the hidden activation layers, of the share of units
    whose derivative is exactly 0 on every training input after training (see
    :func:`minigrad.diagnostics.activation_stats`); None when no activation is measured
    (softmax-like ones). ``seconds`` is the wall time of the training alone.
    """

    activation: str
    seed: int
    model: nn.Sequential
    history: History
    train_accuracy: float
    test_accuracy: float
    final_loss: float
    epochs_to_perfect: int | None
    dead_share: float | None
    seconds: float = 0.0  # wall time of the training (fit) alone


def train_run(dataset: Dataset, activation: str, seed: int, hidden: Sequence[int],
              epochs: int, lr: float, optimizer: str = "sgd", batch_size: int | None = None,
              verbose: int = 0, loss_name: str = "auto",
              activation_kwargs: Mapping[str, Any] | None = None, model: str = "mlp",
              channels: int = 32) -> RunResult:
    """Train one network on ``dataset`` and measure it: an MLP with ``hidden`` widths, or
    with ``model="cnn"`` :func:`make_cnn` with ``channels`` filters (images only).

    ``activation_kwargs`` are the activation's keyword settings (default: those of
    :func:`activation_settings`, so ``"threshold"`` works by name alone).
    """
    head = output_head(dataset, loss_name)
    loss = head.loss
    kwargs = activation_settings(activation) if activation_kwargs is None else activation_kwargs
    network = make_model(model, dataset, head.width, activation, hidden=hidden,
                         channels=channels, rng=seed, **kwargs)
    X_train, X_test = model_inputs(model, dataset)
    opt = make_optimizer(optimizer, network.parameters(), lr)
    y_train = head.targets(dataset.y_train)
    start = time.perf_counter()
    # Accuracy is asked for: the MSE head is a classifier although its loss is a regression's.
    history = fit(network, X_train, y_train, loss=loss, optimizer=opt, epochs=epochs,
                  batch_size=batch_size, verbose=verbose, rng=seed, diagnostics=False,
                  metrics=("accuracy",))
    seconds = time.perf_counter() - start
    train = evaluate(network, X_train, y_train, loss, metrics=("accuracy",))
    test = evaluate(network, X_test, head.targets(dataset.y_test), loss, metrics=("accuracy",))
    perfect = [i + 1 for i, acc in enumerate(history["accuracy"]) if acc == 1.0]
    # Dead: the activation's own derivative is 0 on every training input (see diagnostics).
    dead = [share for _, share, _ in activation_stats(network, X_train).values()]
    return RunResult(activation, seed, network, history, train["accuracy"], test["accuracy"],
                     train["loss"], perfect[0] if perfect else None,
                     float(np.mean(dead)) if dead else None, seconds)


@dataclass
class Summary:
    """All seeds of one activation."""

    activation: str
    runs: list[RunResult] = field(default_factory=list)

    @property
    def converged(self) -> int:
        """Seeds whose final training accuracy is 100%."""
        return sum(run.train_accuracy == 1.0 for run in self.runs)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in self.runs))

    @property
    def median_epochs_to_perfect(self) -> float | None:
        # Only runs that end at 100%: a run that touched 100% and fell back did not learn it.
        reached = [run.epochs_to_perfect for run in self.runs
                   if run.epochs_to_perfect and run.train_accuracy == 1.0]
        return float(statistics.median(reached)) if reached else None

    @property
    def best_run(self) -> RunResult:
        return max(self.runs, key=lambda run: (run.test_accuracy, -run.final_loss))


def compare_activations(dataset: Dataset, activations: Sequence[str], seeds: int = 5,
                        hidden: Sequence[int] = (8,), epochs: int = 300, lr: float = 0.1,
                        optimizer: str = "sgd", batch_size: int | None = None,
                        progress: bool = False, loss: str = "auto",
                        settings: Mapping[str, Mapping[str, Any]] | None = None,
                        model: str = "mlp", channels: int = 32) -> list[Summary]:
    """Train every activation on ``seeds`` seeds; one :class:`Summary` per activation.

    ``model="cnn"`` trains :func:`make_cnn` (``channels`` filters; ``hidden`` unused)
    instead of the MLP.

    ``settings`` maps activation names to their keyword settings, e.g.
    ``{"leaky_relu": {"alpha": 0.2}}``; a name it leaves out gets those of
    :data:`ACTIVATION_SETTINGS` (Threshold's), or none.
    """
    summaries = []
    jobs = [(name, seed) for name in activations for seed in range(seeds)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", leave=False)
    try:
        for name in activations:
            summary = Summary(name)
            kwargs = activation_settings(name, settings)
            for seed in range(seeds):
                summary.runs.append(train_run(dataset, name, seed, hidden, epochs, lr,
                                              optimizer, batch_size, loss_name=loss,
                                              activation_kwargs=kwargs, model=model,
                                              channels=channels))
                if bar is not None:
                    bar.set_postfix_str(name)
                    bar.update(1)
            summaries.append(summary)
    finally:
        if bar is not None:
            bar.close()
    return summaries


def format_table(summaries: Sequence[Summary], seeds: int) -> str:
    """The comparison as a text table (medians over seeds)."""
    header = (f"{'activation':<13}{'final loss':>11}{'train acc':>10}{'test acc':>9}"
              f"{'epochs to 100%':>16}{'converged':>11}{'dead units':>12}")
    lines = [header, "-" * len(header)]
    for s in summaries:
        epochs = s.median_epochs_to_perfect
        dead = [r.dead_share for r in s.runs if r.dead_share is not None]
        lines.append(
            f"{s.activation:<13}{s.median('final_loss'):>11.4f}{s.median('train_accuracy'):>10.2f}"
            f"{s.median('test_accuracy'):>9.2f}{'-' if epochs is None else f'{epochs:.0f}':>16}"
            f"{f'{s.converged}/{seeds}':>11}"
            f"{'-' if not dead else f'{100 * float(np.mean(dead)):.0f}%':>12}"
        )
    return "\n".join(lines)
