"""Conversion of minigrad models to and from other frameworks.

* :mod:`minigrad.interop.torch`: :func:`to_torch` and :func:`from_torch` (PyTorch);
* :mod:`minigrad.interop.onnx`: :func:`export_onnx` (an ONNX graph file).

Each module imports its library only inside its functions, so this package imports
without PyTorch or ONNX installed; a missing library is reported when a conversion runs.
"""

from __future__ import annotations

from minigrad.interop.onnx import export_onnx
from minigrad.interop.torch import from_torch, to_torch

__all__ = ["export_onnx", "from_torch", "to_torch"]
