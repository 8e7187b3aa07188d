r"""Every activation as a Layer with a hand-written forward and backward, plus a name registry.

Each class computes on plain NumPy arrays: ``forward(ctx, x)`` saves what the derivative
needs on the per-call ``ctx`` and ``backward(ctx, dout)`` returns ``dx`` (``(dx, dweight)``
for :class:`PReLU`), so one object can be used many times in one graph and can be driven by
hand. Conventions shared by all of them:

* numerically stable forms: ``exp`` is only taken of arguments that cannot overflow, so no
  ``RuntimeWarning`` and no NaN/inf appear in forward or backward for finite inputs (tested
  at ``|x| = 1e4`` in float32 and float64);
* derivatives at kinks follow PyTorch's backward formulas; each class states its choice;
* the dtype of ``x`` is the dtype of the output and of ``dx`` (constants are Python floats);
* ``kinks`` lists the inputs where the derivative jumps, so tests and gradient checks can
  keep finite differences away from them.

:func:`get_activation` builds an activation from its snake_case name (``"leaky_relu"``),
:func:`activation_names` lists the names and :func:`register_activation` adds a user's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.module import Layer, Parameter
from minigrad.ops import sigmoid
from minigrad.tensor import get_default_dtype

__all__ = [
    "CELU", "ELU", "GELU", "HardSigmoid", "HardSwish", "Hardshrink", "Hardtanh", "Identity",
    "LeakyReLU", "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU6", "SELU", "SiLU",
    "Sigmoid", "Softmax", "Softmin", "Softplus", "Softshrink", "Softsign", "Swish", "Tanh",
    "Tanhshrink", "Threshold", "activation_names", "get_activation", "register_activation",
]

_REQUIRED = object()  # marks a hyper-parameter without a default in ``_hyper``


# --------------------------------------------------------------------------- helpers


def _real(owner: str, name: str, value: Any) -> float:
    """A finite real hyper-parameter as a Python float (a NumPy float64 would upcast float32)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be finite, got {number}")
    return number


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|), exp only of a value <= 0."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class _Activation(Layer):
    """Shared by the activations: ``kinks`` and an ``extra_repr`` of non-default settings."""

    #: Inputs where the derivative is discontinuous (set per instance when it depends on
    #: the hyper-parameters); finite-difference checks keep away from them.
    kinks: tuple[float, ...] = ()
    #: ``(name, default)`` of each hyper-parameter, in signature order, for ``repr``.
    _hyper: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def extra_repr(self) -> str:
        shown = []
        for name, default in self._hyper:
            value = getattr(self, name)
            if default is _REQUIRED or value != default:
                shown.append(f"{name}={value!r}")
        return ", ".join(shown)


# --------------------------------------------------------------------------- identity


class Identity(_Activation):
    r"""The identity: returns its input unchanged (the seed's output layer for regression).

    Notes
    -----
    .. math:: f(x) = x, \qquad f'(x) = 1

    Plain text: f(x) = x; f'(x) = 1, so dx = dout. No kinks. The output is the input array
    itself (no copy), as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Identity()(np.array([-1.5, 2.0])).data
    array([-1.5,  2. ])
    """

    kinks = ()

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        return x

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout


# --------------------------------------------------------------------------- sigmoid family


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
    stable sigmoid. No kinks.

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
        return x * s

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        s = ctx.s
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
    The softplus is the stable ``max(x, 0) + log1p(exp(-|x|))``. No kinks.

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
        return x * t

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x, t = ctx.x, ctx.t
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


# --------------------------------------------------------------------------- ReLU family


