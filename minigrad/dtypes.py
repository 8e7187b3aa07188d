"""Float dtypes: the default one, and turning user data into a float array.

PyTorch's rules, kept in one place: float data keeps its dtype; ints, bools and Python
numbers take the default float dtype (float64 at start, see :func:`set_default_dtype`);
complex, string and object data are refused with an error that names the caller.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_float_array", "get_default_dtype", "set_default_dtype"]

_default_dtype: np.dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype that int/bool data and lists of numbers become (float64 at start)."""
    global _default_dtype
    new = np.dtype(dtype)
    if new.kind != "f":
        raise TypeError(f"set_default_dtype: expected a float dtype, got {new}")
    _default_dtype = new


def get_default_dtype() -> np.dtype:
    """The float dtype that int/bool data and lists of numbers become."""
    return _default_dtype


def as_float_array(data: Any, dtype: Any = None, *, where: str = "Tensor") -> np.ndarray:
    """Convert ``data`` to a float ndarray, or raise a TypeError that names ``where``.

    Floats keep their dtype; ints and bools become the default float dtype; complex,
    string and object data are refused rather than silently mangled.
    """
    from minigrad.tensor import Tensor  # imported here: tensor.py imports this module

    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{where}: cannot make an array from {type(data).__name__}: {error}") \
            from None
    kind = array.dtype.kind
    if kind in "iub":
        array = array.astype(_default_dtype)
    elif (kind == "f" and array.dtype != _default_dtype and array.dtype == np.float64
          and not isinstance(data, (np.ndarray, np.generic))):
        # Python floats (and lists of them) have no dtype of their own: like ints, they
        # take the default, as the docstring of set_default_dtype promises.
        array = array.astype(_default_dtype)
    elif kind == "c":
        raise TypeError(f"{where}: complex data ({array.dtype}) is not supported")
    elif kind != "f":
        raise TypeError(
            f"{where}: expected numbers, got data of dtype {array.dtype} "
            f"({type(data).__name__}); strings and objects are not supported"
        )
    if dtype is not None:
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"{where}: dtype must be a float dtype, got {target}")
        array = array.astype(target, copy=False)
    return array
