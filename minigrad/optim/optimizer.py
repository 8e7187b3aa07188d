"""The Optimizer base class, its state-dict layout, and the argument checks shared by optim.

State (``state_dict()``) is a flat ``dict[str, numpy.ndarray]`` that ``numpy.savez`` stores
without pickle::

    "kind"                        np.array("Adam")  (0-d unicode)
    "num_params"                  0-d int: length of the optimizer's parameter list
    "hyper.lr", "hyper.beta1"...  0-d hyper-parameters (flags as 0-d bool)
    "initial_lr"                  0-d float, only once a scheduler has set it (PyTorch keeps
                                  it in the param group, so a resumed schedule finds it)
    "state.3.exp_avg"             per-parameter state; 3 is the index in the parameter list
    "state.3.step"                0-d int: steps taken by that parameter (as in PyTorch,
                                  each parameter counts its own steps)
    "state.3.mu_product"          0-d float: a per-parameter scalar that is not an array of
                                  the parameter's shape (listed in ``_scalar_state``; NAdam)

The checks (``_number``, ``_eps``, ``_flag``, ``_parameter_list``, ``_describe_state``) turn
a bad argument into an error that names the optimizer (or scheduler, or
``clip_grad_norm_``) and the argument; ``Hyper`` is the type of a hyper-parameter dict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from minigrad.tensor import Tensor
from minigrad.versions import bump_version

__all__ = ["Hyper", "Optimizer"]


Hyper = dict[str, Any]


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


class Optimizer:
    """Base class: a list of parameters, their per-parameter state, ``step`` and ``zero_grad``.

    Subclasses define ``_check_hyper`` (validated hyper-parameters from keyword values),
    ``_state_names`` (which per-parameter arrays a configuration keeps) and ``_update``
    (one parameter's step). Hyper-parameters are public attributes (``opt.lr``), which the
    schedulers change. ``initial_lr`` is None until the first learning-rate scheduler
    records the rate it started from (PyTorch's ``param_groups[0]["initial_lr"]``).
    """

    params: list[Tensor]
    state: list[dict[str, Any]]
    lr: float
    initial_lr: float | None = None
    #: Per-parameter state entries that are 0-d float64 arrays, not arrays shaped like the
    #: parameter (NAdam's ``mu_product``).
    _scalar_state: tuple[str, ...] = ()

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
            p._grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient; the others are skipped.

        Every gradient is checked before any parameter moves, so a bad one (wrong shape,
        not numbers) raises with all parameters and the optimizer state as they were.
        """
        name = type(self).__name__
        updates = []
        for index, p in enumerate(self.params):
            grad = p._grad  # an ndarray: Tensor.grad's setter and the engine see to it
            if grad is None:
                continue
            if grad.shape != p.data.shape:
                raise ValueError(f"{name}.step: parameter {index} has shape {p.data.shape} "
                                 f"but its grad has shape {grad.shape}")
            if grad.dtype.kind not in "iuf":
                raise TypeError(f"{name}.step: the grad of parameter {index} must hold real "
                                f"numbers, got dtype {grad.dtype}")
            updates.append((index, p, grad.astype(p.data.dtype, copy=False)))
        for index, p, grad in updates:
            self._update(index, p, grad)
            # The step wrote into p.data: a graph that saved the old values must not be
            # backpropagated any more (see minigrad.versions).
            bump_version(p.data)

    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat copy of the hyper-parameters and per-parameter state (see module docs)."""
        out: dict[str, np.ndarray] = {
            "kind": np.array(type(self).__name__),
            "num_params": np.array(len(self.params), dtype=np.int64),
        }
        for key, value in self._hyper().items():
            out[f"hyper.{key}"] = np.array(value)
        if self.initial_lr is not None:
            out["initial_lr"] = np.array(self.initial_lr)
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
        initial_lr = state.get("initial_lr")
        if initial_lr is not None:
            initial = np.asarray(initial_lr)
            if initial.shape != () or initial.dtype.kind not in "iuf" or not np.isfinite(initial):
                problems.append(f"initial_lr: expected a finite number, got {initial_lr!r}")
        new_state: list[dict[str, Any]] = [{} for _ in self.params]
        if hyper is not None and not problems:
            problems += self._read_state(state, self._state_names(hyper), new_state)
        if problems:
            raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                             + "; ".join(problems))
        assert hyper is not None
        for key, value in self._check_hyper(hyper).items():
            setattr(self, key, value)
        # As PyTorch's param groups: the loaded state decides whether there is one.
        self.initial_lr = None if initial_lr is None else float(np.asarray(initial_lr))
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
                if key not in ("kind", "num_params", "initial_lr") \
                        and not key.startswith("hyper."):
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
                elif entry in self._scalar_state:
                    if array.shape != () or array.dtype.kind not in "iuf" \
                            or not np.isfinite(array):
                        problems.append(f"state.{index}.{entry}: expected one finite number, "
                                        f"got {array!r}")
                    else:
                        new_state[index][entry] = np.array(float(array), dtype=np.float64)
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