class ReLU(_Activation):
    r"""Rectified linear unit ``max(x, 0)``.

    Notes
    -----
    .. math::

        f(x) = \max(x, 0), \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Plain text: y = max(x, 0); dy/dx = 1 if x > 0 else 0. At the kink ``ReLU'(0) = 0``,
    as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.ReLU()(np.array([-1.0, 0.0, 2.0])).data
    array([0., 0., 2.])
    """

    kinks = (0.0,)

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        # Arithmetic on the mask, not np.where: on a random sign pattern np.where is several
        # times slower here (it branches per element), and ReLU sits in every hot MLP.
        ctx.positive = x > 0.0
        return np.maximum(x, 0.0)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout * ctx.positive


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
            per_element = np.where(positive, 0.0, ctx.x * dout)
            if slope.ndim == 0:
                dweight = per_element.sum().reshape(1)
            else:
                axes = (0,) + tuple(range(2, per_element.ndim))
                dweight = per_element.sum(axis=axes)
            dweight = dweight.astype(ctx.weight_dtype, copy=False)
        return dx, dweight


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
    At both kinks the derivative is 0, as in PyTorch.

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
    PyTorch (the limits from inside (-3, 3) would be -1/2 and 3/2).

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
        return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x = ctx.x
        slope = np.where(x <= -3.0, 0.0, np.where(x < 3.0, x / 3.0 + 0.5, 1.0))
        return dout * slope


# --------------------------------------------------------------------------- exponential units


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


# --------------------------------------------------------------------------- GELU

_SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_GELU_CUBIC = 0.044715
# Beyond |x| = 40 the normal density exp(-x^2/2) is exactly 0.0 even in float64, and beyond
# |x| = 30 the tanh form's sigmoid(2u) is exactly 0 or 1: clipping there changes no value but
# keeps x*x and x**3 from overflowing for huge inputs.
_PDF_CLIP = 40.0
_TANH_CLIP = 30.0

_erfc_impl: Callable[[np.ndarray], np.ndarray] | None = None


def _erfc(z: np.ndarray) -> np.ndarray:
    """SciPy's erfc when SciPy is installed (imported on first use), else minigrad's own."""
    global _erfc_impl
    if _erfc_impl is None:
        try:
            from scipy.special import erfc as scipy_erfc
        except ImportError:
            from minigrad.nn.erf import erfc as own_erfc

            _erfc_impl = own_erfc
        else:
            _erfc_impl = scipy_erfc
    return _erfc_impl(z)


class GELU(_Activation):
    r"""Gaussian error linear unit ``x * Phi(x)``, exactly or by the tanh approximation.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default="none"
        ``"none"``: the exact ``x * Phi(x)`` (Phi the standard normal CDF, through erfc);
        ``"tanh"``: Hendrycks & Gimpel's ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Notes
    -----
    Exact, with :math:`\Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2)` and
    :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`:

    .. math:: f(x) = x\,\Phi(x), \qquad f'(x) = \Phi(x) + x\,\varphi(x)

    Plain text: y = x * 0.5 * erfc(-x / sqrt(2)); dy/dx = Phi(x) + x * exp(-x**2/2) /
    sqrt(2*pi). erfc (rather than ``1 + erf``) keeps the tiny negative tail accurate.
    ``scipy.special.erfc`` is used when SciPy is installed, else :func:`minigrad.nn.erf.erfc`.

    Tanh approximation, with :math:`u = \sqrt{2/\pi}\,(x + 0.044715 x^3)` and
    :math:`s = \sigma(2u) = \tfrac12 (1 + \tanh u)`:

    .. math::

        f(x) = x\,s, \qquad
        f'(x) = s + 2 x\,s\,(1 - s)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)

    Plain text: y = 0.5*x*(1 + tanh(u)) = x*sigmoid(2u); dy/dx = s + 2*x*s*(1 - s)*du/dx.
    The sigmoid form is the same function, evaluated without cancellation for negative x.
    Both forms are smooth: no kinks.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.GELU()(np.array([-1.0, 0.0, 1.0])).data
    array([-0.15865525,  0.        ,  0.84134475])
    >>> nn.GELU(approximate="tanh")(np.array([1.0])).data
    array([0.84119199])
    """

    kinks = ()
    _hyper = (("approximate", "none"),)

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(
                f"{type(self).__name__}: approximate must be 'none' or 'tanh', got {approximate!r}"
            )
        self.approximate = approximate

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        ctx.x = x
        if self.approximate == "tanh":
            clipped = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
            u = _SQRT_2_OVER_PI * (clipped + _GELU_CUBIC * (clipped * clipped * clipped))
            s = sigmoid(2.0 * u)
            ctx.clipped, ctx.s = clipped, s
            return x * s
        cdf = 0.5 * _erfc(-x * _SQRT_HALF)
        ctx.cdf = cdf
        return x * cdf

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x = ctx.x
        if self.approximate == "tanh":
            clipped, s = ctx.clipped, ctx.s
            du = _SQRT_2_OVER_PI * (1.0 + (3.0 * _GELU_CUBIC) * (clipped * clipped))
            return dout * (s + 2.0 * x * s * (1.0 - s) * du)
        t = np.minimum(np.abs(x), _PDF_CLIP)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * (t * t))
        return dout * (ctx.cdf + x * pdf)


