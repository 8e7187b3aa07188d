"""One cold measurement, run in a fresh process by bench_cold; prints one line of JSON.

Usage (bench_cold starts it; by hand only to look)::

    python benchmarks/bench_cold_child.py mlp   numpy|minigrad BATCH STEPS
    python benchmarks/bench_cold_child.py chain numpy|minigrad N_OPS CALLS
    python benchmarks/bench_cold_child.py xor   numpy|minigrad
    python benchmarks/bench_cold_child.py long  minigrad       N_OPS

The process runs like a user's script: the garbage collector on with its default
thresholds, nothing warmed up, glibc malloc as it comes, BLAS threads as the parent's
environment sets them (one). Only the contender's own module is imported (the NumPy
contender never loads minigrad). Imports and building the model are not timed; every call
is, the first one included. Output: ``{"seconds": [per call], "value": float,
"page_faults": int}``: the value is the last call's loss or sum, so the parent can check
that both contenders computed the same numbers; the minor page faults taken during the
timed calls show when malloc handing memory back to the kernel (which run.py's warm rows
pin away) is what a cold ratio measures.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import bench_problems as problems

CONTENDERS = ("numpy", "minigrad")


def _number(value: Any) -> float:
    """The loss or sum in what a contender returns (a float, a Tensor, or a tuple)."""
    if isinstance(value, tuple):
        value = value[0]
    return float(value.item() if hasattr(value, "item") else value)


def _calls(measurement: str, side: Any, args: list[int]) -> list[Callable[[], Any]]:
    if measurement == "mlp":
        batch, steps = args
        return [side.mlp_step(problems.mlp_problem(batch)).step] * steps
    if measurement == "chain":
        n_ops, calls = args
        return [side.chain(problems.chain_input((4,)), problems.chain_kinds(n_ops))] * calls
    if measurement == "xor":
        return [side.xor_train(problems.xor_problem()).step]
    if measurement == "long":
        (n_ops,) = args
        return [side.long_chain(problems.np.ones(4), n_ops)]
    raise SystemExit(f"unknown measurement {measurement!r}: mlp, chain, xor or long")


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in CONTENDERS:
        raise SystemExit(__doc__)
    measurement, contender = argv[0], argv[1]
    side = importlib.import_module(f"bench_{contender}")
    calls = _calls(measurement, side, [int(a) for a in argv[2:]])
    seconds = []
    value = None
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for call in calls:
        start = time.perf_counter()
        value = call()
        seconds.append(time.perf_counter() - start)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    print(json.dumps({"seconds": seconds, "value": _number(value), "page_faults": faults}))


if __name__ == "__main__":
    main(sys.argv[1:])
