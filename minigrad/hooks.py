"""Hook tables, the handle that removes a hook (PyTorch's ``RemovableHandle``), and a
module call with its forward hooks around it.

Hooks are kept in a :class:`HookDict`, a dict from a handle's id to the hook, so they run
in registration order and removing one is a dict deletion. A handle refers to its table
weakly: it keeps neither the table nor the module or tensor that owns it alive.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from minigrad.autograd import Node, _no_tensor

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

__all__ = ["HookDict", "RemovableHandle"]


class HookDict(dict[int, Callable[..., Any]]):
    """The hooks of one module or tensor, by handle id, in registration order."""

    __slots__ = ("__weakref__",)


class RemovableHandle:
    """What ``register_*hook`` returns: ``handle.remove()`` unregisters that hook.

    Removing twice, or after the owner is gone, does nothing (as in PyTorch). A handle is
    also a context manager that removes its hook on exit::

        with model.register_forward_hook(show):
            model(x)
    """

    __slots__ = ("hooks_dict_ref", "id")
    _ids = itertools.count()

    def __init__(self, hooks_dict: HookDict) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook; harmless if it is already gone."""
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"RemovableHandle(id={self.id})"


def add_hook(hooks: HookDict, hook: Callable[..., Any], owner: str) -> RemovableHandle:
    """Append ``hook`` to ``hooks`` and return its handle; ``owner`` names it in errors."""
    if not callable(hook):
        raise TypeError(f"{owner}: a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


class ModuleHooks:
    """A module's forward pre-hooks and forward hooks (made on the first registration)."""

    __slots__ = ("pre", "post")

    def __init__(self) -> None:
        self.pre = HookDict()
        self.post = HookDict()


def call_with_hooks(module: Any, call: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``call(*args)`` with the module's forward pre-hooks before and forward hooks after.

    A pre-hook's non-None result replaces the inputs (a non-tuple is wrapped in a 1-tuple,
    as in PyTorch); a forward hook's non-None result replaces the output. The tables are
    copied first, so a hook may remove itself.
    """
    hooks = module._hooks
    assert hooks is not None
    for hook in tuple(hooks.pre.values()):
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    output = call(*args)
    for hook in tuple(hooks.post.values()):
        result = hook(module, args, output)
        if result is not None:
            output = result
    return output


def register_tensor_hook(self: Tensor, hook: Any) -> RemovableHandle:
    """``Tensor.register_hook``: call ``hook(grad)`` each time this tensor's gradient is computed.

    Parameters
    ----------
    hook : callable
        ``hook(grad) -> new_grad or None``. ``grad`` is a read-only ndarray shaped like
        this tensor; a non-None result (an array or Tensor of that shape) replaces it.

    Returns
    -------
    RemovableHandle
        ``handle.remove()`` unregisters the hook.

    Notes
    -----
    As in PyTorch, a hook runs once per backward on the *total* gradient of the tensor
    (the sum over every path that uses it): for a leaf before it is added into
    ``.grad``, for an intermediate before it flows on to the inputs (and before
    ``retain_grad()`` keeps it). Several hooks run in registration order, each on the
    previous one's result. With ``y = f(x)`` and a hook ``h``, the gradients that flow
    past this tensor are ``h(dL/dy)`` in place of ``dL/dy``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0, 2.0], requires_grad=True)
    >>> handle = x.register_hook(lambda g: g * 2.0)
    >>> (x * 3.0).sum().backward()
    >>> x.grad
    array([6., 6.])
    >>> handle.remove()
    """
    if not self._requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that does "
                           "not require grad")
    node = self._graph_node()
    if node._hooks is None:
        node._hooks = HookDict()
        if node.__class__ is Node and node._retained is None:
            node._retained = _no_tensor  # the engine looks for hooks behind this check
    return add_hook(node._hooks, hook, "Tensor.register_hook")
