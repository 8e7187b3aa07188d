"""The PyTorch Tensor vocabulary as thin method wrappers: ``t.sin()``, ``t.var()``, ...

The functions here are Tensor's methods (``Tensor.sin = vocabulary.sin``, assigned in the
class body as :mod:`minigrad.inplace` does): each records one op of :mod:`minigrad.ops`,
whose docstring gives the formula and derivative. Shape methods (squeeze, unsqueeze,
permute, view, expand, flatten) work out the target shape and record Reshape, Transpose or
BroadcastTo; split and chunk record one slice (GetItem) per piece.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import ops, tensor
from minigrad.autograd import apply
from minigrad.ops.reductions import Axis, normalize_axis

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


def _sizes(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _axis(op: str, axis: Any, ndim: int) -> int:
    """One axis as a non-negative int, or a ValueError naming ``op``."""
    index = normalize_axis(op, axis)
    if not isinstance(index, int) or not -ndim <= index < max(ndim, 1):
        raise ValueError(f"{op}: axis {axis!r} is out of range for a tensor with {ndim} dims")
    return index % max(ndim, 1)


# ----------------------------------------------------------------- index reductions


def argmax(self: Tensor, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Positions of the largest values (the first one at ties, as torch), as an int ndarray
    (0-d for ``axis=None``: the position in the flattened tensor).

    Not differentiable: the result is a plain integer array, outside any graph.
    """
    return np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims))


