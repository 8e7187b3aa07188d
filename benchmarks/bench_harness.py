"""The measuring machinery shared by every row: interleaved timing and peak memory.

Nothing here knows about minigrad. Contenders are zero-argument callables; a row hands a
dict of them to :func:`interleave` and gets back one per-call time per round for each.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- timing


def _calibrate(fn: Callable[[], object], min_sample: float) -> int:
    """How many calls make one sample last at least ``min_sample`` seconds."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, min(10_000, int(np.ceil(min_sample / max(once, 1e-9)))))


def interleave(
    contenders: dict[str, Callable[[], object]], rounds: int, min_sample: float,
    resets: dict[str, Callable[[], None]] | None = None, reset_each_call: bool = False,
    warmup: int = 3,
) -> dict[str, list[float]]:
    """Per-call seconds of each contender, one sample per round, contenders interleaved.

    Every round runs each contender once for the same number of calls (calibrated on the
    fastest so that every sample lasts at least ``min_sample``), so a slow drift of the
    machine (another process, the CPU's clock) hits all contenders alike and cancels in
    the per-round ratio. The starting contender rotates from round to round so none
    always runs right after a given other one (caches, allocator state).

    ``resets[name]``, when given, runs untimed before each sample, so a stateful
    contender (a model being trained) starts every sample from the same state; with
    ``reset_each_call`` it runs untimed before every call instead, for a contender whose
    one call is a whole training run. The garbage collector stays on, as users have it,
    but a collection is forced before each sample so that one contender's garbage is not
    billed to the next.
    """
    names = list(contenders)
    resets = resets or {}

    def reset(name: str) -> None:
        if name in resets:
            resets[name]()

    number = 1
    for name in names:
        reset(name)
        for _ in range(warmup):
            contenders[name]()
        reset(name)
        number = max(number, _calibrate(contenders[name], min_sample))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(
                _sample(contenders[name], resets.get(name), number, reset_each_call))
    return samples


def _sample(fn: Callable[[], object], reset: Callable[[], None] | None, number: int,
            reset_each_call: bool) -> float:
    """Mean seconds per call over ``number`` calls, resets and a GC pass left untimed."""
    if reset is not None and not reset_each_call:
        reset()
    gc.collect()
    elapsed = 0.0
    if reset_each_call:
        for _ in range(number):
            if reset is not None:
                reset()
            start = time.perf_counter()
            fn()
            elapsed += time.perf_counter() - start
    else:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
    return elapsed / number


@dataclass(frozen=True)
class Spread:
    """Median and the 10th-90th percentile band of some samples."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        low, median, high = np.percentile(np.asarray(values, dtype=np.float64), [10, 50, 90])
        return cls(float(median), float(low), float(high))

    def ratio_text(self) -> str:
        return f"{self.median:.2f} [{self.low:.2f}-{self.high:.2f}]"


def paired_ratios(samples: dict[str, list[float]], name: str, baseline: str) -> Spread:
    """Spread of ``name / baseline`` taken round by round (the pairs share machine state)."""
    return Spread.of([a / b for a, b in zip(samples[name], samples[baseline])])


def median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


# --------------------------------------------------------------------------- memory


def step_peak_bytes(step: Callable[[], object]) -> int:
    """Peak bytes one call allocates (and holds at once), after an untraced warm-up call.

    Counted from zero at the call's start, so what is freed during the call but was
    allocated before it (last step's gradients) cannot offset what the call allocates:
    the conservative measure. tracemalloc sees NumPy's data buffers as well as Python
    objects.
    """
    step()
    return run_peak_bytes(step)


def run_peak_bytes(run: Callable[[], object]) -> int:
    """Peak traced bytes of one call of ``run``, counted from the call's start."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak
