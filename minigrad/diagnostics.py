"""Gradient-flow diagnostics: why deep sigmoid nets stall and why ReLU units die, in numbers.

For every layer with parameters: the mean gradient norm over the steps of an epoch. For
every ReLU-family activation: the share of its units that were never active (output > 0)
on any sample of the epoch — a dead unit passes no gradient and never recovers. For every
sigmoid/tanh activation: the share of its outputs in saturation, where the local derivative
is below 1% of its peak (sigmoid' < 0.0025, tanh' < 0.01) so almost no gradient passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.nn.module import Layer, Module, Parameter

# Layers whose unit is "active" exactly when its output is positive.
RELU_FAMILY = frozenset({"ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU"})


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


class GradientFlow:
    """Collects the statistics while ``fit`` trains; see the module docstring.

    It records activations by shadowing each watched layer's ``forward`` with an instance
    attribute (the engine calls ``layer.forward``), so nothing is paid when diagnostics are
    off; :meth:`remove` restores the layers.
    """

    def __init__(self, model: Module) -> None:
        self.param_layers = [
            (name or type(m).__name__, m) for name, m in model.named_modules()
            if isinstance(m, Layer) and any(True for _ in m._own(Parameter))
        ]
        self.watched: list[tuple[str, Layer]] = [
            (name, m) for name, m in model.named_modules()
            if isinstance(m, Layer) and (type(m).__name__ in RELU_FAMILY
                                         or type(m).__name__ in SATURATING)
        ]
        self.recording = False
        for name, layer in self.watched:
            layer.forward = self._recorder(name, layer)  # type: ignore[method-assign]
        self.start_epoch()

    def _recorder(self, name: str, layer: Layer) -> Callable[..., np.ndarray]:
        original = type(layer).forward
        kind = type(layer).__name__

        def forward(ctx: Any, x: np.ndarray, *params: np.ndarray) -> np.ndarray:
            out = original(layer, ctx, x, *params)
            if self.recording:
                units = out.reshape(-1, out.shape[-1]) if out.ndim >= 2 else out.reshape(1, -1)
                if kind in RELU_FAMILY:
                    active = np.asarray((units > 0).any(axis=0))
                    seen = self.active.get(name)
                    self.active[name] = active if seen is None else seen | active
                else:
                    count, total = self.saturated.get(name, (0, 0))
                    self.saturated[name] = (count + int(SATURATING[kind](units).sum()),
                                            total + units.size)
            return out

        return forward

    def start_epoch(self) -> None:
        self.recording = True
        self.norm_sums: dict[str, float] = {name: 0.0 for name, _ in self.param_layers}
        self.steps = 0
        self.active: dict[str, np.ndarray] = {}
        self.saturated: dict[str, tuple[int, int]] = {}

    def record_step(self) -> None:
        """Call after ``backward()``: adds each layer's gradient norm."""
        self.steps += 1
        for name, layer in self.param_layers:
            squares = sum(float(np.sum(p.grad * p.grad)) for _, p in layer._own(Parameter)
                          if p.grad is not None)
            self.norm_sums[name] += math.sqrt(squares)

    def end_epoch(self) -> FlowReport:
        self.recording = False
        report = FlowReport()
        kinds = dict(self.param_layers) | dict(self.watched)
        for name, module in kinds.items():
            row = LayerStats(name, type(module).__name__)
            if name in self.norm_sums and self.steps:
                row.grad_norm = self.norm_sums[name] / self.steps
            if name in self.active:
                row.dead_share = float(1.0 - self.active[name].mean())
            if name in self.saturated:
                count, total = self.saturated[name]
                row.saturated_share = count / total if total else None
            report.append(row)
        report.sort(key=lambda r: _natural_key(r.name))
        return report

    def remove(self) -> None:
        """Give the watched layers back their class's forward."""
        for _, layer in self.watched:
            vars(layer).pop("forward", None)


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in name.split(".")]


def gradient_flow(model: Module, X: Any, y: Any, loss: Callable[..., Any]) -> FlowReport:
    """Diagnose one forward/backward pass of ``model`` on ``(X, y)`` without training it.

    The parameters' ``.grad`` are left as they were before the call.

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
    flow = GradientFlow(model)
    try:
        for p, _ in saved:
            p.grad = None
        loss(model(X), y).backward()
        flow.record_step()
        return flow.end_epoch()
    finally:
        flow.remove()
        for p, grad in saved:
            p.grad = grad
