"""The problems every contender solves: data, initial weights and constants, made once.

Weights are given as a minigrad-style state dict (``"0.W"`` is the first Dense layer's
weight, shaped (in, out)), so every contender starts from identical numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

MLP_SIZES = (64, 256, 256, 10)
MLP_LR = 0.01

# Chain rows: x * MUL, x + ADD, tanh(x), repeated. These constants keep |y| below about
# 0.2, where tanh's derivative 1 - y^2 is close to 1 and the factor 1.01 makes up for it:
# over 1,000 ops the gradient stays between 1e-6 and 10, far from float32 subnormals,
# whose arithmetic is many times slower and would measure the FPU instead of the engine.
CHAIN_MUL = 1.01
CHAIN_ADD = 0.001
CHAIN_KINDS = ("mul", "add", "tanh")

LONG_CHAIN_FACTOR = 1.0001

XOR_LR = 0.5
XOR_MOMENTUM = 0.9
XOR_HIDDEN = 8
# Enough full-batch steps for the seed below to classify all four points (checked at run
# time before anything is timed).
XOR_STEPS = 100
XOR_SEED = 3


@dataclass(frozen=True)
class Problem:
    """Inputs, targets and initial weights (state dict in ``Sequential`` naming)."""

    x: np.ndarray
    target: np.ndarray
    init: dict[str, np.ndarray]

    def arrays(self) -> list[np.ndarray]:
        """Fresh copies of the initial weights in layer order: W1, b1, W2, b2, ..."""
        return [value.copy() for value in self.init.values()]


class Trainer(NamedTuple):
    """A training contender: ``step()`` trains once, ``reset()`` restores the initial weights.

    Every timed sample starts from the initial weights and runs the same number of steps
    for every contender, so all of them compute the same sequence of numbers and a ratio
    compares like with like. Without the reset, each contender's model trains on for a
    different number of steps, and the step time is not constant along training (the
    NumPy step at batch 256 went from 1.5 ms to 1.7-2.1 ms after 2,500 steps on one
    batch, with no subnormal numbers involved; the cause was not pinned down).
    """

    step: Callable[[], Any]
    reset: Callable[[], None]
    model: Any


def _uniform_init(rng: np.random.Generator, sizes: tuple[int, ...], dtype: type,
                  ) -> dict[str, np.ndarray]:
    init = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        # Layers sit at Sequential positions 0, 2, 4: an activation between each pair.
        init[f"{2 * i}.W"] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
        # Non-zero biases so a wrong bias gradient cannot hide behind zeros.
        init[f"{2 * i}.b"] = rng.uniform(-0.1, 0.1, fan_out).astype(dtype)
    return init


def mlp_problem(batch: int, seed: int = 0) -> Problem:
    """One float32 batch of the 64-256-256-10 classifier, with integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, MLP_SIZES[0])).astype(np.float32)
    labels = rng.integers(0, MLP_SIZES[-1], batch)
    return Problem(x, labels, _uniform_init(rng, MLP_SIZES, np.float32))


def xor_problem() -> Problem:
    """The four XOR points (float64) and a 2-8-1 network's initial weights."""
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    rng = np.random.default_rng(XOR_SEED)
    return Problem(x, y, _uniform_init(rng, (2, XOR_HIDDEN, 1), np.float64))


def chain_kinds(n_ops: int) -> tuple[str, ...]:
    """The op sequence of the chain rows: mul, add, tanh, mul, add, tanh, ..."""
    return tuple(CHAIN_KINDS[i % 3] for i in range(n_ops))


def chain_input(shape: tuple[int, ...], seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.5, 0.5, shape).astype(np.float32)
