"""Standardizer: zero mean and unit variance, with statistics of the training set only."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.data.checks import _as_array
from minigrad.dtypes import get_default_dtype

__all__ = ["Standardizer"]


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
