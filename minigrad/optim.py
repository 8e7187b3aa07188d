"""Optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), learning-rate schedulers, grad clipping.

Every optimizer follows the update rule that ``torch.optim`` documents, with the same
defaults (SGD's is the exception: ``lr=0.01``), so a model trained with either gets the same
numbers. Parameters are updated in place (``p.data`` is owned by the Parameter); ``p.grad``
is only read. A parameter whose ``grad`` is None is skipped, its state untouched.

State (``state_dict()``) is a flat ``dict[str, numpy.ndarray]`` that ``numpy.savez`` stores
without pickle::

    "kind"                        np.array("Adam")  (0-d unicode)
    "num_params"                  0-d int: length of the optimizer's parameter list
    "hyper.lr", "hyper.beta1"...  0-d hyper-parameters (flags as 0-d bool)
    "state.3.exp_avg"             per-parameter state; 3 is the index in the parameter list
    "state.3.step"                0-d int: steps taken by that parameter (as in PyTorch,
                                  each parameter counts its own steps)

Examples
--------
>>> import numpy as np, minigrad as mg
>>> from minigrad import optim
>>> w = mg.Tensor([1.0, -2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w.data
array([ 0.46, -0.92])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from minigrad.tensor import Tensor

Hyper = dict[str, Any]


# --------------------------------------------------------------------------- validation


def _number(owner: str, name: str, value: Any, *, low: float | None = 0.0,
            high: float | None = None, high_open: bool = False) -> float:
    """``value`` as a Python float, or an error naming ``owner`` and ``name``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be finite, got {number}")
    if low is not None and number < low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {number}")
    if high is not None and (number >= high if high_open else number > high):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{owner}: {name} must lie in [{low}, {high}{bracket}, got {number}")
    return number


def _eps(owner: str, value: Any) -> float:
    """The ``eps`` of an adaptive method: > 0, since it is all that keeps 0 / 0 away.

    PyTorch accepts 0; here a weight whose gradients were all 0 (a dead unit) would then
    get the step 0 / 0 = NaN.
    """
    eps = _number(owner, "eps", value)
    if eps == 0:
        raise ValueError(f"{owner}: eps must be > 0, got 0.0: with eps=0 a weight whose "
                         "gradients have all been 0 gets the step 0/0 = NaN")
    return eps


def _flag(owner: str, name: str, value: Any) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def _betas(owner: str, betas: Any) -> tuple[float, float]:
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}") from None
    return (_number(owner, "betas[0]", beta1, high=1.0, high_open=True),
            _number(owner, "betas[1]", beta2, high=1.0, high_open=True))


def _describe_state(state: Any) -> str:
    """What a would-be state dict is, for an error message."""
    if isinstance(state, Mapping):
        keys = [k for k in state if not isinstance(k, str)]
        return f"a {type(state).__name__} with non-str key {keys[0]!r}"
    return type(state).__name__


def _parameter_list(owner: str, params: Any) -> list[Tensor]:
    """The distinct Tensors of ``params`` in order; any iterable (a generator too)."""
    if isinstance(params, Tensor):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a single "
                        "Tensor; wrap it in a list: [tensor]")
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a "
                        f"{type(params).__name__}; pass model.parameters()")
    if isinstance(params, dict) or not isinstance(params, Iterable):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got "
                        f"{type(params).__name__}")
    unique: list[Tensor] = []
    seen: set[int] = set()
    for position, p in enumerate(params):
        if not isinstance(p, Tensor):
            hint = ("; parameter groups (dicts) are not supported" if isinstance(p, dict)
                    else "")
            raise TypeError(f"{owner}: item {position} of params is a {type(p).__name__}, "
                            f"expected a Parameter or Tensor{hint}")
        if not p.is_leaf:
            raise ValueError(f"{owner}: item {position} of params is not a leaf tensor (it was "
                             "computed by an op), so it cannot be optimized")
        if id(p) not in seen:  # a shared parameter is updated once per step
            seen.add(id(p))
            unique.append(p)
    if not unique:
        raise ValueError(f"{owner}: optimizer got an empty parameter list")
    return unique


# --------------------------------------------------------------------------- base class


