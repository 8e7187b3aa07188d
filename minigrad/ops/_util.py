"""Helpers that the binary ops of several modules share.

``_shape`` gives an operand's shape (cheaply for arrays and Python numbers) and
``_broadcast_error`` builds the error for operands that do not broadcast together.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _shape(value: Any) -> tuple[int, ...]:
    # Arrays and Python numbers first: np.shape() is a Python-level call, and this runs in
    # every binary op.
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, (int, float)):
        return ()
    return np.shape(value)


def _broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    return ValueError(
        f"{op}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together "
        "(NumPy rules: trailing dimensions must match or be 1)"
    )
