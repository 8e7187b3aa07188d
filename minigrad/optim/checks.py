"""The argument checks shared by everything in optim, and the reading of ``params``.

Each check turns a bad argument into an error that names its owner (an optimizer, a param
group of one: ``"SGD: param group 1"``, a scheduler, ``clip_grad_norm_``) and the argument.
:func:`_raw_groups` and :func:`_group_parameters` read what an optimizer is given: an
iterable of Parameters, or a list of param-group dicts as in ``torch.optim``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from minigrad.tensor import Tensor

__all__ = ["Hyper"]


#: The type of a hyper-parameter dict (``{"lr": 0.1, "momentum": 0.9, ...}``).
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


def _is_module(value: Any) -> bool:
    return hasattr(value, "parameters") and callable(value.parameters)


def _raw_groups(owner: str, params: Any) -> tuple[list[Any], bool]:
    """The items of an optimizer's ``params``, and whether they are param-group dicts.

    Either every item is a Parameter (one group, built from the constructor's defaults) or
    every item is a dict (a list of param groups); a mix is refused, as are a lone Tensor,
    a Module and a lone dict (each with the fix in the message).
    """
    if isinstance(params, Tensor):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a single "
                        "Tensor; wrap it in a list: [tensor]")
    if _is_module(params):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a "
                        f"{type(params).__name__}; pass model.parameters()")
    if isinstance(params, Mapping):
        raise TypeError(f"{owner}: params must be an iterable of Parameters or of param "
                        "groups (dicts), got a single dict; put the group in a list: [group]")
    if not isinstance(params, Iterable):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got "
                        f"{type(params).__name__}")
    items = list(params)
    if not items:
        raise ValueError(f"{owner}: optimizer got an empty parameter list")
    is_group = [isinstance(item, Mapping) for item in items]
    if any(is_group) and not all(is_group):
        odd = is_group.index(not is_group[0])
        raise TypeError(f"{owner}: item {odd} of params is a {type(items[odd]).__name__} but "
                        f"item 0 is a {type(items[0]).__name__}; give either Parameters or "
                        "param groups (dicts with 'params'), not both")
    return items, is_group[0]


def _group_parameters(owner: str, params: Any, *, single_ok: bool) -> list[Tensor]:
    """The distinct leaf Tensors of ``params`` in order; a generator is fine.

    ``single_ok``: a lone Tensor stands for ``[tensor]`` (torch allows it in a param
    group's ``"params"``). A set is refused: its order, and so the order of the state, would
    change from run to run (torch refuses it too).
    """
    if isinstance(params, Tensor):
        if single_ok:
            params = [params]
        else:
            raise TypeError(f"{owner}: params must be an iterable of Parameters, got a "
                            "single Tensor; wrap it in a list: [tensor]")
    if _is_module(params):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got a "
                        f"{type(params).__name__}; pass model.parameters()")
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{owner}: params must be an ordered collection, got a set (its order "
                        "changes between runs); use a list")
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
        raise TypeError(f"{owner}: params must be an iterable of Parameters, got "
                        f"{type(params).__name__}")
    unique: list[Tensor] = []
    seen: set[int] = set()
    for position, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: item {position} of params is a {type(p).__name__}, "
                            f"expected a Parameter or Tensor")
        if not p.is_leaf:
            raise ValueError(f"{owner}: item {position} of params is not a leaf tensor (it was "
                             "computed by an op), so it cannot be optimized")
        if id(p) not in seen:  # a shared parameter is updated once per step
            seen.add(id(p))
            unique.append(p)
    return unique
