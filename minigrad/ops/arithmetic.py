"""Arithmetic ops: Add, Sub, Mul, Div, Pow, Neg, MatMul and Remainder, with their shared instances.

Binary ops broadcast like NumPy and hand their gradients to ``unbroadcast``; a constant
operand (a Python number) arrives as a plain value and gets no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function, unbroadcast
from minigrad.ops._util import _broadcast_error, _shape

__all__ = ["ADD", "DIV", "MATMUL", "MUL", "NEG", "POW", "SUB", "Add", "Div", "MatMul", "Mul",
           "Neg", "Pow", "Remainder", "Sub", "REMAINDER", "FloorDivide", "FLOOR_DIVIDE"]


# Add, Sub and Mul run in every chain of small ops, so their bookkeeping is written out
# inline: an operand's shape is saved only when broadcasting changed it (None otherwise),
# and backward calls unbroadcast only then.


class Add(Function):
    """x + y.  d/dx = 1, d/dy = 1."""

    # Sub changes these two and the sign of dy.
    _ufunc: np.ufunc = np.add
    _name = "add"

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        try:
            out = self._ufunc(x, y)
        except ValueError:
            raise _broadcast_error(self._name, x, y) from None
        needs = ctx.needs_input_grad
        if needs[0]:
            same = x.__class__ is np.ndarray and x.shape == out.shape
            ctx.x_shape = None if same else _shape(x)
        if needs[1]:
            same = y.__class__ is np.ndarray and y.shape == out.shape
            ctx.y_shape = None if same else _shape(y)
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        dx = dy = None
        if needs[0]:
            dx = dout if ctx.x_shape is None else unbroadcast(dout, ctx.x_shape)
        if needs[1]:
            dy = dout if ctx.y_shape is None else unbroadcast(dout, ctx.y_shape)
        return dx, dy


class Sub(Add):
    """x - y.  d/dx = 1, d/dy = -1."""

    _ufunc, _name = np.subtract, "sub"  # see Add

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        dx = dy = None
        if needs[0]:
            dx = dout if ctx.x_shape is None else unbroadcast(dout, ctx.x_shape)
        if needs[1]:
            dy = -dout if ctx.y_shape is None else unbroadcast(-dout, ctx.y_shape)
        return dx, dy


class Mul(Function):
    """x * y.  d/dx = y, d/dy = x."""

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        try:
            out = x * y
        except ValueError:
            raise _broadcast_error("mul", x, y) from None
        # Save only what the other side's gradient needs (and the shape to reduce it to).
        needs = ctx.needs_input_grad
        if needs[0]:
            same = x.__class__ is np.ndarray and x.shape == out.shape
            ctx.y, ctx.x_shape = y, None if same else _shape(x)
        if needs[1]:
            same = y.__class__ is np.ndarray and y.shape == out.shape
            ctx.x, ctx.y_shape = x, None if same else _shape(y)
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        dx = dy = None
        if needs[0]:
            dx = dout * ctx.y
            if ctx.x_shape is not None:
                dx = unbroadcast(dx, ctx.x_shape)
        if needs[1]:
            dy = dout * ctx.x
            if ctx.y_shape is not None:
                dy = unbroadcast(dy, ctx.y_shape)
        return dx, dy


class Div(Function):
    """x / y.  d/dx = 1/y, d/dy = -x/y^2 = -out/y."""

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        try:
            out = x / y
        except ValueError:
            raise _broadcast_error("div", x, y) from None
        ctx.y = y
        ctx.out = out if ctx.needs_input_grad[1] else None
        ctx.shapes = (_shape(x), _shape(y))
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        x_shape, y_shape = ctx.shapes
        scaled = dout / ctx.y
        return (
            unbroadcast(scaled, x_shape) if ctx.needs_input_grad[0] else None,
            unbroadcast(-scaled * ctx.out, y_shape) if ctx.needs_input_grad[1] else None,
        )


def _whole(p: Any) -> bool:
    """True for a Python number that is a whole, non-negative exponent (x ** 2)."""
    cls = p.__class__
    return (cls is int and p >= 0) or (cls is float and p >= 0 and p.is_integer())


class Pow(Function):
    """x ** p.  d/dx = p x^(p-1);  d/dp = x^p log x.

    At the edges the values are PyTorch's: d/dx is 0 wherever p == 0 (x = 0 included, not
    0 * inf = NaN); d/dp is 0 where x == 0 and p >= 0, and ``x^p log x`` otherwise, so
    ``0 ** -1`` gives -inf and a negative base NaN. The forward follows IEEE arithmetic
    without warnings (``0 ** -1 = inf``, ``(-8) ** 0.5 = nan``), as PyTorch does.
    """

    def forward(self, ctx: Context, x: Any, p: Any) -> np.ndarray:
        try:
            if _whole(p):
                out = x**p  # x ** 2 and friends: nothing to silence (errstate costs ~2 us)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    out = x**p
        except ValueError:
            raise _broadcast_error("pow", x, p) from None
        ctx.x, ctx.p, ctx.out = x, p, out
        ctx.shapes = (_shape(x), _shape(p))
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        x, p = ctx.x, ctx.p
        x_shape, p_shape = ctx.shapes
        dx = dp = None
        if ctx.needs_input_grad[0] and _whole(p) and p >= 1 and not ctx.needs_input_grad[1]:
            # x ** 2 and friends: p x^(p-1) is defined everywhere, no edge to mend.
            return unbroadcast(dout * p * x ** (p - 1), x_shape), None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                if np.ndim(p) == 0 and p == 0:
                    dx = np.zeros(x_shape, dtype=dout.dtype)
                else:
                    local = p * x ** (p - 1)
                    if np.ndim(p) > 0:
                        local = np.where(p == 0, 0, local)
                    dx = unbroadcast(dout * local, x_shape)
            if ctx.needs_input_grad[1]:
                # A constant base (a Python number) is taken in the output's dtype: np.log
                # of a Python number is a float64 scalar, which would turn a float32
                # gradient float64.
                base = np.asarray(x, dtype=ctx.out.dtype)
                local = ctx.out * np.log(base)
                local = np.where((base == 0) & (p >= 0), 0, local)
                dp = unbroadcast(dout * local, p_shape)
        return dx, dp


class Neg(Function):
    """-x.  d/dx = -1."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return -dout


