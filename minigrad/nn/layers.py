"""Layers with parameters or a training mode: Dense (and, with training, Dropout, BatchNorm1d)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.init import init_weight, make_rng
from minigrad.nn.module import Layer, Parameter
from minigrad.tensor import get_default_dtype


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
        Width of the input's last axis and of the output's.
    bias : bool, default=True
        Whether to add the learnable bias ``b`` (initialised to zeros).
    init : str, default="xavier"
        Weight scheme: ``"he"``/``"kaiming"`` (normal, std sqrt(2/in)), ``"he_uniform"``,
        ``"xavier"``/``"glorot"`` (uniform, bound sqrt(6/(in+out))), ``"xavier_normal"``,
        ``"lecun"`` (normal, std sqrt(1/in)), ``"lecun_uniform"``, ``"torch"``
        (PyTorch's U(+-1/sqrt(in))), ``"normal"`` (std 0.01), ``"zeros"``. The default is
        Keras's; PyTorch's default is ``"torch"`` (and it also draws the bias).
    rng : None, int or numpy.random.Generator
        Seed or generator, so one seed gives one set of weights.
    dtype : float dtype, optional
        Parameter dtype (default: ``mg.get_default_dtype()``).

    Notes
    -----
    With X of shape (N, in) and upstream gradient G = dL/dy of shape (N, out):

    .. math:: dX = G W^T,\\quad dW = X^T G,\\quad db = \\sum_n G_n

    Plain text: dx = dout @ W.T; dW = x.T @ dout; db = dout.sum(axis=0). Leading batch
    axes beyond the first are flattened into N.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> layer = nn.Dense(3, 2, rng=0)
    >>> layer(np.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, init: str = "xavier",
        rng: Any = None, dtype: Any = None,
    ) -> None:
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Dense: {name} must be a positive integer, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        weight = init_weight(init, self.in_features, self.out_features, make_rng(rng))
        self.W = Parameter(weight, dtype=dtype)
        self.b = Parameter(np.zeros(self.out_features), dtype=dtype) if bias else None

    def forward(self, ctx: Context, x: np.ndarray, W: np.ndarray,  # type: ignore[override]
                b: np.ndarray | None = None) -> np.ndarray:
        if x.ndim == 0 or x.shape[-1] != W.shape[0]:
            raise ValueError(
                f"Dense(in_features={W.shape[0]}) got input of shape {x.shape}: "
                f"expected (..., {W.shape[0]})"
            )
        if x.dtype != W.dtype:
            x = x.astype(W.dtype)  # like Keras: the layer's dtype wins, no silent upcast
        ctx.x = x if (ctx.needs_grad(1)) else None
        ctx.W = W if ctx.needs_grad(0) else None
        out = x @ W
        if b is not None:
            out += b  # out is a fresh array: adding in place cannot alias anything
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        n_params = 2 if self.b is not None else 1
        dx = dout @ ctx.W.T if ctx.needs_grad(0) else None
        grads: list[Any] = [dx]
        flat = dout.reshape(-1, dout.shape[-1])
        if ctx.needs_grad(1):
            x = ctx.x
            grads.append(x.reshape(-1, x.shape[-1]).T @ flat)
        else:
            grads.append(None)
        if n_params == 2:
            grads.append(flat.sum(axis=0) if ctx.needs_grad(2) else None)
        return tuple(grads)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.b is not None}")
