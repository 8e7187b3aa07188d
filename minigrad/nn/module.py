"""Module (parameter discovery, train/eval, state_dict), Parameter, Buffer and Layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Set
from typing import Any, ClassVar

import numpy as np

from minigrad.dtypes import as_float_array
from minigrad.hooks import ModuleHooks, RemovableHandle, add_hook, call_with_hooks
from minigrad.tensor import Tensor
from minigrad.versions import bump_version


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates (``requires_grad=True``)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)


class Buffer(Tensor):
    """State a Module saves in its ``state_dict`` but never trains (running statistics)."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=False, dtype=dtype)


_PLAIN_CONTAINERS = (list, tuple, Mapping, Set)
_MISSING = object()


def _holds_model_parts(value: Any) -> Any:
    """The first Module, Parameter or Buffer inside a plain container (nested too), or None."""
    stack, seen = [value], set()
    # A loop with a stack, not recursion: a container may nest deeply or hold itself.
    while stack:
        item = stack.pop()
        if isinstance(item, (Module, Parameter, Buffer)):
            return item
        if isinstance(item, _PLAIN_CONTAINERS) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, Mapping) else item)
    return None


def _check_unwalked(owner: Module, name: str, value: Any) -> None:
    """Refuse a container whose Modules or Parameters discovery would silently skip.

    Plain lists and tuples are walked one level deep (``heads.0.W``, as ``nn.ModuleList``
    names them); dicts, sets and containers nested inside a list are not. A Module held
    there would be missed by ``parameters()``, ``state_dict()``, ``train()`` and
    ``mg.save``, so it is an error instead.
    """
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, _PLAIN_CONTAINERS):
                part = _holds_model_parts(item)
                if part is not None:
                    raise TypeError(
                        f"{type(owner).__name__}.{name}[{i}] is a {type(item).__name__} "
                        f"holding a {type(part).__name__}; only one level of a plain list "
                        f"is searched for parameters, so it would be skipped by parameters(), "
                        f"state_dict(), train()/eval() and mg.save. Nest containers as "
                        f"nn.ModuleList([nn.ModuleList([...]), ...]) or nn.ModuleDict"
                    )
        return
    if not isinstance(value, (Mapping, Set)):
        return
    part = _holds_model_parts(value)
    if part is None:
        return
    kind = "dict" if isinstance(value, Mapping) else type(value).__name__
    if isinstance(part, Parameter):
        fix = "nn.ParameterList([...]) or one attribute per Parameter"
    elif isinstance(part, Buffer):
        fix = "one attribute per Buffer"
    else:
        fix = "nn.ModuleDict({...}) or nn.ModuleList([...])"
    raise TypeError(
        f"{type(owner).__name__}.{name} is a {kind} holding a {type(part).__name__}, which "
        f"parameters(), state_dict(), train()/eval() and mg.save would not see (an "
        f"optimizer would never update it). Use {fix} instead"
    )


def _check_name(owner: Module, kind: str, name: Any) -> None:
    """PyTorch's checks on a name given to ``register_buffer`` / ``register_parameter`` /
    ``add_module``."""
    where = f"{type(owner).__name__}.{_REGISTER[kind]}"
    if not isinstance(name, str):
        raise TypeError(f"{where}: the {kind} name must be a string, got {type(name).__name__}")
    if not name:
        raise KeyError(f"{where}: the {kind} name can't be an empty string")
    if "." in name:
        raise KeyError(f"{where}: the {kind} name can't contain \".\", got {name!r}")


_REGISTER = {"buffer": "register_buffer", "parameter": "register_parameter",
             "module": "add_module"}


