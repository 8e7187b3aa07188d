"""Layers with parameters or a training mode: Dense (and, with training, Dropout, BatchNorm1d)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import get_default_dtype
from minigrad.nn.init import init_weight, make_rng
from minigrad.nn.layer import Layer
from minigrad.nn.module import Buffer, Parameter
from minigrad.versions import bump_version


def _float_dtype(owner: str, dtype: Any) -> np.dtype:
    """The parameter dtype of a layer: ``dtype`` or the default, refused unless a float."""
    if dtype is None:
        return get_default_dtype()
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: dtype must be a float dtype, got {dtype!r}") from None
    if resolved.kind != "f":
        raise TypeError(f"{owner}: dtype must be a float dtype, got {resolved}")
    return resolved


def _generator(owner: str, rng: Any) -> np.random.Generator:
    """``make_rng(rng)``, with errors that name the layer."""
    try:
        return make_rng(rng)
    except TypeError as error:
        raise TypeError(f"{owner}: {error}") from None
    except ValueError:
        raise ValueError(f"{owner}: an rng seed must be an integer >= 0, got {rng!r}") from None


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
        dtype = _float_dtype("Dense", dtype)
        weight = init_weight(init, self.in_features, self.out_features, _generator("Dense", rng))
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
        needs = ctx.needs_input_grad
        ctx.x = x if needs[1] else None
        ctx.W = W if needs[0] else None
        out = x @ W
        if b is not None:
            out += b  # out is a fresh array: adding in place cannot alias anything
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        needs = ctx.needs_input_grad
        dx = dout @ ctx.W.T if needs[0] else None
        # A batch of vectors is already the (rows, features) matrix that dW needs; more
        # leading axes are flattened into the rows first.
        if dout.ndim == 2:
            flat, x = dout, ctx.x
        else:
            flat = dout.reshape(-1, dout.shape[-1])
            x = ctx.x.reshape(-1, ctx.x.shape[-1]) if needs[1] else None
        dW = x.T @ flat if needs[1] else None
        if self.b is None:
            return dx, dW
        return dx, dW, flat.sum(axis=0) if needs[2] else None

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.b is not None}")


class Dropout(Layer):
    """Inverted dropout: in training, zero each element with probability ``p``.

    The kept elements are scaled by ``1 / (1 - p)``, so the expected output equals the
    input and evaluation needs no rescaling: in eval mode (``model.eval()``) the layer is
    the identity.

    Parameters
    ----------
    p : float, default=0.5
        Probability of zeroing an element, in ``[0, 1]``. ``p=1`` zeroes everything (and
        every gradient), as in PyTorch.
    rng : None, int or numpy.random.Generator
        Seed of the masks. The generator lives on the layer (``self.rng``), so one seed
        gives the same sequence of masks.

    Notes
    -----
    With the mask ``m`` (1 where kept) drawn fresh at each call in training:

    .. math:: y = \\frac{m \\odot x}{1 - p},\\qquad
              \\frac{\\partial L}{\\partial x} = \\frac{m \\odot G}{1 - p}

    Plain text: y = x * mask / (1 - p); dx = dout * mask / (1 - p), with the same mask,
    which is kept on the call's context. In eval mode y = x and dx = dout.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> drop = nn.Dropout(0.5, rng=0)
    >>> out = drop(np.ones((2, 4))).data
    >>> sorted(set(out.ravel().tolist()))
    [0.0, 2.0]
    >>> drop.eval()(np.ones((1, 3))).data
    array([[1., 1., 1.]])
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"Dropout: p must be a number, got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:  # also refuses NaN
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)
        self.rng = _generator("Dropout", rng)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        if not self.training or self.p == 0.0:
            ctx.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.p
        # 1 / (1 - p) would divide by zero at p = 1, where nothing is kept anyway.
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        ctx.mask = keep.astype(x.dtype) * scale
        return x * ctx.mask

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout if ctx.mask is None else dout * ctx.mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Layer):
    """Batch normalisation over the batch axis, per feature (channel), as in PyTorch.

    In training each feature is normalised with the mean and (biased) variance of the
    batch, then scaled by ``weight`` and shifted by ``bias``; running estimates are
    updated as ``running = (1 - momentum) * running + momentum * batch_stat``, with the
    unbiased batch variance going into ``running_var``. In eval mode the running estimates
    are used instead (unless ``track_running_stats=False``: then batch statistics always).

    Parameters
    ----------
    num_features : int
        C, the size of axis 1 of the input ``(N, C)`` or ``(N, C, L)``.
    eps : float, default=1e-5
        Added to the variance before the square root.
    momentum : float, default=0.1
        Weight of the new batch in the running estimates, in ``[0, 1]``.
    affine : bool, default=True
        Learn ``weight`` (initialised to ones) and ``bias`` (zeros).
    track_running_stats : bool, default=True
        Keep ``running_mean`` (zeros) and ``running_var`` (ones) as Buffers, so they are in
        ``state_dict()``.
    dtype : float dtype, optional
        Dtype of parameters and buffers (default: ``mg.get_default_dtype()``).

    Raises
    ------
    ValueError
        In training when there is only one value per feature (PyTorch's "Expected more
        than 1 value per channel when training"): its variance is zero and the output
        would be all ``bias``. Also for an input that is not ``(N, C)`` or ``(N, C, L)``.

    Notes
    -----
    Training, with n values per feature, :math:`\\hat x = (x - \\mu) / \\sqrt{\\sigma^2 +
    \\epsilon}` and :math:`y = \\gamma \\hat x + \\beta`:

    .. math::
        \\frac{\\partial L}{\\partial x} = \\frac{1}{n \\sqrt{\\sigma^2 + \\epsilon}}
        \\Big(n\\,\\hat g - \\sum \\hat g - \\hat x \\sum \\hat g \\hat x\\Big),\\quad
        \\hat g = \\gamma G,\\quad
        \\frac{\\partial L}{\\partial \\gamma} = \\sum G \\hat x,\\quad
        \\frac{\\partial L}{\\partial \\beta} = \\sum G

    Plain text: dxhat = dout * weight; dx = inv_std / n * (n * dxhat - dxhat.sum() -
    xhat * (dxhat * xhat).sum()), sums over the batch (and length) axes; dweight =
    (dout * xhat).sum(); dbias = dout.sum(). In eval mode the statistics are constants, so
    dx = dout * weight * inv_std.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> out = bn(np.array([[1.0, 10.0], [3.0, 30.0]])).data
    >>> np.round(out, 3)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> bn.running_mean.data
    array([0.2, 2. ])
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype: Any = None,
                 ) -> None:
        layer = type(self).__name__  # BatchNorm2d shares this check
        if (isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer))
                or num_features < 1):
            raise ValueError(
                f"{layer}: num_features must be a positive integer, got {num_features!r}"
            )
        for name, value in (("eps", eps), ("momentum", momentum)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                                 np.floating)):
                raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
        if not 0 < eps < np.inf:  # also refuses NaN, and inf (which zeroes every output)
            raise ValueError(f"{layer}: eps must be a finite number > 0, got {eps!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{layer}: momentum must be in [0, 1], got {momentum!r}")
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = _float_dtype(layer, dtype)
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        if track_running_stats:
            self.running_mean: Buffer | None = Buffer(np.zeros(num_features), dtype=dtype)
            self.running_var: Buffer | None = Buffer(np.ones(num_features), dtype=dtype)
        else:
            self.running_mean = self.running_var = None
        self.dtype = dtype

    def _check(self, x: np.ndarray) -> tuple[int, ...]:
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d(num_features={self.num_features}) got input of shape {x.shape}: "
                f"expected (N, {self.num_features}) or (N, {self.num_features}, L)"
            )
        return (0,) if x.ndim == 2 else (0, 2)

    def forward(self, ctx: Context, x: np.ndarray,  # type: ignore[override]
                weight: np.ndarray | None = None, bias: np.ndarray | None = None
                ) -> np.ndarray:
        axes = self._check(x)
        dtype = weight.dtype if weight is not None else self.dtype
        if x.dtype != dtype:
            x = x.astype(dtype)  # the layer's dtype wins, as in Dense
        # Per-feature arrays broadcast against x as (1, C) or (1, C, 1).
        stat_shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        use_batch = self.training or self.running_mean is None
        if use_batch:
            n = x.size // self.num_features
            if n < 2:
                layer = type(self).__name__
                raise ValueError(
                    f"{layer}: expected more than 1 value per channel when training (or "
                    f"with track_running_stats=False), got input of shape {x.shape}"
                )
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)
            if self.training and self.running_mean is not None:
                self._update_running(mean.reshape(-1), var.reshape(-1) * (n / (n - 1)))
        else:
            assert self.running_mean is not None and self.running_var is not None
            mean = self.running_mean.data.reshape(stat_shape)
            var = self.running_var.data.reshape(stat_shape)
            centered = x - mean
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centered * inv_std
        ctx.batch_stats, ctx.axes, ctx.inv_std = use_batch, axes, inv_std
        ctx.x_hat = x_hat
        if weight is None:
            ctx.weight = None
            return x_hat
        assert bias is not None  # affine layers have both
        ctx.weight = weight.reshape(stat_shape)
        return x_hat * ctx.weight + bias.reshape(stat_shape)

    def _update_running(self, batch_mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        assert self.running_mean is not None and self.running_var is not None
        keep, new = 1.0 - self.momentum, self.momentum
        # In place, as PyTorch does: whoever holds `running_mean.data` sees live statistics.
        # Each write bumps the version, so a graph that saved the old statistics (a user's
        # `x * bn.running_mean`) refuses to backpropagate through the new ones.
        self.running_mean.data[...] = keep * self.running_mean.data + new * batch_mean
        bump_version(self.running_mean.data)
        self.running_var.data[...] = keep * self.running_var.data + new * unbiased_var
        bump_version(self.running_var.data)

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        axes, x_hat, inv_std = ctx.axes, ctx.x_hat, ctx.inv_std
        dx_hat = dout if ctx.weight is None else dout * ctx.weight
        dx = None
        if ctx.needs_grad(0):
            if ctx.batch_stats:
                n = dout.size // self.num_features
                dx = (inv_std / n) * (
                    n * dx_hat
                    - dx_hat.sum(axis=axes, keepdims=True)
                    - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)
                )
            else:
                dx = dx_hat * inv_std
        if ctx.weight is None:
            return dx
        dweight = (dout * x_hat).sum(axis=axes) if ctx.needs_grad(1) else None
        dbias = dout.sum(axis=axes) if ctx.needs_grad(2) else None
        return dx, dweight, dbias

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")
