"""Sequential: layers applied one after another, with backprop by hand through them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import as_float_array
from minigrad.nn.layer import Layer
from minigrad.nn.module import Module, Parameter


class _Contexts(list[Context]):
    """The contexts of one ``manual_forward``, plus the output's shape and dtype."""

    output: tuple[tuple[int, ...], np.dtype] | None = None


class Sequential(Module):
    """Layers applied one after another.

    Supports ``len``, indexing, slicing (a new Sequential sharing the layers), iteration,
    ``append`` and nesting. Parameters are named by position: ``"0.W"``, ``"2.b"``.

    Examples
    --------
    >>> from minigrad import nn
    >>> model = nn.Sequential(nn.Dense(2, 4, rng=0), nn.Tanh(), nn.Dense(4, 1, rng=0))
    >>> [name for name, _ in model.named_parameters()]
    ['0.W', '0.b', '2.W', '2.b']
    """

    def __init__(self, *layers: Module) -> None:
        for layer in layers:
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: every item must be a Module, got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, layer: Module) -> Sequential:
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(layer).__name__}")
        self.layers.append(layer)
        return self

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    # ----------------------------------------------------------------- by hand

    def manual_forward(self, x: Any) -> tuple[np.ndarray, list[Context]]:
        """Forward on plain arrays, one fresh context per layer; returns ``(out, contexts)``.

        Only for stacks of Layers (hand-written derivatives), nested Sequentials included.
        """
        out = as_float_array(x, where="Sequential.manual_forward")
        contexts = _Contexts()
        for layer in self._flat_layers():
            ctx = Context()
            out = layer.forward(ctx, out, *layer.param_arrays())
            contexts.append(ctx)
        contexts.output = (out.shape, out.dtype)
        return out, contexts

    def manual_backward(self, contexts: list[Context], dout: Any) -> np.ndarray:
        """Backward in reverse order through the contexts of ``manual_forward``.

        Each parameter gradient is accumulated into ``.grad`` exactly as autograd would
        (``dout`` is taken in the output's dtype, and must have the output's shape); returns
        the gradient with respect to the input. Nothing is accumulated unless every layer's
        backward succeeds.
        """
        layers = self._flat_layers()
        if len(contexts) != len(layers):
            raise ValueError(
                f"manual_backward: expected {len(layers)} contexts, got {len(contexts)}"
            )
        grad = as_float_array(dout, where="Sequential.manual_backward(dout)")
        output = getattr(contexts, "output", None)
        if output is not None:
            shape, dtype = output
            # A layer's backward would broadcast a misshapen dout into a wrong answer.
            if grad.shape != shape:
                raise ValueError(f"manual_backward: dout must have the output's shape {shape}, "
                                 f"got {grad.shape}")
            grad = grad.astype(dtype, copy=False)
        updates: list[tuple[Parameter, Any]] = []
        for layer, ctx in zip(reversed(layers), reversed(contexts)):
            grads = layer.backward(ctx, grad)
            grads = grads if isinstance(grads, tuple) else (grads,)
            grad = grads[0]
            updates += zip([p for _, p in layer._own(Parameter)], grads[1:])
        for p, g in updates:
            g = np.asarray(g, dtype=p.dtype)
            p.grad = g.copy() if p.grad is None else p.grad + g
        return grad

    def _flat_layers(self) -> list[Layer]:
        flat: list[Layer] = []
        for layer in self.layers:
            if isinstance(layer, Sequential):
                flat.extend(layer._flat_layers())
            elif isinstance(layer, Layer):
                flat.append(layer)
            else:
                raise TypeError(
                    f"manual backprop needs Layers with hand-written backward; "
                    f"{type(layer).__name__} is a composite Module"
                )
        return flat
