"""Exponential linear units: ELU, SELU and CELU.

Each is ``x`` for positive inputs and a scaled ``expm1`` below; ``exp`` only ever sees
``min(x, 0)``, so no input can overflow it.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation, _real

__all__ = ["CELU", "ELU", "SELU"]


class ELU(_Activation):
    r"""Exponential linear unit: ``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    alpha : float, default=1.0
        Value that the output approaches as x goes to minus infinity is ``-alpha``.

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}

    Plain text: y = x if x > 0 else alpha*expm1(x); dy/dx = 1 if x > 0 else alpha*exp(x).
    ``exp`` only ever sees ``min(x, 0)``, so large inputs cannot overflow. The derivative is
    recomputed from x rather than as ``y + alpha``, which loses all relative accuracy for
    very negative x. At x = 0 the derivative is ``alpha`` (PyTorch's ``x <= 0`` branch);
    for ``alpha != 1`` that is a kink.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.ELU()(np.array([-1.0, 0.0, 2.0])).data
    array([-0.63212056,  0.        ,  2.        ])
    """

    _hyper = (("alpha", 1.0),)

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _real(type(self).__name__, "alpha", alpha)
        self.kinks = () if self.alpha == 1.0 else (0.0,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        positive = x > 0.0
        ctx.positive, ctx.x = positive, x
        return np.where(positive, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        negative_slope = self.alpha * np.exp(np.minimum(ctx.x, 0.0))
        return np.where(ctx.positive, dout, dout * negative_slope)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class SELU(_Activation):
    r"""Scaled ELU with the self-normalising constants of Klambauer et al. (2017).

    Notes
    -----
    With :math:`\alpha = 1.6732632423543772848` and :math:`\lambda = 1.0507009873554804934`
    (PyTorch's constants):

    .. math::

        f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases},
        \qquad
        f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}

    Plain text: y = scale * (x if x > 0 else alpha*expm1(x));
    dy/dx = scale * (1 if x > 0 else alpha*exp(x)). ``exp`` only sees ``min(x, 0)``. At the
    kink x = 0 the derivative is ``scale * alpha`` (about 1.7581), as PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.SELU()(np.array([-1.0, 0.0, 1.0])).data
    array([-1.11133074,  0.        ,  1.05070099])
    """

    kinks = (0.0,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        positive = x > 0.0
        ctx.positive, ctx.x = positive, x
        return _SELU_SCALE * np.where(positive, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        negative_slope = (_SELU_SCALE * _SELU_ALPHA) * np.exp(np.minimum(ctx.x, 0.0))
        return np.where(ctx.positive, dout * _SELU_SCALE, dout * negative_slope)


class CELU(_Activation):
    r"""Continuously differentiable ELU: ``x`` for positive x, ``alpha*(exp(x/alpha) - 1)`` else.

    Parameters
    ----------
    alpha : float, default=1.0
        Must be positive. (PyTorch also accepts negative values, for which
        ``exp(x / alpha)`` overflows as x goes to minus infinity; they are refused here.)

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x/\alpha} - 1) & x \le 0 \end{cases},
        \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}

    Plain text: y = x if x > 0 else alpha*expm1(x/alpha);
    dy/dx = 1 if x > 0 else exp(x/alpha). ``exp`` only sees ``min(x, 0) / alpha <= 0``.
    The derivative is continuous (1 at x = 0 from both sides), so there are no kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.CELU(alpha=2.0)(np.array([-2.0, 1.0])).data
    array([-1.26424112,  1.        ])
    """

    kinks = ()
    _hyper = (("alpha", 1.0),)

    def __init__(self, alpha: float = 1.0) -> None:
        owner = type(self).__name__
        self.alpha = _real(owner, "alpha", alpha)
        if self.alpha <= 0.0:
            raise ValueError(f"{owner}: alpha must be positive, got {self.alpha}")

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        positive = x > 0.0
        scaled = np.minimum(x, 0.0) / self.alpha
        ctx.positive, ctx.scaled = positive, scaled
        return np.where(positive, x, self.alpha * np.expm1(scaled))

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.positive, dout, dout * np.exp(ctx.scaled))
