"""The Optimizer base class: param groups, ``step``, ``zero_grad`` and the hyper-parameters.

Param groups
------------
As in ``torch.optim``, an optimizer holds a list of *param groups*, ``opt.param_groups``:
dicts with ``"params"`` (a list of Parameters) and every hyper-parameter by torch's name
(``"lr"``, ``"momentum"``, ``"betas"`` ...). ``SGD(model.parameters(), lr=0.1)`` makes one
group; ``SGD([{"params": body, "lr": 0.01}, {"params": head}], lr=0.1)`` makes two, each key
a group leaves out taking the constructor's value (``opt.defaults``). Each group is checked
as the constructor's arguments are, and an error names the group (``"SGD: param group 1: lr
must be >= 0.0, got -0.1"``); a key the optimizer does not know, or a parameter that is
already in another group, is refused. A group may hold no parameters (as in torch).

The dicts are live, as torch's: ``opt.param_groups[1]["lr"] = 0.05`` is the rate the next
``step`` uses. The values are checked there, before any parameter moves, as the constructor
checks them, except that a rate set after construction (by a scheduler, by hand, by
``load_state_dict``) only has to be a finite number: torch lets a schedule such as LambdaLR
go below zero. ``opt.add_param_group(group)`` adds a group (a layer unfrozen while
fine-tuning); a group's ``"params"`` list edited in place is refused at the next step, since
the per-parameter state follows the parameters by position. A group also holds
``"initial_lr"`` once a scheduler has recorded the rate it started from.

The hyper-parameters are attributes too (``opt.lr``, ``opt.weight_decay``, ``opt.betas``
...), for code written before groups existed and for the common one-group case: reading
gives param group 0's value; writing checks the value and sets it in *every* group, so
``opt.lr = 0.01`` means what it says. To change one group, write into its dict.

State dict
----------
``state_dict()`` is a flat ``dict[str, numpy.ndarray]`` that ``numpy.savez`` (and
``mg.save``) store without pickle; its layout is in :mod:`minigrad.optim.optimizer_state`.
A one-group state has the layout of minigrad before param groups, so older files load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import is_
from typing import Any, Generic, TypeVar, overload

import numpy as np

from minigrad.optim.checks import Hyper, _group_parameters, _number, _raw_groups
from minigrad.optim.optimizer_state import read_state, write_state
from minigrad.tensor import Tensor
from minigrad.versions import bump_versions

__all__ = ["GroupHyper", "Hyper", "Optimizer"]

T = TypeVar("T")


_MISSING = object()  # a hyper-parameter deleted from a param group


class GroupHyper(Generic[T]):
    """A hyper-parameter as an optimizer attribute (``opt.lr``), over the param groups.

    Reading gives param group 0's value; writing checks the value against every group and
    sets it in all of them. ``part`` picks one element of a pair (``beta1`` is ``betas[0]``;
    writing it keeps each group's other element).
    """

    def __init__(self, key: str | None = None, part: int | None = None) -> None:
        self.key = key or ""
        self.part = part

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = self.key or name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> GroupHyper[T]: ...

    @overload
    def __get__(self, obj: Optimizer, objtype: type | None = None) -> T: ...

    def __get__(self, obj: Optimizer | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.param_groups[0][self.key]
        return value if self.part is None else value[self.part]

    def __set__(self, obj: Optimizer, value: T) -> None:
        obj._set_everywhere(self.key, value, self.part)


class Optimizer:
    """Base class: param groups of parameters, per-parameter state, ``step`` and
    ``zero_grad`` (see the module docs for the groups and the state-dict layout).

    Subclasses pass their constructor's hyper-parameters to ``__init__`` (they become
    ``defaults``, checked) and define ``_check_hyper`` (validated hyper-parameters of one
    group), ``_state_names`` (which per-parameter entries a configuration keeps),
    ``_state_entries`` (every entry any configuration keeps) and ``_update`` (one
    parameter's step with its group's values).

    Attributes
    ----------
    param_groups : list of dict
        ``"params"`` and every hyper-parameter, per group; live (see the module docs).
    defaults : dict
        The constructor's hyper-parameters: what a group leaves out.
    params : list of Parameter
        Every parameter, group after group; ``state[i]`` belongs to ``params[i]``.
    state : list of dict
        Per-parameter state (momentum buffers, moments, step counts).
    """

    params: list[Tensor]
    state: list[dict[str, Any]]
    param_groups: list[dict[str, Any]]
    defaults: Hyper
    lr = GroupHyper[float]()
    #: Per-parameter state entries that are 0-d float64 arrays, not arrays shaped like the
    #: parameter (NAdam's ``mu_product``).
    _scalar_state: tuple[str, ...] = ()
    #: Every per-parameter entry some configuration keeps: an entry left over from another
    #: configuration (momentum set to 0 mid-run) is kept and saved, as torch keeps it.
    _state_entries: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any], defaults: Hyper) -> None:
        name = type(self).__name__
        self.defaults = self._check_hyper(defaults, name)
        self.params, self.state, self.param_groups = [], [], []
        self._checked_cache: dict[int, tuple[dict[str, Any], list[Any], Hyper]] = {}
        items, grouped = _raw_groups(name, params)
        if grouped:
            for index, group in enumerate(items):
                self._add_group(group, f"{name}: param group {index}")
        else:
            self._add_group({"params": items}, name, single_ok=False)

    # ----------------------------------------------------------------- subclass hooks

    def _check_hyper(self, hyper: Hyper, owner: str) -> Hyper:
        """One group's hyper-parameters, checked and as Python numbers; errors name
        ``owner``."""
        raise NotImplementedError(f"{type(self).__name__} does not define _check_hyper")

    def _state_names(self, hyper: Hyper) -> tuple[str, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not define _state_names")

    def _update(self, index: int, p: Tensor, grad: np.ndarray, hyper: Hyper) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    def _flat(self, hyper: Hyper) -> Hyper:
        """A group's hyper-parameters by their state-dict names (one number each)."""
        return dict(hyper)

    def _unflat(self, flat: Hyper) -> Hyper:
        """The inverse of :meth:`_flat`."""
        return dict(flat)

    # ----------------------------------------------------------------- param groups

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a param group, as ``torch.optim.Optimizer.add_param_group``.

        Parameters
        ----------
        param_group : dict
            ``"params"`` (an iterable of Parameters, or one) and any hyper-parameters;
            the others are taken from ``opt.defaults``.

        The group is checked as the constructor's groups are (values, unknown keys, a
        parameter already in a group); a refused group leaves the optimizer unchanged. The
        optimizer keeps its own copy of the dict.

        Examples
        --------
        >>> import minigrad as mg
        >>> from minigrad import optim
        >>> body, head = mg.Tensor([1.0], requires_grad=True), mg.Tensor([1.0], requires_grad=True)
        >>> opt = optim.SGD([body], lr=0.1, momentum=0.9)
        >>> opt.add_param_group({"params": [head], "lr": 0.01})
        >>> [(g["lr"], g["momentum"]) for g in opt.param_groups]
        [(0.1, 0.9), (0.01, 0.9)]
        """
        self._add_group(param_group,
                        f"{type(self).__name__}: param group {len(self.param_groups)}")

    def _add_group(self, raw: Any, owner: str, *, single_ok: bool = True) -> None:
        if not isinstance(raw, Mapping):
            raise TypeError(f"{owner}: a param group must be a dict with 'params', got "
                            f"{type(raw).__name__}")
        allowed = ("params", *self.defaults, "initial_lr")
        unknown = [key for key in raw if key not in allowed]
        if unknown:
            raise ValueError(f"{owner}: unknown key {unknown[0]!r}; a param group of "
                             f"{type(self).__name__} takes {', '.join(map(repr, allowed))}")
        if "params" not in raw:
            raise ValueError(f"{owner}: 'params' is missing; a param group is a dict with "
                             "'params' and the hyper-parameters it sets")
        params = _group_parameters(owner, raw["params"], single_ok=single_ok)
        home = {id(p): index for index, group in enumerate(self.param_groups)
                for p in group["params"]}
        for position, p in enumerate(params):
            if id(p) in home:
                raise ValueError(f"{owner}: parameter {position} of params is already in param "
                                 f"group {home[id(p)]}; a parameter can be in one group only")
        values = {**self.defaults, **{k: raw[k] for k in self.defaults if k in raw}}
        group: dict[str, Any] = {"params": params, **self._check_hyper(values, owner)}
        if "initial_lr" in raw:
            group["initial_lr"] = _number(owner, "initial_lr", raw["initial_lr"])
        self.param_groups.append(group)
        self.params.extend(params)
        self.state.extend({} for _ in params)

    def _owner(self, index: int) -> str:
        """Who a group's error names: the optimizer alone when it has one group."""
        name = type(self).__name__
        return name if len(self.param_groups) == 1 else f"{name}: param group {index}"

    def _checked(self, index: int, group: dict[str, Any]) -> Hyper:
        """Group ``index``'s hyper-parameters as they are now, checked.

        The checked values are written back into the group (an ``np.float32`` rate becomes
        the Python float used, a list of betas a tuple) and remembered: while the group
        holds the very same objects, the next call skips the checks (they cost about a
        fifth of a small model's SGD step).
        """
        values = [group.get(key, _MISSING) for key in self.defaults]
        cached = self._checked_cache.get(index)
        if cached is not None and cached[0] is group and all(map(is_, values, cached[1])):
            return cached[2]
        owner = f"{type(self).__name__}: param group {index}"
        missing = [key for key, value in zip(self.defaults, values) if value is _MISSING]
        if missing:
            raise ValueError(f"{owner}: {missing[0]!r} is missing (it was deleted from "
                             f"param_groups[{index}])")
        checked = self._check_live(dict(zip(self.defaults, values)), owner)
        group.update(checked)
        self._checked_cache[index] = (group, [checked[key] for key in self.defaults], checked)
        return checked

    def _check_live(self, hyper: Hyper, owner: str) -> Hyper:
        """:meth:`_check_hyper`, except that ``lr`` may be any finite number.

        A rate written after construction (by a scheduler, by hand, by ``load_state_dict``)
        is taken as torch takes it: a LambdaLR may well go below zero.
        """
        lr = _number(owner, "lr", hyper["lr"], low=None)
        checked = self._check_hyper({**hyper, "lr": abs(lr)}, owner)
        checked["lr"] = lr
        return checked

    def _set_everywhere(self, key: str, value: Any, part: int | None = None) -> None:
        """``opt.<key> = value``: checked against every group first, then set in all."""
        new_values = []
        for index, group in enumerate(self.param_groups):
            new = value
            if part is not None:
                pair = list(group[key])
                pair[part] = value
                new = tuple(pair)
            hyper = {**{k: group[k] for k in self.defaults}, key: new}
            new_values.append(self._check_live(hyper, self._owner(index))[key])
        for group, new in zip(self.param_groups, new_values):
            group[key] = new

    @property
    def initial_lr(self) -> float | None:
        """Param group 0's ``"initial_lr"``, or None before any scheduler recorded one.

        Setting it sets every group's (None removes it), as :class:`GroupHyper` does.
        """
        value = self.param_groups[0].get("initial_lr")
        return None if value is None else float(value)

    @initial_lr.setter
    def initial_lr(self, value: float | None) -> None:
        if value is None:
            for group in self.param_groups:
                group.pop("initial_lr", None)
            return
        number = _number(type(self).__name__, "initial_lr", value)
        for group in self.param_groups:
            group["initial_lr"] = number

    # ----------------------------------------------------------------- public API

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``, PyTorch's default)."""
        for p in self.params:
            p._grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, each with its group's values.

        Every group's values and every gradient are checked before any parameter moves, so
        a bad one (a value written into a group that is not a number, or out of range; a
        gradient of the wrong shape or not numbers) raises with all parameters and the
        optimizer state as they were.
        """
        name = type(self).__name__
        params = self.params
        plan = []  # per group: its checked values, the positions to update and their grads
        start = 0
        for group_index, group in enumerate(self.param_groups):
            hyper = self._checked(group_index, group)
            members = group["params"]
            stop = start + len(members) if isinstance(members, (list, tuple)) else -1
            if not 0 <= stop <= len(params) or not all(map(is_, members, params[start:stop])):
                raise RuntimeError(self._edited_message(group_index))
            indices, grads = [], []
            for index in range(start, stop):
                p = params[index]
                grad = p._grad  # an ndarray: Tensor.grad's setter and the engine see to it
                if grad is None:
                    continue
                data = p.data
                if grad.shape != data.shape:
                    raise ValueError(f"{name}.step: parameter {index} has shape "
                                     f"{data.shape} but its grad has shape {grad.shape}")
                dtype = grad.dtype
                if dtype.kind not in "iuf":
                    raise TypeError(f"{name}.step: the grad of parameter {index} must hold "
                                    f"real numbers, got dtype {dtype}")
                # The usual grad has the parameter's very dtype object: no astype call, which
                # would return it unchanged anyway (as it does an equal dtype's grad).
                if dtype is not data.dtype:
                    grad = grad.astype(data.dtype, copy=False)
                indices.append(index)
                grads.append(grad)
            plan.append((hyper, indices, grads))
            start = stop
        if start != len(params):
            raise RuntimeError(self._edited_message(len(self.param_groups) - 1))
        written = []
        try:
            for hyper, indices, grads in plan:
                for index, grad in zip(indices, grads):
                    p = params[index]
                    self._update(index, p, grad, hyper)
                    written.append(p.data)
        finally:
            # The step wrote into these arrays: a graph that saved their old values must not
            # be backpropagated any more (see minigrad.versions). One call takes the version
            # lock once for all of them; ``finally``, so that the parameters updated before
            # one that raised (np.seterr(all="raise")) are still seen.
            bump_versions(written)

    def _edited_message(self, group_index: int) -> str:
        return (f"{type(self).__name__}.step: param_groups[{group_index}]['params'] was "
                "changed in place; the per-parameter state follows the parameters by position, "
                "so add parameters with add_param_group instead")

    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat copy of every group's hyper-parameters and the per-parameter state, as
        arrays (the layout: :mod:`minigrad.optim.optimizer_state`)."""
        return write_state(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore every group's hyper-parameters and the per-parameter state saved by
        :meth:`state_dict`.

        The optimizer must have the same param groups (as many, holding as many parameters
        each) as the one that saved. Everything is checked first (kind of optimizer,
        groups, names, hyper-parameter values, shapes); any problem raises one ValueError
        listing them all and leaves the optimizer unchanged. Arrays are copied, cast to
        each parameter's dtype.
        """
        read_state(self, state)

    def __repr__(self) -> str:
        def body(index: int, group: dict[str, Any]) -> str:
            return ", ".join(f"{k}={v!r}" for k, v in
                             self._flat(self._checked(index, group)).items())

        name = type(self).__name__
        if len(self.param_groups) == 1:
            return f"{name}({body(0, self.param_groups[0])})"
        groups = "; ".join(f"group {i} ({len(g['params'])} params): {body(i, g)}"
                           for i, g in enumerate(self.param_groups))
        return f"{name}({groups})"
