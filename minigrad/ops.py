"""The primitive differentiable ops, each a ``Function`` with its derivative beside it.

Binary ops broadcast like NumPy and hand their gradients to ``unbroadcast``. Constants
(Python numbers, masks, index arrays) arrive as plain values and get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function, unbroadcast

Axis = int | tuple[int, ...] | None


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


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid without overflow: exp is only taken of -|x|.

    For x >= 0 it is 1 / (1 + e^-x); for x < 0 the same value is written e^x / (1 + e^x).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# --------------------------------------------------------------------------- arithmetic


class Add(Function):
    """x + y.  d/dx = 1, d/dy = 1."""

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        needs = ctx.needs_input_grad
        if needs[0]:
            ctx.x_shape = _shape(x)
        if needs[1]:
            ctx.y_shape = _shape(y)
        try:
            return x + y
        except ValueError:
            raise _broadcast_error("add", x, y) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        return (
            unbroadcast(dout, ctx.x_shape) if needs[0] else None,
            unbroadcast(dout, ctx.y_shape) if needs[1] else None,
        )


class Sub(Function):
    """x - y.  d/dx = 1, d/dy = -1."""

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        needs = ctx.needs_input_grad
        if needs[0]:
            ctx.x_shape = _shape(x)
        if needs[1]:
            ctx.y_shape = _shape(y)
        try:
            return x - y
        except ValueError:
            raise _broadcast_error("sub", x, y) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        return (
            unbroadcast(dout, ctx.x_shape) if needs[0] else None,
            unbroadcast(-dout, ctx.y_shape) if needs[1] else None,
        )


class Mul(Function):
    """x * y.  d/dx = y, d/dy = x."""

    def forward(self, ctx: Context, x: Any, y: Any) -> np.ndarray:
        # Save only what the other side's gradient needs (and the shape to reduce it to).
        needs = ctx.needs_input_grad
        if needs[0]:
            ctx.y, ctx.x_shape = y, _shape(x)
        if needs[1]:
            ctx.x, ctx.y_shape = x, _shape(y)
        try:
            return x * y
        except ValueError:
            raise _broadcast_error("mul", x, y) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        needs = ctx.needs_input_grad
        return (
            unbroadcast(dout * ctx.y, ctx.x_shape) if needs[0] else None,
            unbroadcast(dout * ctx.x, ctx.y_shape) if needs[1] else None,
        )


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


class Pow(Function):
    """x ** p.  d/dx = p x^(p-1);  d/dp = x^p log x (only defined for x > 0)."""

    def forward(self, ctx: Context, x: Any, p: Any) -> np.ndarray:
        try:
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
        if ctx.needs_input_grad[0]:
            if np.ndim(p) == 0 and p == 0:
                # d/dx x^0 = 0 everywhere, x = 0 included (as PyTorch), not 0 * inf = NaN.
                dx = np.zeros(x_shape, dtype=dout.dtype)
            else:
                dx = unbroadcast(dout * p * x ** (p - 1), x_shape)
        if ctx.needs_input_grad[1]:
            # A constant base (a Python number) is taken in the output's dtype: np.log of a
            # Python number is a float64 scalar, which would turn a float32 gradient float64.
            base = np.asarray(x, dtype=ctx.out.dtype)
            # Where x <= 0 the log is undefined; like PyTorch, give 0 where x == 0 and
            # let negative bases produce NaN rather than a made-up number.
            with np.errstate(divide="ignore", invalid="ignore"):
                if np.any(base == 0):
                    log_x = np.log(np.where(base == 0, 1.0, base))
                else:
                    log_x = np.log(base)
            dp = unbroadcast(dout * ctx.out * log_x, p_shape)
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


# --------------------------------------------------------------------------- reductions


def _expand(dout: np.ndarray, ndim: int, axis: Axis, keepdims: bool) -> np.ndarray:
    """Put back the axes a reduction removed, so ``dout`` broadcasts against its input."""
    if keepdims:
        return dout
    if axis is None:
        return dout.reshape((1,) * ndim)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(dout, tuple(a % ndim for a in axes))


def _check_axis(op: str, axis: Axis, ndim: int) -> None:
    axes = (axis,) if isinstance(axis, int) else (axis or ())
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")


class Sum(Function):
    """sum(x, axis).  d/dx = dout broadcast back over the summed axes."""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        _check_axis("sum", self.axis, x.ndim)
        ctx.shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.broadcast_to(_expand(dout, len(ctx.shape), self.axis, self.keepdims), ctx.shape)


class Mean(Function):
    """mean(x, axis).  d/dx = dout / n, broadcast back, n = number of averaged elements."""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = axis, keepdims

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
        return np.broadcast_to(grad, ctx.shape)


class _Extreme(Function):
    """Shared by Max and Min: the gradient is split equally among tied extremes."""

    name = ""

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis, self.keepdims = axis, keepdims

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


# --------------------------------------------------------------------------- elementwise


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
    """max(x, 0).  d/dx = 1 where x > 0, else 0 (ReLU'(0) = 0, as in PyTorch)."""

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.mask = x > 0
        # np.maximum rather than x * mask, which gives -0.0 for negative inputs.
        return np.maximum(x, 0.0)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * ctx.mask


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


# --------------------------------------------------------------------------- shape


class Reshape(Function):
    """reshape(x, shape).  d/dx = dout reshaped back to x's shape."""

    def __init__(self, shape: tuple[Any, ...]) -> None:
        self.shape = shape

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into {self.shape}"
            ) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(ctx.shape)


