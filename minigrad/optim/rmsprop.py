"""RMSprop: steps divided by the root of a running mean of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.checks import Hyper, _eps, _flag, _number
from minigrad.optim.optimizer import GroupHyper, Optimizer
from minigrad.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize, or param groups (``[{"params": ..., "lr": ...}, ...]``; see
        :mod:`minigrad.optim.optimizer`).
    lr : float, default=1e-2
        Learning rate.
    alpha : float, default=0.99
        Smoothing constant of the running averages, in [0, 1] (PyTorch accepts more, which
        can make the average negative and the step NaN).
    eps : float, default=1e-8
        Added to the denominator for numerical stability; must be > 0 (PyTorch also
        accepts 0, which turns the step of a weight with all-zero gradients into NaN).
    weight_decay : float, default=0
        L2 penalty added to the gradient.
    momentum : float, default=0
        Momentum factor (the buffer starts at zero, as in PyTorch).
    centered : bool, default=False
        Normalise by an estimate of the gradient's variance instead of its second moment.
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        centered:  a = alpha * a + (1 - alpha) * g;  denom = sqrt(v - a**2) + eps
        else:      denom = sqrt(v) + eps
        momentum:  b = momentum * b + g / denom;  p = p - lr * b
        else:      p = p - lr * g / denom

    In the centered form ``v - a**2`` is mathematically >= 0 but can round to a tiny
    negative number after many equal gradients; it is clamped at 0 here (PyTorch would
    produce NaN).

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> w.grad = np.array([3.0])
    >>> opt.step()
    >>> w.data.round(6)
    array([0.98])
    """

    alpha = GroupHyper[float]()
    eps = GroupHyper[float]()
    weight_decay = GroupHyper[float]()
    momentum = GroupHyper[float]()
    centered = GroupHyper[bool]()
    maximize = GroupHyper[bool]()
    _state_entries = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _check_hyper(self, hyper: Hyper, owner: str) -> Hyper:
        return dict(
            lr=_number(owner, "lr", hyper["lr"]),
            # Above 1 the running average takes a negative weight and can go below 0,
            # whose square root is NaN; PyTorch accepts it, minigrad refuses it.
            alpha=_number(owner, "alpha", hyper["alpha"], high=1.0),
            eps=_eps(owner, hyper["eps"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            momentum=_number(owner, "momentum", hyper["momentum"]),
            centered=_flag(owner, "centered", hyper["centered"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        names: tuple[str, ...] = ("square_avg",)
        if hyper["centered"]:
            names += ("grad_avg",)
        if hyper["momentum"] > 0:
            names += ("momentum_buffer",)
        return names

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        if hyper["weight_decay"]:
            g = g + hyper["weight_decay"] * p.data
        alpha = hyper["alpha"]
        state = self.state[index]
        # Each entry is made when first needed (zeros, as torch starts them), so that
        # centered or momentum can be switched on in a group mid-run.
        for name in self._state_names(hyper):
            if name not in state:
                state[name] = np.zeros_like(p.data)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * (g * g)
        if hyper["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * g
            denom = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0.0)) + hyper["eps"]
        else:
            denom = np.sqrt(square_avg) + hyper["eps"]
        if hyper["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= hyper["momentum"]
            buf += g / denom
            p.data -= hyper["lr"] * buf
        else:
            p.data -= hyper["lr"] * (g / denom)