class Optimizer:
    """Base class: a list of parameters, their per-parameter state, ``step`` and ``zero_grad``.

    Subclasses define ``_check_hyper`` (validated hyper-parameters from keyword values),
    ``_state_names`` (which per-parameter arrays a configuration keeps) and ``_update``
    (one parameter's step). Hyper-parameters are public attributes (``opt.lr``), which the
    schedulers change.
    """

    params: list[Tensor]
    state: list[dict[str, Any]]
    lr: float

    def __init__(self, params: Iterable[Tensor], hyper: Hyper) -> None:
        name = type(self).__name__
        self.params = _parameter_list(name, params)
        for key, value in self._check_hyper(hyper).items():
            setattr(self, key, value)
        self.state = [{} for _ in self.params]

    # ----------------------------------------------------------------- subclass hooks

    def _check_hyper(self, hyper: Hyper) -> Hyper:
        raise NotImplementedError(f"{type(self).__name__} does not define _check_hyper")

    def _hyper(self) -> Hyper:
        """The current hyper-parameters, by their state-dict names."""
        raise NotImplementedError(f"{type(self).__name__} does not define _hyper")

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define _state_names")

    def _update(self, index: int, p: Tensor, grad: np.ndarray) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    # ----------------------------------------------------------------- public API

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``, PyTorch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient; the others are skipped.

        Every gradient is checked before any parameter moves, so a bad one (wrong shape,
        not numbers) raises with all parameters and the optimizer state as they were.
        """
        name = type(self).__name__
        updates = []
        for index, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = np.asarray(p.grad)
            if grad.shape != p.data.shape:
                raise ValueError(f"{name}.step: parameter {index} has shape {p.data.shape} "
                                 f"but its grad has shape {grad.shape}")
            if grad.dtype.kind not in "iuf":
                raise TypeError(f"{name}.step: the grad of parameter {index} must hold real "
                                f"numbers, got dtype {grad.dtype}")
            updates.append((index, p, grad.astype(p.data.dtype, copy=False)))
        for index, p, grad in updates:
            self._update(index, p, grad)

    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat copy of the hyper-parameters and per-parameter state (see module docs)."""
        out: dict[str, np.ndarray] = {
            "kind": np.array(type(self).__name__),
            "num_params": np.array(len(self.params), dtype=np.int64),
        }
        for key, value in self._hyper().items():
            out[f"hyper.{key}"] = np.array(value)
        for index, entries in enumerate(self.state):
            for key, value in entries.items():
                out[f"state.{index}.{key}"] = (np.array(value, dtype=np.int64) if key == "step"
                                               else value.copy())
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyper-parameters and per-parameter state saved by :meth:`state_dict`.

        Everything is checked first (kind of optimizer, number of parameters, names,
        hyper-parameter values, shapes); any problem raises one ValueError listing them all
        and leaves the optimizer unchanged. Arrays are copied, cast to each parameter's
        dtype.
        """
        name = type(self).__name__
        if not isinstance(state, Mapping) or not all(isinstance(k, str) for k in state):
            raise TypeError(f"{name}.load_state_dict: expected a dict of arrays by str keys "
                            f"(from state_dict() or mg.load), got {_describe_state(state)}")
        problems: list[str] = []
        kind = state.get("kind")
        if kind is None or str(np.asarray(kind)) != name:
            problems.append(f"kind: expected {name!r}, got "
                            f"{None if kind is None else str(np.asarray(kind))!r}")
        count = np.asarray(state.get("num_params", -1))
        if count.shape != () or count.dtype.kind not in "iu" or int(count) != len(self.params):
            problems.append(f"num_params: this optimizer has {len(self.params)} parameters, "
                            f"the state is for {state.get('num_params')!r}")
        hyper, hyper_problems = self._read_hyper(state)
        problems += hyper_problems
        new_state: list[dict[str, Any]] = [{} for _ in self.params]
        if hyper is not None and not problems:
            problems += self._read_state(state, self._state_names(hyper), new_state)
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                             + "; ".join(problems))
        assert hyper is not None
        for key, value in self._check_hyper(hyper).items():
            setattr(self, key, value)
        self.state = new_state

    # ----------------------------------------------------------------- helpers

    def _read_hyper(self, state: dict[str, Any]) -> tuple[Hyper | None, list[str]]:
        expected = self._hyper()
        values: Hyper = {}
        problems = []
        for key in expected:
            if f"hyper.{key}" not in state:
                problems.append(f"missing key hyper.{key}")
                continue
            value = np.asarray(state[f"hyper.{key}"])
            if value.shape != ():
                problems.append(f"hyper.{key}: expected a single value, got shape {value.shape}")
                continue
            values[key] = value.item()
        for key in state:
            if key.startswith("hyper.") and key[6:] not in expected:
                problems.append(f"unexpected key {key}")
        if problems:
            return None, problems
        try:
            self._check_hyper(values)
        except (TypeError, ValueError) as error:
            return None, [str(error)]
        return values, []

    def _read_state(self, state: dict[str, Any], names: tuple[str, ...],
                    new_state: list[dict[str, Any]]) -> list[str]:
        problems = []
        found: dict[int, dict[str, Any]] = {}
        for key, value in state.items():
            if not key.startswith("state."):
                if key not in ("kind", "num_params") and not key.startswith("hyper."):
                    problems.append(f"unexpected key {key}")
                continue
            _, index_text, entry = (key.split(".", 2) + ["", ""])[:3]
            if not index_text.isdigit() or int(index_text) >= len(self.params):
                problems.append(f"{key}: no parameter with index {index_text!r}")
            elif entry not in names:
                problems.append(f"unexpected key {key} (this configuration keeps "
                                f"{', '.join(names)})")
            else:
                found.setdefault(int(index_text), {})[entry] = value
        for index, entries in sorted(found.items()):
            missing = [n for n in names if n not in entries]
            if missing:
                problems.append(f"state.{index}: missing {', '.join(missing)}")
                continue
            p = self.params[index]
            for entry, value in entries.items():
                array = np.asarray(value)
                if entry == "step":
                    if array.shape != () or array.dtype.kind not in "iu" or int(array) < 1:
                        problems.append(f"state.{index}.step: expected a positive integer, "
                                        f"got {array!r}")
                    else:
                        new_state[index][entry] = int(array)
                elif array.dtype.kind not in "iuf":
                    problems.append(f"state.{index}.{entry}: expected numbers, got dtype "
                                    f"{array.dtype}")
                elif array.shape != p.data.shape:
                    problems.append(f"state.{index}.{entry}: expected shape {p.data.shape} "
                                    f"(parameter {index}), got {array.shape}")
                else:
                    new_state[index][entry] = np.array(array, dtype=p.data.dtype, copy=True)
        return problems

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({body})"


# --------------------------------------------------------------------------- SGD


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


# --------------------------------------------------------------------------- Adam, AdamW


class Adam(Optimizer):
    """Adam: per-element steps from running averages of the gradient and its square.

    Parameters
    ----------
    params : iterable of Parameter
        What to optimize.
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

    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool
    _decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        beta1, beta2 = _betas(type(self).__name__, betas)
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    @property
    def betas(self) -> tuple[float, float]:
        """``(beta1, beta2)``."""
        return self.beta1, self.beta2

    def _check_hyper(self, hyper: Hyper) -> Hyper:
        owner = type(self).__name__
        beta1, beta2 = _betas(owner, (hyper["beta1"], hyper["beta2"]))
        return dict(
            lr=_number(owner, "lr", hyper["lr"]),
            beta1=beta1,
            beta2=beta2,
            eps=_eps(owner, hyper["eps"]),
            weight_decay=_number(owner, "weight_decay", hyper["weight_decay"]),
            amsgrad=_flag(owner, "amsgrad", hyper["amsgrad"]),
            maximize=_flag(owner, "maximize", hyper["maximize"]),
        )

    def _hyper(self) -> Hyper:
        return dict(lr=self.lr, beta1=self.beta1, beta2=self.beta2, eps=self.eps,
                    weight_decay=self.weight_decay, amsgrad=self.amsgrad,
                    maximize=self.maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if hyper["amsgrad"] else names

    def _update(self, index: int, p: Tensor, grad: np.ndarray) -> None:
        g = -grad if self.maximize else grad
        lr, beta1, beta2 = self.lr, self.beta1, self.beta2
        if self.weight_decay:
            if self._decoupled:
                p.data *= 1.0 - lr * self.weight_decay
            else:
                g = g + self.weight_decay * p.data
        state = self.state[index]
        if not state:
            state["step"] = 0
            for name in self._state_names(self._hyper())[1:]:
                state[name] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * g
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * (g * g)
        second = exp_avg_sq
        if self.amsgrad:
            second = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        denom = np.sqrt(second) / math.sqrt(1.0 - beta2 ** step) + self.eps
        p.data -= (lr / (1.0 - beta1 ** step)) * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameter shrinks by ``lr * weight_decay``.

    Parameters
    ----------
    params : iterable of Parameter
        What to optimize.
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

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


# --------------------------------------------------------------------------- RMSprop, Adagrad


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    Parameters
    ----------
    params : iterable of Parameter
        What to optimize.
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

    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _check_hyper(self, hyper: Hyper) -> Hyper:
        owner = "RMSprop"
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

    def _hyper(self) -> Hyper:
        return dict(lr=self.lr, alpha=self.alpha, eps=self.eps,
                    weight_decay=self.weight_decay, momentum=self.momentum,
                    centered=self.centered, maximize=self.maximize)

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        names: tuple[str, ...] = ("square_avg",)
        if hyper["centered"]:
            names += ("grad_avg",)
        if hyper["momentum"] > 0:
            names += ("momentum_buffer",)
        return names

    def _update(self, index: int, p: Tensor, grad: np.ndarray) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        alpha = self.alpha
        state = self.state[index]
        if not state:
            for name in self._state_names(self._hyper()):
                state[name] = np.zeros_like(p.data)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * (g * g)
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * g
            denom = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0.0)) + self.eps
        else:
            denom = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / denom
            p.data -= self.lr * buf
        else:
            p.data -= self.lr * (g / denom)


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


