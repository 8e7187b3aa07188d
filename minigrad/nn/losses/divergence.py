"""KLDivLoss: the Kullback-Leibler divergence of a target distribution from a prediction."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.nn.losses.base import _ElementwiseLoss

__all__ = ["KLDivLoss"]

_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


class KLDivLoss(_ElementwiseLoss):
    """Kullback-Leibler divergence, with the prediction given as log-probabilities.

    Parameters
    ----------
    reduction : {"mean", "batchmean", "sum", "none"}, default="mean"
        ``"batchmean"`` divides the sum by the batch size (the first axis): that is the
        mathematical KL divergence averaged over the samples, and the one to use.
        ``"mean"`` divides by the number of *elements* (batch size times classes), which
        is PyTorch's default; PyTorch warns about it on every call, this class does not
        and only documents it here. ``"sum"`` and ``"none"`` as for other losses.
    log_target : bool, default=False
        Whether the target is given as log-probabilities too.

    Notes
    -----
    With x the prediction (log-probabilities, e.g. a LogSoftmax output) and y the target
    probabilities (PyTorch's definition, element by element):

    .. math::
        \\ell = y\\,(\\log y - x), \\qquad \\frac{\\partial \\ell}{\\partial x} = -y

    taking :math:`0 \\log 0 = 0`. With ``log_target=True`` and t = log y:
    :math:`\\ell = e^{t}\\,(t - x)`, :math:`\\partial \\ell / \\partial x = -e^{t}`.
    Plain text: loss = y (log y - x); dx = -y (-exp(t) with log targets), divided by the
    batch size for ``"batchmean"`` or by the element count for ``"mean"``. The target
    receives no gradient.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import nn
    >>> x = mg.Tensor(np.log([[0.5, 0.5]]), requires_grad=True)
    >>> loss = nn.KLDivLoss(reduction="batchmean")(x, np.array([[0.25, 0.75]]))
    >>> round(loss.item(), 4)
    0.1308
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        if reduction not in _KL_REDUCTIONS:
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or "
                             f"'none', got {reduction!r}")
        super().__init__("mean" if reduction == "batchmean" else reduction)
        self.reduction = reduction
        if not isinstance(log_target, (bool, np.bool_)):
            raise TypeError(f"KLDivLoss: log_target must be a bool, got "
                            f"{type(log_target).__name__}")
        self.log_target = bool(log_target)

    def forward(self, ctx: Context, pred: Any, target: Any) -> np.ndarray:  # type: ignore[override]
        x, target = self._pair(pred, target)
        if self.log_target:
            probs = np.exp(target)
            values = probs * (target - x)
        else:
            probs = target
            # xlogy: 0 * log 0 counts as 0, as in PyTorch.
            positive = target > 0
            log_y = np.log(np.where(positive, target, 1.0))
            values = np.where(positive, target * log_y, 0.0) - target * x
        ctx.probs = probs
        total = (x.shape[0] if x.ndim else 1) if self.reduction == "batchmean" else None
        return self._reduce(ctx, values, x.dtype, total)

    def backward(self, ctx: Context, dout: Any) -> tuple[np.ndarray, None]:
        probs = ctx.probs
        return -probs * self._upstream(ctx, dout, probs.shape), None

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"