# --------------------------------------------------------------------------- odds and ends


class Softsign(_Activation):
    r"""Softsign ``x / (1 + |x|)``, a slowly saturating squashing function.

    Notes
    -----
    .. math:: f(x) = \frac{x}{1 + |x|}, \qquad f'(x) = \frac{1}{(1 + |x|)^2}

    Plain text: y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)**2, computed as two divisions so
    the square cannot overflow. The derivative is continuous (1 at 0): no kinks.

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
        ctx.denominator = denominator
        return x / denominator

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        denominator = ctx.denominator
        return dout / denominator / denominator


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
    the closed band ``-lambd <= x <= lambd``.

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
    (zero on the closed band). NaN passes through, as in PyTorch.

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
        # Written as "not inside the band" so that NaN, which compares False with everything,
        # passes through (as in PyTorch) instead of being zeroed out of sight.
        outside = ~((x >= -self.lambd) & (x <= self.lambd))
        ctx.outside = outside
        return np.where(outside, x, 0.0)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.outside, dout, 0.0)


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
    kink x = threshold the derivative is 0, as PyTorch's ``threshold_backward``.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> layer = nn.Threshold(0.1, 20.0)
    >>> layer(np.array([-1.0, 0.1, 2.0])).data
    array([20., 20.,  2.])
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
        above = x > self.threshold
        ctx.above = above
        return np.where(above, x, self.value)

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return np.where(ctx.above, dout, 0.0)


# --------------------------------------------------------------------------- softmax family


class _AxisActivation(_Activation):
    """An activation that normalises along one axis (softmax and friends)."""

    kinks = ()
    _hyper = (("axis", -1),)

    def __init__(self, axis: int = -1) -> None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def _check(self, x: np.ndarray) -> None:
        name = f"{type(self).__name__}(axis={self.axis})"
        if x.ndim == 0:
            raise ValueError(
                f"{name} got a 0-d input: it normalises along an axis, so the input needs "
                "at least one dimension"
            )
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(
                f"{name} got input of shape {x.shape}: axis {self.axis} is out of range for "
                f"{x.ndim} dimension(s)"
            )


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # Subtracting the maximum leaves the result unchanged and makes every exponent <= 0,
    # so nothing overflows (the seed's fix for softmax([1010, 1020, ...])).
    shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_backward(out: np.ndarray, dout: np.ndarray, axis: int) -> np.ndarray:
    return out * (dout - (dout * out).sum(axis=axis, keepdims=True))


class Softmax(_AxisActivation):
    r"""Softmax along ``axis``: positive outputs that sum to 1 (class probabilities).

    Parameters
    ----------
    axis : int, default=-1
        The axis normalised over (PyTorch calls it ``dim`` and has no default).

    Notes
    -----
    .. math::

        y_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j, \qquad
        \frac{\partial L}{\partial x_i} = y_i\Bigl(g_i - \sum_j g_j y_j\Bigr)

    Plain text: y = exp(x - max(x)) / sum(exp(x - max(x))); the Jacobian is
    diag(y) - y y^T, so dx = y * (dout - sum(dout * y, axis)), where g = dout. No kinks.
    The input needs at least one dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Softmax()(np.array([0.5, 2.8, 5.0, 1.0, 3.0])).data
    array([0.00870909, 0.08686608, 0.7839675 , 0.01435887, 0.10609846])
    >>> nn.Softmax()(np.array([1010.0, 1020.0, 1000.0, 990.0, 1050.0])).data
    array([4.24835426e-18, 9.35762297e-14, 1.92874985e-22, 8.75651076e-27, 1.00000000e+00])
    """

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        self._check(x)
        out = _softmax(x, self.axis)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return _softmax_backward(ctx.out, dout, self.axis)


class Softmin(_AxisActivation):
    r"""Softmin along ``axis``: ``softmax(-x)``, largest weight on the smallest input.

    Parameters
    ----------
    axis : int, default=-1
        The axis normalised over (PyTorch calls it ``dim`` and has no default).

    Notes
    -----
    .. math::

        y = \operatorname{softmax}(-x), \qquad
        \frac{\partial L}{\partial x_i} = -y_i\Bigl(g_i - \sum_j g_j y_j\Bigr)

    Plain text: y = softmax(-x); dx = -y * (dout - sum(dout * y, axis)). Computed with the
    same max subtraction as :class:`Softmax`. No kinks. The input needs at least one
    dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.Softmin()(np.array([0.0, 1.0])).data
    array([0.73105858, 0.26894142])
    """

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        self._check(x)
        out = _softmax(-x, self.axis)
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return -_softmax_backward(ctx.out, dout, self.axis)


class LogSoftmax(_AxisActivation):
    r"""Log of the softmax along ``axis``, by log-sum-exp; finite where softmax underflows.

    Parameters
    ----------
    axis : int, default=-1
        The axis normalised over (PyTorch calls it ``dim`` and has no default).

    Notes
    -----
    .. math::

        y_i = x_i - m - \log\sum_j e^{x_j - m},\ m = \max_j x_j, \qquad
        \frac{\partial L}{\partial x_i} = g_i - \operatorname{softmax}(x)_i \sum_j g_j

    Plain text: y = (x - max) - log(sum(exp(x - max))); dx = dout - exp(y) * sum(dout, axis).
    No kinks. The input needs at least one dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> nn.LogSoftmax()(np.array([0.0, 0.0])).data
    array([-0.69314718, -0.69314718])
    >>> nn.LogSoftmax()(np.array([0.0, -1000.0])).data
    array([    0., -1000.])
    """

    def forward(self, ctx: Context, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        self._check(x)
        shifted = x - x.max(axis=self.axis, keepdims=True, initial=-np.inf)
        out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout - np.exp(ctx.out) * dout.sum(axis=self.axis, keepdims=True)


# --------------------------------------------------------------------------- registry

_NAMES: dict[str, type[Layer]] = {}  # every accepted name (canonical or alias) -> class
_CANONICAL: set[str] = set()


def _normalise(name: Any, where: str) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"{where}: expected an activation name such as 'relu', got {type(name).__name__}"
        )
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def activation_names() -> list[str]:
    """The canonical names of every registered activation, sorted (aliases left out).

    Examples
    --------
    >>> from minigrad import nn
    >>> nn.activation_names()[:4]
    ['celu', 'elu', 'gelu', 'hard_sigmoid']
    """
    return sorted(_CANONICAL)


def _aliases() -> list[str]:
    return sorted(set(_NAMES) - _CANONICAL)


def register_activation(
    name: str, cls: type[Layer], aliases: Iterable[str] = (), *, overwrite: bool = False
) -> None:
    """Make a Layer subclass available to :func:`get_activation` under ``name``.

    Parameters
    ----------
    name : str
        The canonical name (normalised like lookups: lower case, hyphens and spaces become
        underscores); listed by :func:`activation_names`.
    cls : type
        A subclass of :class:`minigrad.nn.Layer`; ``get_activation`` calls it with the
        keyword arguments it receives. Giving it a ``kinks`` attribute lets tests and
        gradient checks keep away from points where its derivative jumps.
    aliases : iterable of str, default=()
        Further names for the same class.
    overwrite : bool, default=False
        Replace existing names instead of raising. Only the names given are rebound: the
        other aliases of a replaced activation keep their old class.

    Raises
    ------
    TypeError
        If ``cls`` is not a Layer subclass.
    ValueError
        If a name is empty or not snake_case, or is already taken and ``overwrite`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> class Square(nn.Layer):
    ...     def forward(self, ctx, x):
    ...         ctx.x = x
    ...         return x * x
    ...     def backward(self, ctx, dout):
    ...         return 2.0 * ctx.x * dout
    >>> nn.register_activation("square", Square)  # doctest: +SKIP
    >>> nn.get_activation("Square")(np.array([3.0])).data  # doctest: +SKIP
    array([9.])
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(
            f"register_activation({name!r}): expected a subclass of nn.Layer, got {cls!r}"
        )
    keys = [_normalise(n, "register_activation") for n in (name, *aliases)]
    for key in keys:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ValueError(
                f"register_activation: {key!r} is not a valid name (use snake_case: a letter, "
                "then letters, digits or underscores)"
            )
        if key in _NAMES and not overwrite:
            raise ValueError(
                f"register_activation: the name {key!r} is already taken by "
                f"{_NAMES[key].__name__}; pass overwrite=True to replace it"
            )
    canonical, *alias_keys = keys
    _NAMES[canonical] = cls
    _CANONICAL.add(canonical)
    for key in alias_keys:
        _NAMES[key] = cls
        _CANONICAL.discard(key)


def _describe_parameters(params: Iterable[Any]) -> str:
    shown = [
        p.name if p.default is p.empty else f"{p.name}={p.default!r}"
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return ", ".join(shown) if shown else "no parameters"


def get_activation(name: str, **kwargs: Any) -> Layer:
    """A new activation layer from its registered name.

    Parameters
    ----------
    name : str
        A name from :func:`activation_names` or an alias (``"linear"``, ``"silu"``,
        ``"h_swish"``, ``"hardswish"``, ``"hardsigmoid"``). Case does not matter; hyphens and
        spaces count as underscores (``"Leaky-ReLU"`` is ``"leaky_relu"``).
    **kwargs
        Hyper-parameters of that activation (``alpha=0.2`` for ``"leaky_relu"``).

    Returns
    -------
    Layer
        A new instance, so two calls never share parameters.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names and close matches.
    TypeError
        For a name that is not a string, or keyword arguments the activation does not take
        (or required ones missing); the message lists what it accepts.

    Examples
    --------
    >>> from minigrad import nn
    >>> nn.get_activation("leaky_relu", alpha=0.2)
    LeakyReLU(alpha=0.2)
    >>> nn.get_activation("SiLU")
    Swish()
    """
    key = _normalise(name, "get_activation")
    cls = _NAMES.get(key)
    if cls is None:
        import difflib  # only on this error path: it is slow to import

        close = difflib.get_close_matches(key, list(_NAMES), n=3)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        raise ValueError(
            f"unknown activation {name!r}{hint}. Valid names: "
            f"{', '.join(activation_names())}; aliases: {', '.join(_aliases())}"
        )
    import inspect  # only to explain bad keyword arguments

    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = {
        n: p for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    unknown = [] if takes_any else [k for k in kwargs if k not in named]
    missing = [n for n, p in named.items() if p.default is p.empty and n not in kwargs]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"unexpected parameter(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing required parameter(s) {', '.join(missing)}")
        raise TypeError(
            f"get_activation({name!r}): {cls.__name__} got {' and '.join(problems)}; "
            f"it accepts: {_describe_parameters(params.values())}"
        )
    return cls(**kwargs)


for _name, _cls, _aliases_of in (
    ("identity", Identity, ("linear",)),
    ("sigmoid", Sigmoid, ()),
    ("tanh", Tanh, ()),
    ("relu", ReLU, ()),
    ("leaky_relu", LeakyReLU, ()),
    ("relu6", ReLU6, ()),
    ("swish", Swish, ("silu",)),
    ("hard_swish", HardSwish, ("h_swish", "hardswish")),
    ("hard_sigmoid", HardSigmoid, ("hardsigmoid",)),
    ("softmax", Softmax, ()),
    ("log_softmax", LogSoftmax, ()),
    ("softmin", Softmin, ()),
    ("elu", ELU, ()),
    ("selu", SELU, ()),
    ("celu", CELU, ()),
    ("gelu", GELU, ()),
    ("softplus", Softplus, ()),
    ("mish", Mish, ()),
    ("softsign", Softsign, ()),
    ("log_sigmoid", LogSigmoid, ()),
    ("hardtanh", Hardtanh, ()),
    ("prelu", PReLU, ()),
    ("tanhshrink", Tanhshrink, ()),
    ("softshrink", Softshrink, ()),
    ("hardshrink", Hardshrink, ()),
    ("threshold", Threshold, ()),
):
    register_activation(_name, _cls, _aliases_of)
del _name, _cls, _aliases_of
