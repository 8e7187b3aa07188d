"""Regression losses: MSELoss, L1Loss, HuberLoss and SmoothL1Loss.

Each compares a prediction with a target of the same shape, element by element.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.losses.base import _ElementwiseLoss

__all__ = ["HuberLoss", "L1Loss", "MSELoss", "SmoothL1Loss"]


class MSELoss(_ElementwiseLoss):
    """Mean squared error between a prediction and a target of the same shape.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    With d = prediction - target, the per-element loss and its derivative are

    .. math:: \\ell = d^2, \\qquad \\frac{\\partial \\ell}{\\partial p} = 2 d

    Plain text: loss = (p - y)**2; dp = 2 (p - y), divided by the number of elements for
    ``"mean"``.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn
    >>> pred = mg.Tensor([[1.0], [2.0]], requires_grad=True)
    >>> loss = nn.MSELoss()(pred, np.array([[0.0], [4.0]]))
    >>> loss.item()
    2.5
    >>> loss.backward()
    >>> pred.grad
    array([[ 1.], [-2.]])
    """

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        diff = pred - target
        ctx.diff = diff
        return self._reduce(ctx, diff * diff, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return 2.0 * diff * self._upstream(ctx, dout, diff.shape), None


class L1Loss(_ElementwiseLoss):
    """Mean absolute error between a prediction and a target of the same shape.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    .. math:: \\ell = |p - y|, \\qquad \\frac{\\partial \\ell}{\\partial p} = \\mathrm{sign}(p - y)

    Plain text: loss = |p - y|; dp = sign(p - y), which is 0 where p == y (as PyTorch).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.L1Loss()(mg.Tensor([1.0, -1.0]), [0.0, 1.0]).item()
    1.5
    """

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        diff = pred - target
        ctx.diff = diff
        return self._reduce(ctx, np.abs(diff), pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return np.sign(diff) * self._upstream(ctx, dout, diff.shape), None


class HuberLoss(_ElementwiseLoss):
    """Squared error for small differences, absolute error (times delta) for large ones.

    Parameters
    ----------
    delta : float, default=1.0
        Where the loss changes from quadratic to linear; must be positive.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    With d = p - y:

    .. math::
        \\ell = \\begin{cases} \\tfrac12 d^2 & |d| < \\delta \\\\
        \\delta (|d| - \\tfrac12 \\delta) & \\text{otherwise} \\end{cases},
        \\qquad \\frac{\\partial \\ell}{\\partial p} = \\mathrm{clip}(d, -\\delta, \\delta)

    Plain text: loss = 0.5 d**2 if |d| < delta else delta (|d| - delta / 2);
    dp = clip(d, -delta, delta). The derivative is continuous, so ``|d| == delta`` needs no
    convention.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.HuberLoss(delta=1.0, reduction="none")(mg.Tensor([0.5, 3.0]), [0.0, 0.0]).tolist()
    [0.125, 2.5]
    """

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer,
                                                             np.floating)):
            raise TypeError(f"HuberLoss: delta must be a number, got {type(delta).__name__}")
        if not delta > 0 or not np.isfinite(delta):
            raise ValueError(f"HuberLoss: delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        delta = self.delta
        diff = pred - target
        size = np.abs(diff)
        ctx.diff = diff
        values = np.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
        return self._reduce(ctx, values, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff = ctx.diff
        return (np.clip(diff, -self.delta, self.delta)
                * self._upstream(ctx, dout, diff.shape)), None

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class SmoothL1Loss(_ElementwiseLoss):
    """Squared error divided by beta for small differences, absolute error for large ones.

    Parameters
    ----------
    beta : float, default=1.0
        Where the loss changes from quadratic to linear; must be >= 0 (``beta=0`` is
        :class:`L1Loss`).
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    With d = p - y (PyTorch's definition; ``HuberLoss(delta)`` is ``delta * SmoothL1Loss(
    beta=delta)``):

    .. math::
        \\ell = \\begin{cases} \\tfrac{1}{2} d^2 / \\beta & |d| < \\beta \\\\
        |d| - \\tfrac12 \\beta & \\text{otherwise} \\end{cases},
        \\qquad \\frac{\\partial \\ell}{\\partial p} = \\begin{cases} d / \\beta & |d| <
        \\beta \\\\ \\mathrm{sign}(d) & \\text{otherwise} \\end{cases}

    Plain text: loss = 0.5 d**2 / beta if |d| < beta else |d| - beta / 2;
    dp = d / beta if |d| < beta else sign(d) (0 at d == 0 when beta is 0, as PyTorch).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> nn.SmoothL1Loss(beta=2.0, reduction="none")(mg.Tensor([1.0, 3.0]), [0.0, 0.0]).tolist()
    [0.25, 2.0]
    """

    def __init__(self, beta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)):
            raise TypeError(f"SmoothL1Loss: beta must be a number, got {type(beta).__name__}")
        if not beta >= 0 or not np.isfinite(beta):
            raise ValueError(f"SmoothL1Loss: beta must be a number >= 0, got {beta!r}")
        self.beta = float(beta)

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        beta = self.beta
        diff = pred - target
        size = np.abs(diff)
        ctx.diff = diff
        if beta == 0.0:
            return self._reduce(ctx, size, pred.dtype)
        values = np.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)
        return self._reduce(ctx, values, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        diff, beta = ctx.diff, self.beta
        if beta == 0.0:
            ddiff = np.sign(diff)
        else:
            ddiff = np.where(np.abs(diff) < beta, diff * (1.0 / beta), np.sign(diff))
        return ddiff * self._upstream(ctx, dout, diff.shape), None

    def extra_repr(self) -> str:
        return f"beta={self.beta}, reduction={self.reduction!r}"
