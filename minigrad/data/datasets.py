"""Toy datasets for small classification experiments: XOR, moons, circles, spirals, blobs.

Conventions shared by every ``make_*`` function:

- It returns ``(X, y)``: ``X`` is float64 of shape ``(n_samples, n_features)`` and ``y`` is
  int64 of shape ``(n_samples,)`` holding class labels ``0 .. k-1``.
- Samples come ordered by class (not shuffled); :func:`~minigrad.data.train_test_split`
  and :func:`~minigrad.data.iterate_batches` shuffle.
- ``noise`` is the standard deviation of Gaussian noise added to every coordinate.
- ``rng`` is None (fresh entropy), an int seed or a ``numpy.random.Generator``; one seed
  always gives the same data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.data.checks import _as_array, _count
from minigrad.nn.init import make_rng

__all__ = ["make_blobs", "make_circles", "make_moons", "make_spirals", "make_xor"]


def _non_negative(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    if not value >= 0 or not math.isfinite(value):  # `not >=` also rejects NaN
        raise ValueError(f"{where}: {name} must be a finite number >= 0, got {value}")
    return float(value)


def _add_noise(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    return X


def _split_evenly(n_samples: int, n_groups: int) -> np.ndarray:
    """Group sizes summing to ``n_samples`` that differ by at most one (larger ones first)."""
    sizes = np.full(n_groups, n_samples // n_groups, dtype=np.int64)
    sizes[: n_samples % n_groups] += 1
    return sizes


def make_xor(n_samples: int = 4, noise: float = 0.0, rng: Any = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: label 1 where exactly one of the two coordinates is 1.

    Parameters
    ----------
    n_samples : int, default=4
        Number of points, at least 4. With 4 (and no noise) these are the four corners of
        the unit square in the order (0,0), (0,1), (1,0), (1,1); more points cycle through
        the corners, so with ``noise > 0`` they form four noisy clouds.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        The label of the corner each point belongs to (0 or 1).

    Examples
    --------
    >>> from minigrad.data import make_xor
    >>> X, y = make_xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n_samples = _count("make_xor", "n_samples", n_samples, 4)
    noise = _non_negative("make_xor", "noise", noise)
    generator = make_rng(rng)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n_samples) % 4
    X = _add_noise(corners[which], noise, generator)
    y = np.array([0, 1, 1, 0], dtype=np.int64)[which]
    return X, y


def make_moons(n_samples: int = 100, noise: float = 0.0, rng: Any = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as in scikit-learn.

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)``, with ``t`` evenly spaced over ``[0, pi]``; class 0 gets
    ``n_samples // 2`` points, class 1 the rest.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least 2.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> from minigrad.data import make_moons
    >>> X, y = make_moons(6, noise=0.1, rng=0)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    n_samples = _count("make_moons", "n_samples", n_samples, 2)
    noise = _non_negative("make_moons", "noise", noise)
    generator = make_rng(rng)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = _add_noise(np.concatenate([upper, lower]), noise, generator)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_upper, n_lower])
    return X, y


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.5,
                 rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1).

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least 2; the outer circle gets ``n_samples // 2``.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default=0.5
        Radius of the inner circle, in ``[0, 1)``.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_circles
    >>> X, y = make_circles(8, factor=0.3)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 6).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.3, 0.3, 0.3, 0.3]
    """
    n_samples = _count("make_circles", "n_samples", n_samples, 2)
    noise = _non_negative("make_circles", "noise", noise)
    factor = _non_negative("make_circles", "factor", factor)
    if factor >= 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor}")
    generator = make_rng(rng)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    # endpoint=False: the angle 2*pi would repeat the point at angle 0.
    t_outer = np.linspace(0.0, 2 * math.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    X = _add_noise(np.concatenate([outer, inner]), noise, generator)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_outer, n_inner])
    return X, y


