"""Smooth ReLU-like activations: Swish (alias SiLU), Mish and Softplus.

``_softplus`` is the overflow-free ``log(1 + e^z)`` that Mish and Softplus share.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation, _real
from minigrad.ops import sigmoid

__all__ = ["Mish", "SiLU", "Softplus", "Swish"]


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|), exp only of a value <= 0."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class Swish(_Activation):
    r"""Swish ``x * sigmoid(beta * x)``; with ``beta=1`` it is SiLU (``SiLU`` is this class).

    Parameters
    ----------
    beta : float, default=1.0
        Scale inside the sigmoid. PyTorch's ``nn.SiLU`` has no such parameter (it is the
        ``beta=1`` case, the seed's ``x * sigmoid(x)``).

    Notes
    -----
    .. math::

        f(x) = x\,\sigma(\beta x), \qquad
        f'(x) = \sigma(\beta x)\,\bigl(1 + \beta x\,(1 - \sigma(\beta x))\bigr)

    Plain text: s = sigmoid(beta*x); y = x*s; dy/dx = s * (1 + beta*x*(1 - s)). Uses the
    stable sigmoid. No kinks. As in PyTorch, ``-inf`` gives NaN (``-inf * 0``) and the
    gradient at ``+-inf`` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Swish()(np.array([-1.0, 0.0, 2.0])).data
    array([-0.26894142,  0.        ,  1.76159416])
    >>> nn.SiLU is nn.Swish
    True
    """

    kinks = ()
    _hyper = (("beta", 1.0),)

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = _real(type(self).__name__, "beta", beta)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        z = x * self.beta
        s = sigmoid(z)
        ctx.z, ctx.s = z, s
        # An infinite input gives NaN here (inf * 0), as in PyTorch: quietly, like a NaN input.
        with np.errstate(invalid="ignore"):
            return x * s

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        s = ctx.s
        with np.errstate(invalid="ignore"):  # as in forward
            return dout * (s * (1.0 + ctx.z * (1.0 - s)))


SiLU = Swish


class Mish(_Activation):
    r"""Mish: ``x * tanh(softplus(x))``.

    Notes
    -----
    .. math::

        f(x) = x \tanh(\operatorname{softplus}(x)), \qquad
        f'(x) = \tanh(\operatorname{softplus}(x))
              + x\,\sigma(x)\,\bigl(1 - \tanh^2(\operatorname{softplus}(x))\bigr)

    Plain text: t = tanh(log(1 + exp(x))); y = x*t; dy/dx = t + x*sigmoid(x)*(1 - t**2).
    The softplus is the stable ``max(x, 0) + log1p(exp(-|x|))``. No kinks. As in PyTorch,
    ``-inf`` gives NaN (``-inf * 0``) and the gradient at ``+-inf`` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Mish()(np.array([-1.0, 0.0, 1.0])).data
    array([-0.30340146,  0.        ,  0.86509839])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        t = np.tanh(_softplus(x))
        ctx.x, ctx.t = x, t
        # An infinite input gives NaN here (inf * 0), as in PyTorch: quietly, like a NaN input.
        with np.errstate(invalid="ignore"):
            return x * t

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x, t = ctx.x, ctx.t
        with np.errstate(invalid="ignore"):  # as in forward
            return dout * (t + x * sigmoid(x) * (1.0 - t * t))


class Softplus(_Activation):
    r"""Softplus ``log(1 + exp(beta * x)) / beta``, a smooth ReLU; linear above a threshold.

    Parameters
    ----------
    beta : float, default=1.0
        Sharpness; must not be 0.
    threshold : float, default=20.0
        Where ``beta * x > threshold`` the output is ``x`` itself (as in PyTorch).

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & \beta x > t \\
               \frac{1}{\beta}\log\left(1 + e^{\beta x}\right) & \text{otherwise}\end{cases},
        \qquad
        f'(x) = \begin{cases} 1 & \beta x > t \\ \sigma(\beta x) & \text{otherwise}\end{cases}

    Plain text: y = x if beta*x > threshold else log1p(exp(beta*x)) / beta;
    dy/dx = 1 if beta*x > threshold else sigmoid(beta*x). The log term is evaluated as
    ``max(z, 0) + log1p(exp(-|z|))`` so no threshold is needed for safety. At the threshold
    itself the formula branch is used (``f'(threshold/beta) = sigmoid(threshold)``), as in
    PyTorch; because the switch makes a jump of about ``exp(-threshold)/beta``,
    ``kinks = (threshold / beta,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Softplus()(np.array([0.0, 1.0, 30.0])).data
    array([ 0.69314718,  1.31326169, 30.        ])
    """

    _hyper = (("beta", 1.0), ("threshold", 20.0))

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        owner = type(self).__name__
        self.beta = _real(owner, "beta", beta)
        self.threshold = _real(owner, "threshold", threshold)
        if self.beta == 0.0:
            raise ValueError(f"{owner}: beta must be non-zero (it divides the output)")
        self.kinks = (self.threshold / self.beta,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        z = x * self.beta
        linear = z > self.threshold
        ctx.z, ctx.linear = z, linear
        return np.where(linear, x, _softplus(z) / self.beta)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.linear, dout, dout * sigmoid(ctx.z))
