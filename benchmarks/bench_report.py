"""What run.py prints: the header that says what the numbers depend on, and the table."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass

import bench_process
import numpy as np
from bench_cold import Cold

import minigrad as mg

try:
    import threadpoolctl
except ImportError:  # run.py's environment variables still pin the pool
    threadpoolctl = None


@dataclass
class Line:
    """One line of the final table: the warm measure, and the cold one when there is one.

    ``holds`` is None where the row has no warm measure (the import row).
    """

    measure: str
    target: str
    minigrad: str
    torch: str
    holds: bool | None
    cold: Cold | None = None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_revision(root: str) -> str:
    # GIT_OPTIONAL_LOCKS=0: read the repository without refreshing (writing) its index.
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    try:
        out = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, env=env, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _blas_text() -> str:
    if threadpoolctl is None:
        return "threadpoolctl not installed (pinned by environment variables only)"
    pools = threadpoolctl.threadpool_info()
    if not pools:
        return "threadpoolctl found no thread pool"
    texts = []
    for pool in pools:
        parts = [f"{pool.get('internal_api')} {pool.get('version') or ''}".strip()]
        if pool.get("architecture"):
            parts.append(f"kernel {pool['architecture']}")
        parts.append(f"{pool.get('num_threads')} thread(s)")
        parts.append(os.path.basename(pool.get("filepath", "")))
        texts.append(", ".join(parts))
    return "; ".join(texts)


def print_header(root: str, malloc_text: str, torch_version: str | None) -> None:
    """What the numbers depend on: machine, Python, NumPy, BLAS, allocator, versions."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    rows = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{platform.platform()}; {_cpu_model()}; "
                    f"{os.cpu_count()} cores ({affinity} usable)"),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("numpy", np.__version__),
        ("blas", _blas_text()),
        ("env", bench_process.thread_env_text()),
        ("malloc", malloc_text),
        ("minigrad", f"{mg.__version__} at {os.path.dirname(mg.__file__)} "
                     f"(git {_git_revision(root)})"),
    ]
    if torch_version is not None:
        rows.append(("torch", f"{torch_version}, 1 thread"))
    width = max(len(k) for k, _ in rows)
    print("minigrad benchmarks")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print()


def _yes(holds: bool | None) -> str:
    return "-" if holds is None else "yes" if holds else "NO"


def print_table(lines: list[Line], with_torch: bool) -> None:
    head = ["measure", "target", "warm: minigrad ratio [p10-p90]",
            "cold: minigrad ratio [p10-p90]"]
    if with_torch:
        head.append("warm: PyTorch ratio [p10-p90]")
    head.append("holds? warm/cold")
    rows = [[ln.measure, ln.target, ln.minigrad, ln.cold.text if ln.cold else "-"]
            + ([ln.torch] if with_torch else [])
            + [f"{_yes(ln.holds)} / {_yes(ln.cold.holds if ln.cold else None)}"]
            for ln in lines]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    print()
    print(fmt(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(fmt(row))
    warm = [ln.holds for ln in lines if ln.holds is not None]
    cold = [ln.cold.holds for ln in lines if ln.cold is not None]
    print(f"\nWarm: {sum(warm)} of {len(warm)} targets hold; cold: {sum(cold)} of {len(cold)}. "
          "Ratios: contender time / NumPy time per round; memory: minigrad peak / NumPy peak. "
          "Warm: one process, gc frozen, after a warm-up; cold: a fresh process per sample, "
          "gc on, first call included.")
