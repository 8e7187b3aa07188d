"""The cold benchmark rows' child process: what it measures, not how fast (no wall times)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
CHILD = BENCHMARKS / "bench_cold_child.py"


def _env() -> dict[str, str]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, str(CHILD), *args], env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("args", "calls"), [
    (("mlp", "32", "3"), 3),
    (("chain", "30", "2"), 2),
    (("xor",), 1),
])
def test_both_contenders_time_every_call_and_compute_the_same_numbers(
        args: tuple[str, ...], calls: int) -> None:
    out = {c: _child(args[0], c, *args[1:]) for c in ("numpy", "minigrad")}
    for result in out.values():
        assert len(result["seconds"]) == calls
        assert all(s > 0 for s in result["seconds"])
        assert result["page_faults"] >= 0
    assert out["minigrad"]["value"] == pytest.approx(out["numpy"]["value"], rel=1e-4)


def test_long_chain_runs_in_the_child() -> None:
    result = _child("long", "minigrad", "1000")
    assert len(result["seconds"]) == 1
    assert result["value"] == pytest.approx(4 * 1.0001 ** 1000)


def test_numpy_child_never_loads_minigrad_and_keeps_the_default_gc() -> None:
    # A NumPy baseline that imported minigrad would pay for its import and its objects
    # in every garbage collection, and the cold ratio would look better than it is.
    code = (
        "import gc, runpy, sys; default = gc.get_threshold(); "
        f"sys.path.insert(0, {str(BENCHMARKS)!r}); "
        f"sys.argv = [{str(CHILD)!r}, 'mlp', 'numpy', '32', '1']; "
        f"runpy.run_path({str(CHILD)!r}, run_name='__main__'); "
        "print('minigrad' in sys.modules, gc.isenabled(), gc.get_threshold() == default)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False True True"


def test_unknown_measurement_is_refused() -> None:
    done = subprocess.run([sys.executable, str(CHILD), "nope", "numpy"], env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "unknown measurement" in done.stderr
