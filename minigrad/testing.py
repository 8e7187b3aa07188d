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


def _inward(value: float, dtype: np.dtype, toward: float) -> float:
    """``value`` rounded to the nearest number of ``dtype`` on the ``toward`` side.

    hypothesis refuses float bounds that the element width cannot represent exactly
    (``low=0.1`` for float32), so bounds are moved inward to the nearest one that can.
    """
    rounded = np.asarray(value, dtype=dtype)
    if (rounded < value < toward) or (toward < value < rounded):
        rounded = np.nextafter(rounded, np.asarray(toward, dtype=dtype))
    return float(rounded)


def _away_from(kinks: Sequence[float], margin: float, low: float, high: float) -> Any:
    points = np.sort(np.asarray(kinks, dtype=np.float64))
    # Zones of radius 2 * margin around the kinks, merged where they touch: a zone's ends
    # are at least 2 * margin from every kink, so moving a value to an end can never land
    # it near another kink (moving it 2 * margin past its own kink could).
    starts, ends = [points[0] - 2 * margin], [points[0] + 2 * margin]
    for kink in points[1:]:
        if kink - 2 * margin <= ends[-1]:
            ends[-1] = kink + 2 * margin
        else:
            starts.append(kink - 2 * margin)
            ends.append(kink + 2 * margin)
    zone_starts, zone_ends = np.array(starts), np.array(ends)

    def push(values: np.ndarray) -> np.ndarray:
        # Move any value within `margin` of a kink to the nearer end of its zone that lies
        # in [low, high], so a central difference of step << margin never straddles a kink.
        out = values.copy()
        near = np.zeros(out.shape, dtype=bool)
        for kink in points:
            near |= np.abs(out - kink) < margin
        if near.any():
            moved = out[near].astype(np.float64)
            zone = np.searchsorted(zone_starts, moved, side="right") - 1
            down, up = zone_starts[zone], zone_ends[zone]
            down_ok, up_ok = down >= low, up <= high
            go_up = np.where(down_ok & up_ok, up - moved <= moved - down, up_ok)
            out[near] = np.where(go_up, up, down)
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

    ``shape`` is a tuple or a strategy of tuples (default: :func:`shapes`). A value near a
    kink is moved to at least ``2 * margin`` from every kink, staying in ``[low, high]``
    unless the kinks leave no room there. Bounds that ``dtype`` cannot represent exactly
    are rounded inward.
    """
    dtype = np.dtype(dtype)
    low_bound, high_bound = _inward(low, dtype, high), _inward(high, dtype, low)
    elements = st.floats(low_bound, high_bound, allow_nan=False, allow_infinity=False,
                         width=dtype.itemsize * 8)
    strategy = hnp.arrays(dtype, shape if shape is not None else shapes(), elements=elements)
    if len(avoid):
        strategy = strategy.map(_away_from(avoid, margin, low, high))
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
