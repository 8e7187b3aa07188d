"""Class labels as loss targets: one_hot and binary_targets.

Losses want targets in other forms: :func:`binary_targets` turns 0/1 labels into the float
``(N, 1)`` column that ``BCELoss`` compares with a one-unit sigmoid output, and
:func:`one_hot` makes ``(N, k)`` rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.data.checks import _as_array, _count
from minigrad.dtypes import get_default_dtype

__all__ = ["binary_targets", "one_hot"]


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