def make_spirals(n_samples: int = 100, n_classes: int = 3, noise: float = 0.0,
                 rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` spiral arms winding out of the origin, one class per arm.

    Arm ``k`` holds points at radius ``r`` in ``(0, 1]`` and angle
    ``2 pi k / n_classes + 1.5 pi r`` (three quarters of a turn), so the arms are rotated
    copies of each other and no class is linearly separable from the rest.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least ``n_classes``; split over the arms as evenly as
        possible (sizes differ by at most one, the first arms get the extra points).
    n_classes : int, default=3
        Number of arms (classes), at least 2.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_spirals
    >>> X, y = make_spirals(90, n_classes=3, noise=0.05, rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    n_classes = _count("make_spirals", "n_classes", n_classes, 2)
    n_samples = _count("make_spirals", "n_samples", n_samples, n_classes)
    noise = _non_negative("make_spirals", "noise", noise)
    generator = make_rng(rng)
    arms = []
    for k, size in enumerate(_split_evenly(n_samples, n_classes)):
        # Radii start just off 0 so that the arms do not share the origin point.
        radius = np.linspace(0.0, 1.0, size + 1)[1:]
        angle = 2 * math.pi * k / n_classes + 1.5 * math.pi * radius
        arms.append(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    X = _add_noise(np.concatenate(arms), noise, generator)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), _split_evenly(n_samples, n_classes))
    return X, y


def make_blobs(n_samples: int = 100, centers: int | Any = 3, n_features: int = 2,
               cluster_std: float | Sequence[float] = 1.0, rng: Any = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least the number of centers; split over the clusters as
        evenly as possible (the first clusters get the extra points).
    centers : int or array_like of shape (k, n_features), default=3
        The number of clusters, whose centers are then drawn uniformly from
        ``[-10, 10]^n_features`` (as scikit-learn does), or the centers themselves.
    n_features : int, default=2
        Number of coordinates per point (ignored when ``centers`` is an array).
    cluster_std : float or sequence of k floats, default=1.0
        Standard deviation of each cluster; this is the blobs' noise parameter.
    rng : None, int or numpy.random.Generator
        Seed of the centers and the points.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.data import make_blobs
    >>> X, y = make_blobs(7, centers=[[0, 0], [5, 5]], cluster_std=0.1, rng=0)
    >>> X.shape, y.tolist()
    ((7, 2), [0, 0, 0, 0, 1, 1, 1])
    """
    generator = make_rng(rng)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = _count("make_blobs", "centers", centers, 1)
        n_features = _count("make_blobs", "n_features", n_features, 1)
        points = generator.uniform(-10.0, 10.0, size=(n_centers, n_features))
    else:
        points = _as_array("make_blobs", "centers", centers).astype(np.float64)
        if points.ndim != 2 or points.shape[0] == 0 or points.shape[1] == 0:
            raise ValueError(
                f"make_blobs: centers must be an int or an array of shape (k, n_features), "
                f"got shape {points.shape}"
            )
        if not np.all(np.isfinite(points)):
            raise ValueError("make_blobs: centers must be finite")
    n_centers = points.shape[0]
    n_samples = _count("make_blobs", "n_samples", n_samples, n_centers)
    try:
        stds = np.asarray(cluster_std, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"make_blobs: cluster_std must be numbers, got {cluster_std!r}") from None
    if stds.ndim == 0:
        stds = np.full(n_centers, float(stds))
    if stds.shape != (n_centers,):
        raise ValueError(
            f"make_blobs: cluster_std must be a number or {n_centers} numbers (one per center), "
            f"got shape {stds.shape}"
        )
    if not np.all(np.isfinite(stds) & (stds >= 0)):
        raise ValueError(f"make_blobs: cluster_std must be finite and >= 0, got {stds.tolist()}")
    sizes = _split_evenly(n_samples, n_centers)
    which = np.repeat(np.arange(n_centers), sizes)
    X = points[which] + generator.standard_normal((n_samples, points.shape[1])) * stds[which, None]
    return X, which.astype(np.int64)
