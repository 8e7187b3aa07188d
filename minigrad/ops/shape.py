"""Shape ops: Reshape, Transpose, BroadcastTo, GetItem, SetItem, Concatenate and Stack.

They move elements without changing them, and each derivative puts ``dout`` back where
the forward took its elements from. ``plain_index`` checks an index for GetItem and
SetItem (importing Tensor inside the function, as this package is imported by
:mod:`minigrad.tensor`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function, unbroadcast

__all__ = ["BroadcastTo", "Concatenate", "GetItem", "Reshape", "SetItem", "Stack", "Transpose",
           "plain_index"]


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
        self.index = plain_index(index)

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


def plain_index(index: Any, op: str = "getitem") -> Any:
    """Turn Tensors inside an index into arrays; refuse float indices clearly."""
    from minigrad.tensor import Tensor

    if isinstance(index, tuple):
        return tuple(plain_index(i, op) for i in index)
    if isinstance(index, Tensor):
        # minigrad Tensors hold floats only (bools became 1.0/0.0), so a Tensor can hold
        # neither a mask nor integer positions unambiguously.
        raise IndexError(
            f"{op}: a Tensor cannot be an index: its values are floats (a boolean mask put "
            "in a Tensor became 1.0/0.0) and index arrays must be integers or booleans. "
            "Index with a NumPy array instead: a boolean mask "
            "such as `x > 0` (comparisons give one) or `mask.data > 0.5`, or integers "
            "such as `idx.data.astype(int)`"
        )
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        raise IndexError(f"{op}: index arrays must be integers or booleans, got {index.dtype}")
    return index


class SetItem(Function):
    """x with ``x[index] = value``, out of place.

    d/dx = dout with zeros at ``index`` (those elements were overwritten);
    d/dvalue = dout[index], summed down to value's shape.
    """

    def __init__(self, index: Any) -> None:
        self.index = plain_index(index, "setitem")

    def forward(self, ctx: Context, x: np.ndarray, value: Any) -> np.ndarray:
        out = x.copy()
        try:
            out[self.index] = value
        except (IndexError, ValueError) as error:
            raise type(error)(f"setitem: {error} (tensor of shape {x.shape})") from None
        ctx.value_shape = np.shape(value)
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        dx = dvalue = None
        if ctx.needs_input_grad[0]:
            dx = dout.copy()
            dx[self.index] = 0
        if ctx.needs_input_grad[1]:
            dvalue = unbroadcast(dout[self.index], ctx.value_shape)
        return dx, dvalue


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
