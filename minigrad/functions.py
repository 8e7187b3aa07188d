"""Functions of several tensors: ``maximum``, ``minimum``, ``where``, ``concatenate``, ``stack``.

Each records one op from :mod:`minigrad.ops`; non-Tensor arguments are constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import ops
from minigrad.autograd import apply
from minigrad.tensor import Tensor, _operand, _value


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient."""
    return apply(ops.MAXIMUM, _operand(a, "maximum"), _operand(b, "maximum"))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient."""
    return apply(ops.MINIMUM, _operand(a, "minimum"), _operand(b, "minimum"))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; the condition gets no gradient."""
    cond = np.asarray(_value(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    return apply(ops.WHERE, cond, _operand(a, "where"), _operand(b, "where"))


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    items = [_operand(t, "concatenate") for t in tensors]
    if not items:
        raise ValueError("concatenate: expected at least one tensor")
    return apply(ops.Concatenate(axis), *items)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    items = [_operand(t, "stack") for t in tensors]
    if not items:
        raise ValueError("stack: expected at least one tensor")
    return apply(ops.Stack(axis), *items)
