"""Activations that normalise along an axis: Softmax, Softmin and LogSoftmax.

``_AxisActivation`` holds the axis and checks it against each input; ``_softmax`` and
``_softmax_backward`` are shared by Softmax and Softmin.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.activations.base import _Activation

__all__ = ["LogSoftmax", "Softmax", "Softmin"]


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


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    """``x`` minus its maximum along ``axis``.

    Subtracting the maximum leaves softmax unchanged and makes every exponent <= 0, so
    nothing overflows (the seed's fix for softmax([1010, 1020, ...])). A slice holding +inf,
    or only -inf, becomes NaN (inf - inf), as in PyTorch: quietly, like a NaN input.
    """
    with np.errstate(invalid="ignore"):
        return x - x.max(axis=axis, keepdims=True, initial=-np.inf)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(_shifted(x, axis))
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
        shifted = _shifted(x, self.axis)
        out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        ctx.out = out
        return out

    def backward(self, ctx: Context, dout: np.ndarray) -> np.ndarray:
        return dout - np.exp(ctx.out) * dout.sum(axis=self.axis, keepdims=True)
