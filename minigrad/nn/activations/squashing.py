"""S-shaped squashing activations: Sigmoid, Tanh, LogSigmoid and Softsign.

Sigmoid, Tanh and Softsign map the real line into a bounded interval; LogSigmoid is the log
of the sigmoid, computed so that it stays finite where the sigmoid underflows. All four are
smooth: none has kinks.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation
from minigrad.ops import sigmoid

__all__ = ["LogSigmoid", "Sigmoid", "Softsign", "Tanh"]


class Sigmoid(_Activation):
    r"""Logistic sigmoid, squashing any input into (0, 1).

    Notes
    -----
    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))

    Plain text: y = 1 / (1 + exp(-x)); dy/dx = y * (1 - y). The forward never exponentiates
    a positive number (``e^x / (1 + e^x)`` is used for x < 0), so ``Sigmoid(-1000) = 0``
    without an overflow warning; the backward uses the saved output. No kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Sigmoid()(np.array([0.0, 2.0, -1000.0])).data
    array([0.5       , 0.88079708, 0.        ])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        out = sigmoid(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        out = ctx.out
        return dout * out * (1.0 - out)


class Tanh(_Activation):
    r"""Hyperbolic tangent, squashing any input into (-1, 1).

    Notes
    -----
    .. math:: f(x) = \tanh x, \qquad f'(x) = 1 - \tanh^2 x

    Plain text: y = tanh(x); dy/dx = 1 - y**2 (from the saved output). No kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Tanh()(np.array([0.0, 1.0])).data
    array([0.        , 0.76159416])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        out = np.tanh(x)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        out = ctx.out
        return dout * (1.0 - out * out)


class LogSigmoid(_Activation):
    r"""Logarithm of the sigmoid, finite even where the sigmoid underflows to 0.

    Notes
    -----
    .. math::

        f(x) = \log\sigma(x) = -\operatorname{softplus}(-x)
             = \min(x, 0) - \log\left(1 + e^{-|x|}\right),
        \qquad f'(x) = \sigma(-x) = 1 - \sigma(x)

    Plain text: y = min(x, 0) - log1p(exp(-|x|)); dy/dx = sigmoid(-x). The derivative is
    evaluated as ``sigmoid(-x)`` rather than ``1 - exp(y)``, which would cancel for large x.
    No kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.LogSigmoid()(np.array([0.0, -1000.0])).data
    array([-6.93147181e-01, -1.00000000e+03])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.x = x
        return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * sigmoid(-ctx.x)


class Softsign(_Activation):
    r"""Softsign ``x / (1 + |x|)``, a slowly saturating squashing function.

    Notes
    -----
    .. math:: f(x) = \frac{x}{1 + |x|}, \qquad f'(x) = \frac{1}{(1 + |x|)^2}

    Plain text: y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)**2, computed as two divisions so
    the square cannot overflow. The derivative is continuous (1 at 0): no kinks. As
    PyTorch's ``x / (1 + |x|)``, ``+-inf`` gives NaN (inf / inf), and so does its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Softsign()(np.array([-3.0, 0.0, 1.0])).data
    array([-0.75,  0.  ,  0.5 ])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        denominator = 1.0 + np.abs(x)
        # inf / inf is NaN, as PyTorch's x / (1 + |x|): quietly, like a NaN input.
        with np.errstate(invalid="ignore"):
            out = x / denominator
        ctx.denominator, ctx.out = denominator, out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        denominator, out = ctx.denominator, ctx.out
        dx = dout / denominator / denominator
        # Where the value is NaN (a NaN or infinite input) so is the gradient, as in PyTorch;
        # 1 / inf**2 alone would say 0.
        return np.where(np.isnan(out), out, dx)
