"""Input checks shared by the data helpers.

``_count`` accepts an integer no smaller than a minimum; ``_as_array`` accepts numbers
(array-like or a Tensor, whose data is used) and returns them as an ndarray.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.tensor import Tensor


def _count(where: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _as_array(where: str, name: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold numbers, got dtype {array.dtype}")
    return array
