"""One seed for everything: initialisation, shuffling, dropout and datasets.

Every place that takes ``rng=None`` draws its generator from a global root generator, so
``mg.manual_seed(0)`` at the top of a script makes the whole run repeatable, while an
explicit ``rng=`` (an int or a Generator) still wins where it is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Made on first use: numpy.random costs ~10 ms to import, which `import minigrad` should not.
_root: np.random.Generator | None = None


def manual_seed(seed: int) -> None:
    """Reseed the root generator that every ``rng=None`` draws from.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> mg.manual_seed(0); a = nn.Dense(2, 2).W.data.copy()
    >>> mg.manual_seed(0); b = nn.Dense(2, 2).W.data.copy()
    >>> bool((a == b).all())
    True
    """
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: expected a non-negative int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _root = np.random.default_rng(int(seed))


def make_rng(rng: Any = None) -> np.random.Generator:
    """A Generator from None (a child of the root generator), an int seed, or a Generator."""
    global _root
    if rng is None:
        if _root is None:
            _root = np.random.default_rng()
        return _root.spawn(1)[0]
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")
