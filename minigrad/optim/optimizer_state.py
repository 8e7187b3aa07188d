"""The layout of an optimizer's ``state_dict()``, and its writing and (checked) reading.

``state_dict()`` is a flat ``dict[str, numpy.ndarray]`` that ``numpy.savez`` stores without
pickle::

    "kind"                        np.array("Adam")  (0-d unicode)
    "num_params"                  0-d int: the number of parameters, all groups together
    "hyper.lr", "hyper.beta1"...  0-d hyper-parameters of param group 0 (flags as 0-d bool;
                                  the pair betas as beta1 and beta2)
    "initial_lr"                  0-d float: group 0's, once a scheduler has set it (PyTorch
                                  keeps it in the param group, so a resumed schedule finds it)
    "group_sizes"                 1-d int, only with two groups or more: how many parameters
                                  each group holds (they are numbered group after group)
    "group.1.hyper.lr", ...       the same for param group 1, 2 ...
    "group.1.initial_lr"
    "state.3.exp_avg"             per-parameter state; 3 is the index in ``opt.params``
    "state.3.step"                0-d int: steps taken by that parameter (as in PyTorch,
                                  each parameter counts its own steps)
    "state.3.mu_product"          0-d float: a per-parameter scalar that is not an array of
                                  the parameter's shape (listed in ``_scalar_state``; NAdam)

A one-group state is exactly the layout of minigrad before param groups, so older files load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.optim.checks import Hyper, _describe_state

if TYPE_CHECKING:
    from minigrad.optim.optimizer import Optimizer

__all__ = ["group_prefix", "read_state", "write_state"]


def group_prefix(index: int) -> str:
    """The state-dict prefix of param group ``index``: none for group 0 (see module docs)."""
    return "" if index == 0 else f"group.{index}."


def write_state(opt: Optimizer) -> dict[str, np.ndarray]:
    """``opt.state_dict()``: see the module docs."""
    out: dict[str, np.ndarray] = {
        "kind": np.array(type(opt).__name__),
        "num_params": np.array(len(opt.params), dtype=np.int64),
    }
    if len(opt.param_groups) > 1:
        out["group_sizes"] = np.array([len(g["params"]) for g in opt.param_groups],
                                      dtype=np.int64)
    for index, group in enumerate(opt.param_groups):
        prefix = group_prefix(index)
        for key, value in opt._flat(opt._checked(index, group)).items():
            out[f"{prefix}hyper.{key}"] = np.array(value)
        if "initial_lr" in group:
            out[f"{prefix}initial_lr"] = np.array(float(group["initial_lr"]))
    for index, entries in enumerate(opt.state):
        for key, value in entries.items():
            out[f"state.{index}.{key}"] = (np.array(value, dtype=np.int64) if key == "step"
                                           else value.copy())
    return out


def read_state(opt: Optimizer, state: Any) -> None:
    """``opt.load_state_dict(state)``: everything checked first, then applied."""
    name = type(opt).__name__
    if not isinstance(state, Mapping) or not all(isinstance(k, str) for k in state):
        raise TypeError(f"{name}.load_state_dict: expected a dict of arrays by str keys "
                        f"(from state_dict() or mg.load), got {_describe_state(state)}")
    problems: list[str] = []
    kind = state.get("kind")
    if kind is None or str(np.asarray(kind)) != name:
        problems.append(f"kind: expected {name!r}, got "
                        f"{None if kind is None else str(np.asarray(kind))!r}")
    count = np.asarray(state.get("num_params", -1))
    if count.shape != () or count.dtype.kind not in "iu" or int(count) != len(opt.params):
        problems.append(f"num_params: this optimizer has {len(opt.params)} parameters, "
                        f"the state is for {state.get('num_params')!r}")
    structure = _check_group_sizes(opt, state)
    problems += structure
    known = {"kind", "num_params", "group_sizes"}
    hypers: list[Hyper] = []
    initials: list[float | None] = []
    if not structure:
        for index in range(len(opt.param_groups)):
            prefix = group_prefix(index)
            hyper, initial, group_problems = _read_group(opt, state, index)
            problems += group_problems
            hypers.append(hyper)
            initials.append(initial)
            known |= {f"{prefix}hyper.{k}" for k in opt._flat(opt.defaults)}
            known.add(f"{prefix}initial_lr")
        problems += [f"unexpected key {key}" for key in state
                     if key not in known and not key.startswith("state.")]
    new_state: list[dict[str, Any]] = [{} for _ in opt.params]
    if not problems:
        problems += _read_state(opt, state, hypers, new_state)
    if problems:
        raise ValueError(f"{name}.load_state_dict failed (nothing was changed): "
                         + "; ".join(problems))
    for group, hyper, initial in zip(opt.param_groups, hypers, initials):
        group.update(hyper)
        # As PyTorch's param groups: the loaded state decides whether there is one.
        if initial is None:
            group.pop("initial_lr", None)
        else:
            group["initial_lr"] = initial
    opt.state = new_state


def _check_group_sizes(opt: Optimizer, state: Mapping[str, Any]) -> list[str]:
    sizes = [len(group["params"]) for group in opt.param_groups]
    saved = state.get("group_sizes")
    if saved is None:
        if len(sizes) == 1:
            return []
        return [f"group_sizes: this optimizer has {len(sizes)} param groups (holding "
                f"{sizes} parameters), the state is for one group"]
    array = np.asarray(saved)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        return [f"group_sizes: expected a list of integers, got {saved!r}"]
    if array.tolist() != sizes:
        return [f"group_sizes: this optimizer's param groups hold {sizes} parameters, "
                f"the state's {array.tolist()}"]
    return []


def _read_group(opt: Optimizer, state: Mapping[str, Any], index: int
                ) -> tuple[Hyper, float | None, list[str]]:
    """Group ``index``'s checked hyper-parameters and ``initial_lr`` from ``state``."""
    prefix = group_prefix(index)
    values: Hyper = {}
    problems = []
    for key in opt._flat(opt.defaults):
        if f"{prefix}hyper.{key}" not in state:
            problems.append(f"missing key {prefix}hyper.{key}")
            continue
        value = np.asarray(state[f"{prefix}hyper.{key}"])
        if value.shape != ():
            problems.append(f"{prefix}hyper.{key}: expected a single value, got shape "
                            f"{value.shape}")
            continue
        values[key] = value.item()
    hyper: Hyper = {}
    if not problems:
        try:
            hyper = opt._check_live(opt._unflat(values), opt._owner(index))
        except (TypeError, ValueError) as error:
            problems.append(str(error))
    initial = state.get(f"{prefix}initial_lr")
    if initial is None:
        return hyper, None, problems
    number = np.asarray(initial)
    if number.shape != () or number.dtype.kind not in "iuf" or not np.isfinite(number):
        problems.append(f"{prefix}initial_lr: expected a finite number, got {initial!r}")
        return hyper, None, problems
    return hyper, float(number), problems


