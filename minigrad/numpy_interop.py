"""NumPy functions called on Tensors: ``np.exp(t)``, ``np.sum(t)``, ``arr * t``.

NumPy hands a call that involves a Tensor to ``Tensor.__array_ufunc__`` (elementwise
functions and operators) or ``Tensor.__array_function__`` (everything else). A function
with a gradient rule here returns a Tensor recorded like the matching method
(``np.exp(t)`` is ``t.exp()``); a function that only reads values (comparisons,
``np.isnan``, ``np.argmax``, ``np.allclose``) returns its plain NumPy result; any other
raises a TypeError that says what to call instead, never a result with the gradient
silently lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import functions
from minigrad.tensor import Tensor

# ufunc -> (method when the Tensor comes first, method when it comes second)
_BINARY = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.remainder: ("__mod__", "__rmod__"),
    np.floor_divide: ("__floordiv__", "__rfloordiv__"),
}
_UNARY = {
    np.negative: "__neg__", np.exp: "exp", np.log: "log", np.sqrt: "sqrt",
    np.absolute: "abs", np.tanh: "tanh", np.sin: "sin", np.cos: "cos", np.log1p: "log1p",
    np.expm1: "expm1", np.sign: "sign",
}
_PAIRWISE: dict[Any, Callable[[Any, Any], Tensor]] = {
    np.maximum: functions.maximum, np.minimum: functions.minimum,
}

_HINT = ("the Tensor methods keep the gradient (t.exp(), t.log(), t.sqrt(), t.abs(), "
         "t.tanh(), t.sin(), t.sum(), t.mean(), t.max(), t.prod(), t.var(), t.reshape(), ...; "
         "mg.maximum, mg.where, mg.concatenate, mg.stack); for plain values without a gradient, "
         "pass t.data")


def _plain(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def array_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_ufunc__``: route a NumPy ufunc to the matching Tensor operation."""
    name = f"np.{ufunc.__name__}"
    if method != "__call__" or kwargs:
        what = f"{name}.{method}" if method != "__call__" else f"{name}(..., {', '.join(kwargs)}=)"
        raise TypeError(f"{what} on a Tensor is not supported: {_HINT}")
    if all(t.endswith("->?") for t in ufunc.types):
        # Comparisons and tests such as np.isnan: values only, no gradient to lose.
        return ufunc(*(_plain(x) for x in inputs))
    if ufunc in _BINARY:
        first, second = inputs
        forward, reflected = _BINARY[ufunc]
        if isinstance(first, Tensor):
            return getattr(first, forward)(second)
        return getattr(second, reflected)(first)
    if ufunc in _UNARY:
        return getattr(inputs[0], _UNARY[ufunc])()
    if ufunc in _PAIRWISE:
        return _PAIRWISE[ufunc](*inputs)
    raise TypeError(f"{name} on a Tensor: minigrad has no gradient rule for it; {_HINT}")


def _reduction(method: str) -> Callable[..., Tensor]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, **rest: Any) -> Tensor:
        if dtype is not None or out is not None or rest:
            extra = [k for k, v in (("dtype", dtype), ("out", out)) if v is not None] + list(rest)
            raise TypeError(f"np.{method}(tensor, {', '.join(extra)}=...) is not supported: "
                            f"call tensor.{method}(axis, keepdims) instead")
        return getattr(a, method)(axis=axis, keepdims=keepdims)
    return call


def _statistic(method: str) -> Callable[..., Tensor]:
    # NumPy's default ddof is 0 (the biased estimate), unlike torch's correction=1.
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
             keepdims: bool = False, **rest: Any) -> Tensor:
        if dtype is not None or out is not None or rest:
            raise TypeError(f"np.{method}(tensor, ...) supports axis, ddof and keepdims only: "
                            f"call tensor.{method}(axis, keepdims, correction) instead")
        return getattr(a, method)(axis=axis, keepdims=keepdims, correction=ddof)
    return call


def _cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Tensor:
    if dtype is not None or out is not None:
        raise TypeError("np.cumsum(tensor, dtype=/out=) is not supported: call "
                        "tensor.cumsum(axis) instead")
    return a.cumsum(axis)


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None and y is None:
        return np.where(_plain(condition))
    return functions.where(condition, x, y)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, **rest: Any) -> Tensor:
    if rest:
        raise TypeError(f"np.clip(tensor, ..., {', '.join(rest)}=) is not supported: "
                        "call tensor.clip(min, max) instead")
    return a.clip(a_min, a_max)


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduction("sum"), np.mean: _reduction("mean"),
    np.max: _reduction("max"), np.min: _reduction("min"),
    np.amax: _reduction("max"), np.amin: _reduction("min"),
    np.reshape: lambda a, shape, **kw: a.reshape(shape) if not kw else _refuse("reshape"),
    np.transpose: lambda a, axes=None: a.transpose(axes) if axes is not None else a.T,
    np.concatenate: lambda arrays, axis=0: functions.concatenate(arrays, axis=axis),
    np.stack: lambda arrays, axis=0: functions.stack(arrays, axis=axis),
    np.where: _where, np.clip: _clip,
    np.prod: _reduction("prod"), np.cumsum: _cumsum,
    np.var: _statistic("var"), np.std: _statistic("std"),
}

# Functions that only read values: computed on the data, returning NumPy's result.
_READ_ONLY = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.allclose, np.isclose,
    np.array_equal, np.array_equiv, np.any, np.all, np.count_nonzero, np.nonzero,
    np.unique, np.isfinite, np.isnan, np.isinf, np.array2string, np.array_repr,
    np.array_str, np.result_type, np.can_cast, np.shares_memory, np.may_share_memory,
}


def _refuse(name: str) -> Any:
    raise TypeError(f"np.{name} with these arguments is not supported on a Tensor: {_HINT}")


def _deep_plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_deep_plain(v) for v in value)
    return _plain(value)


def array_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_function__``: route a NumPy function to the matching Tensor call."""
    if func in _FUNCTIONS:
        return _FUNCTIONS[func](*args, **kwargs)
    if func in _READ_ONLY:
        return func(*_deep_plain(args), **{k: _deep_plain(v) for k, v in kwargs.items()})
    raise TypeError(f"np.{func.__name__} on a Tensor: minigrad has no gradient rule for it; "
                    f"{_HINT}")
