"""SGD: stochastic gradient descent with optional (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.checks import Hyper, _flag, _number
from minigrad.optim.optimizer import GroupHyper, Optimizer
from minigrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay.

    Parameters
    ----------
    params : iterable of Parameter, or list of dict
        What to optimize (``model.parameters()``; a generator is fine), or param groups:
        ``[{"params": ..., "lr": 0.1}, {"params": ...}]``, each key a group leaves out taking
        the value given here (see :mod:`minigrad.optim.optimizer`).
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

    Each param group has its own values (``opt.param_groups[i]["momentum"]`` ...); the
    attributes ``opt.lr``, ``opt.momentum`` ... read group 0's and write every group's.

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

    momentum = GroupHyper[float]()
    dampening = GroupHyper[float]()
    nesterov = GroupHyper[bool]()
    weight_decay = GroupHyper[float]()
    maximize = GroupHyper[bool]()
    _state_entries = ("momentum_buffer",)

    def __init__(self, params: Iterable[Any], lr: float = 0.01, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check_hyper(self, hyper: Hyper, owner: str) -> Hyper:
        out = dict(
            lr=_number(owner, "lr", hyper["lr"]),
            momentum=_number(owner, "momentum", hyper["momentum"]),
            dampening=_number(owner, "dampening", hyper["dampening"], low=None),
            nesterov=_flag(owner, "nesterov", hyper["nesterov"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )
        if out["nesterov"] and (out["momentum"] <= 0 or out["dampening"] != 0):
            raise ValueError(f"{owner}: nesterov=True needs momentum > 0 and dampening == 0, "
                             f"got momentum={out['momentum']}, dampening={out['dampening']}")
        return out

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        return ("momentum_buffer",) if hyper["momentum"] else ()

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        if hyper["weight_decay"]:
            g = g + hyper["weight_decay"] * p.data
        momentum = hyper["momentum"]
        if momentum:
            state = self.state[index]
            buf = state.get("momentum_buffer")
            if buf is None:
                # np.array, not g.copy(): for a 0-d parameter g is a NumPy scalar, and a
                # scalar buffer would be rebound, not changed, by `buf *= momentum` below.
                buf = state["momentum_buffer"] = np.array(g)
            else:
                buf *= momentum
                if hyper["dampening"]:
                    buf += (1.0 - hyper["dampening"]) * g
                else:
                    buf += g  # the usual case: no temporary array
            g = g + momentum * buf if hyper["nesterov"] else buf
        p.data -= hyper["lr"] * g
