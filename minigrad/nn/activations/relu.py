"""The ReLU family: ReLU, LeakyReLU, PReLU (a learned slope) and Threshold.

Each passes the inputs above a point (0, or ``threshold``) through unchanged and replaces
the rest by a line or a constant, so each has at most one kink, at that point.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import get_default_dtype
from minigrad.nn.activations.base import _REQUIRED, _Activation, _real
from minigrad.nn.module import Parameter

__all__ = ["LeakyReLU", "PReLU", "ReLU", "Threshold"]


class ReLU(_Activation):
    r"""Rectified linear unit ``max(x, 0)``.

    Notes
    -----
    .. math::

        f(x) = \max(x, 0), \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Plain text: y = max(x, 0); dy/dx = 1 if x > 0 else 0. At the kink ``ReLU'(0) = 0``,
    as in PyTorch. A NaN input gives NaN and passes its gradient through, as PyTorch's
    ``threshold_backward`` (which zeroes the gradient only where x <= 0).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.ReLU()(np.array([-1.0, 0.0, 2.0])).data
    array([0., 0., 2.])
    """

    kinks = (0.0,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        # The output is saved, not a mask: the next layer keeps it alive anyway (a Dense
        # saves its input), so forward is one NumPy call, as in hand-written code.
        out = np.maximum(x, 0.0)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        # The mask is read off the output, as PyTorch's threshold_backward does: out is
        # x > 0 ? x : 0, or NaN for a NaN input, which passes its gradient as in PyTorch.
        # Arithmetic on the mask, not np.where: on a random sign pattern np.where is several
        # times slower (it branches per element), and ReLU sits in every hot MLP.
        return dout * (ctx.out != 0.0)


class LeakyReLU(_Activation):
    r"""Leaky ReLU: ``x`` for positive inputs, ``alpha * x`` otherwise.

    Parameters
    ----------
    alpha : float, default=0.1
        Slope for inputs <= 0. The default is the seed article's; PyTorch's
        ``nn.LeakyReLU`` calls it ``negative_slope`` and defaults to 0.01.

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    Plain text: y = x if x > 0 else alpha*x; dy/dx = 1 if x > 0 else alpha. At the kink
    ``LeakyReLU'(0) = alpha``, as PyTorch's backward (``x > 0 ? dout : dout * slope``).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.LeakyReLU()(np.array([-2.0, 0.0, 3.0])).data
    array([-0.2,  0. ,  3. ])
    >>> nn.LeakyReLU(alpha=0.2)
    LeakyReLU(alpha=0.2)
    """

    _hyper = (("alpha", 0.1),)

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = _real(type(self).__name__, "alpha", alpha)
        self.kinks = () if self.alpha == 1.0 else (0.0,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        positive = x > 0.0
        ctx.positive = positive
        return np.where(positive, x, x * self.alpha)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.positive, dout, dout * self.alpha)


class PReLU(_Activation):
    r"""Parametric ReLU: a leaky ReLU whose negative slope ``weight`` is learned.

    Parameters
    ----------
    num_parameters : int, default=1
        1 for one slope shared by all inputs, or the number of channels C: then input axis 1
        must have size C and each channel gets its own slope (as in PyTorch).
    init : float, default=0.25
        Initial value of every slope.
    dtype : float dtype, optional
        dtype of ``weight`` (default: ``mg.get_default_dtype()``).

    Attributes
    ----------
    weight : Parameter
        The slopes, shape ``(num_parameters,)``; found by ``named_parameters()`` as
        ``"weight"``.

    Notes
    -----
    With :math:`a` the slope of the element's channel:

    .. math::

        f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}, \qquad
        \frac{\partial f}{\partial x} = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases},
        \qquad
        \frac{\partial f}{\partial a} = \begin{cases} 0 & x > 0 \\ x & x \le 0 \end{cases}

    Plain text: y = x if x > 0 else a*x; dy/dx = 1 if x > 0 else a; dy/da = 0 if x > 0
    else x. ``dweight`` sums ``dout * dy/da`` over every axis but the channel axis. At the
    kink ``f'(0) = a``, as PyTorch. The computation runs in the dtype of ``x`` (the slopes
    are cast to it) and ``dweight`` comes back in the dtype of ``weight``.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.PReLU()(np.array([-2.0, 1.0])).data
    array([-0.5,  1. ])
    >>> [name for name, _ in nn.PReLU(num_parameters=3).named_parameters()]
    ['weight']
    """

    kinks = (0.0,)
    _hyper = (("init", 0.25),)

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        owner = type(self).__name__
        if (isinstance(num_parameters, bool) or not isinstance(num_parameters, (int, np.integer))
                or num_parameters < 1):
            raise ValueError(
                f"{owner}: num_parameters must be a positive integer, got {num_parameters!r}"
            )
        self.init = _real(owner, "init", init)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if dtype.kind != "f":
            raise TypeError(f"{owner}: dtype must be a float dtype, got {dtype}")
        # The count is not stored as ``self.num_parameters``: that name is Module's method
        # counting trainable numbers. ``weight.shape[0]`` is the single source of truth.
        self.weight = Parameter(np.full(int(num_parameters), self.init), dtype=dtype)

    def extra_repr(self) -> str:
        channels = self.weight.shape[0]
        shown = [f"num_parameters={channels}"] if channels != 1 else []
        rest = super().extra_repr()
        return ", ".join(shown + ([rest] if rest else []))

    def _slope(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        slope = weight.astype(x.dtype, copy=False)
        channels = slope.shape[0]
        if channels == 1:
            return slope.reshape(())
        if x.ndim < 2 or x.shape[1] != channels:
            raise ValueError(
                f"PReLU(num_parameters={channels}) got input of shape {x.shape}: expected "
                f"(N, {channels}, ...), one slope per entry of axis 1"
            )
        return slope.reshape((1, channels) + (1,) * (x.ndim - 2))

    def forward(  # type: ignore[override]
        self, ctx: Context, x: np.ndarray, weight: np.ndarray
    ) -> np.ndarray:
        slope = self._slope(x, weight)
        positive = x > 0.0
        ctx.positive, ctx.slope = positive, slope
        ctx.x = x if ctx.needs_grad(1) else None
        ctx.weight_dtype = weight.dtype
        return np.where(positive, x, x * slope)

    def backward(self, ctx: Context, dout: np.ndarray) -> tuple[Any, Any]:
        positive, slope = ctx.positive, ctx.slope
        dx = np.where(positive, dout, dout * slope) if ctx.needs_grad(0) else None
        dweight = None
        if ctx.needs_grad(1):
            # An infinite input makes dweight NaN (inf * 0, or inf - inf in the sum), as in
            # PyTorch; quietly, like a NaN input would.
            with np.errstate(invalid="ignore"):
                per_element = np.where(positive, 0.0, ctx.x * dout)
                if slope.ndim == 0:
                    dweight = per_element.sum().reshape(1)
                else:
                    axes = (0,) + tuple(range(2, per_element.ndim))
                    dweight = per_element.sum(axis=axes)
            dweight = dweight.astype(ctx.weight_dtype, copy=False)
        return dx, dweight


class Threshold(_Activation):
    r"""Threshold: keeps ``x`` above ``threshold`` and replaces the rest by ``value``.

    Parameters
    ----------
    threshold : float
        Inputs ``<= threshold`` are replaced. Required, as in PyTorch.
    value : float
        The replacement. Required, as in PyTorch.

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & x > t \\ v & x \le t \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > t \\ 0 & x \le t \end{cases}

    Plain text: y = x if x > threshold else value; dy/dx = 1 if x > threshold else 0. At the
    kink x = threshold the derivative is 0, as PyTorch's ``threshold_backward``. Only inputs
    ``<= threshold`` are replaced, so a NaN stays NaN and passes its gradient, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> layer = nn.Threshold(0.1, 20.0)
    >>> layer(np.array([-1.0, 0.1, 2.0, np.nan])).data
    array([20., 20.,  2., nan])
    >>> layer
    Threshold(threshold=0.1, value=20.0)
    """

    _hyper = (("threshold", _REQUIRED), ("value", _REQUIRED))

    def __init__(self, threshold: float, value: float) -> None:
        owner = type(self).__name__
        self.threshold = _real(owner, "threshold", threshold)
        self.value = _real(owner, "value", value)
        self.kinks = (self.threshold,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        # "x <= threshold" picks what is replaced: NaN compares False, so it is kept.
        replaced = x <= self.threshold
        ctx.replaced = replaced
        return np.where(replaced, self.value, x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.replaced, 0.0, dout)
