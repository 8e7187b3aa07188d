"""A check shared by the optimizer tests: a bad state dict is refused and changes nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


def assert_refused_unchanged(opt: Any, good: dict[str, np.ndarray], changes: dict[str, Any],
                             message: str) -> None:
    """Load ``good`` edited by ``changes`` (a value of None deletes the key): it must raise
    ValueError matching ``message`` and leave ``opt.state_dict()`` equal to ``good``."""
    bad = dict(good)
    for key, value in changes.items():
        if value is None:
            del bad[key]
        else:
            bad[key] = value
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after.keys() == good.keys()
    for key in good:
        np.testing.assert_array_equal(after[key], good[key])
