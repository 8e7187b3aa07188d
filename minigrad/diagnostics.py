"""Gradient-flow diagnostics: why deep sigmoid nets stall and why ReLU units die, in numbers.

For every layer with parameters: the mean gradient norm over the steps of an epoch.

For every element-wise activation: the share of its **dead units**. A unit is dead when the
activation's derivative is exactly zero on every training input, so it passes no gradient
back and its incoming weights never change. The derivative is the activation's own
backward, run by hand (a fresh ``Context``, ``dout = 1``) on the pre-activations that the
training set produces, never a guess from the sign of the input: ReLU units whose inputs
are all negative are dead, ReLU6 and Hardtanh units saturated at a flat end are dead too,
while LeakyReLU, PReLU, ELU, CELU, SELU and Softplus always pass a gradient and so report
0% (until float underflow makes a derivative exactly 0, which is then reported: that unit
truly passes nothing). Softmax, Softmin and LogSoftmax couple their units and get no
dead-unit share.

For every sigmoid/tanh activation also: the share of its outputs in saturation, where the
local derivative is below 1% of its peak (sigmoid' < 0.0025, tanh' < 0.01) so almost no
gradient passes.

The pre-activations come from one pass over the training set in eval mode (no dropout
mask, BatchNorm with its running statistics, which stay unchanged), driving the layers of
(nested) Sequentials one at a time by hand, as ``Sequential.manual_forward`` does; no
layer's ``forward`` is replaced. A module that is not a Sequential or a Layer is run as a
whole, so the activations inside it get no unit statistics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.autograd import Context
from minigrad.dtypes import as_float_array
from minigrad.grad_mode import no_grad
from minigrad.nn.activations import LogSoftmax, Softmax, Softmin
from minigrad.nn.activations.registry import _NAMES
from minigrad.nn.layer import Layer
from minigrad.nn.module import Module, Parameter
from minigrad.nn.sequential import Sequential
from minigrad.tensor import Tensor

# Activations whose units are coupled (each output depends on the whole row): a per-unit
# derivative is not defined for them.
COUPLED = (Softmax, Softmin, LogSoftmax)


def _sigmoid_saturated(out: np.ndarray) -> np.ndarray:
    return out * (1.0 - out) < 0.0025


def _tanh_saturated(out: np.ndarray) -> np.ndarray:
    return 1.0 - out * out < 0.01


SATURATING: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Sigmoid": _sigmoid_saturated,
    "Tanh": _tanh_saturated,
}


@dataclass
class LayerStats:
    """One row of a report; a field is None where it does not apply to the layer."""

    name: str
    kind: str
    grad_norm: float | None = None
    dead_share: float | None = None
    saturated_share: float | None = None


class FlowReport(list[LayerStats]):
    """A list of :class:`LayerStats`, printable as a table."""

    def __str__(self) -> str:
        def cell(value: float | None, percent: bool = False) -> str:
            if value is None:
                return "-"
            return f"{100 * value:.1f}%" if percent else f"{value:.3e}"

        lines = [f"{'layer':<16}{'grad norm':>12}{'dead':>9}{'saturated':>11}"]
        for row in self:
            lines.append(f"{row.name + ' ' + row.kind:<16}{cell(row.grad_norm):>12}"
                         f"{cell(row.dead_share, True):>9}{cell(row.saturated_share, True):>11}")
        return "\n".join(lines)


def _as_units(values: np.ndarray) -> np.ndarray:
    """Rows of samples, one column per unit (the last axis)."""
    return values.reshape(-1, values.shape[-1]) if values.ndim >= 2 else values.reshape(1, -1)


def _unit_stats(layer: Layer, ctx: Context, out: np.ndarray) -> tuple[float, float | None]:
    """``(dead_share, saturated_share)`` of one activation from its forward's context."""
    grads = layer.backward(ctx, np.ones_like(out))
    derivative = np.asarray(grads[0] if isinstance(grads, tuple) else grads)
    passes = (_as_units(derivative) != 0).any(axis=0)
    saturated = None
    kind = type(layer).__name__
    if kind in SATURATING:
        units = _as_units(out)
        saturated = float(SATURATING[kind](units).sum()) / units.size if units.size else None
    return float(1.0 - passes.mean()), saturated


