"""Binary cross-entropy, on probabilities (BCELoss) or on raw scores (BCEWithLogitsLoss)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import as_float_array
from minigrad.nn.losses.base import _bad_values, _ElementwiseLoss, _in_unit_interval
from minigrad.ops import sigmoid

__all__ = ["BCELoss", "BCEWithLogitsLoss"]

# PyTorch clamps each log of BCELoss at -100 so probabilities of exactly 0 or 1 stay finite,
# and divides its gradient by max(p (1 - p), eps) with eps the float32 nearest 1e-12 (also
# in float64), which is the value used here so the two agree to the last bit.
_LOG_FLOOR = -100.0
_BCE_GRAD_EPS = float(np.float32(1e-12))


def _check_probabilities(pred: np.ndarray, target: np.ndarray) -> None:
    """Raise ValueError if a prediction or a target lies outside [0, 1] or is NaN."""
    for what, array, hint in (
        ("predictions", pred, "; apply a Sigmoid first, or use BCEWithLogitsLoss on raw scores"),
        ("targets", target, ""),
    ):
        bad = _bad_values(array, 0.0, 1.0)
        if bad is not None:
            raise ValueError(f"BCELoss: {what} must lie in [0, 1]; found {bad[0]} value(s) "
                             f"outside (e.g. {bad[1]}){hint}")


def _clamped_logs(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(p) and log(1 - p), each clamped at -100 as in PyTorch."""
    return np.maximum(np.log(p), _LOG_FLOOR), np.maximum(np.log1p(-p), _LOG_FLOOR)


class BCELoss(_ElementwiseLoss):
    """Binary cross-entropy between predicted probabilities and targets in [0, 1].

    Parameters
    ----------
    weight : array_like, optional
        A rescaling weight broadcast against the prediction (for instance one per element
        or per column).
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.

    Notes
    -----
    The prediction p must already be a probability (the output of a Sigmoid); for raw
    scores use :class:`BCEWithLogitsLoss`, which is also more accurate. As in PyTorch,
    each log is clamped at -100, so p of exactly 0 or 1 gives a finite loss (at most 100):

    .. math::
        \\ell = -w\\,[\\,y \\max(\\log p, -100) + (1 - y) \\max(\\log(1 - p), -100)\\,],
        \\qquad \\frac{\\partial \\ell}{\\partial p} = w\\,\\frac{p - y}{\\max(p (1 - p),
        \\epsilon)}

    Plain text: loss = -w (y log p + (1 - y) log(1 - p)); dp = w (p - y) / (p (1 - p)).
    The gradient is PyTorch's: away from p = 0 and 1 it is the exact derivative; there its
    denominator is floored at epsilon = float32(1e-12), so it stays finite (about 1e12 when
    wrong, 0 when right). Predictions or targets outside [0, 1] (NaN included) raise
    ValueError, as in PyTorch.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> p = mg.Tensor([0.5, 1.0], requires_grad=True)
    >>> loss = nn.BCELoss(reduction="sum")(p, [1.0, 0.0])
    >>> round(loss.item(), 4)
    100.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else as_float_array(weight, where="BCELoss weight")

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        pred, target = self._pair(pred, target)
        # The usual case costs two integer reductions (see _in_unit_interval) instead of the
        # four float ones of the full check and np.errstate, about 4 us less on a small batch:
        # predictions strictly inside (0, 1), where no log below is of 0 and can warn, and
        # targets in [0, 1]. Anything else takes the full check, which raises if need be.
        strictly_inside = _in_unit_interval(pred, strictly=True)
        if not (strictly_inside and _in_unit_interval(target)):
            _check_probabilities(pred, target)
        weight = self._weight(self.weight, pred, "weight")
        if strictly_inside:
            log_p, log_not_p = _clamped_logs(pred)
        else:
            with np.errstate(divide="ignore"):  # log(0) = -inf is clamped to -100
                log_p, log_not_p = _clamped_logs(pred)
        values = (target - 1.0) * log_not_p - target * log_p
        if weight is not None:
            values = values * weight
        ctx.pred, ctx.target, ctx.weight = pred, target, weight
        return self._reduce(ctx, values, pred.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        pred = ctx.pred
        dpred = (pred - ctx.target) / np.maximum(pred * (1.0 - pred), _BCE_GRAD_EPS)
        if ctx.weight is not None:
            dpred = dpred * ctx.weight
        return dpred * self._upstream(ctx, dout, pred.shape), None


class BCEWithLogitsLoss(_ElementwiseLoss):
    """Binary cross-entropy on raw scores (logits): a Sigmoid and BCELoss in one stable step.

    Parameters
    ----------
    weight : array_like, optional
        A rescaling weight broadcast against the prediction.
    reduction : {"mean", "sum", "none"}, default="mean"
        Average over every element, add them up, or return the per-element losses.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast against the prediction (usually one per
        class, shape ``(C,)``): above 1 it raises recall, below 1 precision.

    Notes
    -----
    With logit x, target y, sigma the logistic function and
    :math:`l_w = 1 + (\\text{pos\\_weight} - 1)\\,y` (1 without pos_weight):

    .. math::
        \\ell = w\\,[\\,(1 - y)\\,x + l_w \\log(1 + e^{-x})\\,],\\qquad
        \\frac{\\partial \\ell}{\\partial x} = w\\,[\\,l_w\\,\\sigma(x) - \\text{pos\\_weight}
        \\cdot y\\,]

    Without pos_weight this is :math:`\\max(x, 0) - x y + \\log(1 + e^{-|x|})` with derivative
    :math:`\\sigma(x) - y`. Plain text: loss = max(x, 0) - x y + log1p(exp(-|x|));
    dx = sigmoid(x) - y. The softplus is evaluated as ``max(-x, 0) + log1p(exp(-|x|))``, so
    no exponential of a large positive number is ever taken: logits of +-1e4 give exact
    limits (0 when right, |x| when wrong) without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> x = mg.Tensor([0.0, 1e4, -1e4], requires_grad=True)
    >>> loss = nn.BCEWithLogitsLoss(reduction="none")(x, [1.0, 1.0, 1.0])
    >>> [round(v, 4) for v in loss.tolist()]
    [0.6931, 0.0, 10000.0]
    """

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = (None if weight is None
                       else as_float_array(weight, where="BCEWithLogitsLoss weight"))
        self.pos_weight = (None if pos_weight is None
                           else as_float_array(pos_weight, where="BCEWithLogitsLoss pos_weight"))

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        x, target = self._pair(pred, target)
        weight = self._weight(self.weight, x, "weight")
        pos_weight = self._weight(self.pos_weight, x, "pos_weight")
        softplus_neg = np.maximum(-x, 0.0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + e^-x)
        if pos_weight is None:
            values = (1.0 - target) * x + softplus_neg
        else:
            values = (1.0 - target) * x + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
        if weight is not None:
            values = values * weight
        ctx.x, ctx.target, ctx.weight, ctx.pos_weight = x, target, weight, pos_weight
        return self._reduce(ctx, values, x.dtype)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        x, target, pos_weight = ctx.x, ctx.target, ctx.pos_weight
        if pos_weight is None:
            dx = sigmoid(x) - target
        else:
            dx = (1.0 + (pos_weight - 1.0) * target) * sigmoid(x) - pos_weight * target
        if ctx.weight is not None:
            dx = dx * ctx.weight
        return dx * self._upstream(ctx, dout, x.shape), None
