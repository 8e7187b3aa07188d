"""minigrad: a small autograd and neural-network framework on NumPy, built for learning.

The public face: re-exports only. Heavy or optional parts (``testing`` needs hypothesis,
``plot`` needs matplotlib) load on first attribute access, so ``import minigrad`` costs
little more than ``import numpy``.
"""

from __future__ import annotations

import importlib
from typing import Any

# First, always: autograd and tensor import each other (Tensor's operators call apply, and
# apply wraps results in Tensors); the cycle resolves when autograd starts it. Every import
# of a minigrad submodule runs this file first, so this line fixes the order for all.
import minigrad.autograd  # noqa: F401  (isort keeps plain imports before from-imports)
from minigrad import data, nn, optim
from minigrad.anomaly import AnomalyError, detect_anomaly
from minigrad.autograd import Context, Function, unbroadcast
from minigrad.callbacks import Callback, EarlyStopping, History, LRScheduler
from minigrad.dtypes import get_default_dtype, set_default_dtype
from minigrad.functions import concatenate, maximum, minimum, stack, where
from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.random import manual_seed
from minigrad.tensor import Tensor
from minigrad.train import evaluate, fit

__version__ = "0.1.0"

_LAZY_MODULES = {"testing", "plot", "cli", "viz", "interop"}
# save/load pull in zipfile, tempfile and friends (~10 ms): loaded on first use.
_LAZY_NAMES = {"save": "minigrad.io", "load": "minigrad.io"}

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
    # Optional modules import their dependency (hypothesis, matplotlib) only when asked for.
    if name in _LAZY_MODULES:
        return importlib.import_module(f"minigrad.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
