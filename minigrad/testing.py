"""Hypothesis strategies for testing differentiable code, shared by the suite and by users.

Needs the ``hypothesis`` package (the ``dev`` extra); ``import minigrad`` does not load it.

Examples
--------
>>> from hypothesis import given
>>> import minigrad as mg
>>> from minigrad.testing import arrays
>>> @given(arrays(shape=(3,)))
... def test_square(x):
...     assert mg.gradcheck(lambda t: t * t, mg.Tensor(x, requires_grad=True))
>>> test_square()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, 0-d and size-1 axes included by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def _away_from(kinks: Sequence[float], margin: float) -> Any:
    kinks_array = np.asarray(kinks, dtype=np.float64)

    def push(values: np.ndarray) -> np.ndarray:
        # Move any value within `margin` of a kink to `2 * margin` past it, so a central
        # difference of step << margin never straddles the kink.
        out = values.copy()
        for kink in kinks_array:
            near = np.abs(out - kink) < margin
            out[near] = kink + np.where(out[near] >= kink, 2 * margin, -2 * margin)
        return out

    return push


def arrays(
    shape: Any = None,
    dtype: Any = np.float64,
    low: float = -3.0,
    high: float = 3.0,
    avoid: Sequence[float] = (),
    margin: float = 1e-3,
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays in ``[low, high]``, kept ``margin`` away from the ``avoid`` points.

    ``shape`` is a tuple or a strategy of tuples (default: :func:`shapes`).
    """
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False,
                         width=np.dtype(dtype).itemsize * 8)
    strategy = hnp.arrays(dtype, shape if shape is not None else shapes(), elements=elements)
    if avoid:
        strategy = strategy.map(_away_from(avoid, margin)).map(lambda a: a.astype(dtype))
    return strategy


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of ``num_shapes`` shapes that broadcast together."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)


@st.composite
def matmul_shapes(draw: Any, max_batch_dims: int = 2, max_side: int = 4
                  ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A pair of shapes valid for ``@``: 1-D, 2-D and broadcast batched N-D operands."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    batch_a, batch_b = draw(broadcastable_shapes(2, 0, max_batch_dims, max_side=3))
    a_1d = draw(st.booleans()) and not batch_a
    b_1d = draw(st.booleans()) and not batch_b
    a = (k,) if a_1d else (*batch_a, n, k)
    b = (k,) if b_1d else (*batch_b, k, m)
    return a, b
