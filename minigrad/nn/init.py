"""Weight initialisation schemes, seeded through a NumPy Generator."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from minigrad.random import make_rng

__all__ = ["INIT_NAMES", "init_weight", "make_rng"]


def _uniform(bound: float) -> Callable[[np.random.Generator, tuple[int, int]], np.ndarray]:
    return lambda rng, shape: rng.uniform(-bound, bound, size=shape)


def _schemes(fan_in: int, fan_out: int) -> dict[str, Callable[..., np.ndarray]]:
    return {
        # He/Kaiming: keeps the variance of ReLU activations constant (std sqrt(2 / fan_in)).
        "he_normal": lambda rng, shape: rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape),
        "he_uniform": _uniform(math.sqrt(6.0 / fan_in)),
        # Xavier/Glorot: balances forward and backward variance for tanh/sigmoid.
        "xavier_uniform": _uniform(math.sqrt(6.0 / (fan_in + fan_out))),
        "xavier_normal": lambda rng, shape: rng.normal(
            0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape),
        # LeCun: std sqrt(1 / fan_in), the choice for SELU.
        "lecun_normal": lambda rng, shape: rng.normal(0.0, math.sqrt(1.0 / fan_in), size=shape),
        "lecun_uniform": _uniform(math.sqrt(3.0 / fan_in)),
        # PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        "torch": _uniform(1.0 / math.sqrt(fan_in)),
        "normal": lambda rng, shape: rng.normal(0.0, 0.01, size=shape),
        "zeros": lambda rng, shape: np.zeros(shape),
    }


ALIASES = {"he": "he_normal", "kaiming": "he_normal", "xavier": "xavier_uniform",
           "glorot": "xavier_uniform", "glorot_uniform": "xavier_uniform",
           "glorot_normal": "xavier_normal", "lecun": "lecun_normal"}

INIT_NAMES = sorted(set(_schemes(1, 1)) | set(ALIASES))


def init_weight(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """A (fan_in, fan_out) float64 weight matrix drawn with ``scheme``."""
    key = ALIASES.get(scheme.lower(), scheme.lower()) if isinstance(scheme, str) else scheme
    schemes = _schemes(fan_in, fan_out)
    if key not in schemes:
        raise ValueError(f"unknown init {scheme!r}; choose one of: {', '.join(INIT_NAMES)}")
    return schemes[key](rng, (fan_in, fan_out))
