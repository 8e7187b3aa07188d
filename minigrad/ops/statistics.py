"""Statistics over axes: Var, Std, Prod, Norm and Cumsum.

They reuse the reductions' axis rules (``normalize_axis``, ``_check_axis``, ``_expand``).
Each derivative follows current PyTorch at its special points, written in the docstring.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.autograd import Context, Function
from minigrad.ops.reductions import Axis, _check_axis, _expand, normalize_axis

__all__ = ["Cumsum", "Norm", "Prod", "Std", "Var"]


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """The reduced axes as a tuple of non-negative ints (every axis for None)."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))


class _Reduce(Function):
    name = ""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = normalize_axis(self.name, axis), keepdims

    def _grad(self, dout: np.ndarray, ndim: int) -> np.ndarray:
        return _expand(dout, ndim, self.axis, self.keepdims)


class Var(_Reduce):
    """var(x, axis, correction) = sum((x - mean)^2) / (n - correction).

    d/dx = 2 (x - mean) / (n - correction). ``correction=1`` (the default, as torch's) is
    the unbiased estimate; ``n - correction <= 0`` gives NaN or inf, as in torch.
    """

    name = "var"

    def __init__(self, axis: Axis = None, keepdims: bool = False, correction: float = 1) -> None:
        super().__init__(axis, keepdims)
        self.correction = correction

    def _centered(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis(self.name, self.axis, x.ndim)
        if x.size == 0:
            raise ValueError(f"{self.name}: the tensor of shape {x.shape} is empty")
        centered = x - x.mean(axis=self.axis, keepdims=True)
        count = math.prod(x.shape[a] for a in _axes(self.axis, x.ndim))
        ctx.centered, ctx.dof = centered, max(count - self.correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (centered * centered).sum(axis=self.axis, keepdims=self.keepdims) / ctx.dof

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        return self._centered(ctx, x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._grad(dout, ctx.centered.ndim) * (2.0 * ctx.centered / ctx.dof)


class Std(Var):
    """std(x, axis, correction) = sqrt(var(x, axis, correction)).

    d/dx = (x - mean) / ((n - correction) std), and 0 where std = 0 (a constant slice), as
    in PyTorch.
    """

    name = "std"

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(self._centered(ctx, x))
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        out = ctx.out if self.keepdims else _expand(ctx.out, ctx.centered.ndim, self.axis, False)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out == 0, 0.0, self._grad(dout, out.ndim) / out).astype(dout.dtype)
            return scale * ctx.centered / ctx.dof


def _product_of_others(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements of its slice over ``axes``.

    Computed from exclusive running products from the left and from the right, so no
    division: exact with one zero (the zero's entry is the product of the rest, the others
    0) and with two zeros (all 0), as torch's prod backward.
    """
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    kept = moved.shape[: x.ndim - len(axes)]
    flat = moved.reshape((*kept, math.prod(moved.shape[len(kept):])))
    if flat.shape[-1] == 0:
        return np.zeros_like(x)
    ones = np.ones((*flat.shape[:-1], 1), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((left * right).reshape(moved.shape), last, axes)


class Prod(_Reduce):
    """prod(x, axis).  d/dx_i = product of the other elements of x_i's slice.

    With no zero that is out / x_i; with one zero only the zero gets a gradient (the product
    of the rest); with two or more zeros every gradient is 0 (PyTorch's rule).
    """

    name = "prod"

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis(self.name, self.axis, x.ndim)
        ctx.x = x
        return np.prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x = ctx.x
        return self._grad(dout, x.ndim) * _product_of_others(x, _axes(self.axis, x.ndim))


class Norm(_Reduce):
    """The vector p-norm over ``axis`` (all elements for None), p in 1, 2, inf or "fro".

    * p=1: sum |x|.  d/dx = sign(x) (0 at x = 0, the subgradient torch picks);
    * p=2 and "fro": sqrt(sum x^2).  d/dx = x / norm, and 0 for a zero slice (torch);
    * p=inf: max |x|.  d/dx = sign(x) / k at each of the k elements tied for the largest
      |x|, 0 elsewhere (torch splits ties evenly), and 0 for a zero slice.
    """

    name = "norm"

    def __init__(self, p: Any = 2, axis: Axis = None, keepdims: bool = False) -> None:
        super().__init__(axis, keepdims)
        if p == "fro":
            p = 2
        if isinstance(p, str) or p not in (1, 2, math.inf):
            raise ValueError(f"norm: p must be 1, 2, inf or 'fro', got {p!r}")
        self.p = p

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis(self.name, self.axis, x.ndim)
        ctx.x = x
        magnitude = np.abs(x)
        if self.p == 1:
            out = magnitude.sum(axis=self.axis, keepdims=True)
        elif self.p == 2:
            out = np.sqrt((x * x).sum(axis=self.axis, keepdims=True))
        else:
            out = magnitude.max(axis=self.axis, keepdims=True, initial=0.0)
            ties = (magnitude == out) & (out > 0)
            ctx.share = ties / np.maximum(ties.sum(axis=self.axis, keepdims=True, dtype=x.dtype),
                                          1.0)
        ctx.out = out
        if self.keepdims:
            return out
        return out.reshape(()) if self.axis is None else np.squeeze(out, axis=self.axis)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x, out = ctx.x, ctx.out
        grad = self._grad(dout, x.ndim)
        if self.p == 1:
            return grad * np.sign(x)
        if self.p == 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(out == 0, 0.0, grad * x / out).astype(dout.dtype)
        return grad * np.sign(x) * ctx.share.astype(dout.dtype)


class Cumsum(Function):
    """cumsum(x, axis): running sums along ``axis`` (the flattened x for None, as NumPy).

    d/dx = the running sums of dout taken from the end: dx_i = sum_{j >= i} dout_j.
    """

    def __init__(self, axis: int | None) -> None:
        checked = normalize_axis("cumsum", axis)
        if isinstance(checked, tuple):
            raise TypeError("cumsum: axis must be an int or None, not a tuple")
        self.axis: int | None = checked

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        if self.axis is not None:
            _check_axis("cumsum", self.axis, x.ndim)
        ctx.shape = x.shape
        return np.cumsum(x, axis=self.axis)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        axis = 0 if self.axis is None else self.axis
        flipped = np.flip(dout, axis)
        return np.flip(np.cumsum(flipped, axis=axis), axis).reshape(ctx.shape)
