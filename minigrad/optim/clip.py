"""clip_grad_norm_: scale gradients down so that their joint norm is at most a bound."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.optim.checks import _number
from minigrad.tensor import Tensor

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale the gradients down so that their joint norm is at most ``max_norm``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``grad`` to clip; those without a gradient are ignored.
    max_norm : float
        The largest allowed norm (>= 0).
    norm_type : float, default=2.0
        The p of the p-norm (> 0), or ``float("inf")`` for the largest absolute value.
    error_if_nonfinite : bool, default=False
        Raise instead of returning when the total norm is NaN or infinite (the gradients
        are then left as they are).

    Returns
    -------
    float
        The total norm of all gradients taken together, before clipping.

    Notes
    -----
    As PyTorch: ``coef = max_norm / (total_norm + 1e-6)``, and every gradient is multiplied
    by it only when ``coef < 1``. Each scaled gradient is a new array (``p.grad`` is
    replaced, the old array is not written to).

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])
    >>> optim.clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    tensors = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for position, p in enumerate(tensors):
        if not isinstance(p, Tensor):
            raise TypeError(f"clip_grad_norm_: item {position} is a {type(p).__name__}, "
                            "expected a Parameter or Tensor")
    max_norm = _number("clip_grad_norm_", "max_norm", max_norm)
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.integer,
                                                                 np.floating)):
        raise TypeError(f"clip_grad_norm_: norm_type must be a number, got {norm_type!r}")
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    grads = [np.asarray(p.grad) for p in tensors if p.grad is not None]
    if not grads:
        return 0.0
    # Norms in float64, each gradient divided by the largest magnitude first, so that
    # huge gradients give their true norm instead of overflowing (and warning).
    largest = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    if norm_type == math.inf or largest == 0.0 or not math.isfinite(largest):
        total = largest
    else:
        powered = sum(float(np.sum((np.abs(g.astype(np.float64)) / largest) ** norm_type))
                      for g in grads)
        total = largest * powered ** (1.0 / norm_type)
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {total}; "
                               "the gradients were left unchanged")
        return total
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in tensors:
            if p.grad is not None:
                p.grad = p.grad * coef
    return total
