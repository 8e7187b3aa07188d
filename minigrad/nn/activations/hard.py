"""Piecewise-linear "hard" activations: Hardtanh, ReLU6, HardSigmoid and HardSwish.

Cheap stand-ins for tanh, sigmoid and swish built by clipping (MobileNet's); each has a
kink at both ends of its linear part.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation, _real

__all__ = ["HardSigmoid", "HardSwish", "Hardtanh", "ReLU6"]


class Hardtanh(_Activation):
    r"""Hard tanh: ``x`` clipped to ``[min_val, max_val]``.

    Parameters
    ----------
    min_val : float, default=-1.0
        Lower bound.
    max_val : float, default=1.0
        Upper bound; must be greater than ``min_val``.

    Notes
    -----
    .. math::

        f(x) = \min(\max(x, a), b), \qquad
        f'(x) = \begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}

    Plain text: y = clip(x, min_val, max_val); dy/dx = 1 if min_val < x < max_val else 0.
    At both kinks the derivative is 0, as in PyTorch. A NaN input gives NaN with gradient 0,
    as PyTorch's vectorized kernel (its scalar loop, used for the last few elements of a
    tensor, passes the gradient instead).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Hardtanh()(np.array([-3.0, 0.5, 3.0])).data
    array([-1. ,  0.5,  1. ])
    """

    # Annotated so that ReLU6 may narrow it to ().
    _hyper: ClassVar[tuple[tuple[str, Any], ...]] = (("min_val", -1.0), ("max_val", 1.0))

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        owner = type(self).__name__
        self.min_val = _real(owner, "min_val", min_val)
        self.max_val = _real(owner, "max_val", max_val)
        if not self.min_val < self.max_val:
            raise ValueError(
                f"{owner}: min_val must be less than max_val, got min_val={self.min_val}, "
                f"max_val={self.max_val}"
            )
        self.kinks = (self.min_val, self.max_val)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.inside = (x > self.min_val) & (x < self.max_val)
        return np.clip(x, self.min_val, self.max_val)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.inside, dout, 0.0)


class ReLU6(Hardtanh):
    r"""ReLU capped at 6: ``min(max(x, 0), 6)`` (MobileNetV2; the seed's ``relu6``).

    Notes
    -----
    .. math::

        f(x) = \min(\max(x, 0), 6), \qquad
        f'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}

    Plain text: y = min(max(x, 0), 6); dy/dx = 1 if 0 < x < 6 else 0. At both kinks the
    derivative is 0 (``ReLU6'(0) = ReLU6'(6) = 0``), as in PyTorch. It is ``Hardtanh(0, 6)``.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.ReLU6()(np.array([-1.0, 3.0, 8.0])).data
    array([0., 3., 6.])
    """

    _hyper = ()

    def __init__(self) -> None:
        super().__init__(0.0, 6.0)


class HardSigmoid(_Activation):
    r"""Hard sigmoid ``ReLU6(x + 3) / 6``, a piecewise-linear sigmoid.

    Notes
    -----
    .. math::

        f(x) = \frac{\min(\max(x + 3, 0), 6)}{6}, \qquad
        f'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}

    Plain text: y = relu6(x + 3) / 6; dy/dx = 1/6 if -3 < x < 3 else 0. At both kinks
    (x = -3 and x = 3) the derivative is 0, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.HardSigmoid()(np.array([-4.0, 0.0, 1.5])).data
    array([0.  , 0.5 , 0.75])
    """

    kinks = (-3.0, 3.0)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.inside = (x > -3.0) & (x < 3.0)
        return np.clip(x + 3.0, 0.0, 6.0) / 6.0

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.inside, dout / 6.0, 0.0)


class HardSwish(_Activation):
    r"""Hard swish ``x * ReLU6(x + 3) / 6`` (MobileNetV3; the seed's h-swish).

    Notes
    -----
    .. math::

        f(x) = x\,\frac{\min(\max(x + 3, 0), 6)}{6}, \qquad
        f'(x) = \begin{cases} 0 & x \le -3 \\ \frac{x}{3} + \frac{1}{2} & -3 < x < 3 \\
                1 & x \ge 3 \end{cases}

    Plain text: y = x * relu6(x + 3) / 6; dy/dx = 0 if x <= -3, x/3 + 1/2 if -3 < x < 3,
    1 if x >= 3. At the kinks ``HardSwish'(-3) = 0`` and ``HardSwish'(3) = 1``, as in
    PyTorch (the limits from inside (-3, 3) would be -1/2 and 3/2). A NaN input gives a NaN
    value and gradient, and ``-inf`` gives NaN (``-inf * 0``), as PyTorch's vectorized
    kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.HardSwish()(np.array([-4.0, 1.0, 4.0])).data
    array([-0.        ,  0.66666667,  4.        ])
    """

    kinks = (-3.0, 3.0)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.x = x
        # -inf * 0 is NaN, as in PyTorch: quietly, like a NaN input.
        with np.errstate(invalid="ignore"):
            return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x = ctx.x
        # The middle branch is the fallback, so a NaN input gets a NaN slope.
        slope = np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, x / 3.0 + 0.5))
        return dout * slope
