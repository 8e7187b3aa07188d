"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule (Dozat, 2016)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.adam import AdamFamily
from minigrad.optim.checks import Hyper
from minigrad.optim.optimizer import GroupHyper
from minigrad.tensor import Tensor

__all__ = ["NAdam"]


class NAdam(AdamFamily):
    """NAdam: Adam whose first moment looks one step ahead, as Nesterov momentum does.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize, or param groups (``[{"params": ..., "lr": ...}, ...]``; see
        :mod:`minigrad.optim.optimizer`).
    lr : float, default=2e-3
        Learning rate (PyTorch's default for NAdam).
    betas : (float, float), default=(0.9, 0.999)
        Decay rates of the running averages, each in [0, 1).
    eps : float, default=1e-8
        Added to the denominator for numerical stability; must be > 0 (PyTorch also
        accepts 0, which turns the step of a weight with all-zero gradients into NaN).
    weight_decay : float, default=0
        L2 penalty added to the gradient, or, with ``decoupled_weight_decay``, the decay
        ``p = p * (1 - lr * weight_decay)`` (NAdamW).
    momentum_decay : float, default=4e-3
        ``psi`` of the momentum schedule ``mu_t`` below (>= 0).
    decoupled_weight_decay : bool, default=False
        Decay the weights directly, as AdamW does, instead of through the gradient.
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, with the parameter's own step count t and ``mu_product`` (the product
    ``mu_1 * ... * mu_t``, kept per parameter in the state, starting at 1)::

        g = g + weight_decay * p                      (or p = p * (1 - lr * weight_decay))
        mu_t      = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next   = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = mu_product * mu_t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_next / (1 - mu_product * mu_next) * m / denom

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.NAdam([w], lr=0.1)
    >>> w.grad = w.data * 4.0
    >>> opt.step()
    >>> w.data.round(4)
    array([ 0.9, -0.9])
    """

    momentum_decay = GroupHyper[float]()
    decoupled_weight_decay = GroupHyper[bool]()
    _numbers = ("momentum_decay",)
    _flags = ("decoupled_weight_decay", "maximize")
    _scalar_state = ("mu_product",)
    _state_entries = ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        lr, (beta1, beta2), weight_decay = hyper["lr"], hyper["betas"], hyper["weight_decay"]
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["mu_product"] = np.array(1.0)
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        if weight_decay:
            if hyper["decoupled_weight_decay"]:
                p.data *= 1.0 - lr * weight_decay
            else:
                g = g + weight_decay * p.data
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * hyper["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * hyper["momentum_decay"]))
        mu_product = float(state["mu_product"]) * mu
        state["mu_product"] = np.array(mu_product)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1.0 - beta1) * (g - exp_avg)  # torch's lerp
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * (g * g)
        denom = np.sqrt(exp_avg_sq / (1.0 - beta2 ** step)) + hyper["eps"]
        p.data += (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
        p.data += (-lr * mu_next / (1.0 - mu_product * mu_next)) * exp_avg / denom
