"""Conversion between minigrad models and PyTorch modules: :func:`to_torch`, :func:`from_torch`.

Each direction is one table, from a layer class to the function that builds the layer on
the other side and copies its parameters and buffers. A :class:`~minigrad.nn.Sequential`
becomes a ``torch.nn.Sequential`` (nested ones too) and back; the train/eval mode of every
module is carried over. PyTorch is imported only inside the functions, so importing this
module does not need it.

Layouts and defaults that differ between the two sides:

* ``Dense`` computes ``x @ W + b`` with ``W`` of shape ``(in, out)``; ``torch.nn.Linear``
  stores ``weight`` of shape ``(out, in)``, so the weight is transposed on the way;
* ``LeakyReLU(alpha)`` is ``torch.nn.LeakyReLU(negative_slope=alpha)`` (minigrad's default
  slope is 0.1, PyTorch's 0.01: the value is always passed explicitly);
* ``Swish(beta=1)`` (``SiLU``) is ``torch.nn.SiLU``; another ``beta``, which torch's
  classes cannot express, is :class:`Swish` here, a small ``torch.nn.Module`` computing
  ``x * sigmoid(beta * x)`` (built on first use, since it subclasses torch's Module);
* ``Softmax(axis)``, ``Softmin(axis)``, ``LogSoftmax(axis)`` are the torch classes with
  ``dim=axis``; ``Flatten(start_axis, end_axis)`` is ``Flatten(start_dim, end_dim)``;
* the random generators of the dropout layers are not carried over.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import nn
from minigrad.nn.module import Module

__all__ = ["from_torch", "to_torch"]


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "minigrad.interop.torch needs PyTorch: pip install torch"
        ) from exc
    return torch


# ----------------------------------------------------------------- torch modules of our own


@functools.lru_cache(maxsize=1)
def _own_modules(torch: Any) -> dict[str, type]:
    """torch modules for minigrad settings that torch.nn's classes lack (built once torch is in)."""

    class Swish(torch.nn.Module):
        """minigrad's ``Swish(beta)``, ``x * sigmoid(beta * x)``, as a torch module.

        ``torch.nn.SiLU`` is the case ``beta=1``; :func:`to_torch` uses it then.
        """

        def __init__(self, beta: float = 1.0) -> None:
            super().__init__()
            self.beta = float(beta)

        def forward(self, x: Any) -> Any:
            return x * torch.sigmoid(x * self.beta)  # minigrad's order: z = x * beta

        def extra_repr(self) -> str:
            return f"beta={self.beta}"

    # Named as a module attribute (see __getattr__), so pickle and repr find it there.
    Swish.__module__, Swish.__qualname__ = __name__, "Swish"
    return {"Swish": Swish}


