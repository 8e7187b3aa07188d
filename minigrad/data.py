"""Toy datasets, splitting, scaling and batching for small classification experiments.

Conventions shared by every ``make_*`` function:

- It returns ``(X, y)``: ``X`` is float64 of shape ``(n_samples, n_features)`` and ``y`` is
  int64 of shape ``(n_samples,)`` holding class labels ``0 .. k-1``.
- Samples come ordered by class (not shuffled); :func:`train_test_split` and
  :func:`iterate_batches` shuffle.
- ``noise`` is the standard deviation of Gaussian noise added to every coordinate.
- ``rng`` is None (fresh entropy), an int seed or a ``numpy.random.Generator``; one seed
  always gives the same data.

Losses want targets in other forms: :func:`binary_targets` turns 0/1 labels into the float
``(N, 1)`` column that ``BCELoss`` compares with a one-unit sigmoid output, and
:func:`one_hot` makes ``(N, k)`` rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from minigrad.nn.init import make_rng
from minigrad.tensor import Tensor, get_default_dtype

__all__ = [
    "Standardizer",
    "binary_targets",
    "iterate_batches",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "one_hot",
    "train_test_split",
]


# --------------------------------------------------------------------------- checks


def _count(where: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _non_negative(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    if not value >= 0 or not math.isfinite(value):  # `not >=` also rejects NaN
        raise ValueError(f"{where}: {name} must be a finite number >= 0, got {value}")
    return float(value)


def _add_noise(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    return X


def _split_evenly(n_samples: int, n_groups: int) -> np.ndarray:
    """Group sizes summing to ``n_samples`` that differ by at most one (larger ones first)."""
    sizes = np.full(n_groups, n_samples // n_groups, dtype=np.int64)
    sizes[: n_samples % n_groups] += 1
    return sizes


def _as_array(where: str, name: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold numbers, got dtype {array.dtype}")
    return array


# --------------------------------------------------------------------------- datasets


def make_xor(n_samples: int = 4, noise: float = 0.0, rng: Any = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: label 1 where exactly one of the two coordinates is 1.

    Parameters
    ----------
    n_samples : int, default=4
        Number of points, at least 4. With 4 (and no noise) these are the four corners of
        the unit square in the order (0,0), (0,1), (1,0), (1,1); more points cycle through
        the corners, so with ``noise > 0`` they form four noisy clouds.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        The label of the corner each point belongs to (0 or 1).

    Examples
    --------
    >>> from minigrad.data import make_xor
    >>> X, y = make_xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n_samples = _count("make_xor", "n_samples", n_samples, 4)
    noise = _non_negative("make_xor", "noise", noise)
    generator = make_rng(rng)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n_samples) % 4
    X = _add_noise(corners[which], noise, generator)
    y = np.array([0, 1, 1, 0], dtype=np.int64)[which]
    return X, y


def make_moons(n_samples: int = 100, noise: float = 0.0, rng: Any = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as in scikit-learn.

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)``, with ``t`` evenly spaced over ``[0, pi]``; class 0 gets
    ``n_samples // 2`` points, class 1 the rest.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least 2.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> from minigrad.data import make_moons
    >>> X, y = make_moons(6, noise=0.1, rng=0)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    n_samples = _count("make_moons", "n_samples", n_samples, 2)
    noise = _non_negative("make_moons", "noise", noise)
    generator = make_rng(rng)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = _add_noise(np.concatenate([upper, lower]), noise, generator)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_upper, n_lower])
    return X, y


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.5,
                 rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1).

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least 2; the outer circle gets ``n_samples // 2``.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default=0.5
        Radius of the inner circle, in ``[0, 1)``.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_circles
    >>> X, y = make_circles(8, factor=0.3)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 6).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.3, 0.3, 0.3, 0.3]
    """
    n_samples = _count("make_circles", "n_samples", n_samples, 2)
    noise = _non_negative("make_circles", "noise", noise)
    factor = _non_negative("make_circles", "factor", factor)
    if factor >= 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor}")
    generator = make_rng(rng)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    # endpoint=False: the angle 2*pi would repeat the point at angle 0.
    t_outer = np.linspace(0.0, 2 * math.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    X = _add_noise(np.concatenate([outer, inner]), noise, generator)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_outer, n_inner])
    return X, y