def _read_state(opt: Optimizer, state: Mapping[str, Any], hypers: list[Hyper],
                new_state: list[dict[str, Any]]) -> list[str]:
    problems = []
    group_of = [g for g, group in enumerate(opt.param_groups) for _ in group["params"]]
    found: dict[int, dict[str, Any]] = {}
    for key, value in state.items():
        if not key.startswith("state."):
            continue
        _, index_text, entry = (key.split(".", 2) + ["", ""])[:3]
        if not index_text.isdigit() or int(index_text) >= len(opt.params):
            problems.append(f"{key}: no parameter with index {index_text!r}")
            continue
        names = opt._state_names(hypers[group_of[int(index_text)]])
        if entry not in names and entry not in opt._state_entries:
            problems.append(f"unexpected key {key} (this configuration keeps "
                            f"{', '.join(names) or 'no state'})")
        else:
            found.setdefault(int(index_text), {})[entry] = value
    for index, entries in sorted(found.items()):
        names = opt._state_names(hypers[group_of[index]])
        missing = [n for n in names if n not in entries]
        if missing:
            problems.append(f"state.{index}: missing {', '.join(missing)}")
            continue
        p = opt.params[index]
        for entry, value in entries.items():
            array = np.asarray(value)
            if entry == "step":
                if array.shape != () or array.dtype.kind not in "iu" or int(array) < 1:
                    problems.append(f"state.{index}.step: expected a positive integer, "
                                    f"got {array!r}")
                else:
                    new_state[index][entry] = int(array)
            elif entry in opt._scalar_state:
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
