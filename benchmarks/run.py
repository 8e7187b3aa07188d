"""minigrad's speed and memory, measured as ratios against hand-written NumPy in one process.

Usage::

    python benchmarks/run.py [--quick] [--torch] [--repeats N]

Every timed row pits a minigrad contender against a NumPy reference that does exactly the
same math by hand (and, with ``--torch``, PyTorch on the CPU), in the same process:

1. MLP 64-256-256-10 training step (ReLU, float32, softmax cross-entropy, SGD lr 0.01),
   batch 32 -- forward, loss, zero_grad, backward, step. Target: ratio <= 1.10.
2. The same at batch 256. Target: ratio <= 1.02.
3. A chain of 1,000 elementwise ops (x*c, x+c, tanh, ...) on a (4,) float32 tensor,
   forward + backward, reported per op. Target: ratio <= 2.0.
4. The same on (256, 256). Target: ratio <= 1.10.
5. XOR 2-8-1 (tanh, sigmoid, BCE, SGD lr 0.5 momentum 0.9, float64), full-batch training
   for a fixed step count that reaches 100% accuracy. Target: ratio <= 2.0.
6. A 100,000-op chain (x * 1.0001) forward + backward: time (target < 0.3 s) and peak
   memory at 10k/50k/100k ops (target: linear, per-op peak within 25%).
7. ``import minigrad`` vs ``import numpy``, each in a fresh subprocess, bytecode cached.
   Target: minigrad's import <= numpy's + 10 ms.
8. Peak memory one MLP training step at batch 256 allocates (tracemalloc, counted from
   the step's start, after a warm-up step) vs NumPy's. Target: ratio <= 1.2.

How it measures, and why:

* BLAS/OpenMP are pinned to one thread (environment variables set before NumPy loads,
  then threadpoolctl when installed): a multi-threaded BLAS makes small matmuls noisy and
  the ratio would measure the thread pool. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left
  as the machine sets them and reported in the header.
* glibc malloc's mmap and trim thresholds are fixed at start (see bench_process.pin_malloc),
  so one contender's frees cannot change how the next one allocates.
* Training rows start every timed sample from the same initial weights and give every
  contender the same number of steps (see bench_problems.Trainer), so all contenders
  compute the same numbers: the step time drifts as a net trains on one batch.
* Before anything is timed, minigrad's losses and gradients (and PyTorch's, with --torch)
  are checked against the NumPy reference; a mismatch aborts with exit status 2.
* Contenders run interleaved, round by round (the starting one rotates); a row reports
  each contender's median time and the median of the per-round ratios
  minigrad_i / numpy_i with the 10th-90th percentile band in brackets. The pairing
  cancels slow drifts of a shared machine.
* Cold column (rows 1, 2, 3, 5, 6a, 7): the same measures the way a user's script runs,
  each sample a fresh process with the garbage collector on at its default thresholds, no
  warm-up, malloc unpinned, one BLAS thread, bytecode cached (see bench_cold). Rows 1-3 and
  5 time every call in the process, the first included, and pair NumPy and minigrad
  processes round by round; row 6a times 10k and 100k chains once per process; row 7 was
  cold already (fresh processes), so its only number sits in the cold column.
* ``--quick`` uses few rounds and smaller chains so it finishes in well under 60 s (CI runs
  it to prove the suite runs; its numbers are not meant to be read).

Files: bench_process (set-up before NumPy loads), bench_harness (timing and memory),
bench_cold / bench_cold_child (the cold column: parent side, and the fresh process's entry),
bench_problems (data, weights, constants), bench_numpy / bench_minigrad / bench_torch (one
function per row for each contender), bench_checks (correctness first), bench_report
(header and table).

The final table says whether each target holds. The exit status is 0 whatever the
timings (this is a report, not a test) and 2 when a correctness check fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Benchmark this checkout's minigrad, whatever is installed elsewhere.
sys.path.insert(0, ROOT)

import bench_process  # noqa: E402  (no NumPy inside)

# Both before NumPy loads: OpenBLAS reads its pool size when it loads, and malloc's
# thresholds must be fixed before the first large array exists.
bench_process.pin_threads_by_environment()
MALLOC_TEXT = bench_process.pin_malloc()

import bench_checks as checks  # noqa: E402
import bench_cold as cold  # noqa: E402
import bench_harness as harness  # noqa: E402
import bench_minigrad as with_minigrad  # noqa: E402
import bench_numpy as with_numpy  # noqa: E402
import bench_problems as problems  # noqa: E402
import bench_report as report  # noqa: E402
import numpy as np  # noqa: E402

try:
    import threadpoolctl
except ImportError:  # the environment variables above still pin the pool
    threadpoolctl = None


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    rounds: int              # interleaved rounds per timed row
    min_sample: float        # seconds one timed sample lasts at least
    chain_ops: int           # length of the chains of rows 3 and 4
    long_chains: tuple[int, ...]  # row 6 chain lengths; the last one is timed
    long_repeats: int
    import_repeats: int
    memory_repeats: int
    cold_rounds: int         # paired rounds of fresh processes per cold row
    cold_long_rounds: int    # fresh processes per chain length in the cold row 6a

    @classmethod
    def make(cls, quick: bool, repeats: int | None, cold_rounds: int | None) -> Settings:
        if quick:
            rounds = repeats or 5
            return cls(rounds, 0.002, 300, (1_000, 5_000, 10_000), 3, min(rounds, 5), 1,
                       cold_rounds or 3, 1)
        rounds = repeats or 40
        return cls(rounds, 0.02, 1_000, (10_000, 50_000, 100_000), 7, rounds, 3,
                   cold_rounds or 20, 5)


# --------------------------------------------------------------------------- timed rows


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us"


def _timed(contenders: dict[str, Callable[[], object]], settings: Settings, label: str,
           per: int = 1, resets: dict[str, Callable[[], None]] | None = None,
           reset_each_call: bool = False) -> dict[str, Any]:
    """Interleave, print one detail line, return the minigrad and torch ratio spreads."""
    samples = harness.interleave(contenders, settings.rounds, settings.min_sample, resets,
                                 reset_each_call=reset_each_call)
    medians = ", ".join(f"{name} {_us(harness.median(s) / per)}" for name, s in samples.items())
    ratios = {name: harness.paired_ratios(samples, name, "numpy")
              for name in samples if name != "numpy"}
    ratio_text = ", ".join(f"{name}/numpy {r.ratio_text()}" for name, r in ratios.items())
    print(f"{label}: {medians}{' per op' if per > 1 else ''}; {ratio_text}")
    return ratios


def _ratio_line(measure: str, target: float, ratios: dict[str, Any],
                cold_cell: cold.Cold | None = None) -> report.Line:
    mg_ratio = ratios["minigrad"]
    torch_ratio = ratios.get("torch")
    return report.Line(measure, f"<= {target:.2f}", mg_ratio.ratio_text(),
                torch_ratio.ratio_text() if torch_ratio else "-",
                mg_ratio.median <= target, cold_cell)


def row_mlp(settings: Settings, torch_side: Any, batch: int, number: int, target: float,
            cold_runner: cold.ColdRunner) -> report.Line:
    problem = problems.mlp_problem(batch)
    trainers = {"numpy": with_numpy.mlp_step(problem),
                "minigrad": with_minigrad.mlp_step(problem)}
    if torch_side is not None:
        trainers["torch"] = torch_side.mlp_step(problem)
    label = f"{number}. MLP step, batch {batch}"
    ratios = _timed({name: t.step for name, t in trainers.items()}, settings, label,
                    resets={name: t.reset for name, t in trainers.items()})
    return _ratio_line(label, target, ratios, cold_runner.mlp(label, batch, target))


def row_chain(settings: Settings, torch_side: Any, shape: tuple[int, ...], number: int,
              target: float, cold_runner: cold.ColdRunner | None = None) -> report.Line:
    x0 = problems.chain_input(shape)
    kinds = problems.chain_kinds(settings.chain_ops)
    contenders: dict[str, Callable[[], object]] = {
        "numpy": with_numpy.chain(x0, kinds),
        "minigrad": with_minigrad.chain(x0, kinds),
    }
    if torch_side is not None:
        contenders["torch"] = torch_side.chain(x0, kinds)
    label = f"{number}. {settings.chain_ops}-op chain {shape}, per op"
    ratios = _timed(contenders, settings, label, settings.chain_ops)
    cold_cell = None
    if cold_runner is not None:  # the cold chain exists on (4,) only
        cold_cell = cold_runner.chain(label, settings.chain_ops, target)
    return _ratio_line(label, target, ratios, cold_cell)


def row_xor(settings: Settings, torch_side: Any, cold_runner: cold.ColdRunner) -> report.Line:
    problem = problems.xor_problem()
    trainers = {"numpy": with_numpy.xor_train(problem),
                "minigrad": with_minigrad.xor_train(problem)}
    if torch_side is not None:
        trainers["torch"] = torch_side.xor_train(problem)
    label = f"5. XOR 2-8-1, {problems.XOR_STEPS} steps"
    # One call is a whole training run, each from a fresh model built untimed.
    ratios = _timed({name: t.step for name, t in trainers.items()}, settings, label,
                    resets={name: t.reset for name, t in trainers.items()},
                    reset_each_call=True)
    return _ratio_line(label, 2.0, ratios, cold_runner.xor(label, problems.XOR_STEPS, 2.0))


def row_long_chain(settings: Settings, cold_runner: cold.ColdRunner) -> list[report.Line]:
    sizes = settings.long_chains
    x0 = np.ones(4)
    seconds, peaks = {}, {}
    for n_ops in sizes:
        run = with_minigrad.long_chain(x0, n_ops)
        run()  # warm-up
        times = []
        for _ in range(settings.long_repeats):
            gc.collect()
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        seconds[n_ops] = harness.median(times)
        peaks[n_ops] = harness.run_peak_bytes(run)
    for n_ops in sizes:
        print(f"6. {n_ops:,}-op chain: {seconds[n_ops]:.3f} s "
              f"({_us(seconds[n_ops] / n_ops)} per op), peak {peaks[n_ops] / 2**20:.1f} MiB "
              f"({peaks[n_ops] / n_ops:,.0f} B per op)")
    largest = sizes[-1]
    extrapolated = seconds[largest] * 100_000 / largest
    note = "" if largest == 100_000 else f" (from {largest:,})"
    per_op = [peaks[n] / n for n in sizes]
    spread = max(per_op) / min(per_op)
    # Per-op time at the smallest and largest size shows whether time, too, is linear.
    per_op_time = f"{_us(seconds[sizes[0]] / sizes[0])} -> {_us(seconds[largest] / largest)}/op"
    return [
        report.Line("6a. 100,000-op chain fwd+bwd", "< 0.3 s",
             f"{extrapolated:.3f} s{note}; {per_op_time}", "-", extrapolated < 0.3,
             cold_runner.long_chain((10_000, 100_000), 0.3)),
        report.Line(f"6b. peak memory/op at {'/'.join(f'{n // 1000}k' for n in sizes)}",
             "linear (+-25%)",
             " / ".join(f"{p:,.0f} B" for p in per_op) + f" (x{spread:.2f})", "-",
             spread <= 1.25),
    ]


def _import_seconds(module: str, env: dict[str, str]) -> float:
    code = (f"import time; start = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - start)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


def row_import(settings: Settings) -> report.Line:
    """Cold by construction: each import in a fresh process, gc on, bytecode cached."""
    # Bytecode allowed, as on a user's machine: unset the "don't write .pyc" switch and
    # warm the cache once before timing.
    env = cold.user_env(ROOT)
    modules = ["numpy", "minigrad"]
    for module in modules:
        _import_seconds(module, env)
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for r in range(settings.import_repeats):
        for module in modules[r % 2:] + modules[:r % 2]:
            samples[module].append(_import_seconds(module, env))
    extra = harness.Spread.of([(a - b) * 1e3 for a, b in zip(samples["minigrad"],
                                                             samples["numpy"])])
    np_ms = harness.median(samples["numpy"]) * 1e3
    mg_ms = harness.median(samples["minigrad"]) * 1e3
    print(f"7. import, cold (fresh processes): numpy {np_ms:.1f} ms, minigrad {mg_ms:.1f} ms "
          f"(numpy included); paired extra {extra.median:+.1f} ms "
          f"[{extra.low:+.1f}-{extra.high:+.1f}]")
    # Only a cold form exists (an import is once per process): the warm cell stays empty.
    return report.Line("7. import minigrad - import numpy", "<= +10 ms", "-", "-", None,
                       cold.Cold(f"{extra.median:+.1f} ms [{extra.low:+.1f}-{extra.high:+.1f}]",
                                 extra.median <= 10.0))


def row_memory(settings: Settings) -> report.Line:
    problem = problems.mlp_problem(256)
    peaks: dict[str, list[int]] = {"numpy": [], "minigrad": []}
    for _ in range(settings.memory_repeats):
        peaks["numpy"].append(harness.step_peak_bytes(with_numpy.mlp_step(problem).step))
        peaks["minigrad"].append(harness.step_peak_bytes(with_minigrad.mlp_step(problem).step))
    np_peak, mg_peak = harness.median(peaks["numpy"]), harness.median(peaks["minigrad"])
    ratio = mg_peak / np_peak
    print(f"8. MLP step memory, batch 256 (peak bytes allocated during one step after a "
          f"warm-up step): numpy {np_peak / 2**20:.2f} MiB, minigrad {mg_peak / 2**20:.2f} MiB")
    return report.Line("8. MLP step peak memory, batch 256", "<= 1.20", f"{ratio:.2f}", "-",
                ratio <= 1.2)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="few rounds and short chains (< 60 s); proves the suite runs")
    parser.add_argument("--torch", action="store_true",
                        help="add PyTorch CPU (1 thread) contenders to rows 1-5 if installed")
    parser.add_argument("--repeats", type=int, default=None, metavar="N",
                        help="interleaved rounds per timed row and import repeats "
                             "(default 40, or 5 with --quick)")
    parser.add_argument("--cold-rounds", type=int, default=None, metavar="N",
                        help="paired rounds of fresh processes per cold row "
                             "(default 20, or 3 with --quick)")
    args = parser.parse_args(argv)
    for option in ("repeats", "cold_rounds"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} must be a positive integer, got {value}")
    return args


def _load_torch(wanted: bool) -> Any:
    if not wanted:
        return None
    try:
        import bench_torch
    except ImportError as error:
        print(f"--torch: PyTorch is not importable ({error}); its column is skipped\n")
        return None
    bench_torch.pin_threads()
    return bench_torch


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings.make(args.quick, args.repeats, args.cold_rounds)
    limiter = threadpoolctl.threadpool_limits(limits=1) if threadpoolctl else None
    torch_side = _load_torch(args.torch)
    report.print_header(ROOT, MALLOC_TEXT, torch_side.torch.__version__ if torch_side else None)
    try:
        checks.run_checks(settings.chain_ops, torch_side)
    except checks.CheckFailed as failure:
        print(f"CORRECTNESS CHECK FAILED, nothing was timed: {failure}", file=sys.stderr)
        return 2
    except Exception:  # a contender that crashes has failed its check too
        traceback.print_exc()
        print("CORRECTNESS CHECK FAILED, nothing was timed: a contender raised (above)",
              file=sys.stderr)
        return 2
    # Library objects (NumPy's, and torch's ~150,000 with --torch) move to the permanent
    # generation, so a full collection during a row scans only what the rows create: the
    # 100,000-op chain took 0.53 s alone and 0.68 s once torch was imported, without this.
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    cold_runner = cold.ColdRunner(ROOT, settings.cold_rounds, settings.cold_long_rounds)
    try:
        lines = [
            row_mlp(settings, torch_side, 32, 1, 1.10, cold_runner),
            row_mlp(settings, torch_side, 256, 2, 1.02, cold_runner),
            row_chain(settings, torch_side, (4,), 3, 2.0, cold_runner),
            row_chain(settings, torch_side, (256, 256), 4, 1.10),
            row_xor(settings, torch_side, cold_runner),
            *row_long_chain(settings, cold_runner),
            row_import(settings),
            row_memory(settings),
        ]
    except checks.CheckFailed as failure:  # the cold processes disagreed
        print(f"CORRECTNESS CHECK FAILED: {failure}", file=sys.stderr)
        return 2
    report.print_table(lines, torch_side is not None)
    print(f"({time.perf_counter() - started:.0f} s of measuring"
          f"{', quick mode: numbers are indicative only' if args.quick else ''})")
    if limiter is not None:
        limiter.restore_original_limits()
    return 0


if __name__ == "__main__":
    sys.exit(main())
