"""Layer: a Module whose derivative is written by hand on NumPy arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Context, Function, apply
from minigrad.dtypes import as_float_array
from minigrad.hooks import call_with_hooks
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class _Params:
    """The parameters a Layer passes to its node, found once (see ``Layer.__call__``).

    Not a list or tuple, so the module walkers (``parameters()``, ``state_dict()``) do not
    see it in the layer's attributes.
    """

    __slots__ = ("items",)

    def __init__(self, items: tuple[Parameter, ...]) -> None:
        self.items = items


class Layer(Module, Function):
    """A Module whose derivative is written by hand on NumPy arrays.

    Subclasses write ``forward(self, ctx, x, *params)`` and ``backward(self, ctx, dout)``.
    The layer's own parameters (in definition order) are inputs of its graph node after
    ``x``, so ``backward`` returns ``(dx, *dparams)`` (just ``dx`` for a layer without
    parameters), and the engine accumulates them into ``.grad``. Calling the layer on a
    Tensor or array records exactly one node whose backward is this method.

    Driven by hand: ``ctx = Context(); y = layer.forward(ctx, x, *layer.param_arrays())``
    then ``dx, *dparams = layer.backward(ctx, dout)``.
    """

    def __call__(self, x: Any) -> Tensor:
        if self._hooks is not None:
            # The class default is None: an unhooked call pays this one check and no extra
            # function call (the body below is inlined rather than shared with _record).
            return call_with_hooks(self, self._record, (x,))
        # The common inputs (a Tensor, a float array) skip conversion: this runs per layer
        # per step.
        if not isinstance(x, Tensor) and not (x.__class__ is np.ndarray and x.dtype.kind == "f"):
            x = as_float_array(x, where=type(self).__name__)
        cached = self.__dict__.get("_param_cache")
        if cached is not None:
            return apply(self, x, *cached.items)
        params = []
        plain = True  # only Parameters held directly: nothing can change them unseen
        for value in self.__dict__.values():
            if isinstance(value, Parameter):
                params.append(value)
            elif isinstance(value, (list, tuple)):
                plain = False
                params.extend(item for item in value if isinstance(item, Parameter))
            elif isinstance(value, Module) and value._holds_own_parameters:
                plain = False
                params.extend(p for _, p in value._own(Parameter))
        if plain:
            # Found once; any attribute assignment or deletion forgets it (__setattr__).
            object.__setattr__(self, "_param_cache", _Params(tuple(params)))
        return apply(self, x, *params)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        self.__dict__.pop("_param_cache", None)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        self.__dict__.pop("_param_cache", None)

    def _record(self, x: Any) -> Tensor:
        """The call without hooks, plainly written: what ``__call__`` does on its fast path."""
        if not isinstance(x, Tensor):
            x = as_float_array(x, where=type(self).__name__)
        return apply(self, x, *(p for _, p in self._own(Parameter)))

    def param_arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays of this layer's own parameters, in the order ``forward`` takes them."""
        return tuple(p.data for _, p in self._own(Parameter))

    def forward(self, ctx: Context, x: np.ndarray, *params: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define forward(ctx, x)")

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define backward(ctx, dout)")
