"""The base class of the built-in activations and the hyper-parameter check they share.

``_Activation`` gives an activation its ``kinks`` (the inputs where its derivative jumps,
which tests and gradient checks keep away from) and a ``repr`` that shows the
hyper-parameters differing from their defaults (declared in ``_hyper``; ``_REQUIRED`` marks
one without a default). ``_real`` turns a hyper-parameter into a finite Python float.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from minigrad.nn.layer import Layer

_REQUIRED = object()  # marks a hyper-parameter without a default in ``_hyper``


def _real(owner: str, name: str, value: Any) -> float:
    """A finite real hyper-parameter as a Python float (a NumPy float64 would upcast float32)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be finite, got {number}")
    return number


class _Activation(Layer):
    """Shared by the activations: ``kinks`` and an ``extra_repr`` of non-default settings."""

    #: Inputs where the derivative is discontinuous (set per instance when it depends on
    #: the hyper-parameters); finite-difference checks keep away from them.
    kinks: tuple[float, ...] = ()
    #: ``(name, default)`` of each hyper-parameter, in signature order, for ``repr``.
    _hyper: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def extra_repr(self) -> str:
        shown = []
        for name, default in self._hyper:
            value = getattr(self, name)
            if default is _REQUIRED or value != default:
                shown.append(f"{name}={value!r}")
        return ", ".join(shown)
