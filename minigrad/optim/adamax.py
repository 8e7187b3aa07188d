"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.adam import AdamFamily
from minigrad.optim.checks import Hyper
from minigrad.tensor import Tensor

__all__ = ["Adamax"]


class Adamax(AdamFamily):
    """Adamax: steps divided by a decaying running maximum of ``|g|``.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize, or param groups (``[{"params": ..., "lr": ...}, ...]``; see
        :mod:`minigrad.optim.optimizer`).
    lr : float, default=2e-3
        Learning rate (PyTorch's default for Adamax).
    betas : (float, float), default=(0.9, 0.999)
        Decay rates of the first moment and of the infinity norm, each in [0, 1).
    eps : float, default=1e-8
        Added to ``|g|`` inside the maximum, as PyTorch does; must be > 0 (with 0, a weight
        whose gradients have all been 0 gets the step 0 / 0 = NaN).
    weight_decay : float, default=0
        L2 penalty added to the gradient.
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, with the parameter's own step count t::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adamax([w], lr=0.1)
    >>> w.grad = w.data * 4.0
    >>> opt.step()
    >>> w.data.round(6)
    array([ 0.9, -0.9])
    """

    _state_entries = ("step", "exp_avg", "exp_inf")

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, maximize=maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("step", "exp_avg", "exp_inf")

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        beta1, beta2 = hyper["betas"]
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_inf"] = np.zeros_like(p.data)
        state["step"] += 1
        if hyper["weight_decay"]:
            g = g + hyper["weight_decay"] * p.data
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg += (1.0 - beta1) * (g - exp_avg)  # torch's lerp
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(g) + hyper["eps"], out=exp_inf)
        clr = hyper["lr"] / (1.0 - beta1 ** state["step"])
        p.data -= clr * (exp_avg / exp_inf)