def __getattr__(name: str) -> Any:
    """``minigrad.interop.torch.Swish``: the class is made on first access (it subclasses
    ``torch.nn.Module``, so importing this module does not import torch)."""
    if name == "Swish":
        return _own_modules(_import_torch())[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------- arrays both ways


def _param(torch: Any, array: np.ndarray) -> Any:
    """A torch Parameter holding a copy of ``array`` (same dtype)."""
    return torch.nn.Parameter(torch.from_numpy(np.array(array, copy=True)))


def _buffer(torch: Any, array: np.ndarray) -> Any:
    return torch.from_numpy(np.array(array, copy=True))


def _array(tensor: Any) -> np.ndarray:
    """A NumPy copy of a torch tensor's values (detached, on the CPU)."""
    return np.array(tensor.detach().cpu().numpy(), copy=True)


def _dtype(tensor: Any) -> np.dtype:
    return _array(tensor[:0] if tensor.ndim else tensor).dtype


def _fill(target: Any, array: np.ndarray) -> None:
    """Copy ``array`` into a fresh minigrad Parameter or Buffer (same shape and dtype)."""
    np.copyto(target.data, array)


# ----------------------------------------------------------------- minigrad -> torch


def _linear(m: nn.Dense, torch: Any) -> Any:
    out = torch.nn.Linear(m.in_features, m.out_features, bias=m.b is not None)
    out.weight = _param(torch, m.W.data.T)
    if m.b is not None:
        out.bias = _param(torch, m.b.data)
    return out


def _prelu(m: nn.PReLU, torch: Any) -> Any:
    out = torch.nn.PReLU(num_parameters=m.weight.shape[0], init=m.init)
    out.weight = _param(torch, m.weight.data)
    return out


def _swish(m: nn.Swish, torch: Any) -> Any:
    if m.beta == 1.0:
        return torch.nn.SiLU()
    return _own_modules(torch)["Swish"](m.beta)  # torch.nn.SiLU has no beta


def _batchnorm(torch_class: str) -> Callable[[Any, Any], Any]:
    def build(m: nn.BatchNorm1d, torch: Any) -> Any:
        out = getattr(torch.nn, torch_class)(
            m.num_features, eps=m.eps, momentum=m.momentum, affine=m.affine,
            track_running_stats=m.track_running_stats)
        if m.weight is not None and m.bias is not None:
            out.weight = _param(torch, m.weight.data)
            out.bias = _param(torch, m.bias.data)
        if m.running_mean is not None and m.running_var is not None:
            out.running_mean = _buffer(torch, m.running_mean.data)
            out.running_var = _buffer(torch, m.running_var.data)
        return out
    return build


def _layernorm(m: nn.LayerNorm, torch: Any) -> Any:
    out = torch.nn.LayerNorm(m.normalized_shape, eps=m.eps,
                             elementwise_affine=m.elementwise_affine)
    if m.weight is not None and m.bias is not None:
        out.weight = _param(torch, m.weight.data)
        out.bias = _param(torch, m.bias.data)
    return out


def _conv2d(m: nn.Conv2d, torch: Any) -> Any:
    out = torch.nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride,
                          padding=m.padding, dilation=m.dilation, groups=m.groups,
                          bias=m.b is not None)
    out.weight = _param(torch, m.W.data)
    if m.b is not None:
        out.bias = _param(torch, m.b.data)
    return out


def _embedding(m: nn.Embedding, torch: Any) -> Any:
    out = torch.nn.Embedding(m.num_embeddings, m.embedding_dim)
    out.weight = _param(torch, m.W.data)
    return out


def _sequential(m: nn.Sequential, torch: Any) -> Any:
    return torch.nn.Sequential(*(_to_torch(layer, torch) for layer in m.layers))


def _plain(name: str) -> Callable[[Any, Any], Any]:
    """A torch layer built without arguments (nothing to copy)."""
    return lambda m, torch: getattr(torch.nn, name)()


# minigrad class -> builder(layer, torch) of the torch module. Looked up by exact class, so
# subclasses (ReLU6 of Hardtanh, BatchNorm2d of BatchNorm1d) have their own rows.
_TO_TORCH: dict[type, Callable[[Any, Any], Any]] = {
    nn.Sequential: _sequential,
    nn.Dense: _linear,
    nn.Conv2d: _conv2d,
    nn.MaxPool2d: lambda m, t: t.nn.MaxPool2d(m.kernel_size, m.stride, m.padding),
    nn.AvgPool2d: lambda m, t: t.nn.AvgPool2d(m.kernel_size, m.stride, m.padding),
    nn.Flatten: lambda m, t: t.nn.Flatten(m.start_axis, m.end_axis),
    nn.Embedding: _embedding,
    nn.Dropout: lambda m, t: t.nn.Dropout(m.p),
    nn.Dropout2d: lambda m, t: t.nn.Dropout2d(m.p),
    nn.BatchNorm1d: _batchnorm("BatchNorm1d"),
    nn.BatchNorm2d: _batchnorm("BatchNorm2d"),
    nn.LayerNorm: _layernorm,
    nn.Identity: _plain("Identity"),
    nn.Sigmoid: _plain("Sigmoid"),
    nn.Tanh: _plain("Tanh"),
    nn.LogSigmoid: _plain("LogSigmoid"),
    nn.Softsign: _plain("Softsign"),
    nn.ReLU: _plain("ReLU"),
    nn.ReLU6: _plain("ReLU6"),
    nn.LeakyReLU: lambda m, t: t.nn.LeakyReLU(negative_slope=m.alpha),
    nn.PReLU: _prelu,
    nn.Threshold: lambda m, t: t.nn.Threshold(m.threshold, m.value),
    nn.Hardtanh: lambda m, t: t.nn.Hardtanh(m.min_val, m.max_val),
    nn.HardSigmoid: _plain("Hardsigmoid"),
    nn.HardSwish: _plain("Hardswish"),
    nn.Swish: _swish,
    nn.Mish: _plain("Mish"),
    nn.Softplus: lambda m, t: t.nn.Softplus(beta=m.beta, threshold=m.threshold),
    nn.GELU: lambda m, t: t.nn.GELU(approximate=m.approximate),
    nn.ELU: lambda m, t: t.nn.ELU(alpha=m.alpha),
    nn.SELU: _plain("SELU"),
    nn.CELU: lambda m, t: t.nn.CELU(alpha=m.alpha),
    nn.Tanhshrink: _plain("Tanhshrink"),
    nn.Softshrink: lambda m, t: t.nn.Softshrink(lambd=m.lambd),
    nn.Hardshrink: lambda m, t: t.nn.Hardshrink(lambd=m.lambd),
    nn.Softmax: lambda m, t: t.nn.Softmax(dim=m.axis),
    nn.Softmin: lambda m, t: t.nn.Softmin(dim=m.axis),
    nn.LogSoftmax: lambda m, t: t.nn.LogSoftmax(dim=m.axis),
}


