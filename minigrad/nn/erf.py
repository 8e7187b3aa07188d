r"""The error function and its complement on NumPy arrays, without SciPy.

NumPy has no ``erf``. :class:`minigrad.nn.GELU` uses ``scipy.special.erfc`` when SciPy is
installed and these functions otherwise. They evaluate W. J. Cody's rational Chebyshev
approximations ("Rational Chebyshev approximations for the error function", Math. Comp.
23 (1969) 631-638; the coefficients below are his published double-precision ones) on
whole arrays at once, one interval at a time:

* :math:`|x| \le 0.46875`: :math:`\operatorname{erf}(x) = x\,P(x^2)/Q(x^2)`;
* :math:`0.46875 < |x| \le 4`: :math:`\operatorname{erfc}(|x|) = e^{-x^2} P(|x|)/Q(|x|)`;
* :math:`|x| > 4`: :math:`\operatorname{erfc}(|x|) = \frac{e^{-x^2}}{|x|}
  \left(\frac{1}{\sqrt\pi} + x^{-2} P(x^{-2})/Q(x^{-2})\right)`.

The other function follows from ``erf = 1 - erfc`` and the symmetries
``erf(-x) = -erf(x)``, ``erfc(-x) = 2 - erfc(x)``. Measured against ``math.erf`` and
``math.erfc`` the error stays within about one unit in the last place in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["erf", "erfc"]

_SMALL = 0.46875  # below it erf itself has the better-conditioned approximation
_MIDDLE = 4.0
# exp(-x^2) underflows to exactly 0.0 in float64 beyond |x| ~ 27.3; clipping there keeps
# x * x from overflowing (and inf from producing inf - inf) without changing any result.
_CLIP = 30.0
_INV_SQRT_PI = 0.56418958354775628695

# erf(x) = x * P(x^2) / Q(x^2) on |x| <= 0.46875
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
# Coefficients of P(z) - Q(z) (Q is monic), highest power first.
_A_MINUS_B = (_A[4] - 1.0, _A[0] - _B[0], _A[1] - _B[1], _A[2] - _B[2], _A[3] - _B[3])
# erfc(y) = exp(-y^2) * P(y) / Q(y) on 0.46875 < y <= 4
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
# erfc(y) = exp(-y^2) / y * (1/sqrt(pi) + z * P(z) / Q(z)), z = 1 / y^2, on y > 4
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf on |x| <= 0.46875, written x + x * (P - Q) / Q.

    P/Q is close to 2/sqrt(pi) = 1.128..., so its rounding error would show almost fully in
    x * P / Q; in the correction (P - Q) / Q ~ 0.128 it is about nine times smaller, and the
    final addition of x is the only full-size rounding.
    """
    z = x * x
    num = _A_MINUS_B[0] * z
    den = z
    for diff, b in zip(_A_MINUS_B[1:4], _B[:3]):
        num = (num + diff) * z
        den = (den + b) * z
    return x + x * ((num + _A_MINUS_B[4]) / (den + _B[3]))


def _exp_minus_square(y: np.ndarray) -> np.ndarray:
    """exp(-y^2) with the rounding of y^2 kept out of the exponent.

    y is split as s + d with s a multiple of 1/16, so s^2 is exact and the small
    remainder (y - s)(y + s) enters a second, well-conditioned exponential.
    """
    s = np.trunc(y * 16.0) / 16.0
    return np.exp(-s * s) * np.exp(-(y - s) * (y + s))


def _erfc_middle(y: np.ndarray) -> np.ndarray:
    """erfc on 0.46875 < y <= 4."""
    num = _C[8] * y
    den = y
    for c, d in zip(_C[:7], _D[:7]):
        num = (num + c) * y
        den = (den + d) * y
    return _exp_minus_square(y) * ((num + _C[7]) / (den + _D[7]))


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc on y > 4 (y already clipped to at most _CLIP)."""
    z = 1.0 / (y * y)
    num = _P[5] * z
    den = z
    for p, q in zip(_P[:4], _Q[:4]):
        num = (num + p) * z
        den = (den + q) * z
    tail = z * (num + _P[4]) / (den + _Q[4])
    return _exp_minus_square(y) * ((_INV_SQRT_PI - tail) / y)


def _prepare(x: Any, name: str) -> tuple[np.ndarray, np.dtype]:
    array = np.asarray(x)
    if array.dtype.kind not in "iubf":
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {array.dtype}")
    dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    # Evaluated in float64 whatever the input: float32 results are then correctly rounded
    # in almost every case, and the coefficients keep their full precision.
    return array.astype(np.float64), dtype


def _erfc_of_abs(y: np.ndarray, middle: np.ndarray, large: np.ndarray, out: np.ndarray) -> None:
    out[middle] = _erfc_middle(y[middle])
    out[large] = _erfc_large(np.minimum(y[large], _CLIP))


def erf(x: Any) -> Any:
    r"""The error function :math:`\frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt`, elementwise.

    Parameters
    ----------
    x : array_like
        Real numbers (ints and bools are treated as float64).

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``erf(x)`` with the dtype of ``x`` (float64 for integer input); NaN stays NaN and
        ``erf(+-inf) = +-1``.

    Examples
    --------
    >>> from minigrad.nn.erf import erf
    >>> float(erf(0.5))
    0.5204998778130465
    """
    x64, dtype = _prepare(x, "erf")
    y = np.abs(x64)
    out = x64.copy()  # NaN falls in no interval below and is returned as it came
    small = y <= _SMALL
    middle = (y > _SMALL) & (y <= _MIDDLE)
    large = y > _MIDDLE
    out[small] = _erf_small(x64[small])
    tail = np.empty_like(y)
    _erfc_of_abs(y, middle, large, tail)
    beyond = middle | large
    # (0.5 - erfc) + 0.5 rather than 1 - erfc: the first subtraction is exact.
    out[beyond] = np.copysign((0.5 - tail[beyond]) + 0.5, x64[beyond])
    return out.astype(dtype, copy=False)[()]


def erfc(x: Any) -> Any:
    r"""The complementary error function :math:`1 - \operatorname{erf}(x)`, elementwise.

    Accurate in relative terms also where ``erfc(x)`` is tiny (large positive ``x``),
    where ``1 - erf(x)`` would have cancelled to 0.

    Parameters
    ----------
    x : array_like
        Real numbers (ints and bools are treated as float64).

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``erfc(x)`` with the dtype of ``x`` (float64 for integer input); NaN stays NaN,
        ``erfc(inf) = 0`` and ``erfc(-inf) = 2``.

    Examples
    --------
    >>> from minigrad.nn.erf import erfc
    >>> float(erfc(5.0))
    1.5374597944280349e-12
    """
    x64, dtype = _prepare(x, "erfc")
    y = np.abs(x64)
    out = x64.copy()
    small = y <= _SMALL
    middle = (y > _SMALL) & (y <= _MIDDLE)
    large = y > _MIDDLE
    out[small] = 1.0 - _erf_small(x64[small])
    _erfc_of_abs(y, middle, large, out)
    negative = (middle | large) & (x64 < 0.0)
    out[negative] = 2.0 - out[negative]
    return out.astype(dtype, copy=False)[()]
