"""minigrad: a small autograd and neural-network framework on NumPy, built for learning.

The public face: re-exports only. ``import minigrad`` loads the engine (Tensor, autograd,
the ops, grad modes); everything else (``nn``, ``optim``, ``data``, ``fit``, ``save``, ... and
the optional parts: ``testing`` needs hypothesis, ``plot`` matplotlib) loads on first use
(``minigrad.nn``, ``from minigrad import nn``, ``mg.fit``), so a script pays only for what it
uses and ``import minigrad`` costs little more than ``import numpy``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# First, always: autograd and tensor import each other (Tensor's operators call apply, and
# apply wraps results in Tensors); the cycle resolves when autograd starts it. Every import
# of a minigrad submodule runs this file first, so this line fixes the order for all.
import minigrad.autograd  # noqa: F401  (isort keeps plain imports before from-imports)
from minigrad.autograd import Context, Function, unbroadcast
from minigrad.dtypes import get_default_dtype, set_default_dtype
from minigrad.functions import concatenate, maximum, minimum, stack, where
from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

# Not lazy: the function shares its name with its module, and importing the module (which
# a lazy load would do later) binds the module to that name; here the function wins.
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.random import manual_seed
from minigrad.tensor import Tensor

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from minigrad import data, nn, optim
    from minigrad.anomaly import AnomalyError, detect_anomaly
    from minigrad.callbacks import Callback, EarlyStopping, History, LRScheduler
    from minigrad.io import load, save
    from minigrad.train import evaluate, fit

__version__ = "0.1.0"

# Loaded on first use (each ~1-12 ms of imports that a script may not need).
_LAZY_MODULES = {"data", "nn", "optim", "testing", "plot", "cli", "viz", "interop"}
_LAZY_NAMES = {
    "save": "minigrad.io", "load": "minigrad.io",
    "AnomalyError": "minigrad.anomaly", "detect_anomaly": "minigrad.anomaly",
    "Callback": "minigrad.callbacks", "EarlyStopping": "minigrad.callbacks",
    "History": "minigrad.callbacks", "LRScheduler": "minigrad.callbacks",
    "evaluate": "minigrad.train", "fit": "minigrad.train",
}

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LRScheduler",
    "evaluate",
    "fit",
    "AnomalyError",
    "Context",
    "Function",
    "GradcheckError",
    "Tensor",
    "concatenate",
    "data",
    "detect_anomaly",
    "enable_grad",
    "get_default_dtype",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "optim",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "unbroadcast",
    "where",
]


def __getattr__(name: str) -> Any:
    # Runs only for names not yet in the module: the first use of a lazy one imports it and
    # keeps it, so later uses are plain attribute lookups.
    if name in _LAZY_MODULES:
        value = importlib.import_module(f"minigrad.{name}")
    elif name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_MODULES, *_LAZY_NAMES})
