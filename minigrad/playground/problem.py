"""The playground's data: points on the plane [-6, 6]², two classes, and the input features.

Every dataset comes from :mod:`minigrad.data` (the same ``make_*`` functions a learner calls),
moved and scaled onto the plane by a fixed rule per dataset, so the noise setting keeps its
meaning in the generator's own units. Custom points are used as drawn. The exported script
(:mod:`minigrad.playground.export`) writes the same steps out as code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from minigrad import data
from minigrad.playground.config import EXTENT, Config

# Each dataset: how make_* is called (as code, for the export too) and where its points go:
# plane = (X - centre) * scale.
PLACEMENT: dict[str, tuple[tuple[float, float], float]] = {
    "xor": ((0.5, 0.5), 8.0),        # the corners (0,0)..(1,1) go to (±4, ±4)
    "circles": ((0.0, 0.0), 5.0),    # radii 1 and 0.5 -> 5 and 2.5
    "moons": ((0.5, 0.25), 3.3),     # x1 in [-1, 2] -> [-4.95, 4.95]
    "spirals": ((0.0, 0.0), 5.0),    # radius 1 -> 5
    "blobs": ((0.0, 0.0), 5.0),      # centres (±0.4, ±0.4) -> (±2, ±2)
}
BLOB_CENTRES = [[-0.4, -0.4], [0.4, 0.4]]


def generator_call(config: Config) -> str:
    """The ``data.make_*`` call that draws ``config``'s points, as Python source."""
    n, noise, seed = config.n_samples, config.noise, config.seed
    calls = {
        "xor": f"data.make_xor({n}, noise={noise!r}, rng={seed})",
        "circles": f"data.make_circles({n}, noise={noise!r}, factor=0.5, rng={seed})",
        "moons": f"data.make_moons({n}, noise={noise!r}, rng={seed})",
        "spirals": f"data.make_spirals({n}, n_classes=2, noise={noise!r}, rng={seed})",
        # The blobs' spread grows with the noise setting, from tight clusters at 0.
        "blobs": f"data.make_blobs({n}, centers={BLOB_CENTRES!r}, "
                 f"cluster_std={0.1 + noise!r}, rng={seed})",
    }
    return calls[config.dataset]


def _generate(config: Config) -> tuple[np.ndarray, np.ndarray]:
    n, noise, seed = config.n_samples, config.noise, config.seed
    if config.dataset == "custom":
        points = np.array(config.points, dtype=np.float64).reshape(-1, 3)
        return points[:, :2], points[:, 2].astype(np.int64)
    makers: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
        "xor": lambda: data.make_xor(n, noise=noise, rng=seed),
        "circles": lambda: data.make_circles(n, noise=noise, factor=0.5, rng=seed),
        "moons": lambda: data.make_moons(n, noise=noise, rng=seed),
        "spirals": lambda: data.make_spirals(n, n_classes=2, noise=noise, rng=seed),
        "blobs": lambda: data.make_blobs(n, centers=BLOB_CENTRES, cluster_std=0.1 + noise,
                                         rng=seed),
    }
    X, y = makers[config.dataset]()
    centre, scale = PLACEMENT[config.dataset]
    # Noisy points that would fall off the plane are kept on its edge, where they are seen.
    return np.clip((X - np.array(centre)) * scale, -EXTENT, EXTENT), y


# Each feature as a function of the plane coordinates and as the code the export writes.
FEATURE_CODE = {
    "x1": "X[:, 0]", "x2": "X[:, 1]", "x1_sq": "X[:, 0] ** 2", "x2_sq": "X[:, 1] ** 2",
    "x1x2": "X[:, 0] * X[:, 1]", "sin_x1": "np.sin(X[:, 0])", "sin_x2": "np.sin(X[:, 1])",
}
_FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0], "x2": lambda X: X[:, 1],
    "x1_sq": lambda X: X[:, 0] ** 2, "x2_sq": lambda X: X[:, 1] ** 2,
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sin_x1": lambda X: np.sin(X[:, 0]), "sin_x2": lambda X: np.sin(X[:, 1]),
}


def features(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The network's inputs for plane points ``X`` (N, 2): one column per feature name."""
    return np.stack([_FEATURE_FUNCTIONS[name](X) for name in names], axis=1)


def test_count(n: int, train_ratio: float) -> int:
    """How many of ``n`` points are held out for testing (at least one on each side)."""
    return min(max(round((1.0 - train_ratio) * n), 1), n - 1)


@dataclass
class Problem:
    """The points of one configuration, split, with their feature matrices.

    ``missing`` is None when the problem can be trained, else why not (custom data with too
    few points of a class).
    """

    train_points: np.ndarray  # (N, 2) plane coordinates
    y_train: np.ndarray       # (N,) labels 0/1
    test_points: np.ndarray
    y_test: np.ndarray
    X_train: np.ndarray       # (N, F) features
    X_test: np.ndarray
    missing: str | None = None

    def as_json(self) -> tuple[list[list[float]], list[list[float]]]:
        def rows(P: np.ndarray, y: np.ndarray) -> list[list[float]]:
            return [[float(a), float(b), int(c)] for (a, b), c in zip(P, y)]
        return rows(self.train_points, self.y_train), rows(self.test_points, self.y_test)


def make_problem(config: Config) -> Problem:
    """Draw, place and split the points of ``config`` (stratified, seeded by ``config.seed``)."""
    X, y = _generate(config)
    counts = [int((y == c).sum()) for c in (0, 1)]
    if min(counts) < 2:
        # Too few to split and train: everything is shown as training data.
        empty = np.zeros((0, 2))
        return Problem(X, y, empty, y[:0], features(X, config.features) if len(X) else
                       np.zeros((0, len(config.features))), np.zeros((0, len(config.features))),
                       missing=f"draw your own: add at least 2 points of each class (class 0 "
                               f"has {counts[0]}, class 1 has {counts[1]}); click the plane")
    X_train, X_test, y_train, y_test = data.train_test_split(
        X, y, test_size=test_count(len(X), config.train_ratio), rng=config.seed, stratify=y)
    return Problem(X_train, y_train, X_test, y_test, features(X_train, config.features),
                   features(X_test, config.features))
