"""Export of minigrad models to an ONNX graph file: :func:`export_onnx`.

One table maps each supported layer class to the function that appends its ONNX nodes
(and initializers) to the graph. A layer is one native ONNX operator where ONNX has one
with minigrad's definition (Conv, MaxPool, AveragePool, BatchNormalization,
LayerNormalization, Relu, Elu, Selu, HardSwish, ...); the others are short chains of
elementary operators that follow minigrad's forward step by step (GELU exact and tanh,
Mish, Swish with its beta, Softplus with its beta and threshold, LogSigmoid, Tanhshrink,
Softmin, Threshold, Softshrink, Hardshrink, CELU, BatchNorm without running statistics).
The graph is always the eval-mode model: Dropout is the identity and BatchNorm uses its
running statistics. The ``onnx`` package is imported only inside :func:`export_onnx`.

ONNX stores float attributes (``LeakyRelu``'s and ``Elu``'s ``alpha``, ``Selu``'s and
``HardSigmoid``'s constants, the normalisations' ``epsilon``) in float32: a float64 model
whose constants are not exact in float32 (``alpha=0.1``) matches its export to about 3e-8
relative, not to the last bit. Constants passed as tensors (weights, running statistics,
``Clip`` bounds, PReLU slopes, the composed activations' constants) keep the graph's dtype.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import nn
from minigrad.dtypes import get_default_dtype
from minigrad.nn.activations import gelu as _gelu_constants
from minigrad.nn.activations.exponential import _SELU_ALPHA, _SELU_SCALE
from minigrad.nn.module import Module

__all__ = ["export_onnx"]

OPSET = 17


class _Graph:
    """The nodes and initializers being built, with fresh names and the graph's dtype."""

    def __init__(self, onnx: Any, dtype: np.dtype, symbolic_batch: bool) -> None:
        self.onnx, self.dtype, self.symbolic_batch = onnx, dtype, symbolic_batch
        self.batch_merged = False  # a Flatten merged the batch axis with others
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str = "const", dtype: Any = None) -> str:
        """An initializer holding ``value`` (in the graph's dtype); returns its name."""
        name = self.name(hint)
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Append one node; returns the name of its (first) output."""
        out = self.name(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out],
                                                     **attributes))
        return out


# An emitter appends the nodes of one layer: (layer, graph, input name, input shape) -> output.
# The shape is the input's with the batch size of the probe (see export_onnx).
_Emitter = Callable[[Any, _Graph, str, tuple[int, ...]], str]


def _native(op_type: str, **attributes: Callable[[Any], Any]) -> _Emitter:
    """One ONNX operator; each attribute is computed from the layer."""
    def emit(m: Any, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
        return g.op(op_type, x, **{k: f(m) for k, f in attributes.items()})
    return emit


# ----------------------------------------------------------------- layers


def _dense(m: nn.Dense, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    out = g.op("MatMul", x, g.const(m.W.data, "W"))
    return g.op("Add", out, g.const(m.b.data, "b")) if m.b is not None else out


def _pads(padding: tuple[int, int]) -> list[int]:
    """ONNX's pads: the start of each spatial axis, then the end of each."""
    return [padding[0], padding[1], padding[0], padding[1]]


