"""Containers that hold sub-modules or parameters: ModuleList, ModuleDict, ParameterList.

A Module finds its parts by walking its attributes. A plain list is walked one level deep,
but a dict is not (and is refused when assigned); these containers make a collection of
parts visible to ``parameters()``, ``state_dict()``, ``train()``/``eval()`` and
``mg.save`` under torch's dotted names: ``layers.0.W``, ``heads.a.W``, ``params.0``.
None of them has a ``forward``: the owner decides how its parts are applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, overload

from minigrad.nn.module import Module, Parameter

__all__ = ["ModuleDict", "ModuleList", "ParameterList"]


def _module(owner: str, value: Any) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: expected a Module, got {type(value).__name__}")
    return value


def _parameter(owner: str, value: Any) -> Parameter:
    if not isinstance(value, Parameter):
        raise TypeError(f"{owner}: expected a Parameter, got {type(value).__name__}; wrap an "
                        "array as nn.Parameter(array) to make it trainable")
    return value


def _position(owner: str, index: Any, length: int) -> int:
    """``index`` as a position in ``[0, length)``; negative ones count from the end."""
    if isinstance(index, bool) or not hasattr(index, "__index__"):
        raise TypeError(f"{owner}: indices must be integers or slices, got "
                        f"{type(index).__name__}")
    position = index.__index__()
    if not -length <= position < length:
        raise IndexError(f"{owner}: index {position} is out of range for {length} items")
    return position % length


def _no_forward(owner: str) -> NotImplementedError:
    return NotImplementedError(f"{owner} is a container, not a layer: it has no forward(); "
                               "apply its items in the forward() of the module that holds it")


class ModuleList(Module):
    """A list of Modules whose parameters belong to the module holding it.

    Parameters
    ----------
    modules : iterable of Module, optional
        The initial items.

    Notes
    -----
    Behaves like a Python list (``append``, ``extend``, ``insert``, ``pop``, indexing,
    ``len``, iteration, ``+=``) and like PyTorch's ``nn.ModuleList``: a slice is a new
    ModuleList sharing the modules, and items are named by position (``"layers.0.W"``).
    A module held twice has its parameters counted once.

    Examples
    --------
    >>> from minigrad import nn
    >>> class Tower(nn.Module):
    ...     def __init__(self):
    ...         self.layers = nn.ModuleList([nn.Dense(2, 3, rng=0), nn.Dense(3, 1, rng=1)])
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x)
    ...         return x
    >>> [name for name, _ in Tower().named_parameters()]
    ['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._items: list[Module] = []
        if modules is not None:
            self.extend(modules)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), module) for i, module in enumerate(self._items))

    def forward(self, *args: Any) -> Any:
        raise _no_forward("ModuleList")

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self._items.append(_module("ModuleList.append", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end; returns self."""
        if isinstance(modules, (Module, str)) and not isinstance(modules, ModuleList):
            raise TypeError(f"ModuleList.extend: expected an iterable of Modules, got "
                            f"{type(modules).__name__}; use append for one module")
        # Checked in full first, so a bad item leaves the list unchanged.
        new = [_module("ModuleList.extend", module) for module in modules]
        self._items.extend(new)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (as ``list.insert``)."""
        self._items.insert(index, _module("ModuleList.insert", module))

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index`` (the last by default)."""
        return self._items.pop(_position("ModuleList.pop", index, len(self._items)))

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[_position("ModuleList", index, len(self._items))]

    def __setitem__(self, index: int, module: Module) -> None:
        position = _position("ModuleList", index, len(self._items))
        self._items[position] = _module("ModuleList", module)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            del self._items[index]
        else:
            del self._items[_position("ModuleList", index, len(self._items))]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: ModuleList) -> ModuleList:
        if not isinstance(other, ModuleList):
            return NotImplemented
        return ModuleList([*self._items, *other._items])


class ModuleDict(Module):
    """Modules by name, whose parameters belong to the module holding it.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional
        The initial items, kept in their order.

    Notes
    -----
    Behaves like a Python dict (``[]``, ``in``, ``len``, iteration over keys, ``keys``,
    ``values``, ``items``, ``update``, ``pop``, ``clear``) and like PyTorch's
    ``nn.ModuleDict``: items are named by key (``"heads.a.W"``) in insertion order. Keys
    must be non-empty strings without a ``"."``, which would make the dotted names
    ambiguous.

    Examples
    --------
    >>> from minigrad import nn
    >>> class TwoHeads(nn.Module):
    ...     def __init__(self):
    ...         self.heads = nn.ModuleDict({"a": nn.Dense(4, 1, rng=0), "b": nn.Dense(4, 2)})
    >>> [name for name, _ in TwoHeads().named_parameters()]
    ['heads.a.W', 'heads.a.b', 'heads.b.W', 'heads.b.b']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        self._items: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return iter(self._items.items())

    def forward(self, *args: Any) -> Any:
        raise _no_forward("ModuleDict")

    @staticmethod
    def _key(owner: str, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"{owner}: keys must be strings, got {type(key).__name__} "
                            f"{key!r}")
        if not key or "." in key:
            raise ValueError(f"{owner}: key {key!r} must be a non-empty string without '.' "
                             "(the dot separates the parts of a parameter's name)")
        return key

    def __getitem__(self, key: str) -> Module:
        try:
            return self._items[key]
        except KeyError:
            known = ", ".join(map(repr, self._items)) or "none"
            raise KeyError(f"ModuleDict has no key {key!r}; keys: {known}") from None

    def __setitem__(self, key: str, module: Module) -> None:
        self._items[self._key("ModuleDict", key)] = _module(f"ModuleDict[{key!r}]", module)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._items.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._items.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return self._items.items()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        module = self[key]
        del self._items[key]
        return module

    def clear(self) -> None:
        """Remove every item."""
        self._items.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace items from a mapping (ModuleDict included) or (key, module) pairs.

        Every item is checked before any is added.
        """
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        elif isinstance(modules, (str, Module)):
            raise TypeError(f"ModuleDict.update: expected a mapping or (key, module) pairs, "
                            f"got {type(modules).__name__}")
        else:
            pairs = []
            for i, pair in enumerate(modules):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise TypeError(f"ModuleDict.update: item {i} must be a (key, module) "
                                    f"pair, got {type(pair).__name__}")
                pairs.append((pair[0], pair[1]))
        checked = [(self._key("ModuleDict.update", key),
                    _module(f"ModuleDict.update[{key!r}]", module)) for key, module in pairs]
        self._items.update(checked)


class ParameterList(Module):
    """A list of Parameters that belong to the module holding it.

    Parameters
    ----------
    values : iterable of Parameter, optional
        The initial items.

    Notes
    -----
    Behaves like a Python list (``append``, ``extend``, indexing, ``len``, iteration,
    ``+=``) and like PyTorch's ``nn.ParameterList``: items are named by position
    (``"params.0"``). In a :class:`~minigrad.nn.Layer` they count as the layer's own
    parameters: they are inputs of its node after its direct Parameters in attribute
    order, so ``forward`` receives them and ``backward`` returns their gradients. Items
    must already be Parameters (``nn.Parameter(array)``): converting a Tensor silently
    would train a copy, not the user's Tensor.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> class Scales(nn.Module):
    ...     def __init__(self):
    ...         self.params = nn.ParameterList([nn.Parameter(np.ones(2)) for _ in range(2)])
    >>> [name for name, _ in Scales().named_parameters()]
    ['params.0', 'params.1']
    """

    _holds_own_parameters: ClassVar[bool] = True

    def __init__(self, values: Iterable[Parameter] | None = None) -> None:
        self._items: list[Parameter] = []
        if values is not None:
            self.extend(values)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), p) for i, p in enumerate(self._items))

    def forward(self, *args: Any) -> Any:
        raise _no_forward("ParameterList")

    def append(self, value: Parameter) -> ParameterList:
        """Add ``value`` at the end; returns self."""
        self._items.append(_parameter("ParameterList.append", value))
        return self

    def extend(self, values: Iterable[Parameter]) -> ParameterList:
        """Add every Parameter of ``values`` at the end; returns self."""
        if isinstance(values, (Parameter, str)):
            raise TypeError(f"ParameterList.extend: expected an iterable of Parameters, got "
                            f"{type(values).__name__}; use append for one Parameter")
        new = [_parameter("ParameterList.extend", value) for value in values]
        self._items.extend(new)
        return self

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> Parameter: ...

    @overload
    def __getitem__(self, index: slice) -> ParameterList: ...

    def __getitem__(self, index: int | slice) -> Parameter | ParameterList:
        if isinstance(index, slice):
            return ParameterList(self._items[index])
        return self._items[_position("ParameterList", index, len(self._items))]

    def __setitem__(self, index: int, value: Parameter) -> None:
        position = _position("ParameterList", index, len(self._items))
        self._items[position] = _parameter("ParameterList", value)

    def __iadd__(self, values: Iterable[Parameter]) -> ParameterList:
        return self.extend(values)

    def __repr__(self) -> str:
        if not self._items:
            return "ParameterList()"
        lines = ["ParameterList("]
        lines += [f"  ({i}): Parameter of shape {p.shape}, dtype {p.dtype}"
                  for i, p in enumerate(self._items)]
        return "\n".join([*lines, ")"])