class MatMul(Function):
    """x @ y with NumPy's matmul rules (1-D, 2-D and batched N-D).

    For 2-D operands: d/dx = dout @ y^T, d/dy = x^T @ dout. 1-D operands are promoted to
    matrices for the product and the added axis is removed again; batch axes that were
    broadcast are summed by ``unbroadcast``.
    """

    def forward(self, ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x_arr, y_arr = np.asarray(x), np.asarray(y)
        if x_arr.ndim == 0 or y_arr.ndim == 0:
            raise ValueError(
                f"matmul: operands must be at least 1-D, got shapes {x_arr.shape} and "
                f"{y_arr.shape}; use * for scalars"
            )
        try:
            out = x_arr @ y_arr
        except ValueError:
            raise ValueError(
                f"matmul: shapes {x_arr.shape} and {y_arr.shape} are not aligned (the last "
                "axis of the first must equal the second-to-last axis of the second)"
            ) from None
        ctx.x, ctx.y = (x_arr, y_arr)
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        x, y = ctx.x, ctx.y
        x2 = x[np.newaxis, :] if x.ndim == 1 else x
        y2 = y[:, np.newaxis] if y.ndim == 1 else y
        # Put back the axes that 1-D operands dropped from the product (for 1-D @ 1-D,
        # a 0-d dout becomes 1x1), so the 2-D formulas apply.
        d2 = dout
        if y.ndim == 1:
            d2 = d2[..., np.newaxis]
        if x.ndim == 1:
            d2 = d2[..., np.newaxis, :]
        dx = dy = None
        if ctx.needs_input_grad[0]:
            dx = d2 @ np.swapaxes(y2, -1, -2)
            if x.ndim == 1:
                dx = dx.reshape(dx.shape[:-2] + (dx.shape[-1],))
            dx = unbroadcast(dx, x.shape)
        if ctx.needs_input_grad[1]:
            dy = np.swapaxes(x2, -1, -2) @ d2
            if y.ndim == 1:
                dy = dy[..., 0]
            dy = unbroadcast(dy, y.shape)
        return dx, dy


# Stateless ops are shared: the per-call state lives on the context, never on the op.
ADD: Add = Add()
SUB: Sub = Sub()
MUL: Mul = Mul()
DIV: Div = Div()
POW: Pow = Pow()
NEG: Neg = Neg()
MATMUL: MatMul = MatMul()


class Remainder(Function):
    """x % y with the sign of y (Python's and torch.remainder's): x - floor(x / y) * y.

    d/dx = 1, d/dy = -floor(x / y), as torch's remainder backward.
    """

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        ctx.x, ctx.y = x, y
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.remainder(x, y)
        except ValueError:
            raise _broadcast_error("remainder", x, y) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        x, y = ctx.x, ctx.y
        dy = None
        if needs[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                dy = unbroadcast(-dout * np.floor_divide(x, y), _shape(y))
        return (unbroadcast(dout, _shape(x)) if needs[0] else None), dy


REMAINDER: Remainder = Remainder()


class FloorDivide(Function):
    """floor(x / y) (Python's ``//``).  Piecewise constant: no usable derivative.

    As in PyTorch, the call is recorded when an input requires grad, and a backward through
    it raises instead of passing a gradient of 0 that would hide the missing derivative.
    """

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.floor_divide(x, y)
        except ValueError:
            raise _broadcast_error("floor_divide", x, y) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        raise RuntimeError(
            "FloorDivide.backward: the derivative of // is not implemented (it is 0 between "
            "the jumps and undefined at them), as in PyTorch; compute it under "
            "mg.no_grad() or on .detach()ed tensors if no gradient should flow through it"
        )


FLOOR_DIVIDE: FloorDivide = FloorDivide()