def _to_torch(layer: Any, torch: Any) -> Any:
    build = _TO_TORCH.get(type(layer))
    if build is None:
        supported = ", ".join(sorted(cls.__name__ for cls in _TO_TORCH))
        raise TypeError(f"to_torch: {type(layer).__name__} has no PyTorch counterpart here; "
                        f"supported: {supported}")
    out = build(layer, torch)
    out.training = layer.training  # per module: torch's train() would recurse
    return out


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Module`` of a minigrad model, with its weights copied.

    Parameters
    ----------
    model : Module
        A supported layer or a :class:`~minigrad.nn.Sequential` of them (nested
        Sequentials included). Supported: Dense, Conv2d, MaxPool2d, AvgPool2d, Flatten,
        Embedding, Dropout, Dropout2d, BatchNorm1d, BatchNorm2d, LayerNorm and every
        activation with any of its settings (``Swish(beta != 1)`` becomes this module's
        :class:`Swish`, the others torch.nn's own classes).

    Returns
    -------
    torch.nn.Module
        ``torch.nn.Sequential`` for a Sequential, else the matching layer. Parameters
        and buffers are copies in the model's dtype (``Dense.W`` transposed into
        ``Linear.weight``); each module has its source's train/eval mode.

    Raises
    ------
    TypeError
        For a layer without a counterpart, naming it and listing the supported ones.

    Examples
    --------
    >>> from minigrad import nn
    >>> from minigrad.interop import to_torch
    >>> to_torch(nn.Sequential(nn.Dense(2, 3, rng=0), nn.ReLU()))  # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
    )
    """
    return _to_torch(model, _import_torch())


# ----------------------------------------------------------------- torch -> minigrad


def _refuse(module: Any, **defaults: Any) -> None:
    """ValueError when one of ``module``'s settings differs from what minigrad supports."""
    for name, value in defaults.items():
        actual = getattr(module, name)
        if actual != value:
            raise ValueError(f"from_torch: {type(module).__name__}({name}={actual!r}) is not "
                             f"supported by minigrad (only {name}={value!r})")


def _dense(m: Any, torch: Any) -> nn.Dense:
    weight = _array(m.weight)
    out = nn.Dense(m.in_features, m.out_features, bias=m.bias is not None, rng=0,
                   dtype=weight.dtype)
    _fill(out.W, weight.T)
    if m.bias is not None and out.b is not None:
        _fill(out.b, _array(m.bias))
    return out


def _mg_prelu(m: Any, torch: Any) -> nn.PReLU:
    weight = _array(m.weight)
    out = nn.PReLU(num_parameters=weight.shape[0], init=m.init, dtype=weight.dtype)
    _fill(out.weight, weight)
    return out


