"""Adagrad: steps divided by the root of the running sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from minigrad.optim.optimizer import Hyper, Optimizer, _eps, _flag, _number
from minigrad.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: each element's step shrinks with the sum of its squared gradients.

    Parameters
    ----------
    params : iterable of Parameter
        What to optimize.
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

    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    maximize: bool

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _check_hyper(self, hyper: Hyper) -> Hyper:
        owner = "Adagrad"
        return dict(
            lr=_number(owner, "lr", hyper["lr"]),
            lr_decay=_number(owner, "lr_decay", hyper["lr_decay"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            initial_accumulator_value=_number(owner, "initial_accumulator_value",
                                              hyper["initial_accumulator_value"]),
            eps=_eps(owner, hyper["eps"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )

    def _hyper(self) -> Hyper:
        return dict(lr=self.lr, lr_decay=self.lr_decay, weight_decay=self.weight_decay,
                    initial_accumulator_value=self.initial_accumulator_value, eps=self.eps,
                    maximize=self.maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("step", "sum")

    def _update(self, index: int, p: Tensor, grad: np.ndarray) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, self.initial_accumulator_value)
        state["step"] += 1
        clr = self.lr / (1.0 + (state["step"] - 1) * self.lr_decay)
        total = state["sum"]
        total += g * g
        p.data -= clr * (g / (np.sqrt(total) + self.eps))
