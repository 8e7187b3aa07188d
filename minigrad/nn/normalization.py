"""Normalisation layers beyond BatchNorm1d: LayerNorm and BatchNorm2d."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.layer import Layer
from minigrad.nn.layers import BatchNorm1d, _float_dtype
from minigrad.nn.module import Parameter


class LayerNorm(Layer):
    """Layer normalisation over the trailing axes, per sample, as torch.nn.LayerNorm.

    Each sample is normalised with the mean and (biased) variance of its last
    ``len(normalized_shape)`` axes, then scaled by ``weight`` and shifted by ``bias``
    (elementwise, of shape ``normalized_shape``). It behaves the same in training and eval
    and keeps no running statistics.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        Shape of the trailing axes to normalise over.
    eps : float, default=1e-5
        Added to the variance before the square root.
    elementwise_affine : bool, default=True
        Learn ``weight`` (ones) and ``bias`` (zeros).
    dtype : float dtype, optional
        Parameter dtype (default: ``mg.get_default_dtype()``).

    Notes
    -----
    With n values per sample, :math:`\\hat x = (x - \\mu) / \\sqrt{\\sigma^2 + \\epsilon}`
    and :math:`y = \\gamma \\hat x + \\beta`:

    .. math::
        \\frac{\\partial L}{\\partial x} = \\frac{1}{n \\sqrt{\\sigma^2 + \\epsilon}}
        \\Big(n\\,\\hat g - \\sum \\hat g - \\hat x \\sum \\hat g \\hat x\\Big),\\quad
        \\hat g = \\gamma G,\\quad
        \\frac{\\partial L}{\\partial \\gamma} = \\sum_{batch} G \\hat x,\\quad
        \\frac{\\partial L}{\\partial \\beta} = \\sum_{batch} G

    Plain text: the same as BatchNorm1d's, with the sums for dx over the normalised
    (trailing) axes and the sums for dweight and dbias over the leading (batch) axes.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> out = nn.LayerNorm(2)(np.array([[1.0, 3.0], [10.0, 30.0]])).data
    >>> np.round(out, 3)
    array([[-1.,  1.],
           [-1.,  1.]])
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, dtype: Any = None) -> None:
        shape = (normalized_shape,) if not isinstance(normalized_shape, (tuple, list)) \
            else tuple(normalized_shape)
        if not shape or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
                            for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive integer or a "
                             f"non-empty tuple of them, got {normalized_shape!r}")
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) \
                or not 0 < eps < np.inf:
            raise ValueError(f"LayerNorm: eps must be a finite number > 0, got {eps!r}")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = _float_dtype("LayerNorm", dtype)
        self.weight = Parameter(np.ones(self.normalized_shape), dtype=dtype) \
            if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape), dtype=dtype) \
            if elementwise_affine else None
        self.dtype = dtype

    def forward(self, ctx: Context, x: np.ndarray,  # type: ignore[override]
                weight: np.ndarray | None = None, bias: np.ndarray | None = None
                ) -> np.ndarray:
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k:] != self.normalized_shape:
            raise ValueError(
                f"LayerNorm(normalized_shape={self.normalized_shape}) got input of shape "
                f"{x.shape}: expected (..., {', '.join(map(str, self.normalized_shape))})"
            )
        dtype = weight.dtype if weight is not None else self.dtype
        if x.dtype != dtype:
            x = x.astype(dtype)  # the layer's dtype wins, as in Dense
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centered * inv_std
        ctx.axes, ctx.inv_std, ctx.x_hat, ctx.weight = axes, inv_std, x_hat, weight
        if weight is None:
            return x_hat
        return x_hat * weight + bias

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        axes, x_hat, inv_std = ctx.axes, ctx.x_hat, ctx.inv_std
        dx = None
        if ctx.needs_grad(0):
            dx_hat = dout if ctx.weight is None else dout * ctx.weight
            n = int(np.prod(self.normalized_shape))
            dx = (inv_std / n) * (
                n * dx_hat
                - dx_hat.sum(axis=axes, keepdims=True)
                - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)
            )
        if ctx.weight is None:
            return dx
        batch_axes = tuple(range(dout.ndim - len(axes)))
        dweight = (dout * x_hat).sum(axis=batch_axes) if ctx.needs_grad(1) else None
        dbias = dout.sum(axis=batch_axes) if ctx.needs_grad(2) else None
        return dx, dweight, dbias

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of an NCHW input, per channel over the N, H and W axes.

    The same layer as :class:`BatchNorm1d` (parameters, running statistics as Buffers
    updated in place, eval mode, and the formulas and derivatives in its Notes), with the
    statistics of each channel taken over ``N * H * W`` values, as torch.nn.BatchNorm2d.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> bn(np.random.default_rng(0).normal(size=(4, 3, 5, 5))).shape
    (4, 3, 5, 5)
    """

    def _check(self, x: np.ndarray) -> tuple[int, ...]:
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d(num_features={self.num_features}) got input of shape {x.shape}: "
                f"expected (N, {self.num_features}, H, W)"
            )
        return (0, 2, 3)
