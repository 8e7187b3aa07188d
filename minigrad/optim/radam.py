"""RAdam: Adam with the variance of its adaptive step rectified (Liu et al., 2019)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.adam import AdamFamily
from minigrad.optim.checks import Hyper
from minigrad.optim.optimizer import GroupHyper
from minigrad.tensor import Tensor

__all__ = ["RAdam"]


class RAdam(AdamFamily):
    """RAdam: plain momentum steps until the second moment is trustworthy, then rectified Adam.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize, or param groups (``[{"params": ..., "lr": ...}, ...]``; see
        :mod:`minigrad.optim.optimizer`).
    lr : float, default=1e-3
        Learning rate.
    betas : (float, float), default=(0.9, 0.999)
        Decay rates of the running averages, each in [0, 1).
    eps : float, default=1e-8
        Added to the denominator for numerical stability; must be > 0 (PyTorch also
        accepts 0, which turns the step of a weight with all-zero gradients into NaN).
    weight_decay : float, default=0
        L2 penalty added to the gradient, or, with ``decoupled_weight_decay``, the decay
        ``p = p * (1 - lr * weight_decay)``.
    decoupled_weight_decay : bool, default=False
        Decay the weights directly, as AdamW does, instead of through the gradient.
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, with the parameter's own step count t::

        g = g + weight_decay * p                      (or p = p * (1 - lr * weight_decay))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        else:
            p = p - lr * m_hat

    With the default ``beta2=0.999`` the first five steps are the un-adapted ones.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.RAdam([w], lr=0.1)
    >>> w.grad = w.data * 4.0
    >>> opt.step()
    >>> w.data
    array([ 0.6, -0.6])
    """

    decoupled_weight_decay = GroupHyper[bool]()
    _flags = ("decoupled_weight_decay", "maximize")
    _state_entries = ("step", "exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("step", "exp_avg", "exp_avg_sq")

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        lr, (beta1, beta2), weight_decay = hyper["lr"], hyper["betas"], hyper["weight_decay"]
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        if weight_decay:
            if hyper["decoupled_weight_decay"]:
                p.data *= 1.0 - lr * weight_decay
            else:
                g = g + weight_decay * p.data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1.0 - beta1) * (g - exp_avg)  # torch's lerp
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * (g * g)
        bias_correction1 = 1.0 - beta1 ** step
        bias_correction2 = 1.0 - beta2 ** step
        m_hat = exp_avg / bias_correction1
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                             / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            adaptive = math.sqrt(bias_correction2) / (np.sqrt(exp_avg_sq) + hyper["eps"])
            p.data -= m_hat * lr * adaptive * rect
        else:
            p.data -= m_hat * lr
