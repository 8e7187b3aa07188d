"""Toy datasets, splitting, scaling and batching for small classification experiments.

The package re-exports one module per concept: :mod:`~minigrad.data.datasets` (the
``make_*`` toy datasets), :mod:`~minigrad.data.targets` (``one_hot``,
``binary_targets``), :mod:`~minigrad.data.split` (``train_test_split``),
:mod:`~minigrad.data.scaling` (``Standardizer``) and :mod:`~minigrad.data.batches`
(``iterate_batches``); :mod:`~minigrad.data.checks` holds the input checks they share.
"""

from minigrad.data.batches import iterate_batches
from minigrad.data.datasets import make_blobs, make_circles, make_moons, make_spirals, make_xor
from minigrad.data.scaling import Standardizer
from minigrad.data.split import train_test_split
from minigrad.data.targets import binary_targets, one_hot

__all__ = [
    "Standardizer",
    "binary_targets",
    "iterate_batches",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "one_hot",
    "train_test_split",
]
