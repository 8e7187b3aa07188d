"""SGD: stochastic gradient descent with optional (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from minigrad.optim.optimizer import Hyper, Optimizer, _flag, _number
from minigrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay.

    Parameters
    ----------
    params : iterable of Parameter
        What to optimize (``model.parameters()``); a generator is fine.
    lr : float, default=0.01
        Learning rate. PyTorch's default is 1e-3 (it used to be required).
    momentum : float, default=0
        Momentum factor mu.
    dampening : float, default=0
        Dampening tau of the momentum (not applied on the first step).
    nesterov : bool, default=False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    weight_decay : float, default=0
        L2 penalty lambda, added to the gradient.
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, for each step t and gradient g (negated first when ``maximize``)::

        g = g + weight_decay * p
        if momentum:  b = g                                   (first step)
                      b = momentum * b + (1 - dampening) * g  (later steps)
                      g = g + momentum * b  if nesterov  else  b
        p = p - lr * g

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.5)
    >>> w.grad = w.data * 2.0
    >>> opt.step()
    >>> w.data
    array([0.])
    """

    momentum: float
    dampening: float
    nesterov: bool
    weight_decay: float
    maximize: bool

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check_hyper(self, hyper: Hyper) -> Hyper:
        owner = "SGD"
        out = dict(
            lr=_number(owner, "lr", hyper["lr"]),
            momentum=_number(owner, "momentum", hyper["momentum"]),
            dampening=_number(owner, "dampening", hyper["dampening"], low=None),
            nesterov=_flag(owner, "nesterov", hyper["nesterov"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )
        if out["nesterov"] and (out["momentum"] <= 0 or out["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening == 0, got "
                             f"momentum={out['momentum']}, dampening={out['dampening']}")
        return out

    def _hyper(self) -> Hyper:
        return dict(lr=self.lr, momentum=self.momentum, dampening=self.dampening,
                    nesterov=self.nesterov, weight_decay=self.weight_decay,
                    maximize=self.maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("momentum_buffer",) if hyper["momentum"] else ()

    def _update(self, index: int, p: Tensor, grad: np.ndarray) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        momentum = self.momentum
        if momentum:
            state = self.state[index]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                if self.dampening:
                    buf += (1.0 - self.dampening) * g
                else:
                    buf += g  # the usual case: no temporary array
            g = g + momentum * buf if self.nesterov else buf
        p.data -= self.lr * g
