"""Correctness before speed: each contender's numbers against the NumPy reference.

A benchmark of wrong math is worthless, so run.py calls :func:`run_checks` before timing
anything and stops (exit status 2) on the first mismatch.
"""

from __future__ import annotations

from typing import Any

import bench_minigrad as with_minigrad
import bench_numpy as with_numpy
import bench_problems as problems
import numpy as np


class CheckFailed(Exception):
    """A contender computed different numbers from the NumPy reference."""


def close(what: str, got: Any, want: Any, rtol: float) -> None:
    """Equal up to ``rtol`` relative to the largest reference value (sums round differently)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        raise CheckFailed(f"{what}: shape {got.shape}, expected {want.shape}")
    scale = max(float(np.max(np.abs(want))), 1e-30) if want.size else 1.0
    error = float(np.max(np.abs(got - want))) if want.size else 0.0
    if not np.isfinite(error) or error > rtol * scale:
        raise CheckFailed(f"{what}: largest difference {error:.3g} exceeds {rtol:g} x "
                          f"{scale:.3g} (the largest reference value)")


def check_mlp(side: Any, name: str, batch: int, rtol: float) -> None:
    problem = problems.mlp_problem(batch)
    want_loss, want_grads = with_numpy.mlp_loss_and_grads(problem.arrays(), problem.x,
                                                          problem.target)
    loss, grads = side.mlp_loss_and_grads(problem)
    close(f"{name} MLP batch {batch}: loss", loss, want_loss, rtol)
    labels = ("W1", "b1", "W2", "b2", "W3", "b3")
    for label, got, want in zip(labels, grads, want_grads):
        close(f"{name} MLP batch {batch}: gradient of {label}", got, want, rtol)
    # One step each from the same start: checks the optimizer's update too.
    trainer = side.mlp_step(problem)
    reference = with_numpy.mlp_step(problem)
    trainer.step()
    reference.step()
    for label, got, want in zip(labels, side.weights(trainer.model), reference.model):
        close(f"{name} MLP batch {batch}: {label} after one SGD step", got, want, rtol)


def check_chain(side: Any, name: str, shape: tuple[int, ...], n_ops: int, rtol: float,
                ) -> None:
    x0 = problems.chain_input(shape)
    kinds = problems.chain_kinds(n_ops)
    want_total, want_dx = with_numpy.chain(x0, kinds)()
    tiny = np.finfo(want_dx.dtype).tiny
    if np.any((want_dx != 0) & (np.abs(want_dx) < tiny)):
        raise CheckFailed(f"chain {shape}: the reference gradient went subnormal; the "
                          "timings would measure slow FPU paths, change the chain constants")
    total, dx = side.chain(x0, kinds)()
    close(f"{name} chain {shape} x {n_ops}: output sum", total, want_total, rtol)
    close(f"{name} chain {shape} x {n_ops}: gradient", dx, want_dx, rtol)


def check_xor(side: Any, name: str) -> None:
    problem = problems.xor_problem()
    want_loss, want_params = with_numpy.xor_train(problem).step()
    loss, params = side.xor_train(problem).step()
    close(f"{name} XOR: final loss", loss, want_loss, 1e-6)
    for i, (got, want) in enumerate(zip(params, want_params)):
        close(f"{name} XOR: final weight array {i}", got, want, 1e-6)
    for who, weights in ((name, params), ("numpy", want_params)):
        predicted = with_numpy.xor_predict([np.asarray(w) for w in weights], problem.x) > 0.5
        if not np.array_equal(predicted, problem.target > 0.5):
            raise CheckFailed(f"{who} XOR: {problems.XOR_STEPS} steps do not reach 100% "
                              "accuracy; raise XOR_STEPS")


def check_long_chain(n_ops: int) -> None:
    x0 = np.ones(4)
    want_total, want_dx = with_numpy.long_chain(x0, n_ops)()
    total, dx = with_minigrad.long_chain(x0, n_ops)()
    close(f"minigrad {n_ops}-op chain: output sum", total, want_total, 1e-9)
    close(f"minigrad {n_ops}-op chain: gradient", dx, want_dx, 1e-9)


def run_checks(chain_ops: int, torch_side: Any) -> None:
    """Every contender against the NumPy reference; raises CheckFailed on a mismatch."""
    sides = [(with_minigrad, "minigrad")]
    if torch_side is not None:
        sides.append((torch_side, "torch"))
    for side, name in sides:
        # float32 with different summation orders: a few ulps times the depth of the net.
        check_mlp(side, name, 32, 1e-4)
        check_mlp(side, name, 256, 1e-4)
        check_chain(side, name, (4,), chain_ops, 1e-4)
        check_chain(side, name, (256, 256), chain_ops, 1e-4)
        check_xor(side, name)
    check_long_chain(1_000)
    print(f"correctness: {', '.join(n for _, n in sides)} agree with the NumPy reference "
          "(losses, gradients, updates, XOR 100% accuracy)\n")