def _mg_batchnorm(cls: type[nn.BatchNorm1d]) -> Callable[[Any, Any], Any]:
    def build(m: Any, torch: Any) -> nn.BatchNorm1d:
        if m.momentum is None:
            raise ValueError(f"from_torch: {type(m).__name__}(momentum=None) (a cumulative "
                             f"average) is not supported by minigrad")
        source = m.weight if m.weight is not None else m.running_mean
        dtype = _dtype(source) if source is not None else None
        out = cls(m.num_features, eps=m.eps, momentum=m.momentum, affine=m.affine,
                  track_running_stats=m.track_running_stats, dtype=dtype)
        if out.weight is not None and out.bias is not None:
            _fill(out.weight, _array(m.weight))
            _fill(out.bias, _array(m.bias))
        if out.running_mean is not None and out.running_var is not None:
            _fill(out.running_mean, _array(m.running_mean))
            _fill(out.running_var, _array(m.running_var))
        return out
    return build


def _mg_layernorm(m: Any, torch: Any) -> nn.LayerNorm:
    if (m.weight is None) != (m.bias is None):
        raise ValueError("from_torch: LayerNorm(bias=False) is not supported by minigrad "
                         "(weight and bias go together)")
    dtype = _dtype(m.weight) if m.weight is not None else None
    out = nn.LayerNorm(tuple(m.normalized_shape), eps=m.eps,
                       elementwise_affine=m.weight is not None, dtype=dtype)
    if out.weight is not None and out.bias is not None:
        _fill(out.weight, _array(m.weight))
        _fill(out.bias, _array(m.bias))
    return out


def _mg_conv2d(m: Any, torch: Any) -> nn.Conv2d:
    _refuse(m, padding_mode="zeros")
    padding = (0, 0) if m.padding == "valid" else m.padding
    if isinstance(padding, str):
        raise ValueError(f"from_torch: Conv2d(padding={padding!r}) is not supported by "
                         f"minigrad (give the padding as numbers)")
    weight = _array(m.weight)
    out = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride,
                    padding=padding, dilation=m.dilation, groups=m.groups,
                    bias=m.bias is not None, rng=0, dtype=weight.dtype)
    _fill(out.W, weight)
    if m.bias is not None and out.b is not None:
        _fill(out.b, _array(m.bias))
    return out


def _mg_maxpool(m: Any, torch: Any) -> nn.MaxPool2d:
    _refuse(m, ceil_mode=False, return_indices=False)
    if m.dilation not in (1, (1, 1)):
        raise ValueError(f"from_torch: MaxPool2d(dilation={m.dilation!r}) is not supported "
                         f"by minigrad")
    return nn.MaxPool2d(m.kernel_size, m.stride, m.padding)


def _mg_avgpool(m: Any, torch: Any) -> nn.AvgPool2d:
    _refuse(m, ceil_mode=False, count_include_pad=True, divisor_override=None)
    return nn.AvgPool2d(m.kernel_size, m.stride, m.padding)


def _mg_embedding(m: Any, torch: Any) -> nn.Embedding:
    _refuse(m, padding_idx=None, max_norm=None, scale_grad_by_freq=False, sparse=False)
    weight = _array(m.weight)
    out = nn.Embedding(m.num_embeddings, m.embedding_dim, rng=0, dtype=weight.dtype)
    _fill(out.W, weight)
    return out


def _mg_softmax(cls: type[nn.Softmax] | type[nn.Softmin] | type[nn.LogSoftmax],
                ) -> Callable[[Any, Any], Any]:
    def build(m: Any, torch: Any) -> Any:
        if m.dim is None:
            raise ValueError(f"from_torch: {type(m).__name__}(dim=None) is not supported; "
                             f"give the dimension explicitly")
        return cls(axis=m.dim)
    return build


def _mg_sequential(m: Any, torch: Any) -> nn.Sequential:
    return nn.Sequential(*(_from_torch(child, torch) for child in m))


