"""Suite-wide settings: hypothesis profiles and warnings as errors.

Select a profile with ``HYPOTHESIS_PROFILE=dev`` (more examples); ``ci`` is the default.
"""

from __future__ import annotations

import gc
import os

import pytest
from hypothesis import HealthCheck, settings
from optional import missing

settings.register_profile(
    "ci", deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    # pyproject sets filterwarnings=error too; repeating it here keeps a RuntimeWarning fatal
    # when the suite runs under another config file (``-c``) or from another directory.
    config.addinivalue_line("filterwarnings", "error")
    # When a property fails, hypothesis writes a patch with libcst, whose import warns via
    # mypy_extensions; as an error that crashes the whole session instead of reporting
    # the failure. It is a third-party notice, not a warning from code under test.
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


@pytest.fixture(scope="session")
def torch():  # type: ignore[no-untyped-def]
    """PyTorch, the reference that comparison tests check minigrad against.

    Locally a missing torch skips the test with how to install it; in CI (``CI`` set, where
    ``.ci/run`` installs it) a missing torch is a failure, so the comparison always runs.
    """
    try:
        import torch as torch_module
    except ImportError:
        missing("PyTorch as the reference", "pip install torch==2.13.0")
    torch_module.set_default_dtype(torch_module.float64)
    # torch brings hundreds of thousands of long-lived objects; freezing them keeps every
    # later garbage collection (and the gc.collect() of the memory tests) from rescanning
    # them: with them unfrozen the suite ran 20 s longer.
    gc.freeze()
    return torch_module


@pytest.fixture(scope="session")
def onnxruntime():  # type: ignore[no-untyped-def]
    """onnxruntime, the runtime that the exported ONNX graphs are run and compared with.

    Locally a missing onnxruntime skips the test with how to install it; in CI (``CI`` set,
    where the dev extra installs it) a missing one is a failure, so the graphs always run.
    """
    try:
        import onnxruntime as onnxruntime_module
    except ImportError:
        missing("onnxruntime to run the exported graphs", "pip install onnxruntime")
    return onnxruntime_module


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Each phase's report on the item, so a fixture's teardown can tell that its test failed
    # (the browser tests save a screenshot then).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