def argmin(self: Tensor, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Positions of the smallest values (the first one at ties), as an int ndarray.

    Not differentiable: the result is a plain integer array, outside any graph.
    """
    return np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims))


# ----------------------------------------------------------------- elementwise


def sin(self: Tensor) -> Tensor:
    return apply(ops.SIN, self)


def cos(self: Tensor) -> Tensor:
    return apply(ops.COS, self)


def log1p(self: Tensor) -> Tensor:
    return apply(ops.LOG1P, self)


def expm1(self: Tensor) -> Tensor:
    return apply(ops.EXPM1, self)


def sign(self: Tensor) -> Tensor:
    """-1, 0 or 1; its gradient is 0 everywhere, as in PyTorch."""
    return apply(ops.SIGN, self)


def clone(self: Tensor) -> Tensor:
    """A copy in new memory, recorded (the gradient flows back to ``self``)."""
    return apply(ops.CLONE, self)


# ----------------------------------------------------------------- shape


def squeeze(self: Tensor, axis: Any = None) -> Tensor:
    """Drop size-1 axes (all, or those in ``axis``); an axis of another size stays (torch)."""
    shape = self.data.shape
    if axis is None:
        drop = {a for a, n in enumerate(shape) if n == 1}
    else:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        drop = {a for a in (_axis("squeeze", a, len(shape)) for a in axes)
                if a < len(shape) and shape[a] == 1}
    return apply(ops.Reshape(tuple(n for a, n in enumerate(shape) if a not in drop)), self)


def unsqueeze(self: Tensor, axis: int) -> Tensor:
    """Insert a size-1 axis at ``axis`` (in ``[-ndim - 1, ndim]``, as torch)."""
    ndim = self.data.ndim
    position = _axis("unsqueeze", axis, ndim + 1)
    shape = self.data.shape
    return apply(ops.Reshape(shape[:position] + (1,) + shape[position:]), self)


def permute(self: Tensor, *axes: Any) -> Tensor:
    """The axes reordered (``t.permute(2, 0, 1)``); every axis named once."""
    return apply(ops.Transpose(tuple(_sizes(axes))), self)


def view(self: Tensor, *shape: Any) -> Tensor:
    """Same as :meth:`reshape` here: NumPy gives a view when it can and copies when it must
    (torch's view would refuse a non-contiguous tensor instead)."""
    return apply(ops.Reshape(_sizes(shape)), self)


def expand(self: Tensor, *shape: Any) -> Tensor:
    """Broadcast to ``shape`` (torch's expand): -1 keeps a size; new axes go in front."""
    sizes = _sizes(shape)
    old = self.data.shape
    extra = len(sizes) - len(old)
    if extra < 0:
        raise ValueError(f"expand: shape {sizes} has fewer dims than the tensor's {old}")
    if any(n == -1 for n in sizes[:extra]):
        raise ValueError(f"expand: -1 is not allowed for the new leading dims in {sizes}")
    target = tuple(old[i - extra] if n == -1 else n for i, n in enumerate(sizes))
    return apply(ops.BroadcastTo(target), self)


def flatten(self: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Axes ``start_axis`` to ``end_axis`` (included) merged into one; a 0-d tensor gives 1-d."""
    shape = self.data.shape
    if not shape:
        return apply(ops.Reshape((1,)), self)
    start, end = _axis("flatten", start_axis, len(shape)), _axis("flatten", end_axis, len(shape))
    if start > end:
        raise ValueError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis}")
    merged = (math.prod(shape[start:end + 1]),)
    return apply(ops.Reshape(shape[:start] + merged + shape[end + 1:]), self)


# ----------------------------------------------------------------- statistics


def var(self: Tensor, axis: Axis = None, keepdims: bool = False, correction: float | None = None,
        ddof: float | None = None) -> Tensor:
    """Variance with ``correction`` (default 1, unbiased, as torch); ``ddof`` is an alias."""
    return apply(ops.Var(axis, keepdims, _correction(correction, ddof)), self)


def std(self: Tensor, axis: Axis = None, keepdims: bool = False, correction: float | None = None,
        ddof: float | None = None) -> Tensor:
    """Standard deviation with ``correction`` (default 1, as torch); ``ddof`` is an alias."""
    return apply(ops.Std(axis, keepdims, _correction(correction, ddof)), self)


def _correction(correction: float | None, ddof: float | None) -> float:
    if correction is not None and ddof is not None and correction != ddof:
        raise ValueError(f"var/std: correction={correction} and ddof={ddof} disagree; give one")
    return next((c for c in (correction, ddof) if c is not None), 1)


def prod(self: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return apply(ops.Prod(axis, keepdims), self)


def norm(self: Tensor, p: Any = 2, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The vector p-norm (p in 1, 2, inf, "fro") over ``axis``, all elements for None."""
    return apply(ops.Norm(p, axis, keepdims), self)


def cumsum(self: Tensor, axis: int | None) -> Tensor:
    return apply(ops.Cumsum(axis), self)


# ----------------------------------------------------------------- softmax family


def softmax(self: Tensor, axis: int = -1) -> Tensor:
    """``nn.Softmax(axis)`` applied to this tensor (the same stable code)."""
    from minigrad import nn

    return nn.Softmax(axis)(self)


def log_softmax(self: Tensor, axis: int = -1) -> Tensor:
    """``nn.LogSoftmax(axis)`` applied to this tensor (the same stable code)."""
    from minigrad import nn

    return nn.LogSoftmax(axis)(self)


# ----------------------------------------------------------------- indexing


def split(self: Tensor, size_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Pieces along ``axis``: of ``size_or_sections`` each (the last may be shorter), or of
    the listed sizes (which must add up to the axis' length), as torch.split."""
    ndim = self.data.ndim
    position = _axis("split", axis, ndim)
    length = self.data.shape[position]
    if isinstance(size_or_sections, (list, tuple)):
        sizes = [int(s) for s in size_or_sections]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} do not add up to {length}, the length of "
                             f"axis {axis}")
    else:
        size = int(size_or_sections)
        if size <= 0:
            raise ValueError(f"split: the piece size must be positive, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * position + (slice(start, start + size),)
        pieces.append(apply(ops.GetItem(index), self))
        start += size
    return pieces


def chunk(self: Tensor, chunks: int, axis: int = 0) -> list[Tensor]:
    """At most ``chunks`` pieces of ceil(length / chunks) along ``axis`` (torch.chunk)."""
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    length = self.data.shape[_axis("chunk", axis, self.data.ndim)]
    return split(self, max(-(-length // chunks), 1), axis)


def gather(self: Tensor, axis: int, index: Any) -> Tensor:
    return apply(ops.Gather(axis, index), self)


def index_select(self: Tensor, axis: int, index: Any) -> Tensor:
    return apply(ops.IndexSelect(axis, index), self)


def masked_fill(self: Tensor, mask: Any, value: float) -> Tensor:
    """``value`` where the boolean ``mask`` is True, else self; no gradient where filled."""
    mask = tensor._value(mask)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: mask must be a boolean array, got {mask.dtype}")
    if np.broadcast_shapes(mask.shape, self.data.shape) != self.data.shape:
        raise ValueError(f"masked_fill: a mask of shape {mask.shape} does not broadcast to "
                         f"the tensor's shape {self.data.shape}")
    return apply(ops.WHERE, mask, float(value), self)


# ----------------------------------------------------------------- //  (% is Remainder)


def floordiv(self: Tensor, other: Any) -> Tensor:
    """``self // other``: recorded, but its backward raises (no derivative), as in PyTorch."""
    x, y = tensor._operands(self, other, "floordiv")
    return apply(ops.FLOOR_DIVIDE, x, y)


def rfloordiv(self: Tensor, other: Any) -> Tensor:
    x, y = tensor._operands(self, other, "floordiv")
    return apply(ops.FLOOR_DIVIDE, y, x)

