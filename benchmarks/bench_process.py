"""Process set-up that must happen before NumPy loads: no NumPy import in this module."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads_by_environment() -> None:
    """One BLAS/OpenMP thread: the pool size is read when the library loads, so call first.

    A multi-threaded BLAS makes small matmuls noisy, and the ratios would measure the
    thread pool. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as the machine sets them.
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


# glibc's mallopt parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Far above any array a row allocates (the largest is 256 KiB), so no contender's arrays
# ever come from mmap and freed memory is never handed back to the kernel mid-run.
MMAP_THRESHOLD_BYTES = 64 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024


def pin_malloc() -> str:
    """Fix glibc malloc's thresholds for the whole process; returns what was done.

    By default glibc serves blocks above a *dynamic* threshold (128 KiB at start) with
    mmap and moves that threshold as blocks are freed, so the first contender to free a
    256 KiB array changes how every later one allocates: the NumPy baseline alone moved
    by 1.6x at batch 256 depending on what ran before it. Fixed thresholds make every
    contender allocate from the same warm heap. Must run before NumPy allocates anything.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return "not pinned (no C library found)"
    try:
        libc = ctypes.CDLL(name)
        version = libc.gnu_get_libc_version
    except (OSError, AttributeError):
        return "not pinned (the C library is not glibc)"
    version.restype = ctypes.c_char_p
    ok_mmap = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    ok_trim = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    if not (ok_mmap and ok_trim):
        return f"glibc {version().decode()}: mallopt refused (mmap={ok_mmap}, trim={ok_trim})"
    return (f"glibc {version().decode()}: M_MMAP_THRESHOLD={MMAP_THRESHOLD_BYTES >> 20} MiB, "
            f"M_TRIM_THRESHOLD={TRIM_THRESHOLD_BYTES >> 20} MiB")


def thread_env_text() -> str:
    keys = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    return ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in keys)