@functools.lru_cache(maxsize=1)
def _from_torch_table(torch: Any) -> dict[type, Callable[[Any, Any], Any]]:
    """torch class -> builder(module, torch) of the minigrad layer (built once torch is in)."""
    t = torch.nn
    return {
        t.Sequential: _mg_sequential,
        t.Linear: _dense,
        t.Conv2d: _mg_conv2d,
        t.MaxPool2d: _mg_maxpool,
        t.AvgPool2d: _mg_avgpool,
        t.Flatten: lambda m, _: nn.Flatten(m.start_dim, m.end_dim),
        t.Embedding: _mg_embedding,
        t.Dropout: lambda m, _: nn.Dropout(m.p),
        t.Dropout2d: lambda m, _: nn.Dropout2d(m.p),
        t.BatchNorm1d: _mg_batchnorm(nn.BatchNorm1d),
        t.BatchNorm2d: _mg_batchnorm(nn.BatchNorm2d),
        t.LayerNorm: _mg_layernorm,
        t.Identity: lambda m, _: nn.Identity(),
        t.Sigmoid: lambda m, _: nn.Sigmoid(),
        t.Tanh: lambda m, _: nn.Tanh(),
        t.LogSigmoid: lambda m, _: nn.LogSigmoid(),
        t.Softsign: lambda m, _: nn.Softsign(),
        t.ReLU: lambda m, _: nn.ReLU(),
        t.ReLU6: lambda m, _: nn.ReLU6(),
        t.LeakyReLU: lambda m, _: nn.LeakyReLU(alpha=m.negative_slope),
        t.PReLU: _mg_prelu,
        t.Threshold: lambda m, _: nn.Threshold(m.threshold, m.value),
        t.Hardtanh: lambda m, _: nn.Hardtanh(m.min_val, m.max_val),
        t.Hardsigmoid: lambda m, _: nn.HardSigmoid(),
        t.Hardswish: lambda m, _: nn.HardSwish(),
        t.SiLU: lambda m, _: nn.Swish(beta=1.0),
        _own_modules(torch)["Swish"]: lambda m, _: nn.Swish(beta=m.beta),
        t.Mish: lambda m, _: nn.Mish(),
        t.Softplus: lambda m, _: nn.Softplus(beta=m.beta, threshold=m.threshold),
        t.GELU: lambda m, _: nn.GELU(approximate=m.approximate),
        t.ELU: lambda m, _: nn.ELU(alpha=m.alpha),
        t.SELU: lambda m, _: nn.SELU(),
        t.CELU: lambda m, _: nn.CELU(alpha=m.alpha),
        t.Tanhshrink: lambda m, _: nn.Tanhshrink(),
        t.Softshrink: lambda m, _: nn.Softshrink(lambd=m.lambd),
        t.Hardshrink: lambda m, _: nn.Hardshrink(lambd=m.lambd),
        t.Softmax: _mg_softmax(nn.Softmax),
        t.Softmin: _mg_softmax(nn.Softmin),
        t.LogSoftmax: _mg_softmax(nn.LogSoftmax),
    }


def _from_torch(module: Any, torch: Any) -> Module:
    table = _from_torch_table(torch)
    build = table.get(type(module))
    if build is None:
        supported = ", ".join(sorted(cls.__name__ for cls in table))
        raise TypeError(f"from_torch: {type(module).__name__} has no minigrad counterpart "
                        f"here; supported: {supported}")
    out = build(module, torch)
    out.training = bool(module.training)
    return out


def from_torch(module: Any) -> Module:
    """A minigrad model equivalent to a PyTorch module, with its weights copied.

    Parameters
    ----------
    module : torch.nn.Module
        A supported layer or a ``torch.nn.Sequential`` of them (nested ones included):
        the reverse of :func:`to_torch`'s table (Linear, Conv2d, MaxPool2d, AvgPool2d,
        Flatten, Embedding, Dropout, Dropout2d, BatchNorm1d, BatchNorm2d, LayerNorm and
        the activations, ``SiLU`` becoming ``Swish(beta=1)`` and this module's
        :class:`Swish` ``Swish(beta)``).

    Returns
    -------
    Module
        :class:`~minigrad.nn.Sequential` for a Sequential, else the matching layer, with
        copies of the parameters and buffers in their torch dtype (``Linear.weight``
        transposed into ``Dense.W``) and each module's train/eval mode.

    Raises
    ------
    TypeError
        For a module without a counterpart, naming it and listing the supported ones.
    ValueError
        For settings minigrad does not have (``ceil_mode=True``, ``padding_idx``,
        ``padding="same"``, ``momentum=None``, ...).

    Examples
    --------
    >>> import torch  # doctest: +SKIP
    >>> from minigrad.interop import from_torch
    >>> from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()))  # doctest: +SKIP
    Sequential(
      (0): Dense(in_features=2, out_features=3, bias=True)
      (1): ReLU()
    )
    """
    return _from_torch(module, _import_torch())
