"""Shrinkage activations: Tanhshrink, Softshrink and Hardshrink.

Softshrink and Hardshrink zero the band ``[-lambd, lambd]``; ``_lambd`` checks that
half-width and ``_shrink_kinks`` lists the kinks it makes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation, _real

__all__ = ["Hardshrink", "Softshrink", "Tanhshrink"]


class Tanhshrink(_Activation):
    r"""Tanhshrink ``x - tanh(x)``.

    Notes
    -----
    .. math:: f(x) = x - \tanh x, \qquad f'(x) = \tanh^2 x

    Plain text: y = x - tanh(x); dy/dx = tanh(x)**2. No kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Tanhshrink()(np.array([0.0, 1.0])).data
    array([0.        , 0.23840584])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        t = np.tanh(x)
        ctx.t = t
        return x - t

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        t = ctx.t
        return dout * (t * t)


def _shrink_kinks(lambd: float) -> tuple[float, ...]:
    return (0.0,) if lambd == 0.0 else (-lambd, lambd)


def _lambd(owner: str, lambd: Any) -> float:
    value = _real(owner, "lambd", lambd)
    if value < 0.0:
        raise ValueError(f"{owner}: lambd must be >= 0, got {value}")
    return value


class Softshrink(_Activation):
    r"""Soft shrinkage: moves x towards 0 by ``lambd`` and zeroes ``[-lambd, lambd]``.

    Parameters
    ----------
    lambd : float, default=0.5
        Half-width of the zeroed band; must be >= 0.

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\
               0 & \text{otherwise} \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}

    Plain text: y = x - clip(x, -lambd, lambd); dy/dx = 1 if |x| > lambd else 0. At the kinks
    x = -lambd and x = lambd the derivative is 0: PyTorch's backward zeroes the gradient on
    the closed band ``-lambd <= x <= lambd``. A NaN input gives NaN with gradient 0, as
    PyTorch's vectorized kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Softshrink()(np.array([-2.0, 0.3, 1.5])).data
    array([-1.5,  0. ,  1. ])
    """

    _hyper = (("lambd", 0.5),)

    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = _lambd(type(self).__name__, lambd)
        self.kinks = _shrink_kinks(self.lambd)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.outside = (x < -self.lambd) | (x > self.lambd)
        return x - np.clip(x, -self.lambd, self.lambd)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.outside, dout, 0.0)


class Hardshrink(_Activation):
    r"""Hard shrinkage: zeroes inputs in ``[-lambd, lambd]`` and keeps the rest.

    Parameters
    ----------
    lambd : float, default=0.5
        Half-width of the zeroed band; must be >= 0.

    Notes
    -----
    .. math::

        f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}

    Plain text: y = x if |x| > lambd else 0; dy/dx = 1 if |x| > lambd else 0. The function
    jumps at x = -lambd and x = lambd; there the derivative is 0, as in PyTorch's backward
    (zero on the closed band). NaN passes through with gradient 0, as in PyTorch's
    vectorized kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Hardshrink()(np.array([-2.0, 0.3, 0.5, 1.5])).data
    array([-2. ,  0. ,  0. ,  1.5])
    """

    _hyper = (("lambd", 0.5),)

    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = _lambd(type(self).__name__, lambd)
        self.kinks = _shrink_kinks(self.lambd)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        # The value zeroes "inside the band", so a NaN (which compares False with everything)
        # passes through instead of being zeroed out of sight; the gradient flows only where
        # x is outside the band, so not at a NaN. Both as in PyTorch.
        inside = (x >= -self.lambd) & (x <= self.lambd)
        ctx.outside = (x < -self.lambd) | (x > self.lambd)
        return np.where(inside, 0.0, x)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.outside, dout, 0.0)
