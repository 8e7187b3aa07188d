"""Functions of several tensors: ``maximum``, ``minimum``, ``where``, ``concatenate``, ``stack``.

Each records one op from :mod:`minigrad.ops`; non-Tensor arguments are constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import ops
from minigrad.autograd import apply
from minigrad.dtypes import as_float_array
from minigrad.tensor import Tensor, _operands, _value


def _pair(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Two operands with the binary operators' type promotion (see ``Tensor.__add__``)."""
    if isinstance(a, Tensor):
        return _operands(a, b, op)
    if isinstance(b, Tensor):
        b, a = _operands(b, a, op)
        return a, b
    return as_float_array(a, where=op), as_float_array(b, where=op)


def _items(tensors: Any, op: str) -> list[Any]:
    """Tensors as they are; float arrays keep their dtype; other items (lists, int or bool
    arrays) have none of their own and take the first tensor's."""
    items = list(tensors)
    if not items:
        raise ValueError(f"{op}: expected at least one tensor")
    first = next((t for t in items if isinstance(t, Tensor)), None)
    out = []
    for item in items:
        if isinstance(item, Tensor) or (isinstance(item, np.ndarray) and item.dtype.kind == "f"):
            out.append(item)
        else:
            array = as_float_array(item, where=op)
            out.append(array if first is None else array.astype(first.dtype, copy=False))
    return out


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient."""
    return apply(ops.MAXIMUM, *_pair(a, b, "maximum"))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient."""
    return apply(ops.MINIMUM, *_pair(a, b, "minimum"))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; the condition gets no gradient."""
    cond = np.asarray(_value(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    return apply(ops.WHERE, cond, *_pair(a, b, "where"))


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return apply(ops.Concatenate(axis), *_items(tensors, "concatenate"))


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return apply(ops.Stack(axis), *_items(tensors, "stack"))