class Transpose(Function):
    """transpose(x, axes).  d/dx = dout transposed by the inverse permutation."""

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        try:
            return np.transpose(x, self.axes)
        except ValueError:
            raise ValueError(
                f"transpose: axes {self.axes} do not permute the {x.ndim} axes of a tensor "
                f"of shape {x.shape}"
            ) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        if self.axes is None:
            return np.transpose(dout)
        # Negative axes are normalised first: argsort of (-1, 0, 1) is not the inverse.
        ndim = dout.ndim
        return np.transpose(dout, np.argsort([a % ndim for a in self.axes]))


class BroadcastTo(Function):
    """broadcast_to(x, shape).  d/dx = dout summed back to x's shape."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {x.shape} to {self.shape}"
            ) from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return unbroadcast(dout, ctx.shape)


class GetItem(Function):
    """x[index] for basic slices and integer-array indices.

    d/dx scatters dout back into zeros with ``np.add.at``, so an index that appears twice
    receives both gradients.
    """

    def __init__(self, index: Any) -> None:
        self.index = _plain_index(index)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.shape, ctx.dtype = x.shape, x.dtype
        try:
            return x[self.index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor of shape {x.shape})") from None

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=dout.dtype)
        np.add.at(grad, self.index, dout)
        return grad


def _plain_index(index: Any) -> Any:
    """Turn Tensors inside an index into arrays; refuse float indices clearly."""
    from minigrad.tensor import Tensor

    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        raise IndexError(f"getitem: index arrays must be integers or booleans, got {index.dtype}")
    return index


class Concatenate(Function):
    """concatenate(xs, axis).  d/dx_i = the slice of dout that x_i filled."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, ctx: Context, *xs: Any) -> np.ndarray:
        arrays = [np.asarray(x) for x in xs]
        try:
            out = np.concatenate(arrays, axis=self.axis)
        except (ValueError, np.exceptions.AxisError) as error:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"concatenate along axis {self.axis}: {shapes}: {error}") from None
        ctx.splits = np.cumsum([a.shape[self.axis] for a in arrays])[:-1]
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(dout, ctx.splits, axis=self.axis))


class Stack(Function):
    """stack(xs, axis).  d/dx_i = dout taken at position i of the new axis."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, ctx: Context, *xs: Any) -> np.ndarray:
        arrays = [np.asarray(x) for x in xs]
        try:
            return np.stack(arrays, axis=self.axis)
        except (ValueError, np.exceptions.AxisError) as error:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"stack along axis {self.axis}: {shapes}: {error}") from None

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(dout, self.axis, 0))


# Stateless ops are shared: the per-call state lives on the context, never on the op.
ADD, SUB, MUL, DIV, POW, NEG, MATMUL = Add(), Sub(), Mul(), Div(), Pow(), Neg(), MatMul()
EXP, LOG, SQRT, ABS, TANH, SIGMOID, RELU = Exp(), Log(), Sqrt(), Abs(), Tanh(), Sigmoid(), Relu()
MAXIMUM, MINIMUM, WHERE = Maximum(), Minimum(), Where()