def make_spirals(n_samples: int = 100, n_classes: int = 3, noise: float = 0.0,
                 rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` spiral arms winding out of the origin, one class per arm.

    Arm ``k`` holds points at radius ``r`` in ``(0, 1]`` and angle
    ``2 pi k / n_classes + 1.5 pi r`` (three quarters of a turn), so the arms are rotated
    copies of each other and no class is linearly separable from the rest.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least ``n_classes``; split over the arms as evenly as
        possible (sizes differ by at most one, the first arms get the extra points).
    n_classes : int, default=3
        Number of arms (classes), at least 2.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_spirals
    >>> X, y = make_spirals(90, n_classes=3, noise=0.05, rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    n_classes = _count("make_spirals", "n_classes", n_classes, 2)
    n_samples = _count("make_spirals", "n_samples", n_samples, n_classes)
    noise = _non_negative("make_spirals", "noise", noise)
    generator = make_rng(rng)
    arms = []
    for k, size in enumerate(_split_evenly(n_samples, n_classes)):
        # Radii start just off 0 so that the arms do not share the origin point.
        radius = np.linspace(0.0, 1.0, size + 1)[1:]
        angle = 2 * math.pi * k / n_classes + 1.5 * math.pi * radius
        arms.append(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    X = _add_noise(np.concatenate(arms), noise, generator)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), _split_evenly(n_samples, n_classes))
    return X, y


def make_blobs(n_samples: int = 100, centers: int | Any = 3, n_features: int = 2,
               cluster_std: float | Sequence[float] = 1.0, rng: Any = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least the number of centers; split over the clusters as
        evenly as possible (the first clusters get the extra points).
    centers : int or array_like of shape (k, n_features), default=3
        The number of clusters, whose centers are then drawn uniformly from
        ``[-10, 10]^n_features`` (as scikit-learn does), or the centers themselves.
    n_features : int, default=2
        Number of coordinates per point (ignored when ``centers`` is an array).
    cluster_std : float or sequence of k floats, default=1.0
        Standard deviation of each cluster; this is the blobs' noise parameter.
    rng : None, int or numpy.random.Generator
        Seed of the centers and the points.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_blobs
    >>> X, y = make_blobs(7, centers=[[0, 0], [5, 5]], cluster_std=0.1, rng=0)
    >>> X.shape, y.tolist()
    ((7, 2), [0, 0, 0, 0, 1, 1, 1])
    """
    generator = make_rng(rng)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = _count("make_blobs", "centers", centers, 1)
        n_features = _count("make_blobs", "n_features", n_features, 1)
        points = generator.uniform(-10.0, 10.0, size=(n_centers, n_features))
    else:
        points = _as_array("make_blobs", "centers", centers).astype(np.float64)
        if points.ndim != 2 or points.shape[0] == 0 or points.shape[1] == 0:
            raise ValueError(
                f"make_blobs: centers must be an int or an array of shape (k, n_features), "
                f"got shape {points.shape}"
            )
        if not np.all(np.isfinite(points)):
            raise ValueError("make_blobs: centers must be finite")
    n_centers = points.shape[0]
    n_samples = _count("make_blobs", "n_samples", n_samples, n_centers)
    try:
        stds = np.asarray(cluster_std, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"make_blobs: cluster_std must be numbers, got {cluster_std!r}") from None
    if stds.ndim == 0:
        stds = np.full(n_centers, float(stds))
    if stds.shape != (n_centers,):
        raise ValueError(
            f"make_blobs: cluster_std must be a number or {n_centers} numbers (one per center), "
            f"got shape {stds.shape}"
        )
    if not np.all(np.isfinite(stds) & (stds >= 0)):
        raise ValueError(f"make_blobs: cluster_std must be finite and >= 0, got {stds.tolist()}")
    sizes = _split_evenly(n_samples, n_centers)
    which = np.repeat(np.arange(n_centers), sizes)
    X = points[which] + generator.standard_normal((n_samples, points.shape[1])) * stds[which, None]
    return X, which.astype(np.int64)


# --------------------------------------------------------------------------- targets


def _labels(where: str, y: Any) -> np.ndarray:
    labels = _as_array(where, "y", y)
    if labels.ndim != 1:
        raise ValueError(f"{where}: y must be 1-D class labels of shape (N,), got {labels.shape}")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{where}: y must hold whole-number class labels")
    return labels.astype(np.int64)


def one_hot(y: Any, num_classes: int | None = None, dtype: Any = None) -> np.ndarray:
    """Rows with a single 1 at each label's position.

    Parameters
    ----------
    y : array_like of shape (N,)
        Class labels in ``[0, num_classes)`` (integers, or floats holding whole numbers).
    num_classes : int, optional
        Width of the result; default ``max(y) + 1``.
    dtype : float dtype, optional
        Default ``mg.get_default_dtype()``.

    Returns
    -------
    ndarray of shape (N, num_classes)

    Raises
    ------
    ValueError
        For a negative label, a label ``>= num_classes``, or an empty ``y`` without
        ``num_classes``.

    Examples
    --------
    >>> from minigrad.data import one_hot
    >>> one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    labels = _labels("one_hot", y)
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty y; pass it")
        num_classes = int(labels.max()) + 1
    num_classes = _count("one_hot", "num_classes", num_classes, 1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {labels.min()}")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"one_hot: label {labels.max()} is out of range for num_classes={num_classes}"
        )
    out = np.zeros((labels.size, num_classes), dtype=np.dtype(dtype or get_default_dtype()))
    out[np.arange(labels.size), labels] = 1.0
    return out


def binary_targets(y: Any, dtype: Any = None) -> np.ndarray:
    """0/1 labels as the float column ``(N, 1)`` that ``BCELoss`` pairs with one sigmoid unit.

    Examples
    --------
    >>> from minigrad.data import binary_targets, make_xor
    >>> binary_targets(make_xor()[1]).ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    labels = _labels("binary_targets", y)
    if np.any((labels != 0) & (labels != 1)):
        raise ValueError(
            f"binary_targets: labels must be 0 or 1, got {np.unique(labels).tolist()}; "
            "use one_hot for more than two classes"
        )
    return labels.astype(np.dtype(dtype or get_default_dtype())).reshape(-1, 1)


# --------------------------------------------------------------------------- splitting


def _test_count(test_size: Any, n: int) -> int:
    if isinstance(test_size, bool):
        raise TypeError("train_test_split: test_size must be a float or an int, got bool")
    if isinstance(test_size, (int, np.integer)):
        if not 1 <= test_size <= n - 1:
            raise ValueError(
                f"train_test_split: an int test_size must be in [1, {n - 1}] for {n} samples, "
                f"got {test_size}"
            )
        return int(test_size)
    if isinstance(test_size, (float, np.floating)):
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                f"train_test_split: a float test_size must be in (0, 1), got {test_size}"
            )
        n_test = math.ceil(test_size * n)
        if not 1 <= n_test <= n - 1:
            raise ValueError(
                f"train_test_split: test_size={test_size} of {n} samples leaves "
                f"{n_test} test and {n - n_test} training samples; both need at least one"
            )
        return n_test
    raise TypeError(
        f"train_test_split: test_size must be a float or an int, got {type(test_size).__name__}"
    )


def _stratified_test_indices(labels: np.ndarray, n_test: int, rng: np.random.Generator
                             ) -> np.ndarray:
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        small = classes[np.argmin(counts)]
        raise ValueError(
            f"train_test_split: class {small!r} has only 1 sample; stratifying needs at "
            "least 2 per class"
        )
    n = labels.size
    if n_test < classes.size or n - n_test < classes.size:
        raise ValueError(
            f"train_test_split: {n_test} test and {n - n_test} training samples cannot "
            f"each hold all {classes.size} classes; change test_size"
        )
    # Largest-remainder rounding of each class's share, ties broken at random.
    quota = n_test * counts / n
    per_class = np.floor(quota).astype(np.int64)
    order = rng.permutation(classes.size)
    order = order[np.argsort(-(quota - per_class)[order], kind="stable")]
    per_class[order[: n_test - per_class.sum()]] += 1
    chosen = [rng.permutation(np.flatnonzero(inverse == c))[:k] for c, k in enumerate(per_class)]
    return np.concatenate(chosen)


def train_test_split(X: Any, y: Any, test_size: float | int = 0.25, rng: Any = None,
                     stratify: Any = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training and test parts, like scikit-learn's.

    Parameters
    ----------
    X : array_like of shape (N, ...)
    y : array_like of shape (N, ...)
    test_size : float or int, default=0.25
        A fraction in ``(0, 1)`` (the test part gets ``ceil(test_size * N)`` samples) or a
        count in ``[1, N - 1]``.
    rng : None, int or numpy.random.Generator
        Seed of the shuffle.
    stratify : array_like of shape (N,), True or None
        Class labels whose proportions both parts keep (``True`` means ``y``); each class
        needs at least 2 samples, and each part room for every class.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        In scikit-learn's order; rows are shuffled within each part.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_moons, train_test_split
    >>> X, y = make_moons(100, noise=0.1, rng=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, rng=0, stratify=y)
    >>> X_train.shape, np.bincount(y_test).tolist()
    ((80, 2), [10, 10])
    """
    features = _as_array("train_test_split", "X", X)
    targets = _as_array("train_test_split", "y", y)
    if features.ndim == 0 or targets.ndim == 0:
        raise ValueError("train_test_split: X and y need a first (sample) axis")
    n = features.shape[0]
    if targets.shape[0] != n:
        raise ValueError(
            f"train_test_split: X has {n} samples but y has {targets.shape[0]}"
        )
    if n < 2:
        raise ValueError(f"train_test_split: need at least 2 samples, got {n}")
    n_test = _test_count(test_size, n)
    generator = make_rng(rng)
    if stratify is None or stratify is False:
        order = generator.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        labels = targets if stratify is True else _as_array("train_test_split", "stratify",
                                                            stratify)
        if labels.ndim != 1 or labels.shape[0] != n:
            raise ValueError(
                f"train_test_split: stratify must be {n} labels of shape ({n},), "
                f"got shape {labels.shape}"
            )
        test = _stratified_test_indices(labels, n_test, generator)
        is_test = np.zeros(n, dtype=bool)
        is_test[test] = True
        test = generator.permutation(test)
        train = generator.permutation(np.flatnonzero(~is_test))
    return features[train], features[test], targets[train], targets[test]


# --------------------------------------------------------------------------- scaling


class Standardizer:
    """Scale features to zero mean and unit variance with statistics of the training set.

    Fit on the training data only, then apply the same ``mean`` and ``std`` to the test
    data, so no information leaks from the test set into the model.

    A feature whose standard deviation is zero (or lost in rounding: at most 10 ulp of its
    mean) is constant; its ``std`` is set to 1 so it becomes zeros (up to the rounding of
    the mean) instead of a division by zero.

    Attributes
    ----------
    mean, std : ndarray of shape (n_features,), float64
        Set by :meth:`fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import Standardizer
    >>> scaler = Standardizer().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> scaler.transform(np.array([[2.0, 5.0], [5.0, 6.0]]))
    array([[0., 0.],
           [3., 1.]])
    """

    mean: np.ndarray | None
    std: np.ndarray | None

    def __init__(self) -> None:
        self.mean = None
        self.std = None

    @staticmethod
    def _matrix(where: str, X: Any) -> np.ndarray:
        array = _as_array(where, "X", X)
        if array.ndim != 2:
            raise ValueError(f"{where}: X must be 2-D (samples, features), got {array.shape}")
        return array

    def fit(self, X: Any) -> Standardizer:
        """Remember each column's mean and (population) standard deviation; returns self."""
        array = self._matrix("Standardizer.fit", X)
        if array.shape[0] == 0:
            raise ValueError("Standardizer.fit: X has no samples")
        if not np.all(np.isfinite(array)):
            raise ValueError("Standardizer.fit: X contains NaN or infinity")
        mean = array.mean(axis=0, dtype=np.float64)
        std = array.std(axis=0, dtype=np.float64)
        constant = std <= 10 * np.finfo(np.float64).eps * np.abs(mean)
        self.mean, self.std = mean, np.where(constant, 1.0, std)
        return self

    def _fitted(self, where: str, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.mean is None or self.std is None:
            raise RuntimeError(f"{where}: call fit() first")
        array = self._matrix(where, X)
        if array.shape[1] != self.mean.size:
            raise ValueError(
                f"{where}: fitted on {self.mean.size} features, got X of shape {array.shape}"
            )
        return array, self.mean, self.std

    @staticmethod
    def _float_dtype(array: np.ndarray) -> np.dtype:
        return array.dtype if array.dtype.kind == "f" else get_default_dtype()

    def transform(self, X: Any) -> np.ndarray:
        """``(X - mean) / std``; float inputs keep their dtype."""
        array, mean, std = self._fitted("Standardizer.transform", X)
        return ((array - mean) / std).astype(self._float_dtype(array))

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """``X * std + mean``: back to the original units."""
        array, mean, std = self._fitted("Standardizer.inverse_transform", X)
        return (array * std + mean).astype(self._float_dtype(array))


# --------------------------------------------------------------------------- batching


def iterate_batches(X: Any, y: Any, batch_size: int, shuffle: bool = True, rng: Any = None,
                    drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs covering every sample once (one epoch).

    Parameters
    ----------
    X, y : array_like with the same first dimension N
    batch_size : int
        At least 1. The last batch is smaller when ``batch_size`` does not divide N.
    shuffle : bool, default=True
        Visit the samples in a random order.
    rng : None, int or numpy.random.Generator
        Seed of the order. An int gives the same order on every call; pass one Generator
        for all epochs to get a new order each epoch, reproducibly.
    drop_last : bool, default=False
        Skip the last, smaller batch.

    Returns
    -------
    iterator of (ndarray, ndarray)
        The inputs are checked when this function is called, not at the first batch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import iterate_batches
    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in iterate_batches(X, y, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    features = _as_array("iterate_batches", "X", X)
    targets = _as_array("iterate_batches", "y", y)
    if features.ndim == 0 or targets.ndim == 0:
        raise ValueError("iterate_batches: X and y need a first (sample) axis")
    n = features.shape[0]
    if targets.shape[0] != n:
        raise ValueError(f"iterate_batches: X has {n} samples but y has {targets.shape[0]}")
    size = _count("iterate_batches", "batch_size", batch_size, 1)
    order = make_rng(rng).permutation(n) if shuffle else np.arange(n)
    stop = n - n % size if drop_last else n
    return ((features[order[i:i + size]], targets[order[i:i + size]])
            for i in range(0, stop, size))
