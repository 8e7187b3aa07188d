"""Cold rows: each measurement in a fresh Python process, the way a user's script runs.

run.py's warm rows freeze the garbage collector and warm up before timing; a user's script
does neither. Here every sample is one fresh process (``sys.executable`` running
bench_cold_child) with the garbage collector on at its default thresholds, no warm-up,
glibc malloc unpinned, one BLAS thread (the parent's pinned environment) and bytecode
cached as pip leaves it: ``PYTHONDONTWRITEBYTECODE`` is removed and every measurement runs
once, untimed, before the rounds (that run also checks that both contenders computed the
same numbers). The NumPy and minigrad processes alternate round by round (the first one
alternating too), and a row reports the median and p10-p90 of the per-round ratios.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import bench_checks as checks
import bench_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "bench_cold_child.py")
CONTENDERS = ("numpy", "minigrad")

# Calls timed inside one process, the first included: about one epoch of a small script.
MLP_STEPS = 50
CHAIN_CALLS = 10


def user_env(root: str) -> dict[str, str]:
    """The parent's environment (BLAS pinned to one thread), bytecode allowed, this checkout."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


@dataclass(frozen=True)
class Cold:
    """One cold row's result: the text of the table's cold cell and whether it meets target."""

    text: str
    holds: bool


class ColdRunner:
    """Starts the child processes and pairs their times into ratios."""

    def __init__(self, root: str, rounds: int, long_rounds: int) -> None:
        self.env = user_env(root)
        self.rounds = rounds
        self.long_rounds = long_rounds

    def child(self, measurement: str, contender: str, *args: int) -> dict:
        out = subprocess.run([sys.executable, CHILD, measurement, contender,
                              *map(str, args)],
                             env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"cold {measurement} {contender} failed:\n{out.stderr}")
        return json.loads(out.stdout)

    def paired(self, label: str, measurement: str, args: tuple[int, ...], per: int,
               unit: str, target: float, rtol: float) -> Cold:
        """Alternate NumPy and minigrad processes; one process's time is divided by ``per``."""
        # Untimed first run of each: compiles the bytecode, and checks the numbers agree.
        values = {c: self.child(measurement, c, *args)["value"] for c in CONTENDERS}
        checks.close(f"cold {label}: minigrad's value", values["minigrad"], values["numpy"],
                      rtol)
        totals: dict[str, list[float]] = {c: [] for c in CONTENDERS}
        firsts: dict[str, list[float]] = {c: [] for c in CONTENDERS}
        faults: dict[str, list[float]] = {c: [] for c in CONTENDERS}
        for r in range(self.rounds):
            for contender in CONTENDERS[r % 2:] + CONTENDERS[:r % 2]:
                out = self.child(measurement, contender, *args)
                seconds = out["seconds"]
                totals[contender].append(sum(seconds) / per)
                firsts[contender].append(seconds[0])
                faults[contender].append(out["page_faults"])
        ratio = harness.paired_ratios(totals, "minigrad", "numpy")
        medians = ", ".join(f"{c} {harness.median(totals[c]) * 1e6:,.1f} us" for c in CONTENDERS)
        first = ""
        if len(seconds) > 1:
            first = (f"; first call alone "
                     f"{harness.paired_ratios(firsts, 'minigrad', 'numpy').ratio_text()}")
        fault_text = ", ".join(f"{c} {harness.median(faults[c]):,.0f}" for c in CONTENDERS)
        print(f"{label}, cold ({self.rounds} rounds of fresh processes): {medians} per "
              f"{unit}; minigrad/numpy {ratio.ratio_text()}{first}; minor page faults "
              f"while timed: {fault_text}")
        return Cold(ratio.ratio_text(), ratio.median <= target)

    def mlp(self, label: str, batch: int, target: float) -> Cold:
        return self.paired(label, "mlp", (batch, MLP_STEPS), MLP_STEPS,
                           f"step ({MLP_STEPS} steps, first included)", target, 1e-3)

    def chain(self, label: str, n_ops: int, target: float) -> Cold:
        return self.paired(label, "chain", (n_ops, CHAIN_CALLS), n_ops * CHAIN_CALLS,
                           f"op ({CHAIN_CALLS} calls, first included)", target, 1e-3)

    def xor(self, label: str, steps: int, target: float) -> Cold:
        return self.paired(label, "xor", (), steps, f"step ({steps} steps, first included)",
                           target, 1e-6)

    def long_chain(self, sizes: tuple[int, ...], limit: float) -> Cold:
        """Absolute seconds of the chains in fresh processes (minigrad only: no ratio)."""
        self.child("long", "minigrad", sizes[0])  # bytecode
        times: dict[int, list[float]] = {n: [] for n in sizes}
        for r in range(self.long_rounds):
            for n_ops in sizes[r % 2:] + sizes[:r % 2]:
                times[n_ops].append(self.child("long", "minigrad", n_ops)["seconds"][0])
        median = {n: harness.median(t) for n, t in times.items()}
        text = "; ".join(f"{n // 1000}k {median[n]:.3f} s ({median[n] / n * 1e6:.1f} us/op)"
                         for n in sorted(sizes, reverse=True))
        print(f"6. long chains, cold ({self.long_rounds} fresh processes each): {text}")
        return Cold(text, median[max(sizes)] < limit)
