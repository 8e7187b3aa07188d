"""Neural-network building blocks: modules, layers, activations and losses."""

from minigrad.autograd import Context
from minigrad.nn.init import INIT_NAMES
from minigrad.nn.layers import BatchNorm1d, Dense, Dropout
from minigrad.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from minigrad.nn.module import Buffer, Layer, Module, Parameter, Sequential

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "INIT_NAMES",
    "BatchNorm1d",
    "Buffer",
    "Context",
    "Dense",
    "Dropout",
    "Layer",
    "Module",
    "Parameter",
    "Sequential",
]