# --------------------------------------------------------------------------- schedulers


class LRScheduler:
    """Base class: sets ``optimizer.lr`` from a closed form of the epoch count.

    ``last_epoch`` starts at 0 with the optimizer's learning rate as ``base_lr``; each
    :meth:`step` (call it once per epoch, after ``optimizer.step()``) adds one and writes
    the new rate into ``optimizer.lr``.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        self._apply()

    def lr_at(self, epoch: int) -> float:
        """The learning rate after ``epoch`` scheduler steps."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at")

    def _hyper(self) -> dict[str, float]:
        raise NotImplementedError(f"{type(self).__name__} does not define _hyper")

    def _apply(self) -> None:
        self._last_lr = self.lr_at(self.last_epoch)
        self.optimizer.lr = self._last_lr

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a one-element list (PyTorch's form)."""
        return [self._last_lr]

    def state_dict(self) -> dict[str, np.ndarray]:
        """``kind``, ``base_lr``, ``last_epoch`` and ``hyper.<name>`` as 0-d arrays."""
        out = {"kind": np.array(type(self).__name__), "base_lr": np.array(self.base_lr),
               "last_epoch": np.array(self.last_epoch, dtype=np.int64)}
        out.update({f"hyper.{k}": np.array(v) for k, v in self._hyper().items()})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved and set the optimizer's rate to match."""
        name = type(self).__name__
        if not isinstance(state, Mapping) or not all(isinstance(k, str) for k in state):
            raise TypeError(f"{name}.load_state_dict: expected a dict of arrays by str keys "
                            f"(from state_dict() or mg.load), got {_describe_state(state)}")
        expected = {"kind", "base_lr", "last_epoch", *(f"hyper.{k}" for k in self._hyper())}
        problems = [f"missing key {k}" for k in sorted(expected - set(state))]
        problems += [f"unexpected key {k}" for k in sorted(set(state) - expected)]
        if not problems:
            arrays = {k: np.asarray(v) for k, v in state.items()}
            if str(arrays["kind"]) != name:
                problems.append(f"kind: expected {name!r}, got {str(arrays['kind'])!r}")
            epoch = arrays["last_epoch"]
            if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
                problems.append(f"last_epoch: expected an integer >= 0, got {epoch!r}")
            for key in expected - {"kind", "last_epoch"}:
                value = arrays[key]
                if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
                    problems.append(f"{key}: expected a finite number, got {value!r}")
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                             + "; ".join(problems))
        for key in self._hyper():
            setattr(self, key, type(getattr(self, key))(arrays[f"hyper.{key}"].item()))
        self.base_lr = float(arrays["base_lr"])
        self.last_epoch = int(arrays["last_epoch"])
        self._apply()

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({body}, last_epoch={self.last_epoch})"


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    step_size : int
        Epochs between decays.
    gamma : float, default=0.1
        Decay factor (> 0).

    Notes
    -----
    ``lr = base_lr * gamma ** (last_epoch // step_size)``

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(opt.lr)
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number("StepLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"StepLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)

    def _hyper(self) -> dict[str, float]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    gamma : float
        Decay factor (> 0).

    Notes
    -----
    ``lr = base_lr * gamma ** last_epoch``

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma)
        if self.gamma <= 0:
            raise ValueError(f"ExponentialLR: gamma must be > 0, got {self.gamma}")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** epoch

    def _hyper(self) -> dict[str, float]:
        return {"gamma": self.gamma}


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from ``base_lr`` to ``eta_min`` along a half cosine.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``lr`` to set.
    T_max : int
        Epochs from ``base_lr`` down to ``eta_min``.
    eta_min : float, default=0
        The lowest learning rate.

    Notes
    -----
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2``, the
    closed form PyTorch documents; past ``T_max`` it rises again along the same cosine.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import optim
    >>> opt = optim.SGD([mg.Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.CosineAnnealingLR(opt, T_max=2)
    >>> sched.step()
    >>> round(opt.lr, 12)
    0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (self.base_lr - self.eta_min) * cosine

    def _hyper(self) -> dict[str, float]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}


# --------------------------------------------------------------------------- clipping


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
