"""Elementwise ops: Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Clip, Maximum, Minimum, Where,
AsType.

Also the overflow-free ``sigmoid`` helper on plain arrays, which the Sigmoid op and the
activations and losses built on a sigmoid share, and the shared instances of the ops
without hyper-parameters (``EXP``, ..., ``WHERE``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function, unbroadcast
from minigrad.ops._util import _broadcast_error, _shape

__all__ = ["ABS", "AsType", "EXP", "LOG", "MAXIMUM", "MINIMUM", "RELU", "SIGMOID", "SQRT", "TANH",
           "WHERE", "Abs", "Clip", "Exp", "Log", "Maximum", "Minimum", "Relu", "Sigmoid", "Sqrt",
           "Tanh", "Where", "sigmoid"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid without overflow: exp is only taken of -|x|.

    For x >= 0 it is 1 / (1 + e^-x); for x < 0 the same value is written e^x / (1 + e^x).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class Exp(Function):
    """exp(x).  d/dx = exp(x) = out."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * ctx.out


class Log(Function):
    """log(x).  d/dx = 1 / x."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.log(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout / ctx.x


class Sqrt(Function):
    """sqrt(x).  d/dx = 1 / (2 sqrt(x)) = 0.5 / out."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * 0.5 / ctx.out


class Abs(Function):
    """|x|.  d/dx = sign(x), with abs'(0) = 0 as in PyTorch."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.abs(x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * np.sign(ctx.x)


class Tanh(Function):
    """tanh(x).  d/dx = 1 - tanh(x)^2 = 1 - out^2."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        out = ctx.out
        return dout * (1.0 - out * out)


class Sigmoid(Function):
    """sigmoid(x) = 1 / (1 + e^-x), computed without overflow.  d/dx = out (1 - out)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        out = sigmoid(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        out = ctx.out
        return dout * out * (1.0 - out)


class Relu(Function):
    """max(x, 0).  d/dx = 1 where x > 0 (or x is NaN), else 0 (ReLU'(0) = 0, as in PyTorch)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        # np.maximum rather than x * mask, which gives -0.0 for negative inputs.
        out = np.maximum(x, 0.0)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        # As nn.ReLU: the mask comes from the output, so a NaN passes its gradient.
        return dout * (ctx.out != 0.0)


class Clip(Function):
    """clip(x, lo, hi).  d/dx = 1 where lo <= x <= hi (bounds included, as torch.clamp)."""

    def __init__(self, lo: float | None, hi: float | None) -> None:
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of min and max")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip: min ({lo}) is greater than max ({hi})")
        self.lo, self.hi = lo, hi

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        ctx.inside = inside
        return np.clip(x, self.lo, self.hi)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * ctx.inside


class _Pick(Function):
    """Shared by Maximum and Minimum: the chosen side gets the gradient, ties split it."""

    name = ""

    def _prefer_x(self, x: Any, y: Any) -> np.ndarray:
        raise NotImplementedError

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        try:
            share_x = np.where(x == y, 0.5, self._prefer_x(x, y).astype(float))
        except ValueError:
            raise _broadcast_error(self.name, x, y) from None
        dtype = np.result_type(x, y)
        ctx.share_x = share_x.astype(dtype) if dtype.kind == "f" else share_x
        ctx.shapes = (_shape(x), _shape(y))
        return np.maximum(x, y) if self.name == "maximum" else np.minimum(x, y)

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        x_shape, y_shape = ctx.shapes
        share_x = ctx.share_x
        return (
            unbroadcast(dout * share_x, x_shape) if ctx.needs_input_grad[0] else None,
            unbroadcast(dout * (1.0 - share_x), y_shape) if ctx.needs_input_grad[1] else None,
        )


class Maximum(_Pick):
    """maximum(x, y).  d/dx = 1 where x > y, 1/2 at ties, 0 elsewhere (and d/dy mirrored)."""

    name = "maximum"

    def _prefer_x(self, x: Any, y: Any) -> np.ndarray:
        return np.asarray(x > y)


class Minimum(_Pick):
    """minimum(x, y).  d/dx = 1 where x < y, 1/2 at ties, 0 elsewhere (and d/dy mirrored)."""

    name = "minimum"

    def _prefer_x(self, x: Any, y: Any) -> np.ndarray:
        return np.asarray(x < y)


class Where(Function):
    """where(cond, a, b).  d/da = dout where cond, d/db = dout elsewhere; cond gets none."""

    def forward(self, ctx: Context, cond: np.ndarray, a: Any, b: Any) -> np.ndarray:
        try:
            out = np.where(cond, a, b)
        except ValueError:
            raise ValueError(
                f"where: shapes {_shape(cond)}, {_shape(a)} and {_shape(b)} cannot be "
                "broadcast together"
            ) from None
        ctx.cond = cond
        ctx.shapes = (_shape(a), _shape(b))
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any, Any]:
        a_shape, b_shape = ctx.shapes
        zero = np.zeros((), dtype=dout.dtype)
        needs = ctx.needs_input_grad
        return (
            None,
            unbroadcast(np.where(ctx.cond, dout, zero), a_shape) if needs[1] else None,
            unbroadcast(np.where(ctx.cond, zero, dout), b_shape) if needs[2] else None,
        )


# Stateless ops are shared: the per-call state lives on the context, never on the op.
EXP, LOG, SQRT, ABS, TANH, SIGMOID, RELU = Exp(), Log(), Sqrt(), Abs(), Tanh(), Sigmoid(), Relu()
MAXIMUM, MINIMUM, WHERE = Maximum(), Minimum(), Where()


class AsType(Function):
    """x converted to another float dtype.  d/dx = dout, converted back to x's dtype."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"astype: expected a float dtype, got {self.dtype}")

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout.astype(ctx.dtype)
