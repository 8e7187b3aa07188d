"""iterate_batches: one epoch of ``(X, y)`` mini-batches, shuffled or in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad.data.checks import _as_array, _count
from minigrad.nn.init import make_rng

__all__ = ["iterate_batches"]


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