def activation_stats(model: Module, X: Any) -> dict[str, tuple[str, float, float | None]]:
    """Dead-unit and saturation shares of each element-wise activation of ``model`` on ``X``.

    Returns ``{dotted_name: (kind, dead_share, saturated_share)}`` (``saturated_share`` is
    None except for Sigmoid and Tanh). The model runs in eval mode without gradients and
    every module's mode is put back afterwards; parameters and their ``.grad`` are not
    touched.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> from minigrad.diagnostics import activation_stats
    >>> model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.ReLU())
    >>> model[0].b.data[...] = -100.0  # every pre-activation negative
    >>> activation_stats(model, np.ones((4, 2)))
    {'1': ('ReLU', 1.0, None)}
    """
    x = as_float_array(X, where="activation_stats(X)")
    stats: dict[str, tuple[str, float, float | None]] = {}
    # Registered activations (built in or the user's) whose units are independent.
    measured = {cls for cls in _NAMES.values() if not issubclass(cls, COUPLED)}

    def run(module: Module, name: str, value: np.ndarray) -> np.ndarray:
        if isinstance(module, Sequential):
            for index, layer in enumerate(module.layers):
                value = run(layer, f"{name}.{index}" if name else str(index), value)
            return value
        if isinstance(module, Layer):
            params = module.param_arrays()
            # Only dx is wanted: a PReLU need not compute its weight's gradient.
            ctx = Context((True,) + (False,) * len(params))
            out = module.forward(ctx, value, *params)
            if type(module) in measured:
                dead, saturated = _unit_stats(module, ctx, out)
                stats[name or type(module).__name__] = (type(module).__name__, dead, saturated)
            return out
        result = module(value)
        return result.data if isinstance(result, Tensor) else np.asarray(result)

    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        with no_grad():
            run(model, "", x)
    finally:
        for module, mode in modes:
            module.training = mode
    return stats


class GradientFlow:
    """Collects the statistics while ``fit`` trains; see the module docstring.

    :meth:`record_step` (after each ``backward``) adds every parameter layer's gradient
    norm; :meth:`end_epoch` measures the activations on the training set and returns the
    epoch's :class:`FlowReport`. Nothing on the model is replaced or wrapped.
    """

    def __init__(self, model: Module) -> None:
        self.model = model
        self.param_layers = [
            (name or type(m).__name__, m) for name, m in model.named_modules()
            if isinstance(m, Layer) and any(True for _ in m._own(Parameter))
        ]
        self.start_epoch()

    def start_epoch(self) -> None:
        """Forget the gradient norms of the previous epoch."""
        self.norm_sums: dict[str, float] = {name: 0.0 for name, _ in self.param_layers}
        self.steps = 0

    def record_step(self) -> None:
        """Call after ``backward()``: adds each layer's gradient norm."""
        self.steps += 1
        for name, layer in self.param_layers:
            squares = sum(float(np.sum(p.grad * p.grad)) for _, p in layer._own(Parameter)
                          if p.grad is not None)
            self.norm_sums[name] += math.sqrt(squares)

    def end_epoch(self, X: Any) -> FlowReport:
        """The epoch's report: mean gradient norms and the activations measured on ``X``."""
        rows: dict[str, LayerStats] = {}
        for name, layer in self.param_layers:
            rows[name] = LayerStats(name, type(layer).__name__,
                                    grad_norm=self.norm_sums[name] / self.steps
                                    if self.steps else None)
        for name, (kind, dead, saturated) in activation_stats(self.model, X).items():
            row = rows.setdefault(name, LayerStats(name, kind))
            row.dead_share, row.saturated_share = dead, saturated
        return FlowReport(sorted(rows.values(), key=lambda r: _natural_key(r.name)))


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in name.split(".")]


def gradient_flow(model: Module, X: Any, y: Any, loss: Callable[..., Any]) -> FlowReport:
    """Diagnose one forward/backward pass of ``model`` on ``(X, y)`` without training it.

    It runs in eval mode (no dropout draw, no running-statistic update), and leaves every
    module's mode and every parameter's ``.grad`` as they were before the call.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> from minigrad.diagnostics import gradient_flow
    >>> model = nn.Sequential(nn.Dense(2, 4, rng=0), nn.ReLU(), nn.Dense(4, 1, rng=0))
    >>> report = gradient_flow(model, np.ones((8, 2)), np.zeros((8, 1)), nn.MSELoss())
    >>> [row.name for row in report]
    ['0', '1', '2']
    """
    saved = [(p, p.grad) for p in model.parameters()]
    modes = [(module, module.training) for module in model.modules()]
    flow = GradientFlow(model)
    try:
        for p, _ in saved:
            p.grad = None
        model.eval()
        loss(model(X), y).backward()
        flow.record_step()
    finally:
        for module, mode in modes:
            module.training = mode
        for p, grad in saved:
            p.grad = grad
    return flow.end_epoch(X)
