"""GELU, exact (through erfc) or by the tanh approximation.

NumPy has no erfc: ``_erfc`` takes SciPy's when SciPy is installed (imported on first use)
and :func:`minigrad.nn.erf.erfc` otherwise, and keeps the choice in ``_erfc_impl``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation
from minigrad.ops import sigmoid

__all__ = ["GELU"]


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
    The sigmoid form is the same function, evaluated without cancellation for negative x;
    for the same reason backward takes 1 - s as sigmoid(-2u).
    Both forms are smooth: no kinks. As in PyTorch (float64), ``-inf`` gives NaN
    (``-inf * 0``) and the gradient at ``+-inf`` is NaN.

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
            ctx.clipped, ctx.u, ctx.s = clipped, u, s
        else:
            s = 0.5 * _erfc(-x * _SQRT_HALF)
            ctx.cdf = s
        # An infinite input gives NaN here (-inf * 0), as in PyTorch: quietly, like a NaN.
        with np.errstate(invalid="ignore"):
            return x * s

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        x = ctx.x
        if self.approximate == "tanh":
            clipped, s = ctx.clipped, ctx.s
            du = _SQRT_2_OVER_PI * (1.0 + (3.0 * _GELU_CUBIC) * (clipped * clipped))
            # 1 - s as sigmoid(-2u): where s rounds to nearly 1, 1 - s would keep few digits.
            with np.errstate(invalid="ignore"):  # inf * 0 at an infinite input, as forward
                return dout * (s + 2.0 * x * s * sigmoid(-2.0 * ctx.u) * du)
        t = np.minimum(np.abs(x), _PDF_CLIP)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * (t * t))
        with np.errstate(invalid="ignore"):  # inf * 0 at an infinite input, as forward
            return dout * (ctx.cdf + x * pdf)
