"""Export of minigrad models to an ONNX graph file: :func:`export_onnx`.

One table maps each supported layer class to the function that appends its ONNX nodes
(and initializers) to the graph. Most activations are one native ONNX operator; the few
opset 17 lacks (GELU, Mish, Swish, LogSigmoid, Tanhshrink, Softmin, Threshold, and CELU,
whose ONNX operator takes float32 only) are written
as short chains of elementary operators. The ``onnx`` package is imported only inside
:func:`export_onnx`.

ONNX stores float attributes (``LeakyRelu``'s ``alpha``, ``Selu``'s constants, ...) in
float32: a float64 model whose constants are not exact in float32 (``alpha=0.1``) matches
its export to about 1e-8 relative, not to the last bit. Constants passed as tensors (Dense
weights, ``Clip`` bounds, PReLU slopes, the decomposed activations' constants) keep the
model's dtype.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import nn
from minigrad.nn.module import Module

__all__ = ["export_onnx"]

OPSET = 17

# torch's SELU constants (the ONNX defaults are these rounded to float32 already).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _Graph:
    """The nodes and initializers being built, with fresh names and the model's dtype."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx, self.dtype = onnx, dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str = "const") -> str:
        """An initializer holding ``value`` in the model's dtype; returns its name."""
        name = self.name(hint)
        array = np.asarray(value, dtype=self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Append one node; returns the name of its (single) output."""
        out = self.name(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out],
                                                     **attributes))
        return out


# An emitter appends the nodes of one layer: (layer, graph, input name, input shape) -> output.
_Emitter = Callable[[Any, _Graph, str, tuple[int, ...]], str]


def _native(op_type: str, **attributes: Callable[[Any], Any]) -> _Emitter:
    """One ONNX operator; each attribute is computed from the layer."""
    def emit(m: Any, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
        return g.op(op_type, x, **{k: f(m) for k, f in attributes.items()})
    return emit


def _dense(m: nn.Dense, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    out = g.op("MatMul", x, g.const(m.W.data, "W"))
    return g.op("Add", out, g.const(m.b.data, "b")) if m.b is not None else out


def _prelu(m: nn.PReLU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    slope = m.weight.data
    if slope.shape[0] > 1 and len(shape) > 2:  # one slope per channel, channels on axis 1
        slope = slope.reshape((-1,) + (1,) * (len(shape) - 2))
    return g.op("PRelu", x, g.const(slope, "slope"))


def _hardtanh(m: nn.Hardtanh, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Clip", x, g.const(m.min_val, "min"), g.const(m.max_val, "max"))


def _threshold(m: nn.Threshold, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    above = g.op("Greater", x, g.const(m.threshold, "threshold"))
    return g.op("Where", above, x, g.const(m.value, "value"))


def _celu(m: nn.CELU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # alpha * ELU(x / alpha): ONNX's Celu takes float32 only.
    alpha = g.const(m.alpha, "alpha")
    return g.op("Mul", g.op("Elu", g.op("Div", x, alpha)), alpha)


def _swish(m: nn.Swish, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    inner = x if m.beta == 1.0 else g.op("Mul", x, g.const(m.beta, "beta"))
    return g.op("Mul", x, g.op("Sigmoid", inner))


def _softplus(m: nn.Softplus, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    if m.beta != 1.0:
        raise ValueError(f"export_onnx: Softplus(beta={m.beta}) is not supported (ONNX "
                         f"Softplus has beta=1)")
    return g.op("Softplus", x)


def _mish(m: nn.Mish, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))


def _gelu(m: nn.GELU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    if m.approximate != "none":
        raise ValueError("export_onnx: GELU(approximate='tanh') is not supported; use "
                         "GELU() (exported as 0.5 * x * (1 + erf(x / sqrt(2))))")
    erf = g.op("Erf", g.op("Div", x, g.const(math.sqrt(2.0), "sqrt2")))
    half_x = g.op("Mul", x, g.const(0.5, "half"))
    return g.op("Mul", half_x, g.op("Add", erf, g.const(1.0, "one")))


def _log_sigmoid(m: nn.LogSigmoid, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Neg", g.op("Softplus", g.op("Neg", x)))  # log sigmoid(x) = -softplus(-x)


def _tanhshrink(m: nn.Tanhshrink, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Sub", x, g.op("Tanh", x))


def _softmin(m: nn.Softmin, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Softmax", g.op("Neg", x), axis=m.axis)


def _flatten(m: nn.Flatten, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    if m.start_axis != 1 or m.end_axis != -1:
        raise ValueError(f"export_onnx: only Flatten(start_axis=1, end_axis=-1) is supported, "
                         f"got Flatten({m.start_axis}, {m.end_axis})")
    return g.op("Flatten", x, axis=1)


def _inference_identity(m: Any, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Identity", x)  # dropout: the exported graph is the eval-mode model


# minigrad class -> emitter. Looked up by exact class (ReLU6 is a Hardtanh with its own row).
_TO_ONNX: dict[type, _Emitter] = {
    nn.Dense: _dense,
    nn.Flatten: _flatten,
    nn.Dropout: _inference_identity,
    nn.Identity: _native("Identity"),
    nn.ReLU: _native("Relu"),
    nn.Sigmoid: _native("Sigmoid"),
    nn.Tanh: _native("Tanh"),
    nn.Softsign: _native("Softsign"),
    nn.LeakyReLU: _native("LeakyRelu", alpha=lambda m: m.alpha),
    nn.PReLU: _prelu,
    nn.ELU: _native("Elu", alpha=lambda m: m.alpha),
    nn.CELU: _celu,
    nn.SELU: _native("Selu", alpha=lambda m: _SELU_ALPHA, gamma=lambda m: _SELU_SCALE),
    nn.Softplus: _softplus,
    nn.HardSigmoid: _native("HardSigmoid", alpha=lambda m: 1.0 / 6.0, beta=lambda m: 0.5),
    nn.HardSwish: _native("HardSwish"),
    nn.Hardtanh: _hardtanh,
    nn.ReLU6: _hardtanh,
    nn.Threshold: _threshold,
    nn.Softshrink: _native("Shrink", bias=lambda m: m.lambd, lambd=lambda m: m.lambd),
    nn.Hardshrink: _native("Shrink", bias=lambda m: 0.0, lambd=lambda m: m.lambd),
    nn.Swish: _swish,
    nn.Mish: _mish,
    nn.GELU: _gelu,
    nn.LogSigmoid: _log_sigmoid,
    nn.Tanhshrink: _tanhshrink,
    nn.Softmax: _native("Softmax", axis=lambda m: m.axis),
    nn.LogSoftmax: _native("LogSoftmax", axis=lambda m: m.axis),
    nn.Softmin: _softmin,
}


def _flat(model: Module) -> list[Module]:
    if isinstance(model, nn.Sequential):
        return [leaf for layer in model.layers for leaf in _flat(layer)]
    return [model]


def export_onnx(model: Module, path: str | os.PathLike[str], input_shape: tuple[int, ...],
                ) -> Any:
    """Write a Sequential model of Dense layers and activations as an ONNX graph (opset 17).

    Parameters
    ----------
    model : Module
        A supported layer or a :class:`~minigrad.nn.Sequential` of them (nested ones are
        flattened): Dense, Flatten, Dropout (exported as the identity: the graph is the
        eval-mode model) and every activation except ``GELU(approximate="tanh")`` and
        ``Softplus(beta != 1)``.
    path : str or os.PathLike
        The ``.onnx`` file to write.
    input_shape : tuple of int
        Shape of one input, batch axis first; ``None`` as the batch size makes it a
        symbolic dimension ``"N"``.

    Returns
    -------
    onnx.ModelProto
        The model written (checked with ``onnx.checker.check_model``), with one input
        ``"input"`` and one output ``"output"`` in the model's float dtype.

    Raises
    ------
    TypeError
        For a layer without an ONNX export, naming it and listing the supported ones.
    ValueError
        For a setting the export cannot express.

    Examples
    --------
    >>> from minigrad import nn
    >>> from minigrad.interop import export_onnx
    >>> model = nn.Sequential(nn.Dense(4, 3, rng=0), nn.ReLU(), nn.Dense(3, 2, rng=0))
    >>> export_onnx(model, "model.onnx", (None, 4))  # doctest: +SKIP
    """
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("minigrad.interop.onnx needs the onnx package: "
                          "pip install 'minigrad[onnx]' (or pip install onnx)") from exc
    layers = _flat(model)
    for layer in layers:
        if type(layer) not in _TO_ONNX:
            supported = ", ".join(sorted(cls.__name__ for cls in _TO_ONNX))
            raise TypeError(f"export_onnx: {type(layer).__name__} has no ONNX export here; "
                            f"supported: {supported}")
    params = list(model.parameters())
    dtype = params[0].dtype if params else np.dtype(np.float64)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"export_onnx: the model's dtype must be float32 or float64, got {dtype}")
    graph = _Graph(onnx, np.dtype(dtype))
    # The shapes between layers come from running the layers on zeros (batch size 1 for a
    # symbolic batch axis): PReLU needs its input's rank, and the output its shape.
    dims = tuple(input_shape)
    probe = np.zeros(tuple(1 if d is None else d for d in dims), dtype=dtype)
    name = "input"
    for layer in layers:
        name = _TO_ONNX[type(layer)](layer, graph, name, probe.shape)
        with_mode = layer.training
        layer.training = False
        try:
            probe = layer(probe).data
        finally:
            layer.training = with_mode
    graph.nodes.append(onnx.helper.make_node("Identity", [name], ["output"]))
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    batch = "N" if dims and dims[0] is None else None
    in_dims = [batch if batch and i == 0 else d for i, d in enumerate(dims)]
    out_dims = [batch if batch and i == 0 else d for i, d in enumerate(probe.shape)]
    onnx_graph = onnx.helper.make_graph(
        graph.nodes, "minigrad",
        [onnx.helper.make_tensor_value_info("input", elem, in_dims)],
        [onnx.helper.make_tensor_value_info("output", elem, out_dims)],
        initializer=graph.initializers,
    )
    proto = onnx.helper.make_model(onnx_graph, producer_name="minigrad",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, os.fspath(path))
    return proto
