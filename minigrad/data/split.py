"""train_test_split: shuffle and split into training and test parts, optionally stratified."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.data.checks import _as_array
from minigrad.nn.init import make_rng

__all__ = ["train_test_split"]


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
