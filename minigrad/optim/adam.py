"""Adam and AdamW (decoupled weight decay), and what the Adam family shares: the check of
the ``betas`` pair and the ``AdamFamily`` base."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.optim.checks import Hyper, _eps, _flag, _number
from minigrad.optim.optimizer import GroupHyper, Optimizer
from minigrad.tensor import Tensor

__all__ = ["Adam", "AdamFamily", "AdamW"]


def _betas(owner: str, betas: Any) -> tuple[float, float]:
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}") from None
    return (_number(owner, "betas[0]", beta1, high=1.0, high_open=True),
            _number(owner, "betas[1]", beta2, high=1.0, high_open=True))


class AdamFamily(Optimizer):
    """What Adam, AdamW, NAdam, RAdam and Adamax share: ``lr``, ``betas``, ``eps`` and
    ``weight_decay``, plus each class's own non-negative numbers (``_numbers``) and flags
    (``_flags``), validated and saved the same way.

    Subclasses keep their own ``__init__`` signature (defaults differ between them, as in
    PyTorch) and pass their extra hyper-parameters by keyword. A param group holds the pair
    as torch does, ``group["betas"] = (beta1, beta2)``; the state dict stores it as
    ``hyper.beta1`` and ``hyper.beta2``.
    """

    betas = GroupHyper[tuple[float, float]]()
    beta1 = GroupHyper[float]("betas", 0)
    beta2 = GroupHyper[float]("betas", 1)
    eps = GroupHyper[float]()
    weight_decay = GroupHyper[float]()
    maximize = GroupHyper[bool]()
    _numbers: tuple[str, ...] = ()
    _flags: tuple[str, ...] = ("maximize",)

    def __init__(self, params: Iterable[Any], lr: float, betas: Any, eps: float,
                 weight_decay: float, **extra: Any) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      **extra))

    def _check_hyper(self, hyper: Hyper, owner: str) -> Hyper:
        checked: Hyper = dict(
            lr=_number(owner, "lr", hyper["lr"]),
            betas=_betas(owner, hyper["betas"]),
            eps=_eps(owner, hyper["eps"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
        )
        for name in self._numbers:
            checked[name] = _number(owner, name, hyper[name])
        for name in self._flags:
            checked[name] = _flag(owner, name, hyper[name])
        return checked

    def _flat(self, hyper: Hyper) -> Hyper:
        flat: Hyper = {}
        for key, value in hyper.items():
            if key == "betas":
                flat["beta1"], flat["beta2"] = value
            else:
                flat[key] = value
        return flat

    def _unflat(self, flat: Hyper) -> Hyper:
        hyper: Hyper = {}
        for key, value in flat.items():
            if key == "beta1":
                hyper["betas"] = (value, flat.get("beta2"))
            elif key != "beta2":
                hyper[key] = value
        return hyper


class Adam(AdamFamily):
    """Adam: per-element steps from running averages of the gradient and its square.

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
        L2 penalty added to the gradient (coupled; see :class:`AdamW` for decoupled).
    amsgrad : bool, default=False
        Divide by the running maximum of the second moment (AMSGrad).
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule, with the parameter's own step count t::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                         (amsgrad; v_max replaces v below)
        denom = sqrt(v) / sqrt(1 - beta2**t) + eps
        p = p - lr / (1 - beta1**t) * m / denom

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> w.grad = w.data * 4.0
    >>> opt.step()
    >>> w.data.round(6)
    array([ 0.9, -0.9])
    """

    amsgrad = GroupHyper[bool]()
    _flags = ("amsgrad", "maximize")
    _state_entries = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad=amsgrad,
                         maximize=maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if hyper["amsgrad"] else names

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        g = -grad if hyper["maximize"] else grad
        lr, (beta1, beta2), weight_decay = hyper["lr"], hyper["betas"], hyper["weight_decay"]
        if weight_decay:
            if self._decoupled:
                p.data *= 1.0 - lr * weight_decay
            else:
                g = g + weight_decay * p.data
        state = self.state[index]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        # The formulas are written with in-place operations on the temporaries they make
        # (four arrays instead of eight, a visible cost for large parameters). Each
        # operation is the formula's, on the same operands in the same order, with a
        # result of the same dtype (a scalar times an array is the array times the scalar),
        # so the numbers are the same to the bit. No ``out=``: with a 0-d parameter the
        # temporaries are NumPy scalars.
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * g
        exp_avg_sq *= beta2
        squared = g * g
        squared *= 1.0 - beta2
        exp_avg_sq += squared
        second = exp_avg_sq
        if hyper["amsgrad"]:
            # Made here, not with the others: amsgrad may be switched on in a group mid-run.
            running_max = state.get("max_exp_avg_sq")
            if running_max is None:
                running_max = state["max_exp_avg_sq"] = np.zeros_like(p.data)
            second = np.maximum(running_max, exp_avg_sq, out=running_max)
        denom = np.sqrt(second)
        denom /= math.sqrt(1.0 - beta2 ** step)
        denom += hyper["eps"]
        update = exp_avg / denom
        update *= lr / (1.0 - beta1 ** step)
        p.data -= update


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameter shrinks by ``lr * weight_decay``.

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
    weight_decay : float, default=1e-2
        Decoupled decay: ``p = p * (1 - lr * weight_decay)`` before the Adam step; the
        gradient (and so the moments) never sees it.
    amsgrad : bool, default=False
        Divide by the running maximum of the second moment (AMSGrad).
    maximize : bool, default=False
        Climb the objective instead of descending it.

    Notes
    -----
    PyTorch's rule: ``p = p * (1 - lr * weight_decay)``, then the :class:`Adam` step without
    weight decay in the gradient.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad import optim
    >>> w = mg.Tensor([2.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.zeros(1)
    >>> opt.step()
    >>> w.data
    array([1.9])
    """

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
