"""What the suite does when something a test needs is not installed.

Locally the test skips, saying how to install it; in CI (``CI`` set, where ``.ci/run`` and
the dev extra install everything) it fails, so no comparison silently stops running.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(what: str, install: str) -> NoReturn:
    """Skip (locally) or fail (in CI) because ``what`` is not there; ``install`` says how."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI ({install}): .ci/run and the dev extra install it")
    pytest.skip(f"needs {what}: {install}")