def _conv2d(m: nn.Conv2d, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    inputs = [x, g.const(m.W.data, "W")] + ([g.const(m.b.data, "b")] if m.b is not None else [])
    return g.op("Conv", *inputs, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                pads=_pads(m.padding), dilations=list(m.dilation), group=m.groups)


def _max_pool(m: nn.MaxPool2d, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # ONNX's MaxPool leaves padding out of the maximum: minigrad's -inf padding. Output
    # sizes round down (ceil_mode=0), as minigrad's.
    return g.op("MaxPool", x, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                pads=_pads(m.padding), ceil_mode=0)


def _avg_pool(m: nn.AvgPool2d, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # minigrad's padding is zeros that count in the mean (the divisor is always kh * kw).
    return g.op("AveragePool", x, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                pads=_pads(m.padding), ceil_mode=0, count_include_pad=1)


def _batchnorm(m: nn.BatchNorm1d, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    if m.running_mean is None or m.running_var is None:
        return _batchnorm_batch_statistics(m, g, x, shape)
    ones, zeros = np.ones(m.num_features), np.zeros(m.num_features)
    scale = m.weight.data if m.weight is not None else ones
    bias = m.bias.data if m.bias is not None else zeros
    return g.op("BatchNormalization", x, g.const(scale, "scale"), g.const(bias, "bias"),
                g.const(m.running_mean.data, "running_mean"),
                g.const(m.running_var.data, "running_var"), epsilon=m.eps)


def _batchnorm_batch_statistics(m: nn.BatchNorm1d, g: _Graph, x: str,
                                shape: tuple[int, ...]) -> str:
    """track_running_stats=False: each batch is normalised by its own mean and variance,
    in eval mode too, as minigrad computes them (ONNX's BatchNormalization needs running
    statistics outside training mode)."""
    axes = [0] + list(range(2, len(shape)))
    stat_shape = (1, m.num_features) + (1,) * (len(shape) - 2)
    centered = g.op("Sub", x, g.op("ReduceMean", x, axes=axes, keepdims=1))
    var = g.op("ReduceMean", g.op("Mul", centered, centered), axes=axes, keepdims=1)
    inv_std = g.op("Div", g.const(1.0, "one"),
                   g.op("Sqrt", g.op("Add", var, g.const(m.eps, "eps"))))
    out = g.op("Mul", centered, inv_std)
    if m.weight is None or m.bias is None:
        return out
    out = g.op("Mul", out, g.const(m.weight.data.reshape(stat_shape), "weight"))
    return g.op("Add", out, g.const(m.bias.data.reshape(stat_shape), "bias"))


def _layernorm(m: nn.LayerNorm, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # ONNX requires a scale; ones stand for elementwise_affine=False (the bias is optional).
    scale = m.weight.data if m.weight is not None else np.ones(m.normalized_shape)
    inputs = [x, g.const(scale, "scale")]
    if m.bias is not None:
        inputs.append(g.const(m.bias.data, "bias"))
    # stash_type keeps its default: the reference evaluator implements no other, and
    # onnxruntime computes a float64 graph's statistics in float64 either way.
    return g.op("LayerNormalization", *inputs, axis=-len(m.normalized_shape), epsilon=m.eps)


def _flatten(m: nn.Flatten, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    ndim = max(len(shape), 1)
    start = m.start_axis + ndim if m.start_axis < 0 else m.start_axis
    end = m.end_axis + ndim if m.end_axis < 0 else m.end_axis
    if start == 1 and end == ndim - 1:
        return g.op("Flatten", x, axis=1)  # ONNX's Flatten always makes two axes
    # Any other range: a Reshape to the known sizes, the batch axis left symbolic (0 copies
    # it from the input; -1 when it is merged with others).
    out_shape = list(shape[:start]) + [-1] + list(shape[end + 1:])
    if g.symbolic_batch and start > 0:
        out_shape[0] = 0
    g.batch_merged = g.batch_merged or (start == 0 and end > 0)
    return g.op("Reshape", x, g.const(out_shape, "shape", dtype=np.int64))


def _eval_identity(m: Any, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Identity", x)  # dropout: the exported graph is the eval-mode model


# ----------------------------------------------------------------- activations


def _prelu(m: nn.PReLU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    slope = m.weight.data
    if slope.shape[0] > 1 and len(shape) > 2:  # one slope per channel, channels on axis 1
        slope = slope.reshape((-1,) + (1,) * (len(shape) - 2))
    return g.op("PRelu", x, g.const(slope, "slope"))


def _hardtanh(m: nn.Hardtanh, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Clip", x, g.const(m.min_val, "min"), g.const(m.max_val, "max"))


def _threshold(m: nn.Threshold, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # "x <= threshold" picks what is replaced, as minigrad: a NaN compares False and stays.
    replaced = g.op("LessOrEqual", x, g.const(m.threshold, "threshold"))
    return g.op("Where", replaced, g.const(m.value, "value"), x)


# The shrinks are not ONNX's Shrink: it holds lambd as a float32 attribute and sends a NaN
# input to 0, where minigrad keeps it.
def _softshrink(m: nn.Softshrink, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    band = g.op("Clip", x, g.const(-m.lambd, "min"), g.const(m.lambd, "max"))
    return g.op("Sub", x, band)  # minigrad's x - clip(x, -lambd, lambd)


def _hardshrink(m: nn.Hardshrink, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    inside = g.op("LessOrEqual", g.op("Abs", x), g.const(m.lambd, "lambd"))  # lambd >= 0
    return g.op("Where", inside, g.const(0.0, "zero"), x)


def _celu(m: nn.CELU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # alpha * ELU(x / alpha): ONNX's Celu is defined for float32 only.
    alpha = g.const(m.alpha, "alpha")
    return g.op("Mul", g.op("Elu", g.op("Div", x, alpha)), alpha)


def _swish(m: nn.Swish, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    inner = x if m.beta == 1.0 else g.op("Mul", x, g.const(m.beta, "beta"))
    return g.op("Mul", x, g.op("Sigmoid", inner))


def _softplus(m: nn.Softplus, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    # minigrad's: z = beta * x; x where z > threshold, else softplus(z) / beta.
    z = x if m.beta == 1.0 else g.op("Mul", x, g.const(m.beta, "beta"))
    smooth = g.op("Softplus", z)
    if m.beta != 1.0:
        smooth = g.op("Div", smooth, g.const(m.beta, "beta"))
    return g.op("Where", g.op("Greater", z, g.const(m.threshold, "threshold")), x, smooth)


def _mish(m: nn.Mish, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))


def _gelu(m: nn.GELU, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    c = _gelu_constants
    if m.approximate == "tanh":
        # minigrad's: u = sqrt(2/pi) * (t + 0.044715 t^3) with t = clip(x, -30, 30);
        # x * sigmoid(2u), which is 0.5 x (1 + tanh(u)).
        t = g.op("Clip", x, g.const(-c._TANH_CLIP, "min"), g.const(c._TANH_CLIP, "max"))
        cube = g.op("Mul", g.op("Mul", t, t), t)
        inner = g.op("Add", t, g.op("Mul", g.const(c._GELU_CUBIC, "cubic"), cube))
        u = g.op("Mul", g.const(c._SQRT_2_OVER_PI, "sqrt_2_over_pi"), inner)
        cdf = g.op("Sigmoid", g.op("Mul", g.const(2.0, "two"), u))
    else:
        # x * Phi(x) with Phi(x) = 0.5 * (1 + erf(x / sqrt(2))) (minigrad's 0.5 erfc(-x/sqrt2))
        erf = g.op("Erf", g.op("Mul", x, g.const(c._SQRT_HALF, "sqrt_half")))
        cdf = g.op("Mul", g.const(0.5, "half"), g.op("Add", g.const(1.0, "one"), erf))
    return g.op("Mul", x, cdf)


def _log_sigmoid(m: nn.LogSigmoid, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Neg", g.op("Softplus", g.op("Neg", x)))  # log sigmoid(x) = -softplus(-x)


def _tanhshrink(m: nn.Tanhshrink, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Sub", x, g.op("Tanh", x))


def _softmin(m: nn.Softmin, g: _Graph, x: str, shape: tuple[int, ...]) -> str:
    return g.op("Softmax", g.op("Neg", x), axis=m.axis)


# minigrad class -> emitter. Looked up by exact class, so subclasses (ReLU6 of Hardtanh,
# BatchNorm2d of BatchNorm1d) have their own rows.
_TO_ONNX: dict[type, _Emitter] = {
    nn.Dense: _dense,
    nn.Conv2d: _conv2d,
    nn.MaxPool2d: _max_pool,
    nn.AvgPool2d: _avg_pool,
    nn.BatchNorm1d: _batchnorm,
    nn.BatchNorm2d: _batchnorm,
    nn.LayerNorm: _layernorm,
    nn.Flatten: _flatten,
    nn.Dropout: _eval_identity,
    nn.Dropout2d: _eval_identity,
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
    nn.Softshrink: _softshrink,
    nn.Hardshrink: _hardshrink,
    nn.Swish: _swish,
    nn.Mish: _mish,
    nn.GELU: _gelu,
    nn.LogSigmoid: _log_sigmoid,
    nn.Tanhshrink: _tanhshrink,
    nn.Softmax: _native("Softmax", axis=lambda m: m.axis),
    nn.LogSoftmax: _native("LogSoftmax", axis=lambda m: m.axis),
    nn.Softmin: _softmin,
}


def _flat(model: Module, path: str) -> list[tuple[str, Module]]:
    """The leaves of nested Sequentials in order, each with its dotted path."""
    if isinstance(model, nn.Sequential):
        return [leaf for i, layer in enumerate(model.layers)
                for leaf in _flat(layer, f"{path}.{i}" if path else str(i))]
    return [(path, model)]


def _graph_dtype(model: Module, dtype: Any) -> np.dtype:
    if dtype is None:
        params = list(model.parameters())
        dtype = params[0].dtype if params else get_default_dtype()
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"export_onnx: the graph's dtype must be float32 or float64, "
                         f"got {dtype}")
    return dtype


def export_onnx(model: Module, path: str | os.PathLike[str], input_shape: tuple[int, ...],
                *, dtype: Any = None) -> Any:
    """Write a model as an ONNX graph (opset 17), in its eval-mode form.

    Parameters
    ----------
    model : Module
        A supported layer or a :class:`~minigrad.nn.Sequential` of them (nested ones are
        flattened): Dense, Conv2d, MaxPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d,
        LayerNorm, Flatten, Dropout, Dropout2d and every built-in activation with any of
        its settings. The graph is the eval-mode model whatever the layers' modes: the
        dropouts are the identity and BatchNorm uses its running statistics (its batch's
        own statistics when ``track_running_stats=False``, as minigrad does).
    path : str or os.PathLike
        The ``.onnx`` file to write.
    input_shape : tuple of int
        Shape of one input, batch axis first; ``None`` as the batch size makes it a
        symbolic dimension ``"N"``.
    dtype : {None, "float32", "float64"}, optional, keyword-only
        The graph's float type: by default the model's (its parameters', or
        ``mg.get_default_dtype()`` for a model without parameters). A float64 model can be
        written as float32 for runtimes without float64 kernels: onnxruntime's CPU provider
        has none for Conv, AveragePool, Elu (ELU, CELU), Selu, Softplus (Softplus, Mish,
        LogSigmoid), Softsign, HardSigmoid, HardSwish and Erf (exact GELU).

    Returns
    -------
    onnx.ModelProto
        The model written (checked with ``onnx.checker.check_model``), with one input
        ``"input"`` and one output ``"output"`` of that dtype.

    Raises
    ------
    TypeError
        For a layer without an ONNX export, naming it and listing the supported ones.
    ValueError
        For a dtype other than float32 or float64, or an input shape the model refuses.

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
    layers = _flat(model, "")
    for where, layer in layers:
        if type(layer) not in _TO_ONNX:
            supported = ", ".join(sorted(cls.__name__ for cls in _TO_ONNX))
            at = f" (layer {where})" if where else ""
            raise TypeError(f"export_onnx: {type(layer).__name__}{at} has no ONNX export; "
                            f"supported: {supported}")
    graph_dtype = _graph_dtype(model, dtype)
    dims = tuple(input_shape)
    symbolic = bool(dims) and dims[0] is None
    graph = _Graph(onnx, graph_dtype, symbolic)
    # The shapes between layers come from running each layer (in eval mode) on zeros, batch
    # size 2 for a symbolic batch axis (the least batch statistics accept): a shape the
    # model refuses fails here with the layer's own message, and PReLU and Flatten learn
    # their input's rank and sizes.
    probe_dtype = next((p.dtype for p in model.parameters()), graph_dtype)
    probe = np.zeros(tuple(2 if d is None else d for d in dims), dtype=probe_dtype)
    name = "input"
    for _, layer in layers:
        with_mode = layer.training
        layer.training = False
        try:
            out_probe = layer(probe).data
        finally:
            layer.training = with_mode
        name = _TO_ONNX[type(layer)](layer, graph, name, probe.shape)
        probe = out_probe
    graph.nodes.append(onnx.helper.make_node("Identity", [name], ["output"]))
    elem = onnx.helper.np_dtype_to_tensor_dtype(graph_dtype)
    in_dims = ["N" if symbolic and i == 0 else d for i, d in enumerate(dims)]
    # After a Flatten that merged the batch axis, the first axis is N times a size: unnamed.
    first = None if graph.batch_merged else "N"
    out_dims = [first if symbolic and i == 0 else d for i, d in enumerate(probe.shape)]
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
