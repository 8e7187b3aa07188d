"""Layers that only move values around: Flatten."""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.layer import Layer


class Flatten(Layer):
    """Merge the axes ``start_axis`` .. ``end_axis`` (inclusive) into one, as torch.nn.Flatten.

    Parameters
    ----------
    start_axis : int, default=1
        First axis to merge (torch's ``start_dim``); the default keeps the batch axis.
    end_axis : int, default=-1
        Last axis to merge (torch's ``end_dim``); negative counts from the end.

    Notes
    -----
    A reshape, so its derivative is the inverse reshape:

    .. math:: y = \\mathrm{reshape}(x),\\qquad \\frac{\\partial L}{\\partial x} =
              \\mathrm{reshape}^{-1}(G)

    Plain text: y = x.reshape(shape[:start] + (-1,) + shape[end + 1:]);
    dx = dout.reshape(x.shape).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Flatten()(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """

    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        for name, value in (("start_axis", start_axis), ("end_axis", end_axis)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Flatten: {name} must be an integer, got {value!r}")
        self.start_axis, self.end_axis = int(start_axis), int(end_axis)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ndim = max(x.ndim, 1)  # torch flattens a scalar as if it had one axis
        start = self.start_axis + ndim if self.start_axis < 0 else self.start_axis
        end = self.end_axis + ndim if self.end_axis < 0 else self.end_axis
        if not (0 <= start < ndim and 0 <= end < ndim) or start > end:
            raise ValueError(
                f"Flatten(start_axis={self.start_axis}, end_axis={self.end_axis}) got input of "
                f"shape {x.shape}: both axes must lie within its {ndim} axes, start "
                f"before end"
            )
        ctx.shape = x.shape
        shape = x.shape if x.ndim else (1,)
        return x.reshape(shape[:start] + (-1,) + shape[end + 1:])

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(ctx.shape)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"