class Module:
    """Base class of every model part.

    Parameters, buffers and sub-modules are found by walking the attributes in the order
    they were assigned (plain lists and tuples of modules included, one level deep), so
    nothing needs registering. Names are dotted paths: ``"0.W"``, ``"encoder.1.b"``. A
    parameter shared by two places is reported once, under its first name. Modules held
    by name go in :class:`~minigrad.nn.ModuleDict`; a plain dict (or set, or a list inside
    a list) holding Modules or Parameters raises ``TypeError`` when assigned, because it
    would be skipped.
    """

    training: bool = True
    #: Forward hooks; None (a class default, never an instance attribute) until the first
    #: registration, so an unhooked call pays one attribute check.
    _hooks: ModuleHooks | None = None
    #: True for a container whose parameters count as its owner's own (ParameterList), so
    #: a Layer passes them to its node like its direct Parameters.
    _holds_own_parameters: ClassVar[bool] = False

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, _PLAIN_CONTAINERS):
            _check_unwalked(self, name, value)
        object.__setattr__(self, name, value)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Any:
        if self._hooks is not None:
            return call_with_hooks(self, self.forward, args)
        return self.forward(*args)

    # ----------------------------------------------------------------- registration

    def _check_free(self, kind: str, name: str, fits: type) -> None:
        """Refuse a name already held by an attribute that is not a ``fits`` (or None)."""
        if hasattr(self, name):
            value = self.__dict__.get(name, _MISSING)
            if value is _MISSING or not (value is None or isinstance(value, fits)):
                raise KeyError(f"{type(self).__name__}.{_REGISTER[kind]}: attribute "
                               f"{name!r} already exists and is not a {fits.__name__}")

    def register_buffer(self, name: str, tensor: Any) -> None:
        """Add a buffer (saved in ``state_dict``, never trained) under ``name``.

        Parameters
        ----------
        name : str
            The attribute name: not empty, no ``"."``, not an attribute that exists already
            unless it holds a Buffer or None (then it is replaced).
        tensor : array_like, Tensor or None
            The values; an array or Tensor becomes a :class:`Buffer` (its data is copied,
            as ``Buffer`` always does), a Buffer is kept as it is. ``None`` sets the
            attribute to None, which ``state_dict`` leaves out (as in PyTorch).
        """
        _check_name(self, "buffer", name)
        self._check_free("buffer", name, Buffer)
        if tensor is not None and not isinstance(tensor, Buffer):
            if isinstance(tensor, Parameter):
                raise TypeError(f"{type(self).__name__}.register_buffer: {name!r} got a "
                                "Parameter; register it with register_parameter")
            data = tensor.data if isinstance(tensor, Tensor) else tensor
            tensor = Buffer(as_float_array(data, where=f"{type(self).__name__}."
                                                       f"register_buffer({name!r})"))
        setattr(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or None) under ``name``, as ``setattr`` would, with checks.

        Raises ``TypeError`` for anything but a Parameter or None, and ``KeyError`` for an
        empty name, a name with ``"."``, or one that an attribute other than a Parameter
        (or None) holds already, as PyTorch does.
        """
        _check_name(self, "parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}.register_parameter: cannot assign a "
                            f"{type(param).__name__} to parameter {name!r} (nn.Parameter or "
                            "None required)")
        self._check_free("parameter", name, Parameter)
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module (or None) under ``name``; ``name`` is checked as in PyTorch."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {type(module).__name__} is "
                            "not a Module subclass")
        _check_name(self, "module", name)
        self._check_free("module", name, Module)
        setattr(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """The same as :meth:`add_module` (PyTorch's alias)."""
        self.add_module(name, module)

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before every ``forward``; returns a handle.

        ``inputs`` is the tuple of positional arguments. A non-None result replaces them
        (a result that is not a tuple is wrapped in one). ``handle.remove()`` unregisters.
        """
        if self._hooks is None:
            object.__setattr__(self, "_hooks", ModuleHooks())
        assert self._hooks is not None
        return add_hook(self._hooks.pre, hook, f"{type(self).__name__}.register_forward_pre_hook")

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every ``forward``; returns a handle.

        ``inputs`` is the tuple of positional arguments (after any pre-hook replaced them).
        A non-None result replaces the output. Hooks run in registration order;
        ``handle.remove()`` unregisters one.

        Examples
        --------
        >>> import minigrad as mg
        >>> from minigrad import nn
        >>> layer = nn.ReLU()
        >>> handle = layer.register_forward_hook(lambda m, inputs, out: out * 2.0)
        >>> layer(mg.Tensor([1.0, -1.0])).tolist()
        [2.0, 0.0]
        >>> handle.remove()
        >>> layer(mg.Tensor([1.0, -1.0])).tolist()
        [1.0, 0.0]
        """
        if self._hooks is None:
            object.__setattr__(self, "_hooks", ModuleHooks())
        assert self._hooks is not None
        return add_hook(self._hooks.post, hook, f"{type(self).__name__}.register_forward_hook")

    # ----------------------------------------------------------------- discovery

    def _members(self) -> Iterator[tuple[str, Any]]:
        """Attributes in assignment order, with list and tuple items as ``name.i``."""
        for name, value in vars(self).items():
            if isinstance(value, _PLAIN_CONTAINERS):
                # Checked here too: a dict assigned empty may have been filled since.
                _check_unwalked(self, name, value)
                if isinstance(value, (list, tuple)):
                    for i, item in enumerate(value):
                        yield f"{name}.{i}", item
                    continue
            yield name, value

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their names."""
        return ((name, value) for name, value in self._members() if isinstance(value, Module))

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted_name, module)`` for this module (name ``""``) and all inside it."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def _own(self, kind: type) -> Iterator[tuple[str, Any]]:
        """This module's own members of ``kind``; a ParameterList's items count as own."""
        for name, value in self._members():
            if isinstance(value, kind):
                yield name, value
            elif isinstance(value, Module) and value._holds_own_parameters:
                yield from ((f"{name}.{inner}", item) for inner, item in value._own(kind))

    def _named(self, kind: type, prefix: str = "", seen: set[int] | None = None
               ) -> Iterator[tuple[str, Any]]:
        seen = set() if seen is None else seen
        for name, value in self._members():
            if isinstance(value, kind):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield prefix + name, value
            elif isinstance(value, Module):
                yield from value._named(kind, f"{prefix}{name}.", seen)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """``(dotted_name, parameter)`` pairs in definition order, shared ones once."""
        return self._named(Parameter)

    def parameters(self) -> list[Parameter]:
        """Every parameter, in definition order, shared ones once."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Buffer]]:
        """``(dotted_name, buffer)`` pairs in definition order, shared ones once."""
        return self._named(Buffer)

    def buffers(self) -> list[Buffer]:
        """Every buffer, in definition order, shared ones once."""
        return [b for _, b in self.named_buffers()]

    def num_parameters(self) -> int:
        """The number of trainable numbers."""
        return sum(p.size for p in self.parameters())

    # ----------------------------------------------------------------- modes and grads

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first, depth first), then on self.

        Returns self, as PyTorch's ``Module.apply``; the usual use is initialisation:
        ``model.apply(init_fn)``.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter (to freeze or unfreeze); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``, as PyTorch's default)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode; the same as ``train(False)``."""
        return self.train(False)

    # ----------------------------------------------------------------- state

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer array, by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: b.data.copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers of the same names.

        Everything is checked before anything is written: missing keys (when ``strict``),
        unexpected keys (when ``strict``), shape mismatches and non-numeric arrays are
        all listed in one ``ValueError`` and the module is left as it was.

        The values are copied into the existing arrays, in their dtype, as PyTorch's
        ``load_state_dict`` does: an array taken from ``p.data`` before loading (by an
        optimizer or by user code) sees the loaded values. Each write counts as an in-place
        change, so a backward through a graph that saved the old values raises.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict into {type(self).__name__}: expected a dict of "
                            f"arrays (from state_dict() or mg.load), got {type(state).__name__}")
        targets: dict[str, Tensor] = dict(self.named_parameters())
        targets.update(self.named_buffers())
        problems = []
        if strict:
            missing = [k for k in targets if k not in state]
            unexpected = [k for k in state if k not in targets]
            if missing:
                problems.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {', '.join(map(str, unexpected))}")
        updates = []
        for name, target in targets.items():
            if name not in state:
                continue
            try:
                array = as_float_array(state[name], where=f"load_state_dict[{name!r}]")
            except TypeError as error:
                problems.append(str(error))
                continue
            if array.shape != target.shape:
                problems.append(
                    f"{name}: expected shape {target.shape}, got {array.shape}"
                )
                continue
            # A copy before any write: a state array may alias another target's array
            # (two parameters swapped), which the first write would otherwise change.
            updates.append((target, np.array(array, dtype=target.dtype, copy=True)))
        if problems:
            raise ValueError(
                f"load_state_dict into {type(self).__name__} failed (nothing was changed): "
                + "; ".join(problems)
            )
        for target, array in updates:
            if target.data.flags.writeable:
                target.data[...] = array
                bump_version(target.data)
            else:
                # A read-only array (np.broadcast_to, a read-only memory map) cannot take
                # the values in place; a fresh array is the only way to load it.
                target.data = array

    # ----------------------------------------------------------------- repr

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)
