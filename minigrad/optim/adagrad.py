"""Adagrad: steps divided by the root of the running sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.checks import Hyper, _eps, _flag, _number
from minigrad.optim.optimizer import GroupHyper, Optimizer
from minigrad.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: each element's step shrinks with the sum of its squared gradients.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize, or param groups (``[{"params": ..., "lr": ...}, ...]``; see
        :mod:`minigrad.optim.optimizer`).
    lr : float, default=1e-2
        Learning rate.
    lr_decay : float, default=0
        The step-t learning rate is ``lr / (1 + (t - 1) * lr_decay)``.
    weight_decay : float, default=0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default=0
        Starting value of the sum of squares.
    eps : float, default=1e-10
        Added to the denominator for numerical stability; must be > 0 (PyTorch also
        accepts 0, which turns the step of a weight with all-zero gradients into NaN).
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, with the parameter's own step count t::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        p = p - clr * g / (sqrt(s) + eps)

    ``s`` starts at the parameter's group's ``initial_accumulator_value``. PyTorch (2.13)
    starts every parameter at the constructor's value and ignores a param group's own; here
    the group's value is used, as for every other hyper-parameter.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.5)
    >>> w.grad = np.array([4.0])
    >>> opt.step()
    >>> w.data.round(6)
    array([0.5])
    """

    lr_decay = GroupHyper[float]()
    weight_decay = GroupHyper[float]()
    initial_accumulator_value = GroupHyper[float]()
    eps = GroupHyper[float]()
    maximize = GroupHyper[bool]()
    _state_entries = ("step", "sum")

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _check_hyper(self, hyper: Hyper, owner: str) -> Hyper:
        return dict(
            lr=_number(owner, "lr", hyper["lr"]),
            lr_decay=_number(owner, "lr_decay", hyper["lr_decay"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            initial_accumulator_value=_number(owner, "initial_accumulator_value",
                                              hyper["initial_accumulator_value"]),
            eps=_eps(owner, hyper["eps"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("step", "sum")

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        if hyper["weight_decay"]:
            g = g + hyper["weight_decay"] * p.data
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, hyper["initial_accumulator_value"])
        state["step"] += 1
        clr = hyper["lr"] / (1.0 + (state["step"] - 1) * hyper["lr_decay"])
        total = state["sum"]
        total += g * g
        p.data -= clr * (g / (np.sqrt(total) + hyper["eps"]))
