"""Arrays written compactly, for a table cell or a box in a graph."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["compact"]


def _number(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.4g}"


def compact(array: Any, max_elements: int = 3, ellipsis: str = "...",
            with_shape: bool = True) -> str:
    """A short text for ``array``: a scalar as a number, else its first elements and shape.

    Parameters
    ----------
    array : array_like or None
        What to show; ``None`` gives ``"none"``.
    max_elements : int, default=3
        How many elements (in C order) to show before ``ellipsis``.
    ellipsis : str, default="..."
        Marks elements left out.
    with_shape : bool, default=True
        Append the shape to an array with dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> compact(np.array([[0.25, -0.1, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]))
    '[0.25, -0.1, 3, ...] (2, 4)'
    >>> compact(np.array(0.5))
    '0.5'
    """
    if array is None:
        return "none"
    array = np.asarray(array)
    if array.ndim == 0:
        return _number(array.reshape(()).item())
    flat = array.reshape(-1)
    shown = [_number(v) for v in flat[:max_elements]]
    if flat.size > max_elements:
        shown.append(ellipsis)
    text = "[" + ", ".join(shown) + "]"
    return f"{text} {array.shape}" if with_shape else text
