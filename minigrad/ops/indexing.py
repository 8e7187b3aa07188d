"""Indexing ops of the PyTorch vocabulary: Gather and IndexSelect.

Both read elements at integer positions; each derivative scatters dout back into zeros
with ``np.add.at``, so a position read twice receives both gradients. ``split``,
``chunk`` (slices, through GetItem) and ``masked_fill`` (through Where) reuse the ops
of :mod:`~minigrad.ops.shape` and :mod:`~minigrad.ops.elementwise`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function

__all__ = ["Gather", "IndexSelect", "integer_index"]


def integer_index(op: str, index: Any) -> np.ndarray:
    """``index`` as an integer ndarray, or a TypeError naming ``op``."""
    from minigrad.tensor import Tensor

    if isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be an integer NumPy array, not a Tensor (floats); "
                        "use idx.data.astype(int)")
    array = np.asarray(index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got {array.dtype}")
    return array


class Gather(Function):
    """gather(x, axis, index): out[i][j][k] = x[i][index[i][j][k]][k] for axis=1 (torch's).

    ``index`` has x's number of dimensions and the output's shape; along the other axes it
    may be shorter than x.  d/dx = dout scattered back (added) at the gathered positions.
    """

    def __init__(self, axis: int, index: Any) -> None:
        self.axis, self.index = axis, integer_index("gather", index)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        index = self.index
        if index.ndim != x.ndim or not -x.ndim <= self.axis < max(x.ndim, 1):
            raise ValueError(f"gather: index of shape {index.shape} and axis {self.axis} do "
                             f"not fit a tensor of shape {x.shape} (same number of dims)")
        axis = self.axis % max(x.ndim, 1)
        if any(i > s for d, (i, s) in enumerate(zip(index.shape, x.shape)) if d != axis):
            raise ValueError(f"gather: index of shape {index.shape} is larger than the tensor "
                             f"of shape {x.shape} along an axis other than {axis}")
        where: list[Any] = list(np.indices(index.shape, sparse=True))
        where[axis] = index
        ctx.where, ctx.shape = tuple(where), x.shape
        try:
            return x[ctx.where]
        except IndexError as error:
            raise IndexError(f"gather: {error} (tensor of shape {x.shape})") from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=dout.dtype)
        np.add.at(grad, ctx.where, dout)
        return grad


class IndexSelect(Function):
    """index_select(x, axis, index): the slices of x at the 1-D positions ``index``.

    d/dx = dout's slices added back at those positions (a repeated position gets both).
    """

    def __init__(self, axis: int, index: Any) -> None:
        self.axis, self.index = axis, integer_index("index_select", index)
        if self.index.ndim > 1:
            raise ValueError(f"index_select: index must be 1-D, got shape {self.index.shape}")

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"index_select: axis {self.axis} is out of range for a tensor "
                             f"with {x.ndim} dims")
        ctx.shape = x.shape
        try:
            return np.take(x, self.index.reshape(-1), axis=self.axis)
        except IndexError as error:
            raise IndexError(f"index_select: {error} (tensor of shape {x.shape})") from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=dout.dtype)
        np.add.at(np.moveaxis(grad, self.axis, 0), self.index.reshape(-1),
                  np.moveaxis(dout, self.axis, 0))
        return grad
