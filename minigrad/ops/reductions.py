"""Reductions over axes: Sum, Mean, Max and Min.

``Axis`` is the type of their ``axis`` argument; ``_expand`` puts the reduced axes back
into an upstream gradient and ``_check_axis`` refuses an axis out of range. Max and Min
share ``_Extreme``, which splits the gradient equally among tied extremes.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from minigrad.autograd import Context, Function

__all__ = ["Axis", "Max", "Mean", "Min", "Sum", "normalize_axis"]

Axis = int | tuple[int, ...] | None


def _expand(dout: np.ndarray, ndim: int, axis: Axis, keepdims: bool) -> np.ndarray:
    """Put back the axes a reduction removed, so ``dout`` broadcasts against its input."""
    if keepdims:
        return dout
    if axis is None:
        return dout.reshape((1,) * ndim)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(dout, tuple(a % ndim for a in axes))


def _spread(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``grad`` (with the reduced axes put back) repeated over ``shape``, as a new array.

    np.broadcast_to would give a read-only view, but it is a Python-level function costing
    about 5 us on a small array, where allocating and filling costs 0.7 us; the new array
    is writable and owned, so a leaf stores it without another copy.
    """
    out = np.empty(shape, grad.dtype)
    out[...] = grad
    return out


def normalize_axis(op: str, axis: Any) -> Axis:
    """``axis`` as None, an int or a tuple of ints, like torch's ``dim``.

    Any integer-like value (``np.int64(0)``) counts as an int, and a list as a tuple; bools,
    floats and strings are refused with a TypeError that names the op.
    """
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(normalize_axis(op, a) for a in axis)  # type: ignore[misc]
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise TypeError(f"{op}: axis must be an int, a tuple or list of ints, or None; "
                        f"got {axis!r} ({type(axis).__name__})")
    return operator.index(axis)


def _check_axis(op: str, axis: Axis, ndim: int) -> None:
    axes = (axis,) if isinstance(axis, int) else (axis or ())
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
    if len({a % ndim for a in axes}) != len(axes):
        raise ValueError(f"{op}: axis {axis} names the same axis twice")


class Sum(Function):
    """sum(x, axis).  d/dx = dout broadcast back over the summed axes."""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = normalize_axis(type(self).__name__.lower(), axis), keepdims

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis("sum", self.axis, x.ndim)
        ctx.shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return _spread(_expand(dout, len(ctx.shape), self.axis, self.keepdims), ctx.shape)


class Mean(Function):
    """mean(x, axis).  d/dx = dout / n, broadcast back, n = number of averaged elements."""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = normalize_axis(type(self).__name__.lower(), axis), keepdims

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis("mean", self.axis, x.ndim)
        if x.size == 0:
            raise ValueError(f"mean: the tensor of shape {x.shape} is empty")
        out = x.mean(axis=self.axis, keepdims=self.keepdims)
        ctx.shape = x.shape
        ctx.count = x.size // max(np.size(out), 1)
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        grad = _expand(dout / ctx.count, len(ctx.shape), self.axis, self.keepdims)
        return _spread(grad, ctx.shape)


class _Extreme(Function):
    """Shared by Max and Min: the gradient is split equally among tied extremes."""

    name = ""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = normalize_axis(type(self).__name__.lower(), axis), keepdims

    def _reduce(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis(self.name, self.axis, x.ndim)
        if x.size == 0:
            raise ValueError(f"{self.name}: the tensor of shape {x.shape} is empty")
        kept = self._reduce(x)
        mask = x == kept
        ctx.mask = mask
        # Counted in x's dtype: an integer count would turn a float32 gradient float64.
        ctx.count = mask.sum(axis=self.axis, keepdims=True, dtype=x.dtype)
        if self.keepdims:
            return kept
        return kept.reshape(()) if self.axis is None else np.squeeze(kept, axis=self.axis)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        grad = _expand(dout, ctx.mask.ndim, self.axis, self.keepdims)
        return ctx.mask * (grad / ctx.count)


class Max(_Extreme):
    """max(x, axis).  d/dx = dout / k at each of the k tied maxima, 0 elsewhere."""

    name = "max"

    def _reduce(self, x: np.ndarray) -> np.ndarray:
        return x.max(axis=self.axis, keepdims=True)


class Min(_Extreme):
    """min(x, axis).  d/dx = dout / k at each of the k tied minima, 0 elsewhere."""

    name = "min"

    def _reduce(self, x: np.ndarray) -> np.ndarray:
        return x.min(axis=self.axis, keepdims=True)
